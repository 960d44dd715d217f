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
///
/// Figures from `scripts/benchmark.sh --pallet pallet_workers --steps 20 --repeat 20` (wasm
/// runtime, in-memory database with access tracking) on the project's 2-core build machine,
/// 2026-11-25. Worst cases: every candidate list one below `MaxWorkersPerModel` (256), the worker
/// holding 400 lots, a worker serving `MaxModelsPerWorker` (16) models.
mod priced {
	use super::*;

	// 89.7 µs + 13.9 µs per model; 6 + 2m reads, 6 + m writes.
	pub fn register(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(89_708_000, 8_475)
			.saturating_add(Weight::from_parts(13_852_607, 8_229).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(6, 6))
			.saturating_add(db.reads_writes(m.saturating_mul(2).into(), m.into()))
	}
	// Leaving 16 models for `m`: 167.1 µs + 7.5 µs per model; 18 + m reads, 18 writes.
	pub fn update(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(167_051_000, 131_860)
			.saturating_add(Weight::from_parts(7_469_707, 23).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(18, 18))
			.saturating_add(db.reads(m.into()))
	}
	// 68.4 µs, 4 reads, 4 writes (400 lots moved into the hold).
	pub fn bond_more(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(68_410_000, 8_578).saturating_add(db.reads_writes(4, 4))
	}
	// Leaving 16 full candidate lists: 155.1 µs, 18 reads, 18 writes.
	pub fn unbond(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(155_134_000, 131_231).saturating_add(db.reads_writes(18, 18))
	}
	// 79.9 µs, 6 reads, 6 writes.
	pub fn withdraw(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(79_926_000, 8_583).saturating_add(db.reads_writes(6, 6))
	}
	// 150.2 µs, 18 reads, 18 writes.
	pub fn suspend(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(150_166_000, 131_231).saturating_add(db.reads_writes(18, 18))
	}
	// Rejoining 16 candidate lists: 163.4 µs, 18 reads, 18 writes.
	pub fn resume(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(163_378_000, 131_231).saturating_add(db.reads_writes(18, 18))
	}
}
