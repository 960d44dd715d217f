//! Admission: model and key validation, input checks, room and rate limits of requests.

use super::*;

impl<T: Config> Pallet<T> {
	/// Weight entries of a challenge answer (its rows' lengths summed): its weight parameter.
	pub fn opening_entries(opening: &LayerOpening) -> u32 {
		opening.rows.iter().map(|r| r.len() as u32).fold(0u32, u32::saturating_add)
	}

	/// The escrow hold reason.
	pub(crate) fn escrow() -> T::RuntimeHoldReason {
		HoldReason::Escrow.into()
	}

	/// Validates a model spec.
	pub(crate) fn validate_model(spec: ModelSpec) -> Result<ModelOf<T>, DispatchError> {
		let name: BoundedVec<u8, T::MaxNameLen> =
			spec.name.try_into().map_err(|_| Error::<T>::BadName)?;
		ensure!(!name.is_empty(), Error::<T>::BadName);
		ensure!(!spec.cost.is_zero(), Error::<T>::ZeroCost);
		ensure!(
			(1..=T::MaxInputLen::get()).contains(&spec.max_input)
				&& (1..=T::MaxOutputLen::get()).contains(&spec.max_output),
			Error::<T>::BadBounds
		);
		let layers: BoundedVec<_, T::MaxLayers> =
			spec.layers.try_into().map_err(|_| Error::<T>::BadLayers)?;
		match spec.tier {
			VerificationTier::ExactInteger => {
				poi::check_layers(&layers).map_err(|_| Error::<T>::BadLayers)?;
				let (first, last) = (layers.first(), layers.last());
				ensure!(
					first.is_some_and(|l| l.inputs == spec.max_input)
						&& last.is_some_and(|l| l.outputs.checked_mul(4) == Some(spec.max_output)),
					Error::<T>::BadLayers
				);
			}
			VerificationTier::FloatTolerance { max_error_ppm } => {
				ensure!(layers.is_empty() && max_error_ppm <= PPM, Error::<T>::BadLayers);
			}
			VerificationTier::ZeroKnowledge { system } => {
				ensure!(layers.is_empty(), Error::<T>::BadLayers);
				ensure!(spec.max_output.is_multiple_of(4), Error::<T>::BadBounds);
				if let ProofSystem::Groth16Hidden { commitment } = system {
					// One commitment, in both places a worker checks before it serves (the
					// model's root is what its attestations sign).
					ensure!(
						zk::commitment_scalar(&commitment).is_some()
							&& spec.weights_root.0 == commitment,
						Error::<T>::BadCommitment
					);
					// The runtime hashes input and output in every `prove`: bounded, so that the
					// weight covers it.
					ensure!(
						spec.max_input <= zk::MAX_HIDDEN_INPUT
							&& spec.max_output <= zk::MAX_HIDDEN_OUTPUT,
						Error::<T>::BadBounds
					);
				}
			}
		}
		Ok(Model {
			name,
			kind: spec.kind,
			weights_root: spec.weights_root,
			cost: spec.cost,
			max_input: spec.max_input,
			max_output: spec.max_output,
			tier: spec.tier,
			layers,
			premium: spec.premium,
			active: true,
		})
	}

	/// The verifying key of a zero-knowledge model: required, bounded, valid, and expecting the
	/// public inputs of its proof system ([`zk::input_count`]); other tiers take none.
	pub(crate) fn validate_key(
		m: &ModelOf<T>,
		key: Vec<u8>,
	) -> Result<Option<BoundedVec<u8, T::MaxVerifyingKeyLen>>, DispatchError> {
		if !m.tier.is_zero_knowledge() {
			ensure!(key.is_empty(), Error::<T>::BadVerifyingKey);
			return Ok(None);
		}
		let bounded: BoundedVec<u8, T::MaxVerifyingKeyLen> =
			key.try_into().map_err(|_| Error::<T>::BadVerifyingKey)?;
		ensure!(Self::key_fits(m, &bounded), Error::<T>::BadVerifyingKey);
		Ok(Some(bounded))
	}

	/// Whether `key` is a valid Groth16 verifying key for zero-knowledge model `m` as proofs are
	/// checked now: `1 + max_input + max_output / 4` public inputs, the first the job binding
	/// (keys registered before spec_version 110 lack it; [`migrations::v1`] retires them).
	pub(crate) fn key_fits(m: &ModelOf<T>, key: &[u8]) -> bool {
		let VerificationTier::ZeroKnowledge { system } = m.tier else { return false };
		let inputs = zk::input_count(&system, m.max_input, m.max_output);
		inputs <= T::MaxZkPublicInputs::get()
			&& zk::check_key(key).is_ok_and(|expected| expected == inputs as usize)
	}

	/// Integer models take exactly `max_input` bytes; others 1..=`max_input`.
	pub(crate) fn check_input(m: &ModelOf<T>, input: &[u8]) -> DispatchResult {
		let len = input.len();
		let ok = match m.tier {
			VerificationTier::ExactInteger | VerificationTier::ZeroKnowledge { .. } => {
				len == m.max_input as usize
			}
			VerificationTier::FloatTolerance { .. } => (1..=m.max_input as usize).contains(&len),
		};
		ensure!(ok, Error::<T>::BadInput);
		ensure!(Self::input_fits_kind(m.kind, input), Error::<T>::InputNotText);
		Ok(())
	}

	/// Whether `input` is what a model of `kind` reads: text (UTF-8) for embedders, any bytes for
	/// classifiers. A request that no worker could run would fault every assigned worker.
	pub fn input_fits_kind(kind: ModelKind, input: &[u8]) -> bool {
		match kind {
			ModelKind::Embedding => core::str::from_utf8(input).is_ok(),
			ModelKind::Classifier => true,
		}
	}

	/// Share (‰) of `MaxLiveJobs` open to free-riders: the rest is kept for contributors, so a
	/// flood of requests from accounts that never contributed cannot lock them out.
	pub const FREE_RIDER_LIVE_PERMILLE: u32 = 750;

	/// Whether `who` may have one more live job: below `MaxLiveJobs` (free-riders: below
	/// [`Self::FREE_RIDER_LIVE_PERMILLE`] of it) and below `MaxLiveJobsPerAccount` of its own.
	pub fn check_room(who: &T::AccountId, contributor: bool) -> DispatchResult {
		let live = LiveJobs::<T>::get();
		let max = T::MaxLiveJobs::get();
		let limit = if contributor {
			max
		} else {
			sp_runtime::Permill::from_parts(Self::FREE_RIDER_LIVE_PERMILLE.saturating_mul(1000))
				.mul_floor(max)
		};
		ensure!(live < limit, Error::<T>::QueueFull);
		ensure!(
			LiveJobsOf::<T>::get(who) < T::MaxLiveJobsPerAccount::get(),
			Error::<T>::TooManyLiveJobs
		);
		Ok(())
	}

	/// The current rate window: the block number divided by `RateWindow`.
	pub(crate) fn rate_window() -> u32 {
		let now: u64 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let window_len: u64 = T::RateWindow::get().unique_saturated_into();
		now.checked_div(window_len).unwrap_or(0).try_into().unwrap_or(u32::MAX)
	}

	/// One step of the idle sweep of [`RequestCounts`]: once per rate window a pass removes the
	/// counters of past windows, at most [`REQUEST_SWEEP_PER_BLOCK`] entries a block and only
	/// as many as the idle weight pays for (one read and one write each), resuming from a
	/// cursor. Without it every account that ever sent a request would keep a counter for good.
	/// Returns the weight used.
	pub fn sweep_request_counts(remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let base = db.reads(1);
		let per_entry = db.reads_writes(1, 1);
		if !remaining.all_gte(base) {
			return Weight::zero();
		}
		let window = Self::rate_window();
		let (swept, cursor) = RequestSweep::<T>::get();
		if swept == window {
			return base;
		}
		let mut used = base.saturating_add(db.writes(1));
		// Not even one entry fits: leave the cursor as it is.
		if !remaining.all_gte(used.saturating_add(per_entry)) {
			return base;
		}
		let resume = cursor.clone();
		let mut iter = match cursor {
			Some(key) => RequestCounts::<T>::iter_from(key.into_inner()),
			None => RequestCounts::<T>::iter(),
		};
		let (mut stale, mut last, mut finished, mut visited) = (Vec::new(), None, true, 0u32);
		while visited < REQUEST_SWEEP_PER_BLOCK {
			if !remaining.all_gte(used.saturating_add(per_entry)) {
				finished = false;
				break;
			}
			let Some((who, (w, _))) = iter.next() else { break };
			used = used.saturating_add(per_entry);
			visited = visited.saturating_add(1);
			last = Some(who.clone());
			if w < window {
				stale.push(who);
			}
		}
		if finished && visited == REQUEST_SWEEP_PER_BLOCK {
			// A full step: the pass is over only if nothing follows (one more read).
			finished = remaining.all_gte(used.saturating_add(db.reads(1))) && {
				used = used.saturating_add(db.reads(1));
				iter.next().is_none()
			};
		}
		for who in stale {
			RequestCounts::<T>::remove(who);
		}
		if finished {
			RequestSweep::<T>::put((window, None::<BoundedVec<u8, ConstU32<128>>>));
		} else {
			// The storage key of the last entry visited only (not one per entry).
			let cursor = last
				.map(|who| BoundedVec::truncate_from(RequestCounts::<T>::hashed_key_for(&who)))
				.or(resume);
			RequestSweep::<T>::put((swept, cursor));
		}
		used
	}

	/// The consumer's `(window, count)` for a new request, or [`Error::RateLimited`].
	pub fn rate_state(who: &T::AccountId) -> Result<(u32, u32), DispatchError> {
		let window = Self::rate_window();
		let (w, c) = RequestCounts::<T>::get(who);
		let count = if w == window { c } else { 0 };
		let contributor = T::Workers::contribution(who) >= T::ContributorThreshold::get();
		let limit =
			if contributor { T::ContributorRequests::get() } else { T::FreeRiderRequests::get() };
		ensure!(count < limit, Error::<T>::RateLimited);
		Ok((window, count))
	}

	pub(crate) fn replica_index(j: &JobOf<T>, who: &T::AccountId) -> Result<usize, DispatchError> {
		j.replicas
			.iter()
			.position(|r| r.worker == *who)
			.ok_or_else(|| Error::<T>::NotAssigned.into())
	}
}
