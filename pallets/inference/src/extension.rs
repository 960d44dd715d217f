//! Admission control: a transaction extension that keeps spam out of blocks and orders the pool
//! by recent verified contribution.
//!
//! - `request`: the model must exist, be active and (premium) the signer a contributor; the
//!   signer must be within its rate limit (free-riders get [`Config::FreeRiderRequests`] per
//!   window, contributors [`Config::ContributorRequests`]); the quoted price within its limit.
//!   Priority: free-riders 0, contributors [`CONTRIBUTOR_PRIORITY`] plus their decayed
//!   contribution in milli-GPU-hours (capped), so contributors are served first.
//! - `commit`, `reveal`, `respond`, `prove`: the signer must be a replica of the job in the matching
//!   phase; these protocol steps (and `audit`) get [`WORKER_PRIORITY`] and are `Operational`
//!   dispatches, so neither requests nor their tips crowd them out and deadlines are met under
//!   load.
//! - `audit`: the signer must be an auditor, not a party to the job (its consumer or a replica),
//!   and the job under audit.
//!
//! The same checks run again in the calls (state may change between pool and block); here they
//! only read. In a block, a request's rate limit, room and price are left to the call, so a
//! request that passed the pool and then hit its limit pays its fee and fails with the named
//! error instead of being dropped for free.

use crate::{
	weights::WeightInfo, Auditors, Call, Config, Error, Jobs, Models, Phase, ReplicaState,
};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use declai_primitives::GPU_HOUR;
use frame_support::{
	pallet_prelude::{TransactionSource, TransactionValidityError, ValidTransaction},
	traits::{Get, IsSubType},
	weights::Weight,
	DefaultNoBound,
};
use pallet_economics::Settlement;
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, Dispatchable, Implication, TransactionExtension,
		ValidateResult,
	},
	transaction_validity::{InvalidTransaction, TransactionPriority},
	DispatchError, ModuleError,
};

/// Priority of protocol steps (commit, reveal, respond, audit).
pub const WORKER_PRIORITY: TransactionPriority = 1 << 40;
/// Base priority of a contributor's request.
pub const CONTRIBUTOR_PRIORITY: TransactionPriority = 1 << 20;
/// Cap of the contribution part of a request's priority.
pub const CONTRIBUTION_PRIORITY_CAP: TransactionPriority = (1 << 20) - 1;

/// The admission-control transaction extension of the inference pallet.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckAdmission<T>(PhantomData<T>);

impl<T> core::fmt::Debug for CheckAdmission<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckAdmission")
	}
}

impl<T> CheckAdmission<T> {
	/// The extension (it carries no data).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

/// A pallet error as an invalid-transaction code: the error's index in [`Error`].
fn reject<T: Config>(e: Error<T>) -> TransactionValidityError {
	let code = match DispatchError::from(e) {
		DispatchError::Module(ModuleError { error, .. }) => error[0],
		_ => 0,
	};
	InvalidTransaction::Custom(code).into()
}

impl<T: Config + Send + Sync> CheckAdmission<T> {
	/// Priority of a request by `who`, or why it is rejected.
	///
	/// In the pool every check applies. In a block (`in_block`) the limits that depend on what
	/// else was included first (the rate limit, the room for live jobs, the price) are left to the
	/// call, which fails with its named error **after the fee is paid**: a burst of requests that
	/// passed the pool together cannot be dropped from the block for free.
	pub fn request_priority(
		who: &T::AccountId,
		model: declai_primitives::poi::ModelId,
		input: &[u8],
		max_price: declai_primitives::Balance,
		in_block: bool,
	) -> Result<TransactionPriority, TransactionValidityError> {
		let m = Models::<T>::get(model).ok_or_else(|| reject::<T>(Error::UnknownModel))?;
		if !m.active {
			return Err(reject::<T>(Error::ModelRetired));
		}
		if input.is_empty() || input.len() > m.max_input as usize {
			return Err(reject::<T>(Error::BadInput));
		}
		if !crate::Pallet::<T>::input_fits_kind(m.kind, input) {
			return Err(reject::<T>(Error::InputNotText));
		}
		let contribution = <T::Workers as pallet_workers::WorkerRegistry<_>>::contribution(who);
		let contributor = contribution >= T::ContributorThreshold::get();
		if m.premium && !contributor {
			return Err(reject::<T>(Error::PremiumForContributors));
		}
		if !in_block {
			crate::Pallet::<T>::check_room(who, contributor).map_err(|e| match e {
				DispatchError::Module(ModuleError { error, .. }) => {
					InvalidTransaction::Custom(error[0]).into()
				}
				_ => reject::<T>(Error::QueueFull),
			})?;
			crate::Pallet::<T>::rate_state(who).map_err(|_| reject::<T>(Error::RateLimited))?;
			let price = T::Settlement::quote(m.cost).map_err(|_| reject::<T>(Error::Overflow))?;
			if price > max_price {
				return Err(reject::<T>(Error::PriceAboveLimit));
			}
		}
		if !contributor {
			return Ok(0);
		}
		let milli_hours = contribution / (GPU_HOUR / 1000);
		let part = u64::try_from(milli_hours).unwrap_or(u64::MAX).min(CONTRIBUTION_PRIORITY_CAP);
		Ok(CONTRIBUTOR_PRIORITY.saturating_add(part))
	}

	/// Whether `who` has a step to make on `job` in `phase` (its replica in `state`).
	fn protocol_step(
		who: &T::AccountId,
		job: declai_primitives::poi::JobId,
		phase: Phase,
		state: ReplicaState,
	) -> Result<TransactionPriority, TransactionValidityError> {
		let j = Jobs::<T>::get(job).ok_or_else(|| reject::<T>(Error::UnknownJob))?;
		if j.phase != phase {
			return Err(reject::<T>(Error::WrongPhase));
		}
		match j.replicas.iter().find(|r| r.worker == *who) {
			None => Err(reject::<T>(Error::NotAssigned)),
			Some(r) if r.state != state => Err(reject::<T>(Error::AlreadySubmitted)),
			Some(_) => Ok(WORKER_PRIORITY),
		}
	}
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckAdmission<T>
where
	T::RuntimeCall: IsSubType<Call<T>> + Dispatchable,
	<T::RuntimeCall as Dispatchable>::RuntimeOrigin: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckAdmission";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &T::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			Some(_) => <T as Config>::InferenceWeightInfo::check_admission(),
			None => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: <T::RuntimeCall as Dispatchable>::RuntimeOrigin,
		call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		let (Some(call), Some(who)) = (call.is_sub_type(), origin.as_system_origin_signer()) else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let priority = match call {
			Call::request { model, input, max_price, .. } => {
				let in_block = source == TransactionSource::InBlock;
				Self::request_priority(who, *model, input, *max_price, in_block)?
			}
			Call::commit { job, .. } => {
				Self::protocol_step(who, *job, Phase::Committing, ReplicaState::Assigned)?
			}
			Call::reveal { job, .. } => {
				Self::protocol_step(who, *job, Phase::Revealing, ReplicaState::Committed)?
			}
			Call::prove { job, .. } => {
				Self::protocol_step(who, *job, Phase::Challenged, ReplicaState::Challenged)?
			}
			Call::respond { job, .. } => {
				Self::protocol_step(who, *job, Phase::Challenged, ReplicaState::Challenged)?
			}
			Call::audit { job, .. } => {
				if !Auditors::<T>::get().contains(who) {
					return Err(reject::<T>(Error::NotAuditor));
				}
				let Some(j) = Jobs::<T>::get(job).filter(|j| j.phase == Phase::Auditing) else {
					return Err(reject::<T>(Error::WrongPhase));
				};
				if j.consumer == *who || j.replicas.iter().any(|r| r.worker == *who) {
					return Err(reject::<T>(Error::OwnJob));
				}
				WORKER_PRIORITY
			}
			_ => 0,
		};
		Ok((ValidTransaction { priority, ..Default::default() }, (), origin))
	}

	impl_tx_ext_default!(T::RuntimeCall; prepare);
}
