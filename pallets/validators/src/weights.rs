//! Weights of `pallet-validators`.
//!
//! Not measured yet: the pallet is not in the runtime. Both calls read and write one bounded list
//! (`MaxValidators` accounts) plus a keys lookup; the figures below are upper bounds taken from
//! the measured cost of comparable list updates in `pallet-workers` (about 170 µs with 18 reads
//! and writes), to be replaced by `scripts/benchmark.sh --pallet pallet_validators` once the
//! pallet joins the runtime.

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

fn bound(db: RuntimeDbWeight) -> Weight {
	Weight::from_parts(200_000_000, 8_000).saturating_add(db.reads_writes(2, 1))
}

/// Weights for `pallet-validators` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight {
		bound(T::DbWeight::get())
	}
	fn remove_validator() -> Weight {
		bound(T::DbWeight::get())
	}
}

/// For tests: the same bounds priced with RocksDB database weights.
impl WeightInfo for () {
	fn add_validator() -> Weight {
		bound(RocksDbWeight::get())
	}
	fn remove_validator() -> Weight {
		bound(RocksDbWeight::get())
	}
}
