//! Data types of the inference pallet: models, jobs, replicas and their views.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use declai_primitives::{
	poi::{IntegerLayer, JobId, ModelId, ModelKind, RegionId, Timings, VerificationTier},
	Balance, WorkUnits,
};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_workers::Fault;
use scale_info::TypeInfo;
use sp_core::H256;

/// A model registered by governance.
#[derive(
	CloneNoBound, DebugNoBound, Decode, Encode, EqNoBound, MaxEncodedLen, PartialEqNoBound, TypeInfo,
)]
#[scale_info(skip_type_params(MaxName, MaxLayers))]
pub struct Model<MaxName: Get<u32>, MaxLayers: Get<u32>> {
	/// Human-readable name (UTF-8).
	pub name: BoundedVec<u8, MaxName>,
	/// What it does.
	pub kind: ModelKind,
	/// Merkle root of the weight rows ([`declai_primitives::poi::weights_root`]).
	pub weights_root: H256,
	/// Cost of one inference on the reference GPU (GPU-hour work units): what the consumer pays
	/// for (× α) and what a worker is paid for (÷ its class's throughput, × η α / β).
	pub cost: WorkUnits,
	/// Largest input in bytes (integer models: exactly this many).
	pub max_input: u32,
	/// Largest output in bytes (integer models: exactly this many).
	pub max_output: u32,
	/// How results are verified.
	pub tier: VerificationTier,
	/// Integer models: the layers (challenge openings are checked against them); empty otherwise.
	pub layers: BoundedVec<IntegerLayer, MaxLayers>,
	/// Premium models are for contributors only.
	pub premium: bool,
	/// Retired models take no new requests.
	pub active: bool,
}

/// What governance passes to `register_model`.
#[derive(Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, PartialEq, TypeInfo)]
pub struct ModelSpec {
	/// Human-readable name (UTF-8, non-empty).
	pub name: Vec<u8>,
	/// What it does.
	pub kind: ModelKind,
	/// Merkle root of the weight rows.
	pub weights_root: H256,
	/// Reference cost per inference (GPU-hour work units, positive).
	pub cost: WorkUnits,
	/// Largest input in bytes.
	pub max_input: u32,
	/// Largest output in bytes.
	pub max_output: u32,
	/// Verification tier.
	pub tier: VerificationTier,
	/// Integer layers (exact tier only).
	pub layers: Vec<IntegerLayer>,
	/// Contributors only.
	pub premium: bool,
	/// Zero-knowledge tier: the Groth16 verifying key (arkworks, uncompressed); empty otherwise.
	pub verifying_key: Vec<u8>,
}

/// Where a job is.
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
pub enum Phase {
	/// Waiting in the queue for a free worker.
	Queued,
	/// Assigned; waiting for every replica's commitment.
	Committing,
	/// Commitments closed; waiting for reveals.
	Revealing,
	/// Some replicas must answer a layer challenge.
	Challenged,
	/// Replicas disagreed (or a lone result needs a second opinion): validators vote.
	Auditing,
	/// Ended: served (escrow burned, workers paid) or refunded.
	Done(Outcome),
}

/// How a job ended.
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
pub enum Outcome {
	/// A verified result was delivered; the escrow was burned.
	Served,
	/// No verified result: the escrow went back to the consumer.
	Refunded,
}

/// Where one replica is.
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
pub enum ReplicaState {
	/// Assigned, nothing submitted yet.
	Assigned,
	/// Commitment accepted.
	Committed,
	/// Output revealed and matching the commitment.
	Revealed,
	/// Must answer a layer challenge.
	Challenged,
	/// Result verified (agreement, passed challenge or audit).
	Verified,
	/// Punished; gets nothing.
	Faulted(Fault),
}

/// One worker's part in a job.
#[derive(Clone, Debug, Decode, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo)]
pub struct Replica<AccountId> {
	/// The worker.
	pub worker: AccountId,
	/// Its state.
	pub state: ReplicaState,
	/// Its output commitment.
	pub commit: Option<H256>,
	/// Its signed timings.
	pub timings: Timings,
	/// Its revealed activation commitment.
	pub activation_root: Option<H256>,
}

impl<AccountId> Replica<AccountId> {
	/// `worker`, just assigned: nothing submitted yet.
	pub fn assigned(worker: AccountId) -> Self {
		Replica {
			worker,
			state: ReplicaState::Assigned,
			commit: None,
			timings: Timings::default(),
			activation_root: None,
		}
	}
}

/// A job.
#[derive(
	CloneNoBound, DebugNoBound, Decode, Encode, EqNoBound, MaxEncodedLen, PartialEqNoBound, TypeInfo,
)]
#[scale_info(skip_type_params(MaxReplicas))]
pub struct Job<
	AccountId: Clone + core::fmt::Debug + Eq,
	BlockNumber: Clone + core::fmt::Debug + Eq,
	MaxReplicas: Get<u32>,
> {
	/// Who asked and pays.
	pub consumer: AccountId,
	/// The model.
	pub model: ModelId,
	/// `blake2_256` of the input (stored under [`crate::Inputs`]).
	pub input_hash: H256,
	/// Credits escrowed: the price quoted at request time.
	pub price: Balance,
	/// Preferred region.
	pub region: Option<RegionId>,
	/// Where the job is.
	pub phase: Phase,
	/// When the current phase times out.
	pub deadline: BlockNumber,
	/// Block of the request.
	pub created: BlockNumber,
	/// The assigned workers of the current attempt.
	pub replicas: BoundedVec<Replica<AccountId>, MaxReplicas>,
	/// Workers of an earlier attempt, never assigned again to this job.
	pub excluded: BoundedVec<AccountId, MaxReplicas>,
	/// Attempts so far (1 for the first assignment).
	pub attempts: u8,
	/// Replication was wanted but only one worker was available: the lone result is challenged
	/// (integer models) or audited (float models).
	pub lone: bool,
	/// Block whose randomness seeds the challenges: the block in which commitments closed.
	pub commits_closed: Option<BlockNumber>,
	/// Priority in the queue (the consumer's contribution at request time).
	pub priority: Balance,
	/// Tiebreaker replicas added to this attempt because an audit ended without votes: the
	/// replicas' majority then decides.
	pub escalations: u8,
}

/// A job as clients see it (runtime API `job`).
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct JobView<AccountId, BlockNumber> {
	/// The job id.
	pub id: JobId,
	/// Who asked.
	pub consumer: AccountId,
	/// The model.
	pub model: ModelId,
	/// Escrowed price.
	pub price: Balance,
	/// Phase.
	pub phase: Phase,
	/// Current deadline.
	pub deadline: BlockNumber,
	/// Request block.
	pub created: BlockNumber,
	/// Replicas and their states.
	pub replicas: Vec<(AccountId, ReplicaState)>,
	/// Attempts so far.
	pub attempts: u8,
	/// The verified output once served.
	pub result: Option<Vec<u8>>,
	/// Receipts of the payments (economics pallet) once served.
	pub receipts: Vec<u64>,
}

/// The queue as clients see it (runtime API `queue`).
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct QueueView {
	/// Jobs not ended.
	pub live: u32,
	/// Jobs waiting for a worker, highest priority first.
	pub pending: Vec<JobId>,
	/// Σ throughput of active workers in reference GPUs (‰).
	pub capacity_permille: u128,
	/// The next job id.
	pub next_job: JobId,
}
