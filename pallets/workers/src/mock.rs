//! Mock runtime: credits with 24-block days, models 1–3 registered, a 10 CRED bond target.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_workers;
use declai_primitives::{poi::ModelId, Balance, CRED};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Contains, SortedMembers},
};
use sp_core::{ed25519, sr25519, Pair};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Credits: pallet_credits,
		Workers: pallet_workers,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

parameter_types! {
	pub const MinBond: Balance = 10 * CRED;
	pub const BondShare: Perbill = Perbill::from_percent(50);
	pub const SlashInvalid: Perbill = Perbill::from_percent(10);
	pub const SlashMissed: Perbill = Perbill::from_percent(1);
	/// The auditors; tests may change them.
	pub static AuditorList: Vec<AccountId> = vec![AUDITOR_1, AUDITOR_2];
}

pub struct MockAuditors;
impl SortedMembers<AccountId> for MockAuditors {
	fn sorted_members() -> Vec<AccountId> {
		let mut list = AuditorList::get();
		list.sort();
		list
	}
}

/// Benchmark challenges: 4 × 4 matrices, 10 rounds on the reference GPU, 5 blocks to answer and
/// check, a new challenge 20 blocks after the last closed, two checks, times within 0.25–3×.
pub const BENCH_WINDOW: u64 = 5;
pub const BENCH_PERIOD: u64 = 20;

pallet_credits::impl_mock_config!(Test, per_day: 24, expiry_days: 10, max_lots: 16);

/// Models 1, 2 and 3 exist.
pub struct MockModels;
impl Contains<ModelId> for MockModels {
	fn contains(m: &ModelId) -> bool {
		(1..=3).contains(m)
	}
}

impl pallet_workers::Config for Test {
	type BlockRandomness = MockRandomness;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type Models = MockModels;
	type MinBond = MinBond;
	type BondShare = BondShare;
	type SlashInvalid = SlashInvalid;
	type SlashMissed = SlashMissed;
	type UnbondingPeriod = frame_support::traits::ConstU64<10>;
	type MaxModelsPerWorker = frame_support::traits::ConstU32<3>;
	type MaxWorkersPerModel = frame_support::traits::ConstU32<4>;
	type InitialReputation = frame_support::traits::ConstU32<500_000>;
	type TrustAfter = frame_support::traits::ConstU32<10>;
	type MinAuditPpm = frame_support::traits::ConstU32<10_000>;
	type ContributionHalfLife = frame_support::traits::ConstU64<100>;
	type Auditors = MockAuditors;
	type BenchmarkSize = ConstU32<4>;
	type BenchmarkRounds = ConstU32<10>;
	type BenchmarkWindow = ConstU64<BENCH_WINDOW>;
	type BenchmarkPeriod = ConstU64<BENCH_PERIOD>;
	type BenchmarkQuorum = ConstU32<2>;
	type BenchmarkMinPermille = ConstU32<250>;
	type BenchmarkMaxPermille = ConstU32<3_000>;
	type MaxBenchmarksPerBlock = ConstU32<2>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
}

/// Models 1–3 always exist; auditors join [`AuditorList`].
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockHelper {
	fn register_models(_count: u32) {}
	fn make_auditor(who: &AccountId) {
		let mut list = AuditorList::get();
		if !list.contains(who) {
			list.push(*who);
		}
		AuditorList::set(list);
	}
}

/// Externalities for the benchmark tests: [`build`] plus a keystore for attestation keys.
#[cfg(feature = "runtime-benchmarks")]
pub fn bench_ext() -> sp_io::TestExternalities {
	let mut ext = build();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const NEWCOMER: AccountId = 3;
pub const AUDITOR_1: AccountId = 10;
pub const AUDITOR_2: AccountId = 11;

/// Chain randomness of the mock: known for blocks 1 up to the parent of the current block, and
/// unlike the parent hashes `run_to` sets.
pub struct MockRandomness;
impl crate::BlockRandomness<u64> for MockRandomness {
	fn randomness_of(n: u64) -> Option<sp_core::H256> {
		(n >= 1 && n < System::block_number())
			.then(|| sp_core::H256::from_low_u64_be(0xdec1_a100_0000 + n))
	}
}

/// Runs blocks up to `n`, with the workers pallet's block hook.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		System::set_parent_hash(sp_core::H256::from_low_u64_be(next));
		Workers::on_initialize(next);
	}
}

/// A deterministic sr25519 attestation key pair for account `who`.
pub fn sr_pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

/// A deterministic ed25519 attestation key pair for account `who`.
pub fn ed_pair(who: AccountId) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[who as u8 + 100; 32])
}

pub fn sr_key(who: AccountId) -> crate::AttestationKey {
	crate::AttestationKey::Sr25519(sr_pair(who).public())
}

pub fn build() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_credits::GenesisConfig::<Test> {
		balances: vec![(ALICE, 100 * CRED), (BOB, 100 * CRED)],
		bootstrap_cap: 1_000 * CRED,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Builds, runs `test`, then checks both pallets' invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	build().execute_with(|| {
		test();
		Credits::do_try_state().expect("credits invariants hold");
		Workers::do_try_state().expect("workers invariants hold");
	});
}

pub fn workers_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Workers(e) => Some(e),
			_ => None,
		})
		.collect()
}
