//! Data types of the credits pallet and the pure lot arithmetic behind every balance change.
//!
//! The functions here work on plain slices and vectors so that they can be property-tested
//! without storage; the pallet wraps them with storage reads, bounds and events.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
	PartialEqNoBound,
};
use scale_info::TypeInfo;

pub use declai_primitives::{Balance, DayIndex, WithholdReason, CRED};

/// A lot: credits that all expire at the start of the same day.
///
/// An account holds its credits as lots sorted by `expires_on`, oldest first, with at most one lot
/// per day. A lot with `expires_on <= today` is expired: it counts for nothing.
#[derive(
	Clone,
	Copy,
	Debug,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
pub struct Lot {
	/// First day on which these credits are no longer spendable.
	pub expires_on: DayIndex,
	/// Amount of credits in the lot; never zero in storage.
	pub amount: Balance,
}

/// The derived decoding, in one read: lot lists are the ledger's most read values (every
/// balance change decodes an account's lots and the per-day totals, up to `MaxLots` each), and
/// two reads per lot were most of their cost. Same bytes as the derive: the day, then the amount,
/// little-endian.
impl Decode for Lot {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let mut bytes = [0u8; 20];
		input.read(&mut bytes)?;
		let (day, amount) = bytes.split_at(4);
		let day: [u8; 4] = day.try_into().map_err(|_| "lot day")?;
		let amount: [u8; 16] = amount.try_into().map_err(|_| "lot amount")?;
		Ok(Lot { expires_on: DayIndex::from_le_bytes(day), amount: Balance::from_le_bytes(amount) })
	}

	fn encoded_fixed_size() -> Option<usize> {
		Some(20)
	}
}

/// What a mint did: how much reached the account and how much was withheld and why.
#[derive(Clone, Copy, Debug, Decode, DecodeWithMemTracking, Encode, Eq, PartialEq, TypeInfo)]
pub struct MintOutcome {
	/// Credits added to the account.
	pub minted: Balance,
	/// Credits not minted.
	pub withheld: Balance,
	/// Why anything was withheld; `None` when `withheld` is zero.
	pub reason: Option<WithholdReason>,
}

/// One lot as a client sees it: amount, expiry block and an estimate of the expiry time.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct LotInfo<BlockNumber> {
	/// Amount in the lot.
	pub amount: Balance,
	/// Day index at which the lot expires.
	pub expires_on_day: DayIndex,
	/// First block at which the lot is no longer spendable.
	pub expires_at_block: BlockNumber,
	/// Estimated unix time (ms) of `expires_at_block`, from the current time and the block time.
	pub expires_at_ms: u64,
}

/// Credit summary of an account, served by the `CreditsApi` runtime API and `declai_creditSummary`.
#[derive(Clone, Debug, Decode, Encode, Eq, PartialEq, TypeInfo)]
pub struct CreditSummary<BlockNumber> {
	/// Unexpired, unheld credits: what the account can spend or transfer now.
	pub spendable: Balance,
	/// Credits on hold (escrow), all reasons together.
	pub held: Balance,
	/// Unexpired free lots, oldest first.
	pub lots: Vec<LotInfo<BlockNumber>>,
	/// The lot that expires next, if any.
	pub next_expiry: Option<LotInfo<BlockNumber>>,
	/// The most this account may hold now (concentration cap).
	pub cap: Balance,
	/// Total credits in existence (unexpired free lots plus holds).
	pub total_issuance: Balance,
}

/// Errors of the pure lot functions; the pallet maps them to its named errors.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LotError {
	/// Not enough credits in the lots.
	Insufficient,
	/// The result would have more lots than allowed.
	TooManyLots,
	/// An amount overflowed `u128`.
	Overflow,
}

/// Sum of the amounts of `lots`, or `None` on overflow.
pub fn total(lots: &[Lot]) -> Option<Balance> {
	lots.iter().try_fold(0u128, |acc, lot| acc.checked_add(lot.amount))
}

/// Sum of the lots that are still alive on `today` (saturating: issuance is bounded by `u128`).
pub fn live_total(lots: &[Lot], today: DayIndex) -> Balance {
	lots.iter()
		.filter(|lot| lot.expires_on > today)
		.fold(0u128, |acc, lot| acc.saturating_add(lot.amount))
}

/// [`live_total`] of the lots SCALE-encoded at the start of `bytes` (a list of at most `max` lots,
/// as stored), read in place instead of decoded into a vector first. What reading a stored value
/// with a default gives: 0 for bytes that do not start with such a list, and bytes after it
/// ignored.
pub fn live_total_encoded(bytes: &[u8], today: DayIndex, max: u32) -> Balance {
	let mut input = bytes;
	let Ok(codec::Compact(len)) = codec::Compact::<u32>::decode(&mut input) else { return 0 };
	if len > max || input.len() < (len as usize).saturating_mul(20) {
		return 0;
	}
	// Each record as `Lot`'s own decoding reads it, one at a time.
	input
		.chunks_exact(20)
		.take(len as usize)
		.filter_map(|mut record| Lot::decode(&mut record).ok())
		.filter(|lot| lot.expires_on > today)
		.fold(0u128, |acc, lot| acc.saturating_add(lot.amount))
}

/// Removes the lots expired on `today` from a sorted lot list and returns their total.
pub fn purge_expired(lots: &mut Vec<Lot>, today: DayIndex) -> Balance {
	let live_from = lots.iter().position(|lot| lot.expires_on > today).unwrap_or(lots.len());
	lots.drain(..live_from).fold(0u128, |acc, lot| acc.saturating_add(lot.amount))
}

/// Takes up to `amount` from `lots` in the order given; returns the pieces taken in that order.
fn take_in_order<'a>(lots: impl Iterator<Item = &'a mut Lot>, amount: Balance) -> Vec<Lot> {
	let mut taken = Vec::new();
	let mut left = amount;
	for lot in lots {
		if left == 0 {
			break;
		}
		let piece = lot.amount.min(left);
		// `piece <= lot.amount` and `piece <= left` by construction.
		lot.amount = lot.amount.saturating_sub(piece);
		left = left.saturating_sub(piece);
		taken.push(Lot { expires_on: lot.expires_on, amount: piece });
	}
	taken
}

/// Takes `amount` from the oldest lots first; returns the pieces taken, oldest first.
///
/// On error `lots` is left unchanged. The pieces keep their expiry day: moving credits never
/// refreshes their expiry.
pub fn take_oldest(lots: &mut Vec<Lot>, amount: Balance) -> Result<Vec<Lot>, LotError> {
	if total(lots).ok_or(LotError::Overflow)? < amount {
		return Err(LotError::Insufficient);
	}
	let taken = take_in_order(lots.iter_mut(), amount);
	lots.retain(|lot| lot.amount > 0);
	Ok(taken)
}

/// Merges `pieces` into a sorted lot list, one lot per day, keeping at most `max_lots` lots.
///
/// On error `lots` is left unchanged.
pub fn merge(lots: &mut Vec<Lot>, pieces: &[Lot], max_lots: usize) -> Result<(), LotError> {
	let mut merged = lots.clone();
	for piece in pieces.iter().filter(|piece| piece.amount > 0) {
		match merged.binary_search_by_key(&piece.expires_on, |lot| lot.expires_on) {
			Ok(at) => {
				let lot = merged.get_mut(at).ok_or(LotError::Overflow)?;
				lot.amount = lot.amount.checked_add(piece.amount).ok_or(LotError::Overflow)?;
			}
			Err(at) => merged.insert(at, *piece),
		}
	}
	if merged.len() > max_lots {
		return Err(LotError::TooManyLots);
	}
	*lots = merged;
	Ok(())
}


/// The per-day totals of all free lots, as one dense window of days: `amounts[i]` is what expires
/// on day `first_day + i`, zeros included. Kept canonical: empty with `first_day` 0, or with the
/// first and the last amount non-zero, so that equal totals have equal bytes.
///
/// Dense and not one entry per day (as a list of [`Lot`]s was, and a map before it): the amounts
/// are plain `u128`s, which SCALE decodes and encodes as one copy of bytes instead of record by
/// record, and every mint and burn rewrites this value. The window spans at most the lot lifetime
/// (mints land on its last day), so its size is bounded by the same `MaxLots` days.
#[derive(
	CloneNoBound,
	Decode,
	DecodeWithMemTracking,
	DefaultNoBound,
	Encode,
	EqNoBound,
	DebugNoBound,
	PartialEqNoBound,
	TypeInfo,
)]
#[scale_info(skip_type_params(S))]
pub struct DayTotals<S: Get<u32>> {
	/// The day `amounts[0]` expires on.
	pub first_day: DayIndex,
	/// Credits expiring on each day from `first_day` on.
	pub amounts: BoundedVec<Balance, S>,
}

impl<S: Get<u32>> MaxEncodedLen for DayTotals<S> {
	fn max_encoded_len() -> usize {
		DayIndex::max_encoded_len().saturating_add(BoundedVec::<Balance, S>::max_encoded_len())
	}
}

impl<S: Get<u32>> DayTotals<S> {
	/// The days with a non-zero total, in order, with their totals.
	pub fn days(&self) -> impl Iterator<Item = (DayIndex, Balance)> + '_ {
		(self.first_day..).zip(self.amounts.iter().copied()).filter(|(_, amount)| *amount > 0)
	}

	/// Whether the window is in its canonical form (see the type's docs).
	pub fn is_canonical(&self) -> bool {
		match (self.amounts.first(), self.amounts.last()) {
			(Some(first), Some(last)) => *first > 0 && *last > 0,
			_ => self.first_day == 0,
		}
	}

	/// Adds `pieces` to their days, widening the window to them. Fails with
	/// [`LotError::TooManyLots`], changing nothing, when the window would span more than `S` days;
	/// with [`LotError::Overflow`] when a day's total overflows, after which the window may be
	/// partly changed, so callers drop it (the pallet changes storage with `try_mutate`).
	pub fn add(&mut self, pieces: &[Lot]) -> Result<(), LotError> {
		let mut amounts = core::mem::take(&mut self.amounts).into_inner();
		let result = add_to_window(&mut self.first_day, &mut amounts, pieces, S::get() as usize);
		self.amounts = BoundedVec::truncate_from(amounts);
		result
	}

	/// Takes `pieces` out of their days (saturating; days outside the window change nothing).
	pub fn subtract(&mut self, pieces: &[Lot]) {
		let mut amounts = core::mem::take(&mut self.amounts).into_inner();
		for piece in pieces {
			let at = piece.expires_on.checked_sub(self.first_day).map(|at| at as usize);
			if let Some(amount) = at.and_then(|at| amounts.get_mut(at)) {
				*amount = amount.saturating_sub(piece.amount);
			}
		}
		trim(&mut self.first_day, &mut amounts);
		self.amounts = BoundedVec::truncate_from(amounts);
	}

	/// Removes day `day`'s total and returns it (0 when the window has none).
	pub fn take_day(&mut self, day: DayIndex) -> Balance {
		let amount = day
			.checked_sub(self.first_day)
			.and_then(|at| self.amounts.get(at as usize).copied())
			.unwrap_or_default();
		self.subtract(&[Lot { expires_on: day, amount }]);
		amount
	}
}

/// [`DayTotals::add`] on a plain vector, bounded by `max_days`.
fn add_to_window(
	first_day: &mut DayIndex,
	amounts: &mut Vec<Balance>,
	pieces: &[Lot],
	max_days: usize,
) -> Result<(), LotError> {
	let days = pieces.iter().filter(|piece| piece.amount > 0).map(|piece| piece.expires_on);
	let (Some(low), Some(high)) = (days.clone().min(), days.max()) else { return Ok(()) };
	let (low, high) = if amounts.is_empty() {
		(low, high)
	} else {
		let last = first_day.saturating_add(amounts.len().saturating_sub(1) as DayIndex);
		(low.min(*first_day), high.max(last))
	};
	// `low <= high`, and every day below is at least `low`: the subtractions cannot saturate.
	let span = (high.saturating_sub(low) as usize).saturating_add(1);
	if span > max_days {
		return Err(LotError::TooManyLots);
	}
	if amounts.is_empty() {
		*first_day = low;
	} else if low < *first_day {
		let before = first_day.saturating_sub(low) as usize;
		amounts.splice(0..0, core::iter::repeat_n(0, before));
		*first_day = low;
	}
	amounts.resize(span, 0);
	for piece in pieces.iter().filter(|piece| piece.amount > 0) {
		let amount = amounts
			.get_mut(piece.expires_on.saturating_sub(*first_day) as usize)
			.ok_or(LotError::Overflow)?;
		*amount = amount.checked_add(piece.amount).ok_or(LotError::Overflow)?;
	}
	Ok(())
}

/// Drops the zero days at both ends of a window (all of them: an empty window starts at day 0).
fn trim(first_day: &mut DayIndex, amounts: &mut Vec<Balance>) {
	while amounts.last() == Some(&0) {
		amounts.pop();
	}
	let zeros = amounts.iter().take_while(|amount| **amount == 0).count();
	if zeros > 0 {
		amounts.drain(..zeros);
		*first_day = first_day.saturating_add(zeros as DayIndex);
	}
	if amounts.is_empty() {
		*first_day = 0;
	}
}

/// Takes up to `amount` from the newest lots first (used to refund fees to the lots they came
/// from without extending any expiry); returns what was taken, oldest first.
pub fn take_newest(lots: &mut Vec<Lot>, amount: Balance) -> Vec<Lot> {
	let mut taken = take_in_order(lots.iter_mut().rev(), amount);
	lots.retain(|lot| lot.amount > 0);
	taken.reverse();
	taken
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn lots_strategy() -> impl Strategy<Value = Vec<Lot>> {
		proptest::collection::btree_map(1u32..400, 1u128..1_000_000_000, 0..40).prop_map(|m| {
			m.into_iter().map(|(expires_on, amount)| Lot { expires_on, amount }).collect()
		})
	}

	fn is_sorted_unique(lots: &[Lot]) -> bool {
		lots.windows(2).all(|w| matches!(w, [a, b] if a.expires_on < b.expires_on))
			&& lots.iter().all(|l| l.amount > 0)
	}

	#[test]
	fn day_totals_hold_exactly_their_bound_of_days() {
		type Window = DayTotals<frame_support::traits::ConstU32<4>>;
		let mut window = Window::default();
		let lot = |expires_on, amount| Lot { expires_on, amount };
		window.add(&[lot(10, 1), lot(13, 2)]).unwrap();
		assert_eq!((window.first_day, window.amounts.to_vec()), (10, vec![1, 0, 0, 2]));
		// One day more, on either side, is refused and changes nothing.
		assert_eq!(window.add(&[lot(14, 1)]), Err(LotError::TooManyLots));
		assert_eq!(window.add(&[lot(9, 1)]), Err(LotError::TooManyLots));
		assert_eq!((window.first_day, window.amounts.to_vec()), (10, vec![1, 0, 0, 2]));
		// Zero pieces widen nothing; a closed first day moves the window on.
		window.add(&[lot(30, 0)]).unwrap();
		assert_eq!(window.take_day(10), 1);
		assert_eq!((window.first_day, window.amounts.to_vec()), (13, vec![2]));
		window.add(&[lot(11, 3), lot(11, 4)]).unwrap();
		assert_eq!((window.first_day, window.amounts.to_vec()), (11, vec![7, 0, 2]));
		window.subtract(&[lot(11, 7), lot(13, 5)]);
		assert_eq!(window, Window::default());
		assert!(window.is_canonical());
	}

	#[test]
	fn take_oldest_takes_in_expiry_order() {
		let mut lots = vec![Lot { expires_on: 3, amount: 5 }, Lot { expires_on: 7, amount: 10 }];
		let taken = take_oldest(&mut lots, 8).unwrap();
		assert_eq!(taken, vec![Lot { expires_on: 3, amount: 5 }, Lot { expires_on: 7, amount: 3 }]);
		assert_eq!(lots, vec![Lot { expires_on: 7, amount: 7 }]);
		assert_eq!(take_oldest(&mut lots, 8), Err(LotError::Insufficient));
		assert_eq!(lots, vec![Lot { expires_on: 7, amount: 7 }]);
	}

	#[test]
	fn merge_respects_the_bound_and_leaves_lots_unchanged_on_error() {
		let mut lots = vec![Lot { expires_on: 3, amount: 5 }];
		assert_eq!(
			merge(&mut lots, &[Lot { expires_on: 4, amount: 1 }], 1),
			Err(LotError::TooManyLots)
		);
		assert_eq!(lots, vec![Lot { expires_on: 3, amount: 5 }]);
		merge(&mut lots, &[Lot { expires_on: 3, amount: 1 }], 1).unwrap();
		assert_eq!(lots, vec![Lot { expires_on: 3, amount: 6 }]);
	}

	#[test]
	fn merge_reports_overflow_and_changes_nothing() {
		let mut lots = vec![Lot { expires_on: 3, amount: u128::MAX }];
		assert_eq!(
			merge(&mut lots, &[Lot { expires_on: 3, amount: 1 }], 5),
			Err(LotError::Overflow)
		);
		assert_eq!(lots, vec![Lot { expires_on: 3, amount: u128::MAX }]);
		let mut two =
			vec![Lot { expires_on: 1, amount: u128::MAX }, Lot { expires_on: 2, amount: 1 }];
		assert_eq!(take_oldest(&mut two, 1), Err(LotError::Overflow));
	}

	#[test]
	fn purge_expired_drops_exactly_the_expired_prefix() {
		let mut lots = vec![
			Lot { expires_on: 3, amount: 5 },
			Lot { expires_on: 4, amount: 6 },
			Lot { expires_on: 9, amount: 7 },
		];
		assert_eq!(purge_expired(&mut lots, 4), 11);
		assert_eq!(lots, vec![Lot { expires_on: 9, amount: 7 }]);
	}

	proptest! {
		/// Moving credits between lot lists conserves the total and every expiry day's amount.
		#[test]
		fn take_then_merge_conserves_per_day(from in lots_strategy(), to in lots_strategy(), frac in 0u128..=100) {
			let mut from = from;
			let mut to = to;
			let before_total = total(&from).unwrap() + total(&to).unwrap();
			let amount = total(&from).unwrap() * frac / 100;
			let mut per_day = std::collections::BTreeMap::<u32, u128>::new();
			for lot in from.iter().chain(to.iter()) { *per_day.entry(lot.expires_on).or_default() += lot.amount; }

			let taken = take_oldest(&mut from, amount).unwrap();
			prop_assert_eq!(total(&taken).unwrap(), amount);
			// Only the oldest lots are touched: every remaining lot is at least as new as the newest piece taken.
			if let (Some(last), Some(first_left)) = (taken.last(), from.first()) {
				prop_assert!(first_left.expires_on >= last.expires_on);
			}
			merge(&mut to, &taken, 1000).unwrap();
			prop_assert!(is_sorted_unique(&from) && is_sorted_unique(&to));
			prop_assert_eq!(total(&from).unwrap() + total(&to).unwrap(), before_total);
			let mut after = std::collections::BTreeMap::<u32, u128>::new();
			for lot in from.iter().chain(to.iter()) { *after.entry(lot.expires_on).or_default() += lot.amount; }
			prop_assert_eq!(per_day, after);
		}

		/// Refunds never move credits to a later expiry than they had.
		#[test]
		fn take_newest_is_bounded_and_conserving(lots in lots_strategy(), amount in 0u128..5_000_000_000) {
			let mut lots = lots;
			let before = total(&lots).unwrap();
			let taken = take_newest(&mut lots, amount);
			prop_assert_eq!(total(&taken).unwrap(), amount.min(before));
			prop_assert_eq!(total(&taken).unwrap() + total(&lots).unwrap(), before);
			prop_assert!(is_sorted_unique(&lots));
		}

		/// Summing the encoded lots in place gives what decoding them and summing gives (bytes
		/// left over ignored, as decoding does), and 0 for a list that is too long or cut short.
		#[test]
		fn the_live_total_reads_the_encoded_lots(lots in lots_strategy(), today in 0u32..400, cut in 1usize..20) {
			let bytes = lots.encode();
			prop_assert_eq!(live_total_encoded(&bytes, today, 1000), live_total(&lots, today));
			if !lots.is_empty() {
				prop_assert_eq!(live_total_encoded(&bytes, today, lots.len() as u32 - 1), 0);
				prop_assert_eq!(live_total_encoded(&bytes[..bytes.len() - cut], today, 1000), 0);
				let mut longer = bytes.clone();
				longer.push(0);
				prop_assert_eq!(live_total_encoded(&longer, today, 1000), live_total(&lots, today));
			}
			// Past 63 lots the length takes two bytes.
			let many: Vec<Lot> = (1..=100u32).map(|d| Lot { expires_on: d, amount: u128::from(d) }).collect();
			prop_assert_eq!(live_total_encoded(&many.encode(), today, 400), live_total(&many, today));
		}

		/// The dense per-day totals agree with a map of day to total after any sequence of
		/// additions, subtractions and closed days; stay canonical; refuse a span beyond their
		/// bound without changing the days they hold; and round-trip through their encoding.
		#[test]
		fn day_totals_track_a_map_of_days(
			ops in proptest::collection::vec(
				(0u8..3, proptest::collection::vec((1u32..80, 0u128..1_000), 0..6)),
				1..40,
			),
		) {
			type Window = DayTotals<frame_support::traits::ConstU32<64>>;
			let mut window = Window::default();
			let mut model = alloc::collections::BTreeMap::<DayIndex, Balance>::new();
			for (op, pieces) in ops {
				// Days 1..80 against a 64-day bound: some additions exceed it, most do not;
				// pieces may repeat a day or carry nothing.
				let pieces: Vec<Lot> =
					pieces.into_iter().map(|(expires_on, amount)| Lot { expires_on, amount }).collect();
				match op {
					0 => {
						let before = window.clone();
						match window.add(&pieces) {
							Ok(()) => {
								for piece in pieces.iter().filter(|p| p.amount > 0) {
									*model.entry(piece.expires_on).or_default() += piece.amount;
								}
							}
							Err(e) => {
								prop_assert_eq!(e, LotError::TooManyLots);
								// Refused only beyond the bound, and before anything changes.
								let days = model.keys().copied().chain(
									pieces.iter().filter(|p| p.amount > 0).map(|p| p.expires_on),
								);
								let span = days.clone().max().unwrap_or(0) - days.min().unwrap_or(0) + 1;
								prop_assert!(span > 64, "refused a span of {}", span);
								prop_assert_eq!(&window, &before);
							}
						}
					}
					1 => {
						window.subtract(&pieces);
						for piece in &pieces {
							if let Some(total) = model.get_mut(&piece.expires_on) {
								*total = total.saturating_sub(piece.amount);
							}
						}
					}
					_ => {
						let day = pieces.first().map_or(0, |p| p.expires_on);
						let expected = model.remove(&day).unwrap_or_default();
						prop_assert_eq!(window.take_day(day), expected);
					}
				}
				model.retain(|_, total| *total > 0);
				prop_assert!(window.is_canonical());
				prop_assert!(window.amounts.len() <= 64);
				prop_assert_eq!(window.days().collect::<alloc::collections::BTreeMap<_, _>>(), model.clone());
				let bytes = window.encode();
				prop_assert_eq!(bytes.len(), window.encoded_size());
				prop_assert_eq!(Window::decode(&mut &bytes[..]).unwrap(), window.clone());
			}
		}

		/// The one-read decoding reads what the derived encoding wrote, and nothing more.
		#[test]
		fn a_lot_decodes_what_it_encoded(lots in lots_strategy(), day: u32, amount: u128) {
			let mut lots = lots;
			lots.push(Lot { expires_on: day, amount });
			let bytes = lots.encode();
			prop_assert_eq!(bytes.len(), 1 + lots.len() * 20 + usize::from(lots.len() >= 64));
			prop_assert_eq!(Vec::<Lot>::decode(&mut &bytes[..]).unwrap(), lots);
		}

		#[test]
		fn live_total_plus_purged_is_total(lots in lots_strategy(), today in 0u32..400) {
			let mut lots = lots;
			let all = total(&lots).unwrap();
			let live = live_total(&lots, today);
			let purged = purge_expired(&mut lots, today);
			prop_assert_eq!(live + purged, all);
			prop_assert_eq!(total(&lots).unwrap(), live);
			prop_assert!(lots.iter().all(|l| l.expires_on > today));
		}
	}
}
