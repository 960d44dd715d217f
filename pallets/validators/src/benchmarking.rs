//! Benchmarks of `pallet-validators` (frame-benchmarking v2), worst cases: the planned set one
//! below and at `MaxValidators`.

#![allow(clippy::arithmetic_side_effects, clippy::expect_used)]

use super::*;
use frame_benchmarking::v2::*;

/// Fills the planned set with `n` accounts (no keys needed: only `add_validator` checks them).
fn planned_of<T: Config>(n: u32) -> Vec<T::AccountId> {
	let set: Vec<T::AccountId> = (0..n).map(|i| account("validator", i, 0)).collect();
	Planned::<T>::put(BoundedVec::try_from(set.clone()).expect("n is bounded"));
	set
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn add_validator() {
		planned_of::<T>(T::MaxValidators::get() - 1);
		let who: T::AccountId = account("joining", 0, 0);
		T::BenchmarkHelper::register_keys(&who);
		let origin = T::GovernanceOrigin::try_successful_origin().expect("governance origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(Planned::<T>::get().contains(&who));
	}

	#[benchmark]
	fn remove_validator() {
		let set = planned_of::<T>(T::MaxValidators::get());
		let who = set.last().expect("the set is not empty").clone();
		let origin = T::GovernanceOrigin::try_successful_origin().expect("governance origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(!Planned::<T>::get().contains(&who));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::build(), crate::mock::Test);
}
