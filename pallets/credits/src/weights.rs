//! Weights of `pallet-credits`.
//!
//! Measured with `scripts/benchmark.sh`: the frame-benchmarking v2 benchmarks of this crate
//! (worst case: accounts full of lots) run in the wasm runtime over a database that counts
//! accesses; see the comments in `priced` for the figures. DB reads and writes are priced with
//! the runtime's database weights (`RocksDbWeight`: 25 µs a read, 100 µs a write).

#![allow(unused_parens, unused_imports, clippy::unnecessary_cast)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-credits`.
pub trait WeightInfo {
	fn transfer() -> Weight;
	fn force_mint() -> Weight;
	fn pay_fee() -> Weight;
	fn set_bootstrap_cap() -> Weight;
	fn on_initialize_idle() -> Weight;
	fn on_initialize_day_closed() -> Weight;
	fn on_idle_base() -> Weight;
	fn sweep_account(l: u32) -> Weight;
}

/// Weights for `pallet-credits` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn transfer() -> Weight {
		priced::transfer(T::DbWeight::get())
	}
	fn force_mint() -> Weight {
		priced::force_mint(T::DbWeight::get())
	}
	fn pay_fee() -> Weight {
		priced::pay_fee(T::DbWeight::get())
	}
	fn set_bootstrap_cap() -> Weight {
		priced::set_bootstrap_cap(T::DbWeight::get())
	}
	fn on_initialize_idle() -> Weight {
		priced::on_initialize_idle(T::DbWeight::get())
	}
	fn on_initialize_day_closed() -> Weight {
		priced::on_initialize_day_closed(T::DbWeight::get())
	}
	fn on_idle_base() -> Weight {
		priced::on_idle_base(T::DbWeight::get())
	}
	fn sweep_account(l: u32) -> Weight {
		priced::sweep_account(T::DbWeight::get(), l)
	}
}

/// For tests: the same weights priced with RocksDB database weights.
impl WeightInfo for () {
	fn transfer() -> Weight {
		priced::transfer(RocksDbWeight::get())
	}
	fn force_mint() -> Weight {
		priced::force_mint(RocksDbWeight::get())
	}
	fn pay_fee() -> Weight {
		priced::pay_fee(RocksDbWeight::get())
	}
	fn set_bootstrap_cap() -> Weight {
		priced::set_bootstrap_cap(RocksDbWeight::get())
	}
	fn on_initialize_idle() -> Weight {
		priced::on_initialize_idle(RocksDbWeight::get())
	}
	fn on_initialize_day_closed() -> Weight {
		priced::on_initialize_day_closed(RocksDbWeight::get())
	}
	fn on_idle_base() -> Weight {
		priced::on_idle_base(RocksDbWeight::get())
	}
	fn sweep_account(l: u32) -> Weight {
		priced::sweep_account(RocksDbWeight::get(), l)
	}
}

/// Measured execution time plus the storage each path touches, priced with `db`.
///
/// Figures from `scripts/benchmark.sh --pallet pallet_credits` (10 steps, 20 repeats, wasm
/// runtime, in-memory database with access tracking, each benchmark's checks verified) on the
/// project's 2-core build machine, idle, 2026-12-06, spec_version 111: the larger of this run and
/// the 2026-11-25 one (`--steps 20 --repeat 50`), which this run exceeded everywhere, by 42–118%
/// (the trivial setters as much as the lot paths: the harness and machine, not the code, moved
/// most of it). Reads and writes are the counts the benchmark measured,
/// plus the writes of branches the worst-case setup cannot hit at the same time (noted).
///
/// Not measured again for spec_version 116, whose per-day expiry totals ([`crate::ExpiringOn`])
/// are a dense window of `u128`s instead of a list of lots: SCALE copies the window in one piece
/// instead of decoding it record by record, and each change is an index into it (plus moving the
/// window when its first day closes or a day before it is added). Its worst case, every day of
/// `MaxLots` holding credits, is 6,406 bytes instead of 8,002; a sparse state can be larger than
/// its list was (two days a year apart: 5,846 bytes instead of 42), but never beyond that worst
/// case, for which these figures were measured. So they stay upper bounds.
mod priced {
	use frame_support::weights::{RuntimeDbWeight, Weight};

	// Worst case: 400 lots taken from the sender and merged into a receiver with 400 lots and a
	// hold. Measured 135.5 µs, 8 reads, 2 writes, 16,416 bytes of proof. Plus 2 writes: the cap
	// high-water mark and the receiver's `System::Account` when the receiver is new.
	pub fn transfer(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(135_504_000, 16_416).saturating_add(db.reads_writes(8, 4))
	}
	// Worst case: receiver with every live lot (366) and a hold. Measured 123.1 µs, 8 reads,
	// 3 writes, 7,635 bytes. Plus 1 write: `System::Account` of a new receiver.
	pub fn force_mint(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(123_131_000, 7_635).saturating_add(db.reads_writes(8, 4))
	}
	// Worst case: the fee takes a piece of each of 400 lots and half is refunded. Measured
	// 234.2 µs, 5 reads, 3 writes, 8,246 bytes.
	pub fn pay_fee(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(234_229_000, 8_246).saturating_add(db.reads_writes(5, 3))
	}
	// Measured 14.6 µs, 0 reads, 1 write.
	pub fn set_bootstrap_cap(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(14_598_000, 0).saturating_add(db.writes(1))
	}
	// Measured 6.1 µs, 1 read.
	pub fn on_initialize_idle(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(6_111_000, 66).saturating_add(db.reads(1))
	}
	// Measured 23.2 µs, 3 reads, 5 writes.
	pub fn on_initialize_day_closed(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(23_224_000, 143).saturating_add(db.reads_writes(3, 5))
	}
	// Measured 15.6 µs, 3 reads, 2 writes.
	pub fn on_idle_base(db: RuntimeDbWeight) -> Weight {
		Weight::from_parts(15_649_000, 63).saturating_add(db.reads_writes(3, 2))
	}
	// Worst case: all `l` lots expired. Measured 34.2 µs + 41.7 ns per lot, 4 reads, 3 writes,
	// 252 + 20 × l bytes.
	pub fn sweep_account(db: RuntimeDbWeight, l: u32) -> Weight {
		Weight::from_parts(34_243_630, 252)
			.saturating_add(Weight::from_parts(41_725, 20).saturating_mul(l.into()))
			.saturating_add(db.reads_writes(4, 3))
	}
}

/// The weight `pallet-transaction-payment` charges every signed transaction for taking its fee
/// in credits (the `pay_fee` benchmark: withdrawal from many lots and the refund).
pub struct FeePaymentWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> pallet_transaction_payment::WeightInfo for FeePaymentWeight<T> {
	fn charge_transaction_payment() -> Weight {
		priced::pay_fee(T::DbWeight::get())
	}
}
