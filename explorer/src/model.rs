//! What the explorer stores and shows: rows of the index, and one decoded block with everything
//! derived from it ([`IndexedBlock`]).

use serde::Serialize;
use serde_json::Value as Json;

/// A block as indexed.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct BlockRow {
	/// Number.
	pub number: u64,
	/// Hash (`0x…`).
	pub hash: String,
	/// Parent hash.
	pub parent_hash: String,
	/// `Timestamp.set` of the block, ms since the Unix epoch.
	pub timestamp_ms: Option<u64>,
	/// The runtime version that executed the block (its parent's).
	pub spec_version: u32,
	/// Number of extrinsics.
	pub extrinsics: u64,
	/// Number of events.
	pub events: u64,
	/// The author's account (from the `DPoI` pre-runtime digest and the authorities of the
	/// parent's state); `None` for genesis.
	pub author: Option<String>,
	/// The slot the block was authored in.
	pub slot: Option<u64>,
}

/// An extrinsic, decoded.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ExtrinsicRow {
	/// Block number.
	pub block: u64,
	/// Index in the block.
	pub index: u32,
	/// `blake2_256` of its bytes (`0x…`); not unique across the chain.
	pub hash: String,
	/// The signer's SS58 address; `None` for inherents and unsigned transactions.
	pub signer: Option<String>,
	/// Pallet.
	pub pallet: String,
	/// Call.
	pub call: String,
	/// Arguments by name.
	pub args: Json,
	/// Whether it dispatched successfully.
	pub success: bool,
	/// `Pallet.Error` of a failed one (or the `DispatchError` variant when not a module error).
	pub error: Option<String>,
	/// The error's documentation.
	pub error_doc: Option<String>,
	/// Fee paid, raw units (`TransactionPayment.TransactionFeePaid`).
	#[serde(serialize_with = "ser_opt_u128")]
	pub fee: Option<u128>,
}

/// An event, decoded.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EventRow {
	/// Block number.
	pub block: u64,
	/// Index in the block.
	pub index: u32,
	/// The extrinsic that emitted it (`None`: block initialisation or finalisation).
	pub extrinsic: Option<u32>,
	/// Pallet.
	pub pallet: String,
	/// Event name.
	pub name: String,
	/// Fields by name.
	pub fields: Json,
}

/// What a credit movement did to an account.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
	/// Credits minted to it (settlement or governance).
	Minted,
	/// Received from another account.
	Received,
	/// Sent to another account.
	Sent,
	/// Put on hold (escrow, bond).
	Held,
	/// Released from hold back to the free balance.
	Released,
	/// Destroyed as consumption (escrow burned for a served job, a slash, a burn).
	Burned,
	/// Expired lots removed.
	Expired,
	/// A transaction fee (destroyed).
	Fee,
}

impl MoveKind {
	/// Every kind, in the order the pages list them.
	pub const ALL: [MoveKind; 8] = [
		Self::Minted,
		Self::Received,
		Self::Sent,
		Self::Held,
		Self::Released,
		Self::Burned,
		Self::Expired,
		Self::Fee,
	];

	/// The stored name.
	pub fn as_str(self) -> &'static str {
		match self {
			Self::Minted => "minted",
			Self::Received => "received",
			Self::Sent => "sent",
			Self::Held => "held",
			Self::Released => "released",
			Self::Burned => "burned",
			Self::Expired => "expired",
			Self::Fee => "fee",
		}
	}

	/// The effect on (spendable, held): +1, −1 or 0 each.
	pub fn effect(self) -> (i8, i8) {
		match self {
			Self::Minted | Self::Received => (1, 0),
			Self::Sent | Self::Fee => (-1, 0),
			Self::Held => (-1, 1),
			Self::Released => (1, -1),
			// Burned and expired credits may come from either balance; the balance history
			// is read from the chain, not derived from these.
			Self::Burned | Self::Expired => (0, 0),
		}
	}
}

impl std::str::FromStr for MoveKind {
	type Err = ();
	fn from_str(s: &str) -> Result<Self, ()> {
		Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
	}
}

/// One credit movement of one account.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Movement {
	/// Block.
	pub block: u64,
	/// Event index in the block.
	pub event: u32,
	/// The account (SS58).
	pub account: String,
	/// What happened.
	pub kind: MoveKind,
	/// Raw units.
	#[serde(serialize_with = "ser_u128")]
	pub amount: u128,
	/// The other account of a transfer.
	pub counterparty: Option<String>,
	/// More: the hold reason, the expiry day of a mint, withheld credits and why.
	pub detail: Option<String>,
}

/// An account's balance after a block, as the runtime reports it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Balance {
	/// The account (SS58).
	pub account: String,
	/// Unexpired free credits.
	#[serde(serialize_with = "ser_u128")]
	pub spendable: u128,
	/// Credits on hold.
	#[serde(serialize_with = "ser_u128")]
	pub held: u128,
	/// The concentration cap the runtime applied to it after the block (not stored).
	#[serde(skip)]
	pub cap: u128,
}

impl Balance {
	/// Spendable and held together.
	pub fn owned(&self) -> u128 {
		self.spendable.saturating_add(self.held)
	}
}

/// Where the index and the runtime disagree (the invariant monitor).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Divergence {
	/// Block.
	pub block: u64,
	/// Which rule: `issuance`, `account`, `cap` or `circulation`.
	pub rule: String,
	/// What differs.
	pub detail: String,
}

/// A job as requested.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct JobRow {
	/// Job id.
	pub id: u64,
	/// Block of the request.
	pub block: u64,
	/// The consumer (SS58).
	pub consumer: String,
	/// Model id.
	pub model: u32,
	/// Escrowed price, raw units.
	#[serde(serialize_with = "ser_u128")]
	pub price: u128,
}

/// One step of a job's verification trail: an event that names the job.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct JobStep {
	/// Job id.
	pub job: u64,
	/// Block.
	pub block: u64,
	/// Event index in the block.
	pub event: u32,
	/// The event's name (`JobRequested`, `Committed`, …).
	pub step: String,
	/// The worker or auditor it concerns.
	pub worker: Option<String>,
	/// The event's fields.
	pub detail: Json,
}

/// A settlement receipt (`Economics.WorkSettled`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ReceiptRow {
	/// Receipt id.
	pub id: u64,
	/// Settlement block.
	pub block: u64,
	/// Event index.
	pub event: u32,
	/// The paid worker.
	pub worker: String,
	/// The job it paid for (from `Inference.JobServed`).
	pub job: Option<u64>,
	/// The receipt's fields.
	pub data: Json,
}

/// One finalized block, decoded, with everything derived from it: written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct IndexedBlock {
	/// The block.
	pub block: BlockRow,
	/// Its extrinsics.
	pub extrinsics: Vec<ExtrinsicRow>,
	/// Its events.
	pub events: Vec<EventRow>,
	/// Credit movements.
	pub movements: Vec<Movement>,
	/// Balances after the block of the accounts it moved.
	pub balances: Vec<Balance>,
	/// Jobs requested.
	pub jobs: Vec<JobRow>,
	/// Trail steps.
	pub steps: Vec<JobStep>,
	/// Receipts.
	pub receipts: Vec<ReceiptRow>,
	/// The authorities (account, Proof-of-Inference weight in parts per billion) the block was
	/// authored under: stored only where they differ from the previous block's.
	pub authorities: Option<Vec<(String, u64)>>,
	/// `Credits.TotalIssuance` after the block, where it was read (blocks that moved credits,
	/// genesis, and every 100th block).
	pub issuance: Option<u128>,
	/// `(circulation, circulation cap)` after a block that minted (`EconomicsApi::economics`).
	pub circulation: Option<(u128, u128)>,
	/// The index's own total issuance after the block (the monitor fills it in).
	pub derived_issuance: Option<u128>,
	/// What the monitor found.
	pub divergences: Vec<Divergence>,
}

/// A block's production: who authored it in which slot, and the authority set if it changed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ProductionRow {
	/// Number.
	pub number: u64,
	/// Author.
	pub author: Option<String>,
	/// Slot.
	pub slot: Option<u64>,
	/// The authority set (account, weight ppb) it was authored under, where it changed.
	pub authorities: Option<Vec<(String, u64)>>,
}

/// `u128` as a decimal string in JSON (numbers above 2^53 lose digits in JavaScript).
pub fn ser_u128<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&v.to_string())
}

fn ser_opt_u128<S: serde::Serializer>(v: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
	match v {
		Some(v) => s.serialize_str(&v.to_string()),
		None => s.serialize_none(),
	}
}
