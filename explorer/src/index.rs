//! The indexer: follows the node's *finalized* chain from genesis, decodes each block with the
//! metadata of the runtime that executed it, and writes it with its cursor in one transaction.
//!
//! - **Which metadata.** Block `n` is executed by the runtime in its parent's state, so its
//!   extrinsics and events are decoded with the metadata at block `n − 1`. A runtime upgrade's
//!   own block therefore decodes with the old metadata (its `System.CodeUpdated` event was
//!   emitted by the old runtime); blocks after it with the new one.
//! - **Finalized only.** Blocks above the finalized head are shown as pending (kept in memory,
//!   broadcast to live pages), never written.
//! - **Restart and repair.** On start (and after every reconnection) the indexer binds the
//!   database to the node's genesis hash, checks that the stored hash of its cursor block (and a
//!   sample below it) matches the chain, removes whatever does not and re-indexes it, and fills
//!   any gap below the cursor by re-indexing from the first missing block.
//! - **Pruned nodes.** The events of an old block are storage; a node that pruned the state
//!   cannot serve them. The indexer stops with [`IndexError::Pruned`], which names
//!   `--state-pruning archive-canonical`.
//! - **A node that goes away** is waited for (reconnecting with backoff), then indexing resumes
//!   from the cursor.

use std::{
	sync::{Arc, RwLock},
	time::Duration,
};

use codec::Decode;
use declai_chain::{decode, AccountCredits, ChainError, Reader};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use subxt::{
	config::substrate::{DigestItem, H256},
	events::Phase,
	utils::AccountId32,
};
use tokio::sync::broadcast;

use crate::{
	db::{Db, DbError},
	derive,
	model::{Balance, BlockRow, EventRow, ExtrinsicRow, IndexedBlock},
};

/// How many blocks are fetched and decoded ahead of the one being written while catching up.
const PIPELINE: usize = 8;

/// What stops the indexer.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
	/// The node pruned the state the indexer needs.
	#[error(
		"the node at {node} has discarded the state of block {block} ({reason}); the explorer \
		 indexes from genesis and needs an archive node: start it with \
		 `--state-pruning archive-canonical`"
	)]
	Pruned {
		/// The node URL.
		node: String,
		/// The block.
		block: u64,
		/// The node's message.
		reason: String,
	},
	/// The database.
	#[error(transparent)]
	Db(#[from] DbError),
	/// The node (unreachable, or an RPC failed): retried.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// A block did not decode with its runtime's metadata.
	#[error("block {block}: {reason}")]
	Decode {
		/// The block.
		block: u64,
		/// Why.
		reason: String,
	},
}

impl IndexError {
	/// Whether retrying (after reconnecting) cannot help.
	pub fn is_fatal(&self) -> bool {
		matches!(
			self,
			Self::Pruned { .. }
				| Self::Db(
					DbError::OtherChain { .. } | DbError::Schema { .. } | DbError::BadUrl(_)
				)
		)
	}
}

/// A block above the finalized head.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Pending {
	/// Number.
	pub number: u64,
	/// Hash.
	pub hash: String,
}

/// What the indexer is doing, for the pages.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Status {
	/// The node URL.
	pub node: String,
	/// Whether the node answers.
	pub connected: bool,
	/// The chain's finalized height.
	pub finalized: Option<u64>,
	/// The highest indexed block.
	pub indexed: Option<u64>,
	/// Blocks above the finalized head (best chain), oldest first.
	pub pending: Vec<Pending>,
	/// The last error, if the indexer is waiting or stopped.
	pub error: Option<String>,
	/// Whether the indexer stopped for good.
	pub stopped: bool,
	/// Finality lag (best − finalized, blocks) each time a block was finalized while following,
	/// the latest 1,000.
	#[serde(skip)]
	pub lag_samples: Vec<u64>,
}

/// A live update for the pages (server-sent events).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Live {
	/// A finalized block was indexed.
	Finalized {
		/// The block.
		block: BlockRow,
	},
	/// The best chain above the finalized head changed.
	Pending {
		/// Its blocks.
		blocks: Vec<Pending>,
	},
}

/// Shared indexer state: status and the live channel.
#[derive(Clone)]
pub struct Shared {
	/// Status.
	pub status: Arc<RwLock<Status>>,
	/// Live updates.
	pub live: broadcast::Sender<Live>,
}

impl Shared {
	/// A fresh state for `node`.
	pub fn new(node: &str) -> Self {
		let (live, _) = broadcast::channel(256);
		Self {
			status: Arc::new(RwLock::new(Status { node: node.into(), ..Default::default() })),
			live,
		}
	}

	/// A copy of the status.
	pub fn status(&self) -> Status {
		self.status.read().map(|s| s.clone()).unwrap_or_default()
	}

	fn update(&self, f: impl FnOnce(&mut Status)) {
		if let Ok(mut s) = self.status.write() {
			f(&mut s);
		}
	}
}

/// The indexer.
pub struct Indexer {
	node: String,
	db: Db,
	shared: Shared,
	/// Stop after indexing this block (tests, benchmarks).
	stop_at: Option<u64>,
}

fn hex0x(bytes: &[u8]) -> String {
	decode::hex0x(bytes)
}

fn rpc_error(context: impl Into<String>) -> impl FnOnce(subxt::rpcs::Error) -> ChainError {
	let context = context.into();
	move |e| ChainError::Rpc { context, reason: e.to_string() }
}

/// Whether a node error means that it pruned the state asked for.
fn is_pruned(reason: &str) -> bool {
	let r = reason.to_ascii_lowercase();
	r.contains("state already discarded") || r.contains("unknownblock: state")
}

impl Indexer {
	/// An indexer of the node at `node` into `db`, reporting through `shared`.
	pub fn new(node: &str, db: Db, shared: Shared) -> Self {
		Self { node: node.into(), db, shared, stop_at: None }
	}

	/// Stops once block `n` is indexed.
	pub fn stop_at(mut self, n: u64) -> Self {
		self.stop_at = Some(n);
		self
	}

	/// Runs until a fatal error (returned), or until the `stop_at` block is indexed.
	pub async fn run(self) -> Result<(), IndexError> {
		loop {
			let reader = match Reader::connect_with_retry(&self.node, Duration::MAX).await {
				Ok(r) => r,
				Err(e) => {
					self.note_error(&e.to_string(), false);
					tokio::time::sleep(Duration::from_secs(5)).await;
					continue;
				}
			};
			self.shared.update(|s| {
				s.connected = true;
				s.error = None;
			});
			match self.follow(&reader).await {
				Ok(()) => return Ok(()),
				Err(e) if e.is_fatal() => {
					self.note_error(&e.to_string(), true);
					tracing::error!(error = %e, "indexer stopped");
					return Err(e);
				}
				Err(e) => {
					tracing::warn!(error = %e, "indexer waiting for the node");
					self.note_error(&e.to_string(), false);
					tokio::time::sleep(Duration::from_secs(2)).await;
				}
			}
		}
	}

	fn note_error(&self, error: &str, stopped: bool) {
		self.shared.update(|s| {
			s.connected = false;
			s.error = Some(error.into());
			s.stopped = stopped;
		});
	}

	/// Checks the database against the chain, then indexes finalized blocks as they come.
	async fn follow(&self, reader: &Reader) -> Result<(), IndexError> {
		self.db.bind_chain(&hex0x(&reader.genesis())).await?;
		self.repair(reader).await?;
		let rpc = reader.rpc();
		let mut last_pending: Vec<Pending> = Vec::new();
		let mut last_finalized = None;
		loop {
			let finalized_hash =
				rpc.chain_get_finalized_head().await.map_err(rpc_error("finalized head"))?;
			let finalized = self.header_number(reader, finalized_hash).await?;
			self.shared.update(|s| s.finalized = Some(finalized));
			let next = self.db.cursor().await?.map_or(0, |c| c.saturating_add(1));
			if next <= finalized {
				let end = self.stop_at.map_or(finalized, |s| s.min(finalized));
				self.catch_up(reader, next, end).await?;
			}
			if let Some(stop) = self.stop_at {
				if self.db.cursor().await?.is_some_and(|c| c >= stop) {
					return Ok(());
				}
			}
			let pending = self.pending(reader, finalized).await?;
			if last_finalized != Some(finalized) {
				last_finalized = Some(finalized);
				let lag = pending.last().map_or(0, |p| p.number.saturating_sub(finalized));
				self.shared.update(|s| {
					if s.lag_samples.len() >= 1_000 {
						s.lag_samples.remove(0);
					}
					s.lag_samples.push(lag);
				});
			}
			if pending != last_pending {
				self.shared.update(|s| s.pending = pending.clone());
				let _ = self.shared.live.send(Live::Pending { blocks: pending.clone() });
				last_pending = pending;
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	async fn header_number(&self, reader: &Reader, hash: H256) -> Result<u64, IndexError> {
		let header = reader
			.rpc()
			.chain_get_header(Some(hash))
			.await
			.map_err(rpc_error("header"))?
			.ok_or_else(|| ChainError::Rpc {
				context: "header".into(),
				reason: format!("no header {hash:?}"),
			})?;
		Ok(header.number)
	}

	/// The best chain above `finalized`.
	async fn pending(&self, reader: &Reader, finalized: u64) -> Result<Vec<Pending>, IndexError> {
		let best = reader
			.rpc()
			.chain_get_header(None)
			.await
			.map_err(rpc_error("best header"))?
			.map(|h| h.number)
			.unwrap_or(finalized);
		let mut out = Vec::new();
		for n in finalized.saturating_add(1)..=best {
			if let Some(hash) = reader
				.rpc()
				.chain_get_block_hash(Some(n.into()))
				.await
				.map_err(rpc_error("best block hash"))?
			{
				out.push(Pending { number: n, hash: hex0x(&hash.0) });
			}
		}
		Ok(out)
	}

	/// Checks stored hashes against the chain and removes what does not match; fills gaps.
	async fn repair(&self, reader: &Reader) -> Result<(), IndexError> {
		let Some(cursor) = self.db.cursor().await? else { return Ok(()) };
		if let Some(gap) = self.db.first_gap(cursor).await? {
			tracing::warn!(gap, cursor, "gap in the index: re-indexing from it");
			self.db.truncate_from(gap).await?;
		}
		let Some(cursor) = self.db.cursor().await? else { return Ok(()) };
		// The cursor block and up to 32 blocks spread below it; where one differs, a binary
		// search between the last matching sample and it finds the first block that differs
		// (a chain that diverged stays diverged: each block names its parent).
		let step = (cursor / 32).max(1);
		let mut checks: Vec<u64> = (0..=cursor).rev().step_by(step as usize).take(33).collect();
		checks.sort_unstable();
		let mut good: Option<u64> = None;
		let mut first_bad = None;
		for n in checks {
			if self.matches_chain(reader, n).await? {
				good = Some(n);
			} else {
				first_bad = Some(n);
				break;
			}
		}
		let Some(mut bad) = first_bad else { return Ok(()) };
		// Invariant: `good` (if any) matches, `bad` differs.
		let mut low = good.map_or(0, |g| g + 1);
		while low < bad {
			let mid = low + (bad - low) / 2;
			if self.matches_chain(reader, mid).await? {
				low = mid + 1;
			} else {
				bad = mid;
			}
		}
		tracing::warn!(
			from = bad,
			cursor,
			"the stored blocks from here differ from the chain: re-indexing them"
		);
		self.db.truncate_from(bad).await?;
		Ok(())
	}

	/// Whether the stored hash of block `n` is the chain's.
	async fn matches_chain(&self, reader: &Reader, n: u64) -> Result<bool, IndexError> {
		let stored = self.db.block_hash(n).await?;
		let chain = reader
			.rpc()
			.chain_get_block_hash(Some(n.into()))
			.await
			.map_err(rpc_error("block hash"))?
			.map(|h| hex0x(&h.0));
		if stored != chain {
			tracing::debug!(block = n, ?stored, ?chain, "stored hash differs from the chain");
		}
		Ok(stored == chain)
	}

	/// Indexes `from..=to`, fetching and decoding ahead, writing in order.
	async fn catch_up(&self, reader: &Reader, from: u64, to: u64) -> Result<(), IndexError> {
		let mut blocks = futures::stream::iter(from..=to)
			.map(|n| fetch_block(reader, &self.node, n))
			.buffered(PIPELINE);
		// Authority sets change once a session: each is stored where it starts.
		let mut last_set = self.db.authorities_before(from).await?;
		while let Some(mut b) = blocks.try_next().await? {
			monitor(&self.db, &mut b).await?;
			if b.authorities.is_some() && b.authorities == last_set {
				b.authorities = None;
			} else if b.authorities.is_some() {
				last_set = b.authorities.clone();
			}
			self.db.write_block(&b).await?;
			self.shared.update(|s| s.indexed = Some(b.block.number));
			let _ = self.shared.live.send(Live::Finalized { block: b.block.clone() });
			if self.stop_at.is_some_and(|s| b.block.number >= s) {
				break;
			}
		}
		Ok(())
	}
}

/// Fetches block `n` and decodes it with its runtime's metadata.
pub async fn fetch_block(reader: &Reader, node: &str, n: u64) -> Result<IndexedBlock, IndexError> {
	let rpc = reader.rpc();
	let pruned = |reason: String| IndexError::Pruned { node: node.into(), block: n, reason };
	let hash = rpc
		.chain_get_block_hash(Some(n.into()))
		.await
		.map_err(rpc_error(format!("hash of block {n}")))?
		.ok_or_else(|| ChainError::Rpc {
			context: format!("block {n}"),
			reason: "not found".into(),
		})?;
	let details = rpc
		.chain_get_block(Some(hash))
		.await
		.map_err(rpc_error(format!("block {n}")))?
		.ok_or_else(|| ChainError::Rpc {
		context: format!("block {n}"),
		reason: "no body".into(),
	})?;
	let header = details.block.header;
	let events_raw = match rpc.state_get_storage(&events_key(), Some(hash)).await {
		Ok(v) => v.unwrap_or_default(),
		Err(e) if is_pruned(&e.to_string()) => return Err(pruned(e.to_string())),
		Err(e) => return Err(rpc_error(format!("events of block {n}"))(e).into()),
	};
	// The runtime that executed block n is the one in its parent's state.
	let (exec_hash, exec_number) = if n == 0 { (hash, 0) } else { (header.parent_hash, n - 1) };
	let at = match reader.api().at_block_hash_and_number(exec_hash, exec_number).await {
		Ok(at) => at,
		Err(e) if is_pruned(&e.to_string()) => return Err(pruned(e.to_string())),
		Err(e) => {
			return Err(ChainError::Rpc {
				context: format!("runtime of block {n}"),
				reason: e.to_string(),
			}
			.into())
		}
	};
	// The version as the node reports it (`state_getRuntimeVersion`, what every client shows: the
	// code's embedded `runtime_version` section), which `System.set_code` checked.
	let spec_version = rpc
		.state_get_runtime_version(Some(exec_hash))
		.await
		.map_err(rpc_error(format!("runtime version of block {n}")))?
		.spec_version;
	let metadata = at.metadata();
	let types = metadata.types();
	let decode_error = |reason: String| IndexError::Decode { block: n, reason };

	let mut b = IndexedBlock::default();
	let bodies: Vec<Vec<u8>> = details.block.extrinsics.into_iter().map(|x| x.0).collect();
	let count = bodies.len();
	let extrinsics = at.extrinsics().from_bytes(bodies).await;
	let mut timestamp_ms = None;
	for x in extrinsics.iter() {
		let x = x.map_err(|e| decode_error(format!("extrinsic: {e}")))?;
		let mut args = serde_json::Map::new();
		for field in x.iter_call_data_fields() {
			let mut bytes = field.bytes();
			let value = decode::value(&mut bytes, field.type_id(), types).map_err(|e| {
				decode_error(format!("extrinsic {} {}: {e}", x.index(), field.name()))
			})?;
			args.insert(field.name().to_string(), value);
		}
		if x.pallet_name() == "Timestamp" && x.call_name() == "set" {
			timestamp_ms = args.get("now").and_then(serde_json::Value::as_u64);
		}
		let signer = x.address_bytes().and_then(signer_of);
		b.extrinsics.push(ExtrinsicRow {
			block: n,
			index: u32::try_from(x.index()).unwrap_or(u32::MAX),
			hash: hex0x(&x.hash().0),
			signer,
			pallet: x.pallet_name().to_string(),
			call: x.call_name().to_string(),
			args: serde_json::Value::Object(args),
			success: true,
			error: None,
			error_doc: None,
			fee: None,
		});
	}
	let events = at.events().from_bytes(events_raw);
	for e in events.iter() {
		let e = e.map_err(|e| decode_error(format!("event: {e}")))?;
		let variant = metadata
			.pallet_by_event_index(e.pallet_index())
			.and_then(|p| p.event_variant_by_index(e.event_index()))
			.ok_or_else(|| decode_error(format!("event {} has no metadata", e.index())))?;
		let fields = decode::fields(e.field_bytes(), &variant.fields, types).map_err(|err| {
			decode_error(format!(
				"event {} {}.{}: {err}",
				e.index(),
				e.pallet_name(),
				e.event_name()
			))
		})?;
		let extrinsic = match e.phase() {
			Phase::ApplyExtrinsic(i) => Some(i),
			_ => None,
		};
		if let (Some(i), "System", "ExtrinsicFailed") = (extrinsic, e.pallet_name(), e.event_name())
		{
			let (error, doc) = derive::dispatch_error(
				fields.get("dispatch_error").unwrap_or(&serde_json::Value::Null),
				|index, bytes| decode::module_error(&metadata, index, bytes),
			);
			if let Some(x) = b.extrinsics.iter_mut().find(|x| x.index == i) {
				x.success = false;
				x.error = Some(error);
				x.error_doc = doc;
			}
		}
		b.events.push(EventRow {
			block: n,
			index: e.index(),
			extrinsic,
			pallet: e.pallet_name().to_string(),
			name: e.event_name().to_string(),
			fields,
		});
	}
	// The author: its index in the authorities of the parent's state, from the pre-runtime
	// digest (`PreDigest { authority_index: u32, slot: u64, vrf }`, SCALE).
	let pre = header.digest.logs.iter().find_map(|item| match item {
		// its suggestion (a `b"DPoI"` pattern) does not type-check against `[u8; 4]`
		DigestItem::PreRuntime([b'D', b'P', b'o', b'I'], data) => {
			<(u32, u64)>::decode(&mut &data[..]).ok()
		}
		_ => None,
	});
	if n > 0 {
		let authorities =
			authorities_at(reader, &metadata, header.parent_hash).await.map_err(|e| {
				if is_pruned(&e) {
					pruned(e)
				} else {
					decode_error(format!("authorities: {e}"))
				}
			})?;
		b.block.author = pre.and_then(|(i, _)| authorities.get(i as usize).map(|(a, _)| a.clone()));
		b.authorities = Some(authorities);
	}
	b.block = BlockRow {
		number: n,
		hash: hex0x(&hash.0),
		parent_hash: hex0x(&header.parent_hash.0),
		timestamp_ms,
		spec_version,
		extrinsics: count as u64,
		events: b.events.len() as u64,
		author: b.block.author.take(),
		slot: pre.map(|(_, slot)| slot),
	};
	derive::derive(&mut b);
	let after = reader.api().at_block_hash_and_number(hash, n).await.map_err(|e| {
		ChainError::Rpc { context: format!("state of block {n}"), reason: e.to_string() }
	})?;
	if n == 0 {
		// The genesis allocation has no events: each account with credits at genesis gets a
		// `minted` movement, so that every account's ledger adds up from the start.
		let address =
			subxt::dynamic::storage::<(AccountId32,), subxt::dynamic::Value>("Credits", "Lots");
		if let Ok(mut lots) = after.storage().iter(address, ()).await {
			let mut i = 0;
			while let Some(kv) = lots.next().await {
				let kv = kv.map_err(|e| decode_error(format!("genesis lots: {e}")))?;
				let who: Option<AccountId32> = kv.key().ok().and_then(|k| {
					k.part(0).and_then(|p| p.decode_as::<AccountId32>().ok().flatten())
				});
				if let Some(who) = who {
					b.movements.push(crate::model::Movement {
						block: 0,
						event: i,
						account: who.to_string(),
						kind: crate::model::MoveKind::Minted,
						amount: 0, // filled in from the runtime's figure below
						counterparty: None,
						detail: Some("genesis allocation".into()),
					});
					i += 1;
				}
			}
		}
	}
	// Balances after the block, as the runtime reports them (with the block's own runtime).
	let touched = derive::touched_accounts(&b);
	if !touched.is_empty() {
		let apis = after.runtime_apis();
		let found: Vec<(Balance, u128)> = futures::stream::iter(touched)
			.map(|account| {
				let apis = &apis;
				async move {
					let id: AccountId32 = account.parse().map_err(|_| IndexError::Decode {
						block: n,
						reason: format!("account {account}"),
					})?;
					let call = subxt::dynamic::runtime_api_call::<_, AccountCredits>(
						"CreditsApi",
						"account_summary",
						(id,),
					);
					let summary = apis.call(call).await.map_err(|e| {
						let reason = e.to_string();
						if is_pruned(&reason) {
							IndexError::Pruned { node: node.into(), block: n, reason }
						} else {
							ChainError::Rpc {
								context: format!("credits of {account} at {n}"),
								reason,
							}
							.into()
						}
					})?;
					let balance = Balance {
						account,
						spendable: summary.spendable,
						held: summary.held,
						cap: summary.cap,
					};
					Ok::<_, IndexError>((balance, summary.total_issuance))
				}
			})
			.buffered(4)
			.try_collect()
			.await?;
		b.issuance = found.first().map(|(_, issuance)| *issuance);
		b.balances = found.into_iter().map(|(balance, _)| balance).collect();
		if n == 0 {
			for m in &mut b.movements {
				m.amount =
					b.balances.iter().find(|x| x.account == m.account).map_or(0, Balance::owned);
			}
		}
	}
	// The monitor's inputs: issuance where nothing was touched (now and then), circulation
	// where credits were minted.
	if b.issuance.is_none() && n.is_multiple_of(100) {
		let key = subxt::ext::frame_decode::storage::encode_storage_key_prefix(
			"Credits",
			"TotalIssuance",
		);
		let raw = reader
			.rpc()
			.state_get_storage(&key, Some(hash))
			.await
			.map_err(rpc_error("total issuance"))?;
		b.issuance = Some(raw.and_then(|r| u128::decode(&mut &r[..]).ok()).unwrap_or_default());
	}
	if n > 0 && b.movements.iter().any(|m| m.kind == crate::model::MoveKind::Minted && m.amount > 0)
	{
		let metadata = after.metadata();
		if let Some(ty) = metadata
			.runtime_api_trait_by_name("EconomicsApi")
			.and_then(|t| t.method_by_name("economics"))
			.map(|m| m.output_ty())
		{
			let bytes =
				after.runtime_apis().call_raw("EconomicsApi_economics", None).await.map_err(
					|e| ChainError::Rpc {
						context: format!("economics at {n}"),
						reason: e.to_string(),
					},
				)?;
			let e = decode::value(&mut &bytes[..], ty, metadata.types())
				.map_err(|e| decode_error(format!("economics: {e}")))?;
			let get = |k: &str| e.get(k).and_then(derive::json_u128);
			if let (Some(circulation), Some(cap)) = (get("circulation"), get("circulation_cap")) {
				b.circulation = Some((circulation, cap));
			}
		}
	}
	Ok(b)
}

/// The invariant monitor: checks block `b` against what the index already holds, filling in
/// `b.derived_issuance` and `b.divergences`.
///
/// - **issuance**: the index's own total issuance (the previous block's, plus what was minted,
///   less what was burned, expired or paid in fees) equals `Credits.TotalIssuance`;
/// - **account**: each account the block moved changed by exactly the sum of its movements
///   (its lots and holds add up to the ledger);
/// - **cap**: an account that received credits holds at most its concentration cap (5%, or the
///   bootstrap floor) after the block;
/// - **circulation**: after a block that minted, circulation is within its cap (the runtime's
///   `circulation_cap`: days of consumption, or the bootstrap floor).
///
/// After a divergence the index continues from the runtime's figure, so that each one is
/// reported once.
pub async fn monitor(db: &Db, b: &mut IndexedBlock) -> Result<(), DbError> {
	use crate::model::{Divergence, MoveKind};
	let n = b.block.number;
	let mut found = Vec::new();
	let previous = if n == 0 { None } else { db.derived_issuance(n - 1).await? };
	let derived = match previous {
		None => b.issuance,
		Some(prev) => {
			let mut v = prev as i128;
			for m in &b.movements {
				v += match m.kind {
					MoveKind::Minted => m.amount as i128,
					MoveKind::Burned | MoveKind::Expired | MoveKind::Fee => -(m.amount as i128),
					_ => 0,
				};
			}
			Some(u128::try_from(v.max(0)).unwrap_or_default())
		}
	};
	match (derived, b.issuance) {
		(Some(d), Some(r)) if d != r => {
			found.push(Divergence {
				block: n,
				rule: "issuance".into(),
				detail: format!(
					"the index adds up to {d}, Credits.TotalIssuance is {r} (raw units)"
				),
			});
			b.derived_issuance = Some(r);
		}
		_ => b.derived_issuance = derived.or(b.issuance),
	}
	if n > 0 {
		for bal in &b.balances {
			let before = db.owned_before(&bal.account, n).await?.unwrap_or_default() as i128;
			let change: i128 = b
				.movements
				.iter()
				.filter(|m| m.account == bal.account)
				.map(|m| match m.kind {
					MoveKind::Minted | MoveKind::Received => m.amount as i128,
					MoveKind::Sent | MoveKind::Burned | MoveKind::Expired | MoveKind::Fee => {
						-(m.amount as i128)
					}
					MoveKind::Held | MoveKind::Released => 0,
				})
				.sum();
			let now = bal.owned() as i128;
			if before + change != now {
				found.push(Divergence {
					block: n,
					rule: "account".into(),
					detail: format!(
						"{}: the ledger gives {} (before {before}, moved {change}), the runtime {now}",
						bal.account,
						before + change
					),
				});
			}
			let received = b.movements.iter().any(|m| {
				m.account == bal.account && matches!(m.kind, MoveKind::Minted | MoveKind::Received)
			});
			if received && bal.cap > 0 && bal.owned() > bal.cap {
				found.push(Divergence {
					block: n,
					rule: "cap".into(),
					detail: format!(
						"{} received credits and holds {}, above its cap {}",
						bal.account,
						bal.owned(),
						bal.cap
					),
				});
			}
		}
	}
	if let Some((circulation, cap)) = b.circulation {
		if circulation > cap {
			found.push(Divergence {
				block: n,
				rule: "circulation".into(),
				detail: format!(
					"credits were minted while circulation {circulation} exceeds its cap {cap}"
				),
			});
		}
	}
	for d in &found {
		tracing::error!(block = d.block, rule = %d.rule, detail = %d.detail, "invariant monitor: the index and the chain disagree");
	}
	b.divergences = found;
	Ok(())
}

/// The storage key of `System.Events`.
/// `Consensus.Authorities` at `at`: (account, weight) in index order; empty if the runtime has
/// no such storage.
async fn authorities_at(
	reader: &Reader,
	metadata: &subxt::Metadata,
	at: H256,
) -> Result<Vec<(String, u64)>, String> {
	let Some(ty) = metadata
		.pallet_by_name("Consensus")
		.and_then(|p| p.storage())
		.and_then(|s| s.entry_by_name("Authorities"))
		.map(|e| e.value_ty())
	else {
		return Ok(Vec::new());
	};
	let key =
		subxt::ext::frame_decode::storage::encode_storage_key_prefix("Consensus", "Authorities");
	let raw = reader.rpc().state_get_storage(&key, Some(at)).await.map_err(|e| e.to_string())?;
	let Some(raw) = raw else { return Ok(Vec::new()) };
	let value = decode::value(&mut &raw[..], ty, metadata.types()).map_err(|e| e.to_string())?;
	Ok(value
		.as_array()
		.map(|list| {
			list.iter()
				.filter_map(|a| {
					let account = a.get("account")?.as_str()?.to_string();
					let weight = crate::derive::json_u128(a.get("weight")?)?;
					Some((account, u64::try_from(weight).ok()?))
				})
				.collect()
		})
		.unwrap_or_default())
}

fn events_key() -> [u8; 32] {
	subxt::ext::frame_decode::storage::encode_storage_key_prefix("System", "Events")
}

/// The signer of a signed extrinsic: `MultiAddress::Id` (variant 0) of an `AccountId32`.
fn signer_of(address: &[u8]) -> Option<String> {
	match address.split_first() {
		Some((0, rest)) => {
			<[u8; 32]>::decode(&mut &rest[..]).ok().map(|a| AccountId32(a).to_string())
		}
		_ => None,
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	#[test]
	fn only_account_addresses_name_a_signer() {
		let mut id = vec![0u8];
		id.extend([7u8; 32]);
		assert_eq!(signer_of(&id), Some(AccountId32([7; 32]).to_string()));
		assert_eq!(signer_of(&[1, 2, 3]), None);
		assert_eq!(signer_of(&[0, 1]), None);
	}

	fn block(
		n: u64,
		issuance: Option<u128>,
		movements: Vec<crate::model::Movement>,
		balances: Vec<Balance>,
	) -> IndexedBlock {
		let mut b = IndexedBlock::default();
		b.block.number = n;
		b.block.hash = format!("0x{n:064x}");
		b.issuance = issuance;
		b.movements = movements;
		b.balances = balances;
		b
	}

	fn moved(
		n: u64,
		who: &str,
		kind: crate::model::MoveKind,
		amount: u128,
	) -> crate::model::Movement {
		crate::model::Movement {
			block: n,
			event: 0,
			account: who.into(),
			kind,
			amount,
			counterparty: None,
			detail: None,
		}
	}

	fn balance(who: &str, owned: u128, cap: u128) -> Balance {
		Balance { account: who.into(), spendable: owned, held: 0, cap }
	}

	#[tokio::test]
	async fn the_monitor_agrees_with_a_consistent_chain_and_names_each_divergence() {
		use crate::model::MoveKind::*;
		let db = Db::open("sqlite::memory:").await.unwrap();
		let mut genesis = block(
			0,
			Some(1_000),
			vec![moved(0, "a", Minted, 1_000)],
			vec![balance("a", 1_000, 5_000)],
		);
		monitor(&db, &mut genesis).await.unwrap();
		assert!(genesis.divergences.is_empty());
		db.write_block(&genesis).await.unwrap();
		// A mint of 50 and a fee of 2: issuance 1,048, a owns 1,048.
		let mut one = block(
			1,
			Some(1_048),
			vec![
				moved(1, "a", Minted, 50),
				crate::model::Movement { event: 1, ..moved(1, "a", Fee, 2) },
			],
			vec![balance("a", 1_048, 5_000)],
		);
		monitor(&db, &mut one).await.unwrap();
		assert!(one.divergences.is_empty(), "{:?}", one.divergences);
		assert_eq!(one.derived_issuance, Some(1_048));
		db.write_block(&one).await.unwrap();
		// The chain burns 10 from a without saying so, and lets a receive above its cap.
		let mut two = block(
			2,
			Some(1_038),
			vec![moved(2, "a", Received, 0)],
			vec![balance("a", 1_038, 1_000)],
		);
		monitor(&db, &mut two).await.unwrap();
		let rules: Vec<&str> = two.divergences.iter().map(|d| d.rule.as_str()).collect();
		assert_eq!(rules, ["issuance", "account", "cap"], "{:?}", two.divergences);
		// The index continues from the chain's figure: one report per divergence.
		assert_eq!(two.derived_issuance, Some(1_038));
		db.write_block(&two).await.unwrap();
		assert_eq!(db.divergences(10).await.unwrap().0, 3);
		let mut three = block(3, None, vec![], vec![]);
		three.circulation = Some((2_000, 1_500));
		monitor(&db, &mut three).await.unwrap();
		assert_eq!(three.divergences.len(), 1);
		assert_eq!(three.divergences[0].rule, "circulation");
		assert_eq!(
			three.derived_issuance,
			Some(1_038),
			"nothing moved: the index carries issuance on"
		);
	}

	#[test]
	fn pruned_state_is_recognised() {
		assert!(is_pruned("State already discarded for 0xabc"));
		assert!(!is_pruned("connection reset"));
		let e = IndexError::Pruned { node: "ws://n".into(), block: 3, reason: "x".into() };
		assert!(e.to_string().contains("--state-pruning archive-canonical"));
		assert!(e.is_fatal());
	}
}
