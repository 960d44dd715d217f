//! Mock runtime: days of 24 blocks, epochs of 4 blocks (6 a day), a 5-day window, 8 receipts
//! kept, lots expiring after 10 days.

#![allow(clippy::arithmetic_side_effects)]

use crate as pallet_economics;
use crate::SupplyLimits;
use declai_primitives::{Balance, CRED};
use frame_support::{derive_impl, parameter_types, traits::Hooks};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Credits: pallet_credits,
		Economics: pallet_economics,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

pub const BLOCKS_PER_DAY: u64 = 24;
pub const EPOCH: u64 = 4;
pub const WINDOW_DAYS: u32 = 5;
pub const MAX_RECEIPTS: u32 = 8;

parameter_types! {
	pub const EpochLength: u64 = EPOCH;
}

pallet_credits::impl_mock_config!(Test, per_day: BLOCKS_PER_DAY, expiry_days: 10, max_lots: 16);

impl pallet_economics::Config for Test {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type EpochLength = EpochLength;
	type WindowDays = frame_support::traits::ConstU32<WINDOW_DAYS>;
	type MaxReceipts = frame_support::traits::ConstU32<MAX_RECEIPTS>;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const WORKER: AccountId = 10;
pub const ESCROW: RuntimeHoldReason =
	RuntimeHoldReason::Credits(pallet_credits::HoldReason::Escrow);

pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
	bootstrap_cap: Balance,
	limits: SupplyLimits,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			balances: vec![(ALICE, 100 * CRED), (BOB, 50 * CRED)],
			bootstrap_cap: 1_000 * CRED,
			limits: SupplyLimits {
				circulation_percent: 110,
				bootstrap_circulation: 10_000 * CRED,
				epoch_mint_floor: 1_000 * CRED,
				epoch_mint_percent: 300,
			},
		}
	}
}

impl ExtBuilder {
	pub fn default_limits() -> SupplyLimits {
		Self::default().limits
	}

	pub fn limits(mut self, limits: SupplyLimits) -> Self {
		self.limits = limits;
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
		pallet_economics::GenesisConfig::<Test> { limits: self.limits, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks both pallets' invariants.
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
}

/// Runs blocks up to `n` with the credits and economics hooks, checking invariants each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Credits::on_initialize(next);
		Economics::on_initialize(next);
		Credits::on_idle(next, frame_support::weights::Weight::MAX);
		check_invariants();
	}
}

/// Runs to the first block of the next epoch.
pub fn next_epoch() {
	let n = System::block_number();
	run_to_block((n / EPOCH + 1) * EPOCH);
}

pub fn economics_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Economics(e) => Some(e),
			_ => None,
		})
		.collect()
}
