//! Storage migrations of the inference pallet, one module per storage version.

use crate::{
	Config, Deadlines, Event, Jobs, Models, Pallet, Phase, RefundReason, VerifyingKeys, WeightInfo,
};
use alloc::vec::Vec;
use declai_primitives::poi::JobId;
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
				if !m.active || !m.tier.is_zero_knowledge() || Pallet::<T>::key_fits(&m, &key) {
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
					m.active && m.tier.is_zero_knowledge() && !Pallet::<T>::key_fits(&m, &key)
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

/// Version 2 (spec_version 117): a zero-knowledge model's tier names its proof system
/// (`VerificationTier::ZeroKnowledge { system }`), so that hidden-weights models
/// (`ProofSystem::Groth16Hidden`, with their weight commitment) and the earlier ones, whose
/// circuit holds the model and whose public inputs are the input and output themselves
/// (`ProofSystem::Groth16Open`), live side by side. Every stored model is decoded with the
/// version-1 layout and written again; zero-knowledge models become `Groth16Open`, which is how
/// their proofs were checked. Other tiers are unchanged.
pub mod v2 {
	use super::*;
	use crate::{Model, ModelOf};
	use codec::{Decode, Encode};
	use declai_primitives::poi::{IntegerLayer, ModelKind, ProofSystem, VerificationTier};
	use frame_support::BoundedVec;
	use sp_core::H256;

	/// `VerificationTier` before version 2.
	#[derive(Clone, Copy, Debug, Decode, Encode, Eq, PartialEq)]
	pub enum OldTier {
		/// Unchanged.
		ExactInteger,
		/// Unchanged.
		FloatTolerance {
			/// Unchanged.
			max_error_ppm: u32,
		},
		/// Now `ZeroKnowledge { system: Groth16Open }`.
		ZeroKnowledge,
	}

	/// `Model` before version 2 (only its tier differs).
	#[derive(Decode, Encode)]
	pub struct OldModel<T: Config> {
		name: BoundedVec<u8, T::MaxNameLen>,
		kind: ModelKind,
		weights_root: H256,
		cost: declai_primitives::WorkUnits,
		max_input: u32,
		max_output: u32,
		tier: OldTier,
		layers: BoundedVec<IntegerLayer, T::MaxLayers>,
		premium: bool,
		active: bool,
	}

	impl<T: Config> OldModel<T> {
		/// The version-2 model.
		pub fn upgrade(self) -> ModelOf<T> {
			let tier = match self.tier {
				OldTier::ExactInteger => VerificationTier::ExactInteger,
				OldTier::FloatTolerance { max_error_ppm } => {
					VerificationTier::FloatTolerance { max_error_ppm }
				}
				OldTier::ZeroKnowledge => {
					VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open }
				}
			};
			Model {
				name: self.name,
				kind: self.kind,
				weights_root: self.weights_root,
				cost: self.cost,
				max_input: self.max_input,
				max_output: self.max_output,
				tier,
				layers: self.layers,
				premium: self.premium,
				active: self.active,
			}
		}
	}

	/// The unversioned step (use [`TagProofSystems`]).
	pub struct InnerTagProofSystems<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerTagProofSystems<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut models = 0u64;
			Models::<T>::translate::<OldModel<T>, _>(|model, old| {
				models = models.saturating_add(1);
				let mut m = old.upgrade();
				// A chain that skipped version 1 still retires a key without the job binding.
				if m.active
					&& m.tier.is_zero_knowledge()
					&& !VerifyingKeys::<T>::get(model)
						.is_some_and(|k| Pallet::<T>::key_fits(&m, &k))
				{
					m.active = false;
				}
				Some(m)
			});
			// Each model read and written; each zero-knowledge model's key read at most once more.
			T::DbWeight::get().reads_writes(models.saturating_mul(2), models)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Models::<T>::iter_keys().count() as u32).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre_upgrade state"))?;
			frame_support::ensure!(
				Models::<T>::iter_values().count() as u32 == before,
				"a model was lost in the translation"
			);
			Ok(())
		}
	}

	/// Runs [`InnerTagProofSystems`] once, from storage version 1 to 2.
	pub type TagProofSystems<T> = VersionedMigration<
		1,
		2,
		InnerTagProofSystems<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
