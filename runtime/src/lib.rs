//! # DeCLAI runtime
//!
//! The FRAME runtime of the DeCLAI chain, compiled to wasm and executed by `declai-node`.
//!
//! Pallets (indices are fixed and never reused):
//! | index | pallet | role |
//! |---|---|---|
//! | 0 | `System` | accounts, nonces, events |
//! | 1 | `Timestamp` | block time |
//! | 2 | (retired: `Aura`, the stand-in block authoring) | |
//! | 3 | `Grandpa` | finality |
//! | 4 | `TransactionPayment` | fees, paid in credits |
//! | 5 | `Sudo` | governance for now |
//! | 6 | `Validators` | the permissioned validator set (governance), handed to `Session` |
//! | 7 | `Session` | session keys; validator set changes at session boundaries (5 minutes unless the chain spec says otherwise) |
//! | 8 | `Consensus` | Proof-of-Inference consensus: authorities weighted by verified work, VRF leader draw, chain randomness, equivocations |
//! | 10 | `Credits` | the credit ledger |
//! | 11 | `Economics` | credits for verified work (`T × η × α / β`), supply caps, receipts |
//! | 12 | `Workers` | worker registration, bonds, attestation keys, reputation, trust |
//! | 13 | `Inference` | models, jobs, Proof-of-Inference checks, audits, settlement |
//!
//! **Spam bound.** Every signed transaction pays a fee in credits (weight fee + length fee,
//! [`fees`]), taken before inclusion. An account with no spendable credits cannot get any
//! transaction into the pool; one with `b` credits can send at most `b / min_fee` transactions.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to arithmetic and indexing we cannot annotate.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
pub mod genesis_config_presets;
pub mod migrations;
pub use migrations::Migrations;

use alloc::vec::Vec;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, ConstU8},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, Multiplier};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature, Perbill,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use pallet_credits::{Balance, CRED};

/// Signature type of transactions.
pub type Signature = MultiSignature;
/// Account id: the public key of the signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Transaction index of an account.
pub type Nonce = u32;
/// Block hash.
pub type Hash = sp_core::H256;
/// Block number.
pub type BlockNumber = u32;
/// Address format of transactions.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions, in the order clients sign them. Only standard extensions, so that
/// polkadot.js and other clients need no custom definitions.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	pallet_inference::CheckAdmission<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);
/// Unchecked extrinsic.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload that is signed.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Executes blocks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
	/// Opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// Session keys of a validator.
		pub struct SessionKeys {
			pub consensus: Consensus,
			pub grandpa: Grandpa,
		}
	}
}

#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("declai"),
	impl_name: alloc::borrow::Cow::Borrowed("declai"),
	authoring_version: 1,
	spec_version: 118,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	// 2 from spec_version 117: `register_model`'s `ModelSpec.tier` encodes a proof system.
	transaction_version: 2,
	system_version: 1,
};

/// Target block time. Consensus slots have this length.
pub const MILLISECS_PER_BLOCK: u64 = 3_000;
/// Slot duration (ms).
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;
/// Credits expire this many blocks after minting: 365 days.
pub const CREDIT_EXPIRY: BlockNumber = 365 * DAYS;

/// A third of the block time may be spent executing the block (as on Polkadot: 2 s of 6 s).
pub const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND.saturating_div(3), u64::MAX);
/// Normal transactions may fill 75% of the block; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	pub RuntimeBlockLength: BlockLength =
		BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
			.build();
	pub RuntimeBlockWeights: BlockWeights =
		BlockWeights::with_sensible_defaults(MAXIMUM_BLOCK_WEIGHT, NORMAL_DISPATCH_RATIO);
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	// The consensus checks that each block's timestamp falls in its slot.
	type OnTimestampSet = Consensus;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

parameter_types! {
	/// A tenth of the leader-draw weight is shared equally, whatever the work.
	pub const ConsensusMinShare: Perbill = Perbill::from_percent(10);
}

impl pallet_consensus::Config for Runtime {
	type MaxAuthorities = ConstU32<32>;
	type SlotDuration = ConstU64<SLOT_DURATION>;
	type MinShare = ConsensusMinShare;
	// Randomness as far back as block hashes go (the challenge and assignment seeds use it).
	type RandomnessHistory = ConstU32<2_400>;
	// A proven equivocator is planned out of the validator set.
	type OnEquivocation = PlanOutEquivocator;
}

/// Plans a proven equivocator out of the validator set (at the next session change).
pub struct PlanOutEquivocator;
impl pallet_consensus::OnEquivocation<AccountId> for PlanOutEquivocator {
	fn on_equivocation(offender: &AccountId, _slot: sp_consensus_slots::Slot) {
		Validators::remove_offender(offender);
	}
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = UncheckedExtrinsic;
}

/// Unsigned extrinsics the runtime makes itself (equivocation reports from the node).
impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

/// Blocks per session unless a chain spec says otherwise: the validator set and the consensus
/// weights change only at session boundaries.
pub const SESSION_PERIOD: BlockNumber = 5 * MINUTES;

parameter_types! {
	pub SessionPeriod: BlockNumber = pallet_validators::SessionLength::<Runtime>::get();
	pub const SessionOffset: BlockNumber = 0;
}

/// Credits held while an account has session keys registered (issue 14, attack 14).
pub const SESSION_KEY_DEPOSIT: Balance = CRED;

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	// The validator set is ours (governance), handed over at each boundary.
	type SessionManager = Validators;
	type SessionHandler =
		<opaque::SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = opaque::SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Credits;
	// Any account may register keys (governance then plans validators among them): the keys and
	// their owner index are storage, so registering them holds a deposit, released by
	// `purge_keys`. Genesis keys hold none.
	type KeyDeposit = ConstU128<{ SESSION_KEY_DEPOSIT }>;
}

/// Accounts that registered session keys.
pub struct HasSessionKeys;
impl frame_support::traits::Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_validators::Config for Runtime {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type KeysRegistered = HasSessionKeys;
	type MaxValidators = ConstU32<32>;
	type MinValidators = ConstU32<1>;
	type DefaultSessionLength = ConstU32<SESSION_PERIOD>;
	type WeightInfo = pallet_validators::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ValidatorKeysHelper;
}

/// Registers freshly generated session keys (keystore) for the validators pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ValidatorKeysHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_validators::BenchmarkHelper<AccountId> for ValidatorKeysHelper {
	#[allow(clippy::expect_used)] // Benchmark setup: a failure must stop the run.
	fn register_keys(who: &AccountId) {
		use codec::Encode;
		// Keys need a live account.
		frame_system::Pallet::<Runtime>::inc_providers(who);
		let generated = opaque::SessionKeys::generate(&who.encode(), None);
		pallet_session::Pallet::<Runtime>::set_keys(
			RuntimeOrigin::signed(who.clone()),
			generated.keys,
			generated.proof.encode(),
		)
		.expect("generated keys register");
	}
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = ();
}

/// Fee parameters: a credit transfer costs about a thousandth of a credit.
pub mod fees {
	use super::*;
	parameter_types! {
		/// Length fee per encoded byte: 10^-6 CRED.
		pub const TransactionByteFee: Balance = CRED / 1_000_000;
		/// No fee adjustment with congestion: the spam bound is the flat fee.
		pub FeeMultiplier: Multiplier = Multiplier::from_u32(1);
	}
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = pallet_credits::CreditsFeeAdapter<Runtime>;
	type OperationalFeeMultiplier = ConstU8<5>;
	// One base unit (10^-12 CRED) per picosecond of weight: 1 ms of execution = 10^-3 CRED.
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, fees::TransactionByteFee>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<fees::FeeMultiplier>;
	// Taking a fee from credit lots costs more than from a plain balance: benchmarked.
	type WeightInfo = pallet_credits::weights::FeePaymentWeight<Runtime>;
}

parameter_types! {
	pub const CreditsBlocksPerDay: BlockNumber = DAYS;
	pub const CreditsExpiryPeriod: BlockNumber = CREDIT_EXPIRY;
	pub const CreditsMaxShare: Perbill = Perbill::from_percent(5);
}

impl pallet_credits::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type MintOrigin = frame_system::EnsureRoot<AccountId>;
	type CapOrigin = frame_system::EnsureRoot<AccountId>;
	type BlocksPerDay = CreditsBlocksPerDay;
	type ExpiryPeriod = CreditsExpiryPeriod;
	type MillisecsPerBlock = ConstU64<MILLISECS_PER_BLOCK>;
	// 366 live expiry days at most, plus room for holds that outlive their day.
	type MaxLots = ConstU32<400>;
	type MaxShare = CreditsMaxShare;
	type MaxSweepPerBlock = ConstU32<256>;
	// A hundredth of a credit opens an account (no dust accounts for a fee alone).
	type NewAccountMinimum = ConstU128<{ CRED / 100 }>;
	type UnixTime = Timestamp;
	type WeightInfo = pallet_credits::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// α and β change every hour.
	pub const EconomicsEpochLength: BlockNumber = HOURS;
}

impl pallet_economics::Config for Runtime {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type EpochLength = EconomicsEpochLength;
	type WindowDays = ConstU32<30>;
	// About a day of settlements at 0.6 jobs a second; older receipts stay in the events.
	type MaxReceipts = ConstU32<50_000>;
	type WeightInfo = pallet_economics::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A worker's bond: 10 CRED (ten reference GPU-hours).
	pub const WorkerMinBond: Balance = 10 * CRED;
	/// Probation: all of each payment goes into the bond until it is complete (nothing to spend
	/// before the stake is whole, so zero-bond registrations earn nothing usable).
	pub const WorkerBondShare: Perbill = Perbill::from_percent(100);
	/// A wrong result burns 1 CRED (10% of the bond target).
	pub const WorkerSlashInvalid: Perbill = Perbill::from_percent(10);
	/// A missed deadline burns 0.1 CRED.
	pub const WorkerSlashMissed: Perbill = Perbill::from_percent(1);
}

impl pallet_workers::Config for Runtime {
	type BlockRandomness = ConsensusRandomness;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type Models = pallet_inference::ActiveModels<Runtime>;
	type MinBond = WorkerMinBond;
	type BondShare = WorkerBondShare;
	type SlashInvalid = WorkerSlashInvalid;
	type SlashMissed = WorkerSlashMissed;
	type UnbondingPeriod = ConstU32<DAYS>;
	type MaxModelsPerWorker = ConstU32<16>;
	type MaxWorkersPerModel = ConstU32<256>;
	type InitialReputation = ConstU32<500_000>;
	// BOINC: replicate until 10 consecutive valid results, then audit at max(1/CV, 1%).
	type TrustAfter = ConstU32<10>;
	type MinAuditPpm = ConstU32<10_000>;
	type ContributionHalfLife = ConstU32<{ 7 * DAYS }>;
	// The η check: 512 × 512 int8-valued matrices, 100 chained products on the reference A100
	// (scaled by class: 59 on a CPU node, 209 on an H100); answer and checks within 20 blocks
	// (1 minute); a new challenge a day after the last; two auditor checks; the reported time must
	// lie within ¼–3× of the time of the agreeing auditors that run the same class.
	type Auditors = pallet_inference::AuditorSet<Runtime>;
	type BenchmarkSize = ConstU32<512>;
	type BenchmarkRounds = ConstU32<100>;
	type BenchmarkWindow = ConstU32<20>;
	type BenchmarkPeriod = ConstU32<DAYS>;
	type BenchmarkQuorum = ConstU32<2>;
	type BenchmarkMinPermille = ConstU32<250>;
	type BenchmarkMaxPermille = ConstU32<3_000>;
	type MaxBenchmarksPerBlock = ConstU32<16>;
	type WeightInfo = pallet_workers::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_inference::benchmarking::ModelHelper<Runtime>;
}

/// The consensus's per-block VRF randomness for Proof-of-Inference assignments and challenges.
pub struct ConsensusRandomness;
impl pallet_workers::BlockRandomness<BlockNumber> for ConsensusRandomness {
	fn randomness_of(n: BlockNumber) -> Option<Hash> {
		pallet_consensus::ChainRandomness::<Runtime>::of(n)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_for_benchmark(n: BlockNumber, value: Hash) {
		pallet_consensus::RandomnessOf::<Runtime>::insert(n, value.0);
	}
}

parameter_types! {
	/// Recent verified work that makes an account a contributor: 3.6 s of reference GPU time.
	pub const InferenceContributorThreshold: declai_primitives::WorkUnits =
		declai_primitives::GPU_HOUR / 1000;
}

impl pallet_inference::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Credits;
	type Settlement = Economics;
	type Workers = Workers;
	// The consensus's chain randomness: a hash of each block author's VRF output.
	type BlockRandomness = ConsensusRandomness;
	// Verified work raises a worker's trust, reputation, contribution and bond, and weighs the
	// validators in the leader draw.
	type OnWorkVerified = (Workers, Consensus);
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	// A text of 16 KiB; digits images are 64 bytes.
	type MaxInputLen = ConstU32<16_384>;
	// A 384-float embedding is 1,536 bytes.
	type MaxOutputLen = ConstU32<4_096>;
	type MaxNameLen = ConstU32<64>;
	type MaxLayers = ConstU32<8>;
	type MaxReplicas = ConstU32<3>;
	type MaxLiveJobs = ConstU32<4_096>;
	type MaxJobsPerWorker = ConstU32<16>;
	type MaxLiveJobsPerAccount = ConstU32<64>;
	type MaxAuditors = ConstU32<32>;
	type MaxResults = ConstU32<50_000>;
	// The hooks' worst case must leave the block to extrinsics, protocol steps first: 5 expired
	// deadlines (each at most an audit's resolution), 5 assignments and 16 benchmark events
	// stay below a quarter of the block (`runtime/src/tests.rs`:
	// `worst_case_hooks_fit_a_quarter_of_the_block`); more wait a block, in order.
	type DeadlinesPerBlock = ConstU32<5>;
	type AssignPerBlock = ConstU32<5>;
	// One minute per protocol step at 3 s blocks; five for audits; ten in the queue.
	type CommitWindow = ConstU32<20>;
	type RevealWindow = ConstU32<20>;
	type ChallengeWindow = ConstU32<20>;
	type AuditWindow = ConstU32<100>;
	type QueueTimeout = ConstU32<200>;
	type MaxAttempts = ConstU8<2>;
	// Faster than 4× the class's expected speed is impossible; slower than 20× (+30 s for
	// loading and I/O) is not the attested hardware.
	type TimingMinPermille = ConstU32<250>;
	type TimingMaxFactor = ConstU32<20>;
	type TimingSlackMicros = ConstU64<30_000_000>;
	// Per 5 minutes: 20 requests for free-riders, 600 for contributors.
	type RateWindow = ConstU32<100>;
	type FreeRiderRequests = ConstU32<20>;
	type ContributorRequests = ConstU32<600>;
	type ContributorThreshold = InferenceContributorThreshold;
	// A key for 128 public inputs is 13,064 bytes uncompressed.
	type MaxVerifyingKeyLen = ConstU32<16_384>;
	type MaxZkPublicInputs = ConstU32<128>;
	type InferenceWeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	// Declared (hence initialized) before `Session`: a block's leader is checked against the
	// authorities of its parent, before a session change installs new ones.
	#[runtime::pallet_index(8)]
	pub type Consensus = pallet_consensus;

	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(5)]
	pub type Sudo = pallet_sudo;

	// Before `Session`: its genesis set is built first and handed to the session pallet.
	#[runtime::pallet_index(6)]
	pub type Validators = pallet_validators;

	#[runtime::pallet_index(7)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(10)]
	pub type Credits = pallet_credits;

	#[runtime::pallet_index(11)]
	pub type Economics = pallet_economics;

	#[runtime::pallet_index(12)]
	pub type Workers = pallet_workers;

	#[runtime::pallet_index(13)]
	pub type Inference = pallet_inference;
}

#[cfg(feature = "runtime-benchmarks")]
frame_benchmarking::define_benchmarks!(
	[pallet_credits, Credits]
	[pallet_economics, Economics]
	[pallet_workers, Workers]
	[pallet_inference, Inference]
	[pallet_validators, Validators]
);

#[cfg(test)]
mod tests;
