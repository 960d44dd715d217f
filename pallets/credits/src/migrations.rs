//! Storage migrations of the credits pallet, one module per storage version.

use crate::{Config, ExpiringOn, ExpiryTotalsOf, LastClosedDay, Lot, Lots, LotsOf, Pallet};
use codec::Decode;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 1 (spec_version 116): the per-day expiry totals ([`ExpiringOn`]) become a dense
/// window of days ([`crate::DayTotals`]) instead of a list with one `Lot` per day. The same totals,
/// in other bytes: one storage value is translated, a constant-weight step.
pub mod v1 {
	use super::*;

	/// The unversioned step (use [`MigrateToV1`]).
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	/// The totals of `days` (one lot per day, as version 0 stored them) as a window.
	fn window<T: Config>(days: &[Lot]) -> Option<ExpiryTotalsOf<T>> {
		let mut totals = ExpiryTotalsOf::<T>::default();
		totals.add(days).ok().map(|()| totals)
	}

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let key = ExpiringOn::<T>::hashed_key();
			let Some(raw) = frame_support::storage::unhashed::get_raw(&key) else {
				// Nothing stored: no credits expire, and the default window says so.
				return T::DbWeight::get().reads(1);
			};
			let translated =
				LotsOf::<T>::decode(&mut &raw[..]).ok().and_then(|days| window::<T>(&days));
			if let Some(totals) = translated {
				ExpiringOn::<T>::put(totals);
				return T::DbWeight::get().reads_writes(1, 1);
			}
			// Only a corrupt value gets here (version 0 always stored a decodable list within
			// the bounds): the totals are summed again from every account's lots, so that the
			// day roll keeps removing exactly what expires. Every day not closed yet counts
			// (upgrades run before `on_initialize`, which may still close today). Unbounded, but
			// never on a sound chain.
			log::warn!(target: "runtime::credits", "v1: expiry totals unreadable, summed again from the lots");
			let open_from = LastClosedDay::<T>::get();
			let mut accounts = 0u64;
			let mut totals = ExpiryTotalsOf::<T>::default();
			for (_, lots) in Lots::<T>::iter() {
				accounts = accounts.saturating_add(1);
				let open: alloc::vec::Vec<Lot> =
					lots.iter().filter(|lot| lot.expires_on > open_from).copied().collect();
				if let Err(e) = totals.add(&open) {
					log::error!(target: "runtime::credits", "v1: expiry totals of an account not added: {e:?}");
				}
			}
			ExpiringOn::<T>::put(totals);
			T::DbWeight::get().reads_writes(accounts.saturating_add(2), 1)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// Credits storage version 0 → 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
