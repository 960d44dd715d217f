//! Registration, bonds, trust, faults, suspension and unbonding: one test per path, one
//! `assert_noop!` per error.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{
	mock::*, AttestationKey, AttestationSignature, Error, Event, Fault, HoldReason, KeyOwner,
	WorkerStatus, MIN_SELECTION_WEIGHT,
};
use declai_primitives::CRED;
use declai_primitives::{poi::ModelId, Balance, HardwareClass};
use frame_support::dispatch::DispatchResult;
use frame_support::{assert_noop, assert_ok};
use sp_core::Pair;

fn register(who: AccountId, models: Vec<ModelId>, bond: Balance) -> DispatchResult {
	Workers::register(
		RuntimeOrigin::signed(who),
		sr_key(who),
		HardwareClass::Rtx4090,
		276,
		models,
		bond,
	)
}

fn bond_held(who: AccountId) -> Balance {
	pallet_credits::Holds::<Test>::get(who, RuntimeHoldReason::Workers(HoldReason::Bond))
		.iter()
		.map(|l| l.amount)
		.sum()
}

#[test]
fn register_holds_the_bond_and_lists_the_worker() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1, 2], 10 * CRED));
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.bond, w.reputation, w.status), (10 * CRED, 500_000, WorkerStatus::Active));
		assert_eq!(bond_held(ALICE), 10 * CRED);
		assert_eq!(Credits::spendable(&ALICE), 90 * CRED);
		assert_eq!(Workers::candidates(1), vec![ALICE]);
		assert_eq!(Workers::candidates(2), vec![ALICE]);
		assert_eq!(Workers::capacity_permille(), 1080);
		assert_eq!(KeyOwner::<Test>::get(sr_key(ALICE)), Some(ALICE));
		assert!(matches!(workers_events().last(), Some(Event::Registered { who: ALICE, .. })));
	});
}

#[test]
fn a_newcomer_registers_without_credits_and_builds_its_bond_from_earnings() {
	build_and_execute(|| {
		assert_ok!(register(NEWCOMER, vec![1], 0));
		assert_eq!(Workers::worker(&NEWCOMER).unwrap().bond, 0);
		// Fully replicated until trusted.
		assert_eq!(Workers::audit_ppm(&NEWCOMER, &Workers::worker(&NEWCOMER).unwrap()), None);
		// Paid 4 CRED: half goes into the bond.
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), NEWCOMER, 4 * CRED));
		Workers::record_valid(&NEWCOMER, 4 * CRED, 4 * CRED);
		assert_eq!(Workers::worker(&NEWCOMER).unwrap().bond, 2 * CRED);
		assert_eq!(bond_held(NEWCOMER), 2 * CRED);
		assert_eq!(Credits::spendable(&NEWCOMER), 2 * CRED);
		// Never more than the target.
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), NEWCOMER, 40 * CRED));
		Workers::record_valid(&NEWCOMER, 40 * CRED, 40 * CRED);
		assert_eq!(Workers::worker(&NEWCOMER).unwrap().bond, 10 * CRED);
		assert!(workers_events().contains(&Event::Bonded {
			who: NEWCOMER,
			amount: 8 * CRED,
			from_earnings: true
		}));
	});
}

#[test]
fn register_errors() {
	build_and_execute(|| {
		assert_noop!(register(ALICE, vec![], 0), Error::<Test>::NoModels);
		assert_noop!(register(ALICE, vec![1, 2, 3, 1], 0), Error::<Test>::TooManyModels);
		assert_noop!(register(ALICE, vec![1, 1], 0), Error::<Test>::DuplicateModel);
		assert_noop!(register(ALICE, vec![9], 0), Error::<Test>::UnknownModel);
		assert_noop!(
			register(ALICE, vec![1], 1_000 * CRED),
			pallet_credits::Error::<Test>::InsufficientCredits
		);
		assert_ok!(register(ALICE, vec![1], 0));
		assert_noop!(register(ALICE, vec![1], 0), Error::<Test>::AlreadyRegistered);
		// Bob reusing Alice's hardware key.
		assert_noop!(
			Workers::register(
				RuntimeOrigin::signed(BOB),
				sr_key(ALICE),
				HardwareClass::A100,
				1,
				vec![1],
				0
			),
			Error::<Test>::KeyInUse
		);
		// Bonded workers fill the list (probation workers may take only its first half).
		for who in 20..23 {
			assert_ok!(Credits::force_mint(RuntimeOrigin::root(), who, 10 * CRED));
			assert_ok!(register(who, vec![1], 10 * CRED));
		}
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), 30, 10 * CRED));
		assert_noop!(register(30, vec![1], 10 * CRED), Error::<Test>::ModelFull);
	});
}

#[test]
fn update_moves_the_worker_between_models() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1, 2], 0));
		assert_ok!(Workers::update(RuntimeOrigin::signed(ALICE), 40, vec![2, 3]));
		assert_eq!(Workers::candidates(1), Vec::<AccountId>::new());
		assert_eq!(Workers::candidates(3), vec![ALICE]);
		assert_eq!(Workers::worker(&ALICE).unwrap().region, 40);
		assert_noop!(
			Workers::update(RuntimeOrigin::signed(BOB), 1, vec![1]),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Workers::update(RuntimeOrigin::signed(ALICE), 1, vec![]),
			Error::<Test>::NoModels
		);
		for who in 20..24 {
			assert_ok!(Credits::force_mint(RuntimeOrigin::root(), who, 10 * CRED));
			assert_ok!(register(who, vec![1], 10 * CRED));
		}
		assert_noop!(
			Workers::update(RuntimeOrigin::signed(ALICE), 1, vec![1]),
			Error::<Test>::ModelFull
		);
	});
}

#[test]
fn bond_more_adds_held_credits() {
	build_and_execute(|| {
		assert_noop!(
			Workers::bond_more(RuntimeOrigin::signed(ALICE), CRED),
			Error::<Test>::NotRegistered
		);
		assert_ok!(register(ALICE, vec![1], 0));
		assert_noop!(
			Workers::bond_more(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_ok!(Workers::bond_more(RuntimeOrigin::signed(ALICE), 3 * CRED));
		assert_eq!(Workers::worker(&ALICE).unwrap().bond, 3 * CRED);
		assert_eq!(bond_held(ALICE), 3 * CRED);
	});
}

#[test]
fn valid_results_build_trust_and_contribution() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		for _ in 0..9 {
			Workers::record_valid(&ALICE, CRED, 0);
		}
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!(Workers::audit_ppm(&ALICE, &w), None);
		Workers::record_valid(&ALICE, CRED, 0);
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.consecutive_valid, w.valid), (10, 10));
		assert_eq!(Workers::audit_ppm(&ALICE, &w), Some(100_000));
		assert!(w.reputation > 500_000);
		assert_eq!(Workers::contribution(&ALICE), 10 * CRED);
		// The contribution halves every 100 blocks.
		System::set_block_number(101);
		assert_eq!(Workers::contribution(&ALICE), 5 * CRED);
	});
}

#[test]
fn faults_reset_trust_and_burn_part_of_the_bond() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		for _ in 0..12 {
			Workers::record_valid(&ALICE, CRED, 0);
		}
		let before = Workers::worker(&ALICE).unwrap().reputation;
		let issuance = pallet_credits::TotalIssuance::<Test>::get();
		assert_eq!(Workers::record_fault(&ALICE, Fault::Invalid), CRED);
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.consecutive_valid, w.invalid, w.bond), (0, 1, 9 * CRED));
		assert_eq!(w.reputation, before / 2);
		assert_eq!(Workers::audit_ppm(&ALICE, &w), None);
		assert_eq!(pallet_credits::TotalIssuance::<Test>::get(), issuance - CRED);
		assert_eq!(Workers::record_fault(&ALICE, Fault::Missed), CRED / 10);
		assert_eq!(Workers::worker(&ALICE).unwrap().missed, 1);
		// A worker with no bond has nothing to slash: a wrong result ejects it (off the lists,
		// suspended until governance resumes it).
		assert_ok!(register(NEWCOMER, vec![1], 0));
		assert_eq!(Workers::record_fault(&NEWCOMER, Fault::Invalid), 0);
		let w = Workers::worker(&NEWCOMER).unwrap();
		assert_eq!((w.reputation, w.status), (250_000, WorkerStatus::Suspended));
		assert!(!Workers::candidates(1).contains(&NEWCOMER));
		assert!(workers_events().contains(&Event::Ejected {
			who: NEWCOMER,
			reason: crate::EjectReason::BondExhausted
		}));
		assert_ok!(Workers::resume(RuntimeOrigin::root(), NEWCOMER));
		assert!(Workers::candidates(1).contains(&NEWCOMER));
	});
}

#[test]
fn a_worker_that_keeps_failing_is_ejected() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		// Missed deadlines cost a tenth of the reputation each: from 0.5 below 1/64 in about 33.
		let mut misses = 0;
		while Workers::worker(&ALICE).unwrap().status == WorkerStatus::Active {
			Workers::record_fault(&ALICE, Fault::Missed);
			misses += 1;
			assert!(misses < 100);
		}
		assert!((30..=36).contains(&misses), "{misses} misses");
		assert!(Workers::worker(&ALICE).unwrap().reputation < crate::EJECT_REPUTATION);
		assert!(workers_events()
			.contains(&Event::Ejected { who: ALICE, reason: crate::EjectReason::KeepsFailing }));
		assert!(!Workers::candidates(1).contains(&ALICE));
	});
}

#[test]
fn probation_workers_take_at_most_half_of_a_models_list() {
	build_and_execute(|| {
		use frame_support::traits::Get;
		// The mock allows 4 workers per model: 2 may be on probation.
		let max: u32 = <Test as crate::Config>::MaxWorkersPerModel::get();
		for who in 0..(max as u64).div_ceil(2) {
			assert_ok!(Workers::register(
				RuntimeOrigin::signed(100 + who),
				sr_key(100 + who),
				HardwareClass::Cpu,
				1,
				vec![1],
				0
			));
		}
		assert_noop!(
			Workers::register(
				RuntimeOrigin::signed(99),
				sr_key(99),
				HardwareClass::Cpu,
				1,
				vec![1],
				0
			),
			Error::<Test>::BondRequired
		);
		// A bonded worker still joins.
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
	});
}

#[test]
fn suspend_and_resume() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 0));
		assert_noop!(
			Workers::suspend(RuntimeOrigin::signed(BOB), ALICE),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(Workers::suspend(RuntimeOrigin::root(), BOB), Error::<Test>::NotRegistered);
		assert_noop!(Workers::resume(RuntimeOrigin::root(), ALICE), Error::<Test>::NotSuspended);
		assert_ok!(Workers::suspend(RuntimeOrigin::root(), ALICE));
		assert!(Workers::candidates(1).is_empty());
		assert_eq!(Workers::capacity_permille(), 0);
		assert_noop!(
			Workers::suspend(RuntimeOrigin::root(), ALICE),
			Error::<Test>::AlreadySuspended
		);
		assert_ok!(Workers::resume(RuntimeOrigin::root(), ALICE));
		assert_eq!(Workers::candidates(1), vec![ALICE]);
		assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE)));
		assert_noop!(Workers::suspend(RuntimeOrigin::root(), ALICE), Error::<Test>::NotActive);
	});
}

#[test]
fn unbond_then_withdraw_after_the_period_and_the_last_job() {
	build_and_execute(|| {
		assert_noop!(Workers::unbond(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotRegistered);
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		assert_noop!(Workers::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::NotUnbonding);
		Workers::job_started(&ALICE);
		assert_ok!(Workers::unbond(RuntimeOrigin::signed(ALICE)));
		assert_noop!(Workers::unbond(RuntimeOrigin::signed(ALICE)), Error::<Test>::StillUnbonding);
		assert!(Workers::candidates(1).is_empty());
		assert_noop!(
			Workers::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::StillUnbonding
		);
		System::set_block_number(11);
		assert_noop!(Workers::withdraw(RuntimeOrigin::signed(ALICE)), Error::<Test>::JobsInFlight);
		// A fault found late is still slashed.
		assert_eq!(Workers::record_fault(&ALICE, Fault::Invalid), CRED);
		Workers::job_ended(&ALICE);
		assert_ok!(Workers::withdraw(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Credits::spendable(&ALICE), 99 * CRED);
		assert!(Workers::worker(&ALICE).is_none());
		assert_eq!(KeyOwner::<Test>::get(sr_key(ALICE)), None);
		assert!(workers_events().contains(&Event::Withdrawn { who: ALICE, bond: 9 * CRED }));
		// The key is free again.
		assert_ok!(register(ALICE, vec![1], 0));
	});
}

#[test]
fn attestation_keys_verify_only_their_own_scheme_and_message() {
	let sr = sr_pair(1);
	let ed = ed_pair(1);
	let msg = b"declai/attestation/v1 job 7";
	let sr_key = AttestationKey::Sr25519(sr.public());
	let ed_key = AttestationKey::Ed25519(ed.public());
	let sr_sig = AttestationSignature::Sr25519(sr.sign(msg));
	let ed_sig = AttestationSignature::Ed25519(ed.sign(msg));
	assert!(sr_key.verify(msg, &sr_sig));
	assert!(ed_key.verify(msg, &ed_sig));
	assert!(!sr_key.verify(b"another job", &sr_sig));
	assert!(!ed_key.verify(msg, &sr_sig));
	assert!(!AttestationKey::Sr25519(sr_pair(2).public()).verify(msg, &sr_sig));
}

#[test]
fn selection_weight_prefers_reputation_and_region() {
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 0));
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!(Workers::selection_weight(&w, None), 500_000);
		assert_eq!(Workers::selection_weight(&w, Some(276)), 1_000_000);
		assert_eq!(Workers::selection_weight(&w, Some(1)), 500_000);
		for _ in 0..10 {
			Workers::record_fault(&ALICE, Fault::Invalid);
		}
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!(Workers::selection_weight(&w, None), MIN_SELECTION_WEIGHT);
	});
}

/// Issue 14, attack 12: held credits keep their expiry day, and on spec 108 a bond counted them
/// after it: a bond of dead credits kept a worker trusted, and a slash burned credits it could
/// never have spent. Now only live held credits count: such a worker is on probation, and a fault
/// first drops the dead credits, then finds the bond empty and ejects the worker.
#[test]
fn attack_a_bond_of_expired_credits_stakes_nothing() {
	use frame_support::traits::Hooks;
	build_and_execute(|| {
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		for _ in 0..12 {
			Workers::record_valid(&ALICE, CRED, 0);
		}
		assert!(Workers::audit_ppm(&ALICE, &Workers::worker(&ALICE).unwrap()).is_some());
		// Past the expiry day of the genesis lots (10 days of 24 blocks); the credits pallet's
		// day hook only (no benchmark challenge is issued to fault the worker meanwhile).
		for b in 2..=(11 * 24 + 1) {
			System::set_block_number(b);
			Credits::on_initialize(b);
		}
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!(w.bond, 10 * CRED, "the record still says 10 CRED");
		assert_eq!(Workers::live_bond(&ALICE, &w), 0);
		assert_eq!(Workers::audit_ppm(&ALICE, &w), None, "a dead bond is no stake: probation");
		assert_eq!(Workers::record_fault(&ALICE, Fault::Invalid), 0);
		let w = Workers::worker(&ALICE).unwrap();
		assert_eq!((w.bond, w.status), (0, WorkerStatus::Suspended));
		assert!(workers_events()
			.contains(&Event::Ejected { who: ALICE, reason: crate::EjectReason::BondExhausted }));
		assert_eq!(bond_held(ALICE), 0);
	});
}

/// Storage without a deposit (attack 14): a worker that leaves with a record at least as good as
/// a newcomer's leaves nothing behind; a worse record (a fault cut its reputation) stays with the
/// account and the key, and comes back with either.
#[test]
fn withdraw_keeps_only_records_worse_than_a_newcomers() {
	build_and_execute(|| {
		let leave = |who: AccountId| {
			assert_ok!(Workers::unbond(RuntimeOrigin::signed(who)));
			System::set_block_number(System::block_number() + 11);
			assert_ok!(Workers::withdraw(RuntimeOrigin::signed(who)));
		};
		assert_ok!(register(ALICE, vec![1], 10 * CRED));
		Workers::record_valid(&ALICE, 1, 0);
		leave(ALICE);
		assert_eq!(crate::History::<Test>::iter().count(), 0);
		assert_eq!(crate::KeyHistory::<Test>::iter().count(), 0);

		assert_ok!(register(BOB, vec![1], 10 * CRED));
		Workers::record_fault(&BOB, Fault::Missed);
		let reputation = Workers::worker(&BOB).unwrap().reputation;
		assert!(reputation < 500_000);
		leave(BOB);
		assert_eq!(crate::History::<Test>::get(BOB).map(|h| h.reputation), Some(reputation));
		assert_eq!(
			crate::KeyHistory::<Test>::get(sr_key(BOB)).map(|h| h.reputation),
			Some(reputation)
		);
		assert_ok!(register(BOB, vec![1], 10 * CRED));
		assert_eq!(Workers::worker(&BOB).unwrap().reputation, reputation);
		assert_eq!(crate::History::<Test>::iter().count(), 0);
	});
}
