//! Storage migrations of the inference pallet, one module per storage version.

use crate::{
	Config, Deadlines, Event, Jobs, Models, Pallet, Phase, RefundReason, VerifyingKeys, WeightInfo,
};
use alloc::vec::Vec;
use declai_primitives::poi::{JobId, VerificationTier};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 1 (spec_version 111): zero-knowledge proofs carry the job binding as their first
/// public input (since spec_version 110), so verifying keys registered before expect one input
/// fewer. No proof can verify against such a key, and a job on its model would fault the honest
/// worker that proved it: the migration retires every such model, refunds its live jobs
/// (`RefundReason::ModelRetired`; nobody is faulted) and leaves its key for the record;
/// `set_model_active` refuses to re-activate it (`BadVerifyingKey`), so governance registers the
/// model again with a key that fits. A runtime whose escrow moved to this pallet's own hold
/// reason in the same release moves the holds first (the DeCLAI runtime's `InferenceV1`).
pub mod v1 {
	use super::*;

	/// The unversioned step (use [`RetireUnboundZkModels`], or run it inside a runtime's own
	/// versioned step).
	pub struct InnerRetireUnboundZkModels<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerRetireUnboundZkModels<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			let mut refunds = Weight::zero();
			let mut retired = Vec::new();
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
				retired.push(model);
				log::info!(target: "runtime::inference", "model {model} retired: its key predates the job binding");
			}
			if retired.is_empty() {
				return T::DbWeight::get().reads_writes(reads, writes);
			}
			// Every live job is in a deadline bucket (at most `MaxLiveJobs` in all).
			let mut live: Vec<JobId> = Deadlines::<T>::iter_values().flatten().collect();
			live.sort_unstable();
			live.dedup();
			reads = reads.saturating_add(live.len() as u64);
			for id in live {
				let Some(mut j) = Jobs::<T>::get(id) else { continue };
				reads = reads.saturating_add(1);
				if !retired.contains(&j.model) || matches!(j.phase, Phase::Done(_)) {
					continue;
				}
				// A refund releases the escrow, frees the workers and the deadline, ends the job:
				// what `cancel` measures (a refund from the end of a full queue).
				Pallet::<T>::refund(id, &mut j, RefundReason::ModelRetired);
				Jobs::<T>::insert(id, j);
				refunds = refunds.saturating_add(T::InferenceWeightInfo::cancel());
			}
			T::DbWeight::get().reads_writes(reads, writes).saturating_add(refunds)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
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
