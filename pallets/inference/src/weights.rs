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
	fn prove() -> Weight;
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
		fn prove() -> Weight {
			priced::prove($db)
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
///
/// Figures from `scripts/benchmark.sh --pallet pallet_inference --steps 20 --repeat 20` (wasm
/// runtime, in-memory database with access tracking) on the project's 2-core build machine,
/// 2026-11-25. Worst cases: every draw over a full candidate list of low-reputation workers
/// (16 rejected tries per worker), `MaxReplicas` (3) replicas settled at once, workers and
/// consumers holding 400 lots, `MaxAuditors` (32) votes.
mod priced {
	use super::*;

	// Measured 13.9 µs, 1 read, 2 writes (8 layers, the longest name; unchanged by the review
	// fixes, first run).
	pub fn register_model(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(13_887_000, 29).saturating_add(db.reads_writes(1, 2))
	}
	// Measured 15.5 µs, 1 read, 1 write.
	pub fn set_model_active(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(15_517_000, 219).saturating_add(db.reads_writes(1, 1))
	}
	// Measured 7.1 µs + 20.3 ns per auditor, 1 write.
	pub fn set_auditors(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(7_147_000, 0)
			.saturating_add(Weight::from_parts(20_251, 0).saturating_mul(n.into()))
			.saturating_add(db.writes(1))
	}
	// The larger of two worst cases: assigned after two draws of 16 rejections each (538.9 µs +
	// 3.5 ns per input byte, 78 reads, 15 writes) and queued behind a full queue with every
	// candidate busy (602.7 µs + 2.8 ns per byte, 31 reads, 12 writes, 137,723 proof bytes).
	pub fn request(db: RuntimeDbWeight, i: u32) -> Weight {
		Weight::from_parts(602_665_000, 137_723)
			.saturating_add(Weight::from_parts(3_463, 1).saturating_mul(i.into()))
			.saturating_add(db.reads_writes(78, 15))
	}
	// The last of 3 commitments (closes the phase), sr25519 attestation checked: 91.8 µs,
	// 5 reads, 3 writes.
	pub fn commit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(91_842_000, 962).saturating_add(db.reads_writes(5, 3))
	}
	// The last of 3 reveals: outputs compared within tolerance and 3 workers paid (each ended
	// job also pruned from the ring). 598.1 µs + 20.7 ns per output byte, 42 reads, 36 writes.
	pub fn reveal(db: RuntimeDbWeight, o: u32) -> Weight {
		Weight::from_parts(598_070_000, 18_807)
			.saturating_add(Weight::from_parts(20_749, 1).saturating_mul(o.into()))
			.saturating_add(db.reads_writes(42, 36))
	}
	// A challenge answer opening `n` weight entries (rows of 65), Merkle proofs and Freivalds
	// checked, the worker paid: 289.1 µs + 96.7 ns per entry, 29 reads, 22 writes.
	pub fn respond(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(289_065_000, 18_102)
			.saturating_add(Weight::from_parts(96_681, 0).saturating_mul(n.into()))
			.saturating_add(db.reads_writes(29, 22))
	}
	// The last of 32 votes: medians of 3 replicas, auditor reputations, 2 workers paid, 1
	// faulted. 578.9 µs, 70 reads, 64 writes.
	pub fn audit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(578_866_000, 20_880).saturating_add(db.reads_writes(70, 64))
	}
	// A queued job cancelled from the end of a full queue: 209.5 µs, 9 reads, 11 writes.
	pub fn cancel(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(209_545_000, 123_408).saturating_add(db.reads_writes(9, 11))
	}
	// A Groth16 proof with 128 public inputs verified through the BLS12-381 host functions
	// (pairings and the input MSM natively), the worker paid: 4,268.9 µs, 29 reads, 22 writes.
	pub fn prove(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(4_268_858_000, 31_130).saturating_add(db.reads_writes(29, 22))
	}
	// A contributor's premium request validated: 21.9 µs, 5 reads.
	pub fn check_admission(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(21_851_000, 499).saturating_add(db.reads(5))
	}
	// Idle block 19.3 µs, 5 reads, 2 writes; each expired job at most an audit's resolution
	// (the measured per-job slope, 342.7 µs with 4 reads and 11 writes, shares worker records
	// between jobs, so the `audit` figure is the bound); each assignment at most a request's.
	pub fn on_initialize(db: RuntimeDbWeight, expired: u32, assigned: u32) -> Weight {
		Weight::from_parts(19_261_000, 515)
			.saturating_add(db.reads_writes(5, 2))
			.saturating_add(audit(db).saturating_mul(expired.into()))
			.saturating_add(request(db, 0).saturating_mul(assigned.into()))
	}
}
