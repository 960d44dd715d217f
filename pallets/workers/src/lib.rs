//! # Workers pallet
//!
//! Who may serve inference, and how far each one is trusted.
//!
//! - **Registration is open**: an account registers a hardware attestation key (ed25519 or
//!   sr25519; one key backs one worker), its hardware class, region and the models it serves,
//!   and holds a credit bond. A newcomer without credits registers with a zero bond and is on
//!   **probation** until its bond reaches [`Config::MinBond`]: a share ([`Config::BondShare`],
//!   100% in the runtime) of each payment is held into the bond, so it has nothing to spend
//!   until its stake is complete; it is never trusted (always replicated); and probation workers
//!   may take only the first half of a model's candidate list ([`Error::BondRequired`]), so
//!   zero-bond registrations cannot lock bonded workers out of a model.
//! - **Ejection**: a wrong result that finds the bond empty, or a reputation fallen below
//!   [`EJECT_REPUTATION`], takes the worker off the candidate lists (suspended; governance may
//!   resume it).
//! - **History stays** where it matters: `withdraw` keeps a record worse than a newcomer's
//!   (reputation below [`Config::InitialReputation`], or suspended) under the account and the
//!   attestation key; registering again with either restores the worse. A better record is
//!   dropped (no deposit pays for its storage; coming back without it gains nothing).
//! - **Trust** is BOINC's adaptive replication: a worker's consecutive-valid count CV rises with
//!   each verified result and drops to 0 on any fault; below [`Config::TrustAfter`] its results
//!   are always replicated, above it a result is audited with probability `max(1/CV, floor)`
//!   ([`Pallet::audit_ppm`]). Reputation (ppm) weights the assignment draw.
//! - **Faults** ([`Fault`]) are reported by the inference pallet: a wrong result burns
//!   [`Config::SlashInvalid`] of the bond target from the bond, halves reputation and resets CV; a
//!   missed deadline burns [`Config::SlashMissed`] and costs a tenth of the reputation.
//! - **Leaving**: `unbond` stops new assignments; `withdraw` returns the bond after
//!   [`Config::UnbondingPeriod`] once no job is in flight, so a fault found late can still be
//!   slashed. Governance can `suspend` and `resume`.
//! - **Contribution**: verified work (reference GPU-hours) decays with half-life
//!   [`Config::ContributionHalfLife`]; the inference pallet's admission control reads it.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod eta;
pub mod registry;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod eta_tests;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use registry::WorkerRegistry;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use declai_primitives::{
	poi::{self, ModelId, RegionId, PPM},
	Balance, HardwareClass, WorkUnits,
};
use frame_support::{
	pallet_prelude::*,
	traits::{Contains, SortedMembers},
};
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{
	traits::{One, Saturating, UniqueSaturatedInto, Zero},
	Perbill,
};

/// A worker record of this runtime.
pub type WorkerOf<T> = Worker<BlockNumberFor<T>, <T as Config>::MaxModelsPerWorker>;

/// A benchmark challenge of this runtime (at most 16 auditor checks are kept).
pub type BenchmarkOf<T> =
	Benchmark<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, MaxBenchmarkChecks>;

/// Auditor checks a challenge keeps.
pub type MaxBenchmarkChecks = ConstU32<16>;

/// Randomness of a past block.
pub trait BlockRandomness<BlockNumber> {
	/// 256 bits fixed when block `n` was sealed; `None` if unknown (future or too old).
	fn randomness_of(n: BlockNumber) -> Option<H256>;

	/// Benchmarks: make [`Self::randomness_of`] return `value` for block `n` (sources that read
	/// what benchmarks already set up, such as block hashes, need nothing).
	#[cfg(feature = "runtime-benchmarks")]
	fn set_for_benchmark(_n: BlockNumber, _value: H256) {}
}

/// [`BlockRandomness`] from the block hashes `frame_system` keeps (`BlockHashCount` blocks), for
/// mock runtimes; a chain uses its consensus's randomness, which block authors cannot grind.
pub struct BlockHashRandomness<T>(core::marker::PhantomData<T>);
impl<T: frame_system::Config<Hash = H256>> BlockRandomness<BlockNumberFor<T>>
	for BlockHashRandomness<T>
{
	fn randomness_of(n: BlockNumberFor<T>) -> Option<H256> {
		let hash = frame_system::Pallet::<T>::block_hash(n);
		(hash != H256::zero()).then_some(hash)
	}
}

/// Reputation (ppm) below which a worker is ejected: it keeps failing (five wrong results in a
/// row from the initial 0.5, or some twenty missed deadlines).
pub const EJECT_REPUTATION: Reputation = PPM / 64;

/// Selection weight floor (ppm of reputation), so a worker that lost its reputation can still be
/// drawn, rarely, and earn it back.
pub const MIN_SELECTION_WEIGHT: u64 = 10_000;

/// Lets the benchmarks register models `1..=count` in the runtime's model registry and make
/// auditors.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes models `1..=count` registered.
	fn register_models(count: u32);
	/// Makes `who` an auditor.
	fn make_auditor(who: &AccountId);
}

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The hold reasons of this pallet.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A worker's bond.
		#[codec(index = 0)]
		Bond,
	}

	#[pallet::config]
	pub trait Config:
		frame_system::Config + pallet_credits::Config<RuntimeHoldReason: From<HoldReason>>
	{
		/// Origin of `suspend` and `resume` (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The registered models (the inference pallet).
		type Models: Contains<ModelId>;

		/// The bond a worker should hold; what it lacks is built from its earnings.
		#[pallet::constant]
		type MinBond: Get<Balance>;

		/// Share of each payment held into the bond until it reaches [`Config::MinBond`].
		#[pallet::constant]
		type BondShare: Get<Perbill>;

		/// Share of [`Config::MinBond`] burned from the bond per wrong result.
		#[pallet::constant]
		type SlashInvalid: Get<Perbill>;

		/// Share of [`Config::MinBond`] burned from the bond per missed deadline.
		#[pallet::constant]
		type SlashMissed: Get<Perbill>;

		/// Blocks between `unbond` and `withdraw`.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Models one worker may serve.
		#[pallet::constant]
		type MaxModelsPerWorker: Get<u32>;

		/// Workers per model (the assignment draw reads the whole list).
		#[pallet::constant]
		type MaxWorkersPerModel: Get<u32>;

		/// Reputation (ppm) of a new worker.
		#[pallet::constant]
		type InitialReputation: Get<Reputation>;

		/// Consecutive valid results before a worker's results may go unreplicated (BOINC: 10).
		#[pallet::constant]
		type TrustAfter: Get<u32>;

		/// Lowest audit probability of a trusted worker, in ppm.
		#[pallet::constant]
		type MinAuditPpm: Get<u32>;

		/// Half-life of the contribution score, in blocks.
		#[pallet::constant]
		type ContributionHalfLife: Get<BlockNumberFor<Self>>;

		/// Randomness of past blocks: benchmark challenge seeds here, job assignments and
		/// challenges in the inference pallet.
		type BlockRandomness: BlockRandomness<BlockNumberFor<Self>>;

		/// The auditors (validators) that re-run benchmark challenges to check the answers.
		type Auditors: SortedMembers<Self::AccountId>;

		/// Matrix side of a benchmark challenge.
		#[pallet::constant]
		type BenchmarkSize: Get<u32>;

		/// Products in a benchmark challenge for the reference GPU; other classes get this scaled
		/// by their throughput ratio ([`poi::benchmark_rounds`]).
		#[pallet::constant]
		type BenchmarkRounds: Get<u32>;

		/// Blocks a challenge stays open for the answer and the auditors' checks.
		#[pallet::constant]
		type BenchmarkWindow: Get<BlockNumberFor<Self>>;

		/// Blocks from a challenge's end to the next challenge of the same worker.
		#[pallet::constant]
		type BenchmarkPeriod: Get<BlockNumberFor<Self>>;

		/// Auditor checks that close a challenge (fewer when there are fewer auditors).
		#[pallet::constant]
		type BenchmarkQuorum: Get<u32>;

		/// A reported time below this share (‰) of the auditors' expectation is forged.
		#[pallet::constant]
		type BenchmarkMinPermille: Get<u32>;

		/// A reported time above this share (‰) of the auditors' expectation means hardware slower
		/// than the attested class.
		#[pallet::constant]
		type BenchmarkMaxPermille: Get<u32>;

		/// Benchmark events (issues and deadlines) one block handles at most.
		#[pallet::constant]
		type MaxBenchmarksPerBlock: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Registers models for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The storage layout's version (the one this code reads; migrations move older ones to it).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Registered workers.
	#[pallet::storage]
	pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, WorkerOf<T>>;

	/// The worker each attestation key belongs to.
	#[pallet::storage]
	pub type KeyOwner<T: Config> = StorageMap<_, Blake2_128Concat, AttestationKey, T::AccountId>;

	/// Active workers per model: the assignment candidates.
	#[pallet::storage]
	pub type ModelWorkers<T: Config> = StorageMap<
		_,
		Twox64Concat,
		ModelId,
		BoundedVec<T::AccountId, T::MaxWorkersPerModel>,
		ValueQuery,
	>;

	/// Σ throughput (‰ of the reference GPU) of active workers: the network's capacity.
	#[pallet::storage]
	pub type Capacity<T: Config> = StorageValue<_, u128, ValueQuery>;

	/// Recent verified contribution (reference work units) and the block it was last updated.
	#[pallet::storage]
	pub type Contribution<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (Balance, BlockNumberFor<T>), OptionQuery>;

	/// Each worker's open benchmark challenge.
	#[pallet::storage]
	pub type Benchmarks<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BenchmarkOf<T>, OptionQuery>;

	/// Benchmark work due at a block: challenges to issue and deadlines to resolve.
	#[pallet::storage]
	pub type BenchmarkSchedule<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<(T::AccountId, BenchmarkDue), T::MaxBenchmarksPerBlock>,
		ValueQuery,
	>;

	/// The next challenge's id.
	#[pallet::storage]
	pub type NextChallenge<T: Config> = StorageValue<_, ChallengeId, ValueQuery>;

	/// Workers whose attested hardware class a passed benchmark challenge confirmed; only these
	/// are paid their class's η.
	#[pallet::storage]
	pub type Confirmed<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Confirmation<BlockNumberFor<T>>, OptionQuery>;

	/// Records of workers that left, by account (see [`WorkerHistory`]).
	#[pallet::storage]
	pub type History<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, WorkerHistory>;

	/// Records of workers that left, by attestation key.
	#[pallet::storage]
	pub type KeyHistory<T: Config> = StorageMap<_, Blake2_128Concat, AttestationKey, WorkerHistory>;

	/// Workers suspended by governance or ejected (until resumed), so the suspension survives
	/// `unbond` and `withdraw`.
	#[pallet::storage]
	pub type Barred<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ()>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A worker registered.
		Registered {
			who: T::AccountId,
			key: AttestationKey,
			class: HardwareClass,
			region: RegionId,
			bond: Balance,
		},
		/// A worker changed its region or models.
		Updated { who: T::AccountId, region: RegionId, models: Vec<ModelId> },
		/// Credits were added to a worker's bond (by itself, or from its earnings).
		Bonded { who: T::AccountId, amount: Balance, from_earnings: bool },
		/// A verified result raised a worker's CV and reputation.
		ResultVerified { who: T::AccountId, consecutive_valid: u32, reputation: Reputation },
		/// A fault was punished: `slashed` credits burned from the bond.
		Slashed { who: T::AccountId, fault: Fault, slashed: Balance, reputation: Reputation },
		/// Governance suspended a worker.
		Suspended { who: T::AccountId },
		/// A worker was taken off the candidate lists (suspended) for `reason`.
		Ejected { who: T::AccountId, reason: EjectReason },
		/// A worker registered again: its record was restored from when it (or its key) left.
		HistoryRestored { who: T::AccountId, reputation: Reputation, suspended: bool },
		/// Governance resumed a worker.
		Resumed { who: T::AccountId },
		/// A worker stopped taking jobs; its bond can be withdrawn from `until`.
		Unbonding { who: T::AccountId, until: BlockNumberFor<T> },
		/// A worker left and its bond was returned.
		Withdrawn { who: T::AccountId, bond: Balance },
		/// A benchmark challenge was issued: run it and `answer_benchmark` by `deadline`.
		BenchmarkIssued {
			who: T::AccountId,
			id: ChallengeId,
			seed: [u8; 32],
			size: u32,
			rounds: u32,
			deadline: BlockNumberFor<T>,
		},
		/// A worker answered its challenge; auditors may now check it.
		BenchmarkAnswered { who: T::AccountId, id: ChallengeId, micros: u64 },
		/// An auditor re-ran a challenge.
		BenchmarkChecked {
			who: T::AccountId,
			id: ChallengeId,
			auditor: T::AccountId,
			matches: bool,
		},
		/// A challenge passed: the worker's class is confirmed.
		BenchmarkPassed {
			who: T::AccountId,
			id: ChallengeId,
			class: HardwareClass,
			micros: u64,
			expected_micros: Option<u64>,
		},
		/// A challenge failed: the class is no longer confirmed and the fault was punished.
		BenchmarkFailed { who: T::AccountId, id: ChallengeId, reason: BenchmarkFailure },
		/// A challenge ended answered but without enough auditor checks: nothing changes.
		BenchmarkUnchecked { who: T::AccountId, id: ChallengeId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a worker; use `update`, or `unbond` and `withdraw` first.
		AlreadyRegistered,
		/// The account is not a worker; `register` first.
		NotRegistered,
		/// The attestation key already backs another worker: one machine, one worker.
		KeyInUse,
		/// A worker must serve at least one model.
		NoModels,
		/// More models than `MaxModelsPerWorker`.
		TooManyModels,
		/// A model is listed twice.
		DuplicateModel,
		/// A model is not registered (or was retired).
		UnknownModel,
		/// A model already has `MaxWorkersPerModel` workers; serve another model.
		ModelFull,
		/// A model's candidate list is half full: only workers bonding at least `MinBond` may
		/// join it now (probation workers take at most the first half).
		BondRequired,
		/// The amount is zero.
		ZeroAmount,
		/// The worker is not active (suspended or unbonding).
		NotActive,
		/// The worker is already suspended.
		AlreadySuspended,
		/// The worker is not suspended.
		NotSuspended,
		/// The worker has not called `unbond`.
		NotUnbonding,
		/// The unbonding period has not passed yet.
		StillUnbonding,
		/// Jobs assigned to the worker have not ended yet; wait for them.
		JobsInFlight,
		/// The worker has no open benchmark challenge with this id.
		NoBenchmark,
		/// The challenge was already answered.
		AlreadyAnswered,
		/// The challenge has no answer to check yet.
		NotAnswered,
		/// The challenge's deadline has passed.
		BenchmarkClosed,
		/// The attestation signature does not sign this answer with the worker's key.
		BadSignature,
		/// The signer is not an auditor.
		NotAuditor,
		/// This auditor already checked the challenge.
		AlreadyChecked,
		/// The worker already has a challenge open or scheduled.
		BenchmarkPending,
		/// Too many benchmark events are scheduled ahead; try later.
		ScheduleFull,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::run_benchmark_schedule(now)
		}

		fn integrity_test() {
			assert!(T::MaxModelsPerWorker::get() > 0, "MaxModelsPerWorker must be positive");
			assert!(T::MaxWorkersPerModel::get() > 0, "MaxWorkersPerModel must be positive");
			assert!(T::InitialReputation::get() <= PPM, "InitialReputation is in ppm");
			assert!(T::MinAuditPpm::get() <= PPM, "MinAuditPpm is in ppm");
			assert!(
				!T::ContributionHalfLife::get().is_zero(),
				"ContributionHalfLife must be positive"
			);
			assert!(T::BenchmarkSize::get() > 0, "BenchmarkSize must be positive");
			assert!(!T::BenchmarkWindow::get().is_zero(), "BenchmarkWindow must be positive");
			assert!(T::MaxBenchmarksPerBlock::get() > 0, "MaxBenchmarksPerBlock must be positive");
			assert!(
				T::BenchmarkMinPermille::get() <= 1000 && T::BenchmarkMaxPermille::get() >= 1000,
				"the benchmark band must hold the expectation"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signer as a worker.
		///
		/// Origin: signed. Holds `bond` of the signer's credits (zero is allowed: the bond is then
		/// built from earnings). `models` must be registered and distinct.
		///
		/// Errors: [`Error::AlreadyRegistered`], [`Error::KeyInUse`], [`Error::NoModels`],
		/// [`Error::TooManyModels`], [`Error::DuplicateModel`], [`Error::UnknownModel`],
		/// [`Error::ModelFull`], and the credits pallet's errors if the bond cannot be held.
		/// Events: [`Event::Registered`].
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::register(models.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			key: AttestationKey,
			class: HardwareClass,
			region: RegionId,
			models: Vec<ModelId>,
			bond: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(!KeyOwner::<T>::contains_key(key), Error::<T>::KeyInUse);
			let models = Self::check_models(&models)?;
			// The worse of the account's and the key's records, if either served before.
			let history = match (History::<T>::get(&who), KeyHistory::<T>::get(key)) {
				(Some(a), Some(k)) => Some(a.worst(k)),
				(a, k) => a.or(k),
			};
			let suspended = Barred::<T>::contains_key(&who) || history.is_some_and(|h| h.suspended);
			if !suspended {
				for model in models.iter() {
					Self::check_room(model, bond)?;
				}
			}
			if !bond.is_zero() {
				pallet_credits::Pallet::<T>::hold(&HoldReason::Bond.into(), &who, bond)?;
			}
			let worker = Worker {
				key,
				class,
				region,
				models,
				bond,
				reputation: history.map_or(T::InitialReputation::get(), |h| h.reputation),
				consecutive_valid: history.map_or(0, |h| h.consecutive_valid),
				valid: history.map_or(0, |h| h.valid),
				invalid: history.map_or(0, |h| h.invalid),
				missed: history.map_or(0, |h| h.missed),
				active_jobs: 0,
				status: if suspended { WorkerStatus::Suspended } else { WorkerStatus::Active },
				registered_at: frame_system::Pallet::<T>::block_number(),
			};
			if suspended {
				Barred::<T>::insert(&who, ());
			} else {
				Self::enlist(&who, &worker)?;
			}
			if let Some(h) = history {
				History::<T>::remove(&who);
				KeyHistory::<T>::remove(key);
				Self::deposit_event(Event::HistoryRestored {
					who: who.clone(),
					reputation: h.reputation,
					suspended,
				});
			}
			// The challenge is issued next block, from this block's hash.
			let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
			Self::schedule(&who, next, BenchmarkDue::Issue)?;
			KeyOwner::<T>::insert(key, &who);
			Workers::<T>::insert(&who, worker);
			Self::deposit_event(Event::Registered { who, key, class, region, bond });
			Ok(())
		}

		/// Change the signer's region and served models.
		///
		/// Origin: signed by a worker. Jobs in flight are not affected.
		///
		/// Errors: [`Error::NotRegistered`], [`Error::NoModels`], [`Error::TooManyModels`],
		/// [`Error::DuplicateModel`], [`Error::UnknownModel`], [`Error::ModelFull`].
		/// Events: [`Event::Updated`].
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::update(models.len() as u32))]
		pub fn update(
			origin: OriginFor<T>,
			region: RegionId,
			models: Vec<ModelId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let models = Self::check_models(&models)?;
			let active = worker.status == WorkerStatus::Active;
			if active {
				for model in models.iter().filter(|m| !worker.models.contains(m)) {
					Self::check_room(model, worker.bond)?;
				}
				Self::delist(&who, &worker);
			}
			worker.region = region;
			worker.models = models;
			if active {
				Self::enlist(&who, &worker)?;
			}
			let models = worker.models.to_vec();
			Workers::<T>::insert(&who, worker);
			Self::deposit_event(Event::Updated { who, region, models });
			Ok(())
		}

		/// Add `amount` of the signer's credits to its bond.
		///
		/// Origin: signed by a worker.
		///
		/// Errors: [`Error::ZeroAmount`], [`Error::NotRegistered`], and the credits pallet's
		/// errors if the amount cannot be held. Events: [`Event::Bonded`].
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::bond_more())]
		pub fn bond_more(origin: OriginFor<T>, amount: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			pallet_credits::Pallet::<T>::hold(&HoldReason::Bond.into(), &who, amount)?;
			let bond = worker.bond.saturating_add(amount);
			Self::set_bond(&mut worker, bond);
			Workers::<T>::insert(&who, worker);
			Self::deposit_event(Event::Bonded { who, amount, from_earnings: false });
			Ok(())
		}

		/// Stop taking jobs and start the unbonding period.
		///
		/// Origin: signed by an active or suspended worker. Jobs in flight still end normally.
		///
		/// Errors: [`Error::NotRegistered`], [`Error::StillUnbonding`] (already unbonding).
		/// Events: [`Event::Unbonding`].
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(
				!matches!(worker.status, WorkerStatus::Unbonding { .. }),
				Error::<T>::StillUnbonding
			);
			if worker.status == WorkerStatus::Active {
				Self::delist(&who, &worker);
			}
			let until =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
			worker.status = WorkerStatus::Unbonding { until };
			Workers::<T>::insert(&who, worker);
			Self::deposit_event(Event::Unbonding { who, until });
			Ok(())
		}

		/// Leave: return the bond and forget the worker (its key becomes free). A record worse
		/// than a newcomer's (reputation below the initial one, or suspended) stays with the
		/// account and the key, and comes back if either registers again.
		///
		/// Origin: signed by an unbonding worker whose period has passed and with no job in flight.
		///
		/// Errors: [`Error::NotRegistered`], [`Error::NotUnbonding`], [`Error::StillUnbonding`],
		/// [`Error::JobsInFlight`]. Events: [`Event::Withdrawn`].
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let WorkerStatus::Unbonding { until } = worker.status else {
				return Err(Error::<T>::NotUnbonding.into());
			};
			ensure!(frame_system::Pallet::<T>::block_number() >= until, Error::<T>::StillUnbonding);
			ensure!(worker.active_jobs == 0, Error::<T>::JobsInFlight);
			if !worker.bond.is_zero() {
				pallet_credits::Pallet::<T>::release(&HoldReason::Bond.into(), &who, worker.bond)?;
			}
			let history = WorkerHistory {
				reputation: worker.reputation,
				consecutive_valid: worker.consecutive_valid,
				valid: worker.valid,
				invalid: worker.invalid,
				missed: worker.missed,
				suspended: Barred::<T>::contains_key(&who),
			};
			// Kept only where a fresh start would be better (lower reputation, or suspended):
			// that is what laundering would reset. A record at least as good as a newcomer's
			// costs the chain storage that no deposit pays for, and registering again without it
			// gains nothing (the newcomer's reputation, CV 0).
			if history.reputation < T::InitialReputation::get() || history.suspended {
				History::<T>::insert(&who, history);
				KeyHistory::<T>::insert(worker.key, history);
			}
			KeyOwner::<T>::remove(worker.key);
			Workers::<T>::remove(&who);
			Benchmarks::<T>::remove(&who);
			Confirmed::<T>::remove(&who);
			Self::deposit_event(Event::Withdrawn { who, bond: worker.bond });
			Ok(())
		}

		/// Suspend a worker: it gets no new jobs until resumed.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::NotRegistered`], [`Error::AlreadySuspended`], [`Error::NotActive`]
		/// (unbonding). Events: [`Event::Suspended`].
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::suspend())]
		pub fn suspend(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			match worker.status {
				WorkerStatus::Active => {}
				WorkerStatus::Suspended => return Err(Error::<T>::AlreadySuspended.into()),
				WorkerStatus::Unbonding { .. } => return Err(Error::<T>::NotActive.into()),
			}
			Self::delist(&who, &worker);
			worker.status = WorkerStatus::Suspended;
			Workers::<T>::insert(&who, worker);
			Barred::<T>::insert(&who, ());
			Self::deposit_event(Event::Suspended { who });
			Ok(())
		}

		/// Resume a suspended worker.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::NotRegistered`], [`Error::NotSuspended`], [`Error::ModelFull`].
		/// Events: [`Event::Resumed`].
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(worker.status == WorkerStatus::Suspended, Error::<T>::NotSuspended);
			worker.status = WorkerStatus::Active;
			Self::enlist(&who, &worker)?;
			Workers::<T>::insert(&who, worker);
			Barred::<T>::remove(&who);
			Self::deposit_event(Event::Resumed { who });
			Ok(())
		}

		/// Answer the signer's open benchmark challenge `id` with the digest of the product and
		/// the time the run took, signed by the worker's attestation key over
		/// [`poi::benchmark_answer_payload`].
		///
		/// Origin: signed by the challenged worker, before the deadline.
		///
		/// Errors: [`Error::NoBenchmark`], [`Error::AlreadyAnswered`], [`Error::BenchmarkClosed`],
		/// [`Error::NotRegistered`], [`Error::BadSignature`]. Events: [`Event::BenchmarkAnswered`].
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::answer_benchmark())]
		pub fn answer_benchmark(
			origin: OriginFor<T>,
			id: ChallengeId,
			digest: [u8; 32],
			micros: u64,
			signature: AttestationSignature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut challenge =
				Benchmarks::<T>::get(&who).filter(|c| c.id == id).ok_or(Error::<T>::NoBenchmark)?;
			ensure!(challenge.answer.is_none(), Error::<T>::AlreadyAnswered);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= challenge.deadline, Error::<T>::BenchmarkClosed);
			let worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let payload = poi::benchmark_answer_payload(id, &challenge.seed, &digest, micros);
			ensure!(worker.key.verify(&payload, &signature), Error::<T>::BadSignature);
			challenge.answer = Some(BenchmarkAnswer { digest, micros, at: now });
			Benchmarks::<T>::insert(&who, challenge);
			Self::deposit_event(Event::BenchmarkAnswered { who, id, micros });
			Ok(())
		}

		/// Report an auditor's re-run of `worker`'s answered challenge `id`: its digest, the time
		/// its run took and its hardware class. Once [`Config::BenchmarkQuorum`] auditors checked
		/// (or every auditor, if fewer), the challenge closes: a majority digest other than the
		/// worker's, or a reported time outside the band around the median time of the agreeing
		/// auditors on the worker's class, fails it (a wrong-result fault); otherwise the worker's
		/// class is confirmed.
		///
		/// Origin: signed by an auditor ([`Config::Auditors`]).
		///
		/// Errors: [`Error::NotAuditor`], [`Error::NoBenchmark`], [`Error::NotAnswered`],
		/// [`Error::BenchmarkClosed`], [`Error::AlreadyChecked`]. Events:
		/// [`Event::BenchmarkChecked`], then [`Event::BenchmarkPassed`] or
		/// [`Event::BenchmarkFailed`] when it closes.
		#[pallet::call_index(8)]
		#[pallet::weight(<T as Config>::WeightInfo::check_benchmark())]
		pub fn check_benchmark(
			origin: OriginFor<T>,
			worker: T::AccountId,
			id: ChallengeId,
			digest: [u8; 32],
			micros: u64,
			class: HardwareClass,
		) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			ensure!(T::Auditors::contains(&auditor), Error::<T>::NotAuditor);
			let mut challenge = Benchmarks::<T>::get(&worker)
				.filter(|c| c.id == id)
				.ok_or(Error::<T>::NoBenchmark)?;
			let answer = challenge.answer.clone().ok_or(Error::<T>::NotAnswered)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= challenge.deadline, Error::<T>::BenchmarkClosed);
			ensure!(
				!challenge.checks.iter().any(|c| c.auditor == auditor),
				Error::<T>::AlreadyChecked
			);
			let matches = digest == answer.digest;
			let same_class_micros = (class == challenge.class).then_some(micros);
			challenge
				.checks
				.try_push(BenchmarkCheck { auditor: auditor.clone(), matches, same_class_micros })
				.map_err(|_| Error::<T>::BenchmarkClosed)?;
			Self::deposit_event(Event::BenchmarkChecked {
				who: worker.clone(),
				id,
				auditor,
				matches,
			});
			if challenge.checks.len() as u32 >= Self::benchmark_quorum() {
				Self::close_benchmark(&worker, challenge, &answer, now);
			} else {
				Benchmarks::<T>::insert(&worker, challenge);
			}
			Ok(())
		}

		/// Challenge a worker's hardware class now (next block), e.g. after a complaint.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::NotRegistered`], [`Error::BenchmarkPending`], [`Error::ScheduleFull`].
		#[pallet::call_index(9)]
		#[pallet::weight(<T as Config>::WeightInfo::challenge_benchmark())]
		pub fn challenge_benchmark(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Workers::<T>::contains_key(&who), Error::<T>::NotRegistered);
			ensure!(!Benchmarks::<T>::contains_key(&who), Error::<T>::BenchmarkPending);
			let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
			ensure!(
				!BenchmarkSchedule::<T>::get(next)
					.iter()
					.any(|(w, due)| w == &who && *due == BenchmarkDue::Issue),
				Error::<T>::BenchmarkPending
			);
			Self::schedule(&who, next, BenchmarkDue::Issue)
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Validates a model list: non-empty, bounded, distinct, registered.
	fn check_models(
		models: &[ModelId],
	) -> Result<BoundedVec<ModelId, T::MaxModelsPerWorker>, DispatchError> {
		ensure!(!models.is_empty(), Error::<T>::NoModels);
		let bounded: BoundedVec<ModelId, T::MaxModelsPerWorker> =
			models.to_vec().try_into().map_err(|_| Error::<T>::TooManyModels)?;
		for (i, model) in bounded.iter().enumerate() {
			ensure!(
				!bounded.iter().skip(i.saturating_add(1)).any(|m| m == model),
				Error::<T>::DuplicateModel
			);
			ensure!(T::Models::contains(model), Error::<T>::UnknownModel);
		}
		Ok(bounded)
	}

	/// Whether a worker bonding `bond` may join `model`'s candidate list: below `MaxWorkersPerModel`,
	/// and below half of it for a probation worker (bond under `MinBond`).
	fn check_room(model: &ModelId, bond: Balance) -> DispatchResult {
		let len = ModelWorkers::<T>::decode_len(model).unwrap_or(0) as u32;
		let max = T::MaxWorkersPerModel::get();
		ensure!(len < max, Error::<T>::ModelFull);
		ensure!(bond >= T::MinBond::get() || len < max.div_ceil(2), Error::<T>::BondRequired);
		Ok(())
	}

	/// Throughput of a class in ‰ of the reference GPU.
	fn permille(class: HardwareClass) -> u128 {
		let (num, den) = class.throughput_ratio();
		num.saturating_mul(1000).checked_div(den).unwrap_or(0)
	}

	/// Whether an active worker counts in the capacity that α reads: only a fully bonded one, so
	/// zero-bond registrations cannot make the network look idle and the price low.
	fn in_capacity(worker: &WorkerOf<T>) -> bool {
		worker.bond >= T::MinBond::get()
	}

	/// Changes a worker's bond, keeping the capacity right when an active worker's bond crosses
	/// `MinBond`.
	fn set_bond(worker: &mut WorkerOf<T>, bond: Balance) {
		let active = worker.status == WorkerStatus::Active;
		let before = active && Self::in_capacity(worker);
		worker.bond = bond;
		let after = active && Self::in_capacity(worker);
		let permille = Self::permille(worker.class);
		match (before, after) {
			(false, true) => Capacity::<T>::mutate(|c| *c = c.saturating_add(permille)),
			(true, false) => Capacity::<T>::mutate(|c| *c = c.saturating_sub(permille)),
			_ => {}
		}
	}

	/// Adds an active worker to its models' candidate lists and (fully bonded) to the capacity.
	fn enlist(who: &T::AccountId, worker: &WorkerOf<T>) -> DispatchResult {
		for model in worker.models.iter() {
			ModelWorkers::<T>::try_mutate(model, |list| {
				if !list.contains(who) {
					list.try_push(who.clone()).map_err(|_| Error::<T>::ModelFull)?;
				}
				Ok::<_, Error<T>>(())
			})?;
		}
		if Self::in_capacity(worker) {
			Capacity::<T>::mutate(|c| *c = c.saturating_add(Self::permille(worker.class)));
		}
		Ok(())
	}

	/// Removes a worker from its models' candidate lists and from the capacity.
	fn delist(who: &T::AccountId, worker: &WorkerOf<T>) {
		for model in worker.models.iter() {
			ModelWorkers::<T>::mutate(model, |list| list.retain(|w| w != who));
		}
		if Self::in_capacity(worker) {
			Capacity::<T>::mutate(|c| *c = c.saturating_sub(Self::permille(worker.class)));
		}
	}

	/// Active workers serving `model`.
	pub fn candidates(model: ModelId) -> Vec<T::AccountId> {
		ModelWorkers::<T>::get(model).into_inner()
	}

	/// A worker's record.
	pub fn worker(who: &T::AccountId) -> Option<WorkerOf<T>> {
		Workers::<T>::get(who)
	}

	/// Whether `who` is an active worker.
	pub fn is_active(who: &T::AccountId) -> bool {
		Workers::<T>::get(who).is_some_and(|w| w.status == WorkerStatus::Active)
	}

	/// The weight of `worker` in the assignment draw: its reputation (at least
	/// [`MIN_SELECTION_WEIGHT`]), doubled when its region is the requested one.
	pub fn selection_weight(worker: &WorkerOf<T>, region: Option<RegionId>) -> u64 {
		let base = u64::from(worker.reputation).max(MIN_SELECTION_WEIGHT);
		if region.is_some_and(|r| r == worker.region) {
			base.saturating_mul(2)
		} else {
			base
		}
	}

	/// Probability (ppm) that a result of `who` (record `worker`) is audited; `None`: always
	/// replicate (not trusted yet, or on probation: live bond below `MinBond`).
	pub fn audit_ppm(who: &T::AccountId, worker: &WorkerOf<T>) -> Option<u32> {
		if Self::live_bond(who, worker) < T::MinBond::get() {
			return None;
		}
		poi::audit_ppm(worker.consecutive_valid, T::TrustAfter::get(), T::MinAuditPpm::get())
	}

	/// What `who`'s bond is worth: its held credits that have not expired (credits held past
	/// their expiry day could never be spent again, so a bond of them stakes nothing).
	pub fn live_bond(who: &T::AccountId, worker: &WorkerOf<T>) -> Balance {
		worker.bond.min(pallet_credits::Pallet::<T>::held_live(&HoldReason::Bond.into(), who))
	}

	/// Records a job assigned to `who`.
	pub fn job_started(who: &T::AccountId) {
		Workers::<T>::mutate(who, |w| {
			if let Some(w) = w {
				w.active_jobs = w.active_jobs.saturating_add(1);
			}
		});
	}

	/// Records that a job of `who` ended.
	pub fn job_ended(who: &T::AccountId) {
		Workers::<T>::mutate(who, |w| {
			if let Some(w) = w {
				w.active_jobs = w.active_jobs.saturating_sub(1);
			}
		});
	}

	/// A verified result of `who`: CV + 1, reputation up 5% of the way to 1, `work` (reference
	/// work units) added to its contribution, and up to [`Config::BondShare`] of `earned` held
	/// into its bond until the bond reaches [`Config::MinBond`].
	pub fn record_valid(who: &T::AccountId, work: WorkUnits, earned: Balance) {
		let Some(mut worker) = Workers::<T>::get(who) else { return };
		worker.consecutive_valid = worker.consecutive_valid.saturating_add(1);
		worker.valid = worker.valid.saturating_add(1);
		worker.reputation =
			worker.reputation.saturating_add(PPM.saturating_sub(worker.reputation) / 20);
		let missing = T::MinBond::get().saturating_sub(Self::live_bond(who, &worker));
		let top_up = T::BondShare::get().mul_floor(earned).min(missing);
		// The credits were just minted to the worker; if the hold fails (e.g. the lot list is
		// full) the bond simply grows from a later payment.
		if !top_up.is_zero()
			&& pallet_credits::Pallet::<T>::hold(&HoldReason::Bond.into(), who, top_up).is_ok()
		{
			let bond = worker.bond.saturating_add(top_up);
			Self::set_bond(&mut worker, bond);
			Self::deposit_event(Event::Bonded {
				who: who.clone(),
				amount: top_up,
				from_earnings: true,
			});
		}
		let (consecutive_valid, reputation) = (worker.consecutive_valid, worker.reputation);
		Workers::<T>::insert(who, worker);
		Self::add_contribution(who, work);
		Self::deposit_event(Event::ResultVerified {
			who: who.clone(),
			consecutive_valid,
			reputation,
		});
	}

	/// Punishes a fault of `who`: CV reset, reputation cut, part of the bond burned; ejects the
	/// worker (off the candidate lists, suspended) when a wrong result finds its bond empty or
	/// its reputation falls below [`EJECT_REPUTATION`]. Returns the credits burned.
	pub fn record_fault(who: &T::AccountId, fault: Fault) -> Balance {
		let Some(mut worker) = Workers::<T>::get(who) else { return 0 };
		worker.consecutive_valid = 0;
		let share = match fault {
			Fault::Invalid => {
				worker.invalid = worker.invalid.saturating_add(1);
				worker.reputation /= 2;
				T::SlashInvalid::get()
			}
			Fault::Missed => {
				worker.missed = worker.missed.saturating_add(1);
				worker.reputation = worker.reputation.saturating_sub(worker.reputation / 10);
				T::SlashMissed::get()
			}
		};
		// Expired held credits are worth nothing: they leave the bond first, so the slash takes
		// credits the worker could have used.
		let dead = pallet_credits::Pallet::<T>::expire_held(&HoldReason::Bond.into(), who);
		if !dead.is_zero() {
			let bond = worker.bond.saturating_sub(dead);
			Self::set_bond(&mut worker, bond);
		}
		let slash = share.mul_floor(T::MinBond::get()).min(worker.bond);
		let slashed = if !slash.is_zero()
			&& pallet_credits::Pallet::<T>::burn_held(&HoldReason::Bond.into(), who, slash).is_ok()
		{
			let bond = worker.bond.saturating_sub(slash);
			Self::set_bond(&mut worker, bond);
			slash
		} else {
			0
		};
		let reputation = worker.reputation;
		let eject = if fault == Fault::Invalid && worker.bond.is_zero() {
			Some(EjectReason::BondExhausted)
		} else if reputation < EJECT_REPUTATION {
			Some(EjectReason::KeepsFailing)
		} else {
			None
		};
		Self::deposit_event(Event::Slashed { who: who.clone(), fault, slashed, reputation });
		if let (Some(reason), WorkerStatus::Active) = (eject, worker.status) {
			Self::delist(who, &worker);
			worker.status = WorkerStatus::Suspended;
			Barred::<T>::insert(who, ());
			Self::deposit_event(Event::Ejected { who: who.clone(), reason });
		}
		Workers::<T>::insert(who, worker);
		slashed
	}

	/// Adds verified work to `who`'s decaying contribution.
	pub fn add_contribution(who: &T::AccountId, work: WorkUnits) {
		let now = frame_system::Pallet::<T>::block_number();
		let current = Self::contribution(who);
		Contribution::<T>::insert(who, (current.saturating_add(work), now));
	}

	/// `who`'s recent verified contribution (reference work units), decayed to now.
	pub fn contribution(who: &T::AccountId) -> Balance {
		let Some((score, at)) = Contribution::<T>::get(who) else { return 0 };
		let now = frame_system::Pallet::<T>::block_number();
		let elapsed: u64 = now.saturating_sub(at).unique_saturated_into();
		let half_life: u64 = T::ContributionHalfLife::get().unique_saturated_into();
		poi::decayed(score, elapsed, half_life)
	}

	/// The network's capacity: Σ throughput of active workers in reference GPUs (‰).
	pub fn capacity_permille() -> u128 {
		Capacity::<T>::get()
	}

	/// A worker as the runtime API shows it.
	pub fn view(who: &T::AccountId) -> Option<WorkerView<BlockNumberFor<T>>> {
		let w = Workers::<T>::get(who)?;
		Some(WorkerView {
			key: w.key,
			class: w.class,
			region: w.region,
			models: w.models.to_vec(),
			bond: w.bond,
			bond_target: T::MinBond::get(),
			reputation: w.reputation,
			consecutive_valid: w.consecutive_valid,
			valid: w.valid,
			invalid: w.invalid,
			missed: w.missed,
			active_jobs: w.active_jobs,
			status: w.status,
			audit_ppm: Self::audit_ppm(who, &w),
			contribution: Self::contribution(who),
			confirmed: Confirmed::<T>::get(who),
		})
	}

	/// Invariants: every worker's bond is exactly its `Bond` hold; keys map back to their worker;
	/// candidate lists hold exactly the active workers serving each model; the capacity is their
	/// throughput sum; reputations are in ppm.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut capacity = 0u128;
		let mut listed = 0usize;
		for (who, w) in Workers::<T>::iter() {
			ensure!(
				pallet_credits::Holds::<T>::get(
					&who,
					<T as pallet_credits::Config>::RuntimeHoldReason::from(HoldReason::Bond)
				)
				.iter()
				.map(|l| l.amount)
				.fold(0u128, |a, b| a.saturating_add(b))
					== w.bond,
				"bond differs from the held credits"
			);
			ensure!(KeyOwner::<T>::get(w.key).as_ref() == Some(&who), "key owner mismatch");
			ensure!(w.reputation <= PPM, "reputation above 1");
			let active = w.status == WorkerStatus::Active;
			for model in w.models.iter() {
				ensure!(
					ModelWorkers::<T>::get(model).contains(&who) == active,
					"candidate list out of date"
				);
			}
			if active {
				if Self::in_capacity(&w) {
					capacity = capacity.saturating_add(Self::permille(w.class));
				}
				listed = listed.saturating_add(w.models.len());
			}
		}
		ensure!(
			Capacity::<T>::get() == capacity,
			"capacity differs from the active, fully bonded workers"
		);
		ensure!(
			Barred::<T>::iter_keys()
				.all(|who| Workers::<T>::get(&who).is_none_or(|w| w.status != WorkerStatus::Active)),
			"a barred worker is active"
		);
		ensure!(
			ModelWorkers::<T>::iter_values().map(|l| l.len()).sum::<usize>() == listed,
			"a candidate list holds an inactive worker"
		);
		ensure!(KeyOwner::<T>::iter().count() == Workers::<T>::iter().count(), "stale key owner");
		ensure!(
			Benchmarks::<T>::iter_keys().all(Workers::<T>::contains_key),
			"a benchmark challenge of a departed worker"
		);
		ensure!(
			Confirmed::<T>::iter_keys().all(Workers::<T>::contains_key),
			"a confirmation of a departed worker"
		);
		ensure!(
			Benchmarks::<T>::iter_values().all(|c| c.answer.is_some() || c.checks.is_empty()),
			"checks of an unanswered challenge"
		);
		Ok(())
	}
}
