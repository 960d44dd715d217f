//! Transaction fees paid in credits.
//!
//! DeCLAI bounds spam with fees: every signed transaction pays its weight and length fee in
//! credits before it is included, so an account with no spendable credits cannot put anything
//! into a block and an account with `b` credits can send at most `b / min_fee` transactions.
//!
//! The fee is taken from the payer's oldest lots; the part refunded after dispatch goes back to
//! the newest of the lots it came from, so fees never extend the expiry of any credit. The fee
//! that is kept is destroyed (there is no block reward in credits) and is *not* recorded as
//! inference consumption.

use crate::{pallet::*, types::*, Config};
use alloc::vec::Vec;
use core::marker::PhantomData;
use pallet_transaction_payment::{OnChargeTransaction, TxCreditHold};
use sp_runtime::{
	traits::{DispatchInfoOf, PostDispatchInfoOf, Zero},
	transaction_validity::{InvalidTransaction, TransactionValidityError},
};

/// [`OnChargeTransaction`] for `pallet-transaction-payment` that charges fees in credits.
pub struct CreditsFeeAdapter<T>(PhantomData<T>);

/// What was withdrawn for a fee: the payer and the pieces of lots taken, oldest first.
pub struct FeeWithdrawal<AccountId> {
	who: AccountId,
	pieces: Vec<Lot>,
}

impl<T: Config + pallet_transaction_payment::Config> TxCreditHold<T> for CreditsFeeAdapter<T> {
	type Credit = ();
}

impl<T> OnChargeTransaction<T> for CreditsFeeAdapter<T>
where
	T: Config + pallet_transaction_payment::Config,
{
	type Balance = Balance;
	type LiquidityInfo = Option<FeeWithdrawal<T::AccountId>>;

	fn withdraw_fee(
		who: &T::AccountId,
		_call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		fee_with_tip: Balance,
		_tip: Balance,
	) -> Result<Self::LiquidityInfo, TransactionValidityError> {
		if fee_with_tip.is_zero() {
			return Ok(None);
		}
		let pieces = Pallet::<T>::withdraw_free(who, fee_with_tip)
			.map_err(|_| TransactionValidityError::Invalid(InvalidTransaction::Payment))?;
		TotalIssuance::<T>::mutate(|i| *i = i.saturating_sub(fee_with_tip));
		Ok(Some(FeeWithdrawal { who: who.clone(), pieces }))
	}

	fn can_withdraw_fee(
		who: &T::AccountId,
		_call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		fee_with_tip: Balance,
		_tip: Balance,
	) -> Result<(), TransactionValidityError> {
		if fee_with_tip <= Pallet::<T>::spendable(who) {
			Ok(())
		} else {
			Err(TransactionValidityError::Invalid(InvalidTransaction::Payment))
		}
	}

	fn correct_and_deposit_fee(
		_who: &T::AccountId,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_post_info: &PostDispatchInfoOf<T::RuntimeCall>,
		corrected_fee_with_tip: Balance,
		_tip: Balance,
		withdrawn: Self::LiquidityInfo,
	) -> Result<(), TransactionValidityError> {
		let Some(FeeWithdrawal { who, mut pieces }) = withdrawn else { return Ok(()) };
		let paid = total(&pieces).unwrap_or(Balance::MAX);
		// The refund is the payer's own credits, but it arrives after the call ran: if the call
		// itself brought the payer up to the cap, a full refund would lift it above the highest
		// cap in force. What does not fit is destroyed with the fee.
		let room = CapHighWater::<T>::get().saturating_sub(Pallet::<T>::owned(&who));
		// Likewise if the call minted the issuance up to the largest amount it can count: the
		// refund would exist in the lots but not in the issuance (found by the runtime fuzzer).
		let countable = Balance::MAX.saturating_sub(TotalIssuance::<T>::get());
		let refund = paid.saturating_sub(corrected_fee_with_tip).min(room).min(countable);
		if refund.is_zero() {
			return Ok(());
		}
		let back = take_newest(&mut pieces, refund);
		let refunded = total(&back).unwrap_or_default();
		// Returned to the days they came from; issuance rises only if the deposit succeeded.
		frame_support::storage::with_storage_layer(|| {
			Pallet::<T>::deposit_free(&who, &back)?;
			TotalIssuance::<T>::try_mutate(|i| {
				*i = i.checked_add(refunded).ok_or(Error::<T>::Overflow)?;
				Ok::<(), Error<T>>(())
			})?;
			Ok::<(), sp_runtime::DispatchError>(())
		})
		.map_err(|_| TransactionValidityError::Invalid(InvalidTransaction::Payment))
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn endow_account(who: &T::AccountId, amount: Balance) {
		let _ = Pallet::<T>::mint_capped(who, amount);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn minimum_balance() -> Balance {
		0
	}
}
