//! Mock runtime: days of 10 blocks, lots expiring after 30 blocks (3 days), at most 5 lots.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_credits;
use crate::{Balance, HoldReason};
use frame_support::{
	derive_impl, parameter_types,
	traits::{Hooks, UnixTime},
	weights::{ConstantMultiplier, IdentityFee},
};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		TransactionPayment: pallet_transaction_payment,
		Credits: pallet_credits,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

pub const BLOCKS_PER_DAY: u64 = 10;
pub const EXPIRY_DAYS: u64 = 3;
pub const MAX_LOTS: u32 = 5;
pub const NOW_MS: u64 = 1_700_000_000_000;
pub const MS_PER_BLOCK: u64 = 6_000;
/// Least transfer that opens an account.
pub const NEW_ACCOUNT_MINIMUM: u128 = 10;

parameter_types! {
	pub const BlocksPerDay: u64 = BLOCKS_PER_DAY;
	pub const ExpiryPeriod: u64 = BLOCKS_PER_DAY * EXPIRY_DAYS;
	pub const MaxShare: Perbill = Perbill::from_percent(5);
}

/// A clock fixed at [`NOW_MS`].
pub struct FixedTime;
impl UnixTime for FixedTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NOW_MS)
	}
}

impl pallet_credits::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type MintOrigin = frame_system::EnsureRoot<AccountId>;
	type CapOrigin = frame_system::EnsureRoot<AccountId>;
	type BlocksPerDay = BlocksPerDay;
	type ExpiryPeriod = ExpiryPeriod;
	type MillisecsPerBlock = frame_support::traits::ConstU64<MS_PER_BLOCK>;
	type MaxLots = frame_support::traits::ConstU32<MAX_LOTS>;
	type MaxShare = MaxShare;
	type MaxSweepPerBlock = frame_support::traits::ConstU32<3>;
	type NewAccountMinimum = frame_support::traits::ConstU128<NEW_ACCOUNT_MINIMUM>;
	type UnixTime = FixedTime;
	type WeightInfo = ();
}

#[derive_impl(pallet_transaction_payment::config_preludes::TestDefaultConfig)]
impl pallet_transaction_payment::Config for Test {
	type OnChargeTransaction = crate::CreditsFeeAdapter<Test>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, frame_support::traits::ConstU128<1>>;
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const ESCROW: RuntimeHoldReason = RuntimeHoldReason::Credits(HoldReason::Escrow);

pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
	bootstrap_cap: Balance,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balances: vec![(ALICE, 1_000), (BOB, 500)], bootstrap_cap: 10_000 }
	}
}

impl ExtBuilder {
	pub fn balances(mut self, balances: Vec<(AccountId, Balance)>) -> Self {
		self.balances = balances;
		self
	}

	pub fn bootstrap_cap(mut self, cap: Balance) -> Self {
		self.bootstrap_cap = cap;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_credits::GenesisConfig::<Test> {
			balances: self.balances,
			bootstrap_cap: self.bootstrap_cap,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Credits::do_try_state().expect("invariants hold after the test");
		});
	}
}

/// Runs blocks up to `n`, with the credits hooks (day closing and the idle sweep).
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Credits::on_initialize(next);
		Credits::on_idle(next, frame_support::weights::Weight::MAX);
		Credits::do_try_state().expect("invariants hold after every block");
	}
}

/// Runs blocks up to `n - 1`, then starts block `n` with `on_initialize` only: a day can close
/// while its expired lots stay in storage, as before an idle sweep.
pub fn start_block_without_sweep(n: u64) {
	run_to_block(n - 1);
	System::set_block_number(n);
	Credits::on_initialize(n);
}

pub fn credit_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Credits(e) => Some(e),
			_ => None,
		})
		.collect()
}
