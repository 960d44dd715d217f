//! Storage migrations of the inference pallet, one module per storage version.

use crate::{Config, Event, Models, Pallet, VerifyingKeys};
use declai_primitives::poi::VerificationTier;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 1 (spec_version 110): zero-knowledge proofs carry the job binding as their first
/// public input, so verifying keys registered before expect one input fewer. No proof could
/// ever verify against such a key, and a job on its model would fault the honest worker that
/// proved it: the migration retires every such model (governance re-activates it only with a
/// new key, which `set_model_active` checks) and leaves its key for the record.
pub mod v1 {
	use super::*;

	/// The unversioned step (use [`RetireUnboundZkModels`]).
	pub struct InnerRetireUnboundZkModels<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerRetireUnboundZkModels<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			for (model, key) in VerifyingKeys::<T>::iter() {
				reads = reads.saturating_add(2);
				let Some(mut m) = Models::<T>::get(model) else { continue };
				if !m.active
					|| m.tier != VerificationTier::ZeroKnowledge
					|| Pallet::<T>::key_fits(&m, &key)
				{
					continue;
				}
				m.active = false;
				Models::<T>::insert(model, m);
				Pallet::<T>::deposit_event(Event::ModelActivity { model, active: false });
				writes = writes.saturating_add(2);
				log::info!(target: "runtime::inference", "model {model} retired: its key predates the job binding");
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			for (model, key) in VerifyingKeys::<T>::iter() {
				let active = Models::<T>::get(model).is_some_and(|m| {
					m.active
						&& m.tier == VerificationTier::ZeroKnowledge
						&& !Pallet::<T>::key_fits(&m, &key)
				});
				frame_support::ensure!(!active, "an active model keeps a key without the binding");
			}
			Ok(())
		}
	}

	/// Runs [`InnerRetireUnboundZkModels`] once, from storage version 0 to 1.
	pub type RetireUnboundZkModels<T> = VersionedMigration<
		0,
		1,
		InnerRetireUnboundZkModels<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
