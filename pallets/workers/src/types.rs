//! Data types of the workers pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use declai_primitives::{poi::RegionId, Balance, HardwareClass};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_core::{ed25519, sr25519};
use sp_runtime::traits::Verify;

/// Reputation is kept in parts per million: 0 = always wrong, 1,000,000 = never wrong.
pub type Reputation = u32;

/// A worker's hardware attestation public key: results are signed with it, so a copied or
/// forged attestation fails and one key (one machine) backs at most one worker.
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
	serde::Serialize,
	serde::Deserialize,
)]
pub enum AttestationKey {
	/// An ed25519 key.
	Ed25519(ed25519::Public),
	/// An sr25519 key.
	Sr25519(sr25519::Public),
}

/// A signature by an [`AttestationKey`].
#[derive(
	Clone, Debug, Decode, DecodeWithMemTracking, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo,
)]
pub enum AttestationSignature {
	/// An ed25519 signature.
	Ed25519(ed25519::Signature),
	/// An sr25519 signature.
	Sr25519(sr25519::Signature),
}

impl AttestationKey {
	/// Whether `signature` by this key signs `message` (a key and a signature of different
	/// schemes never verify).
	pub fn verify(&self, message: &[u8], signature: &AttestationSignature) -> bool {
		match (self, signature) {
			(AttestationKey::Ed25519(key), AttestationSignature::Ed25519(sig)) => {
				sig.verify(message, key)
			}
			(AttestationKey::Sr25519(key), AttestationSignature::Sr25519(sig)) => {
				sig.verify(message, key)
			}
			_ => false,
		}
	}
}

/// Where a worker is in its life.
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
pub enum WorkerStatus<BlockNumber> {
	/// Takes jobs.
	Active,
	/// Suspended by governance: no new jobs; its jobs in flight still end.
	Suspended,
	/// Leaving: no new jobs; the bond can be withdrawn from `until` once no job is in flight.
	Unbonding {
		/// First block at which [`crate::Call::withdraw`] succeeds.
		until: BlockNumber,
	},
}

/// A registered worker.
#[derive(
	CloneNoBound, DebugNoBound, Decode, Encode, EqNoBound, MaxEncodedLen, PartialEqNoBound, TypeInfo,
)]
#[scale_info(skip_type_params(MaxModels))]
pub struct Worker<BlockNumber: Clone + core::fmt::Debug + Eq, MaxModels: Get<u32>> {
	/// The hardware attestation key.
	pub key: AttestationKey,
	/// The attested hardware class (η and the timing checks follow it).
	pub class: HardwareClass,
	/// Where it runs.
	pub region: RegionId,
	/// Models it serves.
	pub models: BoundedVec<declai_primitives::poi::ModelId, MaxModels>,
	/// Credits held as its bond (slashed on faults).
	pub bond: Balance,
	/// Reputation in ppm: rises with valid results, falls with faults.
	pub reputation: Reputation,
	/// Consecutive valid results (BOINC CV); reset by any fault.
	pub consecutive_valid: u32,
	/// Valid results ever.
	pub valid: u32,
	/// Wrong results, failed challenges and implausible timings ever.
	pub invalid: u32,
	/// Missed deadlines ever.
	pub missed: u32,
	/// Jobs assigned and not ended.
	pub active_jobs: u32,
	/// Lifecycle status.
	pub status: WorkerStatus<BlockNumber>,
	/// Block of registration.
	pub registered_at: BlockNumber,
}

/// What a worker's record was when it left, kept when it is worse than a newcomer's (lower
/// reputation, or suspended) and restored when the account or the key registers again, so
/// leaving and coming back never clears a bad reputation or a suspension.
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
pub struct WorkerHistory {
	/// Reputation (ppm) when it left.
	pub reputation: u32,
	/// Consecutive valid results when it left.
	pub consecutive_valid: u32,
	/// Valid results ever.
	pub valid: u32,
	/// Wrong results ever.
	pub invalid: u32,
	/// Missed deadlines ever.
	pub missed: u32,
	/// Whether it was suspended (by governance or ejected) when it left.
	pub suspended: bool,
}

impl WorkerHistory {
	/// The worse of two histories (one of the account, one of the key): the lower reputation
	/// and trust, the larger counts, suspended if either was.
	pub fn worst(self, other: Self) -> Self {
		Self {
			reputation: self.reputation.min(other.reputation),
			consecutive_valid: self.consecutive_valid.min(other.consecutive_valid),
			valid: self.valid.max(other.valid),
			invalid: self.invalid.max(other.invalid),
			missed: self.missed.max(other.missed),
			suspended: self.suspended || other.suspended,
		}
	}
}

/// Why a worker was taken off the candidate lists (event detail).
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
pub enum EjectReason {
	/// A wrong result found its bond empty: nothing left to slash.
	BondExhausted,
	/// Its reputation fell below the floor: it keeps failing.
	KeepsFailing,
}

/// What a worker did wrong.
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
pub enum Fault {
	/// A wrong result: disagreed with the verified result, failed a challenge, revealed something
	/// else than it committed, or reported an implausible time.
	Invalid,
	/// A missed deadline (no commit, reveal or challenge answer in time).
	Missed,
}

/// A worker as clients see it (runtime API `worker`).
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct WorkerView<BlockNumber> {
	/// The hardware attestation key.
	pub key: AttestationKey,
	/// Hardware class.
	pub class: HardwareClass,
	/// Region.
	pub region: RegionId,
	/// Models served.
	pub models: alloc::vec::Vec<declai_primitives::poi::ModelId>,
	/// Bond held.
	pub bond: Balance,
	/// The bond it should hold; the rest is built from a share of its earnings.
	pub bond_target: Balance,
	/// Reputation in ppm.
	pub reputation: Reputation,
	/// Consecutive valid results.
	pub consecutive_valid: u32,
	/// Valid results ever.
	pub valid: u32,
	/// Invalid results ever.
	pub invalid: u32,
	/// Missed deadlines ever.
	pub missed: u32,
	/// Jobs in flight.
	pub active_jobs: u32,
	/// Status.
	pub status: WorkerStatus<BlockNumber>,
	/// Probability (ppm) that its next unreplicated result is audited; `None` = fully replicated.
	pub audit_ppm: Option<u32>,
	/// Its recent verified contribution (decayed reference work), which sets its priority.
	pub contribution: Balance,
	/// The passed benchmark challenge that confirmed its class; `None`: not confirmed, paid the
	/// η floor.
	pub confirmed: Option<Confirmation<BlockNumber>>,
}

/// Id of a benchmark challenge (increasing, never reused).
pub type ChallengeId = u64;

/// A worker's answer to its benchmark challenge.
#[derive(Clone, Debug, Decode, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo)]
pub struct BenchmarkAnswer<BlockNumber> {
	/// `blake2_256` of the final product's little-endian `i32`s.
	pub digest: [u8; 32],
	/// The wall time the worker reports for the run, µs (signed by its attestation key).
	pub micros: u64,
	/// Block that included the answer.
	pub at: BlockNumber,
}

/// One auditor's re-execution of a benchmark challenge.
#[derive(Clone, Debug, Decode, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo)]
pub struct BenchmarkCheck<AccountId> {
	/// The auditor.
	pub auditor: AccountId,
	/// Whether its digest equals the worker's.
	pub matches: bool,
	/// Its own run time, µs, when it runs on the worker's hardware class: only such checks set
	/// the time the worker's run should take (the speed ratio between classes on this kernel is
	/// not known well enough to convert).
	pub same_class_micros: Option<u64>,
}

/// A timed benchmark challenge (the η check): multiply two `size × size` int8-valued matrices
/// derived from `seed`, exactly (i32 accumulation, low 4 bits kept after each product), `rounds`
/// times in a chain, and answer the digest of the last product with the time it took.
#[derive(
	CloneNoBound, DebugNoBound, Decode, Encode, EqNoBound, MaxEncodedLen, PartialEqNoBound, TypeInfo,
)]
#[scale_info(skip_type_params(MaxChecks))]
pub struct Benchmark<
	AccountId: Clone + core::fmt::Debug + Eq,
	BlockNumber: Clone + core::fmt::Debug + Eq,
	MaxChecks: Get<u32>,
> {
	/// The challenge's id.
	pub id: ChallengeId,
	/// The hardware class it tests.
	pub class: HardwareClass,
	/// 256 bits from the hash of the block before the one that issued it: unknown when the
	/// challenge was scheduled, so the work cannot be done ahead.
	pub seed: [u8; 32],
	/// Matrix side.
	pub size: u32,
	/// Products in the chain: the reference rounds scaled by the class's throughput, so every
	/// class should take about as long.
	pub rounds: u32,
	/// Block that issued it.
	pub issued: BlockNumber,
	/// Last block for the answer and the auditors' checks.
	pub deadline: BlockNumber,
	/// The worker's answer, once given.
	pub answer: Option<BenchmarkAnswer<BlockNumber>>,
	/// Auditors' checks of the answer.
	pub checks: BoundedVec<BenchmarkCheck<AccountId>, MaxChecks>,
}

/// Why a benchmark challenge failed.
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
pub enum BenchmarkFailure {
	/// No answer before the deadline.
	Unanswered,
	/// The auditors' majority computed another digest.
	WrongDigest,
	/// The reported time is below the plausible share of the same-class auditors' time (forged).
	TooFast,
	/// The reported time is beyond the plausible multiple of the same-class auditors' time: the
	/// hardware is slower than attested.
	TooSlow,
}

/// A hardware class confirmed by a passed benchmark challenge.
#[derive(Clone, Debug, Decode, Encode, Eq, MaxEncodedLen, PartialEq, TypeInfo)]
pub struct Confirmation<BlockNumber> {
	/// The challenge that confirmed it.
	pub challenge: ChallengeId,
	/// Block of confirmation.
	pub at: BlockNumber,
	/// The worker's reported time, µs.
	pub micros: u64,
	/// The median time of the agreeing auditors on the same class, µs; `None` when no such
	/// auditor checked (the time was then bounded by the deadline alone).
	pub expected_micros: Option<u64>,
}

/// What is due for a worker's benchmark at a block.
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
pub enum BenchmarkDue {
	/// Issue a new challenge.
	Issue,
	/// The deadline of this challenge: resolve it if it is still open.
	Deadline(ChallengeId),
}
