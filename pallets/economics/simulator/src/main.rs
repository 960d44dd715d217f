//! `declai-economy-sim`: drives the real `pallet-credits` and `pallet-economics` (in a
//! `TestExternalities` with the production runtime's parameters) with many agents over simulated
//! months — honest contributors, partial contributors, free-riders and cheaters, a hardware mix,
//! diurnal demand and network growth — and writes CSV files, PNG plots and a findings report.
//!
//! ```text
//! declai-economy-sim --agents 10000 --days 365 --out sim-output
//! declai-economy-sim --sweep 100,500,1000,5000 --days 365 --out sim-output/sweep
//! ```

// An off-chain modelling tool: float arithmetic and slices of its own tables, not runtime code.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

mod model;
mod plot;
mod report;
mod runtime;

use clap::Parser;
use declai_primitives::CRED;
use std::{path::PathBuf, time::Instant};

#[derive(Debug, Parser)]
#[command(
	about = "DeCLAI economy simulator: agents driving the real credits and economics pallets"
)]
struct Cli {
	/// Final number of agents (the network grows logistically from `--initial-agents`).
	#[arg(long, default_value_t = 10_000)]
	agents: usize,
	/// Agents at genesis (founders, endowed with `--endowment` credits each).
	#[arg(long)]
	initial_agents: Option<usize>,
	/// Simulated days.
	#[arg(long, default_value_t = 365)]
	days: u32,
	/// Random seed.
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Output directory for CSV, PNG and the report.
	#[arg(long, default_value = "sim-output")]
	out: PathBuf,
	/// Run one simulation per network size (comma-separated) and write `sweep.csv`.
	#[arg(long, value_delimiter = ',')]
	sweep: Vec<usize>,
	/// Bootstrap floor of the circulation cap, CRED (runtime genesis: 1,000,000).
	#[arg(long, default_value_t = 1_000_000)]
	bootstrap_circulation: u128,
	/// Bootstrap floor of the per-account cap, CRED (runtime genesis: 100,000).
	#[arg(long, default_value_t = 100_000)]
	bootstrap_cap: u128,
	/// Per-epoch (hour) mint ceiling, CRED (runtime genesis: 10,000).
	#[arg(long, default_value_t = 10_000)]
	epoch_ceiling: u128,
	/// Founders' genesis credits each.
	#[arg(long, default_value_t = 60.0)]
	endowment: f64,
	/// Mean demand per agent, reference GPU-hours a day.
	#[arg(long, default_value_t = 6.0)]
	demand: f64,
	/// Skip the PNG plots.
	#[arg(long)]
	no_plots: bool,
}

fn params(cli: &Cli, agents: usize) -> model::Params {
	let mut p = model::Params::for_agents(agents);
	p.days = cli.days;
	p.seed = cli.seed;
	if let Some(n) = cli.initial_agents {
		p.initial_agents = n.clamp(1, agents);
	}
	p.founder_endowment = cli.endowment;
	p.demand_per_day = cli.demand;
	p.bootstrap_cap = cli.bootstrap_cap.saturating_mul(CRED);
	p.limits.bootstrap_circulation = cli.bootstrap_circulation.saturating_mul(CRED);
	p.limits.epoch_mint_ceiling = cli.epoch_ceiling.saturating_mul(CRED);
	p
}

fn simulate(p: &model::Params, quiet: bool) -> Result<(model::Outcome, f64), String> {
	let start = Instant::now();
	let out = model::run(p, |day, n| {
		if !quiet && (day % 30 == 0 || day + 1 == p.days) {
			eprintln!("day {day:>3}: {n} agents, {:.0} s", start.elapsed().as_secs_f64());
		}
	})?;
	Ok((out, start.elapsed().as_secs_f64()))
}

fn main() -> Result<(), String> {
	let cli = Cli::parse();
	std::fs::create_dir_all(&cli.out).map_err(|e| format!("{}: {e}", cli.out.display()))?;
	if !cli.no_plots {
		plot::init_fonts()?;
	}
	if !cli.sweep.is_empty() {
		let mut rows = Vec::new();
		for &n in &cli.sweep {
			let p = params(&cli, n);
			let (out, secs) = simulate(&p, true)?;
			let f = report::findings(&out);
			eprintln!(
				"{n:>6} agents: {secs:.1} s, honest beats free-riding from day {:?}, stable without bootstrap from day {:?}",
				f.honest_beats_free_rider_from_day, f.stable_without_bootstrap_from_day
			);
			rows.push((n, f, secs));
		}
		report::sweep_csv(&rows, &cli.out, !cli.no_plots)?;
		println!("sweep written to {}", cli.out.join("sweep.csv").display());
		return Ok(());
	}
	let p = params(&cli, cli.agents);
	let (out, secs) = simulate(&p, false)?;
	report::write_csv(&out, &cli.out)?;
	let f = report::findings(&out);
	let text = report::summary(&p, &out, &f, secs);
	report::write_text(&cli.out.join("findings.md"), &text)?;
	print!("{text}");
	if !cli.no_plots {
		for path in report::plots(&out, &cli.out)? {
			println!("plot: {path}");
		}
	}
	println!("csv: {}", cli.out.join("days.csv").display());
	Ok(())
}
