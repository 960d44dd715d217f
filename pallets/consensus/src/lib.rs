//! # Consensus pallet
//!
//! The runtime half of DeCLAI's Proof-of-Inference consensus (the node half is the slot worker
//! and import verifier in `node/src/consensus.rs`):
//!
//! - **Authorities and their weights.** `pallet-session` hands over each session's validators
//!   with their block-authoring keys ([`digest::AuthorityId`]). At every session change each
//!   validator's weight is computed from the Proof-of-Inference work its account did in the
//!   session that ended ([`EpochWork`], fed by `pallet-inference` through
//!   [`declai_primitives::poi::OnWorkVerified`]; work on jobs an authority asked for does not count),
//!   smoothed across sessions ([`SmoothedWork`]): a floor of [`Config::MinShare`] shared
//!   equally, the rest in proportion to the square root of the work, and no authority above
//!   `2 / n` of the weight ([`digest::max_share`]); equal weights when nobody worked
//!   ([`digest::weights_from_work`]).
//! - **Slots and the leader draw.** Every block carries a [`digest::PreDigest`]: the slot, the
//!   author's index and a VRF signature on the parent's chain randomness and the slot. The slot's
//!   leader is drawn from the weights with the parent's randomness ([`digest::leader`]); every
//!   node checks the draw, the VRF and the seal before importing, and `on_initialize` checks that
//!   the slot increases.
//! - **Chain randomness.** Each block's VRF output is hashed into the chain randomness
//!   ([`Randomness`]), and the randomness of the last [`Config::RandomnessHistory`] blocks is
//!   kept ([`RandomnessOf`], [`ChainRandomness`]): the Proof-of-Inference challenges and job
//!   assignments draw from it.
//! - **Equivocations.** Two sealed headers of one author for one slot are reported by the node
//!   that sees them (`report_equivocation_unsigned`); the runtime checks both seals, records the
//!   offence once and hands it to [`Config::OnEquivocation`] (in the runtime: the offender is
//!   planned out of the validator set).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod digest;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use digest::{
	AuthorityId, AuthoritySignature, EquivocationProof, PreDigest, ENGINE_ID, KEY_TYPE,
	WEIGHT_SCALE,
};
pub use pallet::*;

use alloc::{boxed::Box, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use declai_primitives::{
	poi::{OnWorkVerified, VerifiedWork},
	WorkUnits,
};
use frame_support::{pallet_prelude::*, traits::OneSessionHandler};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_application_crypto::RuntimeAppPublic;
use sp_consensus_slots::Slot;
use sp_core::H256;
use sp_runtime::{
	traits::{Header as _, SaturatedConversion, Saturating, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionSource, TransactionValidity,
		ValidTransaction,
	},
	Perbill,
};

/// Log target of this pallet.
const LOG_TARGET: &str = "runtime::consensus";

/// An authority in force: its account, its block-authoring key and its weight in the leader draw.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Authority<AccountId> {
	/// The validator's account (whose verified work weighs it).
	pub account: AccountId,
	/// Its block-authoring key.
	pub key: AuthorityId,
	/// Its weight, in parts of [`WEIGHT_SCALE`].
	pub weight: u64,
}

/// What a node needs to draw (or check) the leader of a slot on top of a block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct LeaderDraw {
	/// The authorities in force, in index order, with their weights.
	pub authorities: Vec<(AuthorityId, u64)>,
	/// The chain randomness after the block: the leader draw's and the VRF's input.
	pub randomness: [u8; 32],
	/// The slot of the block (a child's slot must be later).
	pub slot: Slot,
}

impl LeaderDraw {
	/// The index of the leader of `slot` ([`digest::leader`] over these weights and randomness).
	pub fn leader(&self, slot: Slot) -> Option<u32> {
		let weights: Vec<u64> = self.authorities.iter().map(|(_, w)| *w).collect();
		digest::leader(&weights, &self.randomness, slot)
	}
}

/// Called once for each proven equivocation.
pub trait OnEquivocation<AccountId> {
	/// `offender` signed two blocks for `slot`.
	fn on_equivocation(offender: &AccountId, slot: Slot);
}

impl<AccountId> OnEquivocation<AccountId> for () {
	fn on_equivocation(_: &AccountId, _: Slot) {}
}

/// Why an equivocation report is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ReportError {
	/// The two headers are the same block.
	SameHeader,
	/// A header has no (or an undecodable) pre-runtime digest, or one of another slot.
	WrongSlot,
	/// A header's seal is missing or is not the offender's signature.
	BadSeal,
	/// The offender is not an authority in force.
	UnknownOffender,
	/// This equivocation was already reported.
	AlreadyReported,
}

sp_api::decl_runtime_apis! {
	/// The consensus data the node authors and imports blocks with.
	pub trait ConsensusApi {
		/// The slot length in milliseconds.
		fn slot_duration() -> u64;
		/// The leader draw on top of this block.
		fn leader_draw() -> LeaderDraw;
		/// Submits an equivocation report as an unsigned extrinsic to the node's own pool.
		/// `None` if it could not be submitted.
		fn submit_report_equivocation_unsigned_extrinsic(
			proof: EquivocationProof<Block::Header>,
		) -> Option<()>;
	}
}

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config:
		frame_system::Config<Hash = H256>
		+ pallet_timestamp::Config
		+ frame_system::offchain::CreateBare<Call<Self>>
	{
		/// Most authorities (the validator set's bound).
		#[pallet::constant]
		type MaxAuthorities: Get<u32>;

		/// The slot length in milliseconds.
		#[pallet::constant]
		type SlotDuration: Get<u64>;

		/// The share of the weight divided equally among the authorities whatever their work,
		/// so that every validator keeps authoring now and then.
		#[pallet::constant]
		type MinShare: Get<Perbill>;

		/// Blocks whose randomness is kept for [`ChainRandomness`].
		#[pallet::constant]
		type RandomnessHistory: Get<u32>;

		/// What happens to a proven equivocator.
		type OnEquivocation: OnEquivocation<Self::AccountId>;
	}

	/// The storage layout's version (the one this code reads; migrations move older ones to it).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The authorities in force, in index order, with their weights.
	#[pallet::storage]
	pub type Authorities<T: Config> =
		StorageValue<_, BoundedVec<Authority<T::AccountId>, T::MaxAuthorities>, ValueQuery>;

	/// The slot of the current block.
	#[pallet::storage]
	pub type CurrentSlot<T: Config> = StorageValue<_, Slot, ValueQuery>;

	/// The chain randomness after the current block.
	#[pallet::storage]
	pub type Randomness<T: Config> = StorageValue<_, [u8; 32], ValueQuery>;

	/// The chain randomness after each of the last [`Config::RandomnessHistory`] blocks.
	#[pallet::storage]
	pub type RandomnessOf<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, [u8; 32], OptionQuery>;

	/// Verified Proof-of-Inference work of the authorities' accounts in the current session
	/// (only authorities are counted, so this holds at most `MaxAuthorities` entries).
	#[pallet::storage]
	pub type EpochWork<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, WorkUnits, ValueQuery>;

	/// Each authority's work smoothed across sessions (half the previous value plus half the last
	/// session's work), from which its weight is computed. At most `MaxAuthorities` entries.
	#[pallet::storage]
	pub type SmoothedWork<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, WorkUnits, ValueQuery>;

	/// Equivocations already reported: (offender, slot) → the block that recorded it.
	#[pallet::storage]
	pub type Equivocations<T: Config> =
		StorageMap<_, Twox64Concat, (T::AccountId, Slot), BlockNumberFor<T>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A new session's authorities, with the weights drawn from the last session's work.
		NewWeights { authorities: Vec<(T::AccountId, u64)> },
		/// `offender` signed two blocks for `slot`.
		Equivocation { offender: T::AccountId, slot: Slot },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The equivocation report is invalid or a duplicate.
		InvalidReport,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Checks that the block's slot is later than its parent's and advances the chain
		/// randomness. (The leader, the seal and the VRF are checked by every node's import
		/// verifier before it executes a block, as Aura and BABE do: a node that builds a block
		/// out of turn can build it, and nobody imports it.)
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let Ok(pre) = digest::find_pre_digest(&frame_system::Pallet::<T>::digest()) else {
				// Blocks without our digest never pass the node's import checks; this path is
				// for tests and benchmarks that build blocks by hand.
				return T::DbWeight::get().reads(1);
			};
			assert!(CurrentSlot::<T>::get() < pre.slot, "the slot must increase");
			let next = digest::next_randomness(&Randomness::<T>::get(), &pre.vrf.pre_output);
			CurrentSlot::<T>::put(pre.slot);
			Randomness::<T>::put(next);
			RandomnessOf::<T>::insert(now, next);
			let history: BlockNumberFor<T> = T::RandomnessHistory::get().into();
			if now > history {
				RandomnessOf::<T>::remove(now.saturating_sub(history));
			}
			T::DbWeight::get().reads_writes(3, 4)
		}

		fn integrity_test() {
			assert!(T::SlotDuration::get() > 0, "slots must have a length");
			assert!(T::RandomnessHistory::get() > 0, "some randomness must be kept");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Reports an equivocation: two sealed headers of one authority for one slot. Unsigned,
		/// and accepted into the pool only from the node that found it (or in a block).
		///
		/// Errors: [`Error::InvalidReport`]. Events: [`Event::Equivocation`].
		#[pallet::call_index(0)]
		#[pallet::weight(report_weight::<T>())]
		pub fn report_equivocation_unsigned(
			origin: OriginFor<T>,
			proof: Box<EquivocationProof<HeaderFor<T>>>,
		) -> DispatchResult {
			ensure_none(origin)?;
			let offender = Self::check_report(&proof).map_err(|e| {
				log::warn!(target: LOG_TARGET, "equivocation report refused: {e:?}");
				Error::<T>::InvalidReport
			})?;
			Equivocations::<T>::insert(
				(offender.clone(), proof.slot),
				frame_system::Pallet::<T>::block_number(),
			);
			log::warn!(target: LOG_TARGET, "{offender:?} equivocated at slot {}", u64::from(proof.slot));
			T::OnEquivocation::on_equivocation(&offender, proof.slot);
			Self::deposit_event(Event::Equivocation { offender, slot: proof.slot });
			Ok(())
		}
	}

	// Like GRANDPA's reports in this release line: `pallet::authorize` would need a new
	// transaction extension that clients would have to learn.
	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			let Call::report_equivocation_unsigned { proof } = call else {
				return InvalidTransaction::Call.into();
			};
			if !matches!(source, TransactionSource::Local | TransactionSource::InBlock) {
				return InvalidTransaction::Call.into();
			}
			let offender = Self::check_report(proof).map_err(|_| InvalidTransaction::BadProof)?;
			ValidTransaction::with_tag_prefix("DeclaiEquivocation")
				.priority(TransactionPriority::MAX)
				.and_provides((offender, proof.slot))
				.longevity(64)
				.propagate(false)
				.build()
		}
	}
}

/// The weight of a report: two signature checks, the authorities, the record and its
/// consequence (estimated: two sr25519 verifications at 60 µs each, with margin).
fn report_weight<T: Config>() -> Weight {
	Weight::from_parts(150_000_000, 4096).saturating_add(T::DbWeight::get().reads_writes(3, 3))
}

impl<T: Config> Pallet<T> {
	/// The authorities in force with their weights, and the randomness for the next block.
	pub fn leader_draw() -> LeaderDraw {
		LeaderDraw {
			authorities: Authorities::<T>::get().into_iter().map(|a| (a.key, a.weight)).collect(),
			randomness: Randomness::<T>::get(),
			slot: CurrentSlot::<T>::get(),
		}
	}

	/// The slot length in milliseconds.
	pub fn slot_duration() -> u64 {
		T::SlotDuration::get()
	}

	/// Checks a report; returns the offender's account.
	pub fn check_report(
		proof: &EquivocationProof<HeaderFor<T>>,
	) -> Result<T::AccountId, ReportError> {
		let mut pre_hashes = Vec::with_capacity(2);
		for header in [&proof.first_header, &proof.second_header] {
			let pre =
				digest::find_pre_digest(header.digest()).map_err(|_| ReportError::WrongSlot)?;
			if pre.slot != proof.slot {
				return Err(ReportError::WrongSlot);
			}
			pre_hashes.push(Self::sealed_by(header, &proof.offender).ok_or(ReportError::BadSeal)?);
		}
		// The same block sealed twice (sr25519 signatures are randomized) is no equivocation.
		if pre_hashes.first() == pre_hashes.get(1) {
			return Err(ReportError::SameHeader);
		}
		let offender = Authorities::<T>::get()
			.into_iter()
			.find(|a| a.key == proof.offender)
			.map(|a| a.account)
			.ok_or(ReportError::UnknownOffender)?;
		if Equivocations::<T>::contains_key((&offender, proof.slot)) {
			return Err(ReportError::AlreadyReported);
		}
		Ok(offender)
	}

	/// The hash of the header without its seal, if the seal (the last digest item) is
	/// `author`'s signature on it.
	fn sealed_by(header: &HeaderFor<T>, author: &AuthorityId) -> Option<H256> {
		let mut header = header.clone();
		let seal = header.digest_mut().pop()?;
		let signature = seal.seal_try_to::<AuthoritySignature>(&ENGINE_ID)?;
		let pre_hash = header.hash();
		author.verify(&pre_hash.as_ref(), &signature).then_some(pre_hash)
	}

	/// Sends a report from the node's own pool (called by the runtime API).
	pub fn submit_report(proof: EquivocationProof<HeaderFor<T>>) -> Option<()> {
		use frame_system::offchain::SubmitTransaction;
		let call = Call::report_equivocation_unsigned { proof: Box::new(proof) };
		let xt = T::create_bare(call.into());
		SubmitTransaction::<T, Call<T>>::submit_transaction(xt).ok()
	}

	/// Installs a session's authorities with weights from the work of the session that ended,
	/// and starts counting anew.
	fn install<'a, I>(validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, AuthorityId)>,
		T::AccountId: 'a,
	{
		let validators: Vec<(T::AccountId, AuthorityId)> =
			validators.map(|(a, k)| (a.clone(), k)).collect();
		// Smoothed across sessions: half the last smoothed work plus half this session's, so one
		// burst of work (or one self-dealt job) moves the weights only so far.
		let work: Vec<WorkUnits> = validators
			.iter()
			.map(|(a, _)| {
				let last = SmoothedWork::<T>::get(a);
				(last / 2).saturating_add(EpochWork::<T>::get(a) / 2)
			})
			.collect();
		let weights = digest::weights_from_work(&work, T::MinShare::get());
		let _ = EpochWork::<T>::clear(u32::MAX, None);
		let _ = SmoothedWork::<T>::clear(u32::MAX, None);
		for ((account, _), w) in validators.iter().zip(&work) {
			if !w.is_zero() {
				SmoothedWork::<T>::insert(account, w);
			}
		}
		let authorities: Vec<Authority<T::AccountId>> = validators
			.into_iter()
			.zip(weights)
			.map(|((account, key), weight)| Authority { account, key, weight })
			.collect();
		let bounded = BoundedVec::<_, T::MaxAuthorities>::truncate_from(authorities);
		if bounded.is_empty() {
			log::error!(target: LOG_TARGET, "a session without authorities; keeping the last ones");
			return;
		}
		Self::deposit_event(Event::NewWeights {
			authorities: bounded.iter().map(|a| (a.account.clone(), a.weight)).collect(),
		});
		Authorities::<T>::put(bounded);
	}
}

impl<T: Config> Pallet<T> {
	/// Counts `units` of `who`'s verified work on a job `consumer` asked for: the work of
	/// authorities only (bounded storage; other accounts have no weight to earn), and only for
	/// jobs that no authority asked for: a validator cannot buy itself weight by dealing jobs to
	/// itself (or to another validator) from its own account.
	pub fn note_work(who: &T::AccountId, consumer: &T::AccountId, units: WorkUnits) {
		let authorities = Authorities::<T>::get();
		if authorities.iter().any(|a| a.account == *who)
			&& !authorities.iter().any(|a| a.account == *consumer)
		{
			EpochWork::<T>::mutate(who, |w| *w = w.saturating_add(units));
		}
	}
}

/// Served and audited work both weigh a validator (see [`Pallet::note_work`]).
impl<T: Config> OnWorkVerified<T::AccountId> for Pallet<T> {
	fn on_work_verified(work: &VerifiedWork<'_, T::AccountId>) {
		Self::note_work(work.who, work.consumer, work.units);
	}
}

/// The chain randomness of past blocks, for the Proof-of-Inference challenges.
pub struct ChainRandomness<T>(core::marker::PhantomData<T>);
impl<T: Config> ChainRandomness<T> {
	/// The randomness after block `n`; `None` if unknown (future, or older than the history).
	pub fn of(n: BlockNumberFor<T>) -> Option<H256> {
		RandomnessOf::<T>::get(n).map(H256)
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = AuthorityId;
}

impl<T: Config> OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = AuthorityId;

	fn on_genesis_session<'a, I>(validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
		T::AccountId: 'a,
	{
		Self::install(validators);
	}

	fn on_new_session<'a, I>(_changed: bool, validators: I, _queued: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
		T::AccountId: 'a,
	{
		// Weights change every session (they follow the work), so always reinstall.
		Self::install(validators);
	}

	fn on_disabled(_index: u32) {}
}

impl<T: Config> frame_support::traits::OnTimestampSet<T::Moment> for Pallet<T> {
	/// The block's timestamp must fall in its slot.
	fn on_timestamp_set(moment: T::Moment) {
		let slot_duration = T::SlotDuration::get();
		let timestamp: u64 = moment.saturated_into();
		let slot = CurrentSlot::<T>::get();
		// Blocks built by hand in tests have no slot: nothing to compare with.
		if u64::from(slot) != 0 {
			assert_eq!(
				Slot::from(timestamp.checked_div(slot_duration).unwrap_or(0)),
				slot,
				"the timestamp must fall in the block's slot"
			);
		}
	}
}
