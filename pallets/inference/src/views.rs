//! What the runtime API shows, and the invariants `try_state` checks.

use super::*;

impl<T: Config> Pallet<T> {
	/// A job as the runtime API shows it.
	pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BlockNumberFor<T>>> {
		let j = Jobs::<T>::get(id)?;
		Some(JobView {
			id,
			consumer: j.consumer,
			model: j.model,
			price: j.price,
			phase: j.phase,
			deadline: j.deadline,
			created: j.created,
			replicas: j.replicas.iter().map(|r| (r.worker.clone(), r.state)).collect(),
			attempts: j.attempts,
			result: Results::<T>::get(id).map(|r| r.into_inner()),
			receipts: JobReceipts::<T>::get(id).into_inner(),
		})
	}

	/// The queue as the runtime API shows it.
	pub fn queue_view() -> QueueView {
		QueueView {
			live: LiveJobs::<T>::get(),
			pending: Pending::<T>::get().iter().map(|(_, id, _)| *id).collect(),
			capacity_permille: T::Workers::capacity_permille(),
			next_job: NextJobId::<T>::get(),
		}
	}

	/// Invariants: credits minted for a served job ≤ the credits burned for it; escrow
	/// conservation (each consumer's escrow hold = Σ prices of its live jobs); every live job has
	/// a future deadline and sits in that deadline's bucket; the live count (in all and per
	/// account) matches; queued jobs are exactly the pending ones; worker job lists match replicas.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;
		let now = frame_system::Pallet::<T>::block_number();
		let mut escrow: BTreeMap<T::AccountId, Balance> = BTreeMap::new();
		let mut live = 0u32;
		let mut assigned: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut per_account: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let pending = Pending::<T>::get();
		let mut consumers: alloc::collections::btree_set::BTreeSet<T::AccountId> =
			Default::default();
		for (id, j) in Jobs::<T>::iter() {
			consumers.insert(j.consumer.clone());
			if j.phase == Phase::Done(Outcome::Served) {
				// Minted ≤ burned per job (over the receipts the economics pallet still keeps).
				let minted = JobReceipts::<T>::get(id)
					.iter()
					.filter_map(|r| T::Settlement::receipt(*r))
					.fold(0u128, |a, r| a.saturating_add(r.minted()));
				ensure!(minted <= j.price, "a job minted more than its consumer burned");
			}
			if matches!(j.phase, Phase::Done(_)) {
				continue;
			}
			live = live.saturating_add(1);
			let n = per_account.entry(j.consumer.clone()).or_default();
			*n = n.saturating_add(1);
			let e = escrow.entry(j.consumer.clone()).or_default();
			*e = e.saturating_add(j.price);
			// A job is in its deadline's bucket, or (carried over a full block) due in the next.
			let next = now.saturating_add(1u32.into());
			ensure!(
				(j.deadline >= now && Deadlines::<T>::get(j.deadline).contains(&id))
					|| (j.deadline <= now && Deadlines::<T>::get(next).contains(&id)),
				"a live job is not scheduled"
			);
			ensure!(
				(j.phase == Phase::Queued) == pending.iter().any(|(_, x, _)| *x == id),
				"queued jobs and the queue differ"
			);
			if j.phase != Phase::Queued {
				for r in j.replicas.iter() {
					let n = assigned.entry(r.worker.clone()).or_default();
					*n = n.saturating_add(1);
					ensure!(WorkerJobs::<T>::get(&r.worker).contains(&id), "worker job list stale");
				}
			}
		}
		ensure!(LiveJobs::<T>::get() == live, "live job count differs");
		// Each job is in at most one deadline bucket (the carry-over appends without a search).
		let mut scheduled: Vec<JobId> = Deadlines::<T>::iter_values().flatten().collect();
		let entries = scheduled.len();
		scheduled.sort_unstable();
		scheduled.dedup();
		ensure!(scheduled.len() == entries, "a job is in two deadline buckets");
		ensure!(
			LiveJobsOf::<T>::iter().all(|(who, n)| n > 0 && per_account.get(&who) == Some(&n))
				&& per_account.len() == LiveJobsOf::<T>::iter().count(),
			"live jobs per account differ"
		);
		ensure!(pending.len() as u32 <= live, "queue holds ended jobs");
		for (who, jobs) in WorkerJobs::<T>::iter() {
			ensure!(
				assigned.get(&who).copied().unwrap_or(0) == jobs.len() as u32,
				"worker job list holds ended jobs"
			);
		}
		// Every consumer the kept jobs name holds exactly its live jobs' prices in escrow (this
		// pallet's hold reason is held by this pallet alone).
		for who in consumers {
			ensure!(
				T::Currency::balance_on_hold(&Self::escrow(), &who)
					== escrow.get(&who).copied().unwrap_or(0),
				"escrow differs from live job prices"
			);
		}
		Ok(())
	}
}
