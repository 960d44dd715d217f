//! # Economics pallet
//!
//! Pays verified work in credits by `C = T_compute × η × α / β` (fixed point, from
//! [`declai_primitives::economics`]) and keeps the supply tied to real consumption.
//!
//! - **T_compute**: the verified cost of the job on the worker's hardware class, passed in by the
//!   inference pallet through [`Settlement::settle_work`]; never self-reported time.
//! - **η**: governance table [`Eta`] per [`HardwareClass`], seeded from MLPerf-derived throughput
//!   ratios (see `README.md`), always inside 0.5..=2.0.
//! - **α**: set at each epoch boundary from the closing epoch's utilization (demand / capacity,
//!   reported through [`Settlement::note_demand`] / [`Settlement::note_capacity`]) by the
//!   governance [`AlphaParams`] curve; 0.8..=1.5, 1 at normal load.
//! - **β**: moved at each epoch boundary by the damped, bounded [`Controller`] so that the
//!   *realised* earned / consumed over the trailing window meets its aim: 1 while the network
//!   holds at most `shrink_above_days` (14) days of consumption, `1 − shrink` (0.97) above. The aim
//!   never exceeds 1 (credits minted for a job never exceed the credits burned for it).
//!
//! ## Bootstrap issuance
//! A network that holds fewer than `grow_below_days` (7) days of consumption is short of
//! credits, and payment for work cannot grow the supply (it never exceeds consumption; slashes,
//! withheld pay and expiry shrink it). The [`Bootstrap`] schedule then matches a share of
//! workers' pay with newly issued credits (at most `per_worker` per account in each period of
//! `WindowDays` days), towards a target stock of `grow_below_days` of consumption (the larger of
//! the window's mean and `capacity_share` of the confirmed capacity; never above
//! `shrink_above_days` of the consumption there is), at most `daily_share` of the target a day and
//! never past the circulation cap. It shows apart from work pay (receipts' `bootstrap`,
//! [`DayTotals::bootstrap`], the summary), outside the earned/consumed ratio, and ends by itself:
//! at the target stock (it resumes only when the stock falls below it again), per worker once
//! its match for the period is used, for good once mean daily consumption passes
//! `sunset_daily_consumption`.
//!
//! ## Supply rules
//! A settlement mints at most what every limit allows, in this order: the mint pause, the job's
//! budget, the per-epoch ceiling (`max(floor, epoch_mint_percent` of the recent mean per epoch)),
//! the circulation cap `max(bootstrap_circulation, circulation_percent % × 30 days of
//! consumption at the mean daily rate)` (50%: 15 days), and the credits pallet's concentration cap (5% or its bootstrap floor). The
//! part not minted is *withheld*: recorded with its reason in the receipt, the event and the day
//! totals — never silently lost (and not paid later).
//!
//! ## Windows
//! Totals are kept per day: [`Today`] is written by settlements, [`History`] holds the previous
//! `WindowDays − 1` days and [`Trailing`] their sum, so a window read is O(1) and the day roll
//! (in `on_initialize`) is bounded by `WindowDays`.
//!
//! ## Receipts
//! Every settlement stores a [`Receipt`] under an increasing [`ReceiptId`] and emits
//! [`Event::WorkSettled`] with it; the oldest receipt is pruned once `MaxReceipts` are stored.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod migrations;
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use declai_primitives::{
	economics::{self as maths, BetaController, EconomicsError, ETA_MIN},
	AlphaCurve, Balance, HardwareClass, WindowSums, WithholdReason, WorkUnits,
};
use frame_support::{pallet_prelude::*, traits::Get};
use frame_system::pallet_prelude::*;
use sp_arithmetic::{traits::One, FixedPointNumber, FixedU128};
use sp_core::H256;
use sp_runtime::traits::{UniqueSaturatedInto, Zero};

/// A receipt of this runtime.
pub type ReceiptOf<T> = Receipt<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// What a settlement receipt minted.
pub trait MintedCredits {
	/// Credits minted to the worker.
	fn minted(&self) -> Balance;
}

impl<AccountId, BlockNumber> MintedCredits for Receipt<AccountId, BlockNumber> {
	fn minted(&self) -> Balance {
		self.minted
	}
}

/// How the inference pallet settles work and consumption. Implemented by [`Pallet`].
pub trait Settlement<AccountId, HoldReason> {
	/// The receipt type.
	type Receipt: MintedCredits;

	/// Pays `worker` for verified reference work `work` (GPU-hours on the reference GPU, the
	/// worker's share of the job's `T_ref`) on `job`: `T_compute × η × α / β` with `T_compute`
	/// the work's time on the worker's class, mints what the supply rules allow and at most
	/// `budget`, stores and emits the receipt.
	///
	/// Credits pay for reference work, never more ([`maths::paid_work`]): `T_compute × η` is
	/// capped at `work`, so no class earns more per unit of reference work than the reference GPU
	/// and declaring a slower class (whose clamped η exceeds its throughput) never pays. Only a
	/// class that a benchmark challenge confirmed (`class_confirmed`) is paid its η; otherwise η
	/// is at most [`ETA_MIN`] and the pay at most half the reference work, so an unconfirmed
	/// class always earns less than a confirmed one. `alpha` is the α the job was priced at (a
	/// consumer is never charged at one α while the worker is paid at another), `budget` what
	/// is left of the job's burned price for this payment (minted ≤ burned per job).
	/// Errors: [`Error::ZeroWork`], [`Error::Overflow`].
	fn settle_work(
		worker: &AccountId,
		job: H256,
		class: HardwareClass,
		class_confirmed: bool,
		work: WorkUnits,
		alpha: FixedU128,
		budget: Balance,
	) -> Result<(ReceiptId, Self::Receipt), DispatchError>;

	/// Burns `amount` of `payer`'s credits held for `reason` (escrow) as consumption.
	fn consume_held(payer: &AccountId, reason: HoldReason, amount: Balance) -> DispatchResult;

	/// Burns `amount` of `payer`'s spendable credits as consumption.
	fn consume_free(payer: &AccountId, amount: Balance) -> DispatchResult;

	/// Records work requested by consumers (reference GPU-hours) for α.
	fn note_demand(work: WorkUnits);

	/// Records work offered by online workers (reference GPU-hours) for α.
	fn note_capacity(work: WorkUnits);

	/// Records one block of the online workers' capacity, `permille` reference GPUs (‰), as
	/// [`Settlement::note_capacity`] of that capacity for one block time.
	fn note_block_capacity(permille: u128);

	/// A receipt still kept (the newest `MaxReceipts`).
	fn receipt(id: ReceiptId) -> Option<Self::Receipt>;

	/// What a consumer pays now for a job costing `t_ref` on the reference GPU: `⌈T_ref × α⌉`.
	fn quote(t_ref: WorkUnits) -> Result<Balance, DispatchError>;

	/// The current α (what [`Settlement::quote`] prices with).
	fn alpha() -> FixedU128;
}

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_credits::Config {
		/// Origin of the parameter setters (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks per epoch; α and β change at epoch boundaries. Must divide the day.
		#[pallet::constant]
		type EpochLength: Get<BlockNumberFor<Self>>;

		/// Days in the trailing window (30). Bounds [`History`]: lowering it needs a migration.
		#[pallet::constant]
		type WindowDays: Get<u32>;

		/// Receipts kept in storage; older ones are pruned (their events remain). Pruning removes one
		/// receipt per settlement: lowering it needs a migration.
		#[pallet::constant]
		type MaxReceipts: Get<u32>;

		/// Weights of calls, hooks and the settlement trait.
		type WeightInfo: WeightInfo;
	}

	/// The storage layout's version (the one this code reads; migrations move older ones to it).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::type_value]
	pub fn DefaultOne() -> FixedU128 {
		FixedU128::one()
	}

	/// η per hardware class (0.5..=2.0).
	#[pallet::storage]
	pub type Eta<T: Config> = StorageMap<_, Twox64Concat, HardwareClass, FixedU128, OptionQuery>;

	/// Current demand multiplier α.
	#[pallet::storage]
	pub type Alpha<T: Config> = StorageValue<_, FixedU128, ValueQuery, DefaultOne>;

	/// Current difficulty β.
	#[pallet::storage]
	pub type Beta<T: Config> = StorageValue<_, FixedU128, ValueQuery, DefaultOne>;

	/// The α curve.
	#[pallet::storage]
	pub type AlphaParams<T: Config> = StorageValue<_, AlphaCurve, ValueQuery>;

	/// The β controller's gains and bounds.
	#[pallet::storage]
	pub type Controller<T: Config> = StorageValue<_, BetaController, ValueQuery>;

	/// Supply rules.
	#[pallet::storage]
	pub type Limits<T: Config> = StorageValue<_, SupplyLimits, ValueQuery>;

	/// The bootstrap issuance (off by default: `match_share` 0).
	#[pallet::storage]
	pub type Bootstrap<T: Config> = StorageValue<_, BootstrapParams, ValueQuery>;

	/// Whether the bootstrap issuance has ended for good (mean daily consumption passed its
	/// sunset once); governance setting new parameters starts it again.
	#[pallet::storage]
	pub type BootstrapEnded<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// Credits the bootstrap issuance matched to each worker in a period of `WindowDays` days:
	/// `(period, matched)`, with `period = day / WindowDays`; at most `per_worker` a period (a
	/// record of an earlier period counts as nothing matched).
	#[pallet::storage]
	pub type BootstrapMatched<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		(declai_primitives::DayIndex, Balance),
		ValueQuery,
	>;

	/// Whether minting is paused (safe mode): settlements record everything as withheld.
	#[pallet::storage]
	pub type MintPaused<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// The running epoch.
	#[pallet::storage]
	pub type Epoch<T: Config> = StorageValue<_, EpochState, ValueQuery>;

	/// Totals of the current day.
	#[pallet::storage]
	pub type Today<T: Config> = StorageValue<_, DayTotals, ValueQuery>;

	/// Totals of the previous days of the window, oldest first, at most `WindowDays − 1`.
	#[pallet::storage]
	pub type History<T: Config> = StorageValue<_, BoundedVec<DayTotals, T::WindowDays>, ValueQuery>;

	/// Days in [`History`], kept apart: every settlement divides by it (the mean daily consumption,
	/// the epoch mint ceiling), and taking the length of a stored vector still loads all of it
	/// (the node's storage hands out whole values; the simulator measured the history at most of
	/// the bytes a settlement read).
	#[pallet::storage]
	pub type HistoryDays<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Sum of [`History`].
	#[pallet::storage]
	pub type Trailing<T: Config> = StorageValue<_, DayTotals, ValueQuery>;

	/// The previous day's totals (the newest of [`History`], kept apart so that the β step reads
	/// one value, not the whole history); zero when that day left the window.
	#[pallet::storage]
	pub type Yesterday<T: Config> = StorageValue<_, DayTotals, ValueQuery>;

	/// Id of the next receipt.
	#[pallet::storage]
	pub type NextReceipt<T: Config> = StorageValue<_, ReceiptId, ValueQuery>;

	/// Settlement receipts, the newest `MaxReceipts`.
	#[pallet::storage]
	pub type Receipts<T: Config> =
		StorageMap<_, Twox64Concat, ReceiptId, ReceiptOf<T>, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// η overrides; classes not listed get their MLPerf seed.
		pub eta: Vec<(HardwareClass, FixedU128)>,
		/// Supply rules.
		pub limits: SupplyLimits,
		/// The bootstrap issuance.
		pub bootstrap: BootstrapParams,
		/// Start paused.
		pub mint_paused: bool,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		// A bad genesis must stop the chain from being built at all: panicking is the only way.
		#[allow(clippy::panic)]
		fn build(&self) {
			for class in HardwareClass::ALL {
				Eta::<T>::insert(class, class.seed_eta());
			}
			for (class, eta) in &self.eta {
				assert!(maths::eta_in_bounds(*eta), "genesis η of {class:?} outside 0.5..=2.0");
				Eta::<T>::insert(class, eta);
			}
			assert!(self.limits.is_valid(), "genesis supply limits out of bounds");
			Limits::<T>::put(self.limits);
			assert!(self.bootstrap.is_valid(), "genesis bootstrap issuance out of bounds");
			Bootstrap::<T>::put(self.bootstrap);
			MintPaused::<T>::put(self.mint_paused);
			let now = frame_system::Pallet::<T>::block_number();
			Epoch::<T>::put(EpochState { index: Pallet::<T>::epoch_of(now), ..Default::default() });
			Today::<T>::put(DayTotals {
				day: pallet_credits::Pallet::<T>::day_of(now),
				..Default::default()
			});
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Work was settled: the receipt says what was earned, minted and withheld, and why.
		WorkSettled { id: ReceiptId, receipt: ReceiptOf<T> },
		/// Credits of `who` were burned for inference.
		Consumed { who: T::AccountId, amount: Balance },
		/// An epoch closed; `alpha` and `beta` apply to the next one.
		EpochClosed {
			epoch: EpochIndex,
			utilization: Option<FixedU128>,
			alpha: FixedU128,
			beta: FixedU128,
			minted: Balance,
		},
		/// Governance set η of a class.
		EtaSet { class: HardwareClass, eta: FixedU128 },
		/// Governance set the α curve.
		AlphaCurveSet { curve: AlphaCurve },
		/// Governance set the β controller; `beta` is β clamped into the new bounds.
		ControllerSet { controller: BetaController, beta: FixedU128 },
		/// Governance set the supply rules.
		SupplyLimitsSet { limits: SupplyLimits },
		/// Governance paused or resumed minting.
		MintPauseSet { paused: bool },
		/// Governance set the bootstrap issuance (which starts it again if it had ended).
		BootstrapSet { params: BootstrapParams },
		/// The bootstrap issuance ended for good: the mean daily consumption passed its sunset.
		BootstrapEnded { daily_consumption: Balance },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// η must lie in 0.5..=2.0.
		EtaOutOfBounds,
		/// The α curve must satisfy `idle < normal_low ≤ normal_high < peak ≤ 10`.
		InvalidAlphaCurve,
		/// The β controller's damping ≤ 99%, 0.1% ≤ max_step ≤ 25%, deadband + shrink ≤ 5%,
		/// 1 ≤ grow_below_days ≤ shrink_above_days ≤ 365 and 0.05 ≤ min ≤ max ≤ 20.
		InvalidController,
		/// `circulation_percent` must be 20..=200, `epoch_mint_percent` 100..=10,000 and the
		/// epoch ceiling's floor positive.
		InvalidSupplyLimits,
		/// The bootstrap issuance may match at most 1,000 CRED per worker and issue at most 50%
		/// of its target a day.
		InvalidBootstrap,
		/// Settled work must be positive.
		ZeroWork,
		/// Consumption must be positive.
		ZeroAmount,
		/// A value overflowed 128 bits; settle smaller pieces of work.
		Overflow,
		/// The circulation cap (`circulation_percent` % of `WindowDays` days of consumption) must
		/// hold at least the controller's `shrink_above_days` of consumption: below that, the cap
		/// would withhold pay before the controller ever shrinks.
		CapBelowShrink,
	}

	impl<T> From<EconomicsError> for Error<T> {
		fn from(e: EconomicsError) -> Self {
			match e {
				EconomicsError::EtaOutOfBounds => Error::EtaOutOfBounds,
				EconomicsError::InvalidAlphaCurve => Error::InvalidAlphaCurve,
				EconomicsError::InvalidController => Error::InvalidController,
				EconomicsError::Overflow | EconomicsError::ZeroBeta => Error::Overflow,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			if Self::epoch_of(n) > Epoch::<T>::get().index {
				Self::close_epoch(n);
				<T as Config>::WeightInfo::on_initialize_epoch()
			} else {
				<T as Config>::WeightInfo::on_initialize_idle()
			}
		}

		fn integrity_test() {
			let epoch: u64 = T::EpochLength::get().unique_saturated_into();
			let day: u64 = T::BlocksPerDay::get().unique_saturated_into();
			assert!(epoch > 0, "EpochLength must be positive");
			assert!(day.is_multiple_of(epoch), "EpochLength must divide BlocksPerDay");
			assert!(T::WindowDays::get() >= 2, "WindowDays must be at least 2");
			assert!(T::MaxReceipts::get() > 0, "MaxReceipts must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set η of a hardware class.
		///
		/// Origin: `GovernanceOrigin`. Errors: [`Error::EtaOutOfBounds`]. Event:
		/// [`Event::EtaSet`].
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::set_eta())]
		pub fn set_eta(
			origin: OriginFor<T>,
			class: HardwareClass,
			eta: FixedU128,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(maths::eta_in_bounds(eta), Error::<T>::EtaOutOfBounds);
			Eta::<T>::insert(class, eta);
			Self::deposit_event(Event::EtaSet { class, eta });
			Ok(())
		}

		/// Set the α curve; applies from the next epoch boundary.
		///
		/// Origin: `GovernanceOrigin`. Errors: [`Error::InvalidAlphaCurve`]. Event:
		/// [`Event::AlphaCurveSet`].
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::set_alpha_curve())]
		pub fn set_alpha_curve(origin: OriginFor<T>, curve: AlphaCurve) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			curve.validate().map_err(Error::<T>::from)?;
			AlphaParams::<T>::put(curve);
			Self::deposit_event(Event::AlphaCurveSet { curve });
			Ok(())
		}

		/// Set the β controller; β is clamped into the new bounds at once.
		///
		/// Origin: `GovernanceOrigin`. Errors: [`Error::InvalidController`]. Event:
		/// [`Event::ControllerSet`].
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::set_controller())]
		pub fn set_controller(origin: OriginFor<T>, controller: BetaController) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			controller.validate().map_err(Error::<T>::from)?;
			ensure!(
				Self::cap_holds_shrink(&Limits::<T>::get(), &controller),
				Error::<T>::CapBelowShrink
			);
			let beta = Beta::<T>::get().clamp(controller.min, controller.max);
			Controller::<T>::put(controller);
			Beta::<T>::put(beta);
			Self::deposit_event(Event::ControllerSet { controller, beta });
			Ok(())
		}

		/// Set the supply rules (circulation percentage, bootstrap floor, epoch ceiling floor and
		/// multiple).
		///
		/// Origin: `GovernanceOrigin`. Errors: [`Error::InvalidSupplyLimits`]. Event:
		/// [`Event::SupplyLimitsSet`].
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::set_supply_limits())]
		pub fn set_supply_limits(origin: OriginFor<T>, limits: SupplyLimits) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(limits.is_valid(), Error::<T>::InvalidSupplyLimits);
			ensure!(
				Self::cap_holds_shrink(&limits, &Controller::<T>::get()),
				Error::<T>::CapBelowShrink
			);
			Limits::<T>::put(limits);
			Self::deposit_event(Event::SupplyLimitsSet { limits });
			Ok(())
		}

		/// Pause or resume minting. While paused, settlements still produce receipts with
		/// everything withheld for [`WithholdReason::MintPaused`].
		///
		/// Origin: `GovernanceOrigin`. Event: [`Event::MintPauseSet`].
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::set_mint_paused())]
		pub fn set_mint_paused(origin: OriginFor<T>, paused: bool) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			MintPaused::<T>::put(paused);
			Self::deposit_event(Event::MintPauseSet { paused });
			Ok(())
		}

		/// Set the bootstrap issuance (`match_share` 0 turns it off).
		///
		/// Origin: `GovernanceOrigin`. Errors: [`Error::InvalidBootstrap`]. Event:
		/// [`Event::BootstrapSet`].
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::set_bootstrap())]
		pub fn set_bootstrap(origin: OriginFor<T>, params: BootstrapParams) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(params.is_valid(), Error::<T>::InvalidBootstrap);
			Bootstrap::<T>::put(params);
			BootstrapEnded::<T>::kill();
			Self::deposit_event(Event::BootstrapSet { params });
			Ok(())
		}
	}
}

/// What the supply rules read that a settlement does not change before it has applied them,
/// read once per settlement instead of once per rule (the simulator counted seven reads of the
/// trailing sums per settlement before).
struct SupplyInputs<T> {
	limits: SupplyLimits,
	history_days: u32,
	trailing: DayTotals,
	today: DayTotals,
	mean_daily_consumption: Balance,
	_config: core::marker::PhantomData<T>,
}

impl<T: Config> SupplyInputs<T> {
	fn read() -> Self {
		let history_days = HistoryDays::<T>::get();
		let trailing = Trailing::<T>::get();
		let today = Today::<T>::get();
		let mean_daily_consumption =
			Pallet::<T>::mean_daily_consumption_of(history_days, &trailing, &today);
		Self {
			limits: Limits::<T>::get(),
			history_days,
			trailing,
			today,
			mean_daily_consumption,
			_config: core::marker::PhantomData,
		}
	}

	fn circulation_cap(&self) -> Balance {
		Pallet::<T>::circulation_cap_of(&self.limits, self.mean_daily_consumption)
	}

	fn epoch_mint_ceiling(&self) -> Balance {
		Pallet::<T>::epoch_mint_ceiling_of(&self.limits, self.history_days, &self.trailing)
	}
}

impl<T: Config> Pallet<T> {
	/// Epoch of block `n`.
	pub fn epoch_of(n: BlockNumberFor<T>) -> EpochIndex {
		let n: u64 = n.unique_saturated_into();
		let len: u64 = T::EpochLength::get().unique_saturated_into();
		n.checked_div(len).unwrap_or_default()
	}

	/// η of a class: the table entry, or its seed if governance never set one.
	pub fn eta_of(class: HardwareClass) -> FixedU128 {
		Eta::<T>::get(class).unwrap_or_else(|| class.seed_eta())
	}

	/// Sums over the trailing window: the previous days plus today.
	pub fn window() -> DayTotals {
		Trailing::<T>::get().plus(&Today::<T>::get())
	}

	/// `max(bootstrap floor, circulation_percent % × WindowDays × the mean daily consumption)`:
	/// with the 30-day window, 50% is 15 days of consumption. The mean (not the window's sum)
	/// keeps the cap in days of consumption while the chain is younger than its window.
	pub fn circulation_cap() -> Balance {
		Self::circulation_cap_of(&Limits::<T>::get(), Self::mean_daily_consumption())
	}

	/// [`Self::circulation_cap`] of `limits` at a mean daily consumption of `mean`.
	fn circulation_cap_of(limits: &SupplyLimits, mean: Balance) -> Balance {
		let window_consumption = mean.saturating_mul(T::WindowDays::get().into());
		let scaled = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			window_consumption,
			limits.circulation_percent.into(),
			100,
			sp_runtime::Rounding::Down,
		)
		.unwrap_or(Balance::MAX);
		scaled.max(limits.bootstrap_circulation)
	}

	/// The current period of the bootstrap match: `day / WindowDays`.
	pub fn bootstrap_period() -> declai_primitives::DayIndex {
		Today::<T>::get().day.checked_div(T::WindowDays::get()).unwrap_or(0)
	}

	/// What the bootstrap issuance matched to `worker` in the current period.
	pub fn bootstrap_matched(worker: &T::AccountId) -> Balance {
		let (period, matched) = BootstrapMatched::<T>::get(worker);
		if period == Self::bootstrap_period() {
			matched
		} else {
			0
		}
	}

	/// Whether the circulation cap of `limits`, in days of consumption, holds at least the
	/// `shrink_above_days` of `controller`.
	pub fn cap_holds_shrink(limits: &SupplyLimits, controller: &BetaController) -> bool {
		u32::from(limits.circulation_percent).saturating_mul(T::WindowDays::get())
			>= u32::from(controller.shrink_above_days).saturating_mul(100)
	}

	/// Credits in circulation: unexpired and held (the credits pallet's total issuance).
	pub fn circulation() -> Balance {
		pallet_credits::TotalIssuance::<T>::get()
	}

	/// Days the window covers: the previous days kept plus today.
	pub fn window_days() -> u32 {
		HistoryDays::<T>::get().saturating_add(1)
	}

	/// The mean daily consumption: over the complete days of the window, or on the first day
	/// today's so far scaled to a whole day (so that a young chain's partial day does not count
	/// as a full one). 0 before anything was consumed.
	pub fn mean_daily_consumption() -> Balance {
		// The count alone: a settlement reads this, so it never loads the history.
		let days = HistoryDays::<T>::get();
		if days.is_zero() {
			Self::mean_daily_consumption_of(0, &DayTotals::default(), &Today::<T>::get())
		} else {
			// Today's totals do not count then: not read.
			Self::mean_daily_consumption_of(days, &Trailing::<T>::get(), &DayTotals::default())
		}
	}

	/// [`Self::mean_daily_consumption`] over `history_days` days summing to `trailing`, or, with
	/// none, `today`'s scaled to a whole day.
	fn mean_daily_consumption_of(
		history_days: u32,
		trailing: &DayTotals,
		today: &DayTotals,
	) -> Balance {
		if !history_days.is_zero() {
			return trailing.consumed.checked_div(history_days.into()).unwrap_or(0);
		}
		let day: u64 = T::BlocksPerDay::get().unique_saturated_into();
		let now: u64 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let first: u64 =
			pallet_credits::Pallet::<T>::first_block_of(today.day).unique_saturated_into();
		let elapsed = now.saturating_sub(first).saturating_add(1).clamp(1, day.max(1));
		sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			today.consumed,
			day.into(),
			elapsed.into(),
			sp_runtime::Rounding::Down,
		)
		.unwrap_or(Balance::MAX)
	}

	/// Days of consumption the circulation would pay for at the mean daily consumption; `None`
	/// before anything was consumed.
	pub fn days_held() -> Option<FixedU128> {
		maths::days_held(Self::circulation(), Self::mean_daily_consumption(), 1)
	}

	/// The sums of today and the previous day: β*'s input (the current mix of work).
	pub fn recent() -> WindowSums {
		Yesterday::<T>::get().plus(&Today::<T>::get()).sums()
	}

	/// The per-epoch mint ceiling now: `max(epoch_mint_floor, epoch_mint_percent % × the mean
	/// minted per epoch over the previous days of the window)`.
	pub fn epoch_mint_ceiling() -> Balance {
		Self::epoch_mint_ceiling_of(
			&Limits::<T>::get(),
			HistoryDays::<T>::get(),
			&Trailing::<T>::get(),
		)
	}

	/// [`Self::epoch_mint_ceiling`] of `limits` over `history_days` days summing to `trailing`.
	fn epoch_mint_ceiling_of(
		limits: &SupplyLimits,
		history_days: u32,
		trailing: &DayTotals,
	) -> Balance {
		let days = u128::from(history_days);
		let day: u128 = T::BlocksPerDay::get().unique_saturated_into();
		let epoch: u128 = T::EpochLength::get().unique_saturated_into();
		let epochs = days.saturating_mul(day.checked_div(epoch).unwrap_or(1));
		if epochs.is_zero() {
			return limits.epoch_mint_floor;
		}
		let paced = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			trailing.minted,
			limits.epoch_mint_percent.into(),
			epochs.saturating_mul(100),
			sp_runtime::Rounding::Down,
		)
		.unwrap_or(Balance::MAX);
		paced.max(limits.epoch_mint_floor)
	}

	/// The stock the bootstrap issuance issues towards: `grow_below_days` × the larger of the
	/// mean daily consumption and `capacity_share` of the mean confirmed capacity (a network
	/// must issue before it can consume, and one short of credits consumes less than it could),
	/// at most `shrink_above_days` × the mean daily consumption once there is any. 0 when the
	/// issuance is off or has ended.
	pub fn bootstrap_target() -> Balance {
		let params = Bootstrap::<T>::get();
		if params.match_share.is_zero() || params.per_worker.is_zero() || BootstrapEnded::<T>::get()
		{
			return 0;
		}
		Self::stock_target(&params)
	}

	/// [`Self::bootstrap_target`]'s stock for `params`, whether the issuance is on or not (the
	/// simulator measures other ways of issuing towards it).
	pub fn stock_target(params: &BootstrapParams) -> Balance {
		Self::stock_target_of(&SupplyInputs::<T>::read(), params)
	}

	/// [`Self::stock_target`] on `inputs`.
	fn stock_target_of(inputs: &SupplyInputs<T>, params: &BootstrapParams) -> Balance {
		// One reference GPU-hour of capacity would be consumed as one credit at α = 1.
		let window = inputs.trailing.plus(&inputs.today);
		let days = u128::from(inputs.history_days.saturating_add(1));
		let capacity =
			params.capacity_share.mul_floor(window.capacity.checked_div(days).unwrap_or(0));
		// The larger of the two: a stock of days of *today's* consumption is self-consistent at
		// any level (credits circulate at the pace they are spent), so a network whose
		// consumption is held down by a shortage of credits would never leave it; the share of
		// the confirmed capacity says how much consumption the network is there to serve. But
		// never more than `shrink_above_days` of the consumption there is: a network whose
		// demand fell holds credits nobody spends, and issuing towards its idle capacity would
		// fight the controller's shrink (the simulator's ×0.3 demand shock: 29% of the minting
		// was bootstrap, the stock pinned at the circulation cap).
		let controller = Controller::<T>::get();
		let consumed = inputs.mean_daily_consumption;
		let wanted = consumed.max(capacity).saturating_mul(controller.grow_below_days.into());
		if consumed.is_zero() {
			wanted
		} else {
			wanted.min(consumed.saturating_mul(controller.shrink_above_days.into()))
		}
	}

	/// Ends the bootstrap issuance for good once the mean daily consumption passes its sunset.
	fn check_sunset() {
		let params = Bootstrap::<T>::get();
		if params.match_share.is_zero() || BootstrapEnded::<T>::get() {
			return;
		}
		let daily_consumption = Self::mean_daily_consumption();
		if daily_consumption > params.sunset_daily_consumption {
			BootstrapEnded::<T>::put(true);
			Self::deposit_event(Event::BootstrapEnded { daily_consumption });
		}
	}

	/// What the bootstrap issuance may still issue today: the rest of its daily share of the
	/// target, at most the gap between circulation and the target, and never past the
	/// circulation cap or this epoch's mint ceiling.
	pub fn bootstrap_headroom() -> Balance {
		Self::headroom_towards(Self::bootstrap_target(), &Bootstrap::<T>::get())
	}

	/// What an issuance towards `target` with `params`' daily share may still issue now (the
	/// rules of [`Self::bootstrap_headroom`]; today's bootstrap issuance counts against it).
	pub fn headroom_towards(target: Balance, params: &BootstrapParams) -> Balance {
		Self::headroom_of(&SupplyInputs::<T>::read(), target, params, Epoch::<T>::get().minted)
	}

	/// [`Self::headroom_towards`] on `inputs`, with `epoch_minted` minted in this epoch so far.
	fn headroom_of(
		inputs: &SupplyInputs<T>,
		target: Balance,
		params: &BootstrapParams,
		epoch_minted: Balance,
	) -> Balance {
		let circulation = Self::circulation();
		let daily = params.daily_share.mul_floor(target);
		daily
			.saturating_sub(inputs.today.bootstrap)
			.min(target.saturating_sub(circulation))
			.min(inputs.circulation_cap().saturating_sub(circulation))
			.min(inputs.epoch_mint_ceiling().saturating_sub(epoch_minted))
	}

	/// Issues the bootstrap match of `minted` credits of pay to `worker`; returns what was
	/// issued (clipped to the worker's remaining match, the day's headroom and the concentration
	/// cap). Counts against the epoch's mint ceiling.
	/// `inputs` are the settlement's, read before it minted; `epoch_minted` counts its mint.
	fn issue_bootstrap(
		worker: &T::AccountId,
		minted: Balance,
		inputs: &SupplyInputs<T>,
		epoch_minted: Balance,
	) -> Result<Balance, DispatchError> {
		let params = Bootstrap::<T>::get();
		// The cheap bounds first: most settlements are not matched, and the headroom reads more.
		if params.match_share.is_zero() || params.per_worker.is_zero() || minted.is_zero() {
			return Ok(0);
		}
		let matched = Self::bootstrap_matched(worker);
		let want =
			params.match_share.mul_floor(minted).min(params.per_worker.saturating_sub(matched));
		if want.is_zero() || BootstrapEnded::<T>::get() {
			return Ok(0);
		}
		let target = Self::stock_target_of(inputs, &params);
		let want = want.min(Self::headroom_of(inputs, target, &params, epoch_minted));
		if want.is_zero() {
			return Ok(0);
		}
		let issued = pallet_credits::Pallet::<T>::mint_capped(worker, want)?.minted;
		if !issued.is_zero() {
			BootstrapMatched::<T>::insert(
				worker,
				(Self::bootstrap_period(), matched.saturating_add(issued)),
			);
			Today::<T>::mutate(|d| d.bootstrap = d.bootstrap.saturating_add(issued));
			Epoch::<T>::mutate(|e| e.minted = e.minted.saturating_add(issued));
		}
		Ok(issued)
	}

	/// Moves today's totals into the history when the day changed and drops days that left the
	/// window `[today − WindowDays + 1, today]`. Bounded by `WindowDays`.
	fn roll_day(today: declai_primitives::DayIndex) {
		let current = Today::<T>::get();
		if today <= current.day {
			return;
		}
		let window = T::WindowDays::get();
		let mut history = History::<T>::get();
		let mut trailing = Trailing::<T>::get();
		let in_window = |d: &DayTotals| d.day.saturating_add(window) > today;
		// History days are increasing, so the stale ones are a prefix.
		while history.first().is_some_and(|d| !in_window(d)) || history.is_full() {
			let old = history.remove(0);
			trailing = trailing.minus(&old);
		}
		let kept = in_window(&current) && history.try_push(current).is_ok();
		if kept {
			trailing = trailing.plus(&current);
		}
		// The previous day only if it is the one just closed (a stalled chain skips days).
		if kept && current.day.saturating_add(1) == today {
			Yesterday::<T>::put(current);
		} else {
			Yesterday::<T>::kill();
		}
		HistoryDays::<T>::put(u32::try_from(history.len()).unwrap_or(u32::MAX));
		History::<T>::put(history);
		Trailing::<T>::put(trailing);
		Today::<T>::put(DayTotals { day: today, ..Default::default() });
	}

	/// Closes the running epoch at block `n`: rolls the day, sets α from the epoch's utilization
	/// and steps β towards earned = consumed over the window.
	fn close_epoch(n: BlockNumberFor<T>) {
		let closing = Epoch::<T>::get();
		Self::roll_day(pallet_credits::Pallet::<T>::day_of(n));
		let utilization = maths::utilization(closing.demand, closing.capacity);
		let alpha = AlphaParams::<T>::get().alpha(utilization);
		let window = Self::window();
		let controller = Controller::<T>::get();
		let aim = controller.aim(controller.regime(Self::days_held()));
		let beta = controller.step(Beta::<T>::get(), &Self::recent(), &window.sums(), aim);
		Alpha::<T>::put(alpha);
		Beta::<T>::put(beta);
		Epoch::<T>::put(EpochState {
			index: Self::epoch_of(n),
			last_utilization: utilization,
			..Default::default()
		});
		Self::deposit_event(Event::EpochClosed {
			epoch: closing.index,
			utilization,
			alpha,
			beta,
			minted: closing.minted,
		});
	}

	/// How much of `earned` the supply rules allow, and the first rule that clipped it.
	fn allowance(
		earned: Balance,
		budget: Balance,
		epoch: &EpochState,
		inputs: &SupplyInputs<T>,
	) -> (Balance, Option<WithholdReason>) {
		if MintPaused::<T>::get() {
			return (0, Some(WithholdReason::MintPaused));
		}
		let mut allowed = earned;
		let mut reason = None;
		if allowed > budget {
			allowed = budget;
			reason = Some(WithholdReason::JobBudget);
		}
		let mut clip = |limit: Balance, why: WithholdReason| {
			if allowed > limit {
				allowed = limit;
				reason = reason.or(Some(why));
			}
		};
		clip(
			inputs.epoch_mint_ceiling().saturating_sub(epoch.minted),
			WithholdReason::EpochCeiling,
		);
		clip(
			inputs.circulation_cap().saturating_sub(Self::circulation()),
			WithholdReason::CirculationCap,
		);
		(allowed, reason)
	}

	fn do_settle_work(
		worker: &T::AccountId,
		job: H256,
		class: HardwareClass,
		class_confirmed: bool,
		work: WorkUnits,
		alpha: FixedU128,
		budget: Balance,
	) -> Result<(ReceiptId, ReceiptOf<T>), DispatchError> {
		frame_support::storage::with_storage_layer(|| {
			ensure!(!work.is_zero(), Error::<T>::ZeroWork);
			let eta = Self::pay_eta(class, class_confirmed);
			let alpha = alpha.max(maths::ALPHA_MIN).min(maths::ALPHA_MAX);
			let beta = Beta::<T>::get();
			let (t_compute, paid) = maths::paid_work(work, class, eta, class_confirmed);
			let one = FixedU128::one();
			let earned = maths::credits_earned(paid, one, alpha, beta).map_err(Error::<T>::from)?;
			let value = maths::work_value(paid, one, alpha).map_err(Error::<T>::from)?;
			let mut epoch = Epoch::<T>::get();
			// The settlement changes none of these before it has used them.
			let inputs = SupplyInputs::<T>::read();
			let (allowed, mut reason) = Self::allowance(earned, budget, &epoch, &inputs);
			let minted = if allowed.is_zero() {
				0
			} else {
				// In the settlement's layer: an error rolls the whole settlement back.
				let outcome = pallet_credits::Pallet::<T>::mint_capped_in_layer(worker, allowed)?;
				reason = reason.or(outcome.reason);
				outcome.minted
			};
			let withheld = earned.saturating_sub(minted);
			epoch.minted = epoch.minted.saturating_add(minted);
			Epoch::<T>::put(epoch);
			// Best effort: a failed match (it runs in its own storage layer) never costs the
			// worker its pay.
			let bootstrap = Self::issue_bootstrap(worker, minted, &inputs, epoch.minted)
				.unwrap_or_else(|e| {
					log::warn!(target: "runtime::economics", "bootstrap match not issued: {e:?}");
					0
				});
			Today::<T>::mutate(|d| {
				d.value = d.value.saturating_add(value);
				d.earned = d.earned.saturating_add(earned);
				d.minted = d.minted.saturating_add(minted);
				d.withheld = d.withheld.saturating_add(withheld);
			});
			let receipt = Receipt {
				worker: worker.clone(),
				job,
				class,
				class_confirmed,
				t_compute,
				reference_work: work,
				eta,
				alpha,
				beta,
				earned,
				minted,
				withheld,
				reason: (!withheld.is_zero()).then_some(reason).flatten(),
				block: frame_system::Pallet::<T>::block_number(),
				bootstrap,
			};
			let id = NextReceipt::<T>::get();
			NextReceipt::<T>::put(id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			if let Some(old) = id.checked_sub(T::MaxReceipts::get().into()) {
				Receipts::<T>::remove(old);
			}
			Receipts::<T>::insert(id, receipt.clone());
			Self::deposit_event(Event::WorkSettled { id, receipt: receipt.clone() });
			Ok((id, receipt))
		})
	}

	fn note_consumed(who: &T::AccountId, amount: Balance) {
		Today::<T>::mutate(|d| d.consumed = d.consumed.saturating_add(amount));
		Self::deposit_event(Event::Consumed { who: who.clone(), amount });
		Self::check_sunset();
	}

	/// The economy as clients see it.
	pub fn summary() -> EconomicsSummary {
		let window = Self::window();
		let epoch = Epoch::<T>::get();
		let circulation = Self::circulation();
		let circulation_cap = Self::circulation_cap();
		let controller = Controller::<T>::get();
		let days_held = Self::days_held();
		let regime = controller.regime(days_held);
		let aim = controller.aim(regime);
		let epoch_mint_ceiling = Self::epoch_mint_ceiling();
		EconomicsSummary {
			epoch: epoch.index,
			alpha: Alpha::<T>::get(),
			beta: Beta::<T>::get(),
			days_held,
			regime,
			aim,
			beta_target: BetaController::recent_target(&Self::recent(), &window.sums(), aim),
			eta: HardwareClass::ALL.iter().map(|c| (*c, Self::eta_of(*c))).collect(),
			last_utilization: epoch.last_utilization,
			window_utilization: maths::utilization(window.demand, window.capacity),
			window,
			earned_over_consumed: (!window.consumed.is_zero())
				.then(|| FixedU128::checked_from_rational(window.earned, window.consumed))
				.flatten(),
			circulation,
			circulation_cap,
			circulation_headroom: circulation_cap.saturating_sub(circulation),
			concentration_cap: pallet_credits::Pallet::<T>::cap(),
			epoch_mint_ceiling,
			epoch_minted: epoch.minted,
			epoch_headroom: epoch_mint_ceiling.saturating_sub(epoch.minted),
			limits: Limits::<T>::get(),
			mint_paused: MintPaused::<T>::get(),
			next_receipt: NextReceipt::<T>::get(),
			bootstrap: Bootstrap::<T>::get(),
			bootstrap_target: Self::bootstrap_target(),
			bootstrap_headroom: Self::bootstrap_headroom(),
		}
	}

	/// What a worker of a confirmed `class` would earn now for `t_ref` reference GPU-hours of work
	/// (`min(T_compute × η, t_ref) × α / β`), before supply limits.
	pub fn estimate(class: HardwareClass, t_ref: WorkUnits) -> Balance {
		let (_, paid) = maths::paid_work(t_ref, class, Self::pay_eta(class, true), true);
		maths::credits_earned(paid, FixedU128::one(), Alpha::<T>::get(), Beta::<T>::get())
			.unwrap_or_default()
	}

	/// The η a settlement applies to `class`: the class's, at most [`ETA_MIN`] while the class is
	/// not confirmed by a benchmark challenge.
	pub fn pay_eta(class: HardwareClass, confirmed: bool) -> FixedU128 {
		let eta = Self::eta_of(class);
		if confirmed {
			eta
		} else {
			eta.min(ETA_MIN)
		}
	}

	/// Invariants: parameters inside their bounds, the trailing sum equals the history, every
	/// earned credit is minted or withheld, the epoch ceiling holds, receipts are bounded.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for class in HardwareClass::ALL {
			ensure!(maths::eta_in_bounds(Self::eta_of(class)), "η out of bounds");
		}
		let alpha = Alpha::<T>::get();
		ensure!(alpha >= maths::ALPHA_MIN && alpha <= maths::ALPHA_MAX, "α out of bounds");
		let controller = Controller::<T>::get();
		ensure!(controller.validate().is_ok(), "invalid β controller");
		let beta = Beta::<T>::get();
		ensure!(beta >= controller.min && beta <= controller.max, "β out of bounds");
		ensure!(AlphaParams::<T>::get().validate().is_ok(), "invalid α curve");
		let limits = Limits::<T>::get();
		ensure!(limits.is_valid(), "invalid supply limits");

		ensure!(Bootstrap::<T>::get().is_valid(), "invalid bootstrap issuance");
		let period = Self::bootstrap_period();
		for (_, (matched_in, matched)) in BootstrapMatched::<T>::iter() {
			ensure!(matched <= BootstrapParams::MAX_PER_WORKER, "bootstrap match above its bound");
			ensure!(matched_in <= period, "bootstrap match recorded in a future period");
		}
		// `Epoch.minted ≤ epoch_mint_ceiling` is not an invariant: governance may lower the ceiling
		// below what this epoch already minted (minting then stops until the next epoch). Tests
		// check the ceiling after every settlement.

		let today = Today::<T>::get();
		let history = History::<T>::get();
		let mut sum = DayTotals::default();
		let mut previous: Option<declai_primitives::DayIndex> = None;
		for d in history.iter() {
			ensure!(previous.is_none_or(|p| p < d.day), "history not in day order");
			ensure!(d.day < today.day, "history day not before today");
			ensure!(d.day.saturating_add(T::WindowDays::get()) > today.day, "stale history day");
			sum = sum.plus(d);
			previous = Some(d.day);
		}
		let yesterday = Yesterday::<T>::get();
		if yesterday != DayTotals::default() {
			ensure!(history.last() == Some(&yesterday), "yesterday ≠ the newest history day");
			ensure!(
				yesterday.day.saturating_add(1) == today.day,
				"yesterday is not the day before"
			);
		}
		// Stored from version 3 on (the migrations of versions 1 and 2 check the rest before it).
		ensure!(
			Self::on_chain_storage_version() < 3
				|| usize::try_from(HistoryDays::<T>::get()).ok() == Some(history.len()),
			"history days ≠ the history's length"
		);
		let trailing = Trailing::<T>::get();
		ensure!(
			DayTotals { day: 0, ..sum } == DayTotals { day: 0, ..trailing },
			"trailing ≠ Σ history"
		);
		for d in history.iter().chain(core::iter::once(&today)) {
			ensure!(d.earned == d.minted.saturating_add(d.withheld), "earned ≠ minted + withheld");
		}
		let next = NextReceipt::<T>::get();
		if let Some(pruned) = next.checked_sub(u64::from(T::MaxReceipts::get()).saturating_add(1)) {
			ensure!(!Receipts::<T>::contains_key(pruned), "receipt retention exceeded");
		}
		Ok(())
	}
}

impl<T: Config> Settlement<T::AccountId, T::RuntimeHoldReason> for Pallet<T> {
	type Receipt = ReceiptOf<T>;

	fn settle_work(
		worker: &T::AccountId,
		job: H256,
		class: HardwareClass,
		class_confirmed: bool,
		work: WorkUnits,
		alpha: FixedU128,
		budget: Balance,
	) -> Result<(ReceiptId, Self::Receipt), DispatchError> {
		Self::do_settle_work(worker, job, class, class_confirmed, work, alpha, budget)
	}

	fn consume_held(
		payer: &T::AccountId,
		reason: T::RuntimeHoldReason,
		amount: Balance,
	) -> DispatchResult {
		// No storage layer of its own: the burn is atomic (it has one) and what follows cannot
		// fail.
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		pallet_credits::Pallet::<T>::burn_held(&reason, payer, amount)?;
		Self::note_consumed(payer, amount);
		Ok(())
	}

	fn consume_free(payer: &T::AccountId, amount: Balance) -> DispatchResult {
		// As `consume_held`: the burn is atomic and the rest infallible.
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		pallet_credits::Pallet::<T>::burn_free(payer, amount)?;
		Self::note_consumed(payer, amount);
		Ok(())
	}

	fn note_demand(work: WorkUnits) {
		Epoch::<T>::mutate(|e| e.demand = e.demand.saturating_add(work));
		Today::<T>::mutate(|d| d.demand = d.demand.saturating_add(work));
	}

	fn note_capacity(work: WorkUnits) {
		Epoch::<T>::mutate(|e| e.capacity = e.capacity.saturating_add(work));
		Today::<T>::mutate(|d| d.capacity = d.capacity.saturating_add(work));
	}

	fn note_block_capacity(permille: u128) {
		if permille.is_zero() {
			return;
		}
		let ms = u128::from(<T as pallet_credits::Config>::MillisecsPerBlock::get());
		// GPU-hours: permille/1000 × ms/3,600,000 × GPU_HOUR.
		let work = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			permille.saturating_mul(ms),
			declai_primitives::GPU_HOUR,
			3_600_000_000,
			sp_runtime::Rounding::Down,
		)
		.unwrap_or(0);
		Self::note_capacity(work);
	}

	fn receipt(id: ReceiptId) -> Option<Self::Receipt> {
		Receipts::<T>::get(id)
	}

	fn quote(t_ref: WorkUnits) -> Result<Balance, DispatchError> {
		maths::price(t_ref, Alpha::<T>::get()).map_err(|e| Error::<T>::from(e).into())
	}

	fn alpha() -> FixedU128 {
		Alpha::<T>::get()
	}
}
