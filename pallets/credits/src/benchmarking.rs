//! Benchmarks (frame-benchmarking v2), each at its worst case: accounts full of lots.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{
	dispatch::{DispatchInfo, PostDispatchInfo},
	traits::Hooks,
};
use frame_system::RawOrigin;
use pallet_transaction_payment::OnChargeTransaction;
use sp_runtime::traits::Dispatchable;

const SEED: u32 = 0;

use crate::benchmark_fill as fill;

#[benchmarks(where
	T: pallet_transaction_payment::Config,
	<T as frame_system::Config>::RuntimeCall:
		Dispatchable<Info = DispatchInfo, PostInfo = PostDispatchInfo>,
)]
mod benchmarks {
	use super::*;

	/// Worst case: the sender's `MaxLots` lots are all taken and merged into a receiver that has
	/// `MaxLots` lots on the same days and a hold.
	#[benchmark]
	fn transfer() {
		let max = T::MaxLots::get();
		let from: T::AccountId = whitelisted_caller();
		let to: T::AccountId = account("to", 0, SEED);
		let first = Pallet::<T>::today() + 1;
		fill::<T>(&from, first, max, CRED);
		fill::<T>(&to, first, max, CRED);
		Pallet::<T>::hold(&HoldReason::Escrow.into(), &to, CRED).unwrap();
		let amount = CRED * Balance::from(max);

		#[extrinsic_call]
		_(RawOrigin::Signed(from.clone()), T::Lookup::unlookup(to.clone()), amount);

		assert_eq!(Pallet::<T>::spendable(&from), 0);
		assert_eq!(Pallet::<T>::spendable(&to), 2 * amount - CRED);
	}

	/// Worst case: the receiver has `MaxLots` lots (the new lot merges into the last) and a hold.
	#[benchmark]
	fn force_mint() {
		let who: T::AccountId = account("who", 0, SEED);
		// As many live lots as can exist, ending on the day the new lot merges into.
		let last = Pallet::<T>::new_lot_expiry();
		let first = last.saturating_sub(T::MaxLots::get() - 1).max(Pallet::<T>::today() + 1);
		fill::<T>(&who, first, last - first + 1, CRED);
		Pallet::<T>::hold(&HoldReason::Escrow.into(), &who, CRED).unwrap();
		let before = Pallet::<T>::owned(&who);

		#[extrinsic_call]
		_(RawOrigin::Root, T::Lookup::unlookup(who.clone()), CRED);

		assert_eq!(Pallet::<T>::owned(&who), before + CRED);
	}

	/// Worst case: the fee takes a piece of each of `MaxLots` lots, and half of it is refunded.
	#[benchmark]
	fn pay_fee() {
		let max = T::MaxLots::get();
		let who: T::AccountId = whitelisted_caller();
		let each: Balance = 1_000;
		fill::<T>(&who, Pallet::<T>::today() + 1, max, each);
		let fee = each * Balance::from(max);
		let call: <T as frame_system::Config>::RuntimeCall =
			frame_system::Call::<T>::remark { remark: Vec::new() }.into();
		let info = DispatchInfo::default();

		#[block]
		{
			let taken = <CreditsFeeAdapter<T> as OnChargeTransaction<T>>::withdraw_fee(
				&who, &call, &info, fee, 0,
			)
			.unwrap();
			<CreditsFeeAdapter<T> as OnChargeTransaction<T>>::correct_and_deposit_fee(
				&who,
				&info,
				&PostDispatchInfo::default(),
				fee / 2,
				0,
				taken,
			)
			.unwrap();
		}

		assert_eq!(Pallet::<T>::spendable(&who), fee / 2);
	}

	#[benchmark]
	fn set_bootstrap_cap() {
		#[extrinsic_call]
		_(RawOrigin::Root, CRED);

		assert_eq!(BootstrapCap::<T>::get(), CRED);
	}

	#[benchmark]
	fn on_initialize_idle() {
		let n = frame_system::Pallet::<T>::block_number();
		LastClosedDay::<T>::put(Pallet::<T>::day_of(n));

		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
	}

	#[benchmark]
	fn on_initialize_day_closed() {
		let day: DayIndex = 2;
		let n = Pallet::<T>::first_block_of(day);
		frame_system::Pallet::<T>::set_block_number(n);
		LastClosedDay::<T>::put(day - 1);
		ExpiringOn::<T>::mutate(|totals| {
			totals.add(&[Lot { expires_on: day, amount: CRED }]).unwrap()
		});
		TotalIssuance::<T>::put(CRED);

		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}

		assert_eq!(TotalIssuance::<T>::get(), 0);
		assert!(SweepPending::<T>::get());
	}

	#[benchmark]
	fn on_idle_base() {
		SweepPending::<T>::put(true);

		#[block]
		{
			Pallet::<T>::sweep(Weight::MAX);
		}

		assert!(!SweepPending::<T>::get());
	}

	/// Worst case: every one of the account's `l` lots has expired.
	#[benchmark]
	fn sweep_account(l: Linear<1, { T::MaxLots::get() }>) {
		let who: T::AccountId = account("who", 0, SEED);
		fill::<T>(&who, 1, l, CRED);
		// Close the days as `on_initialize` would have.
		for day in 1..=l {
			let amount = ExpiringOn::<T>::mutate(|totals| totals.take_day(day));
			TotalIssuance::<T>::mutate(|i| *i -= amount);
		}
		let n = Pallet::<T>::first_block_of(l + 1);
		frame_system::Pallet::<T>::set_block_number(n);
		LastClosedDay::<T>::put(l + 1);
		SweepPending::<T>::put(true);

		#[block]
		{
			Pallet::<T>::sweep(Weight::MAX);
		}

		assert!(Lots::<T>::get(&who).is_empty());
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().balances(vec![]).build(),
		crate::mock::Test
	);
}
