//! Credits and fixed-point values as people read them.
//!
//! Balances are `u128` in raw units of 10^-12 CRED; α, β and η are `FixedU128` (10^18 = 1).
//! Both are shown as exact decimals with trailing zeros cut (`1.5 CRED`, `0.95`), never through
//! a float.

use declai_primitives::CRED;

/// `FixedU128`'s one.
pub const FIXED_ONE: u128 = 1_000_000_000_000_000_000;

/// `value / one` as an exact decimal, trailing zeros cut (`"12.5"`, `"0"`).
pub fn decimal(value: u128, one: u128) -> String {
	let whole = value / one;
	let frac = value % one;
	if frac == 0 {
		return whole.to_string();
	}
	let digits = one.ilog10() as usize;
	let frac = format!("{frac:0digits$}");
	format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A raw credit amount in CRED (`"1.5"`).
pub fn cred(raw: u128) -> String {
	decimal(raw, CRED)
}

/// A raw credit amount with its unit (`"1.5 CRED"`).
pub fn cred_unit(raw: u128) -> String {
	format!("{} CRED", cred(raw))
}

/// A `FixedU128` (`"1.05"`).
pub fn fixed(raw: u128) -> String {
	decimal(raw, FIXED_ONE)
}

/// Parses a decimal CRED amount (`"1.5"`) into raw units; `None` if malformed or more precise
/// than one raw unit.
pub fn parse_cred(text: &str) -> Option<u128> {
	parse_decimal(text, CRED)
}

/// Parses a decimal (`"1.5"`, `".5"`) into units of which `one` (a power of ten) makes 1; `None`
/// if malformed, more precise than one unit, or too large. The inverse of [`decimal`].
pub fn parse_decimal(text: &str, one: u128) -> Option<u128> {
	let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
	let digits = one.ilog10() as usize;
	if whole.is_empty() && frac.is_empty() || frac.len() > digits {
		return None;
	}
	if !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
		return None;
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
	let frac: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<digits$}").parse().ok()? };
	whole.checked_mul(one)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	#[test]
	fn decimals_are_exact_and_trimmed() {
		assert_eq!(cred(0), "0");
		assert_eq!(cred(CRED), "1");
		assert_eq!(cred(CRED + CRED / 2), "1.5");
		assert_eq!(cred(1), "0.000000000001");
		assert_eq!(fixed(FIXED_ONE * 105 / 100), "1.05");
		assert_eq!(cred_unit(u128::MAX), format!("{}.{} CRED", u128::MAX / CRED, u128::MAX % CRED));
		assert_eq!(parse_cred("1.5"), Some(CRED + CRED / 2));
		assert_eq!(parse_cred(".5"), Some(CRED / 2));
		assert_eq!(parse_cred("1.0000000000001"), None);
		assert_eq!(parse_cred("1e3"), None);
		assert_eq!(parse_cred(""), None);
	}

	proptest! {
		#[test]
		fn cred_round_trips(raw in any::<u128>()) {
			prop_assert_eq!(parse_cred(&cred(raw)), Some(raw));
		}
	}
}
