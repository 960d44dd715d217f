//! Storage migrations of the economics pallet, one module per storage version.

use crate::{
	Config, Controller, DayTotals, History, HistoryDays, Limits, Pallet, SupplyLimits, Today,
	Trailing, Yesterday,
};
use codec::{Decode, Encode};
use declai_primitives::{Balance, BetaController, DayIndex, WorkUnits};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
	BoundedVec,
};
use sp_arithmetic::{FixedU128, Perbill};

/// Version 1 (spec_version 112): the β controller aims by the days of consumption held
/// (`growth` becomes `shrink`, with `grow_below_days` 7 and `shrink_above_days` 14); the epoch
/// mint ceiling scales with recent minting (`epoch_mint_ceiling` becomes `epoch_mint_floor`, with
/// `epoch_mint_percent` 300); day totals count bootstrap issuance (0 for the days before).
/// Receipts gain `bootstrap` and need no pass: [`crate::Receipt`] decodes the old encoding with
/// `bootstrap` 0. Four storage values are translated: a bounded, constant-weight step.
pub mod v1 {
	use super::*;

	/// The β controller of version 0.
	#[derive(Decode, Encode)]
	pub struct OldController {
		pub damping: Perbill,
		pub max_step: Perbill,
		pub deadband: Perbill,
		pub growth: Perbill,
		pub min: FixedU128,
		pub max: FixedU128,
	}

	/// The supply limits of version 0.
	#[derive(Decode, Encode)]
	pub struct OldLimits {
		pub circulation_percent: u16,
		pub bootstrap_circulation: Balance,
		pub epoch_mint_ceiling: Balance,
	}

	/// The day totals of version 0.
	#[derive(Clone, Copy, Decode, Encode)]
	pub struct OldDayTotals {
		pub day: DayIndex,
		pub value: Balance,
		pub earned: Balance,
		pub minted: Balance,
		pub withheld: Balance,
		pub consumed: Balance,
		pub demand: WorkUnits,
		pub capacity: WorkUnits,
	}

	impl From<OldDayTotals> for DayTotals {
		fn from(o: OldDayTotals) -> Self {
			DayTotals {
				day: o.day,
				value: o.value,
				earned: o.earned,
				minted: o.minted,
				withheld: o.withheld,
				consumed: o.consumed,
				demand: o.demand,
				capacity: o.capacity,
				bootstrap: 0,
			}
		}
	}

	/// The unversioned step (use [`MigrateToV1`]).
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let defaults = BetaController::default();
			// `translate` leaves an absent value absent (it then reads as the new default); a
			// value that fails to decode is logged and removed below, so it reads as the default.
			let controller = Controller::<T>::translate(|old: Option<OldController>| {
				old.map(|o| BetaController {
					damping: o.damping,
					max_step: o.max_step,
					deadband: o.deadband,
					shrink: o.growth,
					min: o.min,
					max: o.max,
					..defaults
				})
			});
			let limits = Limits::<T>::translate(|old: Option<OldLimits>| {
				old.map(|o| SupplyLimits {
					circulation_percent: o.circulation_percent,
					bootstrap_circulation: o.bootstrap_circulation,
					epoch_mint_floor: o.epoch_mint_ceiling,
					epoch_mint_percent: SupplyLimits::default().epoch_mint_percent,
				})
			});
			let today = Today::<T>::translate(|old: Option<OldDayTotals>| old.map(DayTotals::from));
			let trailing =
				Trailing::<T>::translate(|old: Option<OldDayTotals>| old.map(DayTotals::from));
			let history = History::<T>::translate(|old: Option<alloc::vec::Vec<OldDayTotals>>| {
				old.map(|days| {
					BoundedVec::truncate_from(days.into_iter().map(DayTotals::from).collect())
				})
			});
			for (what, result) in [
				("controller", controller.is_ok()),
				("limits", limits.is_ok()),
				("today", today.is_ok()),
				("trailing", trailing.is_ok()),
				("history", history.is_ok()),
			] {
				if !result {
					log::warn!(target: "runtime::economics", "v1: undecodable {what} reset to its default");
				}
			}
			if controller.is_err() {
				Controller::<T>::kill();
			}
			if limits.is_err() {
				Limits::<T>::kill();
			}
			if today.is_err() {
				Today::<T>::kill();
			}
			if trailing.is_err() || history.is_err() {
				// The trailing sum must equal the history: reset both together.
				Trailing::<T>::kill();
				History::<T>::kill();
			}
			// The previous day, kept apart from version 1 on.
			let today = Today::<T>::get().day;
			if let Some(last) =
				History::<T>::get().last().filter(|d| d.day.saturating_add(1) == today)
			{
				Yesterday::<T>::put(last);
			}
			T::DbWeight::get().reads_writes(7, 6)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// Economics storage version 0 → 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 2 (spec_version 113): the bootstrap match is bounded per worker in each period of
/// `WindowDays` days instead of over the worker's lifetime (a steady network drains and needs the
/// match again). [`crate::BootstrapMatched`] becomes `(period, matched)`: each old lifetime total
/// is kept as the current period's (an upgrade in the first block of a new period stamps the
/// period that is ending, one hook before the day rolls: those workers start the new period
/// fresh). One pass over the workers ever matched (a bootstrap that was on in version 1); the dev
/// and local chains start with it off, so the map is empty there.
///
/// The supply limits are kept as they are: `circulation_percent` now counts 30 days at the
/// window's mean consumption instead of the window's sum, the same on a chain older than its
/// window, so a chain at 110 stays at 33 days of consumption until governance lowers it with
/// `set_supply_limits` (50: 15 days, one above the controller's shrink threshold; keep it at
/// least `shrink_above_days`, or the cap binds before the controller starts to shrink).
pub mod v2 {
	use super::*;
	use crate::BootstrapMatched;

	/// The unversioned step (use [`MigrateToV2`]).
	pub struct InnerMigrateToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let period = Pallet::<T>::bootstrap_period();
			let mut count: u64 = 0;
			BootstrapMatched::<T>::translate::<Balance, _>(|_, matched| {
				count = count.saturating_add(1);
				Some((period, matched))
			});
			T::DbWeight::get().reads_writes(count.saturating_add(1), count)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// Economics storage version 1 → 2.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 3 (spec_version 115): the number of days in [`History`] is stored apart
/// ([`HistoryDays`]), so that settlements, which divide by it, no longer load the history to
/// take its length. One read and one write.
pub mod v3 {
	use super::*;

	/// The unversioned step (use [`MigrateToV3`]).
	pub struct InnerMigrateToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let days = History::<T>::decode_len().unwrap_or(0);
			HistoryDays::<T>::put(u32::try_from(days).unwrap_or(u32::MAX));
			T::DbWeight::get().reads_writes(1, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// Economics storage version 2 → 3.
	pub type MigrateToV3<T> = VersionedMigration<
		2,
		3,
		InnerMigrateToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
