//! CSV files, findings and plots of a run.

use crate::{
	model::{DayRow, Kind, Outcome, Params, Scenario},
	plot::{chart, Axis, Series, PALETTE},
};
use declai_primitives::HardwareClass;
use std::{fmt::Write as _, io::Write as _, path::Path};

fn write(path: &Path, text: &str) -> Result<(), String> {
	std::fs::File::create(path)
		.and_then(|mut f| f.write_all(text.as_bytes()))
		.map_err(|e| format!("{}: {e}", path.display()))
}

/// `days.csv`, `hours.csv` and `classes.csv`.
pub fn write_csv(out: &Outcome, dir: &Path) -> Result<(), String> {
	let mut s = String::from(
		"day,agents,honest,partial,free_riders,cheaters,workers,generation,earned,withheld,\
		 withheld_concentration,withheld_circulation,withheld_epoch_ceiling,consumption,demand,\
		 capacity,served,alpha_mean,alpha_min,alpha_max,beta,beta_target,earned_over_consumed_30d,\
		 minted_over_consumed_30d,circulation,circulation_cap,cap_without_floor,largest_share,\
		 concentration_cap,utility_honest,utility_partial,utility_free_rider,utility_cheater,\
		 served_share_honest,served_share_partial,served_share_free_rider,served_share_cheater,\
		 cheaters_caught,withheld_job_budget,bootstrap,days_held,regime,expired,epoch_ceiling,\
		 exited,declined,switched,market_price,traded,adversary_share,allowance_spent,\
		 allowance_lapsed\n",
	);
	for r in &out.days {
		let [h, p, f, c] = r.agents;
		let [wc, wcirc, we, wj, _] = r.withheld_by_reason;
		let [uh, up, uf, uc] = r.utility;
		let [sh, sp, sf, sc] = r.served_fraction;
		let _ = writeln!(
			s,
			"{},{},{h},{p},{f},{c},{},{:.6},{:.6},{:.6},{wc:.6},{wcirc:.6},{we:.6},{:.6},{:.6},{:.6},{:.6},\
			 {:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.3},{:.3},{:.3},{:.6},{:.3},{uh:.6},{up:.6},\
			 {uf:.6},{uc:.6},{sh:.6},{sp:.6},{sf:.6},{sc:.6},{},{wj:.6},{:.6},{:.3},{},{:.6},{:.6},\
			 {},{},{},{:.4},{:.3},{:.6},{:.6},{:.6}",
			r.day,
			h + p + f + c,
			r.workers,
			r.generation,
			r.earned,
			r.withheld,
			r.consumption,
			r.demand,
			r.capacity,
			r.served,
			r.alpha_mean,
			r.alpha_min,
			r.alpha_max,
			r.beta,
			r.beta_target,
			r.ratio_30d,
			r.minted_ratio_30d,
			r.circulation,
			r.circulation_cap,
			r.floor_free_cap,
			r.largest_share,
			r.concentration_cap,
			r.caught,
			r.bootstrap,
			r.days_held,
			["grow", "hold", "shrink"].get(usize::from(r.regime)).unwrap_or(&"?"),
			r.expired,
			r.epoch_ceiling,
			r.exited,
			r.declined,
			r.switched,
			r.market_price,
			r.traded,
			r.adversary_share,
			r.allowance_spent,
			r.allowance_lapsed,
		);
	}
	write(&dir.join("days.csv"), &s)?;

	let mut s = String::from("hour,alpha,beta,demand_ref_hours,capacity_ref_hours\n");
	for h in &out.hours {
		let _ = writeln!(
			s,
			"{},{:.6},{:.6},{:.6},{:.6}",
			h.hour, h.alpha, h.beta, h.demand, h.capacity
		);
	}
	write(&dir.join("hours.csv"), &s)?;

	let mut s = String::from("class,eta,throughput_ratio,device_hours,served_ref_hours,minted,minted_per_served_ref_hour\n");
	for (class, c) in HardwareClass::ALL.iter().zip(out.classes.iter()) {
		let per = if c.served_ref > 0.0 { c.minted / c.served_ref } else { 0.0 };
		let eta = class.seed_eta().into_inner() as f64 / 1e18;
		let _ = writeln!(
			s,
			"{},{eta:.3},{:.3},{:.3},{:.3},{:.3},{per:.4}",
			class.name(),
			declai_primitives::economics::throughput_ratio_f64(*class),
			c.device_hours,
			c.served_ref,
			c.minted,
		);
	}
	write(&dir.join("classes.csv"), &s)
}

/// Trailing mean of `f` over the last `k` rows ending at each index.
fn rolling(days: &[DayRow], k: usize, f: impl Fn(&DayRow) -> f64) -> Vec<f64> {
	(0..days.len())
		.map(|i| {
			let lo = i.saturating_sub(k - 1);
			let w = days.get(lo..=i).unwrap_or_default();
			w.iter().map(&f).sum::<f64>() / w.len().max(1) as f64
		})
		.collect()
}

/// First index from which `ok` holds for every later index (`None` if it fails at the end).
fn holds_from(ok: &[bool], from: usize) -> Option<usize> {
	let last_bad = ok.iter().enumerate().rev().find(|(i, b)| *i >= from && !**b).map(|(i, _)| i);
	match last_bad {
		None => (from < ok.len()).then_some(from),
		Some(i) if i + 1 < ok.len() => Some(i + 1),
		Some(_) => None,
	}
}

/// Days after which the realised ratio must stay in its band (the stated warm-up).
pub const WARM_UP_DAYS: usize = 30;

/// Names of the withholding reasons, in `DayRow::withheld_by_reason` order.
pub const REASONS: [&str; 5] =
	["concentration cap", "circulation cap", "epoch ceiling", "job budget", "mint pause"];

/// Headline numbers of a run.
#[derive(Clone, Debug, Default)]
pub struct Findings {
	pub ratio_in_band_from_day: Option<usize>,
	/// Lowest and highest realised earned/consumed after the warm-up.
	pub ratio_range_after_warm_up: (f64, f64),
	pub honest_beats_free_rider_from_day: Option<usize>,
	pub honest_beats_free_rider_at_agents: Option<usize>,
	pub stable_without_bootstrap_from_day: Option<usize>,
	pub stable_without_bootstrap_at_agents: Option<usize>,
	pub withheld_share: f64,
	/// Withheld, by reason, as a share of earned.
	pub withheld_share_by_reason: [f64; 5],
	/// Days on which each limit withheld something.
	pub days_bound_by_reason: [usize; 5],
	pub mean_utility_last_60: [f64; 4],
	pub caught: u32,
	pub max_largest_share_after_30: f64,
	/// Bootstrap issuance over the run, and its share of all minted credits.
	pub bootstrap_total: f64,
	pub bootstrap_share: f64,
	/// Last day with bootstrap issuance.
	pub bootstrap_last_day: Option<usize>,
	/// Credits expired over the run.
	pub expired_total: f64,
	/// Days held at the end (circulation ÷ mean daily consumption).
	pub days_held_last: f64,
	/// Lowest days held over the last year.
	pub days_held_min_last_year: f64,
	/// Bootstrap issuance over the last year as a share of what was minted in it (the help a
	/// steady network still needs).
	pub bootstrap_share_last_year: f64,
	/// Agents who left, declined to join and switched strategy over the run; active at the end.
	pub exited: usize,
	pub declined: usize,
	pub switched: usize,
	pub active_last: usize,
	/// Mean market price of a credit over the last year.
	pub market_price_last_year: f64,
	/// Share of wanted inference served over the last 60 days, by strategy.
	pub served_last_60: [f64; 4],
	/// The same over the first 90 days (how fast the bootstrap makes a young network liquid).
	pub served_first_90: [f64; 4],
	/// Mean days of consumption held over days 30–89.
	pub days_held_early: f64,
	/// Bootstrap issuance that lapsed unused (allowances only).
	pub bootstrap_lapsed: f64,
	/// The scenario's adversary against the honest agents: utility per agent-day, pay relative to
	/// the reference GPU's for the same work, peak share of all credits, share of its fake jobs
	/// caught.
	pub adversary_utility: f64,
	pub honest_utility: f64,
	pub adversary_minted_per_ref: f64,
	pub honest_minted_per_ref: f64,
	pub adversary_peak_share: f64,
	pub adversary_caught_share: f64,
	/// Credits the adversary gained net (minted and matched, less consumed and slashed).
	pub adversary_net_credits: f64,
}

fn agents_on(days: &[DayRow], d: Option<usize>) -> Option<usize> {
	d.and_then(|d| days.get(d)).map(|r| r.agents.iter().sum())
}

fn in_band(r: &DayRow) -> bool {
	(0.95..=1.05).contains(&r.ratio_30d)
}

pub fn findings(out: &Outcome) -> Findings {
	let days = &out.days;
	let band: Vec<bool> = days.iter().map(in_band).collect();
	let ratio_from = holds_from(&band, 0);
	let after: Vec<f64> = days.iter().skip(WARM_UP_DAYS).map(|r| r.ratio_30d).collect();
	let uh = rolling(days, 7, |r| r.utility[0]);
	let uf = rolling(days, 7, |r| r.utility[2]);
	let beats: Vec<bool> = uh.iter().zip(&uf).map(|(h, f)| h > f).collect();
	let beats_from = holds_from(&beats, 7);
	// "Without bootstrap help": no bootstrap issuance any more, the floor-free rules hold on
	// their own — circulation within its cap in days of consumption, nobody above 5% — the
	// realised ratio is in its band, and the network is liquid (at least 7 days of consumption
	// held: a network that stopped issuing while it drains is not stable).
	let stable: Vec<bool> = days
		.iter()
		.map(|r| {
			r.bootstrap == 0.0
				&& r.circulation <= r.floor_free_cap * 1.0001
				&& r.largest_share <= 0.05
				&& r.days_held >= 7.0
				&& in_band(r)
		})
		.collect();
	let stable_from = holds_from(&stable, WARM_UP_DAYS);
	let earned: f64 = days.iter().map(|r| r.earned).sum();
	let withheld: f64 = days.iter().map(|r| r.withheld).sum();
	let minted: f64 = days.iter().map(|r| r.generation).sum();
	let bootstrap: f64 = days.iter().map(|r| r.bootstrap).sum();
	let tail = days.len().saturating_sub(60);
	let last_year = days.get(days.len().saturating_sub(365)..).unwrap_or_default();
	let mut mean = [0.0; 4];
	for (k, m) in mean.iter_mut().enumerate() {
		let w: Vec<f64> =
			days.iter().skip(tail).filter_map(|r| r.utility.get(k).copied()).collect();
		*m = w.iter().sum::<f64>() / w.len().max(1) as f64;
	}
	let mut by_reason = [0.0; 5];
	let mut bound = [0usize; 5];
	for r in days {
		for (k, w) in r.withheld_by_reason.iter().enumerate() {
			by_reason[k] += w;
			if *w > 0.0 {
				bound[k] += 1;
			}
		}
	}
	if earned > 0.0 {
		for x in &mut by_reason {
			*x /= earned;
		}
	}
	Findings {
		ratio_in_band_from_day: ratio_from,
		ratio_range_after_warm_up: (
			after.iter().copied().fold(f64::MAX, f64::min),
			after.iter().copied().fold(f64::MIN, f64::max),
		),
		honest_beats_free_rider_from_day: beats_from,
		honest_beats_free_rider_at_agents: agents_on(days, beats_from),
		stable_without_bootstrap_from_day: stable_from,
		stable_without_bootstrap_at_agents: agents_on(days, stable_from),
		withheld_share: if earned > 0.0 { withheld / earned } else { 0.0 },
		withheld_share_by_reason: by_reason,
		days_bound_by_reason: bound,
		mean_utility_last_60: mean,
		caught: days.iter().map(|r| r.caught).sum(),
		max_largest_share_after_30: days
			.iter()
			.skip(30)
			.map(|r| r.largest_share)
			.fold(0.0, f64::max),
		bootstrap_total: bootstrap,
		bootstrap_share: if minted > 0.0 { bootstrap / minted } else { 0.0 },
		bootstrap_last_day: days.iter().rev().find(|r| r.bootstrap > 0.0).map(|r| r.day as usize),
		expired_total: days.iter().map(|r| r.expired).sum(),
		days_held_last: days.last().map_or(0.0, |r| r.days_held),
		days_held_min_last_year: last_year.iter().map(|r| r.days_held).fold(f64::MAX, f64::min),
		bootstrap_share_last_year: {
			let m: f64 = last_year.iter().map(|r| r.generation).sum();
			let b: f64 = last_year.iter().map(|r| r.bootstrap).sum();
			if m > 0.0 {
				b / m
			} else {
				0.0
			}
		},
		exited: days.iter().map(|r| r.exited).sum(),
		declined: days.iter().map(|r| r.declined).sum(),
		switched: days.iter().map(|r| r.switched).sum(),
		active_last: days.last().map_or(0, |r| r.agents.iter().sum()),
		market_price_last_year: last_year.iter().map(|r| r.market_price).sum::<f64>()
			/ last_year.len().max(1) as f64,
		served_last_60: core::array::from_fn(|k| {
			let w: Vec<f64> =
				days.iter().skip(tail).filter_map(|r| r.served_fraction.get(k).copied()).collect();
			w.iter().sum::<f64>() / w.len().max(1) as f64
		}),
		served_first_90: core::array::from_fn(|k| {
			let w: Vec<f64> =
				days.iter().take(90).filter_map(|r| r.served_fraction.get(k).copied()).collect();
			w.iter().sum::<f64>() / w.len().max(1) as f64
		}),
		days_held_early: {
			let w: Vec<f64> = days
				.iter()
				.skip(30)
				.take(60)
				.map(|r| r.days_held)
				.filter(|d| d.is_finite())
				.collect();
			w.iter().sum::<f64>() / w.len().max(1) as f64
		},
		bootstrap_lapsed: days.iter().map(|r| r.allowance_lapsed).sum(),
		adversary_utility: out.adversary.utility_per_day(),
		honest_utility: out.honest.utility_per_day(),
		adversary_minted_per_ref: out.adversary.pay_vs_reference(),
		honest_minted_per_ref: out.honest.pay_vs_reference(),
		adversary_peak_share: out.adversary.peak_share,
		adversary_caught_share: if out.adversary.fake_jobs > 0.0 {
			out.adversary.caught_jobs / out.adversary.fake_jobs
		} else {
			0.0
		},
		adversary_net_credits: out.adversary.minted + out.adversary.bootstrap
			- out.adversary.consumed
			- out.adversary.slashed,
	}
}

fn day_text(d: Option<usize>, n: Option<usize>) -> String {
	match (d, n) {
		(Some(d), Some(n)) => format!("from day {d} (N = {n} agents)"),
		_ => "not within the run".to_string(),
	}
}

/// A text report of the run.
pub fn summary(p: &Params, out: &Outcome, f: &Findings, seconds: f64) -> String {
	let [uh, up, uf, uc] = f.mean_utility_last_60;
	let mut s = String::new();
	let _ =
		writeln!(s, "# Economy simulation: {} agents, {} days, seed {}", p.agents, p.days, p.seed);
	let _ = writeln!(s);
	let _ = writeln!(
		s,
		"- wall time {seconds:.1} s; {} settlements, {} consumption burns, {} transfers through the real pallets",
		out.settlements, out.consumptions, out.transfers
	);
	let _ = writeln!(
		s,
		"- invariants (credits + economics try_state) checked on {} days: all held",
		out.invariant_checks
	);
	let _ = writeln!(
		s,
		"- realised earned/consumed (30-day window) inside 0.95..=1.05 {}; range after the {WARM_UP_DAYS}-day warm-up {:.4}..{:.4}",
		day_text(f.ratio_in_band_from_day, agents_on(&out.days, f.ratio_in_band_from_day)),
		f.ratio_range_after_warm_up.0,
		f.ratio_range_after_warm_up.1
	);
	let _ = writeln!(
		s,
		"- honest contribution beats free-riding (7-day mean utility per agent-day) {}",
		day_text(f.honest_beats_free_rider_from_day, f.honest_beats_free_rider_at_agents)
	);
	let _ = writeln!(
		s,
		"- stable without bootstrap help (no bootstrap issuance, circulation within its cap in days of consumption, largest share ≤ 5%, ratio in band, at least 7 days of consumption held) {}",
		day_text(f.stable_without_bootstrap_from_day, f.stable_without_bootstrap_at_agents)
	);
	let _ = writeln!(
		s,
		"- bootstrap issuance: {:.0} CRED ({:.2}% of all minted), last on day {}",
		f.bootstrap_total,
		100.0 * f.bootstrap_share,
		f.bootstrap_last_day.map_or("—".to_string(), |d| d.to_string())
	);
	let _ = writeln!(s, "- expired: {:.0} CRED", f.expired_total);
	let _ = writeln!(s, "- days of consumption held at the end: {:.2}", f.days_held_last);
	let _ = writeln!(s, "- withheld: {:.3}% of earned credits", 100.0 * f.withheld_share);
	for (k, name) in REASONS.iter().enumerate() {
		let _ = writeln!(
			s,
			"  - {name}: {:.3}% of earned, on {} days",
			100.0 * f.withheld_share_by_reason[k],
			f.days_bound_by_reason[k]
		);
	}
	let _ =
		writeln!(s, "- largest share after day 30: {:.2}%", 100.0 * f.max_largest_share_after_30);
	let _ = writeln!(
		s,
		"- mean utility per agent-day, last 60 days (reference GPU-hour units): honest {uh:.3}, partial {up:.3}, free-rider {uf:.3}, cheater {uc:.3}"
	);
	let _ = writeln!(s, "- cheaters caught: {} times", f.caught);
	let _ = writeln!(
		s,
		"- agents: {} active at the end; {} left, {} declined to join, {} switched strategy",
		f.active_last, f.exited, f.declined, f.switched
	);
	let _ = writeln!(s, "- market price of a credit, last year: {:.3}", f.market_price_last_year);
	if out.scenario.adversary() != crate::model::Role::Normal {
		let _ = writeln!(
			s,
			"- adversary ({}): utility per agent-day {:.3} (honest {:.3}); pay relative to the reference GPU's for the same work {:.3} (honest {:.3}); peak share of all credits {:.4}; fakes caught {:.3}; net credits {:.0}",
			out.scenario.name(),
			f.adversary_utility,
			f.honest_utility,
			f.adversary_minted_per_ref,
			f.honest_minted_per_ref,
			f.adversary_peak_share,
			f.adversary_caught_share,
			f.adversary_net_credits
		);
	}
	let _ = writeln!(s);
	let _ =
		writeln!(s, "| class | η | throughput vs A100 | minted per served reference GPU-hour |");
	let _ = writeln!(s, "|---|---|---|---|");
	for (class, c) in HardwareClass::ALL.iter().zip(out.classes.iter()) {
		let per = if c.served_ref > 0.0 { c.minted / c.served_ref } else { 0.0 };
		let _ = writeln!(
			s,
			"| {} | {:.3} | {:.3} | {per:.3} |",
			class.name(),
			class.seed_eta().into_inner() as f64 / 1e18,
			declai_primitives::economics::throughput_ratio_f64(*class)
		);
	}
	s
}

/// The PNG plots of a run.
pub fn plots(out: &Outcome, dir: &Path) -> Result<Vec<String>, String> {
	let days = &out.days;
	let x = |f: &dyn Fn(&DayRow) -> f64| -> Vec<(f64, f64)> {
		days.iter().map(|r| (f64::from(r.day), f(r))).collect()
	};
	// A ratio only from the first consumption on (no signal is not 0).
	let ratio = |f: &dyn Fn(&DayRow) -> f64| -> Vec<(f64, f64)> {
		days.iter().filter(|r| f(r) > 0.0).map(|r| (f64::from(r.day), f(r))).collect()
	};
	let c = |i: usize| PALETTE.get(i).copied().unwrap_or(PALETTE[0]);
	let mut written = Vec::new();
	let mut draw = |name: &str, title: &str, y: &str, series: Vec<Series>, axis: Axis| {
		let path = dir.join(name);
		chart(&path, title, "day", y, &series, axis)
			.map(|()| written.push(path.display().to_string()))
	};
	draw(
		"generation_consumption.png",
		"Minted and consumed per day (log scale)",
		"CRED / day",
		vec![
			Series::new("consumption (burned)", x(&|r| r.consumption), c(1)).width(4),
			Series::new("minted for work", x(&|r| r.generation - r.bootstrap), c(0)),
			Series::new("bootstrap issuance", x(&|r| r.bootstrap), c(2)).dashed(),
			Series::new("expired", x(&|r| r.expired), c(4)).dashed(),
		],
		Axis::Log,
	)?;
	let mut participants =
		vec![Series::new("all agents", x(&|r| r.agents.iter().sum::<usize>() as f64), c(5))];
	for (i, k) in Kind::ALL.iter().enumerate() {
		participants.push(Series::new(
			k.name(),
			x(&|r| r.agents.get(i).copied().unwrap_or(0) as f64),
			c(i),
		));
	}
	draw("participants.png", "Participants N(t)", "agents", participants, Axis::From(0.0))?;
	let hours: Vec<(f64, f64)> =
		out.hours.iter().map(|h| (h.hour as f64 / 24.0, h.alpha)).collect();
	draw(
		"alpha_beta.png",
		"Demand multiplier α (hourly) and difficulty β",
		"value",
		vec![
			Series::new("α (hourly)", hours, c(3)).width(1),
			Series::new(
				"β* (recent value / consumption / aim)",
				days.iter()
					.filter(|r| r.beta_target > 0.0)
					.map(|r| (f64::from(r.day), r.beta_target))
					.collect(),
				c(2),
			)
			.width(4),
			Series::new("β", x(&|r| r.beta), c(0)),
		],
		Axis::From(0.0),
	)?;
	draw(
		"circulation.png",
		"Circulation vs its cap (log scale)",
		"CRED",
		vec![
			Series::new(
				"cap = max(bootstrap floor, 15 days of consumption)",
				x(&|r| r.circulation_cap),
				c(1),
			)
			.width(4),
			Series::new("15 days of consumption (no floor)", x(&|r| r.floor_free_cap), c(2))
				.dashed(),
			Series::new("circulation", x(&|r| r.circulation), c(0)),
		],
		Axis::Log,
	)?;
	draw(
		"days_held.png",
		"Days of consumption held (grow below 7, shrink above 14)",
		"days",
		vec![
			Series::new(
				"circulation ÷ mean daily consumption",
				days.iter()
					.filter(|r| r.days_held.is_finite())
					.map(|r| (f64::from(r.day), r.days_held.min(100.0)))
					.collect(),
				c(0),
			),
			Series::new("7 days: grow below", x(&|_| 7.0), c(2)).dashed(),
			Series::new("14 days: shrink above", x(&|_| 14.0), c(1)).dashed(),
		],
		Axis::From(0.0),
	)?;
	draw(
		"largest_share.png",
		"Largest account's share of all credits",
		"share",
		vec![
			Series::new("largest share", x(&|r| r.largest_share), c(0)),
			Series::new("5% cap", x(&|_| 0.05), c(1)).dashed(),
		],
		Axis::From(0.0),
	)?;
	draw(
		"earned_over_consumed.png",
		"Realised earned / consumed over the trailing 30 days",
		"ratio",
		vec![
			Series::new("earned / consumed", ratio(&|r| r.ratio_30d), c(0)).width(4),
			Series::new("minted for work / consumed", ratio(&|r| r.minted_ratio_30d), c(5)),
			Series::new("0.95", x(&|_| 0.95), c(1)).dashed(),
			Series::new("1.05", x(&|_| 1.05), c(1)).dashed(),
		],
		Axis::Range(0.9, 1.1),
	)?;
	let withheld: Vec<Series> = REASONS
		.iter()
		.enumerate()
		.map(|(k, name)| {
			Series::new(name, x(&|r| r.withheld_by_reason.get(k).copied().unwrap_or(0.0)), c(k))
				.width(if k == 0 { 4 } else { 2 })
		})
		.collect();
	draw("withheld.png", "Withheld per day, by reason", "CRED / day", withheld, Axis::From(0.0))?;
	let mut utility = Vec::new();
	for (i, k) in Kind::ALL.iter().enumerate() {
		let r = rolling(days, 7, |r| r.utility.get(i).copied().unwrap_or(0.0));
		utility.push(Series::new(
			k.name(),
			days.iter().zip(r).map(|(d, u)| (f64::from(d.day), u)).collect(),
			c(i),
		));
	}
	draw(
		"utility.png",
		"Utility per agent-day by strategy (7-day mean)",
		"reference GPU-hours",
		utility,
		Axis::Auto,
	)?;
	let mut served = Vec::new();
	for (i, k) in Kind::ALL.iter().enumerate() {
		served.push(Series::new(
			k.name(),
			x(&|r| r.served_fraction.get(i).copied().unwrap_or(0.0)),
			c(i),
		));
	}
	draw(
		"served_share.png",
		"Share of wanted inference served, by strategy",
		"share",
		served,
		Axis::Range(0.0, 1.05),
	)?;
	// Pay per class per unit of reference work served (replicas included): 1 would be the
	// reference GPU's pay at α = β = 1.
	let per_class: Vec<(f64, f64)> = out
		.classes
		.iter()
		.enumerate()
		.filter(|(_, c)| c.served_ref > 0.0)
		.map(|(i, c)| (i as f64, c.minted / c.served_ref))
		.collect();
	let names: Vec<&str> = HardwareClass::ALL.iter().map(|c| c.name()).collect();
	{
		let path = dir.join("pay_per_class.png");
		chart(
			&path,
			&format!("Minted per reference GPU-hour served, by class (x: {})", names.join(", ")),
			"class (0 = cpu … 5 = h100)",
			"CRED per reference GPU-hour",
			&[Series::new("minted / reference work served", per_class, c(0)).markers()],
			Axis::From(0.0),
		)?;
		written.push(path.display().to_string());
	}
	Ok(written)
}

/// Mean, 95% confidence interval of the mean (normal approximation) and range of a sample.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
	pub n: usize,
	pub mean: f64,
	pub half_width: f64,
	pub min: f64,
	pub max: f64,
}

impl Stat {
	pub fn of(xs: &[f64]) -> Stat {
		let n = xs.len();
		if n == 0 {
			return Stat::default();
		}
		let mean = xs.iter().sum::<f64>() / n as f64;
		let var = if n > 1 {
			xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
		} else {
			0.0
		};
		Stat {
			n,
			mean,
			half_width: 1.96 * (var / n as f64).sqrt(),
			min: xs.iter().copied().fold(f64::MAX, f64::min),
			max: xs.iter().copied().fold(f64::MIN, f64::max),
		}
	}

	fn text(&self, digits: usize) -> String {
		format!(
			"{:.d$} ± {:.d$} (range {:.d$}..{:.d$}, n = {})",
			self.mean,
			self.half_width,
			self.min,
			self.max,
			self.n,
			d = digits
		)
	}
}

/// Findings of one configuration over several seeds.
#[derive(Clone, Debug, Default)]
pub struct Bands {
	pub runs: usize,
	/// Runs whose realised ratio stayed in 0.95..=1.05 after the warm-up.
	pub ratio_in_band_runs: usize,
	pub ratio_low: Stat,
	pub ratio_high: Stat,
	/// Runs where honest contribution came to beat free-riding, and from how many agents.
	pub beats_runs: usize,
	pub beats_at_agents: Stat,
	/// Runs that became stable without bootstrap help, and from how many agents.
	pub stable_runs: usize,
	pub stable_at_agents: Stat,
	pub utility: [Stat; 4],
	pub withheld_by_reason: [Stat; 5],
	pub days_bound_by_reason: [Stat; 5],
	pub bootstrap_share: Stat,
	pub expired: Stat,
	pub largest_share: Stat,
	pub days_held_last: Stat,
	pub days_held_min_last_year: Stat,
	pub bootstrap_share_last_year: Stat,
	pub exited: Stat,
	pub declined: Stat,
	pub switched: Stat,
	pub active_last: Stat,
	pub market_price: Stat,
	pub served: [Stat; 4],
	pub served_first_90: [Stat; 4],
	pub days_held_early: Stat,
	pub bootstrap_lapsed: Stat,
	pub adversary_utility: Stat,
	pub honest_utility: Stat,
	pub adversary_minted_per_ref: Stat,
	pub honest_minted_per_ref: Stat,
	pub adversary_peak_share: Stat,
	pub adversary_caught_share: Stat,
	pub adversary_net_credits: Stat,
}

impl Bands {
	pub fn of(f: &[Findings]) -> Bands {
		let stat = |g: &dyn Fn(&Findings) -> Option<f64>| {
			Stat::of(&f.iter().filter_map(g).collect::<Vec<_>>())
		};
		let (lo, hi) = (0.95, 1.05);
		Bands {
			runs: f.len(),
			ratio_in_band_runs: f
				.iter()
				.filter(|x| {
					x.ratio_range_after_warm_up.0 >= lo && x.ratio_range_after_warm_up.1 <= hi
				})
				.count(),
			ratio_low: stat(&|x| Some(x.ratio_range_after_warm_up.0)),
			ratio_high: stat(&|x| Some(x.ratio_range_after_warm_up.1)),
			beats_runs: f.iter().filter(|x| x.honest_beats_free_rider_at_agents.is_some()).count(),
			beats_at_agents: stat(&|x| x.honest_beats_free_rider_at_agents.map(|n| n as f64)),
			stable_runs: f
				.iter()
				.filter(|x| x.stable_without_bootstrap_at_agents.is_some())
				.count(),
			stable_at_agents: stat(&|x| x.stable_without_bootstrap_at_agents.map(|n| n as f64)),
			utility: core::array::from_fn(|k| stat(&|x| x.mean_utility_last_60.get(k).copied())),
			withheld_by_reason: core::array::from_fn(|k| {
				stat(&|x| x.withheld_share_by_reason.get(k).copied())
			}),
			days_bound_by_reason: core::array::from_fn(|k| {
				stat(&|x| x.days_bound_by_reason.get(k).map(|d| *d as f64))
			}),
			bootstrap_share: stat(&|x| Some(x.bootstrap_share)),
			expired: stat(&|x| Some(x.expired_total)),
			largest_share: stat(&|x| Some(x.max_largest_share_after_30)),
			days_held_last: stat(&|x| Some(x.days_held_last)),
			days_held_min_last_year: stat(&|x| Some(x.days_held_min_last_year)),
			bootstrap_share_last_year: stat(&|x| Some(x.bootstrap_share_last_year)),
			exited: stat(&|x| Some(x.exited as f64)),
			declined: stat(&|x| Some(x.declined as f64)),
			switched: stat(&|x| Some(x.switched as f64)),
			active_last: stat(&|x| Some(x.active_last as f64)),
			market_price: stat(&|x| Some(x.market_price_last_year)),
			served: core::array::from_fn(|k| stat(&|x| x.served_last_60.get(k).copied())),
			served_first_90: core::array::from_fn(|k| stat(&|x| x.served_first_90.get(k).copied())),
			days_held_early: stat(&|x| Some(x.days_held_early)),
			bootstrap_lapsed: stat(&|x| Some(x.bootstrap_lapsed)),
			adversary_utility: stat(&|x| Some(x.adversary_utility)),
			honest_utility: stat(&|x| Some(x.honest_utility)),
			adversary_minted_per_ref: stat(&|x| Some(x.adversary_minted_per_ref)),
			honest_minted_per_ref: stat(&|x| Some(x.honest_minted_per_ref)),
			adversary_peak_share: stat(&|x| Some(x.adversary_peak_share)),
			adversary_caught_share: stat(&|x| Some(x.adversary_caught_share)),
			adversary_net_credits: stat(&|x| Some(x.adversary_net_credits)),
		}
	}

	pub fn one_line(&self) -> String {
		format!(
			"ratio in band after warm-up in {}/{} runs; honest beats free-riding in {}/{} (from {:.0} ± {:.0} agents); stable without bootstrap in {}/{} (from {:.0} ± {:.0} agents)",
			self.ratio_in_band_runs,
			self.runs,
			self.beats_runs,
			self.runs,
			self.beats_at_agents.mean,
			self.beats_at_agents.half_width,
			self.stable_runs,
			self.runs,
			self.stable_at_agents.mean,
			self.stable_at_agents.half_width,
		)
	}

	fn markdown(&self, s: &mut String) {
		let _ = writeln!(
			s,
			"- **Claim 1** (earned/consumed in 0.95..=1.05): in band after the {WARM_UP_DAYS}-day warm-up in {}/{} runs; lowest {}; highest {}",
			self.ratio_in_band_runs,
			self.runs,
			self.ratio_low.text(4),
			self.ratio_high.text(4)
		);
		let _ = writeln!(
			s,
			"- **Claim 2** (honest contribution beats free-riding): in {}/{} runs, from N = {} agents",
			self.beats_runs,
			self.runs,
			self.beats_at_agents.text(0)
		);
		let _ = writeln!(
			s,
			"- **Claim 3** (stable without bootstrap help): in {}/{} runs, from N = {} agents",
			self.stable_runs,
			self.runs,
			self.stable_at_agents.text(0)
		);
		let _ = writeln!(
			s,
			"- bootstrap issuance, share of all minted: {}",
			self.bootstrap_share.text(4)
		);
		let _ = writeln!(
			s,
			"- bootstrap issuance that lapsed unused (allowances), CRED: {}",
			self.bootstrap_lapsed.text(0)
		);
		let _ = writeln!(
			s,
			"- days of consumption held, mean of days 30–89: {}",
			self.days_held_early.text(2)
		);
		let _ = writeln!(s, "- expired over the run, CRED: {}", self.expired.text(0));
		let _ = writeln!(s, "- largest share after day 30: {}", self.largest_share.text(4));
		let _ =
			writeln!(s, "- days of consumption held at the end: {}", self.days_held_last.text(2));
		let _ = writeln!(
			s,
			"- lowest days of consumption held in the last year: {}",
			self.days_held_min_last_year.text(2)
		);
		let _ = writeln!(
			s,
			"- bootstrap issuance in the last year, share of what it minted: {}",
			self.bootstrap_share_last_year.text(4)
		);
		let _ = writeln!(
			s,
			"- agents active at the end: {}; left: {}; declined to join: {}; switched strategy: {}",
			self.active_last.text(0),
			self.exited.text(0),
			self.declined.text(0),
			self.switched.text(0)
		);
		let _ = writeln!(
			s,
			"- market price of a credit, last-year mean: {}",
			self.market_price.text(3)
		);
		for (k, kind) in Kind::ALL.iter().enumerate() {
			let _ = writeln!(
				s,
				"- share of wanted inference served, last 60 days, {}: {}",
				kind.name(),
				self.served[k].text(3)
			);
		}
		for (k, kind) in Kind::ALL.iter().enumerate() {
			let _ = writeln!(
				s,
				"- share of wanted inference served, first 90 days, {}: {}",
				kind.name(),
				self.served_first_90[k].text(3)
			);
		}
		for (k, name) in REASONS.iter().enumerate() {
			let _ = writeln!(
				s,
				"- withheld for the {name}: share of earned {}; days it bound {}",
				self.withheld_by_reason[k].text(5),
				self.days_bound_by_reason[k].text(1)
			);
		}
		for (k, kind) in Kind::ALL.iter().enumerate() {
			let _ = writeln!(
				s,
				"- utility per agent-day, last 60 days, {}: {}",
				kind.name(),
				self.utility[k].text(3)
			);
		}
	}

	/// The adversary's lines of the report.
	fn adversary_markdown(&self, s: &mut String) {
		let _ = writeln!(
			s,
			"- adversary utility per agent-day: {} (honest agents: {})",
			self.adversary_utility.text(3),
			self.honest_utility.text(3)
		);
		let _ = writeln!(
			s,
			"- adversary pay relative to the reference GPU's for the same work: {} (honest: {})",
			self.adversary_minted_per_ref.text(3),
			self.honest_minted_per_ref.text(3)
		);
		let _ = writeln!(
			s,
			"- adversary peak share of all credits (all its accounts): {}",
			self.adversary_peak_share.text(4)
		);
		let _ = writeln!(s, "- adversary fakes caught: {}", self.adversary_caught_share.text(3));
		let _ = writeln!(
			s,
			"- adversary net credits (minted and matched − consumed − slashed): {}",
			self.adversary_net_credits.text(0)
		);
	}
}

/// One line per scenario: the claims and what each adversary got.
pub fn scenarios_table(rows: &[(Scenario, Bands)], agents: usize, days: u32, seeds: u64) -> String {
	let mut s = String::new();
	let _ = writeln!(s, "# Scenarios: {agents} agents, {days} days, {seeds} seeds each");
	let _ = writeln!(s);
	let _ = writeln!(
		s,
		"Means with 95% confidence intervals over the seeds; each scenario's `findings.md` has every figure."
	);
	let _ = writeln!(s);
	let _ = writeln!(
		s,
		"| scenario | ratio in band (runs) | ratio low / high (worst run) | days held at end | least days held, last year | bootstrap share, last year | honest − free-rider utility | adversary utility / honest | adversary / honest pay vs the reference GPU's | adversary peak share | withheld: circulation / concentration / epoch (share of earned) |"
	);
	let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|");
	for (sc, b) in rows {
		let adv = sc.adversary() != crate::model::Role::Normal;
		let pm = |x: &Stat, d: usize| format!("{:.d$} ± {:.d$}", x.mean, x.half_width, d = d);
		let _ = writeln!(
			s,
			"| {} | {}/{} | {:.3} / {:.3} | {} | {} | {} | {:.3} | {} | {} | {} | {:.5} / {:.5} / {:.5} |",
			sc.name(),
			b.ratio_in_band_runs,
			b.runs,
			b.ratio_low.min,
			b.ratio_high.max,
			pm(&b.days_held_last, 1),
			pm(&b.days_held_min_last_year, 1),
			pm(&b.bootstrap_share_last_year, 4),
			b.utility[0].mean - b.utility[2].mean,
			if adv {
				format!("{:.3} / {:.3}", b.adversary_utility.mean, b.honest_utility.mean)
			} else {
				"—".into()
			},
			if adv {
				format!(
					"{:.3} / {:.3}",
					b.adversary_minted_per_ref.mean, b.honest_minted_per_ref.mean
				)
			} else {
				"—".into()
			},
			if adv { pm(&b.adversary_peak_share, 4) } else { "—".into() },
			b.withheld_by_reason[1].mean,
			b.withheld_by_reason[0].mean,
			b.withheld_by_reason[2].mean,
		);
	}
	s
}

/// Quantile `q` of a sorted sample.
fn quantile(sorted: &[f64], q: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let i = ((sorted.len() - 1) as f64 * q).round() as usize;
	sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Per day across runs: the 5th, 50th and 95th percentiles of `f`.
fn day_bands(runs: &[&Outcome], f: &dyn Fn(&DayRow) -> f64) -> Vec<(f64, f64, f64, f64)> {
	let days = runs.iter().map(|o| o.days.len()).min().unwrap_or(0);
	(0..days)
		.map(|d| {
			let mut v: Vec<f64> = runs
				.iter()
				.filter_map(|o| o.days.get(d).map(f))
				.filter(|x| x.is_finite())
				.collect();
			v.sort_by(f64::total_cmp);
			(d as f64, quantile(&v, 0.05), quantile(&v, 0.5), quantile(&v, 0.95))
		})
		.collect()
}

/// Report, `seeds.csv`, `bands.csv` and band plots of one configuration run with several seeds.
pub fn seeds_report(
	p: &Params,
	runs: &[(Outcome, f64)],
	dir: &Path,
	plot: bool,
) -> Result<(String, Bands), String> {
	let found: Vec<Findings> = runs.iter().map(|(o, _)| findings(o)).collect();
	let bands = Bands::of(&found);
	let mut csv = String::from(
		"seed,seconds,ratio_low,ratio_high,honest_beats_free_rider_at_agents,stable_at_agents,\
		 bootstrap_share,expired,largest_share,days_held_last,withheld_concentration,\
		 withheld_circulation,withheld_epoch_ceiling,withheld_job_budget\n",
	);
	for (i, (f, (_, secs))) in found.iter().zip(runs).enumerate() {
		let o = |x: Option<usize>| x.map_or("never".to_string(), |n| n.to_string());
		let w = f.withheld_share_by_reason;
		let _ = writeln!(
			csv,
			"{},{secs:.1},{:.5},{:.5},{},{},{:.5},{:.1},{:.5},{:.3},{:.6},{:.6},{:.6},{:.6}",
			p.seed.wrapping_add(i as u64),
			f.ratio_range_after_warm_up.0,
			f.ratio_range_after_warm_up.1,
			o(f.honest_beats_free_rider_at_agents),
			o(f.stable_without_bootstrap_at_agents),
			f.bootstrap_share,
			f.expired_total,
			f.max_largest_share_after_30,
			f.days_held_last,
			w[0],
			w[1],
			w[2],
			w[3],
		);
	}
	write(&dir.join("seeds.csv"), &csv)?;
	let outcomes: Vec<&Outcome> = runs.iter().map(|(o, _)| o).collect();
	// Days before anything was consumed have no ratio: left out, not drawn as 0.
	let ratio = day_bands(&outcomes, &|r| if r.ratio_30d > 0.0 { r.ratio_30d } else { f64::NAN });
	let circulation = day_bands(&outcomes, &|r| r.circulation);
	let held = day_bands(&outcomes, &|r| r.days_held);
	let share = day_bands(&outcomes, &|r| r.largest_share);
	let claim2 = {
		let per_run: Vec<Vec<f64>> = outcomes
			.iter()
			.map(|o| {
				let h = rolling(&o.days, 7, |r| r.utility[0]);
				let f = rolling(&o.days, 7, |r| r.utility[2]);
				h.iter().zip(&f).map(|(a, b)| a - b).collect()
			})
			.collect();
		let days = per_run.iter().map(Vec::len).min().unwrap_or(0);
		(0..days)
			.map(|d| {
				let mut v: Vec<f64> = per_run.iter().filter_map(|r| r.get(d).copied()).collect();
				v.sort_by(f64::total_cmp);
				(d as f64, quantile(&v, 0.05), quantile(&v, 0.5), quantile(&v, 0.95))
			})
			.collect::<Vec<_>>()
	};
	let bootstrap = day_bands(&outcomes, &|r| r.bootstrap);
	let adversary = day_bands(&outcomes, &|r| r.adversary_share);
	let mut csv = String::from(
		"day,ratio_p5,ratio_p50,ratio_p95,circulation_p5,circulation_p50,circulation_p95,\
		 days_held_p5,days_held_p50,days_held_p95,largest_share_p5,largest_share_p50,largest_share_p95\n",
	);
	for (i, r) in ratio.iter().enumerate() {
		let g = |v: &[(f64, f64, f64, f64)]| v.get(i).copied().unwrap_or_default();
		let (c, h, l) = (g(&circulation), g(&held), g(&share));
		let _ = writeln!(
			csv,
			"{},{:.5},{:.5},{:.5},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.5},{:.5},{:.5}",
			r.0, r.1, r.2, r.3, c.1, c.2, c.3, h.1, h.2, h.3, l.1, l.2, l.3
		);
	}
	write(&dir.join("bands.csv"), &csv)?;
	if plot {
		let band = |name: &str, v: &[(f64, f64, f64, f64)], color| {
			Series::new(name, v.iter().map(|x| (x.0, x.2)).collect(), color)
				.band(v.iter().map(|x| (x.0, x.1, x.3)).collect())
		};
		let flat = |y: f64, name: &str| {
			Series::new(name, ratio.iter().map(|x| (x.0, y)).collect(), PALETTE[1]).dashed()
		};
		chart(
			&dir.join("claim1_ratio_bands.png"),
			&format!(
				"Claim 1: realised earned / consumed, median and 5–95% of {} runs",
				runs.len()
			),
			"day",
			"ratio",
			&[
				band("earned / consumed (30 days)", &ratio, PALETTE[0]),
				flat(0.95, "0.95"),
				flat(1.05, "1.05"),
			],
			Axis::Range(0.9, 1.1),
		)?;
		chart(
			&dir.join("circulation_bands.png"),
			&format!("Circulation, median and 5–95% of {} runs (log scale)", runs.len()),
			"day",
			"CRED",
			&[band("circulation", &circulation, PALETTE[0])],
			Axis::Log,
		)?;
		let held: Vec<_> = held
			.into_iter()
			.map(|(d, a, b, c)| (d, a.min(100.0), b.min(100.0), c.min(100.0)))
			.collect();
		chart(
			&dir.join("days_held_bands.png"),
			&format!("Days of consumption held, median and 5–95% of {} runs", runs.len()),
			"day",
			"days",
			&[
				band("days held", &held, PALETTE[0]),
				flat(7.0, "7 days: grow below").color(PALETTE[2]),
				flat(14.0, "14 days: shrink above"),
			],
			Axis::From(0.0),
		)?;
		chart(
			&dir.join("claim2_utility_gap_bands.png"),
			&format!(
				"Claim 2: honest minus free-rider utility per agent-day (7-day mean), median and 5–95% of {} runs",
				runs.len()
			),
			"day",
			"reference GPU-hours",
			&[
				band("honest − free-rider", &claim2, PALETTE[0]),
				Series::new("0", claim2.iter().map(|x| (x.0, 0.0)).collect(), PALETTE[1]).dashed(),
			],
			Axis::Auto,
		)?;
		chart(
			&dir.join("claim3_bootstrap_bands.png"),
			&format!(
				"Claim 3: bootstrap issuance per day, median and 5–95% of {} runs",
				runs.len()
			),
			"day",
			"CRED / day",
			&[band("bootstrap issuance", &bootstrap, PALETTE[2])],
			Axis::From(0.0),
		)?;
		if p.scenario.adversary() != crate::model::Role::Normal {
			chart(
				&dir.join("adversary_share_bands.png"),
				&format!(
					"Adversary's share of all credits, median and 5–95% of {} runs",
					runs.len()
				),
				"day",
				"share",
				&[
					band("adversary (all its accounts)", &adversary, PALETTE[3]),
					Series::new(
						"5% cap",
						adversary.iter().map(|x| (x.0, 0.05)).collect(),
						PALETTE[1],
					)
					.dashed(),
				],
				Axis::From(0.0),
			)?;
		}
	}
	let mut s = String::new();
	let _ = writeln!(
		s,
		"# Economy simulation: {} agents, {} days, {} seeds from {}",
		p.agents,
		p.days,
		runs.len(),
		p.seed
	);
	let _ = writeln!(s);
	let secs = Stat::of(&runs.iter().map(|(_, s)| *s).collect::<Vec<_>>());
	let _ = writeln!(s, "- scenario: {}", p.scenario.name());
	let _ = writeln!(s, "- wall time per run: {} s", secs.text(1));
	bands.markdown(&mut s);
	if p.scenario.adversary() != crate::model::Role::Normal {
		bands.adversary_markdown(&mut s);
	}
	Ok((s, bands))
}

/// Sweep: one row per network size, each over its seeds.
pub fn sweep_csv(rows: &[(usize, Bands, f64)], dir: &Path, plot: bool) -> Result<(), String> {
	let mut s = String::from(
		"agents,runs,seconds_per_run,utility_honest,utility_honest_ci,utility_free_rider,\
		 utility_free_rider_ci,ratio_in_band_runs,ratio_low,ratio_high,beats_runs,beats_at_agents,\
		 beats_at_agents_ci,stable_runs,stable_at_agents,stable_at_agents_ci,bootstrap_share,\
		 largest_share\n",
	);
	for (n, b, secs) in rows {
		let _ = writeln!(
			s,
			"{n},{},{secs:.1},{:.4},{:.4},{:.4},{:.4},{},{:.5},{:.5},{},{:.0},{:.0},{},{:.0},{:.0},{:.5},{:.5}",
			b.runs,
			b.utility[0].mean,
			b.utility[0].half_width,
			b.utility[2].mean,
			b.utility[2].half_width,
			b.ratio_in_band_runs,
			b.ratio_low.min,
			b.ratio_high.max,
			b.beats_runs,
			b.beats_at_agents.mean,
			b.beats_at_agents.half_width,
			b.stable_runs,
			b.stable_at_agents.mean,
			b.stable_at_agents.half_width,
			b.bootstrap_share.mean,
			b.largest_share.max,
		);
	}
	write(&dir.join("sweep.csv"), &s)?;
	if !plot {
		return Ok(());
	}
	let series: Vec<Series> = Kind::ALL
		.iter()
		.enumerate()
		.map(|(k, kind)| {
			let color = PALETTE.get(k).copied().unwrap_or(PALETTE[0]);
			let pts =
				rows.iter().map(|(n, b, _)| ((*n as f64).log10(), b.utility[k].mean)).collect();
			let band = rows
				.iter()
				.map(|(n, b, _)| {
					let u = b.utility[k];
					((*n as f64).log10(), u.mean - u.half_width, u.mean + u.half_width)
				})
				.collect();
			Series::new(kind.name(), pts, color).band(band).markers()
		})
		.collect();
	chart(
		&dir.join("sweep_utility.png"),
		"Utility per agent-day (last 60 days, mean and 95% CI) vs network size",
		"log10(agents)",
		"reference GPU-hours",
		&series,
		Axis::Auto,
	)
}

pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
	write(path, text)
}

fn command(program: &str, args: &[&str]) -> String {
	std::process::Command::new(program)
		.args(args)
		.output()
		.ok()
		.filter(|o| o.status.success())
		.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
		.unwrap_or_else(|| "unknown".to_string())
}

/// The checkout a run starts from: its commit and whether tracked files had uncommitted changes.
pub struct Checkout {
	commit: String,
	clean: bool,
}

impl Checkout {
	/// Read at the start of a run (the tree may change while it runs).
	pub fn now() -> Checkout {
		Checkout {
			commit: command("git", &["rev-parse", "HEAD"]),
			clean: command("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty(),
		}
	}
}

/// `manifest.json`: what it takes to reproduce the run — the commit (and whether the tree had
/// uncommitted changes when it started), the toolchain, the exact command, the seeds, the wall
/// time.
pub fn manifest(
	dir: &Path,
	checkout: &Checkout,
	seed: u64,
	seeds: u64,
	seconds: f64,
) -> Result<(), String> {
	let esc = |x: &str| x.replace('\\', "\\\\").replace('"', "\\\"");
	let args: Vec<String> = std::env::args().map(|a| format!("\"{}\"", esc(&a))).collect();
	// The same run from a checkout of `git_commit` (the script builds the binary first).
	let reproduce: Vec<String> = std::env::args().skip(1).collect();
	let text = format!(
		"{{\n  \"git_commit\": \"{}\",\n  \"git_tree_clean\": {},\n  \"rustc\": \"{}\",\n  \"command\": [{}],\n  \"reproduce\": \"scripts/simulate.sh {}\",\n  \"seed\": {seed},\n  \"seeds\": {seeds},\n  \"wall_seconds\": {seconds:.1},\n  \"host_cpus\": {}\n}}\n",
		esc(&checkout.commit),
		checkout.clean,
		esc(&command("rustc", &["-V"])),
		args.join(", "),
		esc(&reproduce.join(" ")),
		std::thread::available_parallelism().map_or(0, |n| n.get()),
	);
	write(&dir.join("manifest.json"), &text)
}
