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
/// Figures from `scripts/benchmark.sh --pallet pallet_inference` (10 steps, 20 repeats, wasm
/// runtime, in-memory database with access tracking, each benchmark's checks verified) on the
/// project's 2-core build machine, 2026-12-06: each figure the larger of two runs (spec_version
/// 110, and 111 after the pallet reached its neighbours through traits; they differ by at most
/// 9% apart from `set_auditors`' 5 µs and the assignment hook's 13 µs base). Worst cases: every draw over a
/// full candidate list of low-reputation workers (16 rejected tries per worker), `MaxReplicas`
/// (3) replicas settled at once, workers and consumers holding 400 lots, `MaxAuditors` (32)
/// votes, a deadline bucket filled to `MaxLiveJobs`.
mod priced {
	use super::*;

	// 32.6 µs, 1 read, 2 writes (8 layers, the longest name).
	pub fn register_model(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(32_571_000, 29).saturating_add(db.reads_writes(1, 2))
	}
	// 31.6 µs, 1 read, 1 write.
	pub fn set_model_active(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(31_589_000, 219).saturating_add(db.reads_writes(1, 1))
	}
	// 21.3 µs + 27.9 ns per auditor, 1 write.
	pub fn set_auditors(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(21_256_000, 0)
			.saturating_add(Weight::from_parts(27_921, 0).saturating_mul(n.into()))
			.saturating_add(db.writes(1))
	}
	// A request is never assigned in its own block. The larger of its two paths: validated and
	// queued (253.5 µs + 3.0 ns per input byte, 12 reads, 11 writes) and queued at the end of a
	// full queue (627.7 µs + 2.6 ns per byte, 12 reads, 11 writes, 123,923 proof bytes).
	pub fn request(db: RuntimeDbWeight, i: u32) -> Weight {
		Weight::from_parts(627_682_000, 123_923)
			.saturating_add(Weight::from_parts(3_048, 1).saturating_mul(i.into()))
			.saturating_add(db.reads_writes(12, 11))
	}
	// The larger of two paths: the last of 3 commitments closing the phase, attestation checked
	// (118.1 µs, 5 reads, 3 writes), and the last commitment with an implausible timing after the
	// other replicas faulted, which faults it and draws the job again over a full list (671.6 µs,
	// 73 reads, 18 writes): issue 14, attack 9 (the second path cost about 8× the declared weight).
	pub fn commit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(671_629_000, 18_625).saturating_add(db.reads_writes(73, 18))
	}
	// The last of 3 reveals: outputs compared within tolerance, one payment shared by 3 workers
	// (each ended job also pruned from the ring). 943.5 µs + 33.8 ns per output byte, 47 reads,
	// 37 writes.
	pub fn reveal(db: RuntimeDbWeight, o: u32) -> Weight {
		Weight::from_parts(943_471_000, 18_951)
			.saturating_add(Weight::from_parts(33_826, 1).saturating_mul(o.into()))
			.saturating_add(db.reads_writes(47, 37))
	}
	// A challenge answer opening `n` weight entries (rows of 65), Merkle proofs and Freivalds
	// checked, the worker paid: 168.2 µs + 253.6 ns per entry, 31 reads, 23 writes.
	pub fn respond(db: RuntimeDbWeight, n: u32) -> Weight {
		Weight::from_parts(168_226_000, 18_122)
			.saturating_add(Weight::from_parts(253_568, 0).saturating_mul(n.into()))
			.saturating_add(db.reads_writes(31, 23))
	}
	// The last of 32 votes: medians of 3 replicas, auditor reputations, 2 workers paid, 1
	// faulted. 1,005.1 µs, 75 reads, 67 writes.
	pub fn audit(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(1_005_065_000, 21_109).saturating_add(db.reads_writes(75, 67))
	}
	// A queued job cancelled from the end of a full queue: 420.7 µs, 10 reads, 12 writes.
	pub fn cancel(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(420_679_000, 123_409).saturating_add(db.reads_writes(10, 12))
	}
	// A Groth16 proof with 128 public inputs (the job binding among them) verified through the
	// BLS12-381 host functions, the worker paid: 6,373.3 µs, 31 reads, 23 writes. Plus, for a
	// hidden-weights model (whose 4 public inputs make a smaller multi-scalar multiplication),
	// the Poseidon hashes the runtime computes in wasm, not benchmarked in wasm: 3.11 ms natively
	// for the largest input and output such a model may have (`zk-bench`, 2026-12-07) × 10 for
	// wasm's emulated 128-bit multiplications, an upper bound by assumption (docs/zero-knowledge.md).
	pub fn prove(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(6_373_331_000, 31_260)
			.saturating_add(Weight::from_parts(31_100_000_000, 0))
			.saturating_add(db.reads_writes(31, 23))
	}
	// A contributor's premium request validated: 38.2 µs, 6 reads.
	pub fn check_admission(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(38_222_000, 499).saturating_add(db.reads(6))
	}
	// Each part a worst case, summed: an idle block (29.5 µs, 5 reads, 2 writes); expired
	// deadlines from a bucket filled to `MaxLiveJobs`, the excess carried to the next block
	// (243.3 µs, 40 reads, 28 writes), each expired job at most an audit's resolution (its
	// measured slope, 800.3 µs with 13 reads and 19 writes, shares worker records between the
	// jobs, and a commit timeout draws the job again over a full list: the `audit` call, 1,005.1
	// µs with 75 reads and 67 writes, bounds both); assignments (95.9 µs, 17 reads, 1 write), each two
	// draws over a full list (340.3 µs, 41 reads, 5 writes).
	pub fn on_initialize(db: RuntimeDbWeight, expired: u32, assigned: u32) -> Weight {
		Weight::from_parts(29_455_000, 515)
			.saturating_add(db.reads_writes(5, 2))
			.saturating_add(Weight::from_parts(243_306_000, 42_581))
			.saturating_add(db.reads_writes(40, 28))
			.saturating_add(audit(db).saturating_mul(expired.into()))
			.saturating_add(Weight::from_parts(95_868_000, 7_801))
			.saturating_add(db.reads_writes(17, 1))
			.saturating_add(
				Weight::from_parts(340_287_000, 4_695)
					.saturating_add(db.reads_writes(41, 5))
					.saturating_mul(assigned.into()),
			)
	}
}
