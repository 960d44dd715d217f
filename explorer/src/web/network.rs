//! The network's pages: `/worker/{ss58}`, `/models`, `/validators` and `/economics`. Each joins
//! what the index holds (history: events, receipts, block production) with what only the
//! runtime knows now (registrations, models, the economy), read live at the finalized head.

use std::collections::BTreeMap;

use declai_chain::units::cred_unit;
use maud::{html, Markup};
use serde::Serialize;
use serde_json::Value as Json;

use super::{
	pages::{
		account_link, block_link, chain_error, event_link, fields, json_text, parse_account, short,
	},
	svg, AppError, AppState, View,
};
use crate::{
	derive::json_u128,
	model::{EventRow, ProductionRow, ReceiptRow},
};

/// How many recent events of a kind the pages show.
const RECENT: u32 = 200;
/// How many recent blocks `/validators` counts production over.
const PRODUCTION_WINDOW: u64 = 10_000;

fn fixed_f64(v: Option<&Json>) -> Option<f64> {
	let text = json_text(v?);
	text.parse::<f64>().ok()
}

fn events_table(events: &[EventRow]) -> Markup {
	html! {
		@if events.is_empty() { p.muted { "None in the index." } } @else {
			table.events {
				thead { tr { th { "Where" } th { "Event" } th { "Fields" } } }
				tbody { @for e in events { tr {
					td { (event_link(e.block, e.index)) }
					td { (e.pallet) "." (e.name) }
					td { (fields(&e.fields)) }
				} } }
			}
		}
	}
}

// ---- worker ----

/// `/worker/{ss58}`.
#[derive(Serialize)]
pub struct WorkerView {
	/// SS58.
	pub address: String,
	/// `Workers.Workers` now (class, region, models, bond, reputation…), if registered.
	pub registration: Option<Json>,
	/// `Workers.Confirmed` now: the benchmark that confirmed its class, if any.
	pub confirmed: Option<Json>,
	/// Why the live part is missing.
	pub chain_error: Option<String>,
	/// Reputation after each verified result or slash: (block, reputation).
	pub reputation: Vec<(u64, u128)>,
	/// Faults and slashes, newest first.
	pub slashes: Vec<EventRow>,
	/// Everything the workers pallet said about it, newest first.
	pub events: Vec<EventRow>,
	/// Receipts, newest first.
	pub receipts: Vec<ReceiptRow>,
	/// Minted over those receipts (raw units, decimal string).
	pub earned: String,
}

pub async fn worker(s: &AppState, address: String) -> Result<WorkerView, AppError> {
	let address = parse_account(&address).ok_or_else(|| {
		AppError::bad_request(
			"Not an account",
			format!("{address:?} is not an SS58 address or a 32-byte hex public key."),
		)
	})?;
	let id: subxt::utils::AccountId32 =
		address.parse().map_err(|_| AppError::bad_request("Not an account", address.clone()))?;
	let mut chain_error = None;
	let registration = s.chain.storage("Workers", "Workers", (id,)).await.unwrap_or_else(|e| {
		chain_error = Some(e);
		None
	});
	let confirmed = s.chain.storage("Workers", "Confirmed", (id,)).await.unwrap_or(None);
	let events = s.db.events_naming(&address, &["Workers"], RECENT).await?;
	let mut reputation: Vec<(u64, u128)> = events
		.iter()
		.filter(|e| matches!(e.name.as_str(), "ResultVerified" | "Slashed" | "HistoryRestored"))
		.filter_map(|e| Some((e.block, e.fields.get("reputation").and_then(json_u128)?)))
		.collect();
	reputation.reverse();
	let slashes = events.iter().filter(|e| e.name == "Slashed").cloned().collect();
	let receipts = s.db.receipts_of_worker(&address, RECENT).await?;
	let earned: u128 =
		receipts.iter().filter_map(|r| r.data.get("minted").and_then(json_u128)).sum();
	if registration.is_none() && events.is_empty() && receipts.is_empty() && chain_error.is_none() {
		return Err(AppError::not_found(
			"Not a worker",
			format!(
				"{address} has never registered as a worker in the finalized chain indexed so far."
			),
		));
	}
	Ok(WorkerView {
		address,
		registration,
		confirmed,
		chain_error,
		reputation,
		slashes,
		events,
		receipts,
		earned: earned.to_string(),
	})
}

impl View for WorkerView {
	fn title(&self) -> String {
		format!("Worker {}", short(&self.address))
	}

	fn body(&self) -> Markup {
		let points: Vec<(f64, f64)> =
			self.reputation.iter().map(|(b, r)| (*b as f64, *r as f64)).collect();
		html! {
			h1 { "Worker" }
			p.mono.address { (account_link(&self.address)) }
			section #registration {
				h2 { "Registration now (finalized)" }
				@if let Some(r) = &self.registration {
					(fields(r))
					p { "Class confirmed by a benchmark: "
						@if self.confirmed.is_some() { strong.ok { "yes" } } @else { strong.error { "no" } " (η capped, pay capped at half the reference work)" } }
				} @else if self.chain_error.is_some() {
					(chain_error(&self.chain_error))
				} @else {
					p.muted { "Not registered now (left, or ejected)." }
				}
			}
			section #reputation {
				h2 { "Reputation and trust history" }
				(svg::step_line(&points, "Reputation after each verified result or slash"))
			}
			section #slashes { h2 { "Faults and slashes" } (events_table(&self.slashes)) }
			section #earnings {
				h2 { "Earnings" }
				p { "Minted over its " (self.receipts.len()) " latest receipts: " strong { (cred_unit(self.earned.parse().unwrap_or_default())) } }
				table {
					thead { tr { th { "Receipt" } th { "Job" } th { "Earned" } th { "Minted" } th { "Withheld" } } }
					tbody { @for r in &self.receipts { tr {
						td { a href=(format!("/receipt/{}", r.id)) { "receipt " (r.id) } }
						td { @if let Some(j) = r.job { a href=(format!("/job/{j}")) { (j) } } }
						@for k in ["earned", "minted", "withheld"] {
							td { (r.data.get(k).and_then(json_u128).map(cred_unit).unwrap_or_default()) }
						}
					} } }
				}
			}
			section #history { h2 { "Its events" } (events_table(&self.events)) }
		}
	}
}

// ---- models ----

/// One registered model.
#[derive(Serialize)]
pub struct ModelEntry {
	/// Id.
	pub id: u32,
	/// `Inference.Models` entry.
	pub model: Json,
	/// Jobs requested of it (index).
	pub jobs: u64,
}

/// `/models`.
#[derive(Serialize)]
pub struct ModelsView {
	/// Registered models.
	pub models: Vec<ModelEntry>,
	/// Why the list is missing.
	pub chain_error: Option<String>,
}

pub async fn models(s: &AppState) -> Result<ModelsView, AppError> {
	let jobs: BTreeMap<u64, u64> = s.db.jobs_per_model().await?.into_iter().collect();
	let (models, chain_error) = match s.chain.entries("Inference", "Models").await {
		Ok(entries) => {
			let mut models: Vec<ModelEntry> = entries
				.into_iter()
				.filter_map(|(key, model)| {
					let id = u32::from_le_bytes(key.get(..4)?.try_into().ok()?);
					Some(ModelEntry {
						id,
						jobs: jobs.get(&u64::from(id)).copied().unwrap_or(0),
						model,
					})
				})
				.collect();
			models.sort_by_key(|m| m.id);
			(models, None)
		}
		Err(e) => (Vec::new(), Some(e)),
	};
	Ok(ModelsView { models, chain_error })
}

impl View for ModelsView {
	fn title(&self) -> String {
		"Models".into()
	}

	fn body(&self) -> Markup {
		html! {
			h1 { "Models" }
			(chain_error(&self.chain_error))
			@if self.models.is_empty() && self.chain_error.is_none() { p.muted { "No model is registered." } }
			@for m in &self.models {
				section.model id=(format!("model-{}", m.id)) {
					h2 { "Model " (m.id) @if let Some(name) = m.model.get("name") { ": " (json_text(name)) } }
					p { (m.jobs) " jobs requested (finalized)" }
					details { summary { "Its record" } (fields(&m.model)) }
				}
			}
		}
	}
}

// ---- validators ----

/// One validator's block production over the window.
#[derive(Serialize, Clone)]
pub struct Production {
	/// Account.
	pub account: String,
	/// Blocks it authored.
	pub authored: u64,
	/// Blocks its Proof-of-Inference weight entitled it to (slots × weight share).
	pub expected: f64,
	/// Its weight now (ppb of the set), if it is an authority.
	pub weight_ppb: Option<u64>,
}

/// `/validators`.
#[derive(Serialize)]
pub struct ValidatorsView {
	/// First block of the production window.
	pub from: u64,
	/// Last indexed block.
	pub to: Option<u64>,
	/// Slots in the window without a block.
	pub empty_slots: u64,
	/// Per validator.
	pub production: Vec<Production>,
	/// `Consensus.NewWeights` and `Validators.NewSet`, newest first: the weights per session.
	pub sessions: Vec<EventRow>,
	/// Equivocations and what was done about them, newest first.
	pub equivocations: Vec<EventRow>,
	/// Finality lag now (best − finalized), in blocks.
	pub finality_lag: Option<u64>,
	/// Finality lag samples the explorer took while following (blocks): p50 and max.
	pub finality_lag_p50: Option<u64>,
	/// Max.
	pub finality_lag_max: Option<u64>,
}

/// Blocks authored against expected, from the index's production rows; `set` is the authority
/// set in force before the first row.
pub fn production(
	rows: &[ProductionRow],
	mut set: Option<Vec<(String, u64)>>,
) -> (Vec<Production>, u64) {
	let mut by: BTreeMap<String, Production> = BTreeMap::new();
	let mut previous_slot = None;
	let mut empty = 0;
	for row in rows {
		if let Some(s) = &row.authorities {
			set = Some(s.clone());
		}
		if row.number == 0 {
			continue;
		}
		let slots = match (previous_slot, row.slot) {
			(Some(p), Some(s)) if s > p => s - p,
			_ => 1,
		};
		previous_slot = row.slot.or(previous_slot);
		empty += slots - 1;
		if let Some(set) = &set {
			let total: u64 = set.iter().map(|(_, w)| *w).sum();
			for (account, w) in set {
				let p = by.entry(account.clone()).or_insert_with(|| Production {
					account: account.clone(),
					authored: 0,
					expected: 0.0,
					weight_ppb: None,
				});
				if total > 0 {
					p.expected += slots as f64 * *w as f64 / total as f64;
				}
			}
		}
		if let Some(author) = &row.author {
			by.entry(author.clone())
				.or_insert_with(|| Production {
					account: author.clone(),
					authored: 0,
					expected: 0.0,
					weight_ppb: None,
				})
				.authored += 1;
		}
	}
	if let Some(set) = &set {
		for (account, w) in set {
			if let Some(p) = by.get_mut(account) {
				p.weight_ppb = Some(*w);
			}
		}
	}
	(by.into_values().collect(), empty)
}

pub async fn validators(s: &AppState) -> Result<ValidatorsView, AppError> {
	let to = s.db.cursor().await?;
	let from = to.map_or(0, |t| t.saturating_sub(PRODUCTION_WINDOW - 1));
	let rows = s.db.production(from).await?;
	let set = s.db.authorities_before(from).await?;
	let (production, empty_slots) = production(&rows, set);
	let mut sessions = s.db.events_named("Consensus", &["NewWeights"], 50).await?;
	sessions.extend(s.db.events_named("Validators", &["NewSet"], 50).await?);
	sessions.sort_by_key(|e| std::cmp::Reverse((e.block, e.index)));
	let mut equivocations = s.db.events_named("Consensus", &["Equivocation"], RECENT).await?;
	equivocations.extend(
		s.db.events_named("Validators", &["OffenderRemoved", "OffenderKept"], RECENT).await?,
	);
	equivocations.sort_by_key(|e| std::cmp::Reverse((e.block, e.index)));
	let status = s.shared.status();
	let mut lags = status.lag_samples.clone();
	lags.sort_unstable();
	Ok(ValidatorsView {
		from,
		to,
		empty_slots,
		production,
		sessions,
		equivocations,
		finality_lag: status.finalized.map(|f| status.pending.last().map_or(f, |p| p.number) - f),
		finality_lag_p50: lags.get(lags.len() / 2).copied(),
		finality_lag_max: lags.last().copied(),
	})
}

impl View for ValidatorsView {
	fn title(&self) -> String {
		"Validators".into()
	}

	fn body(&self) -> Markup {
		html! {
			h1 { "Validators" }
			section #production {
				h2 { "Blocks authored against expected" }
				p.muted { "Blocks " (block_link(self.from)) " to " @if let Some(t) = self.to { (block_link(t)) } @else { "—" }
					". Expected: each slot's leader is drawn by Proof-of-Inference weight, so a validator is entitled to slots × its weight share. "
					(self.empty_slots) " slots in the window had no block." }
				table {
					thead { tr { th { "Validator" } th { "Weight now" } th { "Authored" } th { "Expected" } th { "Ratio" } } }
					tbody { @for p in &self.production { tr.validator {
						td { (account_link(&p.account)) }
						td { @if let Some(w) = p.weight_ppb { (format!("{:.2} %", w as f64 / 1e7)) } @else { "—" } }
						td { (p.authored) }
						td { (format!("{:.1}", p.expected)) }
						td { @if p.expected > 0.0 { (format!("{:.2}", p.authored as f64 / p.expected)) } @else { "—" } }
					} } }
				}
			}
			section #finality {
				h2 { "Finality" }
				p { "Lag now: " @if let Some(l) = self.finality_lag { (l) " blocks" } @else { "unknown" }
					@if let (Some(p50), Some(max)) = (self.finality_lag_p50, self.finality_lag_max) {
						" · since the explorer started: p50 " (p50) ", max " (max) " blocks" } }
			}
			section #sessions { h2 { "Proof-of-Inference weights per session" } (events_table(&self.sessions)) }
			section #equivocations { h2 { "Equivocations" } (events_table(&self.equivocations)) }
		}
	}
}

// ---- economics ----

/// One epoch as it closed.
#[derive(Serialize)]
pub struct EpochPoint {
	/// Block.
	pub block: u64,
	/// α.
	pub alpha: f64,
	/// β.
	pub beta: f64,
	/// Earned/consumed since genesis at that block (index).
	pub earned_over_consumed: Option<f64>,
}

/// `/economics`.
#[derive(Serialize)]
pub struct EconomicsView {
	/// `EconomicsApi::economics` now.
	pub now: Option<Json>,
	/// Why it is missing.
	pub chain_error: Option<String>,
	/// Each epoch's close, oldest first.
	pub epochs: Vec<EpochPoint>,
	/// Withheld credits by reason over the latest receipts (raw units).
	pub withheld: BTreeMap<String, String>,
	/// Receipts counted.
	pub receipts: usize,
	/// Governance changes, newest first.
	pub governance: Vec<EventRow>,
}

pub async fn economics(s: &AppState) -> Result<EconomicsView, AppError> {
	let (now, chain_error) = match s.chain.economics().await {
		Ok(e) => (Some(e), None),
		Err(e) => (None, Some(e)),
	};
	let mut closes = s.db.events_named("Economics", &["EpochClosed"], 2_000).await?;
	closes.reverse();
	let receipts = s.db.latest_receipts(50_000).await?;
	let mut consumed = s.db.events_named("Economics", &["Consumed"], 50_000).await?;
	consumed.reverse();
	let mut epochs = Vec::new();
	let (mut earned, mut used) = (0u128, 0u128);
	let (mut ri, mut ci) = (0, 0);
	for c in &closes {
		while ri < receipts.len() && receipts[ri].block <= c.block {
			earned += receipts[ri].data.get("earned").and_then(json_u128).unwrap_or(0);
			ri += 1;
		}
		while ci < consumed.len() && consumed[ci].block <= c.block {
			used += consumed[ci].fields.get("amount").and_then(json_u128).unwrap_or(0);
			ci += 1;
		}
		epochs.push(EpochPoint {
			block: c.block,
			alpha: fixed_f64(c.fields.get("alpha")).unwrap_or(f64::NAN),
			beta: fixed_f64(c.fields.get("beta")).unwrap_or(f64::NAN),
			earned_over_consumed: (used > 0).then(|| earned as f64 / used as f64),
		});
	}
	let mut withheld: BTreeMap<String, u128> = BTreeMap::new();
	for r in &receipts {
		let amount = r.data.get("withheld").and_then(json_u128).unwrap_or(0);
		if amount > 0 {
			let reason = r
				.data
				.get("reason")
				.filter(|v| !v.is_null())
				.map(crate::derive::reason_text)
				.unwrap_or_else(|| "unstated".into());
			*withheld.entry(reason).or_default() += amount;
		}
	}
	let mut governance =
		s.db.events_named(
			"Economics",
			&["EtaSet", "AlphaCurveSet", "ControllerSet", "SupplyLimitsSet", "MintPauseSet"],
			RECENT,
		)
		.await?;
	governance.extend(s.db.events_named("Credits", &["BootstrapCapSet"], RECENT).await?);
	governance.extend(
		s.db.events_named("Validators", &["ValidatorAdded", "ValidatorRemoved"], RECENT).await?,
	);
	governance.sort_by_key(|e| std::cmp::Reverse((e.block, e.index)));
	Ok(EconomicsView {
		now,
		chain_error,
		epochs,
		withheld: withheld.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
		receipts: receipts.len(),
		governance,
	})
}

impl View for EconomicsView {
	fn title(&self) -> String {
		"Economics".into()
	}

	fn body(&self) -> Markup {
		let alpha: Vec<(f64, f64)> =
			self.epochs.iter().map(|e| (e.block as f64, e.alpha)).collect();
		let beta: Vec<(f64, f64)> = self.epochs.iter().map(|e| (e.block as f64, e.beta)).collect();
		let ratio: Vec<(f64, f64)> = self
			.epochs
			.iter()
			.filter_map(|e| Some((e.block as f64, e.earned_over_consumed?)))
			.collect();
		let raw = |k: &str| self.now.as_ref().and_then(|n| n.get(k)).and_then(json_u128);
		html! {
			h1 { "Economics" }
			section #now {
				h2 { "Now (finalized)" }
				@if let Some(n) = &self.now {
					dl.fields {
						dt { "α" } dd #alpha { (n.get("alpha").map(json_text).unwrap_or_default()) }
						dt { "β" } dd #beta { (n.get("beta").map(json_text).unwrap_or_default()) }
						dt { "earned / consumed (30 days)" } dd { (n.get("earned_over_consumed").filter(|v| !v.is_null()).map(json_text).unwrap_or_else(|| "—".into())) " (aim " (n.get("aim").map(json_text).unwrap_or_default()) ", band 0.95–1.05)" }
						dt { "Mint ceiling this epoch" } dd #ceiling {
							@if let (Some(m), Some(h)) = (raw("epoch_minted"), raw("epoch_headroom")) {
								(cred_unit(m)) " minted of " (cred_unit(m.saturating_add(h)))
								@if m.saturating_add(h) > 0 { " (" (format!("{:.1}", m as f64 / (m + h) as f64 * 100.0)) " % used)" }
							}
						}
						dt { "Circulation" } dd { @if let (Some(c), Some(cap)) = (raw("circulation"), raw("circulation_cap")) { (cred_unit(c)) " of its cap " (cred_unit(cap)) } }
						dt { "Days of consumption held" } dd #days-held { (n.get("days_held").filter(|v| !v.is_null()).map(json_text).unwrap_or_else(|| "— (nothing consumed yet)".into())) " — " (n.get("regime").map(json_text).unwrap_or_default()) " (grow below 7, shrink above 14)" }
						dt { "Bootstrap issuance" } dd #bootstrap {
							@match (raw("bootstrap_target"), raw("bootstrap_headroom")) {
								(Some(t), Some(h)) if t > 0 => { "towards " (cred_unit(t)) "; may issue " (cred_unit(h)) " more today" }
								_ => { "off or ended" }
							}
						}
						dt { "Minting" } dd { @if n.get("mint_paused") == Some(&Json::Bool(true)) { span.error { "paused" } } @else { "open" } }
					}
					h3 { "η per hardware class" }
					table #eta {
						thead { tr { th { "Class" } th { "η" } } }
						tbody { @for pair in n.get("eta").and_then(Json::as_array).into_iter().flatten() {
							tr { td { (pair.get(0).map(json_text).unwrap_or_default()) } td { (pair.get(1).map(json_text).unwrap_or_default()) } }
						} }
					}
				}
				(chain_error(&self.chain_error))
			}
			section #history {
				h2 { "Over time (each epoch's close)" }
				h3 { "α" } (svg::step_line(&alpha, "α at each epoch's close"))
				h3 { "β" } (svg::step_line(&beta, "β at each epoch's close"))
				h3 { "Earned / consumed since genesis, against the 0.95–1.05 band" }
				(svg::band_line(&ratio, (0.95, 1.05), "Earned over consumed at each epoch's close"))
			}
			section #withheld {
				h2 { "Withheld, by reason" }
				p.muted { "Over the latest " (self.receipts) " receipts." }
				@if self.withheld.is_empty() { p.muted { "Nothing was withheld." } }
				ul { @for (reason, amount) in &self.withheld { li { (reason) ": " (cred_unit(amount.parse().unwrap_or_default())) } } }
			}
			section #governance { h2 { "Governance changes" } (events_table(&self.governance)) }
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn row(number: u64, author: &str, slot: u64, set: Option<Vec<(String, u64)>>) -> ProductionRow {
		ProductionRow { number, author: Some(author.into()), slot: Some(slot), authorities: set }
	}

	#[test]
	fn production_counts_blocks_against_slots_times_weight() {
		let set = vec![("a".to_string(), 750_000_000), ("b".to_string(), 250_000_000)];
		let rows = vec![
			ProductionRow { number: 0, author: None, slot: None, authorities: None },
			row(1, "a", 10, Some(set.clone())),
			row(2, "a", 11, None),
			row(3, "b", 14, None), // two empty slots before it
			row(4, "a", 15, None),
		];
		let (p, empty) = production(&rows, None);
		assert_eq!(empty, 2);
		let a = p.iter().find(|p| p.account == "a").unwrap();
		let b = p.iter().find(|p| p.account == "b").unwrap();
		assert_eq!((a.authored, b.authored), (3, 1));
		// Slots covered: 1 + 1 + 3 + 1 = 6.
		assert!((a.expected - 4.5).abs() < 1e-9, "{}", a.expected);
		assert!((b.expected - 1.5).abs() < 1e-9, "{}", b.expected);
		assert_eq!(a.weight_ppb, Some(750_000_000));
	}

	#[test]
	fn a_new_set_applies_from_its_block() {
		let first = vec![("a".to_string(), 1)];
		let second = vec![("b".to_string(), 1)];
		let rows = vec![row(5, "a", 5, None), row(6, "b", 6, Some(second))];
		let (p, _) = production(&rows, Some(first));
		let a = p.iter().find(|p| p.account == "a").unwrap();
		let b = p.iter().find(|p| p.account == "b").unwrap();
		assert!((a.expected - 1.0).abs() < 1e-9 && (b.expected - 1.0).abs() < 1e-9);
		assert_eq!(a.weight_ppb, None, "a is no longer an authority");
	}
}
