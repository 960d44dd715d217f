//! Assignment: workers drawn for queued jobs with randomness produced after the request.

use super::*;

impl<T: Config> Pallet<T> {
	/// Randomness for assigning job `id` at `now`: the randomness of block `now` where the
	/// source has it already (the runtime's chain randomness is set at the start of the block),
	/// else of its parent. Jobs are assigned only in blocks after their request, so either was
	/// produced after the request was sent.
	pub(crate) fn assignment_seed(id: JobId, attempt: u8, now: BlockNumberFor<T>) -> [u8; 32] {
		let parent = now.saturating_sub(1u32.into());
		let randomness = T::BlockRandomness::randomness_of(now)
			.or_else(|| T::BlockRandomness::randomness_of(parent))
			.unwrap_or_default();
		sp_io::hashing::blake2_256(&(b"declai/assign", randomness, id, attempt).encode())
	}

	/// Draws one worker for `j` from the model's candidates, excluding `taken`: weighted by
	/// reputation (and region) through rejection sampling, so the cost is bounded by
	/// [`DRAW_TRIES`] candidate reads whatever the number of candidates. After `DRAW_TRIES`
	/// rejections the heaviest eligible candidate seen is taken.
	pub(crate) fn draw(
		j: &JobOf<T>,
		candidates: &[T::AccountId],
		taken: &[T::AccountId],
		seed: &[u8; 32],
	) -> Option<T::AccountId> {
		let len = candidates.len() as u64;
		if len == 0 {
			return None;
		}
		let max_jobs = T::MaxJobsPerWorker::get() as usize;
		let ceiling = u64::from(PPM).saturating_mul(if j.region.is_some() { 2 } else { 1 });
		let mut best: Option<(u64, T::AccountId)> = None;
		for attempt in 0..DRAW_TRIES {
			let h = sp_io::hashing::blake2_256(&(seed, attempt).encode());
			let mut head = [0u8; 8];
			head.copy_from_slice(h.get(..8).unwrap_or(&[0u8; 8]));
			let index = u64::from_le_bytes(head).checked_rem(len).unwrap_or(0) as usize;
			let Some(who) = candidates.get(index) else { continue };
			if *who == j.consumer
				|| j.excluded.contains(who)
				|| taken.contains(who)
				|| WorkerJobs::<T>::decode_len(who).unwrap_or(0) >= max_jobs
			{
				continue;
			}
			let Some(weight) = T::Workers::selection_weight(who, j.region) else { continue };
			// Accept with probability weight / ceiling.
			if u64::from(draw_ppm(&h)).saturating_mul(ceiling)
				< weight.saturating_mul(u64::from(PPM))
			{
				return Some(who.clone());
			}
			if best.as_ref().is_none_or(|(w, _)| weight > *w) {
				best = Some((weight, who.clone()));
			}
		}
		best.map(|(_, who)| who)
	}

	/// Draws workers for `j` (see the crate docs); `false` if none is free.
	pub(crate) fn try_assign(
		id: JobId,
		j: &mut JobOf<T>,
		m: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) -> bool {
		let candidates = T::Workers::candidates(j.model);
		let attempt = j.attempts.saturating_add(1);
		let seed = Self::assignment_seed(id, attempt, now);
		let Some(primary) = Self::draw(j, &candidates, &[], &seed) else { return false };
		// Untrusted workers are replicated (a zero-knowledge proof verifies a result completely:
		// no replica needed). Whether a trusted worker's result is audited is drawn only after its
		// commitment (see `evaluate`), so nothing at assignment tells it.
		let replicate = T::Workers::audit_ppm(&primary).is_none() && !m.tier.is_zero_knowledge();
		let mut workers = alloc::vec![primary];
		if replicate {
			let second_seed = sp_io::hashing::blake2_256(&(seed, 2u8).encode());
			if let Some(w) = Self::draw(j, &candidates, &workers, &second_seed) {
				workers.push(w);
			}
		}
		j.lone = replicate && workers.len() < 2;
		j.replicas = BoundedVec::truncate_from(
			workers.iter().map(|w| Replica::assigned(w.clone())).collect(),
		);
		for w in &workers {
			Self::take_on(id, w);
		}
		j.attempts = attempt;
		j.phase = Phase::Committing;
		j.commits_closed = None;
		j.deadline = now.saturating_add(T::CommitWindow::get());
		Self::deposit_event(Event::JobAssigned { job: id, workers, attempt, lone: j.lone });
		true
	}

	/// Records job `id` as `worker`'s: its active-job count and its job list (the draw filtered
	/// workers at `MaxJobsPerWorker`, so the list has room).
	pub(crate) fn take_on(id: JobId, worker: &T::AccountId) {
		T::Workers::job_started(worker);
		WorkerJobs::<T>::mutate(worker, |jobs| {
			if jobs.try_push(id).is_err() {
				frame_support::defensive!("the draw skips workers at MaxJobsPerWorker");
			}
		});
	}

	/// Assigns queued jobs, highest priority first: at most `AssignPerBlock` assignment tries;
	/// once a model finds no free worker its other queued jobs are skipped in this block, so one
	/// saturated model does not hold up the others. Returns the tries.
	pub(crate) fn assign_pending(now: BlockNumberFor<T>) -> u32 {
		let queue = Pending::<T>::get();
		if queue.is_empty() {
			return 0;
		}
		let (mut tried, mut assigned, mut saturated) = (0u32, Vec::new(), Vec::new());
		for (_, id, model) in queue.iter() {
			if tried >= T::AssignPerBlock::get() {
				break;
			}
			if saturated.contains(model) {
				continue;
			}
			tried = tried.saturating_add(1);
			let Some(mut j) = Jobs::<T>::get(id) else { continue };
			let Some(m) = Models::<T>::get(j.model) else { continue };
			let old = j.deadline;
			if Self::try_assign(*id, &mut j, &m, now) {
				let new = j.deadline;
				j.deadline = old;
				Self::set_deadline(*id, &mut j, new);
				Jobs::<T>::insert(id, j);
				assigned.push(*id);
			} else {
				saturated.push(*model);
			}
		}
		if !assigned.is_empty() {
			Pending::<T>::mutate(|q| q.retain(|(_, x, _)| !assigned.contains(x)));
		}
		tried
	}

	/// Reports the block's capacity (active workers' throughput) to the economics pallet, for α.
	pub(crate) fn note_capacity() {
		T::Settlement::note_block_capacity(T::Workers::capacity_permille());
	}
}
