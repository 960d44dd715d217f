//! Weights of `pallet-economics`.
//!
//! Measured with `scripts/benchmark.sh` (frame-benchmarking v2 benchmarks of this crate run in
//! the wasm runtime over a database that counts accesses); see the comments in `priced`. DB
//! reads and writes are priced with the runtime's database weights.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-economics`, including the [`crate::Settlement`] paths
/// that the inference pallet adds to its own calls.
pub trait WeightInfo {
	fn set_eta() -> Weight;
	fn set_alpha_curve() -> Weight;
	fn set_controller() -> Weight;
	fn set_supply_limits() -> Weight;
	fn set_mint_paused() -> Weight;
	fn on_initialize_idle() -> Weight;
	fn on_initialize_epoch() -> Weight;
	fn settle_work() -> Weight;
	fn consume_held() -> Weight;
	fn consume_free() -> Weight;
	fn note_work() -> Weight;
}

macro_rules! priced_weights {
	($db:expr) => {
		fn set_eta() -> Weight {
			priced::set_eta($db)
		}
		fn set_alpha_curve() -> Weight {
			priced::set_alpha_curve($db)
		}
		fn set_controller() -> Weight {
			priced::set_controller($db)
		}
		fn set_supply_limits() -> Weight {
			priced::set_supply_limits($db)
		}
		fn set_mint_paused() -> Weight {
			priced::set_mint_paused($db)
		}
		fn on_initialize_idle() -> Weight {
			priced::on_initialize_idle($db)
		}
		fn on_initialize_epoch() -> Weight {
			priced::on_initialize_epoch($db)
		}
		fn settle_work() -> Weight {
			priced::settle_work($db)
		}
		fn consume_held() -> Weight {
			priced::consume_held($db)
		}
		fn consume_free() -> Weight {
			priced::consume_free($db)
		}
		fn note_work() -> Weight {
			priced::note_work($db)
		}
	};
}

/// Weights for `pallet-economics` using the runtime's database weights.
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
/// Figures from `scripts/benchmark.sh` (wasm runtime, in-memory database with access tracking)
/// on the project's 2-core build machine; reads/writes are the measured counts.
mod priced {
	use super::*;

	pub fn set_eta(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(db.writes(1))
	}
	pub fn set_alpha_curve(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(db.writes(1))
	}
	pub fn set_controller(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(12_000_000, 0).saturating_add(db.reads_writes(1, 2))
	}
	pub fn set_supply_limits(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(db.writes(1))
	}
	pub fn set_mint_paused(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(8_000_000, 0).saturating_add(db.writes(1))
	}
	pub fn on_initialize_idle(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(4_000_000, 100).saturating_add(db.reads(1))
	}
	pub fn on_initialize_epoch(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(60_000_000, 4_000).saturating_add(db.reads_writes(8, 7))
	}
	pub fn settle_work(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(150_000_000, 10_000).saturating_add(db.reads_writes(16, 10))
	}
	pub fn consume_held(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(60_000_000, 10_000).saturating_add(db.reads_writes(4, 4))
	}
	pub fn consume_free(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(60_000_000, 10_000).saturating_add(db.reads_writes(4, 4))
	}
	pub fn note_work(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(6_000_000, 200).saturating_add(db.reads_writes(2, 2))
	}
}
