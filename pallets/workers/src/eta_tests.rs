//! The η check: benchmark challenges issued, answered, checked, passed and failed; one
//! `assert_noop!` per error.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{
	mock::*, AttestationSignature, BenchmarkDue, BenchmarkFailure, BenchmarkSchedule, Benchmarks,
	Confirmed, Error, Event, Fault,
};
use codec::Encode;
use declai_primitives::{poi, HardwareClass, CRED};
use frame_support::{assert_noop, assert_ok};
use sp_core::Pair;

const DIGEST: [u8; 32] = [7; 32];

/// Registers `who` as an RTX 4090 (rounds 10 × 1.08 → 10) at the current block.
fn register(who: AccountId) {
	assert_ok!(Workers::register(
		RuntimeOrigin::signed(who),
		sr_key(who),
		HardwareClass::Rtx4090,
		276,
		vec![1],
		10 * CRED,
	));
}

fn open_id(who: AccountId) -> u64 {
	Benchmarks::<Test>::get(who).expect("a challenge is open").id
}

fn sign(who: AccountId, id: u64, digest: [u8; 32], micros: u64) -> AttestationSignature {
	let seed = Benchmarks::<Test>::get(who).expect("a challenge is open").seed;
	let payload = poi::benchmark_answer_payload(id, &seed, &digest, micros);
	AttestationSignature::Sr25519(sr_pair(who).sign(&payload))
}

fn answer(
	who: AccountId,
	digest: [u8; 32],
	micros: u64,
) -> frame_support::dispatch::DispatchResult {
	let id = open_id(who);
	Workers::answer_benchmark(
		RuntimeOrigin::signed(who),
		id,
		digest,
		micros,
		sign(who, id, digest, micros),
	)
}

/// An auditor on an RTX 4090 reports `digest` in `micros`: the expectation is the same time.
fn check(
	auditor: AccountId,
	who: AccountId,
	digest: [u8; 32],
	micros: u64,
) -> frame_support::dispatch::DispatchResult {
	let id = open_id(who);
	Workers::check_benchmark(
		RuntimeOrigin::signed(auditor),
		who,
		id,
		digest,
		micros,
		HardwareClass::Rtx4090,
	)
}

/// Answers `who`'s challenge in 1 s and has both auditors agree in 1 s: it passes.
fn pass(who: AccountId) {
	assert_ok!(answer(who, DIGEST, 1_000_000));
	assert_ok!(check(AUDITOR_1, who, DIGEST, 1_000_000));
	assert_ok!(check(AUDITOR_2, who, DIGEST, 1_000_000));
	assert!(Workers::class_confirmed(&who));
}

fn failed(who: AccountId) -> Option<BenchmarkFailure> {
	workers_events().into_iter().rev().find_map(|e| match e {
		Event::BenchmarkFailed { who: w, reason, .. } if w == who => Some(reason),
		_ => None,
	})
}

#[test]
fn a_challenge_in_block_one_is_seeded_by_the_genesis_hash() {
	build_and_execute(|| {
		// Registered at genesis (a genesis worker): block 1's parent has no chain randomness.
		System::set_block_number(0);
		register(ALICE);
		run_to(1);
		let c = Benchmarks::<Test>::get(ALICE).unwrap();
		let parent = System::parent_hash();
		assert_eq!(c.seed, poi::benchmark_seed(parent.as_ref(), &ALICE.encode(), 0));
	});
}

#[test]
fn registration_issues_a_challenge_next_block_seeded_by_this_block() {
	build_and_execute(|| {
		register(ALICE);
		assert!(Benchmarks::<Test>::get(ALICE).is_none(), "issued next block");
		run_to(2);
		let c = Benchmarks::<Test>::get(ALICE).unwrap();
		// The chain randomness of block 1 (the registration block), not the parent hash.
		let randomness = <MockRandomness as crate::BlockRandomness<u64>>::randomness_of(1).unwrap();
		assert_eq!(c.seed, poi::benchmark_seed(randomness.as_ref(), &ALICE.encode(), 0));
		let parent = System::parent_hash();
		assert_ne!(c.seed, poi::benchmark_seed(parent.as_ref(), &ALICE.encode(), 0));
		assert_eq!((c.id, c.class, c.size, c.rounds), (0, HardwareClass::Rtx4090, 4, 10));
		assert_eq!((c.issued, c.deadline), (2, 2 + BENCH_WINDOW));
		assert!(workers_events().contains(&Event::BenchmarkIssued {
			who: ALICE,
			id: 0,
			seed: c.seed,
			size: 4,
			rounds: 10,
			deadline: 2 + BENCH_WINDOW,
		}));
		assert!(!Workers::class_confirmed(&ALICE));
		assert_eq!(Workers::view(&ALICE).unwrap().confirmed, None);
	});
}

#[test]
fn matching_checks_within_the_band_confirm_the_class() {
	build_and_execute(|| {
		register(ALICE);
		run_to(3);
		assert_ok!(answer(ALICE, DIGEST, 1_000_000));
		assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 900_000));
		assert!(!Workers::class_confirmed(&ALICE), "the quorum is two");
		assert_ok!(check(AUDITOR_2, ALICE, DIGEST, 1_100_000));
		// Median of the two expectations (lower middle): 0.9 s; 1 s is inside 0.25–3×.
		let c = Confirmed::<Test>::get(ALICE).unwrap();
		assert_eq!(
			(c.challenge, c.at, c.micros, c.expected_micros),
			(0, 3, 1_000_000, Some(900_000))
		);
		assert!(Workers::class_confirmed(&ALICE));
		assert_eq!(Workers::view(&ALICE).unwrap().confirmed, Some(c));
		assert!(Benchmarks::<Test>::get(ALICE).is_none());
		assert!(workers_events().contains(&Event::BenchmarkPassed {
			who: ALICE,
			id: 0,
			class: HardwareClass::Rtx4090,
			micros: 1_000_000,
			expected_micros: Some(900_000),
		}));
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.bond, w.invalid, w.missed), (10 * CRED, 0, 0));
		// The next challenge comes a period later; the stale deadline entry does nothing.
		run_to(3 + BENCH_PERIOD - 1);
		assert!(Benchmarks::<Test>::get(ALICE).is_none());
		assert!(Workers::class_confirmed(&ALICE));
		run_to(3 + BENCH_PERIOD);
		assert_eq!(open_id(ALICE), 1);
	});
}

#[test]
fn auditors_on_other_hardware_check_the_digest_but_not_the_time() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		let id = open_id(ALICE);
		// A time no RTX 4090 could beat by 4×, but the auditors run other classes.
		assert_ok!(answer(ALICE, DIGEST, 1));
		for (auditor, class) in [(AUDITOR_1, HardwareClass::Cpu), (AUDITOR_2, HardwareClass::H100)]
		{
			assert_ok!(Workers::check_benchmark(
				RuntimeOrigin::signed(auditor),
				ALICE,
				id,
				DIGEST,
				2_000_000,
				class
			));
		}
		let c = Confirmed::<Test>::get(ALICE).expect("confirmed on the digest");
		assert_eq!((c.micros, c.expected_micros), (1, None));
	});
}

#[test]
fn only_same_class_auditors_set_the_expected_time() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		let id = open_id(ALICE);
		assert_ok!(answer(ALICE, DIGEST, 5_000_000));
		// A fast H100 auditor does not make the RTX 4090's 5 s too slow; the RTX 4090 auditor's
		// 1 s does (5 s > 3 × 1 s).
		assert_ok!(Workers::check_benchmark(
			RuntimeOrigin::signed(AUDITOR_1),
			ALICE,
			id,
			DIGEST,
			100_000,
			HardwareClass::H100
		));
		assert_ok!(check(AUDITOR_2, ALICE, DIGEST, 1_000_000));
		assert_eq!(failed(ALICE), Some(BenchmarkFailure::TooSlow));
	});
}

#[test]
fn a_wrong_digest_fails_and_slashes() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		assert_ok!(answer(ALICE, DIGEST, 1_000_000));
		assert_ok!(check(AUDITOR_1, ALICE, [8; 32], 1_000_000));
		assert_ok!(check(AUDITOR_2, ALICE, DIGEST, 1_000_000));
		// One of two agrees: no majority for the worker.
		assert_eq!(failed(ALICE), Some(BenchmarkFailure::WrongDigest));
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.bond, w.invalid, w.reputation), (9 * CRED, 1, 250_000));
		assert!(!Workers::class_confirmed(&ALICE));
		assert!(workers_events().iter().any(|e| matches!(
			e,
			Event::Slashed { who: ALICE, fault: Fault::Invalid, slashed, .. } if *slashed == CRED
		)));
	});
}

#[test]
fn times_outside_the_band_fail() {
	for (micros, reason) in
		[(249_999, BenchmarkFailure::TooFast), (3_000_001, BenchmarkFailure::TooSlow)]
	{
		build_and_execute(|| {
			register(ALICE);
			run_to(2);
			assert_ok!(answer(ALICE, DIGEST, micros));
			assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000));
			assert_ok!(check(AUDITOR_2, ALICE, DIGEST, 1_000_000));
			assert_eq!(failed(ALICE), Some(reason));
			assert_eq!(Workers::worker(&ALICE).unwrap().invalid, 1);
		});
	}
	// The edges are inside.
	for micros in [250_000, 3_000_000] {
		build_and_execute(|| {
			register(ALICE);
			run_to(2);
			assert_ok!(answer(ALICE, DIGEST, micros));
			assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000));
			assert_ok!(check(AUDITOR_2, ALICE, DIGEST, 1_000_000));
			assert!(Workers::class_confirmed(&ALICE));
		});
	}
}

#[test]
fn an_unanswered_challenge_is_a_missed_deadline_and_drops_the_confirmation() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		pass(ALICE);
		assert!(Workers::class_confirmed(&ALICE));
		// The next challenge (at 2 + period) goes unanswered.
		let issued = 2 + BENCH_PERIOD;
		run_to(issued + BENCH_WINDOW);
		assert!(Benchmarks::<Test>::get(ALICE).is_some(), "an answer in the deadline block counts");
		run_to(issued + BENCH_WINDOW + 1);
		assert_eq!(failed(ALICE), Some(BenchmarkFailure::Unanswered));
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.missed, w.bond), (1, 10 * CRED - CRED / 10));
		assert!(!Workers::class_confirmed(&ALICE));
		// And the next one is scheduled.
		run_to(issued + BENCH_WINDOW + 1 + BENCH_PERIOD);
		assert!(Benchmarks::<Test>::get(ALICE).is_some());
	});
}

#[test]
fn at_the_deadline_a_challenge_closes_with_the_checks_it_has() {
	build_and_execute(|| {
		register(ALICE);
		register(BOB);
		run_to(2);
		assert_ok!(answer(ALICE, DIGEST, 1_000_000));
		assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000));
		assert_ok!(answer(BOB, DIGEST, 1_000_000));
		run_to(2 + BENCH_WINDOW + 1);
		assert!(Workers::class_confirmed(&ALICE), "one matching check of two");
		// Nobody checked Bob: nothing changes, no fault.
		assert!(workers_events().contains(&Event::BenchmarkUnchecked { who: BOB, id: 1 }));
		assert!(!Workers::class_confirmed(&BOB));
		let w = Workers::worker(&BOB).unwrap();
		assert_eq!((w.invalid, w.missed, w.bond), (0, 0, 10 * CRED));
	});
}

#[test]
fn the_quorum_shrinks_to_the_auditor_set() {
	build_and_execute(|| {
		AuditorList::set(vec![AUDITOR_1]);
		register(ALICE);
		run_to(2);
		assert_ok!(answer(ALICE, DIGEST, 1_000_000));
		assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000));
		assert!(Workers::class_confirmed(&ALICE));
		AuditorList::set(vec![AUDITOR_1, AUDITOR_2]);
	});
}

#[test]
fn answer_and_check_errors() {
	build_and_execute(|| {
		register(ALICE);
		assert_noop!(answer_without_challenge(ALICE), Error::<Test>::NoBenchmark);
		run_to(2);
		let id = open_id(ALICE);
		// A signature over another time.
		assert_noop!(
			Workers::answer_benchmark(
				RuntimeOrigin::signed(ALICE),
				id,
				DIGEST,
				5,
				sign(ALICE, id, DIGEST, 6)
			),
			Error::<Test>::BadSignature
		);
		assert_noop!(
			Workers::answer_benchmark(
				RuntimeOrigin::signed(ALICE),
				id + 1,
				DIGEST,
				5,
				sign(ALICE, id + 1, DIGEST, 5)
			),
			Error::<Test>::NoBenchmark
		);
		assert_noop!(check(AUDITOR_1, ALICE, DIGEST, 5), Error::<Test>::NotAnswered);
		assert_ok!(answer(ALICE, DIGEST, 1_000_000));
		assert_noop!(answer(ALICE, DIGEST, 1_000_000), Error::<Test>::AlreadyAnswered);
		assert_noop!(check(BOB, ALICE, DIGEST, 5), Error::<Test>::NotAuditor);
		assert_ok!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000));
		assert_noop!(check(AUDITOR_1, ALICE, DIGEST, 1_000_000), Error::<Test>::AlreadyChecked);
		System::set_block_number(2 + BENCH_WINDOW + 1);
		assert_noop!(check(AUDITOR_2, ALICE, DIGEST, 1_000_000), Error::<Test>::BenchmarkClosed);
	});
}

#[test]
fn a_late_answer_is_refused() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		System::set_block_number(2 + BENCH_WINDOW + 1);
		assert_noop!(answer(ALICE, DIGEST, 1), Error::<Test>::BenchmarkClosed);
	});
}

fn answer_without_challenge(who: AccountId) -> frame_support::dispatch::DispatchResult {
	let sig = AttestationSignature::Sr25519(sr_pair(who).sign(b"nothing"));
	Workers::answer_benchmark(RuntimeOrigin::signed(who), 0, DIGEST, 1, sig)
}

#[test]
fn governance_can_challenge_again() {
	build_and_execute(|| {
		register(ALICE);
		assert_noop!(
			Workers::challenge_benchmark(RuntimeOrigin::signed(ALICE), ALICE),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			Workers::challenge_benchmark(RuntimeOrigin::root(), BOB),
			Error::<Test>::NotRegistered
		);
		// The registration's challenge is already scheduled for the next block.
		assert_noop!(
			Workers::challenge_benchmark(RuntimeOrigin::root(), ALICE),
			Error::<Test>::BenchmarkPending
		);
		run_to(2);
		assert_noop!(
			Workers::challenge_benchmark(RuntimeOrigin::root(), ALICE),
			Error::<Test>::BenchmarkPending
		);
		pass(ALICE);
		assert_ok!(Workers::challenge_benchmark(RuntimeOrigin::root(), ALICE));
		run_to(3);
		assert_eq!(open_id(ALICE), 1);
	});
}

#[test]
fn a_full_schedule_spills_into_later_blocks() {
	build_and_execute(|| {
		// Two entries per block: the third registration's challenge is issued a block later.
		register(ALICE);
		register(BOB);
		assert_ok!(pallet_credits::Pallet::<Test>::force_mint(
			RuntimeOrigin::root(),
			NEWCOMER,
			20 * CRED
		));
		register(NEWCOMER);
		assert_eq!(BenchmarkSchedule::<Test>::get(2).len(), 2);
		assert_eq!(
			BenchmarkSchedule::<Test>::get(3).into_inner(),
			vec![(NEWCOMER, BenchmarkDue::Issue)]
		);
		run_to(3);
		assert!([ALICE, BOB, NEWCOMER].iter().all(|w| Benchmarks::<Test>::get(w).is_some()));
	});
}

#[test]
fn leaving_forgets_the_challenge_and_the_confirmation() {
	build_and_execute(|| {
		register(ALICE);
		run_to(2);
		pass(ALICE);
		assert_ok!(Workers::challenge_benchmark(RuntimeOrigin::root(), ALICE));
		run_to(3);
		assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE)));
		run_to(3 + 10);
		assert_ok!(Workers::withdraw(RuntimeOrigin::signed(ALICE)));
		assert!(Benchmarks::<Test>::get(ALICE).is_none());
		assert!(!Workers::class_confirmed(&ALICE));
		// Its scheduled deadline finds nothing to do.
		run_to(3 + BENCH_PERIOD + BENCH_WINDOW + 2);
		assert!(Benchmarks::<Test>::get(ALICE).is_none());
	});
}
