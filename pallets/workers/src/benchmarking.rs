//! Benchmarks of `pallet-workers` (frame-benchmarking v2), worst cases: the most models, full
//! candidate lists, a bond with the most lots.

#![allow(clippy::arithmetic_side_effects, clippy::expect_used, clippy::unwrap_used)]

use super::*;
use declai_primitives::CRED;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use sp_core::sr25519;

/// Registered model ids the benchmarks use: the runtime must have models `1..=MaxModelsPerWorker`
/// or accept them (`BenchmarkHelper`).
fn models(m: u32) -> Vec<ModelId> {
	(1..=m).collect()
}

fn key(seed: u32) -> AttestationKey {
	let mut raw = [0u8; 32];
	raw[..4].copy_from_slice(&seed.to_le_bytes());
	AttestationKey::Sr25519(sr25519::Public::from_raw(raw))
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let lots = <T as pallet_credits::Config>::MaxLots::get();
	pallet_credits::benchmark_fill::<T>(&who, 1, lots, 10 * CRED);
	who
}

/// Fills every model's candidate list up to one below the bound with other workers.
fn fill_candidates<T: Config>(m: u32) {
	for model in models(m) {
		let mut list = ModelWorkers::<T>::get(model);
		let mut i = 0u32;
		while (list.len() as u32) < T::MaxWorkersPerModel::get() - 1 {
			list.try_push(account("filler", i + model * 10_000, 0)).expect("below the bound");
			i += 1;
		}
		ModelWorkers::<T>::insert(model, list);
	}
}

fn registered<T: Config>(who: &T::AccountId, m: u32) {
	T::BenchmarkHelper::register_models(m);
	Pallet::<T>::register(
		RawOrigin::Signed(who.clone()).into(),
		key(7),
		HardwareClass::A100,
		1,
		models(m),
		10 * CRED,
	)
	.expect("registers");
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn register(m: Linear<1, { T::MaxModelsPerWorker::get() }>) {
		T::BenchmarkHelper::register_models(m);
		fill_candidates::<T>(m);
		let who = funded::<T>("worker", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key(1), HardwareClass::A100, 1, models(m), 10 * CRED);
		assert!(Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn update(m: Linear<1, { T::MaxModelsPerWorker::get() }>) {
		let who = funded::<T>("worker", 0);
		let max = T::MaxModelsPerWorker::get();
		registered::<T>(&who, max);
		fill_candidates::<T>(max);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 2, models(m));
		assert_eq!(Workers::<T>::get(&who).expect("registered").region, 2);
	}

	#[benchmark]
	fn bond_more() {
		let who = funded::<T>("worker", 0);
		registered::<T>(&who, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 5 * CRED);
		assert_eq!(Workers::<T>::get(&who).expect("registered").bond, 15 * CRED);
	}

	#[benchmark]
	fn unbond() {
		let who = funded::<T>("worker", 0);
		let max = T::MaxModelsPerWorker::get();
		registered::<T>(&who, max);
		fill_candidates::<T>(max);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Pallet::<T>::is_active(&who));
	}

	#[benchmark]
	fn withdraw() {
		let who = funded::<T>("worker", 0);
		registered::<T>(&who, 1);
		Pallet::<T>::unbond(RawOrigin::Signed(who.clone()).into()).expect("unbonds");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + T::UnbondingPeriod::get(),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Workers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn suspend() {
		let who = funded::<T>("worker", 0);
		let max = T::MaxModelsPerWorker::get();
		registered::<T>(&who, max);
		fill_candidates::<T>(max);
		let origin = T::GovernanceOrigin::try_successful_origin().expect("governance origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(!Pallet::<T>::is_active(&who));
	}

	#[benchmark]
	fn resume() {
		let who = funded::<T>("worker", 0);
		let max = T::MaxModelsPerWorker::get();
		registered::<T>(&who, max);
		Pallet::<T>::suspend(
			T::GovernanceOrigin::try_successful_origin().expect("governance origin"),
			who.clone(),
		)
		.expect("suspends");
		fill_candidates::<T>(max);
		let origin = T::GovernanceOrigin::try_successful_origin().expect("governance origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(Pallet::<T>::is_active(&who));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::build(), crate::mock::Test);
}
