//! The η check: timed benchmark challenges that confirm a worker's attested hardware class.
//!
//! A challenge is issued the block after registration (and [`Config::BenchmarkPeriod`] blocks
//! after the previous one closed, or when governance asks), seeded from the hash of the block
//! before it, so it cannot be computed ahead. The work is an exact integer matrix chain
//! ([`poi::benchmark_reference`] defines it) whose length is scaled by the attested class's
//! throughput, so every class should need about as long. The worker answers the digest and its
//! run time, signed by its attestation key; the runtime cannot afford the product, so auditors
//! (validators) re-run it and report their digest, their time and their hardware class. The
//! challenge closes at the quorum of checks (or at the deadline with the checks it has):
//!
//! - the digest must be the auditors' majority digest;
//! - the reported time must lie within [`Config::BenchmarkMinPermille`] ‰ ..
//!   [`Config::BenchmarkMaxPermille`] ‰ of the median time of the agreeing auditors that run the
//!   worker's class: much faster is a forged time, much slower is hardware slower than attested.
//!   Auditors on other classes check the digest only: how much faster one class runs this kernel
//!   than another is not the MLPerf ratio of the η table (measured: an H200 ran 512 × 512 products
//!   61× and 2048 × 2048 products 1,150× faster than 16 CPU cores), so their times are not
//!   converted;
//! - the answer must land before the deadline, which bounds a forged time from the chain's side.
//!
//! A pass confirms the class ([`Confirmed`]); only confirmed workers are paid their class's η.
//! A failure or a missing answer is a fault like a wrong or missed result, and drops the
//! confirmation. A challenge that nobody checked changes nothing.

use super::*;
use codec::Encode;

impl<T: Config> Pallet<T> {
	/// Whether `who`'s hardware class is confirmed by a passed benchmark challenge.
	pub fn class_confirmed(who: &T::AccountId) -> bool {
		Confirmed::<T>::contains_key(who)
	}

	/// Checks that close a challenge: the quorum, or every auditor if there are fewer.
	pub(crate) fn benchmark_quorum() -> u32 {
		T::BenchmarkQuorum::get()
			.min(T::Auditors::count() as u32)
			.min(<MaxBenchmarkChecks as Get<u32>>::get())
			.max(1)
	}

	/// Schedules `due` for `who` at `at`, or at the first of the next 64 blocks with room.
	pub(crate) fn schedule(
		who: &T::AccountId,
		at: BlockNumberFor<T>,
		due: BenchmarkDue,
	) -> DispatchResult {
		let mut block = at;
		for _ in 0..64 {
			let pushed = BenchmarkSchedule::<T>::mutate(block, |list| {
				list.try_push((who.clone(), due)).is_ok()
			});
			if pushed {
				return Ok(());
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::ScheduleFull.into())
	}

	/// Like [`Self::schedule`], for hooks that cannot fail: a full schedule is logged.
	fn schedule_or_log(who: &T::AccountId, at: BlockNumberFor<T>, due: BenchmarkDue) {
		if Self::schedule(who, at, due).is_err() {
			log::error!(target: "runtime::workers", "benchmark schedule full: {due:?} of {who:?} dropped");
		}
	}

	/// Issues the challenges and resolves the deadlines due at `now`.
	pub(crate) fn run_benchmark_schedule(now: BlockNumberFor<T>) -> Weight {
		let due = BenchmarkSchedule::<T>::take(now);
		let count = due.len() as u32;
		for (who, what) in due {
			match what {
				BenchmarkDue::Issue => Self::issue_benchmark(&who, now),
				BenchmarkDue::Deadline(id) => {
					if let Some(challenge) = Benchmarks::<T>::get(&who).filter(|c| c.id == id) {
						Self::benchmark_deadline(&who, challenge, now);
					}
				}
			}
		}
		<T as Config>::WeightInfo::benchmark_schedule(count)
	}

	/// Issues a challenge to `who` unless it left, is leaving or already has one open.
	fn issue_benchmark(who: &T::AccountId, now: BlockNumberFor<T>) {
		let Some(worker) = Workers::<T>::get(who) else { return };
		if matches!(worker.status, WorkerStatus::Unbonding { .. })
			|| Benchmarks::<T>::contains_key(who)
		{
			return;
		}
		let id = NextChallenge::<T>::get();
		NextChallenge::<T>::put(id.saturating_add(1));
		// The chain randomness of the parent block: fixed by its author's VRF, after the worker
		// registered or answered last, so it cannot precompute the work. Only a challenge issued
		// in block 1 (parent: genesis, which has none) falls back to the parent hash.
		let parent = now.saturating_sub(One::one());
		let randomness = T::BlockRandomness::randomness_of(parent);
		let parent_hash = frame_system::Pallet::<T>::parent_hash();
		let source: &[u8] = randomness.as_ref().map_or(parent_hash.as_ref(), |r| r.as_ref());
		let seed = poi::benchmark_seed(source, &who.encode(), id);
		let size = T::BenchmarkSize::get();
		let rounds = poi::benchmark_rounds(T::BenchmarkRounds::get(), worker.class);
		let deadline = now.saturating_add(T::BenchmarkWindow::get());
		Benchmarks::<T>::insert(
			who,
			Benchmark {
				id,
				class: worker.class,
				seed,
				size,
				rounds,
				issued: now,
				deadline,
				answer: None,
				checks: BoundedVec::new(),
			},
		);
		// The deadline is handled the block after it, so an answer in the deadline block counts.
		Self::schedule_or_log(who, deadline.saturating_add(One::one()), BenchmarkDue::Deadline(id));
		Self::deposit_event(Event::BenchmarkIssued {
			who: who.clone(),
			id,
			seed,
			size,
			rounds,
			deadline,
		});
	}

	/// A challenge's deadline passed: unanswered is a missed deadline; answered, it closes with
	/// the checks it has, and with none nothing changes.
	fn benchmark_deadline(who: &T::AccountId, challenge: BenchmarkOf<T>, now: BlockNumberFor<T>) {
		match challenge.answer.clone() {
			None => {
				Benchmarks::<T>::remove(who);
				Self::fail_benchmark(who, challenge.id, BenchmarkFailure::Unanswered);
				Self::schedule_next_benchmark(who, now);
			}
			Some(answer) if !challenge.checks.is_empty() => {
				Self::close_benchmark(who, challenge, &answer, now);
			}
			Some(_) => {
				Benchmarks::<T>::remove(who);
				Self::deposit_event(Event::BenchmarkUnchecked {
					who: who.clone(),
					id: challenge.id,
				});
				Self::schedule_next_benchmark(who, now);
			}
		}
	}

	/// Decides a checked challenge: majority digest, then the time against the median
	/// expectation of the auditors that agree.
	pub(crate) fn close_benchmark(
		who: &T::AccountId,
		challenge: BenchmarkOf<T>,
		answer: &BenchmarkAnswer<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
	) {
		Benchmarks::<T>::remove(who);
		let agreeing = challenge.checks.iter().filter(|c| c.matches).count();
		let mut times: Vec<u64> = challenge
			.checks
			.iter()
			.filter(|c| c.matches)
			.filter_map(|c| c.same_class_micros)
			.collect();
		times.sort_unstable();
		let median = times.get(times.len().saturating_sub(1) / 2).copied();
		let band = |median: u64, permille: u32| {
			u64::try_from(u128::from(median).saturating_mul(u128::from(permille)) / 1000)
				.unwrap_or(u64::MAX)
		};
		let outcome = match median {
			_ if agreeing.saturating_mul(2) <= challenge.checks.len() => {
				Err(BenchmarkFailure::WrongDigest)
			}
			Some(m) if answer.micros < band(m, T::BenchmarkMinPermille::get()) => {
				Err(BenchmarkFailure::TooFast)
			}
			Some(m) if answer.micros > band(m, T::BenchmarkMaxPermille::get()) => {
				Err(BenchmarkFailure::TooSlow)
			}
			_ => Ok(median),
		};
		match outcome {
			Ok(expected_micros) => {
				Confirmed::<T>::insert(
					who,
					Confirmation {
						challenge: challenge.id,
						at: now,
						micros: answer.micros,
						expected_micros,
					},
				);
				Self::deposit_event(Event::BenchmarkPassed {
					who: who.clone(),
					id: challenge.id,
					class: challenge.class,
					micros: answer.micros,
					expected_micros,
				});
			}
			Err(reason) => Self::fail_benchmark(who, challenge.id, reason),
		}
		Self::schedule_next_benchmark(who, now);
	}

	/// Drops the confirmation and punishes the failure (a missed deadline when unanswered, a
	/// wrong result otherwise).
	fn fail_benchmark(who: &T::AccountId, id: ChallengeId, reason: BenchmarkFailure) {
		Confirmed::<T>::remove(who);
		let fault = match reason {
			BenchmarkFailure::Unanswered => Fault::Missed,
			_ => Fault::Invalid,
		};
		Self::record_fault(who, fault);
		Self::deposit_event(Event::BenchmarkFailed { who: who.clone(), id, reason });
	}

	fn schedule_next_benchmark(who: &T::AccountId, now: BlockNumberFor<T>) {
		let next =
			now.saturating_add(T::BenchmarkPeriod::get()).max(now.saturating_add(One::one()));
		Self::schedule_or_log(who, next, BenchmarkDue::Issue);
	}
}
