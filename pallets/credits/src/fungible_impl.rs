//! FRAME `fungible` traits over credit lots, so that other pallets can use credits generically.
//!
//! The high-level operations (`Mutate::transfer`, `mint_into`, `burn_from`, `MutateHold::hold`,
//! `release`, `burn_held`, `transfer_on_hold`, `transfer_and_hold`) keep lot expiry and the
//! concentration cap exactly as the pallet's own calls do; zero amounts are no-ops. `shelve` and
//! `restore` are not supported (they would have to forget where credits came from). The raw
//! `Unbalanced` setters cannot know where credits came from: an increase creates a lot expiring
//! 365 days from now, a decrease takes the oldest lots first; they do not check the cap.
//!
//! A release (also `release` with `Precision::Exact`) returns lots whose day passed while held
//! as expired: the amount that reaches the free balance can be less than the amount released.

use crate::{pallet::*, types::*, Config, LotsOf};
use frame_support::{
	pallet_prelude::*,
	traits::tokens::{
		fungible, DepositConsequence, Fortitude, Precision, Preservation, Provenance, Restriction,
		WithdrawConsequence,
	},
};
use sp_runtime::{traits::Zero, DispatchError, TokenError};

fn to_dispatch<T: Config>(e: LotError) -> DispatchError {
	Error::<T>::from(e).into()
}

impl<T: Config> fungible::Inspect<T::AccountId> for Pallet<T> {
	type Balance = Balance;

	fn total_issuance() -> Balance {
		TotalIssuance::<T>::get()
	}

	fn minimum_balance() -> Balance {
		// No existential deposit: accounts are never reaped (see the crate docs).
		0
	}

	fn total_balance(who: &T::AccountId) -> Balance {
		Self::owned(who)
	}

	fn balance(who: &T::AccountId) -> Balance {
		Self::spendable(who)
	}

	fn reducible_balance(who: &T::AccountId, _: Preservation, _: Fortitude) -> Balance {
		Self::spendable(who)
	}

	fn can_deposit(
		who: &T::AccountId,
		amount: Balance,
		provenance: Provenance,
	) -> DepositConsequence {
		if amount.is_zero() {
			return DepositConsequence::Success;
		}
		let owned = Self::owned(who);
		let issuance = TotalIssuance::<T>::get();
		if owned.checked_add(amount).is_none() || issuance.checked_add(amount).is_none() {
			return DepositConsequence::Overflow;
		}
		let fits = match provenance {
			Provenance::Minted => Self::mintable(owned, issuance, amount) == amount,
			Provenance::Extant => owned.saturating_add(amount) <= Self::cap(),
		};
		if fits {
			DepositConsequence::Success
		} else {
			DepositConsequence::Blocked
		}
	}

	fn can_withdraw(who: &T::AccountId, amount: Balance) -> WithdrawConsequence<Balance> {
		if amount <= Self::spendable(who) {
			WithdrawConsequence::Success
		} else {
			WithdrawConsequence::BalanceLow
		}
	}
}

impl<T: Config> fungible::Unbalanced<T::AccountId> for Pallet<T> {
	fn handle_dust(_dust: fungible::Dust<T::AccountId, Self>) {
		// Minimum balance is zero: there is never any dust.
	}

	fn write_balance(
		who: &T::AccountId,
		amount: Balance,
	) -> Result<Option<Balance>, DispatchError> {
		let current = Self::spendable(who);
		if amount < current {
			Self::withdraw_free(who, current.saturating_sub(amount))?;
		} else if amount > current {
			let piece = [Lot {
				expires_on: Self::new_lot_expiry(),
				amount: amount.saturating_sub(current),
			}];
			Self::deposit_free(who, &piece)?;
		}
		Ok(None)
	}

	fn set_total_issuance(amount: Balance) {
		TotalIssuance::<T>::put(amount);
	}
}

impl<T: Config> fungible::Mutate<T::AccountId> for Pallet<T> {
	fn mint_into(who: &T::AccountId, amount: Balance) -> Result<Balance, DispatchError> {
		if amount.is_zero() {
			return Ok(0);
		}
		ensure!(
			Self::mintable(Self::owned(who), TotalIssuance::<T>::get(), amount) == amount,
			Error::<T>::ConcentrationCapExceeded
		);
		Self::mint_capped(who, amount).map(|outcome| outcome.minted)
	}

	fn burn_from(
		who: &T::AccountId,
		amount: Balance,
		_: Preservation,
		precision: Precision,
		_: Fortitude,
	) -> Result<Balance, DispatchError> {
		let amount = match precision {
			Precision::BestEffort => amount.min(Self::spendable(who)),
			Precision::Exact => amount,
		};
		if amount.is_zero() {
			return Ok(0);
		}
		Self::burn_free(who, amount)?;
		Ok(amount)
	}

	fn transfer(
		source: &T::AccountId,
		dest: &T::AccountId,
		amount: Balance,
		_: Preservation,
	) -> Result<Balance, DispatchError> {
		if amount.is_zero() {
			return Ok(0);
		}
		Self::do_transfer(source, dest, amount)?;
		Ok(amount)
	}

	fn shelve(_who: &T::AccountId, _amount: Balance) -> Result<Balance, DispatchError> {
		Err(TokenError::Unsupported.into())
	}

	fn restore(_who: &T::AccountId, _amount: Balance) -> Result<Balance, DispatchError> {
		Err(TokenError::Unsupported.into())
	}
}

impl<T: Config> fungible::InspectHold<T::AccountId> for Pallet<T> {
	type Reason = T::RuntimeHoldReason;

	fn total_balance_on_hold(who: &T::AccountId) -> Balance {
		Self::held(who)
	}

	fn balance_on_hold(reason: &Self::Reason, who: &T::AccountId) -> Balance {
		total(&Holds::<T>::get(who, reason)).unwrap_or(Balance::MAX)
	}
}

impl<T: Config> fungible::UnbalancedHold<T::AccountId> for Pallet<T> {
	fn set_balance_on_hold(
		reason: &Self::Reason,
		who: &T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		let mut held = Holds::<T>::get(who, reason).into_inner();
		let current = total(&held).ok_or(Error::<T>::Overflow)?;
		if amount < current {
			take_oldest(&mut held, current.saturating_sub(amount)).map_err(to_dispatch::<T>)?;
		} else if amount > current {
			let piece = [Lot {
				expires_on: Self::new_lot_expiry(),
				amount: amount.saturating_sub(current),
			}];
			merge(&mut held, &piece, T::MaxLots::get() as usize).map_err(to_dispatch::<T>)?;
		}
		if held.is_empty() {
			Holds::<T>::remove(who, reason);
		} else {
			let held = LotsOf::<T>::try_from(held).map_err(|_| Error::<T>::TooManyLots)?;
			Holds::<T>::insert(who, reason, held);
		}
		Ok(())
	}
}

/// The amount a hold operation acts on: all of `amount`, or as much as is held (best effort).
fn held_amount<T: Config>(
	reason: &T::RuntimeHoldReason,
	who: &T::AccountId,
	amount: Balance,
	precision: Precision,
) -> Balance {
	match precision {
		Precision::BestEffort => {
			amount.min(<Pallet<T> as fungible::InspectHold<_>>::balance_on_hold(reason, who))
		}
		Precision::Exact => amount,
	}
}

impl<T: Config> fungible::MutateHold<T::AccountId> for Pallet<T> {
	fn hold(reason: &Self::Reason, who: &T::AccountId, amount: Balance) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		Pallet::<T>::hold(reason, who, amount)
	}

	fn transfer_on_hold(
		reason: &Self::Reason,
		source: &T::AccountId,
		dest: &T::AccountId,
		amount: Balance,
		precision: Precision,
		mode: Restriction,
		_: Fortitude,
	) -> Result<Balance, DispatchError> {
		let amount = held_amount::<T>(reason, source, amount, precision);
		if amount.is_zero() {
			return Ok(0);
		}
		frame_support::storage::with_storage_layer(|| {
			let pieces = Pallet::<T>::take_held(reason, source, amount)?;
			if source != dest {
				Pallet::<T>::accept_inflow(dest, amount)?;
			}
			match mode {
				// Still held at the destination: holds do not expire, so nothing is lost.
				Restriction::OnHold => {
					Pallet::<T>::add_held(reason, dest, &pieces)?;
					Ok(amount)
				}
				// Free at the destination: pieces whose day has passed expire on arrival.
				Restriction::Free => Pallet::<T>::deposit_free(dest, &pieces),
			}
		})
	}

	fn transfer_and_hold(
		reason: &Self::Reason,
		source: &T::AccountId,
		dest: &T::AccountId,
		amount: Balance,
		precision: Precision,
		_: Preservation,
		_: Fortitude,
	) -> Result<Balance, DispatchError> {
		let amount = match precision {
			Precision::BestEffort => amount.min(Pallet::<T>::spendable(source)),
			Precision::Exact => amount,
		};
		if amount.is_zero() {
			return Ok(0);
		}
		frame_support::storage::with_storage_layer(|| {
			if source != dest {
				Pallet::<T>::accept_inflow(dest, amount)?;
			}
			let pieces = Pallet::<T>::withdraw_free(source, amount)?;
			Pallet::<T>::add_held(reason, dest, &pieces)?;
			Ok(amount)
		})
	}

	fn release(
		reason: &Self::Reason,
		who: &T::AccountId,
		amount: Balance,
		precision: Precision,
	) -> Result<Balance, DispatchError> {
		let amount = held_amount::<T>(reason, who, amount, precision);
		if amount.is_zero() {
			return Ok(0);
		}
		Pallet::<T>::release(reason, who, amount)
	}

	fn burn_held(
		reason: &Self::Reason,
		who: &T::AccountId,
		amount: Balance,
		precision: Precision,
		_: Fortitude,
	) -> Result<Balance, DispatchError> {
		let amount = held_amount::<T>(reason, who, amount, precision);
		if amount.is_zero() {
			return Ok(0);
		}
		Pallet::<T>::burn_held(reason, who, amount)?;
		Ok(amount)
	}
}
