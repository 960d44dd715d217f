//! The wire types: what the chain's storage, events and runtime APIs hold, decoded by field
//! and variant *name* against the runtime's metadata (`DecodeAsType`), so a field added or
//! reordered in the runtime is a named decoding error, never a misread byte. The worker and the
//! explorer both read the chain through these types.

use codec::Encode;
use subxt::{ext::scale_decode::DecodeAsType, utils::AccountId32};

/// Where a job is (mirrors `pallet_inference::Phase`, decoded by variant name).
#[derive(Clone, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum Phase {
	/// Waiting for a worker.
	Queued,
	/// Waiting for commitments.
	Committing,
	/// Waiting for reveals.
	Revealing,
	/// Some replicas must answer a layer challenge.
	Challenged,
	/// Validators vote.
	Auditing,
	/// Ended.
	Done(Outcome),
}

/// How a job ended.
#[derive(Clone, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum Outcome {
	/// Served: escrow burned, workers paid.
	Served,
	/// Refunded.
	Refunded,
}

/// A replica's state.
#[derive(Clone, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ReplicaState {
	/// Nothing submitted yet.
	Assigned,
	/// Commitment accepted.
	Committed,
	/// Output revealed.
	Revealed,
	/// Must answer a layer challenge.
	Challenged,
	/// Verified.
	Verified,
	/// Punished.
	Faulted(Fault),
}

/// Why a replica was punished.
#[derive(Clone, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum Fault {
	/// A wrong result.
	Invalid,
	/// A missed deadline.
	Missed,
}

/// One worker's part in a job.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ReplicaInfo {
	/// The worker.
	pub worker: AccountId32,
	/// Its state.
	pub state: ReplicaState,
	/// Its commitment.
	pub commit: Option<[u8; 32]>,
}

/// The fields of `Inference.Jobs` the worker needs.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct JobInfo {
	/// Who pays.
	pub consumer: AccountId32,
	/// The model.
	pub model: u32,
	/// `blake2_256` of the input.
	pub input_hash: [u8; 32],
	/// Escrowed price.
	pub price: u128,
	/// Where the job is.
	pub phase: Phase,
	/// When the current phase times out.
	pub deadline: u32,
	/// The replicas of the current attempt.
	pub replicas: Vec<ReplicaInfo>,
	/// Attempts so far.
	pub attempts: u8,
	/// The block whose hash seeds the challenges.
	pub commits_closed: Option<u32>,
}

impl JobInfo {
	/// `who`'s replica, if assigned in the current attempt.
	pub fn replica(&self, who: &AccountId32) -> Option<&ReplicaInfo> {
		self.replicas.iter().find(|r| &r.worker == who)
	}
}

/// How a model's results are verified (mirrors `VerificationTier`).
#[derive(Clone, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum Tier {
	/// Exact integer replay.
	ExactInteger,
	/// Float tolerance.
	FloatTolerance {
		/// ppm of the largest output.
		max_error_ppm: u32,
	},
	/// Groth16 proofs.
	ZeroKnowledge {
		/// How proofs are made.
		system: ProofSystem,
	},
}

/// A zero-knowledge model's proof system (mirrors `ProofSystem`).
#[derive(Clone, Copy, Debug, DecodeAsType, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ProofSystem {
	/// The circuit holds the model; public inputs are the input and output.
	Groth16Open,
	/// Hidden weights bound to `commitment` (the `declai-zk` circuit).
	Groth16Hidden {
		/// The weight commitment (a BLS12-381 scalar, little-endian).
		commitment: [u8; 32],
	},
}

/// An answer to a benchmark challenge (`pallet_workers::BenchmarkAnswer`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct BenchmarkAnswerInfo {
	/// The answered digest.
	pub digest: [u8; 32],
	/// The reported time, µs.
	pub micros: u64,
}

/// An auditor's check of a benchmark answer (`pallet_workers::BenchmarkCheck`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct BenchmarkCheckInfo {
	/// The auditor.
	pub auditor: AccountId32,
	/// Whether its digest matched.
	pub matches: bool,
}

/// A worker's registration (`Workers.Workers`): the fields the worker checks when it starts.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct Registration {
	/// The attestation key commitments must be signed with.
	pub key: AttestationKey,
	/// Its region.
	pub region: u16,
	/// The models it is assigned jobs of.
	pub models: Vec<u32>,
}

/// An open benchmark challenge (`Workers.Benchmarks`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct BenchmarkInfo {
	/// Challenge id.
	pub id: u64,
	/// Seed of the matrices.
	pub seed: [u8; 32],
	/// Matrix side.
	pub size: u32,
	/// Chained products.
	pub rounds: u32,
	/// Last block for the answer and the checks.
	pub deadline: u32,
	/// The worker's answer.
	pub answer: Option<BenchmarkAnswerInfo>,
	/// Auditors' checks.
	pub checks: Vec<BenchmarkCheckInfo>,
}

/// One integer layer as stored.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct LayerInfo {
	/// Inputs.
	pub inputs: u32,
	/// Outputs.
	pub outputs: u32,
	/// Requantization shift.
	pub shift: u8,
}

/// The fields of `Inference.Models` the worker needs.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ModelInfo {
	/// UTF-8 name.
	pub name: Vec<u8>,
	/// The weight commitment.
	pub weights_root: [u8; 32],
	/// Reference cost (work units).
	pub cost: u128,
	/// Largest input.
	pub max_input: u32,
	/// Largest output.
	pub max_output: u32,
	/// The tier.
	pub tier: Tier,
	/// Integer layers.
	pub layers: Vec<LayerInfo>,
	/// Takes requests.
	pub active: bool,
}

/// A settlement receipt (`Economics.Receipts`).
#[derive(Clone, Debug, DecodeAsType, serde::Serialize)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ReceiptInfo {
	/// The paid worker.
	#[serde(serialize_with = "ser_account")]
	pub worker: AccountId32,
	/// Whether a benchmark challenge confirmed the worker's class (else η was capped at 0.5).
	pub class_confirmed: bool,
	/// Verified work on the worker's class (GPU-hour units of 10^12).
	pub t_compute: u128,
	/// The reference work it pays for (the worker's share of the job's cost on the reference
	/// GPU): `T × η` is paid up to it.
	pub reference_work: u128,
	/// η (fixed point, 10^18 = 1).
	pub eta: u128,
	/// α (fixed point).
	pub alpha: u128,
	/// β (fixed point).
	pub beta: u128,
	/// ⌊T × η × α / β⌋.
	pub earned: u128,
	/// Minted.
	pub minted: u128,
	/// Withheld.
	pub withheld: u128,
	/// Settlement block.
	pub block: u32,
}

fn ser_account<S: serde::Serializer>(a: &AccountId32, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&a.to_string())
}

/// `pallet_workers::AttestationSignature` as encoded on chain.
#[derive(Clone, Debug, Encode)]
pub enum AttestationSignature {
	/// ed25519.
	Ed25519([u8; 64]),
	/// sr25519.
	Sr25519([u8; 64]),
}

/// `pallet_workers::AttestationKey` as encoded on chain.
#[derive(Clone, Debug, Encode, Eq, PartialEq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum AttestationKey {
	/// ed25519.
	Ed25519([u8; 32]),
	/// sr25519.
	Sr25519([u8; 32]),
}

impl std::fmt::Display for AttestationKey {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Ed25519(k) => write!(f, "ed25519 0x{}", hex::encode(k)),
			Self::Sr25519(k) => write!(f, "sr25519 0x{}", hex::encode(k)),
		}
	}
}

/// An unexpired lot of free credits (`pallet_credits::LotInfo`).
#[derive(Clone, Debug, DecodeAsType, serde::Serialize, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct LotView {
	/// Raw units.
	#[serde(serialize_with = "ser_u128")]
	pub amount: u128,
	/// The day it expires at the start of.
	pub expires_on_day: u32,
	/// The first block of that day.
	pub expires_at_block: u32,
	/// Estimated wall-clock time of that block, ms since the Unix epoch.
	pub expires_at_ms: u64,
}

/// An account's credits as the runtime reports them (`CreditsApi::account_summary`).
#[derive(Clone, Debug, DecodeAsType, serde::Serialize, PartialEq, Eq)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountCredits {
	/// Unexpired, unheld credits.
	#[serde(serialize_with = "ser_u128")]
	pub spendable: u128,
	/// On hold, all reasons together.
	#[serde(serialize_with = "ser_u128")]
	pub held: u128,
	/// Unexpired free lots, oldest first.
	pub lots: Vec<LotView>,
	/// The most this account may hold now (concentration cap).
	#[serde(serialize_with = "ser_u128")]
	pub cap: u128,
	/// Credits in existence.
	#[serde(serialize_with = "ser_u128")]
	pub total_issuance: u128,
}

/// `u128` as a decimal string in JSON.
pub fn ser_u128<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
	s.serialize_str(&v.to_string())
}
