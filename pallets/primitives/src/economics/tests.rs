//! Tests of the credit formula, α curve and β controller: bounds, monotonicity, rounding, and
//! the controller's convergence and step bound.

// Exact reference values are computed with 256-bit integers whose inputs are bounded far below
// overflow.
#![allow(clippy::arithmetic_side_effects)]

use super::*;
use primitive_types::U256;
use proptest::prelude::*;

fn fx(x: f64) -> FixedU128 {
	FixedU128::from_float(x)
}

/// Exact `t × η × α` and `β × DIV²` as 256-bit integers, so `C ≤ exact` reads `C × den ≤ num`.
fn exact_parts(t: u128, eta: FixedU128, alpha: FixedU128, beta: FixedU128) -> (U256, U256) {
	let num = U256::from(t) * U256::from(eta.into_inner()) * U256::from(alpha.into_inner());
	let den = U256::from(beta.into_inner()) * U256::from(FixedU128::DIV);
	(num, den)
}

fn any_fixed(lo: u128, hi: u128) -> impl Strategy<Value = FixedU128> {
	(lo..=hi).prop_map(FixedU128::from_inner)
}

#[test]
fn reference_hour_at_unit_multipliers_is_one_credit() {
	let one = FixedU128::one();
	assert_eq!(credits_earned(GPU_HOUR, one, one, one), Ok(crate::CRED));
	assert_eq!(credits_earned(3 * GPU_HOUR, fx(2.0), fx(1.5), fx(0.5)), Ok(18 * crate::CRED));
}

#[test]
fn zero_beta_is_an_error_not_a_panic() {
	let one = FixedU128::one();
	assert_eq!(
		credits_earned(GPU_HOUR, one, one, FixedU128::zero()),
		Err(EconomicsError::ZeroBeta)
	);
}

#[test]
fn overflow_is_reported() {
	assert_eq!(
		credits_earned(u128::MAX, ETA_MAX, ALPHA_MAX, BETA_FLOOR),
		Err(EconomicsError::Overflow)
	);
}

#[test]
fn seeded_etas_are_clamped_and_the_reference_is_one() {
	for class in HardwareClass::ALL {
		assert!(eta_in_bounds(class.seed_eta()), "{class:?}");
	}
	assert_eq!(HardwareClass::A100.seed_eta(), FixedU128::one());
	assert_eq!(HardwareClass::H100.seed_eta(), ETA_MAX);
	assert_eq!(HardwareClass::L4.seed_eta(), ETA_MIN);
	assert_eq!(HardwareClass::Rtx4090.seed_eta(), FixedU128::from_rational(108, 100));
}

#[test]
fn price_rounds_up_and_earning_rounds_down() {
	let third = FixedU128::checked_from_rational(1u32, 3u32).unwrap();
	assert_eq!(price(10, third), Ok(4));
	assert_eq!(credits_earned(10, FixedU128::one(), third, FixedU128::one()), Ok(3));
}

#[test]
fn alpha_is_one_at_normal_load_and_bounded_at_the_extremes() {
	let curve = AlphaCurve::default();
	assert_eq!(curve.validate(), Ok(()));
	assert_eq!(curve.alpha(None), FixedU128::one());
	assert_eq!(curve.alpha(Some(fx(0.0))), ALPHA_MIN);
	assert_eq!(curve.alpha(Some(fx(0.65))), FixedU128::one());
	assert_eq!(curve.alpha(Some(fx(1.2))), ALPHA_MAX);
	assert_eq!(curve.alpha(Some(FixedU128::max_value())), ALPHA_MAX);
	assert_eq!(curve.alpha(Some(fx(1.0))), fx(1.25));
	assert_eq!(curve.alpha(utilization(0, 0)), FixedU128::one());
	assert_eq!(curve.alpha(utilization(5, 0)), ALPHA_MAX);
}

#[test]
fn invalid_curves_and_controllers_are_named() {
	for bad in [
		AlphaCurve { normal_low: Perbill::from_percent(90), ..AlphaCurve::default() },
		AlphaCurve { idle: Perbill::from_percent(60), ..AlphaCurve::default() },
		AlphaCurve { peak: fx(0.5), ..AlphaCurve::default() },
		AlphaCurve { peak: fx(11.0), ..AlphaCurve::default() },
	] {
		assert_eq!(bad.validate(), Err(EconomicsError::InvalidAlphaCurve), "{bad:?}");
	}

	let ok = BetaController::default();
	assert_eq!(ok.validate(), Ok(()));
	for bad in [
		BetaController { min: fx(0.01), ..ok },
		BetaController { max: fx(21.0), ..ok },
		BetaController { min: fx(3.0), max: fx(2.0), ..ok },
		BetaController { max_step: Perbill::zero(), ..ok },
		BetaController { max_step: Perbill::from_percent(30), ..ok },
		BetaController { damping: Perbill::one(), ..ok },
		BetaController {
			deadband: Perbill::from_percent(3),
			growth: Perbill::from_percent(3),
			..ok
		},
	] {
		assert_eq!(bad.validate(), Err(EconomicsError::InvalidController), "{bad:?}");
	}
}

#[test]
fn controller_without_signal_keeps_beta() {
	let c = BetaController::default();
	assert_eq!(c.step(fx(1.3), 0, 100, FixedU128::one()), fx(1.3));
	assert_eq!(c.step(fx(1.3), 100, 0, FixedU128::one()), fx(1.3));
}

#[test]
fn controller_converges_into_the_band_and_stays() {
	let c = BetaController::default();
	// Work value is 1.8× consumption (replication): β should settle near 1.8 and stop.
	let (value, consumed) = (180 * crate::CRED, 100 * crate::CRED);
	let mut beta = FixedU128::one();
	let mut steps = 0;
	while steps < 200 {
		let next = c.step(beta, value, consumed, FixedU128::one());
		if next == beta {
			break;
		}
		beta = next;
		steps += 1;
	}
	let ratio = fx(1.8).checked_div(&beta).unwrap();
	assert!(ratio >= fx(0.99) && ratio <= fx(1.01), "β = {beta:?}, earned/consumed = {ratio:?}");
	assert!(steps > 1 && steps < 200, "settled after {steps} steps");
	assert_eq!(c.step(beta, value, consumed, FixedU128::one()), beta);
}

#[test]
fn the_aim_lets_supply_grow_below_the_cap_and_shrink_above_it() {
	let c = BetaController::default();
	assert_eq!(c.aim(10, 100), fx(1.03));
	assert_eq!(c.aim(50, 100), FixedU128::one());
	assert_eq!(c.aim(100, 100), FixedU128::one());
	assert_eq!(c.aim(101, 100), fx(0.97));
	// Aiming at 1.03 settles β so that earned/consumed ≈ 1.03 — still inside 0.95..=1.05.
	let (value, consumed) = (180 * crate::CRED, 100 * crate::CRED);
	let mut beta = FixedU128::one();
	for _ in 0..500 {
		beta = c.step(beta, value, consumed, c.aim(10, 100));
	}
	let ratio = fx(1.8).checked_div(&beta).unwrap();
	assert!(ratio >= fx(1.02) && ratio <= fx(1.04), "earned/consumed = {ratio:?}");
}

proptest! {
	#[test]
	fn credits_never_exceed_the_exact_value(
		t in 0u128..=1_000_000_000 * GPU_HOUR,
		eta in any_fixed(ETA_MIN.into_inner(), ETA_MAX.into_inner()),
		alpha in any_fixed(ALPHA_MIN.into_inner(), ALPHA_MAX.into_inner()),
		beta in any_fixed(BETA_FLOOR.into_inner(), BETA_CEIL.into_inner()),
	) {
		let c = credits_earned(t, eta, alpha, beta).unwrap();
		let (num, den) = exact_parts(t, eta, alpha, beta);
		prop_assert!(U256::from(c) * den <= num);
		// Two floor steps lose less than 1 + α/β base units.
		prop_assert!((U256::from(c) + U256::from(2u8)) * den + den * U256::from(20u8) > num);
	}

	#[test]
	fn credits_are_monotone_in_t_eta_alpha_and_antitone_in_beta(
		t in 0u128..=1_000_000 * GPU_HOUR,
		dt in 0u128..=GPU_HOUR,
		eta in any_fixed(ETA_MIN.into_inner(), ETA_MAX.into_inner()),
		alpha in any_fixed(ALPHA_MIN.into_inner(), ALPHA_MAX.into_inner()),
		beta in any_fixed(BETA_FLOOR.into_inner(), BETA_CEIL.into_inner()),
		bump in 0u128..=1_000_000_000_000_000,
	) {
		let base = credits_earned(t, eta, alpha, beta).unwrap();
		prop_assert!(credits_earned(t + dt, eta, alpha, beta).unwrap() >= base);
		let more = |x: FixedU128| FixedU128::from_inner(x.into_inner() + bump);
		prop_assert!(credits_earned(t, more(eta), alpha, beta).unwrap() >= base);
		prop_assert!(credits_earned(t, eta, more(alpha), beta).unwrap() >= base);
		prop_assert!(credits_earned(t, eta, alpha, more(beta)).unwrap() <= base);
	}

	#[test]
	fn price_never_undercharges(t in 0u128..=1_000_000 * GPU_HOUR, alpha in any_fixed(ALPHA_MIN.into_inner(), ALPHA_MAX.into_inner())) {
		let p = price(t, alpha).unwrap();
		let exact = U256::from(t) * U256::from(alpha.into_inner());
		prop_assert!(U256::from(p) * U256::from(FixedU128::DIV) >= exact);
		prop_assert!(U256::from(p) * U256::from(FixedU128::DIV) < exact + U256::from(FixedU128::DIV));
	}

	#[test]
	fn alpha_is_monotone_and_bounded(a in 0u128..=3 * FixedU128::DIV, b in 0u128..=3 * FixedU128::DIV) {
		let curve = AlphaCurve::default();
		let (lo, hi) = (a.min(b), a.max(b));
		let (alo, ahi) = (curve.alpha(Some(FixedU128::from_inner(lo))), curve.alpha(Some(FixedU128::from_inner(hi))));
		prop_assert!(alo <= ahi);
		prop_assert!(alo >= ALPHA_MIN && ahi <= ALPHA_MAX);
	}

	#[test]
	fn clamp_eta_always_lands_in_bounds(x in any::<u128>()) {
		prop_assert!(eta_in_bounds(clamp_eta(FixedU128::from_inner(x))));
	}

	#[test]
	fn controller_step_is_bounded_and_moves_towards_the_target(
		beta in any_fixed(BETA_FLOOR.into_inner(), BETA_CEIL.into_inner()),
		value in 0u128..=u64::MAX as u128,
		consumed in 0u128..=u64::MAX as u128,
		damping in 0u32..=990_000_000,
		max_step in 1_000_000u32..=250_000_000,
	) {
		let c = BetaController {
			damping: Perbill::from_parts(damping),
			max_step: Perbill::from_parts(max_step),
			..BetaController::default()
		};
		let start = beta.clamp(c.min, c.max);
		let next = c.step(beta, value, consumed, FixedU128::one());
		prop_assert!(next >= c.min && next <= c.max);
		let limit = start.saturating_mul(FixedU128::from_perbill(c.max_step)) + FixedU128::from_inner(1);
		let moved = if next > start { next - start } else { start - next };
		prop_assert!(moved <= limit, "moved {:?} > {:?}", moved, limit);
		if let Some(target) = BetaController::target(value, consumed, FixedU128::one()) {
			let target = target.clamp(c.min, c.max);
			if target > start { prop_assert!(next >= start && next <= target.max(start)); }
			if target < start { prop_assert!(next <= start && next >= target.min(start)); }
		}
	}

	#[test]
	fn controller_cannot_run_away_under_adversarial_windows(
		windows in proptest::collection::vec((0u128..=u64::MAX as u128, 0u128..=u64::MAX as u128), 1..300),
	) {
		let c = BetaController::default();
		let mut beta = FixedU128::one();
		for (value, consumed) in windows {
			beta = c.step(beta, value, consumed, c.aim(value, consumed));
			prop_assert!(beta >= c.min && beta <= c.max);
		}
	}
}
