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
//! [`Config::BlockRandomness`] gives the randomness of a past block: in the runtime the
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

mod assign;
mod deadlines;
pub mod extension;
pub mod migrations;
mod request;
pub mod runtime_api;
mod settle;
pub mod types;
mod verify;
mod views;
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
mod zk_hidden_tests;
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
		ModelId, ModelKind, OnWorkVerified, OpeningContext, ProofSystem, RegionId, Timings,
		VerificationTier, VerifiedWork, WorkRole, PPM,
	},
	Balance, WorkUnits,
};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision, Contains},
};
use frame_system::pallet_prelude::*;
use pallet_economics::{MintedCredits, ReceiptId, Settlement};
use pallet_workers::{AttestationSignature, BlockRandomness, Fault, Reputation, WorkerRegistry};
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
	/// The model was retired by a storage migration (its verifying key predates the proofs the
	/// chain checks now), so no worker could be paid for the job.
	ModelRetired,
}

/// Most rate counters the idle sweep visits in one block.
pub const REQUEST_SWEEP_PER_BLOCK: u32 = 64;

#[allow(clippy::expect_used)] // FRAME's storage macros expand to `expect`s with their own proofs.
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The hold reasons of this pallet.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A consumer's payment for a job, held until the job is served (burned) or refunded.
		#[codec(index = 0)]
		Escrow,
	}

	/// What the pallet needs of its neighbours comes through the associated types below: the
	/// credits (`Currency`, FRAME's fungible hold traits), the economics (`Settlement`), the
	/// workers (`Workers`), the chain randomness and the listeners to verified work.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The credits: a job's price is held as escrow under [`HoldReason::Escrow`] and given
		/// back on refund.
		type Currency: MutateHold<
			Self::AccountId,
			Balance = Balance,
			Reason = Self::RuntimeHoldReason,
		>;

		/// Prices jobs, burns their escrow as consumption and pays verified work (the economics
		/// pallet).
		type Settlement: Settlement<Self::AccountId, Self::RuntimeHoldReason>;

		/// The registered workers: who may be drawn, their keys, classes and trust, and where
		/// faults are reported (the workers pallet).
		type Workers: WorkerRegistry<Self::AccountId>;

		/// The randomness of past blocks (assignment draws, challenges and audit draws).
		type BlockRandomness: BlockRandomness<BlockNumberFor<Self>>;

		/// Told of each account's verified work, served or audited (in the runtime: the workers
		/// pallet's reputation and contribution, and the consensus's validator weights).
		type OnWorkVerified: OnWorkVerified<Self::AccountId>;

		/// Origin of model registration and the auditor set (governance).
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

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

	/// The storage layout's version: 1 since zero-knowledge keys bind the job and the worker
	/// ([`migrations::v1`]), 2 since a zero-knowledge tier names its proof system
	/// ([`migrations::v2`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
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
		/// Input or output bound above `MaxInputLen`/`MaxOutputLen`, or zero; a zero-knowledge
		/// output not whole `i32`s; a hidden-weights model's above `zk::MAX_HIDDEN_INPUT` /
		/// `zk::MAX_HIDDEN_OUTPUT`.
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
		/// The proof does not decode as a Groth16 proof on BLS12-381 (uncompressed, every byte
		/// used, points in the subgroup): nothing is recorded, and the replica may still send a
		/// proof until its deadline.
		MalformedProof,
		/// A hidden-weights commitment is not a canonical scalar (below the field modulus), or
		/// the model's `weights_root` is not that commitment.
		BadCommitment,
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
		/// Errors: [`Error::UnknownModel`]; [`Error::BadVerifyingKey`] re-activating a zero-knowledge
		/// model whose key predates the job binding. Events: [`Event::ModelActivity`].
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
				// A zero-knowledge model comes back only with a key that fits today's proofs.
				ensure!(
					!active
						|| !m.tier.is_zero_knowledge()
						|| VerifyingKeys::<T>::get(model).is_some_and(|k| Self::key_fits(m, &k)),
					Error::<T>::BadVerifyingKey
				);
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
			let contribution = T::Workers::contribution(&consumer);
			let contributor = contribution >= T::ContributorThreshold::get();
			ensure!(!m.premium || contributor, Error::<T>::PremiumForContributors);
			let (window, count) = Self::rate_state(&consumer)?;
			let price = T::Settlement::quote(m.cost)?;
			ensure!(price <= max_price, Error::<T>::PriceAboveLimit);
			Self::check_room(&consumer, contributor)?;
			let input: BoundedVec<u8, T::MaxInputLen> =
				input.try_into().map_err(|_| Error::<T>::BadInput)?;
			let id = NextJobId::<T>::get();
			let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;

			T::Currency::hold(&Self::escrow(), &consumer, price)?;
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
				if queue.try_insert(at, (contribution, id, model)).is_err() {
					frame_support::defensive!(
						"the queue is bounded by MaxLiveJobs and a live slot was free"
					);
				}
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
			let class = T::Workers::class_of(&worker).ok_or(Error::<T>::NotAssigned)?;
			let attestation = Attestation {
				job,
				model_root: m.weights_root.0,
				input_hash: j.input_hash.0,
				commit: commit.0,
				timings,
			};
			ensure!(
				T::Workers::verify_attestation(&worker, &attestation.signing_payload(), &signature),
				Error::<T>::BadAttestation
			);

			let plausible = poi::timing_plausible(
				m.cost,
				class,
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
		/// inputs [`poi::zk_binding`] of this job and this worker, then what the model's
		/// [`ProofSystem`] adds ([`zk::public_inputs`]: the input and output themselves, or the
		/// weight commitment and their Poseidon hashes): a proof made for another job (even with
		/// the same input), by another worker, of another output or with another model's key does
		/// not verify.
		///
		/// Origin: signed by the worker whose result awaits its proof. A proof that decodes but
		/// does not verify faults the replica (the call succeeds, the fault is recorded:
		/// [`FaultReason::ProofInvalid`], slashed, nothing minted).
		///
		/// Errors: [`Error::UnknownJob`], [`Error::WrongPhase`], [`Error::NotAssigned`],
		/// [`Error::AlreadySubmitted`], [`Error::NotZkModel`], [`Error::MalformedProof`].
		/// Events: [`Event::ProofVerified`] or [`Event::ReplicaFaulted`]; then settlement's.
		#[pallet::call_index(9)]
		#[pallet::weight((T::InferenceWeightInfo::prove(), DispatchClass::Operational))]
		pub fn prove(origin: OriginFor<T>, job: JobId, proof: Vec<u8>) -> DispatchResult {
			let worker = ensure_signed(origin)?;
			let (mut j, index, m) = Self::awaiting_check(job, &worker)?;
			let VerificationTier::ZeroKnowledge { system } = m.tier else {
				return Err(Error::<T>::NotZkModel.into());
			};
			let proof = zk::decode_proof(&proof).map_err(|_| Error::<T>::MalformedProof)?;
			let key = VerifyingKeys::<T>::get(j.model).unwrap_or_default();
			let input = Inputs::<T>::get(job).unwrap_or_default();
			let output = Outputs::<T>::get(job, &worker).unwrap_or_default();
			let binding = poi::zk_binding(job, &worker.encode());
			let valid = zk::public_inputs(&system, &binding, &input, &output)
				.is_some_and(|public| zk::verify_decoded(&key, &proof, &public).unwrap_or(false));
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

/// Registered, active models (the workers pallet's `Models`).
pub struct ActiveModels<T>(PhantomData<T>);
impl<T: Config> Contains<ModelId> for ActiveModels<T> {
	fn contains(model: &ModelId) -> bool {
		Models::<T>::get(model).is_some_and(|m| m.active)
	}
}
