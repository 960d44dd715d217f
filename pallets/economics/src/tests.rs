//! Tests of settlement, consumption, the epoch and day rollover, the supply rules and the
//! governance setters. Every test ends with both pallets' invariants checked.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{mock::*, *};
use codec::Encode;
use declai_primitives::{economics::ALPHA_MAX, economics::ALPHA_MIN, StockRegime, CRED, GPU_HOUR};
use frame_support::{assert_noop, assert_ok};
use proptest::prelude::*;
use sp_runtime::{DispatchError, Perbill};

fn fx(num: u128, den: u128) -> FixedU128 {
	FixedU128::from_rational(num, den)
}

/// Settles reference work `t` on a confirmed `class` at the current α, with no job budget.
fn settle(t: WorkUnits, class: HardwareClass) -> (ReceiptId, ReceiptOf<Test>) {
	settle_with(t, class, true, Alpha::<Test>::get(), Balance::MAX)
}

fn settle_with(
	t: WorkUnits,
	class: HardwareClass,
	confirmed: bool,
	alpha: FixedU128,
	budget: Balance,
) -> (ReceiptId, ReceiptOf<Test>) {
	<Economics as Settlement<_, _>>::settle_work(
		&WORKER,
		H256::repeat_byte(7),
		class,
		confirmed,
		t,
		alpha,
		budget,
	)
	.expect("settles")
}

fn consume(who: AccountId, amount: Balance) {
	assert_ok!(<Economics as Settlement<_, _>>::consume_free(&who, amount));
}

fn note(demand: WorkUnits, capacity: WorkUnits) {
	<Economics as Settlement<AccountId, RuntimeHoldReason>>::note_demand(demand);
	<Economics as Settlement<AccountId, RuntimeHoldReason>>::note_capacity(capacity);
}

#[test]
fn settlement_pays_the_formula_and_stores_a_receipt() {
	ExtBuilder::default().build_and_execute(|| {
		let (id, receipt) = settle(2 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(id, 0);
		assert_eq!((receipt.earned, receipt.minted, receipt.withheld), (2 * CRED, 2 * CRED, 0));
		assert_eq!((receipt.eta, receipt.alpha, receipt.beta), (fx(1, 1), fx(1, 1), fx(1, 1)));
		assert_eq!(receipt.reason, None);
		assert_eq!(Receipts::<Test>::get(0), Some(receipt.clone()));
		assert_eq!(pallet_credits::Pallet::<Test>::spendable(&WORKER), 2 * CRED);
		assert!(economics_events().contains(&Event::WorkSettled { id: 0, receipt }));
		let today = Today::<Test>::get();
		assert_eq!((today.value, today.earned, today.minted), (2 * CRED, 2 * CRED, 2 * CRED));
	});
}

#[test]
fn an_unconfirmed_class_is_paid_at_most_the_eta_floor() {
	ExtBuilder::default().build_and_execute(|| {
		// An H100 (η = 2) that no benchmark challenge confirmed: η = 0.5 on its T_compute of
		// 1/2.093 h for one reference hour.
		let (_, r) = settle_with(GPU_HOUR, HardwareClass::H100, false, fx(1, 1), Balance::MAX);
		assert_eq!((r.class_confirmed, r.eta), (false, fx(1, 2)));
		assert_eq!(r.t_compute, GPU_HOUR * 1000 / 2093);
		assert_eq!(r.earned, GPU_HOUR * 1000 / 2093 / 2);
		// An L4 (η clamped to 0.5, throughput 0.304): T × η is 1.64 reference hours, paid as
		// half the reference work while unconfirmed and as the reference work once confirmed.
		let (_, r) = settle_with(GPU_HOUR, HardwareClass::L4, false, fx(1, 1), Balance::MAX);
		assert_eq!((r.eta, r.earned, r.reference_work), (fx(1, 2), CRED / 2, GPU_HOUR));
		assert_eq!(settle(GPU_HOUR, HardwareClass::L4).1.earned, CRED);
		assert!(settle(GPU_HOUR, HardwareClass::H100).1.class_confirmed);
	});
}

#[test]
fn settlement_uses_eta_of_the_class_alpha_and_beta() {
	ExtBuilder::default().build_and_execute(|| {
		Alpha::<Test>::put(fx(3, 2));
		Beta::<Test>::put(fx(2, 1));
		// H100 (η clamped to 2, throughput 2.093): one reference hour is 1/2.093 h on it, paid
		// × 2 × 1.5 / 2; the value at β = 1 is twice that.
		let (_, r) = settle(GPU_HOUR, HardwareClass::H100);
		let paid = GPU_HOUR * 1000 / 2093 * 2;
		assert_eq!(r.eta, fx(2, 1));
		assert_eq!(r.earned, paid * 3 / 4);
		assert_eq!(Today::<Test>::get().value, paid * 3 / 2);
		// A slower class (L4, η = 0.5 above its throughput 0.304) is paid the reference work,
		// never more: 1 h × 1.5 / 2 = 0.75 CRED.
		assert_eq!(settle(GPU_HOUR, HardwareClass::L4).1.earned, 3 * CRED / 4);
		assert_eq!(Economics::estimate(HardwareClass::L4, 4 * GPU_HOUR), 3 * CRED);
	});
}

#[test]
fn no_class_earns_more_per_unit_of_reference_work_than_the_reference_gpu() {
	ExtBuilder::default().build_and_execute(|| {
		let reference = settle(GPU_HOUR, HardwareClass::A100).1.earned;
		for class in HardwareClass::ALL {
			for confirmed in [true, false] {
				let (_, r) = settle_with(GPU_HOUR, class, confirmed, fx(1, 1), Balance::MAX);
				assert!(
					r.earned <= reference,
					"{class:?} confirmed={confirmed} earned {}",
					r.earned
				);
			}
		}
		// Governance cannot lift a class above the reference either: η = 2 is paid as 1.
		assert_ok!(Economics::set_eta(RuntimeOrigin::root(), HardwareClass::Cpu, fx(2, 1)));
		assert_eq!(settle(GPU_HOUR, HardwareClass::Cpu).1.earned, reference);
	});
}

#[test]
fn an_unconfirmed_class_never_earns_more_than_a_confirmed_one() {
	ExtBuilder::default().build_and_execute(|| {
		for class in HardwareClass::ALL {
			let confirmed = settle_with(GPU_HOUR, class, true, fx(1, 1), Balance::MAX).1.earned;
			let unconfirmed = settle_with(GPU_HOUR, class, false, fx(1, 1), Balance::MAX).1.earned;
			assert!(unconfirmed <= confirmed, "{class:?}: {unconfirmed} > {confirmed}");
		}
	});
}

#[test]
fn settlement_pays_the_alpha_the_job_was_priced_at_and_never_beyond_its_budget() {
	ExtBuilder::default().build_and_execute(|| {
		// α has risen since the job was priced at 0.8: the worker is paid at 0.8.
		Alpha::<Test>::put(fx(3, 2));
		let (_, r) = settle_with(GPU_HOUR, HardwareClass::A100, true, fx(4, 5), Balance::MAX);
		assert_eq!((r.alpha, r.earned, r.minted), (fx(4, 5), 4 * CRED / 5, 4 * CRED / 5));
		// β below 1 would pay more than the consumer burned: the budget withholds the excess.
		Beta::<Test>::put(fx(1, 2));
		let (_, r) = settle_with(GPU_HOUR, HardwareClass::A100, true, fx(1, 1), CRED);
		assert_eq!((r.earned, r.minted, r.withheld), (2 * CRED, CRED, CRED));
		assert_eq!(r.reason, Some(WithholdReason::JobBudget));
	});
}

#[test]
fn zero_work_is_refused_and_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			<Economics as Settlement<_, _>>::settle_work(
				&WORKER,
				H256::zero(),
				HardwareClass::A100,
				true,
				0,
				fx(1, 1),
				Balance::MAX,
			),
			Error::<Test>::ZeroWork
		);
	});
}

#[test]
fn pause_withholds_everything_with_a_receipt() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Economics::set_mint_paused(RuntimeOrigin::root(), true));
		let issuance = Economics::circulation();
		let (_, r) = settle(GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.minted, r.withheld, r.reason), (0, CRED, Some(WithholdReason::MintPaused)));
		assert_eq!(Economics::circulation(), issuance);
		assert_eq!(Today::<Test>::get().withheld, CRED);
		assert_ok!(Economics::set_mint_paused(RuntimeOrigin::root(), false));
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.minted, CRED);
	});
}

#[test]
fn epoch_ceiling_clips_and_resets_next_epoch() {
	let limits = SupplyLimits { epoch_mint_floor: 3 * CRED, ..ExtBuilder::default_limits() };
	ExtBuilder::default().limits(limits).build_and_execute(|| {
		assert_eq!(settle(2 * GPU_HOUR, HardwareClass::A100).1.minted, 2 * CRED);
		let (_, r) = settle(2 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(
			(r.minted, r.withheld, r.reason),
			(CRED, CRED, Some(WithholdReason::EpochCeiling))
		);
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.minted, 0);
		next_epoch();
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.minted, CRED);
	});
}

/// The cap is days of consumption at the window's mean daily rate (40% of the mock's 5-day
/// window: 2 days), so a chain younger than its window is not held to a fraction of the few days
/// it has (the window's sum on day 1 is one day: 40% of it would be under half a day).
#[test]
fn circulation_cap_is_days_of_consumption_with_a_bootstrap_floor() {
	// Genesis issuance is 150 CRED; the floor allows 160 CRED in circulation.
	let limits = SupplyLimits {
		circulation_percent: 40,
		bootstrap_circulation: 160 * CRED,
		..ExtBuilder::default_limits()
	};
	ExtBuilder::default().limits(limits).build_and_execute(|| {
		assert_eq!(Economics::circulation_cap(), 160 * CRED);
		let (_, r) = settle(15 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(
			(r.minted, r.withheld, r.reason),
			(10 * CRED, 5 * CRED, Some(WithholdReason::CirculationCap))
		);
		assert_eq!(Economics::circulation(), 160 * CRED);
		// 120 CRED consumed on day 0: on day 1 the mean is 120 a day, the cap 2 days = 240.
		consume(ALICE, 100 * CRED);
		consume(BOB, 20 * CRED);
		run_to_block(BLOCKS_PER_DAY + 1);
		assert_eq!(Economics::mean_daily_consumption(), 120 * CRED);
		assert_eq!(Economics::circulation_cap(), 240 * CRED);
		assert_eq!(
			Economics::summary().circulation_headroom,
			240 * CRED - Economics::circulation()
		);
		// β has moved since day 0: whatever 20 reference GPU-hours earn now is minted in full.
		let (_, r) = settle(20 * GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.minted, r.reason), (r.earned, None));
		// A second complete day without consumption: 60 a day, 2 days = 120, under the floor.
		run_to_block(2 * BLOCKS_PER_DAY + 1);
		assert_eq!(Economics::mean_daily_consumption(), 60 * CRED);
		assert_eq!(Economics::circulation_cap(), 160 * CRED);
		// Minting stops at the cap; the rest is withheld with its reason.
		let before = Economics::circulation();
		assert!(before < 160 * CRED);
		let (_, r) = settle(200 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(
			(r.minted, r.reason),
			(160 * CRED - before, Some(WithholdReason::CirculationCap))
		);
		assert_eq!(r.minted + r.withheld, r.earned);
		assert_eq!(Economics::circulation(), 160 * CRED);
	});
}

#[test]
fn concentration_cap_reason_comes_from_the_credits_pallet() {
	ExtBuilder::default().bootstrap_cap(120 * CRED).build_and_execute(|| {
		// Worker may hold max(120, 5% of issuance) = 120 CRED.
		let (_, r) = settle(200 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(r.minted, 120 * CRED);
		assert_eq!(r.reason, Some(WithholdReason::ConcentrationCap));
	});
}

#[test]
fn old_receipts_are_pruned_beyond_retention() {
	ExtBuilder::default().build_and_execute(|| {
		for _ in 0..MAX_RECEIPTS + 3 {
			settle(GPU_HOUR / 100, HardwareClass::A100);
		}
		assert_eq!(NextReceipt::<Test>::get(), u64::from(MAX_RECEIPTS) + 3);
		for id in 0..3 {
			assert_eq!(Receipts::<Test>::get(id), None);
		}
		assert!(Receipts::<Test>::get(3).is_some());
		assert_eq!(Receipts::<Test>::iter().count(), MAX_RECEIPTS as usize);
	});
}

#[test]
fn consumption_burns_and_counts() {
	ExtBuilder::default().build_and_execute(|| {
		let before = Economics::circulation();
		consume(ALICE, 10 * CRED);
		assert_ok!(pallet_credits::Pallet::<Test>::hold(&ESCROW, &BOB, 20 * CRED));
		assert_ok!(<Economics as Settlement<_, _>>::consume_held(&BOB, ESCROW, 15 * CRED));
		assert_eq!(Economics::circulation(), before - 25 * CRED);
		assert_eq!(Today::<Test>::get().consumed, 25 * CRED);
		assert!(economics_events().contains(&Event::Consumed { who: BOB, amount: 15 * CRED }));
	});
}

#[test]
fn bad_consumption_is_refused_and_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			<Economics as Settlement<_, _>>::consume_free(&ALICE, 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			<Economics as Settlement<_, _>>::consume_free(&ALICE, 101 * CRED),
			pallet_credits::Error::<Test>::InsufficientCredits
		);
		assert_noop!(
			<Economics as Settlement<_, _>>::consume_held(&ALICE, ESCROW, CRED),
			pallet_credits::Error::<Test>::InsufficientHeld
		);
	});
}

#[test]
fn alpha_follows_the_last_epochs_utilization() {
	ExtBuilder::default().build_and_execute(|| {
		note(12 * GPU_HOUR, 10 * GPU_HOUR);
		next_epoch();
		assert_eq!(Alpha::<Test>::get(), ALPHA_MAX);
		assert_eq!(Epoch::<Test>::get().last_utilization, Some(fx(6, 5)));
		note(GPU_HOUR, 10 * GPU_HOUR);
		next_epoch();
		assert_eq!(Alpha::<Test>::get(), ALPHA_MIN);
		note(7 * GPU_HOUR, 10 * GPU_HOUR);
		next_epoch();
		assert_eq!(Alpha::<Test>::get(), fx(1, 1));
		// An epoch with no signal is "normal".
		next_epoch();
		assert_eq!(Alpha::<Test>::get(), fx(1, 1));
		let closed_idle =
			|e: &Event<Test>| matches!(e, Event::EpochClosed { alpha, .. } if *alpha == ALPHA_MIN);
		assert!(economics_events().iter().any(closed_idle));
		assert_eq!(Economics::quote(10 * GPU_HOUR), Ok(10 * CRED));
	});
}

#[test]
fn beta_moves_towards_balance_by_bounded_steps_and_the_ratio_settles() {
	ExtBuilder::default().build_and_execute(|| {
		let controller = Controller::<Test>::get();
		let mut previous = Beta::<Test>::get();
		// Each epoch: work worth 2 CRED (at β = 1) is settled and 1 CRED is consumed, as with two
		// replicas per job. β must climb to ≈ 2 without ever stepping more than max_step.
		for _ in 0..200 {
			settle(2 * GPU_HOUR, HardwareClass::A100);
			consume(ALICE, CRED / 2);
			consume(BOB, CRED / 2);
			next_epoch();
			let beta = Beta::<Test>::get();
			let step = if beta > previous { beta - previous } else { previous - beta };
			assert!(
				step <= previous * FixedU128::from_perbill(controller.max_step)
					+ FixedU128::from_inner(1)
			);
			previous = beta;
			pallet_credits::Pallet::<Test>::mint_capped(&ALICE, CRED / 2).unwrap();
			pallet_credits::Pallet::<Test>::mint_capped(&BOB, CRED / 2).unwrap();
		}
		let beta = Beta::<Test>::get();
		assert!(beta > fx(19, 10) && beta < fx(21, 10), "β = {beta:?}");
		// Over the last window (β settled) earned/consumed is inside 0.95..=1.05.
		let ratio = Economics::summary().earned_over_consumed.unwrap();
		assert!(ratio >= fx(95, 100) && ratio <= fx(105, 100), "ratio = {ratio:?}");
	});
}

#[test]
fn the_window_keeps_only_the_last_days() {
	ExtBuilder::default().build_and_execute(|| {
		for day in 0..(WINDOW_DAYS as u64 + 3) {
			consume(ALICE, CRED / 10);
			run_to_block((day + 1) * BLOCKS_PER_DAY);
		}
		// Today (no consumption yet) plus WINDOW_DAYS − 1 previous days.
		assert_eq!(History::<Test>::get().len(), WINDOW_DAYS as usize - 1);
		assert_eq!(Economics::window().consumed, (WINDOW_DAYS as u128 - 1) * CRED / 10);
	});
}

#[test]
fn a_stalled_chain_drops_days_outside_the_window() {
	ExtBuilder::default().build_and_execute(|| {
		consume(ALICE, CRED);
		// Jump far ahead without running the blocks in between.
		let n = 7 * BLOCKS_PER_DAY;
		System::set_block_number(n);
		pallet_credits::Pallet::<Test>::on_initialize(n);
		Economics::on_initialize(n);
		assert_eq!(Economics::window().consumed, 0);
		assert_eq!(Today::<Test>::get().day, 7);
	});
}

#[test]
fn governance_setters_validate_and_emit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Economics::set_eta(RuntimeOrigin::root(), HardwareClass::L4, fx(3, 4)));
		assert_eq!(Economics::eta_of(HardwareClass::L4), fx(3, 4));
		assert_noop!(
			Economics::set_eta(RuntimeOrigin::root(), HardwareClass::L4, fx(21, 10)),
			Error::<Test>::EtaOutOfBounds
		);
		assert_noop!(
			Economics::set_eta(RuntimeOrigin::root(), HardwareClass::L4, fx(49, 100)),
			Error::<Test>::EtaOutOfBounds
		);

		let curve = AlphaCurve { peak: fx(2, 1), ..AlphaCurve::default() };
		assert_ok!(Economics::set_alpha_curve(RuntimeOrigin::root(), curve));
		assert_eq!(AlphaParams::<Test>::get(), curve);
		assert_noop!(
			Economics::set_alpha_curve(
				RuntimeOrigin::root(),
				AlphaCurve { idle: Perbill::from_percent(90), ..curve }
			),
			Error::<Test>::InvalidAlphaCurve
		);

		Beta::<Test>::put(fx(5, 1));
		// Shrinking above 5 days: the mock's circulation cap (110% of 5 days) holds that.
		let controller = BetaController {
			max: fx(3, 1),
			grow_below_days: 3,
			shrink_above_days: 5,
			..BetaController::default()
		};
		assert_ok!(Economics::set_controller(RuntimeOrigin::root(), controller));
		assert_eq!(Beta::<Test>::get(), fx(3, 1));
		assert!(economics_events().contains(&Event::ControllerSet { controller, beta: fx(3, 1) }));
		assert_noop!(
			Economics::set_controller(
				RuntimeOrigin::root(),
				BetaController { min: fx(1, 100), ..controller }
			),
			Error::<Test>::InvalidController
		);

		let limits = SupplyLimits { circulation_percent: 150, ..ExtBuilder::default_limits() };
		assert_ok!(Economics::set_supply_limits(RuntimeOrigin::root(), limits));
		assert_eq!(Limits::<Test>::get(), limits);
		for bad in [
			SupplyLimits { circulation_percent: 19, ..limits },
			SupplyLimits { circulation_percent: 201, ..limits },
			SupplyLimits { epoch_mint_floor: 0, ..limits },
			SupplyLimits { epoch_mint_percent: 99, ..limits },
			SupplyLimits { epoch_mint_percent: 10_001, ..limits },
		] {
			assert_noop!(
				Economics::set_supply_limits(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidSupplyLimits
			);
		}
	});
}

/// The circulation cap in days of consumption (`circulation_percent` % of the window, 5 days in
/// the mock) must hold at least the controller's `shrink_above_days`: a cap below it would
/// withhold pay while the controller still wants the stock to hold or grow. Both setters refuse
/// such a pair.
#[test]
fn the_circulation_cap_never_sits_below_the_controllers_shrink_threshold() {
	ExtBuilder::default().build_and_execute(|| {
		// The default controller shrinks above 14 days; 200% of 5 days is 10.
		let default = Controller::<Test>::get();
		assert_eq!(default.shrink_above_days, 14);
		let wide = SupplyLimits { circulation_percent: 200, ..ExtBuilder::default_limits() };
		assert_noop!(
			Economics::set_supply_limits(RuntimeOrigin::root(), wide),
			Error::<Test>::CapBelowShrink
		);
		// The mock's 110% is 5.5 days: a controller that shrinks above 6 does not fit, above 5
		// does.
		let at = |days: u16| BetaController {
			grow_below_days: days,
			shrink_above_days: days,
			..default
		};
		assert_noop!(
			Economics::set_controller(RuntimeOrigin::root(), at(6)),
			Error::<Test>::CapBelowShrink
		);
		assert_ok!(Economics::set_controller(RuntimeOrigin::root(), at(5)));
		// Now 100% (5 days) fits and 99% (4.95 days) does not.
		let limits = SupplyLimits { circulation_percent: 100, ..wide };
		assert_ok!(Economics::set_supply_limits(RuntimeOrigin::root(), limits));
		assert_noop!(
			Economics::set_supply_limits(
				RuntimeOrigin::root(),
				SupplyLimits { circulation_percent: 99, ..limits }
			),
			Error::<Test>::CapBelowShrink
		);
		assert_eq!(Limits::<Test>::get(), limits);
	});
}

#[test]
fn setters_are_governance_only() {
	ExtBuilder::default().build_and_execute(|| {
		let signed = RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Economics::set_eta(signed.clone(), HardwareClass::L4, fx(1, 1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Economics::set_alpha_curve(signed.clone(), AlphaCurve::default()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Economics::set_controller(signed.clone(), BetaController::default()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Economics::set_supply_limits(signed.clone(), ExtBuilder::default_limits()),
			DispatchError::BadOrigin
		);
		assert_noop!(Economics::set_mint_paused(signed, true), DispatchError::BadOrigin);
	});
}

#[test]
fn summary_reports_the_economy() {
	ExtBuilder::default().build_and_execute(|| {
		settle(3 * GPU_HOUR, HardwareClass::A100);
		consume(ALICE, 2 * CRED);
		note(GPU_HOUR, 2 * GPU_HOUR);
		let s = Economics::summary();
		assert_eq!(s.window.earned, 3 * CRED);
		assert_eq!(s.window.consumed, 2 * CRED);
		assert_eq!(s.earned_over_consumed, Some(fx(3, 2)));
		// 2 CRED consumed in the first 2 blocks of a 24-block day: 24 CRED a day. Circulation
		// (151 CRED) pays for 151 / 24 = 6.3 days, fewer than 7: the supply should grow, and β
		// aims at earned/consumed = 1 (growth comes from the bootstrap issuance, never from pay).
		assert_eq!(Economics::mean_daily_consumption(), 24 * CRED);
		// 6.291666… rounded down.
		assert_eq!(s.days_held, Some(FixedU128::from_inner(6_291_666_666_666_666_666)));
		assert_eq!(s.regime, StockRegime::Grow);
		assert_eq!(s.aim, fx(1, 1));
		assert_eq!(s.beta_target, Some(fx(3, 2)));
		assert_eq!(s.epoch_mint_ceiling, 1_000 * CRED);
		assert_eq!(s.window_utilization, Some(fx(1, 2)));
		assert_eq!(s.eta.len(), HardwareClass::ALL.len());
		assert_eq!(s.epoch_minted, 3 * CRED);
		assert_eq!(s.epoch_headroom, 997 * CRED);
		assert_eq!(s.next_receipt, 1);
		assert!(!s.mint_paused);
	});
}

#[test]
fn the_epoch_ceiling_scales_with_recent_minting() {
	let limits = SupplyLimits {
		epoch_mint_floor: 2 * CRED,
		epoch_mint_percent: 200,
		..ExtBuilder::default_limits()
	};
	ExtBuilder::default().limits(limits).build_and_execute(|| {
		// Day 0: no history, the floor.
		assert_eq!(Economics::epoch_mint_ceiling(), 2 * CRED);
		// 12 CRED minted over day 0 (6 epochs): a mean of 2 CRED an epoch, 200% of it is 4.
		for _ in 0..6 {
			settle(2 * GPU_HOUR, HardwareClass::A100);
			next_epoch();
		}
		run_to_block(BLOCKS_PER_DAY + 1);
		assert_eq!(Today::<Test>::get().day, 1);
		assert_eq!(Economics::epoch_mint_ceiling(), 4 * CRED);
		assert_eq!(Economics::summary().epoch_mint_ceiling, 4 * CRED);
		// A surge of 10 CRED in one epoch: 4 minted, the rest withheld with its reason.
		let (_, r) = settle(10 * GPU_HOUR, HardwareClass::A100);
		assert_eq!(
			(r.minted, r.withheld, r.reason),
			(4 * CRED, 6 * CRED, Some(WithholdReason::EpochCeiling))
		);
	});
}

/// Turns the bootstrap issuance on: a full match of up to `per_worker`, the daily consumption
/// estimated at the whole confirmed capacity, half the target a day, no sunset below 1,000 CRED a
/// day.
fn bootstrap_on(per_worker: Balance) -> BootstrapParams {
	let params = BootstrapParams {
		match_share: Perbill::one(),
		per_worker,
		capacity_share: Perbill::one(),
		daily_share: Perbill::from_percent(50),
		sunset_daily_consumption: 1_000 * CRED,
	};
	assert_ok!(Economics::set_bootstrap(RuntimeOrigin::root(), params));
	params
}

#[test]
fn bootstrap_issuance_matches_pay_towards_a_target_stock() {
	ExtBuilder::default().build_and_execute(|| {
		// Off by default: nothing issued.
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		assert_eq!(Economics::bootstrap_target(), 0);
		bootstrap_on(5 * CRED);
		// No capacity and no consumption yet: no target, nothing issued.
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		// 100 reference GPU-hours of confirmed capacity today: 100 CRED a day estimated, a
		// target of 7 days = 700 CRED; circulation is 152, so 350 may be issued today.
		note(0, 100 * GPU_HOUR);
		assert_eq!(Economics::bootstrap_target(), 700 * CRED);
		assert_eq!(Economics::bootstrap_headroom(), 350 * CRED);
		let before = Economics::circulation();
		let (_, r) = settle(2 * GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.earned, r.minted, r.bootstrap), (2 * CRED, 2 * CRED, 2 * CRED));
		assert_eq!(Economics::circulation(), before + 4 * CRED);
		// The match is recorded apart: the ratio counts only the work's 2 CRED.
		assert_eq!(Today::<Test>::get().bootstrap, 2 * CRED);
		assert_eq!(Today::<Test>::get().earned, 4 * CRED);
		// The worker's match ends at 5 CRED: 3 more, then none.
		assert_eq!(settle(4 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 3 * CRED);
		assert_eq!(settle(4 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		assert_eq!(BootstrapMatched::<Test>::get(WORKER), (0, 5 * CRED));
		assert!(Economics::summary().bootstrap_headroom > 0);
	});
}

/// A steady network drains (pay never exceeds consumption; slashes, withheld pay and expiry
/// burn): with a match for first earnings only, its workers could never be matched again and the
/// stock fell for good (the simulator's 3-year runs: 7 → 2 days held). The match is bounded per
/// period of `WindowDays` days, so the same workers refill a stock that fell below its target.
#[test]
fn a_steady_network_short_of_credits_is_matched_again_in_the_next_period() {
	ExtBuilder::default().build_and_execute(|| {
		bootstrap_on(5 * CRED);
		note(0, 1_000 * GPU_HOUR);
		assert_eq!(settle(10 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 5 * CRED);
		// Later in the same period: the worker's match is used.
		run_to_block(3 * BLOCKS_PER_DAY + 1);
		note(0, 1_000 * GPU_HOUR);
		assert_eq!(Economics::bootstrap_period(), 0);
		assert!(Economics::bootstrap_headroom() > 0, "the stock is still below its target");
		assert_eq!(settle(10 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		// The next period (day 5 with a 5-day window): matched again, up to the bound.
		run_to_block(u64::from(WINDOW_DAYS) * BLOCKS_PER_DAY + 1);
		note(0, 1_000 * GPU_HOUR);
		assert_eq!(Economics::bootstrap_period(), 1);
		assert_eq!(Economics::bootstrap_matched(&WORKER), 0);
		assert_eq!(settle(3 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 3 * CRED);
		assert_eq!(settle(3 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 2 * CRED);
		assert_eq!(settle(3 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		assert_eq!(BootstrapMatched::<Test>::get(WORKER), (1, 5 * CRED));
		// A stock at its target gets nothing, whatever the period.
		run_to_block(2 * u64::from(WINDOW_DAYS) * BLOCKS_PER_DAY + 1);
		note(0, 1_000 * GPU_HOUR);
		let (target, circulation) = (Economics::bootstrap_target(), Economics::circulation());
		assert!(target > circulation);
		assert_ok!(Credits::set_bootstrap_cap(RuntimeOrigin::root(), 1_000_000 * CRED));
		let filled = pallet_credits::Pallet::<Test>::mint_capped(&ALICE, target - circulation);
		assert_eq!(filled.expect("mints").minted, target - circulation);
		assert_eq!(Economics::bootstrap_headroom(), 0);
		assert_eq!(Economics::bootstrap_matched(&WORKER), 0, "a new period");
		assert_eq!(settle(3 * GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
	});
}

#[test]
fn bootstrap_issuance_stops_at_the_daily_share_the_target_and_the_sunset() {
	ExtBuilder::default().build_and_execute(|| {
		bootstrap_on(BootstrapParams::MAX_PER_WORKER);
		// Capacity 40 a day → target 280; circulation 150; half the target a day = 140, but
		// only 130 short of the target.
		note(0, 40 * GPU_HOUR);
		assert_eq!(Economics::bootstrap_headroom(), 130 * CRED);
		let (_, r) = settle(100 * GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.minted, r.bootstrap), (100 * CRED, 30 * CRED));
		assert_eq!(Economics::circulation(), Economics::bootstrap_target());
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.bootstrap, 0, "the target is reached");

		// The daily share: a larger capacity, a target of 2,800, 1,400 a day — and never past
		// this epoch's mint ceiling (1,000 CRED, 131 of it used).
		note(0, 360 * GPU_HOUR);
		let issued_today = Today::<Test>::get().bootstrap;
		let epoch_room = 1_000 * CRED - Epoch::<Test>::get().minted;
		assert_eq!(epoch_room, 869 * CRED);
		assert_eq!(Economics::bootstrap_headroom(), (1_400 * CRED - issued_today).min(epoch_room));

		// Consumption below the capacity's share lifts the target towards the capacity's, but
		// never above 14 days of the consumption there is: 5 CRED in the first 2 blocks of the
		// day is 60 a day, the capacity 400 a day: 7 × 400 = 2,800, at most 14 × 60 = 840.
		let params =
			BootstrapParams { sunset_daily_consumption: 100 * CRED, ..Bootstrap::<Test>::get() };
		assert_ok!(Economics::set_bootstrap(RuntimeOrigin::root(), params));
		consume(ALICE, 5 * CRED);
		assert_eq!(Economics::mean_daily_consumption(), 60 * CRED);
		assert_eq!(Economics::bootstrap_target(), 840 * CRED);
		// Above it (1% of the capacity: 4 a day) the target follows consumption: 420 for 7 days.
		let params = BootstrapParams { capacity_share: Perbill::from_percent(1), ..params };
		assert_ok!(Economics::set_bootstrap(RuntimeOrigin::root(), params));
		assert_eq!(Economics::bootstrap_target(), 420 * CRED);
		// The sunset: 120 CRED a day is above 100, which ends the issuance for good.
		consume(ALICE, 5 * CRED);
		assert!(BootstrapEnded::<Test>::get());
		System::assert_last_event(Event::BootstrapEnded { daily_consumption: 120 * CRED }.into());
		assert_eq!(Economics::bootstrap_target(), 0);
		assert_eq!(settle(GPU_HOUR, HardwareClass::A100).1.bootstrap, 0);
		// Consumption falling back (10 CRED over two complete days: 5 a day) does not restart
		// it; governance does.
		run_to_block(2 * BLOCKS_PER_DAY + 1);
		assert_eq!(Economics::mean_daily_consumption(), 5 * CRED);
		assert_eq!(Economics::bootstrap_target(), 0);
		assert_ok!(Economics::set_bootstrap(RuntimeOrigin::root(), params));
		assert_eq!(Economics::bootstrap_target(), 35 * CRED);
	});
}

#[test]
fn bootstrap_issuance_respects_the_circulation_and_concentration_caps() {
	// The circulation floor at 160 CRED: 10 above the genesis supply.
	let limits = SupplyLimits { bootstrap_circulation: 160 * CRED, ..ExtBuilder::default_limits() };
	ExtBuilder::default().limits(limits).build_and_execute(|| {
		bootstrap_on(BootstrapParams::MAX_PER_WORKER);
		note(0, 1_000 * GPU_HOUR);
		let (_, r) = settle(6 * GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.minted, r.bootstrap), (6 * CRED, 4 * CRED));
		assert_eq!(Economics::circulation(), 160 * CRED);
	});
	// A per-account cap of 8 CRED: pay first, then the match up to the cap.
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Credits::set_bootstrap_cap(RuntimeOrigin::root(), 8 * CRED));
		bootstrap_on(BootstrapParams::MAX_PER_WORKER);
		note(0, 1_000 * GPU_HOUR);
		let (_, r) = settle(6 * GPU_HOUR, HardwareClass::A100);
		assert_eq!((r.minted, r.bootstrap), (6 * CRED, 2 * CRED));
		assert_eq!(Credits::owned(&WORKER), 8 * CRED);
	});
}

#[test]
fn bootstrap_parameters_are_bounded_and_governed() {
	ExtBuilder::default().build_and_execute(|| {
		let ok = bootstrap_on(10 * CRED);
		for bad in [
			BootstrapParams { per_worker: BootstrapParams::MAX_PER_WORKER + 1, ..ok },
			BootstrapParams { daily_share: Perbill::from_percent(51), ..ok },
		] {
			assert_noop!(
				Economics::set_bootstrap(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidBootstrap
			);
		}
		assert_noop!(
			Economics::set_bootstrap(RuntimeOrigin::signed(ALICE), ok),
			DispatchError::BadOrigin
		);
		System::assert_last_event(Event::BootstrapSet { params: ok }.into());
	});
}

/// The attack the aim above 1 invited: a consumer serving itself through its own worker, the
/// job's payment capped at what it burned. Aiming at 1 and paying the growth apart (bounded per
/// worker) leaves the pair no richer after any number of rounds than the match allows.
#[test]
fn a_consumer_serving_itself_gains_at_most_the_bounded_match() {
	ExtBuilder::default().build_and_execute(|| {
		bootstrap_on(5 * CRED);
		note(0, 1_000 * GPU_HOUR);
		// β as low as it goes: the formula would pay ten times the price.
		Beta::<Test>::put(fx(1, 10));
		assert_ok!(Credits::force_mint(RuntimeOrigin::root(), WORKER, 10 * CRED));
		let start = Credits::owned(&WORKER);
		for round in 0..20 {
			// The colluder pays 1 CRED for 1 reference GPU-hour served by itself.
			consume(WORKER, CRED);
			let (_, r) = settle_with(GPU_HOUR, HardwareClass::A100, true, fx(1, 1), CRED);
			assert!(r.minted <= CRED, "round {round}: minted {} for 1 CRED burned", r.minted);
		}
		assert!(Credits::owned(&WORKER) <= start + 5 * CRED);
	});
}

#[test]
fn receipts_stored_before_version_1_read_with_no_bootstrap() {
	ExtBuilder::default().build_and_execute(|| {
		let (id, r) = settle(GPU_HOUR, HardwareClass::A100);
		let mut old = r.encode();
		old.truncate(old.len() - Balance::default().encode().len());
		let key = Receipts::<Test>::hashed_key_for(id);
		frame_support::storage::unhashed::put_raw(&key, &old);
		assert_eq!(Receipts::<Test>::get(id), Some(Receipt { bootstrap: 0, ..r.clone() }));
		assert_eq!(<Economics as Settlement<_, _>>::receipt(id).map(|r| r.minted), Some(CRED));
		// A truncated receipt is still refused.
		old.truncate(old.len() - 1);
		frame_support::storage::unhashed::put_raw(&key, &old);
		assert_eq!(Receipts::<Test>::get(id), None);
	});
}

#[test]
fn migration_to_v1_keeps_the_controller_limits_and_days() {
	use crate::migrations::v1::*;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		StorageVersion::new(0).put::<Economics>();
		let put =
			|key: Vec<u8>, value: Vec<u8>| frame_support::storage::unhashed::put_raw(&key, &value);
		put(
			Controller::<Test>::hashed_key().to_vec(),
			OldController {
				damping: Perbill::from_percent(70),
				max_step: Perbill::from_percent(3),
				deadband: Perbill::from_percent(2),
				growth: Perbill::from_percent(2),
				min: fx(1, 5),
				max: fx(5, 1),
			}
			.encode(),
		);
		put(
			Limits::<Test>::hashed_key().to_vec(),
			OldLimits {
				circulation_percent: 120,
				bootstrap_circulation: 5 * CRED,
				epoch_mint_ceiling: 7 * CRED,
			}
			.encode(),
		);
		let old_day = |day, consumed| OldDayTotals {
			day,
			value: 1,
			earned: 2,
			minted: 2,
			withheld: 0,
			consumed,
			demand: 3,
			capacity: 4,
		};
		put(Today::<Test>::hashed_key().to_vec(), old_day(3, 9).encode());
		put(History::<Test>::hashed_key().to_vec(), vec![old_day(1, 5), old_day(2, 6)].encode());
		let trailing = OldDayTotals {
			value: 2,
			earned: 4,
			minted: 4,
			demand: 6,
			capacity: 8,
			..old_day(2, 11)
		};
		put(Trailing::<Test>::hashed_key().to_vec(), trailing.encode());

		MigrateToV1::<Test>::on_runtime_upgrade();

		assert_eq!(Economics::on_chain_storage_version(), 1);
		let c = Controller::<Test>::get();
		assert_eq!(
			(c.damping, c.shrink, c.grow_below_days, c.shrink_above_days),
			(Perbill::from_percent(70), Perbill::from_percent(2), 7, 14)
		);
		let l = Limits::<Test>::get();
		assert_eq!(
			(l.circulation_percent, l.epoch_mint_floor, l.epoch_mint_percent),
			(120, 7 * CRED, 300)
		);
		assert_eq!(Today::<Test>::get(), DayTotals::from(old_day(3, 9)));
		assert_eq!(Today::<Test>::get().consumed, 9);
		assert_eq!(
			History::<Test>::get().iter().map(|d| d.consumed).collect::<Vec<_>>(),
			vec![5, 6]
		);
		assert_eq!(Trailing::<Test>::get().consumed, 11);
		assert_eq!(Yesterday::<Test>::get().consumed, 6, "day 2, the day before today (3)");
		// Runs once.
		Today::<Test>::mutate(|d| d.consumed = 42);
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Today::<Test>::get().consumed, 42);
		// The later versions follow (the invariants checked at the end need version 3's count).
		crate::migrations::v2::MigrateToV2::<Test>::on_runtime_upgrade();
		crate::migrations::v3::MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(HistoryDays::<Test>::get(), 2);
	});
}

/// Version 1 kept each worker's lifetime match; version 2 keeps it per period, counting the old
/// total as the current period's (nobody is matched twice in the upgrade's period).
#[test]
fn migration_to_v2_keeps_each_match_in_the_current_period() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(2 * u64::from(WINDOW_DAYS) * BLOCKS_PER_DAY + 1);
		assert_eq!(Economics::bootstrap_period(), 2);
		StorageVersion::new(1).put::<Economics>();
		for (who, matched) in [(WORKER, 7 * CRED), (BOB, CRED)] {
			frame_support::storage::unhashed::put_raw(
				&BootstrapMatched::<Test>::hashed_key_for(who),
				&matched.encode(),
			);
		}
		crate::migrations::v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Economics::on_chain_storage_version(), 2);
		assert_eq!(BootstrapMatched::<Test>::get(WORKER), (2, 7 * CRED));
		assert_eq!(BootstrapMatched::<Test>::get(BOB), (2, CRED));
		assert_eq!(Economics::bootstrap_matched(&WORKER), 7 * CRED);
		// Runs once.
		BootstrapMatched::<Test>::insert(WORKER, (2, 8 * CRED));
		crate::migrations::v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(BootstrapMatched::<Test>::get(WORKER), (2, 8 * CRED));
	});
}

#[derive(Clone, Debug)]
enum Op {
	Settle(u128, usize),
	Consume(bool, u128),
	Note(u128, u128),
	Advance(u64),
	Pause(bool),
	Bootstrap(u32, u128),
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		4 => (1u128..=50 * GPU_HOUR, 0usize..6).prop_map(|(t, c)| Op::Settle(t, c)),
		3 => (any::<bool>(), 1u128..=20 * CRED).prop_map(|(a, x)| Op::Consume(a, x)),
		2 => (0u128..=20 * GPU_HOUR, 0u128..=20 * GPU_HOUR).prop_map(|(d, c)| Op::Note(d, c)),
		3 => (1u64..=30).prop_map(Op::Advance),
		1 => any::<bool>().prop_map(Op::Pause),
		1 => (0u32..=100, 0u128..=20 * CRED).prop_map(|(m, w)| Op::Bootstrap(m, w)),
	]
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

	/// Random settlements, consumption, load reports, pauses, bootstrap settings and block
	/// advances never break an invariant, never mint more than earned, never mint past the epoch
	/// ceiling or into a circulation above its cap, and the bootstrap match stops by itself (none
	/// at or above the target stock, none after the sunset).
	#[test]
	fn supply_rules_and_invariants_hold_under_random_operation(ops in proptest::collection::vec(op(), 1..80)) {
		ExtBuilder::default().build_and_execute(|| {
			for op in ops {
				match op {
					Op::Settle(t, c) => {
						let cap = Economics::circulation_cap();
						let headroom = Economics::bootstrap_headroom();
						let matched = Economics::bootstrap_matched(&WORKER);
						// The match stops by itself: nothing at or above the target stock, nothing
						// once the sunset ended it.
						let stocked = Economics::circulation() >= Economics::bootstrap_target();
						let ended = BootstrapEnded::<Test>::get();
						let (_, r) = settle(t, HardwareClass::ALL[c]);
						if stocked || ended {
							assert_eq!(r.bootstrap, 0);
						}
						// The match: within its share, the worker's bound and the day's headroom.
						let params = Bootstrap::<Test>::get();
						assert!(r.bootstrap <= params.match_share.mul_floor(r.minted));
						assert!(r.bootstrap <= headroom);
						assert_eq!(Economics::bootstrap_matched(&WORKER), matched + r.bootstrap);
						assert!(matched + r.bootstrap <= params.per_worker.max(matched));
						assert!(r.minted <= r.earned);
						// Never more per unit of reference work than the reference GPU.
						assert!(r.earned <= maths::credits_earned(t, FixedU128::one(), r.alpha, r.beta).unwrap());
						assert_eq!(r.minted + r.withheld, r.earned);
						if r.minted > 0 {
							assert!(Economics::circulation() <= cap);
						}
						assert!(Epoch::<Test>::get().minted <= Economics::epoch_mint_ceiling());
					},
					Op::Consume(alice, x) => {
						let who = if alice { ALICE } else { WORKER };
						let _ = <Economics as Settlement<_, _>>::consume_free(&who, x);
					},
					Op::Note(d, c) => note(d, c),
					Op::Advance(k) => run_to_block(System::block_number() + k),
					Op::Pause(p) => {
						assert_ok!(Economics::set_mint_paused(RuntimeOrigin::root(), p));
					},
					Op::Bootstrap(share, per_worker) => {
						let params = BootstrapParams {
							match_share: Perbill::from_percent(share),
							per_worker,
							sunset_daily_consumption: 100 * CRED,
							capacity_share: Perbill::from_percent(50),
							..BootstrapParams::default()
						};
						assert_ok!(Economics::set_bootstrap(RuntimeOrigin::root(), params));
					},
				}
				check_invariants();
			}
		});
	}
}

/// Version 3 stores the history's length apart; the means that divide by it stay as they were.
#[test]
fn migration_to_v3_counts_the_history_days_once() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(5 * BLOCKS_PER_DAY + 1);
		consume(ALICE, 10 * CRED);
		run_to_block(7 * BLOCKS_PER_DAY + 1);
		let days = HistoryDays::<Test>::get();
		assert_eq!(days as usize, History::<Test>::get().len());
		assert_eq!(days, WINDOW_DAYS - 1, "a full window kept");
		let (mean, ceiling) =
			(Economics::mean_daily_consumption(), Economics::epoch_mint_ceiling());
		// A version-2 chain: no count stored.
		StorageVersion::new(2).put::<Economics>();
		HistoryDays::<Test>::kill();
		assert_eq!(Economics::window_days(), 1, "the means are wrong without the count");
		crate::migrations::v3::MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Economics::on_chain_storage_version(), 3);
		assert_eq!(HistoryDays::<Test>::get(), days);
		assert_eq!(
			(Economics::mean_daily_consumption(), Economics::epoch_mint_ceiling()),
			(mean, ceiling)
		);
		// Runs once.
		HistoryDays::<Test>::put(days + 1);
		crate::migrations::v3::MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(HistoryDays::<Test>::get(), days + 1);
		assert!(Economics::do_try_state().is_err(), "a wrong count is caught from version 3 on");
		StorageVersion::new(2).put::<Economics>();
		assert_ok!(Economics::do_try_state());
		StorageVersion::new(3).put::<Economics>();
		HistoryDays::<Test>::put(days);
	});
}
