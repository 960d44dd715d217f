//! Mock runtime: credits, economics, workers and inference with short windows (5 blocks per
//! protocol phase, 20 in the queue), days of 24 blocks, trust after 3 consecutive valid results.
//! Block randomness is the `frame_system` block hash, which [`run_to_block`] sets.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate as pallet_inference;
use crate::ModelSpec;
use declai_primitives::{
	poi::{self, IntegerLayer, JobId, ModelKind, Timings, VerificationTier},
	Balance, HardwareClass, CRED, GPU_HOUR,
};
use frame_support::{derive_impl, parameter_types, traits::Hooks};
use pallet_economics::SupplyLimits;
use pallet_workers::BlockHashRandomness;
use pallet_workers::{AttestationKey, AttestationSignature};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Credits: pallet_credits,
		Economics: pallet_economics,
		Workers: pallet_workers,
		Inference: pallet_inference,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	// Priced database access, so that hooks that fit their work to the remaining weight can be
	// tested.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

parameter_types! {
	pub const MinBond: Balance = 10 * CRED;
	pub const BondShare: Perbill = Perbill::from_percent(100);
	pub const SlashInvalid: Perbill = Perbill::from_percent(10);
	pub const SlashMissed: Perbill = Perbill::from_percent(1);
	pub const ContributorThreshold: u128 = GPU_HOUR / 1000;
}

pallet_credits::impl_mock_config!(Test, per_day: 24, expiry_days: 100, max_lots: 128);

impl pallet_economics::Config for Test {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type EpochLength = frame_support::traits::ConstU64<4>;
	type WindowDays = frame_support::traits::ConstU32<5>;
	type MaxReceipts = frame_support::traits::ConstU32<64>;
	type WeightInfo = ();
}

impl pallet_workers::Config for Test {
	type BlockRandomness = BlockHashRandomness<Test>;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type Models = crate::ActiveModels<Test>;
	type MinBond = MinBond;
	type BondShare = BondShare;
	type SlashInvalid = SlashInvalid;
	type SlashMissed = SlashMissed;
	type UnbondingPeriod = frame_support::traits::ConstU64<10>;
	type MaxModelsPerWorker = frame_support::traits::ConstU32<4>;
	type MaxWorkersPerModel = frame_support::traits::ConstU32<8>;
	type InitialReputation = frame_support::traits::ConstU32<500_000>;
	type TrustAfter = frame_support::traits::ConstU32<3>;
	type MinAuditPpm = frame_support::traits::ConstU32<10_000>;
	type ContributionHalfLife = frame_support::traits::ConstU64<1_000>;
	type Auditors = crate::AuditorSet<Test>;
	type BenchmarkSize = frame_support::traits::ConstU32<4>;
	type BenchmarkRounds = frame_support::traits::ConstU32<10>;
	// No test here runs 10,000 blocks: challenges are issued and never expire.
	type BenchmarkWindow = frame_support::traits::ConstU64<10_000>;
	type BenchmarkPeriod = frame_support::traits::ConstU64<10_000>;
	type BenchmarkQuorum = frame_support::traits::ConstU32<1>;
	type BenchmarkMinPermille = frame_support::traits::ConstU32<250>;
	type BenchmarkMaxPermille = frame_support::traits::ConstU32<3_000>;
	type MaxBenchmarksPerBlock = frame_support::traits::ConstU32<16>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarking::ModelHelper<Test>;
}

std::thread_local! {
	/// Verified work per account, as the consensus would receive it.
	pub static WORK: std::cell::RefCell<std::collections::BTreeMap<AccountId, u128>> =
		const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
}

/// Records the verified work in [`WORK`].
pub struct Tally;
impl poi::OnWorkVerified<AccountId> for Tally {
	fn on_work_verified(work: &poi::VerifiedWork<'_, AccountId>) {
		WORK.with(|w| *w.borrow_mut().entry(*work.who).or_default() += work.units);
	}
}

/// The verified work recorded for `who`.
pub fn work_of(who: AccountId) -> u128 {
	WORK.with(|w| w.borrow().get(&who).copied().unwrap_or(0))
}

pub const WINDOW: u64 = 5;
pub const QUEUE_TIMEOUT: u64 = 20;

impl pallet_inference::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Credits;
	type Settlement = Economics;
	type Workers = Workers;
	type BlockRandomness = BlockHashRandomness<Test>;
	// The workers pallet keeps reputation, contribution and bonds; the tally stands in for the
	// consensus.
	type OnWorkVerified = (Workers, Tally);
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxInputLen = frame_support::traits::ConstU32<256>;
	type MaxOutputLen = frame_support::traits::ConstU32<256>;
	type MaxNameLen = frame_support::traits::ConstU32<32>;
	type MaxLayers = frame_support::traits::ConstU32<4>;
	type MaxReplicas = frame_support::traits::ConstU32<3>;
	type MaxLiveJobs = frame_support::traits::ConstU32<16>;
	type MaxJobsPerWorker = frame_support::traits::ConstU32<2>;
	type MaxLiveJobsPerAccount = frame_support::traits::ConstU32<8>;
	type MaxAuditors = frame_support::traits::ConstU32<4>;
	type MaxResults = frame_support::traits::ConstU32<32>;
	type DeadlinesPerBlock = frame_support::traits::ConstU32<4>;
	type AssignPerBlock = frame_support::traits::ConstU32<4>;
	type CommitWindow = frame_support::traits::ConstU64<WINDOW>;
	type RevealWindow = frame_support::traits::ConstU64<WINDOW>;
	type ChallengeWindow = frame_support::traits::ConstU64<WINDOW>;
	type AuditWindow = frame_support::traits::ConstU64<WINDOW>;
	type QueueTimeout = frame_support::traits::ConstU64<QUEUE_TIMEOUT>;
	type MaxAttempts = frame_support::traits::ConstU8<2>;
	type TimingMinPermille = frame_support::traits::ConstU32<250>;
	type TimingMaxFactor = frame_support::traits::ConstU32<20>;
	type TimingSlackMicros = frame_support::traits::ConstU64<2_000_000>;
	type RateWindow = frame_support::traits::ConstU64<10>;
	type FreeRiderRequests = frame_support::traits::ConstU32<3>;
	type ContributorRequests = frame_support::traits::ConstU32<10>;
	type ContributorThreshold = ContributorThreshold;
	type MaxVerifyingKeyLen = frame_support::traits::ConstU32<16_384>;
	type MaxZkPublicInputs = frame_support::traits::ConstU32<128>;
	type InferenceWeightInfo = ();
}

pub const CONSUMER: AccountId = 1;
pub const POOR: AccountId = 2;
/// A funded account that is neither a worker nor the default consumer.
pub const OTHER: AccountId = 3;
pub const AUDITORS: [AccountId; 3] = [31, 32, 33];
pub const W1: AccountId = 11;
pub const W2: AccountId = 12;
pub const W3: AccountId = 13;
pub const W4: AccountId = 14;
pub const WORKERS: [AccountId; 4] = [W1, W2, W3, W4];

/// Model ids as registered by [`ExtBuilder::build`].
pub const DIGITS: u32 = 0;
pub const EMBED: u32 = 1;
pub const PREMIUM: u32 = 2;

/// Reference cost of the mock models: 0.01 GPU-hours (36 s on the reference GPU).
pub const COST: u128 = GPU_HOUR / 100;

/// The toy integer model 6 → 4 → 3 → 2 and its weight rows.
pub fn toy_model() -> (Vec<IntegerLayer>, Vec<Vec<i32>>) {
	let layers = vec![
		IntegerLayer { inputs: 6, outputs: 4, shift: 3 },
		IntegerLayer { inputs: 4, outputs: 3, shift: 2 },
		IntegerLayer { inputs: 3, outputs: 2, shift: 0 },
	];
	let mut rows = Vec::new();
	let mut v = 7i32;
	for layer in &layers {
		for _ in 0..layer.outputs {
			rows.push(
				(0..=layer.inputs)
					.map(|_| {
						v = (v * 31 + 11) % 255;
						v - 127
					})
					.collect(),
			);
		}
	}
	(layers, rows)
}

pub const DIGITS_INPUT: [u8; 6] = [3, 16, 0, 9, 12, 5];

pub fn digits_spec() -> ModelSpec {
	let (layers, rows) = toy_model();
	ModelSpec {
		name: b"toy-int".to_vec(),
		kind: ModelKind::Classifier,
		weights_root: H256(poi::weights_root(&rows)),
		cost: COST,
		max_input: 6,
		max_output: 8,
		tier: VerificationTier::ExactInteger,
		layers,
		premium: false,
		verifying_key: vec![],
	}
}

pub fn float_spec(premium: bool) -> ModelSpec {
	ModelSpec {
		name: b"toy-embed".to_vec(),
		kind: ModelKind::Embedding,
		weights_root: H256([7; 32]),
		cost: COST,
		max_input: 64,
		max_output: 16,
		tier: VerificationTier::FloatTolerance { max_error_ppm: 1_000 },
		layers: vec![],
		premium,
		verifying_key: vec![],
	}
}

pub fn pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

pub fn key(who: AccountId) -> AttestationKey {
	AttestationKey::Sr25519(pair(who).public())
}

/// A plausible execution time for the reference cost on an A100 (its expected time).
pub fn plausible() -> Timings {
	plausible_on(HardwareClass::A100)
}

/// The expected execution time of the reference cost on `class`.
pub fn plausible_on(class: HardwareClass) -> Timings {
	Timings { exec_micros: poi::work_micros(poi::t_compute(COST, class)) }
}

pub struct ExtBuilder {
	workers: Vec<AccountId>,
	class: HardwareClass,
	bond: Balance,
	unbonded: Vec<AccountId>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			workers: WORKERS.to_vec(),
			class: HardwareClass::A100,
			bond: 10 * CRED,
			unbonded: Vec::new(),
		}
	}
}

impl ExtBuilder {
	pub fn workers(mut self, workers: &[AccountId]) -> Self {
		self.workers = workers.to_vec();
		self
	}

	/// The bond every worker registers with (default: `MinBond`).
	pub fn bond(mut self, bond: Balance) -> Self {
		self.bond = bond;
		self
	}

	/// Workers that register with a zero bond (on probation).
	pub fn unbonded(mut self, workers: &[AccountId]) -> Self {
		self.unbonded = workers.to_vec();
		self
	}

	/// The hardware class every worker declares (confirmed, as if a benchmark had checked it).
	pub fn class(mut self, class: HardwareClass) -> Self {
		self.class = class;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances = vec![(CONSUMER, 100 * CRED), (POOR, CRED / 1000), (OTHER, 100 * CRED)];
		balances.extend(WORKERS.iter().map(|w| (*w, 100 * CRED)));
		pallet_credits::GenesisConfig::<Test> { balances, bootstrap_cap: 1_000 * CRED }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_economics::GenesisConfig::<Test> {
			limits: SupplyLimits {
				circulation_percent: 110,
				bootstrap_circulation: 100_000 * CRED,
				epoch_mint_floor: 10_000 * CRED,
				epoch_mint_percent: 300,
			},
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_inference::GenesisConfig::<Test> { auditors: AUDITORS.to_vec() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		let (workers, class, bond, unbonded) = (self.workers, self.class, self.bond, self.unbonded);
		ext.execute_with(|| {
			System::set_block_number(1);
			set_hash(0);
			for spec in [digits_spec(), float_spec(false), float_spec(true)] {
				Inference::register_model(RuntimeOrigin::root(), spec).unwrap();
			}
			for w in workers {
				Workers::register(
					RuntimeOrigin::signed(w),
					key(w),
					class,
					276,
					vec![DIGITS, EMBED, PREMIUM],
					if unbonded.contains(&w) { 0 } else { bond },
				)
				.unwrap();
				// As if a benchmark challenge had confirmed the class (tests that need an
				// unconfirmed worker remove this).
				pallet_workers::Confirmed::<Test>::insert(
					w,
					pallet_workers::Confirmation {
						challenge: 0,
						at: 1,
						micros: 1,
						expected_micros: None,
					},
				);
			}
		});
		ext
	}

	/// Builds, runs `test`, then checks every pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			check_invariants();
		});
	}
}

pub fn check_invariants() {
	Credits::do_try_state().expect("credits invariants hold");
	Economics::do_try_state().expect("economics invariants hold");
	Workers::do_try_state().expect("workers invariants hold");
	Inference::do_try_state().expect("inference invariants hold");
}

/// Externalities for the benchmark tests: the default setup plus a keystore for attestation keys.
#[cfg(feature = "runtime-benchmarks")]
pub fn bench_ext() -> sp_io::TestExternalities {
	let mut ext = ExtBuilder::default().build();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// Sets the hash of block `n` (the randomness of that block).
pub fn set_hash(n: u64) {
	let seed = [b"mock".as_slice(), &n.to_le_bytes()].concat();
	frame_system::BlockHash::<Test>::insert(n, H256(sp_io::hashing::blake2_256(&seed)));
}

/// Runs blocks up to `n` with every pallet's hooks, checking invariants each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let now = System::block_number();
		set_hash(now);
		let next = now + 1;
		System::set_block_number(next);
		Credits::on_initialize(next);
		Economics::on_initialize(next);
		Inference::on_initialize(next);
		check_invariants();
	}
}

pub fn next_block() {
	run_to_block(System::block_number() + 1);
}

pub fn inference_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Inference(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// What an honest (or scripted) worker produced for a job.
#[derive(Clone)]
pub struct Work {
	pub output: Vec<u8>,
	pub salt: [u8; 32],
	pub trace: Option<poi::Trace>,
}

impl Work {
	/// The activation root this work commits to and reveals (zero without a trace).
	pub fn activation_root(&self) -> [u8; 32] {
		self.trace.as_ref().map(poi::activation_root).unwrap_or_default()
	}
}

/// The honest result of `job` on `model` for `input`.
pub fn honest_work(model: u32, input: &[u8], salt_byte: u8) -> Work {
	match model {
		DIGITS => {
			let (layers, rows) = toy_model();
			let trace = poi::integer_forward(&layers, &rows, input).unwrap();
			Work {
				output: poi::encode_i32s(&trace.last().unwrap().1),
				salt: [salt_byte; 32],
				trace: Some(trace),
			}
		}
		_ => Work {
			output: [0.5f32, -0.25, 0.125, 0.0625].iter().flat_map(|x| x.to_le_bytes()).collect(),
			salt: [salt_byte; 32],
			trace: None,
		},
	}
}

/// The commitment and attestation signature of `work` by `worker` with `timings`.
pub fn attest(
	job: JobId,
	worker: AccountId,
	work: &Work,
	timings: Timings,
) -> (H256, AttestationSignature) {
	use codec::Encode;
	let j = crate::Jobs::<Test>::get(job).unwrap();
	let m = crate::Models::<Test>::get(j.model).unwrap();
	let commit = H256(poi::output_commitment(
		job,
		&worker.encode(),
		&work.output,
		&work.salt,
		&work.activation_root(),
	));
	let att = poi::Attestation {
		job,
		model_root: m.weights_root.0,
		input_hash: j.input_hash.0,
		commit: commit.0,
		timings,
	};
	(commit, AttestationSignature::Sr25519(pair(worker).sign(&att.signing_payload())))
}

/// `worker` commits `work` with timings plausible for its class.
pub fn commit(job: JobId, worker: AccountId, work: &Work) -> sp_runtime::DispatchResult {
	let class =
		pallet_workers::Workers::<Test>::get(worker).map_or(HardwareClass::A100, |w| w.class);
	let timings = plausible_on(class);
	let (c, sig) = attest(job, worker, work, timings);
	Inference::commit(RuntimeOrigin::signed(worker), job, c, timings, sig)
}

/// `worker` reveals `work`.
pub fn reveal(job: JobId, worker: AccountId, work: &Work) -> sp_runtime::DispatchResult {
	Inference::reveal(
		RuntimeOrigin::signed(worker),
		job,
		work.output.clone(),
		work.salt,
		H256(work.activation_root()),
	)
}

/// The workers assigned to `job` now.
pub fn assigned(job: JobId) -> Vec<AccountId> {
	crate::Jobs::<Test>::get(job).unwrap().replicas.iter().map(|r| r.worker).collect()
}

/// Credits `who` holds in escrow for its jobs.
pub fn escrow_held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Credits::balance_on_hold(&Inference::escrow(), &who)
}
