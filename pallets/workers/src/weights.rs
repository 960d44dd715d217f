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
/// Figures from `scripts/benchmark.sh --pallet pallet_workers` (10 steps, 20 repeats, wasm
/// runtime, in-memory database with access tracking, each benchmark's checks verified) on the
/// project's 2-core build machine, 2026-12-06, spec_version 110 (a slower run than 2026-11-26's:
/// where that run declared more reads or writes, the larger count is kept). Worst cases: every
/// candidate list one below `MaxWorkersPerModel` (256), the worker holding 400 lots, a worker
/// serving `MaxModelsPerWorker` (16) models.
mod priced {
	use super::*;

	// 168.9 µs + 19.9 µs per model; 10 + 2m reads, 7 + m writes (the benchmark challenge is
	// scheduled for the next block; the history of a returning account or key is read).
	pub fn register(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(168_863_000, 8_474)
			.saturating_add(Weight::from_parts(19_922_013, 8_230).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(10, 7))
			.saturating_add(db.reads_writes(m.saturating_mul(2).into(), m.into()))
	}
	// Leaving 16 models for `m`: 243.6 µs + 12.4 µs per model; 18 + m reads, 18 writes.
	pub fn update(db: RuntimeDbWeight, m: u32) -> Weight {
		Weight::from_parts(243_593_000, 131_871)
			.saturating_add(Weight::from_parts(12_356_838, 25).saturating_mul(m.into()))
			.saturating_add(db.reads_writes(18, 18))
			.saturating_add(db.reads(m.into()))
	}
	// 106.2 µs, 4 reads, 4 writes (400 lots moved into the hold).
	pub fn bond_more(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(106_190_000, 8_611).saturating_add(db.reads_writes(4, 4))
	}
	// Leaving 16 full candidate lists: 231.7 µs, 18 reads, 18 writes.
	pub fn unbond(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(231_685_000, 131_265).saturating_add(db.reads_writes(18, 18))
	}
	// 142.5 µs, 7 reads, 10 writes (the challenge and the confirmation are removed; the record
	// stays, with its history).
	pub fn withdraw(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(142_457_000, 8_616).saturating_add(db.reads_writes(7, 10))
	}
	// 230.4 µs, 18 reads, 19 writes.
	pub fn suspend(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(230_382_000, 131_265).saturating_add(db.reads_writes(18, 19))
	}
	// Rejoining 16 candidate lists: 274.6 µs, 18 reads, 19 writes.
	pub fn resume(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(274_565_000, 131_298).saturating_add(db.reads_writes(18, 19))
	}
	// Verifying the sr25519 attestation: 88.6 µs, 2 reads, 1 write.
	pub fn answer_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(88_616_000, 442).saturating_add(db.reads_writes(2, 1))
	}
	// The check that closes and fails a challenge (slash, next challenge scheduled): 95.4 µs,
	// 7 reads, 7 writes.
	pub fn check_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(95_439_000, 1_007).saturating_add(db.reads_writes(7, 7))
	}
	// 29.5 µs, 3 reads, 1 write.
	pub fn challenge_benchmark(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(29_525_000, 284).saturating_add(db.reads_writes(3, 1))
	}
	// `n` expired unanswered challenges (each a slash and a new schedule entry): 16.4 µs +
	// 56.2 µs each; 3 + 3n reads, 3 + 4n writes measured; the base keeps the 2026-11-26 bound
	// of the shared totals a slash touches (7 reads, 12 writes).
	pub fn benchmark_schedule(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(16_389_000, 282)
			.saturating_add(Weight::from_parts(56_205_091, 431).saturating_mul(n.into()))
			.saturating_add(db.reads_writes(7, 12))
			.saturating_add(db.reads_writes(n.saturating_mul(3).into(), n.saturating_mul(4).into()))
	}
}
