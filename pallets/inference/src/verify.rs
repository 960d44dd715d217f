//! Verification: commitments closed, replicas compared, layer challenges, zero-knowledge proofs, validator audits, faults and escalation.

use super::*;

impl<T: Config> Pallet<T> {
	/// The challenge seed of `worker`'s result: from the block in which the commitments closed.
	pub(crate) fn challenge_seed_of(
		id: JobId,
		j: &JobOf<T>,
		worker: &T::AccountId,
	) -> Option<[u8; 32]> {
		let randomness = T::BlockRandomness::randomness_of(j.commits_closed?)?;
		Some(challenge_seed(&randomness.0, id, &worker.encode()))
	}

	/// The job, replica index and model of `worker`'s result that awaits a check (challenge
	/// answer or proof).
	pub(crate) fn awaiting_check(
		job: JobId,
		worker: &T::AccountId,
	) -> Result<(JobOf<T>, usize, ModelOf<T>), DispatchError> {
		let j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(j.phase == Phase::Challenged, Error::<T>::WrongPhase);
		let index = Self::replica_index(&j, worker)?;
		ensure!(
			j.replicas.get(index).is_some_and(|r| r.state == ReplicaState::Challenged),
			Error::<T>::AlreadySubmitted
		);
		let m = Models::<T>::get(j.model).ok_or(Error::<T>::UnknownModel)?;
		Ok((j, index, m))
	}

	/// Records a check of replica `index`: verified (with `passed`'s event) or faulted with
	/// `reason`; concludes the job once no check is pending, and stores it.
	pub(crate) fn record_check(
		job: JobId,
		j: &mut JobOf<T>,
		index: usize,
		m: &ModelOf<T>,
		passed: bool,
		event: Event<T>,
		reason: FaultReason,
	) {
		if passed {
			if let Some(r) = j.replicas.get_mut(index) {
				r.state = ReplicaState::Verified;
			}
			Self::deposit_event(event);
		} else {
			Self::fault(job, j, index, reason);
		}
		if !j.replicas.iter().any(|r| r.state == ReplicaState::Challenged) {
			Self::conclude(job, j, m, frame_system::Pallet::<T>::block_number());
		}
		Jobs::<T>::insert(job, j.clone());
	}

	/// Faults replica `index` of `j`: punishes the worker and emits the event.
	pub(crate) fn fault(id: JobId, j: &mut JobOf<T>, index: usize, reason: FaultReason) {
		let Some(r) = j.replicas.get_mut(index) else { return };
		r.state = ReplicaState::Faulted(reason.fault());
		let worker = r.worker.clone();
		let slashed = T::Workers::record_fault(&worker, reason.fault());
		Outputs::<T>::remove(id, &worker);
		Self::deposit_event(Event::ReplicaFaulted { job: id, worker, reason, slashed });
	}

	/// Faults every replica in `state` with `reason`.
	pub(crate) fn fault_all(id: JobId, j: &mut JobOf<T>, state: ReplicaState, reason: FaultReason) {
		for index in 0..j.replicas.len() {
			if j.replicas.get(index).is_some_and(|r| r.state == state) {
				Self::fault(id, j, index, reason);
			}
		}
	}

	/// Commitments are closed: reveals are due; or, with no (new) commitment, the attempt failed
	/// (a tiebreaker that did not commit is punished for it, and the dispute stays undecided).
	pub(crate) fn close_commits(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) {
		if j.replicas.iter().any(|r| r.state == ReplicaState::Committed) {
			j.phase = Phase::Revealing;
			j.commits_closed = Some(now);
			let deadline = now.saturating_add(T::RevealWindow::get());
			Self::set_deadline(id, j, deadline);
			Self::deposit_event(Event::CommitsClosed { job: id, deadline });
		} else {
			Self::fail_attempt(id, j, m, now);
		}
	}

	/// All reveals are in (or due): compare, then challenge, audit or settle.
	///
	/// Agreeing replicas are spot checked (integer models: every replica answers a layer
	/// challenge; float models: a validator audit) with the highest audit rate among them, an
	/// untrusted worker counting `1 / TrustAfter`: two colluding replicas cannot count on
	/// agreement alone. After a voteless audit brought a tiebreaker, the replicas' strict
	/// majority decides and the outvoted replicas are faulted.
	pub(crate) fn evaluate(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		let live: Vec<usize> = (0..j.replicas.len())
			.filter(|i| j.replicas.get(*i).is_some_and(|r| r.state == ReplicaState::Revealed))
			.collect();
		let outputs: Vec<BoundedVec<u8, T::MaxOutputLen>> = live
			.iter()
			.filter_map(|i| j.replicas.get(*i))
			.map(|r| Outputs::<T>::get(id, &r.worker).unwrap_or_default())
			.collect();
		let Some(reference) = outputs.first() else {
			return Self::fail_attempt(id, j, m, now);
		};
		let same = |a: &[u8], b: &[u8]| match m.tier {
			VerificationTier::ExactInteger | VerificationTier::ZeroKnowledge { .. } => a == b,
			VerificationTier::FloatTolerance { max_error_ppm } => {
				within_tolerance(a, b, max_error_ppm) && within_tolerance(b, a, max_error_ppm)
			}
		};
		if !outputs.iter().all(|o| same(reference, o)) {
			if j.escalations > 0 {
				let majority = outputs.iter().find(|a| {
					outputs.iter().filter(|b| same(a, b)).count().saturating_mul(2) > outputs.len()
				});
				if let Some(winner) = majority {
					for (i, o) in live.iter().zip(&outputs) {
						if !same(winner, o) {
							Self::fault(id, j, *i, FaultReason::Outvoted);
						}
					}
					return Self::settle(id, j, m);
				}
			}
			return Self::start_audit(id, j, now);
		}
		if m.tier.is_zero_knowledge() {
			return Self::require_proofs(id, j, &live, now);
		}
		if live.len() >= 2 {
			if j.escalations == 0 && Self::spot_checked(id, j, &live) {
				return match m.tier {
					VerificationTier::ExactInteger => Self::challenge(id, j, m, &live, now),
					_ => Self::start_audit(id, j, now),
				};
			}
			return Self::settle(id, j, m);
		}
		// One result and nothing to compare it with.
		let must_check = j.lone || j.replicas.len() >= 2;
		let checked = must_check
			|| live.first().and_then(|i| j.replicas.get(*i)).is_some_and(|r| {
				let audit_ppm = T::Workers::audit_ppm(&r.worker).unwrap_or(PPM);
				Self::challenge_seed_of(id, j, &r.worker)
					.is_none_or(|seed| draw_ppm(&seed) < audit_ppm)
			});
		match (checked, m.tier) {
			(false, _) => Self::settle(id, j, m),
			(true, VerificationTier::ExactInteger) => Self::challenge(id, j, m, &live, now),
			// A trusted worker's lone float result is audited with probability max(1/CV,
			// floor), drawn from the block that closed the commitments.
			(true, _) => Self::start_audit(id, j, now),
		}
	}

	/// Whether the agreeing replicas `live` of job `id` are spot checked: drawn from the block
	/// that closed the commitments with the highest audit rate among them.
	pub(crate) fn spot_checked(id: JobId, j: &JobOf<T>, live: &[usize]) -> bool {
		let untrusted = PPM.checked_div(T::Workers::trust_after().max(1)).unwrap_or(PPM);
		let rate = live
			.iter()
			.filter_map(|i| j.replicas.get(*i))
			.map(|r| {
				T::Workers::class_of(&r.worker)
					.map_or(PPM, |_| T::Workers::audit_ppm(&r.worker).unwrap_or(untrusted))
			})
			.max()
			.unwrap_or(PPM);
		let Some(randomness) = j.commits_closed.and_then(T::BlockRandomness::randomness_of) else {
			return true;
		};
		draw_ppm(&challenge_seed(&randomness.0, id, b"declai/spot-check")) < rate
	}

	/// Challenges each revealed integer result in `live` (a layer each, from its own seed); a
	/// result without randomness to draw from goes to the validators instead.
	pub(crate) fn challenge(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		live: &[usize],
		now: BlockNumberFor<T>,
	) {
		let deadline = now.saturating_add(T::ChallengeWindow::get());
		let mut seeds = Vec::new();
		for i in live {
			let Some(r) = j.replicas.get(*i) else { continue };
			match Self::challenge_seed_of(id, j, &r.worker) {
				Some(seed) => seeds.push((*i, seed)),
				None => return Self::start_audit(id, j, now),
			}
		}
		for (i, seed) in seeds {
			let layer = poi::challenged_layer(&seed, m.layers.len()) as u32;
			if let Some(r) = j.replicas.get_mut(i) {
				r.state = ReplicaState::Challenged;
				let worker = r.worker.clone();
				Self::deposit_event(Event::Challenged { job: id, worker, layer, deadline });
			}
		}
		j.phase = Phase::Challenged;
		Self::set_deadline(id, j, deadline);
	}

	/// Zero-knowledge models: every revealed result must be proven (`prove`) by the deadline.
	pub(crate) fn require_proofs(
		id: JobId,
		j: &mut JobOf<T>,
		live: &[usize],
		now: BlockNumberFor<T>,
	) {
		let deadline = now.saturating_add(T::ChallengeWindow::get());
		for i in live {
			if let Some(r) = j.replicas.get_mut(*i) {
				r.state = ReplicaState::Challenged;
				let worker = r.worker.clone();
				Self::deposit_event(Event::Challenged { job: id, worker, layer: 0, deadline });
			}
		}
		j.phase = Phase::Challenged;
		Self::set_deadline(id, j, deadline);
	}

	/// Challenges are answered (or due): settle the verified results or fail the attempt.
	pub(crate) fn conclude(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		if j.replicas.iter().any(|r| r.state == ReplicaState::Verified) {
			Self::settle(id, j, m);
		} else {
			Self::fail_attempt(id, j, m, now);
		}
	}

	pub(crate) fn start_audit(id: JobId, j: &mut JobOf<T>, now: BlockNumberFor<T>) {
		j.phase = Phase::Auditing;
		let deadline = now.saturating_add(T::AuditWindow::get());
		Self::set_deadline(id, j, deadline);
		Self::deposit_event(Event::AuditStarted { job: id, deadline });
	}

	/// Aggregates the audit votes by reputation-weighted median per replica; scores auditors.
	pub(crate) fn resolve_audit(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) {
		let auditors = Auditors::<T>::get();
		let votes: Vec<_> =
			AuditVotes::<T>::take(id).into_iter().filter(|(a, _)| auditors.contains(a)).collect();
		if votes.is_empty() {
			// Nobody could tell who was right: ask another worker (the majority of the replicas
			// then decides); when no worker is free, nobody is punished or paid.
			return Self::escalate(id, j, m, now);
		}
		let weights: Vec<u64> =
			votes.iter().map(|(a, _)| u64::from(AuditorReputation::<T>::get(a))).collect();
		let mut distance = alloc::vec![0u32; votes.len()];
		for index in 0..j.replicas.len() {
			if !j.replicas.get(index).is_some_and(|r| r.state == ReplicaState::Revealed) {
				continue;
			}
			let mut column: Vec<(u32, u64)> = votes
				.iter()
				.zip(&weights)
				.map(|((_, s), w)| (u32::from(s.get(index).copied().unwrap_or(0)), (*w).max(1)))
				.collect();
			let median = poi::weighted_median(&mut column).unwrap_or(0);
			for (d, (_, s)) in distance.iter_mut().zip(&votes) {
				let score = u32::from(s.get(index).copied().unwrap_or(0));
				*d = (*d).max(score.abs_diff(median));
			}
			if median >= u32::from(AUDIT_PASS) {
				if let Some(r) = j.replicas.get_mut(index) {
					r.state = ReplicaState::Verified;
				}
			} else {
				Self::fault(id, j, index, FaultReason::AuditedWrong);
			}
		}
		// Auditors near the median gain reputation (and their re-run counts as verified work),
		// those far from it lose it.
		for ((auditor, _), d) in votes.iter().zip(distance) {
			let agreed = d < u32::from(AUDIT_PASS);
			AuditorReputation::<T>::mutate(auditor, |r| {
				*r = if agreed { r.saturating_add(PPM.saturating_sub(*r) / 20) } else { *r / 2 };
			});
			if agreed {
				T::OnWorkVerified::on_work_verified(&VerifiedWork {
					who: auditor,
					consumer: &j.consumer,
					role: WorkRole::Audited,
					units: m.cost,
					minted: 0,
				});
			}
		}
		Self::conclude(id, j, m, now);
	}

	/// Whether `who` is a party to job `j`: its consumer or one of its replicas.
	pub(crate) fn is_party(j: &JobOf<T>, who: &T::AccountId) -> bool {
		j.consumer == *who || j.replicas.iter().any(|r| r.worker == *who)
	}

	/// An audit ended without votes: add a tiebreaker replica (another worker of the model) to
	/// this attempt, or, when the replicas are at `MaxReplicas` or no worker is free, fail the
	/// attempt without punishing anyone.
	pub(crate) fn escalate(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>, now: BlockNumberFor<T>) {
		let candidates = T::Workers::candidates(j.model);
		let taken: Vec<T::AccountId> = j.replicas.iter().map(|r| r.worker.clone()).collect();
		let seed = Self::assignment_seed(id, j.attempts.saturating_add(j.escalations), now);
		let room = (j.replicas.len() as u32) < T::MaxReplicas::get();
		let Some(worker) = room.then(|| Self::draw(j, &candidates, &taken, &seed)).flatten() else {
			return Self::fail_attempt(id, j, m, now);
		};
		if j.replicas.try_push(Replica::assigned(worker.clone())).is_err() {
			return Self::fail_attempt(id, j, m, now);
		}
		Self::take_on(id, &worker);
		j.escalations = j.escalations.saturating_add(1);
		j.phase = Phase::Committing;
		let deadline = now.saturating_add(T::CommitWindow::get());
		Self::set_deadline(id, j, deadline);
		Self::deposit_event(Event::AuditEscalated { job: id, tiebreaker: worker, deadline });
	}

	/// No verified result in this attempt: re-assign to other workers, or refund.
	pub(crate) fn fail_attempt(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) {
		Self::release_workers(id, j);
		// Never again the workers of any earlier attempt (bounded: the newest are kept).
		let mut excluded = j.excluded.to_vec();
		excluded.extend(
			j.replicas.iter().map(|r| r.worker.clone()).filter(|w| !j.excluded.contains(w)),
		);
		let skip = excluded.len().saturating_sub(T::MaxReplicas::get() as usize);
		j.excluded = BoundedVec::truncate_from(excluded.into_iter().skip(skip).collect());
		let old = j.deadline;
		if j.attempts < T::MaxAttempts::get() && Self::try_assign(id, j, m, now) {
			let new = j.deadline;
			j.deadline = old;
			Self::set_deadline(id, j, new);
		} else {
			Self::refund(id, j, RefundReason::NoVerifiedResult);
		}
	}
}
