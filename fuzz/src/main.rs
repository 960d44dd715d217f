//! `declai-fuzz`: replays the committed corpus, then runs random inputs for a time budget (see
//! the library docs for what an input does and what is checked). A failing input is written to
//! the crash directory and the run exits with status 1; replay it with `--replay FILE`.
//!
//! Options: `--seconds S` (60), `--seed N` (random), `--corpus DIR` (`fuzz/corpus`), `--crashes
//! DIR` (`fuzz/crashes`), `--max-len BYTES` (4096), `--long` (jumps across epochs and days),
//! `--replay FILE`, `--grow-corpus` (adds to the corpus each random input that reached a call
//! outcome, success or named error, that no earlier input reached).

use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

use declai_fuzz::{run, Options, Stats};
use rand::{rngs::SmallRng, Rng, RngCore, SeedableRng};

struct Cli {
	seconds: u64,
	seed: u64,
	corpus: PathBuf,
	crashes: PathBuf,
	max_len: usize,
	long: bool,
	replay: Option<PathBuf>,
	grow: bool,
}

fn parse() -> Result<Cli, String> {
	let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
	let mut cli = Cli {
		seconds: 60,
		seed: rand::thread_rng().gen(),
		corpus: root.join("corpus"),
		crashes: root.join("crashes"),
		max_len: 4096,
		long: false,
		replay: None,
		grow: false,
	};
	let mut args = std::env::args().skip(1);
	while let Some(a) = args.next() {
		let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
		match a.as_str() {
			"--seconds" => cli.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
			"--seed" => cli.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
			"--corpus" => cli.corpus = value()?.into(),
			"--crashes" => cli.crashes = value()?.into(),
			"--max-len" => cli.max_len = value()?.parse().map_err(|e| format!("--max-len: {e}"))?,
			"--replay" => cli.replay = Some(value()?.into()),
			"--long" => cli.long = true,
			"--grow-corpus" => cli.grow = true,
			"--help" | "-h" => {
				println!("see the top of fuzz/src/main.rs");
				std::process::exit(0);
			}
			other => return Err(format!("unknown option {other}")),
		}
	}
	Ok(cli)
}

fn report(stats: &Stats, elapsed: Duration) {
	println!("inputs run:            {}", stats.inputs);
	println!("blocks executed:       {}", stats.blocks);
	println!(
		"extrinsics (honest):   {} ({} succeeded, {} failed in dispatch, {} refused)",
		stats.extrinsics,
		stats.ok,
		stats.failed.values().sum::<u64>(),
		stats.invalid.values().sum::<u64>()
	);
	println!(
		"hostile extrinsics:    {} sent, {} refused for the expected reason and harmless in a \
		 block ({} more mutated encodings did not decode)",
		stats.hostile, stats.hostile_refused, stats.undecodable
	);
	println!("invariant checks:      {}", stats.invariant_checks);
	println!(
		"weight checks:         {} (largest DB cost / declared weight {:.3}, {})",
		stats.weight_checks, stats.worst_weight_ratio.0, stats.worst_weight_ratio.1
	);
	println!("time:                  {:.1} s", elapsed.as_secs_f64());
	println!("calls that succeeded:");
	for (name, n) in &stats.calls_ok {
		println!("  {n:>8}  {name}");
	}
	let mut failed: Vec<_> = stats.failed.iter().collect();
	failed.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
	println!("most frequent dispatch errors:");
	for (name, n) in failed.iter().take(15) {
		println!("  {n:>8}  {name}");
	}
}

fn fail(cli: &Cli, input: &[u8], error: &str) -> ! {
	let name = format!("crash-{:016x}", xxhash(input));
	let path = cli.crashes.join(&name);
	let saved = std::fs::create_dir_all(&cli.crashes).and_then(|()| std::fs::write(&path, input));
	eprintln!("FAILED: {error}");
	match saved {
		Ok(()) => eprintln!("input saved: {} (replay: declai-fuzz --replay {0})", path.display()),
		Err(e) => eprintln!("input not saved ({e})"),
	}
	std::process::exit(1);
}

fn xxhash(input: &[u8]) -> u64 {
	let h = sp_io::hashing::twox_64(input);
	u64::from_le_bytes(h)
}

fn main() {
	let cli = match parse() {
		Ok(c) => c,
		Err(e) => {
			eprintln!("declai-fuzz: {e}");
			std::process::exit(2);
		}
	};
	let options = Options { long: cli.long };
	let started = Instant::now();
	let mut stats = Stats::default();
	if let Some(path) = &cli.replay {
		let input = std::fs::read(path).unwrap_or_else(|e| {
			eprintln!("{}: {e}", path.display());
			std::process::exit(2)
		});
		if let Err(e) = run(&input, options, &mut stats) {
			eprintln!("FAILED: {e}");
			std::process::exit(1);
		}
		report(&stats, started.elapsed());
		return;
	}
	let mut files: Vec<PathBuf> = std::fs::read_dir(&cli.corpus)
		.map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
		.unwrap_or_default();
	files.sort();
	println!("== corpus: {} inputs from {}", files.len(), cli.corpus.display());
	let mut seen = std::collections::BTreeSet::new();
	for path in &files {
		let input = std::fs::read(path).unwrap_or_default();
		let mut one = Stats::default();
		if let Err(e) = run(&input, options, &mut one) {
			fail(&cli, &input, &format!("corpus {}: {e}", path.display()));
		}
		seen.extend(outcomes(&one));
		stats.add(&one);
	}
	let mut grown = 0;
	println!("== random inputs for {} s, seed {}", cli.seconds, cli.seed);
	let mut rng = SmallRng::seed_from_u64(cli.seed);
	let budget = Duration::from_secs(cli.seconds);
	while started.elapsed() < budget {
		let len = rng.gen_range(64..=cli.max_len.max(64));
		let mut input = vec![0u8; len];
		rng.fill_bytes(&mut input);
		let mut one = Stats::default();
		if let Err(e) = run(&input, options, &mut one) {
			fail(&cli, &input, &e);
		}
		let new = outcomes(&one).into_iter().filter(|o| seen.insert(o.clone())).count();
		if cli.grow && new > 0 {
			let path = cli.corpus.join(format!("input-{:016x}", xxhash(&input)));
			if let Err(e) =
				std::fs::create_dir_all(&cli.corpus).and_then(|()| std::fs::write(&path, &input))
			{
				eprintln!("{}: {e}", path.display());
			}
			grown += 1;
		}
		stats.add(&one);
	}
	report(&stats, started.elapsed());
	if cli.grow {
		println!("corpus: {grown} inputs added to {}", cli.corpus.display());
	}
}

/// The call outcomes a run reached: each successful call, each call's named error, each reason
/// an extrinsic was refused.
fn outcomes(stats: &Stats) -> Vec<String> {
	stats
		.calls_ok
		.keys()
		.map(|k| format!("ok {k}"))
		.chain(stats.failed.keys().map(|k| format!("failed {k}")))
		.chain(stats.invalid.keys().map(|k| format!("invalid {k}")))
		.collect()
}
