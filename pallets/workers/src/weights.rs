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
	fn answer_benchmark() -> Weight;
	fn check_benchmark() -> Weight;
	fn challenge_benchmark() -> Weight;
	fn benchmark_schedule(n: u32) -> Weight;
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
		fn answer_benchmark() -> Weight {
			priced::answer_benchmark($db)
		}
		fn check_benchmark() -> Weight {
			priced::check_benchmark($db)
		}
		fn challenge_benchmark() -> Weight {
			priced::challenge_benchmark($db)
		}
		fn benchmark_schedule(n: u32) -> Weight {
			priced::benchmark_schedule($db, n)
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
/// 2026-11-26. Worst cases: every candidate list one below `MaxWorkersPerModel` (256), the worker
/// holding 400 lots, a worker serving `MaxModelsPerWorker` (16) models.
mod priced {
	use super::*;

	// 105.7 µs + 13.8 µs per model; 7 + 2m reads, 7 + m writes (the benchmark challenge is
	// scheduled for the next block).
	pub fn register(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(105_702_000, 8_475)
			.saturating_add(Weight::from_parts(13_777_905, 8_229).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(7, 7))
			.saturating_add(db.reads_writes(m.saturating_mul(2).into(), m.into()))
	}
	// Leaving 16 models for `m`: 176.0 µs + 8.4 µs per model; 18 + m reads, 18 writes.
	pub fn update(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(176_029_000, 131_894)
			.saturating_add(Weight::from_parts(8_436_388, 23).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(18, 18))
			.saturating_add(db.reads(m.into()))
	}
	// 71.9 µs, 4 reads, 4 writes (400 lots moved into the hold).
	pub fn bond_more(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(71_898_000, 8_611).saturating_add(db.reads_writes(4, 4))
	}
	// Leaving 16 full candidate lists: 172.7 µs, 18 reads, 18 writes.
	pub fn unbond(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(172_697_000, 131_265).saturating_add(db.reads_writes(18, 18))
	}
	// 91.9 µs, 6 reads, 8 writes (the challenge and the confirmation are removed).
	pub fn withdraw(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(91_906_000, 8_616).saturating_add(db.reads_writes(6, 8))
	}
	// 168.5 µs, 18 reads, 18 writes.
	pub fn suspend(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(168_500_000, 131_265).saturating_add(db.reads_writes(18, 18))
	}
	// Rejoining 16 candidate lists: 176.6 µs, 18 reads, 18 writes.
	pub fn resume(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(176_589_000, 131_265).saturating_add(db.reads_writes(18, 18))
	}
	// Verifying the sr25519 attestation: 72.8 µs, 2 reads, 1 write.
	pub fn answer_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(72_771_000, 442).saturating_add(db.reads_writes(2, 1))
	}
	// The check that closes and fails a challenge (slash, next challenge scheduled): 62.5 µs,
	// 6 reads, 6 writes.
	pub fn check_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(62_521_000, 980).saturating_add(db.reads_writes(6, 6))
	}
	// 21.2 µs, 3 reads, 1 write.
	pub fn challenge_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(21_175_000, 284).saturating_add(db.reads_writes(3, 1))
	}
	// `n` expired unanswered challenges (each a slash and a new schedule entry): 84.6 µs +
	// 26.5 µs each; 7 + 2n reads, 12 + 3n writes (the shared totals a slash touches are in the
	// base).
	pub fn benchmark_schedule(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(84_596_000, 1_053)
			.saturating_add(Weight::from_parts(26_468_489, 335).saturating_mul(n.into()))
			.saturating_add(db.reads_writes(7, 12))
			.saturating_add(db.reads_writes(n.saturating_mul(2).into(), n.saturating_mul(3).into()))
	}
}
