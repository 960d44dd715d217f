//! # Inference pallet: Proof-of-Inference on chain
//!
//! Consumers pay credits for inference; workers earn credits only for results the runtime has
//! verified. One job's life:
//!
//! 1. **`request`** (consumer): the model must be active (premium models: contributors only), the
//!    input within bounds, the price `⌈cost × α⌉` within the consumer's limit, and the consumer
//!    within its rate limit and its share of the live jobs. The price is **escrowed** (held).
//!    The job waits in the **queue**, ordered by the consumer's recent verified contribution.
//! 2. **Assignment** (from the block after the request): workers serving the model are drawn
//!    with chain randomness produced after the request, weighted by reputation (doubled in the
//!    requested region), never the consumer itself. **Adaptive replication**: a worker below
//!    `TrustAfter` consecutive valid results, or on probation (bond below `MinBond`), is always
//!    replicated (k = 2); agreeing replicas are spot checked; a trusted one works alone and is audited with probability `max(1/CV, floor)`,
//!    drawn after its commitment (integer models: a layer challenge; float models: a validator
//!    audit), so nothing at assignment tells it whether it will be checked.
//! 3. **`commit`** (worker): `output_commitment(job, worker, output, salt, activation_root)`
//!    (bound to the worker, so a copied commitment can never be revealed by the copier, and to the
//!    activation root, so the trace a challenge opens is fixed before the randomness that picks
//!    the challenged layer exists) with a signature of the worker's hardware attestation key
//!    over (job, model root, input hash, commitment, timings).
//!    Timings implausible for the worker's hardware class (too fast: precomputed or forged; too
//!    slow: not the attested hardware) fault the replica at once.
//! 4. **`reveal`** (worker), in a block after the last commitment: output, salt and activation
//!    root; a reveal that does not match its commitment faults the replica.
//! 5. **Checks**: replicas must agree (bytes for integer models, the model's tolerance for float
//!    models); disagreement goes to a **validator audit**. An integer result without a replica
//!    to compare with is **challenged**: the seed `blake2(randomness of the block in which the
//!    commitments closed ‖ job ‖ worker)` picks a layer and a Freivalds vector, and the worker
//!    must **`respond`** with the layer's activations and weight rows, checked against the
//!    revealed activation root and the model's weight root, and `rᵀy = (rᵀW)[x; 1]` on integers.
//! 6. **`audit`** (validators): each scores every replica 0–100; a replica is valid when the
//!    reputation-weighted median (κ = ½) of its scores is at least 50; validators far from the
//!    median lose audit reputation.
//! 7. **Settlement**: the escrow is burned as consumption and the verified replicas share one
//!    payment through the economics pallet: each `min(T × η, its share of T_ref) × α / β` at the
//!    α the job was priced at and never more than its share of the price, so the credits minted
//!    for a job never exceed the credits burned for it; receipts; wrong replicas are slashed
//!    through the workers pallet. With no verified result the job is re-assigned once to other
//!    workers, then refunded.
//!
//! **Deadlines everywhere**: every live job has a deadline in [`Deadlines`]; `on_initialize`
//! ends or advances expired jobs (a missing commitment is a missed deadline; a withheld reveal
//! or an unanswered challenge counts as a wrong result, so aborting a losing round never pays),
//! so a job always ends and escrow is never stuck. Protocol steps are `Operational` dispatches
//! with the highest pool priority, so requests and tips cannot crowd them out.
//!
//! ## Randomness
//! `pallet_workers::Config::BlockRandomness` gives the randomness of a past block: in the runtime the
//! consensus's chain randomness (a hash of each block author's VRF output, which the author cannot
//! grind by reordering transactions). Workers do not author blocks, so they cannot predict the
//! randomness of the block that closes the commitments and hence cannot know at commit time
//! whether (or which layer) they will be challenged. Residual risks: the author of that block
//! knows its randomness before publishing it and could, colluding with a worker, withhold the
//! block or move the close of the commitments by one block: a choice between two seeds. With a
//! permissioned validator set this is attributable but not prevented. The insecure
//! collective-flip pallet is never used.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod extension;
pub mod runtime_api;
pub mod types;
pub mod weights;
pub mod zk;

#[cfg(test)]
mod attack_tests;
#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod zk_layer;
#[cfg(test)]
mod zk_tests;

pub use extension::CheckAdmission;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use declai_primitives::{
	poi::{
		self, challenge_seed, draw_ppm, within_tolerance, Attestation, JobId, LayerOpening,
		ModelId, ModelKind, OpeningContext, RegionId, Timings, VerificationTier, PPM,
	},
	Balance, WorkUnits,
};
use frame_support::{pallet_prelude::*, traits::Contains};
use frame_system::pallet_prelude::*;
use pallet_economics::{ReceiptId, Settlement};
use pallet_workers::{AttestationSignature, BlockRandomness, Fault, Reputation};
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto, Zero},
	FixedPointNumber,
};

/// A model of this runtime.
pub type ModelOf<T> = Model<<T as Config>::MaxNameLen, <T as Config>::MaxLayers>;
/// A job of this runtime.
pub type JobOf<T> =
	Job<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, <T as Config>::MaxReplicas>;
/// The credits pallet's hold reason of this runtime.
pub type HoldReasonOf<T> = <T as pallet_credits::Config>::RuntimeHoldReason;

/// The auditor set for other pallets (the workers pallet's benchmark checks).
pub struct AuditorSet<T>(PhantomData<T>);
impl<T: Config> frame_support::traits::SortedMembers<T::AccountId> for AuditorSet<T> {
	fn sorted_members() -> Vec<T::AccountId> {
		let mut list = Auditors::<T>::get().into_inner();
		list.sort();
		list
	}
	fn contains(who: &T::AccountId) -> bool {
		Auditors::<T>::get().contains(who)
	}
	fn count() -> usize {
		Auditors::<T>::decode_len().unwrap_or(0)
	}
}

/// The job id as the 256-bit job reference of receipts: big-endian in the last 8 bytes.
pub fn job_hash(id: JobId) -> H256 {
	let mut bytes = [0u8; 32];
	if let Some(tail) = bytes.get_mut(24..) {
		tail.copy_from_slice(&id.to_be_bytes());
	}
	H256(bytes)
}

/// Candidates read per worker drawn (rejection sampling; bounds the assignment cost).
pub const DRAW_TRIES: u32 = 16;

/// Score (0–100) at or above which audited replicas are valid.
pub const AUDIT_PASS: u8 = 50;

/// Why a replica was faulted (event detail).
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub enum FaultReason {
	/// No commitment before the deadline.
	NoCommit,
	/// No reveal before the deadline.
	NoReveal,
	/// The reveal did not match the commitment.
	RevealMismatch,
	/// The reported time is implausible for the hardware class.
	ImplausibleTiming,
	/// The challenge answer failed the checks.
	ChallengeFailed,
	/// No challenge answer before the deadline.
	NoResponse,
	/// The validator audit found the result wrong.
	AuditedWrong,
	/// The zero-knowledge proof did not verify.
	ProofInvalid,
	/// The other replicas' majority (after a tiebreaker) disagreed with this result.
	Outvoted,
}

impl FaultReason {
	/// The workers pallet's fault class.
	pub fn fault(self) -> Fault {
		match self {
			// Committing and then not revealing is how a cheater who sees it would lose aborts:
			// it costs as much as a wrong result. Only a missing commitment is a mere miss.
			FaultReason::NoCommit => Fault::Missed,
			_ => Fault::Invalid,
		}
	}
}

/// Why a job was refunded (event detail).
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub enum RefundReason {
	/// No worker became free before the queue timeout.
	QueueTimeout,
	/// Every attempt ended without a verified result.
	NoVerifiedResult,
	/// The consumer cancelled a queued job.
	Cancelled,
}

/// Most rate counters the idle sweep visits in one block.
pub const REQUEST_SWEEP_PER_BLOCK: u32 = 64;

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::config]
	pub trait Config:
		frame_system::Config + pallet_workers::Config + pallet_economics::Config
	{
		/// Origin of model registration and the auditor set (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Receives each account's verified work (served and audited), which weighs validators
		/// in the consensus.
		type WorkTally: poi::WorkTally<Self::AccountId>;

		/// Largest input stored on chain (bytes).
		#[pallet::constant]
		type MaxInputLen: Get<u32>;
		/// Largest output stored on chain (bytes).
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;
		/// Longest model name (bytes).
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Most layers of an integer model.
		#[pallet::constant]
		type MaxLayers: Get<u32>;
		/// Most replicas of one job (at least 2).
		#[pallet::constant]
		type MaxReplicas: Get<u32>;
		/// Most jobs not ended at once (bounds the queue and each deadline bucket).
		#[pallet::constant]
		type MaxLiveJobs: Get<u32>;
		/// Most jobs in flight per worker.
		#[pallet::constant]
		type MaxJobsPerWorker: Get<u32>;
		/// Most jobs not ended per consumer account.
		#[pallet::constant]
		type MaxLiveJobsPerAccount: Get<u32>;
		/// Most auditors.
		#[pallet::constant]
		type MaxAuditors: Get<u32>;
		/// Ended jobs whose record and result are kept (older ones are pruned).
		#[pallet::constant]
		type MaxResults: Get<u32>;
		/// Most expired deadlines handled in one block (the rest move to the next block).
		#[pallet::constant]
		type DeadlinesPerBlock: Get<u32>;
		/// Most queued jobs assigned in one block.
		#[pallet::constant]
		type AssignPerBlock: Get<u32>;
		/// Blocks for all commitments after assignment.
		#[pallet::constant]
		type CommitWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for all reveals after the commitments closed.
		#[pallet::constant]
		type RevealWindow: Get<BlockNumberFor<Self>>;
		/// Blocks to answer a challenge.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Blocks for the validator audit.
		#[pallet::constant]
		type AuditWindow: Get<BlockNumberFor<Self>>;
		/// Blocks a job may wait in the queue.
		#[pallet::constant]
		type QueueTimeout: Get<BlockNumberFor<Self>>;
		/// Assignments per job (the first plus re-assignments).
		#[pallet::constant]
		type MaxAttempts: Get<u8>;
		/// A reported time below this share (‰) of the class's expected time is implausible.
		#[pallet::constant]
		type TimingMinPermille: Get<u32>;
		/// A reported time above this multiple of the expected time (+ slack) is implausible.
		#[pallet::constant]
		type TimingMaxFactor: Get<u32>;
		/// Fixed allowance (µs) for loading and I/O on top of the expected time.
		#[pallet::constant]
		type TimingSlackMicros: Get<u64>;
		/// Blocks per rate-limit window.
		#[pallet::constant]
		type RateWindow: Get<BlockNumberFor<Self>>;
		/// Requests per window of an account without recent verified contribution.
		#[pallet::constant]
		type FreeRiderRequests: Get<u32>;
		/// Requests per window of a contributor.
		#[pallet::constant]
		type ContributorRequests: Get<u32>;
		/// Largest Groth16 verifying key (uncompressed bytes) of a zero-knowledge model.
		#[pallet::constant]
		type MaxVerifyingKeyLen: Get<u32>;
		/// Most public inputs of a zero-knowledge model (input bytes + output values).
		#[pallet::constant]
		type MaxZkPublicInputs: Get<u32>;
		/// Recent verified work (work units) that makes an account a contributor.
		#[pallet::constant]
		type ContributorThreshold: Get<WorkUnits>;
		/// Weights.
		type InferenceWeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Registered models.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelOf<T>>;

	/// The next model id.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// Groth16 verifying keys of zero-knowledge models (uncompressed, validated at registration).
	#[pallet::storage]
	pub type VerifyingKeys<T: Config> =
		StorageMap<_, Twox64Concat, ModelId, BoundedVec<u8, T::MaxVerifyingKeyLen>>;

	/// Jobs (live ones and the newest `MaxResults` ended ones).
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// The next job id.
	#[pallet::storage]
	pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

	/// Jobs not ended.
	#[pallet::storage]
	pub type LiveJobs<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Jobs not ended per consumer (no entry at zero).
	#[pallet::storage]
	pub type LiveJobsOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Inputs of live jobs.
	#[pallet::storage]
	pub type Inputs<T: Config> = StorageMap<_, Twox64Concat, JobId, BoundedVec<u8, T::MaxInputLen>>;

	/// Revealed outputs per job and worker (until the job ends).
	#[pallet::storage]
	pub type Outputs<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		JobId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<u8, T::MaxOutputLen>,
	>;

	/// Verified results of served jobs.
	#[pallet::storage]
	pub type Results<T: Config> =
		StorageMap<_, Twox64Concat, JobId, BoundedVec<u8, T::MaxOutputLen>>;

	/// Settlement receipts (economics pallet) of served jobs.
	#[pallet::storage]
	pub type JobReceipts<T: Config> =
		StorageMap<_, Twox64Concat, JobId, BoundedVec<ReceiptId, T::MaxReplicas>, ValueQuery>;

	/// Live jobs by the block at which their current phase times out.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxLiveJobs>,
		ValueQuery,
	>;

	/// Queued jobs, highest priority first: `(priority, job, model)`.
	#[pallet::storage]
	pub type Pending<T: Config> =
		StorageValue<_, BoundedVec<(Balance, JobId, ModelId), T::MaxLiveJobs>, ValueQuery>;

	/// Ended jobs in the order they ended (`EndedRange` = `[head, tail)`): the oldest record is
	/// pruned once more than `MaxResults` are kept.
	#[pallet::storage]
	pub type Ended<T: Config> = StorageMap<_, Twox64Concat, u64, JobId>;

	/// `(head, tail)` of [`Ended`].
	#[pallet::storage]
	pub type EndedRange<T: Config> = StorageValue<_, (u64, u64), ValueQuery>;

	/// Live jobs per assigned worker (what a worker must do; read by a restarted worker).
	#[pallet::storage]
	pub type WorkerJobs<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<JobId, T::MaxJobsPerWorker>,
		ValueQuery,
	>;

	/// The validators that audit disputed results.
	#[pallet::storage]
	pub type Auditors<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxAuditors>, ValueQuery>;

	/// Default audit reputation.
	#[pallet::type_value]
	pub fn InitialAuditorReputation() -> Reputation {
		PPM / 2
	}

	/// Audit reputation (ppm): the weight of an auditor's vote.
	#[pallet::storage]
	pub type AuditorReputation<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Reputation,
		ValueQuery,
		InitialAuditorReputation,
	>;

	/// Votes of the audit of a job: per auditor a score (0–100) per replica.
	#[pallet::storage]
	pub type AuditVotes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		JobId,
		BoundedVec<(T::AccountId, BoundedVec<u8, T::MaxReplicas>), T::MaxAuditors>,
		ValueQuery,
	>;

	/// Requests per account in the current rate window: `(window, count)`. Counters of past
	/// windows are removed by the idle sweep ([`RequestSweep`]).
	#[pallet::storage]
	pub type RequestCounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (u32, u32), ValueQuery>;

	/// The idle sweep of [`RequestCounts`]: the last rate window a full pass finished in, and
	/// where the pass under way resumes (a raw storage key).
	#[pallet::storage]
	pub type RequestSweep<T: Config> =
		StorageValue<_, (u32, Option<BoundedVec<u8, ConstU32<128>>>), ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial auditors.
		pub auditors: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let auditors =
				BoundedVec::<T::AccountId, T::MaxAuditors>::try_from(self.auditors.clone())
					.expect("genesis auditors fit MaxAuditors; qed");
			Auditors::<T>::put(auditors);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance registered a model.
		ModelRegistered { model: ModelId, weights_root: H256, cost: WorkUnits },
		/// Governance retired or re-activated a model.
		ModelActivity { model: ModelId, active: bool },
		/// Governance replaced the auditor set.
		AuditorsSet { auditors: Vec<T::AccountId> },
		/// A consumer requested a job; `price` is escrowed.
		JobRequested { job: JobId, consumer: T::AccountId, model: ModelId, price: Balance },
		/// A job waits for a free worker.
		JobQueued { job: JobId, priority: Balance },
		/// Workers were assigned; `lone` when replication was wanted but one worker was free.
		JobAssigned { job: JobId, workers: Vec<T::AccountId>, attempt: u8, lone: bool },
		/// A worker committed.
		Committed { job: JobId, worker: T::AccountId, commit: H256 },
		/// Commitments closed; reveals are due by `deadline`.
		CommitsClosed { job: JobId, deadline: BlockNumberFor<T> },
		/// A worker revealed a result matching its commitment.
		Revealed { job: JobId, worker: T::AccountId },
		/// A worker must answer a layer challenge by `deadline`.
		Challenged { job: JobId, worker: T::AccountId, layer: u32, deadline: BlockNumberFor<T> },
		/// A challenge answer passed.
		ChallengePassed { job: JobId, worker: T::AccountId },
		/// A zero-knowledge proof of a result verified.
		ProofVerified { job: JobId, worker: T::AccountId },
		/// Replicas disagreed or a lone float result needs a second opinion.
		AuditStarted { job: JobId, deadline: BlockNumberFor<T> },
		/// An auditor voted.
		AuditVoted { job: JobId, auditor: T::AccountId },
		/// An audit ended without votes: a tiebreaker replica was added, whose commitment is due
		/// by `deadline`; the replicas' majority then decides.
		AuditEscalated { job: JobId, tiebreaker: T::AccountId, deadline: BlockNumberFor<T> },
		/// A replica was faulted and punished (`slashed` credits burned from its bond).
		ReplicaFaulted { job: JobId, worker: T::AccountId, reason: FaultReason, slashed: Balance },
		/// The job was served: escrow burned, verified workers paid (receipts).
		JobServed { job: JobId, workers: Vec<T::AccountId>, receipts: Vec<ReceiptId> },
		/// The job ended without a result and the escrow went back to the consumer.
		JobRefunded { job: JobId, reason: RefundReason },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No such model.
		UnknownModel,
		/// The model is retired.
		ModelRetired,
		/// Model name empty or longer than `MaxNameLen`.
		BadName,
		/// The model's cost must be positive.
		ZeroCost,
		/// Input or output bound above `MaxInputLen`/`MaxOutputLen`, or zero.
		BadBounds,
		/// Integer layers missing, not chained, or not matching the input/output bounds; or layers
		/// given for a float model; or a tolerance above 10⁶ ppm.
		BadLayers,
		/// Too many auditors.
		TooManyAuditors,
		/// The verifying key of a zero-knowledge model is missing, too long, invalid, or expects
		/// another number of public inputs than `max_input + max_output / 4`; or a key was given
		/// for another tier.
		BadVerifyingKey,
		/// `prove` is for zero-knowledge models; `respond` answers layer challenges.
		NotZkModel,
		/// `respond` answers layer challenges of integer models; zero-knowledge models `prove`.
		NotIntegerModel,
		/// The model ids are exhausted.
		NoModelIds,
		/// The input is empty or longer than the model allows (integer models: exactly its size).
		BadInput,
		/// The quoted price is above the consumer's `max_price`; retry with a higher limit.
		PriceAboveLimit,
		/// Premium models are for contributors (accounts with recent verified work).
		PremiumForContributors,
		/// Too many requests in this window; wait for the next one (contributors get more).
		RateLimited,
		/// `MaxLiveJobs` jobs are live; retry later.
		QueueFull,
		/// No such job, or it was pruned.
		UnknownJob,
		/// The job is not in the phase this call belongs to.
		WrongPhase,
		/// The signer is not assigned to the job.
		NotAssigned,
		/// The signer already made this step for the job.
		AlreadySubmitted,
		/// The attestation signature does not verify with the worker's hardware key over this
		/// job's attestation (forged, or replayed from another job).
		BadAttestation,
		/// Reveals are accepted from the block after the commitments closed.
		RevealTooEarly,
		/// The output is longer than the model allows.
		OutputTooLong,
		/// The signer is not an auditor.
		NotAuditor,
		/// One score per replica, each 0–100.
		BadScores,
		/// Only the consumer can cancel, and only a queued job.
		CannotCancel,
		/// The randomness for this step is not available.
		NoRandomness,
		/// Arithmetic overflow.
		Overflow,
		/// An embedding model's input must be text: UTF-8.
		InputNotText,
		/// An auditor cannot vote on a job it serves or asked for.
		OwnJob,
		/// The account has `MaxLiveJobsPerAccount` jobs not ended; wait for one to end.
		TooManyLiveJobs,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			Self::note_capacity();
			let expired = Self::process_deadlines(n);
			let assigned = Self::assign_pending(n);
			T::InferenceWeightInfo::on_initialize(expired, assigned)
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep_request_counts(remaining)
		}

		fn integrity_test() {
			assert!(T::MaxReplicas::get() >= 2, "MaxReplicas must be at least 2");
			assert!(T::MaxAttempts::get() >= 1, "MaxAttempts must be at least 1");
			assert!(T::DeadlinesPerBlock::get() > 0, "DeadlinesPerBlock must be positive");
			assert!(
				T::MaxResults::get() >= T::MaxLiveJobs::get(),
				"MaxResults must cover live jobs"
			);
			assert!(!T::RateWindow::get().is_zero(), "RateWindow must be positive");
			for window in [
				T::CommitWindow::get(),
				T::RevealWindow::get(),
				T::ChallengeWindow::get(),
				T::AuditWindow::get(),
				T::QueueTimeout::get(),
			] {
				assert!(!window.is_zero(), "protocol windows must be positive");
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a model.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Integer models give their layers: the first
		/// layer's inputs must equal `max_input`, the last layer's outputs × 4 `max_output`.
		///
		/// Errors: [`Error::BadName`], [`Error::ZeroCost`], [`Error::BadBounds`],
		/// [`Error::BadLayers`], [`Error::NoModelIds`]. Events: [`Event::ModelRegistered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::InferenceWeightInfo::register_model())]
		pub fn register_model(origin: OriginFor<T>, spec: ModelSpec) -> DispatchResult {
			<T as Config>::GovernanceOrigin::ensure_origin(origin)?;
			let key = spec.verifying_key.clone();
			let model = Self::validate_model(spec)?;
			let key = Self::validate_key(&model, key)?;
			let id = NextModelId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::NoModelIds)?;
			let (weights_root, cost) = (model.weights_root, model.cost);
			Models::<T>::insert(id, model);
			if let Some(key) = key {
				VerifyingKeys::<T>::insert(id, key);
			}
			NextModelId::<T>::put(next);
			Self::deposit_event(Event::ModelRegistered { model: id, weights_root, cost });
			Ok(())
		}

		/// Retire (`active = false`) or re-activate a model. Jobs in flight are not affected.
		///
		/// Origin: [`Config::GovernanceOrigin`].
		///
		/// Errors: [`Error::UnknownModel`]. Events: [`Event::ModelActivity`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::InferenceWeightInfo::set_model_active())]
		pub fn set_model_active(
			origin: OriginFor<T>,
			model: ModelId,
			active: bool,
		) -> DispatchResult {
			<T as Config>::GovernanceOrigin::ensure_origin(origin)?;
			Models::<T>::try_mutate(model, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				m.active = active;
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::ModelActivity { model, active });
			Ok(())
		}

		/// Replace the auditor set (the validators that vote on disputed results).
		///
		/// Origin: [`Config::GovernanceOrigin`]. Audits in progress count only votes of members.
		///
		/// Errors: [`Error::TooManyAuditors`]. Events: [`Event::AuditorsSet`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::InferenceWeightInfo::set_auditors(auditors.len() as u32))]
		pub fn set_auditors(origin: OriginFor<T>, auditors: Vec<T::AccountId>) -> DispatchResult {
			<T as Config>::GovernanceOrigin::ensure_origin(origin)?;
			let bounded = BoundedVec::<T::AccountId, T::MaxAuditors>::try_from(auditors.clone())
				.map_err(|_| Error::<T>::TooManyAuditors)?;
			Auditors::<T>::put(bounded);
			Self::deposit_event(Event::AuditorsSet { auditors });
			Ok(())
		}

		/// Request an inference of `model` on `input`, paying at most `max_price`.
		///
		/// Origin: signed (the consumer). Escrows the quoted price `⌈cost × α⌉`; assigns workers
		/// now or queues the job by the consumer's recent verified contribution.
		///
		/// Errors: [`Error::UnknownModel`], [`Error::ModelRetired`], [`Error::BadInput`],
		/// [`Error::InputNotText`], [`Error::PremiumForContributors`], [`Error::RateLimited`], [`Error::PriceAboveLimit`],
		/// [`Error::QueueFull`], and the credits pallet's errors if the price cannot be held.
		/// Events: [`Event::JobRequested`], then [`Event::JobAssigned`] or [`Event::JobQueued`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::InferenceWeightInfo::request(input.len() as u32))]
		pub fn request(
			origin: OriginFor<T>,
			model: ModelId,
			input: Vec<u8>,
			max_price: Balance,
			region: Option<RegionId>,
		) -> DispatchResult {
			let consumer = ensure_signed(origin)?;
			let m = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(m.active, Error::<T>::ModelRetired);
			Self::check_input(&m, &input)?;
			let contribution = pallet_workers::Pallet::<T>::contribution(&consumer);
			let contributor = contribution >= T::ContributorThreshold::get();
			ensure!(!m.premium || contributor, Error::<T>::PremiumForContributors);
			let (window, count) = Self::rate_state(&consumer)?;
			let price = <pallet_economics::Pallet<T> as Settlement<
				T::AccountId,
				HoldReasonOf<T>,
			>>::quote(m.cost)?;
			ensure!(price <= max_price, Error::<T>::PriceAboveLimit);
			Self::check_room(&consumer, contributor)?;
			let input: BoundedVec<u8, T::MaxInputLen> =
				input.try_into().map_err(|_| Error::<T>::BadInput)?;
			let id = NextJobId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;

			pallet_credits::Pallet::<T>::hold(&Self::escrow(), &consumer, price)?;
			RequestCounts::<T>::insert(&consumer, (window, count.saturating_add(1)));
			let now = frame_system::Pallet::<T>::block_number();
			let job = Job {
				consumer: consumer.clone(),
				model,
				input_hash: H256(sp_io::hashing::blake2_256(&input)),
				price,
				region,
				phase: Phase::Queued,
				deadline: now.saturating_add(T::QueueTimeout::get()),
				created: now,
				replicas: BoundedVec::new(),
				excluded: BoundedVec::new(),
				attempts: 0,
				lone: false,
				escalations: 0,
				commits_closed: None,
				priority: contribution,
			};
			Inputs::<T>::insert(id, input);
			NextJobId::<T>::put(next);
			LiveJobs::<T>::mutate(|n| *n = n.saturating_add(1));
			LiveJobsOf::<T>::mutate(&consumer, |n| *n = n.saturating_add(1));
			Self::deposit_event(Event::JobRequested { job: id, consumer, model, price });
			// Never assigned in the block of its request: the draw uses randomness that did not
			// exist when the request was sent (`assign_pending`, from the next block on), so a
			// consumer cannot time its requests to land on its own workers. Below MaxLiveJobs, so
			// the queue (bounded by it) has room.
			Pending::<T>::mutate(|queue| {
				let at =
					queue.iter().position(|(p, _, _)| *p < contribution).unwrap_or(queue.len());
				let _ = queue.try_insert(at, (contribution, id, model));
			});
			Self::deposit_event(Event::JobQueued { job: id, priority: contribution });
			Self::schedule(id, None, job.deadline);
			Jobs::<T>::insert(id, job);
			Ok(())
		}

		/// Commit to a result: `commit = output_commitment(job, worker, output, salt,
		/// activation_root)` and the hardware key's signature over the job's [`Attestation`] with
		/// `timings`.
		///
		/// Origin: signed by an assigned worker. A time implausible for the worker's class faults
		/// the replica (the call succeeds and the fault is recorded).
		///
		/// Errors: [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotAssigned`],
		/// [`Error::AlreadySubmitted`], [`Error::BadAttestation`].
		/// Events: [`Event::Committed`] or [`Event::ReplicaFaulted`]; [`Event::CommitsClosed`].
		#[pallet::call_index(4)]
		#[pallet::weight((T::InferenceWeightInfo::commit(), DispatchClass::Operational))]
		pub fn commit(
			origin: OriginFor<T>,
			job: JobId,
			commit: H256,
			timings: Timings,
			signature: AttestationSignature,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(j.phase == Phase::Committing, Error::<T>::WrongPhase);
			let index = Self::replica_index(&j, &worker)?;
			ensure!(
				j.replicas.get(index).is_some_and(|r| r.state == ReplicaState::Assigned),
				Error::<T>::AlreadySubmitted
			);
			let m = Models::<T>::get(j.model).ok_or(Error::<T>::UnknownModel)?;
			let w = pallet_workers::Pallet::<T>::worker(&worker).ok_or(Error::<T>::NotAssigned)?;
			let attestation = Attestation {
				job,
				model_root: m.weights_root.0,
				input_hash: j.input_hash.0,
				commit: commit.0,
				timings,
			};
			ensure!(
				w.key.verify(&attestation.signing_payload(), &signature),
				Error::<T>::BadAttestation
			);

			let plausible = poi::timing_plausible(
				m.cost,
				w.class,
				timings.exec_micros,
				T::TimingMinPermille::get(),
				T::TimingMaxFactor::get(),
				T::TimingSlackMicros::get(),
			);
			if let Some(r) = j.replicas.get_mut(index) {
				r.commit = Some(commit);
				r.timings = timings;
				r.state = ReplicaState::Committed;
			}
			if plausible {
				Self::deposit_event(Event::Committed { job, worker, commit });
			} else {
				Self::fault(job, &mut j, index, FaultReason::ImplausibleTiming);
			}
			let now = frame_system::Pallet::<T>::block_number();
			if j.replicas.iter().all(|r| r.state != ReplicaState::Assigned) {
				Self::close_commits(job, &mut j, &m, now);
			}
			Jobs::<T>::insert(job, j);
			Ok(())
		}

		/// Reveal the committed result: `output`, `salt` and the activation root.
		///
		/// Origin: signed by an assigned worker that committed, from the block after the
		/// commitments closed. A reveal that does not match the commitment (output, salt or
		/// activation root other than the committed ones) faults the replica
		/// (the call succeeds and the fault is recorded).
		///
		/// Errors: [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotAssigned`],
		/// [`Error::AlreadySubmitted`], [`Error::RevealTooEarly`], [`Error::OutputTooLong`].
		/// Events: [`Event::Revealed`] or [`Event::ReplicaFaulted`]; then the checks' events.
		#[pallet::call_index(5)]
		#[pallet::weight((T::InferenceWeightInfo::reveal(output.len() as u32), DispatchClass::Operational))]
		pub fn reveal(
			origin: OriginFor<T>,
			job: JobId,
			output: Vec<u8>,
			salt: [u8; 32],
			activation_root: H256,
		) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(j.phase == Phase::Revealing, Error::<T>::WrongPhase);
			let index = Self::replica_index(&j, &worker)?;
			let replica = j.replicas.get(index).ok_or(Error::<T>::NotAssigned)?;
			ensure!(replica.state == ReplicaState::Committed, Error::<T>::AlreadySubmitted);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(j.commits_closed.is_some_and(|c| now > c), Error::<T>::RevealTooEarly);
			let m = Models::<T>::get(j.model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(output.len() <= m.max_output as usize, Error::<T>::OutputTooLong);
			let bounded: BoundedVec<u8, T::MaxOutputLen> =
				output.clone().try_into().map_err(|_| Error::<T>::OutputTooLong)?;

			let expected =
				poi::output_commitment(job, &worker.encode(), &output, &salt, &activation_root.0);
			if replica.commit == Some(H256(expected)) {
				if let Some(r) = j.replicas.get_mut(index) {
					r.state = ReplicaState::Revealed;
					r.activation_root = Some(activation_root);
				}
				Outputs::<T>::insert(job, &worker, bounded);
				Self::deposit_event(Event::Revealed { job, worker });
			} else {
				Self::fault(job, &mut j, index, FaultReason::RevealMismatch);
			}
			if !j.replicas.iter().any(|r| r.state == ReplicaState::Committed) {
				Self::evaluate(job, &mut j, &m, now);
			}
			Self::store(job, j);
			Ok(())
		}

		/// Answer a layer challenge with the layer's opening.
		///
		/// Origin: signed by a challenged worker. A failing answer faults the replica (the call
		/// succeeds and the fault is recorded).
		///
		/// Errors: [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotAssigned`],
		/// [`Error::AlreadySubmitted`], [`Error::NoRandomness`].
		/// Events: [`Event::ChallengePassed`] or [`Event::ReplicaFaulted`]; then settlement's.
		#[pallet::call_index(6)]
		#[pallet::weight((T::InferenceWeightInfo::respond(Pallet::<T>::opening_entries(opening)), DispatchClass::Operational))]
		pub fn respond(origin: OriginFor<T>, job: JobId, opening: LayerOpening) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let (mut j, index, m) = Self::awaiting_check(job, &worker)?;
			ensure!(m.tier == VerificationTier::ExactInteger, Error::<T>::NotIntegerModel);
			let seed = Self::challenge_seed_of(job, &j, &worker).ok_or(Error::<T>::NoRandomness)?;
			let input = Inputs::<T>::get(job).unwrap_or_default();
			let output = Outputs::<T>::get(job, &worker).unwrap_or_default();
			let activation_root =
				j.replicas.get(index).and_then(|r| r.activation_root).unwrap_or_default();
			let ctx = OpeningContext {
				layers: &m.layers,
				weights_root: &m.weights_root.0,
				activation_root: &activation_root.0,
				input: &input,
				output: &output,
				seed: &seed,
			};
			let passed = poi::check_layer_opening(&ctx, &opening).unwrap_or(false);
			let event = Event::ChallengePassed { job, worker };
			Self::record_check(job, &mut j, index, &m, passed, event, FaultReason::ChallengeFailed);
			Ok(())
		}

		/// Vote in the audit of a disputed job: one score (0 = wrong … 100 = right) per replica,
		/// in replica order (faulted replicas' scores are ignored).
		///
		/// Origin: signed by an auditor that is neither a replica nor the consumer of the job.
		/// The audit resolves when every such auditor voted or at its deadline; an audit that ends
		/// without votes escalates to a tiebreaker replica.
		///
		/// Errors: [`Error::NotAuditor`], [`Error::UnknownJob`], [`Error::WrongPhase`],
		/// [`Error::OwnJob`], [`Error::BadScores`], [`Error::AlreadySubmitted`].
		/// Events: [`Event::AuditVoted`].
		#[pallet::call_index(7)]
		#[pallet::weight((T::InferenceWeightInfo::audit(), DispatchClass::Operational))]
		pub fn audit(origin: OriginFor<T>, job: JobId, scores: Vec<u8>) -> DispatchResult {
			let auditor = ensure_signed(origin)?;
			let auditors = Auditors::<T>::get();
			ensure!(auditors.contains(&auditor), Error::<T>::NotAuditor);
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(j.phase == Phase::Auditing, Error::<T>::WrongPhase);
			ensure!(!Self::is_party(&j, &auditor), Error::<T>::OwnJob);
			ensure!(
				scores.len() == j.replicas.len() && scores.iter().all(|s| *s <= 100),
				Error::<T>::BadScores
			);
			let mut votes = AuditVotes::<T>::get(job);
			ensure!(!votes.iter().any(|(a, _)| *a == auditor), Error::<T>::AlreadySubmitted);
			let scores: BoundedVec<u8, T::MaxReplicas> =
				scores.try_into().map_err(|_| Error::<T>::BadScores)?;
			votes.try_push((auditor.clone(), scores)).map_err(|_| Error::<T>::AlreadySubmitted)?;
			// Complete once every auditor that may vote (not a party to the job) voted.
			let complete = auditors
				.iter()
				.filter(|a| !Self::is_party(&j, a))
				.all(|a| votes.iter().any(|(v, _)| v == a));
			AuditVotes::<T>::insert(job, votes);
			Self::deposit_event(Event::AuditVoted { job, auditor });
			if complete {
				let m = Models::<T>::get(j.model).ok_or(Error::<T>::UnknownModel)?;
				Self::resolve_audit(job, &mut j, &m, frame_system::Pallet::<T>::block_number());
				Self::store(job, j);
			}
			Ok(())
		}

		/// Prove a revealed result of a zero-knowledge model: a Groth16 proof (BLS12-381,
		/// uncompressed) of `output = model(input)` against the model's verifying key, public
		/// inputs [`poi::zk_binding`] of this job and this worker, then
		/// [`poi::zk_public_inputs`]: a proof made for another job (even with the same input) or
		/// by another worker does not verify.
		///
		/// Origin: signed by the worker whose result awaits its proof. A proof that fails faults the
		/// replica (the call succeeds and the fault is recorded).
		///
		/// Errors: [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotAssigned`],
		/// [`Error::AlreadySubmitted`], [`Error::NotZkModel`].
		/// Events: [`Event::ProofVerified`] or [`Event::ReplicaFaulted`]; then settlement's.
		#[pallet::call_index(9)]
		#[pallet::weight((T::InferenceWeightInfo::prove(), DispatchClass::Operational))]
		pub fn prove(origin: OriginFor<T>, job: JobId, proof: Vec<u8>) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let (mut j, index, m) = Self::awaiting_check(job, &worker)?;
			ensure!(m.tier == VerificationTier::ZeroKnowledge, Error::<T>::NotZkModel);
			let key = VerifyingKeys::<T>::get(j.model).unwrap_or_default();
			let input = Inputs::<T>::get(job).unwrap_or_default();
			let output = Outputs::<T>::get(job, &worker).unwrap_or_default();
			let binding = poi::zk_binding(job, &worker.encode());
			let valid = poi::zk_public_inputs(&input, &output)
				.is_some_and(|public| zk::verify(&key, &proof, &binding, &public).unwrap_or(false));
			let event = Event::ProofVerified { job, worker };
			Self::record_check(job, &mut j, index, &m, valid, event, FaultReason::ProofInvalid);
			Ok(())
		}

		/// Cancel a queued job and get the escrow back.
		///
		/// Origin: signed by the job's consumer.
		///
		/// Errors: [`Error::UnknownJob`], [`Error::CannotCancel`]. Events: [`Event::JobRefunded`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::InferenceWeightInfo::cancel())]
		pub fn cancel(origin: OriginFor<T>, job: JobId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
			ensure!(j.consumer == who && j.phase == Phase::Queued, Error::<T>::CannotCancel);
			Self::refund(job, &mut j, RefundReason::Cancelled);
			Jobs::<T>::insert(job, j);
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Weight entries of a challenge answer (its rows' lengths summed): its weight parameter.
	pub fn opening_entries(opening: &LayerOpening) -> u32 {
		opening.rows.iter().map(|r| r.len() as u32).fold(0u32, u32::saturating_add)
	}

	/// The escrow hold reason.
	fn escrow() -> HoldReasonOf<T> {
		pallet_credits::HoldReason::Escrow.into()
	}

	/// Validates a model spec.
	fn validate_model(spec: ModelSpec) -> Result<ModelOf<T>, DispatchError> {
		let name: BoundedVec<u8, T::MaxNameLen> =
			spec.name.try_into().map_err(|_| Error::<T>::BadName)?;
		ensure!(!name.is_empty(), Error::<T>::BadName);
		ensure!(!spec.cost.is_zero(), Error::<T>::ZeroCost);
		ensure!(
			(1..=T::MaxInputLen::get()).contains(&spec.max_input)
				&& (1..=T::MaxOutputLen::get()).contains(&spec.max_output),
			Error::<T>::BadBounds
		);
		let layers: BoundedVec<_, T::MaxLayers> =
			spec.layers.try_into().map_err(|_| Error::<T>::BadLayers)?;
		match spec.tier {
			VerificationTier::ExactInteger => {
				poi::check_layers(&layers).map_err(|_| Error::<T>::BadLayers)?;
				let (first, last) = (layers.first(), layers.last());
				ensure!(
					first.is_some_and(|l| l.inputs == spec.max_input)
						&& last.is_some_and(|l| l.outputs.checked_mul(4) == Some(spec.max_output)),
					Error::<T>::BadLayers
				);
			}
			VerificationTier::FloatTolerance { max_error_ppm } => {
				ensure!(layers.is_empty() && max_error_ppm <= PPM, Error::<T>::BadLayers);
			}
			VerificationTier::ZeroKnowledge => {
				ensure!(layers.is_empty(), Error::<T>::BadLayers);
				ensure!(spec.max_output.is_multiple_of(4), Error::<T>::BadBounds);
			}
		}
		Ok(Model {
			name,
			kind: spec.kind,
			weights_root: spec.weights_root,
			cost: spec.cost,
			max_input: spec.max_input,
			max_output: spec.max_output,
			tier: spec.tier,
			layers,
			premium: spec.premium,
			active: true,
		})
	}

	/// The verifying key of a zero-knowledge model: required, bounded, valid, and expecting
	/// `1 + max_input + max_output / 4` public inputs (the job binding, the input bytes, the
	/// output integers); other tiers take none.
	fn validate_key(
		m: &ModelOf<T>,
		key: Vec<u8>,
	) -> Result<Option<BoundedVec<u8, T::MaxVerifyingKeyLen>>, DispatchError> {
		if m.tier != VerificationTier::ZeroKnowledge {
			ensure!(key.is_empty(), Error::<T>::BadVerifyingKey);
			return Ok(None);
		}
		let inputs = m.max_input.saturating_add(m.max_output / 4).saturating_add(1);
		ensure!(inputs <= T::MaxZkPublicInputs::get(), Error::<T>::BadVerifyingKey);
		let bounded: BoundedVec<u8, T::MaxVerifyingKeyLen> =
			key.try_into().map_err(|_| Error::<T>::BadVerifyingKey)?;
		let expected = zk::check_key(&bounded).map_err(|_| Error::<T>::BadVerifyingKey)?;
		ensure!(expected == inputs as usize, Error::<T>::BadVerifyingKey);
		Ok(Some(bounded))
	}

	/// Integer models take exactly `max_input` bytes; others 1..=`max_input`.
	fn check_input(m: &ModelOf<T>, input: &[u8]) -> DispatchResult {
		let len = input.len();
		let ok = match m.tier {
			VerificationTier::ExactInteger | VerificationTier::ZeroKnowledge => {
				len == m.max_input as usize
			}
			VerificationTier::FloatTolerance { .. } => (1..=m.max_input as usize).contains(&len),
		};
		ensure!(ok, Error::<T>::BadInput);
		ensure!(Self::input_fits_kind(m.kind, input), Error::<T>::InputNotText);
		Ok(())
	}

	/// Whether `input` is what a model of `kind` reads: text (UTF-8) for embedders, any bytes for
	/// classifiers. A request that no worker could run would fault every assigned worker.
	pub fn input_fits_kind(kind: ModelKind, input: &[u8]) -> bool {
		match kind {
			ModelKind::Embedding => core::str::from_utf8(input).is_ok(),
			ModelKind::Classifier => true,
		}
	}

	/// Share (‰) of `MaxLiveJobs` open to free-riders: the rest is kept for contributors, so a
	/// flood of requests from accounts that never contributed cannot lock them out.
	pub const FREE_RIDER_LIVE_PERMILLE: u32 = 750;

	/// Whether `who` may have one more live job: below `MaxLiveJobs` (free-riders: below
	/// [`Self::FREE_RIDER_LIVE_PERMILLE`] of it) and below `MaxLiveJobsPerAccount` of its own.
	pub fn check_room(who: &T::AccountId, contributor: bool) -> DispatchResult {
		let live = LiveJobs::<T>::get();
		let max = T::MaxLiveJobs::get();
		let limit = if contributor {
			max
		} else {
			sp_runtime::Permill::from_parts(Self::FREE_RIDER_LIVE_PERMILLE.saturating_mul(1000))
				.mul_floor(max)
		};
		ensure!(live < limit, Error::<T>::QueueFull);
		ensure!(
			LiveJobsOf::<T>::get(who) < T::MaxLiveJobsPerAccount::get(),
			Error::<T>::TooManyLiveJobs
		);
		Ok(())
	}

	/// The current rate window: the block number divided by `RateWindow`.
	fn rate_window() -> u32 {
		let now: u64 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let window_len: u64 = T::RateWindow::get().unique_saturated_into();
		now.checked_div(window_len).unwrap_or(0).try_into().unwrap_or(u32::MAX)
	}

	/// One step of the idle sweep of [`RequestCounts`]: once per rate window a pass removes the
	/// counters of past windows, at most [`REQUEST_SWEEP_PER_BLOCK`] entries a block and only
	/// as many as the idle weight pays for (one read and one write each), resuming from a
	/// cursor. Without it every account that ever sent a request would keep a counter for good.
	/// Returns the weight used.
	pub fn sweep_request_counts(remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let base = db.reads(1);
		let per_entry = db.reads_writes(1, 1);
		if !remaining.all_gte(base) {
			return Weight::zero();
		}
		let window = Self::rate_window();
		let (swept, cursor) = RequestSweep::<T>::get();
		if swept == window {
			return base;
		}
		let mut used = base.saturating_add(db.writes(1));
		// Not even one entry fits: leave the cursor as it is.
		if !remaining.all_gte(used.saturating_add(per_entry)) {
			return base;
		}
		let resume = cursor.clone();
		let mut iter = match cursor {
			Some(key) => RequestCounts::<T>::iter_from(key.into_inner()),
			None => RequestCounts::<T>::iter(),
		};
		let (mut stale, mut last, mut finished, mut visited) = (Vec::new(), None, true, 0u32);
		while visited < REQUEST_SWEEP_PER_BLOCK {
			if !remaining.all_gte(used.saturating_add(per_entry)) {
				finished = false;
				break;
			}
			let Some((who, (w, _))) = iter.next() else { break };
			used = used.saturating_add(per_entry);
			visited = visited.saturating_add(1);
			last = Some(who.clone());
			if w < window {
				stale.push(who);
			}
		}
		if finished && visited == REQUEST_SWEEP_PER_BLOCK {
			// A full step: the pass is over only if nothing follows (one more read).
			finished = remaining.all_gte(used.saturating_add(db.reads(1))) && {
				used = used.saturating_add(db.reads(1));
				iter.next().is_none()
			};
		}
		for who in stale {
			RequestCounts::<T>::remove(who);
		}
		if finished {
			RequestSweep::<T>::put((window, None::<BoundedVec<u8, ConstU32<128>>>));
		} else {
			// The storage key of the last entry visited only (not one per entry).
			let cursor = last
				.map(|who| BoundedVec::truncate_from(RequestCounts::<T>::hashed_key_for(&who)))
				.or(resume);
			RequestSweep::<T>::put((swept, cursor));
		}
		used
	}

	/// The consumer's `(window, count)` for a new request, or [`Error::RateLimited`].
	pub fn rate_state(who: &T::AccountId) -> Result<(u32, u32), DispatchError> {
		let window = Self::rate_window();
		let (w, c) = RequestCounts::<T>::get(who);
		let count = if w == window { c } else { 0 };
		let contributor =
			pallet_workers::Pallet::<T>::contribution(who) >= T::ContributorThreshold::get();
		let limit =
			if contributor { T::ContributorRequests::get() } else { T::FreeRiderRequests::get() };
		ensure!(count < limit, Error::<T>::RateLimited);
		Ok((window, count))
	}

	fn replica_index(j: &JobOf<T>, who: &T::AccountId) -> Result<usize, DispatchError> {
		j.replicas
			.iter()
			.position(|r| r.worker == *who)
			.ok_or_else(|| Error::<T>::NotAssigned.into())
	}

	/// Randomness for assigning job `id` at `now`: the randomness of block `now` where the
	/// source has it already (the runtime's chain randomness is set at the start of the block),
	/// else of its parent. Jobs are assigned only in blocks after their request, so either was
	/// produced after the request was sent.
	fn assignment_seed(id: JobId, attempt: u8, now: BlockNumberFor<T>) -> [u8; 32] {
		let parent = now.saturating_sub(1u32.into());
		let randomness = T::BlockRandomness::randomness_of(now)
			.or_else(|| T::BlockRandomness::randomness_of(parent))
			.unwrap_or_default();
		sp_io::hashing::blake2_256(&(b"declai/assign", randomness, id, attempt).encode())
	}

	/// The challenge seed of `worker`'s result: from the block in which the commitments closed.
	fn challenge_seed_of(id: JobId, j: &JobOf<T>, worker: &T::AccountId) -> Option<[u8; 32]> {
		let randomness = T::BlockRandomness::randomness_of(j.commits_closed?)?;
		Some(challenge_seed(&randomness.0, id, &worker.encode()))
	}

	/// Draws one worker for `j` from the model's candidates, excluding `taken`: weighted by
	/// reputation (and region) through rejection sampling, so the cost is bounded by
	/// [`DRAW_TRIES`] candidate reads whatever the number of candidates. After `DRAW_TRIES`
	/// rejections the heaviest eligible candidate seen is taken.
	fn draw(
		j: &JobOf<T>,
		candidates: &[T::AccountId],
		taken: &[T::AccountId],
		seed: &[u8; 32],
	) -> Option<(T::AccountId, pallet_workers::WorkerOf<T>)> {
		let len = candidates.len() as u64;
		if len == 0 {
			return None;
		}
		let max_jobs = T::MaxJobsPerWorker::get() as usize;
		let ceiling = u64::from(PPM).saturating_mul(if j.region.is_some() { 2 } else { 1 });
		let mut best: Option<(u64, T::AccountId, pallet_workers::WorkerOf<T>)> = None;
		for attempt in 0..DRAW_TRIES {
			let h = sp_io::hashing::blake2_256(&(seed, attempt).encode());
			let mut head = [0u8; 8];
			head.copy_from_slice(h.get(..8).unwrap_or(&[0u8; 8]));
			let index = u64::from_le_bytes(head).checked_rem(len).unwrap_or(0) as usize;
			let Some(who) = candidates.get(index) else { continue };
			if *who == j.consumer
				|| j.excluded.contains(who)
				|| taken.contains(who)
				|| WorkerJobs::<T>::decode_len(who).unwrap_or(0) >= max_jobs
			{
				continue;
			}
			let Some(record) = pallet_workers::Pallet::<T>::worker(who) else { continue };
			let weight = pallet_workers::Pallet::<T>::selection_weight(&record, j.region);
			// Accept with probability weight / ceiling.
			if u64::from(draw_ppm(&h)).saturating_mul(ceiling)
				< weight.saturating_mul(u64::from(PPM))
			{
				return Some((who.clone(), record));
			}
			if best.as_ref().is_none_or(|(w, _, _)| weight > *w) {
				best = Some((weight, who.clone(), record));
			}
		}
		best.map(|(_, who, record)| (who, record))
	}

	/// Draws workers for `j` (see the crate docs); `false` if none is free.
	fn try_assign(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) -> bool {
		let candidates = pallet_workers::Pallet::<T>::candidates(j.model);
		let attempt = j.attempts.saturating_add(1);
		let seed = Self::assignment_seed(id, attempt, now);
		let Some((primary, record)) = Self::draw(j, &candidates, &[], &seed) else { return false };
		// Untrusted workers are replicated (a zero-knowledge proof verifies a result completely:
		// no replica needed). Whether a trusted worker's result is audited is drawn only after its
		// commitment (see `evaluate`), so nothing at assignment tells it.
		let replicate = pallet_workers::Pallet::<T>::audit_ppm(&primary, &record).is_none()
			&& m.tier != VerificationTier::ZeroKnowledge;
		let mut workers = alloc::vec![primary];
		if replicate {
			let second_seed = sp_io::hashing::blake2_256(&(seed, 2u8).encode());
			if let Some((w, _)) = Self::draw(j, &candidates, &workers, &second_seed) {
				workers.push(w);
			}
		}
		j.lone = replicate && workers.len() < 2;
		j.replicas = BoundedVec::truncate_from(
			workers.iter().map(|w| Replica::assigned(w.clone())).collect(),
		);
		for w in &workers {
			Self::take_on(id, w);
		}
		j.attempts = attempt;
		j.phase = Phase::Committing;
		j.commits_closed = None;
		j.deadline = now.saturating_add(T::CommitWindow::get());
		Self::deposit_event(Event::JobAssigned { job: id, workers, attempt, lone: j.lone });
		true
	}

	/// Records job `id` as `worker`'s: its active-job count and its job list (the draw filtered
	/// workers at `MaxJobsPerWorker`, so the list has room).
	fn take_on(id: JobId, worker: &T::AccountId) {
		pallet_workers::Pallet::<T>::job_started(worker);
		WorkerJobs::<T>::mutate(worker, |jobs| {
			let _ = jobs.try_push(id);
		});
	}

	/// The job, replica index and model of `worker`'s result that awaits a check (challenge
	/// answer or proof).
	fn awaiting_check(
		job: JobId,
		worker: &T::AccountId,
	) -> Result<(JobOf<T>, usize, ModelOf<T>), DispatchError> {
		let j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(j.phase == Phase::Challenged, Error::<T>::WrongPhase);
		let index = Self::replica_index(&j, worker)?;
		ensure!(
			j.replicas.get(index).is_some_and(|r| r.state == ReplicaState::Challenged),
			Error::<T>::AlreadySubmitted
		);
		let m = Models::<T>::get(j.model).ok_or(Error::<T>::UnknownModel)?;
		Ok((j, index, m))
	}

	/// Records a check of replica `index`: verified (with `passed`'s event) or faulted with
	/// `reason`; concludes the job once no check is pending, and stores it.
	fn record_check(
		job: JobId,
		j: &mut JobOf<T>,
		index: usize,
		m: &ModelOf<T>,
		passed: bool,
		event: Event<T>,
		reason: FaultReason,
	) {
		if passed {
			if let Some(r) = j.replicas.get_mut(index) {
				r.state = ReplicaState::Verified;
			}
			Self::deposit_event(event);
		} else {
			Self::fault(job, j, index, reason);
		}
		if !j.replicas.iter().any(|r| r.state == ReplicaState::Challenged) {
			Self::conclude(job, j, m, frame_system::Pallet::<T>::block_number());
		}
		Jobs::<T>::insert(job, j.clone());
	}

	/// Faults replica `index` of `j`: punishes the worker and emits the event.
	fn fault(id: JobId, j: &mut JobOf<T>, index: usize, reason: FaultReason) {
		let Some(r) = j.replicas.get_mut(index) else { return };
		r.state = ReplicaState::Faulted(reason.fault());
		let worker = r.worker.clone();
		let slashed = pallet_workers::Pallet::<T>::record_fault(&worker, reason.fault());
		Outputs::<T>::remove(id, &worker);
		Self::deposit_event(Event::ReplicaFaulted { job: id, worker, reason, slashed });
	}

	/// Faults every replica in `state` with `reason`.
	fn fault_all(id: JobId, j: &mut JobOf<T>, state: ReplicaState, reason: FaultReason) {
		for index in 0..j.replicas.len() {
			if j.replicas.get(index).is_some_and(|r| r.state == state) {
				Self::fault(id, j, index, reason);
			}
		}
	}

	/// Commitments are closed: reveals are due; or, with no (new) commitment, the attempt failed
	/// (a tiebreaker that did not commit is punished for it, and the dispute stays undecided).
	fn close_commits(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		if j.replicas.iter().any(|r| r.state == ReplicaState::Committed) {
			j.phase = Phase::Revealing;
			j.commits_closed = Some(now);
			let deadline = now.saturating_add(T::RevealWindow::get());
			Self::set_deadline(id, j, deadline);
			Self::deposit_event(Event::CommitsClosed { job: id, deadline });
		} else {
			Self::fail_attempt(id, j, m, now);
		}
	}

	/// All reveals are in (or due): compare, then challenge, audit or settle.
	///
	/// Agreeing replicas are spot checked (integer models: every replica answers a layer
	/// challenge; float models: a validator audit) with the highest audit rate among them, an
	/// untrusted worker counting `1 / TrustAfter`: two colluding replicas cannot count on
	/// agreement alone. After a voteless audit brought a tiebreaker, the replicas' strict
	/// majority decides and the outvoted replicas are faulted.
	fn evaluate(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		let live: Vec<usize> = (0..j.replicas.len())
			.filter(|i| j.replicas.get(*i).is_some_and(|r| r.state == ReplicaState::Revealed))
			.collect();
		let outputs: Vec<BoundedVec<u8, T::MaxOutputLen>> = live
			.iter()
			.filter_map(|i| j.replicas.get(*i))
			.map(|r| Outputs::<T>::get(id, &r.worker).unwrap_or_default())
			.collect();
		let Some(reference) = outputs.first() else {
			return Self::fail_attempt(id, j, m, now);
		};
		let same = |a: &[u8], b: &[u8]| match m.tier {
			VerificationTier::ExactInteger | VerificationTier::ZeroKnowledge => a == b,
			VerificationTier::FloatTolerance { max_error_ppm } => {
				within_tolerance(a, b, max_error_ppm) && within_tolerance(b, a, max_error_ppm)
			}
		};
		if !outputs.iter().all(|o| same(reference, o)) {
			if j.escalations > 0 {
				let majority = outputs.iter().find(|a| {
					outputs.iter().filter(|b| same(a, b)).count().saturating_mul(2) > outputs.len()
				});
				if let Some(winner) = majority {
					for (i, o) in live.iter().zip(&outputs) {
						if !same(winner, o) {
							Self::fault(id, j, *i, FaultReason::Outvoted);
						}
					}
					return Self::settle(id, j, m);
				}
			}
			return Self::start_audit(id, j, now);
		}
		if m.tier == VerificationTier::ZeroKnowledge {
			return Self::require_proofs(id, j, &live, now);
		}
		if live.len() >= 2 {
			if j.escalations == 0 && Self::spot_checked(id, j, &live) {
				return match m.tier {
					VerificationTier::ExactInteger => Self::challenge(id, j, m, &live, now),
					_ => Self::start_audit(id, j, now),
				};
			}
			return Self::settle(id, j, m);
		}
		// One result and nothing to compare it with.
		let must_check = j.lone || j.replicas.len() >= 2;
		let checked = must_check
			|| live.first().and_then(|i| j.replicas.get(*i)).is_some_and(|r| {
				let audit_ppm = pallet_workers::Pallet::<T>::worker(&r.worker)
					.and_then(|w| pallet_workers::Pallet::<T>::audit_ppm(&r.worker, &w))
					.unwrap_or(PPM);
				Self::challenge_seed_of(id, j, &r.worker)
					.is_none_or(|seed| draw_ppm(&seed) < audit_ppm)
			});
		match (checked, m.tier) {
			(false, _) => Self::settle(id, j, m),
			(true, VerificationTier::ExactInteger) => Self::challenge(id, j, m, &live, now),
			// A trusted worker's lone float result is audited with probability max(1/CV,
			// floor), drawn from the block that closed the commitments.
			(true, _) => Self::start_audit(id, j, now),
		}
	}

	/// Whether the agreeing replicas `live` of job `id` are spot checked: drawn from the block
	/// that closed the commitments with the highest audit rate among them.
	fn spot_checked(id: JobId, j: &JobOf<T>, live: &[usize]) -> bool {
		let untrusted =
			PPM.checked_div(<T as pallet_workers::Config>::TrustAfter::get().max(1)).unwrap_or(PPM);
		let rate = live
			.iter()
			.filter_map(|i| j.replicas.get(*i))
			.map(|r| {
				pallet_workers::Pallet::<T>::worker(&r.worker).map_or(PPM, |w| {
					pallet_workers::Pallet::<T>::audit_ppm(&r.worker, &w).unwrap_or(untrusted)
				})
			})
			.max()
			.unwrap_or(PPM);
		let Some(randomness) = j.commits_closed.and_then(T::BlockRandomness::randomness_of) else {
			return true;
		};
		draw_ppm(&challenge_seed(&randomness.0, id, b"declai/spot-check")) < rate
	}

	/// Challenges each revealed integer result in `live` (a layer each, from its own seed); a
	/// result without randomness to draw from goes to the validators instead.
	fn challenge(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		live: &[usize],
		now: BlockNumberFor<T>,
	) {
		let deadline = now.saturating_add(T::ChallengeWindow::get());
		let mut seeds = Vec::new();
		for i in live {
			let Some(r) = j.replicas.get(*i) else { continue };
			match Self::challenge_seed_of(id, j, &r.worker) {
				Some(seed) => seeds.push((*i, seed)),
				None => return Self::start_audit(id, j, now),
			}
		}
		for (i, seed) in seeds {
			let layer = poi::challenged_layer(&seed, m.layers.len()) as u32;
			if let Some(r) = j.replicas.get_mut(i) {
				r.state = ReplicaState::Challenged;
				let worker = r.worker.clone();
				Self::deposit_event(Event::Challenged { job: id, worker, layer, deadline });
			}
		}
		j.phase = Phase::Challenged;
		Self::set_deadline(id, j, deadline);
	}

	/// Zero-knowledge models: every revealed result must be proven (`prove`) by the deadline.
	fn require_proofs(id: JobId, j: &mut JobOf<T>, live: &[usize], now: BlockNumberFor<T>) {
		let deadline = now.saturating_add(T::ChallengeWindow::get());
		for i in live {
			if let Some(r) = j.replicas.get_mut(*i) {
				r.state = ReplicaState::Challenged;
				let worker = r.worker.clone();
				Self::deposit_event(Event::Challenged { job: id, worker, layer: 0, deadline });
			}
		}
		j.phase = Phase::Challenged;
		Self::set_deadline(id, j, deadline);
	}

	/// Challenges are answered (or due): settle the verified results or fail the attempt.
	fn conclude(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		if j.replicas.iter().any(|r| r.state == ReplicaState::Verified) {
			Self::settle(id, j, m);
		} else {
			Self::fail_attempt(id, j, m, now);
		}
	}

	fn start_audit(id: JobId, j: &mut JobOf<T>, now: BlockNumberFor<T>) {
		j.phase = Phase::Auditing;
		let deadline = now.saturating_add(T::AuditWindow::get());
		Self::set_deadline(id, j, deadline);
		Self::deposit_event(Event::AuditStarted { job: id, deadline });
	}

	/// Aggregates the audit votes by reputation-weighted median per replica; scores auditors.
	fn resolve_audit(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		let auditors = Auditors::<T>::get();
		let votes: Vec<_> =
			AuditVotes::<T>::take(id).into_iter().filter(|(a, _)| auditors.contains(a)).collect();
		if votes.is_empty() {
			// Nobody could tell who was right: ask another worker (the majority of the replicas
			// then decides); when no worker is free, nobody is punished or paid.
			return Self::escalate(id, j, m, now);
		}
		let weights: Vec<u64> =
			votes.iter().map(|(a, _)| u64::from(AuditorReputation::<T>::get(a))).collect();
		let mut distance = alloc::vec![0u32; votes.len()];
		for index in 0..j.replicas.len() {
			if !j.replicas.get(index).is_some_and(|r| r.state == ReplicaState::Revealed) {
				continue;
			}
			let mut column: Vec<(u32, u64)> = votes
				.iter()
				.zip(&weights)
				.map(|((_, s), w)| (u32::from(s.get(index).copied().unwrap_or(0)), (*w).max(1)))
				.collect();
			let median = poi::weighted_median(&mut column).unwrap_or(0);
			for (d, (_, s)) in distance.iter_mut().zip(&votes) {
				let score = u32::from(s.get(index).copied().unwrap_or(0));
				*d = (*d).max(score.abs_diff(median));
			}
			if median >= u32::from(AUDIT_PASS) {
				if let Some(r) = j.replicas.get_mut(index) {
					r.state = ReplicaState::Verified;
				}
			} else {
				Self::fault(id, j, index, FaultReason::AuditedWrong);
			}
		}
		// Auditors near the median gain reputation (and their re-run counts as verified work),
		// those far from it lose it.
		for ((auditor, _), d) in votes.iter().zip(distance) {
			let agreed = d < u32::from(AUDIT_PASS);
			AuditorReputation::<T>::mutate(auditor, |r| {
				*r = if agreed { r.saturating_add(PPM.saturating_sub(*r) / 20) } else { *r / 2 };
			});
			if agreed {
				<T::WorkTally as poi::WorkTally<_>>::note_work(auditor, &j.consumer, m.cost);
			}
		}
		Self::conclude(id, j, m, now);
	}

	/// Whether `who` is a party to job `j`: its consumer or one of its replicas.
	fn is_party(j: &JobOf<T>, who: &T::AccountId) -> bool {
		j.consumer == *who || j.replicas.iter().any(|r| r.worker == *who)
	}

	/// An audit ended without votes: add a tiebreaker replica (another worker of the model) to
	/// this attempt, or, when the replicas are at `MaxReplicas` or no worker is free, fail the
	/// attempt without punishing anyone.
	fn escalate(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		let candidates = pallet_workers::Pallet::<T>::candidates(j.model);
		let taken: Vec<T::AccountId> = j.replicas.iter().map(|r| r.worker.clone()).collect();
		let seed = Self::assignment_seed(id, j.attempts.saturating_add(j.escalations), now);
		let room = (j.replicas.len() as u32) < T::MaxReplicas::get();
		let Some((worker, _)) = room.then(|| Self::draw(j, &candidates, &taken, &seed)).flatten()
		else {
			return Self::fail_attempt(id, j, m, now);
		};
		if j.replicas.try_push(Replica::assigned(worker.clone())).is_err() {
			return Self::fail_attempt(id, j, m, now);
		}
		Self::take_on(id, &worker);
		j.escalations = j.escalations.saturating_add(1);
		j.phase = Phase::Committing;
		let deadline = now.saturating_add(T::CommitWindow::get());
		Self::set_deadline(id, j, deadline);
		Self::deposit_event(Event::AuditEscalated { job: id, tiebreaker: worker, deadline });
	}

	/// No verified result in this attempt: re-assign to other workers, or refund.
	fn fail_attempt(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		Self::release_workers(id, j);
		// Never again the workers of any earlier attempt (bounded: the newest are kept).
		let mut excluded = j.excluded.to_vec();
		excluded.extend(
			j.replicas.iter().map(|r| r.worker.clone()).filter(|w| !j.excluded.contains(w)),
		);
		let skip = excluded.len().saturating_sub(T::MaxReplicas::get() as usize);
		j.excluded = BoundedVec::truncate_from(excluded.into_iter().skip(skip).collect());
		let old = j.deadline;
		if j.attempts < T::MaxAttempts::get() && Self::try_assign(id, j, m, now) {
			let new = j.deadline;
			j.deadline = old;
			Self::set_deadline(id, j, new);
		} else {
			Self::refund(id, j, RefundReason::NoVerifiedResult);
		}
	}

	/// Frees the replicas' workers from job `id` and drops their outputs (idempotent).
	fn release_workers(id: JobId, j: &JobOf<T>) {
		for r in j.replicas.iter() {
			let was_assigned = WorkerJobs::<T>::mutate_exists(&r.worker, |jobs| {
				let Some(list) = jobs else { return false };
				let before = list.len();
				list.retain(|x| *x != id);
				let removed = list.len() < before;
				if list.is_empty() {
					*jobs = None;
				}
				removed
			});
			if was_assigned {
				pallet_workers::Pallet::<T>::job_ended(&r.worker);
			}
			Outputs::<T>::remove(id, &r.worker);
		}
	}

	/// Serves the job: burns the escrow, pays each verified replica by the formula.
	fn settle(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>) {
		let verified: Vec<usize> = (0..j.replicas.len())
			.filter(|i| {
				j.replicas.get(*i).is_some_and(|r| {
					matches!(r.state, ReplicaState::Revealed | ReplicaState::Verified)
				})
			})
			.collect();
		let result = verified
			.first()
			.and_then(|i| j.replicas.get(*i))
			.and_then(|r| Outputs::<T>::get(id, &r.worker));
		// The escrow is held by this pallet alone, so it is there to burn.
		if let Err(e) =
			<pallet_economics::Pallet<T> as Settlement<T::AccountId, HoldReasonOf<T>>>::consume_held(
				&j.consumer,
				Self::escrow(),
				j.price,
			) {
			log::error!(target: "runtime::inference", "escrow of job {id} not burned: {e:?}");
		}
		// Served work is the demand that α reads (a cancelled or refunded request is not).
		<pallet_economics::Pallet<T> as Settlement<T::AccountId, HoldReasonOf<T>>>::note_demand(
			m.cost,
		);
		let job_hash = job_hash(id);
		// One payment for the job, shared by its verified replicas: each is paid its share of
		// the reference work at the α the job was priced at (price ÷ cost), and never more than
		// its share of the burned price, so the credits minted for a job never exceed the credits
		// burned for it (replication is paid by the network's verification, not by new credits).
		let shares = (verified.len() as u128).max(1);
		let work = m.cost.checked_div(shares).unwrap_or(0);
		let budget = j.price.checked_div(shares).unwrap_or(0);
		let alpha = sp_runtime::FixedU128::checked_from_rational(j.price, m.cost).unwrap_or_else(
			<pallet_economics::Pallet<T> as Settlement<T::AccountId, HoldReasonOf<T>>>::alpha,
		);
		let (mut workers, mut receipts) = (Vec::new(), Vec::new());
		for i in verified {
			let Some(r) = j.replicas.get_mut(i) else { continue };
			r.state = ReplicaState::Verified;
			let worker = r.worker.clone();
			let Some(record) = pallet_workers::Pallet::<T>::worker(&worker) else { continue };
			let confirmed = pallet_workers::Pallet::<T>::class_confirmed(&worker);
			let minted = match <pallet_economics::Pallet<T> as Settlement<
				T::AccountId,
				HoldReasonOf<T>,
			>>::settle_work(
				&worker, job_hash, record.class, confirmed, work, alpha, budget
			) {
				Ok((receipt, r)) => {
					receipts.push(receipt);
					r.minted
				}
				Err(e) => {
					log::error!(target: "runtime::inference", "job {id}: paying {worker:?} failed: {e:?}");
					0
				}
			};
			pallet_workers::Pallet::<T>::record_valid(&worker, work, minted);
			<T::WorkTally as poi::WorkTally<_>>::note_work(&worker, &j.consumer, work);
			workers.push(worker);
		}
		if let Some(result) = result {
			Results::<T>::insert(id, result);
		}
		JobReceipts::<T>::insert(id, BoundedVec::truncate_from(receipts.clone()));
		Self::end(id, j, Outcome::Served);
		Self::deposit_event(Event::JobServed { job: id, workers, receipts });
	}

	/// Returns the escrow to the consumer and ends the job.
	fn refund(id: JobId, j: &mut JobOf<T>, reason: RefundReason) {
		if let Err(e) = pallet_credits::Pallet::<T>::release(&Self::escrow(), &j.consumer, j.price)
		{
			log::error!(target: "runtime::inference", "escrow of job {id} not released: {e:?}");
		}
		if j.phase == Phase::Queued {
			Pending::<T>::mutate(|q| q.retain(|(_, x, _)| *x != id));
		}
		Self::end(id, j, Outcome::Refunded);
		Self::deposit_event(Event::JobRefunded { job: id, reason });
	}

	/// Marks the job ended and frees its live-job slot, input and deadline.
	fn end(id: JobId, j: &mut JobOf<T>, outcome: Outcome) {
		Self::release_workers(id, j);
		Self::unschedule(id, j.deadline);
		j.phase = Phase::Done(outcome);
		Inputs::<T>::remove(id);
		AuditVotes::<T>::remove(id);
		LiveJobs::<T>::mutate(|n| *n = n.saturating_sub(1));
		LiveJobsOf::<T>::mutate_exists(&j.consumer, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
		Self::note_ended(id);
	}

	/// Moves job `id` to a new deadline bucket.
	fn set_deadline(id: JobId, j: &mut JobOf<T>, deadline: BlockNumberFor<T>) {
		Self::schedule(id, Some(j.deadline), deadline);
		j.deadline = deadline;
	}

	/// Puts `id` in the bucket of `new` (out of `old`'s).
	fn schedule(id: JobId, old: Option<BlockNumberFor<T>>, new: BlockNumberFor<T>) {
		if let Some(old) = old {
			if old == new {
				return;
			}
			Self::unschedule(id, old);
		}
		// Each live job is in exactly one bucket and live jobs are bounded by MaxLiveJobs, the
		// bound of a bucket.
		Deadlines::<T>::mutate(new, |d| {
			if !d.contains(&id) && d.try_push(id).is_err() {
				log::error!(target: "runtime::inference", "deadline bucket full for job {id}");
			}
		});
	}

	/// Takes `id` out of the bucket of `at` (dropping an emptied bucket). A job whose deadline
	/// has passed may have been carried over a full block: it then waits in the next block's
	/// bucket with its deadline unchanged, and is taken out of that one, so that every job stays
	/// in one bucket.
	fn unschedule(id: JobId, at: BlockNumberFor<T>) {
		let take_out = |block: BlockNumberFor<T>| {
			Deadlines::<T>::mutate_exists(block, |d| {
				if let Some(list) = d {
					list.retain(|x| *x != id);
					if list.is_empty() {
						*d = None;
					}
				}
			})
		};
		take_out(at);
		let now = frame_system::Pallet::<T>::block_number();
		if at <= now {
			take_out(now.saturating_add(1u32.into()));
		}
	}

	/// Writes the job back unless it was pruned meanwhile (never: pruning only touches ended
	/// jobs older than `MaxResults`).
	fn store(id: JobId, j: JobOf<T>) {
		Jobs::<T>::insert(id, j);
	}

	/// Appends `id` to the ended jobs and prunes the oldest record beyond `MaxResults`.
	fn note_ended(id: JobId) {
		let (mut head, tail) = EndedRange::<T>::get();
		Ended::<T>::insert(tail, id);
		let tail = tail.saturating_add(1);
		if tail.saturating_sub(head) > u64::from(T::MaxResults::get()) {
			if let Some(old) = Ended::<T>::take(head) {
				Jobs::<T>::remove(old);
				Results::<T>::remove(old);
				JobReceipts::<T>::remove(old);
			}
			head = head.saturating_add(1);
		}
		EndedRange::<T>::put((head, tail));
	}

	/// Handles the jobs whose deadline is `n` (at most `DeadlinesPerBlock`; the rest move to
	/// `n + 1`). Returns how many were handled.
	fn process_deadlines(n: BlockNumberFor<T>) -> u32 {
		let mut due = Deadlines::<T>::take(n).into_inner();
		let limit = T::DeadlinesPerBlock::get() as usize;
		let rest = if due.len() > limit { due.split_off(limit) } else { Vec::new() };
		// The rest waits one block in the next bucket, with its (past) deadline unchanged: one
		// bucket write, no job touched, linear in the bucket (each live job is in exactly one
		// bucket, so none of `rest` is in the next one already; `try_state` checks that). The
		// `on_initialize` benchmark carries a full bucket.
		if !rest.is_empty() {
			Deadlines::<T>::mutate(n.saturating_add(1u32.into()), |bucket| {
				for id in rest {
					if bucket.try_push(id).is_err() {
						frame_support::defensive!(
							"deadline buckets hold at most MaxLiveJobs jobs in all"
						);
					}
				}
			});
		}
		let mut handled = 0u32;
		for id in due {
			let Some(mut j) = Jobs::<T>::get(id) else { continue };
			// Stale entries (the job moved on or ended) are skipped; carried ones are due.
			if j.deadline > n || matches!(j.phase, Phase::Done(_)) {
				continue;
			}
			handled = handled.saturating_add(1);
			Self::on_deadline(id, &mut j, n);
			Jobs::<T>::insert(id, j);
		}
		handled
	}

	/// The current phase of `j` timed out at `now`.
	fn on_deadline(id: JobId, j: &mut JobOf<T>, now: BlockNumberFor<T>) {
		let Some(m) = Models::<T>::get(j.model) else {
			return Self::refund(id, j, RefundReason::NoVerifiedResult);
		};
		match j.phase {
			Phase::Queued => Self::refund(id, j, RefundReason::QueueTimeout),
			Phase::Committing => {
				Self::fault_all(id, j, ReplicaState::Assigned, FaultReason::NoCommit);
				Self::close_commits(id, j, &m, now);
			}
			Phase::Revealing => {
				Self::fault_all(id, j, ReplicaState::Committed, FaultReason::NoReveal);
				Self::evaluate(id, j, &m, now);
			}
			Phase::Challenged => {
				Self::fault_all(id, j, ReplicaState::Challenged, FaultReason::NoResponse);
				Self::conclude(id, j, &m, now);
			}
			Phase::Auditing => Self::resolve_audit(id, j, &m, now),
			Phase::Done(_) => {}
		}
	}

	/// Assigns queued jobs, highest priority first: at most `AssignPerBlock` assignment tries;
	/// once a model finds no free worker its other queued jobs are skipped in this block, so one
	/// saturated model does not hold up the others. Returns the tries.
	fn assign_pending(now: BlockNumberFor<T>) -> u32 {
		let queue = Pending::<T>::get();
		if queue.is_empty() {
			return 0;
		}
		let (mut tried, mut assigned, mut saturated) = (0u32, Vec::new(), Vec::new());
		for (_, id, model) in queue.iter() {
			if tried >= T::AssignPerBlock::get() {
				break;
			}
			if saturated.contains(model) {
				continue;
			}
			tried = tried.saturating_add(1);
			let Some(mut j) = Jobs::<T>::get(id) else { continue };
			let Some(m) = Models::<T>::get(j.model) else { continue };
			let old = j.deadline;
			if Self::try_assign(*id, &mut j, &m, now) {
				let new = j.deadline;
				j.deadline = old;
				Self::set_deadline(*id, &mut j, new);
				Jobs::<T>::insert(id, j);
				assigned.push(*id);
			} else {
				saturated.push(*model);
			}
		}
		if !assigned.is_empty() {
			Pending::<T>::mutate(|q| q.retain(|(_, x, _)| !assigned.contains(x)));
		}
		tried
	}

	/// Reports the block's capacity (active workers' throughput × block time) to the economics
	/// pallet, for α.
	fn note_capacity() {
		let permille = pallet_workers::Pallet::<T>::capacity_permille();
		if permille.is_zero() {
			return;
		}
		let ms = u128::from(<T as pallet_credits::Config>::MillisecsPerBlock::get());
		// GPU-hours: permille/1000 × ms/3,600,000 × GPU_HOUR.
		let work = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			permille.saturating_mul(ms),
			declai_primitives::GPU_HOUR,
			3_600_000_000,
			sp_runtime::Rounding::Down,
		)
		.unwrap_or(0);
		<pallet_economics::Pallet<T> as Settlement<T::AccountId, HoldReasonOf<T>>>::note_capacity(
			work,
		);
	}

	/// A job as the runtime API shows it.
	pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BlockNumberFor<T>>> {
		let j = Jobs::<T>::get(id)?;
		Some(JobView {
			id,
			consumer: j.consumer,
			model: j.model,
			price: j.price,
			phase: j.phase,
			deadline: j.deadline,
			created: j.created,
			replicas: j.replicas.iter().map(|r| (r.worker.clone(), r.state)).collect(),
			attempts: j.attempts,
			result: Results::<T>::get(id).map(|r| r.into_inner()),
			receipts: JobReceipts::<T>::get(id).into_inner(),
		})
	}

	/// The queue as the runtime API shows it.
	pub fn queue_view() -> QueueView {
		QueueView {
			live: LiveJobs::<T>::get(),
			pending: Pending::<T>::get().iter().map(|(_, id, _)| *id).collect(),
			capacity_permille: pallet_workers::Pallet::<T>::capacity_permille(),
			next_job: NextJobId::<T>::get(),
		}
	}

	/// Invariants: credits minted for a served job ≤ the credits burned for it; escrow
	/// conservation (each consumer's escrow hold = Σ prices of its live jobs); every live job has
	/// a future deadline and sits in that deadline's bucket; the live count (in all and per
	/// account) matches; queued jobs are exactly the pending ones; worker job lists match replicas.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let now = frame_system::Pallet::<T>::block_number();
		let mut escrow: BTreeMap<T::AccountId, Balance> = BTreeMap::new();
		let mut live = 0u32;
		let mut assigned: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut per_account: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let pending = Pending::<T>::get();
		for (id, j) in Jobs::<T>::iter() {
			if j.phase == Phase::Done(Outcome::Served) {
				// Minted ≤ burned per job (over the receipts the economics pallet still keeps).
				let minted = JobReceipts::<T>::get(id)
					.iter()
					.filter_map(|r| pallet_economics::Receipts::<T>::get(r))
					.fold(0u128, |a, r| a.saturating_add(r.minted));
				ensure!(minted <= j.price, "a job minted more than its consumer burned");
			}
			if matches!(j.phase, Phase::Done(_)) {
				continue;
			}
			live = live.saturating_add(1);
			let n = per_account.entry(j.consumer.clone()).or_default();
			*n = n.saturating_add(1);
			let e = escrow.entry(j.consumer.clone()).or_default();
			*e = e.saturating_add(j.price);
			// A job is in its deadline's bucket, or (carried over a full block) due in the next.
			let next = now.saturating_add(1u32.into());
			ensure!(
				(j.deadline >= now && Deadlines::<T>::get(j.deadline).contains(&id))
					|| (j.deadline <= now && Deadlines::<T>::get(next).contains(&id)),
				"a live job is not scheduled"
			);
			ensure!(
				(j.phase == Phase::Queued) == pending.iter().any(|(_, x, _)| *x == id),
				"queued jobs and the queue differ"
			);
			if j.phase != Phase::Queued {
				for r in j.replicas.iter() {
					let n = assigned.entry(r.worker.clone()).or_default();
					*n = n.saturating_add(1);
					ensure!(WorkerJobs::<T>::get(&r.worker).contains(&id), "worker job list stale");
				}
			}
		}
		ensure!(LiveJobs::<T>::get() == live, "live job count differs");
		// Each job is in at most one deadline bucket (the carry-over appends without a search).
		let mut scheduled: Vec<JobId> = Deadlines::<T>::iter_values().flatten().collect();
		let entries = scheduled.len();
		scheduled.sort_unstable();
		scheduled.dedup();
		ensure!(scheduled.len() == entries, "a job is in two deadline buckets");
		ensure!(
			LiveJobsOf::<T>::iter().all(|(who, n)| n > 0 && per_account.get(&who) == Some(&n))
				&& per_account.len() == LiveJobsOf::<T>::iter().count(),
			"live jobs per account differ"
		);
		ensure!(pending.len() as u32 <= live, "queue holds ended jobs");
		for (who, jobs) in WorkerJobs::<T>::iter() {
			ensure!(
				assigned.get(&who).copied().unwrap_or(0) == jobs.len() as u32,
				"worker job list holds ended jobs"
			);
		}
		let escrow_reason = Self::escrow();
		for (who, reason, lots) in pallet_credits::Holds::<T>::iter() {
			if reason != escrow_reason {
				continue;
			}
			let held = lots.iter().fold(0u128, |a, l| a.saturating_add(l.amount));
			ensure!(
				escrow.remove(&who).unwrap_or(0) == held,
				"escrow differs from live job prices"
			);
		}
		ensure!(escrow.values().all(|v| v.is_zero()), "a live job's escrow is not held");
		Ok(())
	}
}

/// Registered, active models (the workers pallet's `Models`).
pub struct ActiveModels<T>(PhantomData<T>);
impl<T: Config> Contains<ModelId> for ActiveModels<T> {
	fn contains(model: &ModelId) -> bool {
		Models::<T>::get(model).is_some_and(|m| m.active)
	}
}
