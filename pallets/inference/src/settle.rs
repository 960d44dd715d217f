//! Settlement: the escrow burned and one payment shared by the verified replicas, or refunded; ended jobs pruned.

use super::*;

impl<T: Config> Pallet<T> {
	/// Frees the replicas' workers from job `id` and drops their outputs (idempotent).
	pub(crate) fn release_workers(id: JobId, j: &JobOf<T>) {
		for r in j.replicas.iter() {
			let was_assigned = WorkerJobs::<T>::mutate_exists(&r.worker, |jobs| {
				let Some(list) = jobs else { return false };
				let before = list.len();
				list.retain(|x| *x != id);
				let removed = list.len() < before;
				if list.is_empty() {
					*jobs = None;
				}
				removed
			});
			if was_assigned {
				T::Workers::job_ended(&r.worker);
			}
			Outputs::<T>::remove(id, &r.worker);
		}
	}

	/// Serves the job: burns the escrow, pays each verified replica by the formula.
	pub(crate) fn settle(id: JobId, j: &mut JobOf<T>, m: &ModelOf<T>) {
		let verified: Vec<usize> = (0..j.replicas.len())
			.filter(|i| {
				j.replicas.get(*i).is_some_and(|r| {
					matches!(r.state, ReplicaState::Revealed | ReplicaState::Verified)
				})
			})
			.collect();
		let result = verified
			.first()
			.and_then(|i| j.replicas.get(*i))
			.and_then(|r| Outputs::<T>::get(id, &r.worker));
		// The escrow is held by this pallet alone, so it is there to burn; if it were not, the
		// replicas are recorded as verified but nothing is minted (minted ≤ burned holds).
		let burned = match T::Settlement::consume_held(&j.consumer, Self::escrow(), j.price) {
			Ok(()) => j.price,
			Err(e) => {
				frame_support::defensive!("the escrow is held by this pallet alone", (id, e));
				0
			}
		};
		// Served work is the demand that α reads (a cancelled or refunded request is not).
		T::Settlement::note_demand(m.cost);
		let job_hash = job_hash(id);
		// One payment for the job, shared by its verified replicas: each is paid its share of
		// the reference work at the α the job was priced at (price ÷ cost), and never more than
		// its share of the burned price, so the credits minted for a job never exceed the credits
		// burned for it (replication is paid by the network's verification, not by new credits).
		let shares = (verified.len() as u128).max(1);
		let work = m.cost.checked_div(shares).unwrap_or(0);
		let budget = burned.checked_div(shares).unwrap_or(0);
		let alpha = sp_runtime::FixedU128::checked_from_rational(j.price, m.cost)
			.unwrap_or_else(T::Settlement::alpha);
		let (mut workers, mut receipts) = (Vec::new(), Vec::new());
		for i in verified {
			let Some(r) = j.replicas.get_mut(i) else { continue };
			r.state = ReplicaState::Verified;
			let worker = r.worker.clone();
			let Some(class) = T::Workers::class_of(&worker) else { continue };
			let confirmed = T::Workers::class_confirmed(&worker);
			let minted = match T::Settlement::settle_work(
				&worker, job_hash, class, confirmed, work, alpha, budget,
			) {
				Ok((receipt, r)) => {
					receipts.push(receipt);
					r.minted()
				}
				Err(e) => {
					log::error!(target: "runtime::inference", "job {id}: paying {worker:?} failed: {e:?}");
					0
				}
			};
			T::OnWorkVerified::on_work_verified(&VerifiedWork {
				who: &worker,
				consumer: &j.consumer,
				role: WorkRole::Served,
				units: work,
				minted,
			});
			workers.push(worker);
		}
		if let Some(result) = result {
			Results::<T>::insert(id, result);
		}
		JobReceipts::<T>::insert(id, BoundedVec::truncate_from(receipts.clone()));
		Self::end(id, j, Outcome::Served);
		Self::deposit_event(Event::JobServed { job: id, workers, receipts });
	}

	/// Returns the escrow to the consumer and ends the job.
	pub(crate) fn refund(id: JobId, j: &mut JobOf<T>, reason: RefundReason) {
		if let Err(e) =
			T::Currency::release(&Self::escrow(), &j.consumer, j.price, Precision::Exact)
		{
			frame_support::defensive!("the escrow is held by this pallet alone", (id, e));
		}
		if j.phase == Phase::Queued {
			Pending::<T>::mutate(|q| q.retain(|(_, x, _)| *x != id));
		}
		Self::end(id, j, Outcome::Refunded);
		Self::deposit_event(Event::JobRefunded { job: id, reason });
	}

	/// Marks the job ended and frees its live-job slot, input and deadline.
	pub(crate) fn end(id: JobId, j: &mut JobOf<T>, outcome: Outcome) {
		Self::release_workers(id, j);
		Self::unschedule(id, j.deadline);
		j.phase = Phase::Done(outcome);
		Inputs::<T>::remove(id);
		AuditVotes::<T>::remove(id);
		LiveJobs::<T>::mutate(|n| *n = n.saturating_sub(1));
		LiveJobsOf::<T>::mutate_exists(&j.consumer, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
		Self::note_ended(id);
	}

	/// Writes the job back unless it was pruned meanwhile (never: pruning only touches ended
	/// jobs older than `MaxResults`).
	pub(crate) fn store(id: JobId, j: JobOf<T>) {
		Jobs::<T>::insert(id, j);
	}

	/// Appends `id` to the ended jobs and prunes the oldest record beyond `MaxResults`.
	pub(crate) fn note_ended(id: JobId) {
		let (mut head, tail) = EndedRange::<T>::get();
		Ended::<T>::insert(tail, id);
		let tail = tail.saturating_add(1);
		if tail.saturating_sub(head) > u64::from(T::MaxResults::get()) {
			if let Some(old) = Ended::<T>::take(head) {
				Jobs::<T>::remove(old);
				Results::<T>::remove(old);
				JobReceipts::<T>::remove(old);
			}
			head = head.saturating_add(1);
		}
		EndedRange::<T>::put((head, tail));
	}
}
