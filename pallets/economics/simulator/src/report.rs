//! CSV files, findings and plots of a run.

use crate::{
	model::{DayRow, Kind, Outcome, Params},
	plot::{chart, Series, PALETTE},
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
		 cheaters_caught\n",
	);
	for r in &out.days {
		let [h, p, f, c] = r.agents;
		let [wc, wcirc, we, _] = r.withheld_by_reason;
		let [uh, up, uf, uc] = r.utility;
		let [sh, sp, sf, sc] = r.served_fraction;
		let _ = writeln!(
			s,
			"{},{},{h},{p},{f},{c},{},{:.6},{:.6},{:.6},{wc:.6},{wcirc:.6},{we:.6},{:.6},{:.6},{:.6},{:.6},\
			 {:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.3},{:.3},{:.3},{:.6},{:.3},{uh:.6},{up:.6},\
			 {uf:.6},{uc:.6},{sh:.6},{sp:.6},{sf:.6},{sc:.6},{}",
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

/// Headline numbers of a run.
#[derive(Debug, Default)]
pub struct Findings {
	pub ratio_in_band_from_day: Option<usize>,
	pub ratio_range_after: (f64, f64),
	pub honest_beats_free_rider_from_day: Option<usize>,
	pub honest_beats_free_rider_at_agents: Option<usize>,
	pub stable_without_bootstrap_from_day: Option<usize>,
	pub stable_without_bootstrap_at_agents: Option<usize>,
	pub withheld_share: f64,
	pub mean_utility_last_60: [f64; 4],
	pub caught: u32,
	pub max_largest_share_after_30: f64,
	pub largest_share_last_day: f64,
}

fn agents_on(days: &[DayRow], d: Option<usize>) -> Option<usize> {
	d.and_then(|d| days.get(d)).map(|r| r.agents.iter().sum())
}

pub fn findings(out: &Outcome) -> Findings {
	let days = &out.days;
	let in_band: Vec<bool> = days.iter().map(|r| (0.95..=1.05).contains(&r.ratio_30d)).collect();
	let ratio_from = holds_from(&in_band, 30);
	let after: Vec<f64> =
		ratio_from.map_or_else(Vec::new, |d| days.iter().skip(d).map(|r| r.ratio_30d).collect());
	let uh = rolling(days, 7, |r| r.utility[0]);
	let uf = rolling(days, 7, |r| r.utility[2]);
	let beats: Vec<bool> = uh.iter().zip(&uf).map(|(h, f)| h > f).collect();
	let beats_from = holds_from(&beats, 7);
	// "Without bootstrap help": the floor-free rules hold on their own — circulation within 110%
	// of trailing consumption, nobody above 5% — and earned/consumed is in its band.
	let stable: Vec<bool> = days
		.iter()
		.map(|r| {
			r.circulation <= r.floor_free_cap
				&& r.largest_share <= 0.05
				&& (0.95..=1.05).contains(&r.ratio_30d)
		})
		.collect();
	let stable_from = holds_from(&stable, 30);
	let earned: f64 = days.iter().map(|r| r.earned).sum();
	let withheld: f64 = days.iter().map(|r| r.withheld).sum();
	let tail = days.len().saturating_sub(60);
	let mut mean = [0.0; 4];
	for (k, m) in mean.iter_mut().enumerate() {
		let w: Vec<f64> =
			days.iter().skip(tail).filter_map(|r| r.utility.get(k).copied()).collect();
		*m = w.iter().sum::<f64>() / w.len().max(1) as f64;
	}
	Findings {
		ratio_in_band_from_day: ratio_from,
		ratio_range_after: (
			after.iter().copied().fold(f64::MAX, f64::min),
			after.iter().copied().fold(f64::MIN, f64::max),
		),
		honest_beats_free_rider_from_day: beats_from,
		honest_beats_free_rider_at_agents: agents_on(days, beats_from),
		stable_without_bootstrap_from_day: stable_from,
		stable_without_bootstrap_at_agents: agents_on(days, stable_from),
		withheld_share: if earned > 0.0 { withheld / earned } else { 0.0 },
		mean_utility_last_60: mean,
		caught: days.iter().map(|r| r.caught).sum(),
		max_largest_share_after_30: days
			.iter()
			.skip(30)
			.map(|r| r.largest_share)
			.fold(0.0, f64::max),
		largest_share_last_day: days.last().map_or(0.0, |r| r.largest_share),
	}
}

/// A text report of the run.
pub fn summary(p: &Params, out: &Outcome, f: &Findings, seconds: f64) -> String {
	let day = |d: Option<usize>, n: Option<usize>| match (d, n) {
		(Some(d), Some(n)) => format!("from day {d} (N = {n} agents)"),
		_ => "not within the run".to_string(),
	};
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
		"- earned/consumed (30-day window) inside 0.95..=1.05 {}; range afterwards {:.3}..{:.3}",
		day(f.ratio_in_band_from_day, agents_on(&out.days, f.ratio_in_band_from_day)),
		f.ratio_range_after.0,
		f.ratio_range_after.1
	);
	let _ = writeln!(
		s,
		"- honest contribution beats free-riding (7-day mean utility per agent-day) {}",
		day(f.honest_beats_free_rider_from_day, f.honest_beats_free_rider_at_agents)
	);
	let _ = writeln!(
		s,
		"- stable without bootstrap help (circulation ≤ 110% of 30-day consumption, largest share ≤ 5%, ratio in band) {}",
		day(f.stable_without_bootstrap_from_day, f.stable_without_bootstrap_at_agents)
	);
	let _ = writeln!(s, "- withheld: {:.2}% of earned credits", 100.0 * f.withheld_share);
	let _ =
		writeln!(s, "- largest share after day 30: {:.2}%", 100.0 * f.max_largest_share_after_30);
	let _ = writeln!(
		s,
		"- mean utility per agent-day, last 60 days (reference GPU-hour units): honest {uh:.3}, partial {up:.3}, free-rider {uf:.3}, cheater {uc:.3}"
	);
	let _ = writeln!(s, "- cheaters caught: {} times", f.caught);
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
	let c = |i: usize| PALETTE.get(i).copied().unwrap_or(PALETTE[0]);
	let mut written = Vec::new();
	let mut draw = |name: &str, title: &str, y: &str, series: Vec<Series>, floor: Option<f64>| {
		let path = dir.join(name);
		chart(&path, title, "day", y, &series, floor)
			.map(|()| written.push(path.display().to_string()))
	};
	draw(
		"generation_consumption.png",
		"Generation G(t) and consumption C(t) per day",
		"CRED / day",
		vec![
			Series::new("generation (minted)", x(&|r| r.generation), c(0)),
			Series::new("consumption (burned)", x(&|r| r.consumption), c(1)),
			Series::new("withheld", x(&|r| r.withheld), c(5)),
		],
		Some(0.0),
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
	draw("participants.png", "Participants N(t)", "agents", participants, Some(0.0))?;
	let hours: Vec<(f64, f64)> =
		out.hours.iter().map(|h| (h.hour as f64 / 24.0, h.alpha)).collect();
	draw(
		"alpha_beta.png",
		"Demand multiplier α (hourly) and difficulty β",
		"value",
		vec![
			Series::new("α (hourly)", hours, c(3)),
			Series::new("β", x(&|r| r.beta), c(0)),
			Series::new(
				"β target (30-day value / consumption / aim)",
				days.iter()
					.filter(|r| r.beta_target > 0.0)
					.map(|r| (f64::from(r.day), r.beta_target))
					.collect(),
				c(2),
			),
		],
		Some(0.0),
	)?;
	draw(
		"circulation.png",
		"Circulation vs its cap",
		"CRED",
		vec![
			Series::new("circulation", x(&|r| r.circulation), c(0)),
			Series::new(
				"cap = max(bootstrap floor, 110% × 30-day consumption)",
				x(&|r| r.circulation_cap),
				c(1),
			),
			Series::new("110% × 30-day consumption (no floor)", x(&|r| r.floor_free_cap), c(2)),
		],
		Some(0.0),
	)?;
	draw(
		"largest_share.png",
		"Largest account's share of all credits",
		"share",
		vec![
			Series::new("largest share", x(&|r| r.largest_share), c(0)),
			Series::new("5% cap", x(&|_| 0.05), c(1)),
		],
		Some(0.0),
	)?;
	draw(
		"earned_over_consumed.png",
		"Earned / consumed over the trailing 30 days",
		"ratio",
		vec![
			Series::new("earned / consumed", x(&|r| r.ratio_30d), c(0)),
			Series::new("minted / consumed", x(&|r| r.minted_ratio_30d), c(5)),
			Series::new("0.95", x(&|_| 0.95), c(1)),
			Series::new("1.05", x(&|_| 1.05), c(1)),
		],
		None,
	)?;
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
		None,
	)?;
	Ok(written)
}

/// Sweep: one row per network size.
pub fn sweep_csv(rows: &[(usize, Findings, f64)], dir: &Path, plot: bool) -> Result<(), String> {
	let mut s = String::from(
		"agents,seconds,utility_honest,utility_partial,utility_free_rider,utility_cheater,\
		 honest_beats_free_rider_from_day,agents_then,stable_without_bootstrap_from_day,agents_then,\
		 withheld_share,largest_share_last_day\n",
	);
	for (n, f, secs) in rows {
		let [uh, up, uf, uc] = f.mean_utility_last_60;
		let d = |x: Option<usize>| x.map_or("never".to_string(), |d| d.to_string());
		let _ = writeln!(
			s,
			"{n},{secs:.1},{uh:.4},{up:.4},{uf:.4},{uc:.4},{},{},{},{},{:.4},{:.4}",
			d(f.honest_beats_free_rider_from_day),
			d(f.honest_beats_free_rider_at_agents),
			d(f.stable_without_bootstrap_from_day),
			d(f.stable_without_bootstrap_at_agents),
			f.withheld_share,
			f.largest_share_last_day,
		);
	}
	write(&dir.join("sweep.csv"), &s)?;
	if !plot {
		return Ok(());
	}
	let pts = |k: usize| -> Vec<(f64, f64)> {
		rows.iter()
			.map(|(n, f, _)| {
				((*n as f64).log10(), f.mean_utility_last_60.get(k).copied().unwrap_or(0.0))
			})
			.collect()
	};
	let series: Vec<Series> = Kind::ALL
		.iter()
		.enumerate()
		.map(|(k, kind)| {
			Series::new(kind.name(), pts(k), PALETTE.get(k).copied().unwrap_or(PALETTE[0]))
		})
		.collect();
	chart(
		&dir.join("sweep_utility.png"),
		"Utility per agent-day (last 60 days) vs network size",
		"log10(agents)",
		"reference GPU-hours",
		&series,
		None,
	)
}

pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
	write(path, text)
}
