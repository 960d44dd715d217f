//! The simulated chain: `frame_system`, the real `pallet-credits` and `pallet-economics` with the
//! production runtime's parameters (3 s blocks, hourly epochs, 30-day window, 365-day expiry,
//! 5% cap). Only the receipt retention is smaller, to keep memory flat; receipts themselves are
//! not read by the simulation.

use frame_support::{derive_impl, parameter_types};
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Sim>;
/// Agents are numbered accounts.
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Sim {
		System: frame_system,
		Credits: pallet_credits,
		Economics: pallet_economics,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Sim {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

/// Blocks per hour at 3 s blocks, as in `declai-runtime`.
pub const HOUR: u64 = 1_200;
/// Blocks per day.
pub const DAY: u64 = 24 * HOUR;

parameter_types! {
	pub const BlocksPerDay: u64 = DAY;
	pub const ExpiryPeriod: u64 = 365 * DAY;
	pub const MaxShare: Perbill = Perbill::from_percent(5);
	pub const EpochLength: u64 = HOUR;
}

/// The simulation's clock: block time from the block number.
pub struct BlockTime;
impl frame_support::traits::UnixTime for BlockTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(System::block_number().saturating_mul(3_000))
	}
}

impl pallet_credits::Config for Sim {
	type RuntimeHoldReason = RuntimeHoldReason;
	type MintOrigin = frame_system::EnsureRoot<AccountId>;
	type CapOrigin = frame_system::EnsureRoot<AccountId>;
	type BlocksPerDay = BlocksPerDay;
	type ExpiryPeriod = ExpiryPeriod;
	type MillisecsPerBlock = frame_support::traits::ConstU64<3_000>;
	type MaxLots = frame_support::traits::ConstU32<400>;
	type MaxShare = MaxShare;
	type MaxSweepPerBlock = frame_support::traits::ConstU32<256>;
	type NewAccountMinimum = frame_support::traits::ConstU128<1>;
	type UnixTime = BlockTime;
	type WeightInfo = ();
}

impl pallet_economics::Config for Sim {
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type EpochLength = EpochLength;
	type WindowDays = frame_support::traits::ConstU32<30>;
	type MaxReceipts = frame_support::traits::ConstU32<1_024>;
	type WeightInfo = ();
}

/// Genesis of the simulated chain: founders' endowments and the supply limits.
pub fn genesis(
	endowed: Vec<(AccountId, u128)>,
	bootstrap_cap: u128,
	limits: pallet_economics::SupplyLimits,
	bootstrap: pallet_economics::BootstrapParams,
	basic_storage: bool,
) -> Result<Externalities, String> {
	let mut storage = frame_system::GenesisConfig::<Sim>::default().build_storage()?;
	pallet_credits::GenesisConfig::<Sim> { balances: endowed, bootstrap_cap }
		.assimilate_storage(&mut storage)?;
	pallet_economics::GenesisConfig::<Sim> { limits, bootstrap, ..Default::default() }
		.assimilate_storage(&mut storage)?;
	// Plain externalities, no trie: the simulation never needs a storage root, and computing one
	// for every day's changes (as `TestExternalities` does when it commits) dominated its run
	// time. The simulator's own storage by default (`declai_fast_state`).
	Ok(if basic_storage {
		Externalities::Basic(sp_state_machine::BasicExternalities::new(storage))
	} else {
		Externalities::Sim(declai_fast_state::SimExternalities::new(storage))
	})
}

/// The state the model runs on.
pub enum Externalities {
	Sim(declai_fast_state::SimExternalities),
	Basic(sp_state_machine::BasicExternalities),
}

impl Externalities {
	/// Runs `f` with this state as the externalities.
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		match self {
			Externalities::Sim(e) => e.execute_with(f),
			Externalities::Basic(e) => e.execute_with(f),
		}
	}
}
