//! Each page: a loader that returns a serializable view (the JSON API) and its HTML.

use std::str::FromStr;

use declai_chain::{
	units::{self, cred_unit, FIXED_ONE},
	AccountCredits,
};
use maud::{html, Markup};
use serde::Serialize;
use serde_json::Value as Json;
use subxt::utils::AccountId32;

use super::{svg, AccountQuery, AppError, AppState, View};
use crate::{
	derive::json_u128,
	index::Status,
	model::{BlockRow, EventRow, ExtrinsicRow, JobRow, JobStep, MoveKind, Movement, ReceiptRow},
};

// ---- parsing what people type ----

/// A 32-byte hash in `0x…` hex, lower-cased.
fn parse_hash(s: &str) -> Option<String> {
	let h = s.trim().strip_prefix("0x").or_else(|| s.trim().strip_prefix("0X"))?;
	(h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
		.then(|| format!("0x{}", h.to_ascii_lowercase()))
}

/// An account: SS58, or a 32-byte public key in hex; returned as SS58.
pub fn parse_account(s: &str) -> Option<String> {
	let s = s.trim();
	if let Ok(id) = AccountId32::from_str(s) {
		return Some(id.to_string());
	}
	let hex = parse_hash(s)?;
	let bytes = hex::decode(&hex[2..]).ok()?;
	Some(AccountId32(<[u8; 32]>::try_from(bytes.as_slice()).ok()?).to_string())
}

fn parse_u64(s: &str) -> Option<u64> {
	let s = s.trim().trim_start_matches('#');
	(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

// ---- small renderers ----

pub(super) fn short(s: &str) -> String {
	if s.len() > 16 {
		format!("{}…{}", &s[..8], &s[s.len() - 6..])
	} else {
		s.to_string()
	}
}

pub(super) fn account_link(a: &str) -> Markup {
	html! { a.mono href=(format!("/account/{a}")) title=(a) { (short(a)) } }
}

pub(super) fn block_link(n: u64) -> Markup {
	html! { a href=(format!("/block/{n}")) { "#" (n) } }
}

pub(super) fn event_link(block: u64, event: u32) -> Markup {
	html! { a href=(format!("/block/{block}#event-{event}")) { "#" (block) "·e" (event) } }
}

/// UTC date and time of a Unix timestamp in ms (civil-from-days, no time-zone database).
pub fn utc(ms: u64) -> String {
	let secs = ms / 1000;
	let days = (secs / 86_400) as i64;
	let rem = secs % 86_400;
	let z = days + 719_468;
	let era = z.div_euclid(146_097);
	let doe = z.rem_euclid(146_097);
	let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let d = doy - (153 * mp + 2) / 5 + 1;
	let m = if mp < 10 { mp + 3 } else { mp - 9 };
	let y = yoe + era * 400 + i64::from(m <= 2);
	format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// JSON as a compact, readable text (strings unquoted at the top level).
pub fn json_text(v: &Json) -> String {
	match v {
		Json::String(s) => s.clone(),
		other => other.to_string(),
	}
}

/// Fields as a definition list; accounts link to their page, amounts-looking fields show CRED.
pub(super) fn fields(v: &Json) -> Markup {
	match v {
		Json::Object(m) if !m.is_empty() => html! {
			dl.fields {
				@for (k, val) in m {
					dt { (k) }
					dd { (field_value(k, val)) }
				}
			}
		},
		Json::Object(_) => html! { span.muted { "none" } },
		other => html! { code { (json_text(other)) } },
	}
}

fn is_amount_field(name: &str) -> bool {
	matches!(
		name,
		"amount"
			| "price" | "earned"
			| "minted"
			| "withheld"
			| "slashed"
			| "bond" | "actual_fee"
			| "tip" | "cap"
	)
}

fn field_value(name: &str, v: &Json) -> Markup {
	if let Json::String(s) = v {
		if let Some(a) = parse_account(s).filter(|a| a == s) {
			return account_link(&a);
		}
	}
	if is_amount_field(name) {
		if let Some(raw) = json_u128(v) {
			return html! { span title=(format!("{raw} raw units")) { (cred_unit(raw)) } };
		}
	}
	match (name, v) {
		("job", v) if json_u128(v).is_some() => {
			html! { a href=(format!("/job/{}", json_text(v))) { "job " (json_text(v)) } }
		}
		(_, Json::Array(items))
			if items.iter().all(
				|i| matches!(i, Json::String(s) if parse_account(s).as_deref() == Some(s)),
			) && !items.is_empty() =>
		{
			html! {
				@for (i, item) in items.iter().enumerate() {
					@if i > 0 { ", " }
					(account_link(&json_text(item)))
				}
			}
		}
		_ => html! { code { (json_text(v)) } },
	}
}

fn status_line(status: &Status) -> Markup {
	html! {
		p.status {
			"Node " code { (status.node) } ": "
			@if status.connected { span.ok { "connected" } } @else { span.error { "not connected" } }
			" · finalized " @if let Some(f) = status.finalized { (block_link(f)) } @else { "?" }
			" · indexed " @if let Some(i) = status.indexed { (block_link(i)) } @else { "nothing yet" }
			@if let Some(e) = &status.error { " · " span.error { (e) } }
		}
	}
}

fn extrinsic_table(rows: &[ExtrinsicRow]) -> Markup {
	html! {
		table {
			thead { tr { th { "Extrinsic" } th { "Call" } th { "Signer" } th { "Result" } } }
			tbody {
				@for x in rows {
					tr {
						td { a href=(format!("/extrinsic/{}-{}", x.block, x.index)) { (x.block) "-" (x.index) } }
						td { (x.pallet) "." (x.call) }
						td { @if let Some(s) = &x.signer { (account_link(s)) } @else { span.muted { "inherent" } } }
						td { @if x.success { span.ok { "✔ success" } } @else { span.error { "✘ " (x.error.clone().unwrap_or_default()) } } }
					}
				}
			}
		}
	}
}

fn events_table(rows: &[EventRow]) -> Markup {
	html! {
		table {
			thead { tr { th { "Event" } th { "Name" } th { "Extrinsic" } th { "Fields" } } }
			tbody {
				@for e in rows {
					tr id=(format!("event-{}", e.index)) {
						td { (e.block) "·e" (e.index) }
						td { (e.pallet) "." (e.name) }
						td { @if let Some(x) = e.extrinsic { a href=(format!("/extrinsic/{}-{}", e.block, x)) { (e.block) "-" (x) } } @else { span.muted { "block" } } }
						td { (fields(&e.fields)) }
					}
				}
			}
		}
	}
}

// ---- home ----

/// A job with its latest step.
#[derive(Serialize)]
pub struct JobSummary {
	/// The job.
	#[serde(flatten)]
	pub job: JobRow,
	/// Its latest step (event name).
	pub status: Option<String>,
}

/// `/`.
#[derive(Serialize)]
pub struct Home {
	/// Indexer status.
	pub status: Status,
	/// Latest finalized blocks.
	pub blocks: Vec<BlockRow>,
	/// Latest signed extrinsics.
	pub extrinsics: Vec<ExtrinsicRow>,
	/// Latest jobs.
	pub jobs: Vec<JobSummary>,
	/// `EconomicsApi::economics` at the finalized head.
	pub economy: Option<Json>,
	/// Why the economy is missing.
	pub economy_error: Option<String>,
	/// Credits expiring within 30 days (raw units), if the node answered.
	pub expiring_30_days: Option<String>,
	/// The invariant monitor: how many divergences the index holds.
	pub divergence_count: u64,
	/// The latest of them.
	pub divergences: Vec<crate::model::Divergence>,
}

pub async fn home(s: &AppState) -> Result<Home, AppError> {
	let mut jobs = Vec::new();
	for job in s.db.latest_jobs(10).await? {
		let status = s.db.last_step(job.id).await?;
		jobs.push(JobSummary { job, status });
	}
	let (economy, economy_error) = match s.chain.economics().await {
		Ok(e) => (Some(e), None),
		Err(e) => (None, Some(e)),
	};
	let status = s.shared.status();
	let expiring_30_days = match status.finalized {
		Some(f) => s.chain.expiring_within(30, f).await.ok().map(|v| v.to_string()),
		None => None,
	};
	let (divergence_count, divergences) = s.db.divergences(10).await?;
	Ok(Home {
		expiring_30_days,
		divergence_count,
		divergences,
		status,
		blocks: s.db.latest_blocks(12).await?,
		extrinsics: s.db.latest_signed(12).await?,
		jobs,
		economy,
		economy_error,
	})
}

/// A decimal cut to `places` fractional digits, marked `≈` when something was cut.
fn rounded(decimal: &str, places: usize) -> String {
	match decimal.split_once('.') {
		Some((whole, frac)) if frac.len() > places => format!("≈ {whole}.{}", &frac[..places]),
		_ => decimal.to_string(),
	}
}

fn economy_panel(e: &Json) -> Markup {
	let get = |k: &str| e.get(k).map(json_text).unwrap_or_else(|| "?".into());
	let amount =
		|k: &str| e.get(k).and_then(json_u128).map(cred_unit).unwrap_or_else(|| "?".into());
	let circulation = e.get("circulation").and_then(json_u128);
	let cap = e.get("circulation_cap").and_then(json_u128);
	let window = e.get("window");
	html! {
		dl.economy {
			dt { "α (demand)" } dd { (get("alpha")) }
			dt { "β (difficulty)" } dd { (get("beta")) }
			dt { "earned / consumed (30 days)" } dd { (rounded(&get("earned_over_consumed"), 4)) " (aim " (get("aim")) ", band 0.95–1.05)" }
			@if let Some(w) = window {
				dt { "earned, 30 days" } dd { (w.get("earned").and_then(json_u128).map(cred_unit).unwrap_or_default()) }
				dt { "consumed, 30 days" } dd { (w.get("consumed").and_then(json_u128).map(cred_unit).unwrap_or_default()) }
			}
			dt { "circulation" } dd {
				(amount("circulation")) " of cap " (amount("circulation_cap"))
				@if let (Some(c), Some(cap)) = (circulation, cap) {
					@if cap > 0 { " (" (format!("{:.1}", c as f64 / cap as f64 * 100.0)) " %)" }
				}
			}
			dt { "concentration cap (per account)" } dd { (amount("concentration_cap")) }
			dt { "minting" } dd { @if e.get("mint_paused") == Some(&Json::Bool(true)) { span.error { "paused" } } @else { "open" } }
		}
	}
}

impl View for Home {
	fn title(&self) -> String {
		"Latest blocks".into()
	}

	fn body(&self) -> Markup {
		html! {
			h1 { "DeCLAI chain" }
			(status_line(&self.status))
			section #pending {
				h2 { "Pending (not finalized)" }
				ul #pending-list {
					@for p in &self.status.pending { li.pending { "#" (p.number) " " span.mono { (short(&p.hash)) } " pending" } }
				}
			}
			section #monitor {
				h2 { "Invariant monitor" }
				@if self.divergence_count == 0 {
					p.ok #monitor-ok { "✔ The index agrees with the chain at every indexed block: total issuance, every account's ledger, the 5% concentration cap and the circulation cap." }
				} @else {
					p.error #monitor-divergent { "✘ " (self.divergence_count) " divergences between the index and the chain:" }
					ul { @for d in &self.divergences { li { (block_link(d.block)) " " strong { (d.rule) } ": " (d.detail) } } }
				}
			}
			section {
				h2 { "Economy" }
				@if let Some(e) = &self.economy { (economy_panel(e)) }
				@if let Some(x) = &self.expiring_30_days { p { "Expiring in the next 30 days: " strong #expiring { (cred_unit(x.parse().unwrap_or_default())) } } }
				p { a href="/economics" { "α, β and earned/consumed over time →" } }
				@if let Some(e) = &self.economy_error { p.error { "Not available: " (e) } }
			}
			section {
				h2 { "Latest finalized blocks" }
				table #latest-blocks {
					thead { tr { th { "Block" } th { "Time" } th { "Extrinsics" } th { "Events" } th { "Hash" } } }
					tbody {
						@for b in &self.blocks {
							tr { td { (block_link(b.number)) } td { (b.timestamp_ms.map(utc).unwrap_or_default()) } td { (b.extrinsics) } td { (b.events) } td.mono { (short(&b.hash)) } }
						}
					}
				}
			}
			section { h2 { "Latest signed extrinsics" } (extrinsic_table(&self.extrinsics)) }
			section {
				h2 { "Latest jobs" }
				table {
					thead { tr { th { "Job" } th { "Consumer" } th { "Model" } th { "Price" } th { "Status" } } }
					tbody {
						@for j in &self.jobs {
							tr { td { a href=(format!("/job/{}", j.job.id)) { "job " (j.job.id) } } td { (account_link(&j.job.consumer)) } td { (j.job.model) } td { (cred_unit(j.job.price)) } td { (j.status.clone().unwrap_or_default()) } }
						}
					}
				}
			}
		}
	}
}

// ---- block ----

/// `/block/{id}`.
#[derive(Serialize)]
pub struct BlockView {
	/// The block.
	pub block: BlockRow,
	/// Its extrinsics.
	pub extrinsics: Vec<ExtrinsicRow>,
	/// Its events.
	pub events: Vec<EventRow>,
}

pub async fn block(s: &AppState, id: String) -> Result<BlockView, AppError> {
	let found = if let Some(n) = parse_u64(&id) {
		s.db.block(n).await?
	} else if let Some(h) = parse_hash(&id) {
		s.db.block_by_hash(&h).await?
	} else {
		return Err(AppError::bad_request(
			"Not a block",
			format!("{id:?} is neither a block number nor a 0x-prefixed 32-byte hash."),
		));
	};
	let Some(block) = found else {
		let status = s.shared.status();
		let pending = status
			.pending
			.iter()
			.any(|p| Some(p.number) == parse_u64(&id) || Some(&p.hash) == parse_hash(&id).as_ref());
		return Err(AppError::not_found(
			"Block not found",
			if pending {
				format!("Block {id} is not finalized yet: the explorer shows finalized blocks only. Reload in a few seconds.")
			} else {
				format!(
					"No finalized block {id} in the index (indexed up to {}).",
					status.indexed.map_or("nothing".into(), |i| i.to_string())
				)
			},
		));
	};
	Ok(BlockView {
		extrinsics: s.db.extrinsics_of(block.number).await?,
		events: s.db.events_of(block.number, None).await?,
		block,
	})
}

impl View for BlockView {
	fn title(&self) -> String {
		format!("Block #{}", self.block.number)
	}

	fn body(&self) -> Markup {
		let b = &self.block;
		html! {
			h1 { "Block #" (b.number) }
			dl.fields {
				dt { "Hash" } dd.mono { (b.hash) }
				dt { "Parent" } dd { @if b.number > 0 { a.mono href=(format!("/block/{}", b.number - 1)) { (b.parent_hash) } } @else { "genesis" } }
				dt { "Time" } dd { (b.timestamp_ms.map(utc).unwrap_or_else(|| "—".into())) }
				dt { "Runtime" } dd { "spec version " (b.spec_version) }
				dt { "Finality" } dd { span.ok { "finalized" } }
			}
			p { a href=(format!("/block/{}", b.number + 1)) { "Next block →" } }
			h2 { "Extrinsics (" (self.extrinsics.len()) ")" }
			(extrinsic_table(&self.extrinsics))
			h2 { "Events (" (self.events.len()) ")" }
			(events_table(&self.events))
		}
	}
}

// ---- extrinsic ----

/// One extrinsic with its events.
#[derive(Serialize)]
pub struct ExtrinsicDetail {
	/// The extrinsic.
	pub extrinsic: ExtrinsicRow,
	/// Its events.
	pub events: Vec<EventRow>,
}

/// `/extrinsic/{block}-{index}` or `/extrinsic/{hash}`: every match.
#[derive(Serialize)]
pub struct ExtrinsicView {
	/// What was asked.
	pub query: String,
	/// The matches (a hash can match several extrinsics).
	pub matches: Vec<ExtrinsicDetail>,
}

pub async fn extrinsic(s: &AppState, id: String) -> Result<ExtrinsicView, AppError> {
	let rows = if let Some((b, i)) = id
		.split_once('-')
		.and_then(|(b, i)| Some((parse_u64(b)?, u32::try_from(parse_u64(i)?).ok()?)))
	{
		s.db.extrinsic(b, i).await?.into_iter().collect()
	} else if let Some(h) = parse_hash(&id) {
		s.db.extrinsics_by_hash(&h).await?
	} else {
		return Err(AppError::bad_request(
			"Not an extrinsic id",
			format!("{id:?} is neither BLOCK-INDEX (e.g. 12-1) nor a 0x-prefixed extrinsic hash."),
		));
	};
	if rows.is_empty() {
		return Err(AppError::not_found(
			"Extrinsic not found",
			format!("No finalized extrinsic {id} in the index."),
		));
	}
	let mut matches = Vec::new();
	for x in rows {
		let events = s.db.events_of(x.block, Some(x.index)).await?;
		matches.push(ExtrinsicDetail { extrinsic: x, events });
	}
	Ok(ExtrinsicView { query: id, matches })
}

impl View for ExtrinsicView {
	fn title(&self) -> String {
		match self.matches.as_slice() {
			[one] => format!("Extrinsic {}-{}", one.extrinsic.block, one.extrinsic.index),
			many => format!("{} extrinsics with hash {}", many.len(), short(&self.query)),
		}
	}

	fn body(&self) -> Markup {
		html! {
			h1 { (self.title()) }
			@if self.matches.len() > 1 { p { "Extrinsic hashes are not unique: every extrinsic with this hash is listed." } }
			@for m in &self.matches {
				@let x = &m.extrinsic;
				section.extrinsic {
					h2 { a href=(format!("/extrinsic/{}-{}", x.block, x.index)) { (x.block) "-" (x.index) } " " (x.pallet) "." (x.call) }
					dl.fields {
						dt { "Block" } dd { (block_link(x.block)) }
						dt { "Hash" } dd.mono { (x.hash) }
						dt { "Signer" } dd { @if let Some(s) = &x.signer { (account_link(s)) } @else { "none (inherent or unsigned)" } }
						dt { "Result" } dd {
							@if x.success { span.ok { "✔ success" } } @else {
								span.error.dispatch-error { "✘ " (x.error.clone().unwrap_or_default()) }
								@if let Some(d) = &x.error_doc { " — " (d) }
							}
						}
						@if let Some(fee) = x.fee { dt { "Fee" } dd { (cred_unit(fee)) } }
					}
					h3 { "Arguments" }
					(fields(&x.args))
					h3 { "Events" }
					(events_table(&m.events))
				}
			}
		}
	}
}

// ---- account ----

/// `/account/{ss58}`.
#[derive(Serialize)]
pub struct AccountView {
	/// SS58 address.
	pub address: String,
	/// Credits now (finalized head), from the runtime.
	pub credits: Option<AccountCredits>,
	/// Why `credits` is missing.
	pub credits_error: Option<String>,
	/// The ledger filter applied.
	pub kind: Option<String>,
	/// Movements, oldest first.
	pub movements: Vec<Movement>,
	/// Balance after each block that moved it: `[block, spendable, held]`.
	pub balance_history: Vec<(u64, String, String)>,
	/// Jobs it requested.
	pub jobs: Vec<JobSummary>,
	/// Receipts paid to it as a worker.
	pub receipts: Vec<ReceiptRow>,
	/// Jobs it worked on or audited.
	pub worked: Vec<u64>,
	/// Extrinsics it signed.
	pub extrinsics: Vec<ExtrinsicRow>,
}

fn account_of(text: &str) -> Result<String, AppError> {
	parse_account(text).ok_or_else(|| {
		AppError::bad_request(
			"Not an account",
			format!("{text:?} is not an SS58 address or a 0x-prefixed 32-byte public key."),
		)
	})
}

fn kind_of(q: &AccountQuery) -> Result<Option<String>, AppError> {
	match q.kind.as_deref().filter(|k| !k.is_empty()) {
		None => Ok(None),
		Some(k) => k.parse::<MoveKind>().map(|k| Some(k.as_str().to_string())).map_err(|_| {
			AppError::bad_request(
				"Unknown movement kind",
				format!("{k:?}: use one of {}", MoveKind::ALL.map(MoveKind::as_str).join(", ")),
			)
		}),
	}
}

pub async fn account(s: &AppState, text: String, q: AccountQuery) -> Result<AccountView, AppError> {
	let address = account_of(&text)?;
	let kind = kind_of(&q)?;
	let id = AccountId32::from_str(&address)
		.map_err(|_| AppError::bad_request("Not an account", text.clone()))?;
	let (credits, credits_error) = match s.chain.account(&id).await {
		Ok(c) => (Some(c), None),
		Err(e) => (None, Some(e)),
	};
	let mut jobs = Vec::new();
	for job in s.db.jobs_of(&address, 50).await? {
		let status = s.db.last_step(job.id).await?;
		jobs.push(JobSummary { job, status });
	}
	Ok(AccountView {
		movements: s.db.movements(&address, kind.as_deref()).await?,
		balance_history: s
			.db
			.balance_history(&address)
			.await?
			.into_iter()
			.map(|(b, bal)| (b, bal.spendable.to_string(), bal.held.to_string()))
			.collect(),
		receipts: s.db.receipts_of_worker(&address, 50).await?,
		worked: s.db.jobs_worked(&address, 50).await?,
		extrinsics: s.db.extrinsics_by(&address, 25).await?,
		jobs,
		credits,
		credits_error,
		kind,
		address,
	})
}

pub async fn movements_csv(
	s: &AppState,
	text: String,
	q: AccountQuery,
) -> Result<(String, String), AppError> {
	let address = account_of(&text)?;
	let kind = kind_of(&q)?;
	let mut csv = String::from("block,event,kind,amount_cred,amount_raw,counterparty,detail\n");
	for m in s.db.movements(&address, kind.as_deref()).await? {
		csv.push_str(&format!(
			"{},{},{},{},{},{},{}\n",
			m.block,
			m.event,
			m.kind.as_str(),
			units::cred(m.amount),
			m.amount,
			m.counterparty.unwrap_or_default(),
			csv_field(&m.detail.unwrap_or_default())
		));
	}
	Ok((format!("declai-{address}-movements.csv"), csv))
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
	if s.contains([',', '"', '\n']) {
		format!("\"{}\"", s.replace('"', "\"\""))
	} else {
		s.to_string()
	}
}

fn cred_f64(raw: u128) -> f64 {
	raw as f64 / declai_primitives::CRED as f64
}

impl View for AccountView {
	fn title(&self) -> String {
		format!("Account {}", short(&self.address))
	}

	fn body(&self) -> Markup {
		let history: Vec<(f64, f64)> = self
			.balance_history
			.iter()
			.map(|(b, sp, held)| {
				(
					*b as f64,
					cred_f64(
						sp.parse::<u128>()
							.unwrap_or_default()
							.saturating_add(held.parse().unwrap_or_default()),
					),
				)
			})
			.collect();
		html! {
			h1 { "Account" }
			p.mono.address { (self.address) }
			section {
				h2 { "Credits now (finalized)" }
				@if let Some(c) = &self.credits {
					@let owned = c.spendable.saturating_add(c.held);
					dl.fields {
						dt { "Spendable" } dd #spendable { (cred_unit(c.spendable)) }
						dt { "Held" } dd #held { (cred_unit(c.held)) }
						dt { "Share of the concentration cap" } dd {
							(cred_unit(owned)) " of " (cred_unit(c.cap))
							@if c.cap > 0 { " (" (format!("{:.1}", owned as f64 / c.cap as f64 * 100.0)) " %)" }
						}
						dt { "Total issuance" } dd { (cred_unit(c.total_issuance)) }
					}
					h3 { "Lots by expiry day" }
					(svg::bars(&c.lots.iter().map(|l| (format!("day {}", l.expires_on_day), cred_f64(l.amount))).collect::<Vec<_>>(), "Spendable credits by expiry day"))
					div #lots {
						@if c.lots.is_empty() { p.muted { "No spendable credits." } }
						@for l in &c.lots {
							details.lot id=(format!("lot-{}", l.expires_on_day)) {
								summary { strong { (cred_unit(l.amount)) } " expiring on day " (l.expires_on_day) }
								dl.fields.lot-detail {
									dt { "Amount" } dd.lot-amount data-raw=(l.amount.to_string()) { (cred_unit(l.amount)) }
									dt { "Share of spendable" } dd { (format!("{:.1}", l.amount as f64 / c.spendable.max(1) as f64 * 100.0)) " %" }
									dt { "Expires on day" } dd.lot-day { (l.expires_on_day) }
									dt { "Expires at block" } dd { "#" (l.expires_at_block) }
									dt { "Expected time" } dd { (utc(l.expires_at_ms)) }
								}
								p.muted { "Credits keep the expiry they were minted with; a transfer moves the sender's oldest lots first, and whatever is not spent by then expires at the start of this day." }
							}
						}
					}
				}
				(chain_error(&self.credits_error))
			}
			section {
				h2 { "Balance history (spendable + held)" }
				(svg::step_line(&history, "Balance after each block that moved it (CRED)"))
			}
			section #ledger {
				h2 { "Ledger" }
				form.filters method="get" {
					label { "Kind " select name="kind" {
						option value="" { "all" }
						@for k in MoveKind::ALL { option value=(k.as_str()) selected[self.kind.as_deref() == Some(k.as_str())] { (k.as_str()) } }
					} }
					" " button type="submit" { "Filter" }
					" " a #csv href=(format!("/account/{}/movements.csv{}", self.address, self.kind.as_ref().map(|k| format!("?kind={k}")).unwrap_or_default())) { "Export CSV" }
				}
				table #movements {
					thead { tr { th { "Where" } th { "Kind" } th { "Amount" } th { "Counterparty" } th { "Detail" } } }
					tbody {
						@for m in self.movements.iter().rev() {
							tr.movement { td { (event_link(m.block, m.event)) } td { (m.kind.as_str()) } td { (cred_unit(m.amount)) } td { @if let Some(c) = &m.counterparty { (account_link(c)) } } td { (m.detail.clone().unwrap_or_default()) } }
						}
					}
				}
			}
			section #jobs {
				h2 { "Jobs requested" }
				ul { @for j in &self.jobs { li { a href=(format!("/job/{}", j.job.id)) { "job " (j.job.id) } " · " (cred_unit(j.job.price)) " · " (j.status.clone().unwrap_or_default()) } } }
			}
			@if !self.worked.is_empty() || !self.receipts.is_empty() {
				section #worker {
					h2 { "As a worker or auditor" }
					p { a href=(format!("/worker/{}", self.address)) { "Worker profile: class, bond, reputation, slashes, earnings →" } }
					p { "Jobs: " @for (i, j) in self.worked.iter().enumerate() { @if i > 0 { ", " } a href=(format!("/job/{j}")) { (j) } } }
					table {
						thead { tr { th { "Receipt" } th { "Job" } th { "Earned" } th { "Minted" } } }
						tbody { @for r in &self.receipts { tr {
							td { a href=(format!("/receipt/{}", r.id)) { "receipt " (r.id) } }
							td { @if let Some(j) = r.job { a href=(format!("/job/{j}")) { (j) } } }
							td { (r.data.get("earned").and_then(json_u128).map(cred_unit).unwrap_or_default()) }
							td { (r.data.get("minted").and_then(json_u128).map(cred_unit).unwrap_or_default()) }
						} } }
					}
				}
			}
			section { h2 { "Extrinsics signed" } (extrinsic_table(&self.extrinsics)) }
		}
	}
}

// ---- job ----

/// `/job/{id}`.
#[derive(Serialize)]
pub struct JobView {
	/// The request.
	pub job: JobRow,
	/// Latest step.
	pub status: Option<String>,
	/// The verification trail, in chain order.
	pub trail: Vec<JobStep>,
	/// Receipts of the settlement.
	pub receipts: Vec<ReceiptRow>,
}

pub async fn job(s: &AppState, id: String) -> Result<JobView, AppError> {
	let n = parse_u64(&id).ok_or_else(|| {
		AppError::bad_request("Not a job id", format!("{id:?} is not a job number."))
	})?;
	let job = s.db.job(n).await?.ok_or_else(|| {
		AppError::not_found(
			"Job not found",
			format!("No job {n} was requested in the finalized chain indexed so far."),
		)
	})?;
	let trail = s.db.job_steps(n).await?;
	Ok(JobView {
		status: trail.last().map(|s| s.step.clone()),
		receipts: s.db.receipts_of_job(n).await?,
		trail,
		job,
	})
}

/// What a step of the trail means, for people.
fn step_explained(step: &str) -> &'static str {
	match step {
		"JobRequested" => "The consumer asked for an inference; the price is held in escrow.",
		"JobQueued" => "No free worker: the job waits in the queue.",
		"JobAssigned" => "Workers were drawn for the job with the chain's randomness.",
		"Committed" => "A worker committed to its result: blake2(job ‖ worker ‖ salt ‖ output), signed by its hardware key.",
		"CommitsClosed" => "Commitments closed; the block's randomness seeds the challenges.",
		"Revealed" => "A worker revealed output and salt matching its commitment.",
		"Challenged" => "A worker must open a layer chosen from the chain's randomness.",
		"ChallengePassed" => "The layer opening checked out.",
		"ProofVerified" => "A zero-knowledge proof of the result verified on chain.",
		"AuditStarted" => "Replicas disagreed, or a lone float result needs a second opinion: validators vote.",
		"AuditVoted" => "An auditor re-ran the job and voted.",
		"AuditEscalated" => "No votes: a tiebreaker replica was added.",
		"ReplicaFaulted" => "A replica was faulted and its bond slashed.",
		"JobServed" => "Served: the escrow was burned and the verified workers were paid (receipts).",
		"JobRefunded" => "The job ended without a result; the escrow went back to the consumer.",
		_ => "",
	}
}

impl View for JobView {
	fn title(&self) -> String {
		format!("Job {}", self.job.id)
	}

	fn body(&self) -> Markup {
		let j = &self.job;
		html! {
			h1 { "Job " (j.id) }
			dl.fields {
				dt { "Consumer" } dd { (account_link(&j.consumer)) }
				dt { "Model" } dd { (j.model) }
				dt { "Price (escrowed)" } dd { (cred_unit(j.price)) }
				dt { "Requested in" } dd { (block_link(j.block)) }
				dt { "Status" } dd #job-status { (self.status.clone().unwrap_or_default()) }
			}
			h2 { "Verification trail" }
			ol.trail {
				@for s in &self.trail {
					li.step data-step=(s.step) {
						div.step-head { strong { (s.step) } " · " (event_link(s.block, s.event)) @if let Some(w) = &s.worker { " · " (account_link(w)) } }
						p.muted { (step_explained(&s.step)) }
						(fields(&s.detail))
					}
				}
			}
			@if !self.receipts.is_empty() {
				h2 { "Receipts" }
				ul.receipts { @for r in &self.receipts {
					li { a.receipt-link href=(format!("/receipt/{}", r.id)) { "receipt " (r.id) } " · " (account_link(&r.worker)) " earned " (r.data.get("earned").and_then(json_u128).map(cred_unit).unwrap_or_default()) }
				} }
			}
		}
	}
}

// ---- receipt ----

/// The receipt's formula recomputed from its own values.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ReceiptCheck {
	/// `min(⌊T × η⌋, reference work, half of it if the class is unconfirmed)`.
	pub paid_work: String,
	/// `⌊paid × α / β⌋`, raw units.
	pub earned: String,
	/// Whether it equals the receipt's `earned`, and `earned = minted + withheld`.
	pub matches: bool,
}

/// `/receipt/{id}`.
#[derive(Serialize)]
pub struct ReceiptView {
	/// The receipt.
	pub receipt: ReceiptRow,
	/// The recomputation; `None` if a value does not fit 128 bits.
	pub check: Option<ReceiptCheck>,
}

/// Why a page lacks what it reads live from the node, if it does.
pub(super) fn chain_error(error: &Option<String>) -> Markup {
	html! { @if let Some(e) = error { p.error { "The node cannot be asked now: " (e) } } }
}

fn fixed_raw(v: Option<&Json>) -> Option<u128> {
	declai_chain::units::parse_decimal(&json_text(v?), FIXED_ONE)
}

/// Recomputes `earned = ⌊min(⌊T × η⌋, cap) × α / β⌋` from the receipt's own fields.
pub fn check_receipt(r: &Json) -> Option<ReceiptCheck> {
	let t = r.get("t_compute").and_then(json_u128)?;
	let reference = r.get("reference_work").and_then(json_u128)?;
	let confirmed = r.get("class_confirmed").and_then(Json::as_bool)?;
	let eta = fixed_raw(r.get("eta"))?;
	let alpha = fixed_raw(r.get("alpha"))?;
	let beta = fixed_raw(r.get("beta"))?;
	if beta == 0 {
		return None;
	}
	let by_class = t.checked_mul(eta)? / FIXED_ONE;
	let cap = if confirmed { reference } else { reference / 2 };
	let paid = by_class.min(cap);
	let earned = paid.checked_mul(alpha)? / beta;
	let stated = r.get("earned").and_then(json_u128)?;
	let minted = r.get("minted").and_then(json_u128)?;
	let withheld = r.get("withheld").and_then(json_u128)?;
	Some(ReceiptCheck {
		paid_work: paid.to_string(),
		earned: earned.to_string(),
		matches: earned == stated && minted.checked_add(withheld) == Some(stated),
	})
}

pub async fn receipt(s: &AppState, id: String) -> Result<ReceiptView, AppError> {
	let n = parse_u64(&id).ok_or_else(|| {
		AppError::bad_request("Not a receipt id", format!("{id:?} is not a receipt number."))
	})?;
	let receipt = s.db.receipt(n).await?.ok_or_else(|| {
		AppError::not_found(
			"Receipt not found",
			format!("No receipt {n} in the finalized chain indexed so far."),
		)
	})?;
	Ok(ReceiptView { check: check_receipt(&receipt.data), receipt })
}

impl View for ReceiptView {
	fn title(&self) -> String {
		format!("Receipt {}", self.receipt.id)
	}

	fn body(&self) -> Markup {
		let r = &self.receipt;
		let d = &r.data;
		let get = |k: &str| d.get(k).map(json_text).unwrap_or_else(|| "?".into());
		let amount =
			|k: &str| d.get(k).and_then(json_u128).map(cred_unit).unwrap_or_else(|| "?".into());
		// Raw integers (as the runtime API returns them) for scripts that check the page.
		let raw = |k: &str| d.get(k).and_then(json_u128).map(|v| v.to_string()).unwrap_or_default();
		let fixed_cell = |k: &str| fixed_raw(d.get(k)).map(|v| v.to_string()).unwrap_or_default();
		html! {
			h1 { "Receipt " (r.id) }
			p.lead { "Why was " (account_link(&r.worker)) " paid " strong #minted { (amount("minted")) } "?" }
			dl.fields {
				dt { "Job" } dd { @if let Some(j) = r.job { a href=(format!("/job/{j}")) { "job " (j) } } @else { "—" } }
				dt { "Settled in" } dd { (event_link(r.block, r.event)) }
				dt { "Hardware class" } dd { (get("class")) @if d.get("class_confirmed") == Some(&Json::Bool(false)) { " (not confirmed by a benchmark: η capped, pay capped at half the reference work)" } }
			}
			h2 { "C = T × η × α / β" }
			table.formula {
				tbody {
					tr { th { "T (verified work on the class, GPU-hour units of 10¹²)" } td #t data-raw=(raw("t_compute")) { (get("t_compute")) } }
					tr { th { "η (class efficiency)" } td #eta data-raw=(fixed_cell("eta")) { (get("eta")) } }
					tr { th { "reference work (pay cap)" } td #reference data-raw=(raw("reference_work")) { (get("reference_work")) } }
					tr { th { "α (demand, when the job was priced)" } td #alpha data-raw=(fixed_cell("alpha")) { (get("alpha")) } }
					tr { th { "β (difficulty of the epoch)" } td #beta data-raw=(fixed_cell("beta")) { (get("beta")) } }
					tr { th { "earned = ⌊min(T × η, cap) × α / β⌋" } td #earned data-raw=(raw("earned")) { (amount("earned")) } }
					tr { th { "minted" } td #minted-cell data-raw=(raw("minted")) { (amount("minted")) } }
					tr { th { "withheld" } td #withheld data-raw=(raw("withheld")) { (amount("withheld")) @if let Some(reason) = d.get("reason").filter(|r| !r.is_null()) { " (" (json_text(reason)) ")" } } }
					@if d.get("bootstrap").and_then(json_u128).is_some_and(|b| b > 0) {
						tr { th { "bootstrap (issued on top: a match of the pay while the network is short of credits, outside earned)" } td #bootstrap data-raw=(raw("bootstrap")) { (amount("bootstrap")) } }
					}
				}
			}
			@match &self.check {
				Some(c) if c.matches => p #check.ok { "✔ Recomputed here from the values above: " (c.earned) " raw units, as the chain says; earned = minted + withheld." },
				Some(c) => p #check.error { "✘ Recomputed " (c.earned) " raw units, which differs from the receipt." },
				None => p #check.muted { "The values are too large to recompute here." },
			}
		}
	}
}

// ---- search ----

/// One search result.
#[derive(Serialize)]
pub struct Match {
	/// What it is (block, extrinsic, account, job, receipt).
	pub kind: &'static str,
	/// A label.
	pub label: String,
	/// Its page.
	pub url: String,
}

/// `/search?q=`.
#[derive(Serialize)]
pub struct SearchView {
	/// What was typed.
	pub query: String,
	/// What it can mean.
	pub matches: Vec<Match>,
}

pub async fn search(s: &AppState, q: &str) -> Result<SearchView, AppError> {
	let query = q.trim().to_string();
	let mut matches = Vec::new();
	if query.is_empty() {
		return Err(AppError::bad_request(
			"Empty search",
			"Type a block number or hash, an extrinsic id (12-1) or hash, an account or a job id.",
		));
	}
	if let Some(n) = parse_u64(&query) {
		if s.db.block(n).await?.is_some() {
			matches.push(Match {
				kind: "block",
				label: format!("Block #{n}"),
				url: format!("/block/{n}"),
			});
		}
		if s.db.job(n).await?.is_some() {
			matches.push(Match {
				kind: "job",
				label: format!("Job {n}"),
				url: format!("/job/{n}"),
			});
		}
		if s.db.receipt(n).await?.is_some() {
			matches.push(Match {
				kind: "receipt",
				label: format!("Receipt {n}"),
				url: format!("/receipt/{n}"),
			});
		}
	} else if let Some((b, i)) = query
		.split_once('-')
		.and_then(|(b, i)| Some((parse_u64(b)?, u32::try_from(parse_u64(i)?).ok()?)))
	{
		if s.db.extrinsic(b, i).await?.is_some() {
			matches.push(Match {
				kind: "extrinsic",
				label: format!("Extrinsic {b}-{i}"),
				url: format!("/extrinsic/{b}-{i}"),
			});
		}
	} else if let Some(h) = parse_hash(&query) {
		if let Some(b) = s.db.block_by_hash(&h).await? {
			matches.push(Match {
				kind: "block",
				label: format!("Block #{}", b.number),
				url: format!("/block/{}", b.number),
			});
		}
		for x in s.db.extrinsics_by_hash(&h).await? {
			matches.push(Match {
				kind: "extrinsic",
				label: format!("Extrinsic {}-{} {}.{}", x.block, x.index, x.pallet, x.call),
				url: format!("/extrinsic/{}-{}", x.block, x.index),
			});
		}
	}
	// A valid address always has a page (the runtime knows its credits even if the index has
	// seen nothing of it). A 32-byte hex string is read as a public key only when it is not the
	// hash of a block or extrinsic: a hash is far likelier what was pasted.
	let hex_key = query.starts_with("0x") || query.starts_with("0X");
	if let Some(a) = parse_account(&query).filter(|_| !hex_key || matches.is_empty()) {
		matches.push(Match {
			kind: "account",
			label: format!("Account {a}"),
			url: format!("/account/{a}"),
		});
	}
	if matches.is_empty() {
		return Err(AppError::not_found("Nothing found", format!("Nothing in the finalized chain matches {query:?}. Search takes a block number or hash, an extrinsic id (12-1) or hash, an SS58 account or a job id.")));
	}
	Ok(SearchView { query, matches })
}

impl View for SearchView {
	fn title(&self) -> String {
		format!("Search: {}", self.query)
	}

	fn body(&self) -> Markup {
		html! {
			h1 { "Results for " code { (self.query) } }
			ul.results { @for m in &self.matches { li { (m.kind) ": " a href=(m.url) { (m.label) } } } }
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn typed_input_is_recognised_or_refused() {
		assert_eq!(parse_u64("#12"), Some(12));
		assert_eq!(parse_u64("12a"), None);
		assert_eq!(parse_u64(""), None);
		let h = format!("0x{}", "Ab".repeat(32));
		assert_eq!(parse_hash(&h), Some(format!("0x{}", "ab".repeat(32))));
		assert_eq!(parse_hash("0x1234"), None);
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		assert_eq!(parse_account(alice).as_deref(), Some(alice));
		assert_eq!(parse_account("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQX"), None);
		let raw = AccountId32::from_str(alice).unwrap();
		assert_eq!(parse_account(&format!("0x{}", hex::encode(raw.0))).as_deref(), Some(alice));
	}

	#[test]
	fn long_decimals_are_cut_and_marked() {
		assert_eq!(rounded("0.998198198198198198", 4), "≈ 0.9981");
		assert_eq!(rounded("1.05", 4), "1.05");
		assert_eq!(rounded("1", 4), "1");
	}

	#[test]
	fn utc_dates_are_civil() {
		assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
		assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
		assert_eq!(utc(1_796_515_200_000 + 3_661_000), "2026-12-06 01:01:01 UTC");
	}

	#[test]
	fn receipts_are_recomputed_and_a_wrong_one_is_caught() {
		let mut r = json!({
			"t_compute": "2000000000000", "reference_work": "1000000000000", "class_confirmed": true,
			"eta": "0.75", "alpha": "1.1", "beta": "0.5",
			"earned": "1650000000000", "minted": "1600000000000", "withheld": "50000000000",
		});
		// paid = min(2e12 × 0.75, 1e12) = 1e12; earned = 1e12 × 1.1 / 0.5 = 2.2e12?
		let c = check_receipt(&r).unwrap();
		assert_eq!(c.paid_work, "1000000000000");
		assert_eq!(c.earned, "2200000000000");
		assert!(!c.matches);
		r["earned"] = json!("2200000000000");
		r["minted"] = json!("2150000000000");
		assert!(check_receipt(&r).unwrap().matches);
		r["class_confirmed"] = json!(false);
		assert_eq!(check_receipt(&r).unwrap().paid_work, "500000000000");
		assert!(!check_receipt(&r).unwrap().matches);
		r["beta"] = json!("0");
		assert_eq!(check_receipt(&r), None);
	}

	#[test]
	fn csv_fields_are_quoted_when_needed() {
		assert_eq!(csv_field("plain"), "plain");
		assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
	}
}
