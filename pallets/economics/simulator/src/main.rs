//! `declai-economy-sim`: drives the real `pallet-credits` and `pallet-economics` (in plain
//! externalities with the production runtime's parameters) with many agents over simulated years
//! — honest contributors, partial contributors, free-riders and cheaters, a hardware mix, diurnal
//! demand, a credit market, entry, exit and switching by utility, and adversary scenarios — and
//! writes CSV files, PNG plots and a findings report.
//!
//! ```text
//! declai-economy-sim --agents 10000 --days 365 --out sim-output
//! declai-economy-sim --agents 1000 --seeds 20 --scenario all --out sim-output/scenarios
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
	/// Simulated days (3 years: credits minted in the first year expire in the second).
	#[arg(long, default_value_t = 3 * 365)]
	days: u32,
	/// Random seed (of the first run when `--seeds` > 1).
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Runs per configuration, with seeds `seed, seed + 1, …`: findings get confidence bands.
	#[arg(long, default_value_t = 1)]
	seeds: u64,
	/// Runs at once (threads; each run is sequential).
	#[arg(long, default_value_t = 2)]
	jobs: usize,
	/// Output directory for CSV, PNG and the report.
	#[arg(long, default_value = "sim-output")]
	out: PathBuf,
	/// Run one simulation per network size (comma-separated) and write `sweep.csv`.
	#[arg(long, value_delimiter = ',')]
	sweep: Vec<usize>,
	/// Bootstrap floor of the circulation cap, CRED.
	#[arg(long, default_value_t = 5_000)]
	bootstrap_circulation: u128,
	/// Bootstrap floor of the per-account cap, CRED.
	#[arg(long, default_value_t = 1_000)]
	bootstrap_cap: u128,
	/// Least per-epoch (hour) mint ceiling, CRED.
	#[arg(long, default_value_t = 100)]
	epoch_floor: u128,
	/// The per-epoch mint ceiling as a percentage of the recent mean per epoch (100..=10000).
	#[arg(long, default_value_t = 300)]
	epoch_percent: u16,
	/// Share of a worker's pay matched by bootstrap issuance, percent (0: none).
	#[arg(long, default_value_t = 100)]
	bootstrap_match: u32,
	/// Most matched per worker in each 30-day period, CRED.
	#[arg(long, default_value_t = 50)]
	bootstrap_per_worker: u128,
	/// Share of the confirmed capacity the bootstrap target counts as daily consumption, percent.
	#[arg(long, default_value_t = 50)]
	bootstrap_capacity_share: u32,
	/// No bootstrap issuance once mean daily consumption exceeds this, CRED a day.
	#[arg(long, default_value_t = 100_000)]
	bootstrap_sunset: u128,
	/// Founders' genesis credits each.
	#[arg(long, default_value_t = 60.0)]
	endowment: f64,
	/// Mean demand per agent, reference GPU-hours a day.
	#[arg(long, default_value_t = 6.0)]
	demand: f64,
	/// Scenarios to run, comma-separated, or `all` (baseline, demand-up, demand-down, decline,
	/// whale, operator, sybil, best-response, collusion, downgrade); several write one directory
	/// each under `--out` and `scenarios.md`.
	#[arg(long, value_delimiter = ',', default_value = "baseline")]
	scenario: Vec<String>,
	/// Hours between an agent's settlements (1 = hourly; 24 = once a day).
	#[arg(long, default_value_t = 24)]
	settle_every: u32,
	/// Mean value of a reference GPU-hour of inference to a consumer.
	#[arg(long, default_value_t = 1.5)]
	value: f64,
	/// Share of a device's rental value counted as the opportunity cost of network work.
	#[arg(long, default_value_t = 0.5)]
	opportunity_share: f64,
	/// Agents never decline to join, leave or switch strategy (the network only grows).
	#[arg(long)]
	no_dynamics: bool,
	/// Skip the PNG plots.
	#[arg(long)]
	no_plots: bool,
	/// Run on Substrate's `BasicExternalities` (same results, slower) instead of the
	/// simulator's own storage.
	#[arg(long)]
	basic_storage: bool,
	/// Bootstrap issuance: `match` (the chain's match of a worker's pay) or `allowance` (a
	/// non-transferable inference allowance per verified contributor, the candidate it was
	/// measured against; see the README)
	#[arg(long, default_value = "match")]
	bootstrap: String,
	/// Days an inference allowance stays usable (`--bootstrap allowance`).
	#[arg(long, default_value_t = 30)]
	allowance_days: u32,
}

/// See the manifest: most of what the simulation allocates lives for one storage access.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn params(cli: &Cli, agents: usize) -> Result<model::Params, String> {
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
	p.limits.epoch_mint_floor = cli.epoch_floor.saturating_mul(CRED);
	p.limits.epoch_mint_percent = cli.epoch_percent;
	p.bootstrap.match_share = sp_runtime::Perbill::from_percent(cli.bootstrap_match);
	p.bootstrap.per_worker = cli.bootstrap_per_worker.saturating_mul(CRED);
	p.bootstrap.sunset_daily_consumption = cli.bootstrap_sunset.saturating_mul(CRED);
	p.bootstrap.capacity_share = sp_runtime::Perbill::from_percent(cli.bootstrap_capacity_share);
	p.settle_every_hours = cli.settle_every.clamp(1, 24);
	p.value_per_ref_hour = cli.value;
	p.opportunity_share = cli.opportunity_share;
	p.utility_dynamics = !cli.no_dynamics;
	p.basic_storage = cli.basic_storage;
	p.bootstrap_kind = model::BootstrapKind::parse(&cli.bootstrap)?;
	p.allowance_days = cli.allowance_days.max(1);
	Ok(p)
}

/// The scenarios named on the command line (`all`: every one).
fn scenarios(cli: &Cli) -> Result<Vec<model::Scenario>, String> {
	if cli.scenario.iter().any(|s| s == "all") {
		return Ok(model::Scenario::ALL.to_vec());
	}
	cli.scenario.iter().map(|s| model::Scenario::parse(s)).collect()
}

fn simulate(p: &model::Params, quiet: bool) -> Result<(model::Outcome, f64), String> {
	let start = Instant::now();
	let out = model::run(p, |day, n| {
		if !quiet && (day % 30 == 0 || day + 1 == p.days) {
			eprintln!("day {day:>4}: {n} agents, {:.0} s", start.elapsed().as_secs_f64());
		}
	})?;
	Ok((out, start.elapsed().as_secs_f64()))
}

/// Runs one configuration with `seeds` seeds, `jobs` at a time; results in seed order.
fn simulate_seeds(
	p: &model::Params,
	seeds: u64,
	jobs: usize,
) -> Result<Vec<(model::Outcome, f64)>, String> {
	let next = std::sync::atomic::AtomicU64::new(0);
	let results = std::sync::Mutex::new(Vec::new());
	std::thread::scope(|scope| {
		for _ in 0..jobs.max(1) {
			scope.spawn(|| loop {
				let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
				if i >= seeds {
					break;
				}
				let mut q = p.clone();
				q.seed = p.seed.wrapping_add(i);
				let r = simulate(&q, true);
				if let Ok((_, secs)) = &r {
					eprintln!("  seed {}: {secs:.1} s", q.seed);
				}
				if let Ok(mut v) = results.lock() {
					v.push((i, r));
				}
			});
		}
	});
	let mut v = results.into_inner().map_err(|_| "a run panicked".to_string())?;
	v.sort_by_key(|(i, _)| *i);
	v.into_iter().map(|(_, r)| r).collect()
}

fn main() -> Result<(), String> {
	let cli = Cli::parse();
	// Every storage access of the pallets goes through a host function that opens a trace span;
	// with no subscriber set, each span also asks the `log` facade. A subscriber that is never
	// interested turns them into nothing (they were about 7% of a run).
	let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default());
	std::fs::create_dir_all(&cli.out).map_err(|e| format!("{}: {e}", cli.out.display()))?;
	if !cli.no_plots {
		plot::init_fonts()?;
	}
	let started = Instant::now();
	let checkout = report::Checkout::now();
	let manifest = |dir: &std::path::Path| {
		report::manifest(dir, &checkout, cli.seed, cli.seeds, started.elapsed().as_secs_f64())
	};
	if !cli.sweep.is_empty() {
		let mut rows = Vec::new();
		for &n in &cli.sweep {
			let mut p = params(&cli, n)?;
			p.scenario = scenarios(&cli)?.first().copied().unwrap_or(model::Scenario::Baseline);
			let runs = simulate_seeds(&p, cli.seeds, cli.jobs)?;
			let found: Vec<report::Findings> =
				runs.iter().map(|(o, _)| report::findings(o)).collect();
			let secs: f64 = runs.iter().map(|(_, s)| s).sum::<f64>() / runs.len().max(1) as f64;
			let b = report::Bands::of(&found);
			eprintln!("{n:>6} agents: {secs:.1} s a run, {}", b.one_line());
			rows.push((n, b, secs));
		}
		report::sweep_csv(&rows, &cli.out, !cli.no_plots)?;
		manifest(&cli.out)?;
		println!("sweep written to {}", cli.out.join("sweep.csv").display());
		return Ok(());
	}
	let list = scenarios(&cli)?;
	if list.len() > 1 || cli.seeds > 1 {
		let mut table = Vec::new();
		for scenario in &list {
			let mut p = params(&cli, cli.agents)?;
			p.scenario = *scenario;
			let dir = if list.len() > 1 { cli.out.join(scenario.name()) } else { cli.out.clone() };
			std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
			eprintln!("scenario {}: {} seeds", scenario.name(), cli.seeds);
			let runs = simulate_seeds(&p, cli.seeds, cli.jobs)?;
			let (text, bands) = report::seeds_report(&p, &runs, &dir, !cli.no_plots)?;
			report::write_text(&dir.join("findings.md"), &text)?;
			manifest(&dir)?;
			print!("{text}");
			table.push((*scenario, bands));
		}
		if list.len() > 1 {
			let text = report::scenarios_table(&table, cli.agents, cli.days, cli.seeds);
			report::write_text(&cli.out.join("scenarios.md"), &text)?;
			manifest(&cli.out)?;
			print!("{text}");
		}
		return Ok(());
	}
	let mut p = params(&cli, cli.agents)?;
	p.scenario = list.first().copied().unwrap_or(model::Scenario::Baseline);
	let (out, secs) = simulate(&p, false)?;
	report::write_csv(&out, &cli.out)?;
	let f = report::findings(&out);
	let text = report::summary(&p, &out, &f, secs);
	report::write_text(&cli.out.join("findings.md"), &text)?;
	report::manifest(&cli.out, &checkout, cli.seed, 1, secs)?;
	print!("{text}");
	if !cli.no_plots {
		for path in report::plots(&out, &cli.out)? {
			println!("plot: {path}");
		}
	}
	println!("csv: {}", cli.out.join("days.csv").display());
	Ok(())
}
