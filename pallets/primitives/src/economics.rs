//! The credit economics in fixed point: `C_earned = T_compute × η × α / β`.
//!
//! - **T_compute** ([`WorkUnits`]): the *verified* cost of a job on the worker's hardware class in
//!   GPU-hours (`10^12` units per hour), i.e. the model's registered cost, never the self-reported
//!   wall time.
//! - **η** ([`HardwareClass::seed_eta`]): credits per device-hour relative to the reference GPU
//!   (NVIDIA A100), clamped to [`ETA_MIN`]..=[`ETA_MAX`].
//! - **α** ([`AlphaCurve::alpha`]): demand multiplier from the last epoch's utilization
//!   (demand / capacity), clamped to [`ALPHA_MIN`]..=[`ALPHA_MAX`], 1 at normal load.
//! - **β** ([`BetaController::step`]): difficulty, moved once per epoch by a damped, bounded
//!   controller towards the value that makes earned = consumed over the trailing window.
//!
//! Every function rounds so that it never mints more than the exact value (credits down) and
//! never charges less than the exact value (prices up).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Bounded, CheckedDiv, One, Saturating, Zero},
	FixedPointNumber, FixedU128, Perbill, Rounding,
};

use crate::Balance;

/// Work in GPU-hours with 12 decimals: [`GPU_HOUR`] units are one hour on some device.
pub type WorkUnits = u128;

/// One GPU-hour in [`WorkUnits`]; numerically equal to one credit.
pub const GPU_HOUR: WorkUnits = 1_000_000_000_000;

const fn fixed(num: u128, den: u128) -> FixedU128 {
	// Only used with small non-zero constants, for which neither step can fail.
	match num.saturating_mul(FixedU128::DIV).checked_div(den) {
		Some(inner) => FixedU128::from_inner(inner),
		None => FixedU128::from_inner(0),
	}
}

/// Lowest hardware efficiency η.
pub const ETA_MIN: FixedU128 = fixed(1, 2);
/// Highest hardware efficiency η.
pub const ETA_MAX: FixedU128 = fixed(2, 1);
/// Lowest demand multiplier α (idle network).
pub const ALPHA_MIN: FixedU128 = fixed(4, 5);
/// Highest demand multiplier α (peak load).
pub const ALPHA_MAX: FixedU128 = fixed(3, 2);
/// Hard floor for β; governance bounds must lie inside [`BETA_FLOOR`]..=[`BETA_CEIL`].
pub const BETA_FLOOR: FixedU128 = fixed(1, 20);
/// Hard ceiling for β.
pub const BETA_CEIL: FixedU128 = fixed(20, 1);
/// Highest utilization at which α may reach its maximum (demand ten times the capacity).
pub const PEAK_UTILIZATION_LIMIT: FixedU128 = fixed(10, 1);

/// Errors of the economics maths; each names the bound that was broken.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum EconomicsError {
	/// An intermediate value does not fit in 128 bits.
	Overflow,
	/// β is zero; β is always at least [`BETA_FLOOR`] on chain.
	ZeroBeta,
	/// η lies outside [`ETA_MIN`]..=[`ETA_MAX`].
	EtaOutOfBounds,
	/// The α curve is not increasing (`idle < normal_low ≤ normal_high < peak ≤ 10`).
	InvalidAlphaCurve,
	/// The β controller's bounds or gains are outside their hard limits.
	InvalidController,
}

/// Why part of a mint was not paid. Every withheld amount is recorded in a receipt and an event.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WithholdReason {
	/// The account would have held more than the concentration cap (5% or the bootstrap floor).
	ConcentrationCap,
	/// Circulation would have exceeded its cap: days of consumption at the window's mean (15 by
	/// default), or its bootstrap floor.
	CirculationCap,
	/// The per-epoch mint ceiling was reached.
	EpochCeiling,
	/// Governance paused minting (safe mode).
	MintPaused,
	/// The job's payments would have exceeded what its consumer paid: credits minted for a job
	/// never exceed the credits burned for it.
	JobBudget,
}

/// Hardware classes a worker can register with. The order is part of the encoding: append only.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	Hash,
	MaxEncodedLen,
	Ord,
	PartialEq,
	PartialOrd,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HardwareClass {
	/// A server CPU without accelerator.
	Cpu,
	/// NVIDIA GeForce RTX 3060 (12 GB).
	Rtx3060,
	/// NVIDIA GeForce RTX 4090.
	Rtx4090,
	/// NVIDIA L4.
	L4,
	/// NVIDIA A100 — the reference GPU (η = 1).
	A100,
	/// NVIDIA H100.
	H100,
}

impl HardwareClass {
	/// Every class, in encoding order.
	pub const ALL: [HardwareClass; 6] = [
		HardwareClass::Cpu,
		HardwareClass::Rtx3060,
		HardwareClass::Rtx4090,
		HardwareClass::L4,
		HardwareClass::A100,
		HardwareClass::H100,
	];

	/// Throughput relative to the reference A100 as `(numerator, denominator)`, from the figures
	/// cited in `pallets/economics/README.md` (MLPerf Inference datacenter results and published
	/// consumer-GPU benchmarks). Not clamped: see [`HardwareClass::seed_eta`].
	pub const fn throughput_ratio(self) -> (u128, u128) {
		// Per mille of the A100, MLPerf Inference ResNet-50 Offline (closed) samples/s per
		// accelerator; A100-SXM-80GB ×1 (v3.0) = 42,379.3. See `pallets/economics/README.md`.
		match self {
			// 2-socket Xeon Platinum 8592+ node (v4.0): 25,289.6.
			HardwareClass::Cpu => (597, 1000),
			// No MLPerf result exists; spec-sheet estimate (dense FP16 tensor TFLOPS and memory
			// bandwidth are both ≈ 0.17 of the A100's). Unverified.
			HardwareClass::Rtx3060 => (170, 1000),
			// cTuning RTX 4090 (v3.1, edge, closed): 45,772.1.
			HardwareClass::Rtx4090 => (1080, 1000),
			// NVIDIA L4 ×1 (v3.1): 12,881.7.
			HardwareClass::L4 => (304, 1000),
			HardwareClass::A100 => (1000, 1000),
			// NVIDIA DGX-H100 H100-SXM-80GB ×1 (v4.0): 88,714.3.
			HardwareClass::H100 => (2093, 1000),
		}
	}

	/// The genesis η of this class: its throughput ratio clamped to [`ETA_MIN`]..=[`ETA_MAX`].
	pub fn seed_eta(self) -> FixedU128 {
		let (num, den) = self.throughput_ratio();
		clamp_eta(FixedU128::checked_from_rational(num, den).unwrap_or(ETA_MAX))
	}

	/// A short lower-case name (`cpu`, `rtx3060`, …) for logs, CSV and RPC.
	pub const fn name(self) -> &'static str {
		match self {
			HardwareClass::Cpu => "cpu",
			HardwareClass::Rtx3060 => "rtx3060",
			HardwareClass::Rtx4090 => "rtx4090",
			HardwareClass::L4 => "l4",
			HardwareClass::A100 => "a100",
			HardwareClass::H100 => "h100",
		}
	}
}

/// [`HardwareClass::throughput_ratio`] as a float, for off-chain models (the simulator).
#[cfg(feature = "std")]
pub fn throughput_ratio_f64(class: HardwareClass) -> f64 {
	let (num, den) = class.throughput_ratio();
	num as f64 / den as f64
}

/// Clamps η to [`ETA_MIN`]..=[`ETA_MAX`].
pub fn clamp_eta(eta: FixedU128) -> FixedU128 {
	eta.clamp(ETA_MIN, ETA_MAX)
}

/// Whether η is inside its hard bounds.
pub fn eta_in_bounds(eta: FixedU128) -> bool {
	(ETA_MIN..=ETA_MAX).contains(&eta)
}

/// `⌊T × η × α / β⌋`: the credits earned for verified work `t`. Never more than the exact value
/// (two floor steps, each exact in 256-bit intermediate arithmetic; less than `1 + α/β` base units
/// below it).
pub fn credits_earned(
	t: WorkUnits,
	eta: FixedU128,
	alpha: FixedU128,
	beta: FixedU128,
) -> Result<Balance, EconomicsError> {
	if beta.is_zero() {
		return Err(EconomicsError::ZeroBeta);
	}
	let t_eta =
		multiply_by_rational_with_rounding(t, eta.into_inner(), FixedU128::DIV, Rounding::Down)
			.ok_or(EconomicsError::Overflow)?;
	multiply_by_rational_with_rounding(t_eta, alpha.into_inner(), beta.into_inner(), Rounding::Down)
		.ok_or(EconomicsError::Overflow)
}

/// The work a settlement pays for `reference_work` (this worker's share of the job's cost on the
/// reference GPU) done on `class` with η `eta`: `T_compute × η` with `T_compute =
/// reference_work / throughput(class)`, but never more than the reference work itself, and never
/// more than half of it while the class is not confirmed by a benchmark challenge. So declaring a
/// slower class (whose clamped η would pay more than its throughput) never pays more than the
/// reference work, and an unconfirmed class always earns less than a confirmed one.
/// Returns `(T_compute, paid work)`.
pub fn paid_work(
	reference_work: WorkUnits,
	class: HardwareClass,
	eta: FixedU128,
	confirmed: bool,
) -> (WorkUnits, WorkUnits) {
	let t_compute = crate::poi::t_compute(reference_work, class);
	let by_class = multiply_by_rational_with_rounding(
		t_compute,
		eta.into_inner(),
		FixedU128::DIV,
		Rounding::Down,
	)
	.unwrap_or(WorkUnits::MAX);
	let cap = if confirmed { reference_work } else { reference_work / 2 };
	(t_compute, by_class.min(cap))
}

/// `⌊T × η × α⌋`: the value of the work at β = 1. Its trailing sum over consumption is the β
/// that would have made earned = consumed.
pub fn work_value(
	t: WorkUnits,
	eta: FixedU128,
	alpha: FixedU128,
) -> Result<Balance, EconomicsError> {
	credits_earned(t, eta, alpha, FixedU128::one())
}

/// `⌈T_ref × α⌉`: what a consumer pays for a job whose cost on the reference GPU is `t_ref`.
/// Rounded up so consumption is never under-counted.
pub fn price(t_ref: WorkUnits, alpha: FixedU128) -> Result<Balance, EconomicsError> {
	multiply_by_rational_with_rounding(t_ref, alpha.into_inner(), FixedU128::DIV, Rounding::Up)
		.ok_or(EconomicsError::Overflow)
}

/// Utilization = demand / capacity. `None` when there was neither demand nor capacity (no
/// signal); demand without capacity saturates.
pub fn utilization(demand: WorkUnits, capacity: WorkUnits) -> Option<FixedU128> {
	match (demand.is_zero(), capacity.is_zero()) {
		(true, true) => None,
		(false, true) => Some(FixedU128::max_value()),
		_ => Some(
			FixedU128::checked_from_rational(demand, capacity).unwrap_or(FixedU128::max_value()),
		),
	}
}

/// `a + (b − a) × f` for `a ≤ b` and `f ∈ [0, 1]`, rounded down.
fn lerp(a: FixedU128, b: FixedU128, f: FixedU128) -> FixedU128 {
	a.saturating_add(b.saturating_sub(a).saturating_mul(f.min(FixedU128::one())))
}

/// `(x − lo) / (hi − lo)` for `lo ≤ x ≤ hi`, `lo < hi`.
fn fraction(x: FixedU128, lo: FixedU128, hi: FixedU128) -> FixedU128 {
	x.saturating_sub(lo).checked_div(&hi.saturating_sub(lo)).unwrap_or(FixedU128::one())
}

/// The α curve: piecewise linear in utilization, non-decreasing, 1 in the normal band.
///
/// ```text
/// α 1.5 ┤                         ┌──────
///   1.0 ┤          ┌──────┐      /
///   0.8 ┼─────┐   /        \────/
///       idle  normal_low  normal_high  peak   utilization
/// ```
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AlphaCurve {
	/// At or below this utilization α = [`ALPHA_MIN`].
	pub idle: Perbill,
	/// From here to `normal_high` α = 1.
	pub normal_low: Perbill,
	/// Upper end of the normal band.
	pub normal_high: Perbill,
	/// At or above this utilization (may exceed 1: demand above capacity) α = [`ALPHA_MAX`].
	pub peak: FixedU128,
}

impl Default for AlphaCurve {
	fn default() -> Self {
		AlphaCurve {
			idle: Perbill::from_percent(20),
			normal_low: Perbill::from_percent(50),
			normal_high: Perbill::from_percent(80),
			peak: fixed(6, 5),
		}
	}
}

impl AlphaCurve {
	/// Checks `idle < normal_low ≤ normal_high < peak ≤ 10`.
	pub fn validate(&self) -> Result<(), EconomicsError> {
		let high = FixedU128::from_perbill(self.normal_high);
		let ok = self.idle < self.normal_low
			&& self.normal_low <= self.normal_high
			&& high < self.peak
			&& self.peak <= PEAK_UTILIZATION_LIMIT;
		ok.then_some(()).ok_or(EconomicsError::InvalidAlphaCurve)
	}

	/// α for a utilization; `None` (no demand, no capacity) gives 1.
	pub fn alpha(&self, utilization: Option<FixedU128>) -> FixedU128 {
		let Some(u) = utilization else { return FixedU128::one() };
		let idle = FixedU128::from_perbill(self.idle);
		let low = FixedU128::from_perbill(self.normal_low);
		let high = FixedU128::from_perbill(self.normal_high);
		let alpha = if u <= idle {
			ALPHA_MIN
		} else if u < low {
			lerp(ALPHA_MIN, FixedU128::one(), fraction(u, idle, low))
		} else if u <= high {
			FixedU128::one()
		} else if u < self.peak {
			lerp(FixedU128::one(), ALPHA_MAX, fraction(u, high, self.peak))
		} else {
			ALPHA_MAX
		};
		alpha.clamp(ALPHA_MIN, ALPHA_MAX)
	}
}

/// How many days of consumption the network holds, and what the supply should do about it.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StockRegime {
	/// Fewer than `grow_below_days`: credits are scarce; the bootstrap schedule may issue.
	Grow,
	/// Between `grow_below_days` and `shrink_above_days`: hold the supply.
	Hold,
	/// More than `shrink_above_days`: pay slightly less than is consumed until the stock falls.
	Shrink,
}

/// Sums over the trailing window that the β controller reads.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct WindowSums {
	/// Σ work value at β = 1 (T × η × α).
	pub value: Balance,
	/// Σ credits earned (value / β at each settlement's β): the realised payment.
	pub earned: Balance,
	/// Σ credits consumed.
	pub consumed: Balance,
}

/// The days of consumption `circulation` would pay for at the mean daily consumption of a window
/// of `consumed` over `days` days, as a fixed-point number; `None` when nothing was consumed
/// (no signal: an idle network holds "infinitely many" days).
pub fn days_held(circulation: Balance, consumed: Balance, days: u32) -> Option<FixedU128> {
	if consumed.is_zero() || days == 0 {
		return None;
	}
	let scaled = multiply_by_rational_with_rounding(
		circulation,
		u128::from(days).saturating_mul(FixedU128::DIV),
		consumed,
		Rounding::Down,
	)
	.unwrap_or(u128::MAX);
	Some(FixedU128::from_inner(scaled))
}

/// The damped, bounded β controller.
///
/// It steers the **realised** earned / consumed ratio of the trailing window (what the receipts
/// actually paid, at the β of each settlement) towards an aim that depends on how many days of
/// consumption the network holds ([`BetaController::regime`]): 1 while the stock is below
/// `shrink_above_days` and `1 − shrink` above it. The aim never exceeds 1: credits minted for a
/// job never exceed the credits burned for it (else a consumer serving itself through its own
/// workers would gain), so a growing network's extra supply comes only from the separate,
/// bounded bootstrap issuance, never from paying work above its price.
///
/// Each epoch the target is `β* × R / aim`: `β* = value / (consumed × aim)` over the **recent**
/// sums (the last day or so), the β that pays today's mix of work at the aim, times the realised
/// ratio's error `R / aim` over the whole window: a window that paid too much (at an older, lower
/// β while the value per credit consumed rose) is corrected by paying a little less than β* until
/// the realised ratio is back at the aim, and one that paid too little by paying a little more.
/// (Steering on the window's β* alone lags a drifting mix by half the window: that is how the
/// realised ratio left the band in a growing network.) β moves towards the target by
/// `(1 − damping)` of the gap, by at most `max_step × β`, and never outside `min..=max`
/// (themselves inside [`BETA_FLOOR`]..=[`BETA_CEIL`]). It does not move while the realised ratio
/// is within `deadband` of the aim **and** β within `deadband` of β*.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BetaController {
	/// Share of the old β kept each step (`a`); at most 99%.
	pub damping: Perbill,
	/// Largest relative change per step; between 0.1% and 25%.
	pub max_step: Perbill,
	/// Tolerance around the aim (realised ratio) and around β* (β).
	pub deadband: Perbill,
	/// The aim is `1 − shrink` while the network holds more than `shrink_above_days` of
	/// consumption; `shrink + deadband` at most 5%.
	pub shrink: Perbill,
	/// Below this many days of consumption held, the supply grows (bootstrap issuance); 1..=365.
	pub grow_below_days: u16,
	/// Above this many days of consumption held, the aim is `1 − shrink`; at least
	/// `grow_below_days`, at most 365.
	pub shrink_above_days: u16,
	/// Lowest β.
	pub min: FixedU128,
	/// Highest β.
	pub max: FixedU128,
}

impl Default for BetaController {
	fn default() -> Self {
		BetaController {
			damping: Perbill::from_percent(80),
			max_step: Perbill::from_percent(2),
			deadband: Perbill::from_percent(1),
			shrink: Perbill::from_percent(3),
			grow_below_days: 7,
			shrink_above_days: 14,
			min: fixed(1, 10),
			max: fixed(10, 1),
		}
	}
}

impl BetaController {
	/// Checks the gains, bounds and stock thresholds against their hard limits.
	pub fn validate(&self) -> Result<(), EconomicsError> {
		let ok = self.damping <= Perbill::from_percent(99)
			&& self.max_step >= Perbill::from_rational(1u32, 1000)
			&& self.max_step <= Perbill::from_percent(25)
			&& self.deadband.saturating_add(self.shrink) <= Perbill::from_percent(5)
			&& self.grow_below_days >= 1
			&& self.grow_below_days <= self.shrink_above_days
			&& self.shrink_above_days <= 365
			&& BETA_FLOOR <= self.min
			&& self.min <= self.max
			&& self.max <= BETA_CEIL;
		ok.then_some(()).ok_or(EconomicsError::InvalidController)
	}

	/// The regime for a stock of `days` days of consumption (`None`: nothing consumed, which
	/// counts as a stock above any threshold).
	pub fn regime(&self, days: Option<FixedU128>) -> StockRegime {
		let Some(days) = days else { return StockRegime::Shrink };
		if days < FixedU128::saturating_from_integer(self.grow_below_days) {
			StockRegime::Grow
		} else if days > FixedU128::saturating_from_integer(self.shrink_above_days) {
			StockRegime::Shrink
		} else {
			StockRegime::Hold
		}
	}

	/// The earned/consumed ratio to aim for in a regime: 1, or `1 − shrink` when shrinking.
	pub fn aim(&self, regime: StockRegime) -> FixedU128 {
		match regime {
			StockRegime::Grow | StockRegime::Hold => FixedU128::one(),
			StockRegime::Shrink => {
				FixedU128::one().saturating_sub(FixedU128::from_perbill(self.shrink))
			}
		}
	}

	/// The β that would have made earned / consumed = `aim` over the window:
	/// `value / (consumed × aim)`. `None` without a signal (no consumption or no work).
	pub fn target(value: Balance, consumed: Balance, aim: FixedU128) -> Option<FixedU128> {
		if value.is_zero() || consumed.is_zero() || aim.is_zero() {
			return None;
		}
		let ratio =
			FixedU128::checked_from_rational(value, consumed).unwrap_or(FixedU128::max_value());
		Some(ratio.checked_div(&aim).unwrap_or(FixedU128::max_value()))
	}

	/// β* of the recent sums, or of the whole window when the recent sums carry no signal.
	pub fn recent_target(
		recent: &WindowSums,
		window: &WindowSums,
		aim: FixedU128,
	) -> Option<FixedU128> {
		Self::target(recent.value, recent.consumed, aim)
			.or_else(|| Self::target(window.value, window.consumed, aim))
	}

	/// The realised earned / consumed ratio of a window; `None` without consumption.
	pub fn realised(window: &WindowSums) -> Option<FixedU128> {
		if window.consumed.is_zero() {
			return None;
		}
		Some(
			FixedU128::checked_from_rational(window.earned, window.consumed)
				.unwrap_or(FixedU128::max_value()),
		)
	}

	/// Whether `x` lies within `share` of `centre`.
	fn within(x: FixedU128, centre: FixedU128, share: Perbill) -> bool {
		let band = centre.saturating_mul(FixedU128::from_perbill(share));
		x >= centre.saturating_sub(band) && x <= centre.saturating_add(band)
	}

	/// The next β from the current one, the recent sums (β*), the whole window (the realised
	/// ratio) and the aimed ratio. Without a recent signal β* comes from the window; without any
	/// signal β stays.
	pub fn step(
		&self,
		beta: FixedU128,
		recent: &WindowSums,
		window: &WindowSums,
		aim: FixedU128,
	) -> FixedU128 {
		let beta = beta.clamp(self.min, self.max);
		let Some(target) = Self::recent_target(recent, window, aim) else { return beta };
		let realised = Self::realised(window).filter(|r| !r.is_zero());
		let on_aim = realised.is_none_or(|r| Self::within(r, aim, self.deadband));
		if on_aim && Self::within(target, beta, self.deadband) {
			return beta;
		}
		// Correct for what the window already paid: R / aim > 1 means it paid too much.
		let corrected = match realised {
			Some(r) => target.saturating_mul(r).checked_div(&aim).unwrap_or(target),
			None => target,
		}
		.clamp(self.min, self.max);
		let keep = FixedU128::from_perbill(self.damping);
		let proposed = beta
			.saturating_mul(keep)
			.saturating_add(corrected.saturating_mul(FixedU128::one().saturating_sub(keep)));
		let step = beta.saturating_mul(FixedU128::from_perbill(self.max_step));
		proposed
			.clamp(beta.saturating_sub(step), beta.saturating_add(step))
			.clamp(self.min, self.max)
	}
}

#[cfg(test)]
mod tests;
