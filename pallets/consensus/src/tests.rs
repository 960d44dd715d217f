//! Tests of the weights, the leader draw, the block checks, the randomness and the
//! equivocation reports.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{
	digest::{self, leader, weights_from_work},
	mock::*,
	Authorities, EpochWork, Equivocations, Error, Event, Randomness, RandomnessOf, ReportError,
	WEIGHT_SCALE,
};
use frame_support::{assert_noop, assert_ok, pallet_prelude::*};
use sp_consensus_slots::Slot;
use sp_runtime::Perbill;

fn weights() -> Vec<(AccountId, u64)> {
	Authorities::<Test>::get().into_iter().map(|a| (a.account, a.weight)).collect()
}

#[test]
fn weights_are_equal_without_work_and_follow_the_root_of_work_above_the_floor() {
	let floor = Perbill::from_percent(10);
	assert_eq!(weights_from_work(&[0, 0, 0, 0], floor), vec![WEIGHT_SCALE / 4; 4]);
	assert!(weights_from_work(&[], floor).is_empty());
	// √work 30:10:10:0:0 above a floor of 20,000,000 each: 560M, 200M, 200M, 20M, 20M; the
	// first is capped at 2/5 (400M) and the 160M above the cap goes to the others in
	// proportion to their weights (200:200:20:20).
	let w = weights_from_work(&[900, 100, 100, 0, 0], floor);
	assert_eq!(w, vec![400_000_000, 272_727_272, 272_727_272, 27_272_727, 27_272_727]);
	assert!(w.iter().all(|x| *x <= digest::max_share(5)));
	let sum: u64 = w.iter().sum();
	assert!(WEIGHT_SCALE - sum < 10, "weights sum to {sum}");
	// Concave: four times the work is twice the weight above the floor (below the cap).
	let w = weights_from_work(&[400, 100, 100, 100, 100, 100], floor);
	let floor_each = WEIGHT_SCALE / 10 / 6;
	assert_eq!((w[0] - floor_each) / (w[1] - floor_each), 2);
	// Huge work figures do not overflow.
	let w = weights_from_work(&[u128::MAX / 2, u128::MAX / 2], floor);
	assert_eq!(w, vec![WEIGHT_SCALE / 2; 2]);
}

#[test]
fn leader_frequencies_follow_the_weights() {
	let w = [600_000_000u64, 300_000_000, 100_000_000];
	let mut counts = [0u32; 3];
	let mut randomness = [7u8; 32];
	for slot in 0..30_000u64 {
		let i = leader(&w, &randomness, Slot::from(slot)).unwrap();
		counts[i as usize] += 1;
		// A new parent randomness now and then, as blocks come.
		if slot % 3 == 0 {
			randomness = sp_io::hashing::blake2_256(&randomness);
		}
	}
	// Expected 18,000 / 9,000 / 3,000; the standard deviations are about 85, 79 and 52.
	for (c, e) in counts.iter().zip([18_000i64, 9_000, 3_000]) {
		assert!((i64::from(*c) - e).abs() < 400, "{counts:?}");
	}
	assert_eq!(leader(&[0, 0], &randomness, Slot::from(1)), None);
	assert_eq!(leader(&[], &randomness, Slot::from(1)), None);
}

#[test]
fn genesis_authorities_have_equal_weights() {
	build().execute_with(|| {
		assert_eq!(
			weights(),
			vec![(1, WEIGHT_SCALE / 3), (2, WEIGHT_SCALE / 3), (3, WEIGHT_SCALE / 3)]
		);
		let draw = Consensus::leader_draw();
		assert_eq!(draw.authorities.len(), 3);
		assert_eq!(draw.authorities[1].0, key(2));
		assert_eq!(Consensus::slot_duration(), SLOT_MS);
	});
}

#[test]
fn a_session_weighs_authorities_by_the_work_of_the_last_one() {
	build().execute_with(|| {
		Consensus::note_work(&1, &9, 300);
		Consensus::note_work(&2, &9, 100);
		Consensus::note_work(&2, &9, 0);
		// Not an authority: not counted.
		Consensus::note_work(&9, &8, 1_000);
		assert_eq!(EpochWork::<Test>::get(9), 0);
		new_session(&[1, 2, 3, 4]);
		// Smoothed work 150 and 50: weights by √150 : √50 above the floor, 1 capped at 2/4.
		assert_eq!(
			weights(),
			weights_from_work(&[150, 50, 0, 0], Perbill::from_percent(10))
				.into_iter()
				.enumerate()
				.map(|(i, w)| (i as u64 + 1, w))
				.collect::<Vec<_>>()
		);
		assert!(weights()[0].1 > weights()[1].1 && weights()[1].1 > weights()[2].1);
		assert!(consensus_events().contains(&Event::NewWeights { authorities: weights() }));
		// The count starts anew and the smoothed work halves: a session without work keeps the
		// order with a smaller spread, and after enough empty sessions the weights are equal.
		assert_eq!(EpochWork::<Test>::get(1), 0);
		new_session(&[1, 2, 3, 4]);
		assert_eq!(crate::SmoothedWork::<Test>::get(1), 75);
		for _ in 0..10 {
			new_session(&[1, 2, 3, 4]);
		}
		assert_eq!(
			weights().iter().map(|(_, w)| *w).collect::<Vec<_>>(),
			vec![WEIGHT_SCALE / 4; 4]
		);
	});
}

#[test]
fn a_block_of_the_leader_advances_the_slot_and_the_randomness() {
	build().execute_with(|| {
		let before = Randomness::<Test>::get();
		let slot = 100;
		let author = leader_of(slot);
		let pre = pre_digest(author, slot);
		author_block(author, slot);
		assert_eq!(crate::CurrentSlot::<Test>::get(), Slot::from(slot));
		let after = Randomness::<Test>::get();
		assert_eq!(after, digest::next_randomness(&before, &pre.vrf.pre_output));
		assert_ne!(after, before);
		assert_eq!(crate::ChainRandomness::<Test>::of(2).map(|h| h.0), Some(after));
		assert_eq!(Consensus::leader_draw().randomness, after);
	});
}

#[test]
fn randomness_is_kept_for_the_history_only() {
	build().execute_with(|| {
		let mut slot = 10;
		for _ in 0..(HISTORY + 3) {
			slot += 1;
			let author = leader_of(slot);
			author_block(author, slot);
		}
		let now = System::block_number();
		assert!(RandomnessOf::<Test>::get(now).is_some());
		assert!(RandomnessOf::<Test>::get(now - u64::from(HISTORY) + 1).is_some());
		assert!(RandomnessOf::<Test>::get(now - u64::from(HISTORY)).is_none());
		assert_eq!(RandomnessOf::<Test>::iter().count(), HISTORY as usize);
	});
}

#[test]
#[should_panic(expected = "the slot must increase")]
fn a_block_must_have_a_later_slot_than_its_parent() {
	build().execute_with(|| {
		let first = slot_led_by(1, 20);
		author_block(1, first);
		author_block(leader_of(first), first);
	});
}

#[test]
#[should_panic(expected = "the timestamp must fall in the block's slot")]
fn the_timestamp_must_fall_in_the_slot() {
	build().execute_with(|| {
		let slot = 30;
		let author = leader_of(slot);
		let next = System::block_number() + 1;
		let pre = pre_digest(author, slot);
		System::initialize(
			&next,
			&System::parent_hash(),
			&sp_runtime::Digest { logs: vec![pre.to_digest_item()] },
		);
		Consensus::on_initialize(next);
		let _ = Timestamp::set(RuntimeOrigin::none(), (slot + 1) * SLOT_MS);
	});
}

#[test]
fn an_equivocation_is_recorded_once_and_punished() {
	build().execute_with(|| {
		let slot = 40;
		let proof = crate::EquivocationProof {
			offender: key(2),
			slot: Slot::from(slot),
			first_header: sealed_header(2, slot, 5, 1),
			second_header: sealed_header(2, slot, 5, 2),
		};
		assert_ok!(Consensus::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(proof.clone())
		));
		assert_eq!(Equivocations::<Test>::get((2, Slot::from(slot))), Some(1));
		assert!(consensus_events()
			.contains(&Event::Equivocation { offender: 2, slot: Slot::from(slot) }));
		assert_eq!(PUNISHED.with(|p| p.borrow().clone()), vec![(2, Slot::from(slot))]);
		assert_eq!(Consensus::check_report(&proof), Err(ReportError::AlreadyReported));
		assert_noop!(
			Consensus::report_equivocation_unsigned(RuntimeOrigin::none(), Box::new(proof)),
			Error::<Test>::InvalidReport
		);
		// Signed origins cannot report.
		let another = crate::EquivocationProof {
			offender: key(3),
			slot: Slot::from(slot),
			first_header: sealed_header(3, slot, 5, 1),
			second_header: sealed_header(3, slot, 5, 2),
		};
		assert_noop!(
			Consensus::report_equivocation_unsigned(RuntimeOrigin::signed(1), Box::new(another)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn invalid_equivocation_reports_are_refused_by_name() {
	build().execute_with(|| {
		let slot = Slot::from(40);
		let h = |who, s, salt| sealed_header(who, s, 5, salt);
		let proof = |offender, first, second| crate::EquivocationProof {
			offender: key(offender),
			slot,
			first_header: first,
			second_header: second,
		};
		let same = h(2, 40, 1);
		assert_eq!(
			Consensus::check_report(&proof(2, same.clone(), same)),
			Err(ReportError::SameHeader)
		);
		assert_eq!(
			Consensus::check_report(&proof(2, h(2, 40, 1), h(2, 41, 2))),
			Err(ReportError::WrongSlot)
		);
		// Sealed by someone else.
		assert_eq!(
			Consensus::check_report(&proof(2, h(2, 40, 1), h(3, 40, 2))),
			Err(ReportError::BadSeal)
		);
		// Unsealed.
		let mut unsealed = h(2, 40, 2);
		sp_runtime::traits::Header::digest_mut(&mut unsealed).pop();
		assert_eq!(
			Consensus::check_report(&proof(2, h(2, 40, 1), unsealed)),
			Err(ReportError::BadSeal)
		);
		// Not an authority (validator 4 has a key but is not in the set).
		assert_eq!(
			Consensus::check_report(&crate::EquivocationProof {
				offender: key(4),
				slot,
				first_header: sealed_header(4, 40, 5, 1),
				second_header: sealed_header(4, 40, 5, 2),
			}),
			Err(ReportError::UnknownOffender)
		);
	});
}

#[test]
#[allow(deprecated)] // `ValidateUnsigned`, as the pallet implements it.
fn only_local_or_included_reports_enter_the_pool() {
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionSource};
	build().execute_with(|| {
		let proof = crate::EquivocationProof {
			offender: key(1),
			slot: Slot::from(9),
			first_header: sealed_header(1, 9, 5, 1),
			second_header: sealed_header(1, 9, 5, 2),
		};
		let call = crate::Call::report_equivocation_unsigned { proof: Box::new(proof) };
		assert!(<Consensus as ValidateUnsigned>::validate_unsigned(
			TransactionSource::Local,
			&call
		)
		.is_ok());
		assert!(<Consensus as ValidateUnsigned>::validate_unsigned(
			TransactionSource::InBlock,
			&call
		)
		.is_ok());
		assert_eq!(
			<Consensus as ValidateUnsigned>::validate_unsigned(TransactionSource::External, &call),
			Err(InvalidTransaction::Call.into())
		);
		let same = sealed_header(1, 9, 5, 1);
		let bad = crate::Call::report_equivocation_unsigned {
			proof: Box::new(crate::EquivocationProof {
				offender: key(1),
				slot: Slot::from(9),
				first_header: same.clone(),
				second_header: same,
			}),
		};
		assert_eq!(
			<Consensus as ValidateUnsigned>::validate_unsigned(TransactionSource::Local, &bad),
			Err(InvalidTransaction::BadProof.into())
		);
	});
}

#[test]
fn the_pre_digest_round_trips_and_duplicates_are_refused() {
	build().execute_with(|| {
		let pre = pre_digest(1, 12);
		let digest = sp_runtime::Digest { logs: vec![pre.to_digest_item()] };
		assert_eq!(digest::find_pre_digest(&digest), Ok(pre.clone()));
		let twice = sp_runtime::Digest { logs: vec![pre.to_digest_item(), pre.to_digest_item()] };
		assert_eq!(digest::find_pre_digest(&twice), Err(digest::DigestError::Multiple));
		assert_eq!(digest::find_pre_digest(&Default::default()), Err(digest::DigestError::Missing));
		let junk = sp_runtime::Digest {
			logs: vec![sp_runtime::generic::DigestItem::PreRuntime(crate::ENGINE_ID, vec![1, 2])],
		};
		assert_eq!(digest::find_pre_digest(&junk), Err(digest::DigestError::Undecodable));
		// The VRF verifies for its author and input only.
		use sp_core::crypto::VrfPublic;
		let randomness = Randomness::<Test>::get();
		let input = digest::vrf_input(&randomness, Slot::from(12));
		assert!(sp_core::sr25519::Public::from(key(1)).vrf_verify(&input, &pre.vrf));
		assert!(!sp_core::sr25519::Public::from(key(2)).vrf_verify(&input, &pre.vrf));
		let other = digest::vrf_input(&randomness, Slot::from(13));
		assert!(!sp_core::sr25519::Public::from(key(1)).vrf_verify(&other, &pre.vrf));
	});
}

/// Issue 14, attack 4: with nobody else working, one validator serves one 555-unit job. On spec
/// 108 that gave it 92.5% of the next session's slots (10% floor shared by four, 90% by work).
/// Now a job its own account (or any validator) asked for does not count at all, and a job of
/// an outside consumer gives it at most 2/n of the weight, in the weights and in the slots it
/// is observed to lead.
#[test]
fn attack_one_self_dealt_job_cannot_capture_the_slots() {
	build().execute_with(|| {
		new_session(&[1, 2, 3, 4]);
		// Self-dealt: the validator (or another validator) is the consumer. Not counted.
		Consensus::note_work(&1, &1, 555);
		Consensus::note_work(&1, &2, 555);
		assert_eq!(EpochWork::<Test>::get(1), 0);
		new_session(&[1, 2, 3, 4]);
		assert_eq!(
			weights().iter().map(|(_, w)| *w).collect::<Vec<_>>(),
			vec![WEIGHT_SCALE / 4; 4]
		);
		// Through an outside account it controls (which the chain cannot tell): counted, but the
		// weight is capped at 2/4 and smoothed.
		Consensus::note_work(&1, &9, 555);
		new_session(&[1, 2, 3, 4]);
		let w = weights();
		assert!(w[0].1 <= WEIGHT_SCALE / 2, "weight {} above 2/n", w[0].1);
		assert!(w[0].1 > w[1].1);
		// The observed leader frequency over 20,000 slots stays within the bound (expected at most
		// 10,000; one standard deviation is about 71).
		let weights: Vec<u64> = w.iter().map(|(_, x)| *x).collect();
		let mut randomness = [3u8; 32];
		let mut led = 0u32;
		for slot in 0..20_000u64 {
			if leader(&weights, &randomness, Slot::from(slot)) == Some(0) {
				led += 1;
			}
			randomness = sp_io::hashing::blake2_256(&randomness);
		}
		assert!(led <= 10_300, "validator 1 led {led} of 20,000 slots");
	});
}
