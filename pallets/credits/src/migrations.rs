//! Storage migrations of the credits pallet, one module per storage version.

use crate::{Config, ExpiringOn, Pallet};
use alloc::vec::Vec;
use codec::Decode;
use declai_primitives::{Balance, DayIndex};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 1 (spec_version 115): the per-day expiry totals ([`ExpiringOn`]) become a map with
/// one entry per day. Until then they were one value, a `BTreeMap<DayIndex, Balance>` stored at
/// the key that is now the map's prefix, which every mint, burn and transfer read and wrote
/// whole. One read, one removal and one write per day kept (at most `MaxLots`, 400 in the
/// runtime): a bounded step.
pub mod v1 {
	use super::*;

	/// The unversioned step (use [`MigrateToV1`]).
	pub struct InnerMigrateToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let key = <ExpiringOn<T> as frame_support::storage::StoragePrefixedMap<Balance>>::final_prefix();
			let Some(raw) = frame_support::storage::unhashed::get_raw(&key) else {
				return T::DbWeight::get().reads(1);
			};
			frame_support::storage::unhashed::kill(&key);
			// The old map's encoding: a length, then each day and its total, days ascending.
			let days = match Vec::<(DayIndex, Balance)>::decode(&mut &raw[..]) {
				Ok(days) => days,
				Err(_) => {
					log::warn!(
						target: "runtime::credits",
						"v1: undecodable per-day expiry totals dropped; try_state will report them"
					);
					return T::DbWeight::get().reads_writes(1, 1);
				}
			};
			let count = days.len() as u64;
			for (day, amount) in days.into_iter().filter(|(_, amount)| *amount > 0) {
				ExpiringOn::<T>::insert(day, amount);
			}
			T::DbWeight::get().reads_writes(1, count.saturating_add(1))
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
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
