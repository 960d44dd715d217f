//! Benchmarks of `pallet-workers` (frame-benchmarking v2), worst cases: the most models, full
//! candidate lists, a bond with the most lots, benchmark challenges that close with a slash.

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

const KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"bnch");

/// A worker registered (one model, a bond held from `MaxLots` lots) with an attestation key in
/// the keystore and an open benchmark challenge.
fn challenged<T: Config>(index: u32) -> (T::AccountId, sr25519::Public, BenchmarkOf<T>) {
	T::BenchmarkHelper::register_models(1);
	let who = funded::<T>("worker", index);
	let public = sp_io::crypto::sr25519_generate(KEY, None);
	Pallet::<T>::register(
		RawOrigin::Signed(who.clone()).into(),
		AttestationKey::Sr25519(public),
		HardwareClass::A100,
		1,
		models(1),
		10 * CRED,
	)
	.expect("registers");
	let next = frame_system::Pallet::<T>::block_number() + One::one();
	frame_system::Pallet::<T>::set_block_number(next);
	Pallet::<T>::run_benchmark_schedule(next);
	let challenge = Benchmarks::<T>::get(&who).expect("issued");
	(who, public, challenge)
}

fn signed_answer<T: Config>(
	public: &sr25519::Public,
	c: &BenchmarkOf<T>,
	digest: [u8; 32],
	micros: u64,
) -> AttestationSignature {
	let payload = poi::benchmark_answer_payload(c.id, &c.seed, &digest, micros);
	AttestationSignature::Sr25519(
		sp_io::crypto::sr25519_sign(KEY, public, &payload).expect("signs"),
	)
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

	#[benchmark]
	fn answer_benchmark() {
		let (who, public, c) = challenged::<T>(0);
		let signature = signed_answer::<T>(&public, &c, [1; 32], 1_000_000);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), c.id, [1; 32], 1_000_000, signature);
		assert!(Benchmarks::<T>::get(&who).expect("open").answer.is_some());
	}

	/// The check that reaches the quorum and fails the challenge: the other checks disagree, so
	/// the bond is slashed and the next challenge scheduled.
	#[benchmark]
	fn check_benchmark() {
		let (who, public, c) = challenged::<T>(0);
		let signature = signed_answer::<T>(&public, &c, [1; 32], 1_000_000);
		Pallet::<T>::answer_benchmark(
			RawOrigin::Signed(who.clone()).into(),
			c.id,
			[1; 32],
			1_000_000,
			signature,
		)
		.expect("answers");
		let quorum = T::BenchmarkQuorum::get().min(<MaxBenchmarkChecks as Get<u32>>::get()).max(1);
		for i in 0..quorum {
			T::BenchmarkHelper::make_auditor(&account("auditor", i, 0));
		}
		let quorum = Pallet::<T>::benchmark_quorum();
		Benchmarks::<T>::mutate(&who, |open| {
			let open = open.as_mut().expect("open");
			for i in 1..quorum {
				open.checks
					.try_push(BenchmarkCheck {
						auditor: account("auditor", i, 0),
						matches: false,
						same_class_micros: Some(1_000_000),
					})
					.expect("below the bound");
			}
		});
		let auditor: T::AccountId = account("auditor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(auditor), who.clone(), c.id, [2; 32], 1_000_000, HardwareClass::A100);
		assert!(Benchmarks::<T>::get(&who).is_none());
		assert_eq!(Workers::<T>::get(&who).expect("registered").invalid, 1);
	}

	#[benchmark]
	fn challenge_benchmark() {
		let (who, public, c) = challenged::<T>(0);
		// Close the open challenge so a new one can be asked for.
		Benchmarks::<T>::remove(&who);
		let _ = (public, c);
		let origin = T::GovernanceOrigin::try_successful_origin().expect("governance origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		let next = frame_system::Pallet::<T>::block_number() + One::one();
		assert!(BenchmarkSchedule::<T>::get(next).iter().any(|(w, _)| w == &who));
	}

	/// `n` deadlines of unanswered challenges in one block: each a missed-deadline slash and a
	/// new schedule entry.
	#[benchmark]
	fn benchmark_schedule(n: Linear<0, { T::MaxBenchmarksPerBlock::get() }>) {
		let mut workers = Vec::new();
		let mut deadline = frame_system::Pallet::<T>::block_number();
		for i in 0..n {
			let (who, _, c) = challenged::<T>(i);
			deadline = c.deadline;
			workers.push((who, c.id));
		}
		let at = deadline + One::one();
		BenchmarkSchedule::<T>::remove(at);
		let due: Vec<_> =
			workers.iter().map(|(w, id)| (w.clone(), BenchmarkDue::Deadline(*id))).collect();
		BenchmarkSchedule::<T>::insert(at, BoundedVec::try_from(due).expect("n is bounded"));
		frame_system::Pallet::<T>::set_block_number(at);
		#[block]
		{
			Pallet::<T>::run_benchmark_schedule(at);
		}
		for (who, _) in workers {
			assert_eq!(Workers::<T>::get(&who).expect("registered").missed, 1);
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::bench_ext(), crate::mock::Test);
}
