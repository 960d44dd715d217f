//! Data types of the economics pallet: supply limits, per-day totals, epoch state and receipts.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use declai_primitives::{
	Balance, DayIndex, HardwareClass, StockRegime, WindowSums, WithholdReason, WorkUnits,
};
use scale_info::TypeInfo;
use sp_arithmetic::{FixedU128, Perbill};
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
	/// Circulation may not exceed this percentage of the window's consumption, counted as
	/// `WindowDays` days at the mean daily rate (50: with a 30-day window, 15 days of
	/// consumption); 20..=200.
	pub circulation_percent: u16,
	/// Bootstrap floor of the circulation cap: minting is allowed up to this circulation even
	/// without consumption, so that a new network can start.
	pub bootstrap_circulation: Balance,
	/// Least per-epoch mint ceiling; positive.
	pub epoch_mint_floor: Balance,
	/// The per-epoch mint ceiling is `max(epoch_mint_floor, epoch_mint_percent % × the mean
	/// minted per epoch over the previous days of the window)`: a surge of minting beyond this
	/// multiple of the recent pace is withheld; 100..=10,000.
	pub epoch_mint_percent: u16,
}

impl Default for SupplyLimits {
	fn default() -> Self {
		SupplyLimits {
			circulation_percent: 50,
			bootstrap_circulation: 1_000_000 * declai_primitives::CRED,
			epoch_mint_floor: 10_000 * declai_primitives::CRED,
			epoch_mint_percent: 300,
		}
	}
}

impl SupplyLimits {
	/// Lowest and highest allowed `circulation_percent`.
	pub const PERCENT_RANGE: core::ops::RangeInclusive<u16> = 20..=200;
	/// Lowest and highest allowed `epoch_mint_percent`.
	pub const MINT_PERCENT_RANGE: core::ops::RangeInclusive<u16> = 100..=10_000;

	/// Whether every field is inside its bounds.
	pub fn is_valid(&self) -> bool {
		Self::PERCENT_RANGE.contains(&self.circulation_percent)
			&& self.epoch_mint_floor > 0
			&& Self::MINT_PERCENT_RANGE.contains(&self.epoch_mint_percent)
	}
}

/// The bootstrap issuance: while the network holds fewer than the controller's
/// `grow_below_days` of consumption, workers' pay is matched by newly issued credits (at most
/// `per_worker` per account in each period of `WindowDays` days), towards a target stock and at a
/// bounded daily rate. It is recorded apart from work payment (receipts' `bootstrap`,
/// [`DayTotals::bootstrap`]), so it never enters the earned/consumed ratio, and it ends by itself:
/// when the stock reaches its target (resuming only when it falls below again), for a worker
/// once its match for the period is used up, and for good once mean daily consumption exceeds
/// `sunset_daily_consumption`.
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
pub struct BootstrapParams {
	/// Share of a worker's minted pay that is matched (0: no bootstrap issuance).
	pub match_share: Perbill,
	/// Most matched per worker account in each period of `WindowDays` days (the match is
	/// available again in the next period while the stock is below its target).
	pub per_worker: Balance,
	/// The target stock counts at least this share of the confirmed capacity (reference
	/// GPU-hours a day, 1 credit each) as daily consumption: the consumption the network is
	/// there to serve, also before any was measured.
	pub capacity_share: Perbill,
	/// Most issued per day, as a share of the target stock.
	pub daily_share: Perbill,
	/// No issuance once the mean daily consumption of the window exceeds this.
	pub sunset_daily_consumption: Balance,
}

impl Default for BootstrapParams {
	fn default() -> Self {
		BootstrapParams {
			match_share: Perbill::zero(),
			per_worker: 0,
			capacity_share: Perbill::from_percent(25),
			daily_share: Perbill::from_percent(10),
			sunset_daily_consumption: 0,
		}
	}
}

impl BootstrapParams {
	/// Most that may be matched per worker (the bound of [`Self::per_worker`]): 1,000 CRED.
	pub const MAX_PER_WORKER: Balance = 1_000 * declai_primitives::CRED;

	/// Whether every field is inside its bounds: the match at most 100%, at most
	/// [`Self::MAX_PER_WORKER`] per worker, at most 50% of the target a day.
	pub fn is_valid(&self) -> bool {
		self.per_worker <= Self::MAX_PER_WORKER && self.daily_share <= Perbill::from_percent(50)
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
	/// Credits issued by the bootstrap schedule (outside `earned` and the ratio).
	pub bootstrap: Balance,
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
			bootstrap: self.bootstrap.saturating_add(other.bootstrap),
		}
	}

	/// What the β controller reads of these totals.
	pub fn sums(&self) -> WindowSums {
		WindowSums { value: self.value, earned: self.earned, consumed: self.consumed }
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
			bootstrap: self.bootstrap.saturating_sub(other.bootstrap),
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
///
/// Decoding accepts the encoding of storage version 0 (without `bootstrap`, read as 0), so
/// receipts stored before the upgrade stay readable without a migration pass over them.
#[derive(Clone, Encode, Eq, MaxEncodedLen, PartialEq, Debug, TypeInfo)]
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
	/// Credits issued on top by the bootstrap schedule (a match of the worker's pay while the
	/// network is short of credits); not part of `earned`, and never counted in the
	/// earned/consumed ratio.
	pub bootstrap: Balance,
}

impl<AccountId: Decode, BlockNumber: Decode> Decode for Receipt<AccountId, BlockNumber> {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let worker = AccountId::decode(input)?;
		let job = H256::decode(input)?;
		let class = HardwareClass::decode(input)?;
		let class_confirmed = bool::decode(input)?;
		let t_compute = WorkUnits::decode(input)?;
		let reference_work = WorkUnits::decode(input)?;
		let eta = FixedU128::decode(input)?;
		let alpha = FixedU128::decode(input)?;
		let beta = FixedU128::decode(input)?;
		let earned = Balance::decode(input)?;
		let minted = Balance::decode(input)?;
		let withheld = Balance::decode(input)?;
		let reason = Option::<WithholdReason>::decode(input)?;
		let block = BlockNumber::decode(input)?;
		// A receipt stored at storage version 0 ends here (storage values are decoded from
		// exactly their bytes, so the end of the input is the end of the receipt).
		let bootstrap = match input.remaining_len()? {
			Some(0) => 0,
			_ => Balance::decode(input)?,
		};
		Ok(Receipt {
			worker,
			job,
			class,
			class_confirmed,
			t_compute,
			reference_work,
			eta,
			alpha,
			beta,
			earned,
			minted,
			withheld,
			reason,
			block,
			bootstrap,
		})
	}
}

impl<AccountId: DecodeWithMemTracking, BlockNumber: DecodeWithMemTracking> DecodeWithMemTracking
	for Receipt<AccountId, BlockNumber>
{
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
	/// Days of consumption the circulation would pay for at the window's mean daily
	/// consumption; `None` before anything was consumed.
	pub days_held: Option<FixedU128>,
	/// What the supply does now, from `days_held`: grow (bootstrap issuance), hold or shrink.
	pub regime: StockRegime,
	/// The earned/consumed ratio β aims for now (1, or `1 − shrink` when shrinking).
	pub aim: FixedU128,
	/// β* over the recent days: the β that pays today's mix of work at the aim.
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
	/// `max(bootstrap, circulation_percent % × WindowDays × mean daily consumption)`.
	pub circulation_cap: Balance,
	/// How much more may be minted before the circulation cap.
	pub circulation_headroom: Balance,
	/// Per-account concentration cap now (5% or the bootstrap floor).
	pub concentration_cap: Balance,
	/// The per-epoch mint ceiling now (its floor, or a multiple of the recent pace).
	pub epoch_mint_ceiling: Balance,
	/// Minted in this epoch.
	pub epoch_minted: Balance,
	/// How much more may be minted in this epoch.
	pub epoch_headroom: Balance,
	/// Supply rules.
	pub limits: SupplyLimits,
	/// Whether minting is paused.
	pub mint_paused: bool,
	/// The bootstrap issuance's parameters.
	pub bootstrap: BootstrapParams,
	/// The stock the bootstrap issuance issues towards (0 once it has ended).
	pub bootstrap_target: Balance,
	/// How much more it may issue today.
	pub bootstrap_headroom: Balance,
	/// Id the next receipt will get; receipts below `next_receipt − retention` are pruned.
	pub next_receipt: ReceiptId,
}
