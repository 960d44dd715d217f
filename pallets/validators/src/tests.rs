//! The validator set: governance plans, the session pallet enacts at its boundaries; one
//! `assert_noop!` per error.

#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, Error, Event};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{BuildStorage, DispatchError};

/// `session.set_keys` with a proof of possession, as a validator would.
fn set_keys(who: AccountId) {
	register_keys(who);
}

#[test]
fn genesis_validators_are_active() {
	build_and_execute(|| {
		assert_eq!(Validators::validators(), vec![1, 2, 3]);
		assert_eq!(Validators::planned(), vec![1, 2, 3]);
		assert_eq!(active(), vec![1, 2, 3]);
	});
}

#[test]
fn an_added_validator_is_active_from_the_second_session_boundary() {
	build_and_execute(|| {
		set_keys(4);
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 4));
		assert!(validators_events().contains(&Event::ValidatorAdded { who: 4 }));
		assert_eq!(Validators::planned(), vec![1, 2, 3, 4]);
		assert_eq!(Validators::validators(), vec![1, 2, 3], "in force until the session change");
		// First boundary: the set is handed over and queued.
		run_to(SESSION);
		assert_eq!(Validators::validators(), vec![1, 2, 3, 4]);
		assert!(validators_events().iter().any(
			|e| matches!(e, Event::NewSet { validators, .. } if *validators == vec![1, 2, 3, 4])
		));
		assert_eq!(active(), vec![1, 2, 3]);
		// Second boundary: it is the active set.
		run_to(2 * SESSION);
		assert_eq!(active(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn a_removed_validator_leaves_the_same_way() {
	build_and_execute(|| {
		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 2));
		assert!(validators_events().contains(&Event::ValidatorRemoved { who: 2 }));
		run_to(SESSION);
		assert_eq!(active(), vec![1, 2, 3]);
		run_to(2 * SESSION);
		assert_eq!(active(), vec![1, 3]);
	});
}

#[test]
fn an_unchanged_set_is_not_handed_over_again() {
	build_and_execute(|| {
		run_to(3 * SESSION);
		assert!(!validators_events().iter().any(|e| matches!(e, Event::NewSet { .. })));
		assert_eq!(active(), vec![1, 2, 3]);
		// Adding and removing the same validator before the boundary is no change either.
		set_keys(4);
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 4));
		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 4));
		run_to(5 * SESSION);
		assert!(!validators_events().iter().any(|e| matches!(e, Event::NewSet { .. })));
	});
}

#[test]
fn errors() {
	build_and_execute(|| {
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::signed(1), 4),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::signed(1), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 1),
			Error::<Test>::AlreadyValidator
		);
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 4),
			Error::<Test>::NoSessionKeys
		);
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 5),
			Error::<Test>::NotValidator
		);
		set_keys(4);
		set_keys(5);
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 4));
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 5),
			Error::<Test>::TooManyValidators
		);
		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 4));
		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 3));
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::TooFewValidators
		);
	});
}

#[test]
fn an_offender_is_planned_out_unless_the_set_is_at_its_minimum() {
	build_and_execute(|| {
		Validators::remove_offender(&3);
		assert_eq!(Validators::planned(), vec![1, 2]);
		assert_eq!(Validators::validators(), vec![1, 2, 3], "in force until the session change");
		// Not a validator (any more): nothing happens.
		Validators::remove_offender(&3);
		Validators::remove_offender(&9);
		// At the minimum (2): kept, and governance is told.
		Validators::remove_offender(&2);
		assert_eq!(Validators::planned(), vec![1, 2]);
		assert_eq!(
			validators_events(),
			vec![Event::OffenderRemoved { who: 3 }, Event::OffenderKept { who: 2 }]
		);
	});
}

#[test]
fn the_session_length_is_the_default_or_the_genesis_one() {
	build_and_execute(|| assert_eq!(crate::SessionLength::<Test>::get(), SESSION));
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> { validators: vec![], session_length: Some(4) }
		.assimilate_storage(&mut storage)
		.unwrap();
	sp_io::TestExternalities::new(storage)
		.execute_with(|| assert_eq!(crate::SessionLength::<Test>::get(), 4));
}
