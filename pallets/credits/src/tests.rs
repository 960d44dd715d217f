//! Unit and property tests of the credits pallet. Every test ends with the invariants checked.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{
	mock::*, Error, Event, ExpiringOn, Holds, Lot, Lots, MintOutcome, SweepPending, TotalIssuance,
	WithholdReason,
};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchInfo, PostDispatchInfo},
	traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Precision, Preservation},
	},
	weights::Weight,
};
use pallet_transaction_payment::OnChargeTransaction;
use sp_runtime::{traits::BadOrigin, DispatchError};

fn lots(who: AccountId) -> Vec<Lot> {
	Lots::<Test>::get(who).into_inner()
}

type Fees = crate::CreditsFeeAdapter<Test>;
type FeeTaken = <Fees as OnChargeTransaction<Test>>::LiquidityInfo;

fn fee_call() -> RuntimeCall {
	RuntimeCall::Credits(crate::Call::set_bootstrap_cap { cap: 1 })
}

/// Takes `fee` from `who` the way `pallet-transaction-payment` does before dispatch.
fn withdraw_fee(
	who: AccountId,
	fee: u128,
) -> Result<FeeTaken, sp_runtime::transaction_validity::TransactionValidityError> {
	<Fees as OnChargeTransaction<Test>>::withdraw_fee(
		&who,
		&fee_call(),
		&DispatchInfo::default(),
		fee,
		0,
	)
}

/// Settles a withdrawn fee after dispatch: `due` is kept, the rest refunded.
fn settle_fee(who: AccountId, due: u128, taken: FeeTaken) {
	<Fees as OnChargeTransaction<Test>>::correct_and_deposit_fee(
		&who,
		&DispatchInfo::default(),
		&PostDispatchInfo::default(),
		due,
		0,
		taken,
	)
	.unwrap();
}

fn expiring(day: u32) -> u128 {
	ExpiringOn::<Test>::get().days().find(|(d, _)| *d == day).map_or(0, |(_, amount)| amount)
}

#[test]
fn genesis_mints_lots_expiring_after_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		// Minted at block 0: expire at the start of day ceil(30 / 10) = 3.
		assert_eq!(lots(ALICE), vec![Lot { expires_on: 3, amount: 1_000 }]);
		assert_eq!(Credits::spendable(&BOB), 500);
		assert_eq!(TotalIssuance::<Test>::get(), 1_500);
		assert_eq!(expiring(3), 1_500);
		assert!(System::account_exists(&ALICE));
	});
}

#[test]
fn transfer_takes_oldest_lots_and_keeps_their_expiry() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(5);
		// A second lot for Alice, minted on day 0 at block 5: expires on day ceil(35/10) = 4.
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 100));
		assert_eq!(
			lots(ALICE),
			vec![Lot { expires_on: 3, amount: 1_000 }, Lot { expires_on: 4, amount: 100 }]
		);

		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), CHARLIE, 1_050));
		assert_eq!(lots(ALICE), vec![Lot { expires_on: 4, amount: 50 }]);
		assert_eq!(
			lots(CHARLIE),
			vec![Lot { expires_on: 3, amount: 1_000 }, Lot { expires_on: 4, amount: 50 }]
		);
		assert_eq!(TotalIssuance::<Test>::get(), 1_600);
		System::assert_last_event(
			Event::Transferred { from: ALICE, to: CHARLIE, amount: 1_050 }.into(),
		);
		// The receiver was created and can sign.
		assert!(System::account_exists(&CHARLIE));
	});
}

#[test]
fn transfer_merges_into_existing_days() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 10));
		assert_eq!(lots(BOB), vec![Lot { expires_on: 3, amount: 510 }]);
	});
}

#[test]
fn transfer_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), ALICE, 1),
			Error::<Test>::TransferToSelf
		);
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 1_001),
			Error::<Test>::InsufficientCredits
		);
		assert_noop!(Credits::transfer(RuntimeOrigin::none(), BOB, 1), BadOrigin);
	});
}

/// Issue 14, attack 14 (dust accounts): accounts are never reaped, so on spec 108 a transfer of
/// one unit made a permanent account for the fee alone. Opening an account takes at least
/// `NewAccountMinimum`; an existing account takes any amount.
#[test]
fn attack_dust_transfers_cannot_open_accounts() {
	ExtBuilder::default().build_and_execute(|| {
		const DAVE: AccountId = 4;
		assert!(!System::account_exists(&DAVE));
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), DAVE, NEW_ACCOUNT_MINIMUM - 1),
			Error::<Test>::BelowNewAccountMinimum
		);
		assert!(!System::account_exists(&DAVE));
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), DAVE, NEW_ACCOUNT_MINIMUM));
		assert!(System::account_exists(&DAVE));
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), DAVE, 1));
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 1));
		assert_eq!(Credits::spendable(&DAVE), NEW_ACCOUNT_MINIMUM + 1);
	});
}

#[test]
fn transfer_that_breaks_the_cap_fails() {
	ExtBuilder::default().bootstrap_cap(1_200).build_and_execute(|| {
		// Bob holds 500; 701 more would leave him above the bootstrap cap of 1,200.
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 701),
			Error::<Test>::ConcentrationCapExceeded
		);
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 700));
		assert_eq!(Credits::spendable(&BOB), 1_200);
	});
}

#[test]
fn held_credits_count_toward_the_cap() {
	ExtBuilder::default().bootstrap_cap(1_200).build_and_execute(|| {
		assert_ok!(Credits::hold(&ESCROW, &BOB, 500));
		assert_eq!(Credits::spendable(&BOB), 0);
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 701),
			Error::<Test>::ConcentrationCapExceeded
		);
	});
}

#[test]
fn a_hold_that_needs_too_many_lots_fails() {
	ExtBuilder::default().build_and_execute(|| {
		// Free lots live at most 4 days here, so only holds (which outlive their day) can fill
		// all 5 lot slots: hold a fresh lot on each of 5 days.
		assert_ok!(Credits::hold(&ESCROW, &ALICE, 1_000));
		for block in [1u64, 11, 21, 31] {
			run_to_block(block);
			assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 10));
			assert_ok!(Credits::hold(&ESCROW, &ALICE, 10));
		}
		assert_eq!(Holds::<Test>::get(ALICE, ESCROW).len() as u32, MAX_LOTS);
		run_to_block(41);
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 10));
		assert_noop!(Credits::hold(&ESCROW, &ALICE, 10), Error::<Test>::TooManyLots);
	});
}

#[test]
fn force_mint_is_privileged_and_clipped_by_the_cap() {
	ExtBuilder::default().bootstrap_cap(1_200).build_and_execute(|| {
		assert_noop!(Credits::force_mint(RuntimeOrigin::signed(ALICE), ALICE, 1), BadOrigin);
		assert_noop!(
			Credits::force_mint(RuntimeOrigin::root(), ALICE, 0),
			Error::<Test>::ZeroAmount
		);
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 500));
		// Alice had 1,000 and the cap is 1,200 (5% of 1,700 is only 85).
		assert_eq!(Credits::owned(&ALICE), 1_200);
		System::assert_last_event(
			Event::Minted {
				who: ALICE,
				amount: 200,
				withheld: 300,
				reason: Some(WithholdReason::ConcentrationCap),
				expires_on: 4,
			}
			.into(),
		);
		assert_eq!(TotalIssuance::<Test>::get(), 1_700);
	});
}

#[test]
fn mint_follows_five_percent_once_supply_is_large() {
	ExtBuilder::default().balances((10..40).map(|who| (who, 1_000)).collect()).build_and_execute(
		|| {
			crate::BootstrapCap::<Test>::put(0);
			// 30,000 in existence; a newcomer may get m with m <= 5% of (30,000 + m): m <= 1,578.
			let outcome = Credits::mint_capped(&ALICE, 10_000).unwrap();
			assert_eq!(
				outcome,
				MintOutcome {
					minted: 1_578,
					withheld: 8_422,
					reason: Some(WithholdReason::ConcentrationCap)
				}
			);
			assert!(Credits::owned(&ALICE) <= Credits::cap());
		},
	);
}

#[test]
fn set_bootstrap_cap_is_privileged() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Credits::set_bootstrap_cap(RuntimeOrigin::signed(ALICE), 5), BadOrigin);
		assert_ok!(Credits::set_bootstrap_cap(RuntimeOrigin::root(), 5));
		System::assert_last_event(Event::BootstrapCapSet { cap: 5 }.into());
		assert_eq!(Credits::cap(), 75); // 5% of 1,500
	});
}

#[test]
fn credits_stop_counting_the_moment_they_expire_and_are_swept() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(29);
		assert_eq!(Credits::spendable(&ALICE), 1_000);
		// Block 30 is the first block of day 3: the genesis lots expire.
		run_to_block(30);
		assert_eq!(Credits::spendable(&ALICE), 0);
		assert_eq!(TotalIssuance::<Test>::get(), 0);
		assert!(credit_events().contains(&Event::DayClosed { day: 3, amount: 1_500 }));
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(ALICE), BOB, 1),
			Error::<Test>::InsufficientCredits
		);
		// The idle sweep removed the lots and said so.
		assert!(Lots::<Test>::get(ALICE).is_empty());
		assert!(credit_events().contains(&Event::Expired { who: ALICE, amount: 1_000 }));
		assert!(!SweepPending::<Test>::get());
	});
}

#[test]
fn sweep_is_bounded_per_block_and_by_weight() {
	ExtBuilder::default().balances((10..17).map(|who| (who, 100)).collect()).build_and_execute(
		|| {
			start_block_without_sweep(30);
			// No weight: nothing swept.
			assert_eq!(Credits::sweep(Weight::zero()), Weight::zero());
			assert_eq!(Lots::<Test>::iter().count(), 7);
			// MaxSweepPerBlock is 3: three accounts per block.
			Credits::sweep(Weight::MAX);
			assert_eq!(Lots::<Test>::iter().count(), 4);
			assert!(SweepPending::<Test>::get());
			Credits::sweep(Weight::MAX);
			Credits::sweep(Weight::MAX);
			assert_eq!(Lots::<Test>::iter().count(), 0);
			Credits::sweep(Weight::MAX);
			assert!(!SweepPending::<Test>::get());
			// Balances were zero from block 30 on, swept or not.
			assert_eq!(TotalIssuance::<Test>::get(), 0);
		},
	);
}

#[test]
fn a_write_to_an_account_drops_its_expired_lots() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(25);
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), BOB, 50));
		start_block_without_sweep(30);
		// No sweep ran; Bob's write drops his expired lot.
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(BOB), CHARLIE, 10));
		assert_eq!(lots(BOB), vec![Lot { expires_on: 6, amount: 40 }]);
		assert!(credit_events().contains(&Event::Expired { who: BOB, amount: 500 }));
	});
}

#[test]
fn holds_release_with_original_expiry_and_burn_as_consumption() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Credits::hold(&ESCROW, &ALICE, 300));
		assert_eq!(Credits::spendable(&ALICE), 700);
		assert_eq!(Credits::held(&ALICE), 300);
		assert_eq!(TotalIssuance::<Test>::get(), 1_500);
		// Held credits leave the per-day expiry totals.
		assert_eq!(expiring(3), 1_200);

		run_to_block(12);
		assert_eq!(Credits::release(&ESCROW, &ALICE, 100), Ok(100));
		assert_eq!(lots(ALICE), vec![Lot { expires_on: 3, amount: 800 }]);
		assert_ok!(Credits::burn_held(&ESCROW, &ALICE, 150));
		assert!(credit_events().contains(&Event::Burned { who: ALICE, amount: 150 }));
		assert_eq!(TotalIssuance::<Test>::get(), 1_350);
		assert_eq!(
			Holds::<Test>::get(ALICE, ESCROW).into_inner(),
			vec![Lot { expires_on: 3, amount: 50 }]
		);

		assert_noop!(Credits::burn_held(&ESCROW, &ALICE, 51), Error::<Test>::InsufficientHeld);
		assert_noop!(Credits::release(&ESCROW, &ALICE, 51), Error::<Test>::InsufficientHeld);
		assert_noop!(Credits::hold(&ESCROW, &ALICE, 801), Error::<Test>::InsufficientCredits);
		assert_noop!(Credits::hold(&ESCROW, &ALICE, 0), Error::<Test>::ZeroAmount);
	});
}

#[test]
fn held_credits_survive_their_day_and_expire_on_release() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Credits::hold(&ESCROW, &ALICE, 300));
		run_to_block(31);
		// Free lots expired; the hold still counts.
		assert_eq!(TotalIssuance::<Test>::get(), 300);
		assert_eq!(Credits::release(&ESCROW, &ALICE, 300), Ok(0));
		assert_eq!(TotalIssuance::<Test>::get(), 0);
		assert!(credit_events().contains(&Event::Expired { who: ALICE, amount: 300 }));
	});
}

#[test]
fn fees_are_paid_from_the_oldest_lots_and_refunds_keep_expiry() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(5);
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 100));
		let taken = withdraw_fee(ALICE, 1_050).unwrap();
		assert_eq!(TotalIssuance::<Test>::get(), 1_600 - 1_050);
		assert_eq!(lots(ALICE), vec![Lot { expires_on: 4, amount: 50 }]);
		// Only 40 was due: 1,010 goes back to the newest days it came from.
		settle_fee(ALICE, 40, taken);
		assert_eq!(
			lots(ALICE),
			vec![Lot { expires_on: 3, amount: 960 }, Lot { expires_on: 4, amount: 100 }]
		);
		assert_eq!(TotalIssuance::<Test>::get(), 1_600 - 40);
	});
}

/// Found by the runtime fuzzer: governance lifted the floor of the cap and minted as much as the
/// issuance can count during a call whose fee was then partly refunded. The refund must not
/// exist in the lots only (the issuance saturated and the ledger no longer added up).
#[test]
fn a_refund_after_a_call_that_filled_the_issuance_is_destroyed_not_uncounted() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(5);
		let taken = withdraw_fee(ALICE, 500).unwrap();
		crate::BootstrapCap::<Test>::put(u128::MAX);
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), BOB, u128::MAX));
		assert_eq!(TotalIssuance::<Test>::get(), u128::MAX);
		settle_fee(ALICE, 40, taken);
		assert_eq!(TotalIssuance::<Test>::get(), u128::MAX);
		assert_ok!(Credits::do_try_state());
	});
}

#[test]
fn accounts_without_credits_cannot_pay_fees() {
	ExtBuilder::default().build_and_execute(|| {
		assert!(<Fees as OnChargeTransaction<Test>>::can_withdraw_fee(
			&CHARLIE,
			&fee_call(),
			&DispatchInfo::default(),
			1,
			0
		)
		.is_err());
		assert!(withdraw_fee(CHARLIE, 1).is_err());
		assert_eq!(TotalIssuance::<Test>::get(), 1_500);
	});
}

#[test]
fn fungible_traits_follow_the_credit_rules() {
	ExtBuilder::default().bootstrap_cap(1_200).build_and_execute(|| {
		assert_eq!(<Credits as Inspect<_>>::total_issuance(), 1_500);
		assert_eq!(<Credits as Inspect<_>>::balance(&ALICE), 1_000);
		assert_ok!(<Credits as Mutate<_>>::transfer(&ALICE, &BOB, 100, Preservation::Expendable));
		assert_eq!(lots(BOB), vec![Lot { expires_on: 3, amount: 600 }]);
		assert_noop!(
			<Credits as Mutate<_>>::mint_into(&BOB, 601),
			Error::<Test>::ConcentrationCapExceeded
		);
		assert_ok!(<Credits as MutateHold<_>>::hold(&ESCROW, &BOB, 100));
		assert_eq!(<Credits as InspectHold<_>>::balance_on_hold(&ESCROW, &BOB), 100);
		assert_eq!(<Credits as Inspect<_>>::total_balance(&BOB), 600);
		assert_eq!(
			<Credits as MutateHold<_>>::burn_held(
				&ESCROW,
				&BOB,
				1_000,
				Precision::BestEffort,
				frame_support::traits::tokens::Fortitude::Polite
			),
			Ok(100)
		);
		assert_eq!(
			<Credits as Mutate<_>>::burn_from(
				&BOB,
				20,
				Preservation::Expendable,
				Precision::Exact,
				frame_support::traits::tokens::Fortitude::Polite
			),
			Ok(20)
		);
		assert_eq!(<Credits as Inspect<_>>::total_issuance(), 1_380);
	});
}

#[test]
fn summary_reports_lots_with_expiry_block_and_time() {
	ExtBuilder::default().build_and_execute(|| {
		let s = Credits::summary(&ALICE);
		assert_eq!(s.spendable, 1_000);
		assert_eq!(s.lots.len(), 1);
		assert_eq!(s.lots[0].expires_at_block, 30);
		// Block 1 now: 29 blocks of 6 s ahead.
		assert_eq!(s.lots[0].expires_at_ms, NOW_MS + 29 * MS_PER_BLOCK);
		assert_eq!(s.next_expiry, Some(s.lots[0].clone()));
		assert_eq!(s.total_issuance, 1_500);
	});
}

#[test]
fn sweep_stops_when_the_weight_runs_out_and_resumes() {
	use crate::WeightInfo;
	ExtBuilder::default().balances((10..14).map(|who| (who, 100)).collect()).build_and_execute(
		|| {
			start_block_without_sweep(30);
			let one = <() as WeightInfo>::on_idle_base()
				.saturating_add(<() as WeightInfo>::sweep_account(MAX_LOTS));
			assert_eq!(Credits::sweep(one), one);
			assert_eq!(Lots::<Test>::iter().count(), 3);
			assert!(crate::SweepCursor::<Test>::get().is_some());
			Credits::sweep(one);
			assert_eq!(Lots::<Test>::iter().count(), 2);
			Credits::sweep(Weight::MAX);
			assert_eq!(Lots::<Test>::iter().count(), 0);
		},
	);
}

#[test]
fn transfer_on_hold_keeps_expiry_and_respects_the_cap() {
	use frame_support::traits::tokens::{Fortitude::Polite, Restriction};
	ExtBuilder::default().bootstrap_cap(1_600).build_and_execute(|| {
		assert_ok!(Credits::hold(&ESCROW, &ALICE, 300));
		run_to_block(12);
		// Still held at Bob: same expiry day 3, not a fresh lot.
		assert_eq!(
			<Credits as MutateHold<_>>::transfer_on_hold(
				&ESCROW,
				&ALICE,
				&BOB,
				100,
				Precision::Exact,
				Restriction::OnHold,
				Polite
			),
			Ok(100)
		);
		assert_eq!(
			Holds::<Test>::get(BOB, ESCROW).into_inner(),
			vec![Lot { expires_on: 3, amount: 100 }]
		);
		// Free at Bob: merged into his day-3 lot.
		assert_eq!(
			<Credits as MutateHold<_>>::transfer_on_hold(
				&ESCROW,
				&ALICE,
				&BOB,
				100,
				Precision::Exact,
				Restriction::Free,
				Polite
			),
			Ok(100)
		);
		assert_eq!(lots(BOB), vec![Lot { expires_on: 3, amount: 600 }]);
		// Bob owns 700; 1,000 more would break the cap of 1,600: nothing moves.
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), ALICE, 1_000));
		assert_ok!(Credits::hold(&ESCROW, &ALICE, 1_000));
		assert_noop!(
			<Credits as MutateHold<_>>::transfer_on_hold(
				&ESCROW,
				&ALICE,
				&BOB,
				1_000,
				Precision::Exact,
				Restriction::Free,
				Polite
			),
			Error::<Test>::ConcentrationCapExceeded
		);
	});
}

#[test]
fn transfer_and_hold_moves_lots_into_the_receivers_hold() {
	use frame_support::traits::tokens::Fortitude::Polite;
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(
			<Credits as MutateHold<_>>::transfer_and_hold(
				&ESCROW,
				&ALICE,
				&BOB,
				250,
				Precision::Exact,
				Preservation::Expendable,
				Polite
			),
			Ok(250)
		);
		assert_eq!(
			Holds::<Test>::get(BOB, ESCROW).into_inner(),
			vec![Lot { expires_on: 3, amount: 250 }]
		);
		assert_eq!(expiring(3), 1_250);
		assert_eq!(TotalIssuance::<Test>::get(), 1_500);
	});
}

#[test]
fn fungible_edge_cases_are_explicit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(<Credits as Mutate<_>>::mint_into(&ALICE, 0), Ok(0));
		assert_eq!(
			<Credits as Mutate<_>>::transfer(&ALICE, &BOB, 0, Preservation::Expendable),
			Ok(0)
		);
		assert_ok!(<Credits as MutateHold<_>>::hold(&ESCROW, &ALICE, 0));
		assert_noop!(
			<Credits as Mutate<_>>::shelve(&ALICE, 1),
			sp_runtime::TokenError::Unsupported
		);
		assert_noop!(
			<Credits as Mutate<_>>::restore(&ALICE, 1),
			sp_runtime::TokenError::Unsupported
		);
	});
}

#[test]
fn a_fee_refund_never_lifts_the_payer_above_the_cap() {
	ExtBuilder::default().bootstrap_cap(1_000).build_and_execute(|| {
		let taken = withdraw_fee(ALICE, 100).unwrap();
		// The call itself brings Alice back up to the cap of 1,000 (900 + 100 from Bob).
		assert_ok!(Credits::transfer(RuntimeOrigin::signed(BOB), ALICE, 100));
		settle_fee(ALICE, 10, taken);
		// The 90 refund would put her at 1,090: it is destroyed with the fee instead.
		assert_eq!(Credits::owned(&ALICE), 1_000);
		assert_eq!(TotalIssuance::<Test>::get(), 1_400);
	});
}

/// The per-day totals as stored: a window from `first_day`.
fn window(first_day: u32, amounts: Vec<u128>) -> crate::ExpiryTotalsOf<Test> {
	crate::DayTotals { first_day, amounts: frame_support::BoundedVec::truncate_from(amounts) }
}

#[test]
fn try_state_catches_broken_day_totals_and_caps() {
	ExtBuilder::default().build().execute_with(|| {
		ExpiringOn::<Test>::mutate(|t| t.add(&[Lot { expires_on: 3, amount: 1 }]).unwrap());
		assert!(Credits::do_try_state().is_err());
	});
	// A day's total moved to another day; zero days kept at either end.
	ExtBuilder::default().build().execute_with(|| {
		run_to_block(BLOCKS_PER_DAY + 1);
		assert_ok!(Credits::mint_capped(&ALICE, 10));
		assert_ok!(Credits::do_try_state());
		let totals = ExpiringOn::<Test>::get();
		let days: Vec<(u32, u128)> = totals.days().collect();
		assert_eq!(days.len(), 2, "genesis lots and a day later's");
		let (first, a, b) = (totals.first_day, days[0].1, days[1].1);
		// The days between the two, stored as zeros.
		let gap = (days[1].0 - days[0].0 - 1) as usize;
		let with_gap = |x: u128, zeros: usize, y: u128| {
			let mut amounts = vec![x];
			amounts.extend(vec![0; zeros]);
			amounts.push(y);
			amounts
		};
		assert_eq!(totals.amounts.to_vec(), with_gap(a, gap, b));
		// Swapped between the days.
		ExpiringOn::<Test>::put(window(first, with_gap(b, gap, a)));
		assert!(Credits::do_try_state().is_err());
		// The second day's total moved two days on.
		ExpiringOn::<Test>::put(window(first, with_gap(a, gap + 2, b)));
		assert!(Credits::do_try_state().is_err());
		// A zero day kept after the last one, or before the first.
		let mut trailing = with_gap(a, gap, b);
		trailing.push(0);
		ExpiringOn::<Test>::put(window(first, trailing));
		assert!(Credits::do_try_state().is_err());
		let mut leading = vec![0];
		leading.extend(with_gap(a, gap, b));
		ExpiringOn::<Test>::put(window(first - 1, leading));
		assert!(Credits::do_try_state().is_err());
		ExpiringOn::<Test>::put(window(first, with_gap(a, gap, b)));
		assert_ok!(Credits::do_try_state());
		// An empty window that does not start at day 0.
		let _ = Lots::<Test>::clear(u32::MAX, None);
		TotalIssuance::<Test>::put(0);
		ExpiringOn::<Test>::put(window(first, vec![]));
		assert!(Credits::do_try_state().is_err());
		ExpiringOn::<Test>::kill();
		assert_ok!(Credits::do_try_state());
		// A lot beyond the near days the check sums in a vector: counted all the same.
		let far = Lot { expires_on: Credits::today() + MAX_LOTS + 3, amount: 5 };
		Lots::<Test>::insert(ALICE, crate::LotsOf::<Test>::truncate_from(vec![far]));
		TotalIssuance::<Test>::put(5);
		assert!(Credits::do_try_state().is_err());
		ExpiringOn::<Test>::put(window(far.expires_on, vec![5]));
		assert_ok!(Credits::do_try_state());
	});
	ExtBuilder::default().build().execute_with(|| {
		crate::CapHighWater::<Test>::put(999);
		assert!(Credits::do_try_state().is_err());
	});
	// Above the cap with every credit held (no free lots left to read).
	ExtBuilder::default().build().execute_with(|| {
		let escrow = RuntimeHoldReason::Credits(crate::HoldReason::Escrow);
		assert_ok!(Credits::hold(&escrow, &ALICE, 1_000));
		assert_eq!(Lots::<Test>::get(ALICE).len(), 0);
		crate::CapHighWater::<Test>::put(1_000);
		assert_ok!(Credits::do_try_state());
		crate::CapHighWater::<Test>::put(999);
		assert!(Credits::do_try_state().is_err());
	});
}

#[test]
fn lot_errors_map_to_named_pallet_errors() {
	let named = |e: crate::LotError| DispatchError::from(Error::<Test>::from(e));
	assert_eq!(named(crate::LotError::Overflow), Error::<Test>::Overflow.into());
	assert_eq!(named(crate::LotError::TooManyLots), Error::<Test>::TooManyLots.into());
	assert_eq!(named(crate::LotError::Insufficient), Error::<Test>::InsufficientCredits.into());
}

#[test]
fn integrity_test_passes() {
	use frame_support::traits::Hooks;
	ExtBuilder::default().build_and_execute(|| {
		<Credits as Hooks<u64>>::integrity_test();
	});
}

#[test]
fn try_state_catches_a_broken_issuance() {
	ExtBuilder::default().build().execute_with(|| {
		TotalIssuance::<Test>::put(1);
		assert!(Credits::do_try_state().is_err());
	});
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Transfer(u64, u64, u128),
		Mint(u64, u128),
		Hold(u64, u128),
		Release(u64, u128),
		BurnHeld(u64, u128),
		Advance(u64),
	}

	fn op() -> impl Strategy<Value = Op> {
		let who = 1u64..6;
		prop_oneof![
			(who.clone(), who.clone(), 0u128..1_500).prop_map(|(a, b, n)| Op::Transfer(a, b, n)),
			(who.clone(), 0u128..3_000).prop_map(|(a, n)| Op::Mint(a, n)),
			(who.clone(), 0u128..800).prop_map(|(a, n)| Op::Hold(a, n)),
			(who.clone(), 0u128..800).prop_map(|(a, n)| Op::Release(a, n)),
			(who, 0u128..800).prop_map(|(a, n)| Op::BurnHeld(a, n)),
			(1u64..15).prop_map(Op::Advance),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]

		/// Whatever happens, the invariants hold after every step, failed operations change
		/// nothing, issuance only changes by mint/burn/expiry, and no inflow breaks the cap.
		#[test]
		fn invariants_hold_under_random_operations(ops in proptest::collection::vec(op(), 1..40)) {
			ExtBuilder::default().bootstrap_cap(2_000).build().execute_with(|| {
				for op in ops {
					let before = TotalIssuance::<Test>::get();
					let snapshot = sp_io::storage::root(sp_runtime::StateVersion::V1);
					let result: Result<(), DispatchError> = match op.clone() {
						Op::Transfer(a, b, n) => {
							let r = Credits::transfer(RuntimeOrigin::signed(a), b, n);
							if r.is_ok() {
								prop_assert!(Credits::owned(&b) <= Credits::cap());
								prop_assert_eq!(TotalIssuance::<Test>::get(), before);
							}
							r.map(|_| ())
						},
						Op::Mint(a, n) => Credits::mint_capped(&a, n).map(|o| {
							assert_eq!(o.minted + o.withheld, n);
							assert_eq!(TotalIssuance::<Test>::get(), before + o.minted);
							assert!(Credits::owned(&a) <= Credits::cap());
						}),
						Op::Hold(a, n) => Credits::hold(&ESCROW, &a, n),
						Op::Release(a, n) => Credits::release(&ESCROW, &a, n).map(|_| ()),
						Op::BurnHeld(a, n) => Credits::burn_held(&ESCROW, &a, n).map(|_| {
							assert_eq!(TotalIssuance::<Test>::get(), before - n);
						}),
						Op::Advance(k) => { run_to_block(System::block_number() + k); Ok(()) },
					};
					if result.is_err() {
						prop_assert_eq!(snapshot, sp_io::storage::root(sp_runtime::StateVersion::V1), "failed {:?} changed state", op);
					}
					prop_assert!(Credits::do_try_state().is_ok(), "invariant broken after {:?}: {:?}", op, Credits::do_try_state());
				}
				Ok(())
			})?;
		}

		/// The clipped mint is exact: it never mints more than fits, and one more would not fit.
		#[test]
		fn mint_clipping_is_exact(owned in 0u128..1_000_000, issuance in 0u128..100_000_000, amount in 1u128..10_000_000, floor in 0u128..2_000_000) {
			ExtBuilder::default().balances(vec![]).bootstrap_cap(floor).build().execute_with(|| {
				let issuance = issuance.max(owned);
				let m = Credits::mintable(owned, issuance, amount);
				let cap_after = |m: u128| floor.max(sp_runtime::Perbill::from_percent(5).mul_floor(issuance + m));
				prop_assert!(m <= amount);
				if m > 0 || owned <= cap_after(0) {
					prop_assert!(owned + m <= cap_after(m));
				}
				if m < amount {
					prop_assert!(owned + m + 1 > cap_after(m + 1));
				}
				Ok(())
			})?;
		}
	}
}

/// A genesis where 5% of the supply is the cap from block 0 (twenty equal accounts under a low
/// floor) builds, and the cap is 5% of the genesis supply; a genesis account above it does not.
#[test]
fn genesis_balances_are_checked_against_five_percent_of_the_genesis_supply() {
	let twenty: Vec<(AccountId, u128)> = (10..30).map(|who| (who, 100)).collect();
	ExtBuilder::default().balances(twenty.clone()).bootstrap_cap(1).build_and_execute(|| {
		assert_eq!(Credits::cap(), 100);
		assert_eq!(crate::BootstrapCap::<Test>::get(), 1);
		assert_noop!(
			Credits::transfer(RuntimeOrigin::signed(10), 11, 1),
			Error::<Test>::ConcentrationCapExceeded
		);
	});
	let mut over = twenty;
	over[0].1 = 200;
	let built =
		std::panic::catch_unwind(|| ExtBuilder::default().balances(over).bootstrap_cap(1).build());
	assert!(built.is_err(), "an account above 5% of the genesis supply is refused");
}

#[test]
fn the_per_day_totals_move_to_a_window_once() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build().execute_with(|| {
		run_to_block(BLOCKS_PER_DAY + 1);
		assert_ok!(Credits::mint_capped(&ALICE, 10));
		let expected = ExpiringOn::<Test>::get();
		assert_eq!(expected.days().count(), 2);
		// Version 0 stored one lot per day, in order (and, before it, the `BTreeMap` of the same
		// bytes).
		let old: Vec<Lot> =
			expected.days().map(|(expires_on, amount)| Lot { expires_on, amount }).collect();
		let map: alloc::collections::BTreeMap<u32, u128> = expected.days().collect();
		assert_eq!(old.encode(), map.encode());
		frame_support::storage::unhashed::put_raw(&ExpiringOn::<Test>::hashed_key(), &old.encode());
		StorageVersion::new(0).put::<Credits>();
		crate::migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(ExpiringOn::<Test>::get(), expected);
		assert_eq!(Credits::on_chain_storage_version(), 1);
		assert_ok!(Credits::do_try_state());
		// Run again, it changes nothing (the version gate).
		crate::migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(ExpiringOn::<Test>::get(), expected);
		// An undecodable value is summed again from the lots.
		frame_support::storage::unhashed::put_raw(&ExpiringOn::<Test>::hashed_key(), &[7, 7, 7]);
		StorageVersion::new(0).put::<Credits>();
		crate::migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(ExpiringOn::<Test>::get(), expected);
		assert_ok!(Credits::do_try_state());
		// So is a list that decodes but spans more days than a window holds (not deleted).
		let wide = vec![old[0], Lot { expires_on: old[0].expires_on + MAX_LOTS, amount: 1 }];
		frame_support::storage::unhashed::put_raw(
			&ExpiringOn::<Test>::hashed_key(),
			&wide.encode(),
		);
		StorageVersion::new(0).put::<Credits>();
		crate::migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(ExpiringOn::<Test>::get(), expected);
		// Nothing stored stays nothing.
		ExpiringOn::<Test>::kill();
		StorageVersion::new(0).put::<Credits>();
		crate::migrations::v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert!(!ExpiringOn::<Test>::exists());
	});
}

#[test]
fn the_per_day_totals_decode_as_plain_amounts() {
	// The window's amounts are `u128`s, which SCALE copies in one piece: its bytes are the first
	// day, the count, then each amount little-endian.
	let totals = window(9, vec![7, 0, u128::MAX]);
	let mut bytes = 9u32.encode();
	bytes.extend(codec::Compact(3u32).encode());
	for amount in [7u128, 0, u128::MAX] {
		bytes.extend(amount.to_le_bytes());
	}
	assert_eq!(totals.encode(), bytes);
	assert_eq!(crate::ExpiryTotalsOf::<Test>::decode(&mut &bytes[..]).unwrap(), totals);
	// More days than `MaxLots` do not decode.
	let long = crate::DayTotals::<frame_support::traits::ConstU32<100>> {
		first_day: 1,
		amounts: frame_support::BoundedVec::truncate_from(vec![1; MAX_LOTS as usize + 1]),
	};
	assert!(crate::ExpiryTotalsOf::<Test>::decode(&mut &long.encode()[..]).is_err());
}

#[test]
fn a_truncated_lot_does_not_decode() {
	let lots = vec![Lot { expires_on: 3, amount: 7 }, Lot { expires_on: 9, amount: u128::MAX }];
	let bytes = lots.encode();
	assert_eq!(Vec::<Lot>::decode(&mut &bytes[..]).unwrap(), lots);
	assert!(Vec::<Lot>::decode(&mut &bytes[..bytes.len() - 1]).is_err());
}
