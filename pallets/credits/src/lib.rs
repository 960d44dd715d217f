//! # Credits pallet
//!
//! DeCLAI credits are a claim on compute: `1 CRED` (12 decimals) is one reference GPU-hour of
//! verified work. They are minted only through a privileged path, expire 365 days after minting,
//! and no account may hold more than a share (5%) of all credits.
//!
//! ## Lots and expiry
//! An account's credits are held in **lots keyed by expiry day** (`expires_on`), sorted oldest
//! first, merged per day, at most [`Config::MaxLots`] of them. A lot minted at block `n` expires at
//! the start of day `ceil((n + ExpiryPeriod) / BlocksPerDay)`: never earlier than `ExpiryPeriod`
//! blocks after minting, at most one day later. Spending, transfers, fees and holds take the
//! oldest lots first and keep their expiry day: moving credits never refreshes expiry.
//!
//! Expired lots count for nothing from the first block of their expiry day: balance queries
//! ignore them, and the per-day totals in [`ExpiringOn`] let `on_initialize` remove a whole day's
//! expiry from [`TotalIssuance`] in O(1). The lots themselves are deleted lazily, by the next write
//! to the account or by the bounded, weighed sweep in `on_idle`, each with an [`Event::Expired`].
//!
//! ## Holds
//! Holds (escrow) move lots out of the free balance under a hold reason; held credits do not
//! expire while held. A release returns the lots with their expiry day (lots whose day has
//! passed expire at once); a burn destroys them and is recorded as consumption
//! ([`Event::Burned`]).
//!
//! ## Concentration cap
//! An inflow (transfer in, mint, release) may not leave an account with more than
//! `max(BootstrapCap, MaxShare × TotalIssuance)`. Transfers that would break it fail with
//! [`Error::ConcentrationCapExceeded`]; mints are clipped and the withheld part is reported.
//! Because total issuance can fall (burns, expiry), an account may later be above the current cap;
//! it then cannot receive credits until it is back under it.
//!
//! ## Accounts
//! The first credit an account receives gives it a `frame_system` provider reference, so it can
//! sign transactions. Accounts are never reaped: a reaped account would restart its nonce at zero
//! and make its old transactions replayable.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod fees;
pub mod fungible_impl;
pub mod migrations;
pub mod runtime_api;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use fees::CreditsFeeAdapter;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, UnixTime},
};
use frame_system::pallet_prelude::*;
use sp_runtime::{
	traits::{Saturating, StaticLookup, UniqueSaturatedInto, Zero},
	Perbill,
};

/// The lots of one account or hold, bounded by [`Config::MaxLots`].
pub type LotsOf<T> = BoundedVec<Lot, <T as Config>::MaxLots>;

type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// Per-day totals of free lots, a dense window of at most [`Config::MaxLots`] days (see
/// [`DayTotals`]).
pub type ExpiryTotalsOf<T> = DayTotals<<T as Config>::MaxLots>;

/// Raw storage key of the sweep cursor (a key of [`Lots`]).
pub type SweepCursorKey = BoundedVec<u8, ConstU32<128>>;

// FRAME's storage and genesis macros expand to `expect` calls that carry their own proofs.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The hold reasons of this pallet. Other pallets add their own to `RuntimeHoldReason`.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Credits escrowed for a request that has not been settled yet.
		#[codec(index = 0)]
		Escrow,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching hold reason.
		type RuntimeHoldReason: Parameter + Member + MaxEncodedLen + Copy + From<HoldReason>;

		/// Origin allowed to mint credits (governance now; the economics pallet settles jobs
		/// through [`Pallet::mint_capped`]).
		type MintOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Origin allowed to change the bootstrap cap.
		type CapOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks in one day, from the runtime's block time.
		#[pallet::constant]
		type BlocksPerDay: Get<BlockNumberFor<Self>>;

		/// Blocks after minting at which a lot expires (365 days).
		#[pallet::constant]
		type ExpiryPeriod: Get<BlockNumberFor<Self>>;

		/// Milliseconds per block, to estimate expiry times for clients.
		#[pallet::constant]
		type MillisecsPerBlock: Get<u64>;

		/// Most lots per account or per hold; must exceed the expiry period in days.
		#[pallet::constant]
		type MaxLots: Get<u32>;

		/// Largest share of all credits one account may hold (5%).
		#[pallet::constant]
		type MaxShare: Get<Perbill>;

		/// Most accounts the idle sweep visits in one block.
		#[pallet::constant]
		type MaxSweepPerBlock: Get<u32>;

		/// Least amount a transfer may send to an account that does not exist yet. Accounts are
		/// never reaped, so each new one is storage for good: this is what it costs to create
		/// (the receiver keeps it), instead of a dust transfer's fee alone.
		#[pallet::constant]
		type NewAccountMinimum: Get<Balance>;

		/// Source of the current unix time (ms), for expiry time estimates.
		type UnixTime: frame_support::traits::UnixTime;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The storage layout's version (the one this code reads; migrations move older ones to it).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Free lots of each account, oldest first. May contain expired lots until swept.
	#[pallet::storage]
	pub type Lots<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, LotsOf<T>, ValueQuery>;

	/// Held lots per account and reason, oldest first. Held credits do not expire while held.
	#[pallet::storage]
	pub type Holds<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::RuntimeHoldReason,
		LotsOf<T>,
		ValueQuery,
	>;

	/// Total credits in existence: unexpired free lots plus all holds.
	#[pallet::storage]
	pub type TotalIssuance<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Sum of all free lots per expiry day, for days not yet reached, as one dense window of days
	/// ([`DayTotals`], at most `MaxLots` days) so that any operation touching many days costs one
	/// read and one write: a map with an entry per day moved fewer bytes per balance change (the
	/// simulator ran faster with it), but a burn or a fee taken from many lots then touched as
	/// many entries, and the weight of every transaction's fee payment is priced for that worst
	/// case. Storage version 1 (a list of `Lot`s before; [`migrations::v1`]).
	#[pallet::storage]
	pub type ExpiringOn<T: Config> = StorageValue<_, ExpiryTotalsOf<T>, ValueQuery>;

	/// The last day whose expiry has been taken out of [`TotalIssuance`].
	#[pallet::storage]
	pub type LastClosedDay<T: Config> = StorageValue<_, DayIndex, ValueQuery>;

	/// Absolute cap that applies while 5% of the supply is smaller (network bootstrap).
	#[pallet::storage]
	pub type BootstrapCap<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// The highest cap under which an inflow was accepted. The cap can fall afterwards (supply
	/// burned or expired, bootstrap cap lowered), so `try_state` checks every account against this.
	#[pallet::storage]
	pub type CapHighWater<T: Config> = StorageValue<_, Balance, ValueQuery>;

	/// Where the idle sweep resumes; `None` when no pass is under way.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, SweepCursorKey, OptionQuery>;

	/// Whether expired lots may still sit in account storage.
	#[pallet::storage]
	pub type SweepPending<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Initial credits per account, minted at genesis (expiring 365 days later).
		pub balances: Vec<(T::AccountId, Balance)>,
		/// Absolute bootstrap cap. Every genesis balance must fit under the cap of the whole
		/// genesis supply: `max(bootstrap_cap, MaxShare × Σ balances)`.
		pub bootstrap_cap: Balance,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		// A bad genesis must stop the chain from being built at all: panicking is the only way.
		#[allow(clippy::panic)]
		fn build(&self) {
			// The cap is that of the whole genesis supply, not of the supply minted so far.
			let supply =
				self.balances.iter().fold(0 as Balance, |sum, (_, a)| sum.saturating_add(*a));
			let cap = self.bootstrap_cap.max(T::MaxShare::get().mul_floor(supply));
			BootstrapCap::<T>::put(cap);
			let mut seen = alloc::collections::BTreeSet::new();
			for (who, amount) in &self.balances {
				assert!(seen.insert(who.clone()), "duplicate account in credits genesis");
				assert!(*amount > 0, "zero genesis balance");
				let outcome = Pallet::<T>::mint_capped(who, *amount)
					.unwrap_or_else(|e| panic!("genesis mint failed: {e:?}"));
				assert!(
					outcome.withheld == 0,
					"genesis balance above the concentration cap: raise bootstrap_cap"
				);
			}
			BootstrapCap::<T>::put(self.bootstrap_cap);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Credits were minted to `who`; `withheld` were not, for `reason`.
		Minted {
			who: T::AccountId,
			amount: Balance,
			withheld: Balance,
			reason: Option<WithholdReason>,
			expires_on: DayIndex,
		},
		/// Credits moved between accounts, keeping their expiry days.
		Transferred { from: T::AccountId, to: T::AccountId, amount: Balance },
		/// Credits were put on hold (escrow).
		Held { who: T::AccountId, reason: T::RuntimeHoldReason, amount: Balance },
		/// Held credits went back to the free balance.
		Released { who: T::AccountId, reason: T::RuntimeHoldReason, amount: Balance },
		/// Credits were destroyed as consumption: proof of destruction for the receipt.
		Burned { who: T::AccountId, amount: Balance },
		/// Expired lots of `who` were removed from storage.
		Expired { who: T::AccountId, amount: Balance },
		/// A day began: `amount` credits expiring on `day` stopped counting.
		DayClosed { day: DayIndex, amount: Balance },
		/// The bootstrap cap was changed.
		BootstrapCapSet { cap: Balance },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero; send a positive amount.
		ZeroAmount,
		/// Sender and receiver are the same account; transfers to self are not allowed.
		TransferToSelf,
		/// The account has fewer unexpired, unheld credits than the amount.
		InsufficientCredits,
		/// The receiver would hold more than the concentration cap; send less.
		ConcentrationCapExceeded,
		/// The receiver has no account yet and the amount is below
		/// [`Config::NewAccountMinimum`]; send at least that much to open an account.
		BelowNewAccountMinimum,
		/// The account or hold would have more lots than `MaxLots`.
		TooManyLots,
		/// Less is held for this reason than the amount.
		InsufficientHeld,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let today = Self::day_of(n);
			let mut closed = 0u32;
			// Block numbers advance by one, so at most one day closes per block; the loop only
			// catches up when the day length is shorter than a block step (never in practice).
			while LastClosedDay::<T>::get() < today && closed < 2 {
				let day = LastClosedDay::<T>::get().saturating_add(1);
				let amount = ExpiringOn::<T>::mutate(|totals| totals.take_day(day));
				if !amount.is_zero() {
					TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(amount));
					// Restart the sweep so that accounts already passed are visited again.
					SweepPending::<T>::put(true);
					SweepCursor::<T>::kill();
					Self::deposit_event(Event::DayClosed { day, amount });
				}
				LastClosedDay::<T>::put(day);
				closed = closed.saturating_add(1);
			}
			if closed == 0 {
				T::WeightInfo::on_initialize_idle()
			} else {
				T::WeightInfo::on_initialize_day_closed().saturating_mul(closed.into())
			}
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(remaining)
		}

		fn integrity_test() {
			let per_day: u64 = T::BlocksPerDay::get().unique_saturated_into();
			let period: u64 = T::ExpiryPeriod::get().unique_saturated_into();
			assert!(per_day > 0, "BlocksPerDay must be positive");
			assert!(period > 0, "ExpiryPeriod must be positive: a lot must outlive its mint");
			let days = period.div_ceil(per_day);
			assert!(
				u64::from(T::MaxLots::get()) > days,
				"MaxLots must exceed the expiry period in days: an account can hold a lot for every day"
			);
			assert!(T::MaxShare::get() < Perbill::one(), "MaxShare must be below 100%");
			assert!(T::MaxSweepPerBlock::get() > 0, "MaxSweepPerBlock must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Transfer `amount` credits to `dest`, oldest lots first, keeping their expiry days.
		///
		/// Origin: signed. Errors: [`Error::ZeroAmount`], [`Error::TransferToSelf`],
		/// [`Error::InsufficientCredits`], [`Error::ConcentrationCapExceeded`],
		/// [`Error::BelowNewAccountMinimum`], [`Error::TooManyLots`]. Event:
		/// [`Event::Transferred`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::transfer())]
		pub fn transfer(
			origin: OriginFor<T>,
			dest: AccountIdLookupOf<T>,
			#[pallet::compact] amount: Balance,
		) -> DispatchResult {
			let from = ensure_signed(origin)?;
			let to = T::Lookup::lookup(dest)?;
			Self::do_transfer(&from, &to, amount)
		}

		/// Mint `amount` credits to `who`, clipped to the concentration cap.
		///
		/// Origin: [`Config::MintOrigin`] (governance). Errors: [`Error::ZeroAmount`],
		/// [`Error::TooManyLots`]. Event: [`Event::Minted`] with the withheld part and its reason.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::force_mint())]
		pub fn force_mint(
			origin: OriginFor<T>,
			who: AccountIdLookupOf<T>,
			#[pallet::compact] amount: Balance,
		) -> DispatchResult {
			T::MintOrigin::ensure_origin(origin)?;
			let who = T::Lookup::lookup(who)?;
			Self::mint_capped(&who, amount).map(|_| ())
		}

		/// Set the absolute bootstrap cap.
		///
		/// Origin: [`Config::CapOrigin`] (governance). Event: [`Event::BootstrapCapSet`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_bootstrap_cap())]
		pub fn set_bootstrap_cap(
			origin: OriginFor<T>,
			#[pallet::compact] cap: Balance,
		) -> DispatchResult {
			T::CapOrigin::ensure_origin(origin)?;
			BootstrapCap::<T>::put(cap);
			Self::deposit_event(Event::BootstrapCapSet { cap });
			Ok(())
		}
	}
}

impl<T: Config> From<LotError> for Error<T> {
	fn from(e: LotError) -> Self {
		match e {
			LotError::Insufficient => Error::<T>::InsufficientCredits,
			LotError::TooManyLots => Error::<T>::TooManyLots,
			LotError::Overflow => Error::<T>::Overflow,
		}
	}
}

/// Implements [`Config`] for the mock runtime of another pallet's tests: days of `per_day`
/// blocks, lots expiring after `expiry_days` days, at most `max_lots` lots, 3-second blocks, the
/// 5% cap, root as the mint and cap origin, a fixed clock (`FixedTime`). Expects
/// `RuntimeHoldReason` and `AccountId` in scope and `u64` block numbers.
#[macro_export]
macro_rules! impl_mock_config {
	($runtime:ty, per_day: $per_day:expr, expiry_days: $days:expr, max_lots: $lots:expr) => {
		/// A clock fixed at 2023-11-14 for the credits pallet.
		pub struct FixedTime;
		impl frame_support::traits::UnixTime for FixedTime {
			fn now() -> core::time::Duration {
				core::time::Duration::from_millis(1_700_000_000_000)
			}
		}

		frame_support::parameter_types! {
			pub const CreditsMaxShare: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(5);
		}

		impl $crate::Config for $runtime {
			type RuntimeHoldReason = RuntimeHoldReason;
			type MintOrigin = frame_system::EnsureRoot<AccountId>;
			type CapOrigin = frame_system::EnsureRoot<AccountId>;
			type BlocksPerDay = frame_support::traits::ConstU64<{ $per_day }>;
			type ExpiryPeriod = frame_support::traits::ConstU64<{ $per_day * $days }>;
			type MillisecsPerBlock = frame_support::traits::ConstU64<3_000>;
			type MaxLots = frame_support::traits::ConstU32<{ $lots }>;
			type MaxShare = CreditsMaxShare;
			type MaxSweepPerBlock = frame_support::traits::ConstU32<8>;
			type NewAccountMinimum = frame_support::traits::ConstU128<1>;
			type UnixTime = FixedTime;
			type WeightInfo = ();
		}
	};
}

/// Benchmark setup, also used by other pallets' benchmarks: gives `who` `n` lots of `each`
/// credits on consecutive days from `first_day`, keeping every total consistent, and lifts the
/// caps out of the way.
#[cfg(feature = "runtime-benchmarks")]
#[allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]
pub fn benchmark_fill<T: Config>(who: &T::AccountId, first_day: DayIndex, n: u32, each: Balance) {
	BootstrapCap::<T>::put(Balance::MAX / 4);
	let lots: Vec<Lot> = (0..n).map(|i| Lot { expires_on: first_day + i, amount: each }).collect();
	let today = Pallet::<T>::today();
	let live: Vec<Lot> = lots.iter().filter(|lot| lot.expires_on > today).copied().collect();
	TotalIssuance::<T>::mutate(|i| *i += total(&live).unwrap());
	ExpiringOn::<T>::mutate(|totals| totals.add(&live).unwrap());
	CapHighWater::<T>::put(BootstrapCap::<T>::get());
	Lots::<T>::insert(who, LotsOf::<T>::truncate_from(lots));
	frame_system::Pallet::<T>::inc_providers(who);
}

impl<T: Config> Pallet<T> {
	/// Day index of block `n`.
	pub fn day_of(n: BlockNumberFor<T>) -> DayIndex {
		let per_day = T::BlocksPerDay::get();
		if per_day.is_zero() {
			return 0;
		}
		// `per_day` is non-zero (checked above and in `integrity_test`).
		#[allow(clippy::arithmetic_side_effects)]
		let day = n / per_day;
		day.unique_saturated_into()
	}

	/// Today's day index.
	pub fn today() -> DayIndex {
		Self::day_of(frame_system::Pallet::<T>::block_number())
	}

	/// Expiry day of a lot minted now.
	pub fn new_lot_expiry() -> DayIndex {
		let now = frame_system::Pallet::<T>::block_number();
		let per_day: u64 = T::BlocksPerDay::get().unique_saturated_into();
		let at: u64 = now.saturating_add(T::ExpiryPeriod::get()).unique_saturated_into();
		if per_day == 0 {
			return DayIndex::MAX;
		}
		at.div_ceil(per_day).unique_saturated_into()
	}

	/// First block of day `day`.
	pub fn first_block_of(day: DayIndex) -> BlockNumberFor<T> {
		BlockNumberFor::<T>::from(day).saturating_mul(T::BlocksPerDay::get())
	}

	/// The most any account may hold now.
	pub fn cap() -> Balance {
		Self::cap_for_issuance(TotalIssuance::<T>::get())
	}

	fn cap_for_issuance(issuance: Balance) -> Balance {
		BootstrapCap::<T>::get().max(T::MaxShare::get().mul_floor(issuance))
	}

	/// Records that an inflow was accepted under `cap`.
	fn note_cap(cap: Balance) {
		if cap > CapHighWater::<T>::get() {
			CapHighWater::<T>::put(cap);
		}
	}

	/// Unexpired free credits of `who`.
	pub fn spendable(who: &T::AccountId) -> Balance {
		// Summed in place: the most frequent read of the ledger builds no vector of lots.
		frame_support::storage::unhashed::get_raw(&Lots::<T>::hashed_key_for(who))
			.map_or(0, |raw| live_total_encoded(&raw, Self::today(), T::MaxLots::get()))
	}

	/// Credits of `who` on hold, all reasons.
	pub fn held(who: &T::AccountId) -> Balance {
		Holds::<T>::iter_prefix_values(who)
			.fold(0u128, |acc, lots| acc.saturating_add(total(&lots).unwrap_or(Balance::MAX)))
	}

	/// Everything `who` owns: spendable plus held.
	pub fn owned(who: &T::AccountId) -> Balance {
		Self::spendable(who).saturating_add(Self::held(who))
	}

	/// Reads the free lots of `who`, dropping (and reporting) the expired ones.
	/// `today` is [`Self::today`], passed in: its callers have read it already.
	fn load_live(who: &T::AccountId, today: DayIndex) -> Vec<Lot> {
		let mut lots = Lots::<T>::get(who).into_inner();
		let expired = purge_expired(&mut lots, today);
		if !expired.is_zero() {
			// Already taken out of the issuance when the day closed.
			Self::deposit_event(Event::Expired { who: who.clone(), amount: expired });
		}
		lots
	}

	fn store(who: &T::AccountId, lots: Vec<Lot>) -> Result<(), Error<T>> {
		let bounded = LotsOf::<T>::try_from(lots).map_err(|_| Error::<T>::TooManyLots)?;
		if bounded.is_empty() {
			Lots::<T>::remove(who);
		} else {
			Lots::<T>::insert(who, bounded);
		}
		Ok(())
	}

	/// Gives a first-time receiver a provider reference so it can sign transactions.
	fn ensure_account(who: &T::AccountId) {
		if !frame_system::Pallet::<T>::account_exists(who) {
			let _ = frame_system::Pallet::<T>::inc_providers(who);
		}
	}

	/// Adds free pieces to the per-day expiry totals (one read and one write for any number).
	fn add_expiring(pieces: &[Lot], today: DayIndex) -> Result<(), Error<T>> {
		let live: Vec<Lot> = pieces.iter().filter(|p| p.expires_on > today).copied().collect();
		if live.is_empty() {
			return Ok(());
		}
		ExpiringOn::<T>::try_mutate(|totals| totals.add(&live).map_err(Error::<T>::from))
	}

	/// Takes free pieces out of the per-day expiry totals.
	fn sub_expiring(pieces: &[Lot], today: DayIndex) {
		let live: Vec<Lot> = pieces.iter().filter(|p| p.expires_on > today).copied().collect();
		if live.is_empty() {
			return;
		}
		ExpiringOn::<T>::mutate(|totals| totals.subtract(&live));
	}

	/// Moves `amount` from `from` to `to`, oldest lots first, keeping expiry days.
	pub fn do_transfer(from: &T::AccountId, to: &T::AccountId, amount: Balance) -> DispatchResult {
		// One storage layer: a failure part-way changes nothing (not even events).
		frame_support::storage::with_storage_layer(|| {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(from != to, Error::<T>::TransferToSelf);
			ensure!(
				amount >= T::NewAccountMinimum::get()
					|| frame_system::Pallet::<T>::account_exists(to),
				Error::<T>::BelowNewAccountMinimum
			);
			let today = Self::today();
			let mut from_lots = Self::load_live(from, today);
			let mut to_lots = Self::load_live(to, today);
			let taken = take_oldest(&mut from_lots, amount).map_err(Error::<T>::from)?;
			Self::accept_inflow(to, amount)?;
			merge(&mut to_lots, &taken, T::MaxLots::get() as usize).map_err(Error::<T>::from)?;
			Self::store(from, from_lots)?;
			Self::store(to, to_lots)?;
			Self::ensure_account(to);
			Self::deposit_event(Event::Transferred { from: from.clone(), to: to.clone(), amount });
			Ok(())
		})
	}

	/// Checks that `to` may receive `amount` more under the concentration cap, and records the
	/// cap it was accepted under.
	pub(crate) fn accept_inflow(to: &T::AccountId, amount: Balance) -> DispatchResult {
		let cap = Self::cap();
		let after = Self::owned(to).checked_add(amount).ok_or(Error::<T>::Overflow)?;
		ensure!(after <= cap, Error::<T>::ConcentrationCapExceeded);
		Self::note_cap(cap);
		Ok(())
	}

	/// Moves every account's credits held for `from` to `to`, lots and expiry days unchanged
	/// (a storage migration's step, for a pallet whose hold reason changed); nothing is minted,
	/// burned or released. Returns the holds read and the holds moved.
	pub fn move_holds(from: &T::RuntimeHoldReason, to: &T::RuntimeHoldReason) -> (u32, u32) {
		if from == to {
			return (0, 0);
		}
		let mut read = 0u32;
		let moving: Vec<(T::AccountId, LotsOf<T>)> = Holds::<T>::iter()
			.inspect(|_| read = read.saturating_add(1))
			.filter(|(_, reason, _)| reason == from)
			.map(|(who, _, lots)| (who, lots))
			.collect();
		let mut moved = 0u32;
		for (who, lots) in moving {
			if Self::add_held(to, &who, &lots).is_ok() {
				Holds::<T>::remove(&who, from);
				moved = moved.saturating_add(1);
			} else {
				frame_support::defensive!("moving a hold overflowed the lot list", moved);
			}
		}
		(read, moved)
	}

	/// Merges `pieces` into `who`'s hold for `reason`, keeping their expiry days.
	pub(crate) fn add_held(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		pieces: &[Lot],
	) -> DispatchResult {
		let mut held = Holds::<T>::get(who, reason).into_inner();
		merge(&mut held, pieces, T::MaxLots::get() as usize).map_err(Error::<T>::from)?;
		let held = LotsOf::<T>::try_from(held).map_err(|_| Error::<T>::TooManyLots)?;
		Holds::<T>::insert(who, reason, held);
		Ok(())
	}

	/// The largest `m <= amount` such that `owned + m` fits under the cap after minting `m`.
	fn mintable(owned: Balance, issuance: Balance, amount: Balance) -> Balance {
		let floor = BootstrapCap::<T>::get();
		let share = T::MaxShare::get();
		let fits = |m: Balance| match (owned.checked_add(m), issuance.checked_add(m)) {
			(Some(after), Some(new_issuance)) => after <= floor.max(share.mul_floor(new_issuance)),
			_ => false,
		};
		if fits(amount) {
			return amount;
		}
		// `fits` is monotone: the cap grows by at most `MaxShare < 1` per credit minted while
		// the account grows by exactly one, so binary search finds the boundary.
		let (mut lo, mut hi) = (0u128, amount);
		while lo < hi {
			let mid = lo.saturating_add(hi.saturating_sub(lo).saturating_add(1) / 2);
			if fits(mid) {
				lo = mid;
			} else {
				hi = mid.saturating_sub(1);
			}
		}
		if fits(lo) {
			lo
		} else {
			0
		}
	}

	/// Mints up to `amount` to `who`, clipped to the concentration cap; the privileged mint path
	/// used by governance and (later) by job settlement. Never mints more than `amount`.
	pub fn mint_capped(who: &T::AccountId, amount: Balance) -> Result<MintOutcome, DispatchError> {
		// One storage layer: a failure part-way changes nothing (not even events).
		frame_support::storage::with_storage_layer(|| Self::mint_capped_in_layer(who, amount))
	}

	/// [`Self::mint_capped`] without a storage layer of its own, for a caller that runs in one and
	/// returns the error (the settlement: a nested layer per mint was a tenth of its storage
	/// calls). An error part-way leaves writes behind for that layer to roll back.
	#[frame_support::require_transactional]
	pub fn mint_capped_in_layer(
		who: &T::AccountId,
		amount: Balance,
	) -> Result<MintOutcome, DispatchError> {
		{
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let today = Self::today();
			let mut lots = Self::load_live(who, today);
			let owned = live_total(&lots, today).saturating_add(Self::held(who));
			let issuance = TotalIssuance::<T>::get();
			let minted = Self::mintable(owned, issuance, amount);
			let withheld = amount.saturating_sub(minted);
			let reason = (!withheld.is_zero()).then_some(WithholdReason::ConcentrationCap);
			let expires_on = Self::new_lot_expiry();
			if !minted.is_zero() {
				let piece = [Lot { expires_on, amount: minted }];
				merge(&mut lots, &piece, T::MaxLots::get() as usize).map_err(Error::<T>::from)?;
				let new_issuance = issuance.checked_add(minted).ok_or(Error::<T>::Overflow)?;
				TotalIssuance::<T>::put(new_issuance);
				Self::note_cap(Self::cap_for_issuance(new_issuance));
				Self::add_expiring(&piece, today)?;
				Self::ensure_account(who);
			}
			// Also when nothing was minted: expired lots dropped above are reported once, here.
			Self::store(who, lots)?;
			Self::deposit_event(Event::Minted {
				who: who.clone(),
				amount: minted,
				withheld,
				reason,
				expires_on,
			});
			Ok(MintOutcome { minted, withheld, reason })
		}
	}

	/// Takes `amount` of `who`'s spendable credits out of the free balance (oldest first) and
	/// returns the pieces; the caller decides whether they are burned or held.
	pub(crate) fn withdraw_free(
		who: &T::AccountId,
		amount: Balance,
	) -> Result<Vec<Lot>, DispatchError> {
		let today = Self::today();
		let mut lots = Self::load_live(who, today);
		let taken = take_oldest(&mut lots, amount).map_err(Error::<T>::from)?;
		Self::store(who, lots)?;
		Self::sub_expiring(&taken, today);
		Ok(taken)
	}

	/// Returns `pieces` to `who`'s free balance; pieces whose day has passed expire at once.
	/// Returns the amount that went back to the free balance.
	pub(crate) fn deposit_free(
		who: &T::AccountId,
		pieces: &[Lot],
	) -> Result<Balance, DispatchError> {
		let today = Self::today();
		let mut lots = Self::load_live(who, today);
		let (live, dead): (Vec<Lot>, Vec<Lot>) =
			pieces.iter().partition(|piece| piece.expires_on > today);
		merge(&mut lots, &live, T::MaxLots::get() as usize).map_err(Error::<T>::from)?;
		Self::store(who, lots)?;
		Self::add_expiring(&live, today)?;
		let expired = total(&dead).ok_or(Error::<T>::Overflow)?;
		if !expired.is_zero() {
			TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(expired));
			Self::deposit_event(Event::Expired { who: who.clone(), amount: expired });
		}
		Self::ensure_account(who);
		total(&live).ok_or_else(|| Error::<T>::Overflow.into())
	}

	/// Destroys `amount` of `who`'s spendable credits (oldest first) as consumption.
	pub fn burn_free(who: &T::AccountId, amount: Balance) -> DispatchResult {
		// One storage layer: a failure part-way changes nothing (not even events).
		frame_support::storage::with_storage_layer(|| {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Self::withdraw_free(who, amount)?;
			TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(amount));
			Self::deposit_event(Event::Burned { who: who.clone(), amount });
			Ok(())
		})
	}

	/// Puts `amount` of `who`'s spendable credits on hold for `reason`, oldest first.
	pub fn hold(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		// One storage layer: a failure part-way changes nothing (not even events).
		frame_support::storage::with_storage_layer(|| {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let taken = Self::withdraw_free(who, amount)?;
			Self::add_held(reason, who, &taken)?;
			Self::deposit_event(Event::Held { who: who.clone(), reason: *reason, amount });
			Ok(())
		})
	}

	/// Takes `amount` (oldest first) out of `who`'s hold for `reason`.
	pub(crate) fn take_held(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: Balance,
	) -> Result<Vec<Lot>, DispatchError> {
		let mut held = Holds::<T>::get(who, reason).into_inner();
		let taken = take_oldest(&mut held, amount).map_err(|e| match e {
			LotError::Insufficient => Error::<T>::InsufficientHeld,
			other => Error::<T>::from(other),
		})?;
		if held.is_empty() {
			Holds::<T>::remove(who, reason);
		} else {
			// Fewer lots than before: still within the bound.
			Holds::<T>::insert(who, reason, LotsOf::<T>::truncate_from(held));
		}
		Ok(taken)
	}

	/// Returns `amount` held for `reason` to `who`'s free balance with the lots' own expiry days.
	/// Lots whose day has passed while held expire on release.
	pub fn release(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: Balance,
	) -> Result<Balance, DispatchError> {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		// A storage layer so that a failure on the receiving side changes nothing.
		frame_support::storage::with_storage_layer(|| {
			let taken = Self::take_held(reason, who, amount)?;
			let back = Self::deposit_free(who, &taken)?;
			Self::deposit_event(Event::Released {
				who: who.clone(),
				reason: *reason,
				amount: back,
			});
			Ok(back)
		})
	}

	/// Credits held for `reason` by `who` whose expiry day has not come: what the hold is still
	/// worth (a held lot keeps its expiry day and is worth nothing once released after it).
	pub fn held_live(reason: &T::RuntimeHoldReason, who: &T::AccountId) -> Balance {
		let today = Self::today();
		Holds::<T>::get(who, reason)
			.iter()
			.filter(|l| l.expires_on > today)
			.fold(0, |a, l| a.saturating_add(l.amount))
	}

	/// Destroys the lots held for `reason` by `who` whose expiry day has come (they could never
	/// be spent again), with [`Event::Expired`]. Returns the amount.
	pub fn expire_held(reason: &T::RuntimeHoldReason, who: &T::AccountId) -> Balance {
		let today = Self::today();
		let mut held = Holds::<T>::get(who, reason).into_inner();
		let expired = held
			.iter()
			.filter(|l| l.expires_on <= today)
			.fold(0u128, |a, l| a.saturating_add(l.amount));
		if expired.is_zero() {
			return 0;
		}
		held.retain(|l| l.expires_on > today);
		if held.is_empty() {
			Holds::<T>::remove(who, reason);
		} else {
			// Fewer lots than before: still within the bound.
			Holds::<T>::insert(who, reason, LotsOf::<T>::truncate_from(held));
		}
		TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(expired));
		Self::deposit_event(Event::Expired { who: who.clone(), amount: expired });
		expired
	}

	/// Destroys `amount` held for `reason` (oldest first): consumption, with [`Event::Burned`].
	pub fn burn_held(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		// One storage layer: a failure part-way changes nothing (not even events).
		frame_support::storage::with_storage_layer(|| {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Self::take_held(reason, who, amount)?;
			TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(amount));
			Self::deposit_event(Event::Burned { who: who.clone(), amount });
			Ok(())
		})
	}

	/// One step of the idle sweep: removes the expired lots of the next account.
	/// Returns the weight used.
	pub fn sweep(remaining: Weight) -> Weight {
		let base = T::WeightInfo::on_idle_base();
		let mut used = base;
		if !remaining.all_gte(base) || !SweepPending::<T>::get() {
			return if remaining.all_gte(T::DbWeight::get().reads(1)) {
				T::DbWeight::get().reads(1)
			} else {
				Weight::zero()
			};
		}
		let per_account = T::WeightInfo::sweep_account(T::MaxLots::get());
		let today = Self::today();
		let mut iter = match SweepCursor::<T>::get() {
			Some(key) => Lots::<T>::iter_from(key.into_inner()),
			None => Lots::<T>::iter(),
		};
		let mut visited = 0u32;
		let mut finished = true;
		while visited < T::MaxSweepPerBlock::get() {
			if !remaining.all_gte(used.saturating_add(per_account)) {
				finished = false;
				break;
			}
			let Some((who, lots)) = iter.next() else { break };
			used = used.saturating_add(per_account);
			visited = visited.saturating_add(1);
			if lots.first().is_some_and(|lot| lot.expires_on <= today) {
				let mut lots = lots.into_inner();
				let expired = purge_expired(&mut lots, today);
				// Fewer lots than before: cannot exceed the bound.
				let _ = Self::store(&who, lots);
				Self::deposit_event(Event::Expired { who, amount: expired });
			}
		}
		if visited == T::MaxSweepPerBlock::get() {
			finished = false;
		}
		if finished {
			SweepCursor::<T>::kill();
			SweepPending::<T>::put(false);
		} else {
			let key = iter.last_raw_key().to_vec();
			match SweepCursorKey::try_from(key) {
				Ok(key) => SweepCursor::<T>::put(key),
				// Keys of this map are fixed-size hashes plus an account id, well under the bound.
				Err(_) => SweepCursor::<T>::kill(),
			}
		}
		used
	}

	/// Credit summary of `who` for clients (runtime API).
	pub fn summary(who: &T::AccountId) -> CreditSummary<BlockNumberFor<T>> {
		let today = Self::today();
		let now_block = frame_system::Pallet::<T>::block_number();
		let now_ms: u64 = T::UnixTime::now().as_millis().unique_saturated_into();
		let lots: Vec<LotInfo<BlockNumberFor<T>>> = Lots::<T>::get(who)
			.into_iter()
			.filter(|lot| lot.expires_on > today)
			.map(|lot| {
				let at = Self::first_block_of(lot.expires_on);
				let blocks: u64 = at.saturating_sub(now_block).unique_saturated_into();
				LotInfo {
					amount: lot.amount,
					expires_on_day: lot.expires_on,
					expires_at_block: at,
					expires_at_ms: now_ms
						.saturating_add(blocks.saturating_mul(T::MillisecsPerBlock::get())),
				}
			})
			.collect();
		CreditSummary {
			spendable: lots.iter().fold(0u128, |acc, l| acc.saturating_add(l.amount)),
			held: Self::held(who),
			next_expiry: lots.first().cloned(),
			lots,
			cap: Self::cap(),
			total_issuance: TotalIssuance::<T>::get(),
		}
	}

	/// Checks the pallet's invariants:
	/// 1. total issuance = Σ unexpired free lots + Σ held;
	/// 2. per-day totals match the free lots, and none is left for a closed day;
	/// 3. every account is within the highest cap under which it could have received credits
	///    (the cap itself may have fallen since: supply burned or expired, bootstrap cap lowered);
	/// 4. lots are sorted, one per day and non-zero (expired ones count nowhere: neither in the
	///    issuance, by 1, nor in the per-day totals, by 2).
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		let today = Self::today();
		let mut free_sum = 0u128;
		// Per-day sums of the lots: in a vector indexed by days after today for the near days (not
		// one map entry per lot of every account, each simulated day), in the map beyond them.
		// Lots expire within a year, and an account holds at most `MaxLots` days: a fast path
		// sized by that bound, exact for any day.
		let near = usize::try_from(T::MaxLots::get()).unwrap_or(0).saturating_add(2);
		let mut near_days = alloc::vec![0u128; near];
		let mut per_day = BTreeMap::<DayIndex, Balance>::new();
		// Holds first: few accounts have any, so what each owns is checked against the cap as
		// its lots are read, without a map of every account.
		let high = CapHighWater::<T>::get();
		let mut held = BTreeMap::<T::AccountId, Balance>::new();
		let mut held_sum = 0u128;
		for (who, _reason, lots) in Holds::<T>::iter() {
			ensure!(!lots.is_empty(), "empty hold in storage");
			let t = total(&lots).ok_or("overflow")?;
			held_sum = held_sum.checked_add(t).ok_or("overflow")?;
			let h = held.entry(who).or_default();
			*h = h.checked_add(t).ok_or("overflow")?;
		}
		for (who, lots) in Lots::<T>::iter() {
			ensure!(
				lots.windows(2).all(|w| matches!(w, [a, b] if a.expires_on < b.expires_on)),
				"lots not sorted by expiry"
			);
			ensure!(lots.iter().all(|l| l.amount > 0), "empty lot in storage");
			let mut owned = held.remove(&who).unwrap_or_default();
			for lot in lots.iter().filter(|l| l.expires_on > today) {
				free_sum = free_sum.checked_add(lot.amount).ok_or("overflow")?;
				owned = owned.saturating_add(lot.amount);
				let after =
					usize::try_from(lot.expires_on.saturating_sub(today)).unwrap_or(usize::MAX);
				let d = match near_days.get_mut(after) {
					Some(d) => d,
					None => per_day.entry(lot.expires_on).or_default(),
				};
				*d = d.checked_add(lot.amount).ok_or("overflow")?;
			}
			ensure!(owned <= high, "an account is above the concentration cap");
		}
		// Accounts whose credits are all held.
		ensure!(held.values().all(|h| *h <= high), "an account is above the concentration cap");
		for (after, sum) in near_days.into_iter().enumerate().filter(|(_, sum)| !sum.is_zero()) {
			let day = today.saturating_add(DayIndex::try_from(after).unwrap_or(DayIndex::MAX));
			per_day.insert(day, sum);
		}
		ensure!(
			TotalIssuance::<T>::get() == free_sum.checked_add(held_sum).ok_or("overflow")?,
			"total issuance != unexpired lots + holds"
		);
		let stored = ExpiringOn::<T>::get();
		ensure!(
			stored.is_canonical(),
			"per-day expiry totals not trimmed to their first and last day"
		);
		let stored: BTreeMap<DayIndex, Balance> = stored.days().collect();
		ensure!(stored == per_day, "per-day expiry totals do not match the lots");
		ensure!(
			stored.keys().all(|d| *d > LastClosedDay::<T>::get()),
			"expiry total left for a closed day"
		);
		Ok(())
	}
}
