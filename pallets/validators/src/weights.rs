//! Weights of `pallet-validators`.
//!
//! Measured with `scripts/benchmark.sh --pallet pallet_validators --steps 20 --repeat 20`
//! (frame-benchmarking v2, wasm runtime, in-memory database with access tracking) on the
//! project's 2-core build machine, 2026-11-26. Worst cases: the planned set one below
//! `MaxValidators` (32) when adding, full when removing. DB reads and writes are priced with the
//! runtime's database weights.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-validators`.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
}

/// 33.6 µs; 2 reads (the planned set, the session keys), 1 write.
fn add_validator(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(33_605_000, 1_204).saturating_add(db.reads_writes(2, 1))
}

/// 22.3 µs; 1 read, 1 write.
fn remove_validator(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(22_269_000, 1_057).saturating_add(db.reads_writes(1, 1))
}

/// Weights for `pallet-validators` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight {
		add_validator(T::DbWeight::get())
	}
	fn remove_validator() -> Weight {
		remove_validator(T::DbWeight::get())
	}
}

/// For tests: the same weights priced with RocksDB database weights.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		add_validator(RocksDbWeight::get())
	}
	fn remove_validator() -> Weight {
		remove_validator(RocksDbWeight::get())
	}
}
