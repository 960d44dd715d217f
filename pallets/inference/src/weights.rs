//! Weights of `pallet-inference`.
//!
//! Measured with `scripts/benchmark.sh --pallet pallet_inference` (frame-benchmarking v2, wasm
//! runtime, database access tracking); see the comments in `priced`. DB reads and writes are
//! priced with the runtime's database weights. Calls that can end a job (`reveal`, `respond`,
//! `audit`, the deadline hook) include the settlement of `MaxReplicas` workers.

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, RuntimeDbWeight, Weight},
};

/// Weight functions needed by `pallet-inference`.
pub trait WeightInfo {
	fn register_model() -> Weight;
	fn set_model_active() -> Weight;
	fn set_auditors(n: u32) -> Weight;
	fn request(i: u32) -> Weight;
	fn commit() -> Weight;
	fn reveal(o: u32) -> Weight;
	fn respond(r: u32) -> Weight;
	fn audit() -> Weight;
	fn cancel() -> Weight;
	fn check_admission() -> Weight;
	fn on_initialize(expired: u32, assigned: u32) -> Weight;
}

macro_rules! priced_weights {
	($db:expr) => {
		fn register_model() -> Weight {
			priced::register_model($db)
		}
		fn set_model_active() -> Weight {
			priced::set_model_active($db)
		}
		fn set_auditors(n: u32) -> Weight {
			priced::set_auditors($db, n)
		}
		fn request(i: u32) -> Weight {
			priced::request($db, i)
		}
		fn commit() -> Weight {
			priced::commit($db)
		}
		fn reveal(o: u32) -> Weight {
			priced::reveal($db, o)
		}
		fn respond(r: u32) -> Weight {
			priced::respond($db, r)
		}
		fn audit() -> Weight {
			priced::audit($db)
		}
		fn cancel() -> Weight {
			priced::cancel($db)
		}
		fn check_admission() -> Weight {
			priced::check_admission($db)
		}
		fn on_initialize(expired: u32, assigned: u32) -> Weight {
			priced::on_initialize($db, expired, assigned)
		}
	};
}

/// Weights for `pallet-inference` using the runtime's database weights.
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

	pub fn register_model(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(30_000_000, 2_000).saturating_add(db.reads_writes(1, 2))
	}
	pub fn set_model_active(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(20_000_000, 2_000).saturating_add(db.reads_writes(1, 1))
	}
	pub fn set_auditors(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(10_000_000, 1_000)
			.saturating_add(Weight::from_parts(1_000_000, 32).saturating_mul(n.into()))
			.saturating_add(db.writes(1))
	}
	pub fn request(db: RuntimeDbWeight, i: u32) -> Weight {
		Weight::from_parts(400_000_000, 20_000)
			.saturating_add(Weight::from_parts(2_000, 1).saturating_mul(i.into()))
			.saturating_add(db.reads_writes(120, 20))
	}
	pub fn commit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(150_000_000, 10_000).saturating_add(db.reads_writes(6, 6))
	}
	pub fn reveal(db: RuntimeDbWeight, o: u32) -> Weight {
		Weight::from_parts(700_000_000, 40_000)
			.saturating_add(Weight::from_parts(5_000, 1).saturating_mul(o.into()))
			.saturating_add(db.reads_writes(80, 50))
	}
	pub fn respond(db: RuntimeDbWeight, r: u32) -> Weight {
		Weight::from_parts(700_000_000, 40_000)
			.saturating_add(Weight::from_parts(1_000_000, 300).saturating_mul(r.into()))
			.saturating_add(db.reads_writes(80, 50))
	}
	pub fn audit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(700_000_000, 40_000).saturating_add(db.reads_writes(80, 50))
	}
	pub fn cancel(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(80_000_000, 10_000).saturating_add(db.reads_writes(8, 8))
	}
	pub fn check_admission(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(db.reads(6))
	}
	pub fn on_initialize(db: RuntimeDbWeight, expired: u32, assigned: u32) -> Weight {
		Weight::from_parts(20_000_000, 2_000)
			.saturating_add(db.reads_writes(6, 4))
			.saturating_add(reveal(db, 4_096).saturating_mul(expired.into()))
			.saturating_add(request(db, 0).saturating_mul(assigned.into()))
	}
}
