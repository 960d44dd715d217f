//! The whole job lifecycle, every error, and the adversarial cases. Each adversarial test ends
//! with no credits minted to the cheater, the cheater slashed, and the consumer served or
//! refunded; the invariants (escrow conservation, deadlines, bonds) are checked every block.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	extension::{CONTRIBUTOR_PRIORITY, WORKER_PRIORITY},
	mock::*,
	AuditorReputation, CheckAdmission, Error, Event, FaultReason, JobReceipts, Jobs, LiveJobs,
	Outcome, Pending, Phase, RefundReason, ReplicaState, Results, WorkerJobs,
};
use codec::Encode;
use declai_primitives::{
	economics::credits_earned,
	poi::{self, JobId, Timings},
	Balance, CRED,
};
use frame_support::{assert_noop, assert_ok, dispatch::DispatchInfo};
use pallet_workers::{AttestationSignature, Fault};
use sp_core::{Pair, H256};
use sp_runtime::{
	traits::DispatchTransaction,
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	FixedU128,
};

/// The price of one job now (α = 1 at genesis): the model cost in credits.
pub(crate) const PRICE: Balance = COST;

pub(crate) fn request(who: AccountId, model: u32) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	let input = if model == DIGITS { DIGITS_INPUT.to_vec() } else { b"hello world".to_vec() };
	// α may have risen above 1 with the load of earlier jobs: allow up to its ceiling.
	assert_ok!(Inference::request(RuntimeOrigin::signed(who), model, input, 2 * PRICE, None));
	// Jobs are assigned from the next block on (randomness produced after the request).
	next_block();
	id
}

/// Requests in the current block, without advancing (the job is assigned from the next block).
pub(crate) fn request_now(who: AccountId, model: u32) -> JobId {
	let id = crate::NextJobId::<Test>::get();
	let input = if model == DIGITS { DIGITS_INPUT.to_vec() } else { b"hello world".to_vec() };
	assert_ok!(Inference::request(RuntimeOrigin::signed(who), model, input, 2 * PRICE, None));
	id
}

pub(crate) fn phase(job: JobId) -> Phase {
	Jobs::<Test>::get(job).unwrap().phase
}

pub(crate) fn state_of(job: JobId, worker: AccountId) -> ReplicaState {
	Jobs::<Test>::get(job).unwrap().replicas.iter().find(|r| r.worker == worker).unwrap().state
}

pub(crate) fn minted_to(who: AccountId) -> Balance {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Credits(pallet_credits::Event::Minted { who: w, amount, .. })
				if w == who =>
			{
				Some(amount)
			}
			_ => None,
		})
		.sum()
}

pub(crate) fn bond(who: AccountId) -> Balance {
	Workers::worker(&who).unwrap().bond
}

/// Every assigned worker commits and reveals honestly; returns the works.
pub(crate) fn serve_honestly(job: JobId) -> Vec<(AccountId, Work)> {
	let model = Jobs::<Test>::get(job).unwrap().model;
	let input = crate::Inputs::<Test>::get(job).unwrap().into_inner();
	let works: Vec<_> = assigned(job)
		.into_iter()
		.enumerate()
		.map(|(i, w)| (w, honest_work(model, &input, i as u8)))
		.collect();
	for (w, work) in &works {
		assert_ok!(commit(job, *w, work));
	}
	next_block();
	for (w, work) in &works {
		assert_ok!(reveal(job, *w, work));
	}
	works
}

/// Makes every worker trusted (CV = `cv`).
pub(crate) fn trust_all(cv: u32) {
	for w in WORKERS {
		for _ in 0..cv {
			Workers::record_valid(&w, 0, 0);
		}
	}
}

/// Sets every worker's consecutive-valid count (keeps trusted workers at a fixed audit rate).
pub(crate) fn set_cv(cv: u32) {
	for w in WORKERS {
		pallet_workers::Workers::<Test>::mutate(w, |r| r.as_mut().unwrap().consecutive_valid = cv);
	}
}

/// Every auditor votes `scores` on `job`.
pub(crate) fn all_auditors_vote(job: JobId, scores: Vec<u8>) {
	for a in AUDITORS {
		assert_ok!(Inference::audit(RuntimeOrigin::signed(a), job, scores.clone()));
	}
}

/// The challenge answer of `worker` on `job` for `work`'s trace.
pub(crate) fn opening(job: JobId, worker: AccountId, work: &Work) -> poi::LayerOpening {
	let j = Jobs::<Test>::get(job).unwrap();
	let randomness = frame_system::BlockHash::<Test>::get(j.commits_closed.unwrap());
	let seed = poi::challenge_seed(&randomness.0, job, &worker.encode());
	let (layers, rows) = toy_model();
	let layer = poi::challenged_layer(&seed, layers.len());
	poi::open_layer(&layers, &rows, work.trace.as_ref().unwrap(), layer).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

#[test]
fn request_escrows_the_price_and_replicates_new_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let before = Credits::spendable(&CONSUMER);
		let job = request(CONSUMER, DIGITS);
		assert_eq!(Credits::spendable(&CONSUMER), before - PRICE);
		assert_eq!(escrow_held(CONSUMER), PRICE);
		let j = Jobs::<Test>::get(job).unwrap();
		assert_eq!(
			(j.phase, j.attempts, j.lone, j.deadline),
			(Phase::Committing, 1, false, 2 + WINDOW)
		);
		// New workers (CV 0) are always replicated.
		assert_eq!(j.replicas.len(), 2);
		assert_ne!(j.replicas[0].worker, j.replicas[1].worker);
		assert!(j.replicas.iter().all(|r| r.worker != CONSUMER));
		for w in assigned(job) {
			assert_eq!(WorkerJobs::<Test>::get(w).into_inner(), vec![job]);
			assert_eq!(Workers::worker(&w).unwrap().active_jobs, 1);
		}
		assert_eq!(LiveJobs::<Test>::get(), 1);
		assert!(inference_events()
			.iter()
			.any(|e| matches!(e, Event::JobRequested { price: PRICE, .. })));
	});
}

#[test]
fn honest_replicated_job_is_served_burns_the_escrow_and_the_replicas_share_one_payment() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = pallet_credits::TotalIssuance::<Test>::get();
		let job = request(CONSUMER, DIGITS);
		let workers = assigned(job);
		let works = serve_honestly(job);
		// Agreeing replicas may be spot checked: answer it honestly.
		for (w, work) in &works {
			if phase(job) == Phase::Challenged && state_of(job, *w) == ReplicaState::Challenged {
				assert_ok!(Inference::respond(
					RuntimeOrigin::signed(*w),
					job,
					opening(job, *w, work)
				));
			}
		}
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!(Results::<Test>::get(job).unwrap().into_inner(), works[0].1.output);
		// Each paid T × η × α / β with T = its half of the reference cost and η = α = β = 1.
		let expected = credits_earned(
			COST / 2,
			FixedU128::from_u32(1),
			FixedU128::from_u32(1),
			FixedU128::from_u32(1),
		)
		.unwrap();
		for w in &workers {
			assert_eq!(minted_to(*w), expected);
			let rec = Workers::worker(w).unwrap();
			assert_eq!((rec.consecutive_valid, rec.active_jobs), (1, 0));
		}
		assert_eq!(JobReceipts::<Test>::get(job).len(), 2);
		// Escrow burned, one payment minted in two shares: no credit created.
		assert_eq!(2 * expected, PRICE);
		assert_eq!(pallet_credits::TotalIssuance::<Test>::get(), issuance - PRICE + 2 * expected);
		let view = Inference::job_view(job).unwrap();
		assert_eq!(view.result, Some(works[0].1.output.clone()));
		assert_eq!(view.receipts.len(), 2);
		assert_eq!(LiveJobs::<Test>::get(), 0);
		assert!(crate::Inputs::<Test>::get(job).is_none());
	});
}

#[test]
fn a_worker_whose_class_is_unconfirmed_is_paid_the_eta_floor() {
	ExtBuilder::default().build_and_execute(|| {
		for w in WORKERS {
			pallet_workers::Confirmed::<Test>::remove(w);
		}
		let job = request(CONSUMER, DIGITS);
		let workers = assigned(job);
		finish_honestly(job);
		let expected = credits_earned(
			COST / 2,
			FixedU128::from_rational(1, 2),
			FixedU128::from_u32(1),
			FixedU128::from_u32(1),
		)
		.unwrap();
		for w in &workers {
			assert_eq!(minted_to(*w), expected);
		}
		for id in JobReceipts::<Test>::get(job) {
			let r = pallet_economics::Receipts::<Test>::get(id).unwrap();
			assert_eq!((r.class_confirmed, r.eta), (false, FixedU128::from_rational(1, 2)));
		}
	});
}

#[test]
fn float_replicas_agree_within_tolerance() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		let ws = assigned(job);
		let a = honest_work(EMBED, b"", 1);
		// The second replica's GPU rounds differently: 2e-5 relative, inside 1000 ppm.
		let mut b = honest_work(EMBED, b"", 2);
		b.output =
			[0.50001f32, -0.25, 0.125, 0.0625].iter().flat_map(|x| x.to_le_bytes()).collect();
		assert_ok!(commit(job, ws[0], &a));
		assert_ok!(commit(job, ws[1], &b));
		next_block();
		assert_ok!(reveal(job, ws[0], &a));
		assert_ok!(reveal(job, ws[1], &b));
		// They agree; a spot check (a validator audit) may still confirm them.
		if phase(job) == Phase::Auditing {
			all_auditors_vote(job, vec![100, 100]);
		}
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert!(ws.iter().all(|w| minted_to(*w) > 0));
	});
}

#[test]
fn lone_integer_result_is_challenged_and_an_honest_opening_settles() {
	ExtBuilder::default().workers(&[W1]).build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let j = Jobs::<Test>::get(job).unwrap();
		assert!(j.lone);
		assert_eq!(assigned(job), vec![W1]);
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		assert_ok!(commit(job, W1, &work));
		// Reveals wait for a block after the commitments closed (its hash seeds the challenge).
		assert_noop!(reveal(job, W1, &work), Error::<Test>::RevealTooEarly);
		next_block();
		assert_ok!(reveal(job, W1, &work));
		assert_eq!(phase(job), Phase::Challenged);
		assert_eq!(state_of(job, W1), ReplicaState::Challenged);
		assert!(inference_events()
			.iter()
			.any(|e| matches!(e, Event::Challenged { worker: W1, .. })));
		assert_ok!(Inference::respond(RuntimeOrigin::signed(W1), job, opening(job, W1, &work)));
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert!(minted_to(W1) > 0);
	});
}

#[test]
fn trusted_workers_work_alone_and_are_challenged_at_about_one_over_cv() {
	ExtBuilder::default().build_and_execute(|| {
		// CV = 10: audited with probability 1/10.
		trust_all(10);
		let (mut challenged, mut total) = (0, 0);
		for _ in 0..40 {
			let job = request(CONSUMER, DIGITS);
			let ws = assigned(job);
			assert_eq!(ws.len(), 1, "a trusted worker is not replicated");
			let work = honest_work(DIGITS, &DIGITS_INPUT, 3);
			assert_ok!(commit(job, ws[0], &work));
			next_block();
			assert_ok!(reveal(job, ws[0], &work));
			total += 1;
			if phase(job) == Phase::Challenged {
				challenged += 1;
				assert_ok!(Inference::respond(
					RuntimeOrigin::signed(ws[0]),
					job,
					opening(job, ws[0], &work)
				));
			}
			assert_eq!(phase(job), Phase::Done(Outcome::Served));
			// Keep the workers at CV ≈ 10 and the consumer within its rate limit.
			set_cv(10);
			run_to_block(System::block_number() + 10);
		}
		// Deterministic for these block hashes; 1/10 of 40 is 4.
		assert!((1..=12).contains(&challenged), "{challenged} of {total} challenged");
	});
}

#[test]
fn queue_assigns_contributors_first_and_times_out() {
	ExtBuilder::default().workers(&[W1, W2]).build_and_execute(|| {
		// Trusted workers take integer jobs alone: 2 workers × 2 slots.
		trust_all(10);
		Workers::add_contribution(&W3, COST);
		for _ in 0..4 {
			request_now(W3, DIGITS);
		}
		next_block();
		assert!(Pending::<Test>::get().is_empty());
		// A free-rider's job and then a contributor's wait; the contributor's goes first.
		let free = request_now(CONSUMER, DIGITS);
		Workers::add_contribution(&W4, 2 * COST);
		let contrib = request_now(W4, DIGITS);
		next_block();
		assert_eq!(phase(free), Phase::Queued);
		assert_eq!(
			Pending::<Test>::get().iter().map(|(_, id, _)| *id).collect::<Vec<_>>(),
			vec![contrib, free]
		);
		finish_honestly(0);
		next_block();
		assert_eq!(phase(contrib), Phase::Committing);
		assert_eq!(phase(free), Phase::Queued);
		// Nobody serves the other jobs; the free-rider's job times out or is served late, but
		// it always ends.
		run_to_block(100);
		assert!(matches!(phase(free), Phase::Done(_)));
	});
}

/// Serves a job honestly, answering challenges (a lone result's, or a spot check's) and, when
/// the validators audit it (a spot check of float replicas), confirming every replica.
pub(crate) fn finish_honestly(job: JobId) {
	let works = serve_honestly(job);
	for (w, work) in works {
		if Jobs::<Test>::get(job).unwrap().phase == Phase::Challenged
			&& state_of(job, w) == ReplicaState::Challenged
		{
			assert_ok!(Inference::respond(RuntimeOrigin::signed(w), job, opening(job, w, &work)));
		}
	}
	if phase(job) == Phase::Auditing {
		let replicas = Jobs::<Test>::get(job).unwrap().replicas.len();
		all_auditors_vote(job, vec![100; replicas]);
	}
	assert_eq!(phase(job), Phase::Done(Outcome::Served));
}

#[test]
fn a_consumer_cancels_a_queued_job() {
	ExtBuilder::default().workers(&[]).build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		assert_eq!(phase(job), Phase::Queued);
		assert_noop!(
			Inference::cancel(RuntimeOrigin::signed(W1), job),
			Error::<Test>::CannotCancel
		);
		assert_ok!(Inference::cancel(RuntimeOrigin::signed(CONSUMER), job));
		assert_eq!(phase(job), Phase::Done(Outcome::Refunded));
		assert_eq!(escrow_held(CONSUMER), 0);
		assert!(Pending::<Test>::get().is_empty());
		assert_noop!(
			Inference::cancel(RuntimeOrigin::signed(CONSUMER), job),
			Error::<Test>::CannotCancel
		);
	});
}

#[test]
fn nobody_free_until_the_queue_timeout_refunds() {
	ExtBuilder::default().workers(&[]).build_and_execute(|| {
		let before = Credits::spendable(&CONSUMER);
		let job = request(CONSUMER, EMBED);
		run_to_block(1 + QUEUE_TIMEOUT);
		assert_eq!(phase(job), Phase::Done(Outcome::Refunded));
		assert_eq!(Credits::spendable(&CONSUMER), before);
		assert!(inference_events()
			.contains(&Event::JobRefunded { job, reason: RefundReason::QueueTimeout }));
	});
}

// ---------------------------------------------------------------------------------------------
// Adversarial cases
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_output_loses_the_audit_and_is_slashed_while_the_honest_replica_is_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let (honest, cheat) = (ws[0], ws[1]);
		let good = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let mut bad = honest_work(DIGITS, &DIGITS_INPUT, 2);
		bad.output = poi::encode_i32s(&[1, 2]);
		assert_ok!(commit(job, honest, &good));
		assert_ok!(commit(job, cheat, &bad));
		next_block();
		assert_ok!(reveal(job, honest, &good));
		assert_ok!(reveal(job, cheat, &bad));
		assert_eq!(phase(job), Phase::Auditing);
		all_auditors_vote(job, vec![100, 0]);
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(Results::<Test>::get(job).unwrap().into_inner(), good.output);
		assert!(minted_to(honest) > 0);
		assert_eq!(minted_to(cheat), 0);
		assert_eq!(bond(cheat), 9 * CRED);
		assert_eq!(Workers::worker(&cheat).unwrap().consecutive_valid, 0);
		assert_eq!(state_of(job, cheat), ReplicaState::Faulted(Fault::Invalid));
		assert!(inference_events().iter().any(|e| matches!(
			e,
			Event::ReplicaFaulted { worker, reason: FaultReason::AuditedWrong, slashed, .. }
				if *worker == cheat && *slashed == CRED
		)));
	});
}

#[test]
fn a_dishonest_auditor_is_outvoted_and_loses_audit_reputation() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let good = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let mut bad = honest_work(DIGITS, &DIGITS_INPUT, 2);
		bad.output = poi::encode_i32s(&[9, 9]);
		assert_ok!(commit(job, ws[0], &good));
		assert_ok!(commit(job, ws[1], &bad));
		next_block();
		assert_ok!(reveal(job, ws[0], &good));
		assert_ok!(reveal(job, ws[1], &bad));
		assert_ok!(Inference::audit(RuntimeOrigin::signed(AUDITORS[0]), job, vec![100, 0]));
		// The colluder backs the cheat.
		assert_ok!(Inference::audit(RuntimeOrigin::signed(AUDITORS[2]), job, vec![0, 100]));
		assert_ok!(Inference::audit(RuntimeOrigin::signed(AUDITORS[1]), job, vec![100, 0]));
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(ws[1]), 0);
		assert_eq!(AuditorReputation::<Test>::get(AUDITORS[2]), 250_000);
		assert_eq!(AuditorReputation::<Test>::get(AUDITORS[0]), 525_000);
		// Verified work for the consensus: the paid worker and the auditors who agreed, one
		// model cost each; nothing for the cheat and its colluder.
		let cost = crate::Models::<Test>::get(DIGITS).unwrap().cost;
		assert!(cost > 0);
		assert_eq!(
			[ws[0], ws[1], AUDITORS[0], AUDITORS[1], AUDITORS[2]].map(work_of),
			[cost, 0, cost, cost, 0]
		);
	});
}

#[test]
fn an_audit_without_votes_reassigns_and_then_refunds_without_punishing() {
	ExtBuilder::default().workers(&[W1, W2]).build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		let ws = assigned(job);
		let a = honest_work(EMBED, b"", 1);
		let mut b = honest_work(EMBED, b"", 2);
		b.output = [9.0f32, 9.0, 9.0, 9.0].iter().flat_map(|x| x.to_le_bytes()).collect();
		assert_ok!(commit(job, ws[0], &a));
		assert_ok!(commit(job, ws[1], &b));
		next_block();
		assert_ok!(reveal(job, ws[0], &a));
		assert_ok!(reveal(job, ws[1], &b));
		assert_eq!(phase(job), Phase::Auditing);
		let bonds = (bond(W1), bond(W2));
		run_to_block(System::block_number() + WINDOW);
		// Both workers are excluded from the second attempt and nobody else serves the model.
		assert_eq!(phase(job), Phase::Done(Outcome::Refunded));
		assert_eq!(escrow_held(CONSUMER), 0);
		assert_eq!((bond(W1), bond(W2)), bonds);
		assert_eq!(minted_to(W1) + minted_to(W2), 0);
	});
}

#[test]
fn forged_and_replayed_attestations_are_rejected_and_the_silent_worker_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let (c, _) = attest(job, ws[0], &work, plausible());
		// Forged: signed by another machine's key.
		let att = poi::Attestation {
			job,
			model_root: crate::Models::<Test>::get(DIGITS).unwrap().weights_root.0,
			input_hash: Jobs::<Test>::get(job).unwrap().input_hash.0,
			commit: c.0,
			timings: plausible(),
		};
		let forged = AttestationSignature::Sr25519(pair(99).sign(&att.signing_payload()));
		assert_noop!(
			Inference::commit(RuntimeOrigin::signed(ws[0]), job, c, plausible(), forged),
			Error::<Test>::BadAttestation
		);
		// Replayed: a valid signature of this worker over another job's attestation.
		let replayed = AttestationSignature::Sr25519(
			pair(ws[0]).sign(&poi::Attestation { job: job + 1, ..att.clone() }.signing_payload()),
		);
		assert_noop!(
			Inference::commit(RuntimeOrigin::signed(ws[0]), job, c, plausible(), replayed),
			Error::<Test>::BadAttestation
		);
		// Signed with other timings than reported.
		let (_, sig) = attest(job, ws[0], &work, plausible());
		assert_noop!(
			Inference::commit(
				RuntimeOrigin::signed(ws[0]),
				job,
				c,
				Timings { exec_micros: 1 },
				sig
			),
			Error::<Test>::BadAttestation
		);
		// The other replica is honest; the forger never gets a commit in and misses the deadline.
		let other = honest_work(DIGITS, &DIGITS_INPUT, 2);
		assert_ok!(commit(job, ws[1], &other));
		run_to_block(2 + WINDOW);
		assert_eq!(state_of(job, ws[0]), ReplicaState::Faulted(Fault::Missed));
		assert_eq!(bond(ws[0]), 10 * CRED - CRED / 10);
		assert_eq!(phase(job), Phase::Revealing);
		next_block();
		assert_ok!(reveal(job, ws[1], &other));
		// One replica left of a replicated integer job: challenged.
		assert_eq!(phase(job), Phase::Challenged);
		assert_ok!(Inference::respond(
			RuntimeOrigin::signed(ws[1]),
			job,
			opening(job, ws[1], &other)
		));
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(ws[0]), 0);
	});
}

#[test]
fn a_commit_copied_from_another_worker_cannot_be_revealed() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let (honest, copier) = (ws[0], ws[1]);
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let (c, sig) = attest(job, honest, &work, plausible());
		assert_ok!(Inference::commit(RuntimeOrigin::signed(honest), job, c, plausible(), sig));
		// The copier signs the honest worker's commitment with its own key.
		let att = poi::Attestation {
			job,
			model_root: crate::Models::<Test>::get(DIGITS).unwrap().weights_root.0,
			input_hash: Jobs::<Test>::get(job).unwrap().input_hash.0,
			commit: c.0,
			timings: plausible(),
		};
		let own = AttestationSignature::Sr25519(pair(copier).sign(&att.signing_payload()));
		assert_ok!(Inference::commit(RuntimeOrigin::signed(copier), job, c, plausible(), own));
		next_block();
		assert_ok!(reveal(job, honest, &work));
		// ... and replays the honest reveal: the commitment binds the worker, so it mismatches.
		assert_ok!(reveal(job, copier, &work));
		assert_eq!(state_of(job, copier), ReplicaState::Faulted(Fault::Invalid));
		assert_eq!(bond(copier), 9 * CRED);
		assert_eq!(phase(job), Phase::Challenged);
		assert_ok!(Inference::respond(
			RuntimeOrigin::signed(honest),
			job,
			opening(job, honest, &work)
		));
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(copier), 0);
		assert!(minted_to(honest) > 0);
	});
}

#[test]
fn a_reveal_not_matching_the_commit_is_faulted() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		let ws = assigned(job);
		let a = honest_work(EMBED, b"", 1);
		let b = honest_work(EMBED, b"", 2);
		assert_ok!(commit(job, ws[0], &a));
		assert_ok!(commit(job, ws[1], &b));
		next_block();
		assert_ok!(reveal(job, ws[0], &a));
		let mut other = b.clone();
		other.salt = [77; 32];
		assert_ok!(reveal(job, ws[1], &other));
		assert!(inference_events().iter().any(|e| matches!(
			e,
			Event::ReplicaFaulted { reason: FaultReason::RevealMismatch, slashed, .. } if *slashed == CRED
		)));
		// The lone float result left needs a second opinion: audit, and the validators accept it.
		assert_eq!(phase(job), Phase::Auditing);
		all_auditors_vote(job, vec![100, 0]);
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(ws[1]), 0);
	});
}

#[test]
fn a_missing_reveal_costs_as_much_as_a_wrong_result() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let a = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let b = honest_work(DIGITS, &DIGITS_INPUT, 2);
		assert_ok!(commit(job, ws[0], &a));
		assert_ok!(commit(job, ws[1], &b));
		next_block();
		assert_ok!(reveal(job, ws[0], &a));
		run_to_block(1 + WINDOW + 1);
		// Committing and then withholding the reveal is how a cheater would abort a losing round.
		assert_eq!(state_of(job, ws[1]), ReplicaState::Faulted(Fault::Invalid));
		assert_eq!(Workers::worker(&ws[1]).unwrap().invalid, 1);
		assert_eq!(bond(ws[1]), 9 * CRED);
		assert_eq!(phase(job), Phase::Challenged);
		// A late reveal is refused.
		assert_noop!(reveal(job, ws[1], &b), Error::<Test>::WrongPhase);
		assert_ok!(Inference::respond(RuntimeOrigin::signed(ws[0]), job, opening(job, ws[0], &a)));
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(ws[1]), 0);
	});
}

#[test]
fn no_commits_at_all_reassign_to_other_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		let first = assigned(job);
		run_to_block(2 + WINDOW);
		let j = Jobs::<Test>::get(job).unwrap();
		assert_eq!((j.phase, j.attempts), (Phase::Committing, 2));
		let second = assigned(job);
		assert!(second.iter().all(|w| !first.contains(w)));
		for w in &first {
			assert_eq!(Workers::worker(w).unwrap().missed, 1);
			assert_eq!(Workers::worker(w).unwrap().active_jobs, 0);
		}
		finish_honestly(job);
		assert!(first.iter().all(|w| minted_to(*w) == 0));
	});
}

#[test]
fn a_failed_challenge_is_slashed_and_the_job_refunded_when_nobody_else_can_serve() {
	ExtBuilder::default().workers(&[W1]).build_and_execute(|| {
		let before = Credits::spendable(&CONSUMER);
		let job = request(CONSUMER, DIGITS);
		// The cheater runs a cheaper model with other weights: every layer's check fails.
		let (layers, mut rows) = toy_model();
		for row in rows.iter_mut() {
			row[0] += 1;
		}
		let trace = poi::integer_forward(&layers, &rows, &DIGITS_INPUT).unwrap();
		let work = Work {
			output: poi::encode_i32s(&trace.last().unwrap().1),
			salt: [5; 32],
			trace: Some(trace.clone()),
		};
		assert_ok!(commit(job, W1, &work));
		next_block();
		assert_ok!(reveal(job, W1, &work));
		assert_eq!(phase(job), Phase::Challenged);
		let j = Jobs::<Test>::get(job).unwrap();
		let randomness = frame_system::BlockHash::<Test>::get(j.commits_closed.unwrap());
		let seed = poi::challenge_seed(&randomness.0, job, &W1.encode());
		let layer = poi::challenged_layer(&seed, layers.len());
		let answer = poi::open_layer(&layers, &rows, &trace, layer).unwrap();
		assert_ok!(Inference::respond(RuntimeOrigin::signed(W1), job, answer));
		assert_eq!(state_of(job, W1), ReplicaState::Faulted(Fault::Invalid));
		assert_eq!(bond(W1), 9 * CRED);
		assert_eq!(phase(job), Phase::Done(Outcome::Refunded));
		assert_eq!(Credits::spendable(&CONSUMER), before);
		assert_eq!(minted_to(W1), 0);
	});
}

#[test]
fn an_unanswered_challenge_counts_as_failed() {
	ExtBuilder::default().workers(&[W1]).build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		assert_ok!(commit(job, W1, &work));
		next_block();
		assert_ok!(reveal(job, W1, &work));
		run_to_block(System::block_number() + WINDOW);
		assert!(inference_events()
			.iter()
			.any(|e| matches!(e, Event::ReplicaFaulted { reason: FaultReason::NoResponse, .. })));
		assert_eq!(bond(W1), 9 * CRED);
		assert_eq!(phase(job), Phase::Done(Outcome::Refunded));
		assert_eq!(minted_to(W1), 0);
	});
}

#[test]
fn implausible_timings_fault_the_replica() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, EMBED);
		let ws = assigned(job);
		let work = honest_work(EMBED, b"", 1);
		// 36 s of reference work reported as 1 ms: precomputed or forged.
		let fast = Timings { exec_micros: 1_000 };
		let (c, sig) = attest(job, ws[0], &work, fast);
		assert_ok!(Inference::commit(RuntimeOrigin::signed(ws[0]), job, c, fast, sig));
		// 20 minutes: not an A100.
		let slow = Timings { exec_micros: 1_200_000_000 };
		let (c, sig) = attest(job, ws[1], &work, slow);
		assert_ok!(Inference::commit(RuntimeOrigin::signed(ws[1]), job, c, slow, sig));
		for w in &ws {
			assert_eq!(Workers::worker(w).unwrap().invalid, 1);
			assert_eq!(bond(*w), 9 * CRED);
		}
		assert_eq!(
			inference_events()
				.iter()
				.filter(|e| matches!(
					e,
					Event::ReplicaFaulted { reason: FaultReason::ImplausibleTiming, .. }
				))
				.count(),
			2
		);
		// Nobody left to reveal: the job goes to two other workers.
		let j = Jobs::<Test>::get(job).unwrap();
		assert_eq!((j.phase, j.attempts), (Phase::Committing, 2));
		finish_honestly(job);
		assert!(ws.iter().all(|w| minted_to(*w) == 0));
	});
}

#[test]
fn a_cap_breaking_mint_is_withheld_and_recorded_while_the_consumer_is_served() {
	ExtBuilder::default().build_and_execute(|| {
		// Everyone sits at the concentration cap: no worker may own more.
		assert_ok!(Credits::set_bootstrap_cap(RuntimeOrigin::root(), 100 * CRED));
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		finish_honestly(job);
		for w in ws {
			assert_eq!(minted_to(w), 0);
		}
		let receipts: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Economics(pallet_economics::Event::WorkSettled {
					receipt, ..
				}) => Some(receipt),
				_ => None,
			})
			.collect();
		assert_eq!(receipts.len(), 2);
		for r in receipts {
			assert_eq!(r.minted, 0);
			assert_eq!(r.withheld, r.earned);
			assert_eq!(r.reason, Some(declai_primitives::WithholdReason::ConcentrationCap));
		}
		assert_eq!(escrow_held(CONSUMER), 0);
	});
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn request_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let req = |who, model, input: &[u8], max| {
			Inference::request(RuntimeOrigin::signed(who), model, input.to_vec(), max, None)
		};
		assert_noop!(req(CONSUMER, 9, b"x", PRICE), Error::<Test>::UnknownModel);
		assert_noop!(req(CONSUMER, DIGITS, b"short", PRICE), Error::<Test>::BadInput);
		assert_noop!(req(CONSUMER, EMBED, b"", PRICE), Error::<Test>::BadInput);
		assert_noop!(req(CONSUMER, EMBED, &[0u8; 65], PRICE), Error::<Test>::BadInput);
		assert_noop!(req(CONSUMER, EMBED, &[b'a', 0xff, b'b'], PRICE), Error::<Test>::InputNotText);
		assert_noop!(req(CONSUMER, PREMIUM, b"x", PRICE), Error::<Test>::PremiumForContributors);
		assert_noop!(req(CONSUMER, EMBED, b"x", PRICE - 1), Error::<Test>::PriceAboveLimit);
		assert_noop!(
			req(POOR, EMBED, b"x", PRICE),
			pallet_credits::Error::<Test>::InsufficientCredits
		);
		assert_ok!(Inference::set_model_active(RuntimeOrigin::root(), EMBED, false));
		assert_noop!(req(CONSUMER, EMBED, b"x", PRICE), Error::<Test>::ModelRetired);
		assert_ok!(Inference::set_model_active(RuntimeOrigin::root(), EMBED, true));
		// Free-riders: 3 requests per 10-block window.
		for _ in 0..3 {
			assert_ok!(req(CONSUMER, EMBED, b"x", PRICE));
		}
		assert_noop!(req(CONSUMER, EMBED, b"x", PRICE), Error::<Test>::RateLimited);
		// A contributor may use premium models and has a higher limit.
		Workers::add_contribution(&W1, COST);
		assert_ok!(req(W1, PREMIUM, b"x", PRICE));
		for _ in 0..3 {
			assert_ok!(req(W1, EMBED, b"x", PRICE));
		}
		// Fill the live-job bound (16).
		for w in [W2, W3] {
			Workers::add_contribution(&w, COST);
		}
		let mut who = [W2, W3].into_iter().cycle();
		while LiveJobs::<Test>::get() < 16 {
			assert_ok!(req(who.next().unwrap(), EMBED, b"x", PRICE));
		}
		assert_noop!(req(W2, EMBED, b"x", PRICE), Error::<Test>::QueueFull);
	});
}

#[test]
fn protocol_call_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		assert_noop!(
			Inference::commit(
				RuntimeOrigin::signed(W1),
				7,
				H256::zero(),
				plausible(),
				AttestationSignature::Sr25519(pair(W1).sign(b"x"))
			),
			Error::<Test>::UnknownJob
		);
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let outsider = WORKERS.iter().copied().find(|w| !ws.contains(w)).unwrap();
		let (c, sig) = attest(job, ws[0], &work, plausible());
		assert_noop!(
			Inference::commit(RuntimeOrigin::signed(outsider), job, c, plausible(), sig.clone()),
			Error::<Test>::NotAssigned
		);
		assert_noop!(reveal(job, ws[0], &work), Error::<Test>::WrongPhase);
		assert_noop!(
			Inference::respond(RuntimeOrigin::signed(ws[0]), job, Default::default()),
			Error::<Test>::WrongPhase
		);
		assert_noop!(
			Inference::audit(RuntimeOrigin::signed(AUDITORS[0]), job, vec![0, 0]),
			Error::<Test>::WrongPhase
		);
		assert_ok!(Inference::commit(
			RuntimeOrigin::signed(ws[0]),
			job,
			c,
			plausible(),
			sig.clone()
		));
		assert_noop!(
			Inference::commit(RuntimeOrigin::signed(ws[0]), job, c, plausible(), sig),
			Error::<Test>::AlreadySubmitted
		);
		let other = honest_work(DIGITS, &DIGITS_INPUT, 2);
		assert_ok!(commit(job, ws[1], &other));
		assert_noop!(commit(job, ws[1], &other), Error::<Test>::WrongPhase);
		next_block();
		let mut long = work.clone();
		long.output = vec![0; 9];
		assert_noop!(reveal(job, ws[0], &long), Error::<Test>::OutputTooLong);
		assert_noop!(reveal(job, outsider, &work), Error::<Test>::NotAssigned);
		assert_ok!(reveal(job, ws[0], &work));
		assert_noop!(reveal(job, ws[0], &work), Error::<Test>::AlreadySubmitted);
		let mut bad = other.clone();
		bad.output = poi::encode_i32s(&[0, 0]);
		// ws[1] reveals a different output (with a matching new commitment it never made): faulted.
		assert_ok!(reveal(job, ws[1], &bad));
		assert_eq!(phase(job), Phase::Challenged);
		assert_noop!(
			Inference::respond(RuntimeOrigin::signed(ws[1]), job, Default::default()),
			Error::<Test>::AlreadySubmitted
		);
	});
}

#[test]
fn audit_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let job = request(CONSUMER, DIGITS);
		let ws = assigned(job);
		let good = honest_work(DIGITS, &DIGITS_INPUT, 1);
		let mut bad = honest_work(DIGITS, &DIGITS_INPUT, 2);
		bad.output = poi::encode_i32s(&[3, 3]);
		assert_ok!(commit(job, ws[0], &good));
		assert_ok!(commit(job, ws[1], &bad));
		next_block();
		assert_ok!(reveal(job, ws[0], &good));
		assert_ok!(reveal(job, ws[1], &bad));
		let vote = |who, scores: Vec<u8>| Inference::audit(RuntimeOrigin::signed(who), job, scores);
		assert_noop!(vote(W1, vec![100, 0]), Error::<Test>::NotAuditor);
		assert_noop!(vote(AUDITORS[0], vec![100]), Error::<Test>::BadScores);
		assert_noop!(vote(AUDITORS[0], vec![101, 0]), Error::<Test>::BadScores);
		assert_noop!(
			Inference::audit(RuntimeOrigin::signed(AUDITORS[0]), 99, vec![]),
			Error::<Test>::UnknownJob
		);
		assert_ok!(vote(AUDITORS[0], vec![100, 0]));
		assert_noop!(vote(AUDITORS[0], vec![100, 0]), Error::<Test>::AlreadySubmitted);
		// The rest of the auditors never vote: the deadline resolves with the votes in.
		run_to_block(System::block_number() + WINDOW);
		assert_eq!(phase(job), Phase::Done(Outcome::Served));
		assert_eq!(minted_to(ws[1]), 0);
	});
}

#[test]
fn governance_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let reg = |spec| Inference::register_model(RuntimeOrigin::root(), spec);
		assert_noop!(
			Inference::register_model(RuntimeOrigin::signed(CONSUMER), digits_spec()),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(
			reg(crate::ModelSpec { name: vec![], ..digits_spec() }),
			Error::<Test>::BadName
		);
		assert_noop!(
			reg(crate::ModelSpec { name: vec![b'x'; 33], ..digits_spec() }),
			Error::<Test>::BadName
		);
		assert_noop!(reg(crate::ModelSpec { cost: 0, ..digits_spec() }), Error::<Test>::ZeroCost);
		assert_noop!(
			reg(crate::ModelSpec { max_input: 0, ..float_spec(false) }),
			Error::<Test>::BadBounds
		);
		assert_noop!(
			reg(crate::ModelSpec { max_output: 257, ..float_spec(false) }),
			Error::<Test>::BadBounds
		);
		assert_noop!(
			reg(crate::ModelSpec { max_input: 7, ..digits_spec() }),
			Error::<Test>::BadLayers
		);
		assert_noop!(
			reg(crate::ModelSpec { max_output: 12, ..digits_spec() }),
			Error::<Test>::BadLayers
		);
		assert_noop!(
			reg(crate::ModelSpec { layers: vec![], ..digits_spec() }),
			Error::<Test>::BadLayers
		);
		assert_noop!(
			reg(crate::ModelSpec { layers: digits_spec().layers, ..float_spec(false) }),
			Error::<Test>::BadLayers
		);
		assert_noop!(
			reg(crate::ModelSpec {
				tier: poi::VerificationTier::FloatTolerance { max_error_ppm: 1_000_001 },
				..float_spec(false)
			}),
			Error::<Test>::BadLayers
		);
		assert_noop!(
			Inference::set_model_active(RuntimeOrigin::root(), 9, false),
			Error::<Test>::UnknownModel
		);
		assert_noop!(
			Inference::set_auditors(RuntimeOrigin::root(), vec![1, 2, 3, 4, 5]),
			Error::<Test>::TooManyAuditors
		);
		assert_ok!(Inference::set_auditors(RuntimeOrigin::root(), vec![W1]));
		assert_eq!(crate::Auditors::<Test>::get().into_inner(), vec![W1]);
		// A retired model takes no new workers either.
		assert_ok!(Inference::set_model_active(RuntimeOrigin::root(), EMBED, false));
		assert_noop!(
			Workers::update(RuntimeOrigin::signed(W1), 1, vec![EMBED]),
			pallet_workers::Error::<Test>::UnknownModel
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Admission control
// ---------------------------------------------------------------------------------------------

fn validate(who: AccountId, call: RuntimeCall) -> Result<u64, TransactionValidityError> {
	let info = DispatchInfo::default();
	CheckAdmission::<Test>::new()
		.validate_only(Some(who).into(), &call, &info, 0, TransactionSource::External, 0)
		.map(|(valid, _, _)| valid.priority)
}

fn request_call(model: u32) -> RuntimeCall {
	RuntimeCall::Inference(crate::Call::request {
		model,
		input: b"x".to_vec(),
		max_price: PRICE,
		region: None,
	})
}

#[test]
fn admission_puts_contributors_first_and_keeps_spam_out_of_the_pool() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(validate(CONSUMER, request_call(EMBED)), Ok(0));
		Workers::add_contribution(&W1, 5 * COST);
		let p = validate(W1, request_call(EMBED)).unwrap();
		assert_eq!(p, CONTRIBUTOR_PRIORITY + 50);
		// Free-riders: no premium models.
		assert_eq!(
			validate(CONSUMER, request_call(PREMIUM)),
			Err(InvalidTransaction::Custom(crate::tests::error_index(
				Error::<Test>::PremiumForContributors
			))
			.into())
		);
		assert!(validate(CONSUMER, request_call(9)).is_err());
		// Bytes that are not text, for an embedder: no worker could run them.
		let not_text = RuntimeCall::Inference(crate::Call::request {
			model: EMBED,
			input: vec![0xc3, 0x28],
			max_price: PRICE,
			region: None,
		});
		assert_eq!(
			validate(CONSUMER, not_text),
			Err(InvalidTransaction::Custom(crate::tests::error_index(Error::<Test>::InputNotText))
				.into())
		);
		// Rate limit reached: rejected before reaching a block.
		for _ in 0..3 {
			request(CONSUMER, EMBED);
		}
		assert!(validate(CONSUMER, request_call(EMBED)).is_err());
		// Protocol steps: only the assigned workers, at worker priority.
		let job = 0;
		let ws = assigned(job);
		let outsider = WORKERS.iter().copied().find(|w| !ws.contains(w)).unwrap();
		let work = honest_work(EMBED, b"", 1);
		let (c, sig) = attest(job, ws[0], &work, plausible());
		let commit_call = RuntimeCall::Inference(crate::Call::commit {
			job,
			commit: c,
			timings: plausible(),
			signature: sig,
		});
		assert_eq!(validate(ws[0], commit_call.clone()), Ok(WORKER_PRIORITY));
		assert!(validate(outsider, commit_call).is_err());
		let audit_call = RuntimeCall::Inference(crate::Call::audit { job, scores: vec![] });
		assert!(validate(AUDITORS[0], audit_call.clone()).is_err());
		assert!(validate(W1, audit_call).is_err());
		// Other pallets' calls pass through.
		let other = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		assert_eq!(validate(CONSUMER, other), Ok(0));
	});
}

/// The index of a pallet error (its `InvalidTransaction::Custom` code).
pub fn error_index(e: Error<Test>) -> u8 {
	match sp_runtime::DispatchError::from(e) {
		sp_runtime::DispatchError::Module(m) => m.error[0],
		_ => 0,
	}
}

// ---------------------------------------------------------------------------------------------
// Property: a job always ends and escrow is never stuck
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Behaviour {
	Honest,
	WrongOutput,
	Silent,
	NoReveal,
	BadTiming,
}

fn behaviour() -> impl proptest::strategy::Strategy<Value = Behaviour> {
	use proptest::prelude::*;
	prop_oneof![
		4 => Just(Behaviour::Honest),
		1 => Just(Behaviour::WrongOutput),
		1 => Just(Behaviour::Silent),
		1 => Just(Behaviour::NoReveal),
		1 => Just(Behaviour::BadTiming),
	]
}

proptest::proptest! {
	#![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
	#[test]
	fn every_job_ends_and_escrow_is_conserved(
		jobs in proptest::collection::vec((proptest::bool::ANY, proptest::collection::vec(behaviour(), 4)), 1..6),
		auditors_vote in proptest::bool::ANY,
	) {
		ExtBuilder::default().build_and_execute(|| {
			let start = Credits::spendable(&CONSUMER);
			let mut served_prices = 0;
			let mut ids = Vec::new();
			for (float, behaviours) in &jobs {
				let model = if *float { EMBED } else { DIGITS };
				let input = if *float { b"hello world".to_vec() } else { DIGITS_INPUT.to_vec() };
				let id = crate::NextJobId::<Test>::get();
				if Inference::request(RuntimeOrigin::signed(CONSUMER), model, input.clone(), PRICE, None).is_err() {
					continue;
				}
				ids.push(id);
				let behaviour_of = |worker: AccountId, i: usize| behaviours[(worker as usize + i) % behaviours.len()];
				// Drive the job until it ends, each worker following its behaviour.
				for _round in 0..40 {
					let j = Jobs::<Test>::get(id).unwrap();
					if matches!(j.phase, Phase::Done(_)) {
						break;
					}
					for (i, r) in j.replicas.iter().enumerate() {
						let b = behaviour_of(r.worker, i);
						let mut work = honest_work(model, &input, i as u8);
						if matches!(b, Behaviour::WrongOutput) {
							work.output = if *float {
								[7.0f32; 4].iter().flat_map(|x| x.to_le_bytes()).collect()
							} else {
								poi::encode_i32s(&[r.worker as i32, 1])
							};
						}
						match (j.phase, r.state, b) {
							(_, _, Behaviour::Silent) => {},
							(Phase::Committing, ReplicaState::Assigned, Behaviour::BadTiming) => {
								let t = Timings { exec_micros: 1 };
								let (c, sig) = attest(id, r.worker, &work, t);
								let _ = Inference::commit(RuntimeOrigin::signed(r.worker), id, c, t, sig);
							},
							(Phase::Committing, ReplicaState::Assigned, _) => {
								let _ = commit(id, r.worker, &work);
							},
							(Phase::Revealing, ReplicaState::Committed, b) if !matches!(b, Behaviour::NoReveal) => {
								let _ = reveal(id, r.worker, &work);
							},
							(Phase::Challenged, ReplicaState::Challenged, _) if work.trace.is_some() => {
								let _ = Inference::respond(RuntimeOrigin::signed(r.worker), id, opening(id, r.worker, &work));
							},
							_ => {},
						}
					}
					if auditors_vote && Jobs::<Test>::get(id).unwrap().phase == Phase::Auditing {
						let j = Jobs::<Test>::get(id).unwrap();
						let scores: Vec<u8> = j.replicas.iter().enumerate().map(|(i, r)| {
							if matches!(behaviour_of(r.worker, i), Behaviour::WrongOutput) { 0 } else { 100 }
						}).collect();
						for a in AUDITORS {
							let _ = Inference::audit(RuntimeOrigin::signed(a), id, scores.clone());
						}
					}
					next_block();
				}
				let j = Jobs::<Test>::get(id).unwrap();
				assert!(matches!(j.phase, Phase::Done(_)), "job {id} still {:?}", j.phase);
				if j.phase == Phase::Done(Outcome::Served) {
					served_prices += j.price;
					// Nobody whose replica was faulted was paid for this job.
					let receipts = JobReceipts::<Test>::get(id);
					let faulted: Vec<_> = j.replicas.iter().filter(|r| matches!(r.state, ReplicaState::Faulted(_))).map(|r| r.worker).collect();
					let mut minted = 0;
					for rid in receipts {
						let receipt = pallet_economics::Receipts::<Test>::get(rid).unwrap();
						assert!(!faulted.contains(&receipt.worker));
						minted += receipt.minted;
					}
					// Credits minted for the job never exceed the credits burned for it.
					assert!(minted <= j.price, "job {id}: minted {minted} > burned {}", j.price);
				}
			}
			assert_eq!(LiveJobs::<Test>::get(), 0);
			assert_eq!(escrow_held(CONSUMER), 0);
			assert_eq!(Credits::spendable(&CONSUMER), start - served_prices);
			for w in WORKERS {
				assert_eq!(Workers::worker(&w).unwrap().active_jobs, 0);
				assert!(WorkerJobs::<Test>::get(w).is_empty());
			}
		});
	}
}

#[test]
fn exhausted_ids_missing_randomness_and_the_wrong_check_are_named_errors() {
	ExtBuilder::default().workers(&[W1]).build_and_execute(|| {
		crate::NextModelId::<Test>::put(u32::MAX);
		assert_noop!(
			Inference::register_model(RuntimeOrigin::root(), float_spec(false)),
			Error::<Test>::NoModelIds
		);
		crate::NextJobId::<Test>::put(u64::MAX);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(CONSUMER), EMBED, b"x".to_vec(), PRICE, None),
			Error::<Test>::Overflow
		);
		crate::NextJobId::<Test>::put(0);
		// A lone integer result awaits its layer challenge.
		let job = request(CONSUMER, DIGITS);
		let work = honest_work(DIGITS, &DIGITS_INPUT, 1);
		assert_ok!(commit(job, W1, &work));
		next_block();
		assert_ok!(reveal(job, W1, &work));
		assert_eq!(phase(job), Phase::Challenged);
		// `prove` is for zero-knowledge models.
		assert_noop!(
			Inference::prove(RuntimeOrigin::signed(W1), job, vec![]),
			Error::<Test>::NotZkModel
		);
		// Without the randomness of the block that closed the commitments there is no challenge
		// to answer (the block hash is gone); the deadline then ends the job.
		let answer = opening(job, W1, &work);
		let closed = Jobs::<Test>::get(job).unwrap().commits_closed.unwrap();
		frame_system::BlockHash::<Test>::remove(closed);
		assert_noop!(
			Inference::respond(RuntimeOrigin::signed(W1), job, answer),
			Error::<Test>::NoRandomness
		);
		set_hash(closed);
	});
}

#[test]
fn trusted_float_results_are_audited_after_the_commit_not_at_assignment() {
	ExtBuilder::default().build_and_execute(|| {
		trust_all(10);
		let mut audited = 0;
		for round in 0..30u64 {
			Workers::add_contribution(&W4, COST);
			let job = request(W4, EMBED);
			// Nothing at assignment says whether the result will be checked: always one worker.
			let ws = assigned(job);
			assert_eq!(ws.len(), 1);
			let work = honest_work(EMBED, b"", round as u8);
			assert_ok!(commit(job, ws[0], &work));
			next_block();
			assert_ok!(reveal(job, ws[0], &work));
			if phase(job) == Phase::Auditing {
				audited += 1;
				all_auditors_vote(job, vec![100]);
			}
			assert_eq!(phase(job), Phase::Done(Outcome::Served));
			set_cv(10);
			run_to_block(System::block_number() + 2);
		}
		// 1/10 of 30 is 3; deterministic for these block hashes.
		assert!((1..=10).contains(&audited), "{audited} of 30 audited");
	});
}

#[test]
fn a_saturated_model_does_not_hold_up_the_queue() {
	ExtBuilder::default().workers(&[W1, W2]).build_and_execute(|| {
		trust_all(10);
		assert_ok!(Workers::update(RuntimeOrigin::signed(W1), 276, vec![DIGITS]));
		assert_ok!(Workers::update(RuntimeOrigin::signed(W2), 276, vec![EMBED]));
		for who in [W3, W4] {
			Workers::add_contribution(&who, 10 * COST);
		}
		// Both workers busy (2 slots each).
		let embeds = [request_now(W3, EMBED), request_now(W3, EMBED)];
		request_now(W3, DIGITS);
		request_now(W3, DIGITS);
		// Five digits jobs queue ahead of one embedding job (AssignPerBlock = 4).
		for _ in 0..5 {
			request_now(W4, DIGITS);
		}
		let late = request_now(W3, EMBED);
		next_block();
		assert_eq!(Pending::<Test>::get().len(), 6);
		// W2 finishes an embedding; next block the queued embedding gets it although four
		// digits jobs are ahead of it and cannot be served.
		let work = honest_work(EMBED, b"", 1);
		assert_ok!(commit(embeds[0], W2, &work));
		next_block();
		assert_ok!(reveal(embeds[0], W2, &work));
		if phase(embeds[0]) == Phase::Auditing {
			all_auditors_vote(embeds[0], vec![100]);
		}
		assert_eq!(phase(embeds[0]), Phase::Done(Outcome::Served));
		next_block();
		assert_eq!(phase(late), Phase::Committing);
		assert_eq!(Pending::<Test>::get().len(), 5);
	});
}

#[test]
fn ended_jobs_are_pruned_oldest_first_beyond_max_results() {
	ExtBuilder::default().workers(&[]).build_and_execute(|| {
		// MaxResults = 32: cancel 40 queued jobs; the first 8 records are pruned.
		for who in [W1, W2, W3, W4] {
			Workers::add_contribution(&who, 10 * COST);
		}
		let mut ids = Vec::new();
		for i in 0..40 {
			let who = [W1, W2, W3, W4][i % 4];
			let job = request(who, EMBED);
			assert_ok!(Inference::cancel(RuntimeOrigin::signed(who), job));
			ids.push(job);
			if i % 4 == 3 {
				run_to_block(System::block_number() + 10);
			}
		}
		assert!(ids[..8].iter().all(|id| Jobs::<Test>::get(id).is_none()));
		assert!(ids[8..].iter().all(|id| Jobs::<Test>::get(id).is_some()));
		assert_eq!(crate::EndedRange::<Test>::get(), (8, 40));
	});
}
