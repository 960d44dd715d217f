//! The worker registry as other pallets see it: [`WorkerRegistry`] is all the inference pallet
//! reads of, and reports to, this pallet besides the verified-work hook
//! ([`declai_primitives::poi::OnWorkVerified`]), which this pallet also implements.

use crate::{AttestationSignature, Config, Fault, Pallet};
use alloc::vec::Vec;
use declai_primitives::{
	poi::{ModelId, OnWorkVerified, RegionId, VerifiedWork, WorkRole},
	Balance, HardwareClass,
};
use frame_support::traits::Get;

/// What a pallet that assigns and checks work needs of the registry of workers.
pub trait WorkerRegistry<AccountId> {
	/// The hardware class `who` registered with; `None` if `who` is not a worker.
	fn class_of(who: &AccountId) -> Option<HardwareClass>;
	/// Whether a benchmark challenge confirmed `who`'s hardware class.
	fn class_confirmed(who: &AccountId) -> bool;
	/// Whether `signature` by `who`'s hardware attestation key signs `message` (false for an
	/// account that is not a worker).
	fn verify_attestation(
		who: &AccountId,
		message: &[u8],
		signature: &AttestationSignature,
	) -> bool;
	/// The workers that may be drawn for `model`.
	fn candidates(model: ModelId) -> Vec<AccountId>;
	/// `who`'s weight in the assignment draw of a job for `region`; `None` if not a worker.
	fn selection_weight(who: &AccountId, region: Option<RegionId>) -> Option<u64>;
	/// Probability (ppm) that a result of `who` is audited; `None`: its results are always
	/// replicated (not trusted yet, on probation, or not a worker).
	fn audit_ppm(who: &AccountId) -> Option<u32>;
	/// Consecutive verified results after which a worker is trusted.
	fn trust_after() -> u32;
	/// `who`'s recent verified contribution (reference work units, decayed).
	fn contribution(who: &AccountId) -> Balance;
	/// The online workers' capacity in reference GPUs (‰).
	fn capacity_permille() -> u128;
	/// A job was assigned to `who`.
	fn job_started(who: &AccountId);
	/// A job of `who` ended.
	fn job_ended(who: &AccountId);
	/// `who` delivered a wrong result or missed a deadline; returns the credits slashed.
	fn record_fault(who: &AccountId, fault: Fault) -> Balance;
}

impl<T: Config> WorkerRegistry<T::AccountId> for Pallet<T> {
	fn class_of(who: &T::AccountId) -> Option<HardwareClass> {
		Self::worker(who).map(|w| w.class)
	}
	fn class_confirmed(who: &T::AccountId) -> bool {
		Pallet::<T>::class_confirmed(who)
	}
	fn verify_attestation(
		who: &T::AccountId,
		message: &[u8],
		signature: &AttestationSignature,
	) -> bool {
		Self::worker(who).is_some_and(|w| w.key.verify(message, signature))
	}
	fn candidates(model: ModelId) -> Vec<T::AccountId> {
		Pallet::<T>::candidates(model)
	}
	fn selection_weight(who: &T::AccountId, region: Option<RegionId>) -> Option<u64> {
		Self::worker(who).map(|w| Pallet::<T>::selection_weight(&w, region))
	}
	fn audit_ppm(who: &T::AccountId) -> Option<u32> {
		Self::worker(who).and_then(|w| Pallet::<T>::audit_ppm(who, &w))
	}
	fn trust_after() -> u32 {
		T::TrustAfter::get()
	}
	fn contribution(who: &T::AccountId) -> Balance {
		Pallet::<T>::contribution(who)
	}
	fn capacity_permille() -> u128 {
		Pallet::<T>::capacity_permille()
	}
	fn job_started(who: &T::AccountId) {
		Pallet::<T>::job_started(who)
	}
	fn job_ended(who: &T::AccountId) {
		Pallet::<T>::job_ended(who)
	}
	fn record_fault(who: &T::AccountId, fault: Fault) -> Balance {
		Pallet::<T>::record_fault(who, fault)
	}
}

/// A served result raises the worker's trust, reputation, contribution and bond; audits are
/// validators' work, which the consensus counts.
impl<T: Config> OnWorkVerified<T::AccountId> for Pallet<T> {
	fn on_work_verified(work: &VerifiedWork<'_, T::AccountId>) {
		if work.role == WorkRole::Served {
			Self::record_valid(work.who, work.units, work.minted);
		}
	}
}
