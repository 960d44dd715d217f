//! Deadlines: every live job sits in one deadline bucket; expired ones are ended or advanced in `on_initialize`.

use super::*;

impl<T: Config> Pallet<T> {
	/// Moves job `id` to a new deadline bucket.
	pub(crate) fn set_deadline(id: JobId, j: &mut JobOf<T>, deadline: BlockNumberFor<T>) {
		Self::schedule(id, Some(j.deadline), deadline);
		j.deadline = deadline;
	}

	/// Puts `id` in the bucket of `new` (out of `old`'s).
	pub(crate) fn schedule(id: JobId, old: Option<BlockNumberFor<T>>, new: BlockNumberFor<T>) {
		if let Some(old) = old {
			if old == new {
				return;
			}
			Self::unschedule(id, old);
		}
		// Each live job is in exactly one bucket and live jobs are bounded by MaxLiveJobs, the
		// bound of a bucket.
		Deadlines::<T>::mutate(new, |d| {
			if !d.contains(&id) && d.try_push(id).is_err() {
				frame_support::defensive!("a bucket holds at most the MaxLiveJobs live jobs", id);
			}
		});
	}

	/// Takes `id` out of the bucket of `at` (dropping an emptied bucket). A job whose deadline
	/// has passed may have been carried over a full block: it then waits in the next block's
	/// bucket with its deadline unchanged, and is taken out of that one, so that every job stays
	/// in one bucket.
	pub(crate) fn unschedule(id: JobId, at: BlockNumberFor<T>) {
		let take_out = |block: BlockNumberFor<T>| {
			Deadlines::<T>::mutate_exists(block, |d| {
				if let Some(list) = d {
					list.retain(|x| *x != id);
					if list.is_empty() {
						*d = None;
					}
				}
			})
		};
		take_out(at);
		let now = frame_system::Pallet::<T>::block_number();
		if at <= now {
			take_out(now.saturating_add(1u32.into()));
		}
	}

	/// Handles the jobs whose deadline is `n` (at most `DeadlinesPerBlock`; the rest move to
	/// `n + 1`). Returns how many were handled.
	pub(crate) fn process_deadlines(n: BlockNumberFor<T>) -> u32 {
		let mut due = Deadlines::<T>::take(n).into_inner();
		let limit = T::DeadlinesPerBlock::get() as usize;
		let rest = if due.len() > limit { due.split_off(limit) } else { Vec::new() };
		// The rest waits one block in the next bucket, with its (past) deadline unchanged: one
		// bucket write, no job touched, linear in the bucket (each live job is in exactly one
		// bucket, so none of `rest` is in the next one already; `try_state` checks that). The
		// `on_initialize` benchmark carries a full bucket.
		if !rest.is_empty() {
			Deadlines::<T>::mutate(n.saturating_add(1u32.into()), |bucket| {
				for id in rest {
					if bucket.try_push(id).is_err() {
						frame_support::defensive!(
							"deadline buckets hold at most MaxLiveJobs jobs in all"
						);
					}
				}
			});
		}
		let mut handled = 0u32;
		for id in due {
			let Some(mut j) = Jobs::<T>::get(id) else { continue };
			// Stale entries (the job moved on or ended) are skipped; carried ones are due.
			if j.deadline > n || matches!(j.phase, Phase::Done(_)) {
				continue;
			}
			handled = handled.saturating_add(1);
			Self::on_deadline(id, &mut j, n);
			Jobs::<T>::insert(id, j);
		}
		handled
	}

	/// The current phase of `j` timed out at `now`.
	pub(crate) fn on_deadline(id: JobId, j: &mut JobOf<T>, now: BlockNumberFor<T>) {
		let Some(m) = Models::<T>::get(j.model) else {
			return Self::refund(id, j, RefundReason::NoVerifiedResult);
		};
		match j.phase {
			Phase::Queued => Self::refund(id, j, RefundReason::QueueTimeout),
			Phase::Committing => {
				Self::fault_all(id, j, ReplicaState::Assigned, FaultReason::NoCommit);
				Self::close_commits(id, j, &m, now);
			}
			Phase::Revealing => {
				Self::fault_all(id, j, ReplicaState::Committed, FaultReason::NoReveal);
				Self::evaluate(id, j, &m, now);
			}
			Phase::Challenged => {
				Self::fault_all(id, j, ReplicaState::Challenged, FaultReason::NoResponse);
				Self::conclude(id, j, &m, now);
			}
			Phase::Auditing => Self::resolve_audit(id, j, &m, now),
			Phase::Done(_) => {}
		}
	}
}
