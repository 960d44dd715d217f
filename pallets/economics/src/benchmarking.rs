//! Benchmarks (frame-benchmarking v2), each at its worst case.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use super::*;
use declai_primitives::{CRED, GPU_HOUR};
use frame_benchmarking::v2::*;
use frame_support::traits::Hooks;
use frame_system::RawOrigin;
use pallet_credits::benchmark_fill;
use sp_arithmetic::Perbill;

const SEED: u32 = 0;

/// Lifts the supply limits out of the way so that a settlement mints.
fn open_limits<T: Config>() {
	Limits::<T>::put(SupplyLimits {
		circulation_percent: 110,
		bootstrap_circulation: Balance::MAX / 2,
		epoch_mint_floor: Balance::MAX / 2,
		epoch_mint_percent: 10_000,
	});
	MintPaused::<T>::put(false);
}

/// An account with `MaxLots` lots from tomorrow on.
fn full_account<T: Config>(name: &'static str) -> T::AccountId {
	let who: T::AccountId = account(name, 0, SEED);
	let first = pallet_credits::Pallet::<T>::today() + 1;
	benchmark_fill::<T>(&who, first, <T as pallet_credits::Config>::MaxLots::get(), CRED);
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_eta() {
		let eta = FixedU128::from_rational(3, 4);

		#[extrinsic_call]
		_(RawOrigin::Root, HardwareClass::L4, eta);

		assert_eq!(Eta::<T>::get(HardwareClass::L4), Some(eta));
	}

	#[benchmark]
	fn set_alpha_curve() {
		let curve = AlphaCurve { peak: FixedU128::from_rational(3, 2), ..AlphaCurve::default() };

		#[extrinsic_call]
		_(RawOrigin::Root, curve);

		assert_eq!(AlphaParams::<T>::get(), curve);
	}

	/// Worst case: β has to be clamped into the new bounds.
	#[benchmark]
	fn set_controller() {
		Beta::<T>::put(FixedU128::from_u32(5));
		// A shrink threshold the circulation cap holds, whatever the window.
		let limits = Limits::<T>::get();
		let cap_days =
			u32::from(limits.circulation_percent).saturating_mul(T::WindowDays::get()) / 100;
		let shrink = u16::try_from(cap_days.min(14)).unwrap_or(14).max(1);
		let controller = BetaController {
			max: FixedU128::from_u32(2),
			grow_below_days: shrink.min(7),
			shrink_above_days: shrink,
			..BetaController::default()
		};

		#[extrinsic_call]
		_(RawOrigin::Root, controller);

		assert_eq!(Beta::<T>::get(), FixedU128::from_u32(2));
	}

	#[benchmark]
	fn set_supply_limits() {
		let limits = SupplyLimits { circulation_percent: 120, ..SupplyLimits::default() };
		// A controller that shrinks early enough for these limits under any window.
		Controller::<T>::put(BetaController {
			grow_below_days: 1,
			shrink_above_days: 1,
			..BetaController::default()
		});

		#[extrinsic_call]
		_(RawOrigin::Root, limits);

		assert_eq!(Limits::<T>::get(), limits);
	}

	#[benchmark]
	fn set_mint_paused() {
		#[extrinsic_call]
		_(RawOrigin::Root, true);

		assert!(MintPaused::<T>::get());
	}

	#[benchmark]
	fn set_bootstrap() {
		let params = BootstrapParams {
			match_share: Perbill::from_percent(50),
			per_worker: 50 * CRED,
			..Default::default()
		};

		#[extrinsic_call]
		_(RawOrigin::Root, params);

		assert_eq!(Bootstrap::<T>::get(), params);
	}

	#[benchmark]
	fn on_initialize_idle() {
		let n = T::EpochLength::get() + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(n);
		Epoch::<T>::put(EpochState { index: Pallet::<T>::epoch_of(n), ..Default::default() });

		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	/// Worst case: the epoch boundary is also a day boundary, the history is full and its oldest
	/// day leaves the window, and β moves.
	#[benchmark]
	fn on_initialize_epoch() {
		let window = T::WindowDays::get();
		let day = window + 1;
		let busy = DayTotals {
			value: 2 * CRED,
			earned: CRED,
			minted: CRED,
			consumed: CRED,
			demand: GPU_HOUR,
			capacity: GPU_HOUR,
			..Default::default()
		};
		let history: Vec<DayTotals> =
			(1..day).map(|d| DayTotals { day: d, ..busy }).skip(1).collect();
		let mut trailing = DayTotals::default();
		for d in &history {
			trailing = trailing.plus(d);
		}
		let history: BoundedVec<_, T::WindowDays> = BoundedVec::truncate_from(history);
		HistoryDays::<T>::put(history.len() as u32);
		History::<T>::put(history);
		Trailing::<T>::put(trailing);
		Today::<T>::put(DayTotals { day, ..busy });
		let n = pallet_credits::Pallet::<T>::first_block_of(day + 1);
		frame_system::Pallet::<T>::set_block_number(n);
		Epoch::<T>::put(EpochState {
			index: Pallet::<T>::epoch_of(n) - 1,
			demand: 2 * GPU_HOUR,
			capacity: GPU_HOUR,
			..Default::default()
		});

		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}

		assert_eq!(Today::<T>::get().day, day + 1);
		assert_eq!(Alpha::<T>::get(), declai_primitives::economics::ALPHA_MAX);
		assert!(Beta::<T>::get() > FixedU128::one());
	}

	/// Worst case: the worker has `MaxLots` lots, the oldest expired (purged, with an event) and
	/// the new one merging into another; the pay is minted, then the bootstrap match, which the
	/// concentration cap clips (its binary search runs); the oldest receipt is pruned.
	#[benchmark]
	fn settle_work() {
		open_limits::<T>();
		let worker: T::AccountId = account("worker", 0, SEED);
		let today = pallet_credits::Pallet::<T>::today();
		benchmark_fill::<T>(&worker, today, <T as pallet_credits::Config>::MaxLots::get(), CRED);
		let owned = pallet_credits::Pallet::<T>::owned(&worker);
		// Room for the pay (2 CRED) and half the match: the match's mint is clipped.
		pallet_credits::BootstrapCap::<T>::put(owned + 3 * CRED);
		let retention = u64::from(T::MaxReceipts::get());
		NextReceipt::<T>::put(retention + 5);
		Receipts::<T>::insert(
			5,
			Receipt {
				worker: worker.clone(),
				job: H256::zero(),
				class: HardwareClass::A100,
				class_confirmed: true,
				t_compute: GPU_HOUR,
				reference_work: GPU_HOUR,
				eta: FixedU128::one(),
				alpha: FixedU128::one(),
				beta: FixedU128::one(),
				earned: CRED,
				minted: CRED,
				withheld: 0,
				reason: None,
				block: 1u32.into(),
				bootstrap: 0,
			},
		);
		// The bootstrap match runs too: a second mint into the same account, clipped by the
		// concentration cap (its binary search runs).
		Bootstrap::<T>::put(BootstrapParams {
			match_share: Perbill::one(),
			per_worker: BootstrapParams::MAX_PER_WORKER,
			capacity_share: Perbill::one(),
			daily_share: Perbill::from_percent(50),
			sunset_daily_consumption: Balance::MAX,
		});
		Today::<T>::mutate(|d| d.capacity = 1_000_000 * GPU_HOUR);

		#[block]
		{
			<Pallet<T> as Settlement<_, _>>::settle_work(
				&worker,
				H256::repeat_byte(1),
				HardwareClass::A100,
				true,
				2 * GPU_HOUR,
				FixedU128::one(),
				Balance::MAX,
			)
			.unwrap();
		}

		assert!(!Receipts::<T>::contains_key(5));
		let receipt = Receipts::<T>::get(retention + 5).unwrap();
		assert_eq!((receipt.earned, receipt.minted, receipt.bootstrap), (2 * CRED, 2 * CRED, CRED));
		assert_eq!(receipt.reason, None);
		assert_eq!(Pallet::<T>::bootstrap_matched(&worker), CRED);
	}

	/// Worst case: the burn takes every one of the payer's `MaxLots` lots.
	#[benchmark]
	fn consume_free() {
		let payer = full_account::<T>("payer");
		let all = pallet_credits::Pallet::<T>::spendable(&payer);

		#[block]
		{
			<Pallet<T> as Settlement<_, _>>::consume_free(&payer, all).unwrap();
		}

		assert_eq!(Today::<T>::get().consumed, all);
	}

	/// Worst case: the held burn takes every one of `MaxLots` held lots.
	#[benchmark]
	fn consume_held() {
		let payer = full_account::<T>("payer");
		let all = pallet_credits::Pallet::<T>::spendable(&payer);
		let reason: T::RuntimeHoldReason = pallet_credits::HoldReason::Escrow.into();
		pallet_credits::Pallet::<T>::hold(&reason, &payer, all).unwrap();

		#[block]
		{
			<Pallet<T> as Settlement<_, _>>::consume_held(&payer, reason, all).unwrap();
		}

		assert_eq!(Today::<T>::get().consumed, all);
	}

	/// `note_demand` and `note_capacity` together.
	#[benchmark]
	fn note_work() {
		#[block]
		{
			<Pallet<T> as Settlement<T::AccountId, T::RuntimeHoldReason>>::note_demand(GPU_HOUR);
			<Pallet<T> as Settlement<T::AccountId, T::RuntimeHoldReason>>::note_capacity(GPU_HOUR);
		}

		assert_eq!(Epoch::<T>::get().demand, GPU_HOUR);
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
