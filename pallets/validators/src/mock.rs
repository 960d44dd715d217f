//! Mock runtime: credits, `pallet-session` with 10-block sessions and one test key per validator,
//! and this pallet as the session manager; validators 1, 2 and 3 at genesis, at least 2.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_validators;
use declai_primitives::CRED;
use frame_support::{
	derive_impl,
	traits::{ConstU128, ConstU32, ConstU64, Contains, Hooks},
};
use sp_runtime::{
	impl_opaque_keys,
	testing::UintAuthorityId,
	traits::{ConvertInto, OpaqueKeys},
	BuildStorage, KeyTypeId, RuntimeAppPublic,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Credits: pallet_credits,
		Validators: pallet_validators,
		Session: pallet_session,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

pallet_credits::impl_mock_config!(Test, per_day: 24, expiry_days: 10, max_lots: 16);

impl_opaque_keys! {
	pub struct MockKeys {
		pub dummy: UintAuthorityId,
	}
}

/// Records each new session's validators.
pub struct Handler;
impl pallet_session::SessionHandler<AccountId> for Handler {
	const KEY_TYPE_IDS: &'static [KeyTypeId] = &[UintAuthorityId::ID];
	fn on_genesis_session<K: OpaqueKeys>(_validators: &[(AccountId, K)]) {}
	fn on_new_session<K: OpaqueKeys>(
		_changed: bool,
		_validators: &[(AccountId, K)],
		_queued: &[(AccountId, K)],
	) {
	}
	fn on_disabled(_validator_index: u32) {}
}

pub const SESSION: u64 = 10;

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<ConstU64<SESSION>, ConstU64<0>>;
	type NextSessionRotation = pallet_session::PeriodicSessions<ConstU64<SESSION>, ConstU64<0>>;
	type SessionManager = Validators;
	type SessionHandler = Handler;
	type Keys = MockKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Credits;
	type KeyDeposit = ConstU128<0>;
}

/// Accounts with session keys (`pallet-session`'s `NextKeys`).
pub struct HasKeys;
impl Contains<AccountId> for HasKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Test>::contains_key(who)
	}
}

impl pallet_validators::Config for Test {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type KeysRegistered = HasKeys;
	type MaxValidators = ConstU32<4>;
	type MinValidators = ConstU32<2>;
	type DefaultSessionLength = ConstU64<SESSION>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = KeysHelper;
}

/// Registers test session keys with a proof of possession, as `session.set_keys` needs.
#[cfg(feature = "runtime-benchmarks")]
pub struct KeysHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for KeysHelper {
	fn register_keys(who: &AccountId) {
		// Keys need a live account.
		frame_system::Pallet::<Test>::inc_providers(who);
		register_keys(*who);
	}
}

/// `session.set_keys` for `who` with its test key and a proof of possession.
pub fn register_keys(who: AccountId) {
	use codec::Encode;
	let mut key = keys(who).dummy;
	let proof = key.generate_proof_of_possession(&who.encode()).expect("test keys prove");
	Session::set_keys(RuntimeOrigin::signed(who), keys(who), proof.encode())
		.expect("keys register");
}

pub fn keys(who: AccountId) -> MockKeys {
	MockKeys { dummy: UintAuthorityId(who) }
}

pub fn build() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_credits::GenesisConfig::<Test> {
		balances: (1..=6).map(|a| (a, 10 * CRED)).collect(),
		bootstrap_cap: 1_000 * CRED,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: (1..=3).map(|a| (a, a, keys(a))).collect(),
		non_authority_keys: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_validators::GenesisConfig::<Test> { validators: vec![1, 2, 3], session_length: None }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Builds, runs `test`, then checks the invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	build().execute_with(|| {
		test();
		Validators::do_try_state().expect("validators invariants hold");
	});
}

/// Runs blocks up to `n` with the session pallet's hook (which rotates sessions).
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
	}
}

/// The session pallet's active validators.
pub fn active() -> Vec<AccountId> {
	pallet_session::Validators::<Test>::get()
}

pub fn validators_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Validators(e) => Some(e),
			_ => None,
		})
		.collect()
}
