//! # Validators pallet
//!
//! The permissioned validator set. Governance adds and removes validators; the change is
//! *planned* at once and handed to `pallet-session` (as its `SessionManager`) at the next session
//! boundary, which queues it: the new set authors and finalizes from the boundary after that
//! (`pallet-session` always announces a set one session ahead, so every node knows the authorities
//! of the next session before it starts).
//!
//! - A validator must have registered its session keys (`session.set_keys`) before it can be
//!   added: a set member without keys could not author or vote and would stall finality.
//! - The set never shrinks below [`Config::MinValidators`] nor grows beyond
//!   [`Config::MaxValidators`].
//! - [`Pallet::validators`] is the set in force (what the last session change handed over);
//!   [`Pallet::planned`] what the next one will hand over.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Contains};
use frame_system::pallet_prelude::*;
use sp_runtime::traits::Zero;
use sp_staking::SessionIndex;

/// Lets the benchmarks give an account session keys.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers session keys for `who`.
	fn register_keys(who: &AccountId);
}

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Origin of `add_validator` and `remove_validator` (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Accounts that registered session keys (in the runtime: `pallet-session`'s `NextKeys`).
		type KeysRegistered: Contains<Self::AccountId>;

		/// Most validators.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Fewest validators (at least 1).
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Session length (blocks) unless the genesis sets one.
		#[pallet::constant]
		type DefaultSessionLength: Get<BlockNumberFor<Self>>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Gives accounts session keys for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The storage layout's version (the one this code reads; migrations move older ones to it).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The validator set in force: the last set handed to the session pallet.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// The set governance decided on; handed over at the next session boundary if it differs.
	#[pallet::storage]
	pub type Planned<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Blocks per session, for the runtime's session schedule: fixed at genesis (a test network
	/// may rotate faster than a production one).
	#[pallet::storage]
	pub type SessionLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, T::DefaultSessionLength>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial validators (their session keys come from `pallet-session`'s genesis).
		pub validators: Vec<T::AccountId>,
		/// Blocks per session; `None` for [`Config::DefaultSessionLength`].
		pub session_length: Option<BlockNumberFor<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(length) = self.session_length {
				assert!(!length.is_zero(), "sessions must have at least one block");
				SessionLength::<T>::put(length);
			}
			if self.validators.is_empty() {
				// No set of ours: pallet-session's genesis keys define the first validators.
				return;
			}
			let set =
				BoundedVec::<T::AccountId, T::MaxValidators>::try_from(self.validators.clone())
					.expect("genesis validators fit MaxValidators; qed");
			assert!(
				set.len() as u32 >= T::MinValidators::get(),
				"genesis needs at least MinValidators validators"
			);
			Validators::<T>::put(&set);
			Planned::<T>::put(set);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance planned to add a validator; it joins at the next session change.
		ValidatorAdded { who: T::AccountId },
		/// Governance planned to remove a validator; it leaves at the next session change.
		ValidatorRemoved { who: T::AccountId },
		/// The planned set was handed to the session pallet for session `session`.
		NewSet { session: SessionIndex, validators: Vec<T::AccountId> },
		/// A validator proven to have misbehaved (signed two blocks for one slot) was planned
		/// out of the set; it leaves at the next session change.
		OffenderRemoved { who: T::AccountId },
		/// A validator misbehaved but stays: removing it would leave fewer than
		/// `MinValidators`. Governance must act.
		OffenderKept { who: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already in the planned set.
		AlreadyValidator,
		/// The account is not in the planned set.
		NotValidator,
		/// The set already has `MaxValidators` validators.
		TooManyValidators,
		/// The set would fall below `MinValidators`.
		TooFewValidators,
		/// The account has not registered session keys (`session.set_keys`) yet.
		NoSessionKeys,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinValidators::get() >= 1, "MinValidators must be at least 1");
			assert!(
				T::MinValidators::get() <= T::MaxValidators::get(),
				"MinValidators must not exceed MaxValidators"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Plan to add `who` to the validator set (effective at the next session change).
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::AlreadyValidator`], [`Error::NoSessionKeys`],
		/// [`Error::TooManyValidators`]. Events: [`Event::ValidatorAdded`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut planned = Planned::<T>::get();
			ensure!(!planned.contains(&who), Error::<T>::AlreadyValidator);
			ensure!(T::KeysRegistered::contains(&who), Error::<T>::NoSessionKeys);
			planned.try_push(who.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
			Planned::<T>::put(planned);
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Plan to remove `who` from the validator set (effective at the next session change).
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::NotValidator`], [`Error::TooFewValidators`].
		/// Events: [`Event::ValidatorRemoved`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::plan_removal(&who)?;
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Takes `who` out of the planned set, keeping at least `MinValidators`.
	fn plan_removal(who: &T::AccountId) -> Result<(), Error<T>> {
		let mut planned = Planned::<T>::get();
		ensure!(planned.contains(who), Error::<T>::NotValidator);
		ensure!(planned.len() as u32 > T::MinValidators::get(), Error::<T>::TooFewValidators);
		planned.retain(|v| v != who);
		Planned::<T>::put(planned);
		Ok(())
	}

	/// Plans a misbehaving validator out of the set (as governance's `remove_validator` would),
	/// unless that would leave fewer than `MinValidators`.
	pub fn remove_offender(who: &T::AccountId) {
		match Self::plan_removal(who) {
			Ok(()) => Self::deposit_event(Event::OffenderRemoved { who: who.clone() }),
			Err(Error::TooFewValidators) => {
				log::warn!(target: "runtime::validators", "offender {who:?} kept: the set is at its minimum");
				Self::deposit_event(Event::OffenderKept { who: who.clone() });
			}
			// Not (or no longer) a planned validator: nothing to do.
			Err(_) => {}
		}
	}

	/// The validator set in force.
	pub fn validators() -> Vec<T::AccountId> {
		Validators::<T>::get().into_inner()
	}

	/// The set the next session change hands over.
	pub fn planned() -> Vec<T::AccountId> {
		Planned::<T>::get().into_inner()
	}

	/// Invariants: both sets are within bounds and free of duplicates.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for set in [Validators::<T>::get(), Planned::<T>::get()] {
			ensure!(
				set.is_empty() || set.len() as u32 >= T::MinValidators::get(),
				"a set below MinValidators"
			);
			for (i, v) in set.iter().enumerate() {
				ensure!(
					!set.iter().skip(i.saturating_add(1)).any(|w| w == v),
					"a validator listed twice"
				);
			}
		}
		Ok(())
	}
}

/// Hands the planned set to `pallet-session` when it differs from the set in force.
impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let planned = Planned::<T>::get();
		if planned == Validators::<T>::get() {
			return None;
		}
		Validators::<T>::put(&planned);
		let validators = planned.into_inner();
		log::info!(target: "runtime::validators", "new validator set for session {new_index}: {} validators", validators.len());
		Self::deposit_event(Event::NewSet { session: new_index, validators: validators.clone() });
		Some(validators)
	}

	/// The genesis set (this pallet must come before the session pallet in the runtime, so that
	/// its genesis is built first); `None` lets the session pallet's genesis keys decide.
	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let set = Validators::<T>::get();
		(!set.is_empty()).then(|| set.into_inner())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}
