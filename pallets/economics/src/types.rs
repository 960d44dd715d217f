//! Data types of the economics pallet: supply limits, per-day totals, epoch state and receipts.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use declai_primitives::{Balance, DayIndex, HardwareClass, WithholdReason, WorkUnits};
use scale_info::TypeInfo;
use sp_arithmetic::FixedU128;
use sp_core::H256;

/// Index of a settlement receipt, counted from 0.
pub type ReceiptId = u64;

/// Index of an epoch: `block_number / EpochLength`.
pub type EpochIndex = u64;

/// Supply rules set by governance.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct SupplyLimits {
	/// Circulation may not exceed this percentage of trailing consumption (110); 100..=200.
	pub circulation_percent: u16,
	/// Bootstrap floor of the circulation cap: minting is allowed up to this circulation even
	/// without consumption, so that a new network can start.
	pub bootstrap_circulation: Balance,
	/// Most credits minted per epoch; positive.
	pub epoch_mint_ceiling: Balance,
}

impl Default for SupplyLimits {
	fn default() -> Self {
		SupplyLimits {
			circulation_percent: 110,
			bootstrap_circulation: 1_000_000 * declai_primitives::CRED,
			epoch_mint_ceiling: 10_000 * declai_primitives::CRED,
		}
	}
}

impl SupplyLimits {
	/// Lowest and highest allowed `circulation_percent`.
	pub const PERCENT_RANGE: core::ops::RangeInclusive<u16> = 100..=200;

	/// Whether every field is inside its bounds.
	pub fn is_valid(&self) -> bool {
		Self::PERCENT_RANGE.contains(&self.circulation_percent) && self.epoch_mint_ceiling > 0
	}
}

/// Sums over one day (or, added up, over the trailing window).
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub struct DayTotals {
	/// The day these totals belong to (for a window sum: the newest day).
	pub day: DayIndex,
	/// Work value at β = 1: Σ T × η × α of settled work.
	pub value: Balance,
	/// Credits earned by the formula, Σ T × η × α / β; always `minted + withheld`.
	pub earned: Balance,
	/// Credits actually minted.
	pub minted: Balance,
	/// Credits earned but not minted (caps, ceiling, pause).
	pub withheld: Balance,
	/// Credits consumed (burned) for inference.
	pub consumed: Balance,
	/// Work requested by consumers, in reference GPU-hours.
	pub demand: WorkUnits,
	/// Work offered by online workers, in reference GPU-hours.
	pub capacity: WorkUnits,
}

impl DayTotals {
	/// Field-wise saturating sum (`day`: the later of the two).
	pub fn plus(&self, other: &DayTotals) -> DayTotals {
		DayTotals {
			day: self.day.max(other.day),
			value: self.value.saturating_add(other.value),
			earned: self.earned.saturating_add(other.earned),
			minted: self.minted.saturating_add(other.minted),
			withheld: self.withheld.saturating_add(other.withheld),
			consumed: self.consumed.saturating_add(other.consumed),
			demand: self.demand.saturating_add(other.demand),
			capacity: self.capacity.saturating_add(other.capacity),
		}
	}

	/// Field-wise saturating difference (`day` from `self`).
	pub fn minus(&self, other: &DayTotals) -> DayTotals {
		DayTotals {
			day: self.day,
			value: self.value.saturating_sub(other.value),
			earned: self.earned.saturating_sub(other.earned),
			minted: self.minted.saturating_sub(other.minted),
			withheld: self.withheld.saturating_sub(other.withheld),
			consumed: self.consumed.saturating_sub(other.consumed),
			demand: self.demand.saturating_sub(other.demand),
			capacity: self.capacity.saturating_sub(other.capacity),
		}
	}
}

/// The running epoch.
#[derive(
	Clone,
	Copy,
	Decode,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	Debug,
	TypeInfo,
)]
pub struct EpochState {
	/// Epoch index.
	pub index: EpochIndex,
	/// Credits minted in this epoch (against the ceiling).
	pub minted: Balance,
	/// Work requested in this epoch.
	pub demand: WorkUnits,
	/// Work offered in this epoch.
	pub capacity: WorkUnits,
	/// Utilization of the previous epoch, from which the current α was set.
	pub last_utilization: Option<FixedU128>,
}

/// "Why was I paid this?": everything that went into one settlement.
#[derive(
	Clone, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, Debug, TypeInfo,
)]
pub struct Receipt<AccountId, BlockNumber> {
	/// The paid worker.
	pub worker: AccountId,
	/// The job (or its result commitment) this pays for.
	pub job: H256,
	/// The worker's hardware class.
	pub class: HardwareClass,
	/// Whether a benchmark challenge confirmed the class; if not, η was capped at the floor.
	pub class_confirmed: bool,
	/// `T_compute`: the verified work's time on the worker's class, in GPU-hours (`10^12` per
	/// hour).
	pub t_compute: WorkUnits,
	/// The reference work it pays for (this worker's share of the job's cost on the reference
	/// GPU): `T_compute × η` is paid up to this, up to half of it if the class was not confirmed.
	pub reference_work: WorkUnits,
	/// η of the class at settlement (at most the floor if the class was not confirmed).
	pub eta: FixedU128,
	/// α the job was priced at.
	pub alpha: FixedU128,
	/// β of the epoch.
	pub beta: FixedU128,
	/// `⌊min(T × η, reference work) × α / β⌋`.
	pub earned: Balance,
	/// Credits minted to the worker.
	pub minted: Balance,
	/// `earned − minted`.
	pub withheld: Balance,
	/// Why anything was withheld (the first limit that applied).
	pub reason: Option<WithholdReason>,
	/// Block of settlement.
	pub block: BlockNumber,
}

/// The economy as clients see it (runtime API `EconomicsApi::economics`, RPC
/// `declai_economics`).
#[derive(Clone, Decode, Encode, Debug, Eq, PartialEq, TypeInfo)]
pub struct EconomicsSummary {
	/// Current epoch.
	pub epoch: EpochIndex,
	/// Current demand multiplier α.
	pub alpha: FixedU128,
	/// Current difficulty β.
	pub beta: FixedU128,
	/// The earned/consumed ratio β aims for now (1 ± growth, from circulation vs its cap).
	pub aim: FixedU128,
	/// The β that would have made earned/consumed = `aim` over the trailing window.
	pub beta_target: Option<FixedU128>,
	/// η per hardware class.
	pub eta: alloc::vec::Vec<(HardwareClass, FixedU128)>,
	/// Utilization of the previous epoch (α's input).
	pub last_utilization: Option<FixedU128>,
	/// Utilization over the trailing window.
	pub window_utilization: Option<FixedU128>,
	/// Sums over the trailing window (30 days, today included).
	pub window: DayTotals,
	/// Earned / consumed over the trailing window.
	pub earned_over_consumed: Option<FixedU128>,
	/// Credits in circulation (unexpired + held).
	pub circulation: Balance,
	/// `max(bootstrap, circulation_percent × trailing consumption)`.
	pub circulation_cap: Balance,
	/// How much more may be minted before the circulation cap.
	pub circulation_headroom: Balance,
	/// Per-account concentration cap now (5% or the bootstrap floor).
	pub concentration_cap: Balance,
	/// Minted in this epoch.
	pub epoch_minted: Balance,
	/// How much more may be minted in this epoch.
	pub epoch_headroom: Balance,
	/// Supply rules.
	pub limits: SupplyLimits,
	/// Whether minting is paused.
	pub mint_paused: bool,
	/// Id the next receipt will get; receipts below `next_receipt − retention` are pruned.
	pub next_receipt: ReceiptId,
}
