//! # declai-runtime-bench
//!
//! Runs the frame-benchmarking (v2) benchmarks of the DeCLAI pallets inside the **wasm** runtime,
//! on an in-memory database that counts reads and writes (`sc_client_db::BenchmarkingState`), the
//! way `frame-benchmarking-cli` does, without pulling that CLI (and its second runtime) into the
//! node. For each benchmark it sweeps the components, repeats every point, fits
//! `time = base + Σ slope × component` (least squares, outliers dropped) and prints the weights
//! in picoseconds of ref time with the storage reads and writes.
//!
//! Usage: `scripts/benchmark.sh [--steps N] [--repeat R] [--pallet NAME] [--benchmark NAME]`.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use codec::{Decode, Encode};
use frame_benchmarking::{
	Analysis, BenchmarkBatch, BenchmarkConfig, BenchmarkList, BenchmarkResult, BenchmarkSelector,
};
use sc_client_db::BenchmarkingState;
use sc_executor::WasmExecutor;
use sp_core::traits::{CallContext, RuntimeCode, WrappedRuntimeCode};
use sp_runtime::{traits::BlakeTwo256, BuildStorage};
use sp_state_machine::{OverlayedChanges, StateMachine};

type HostFunctions = (
	sp_io::SubstrateHostFunctions,
	frame_benchmarking::benchmarking::HostFunctions,
	sp_crypto_ec_utils::bls12_381::host_calls::HostFunctions,
);

struct Args {
	steps: u32,
	repeat: u32,
	pallet: Option<String>,
	benchmark: Option<String>,
}

fn parse_args() -> Result<Args, String> {
	let mut args = Args { steps: 10, repeat: 20, pallet: None, benchmark: None };
	let mut it = std::env::args().skip(1);
	while let Some(flag) = it.next() {
		let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
		match flag.as_str() {
			"--steps" => args.steps = value.parse().map_err(|e| format!("--steps: {e}"))?,
			"--repeat" => args.repeat = value.parse().map_err(|e| format!("--repeat: {e}"))?,
			"--pallet" => args.pallet = Some(value),
			"--benchmark" => args.benchmark = Some(value),
			other => return Err(format!("unknown flag {other}")),
		}
	}
	if args.steps < 2 || args.repeat == 0 {
		return Err("--steps must be at least 2 and --repeat at least 1".into());
	}
	Ok(args)
}

/// Calls a runtime API function of the wasm runtime against the benchmarking state.
fn call(
	state: &BenchmarkingState<BlakeTwo256>,
	executor: &WasmExecutor<HostFunctions>,
	code: &RuntimeCode,
	method: &str,
	data: &[u8],
) -> Result<Vec<u8>, String> {
	let mut changes = OverlayedChanges::default();
	// A fresh in-memory keystore per call: benchmarks that sign (attestations) generate their
	// keys in their own setup.
	let mut extensions = sp_externalities::Extensions::default();
	extensions.register(sp_keystore::KeystoreExt::new(sp_keystore::testing::MemoryKeystore::new()));
	let result = StateMachine::new(
		state,
		&mut changes,
		executor,
		method,
		data,
		&mut extensions,
		code,
		CallContext::Offchain,
	)
	.execute();
	result.map_err(|e| format!("{method}: {e}"))
}

/// Component values for a sweep from `low` to `high` in `steps` points.
fn sweep(low: u32, high: u32, steps: u32) -> Vec<u32> {
	if low == high {
		return vec![low];
	}
	let mut values: Vec<u32> = (0..steps)
		.map(|i| low + ((high - low) as u64 * i as u64 / (steps - 1) as u64) as u32)
		.collect();
	values.dedup();
	values
}

/// Prints the weight of one worst-case transfer (execution + DB accesses priced like the runtime)
/// and how many fit in the normal-class share of a block.
fn report_block_capacity(time: &Analysis, reads: &Analysis, writes: &Analysis) {
	use frame_support::{
		dispatch::DispatchClass,
		weights::{constants::RocksDbWeight, Weight},
	};
	let db = RocksDbWeight::get();
	let tx = Weight::from_parts(time.base as u64, 0)
		.saturating_add(db.reads(reads.base as u64))
		.saturating_add(db.writes(writes.base as u64));
	let block = declai_runtime::RuntimeBlockWeights::get();
	let normal = block.get(DispatchClass::Normal);
	let budget = normal.max_total.unwrap_or(block.max_block).ref_time();
	let base_block = block.base_block.ref_time();
	let per_tx = tx.ref_time() + normal.base_extrinsic.ref_time();
	println!(
		"measured worst-case transfer: {:.1} µs execution + {} reads + {} writes = {:.1} µs; with the {:.1} µs extrinsic base, {} transfers fit the {:.0} ms normal-class budget of a block",
		time.base as f64 / 1e6,
		reads.base,
		writes.base,
		tx.ref_time() as f64 / 1e6,
		normal.base_extrinsic.ref_time() as f64 / 1e6,
		budget.saturating_sub(base_block) / per_tx.max(1),
		budget as f64 / 1e9,
	);
	// What the runtime charges (pallets/credits/src/weights.rs) and the resulting block capacity.
	use pallet_credits::WeightInfo;
	use pallet_transaction_payment::WeightInfo as _;
	let charged = <declai_runtime::Runtime as pallet_credits::Config>::WeightInfo::transfer();
	let fee_path = <declai_runtime::Runtime as pallet_transaction_payment::Config>::WeightInfo::charge_transaction_payment();
	let per_charged = charged.ref_time() + normal.base_extrinsic.ref_time() + fee_path.ref_time();
	println!(
		"runtime weight of a signed transfer: {:.1} µs call + {:.1} µs extrinsic base + {:.1} µs fee payment = {:.1} µs: at most {} transfers per block",
		charged.ref_time() as f64 / 1e6,
		normal.base_extrinsic.ref_time() as f64 / 1e6,
		fee_path.ref_time() as f64 / 1e6,
		per_charged as f64 / 1e6,
		budget.saturating_sub(base_block) / per_charged.max(1),
	);
}

fn main() -> Result<(), String> {
	let args = parse_args()?;
	let wasm = declai_runtime::WASM_BINARY
		.ok_or("the runtime wasm was not built (is SKIP_WASM_BUILD set?)")?;
	let genesis = declai_runtime::RuntimeGenesisConfig::default()
		.build_storage()
		.map_err(|e| format!("genesis: {e}"))?;
	let state = BenchmarkingState::<BlakeTwo256>::new(genesis, None, true, true)?;
	let executor = WasmExecutor::<HostFunctions>::builder().build();
	let fetcher = WrappedRuntimeCode(wasm.into());
	let code = RuntimeCode {
		code_fetcher: &fetcher,
		heap_pages: None,
		hash: sp_io::hashing::blake2_256(wasm).to_vec(),
	};

	let metadata = call(&state, &executor, &code, "Benchmark_benchmark_metadata", &false.encode())?;
	let (lists, _storage_info) =
		<(Vec<BenchmarkList>, Vec<frame_support::traits::StorageInfo>)>::decode(&mut &metadata[..])
			.map_err(|e| format!("decoding benchmark metadata: {e}"))?;

	println!(
		"# steps {} repeat {} (wasm runtime, in-memory DB with access tracking)",
		args.steps, args.repeat
	);
	let mut inference: Fits = Default::default();
	for list in lists {
		let pallet = String::from_utf8_lossy(&list.pallet).to_string();
		if args.pallet.as_ref().is_some_and(|p| *p != pallet) {
			continue;
		}
		for bench in list.benchmarks {
			let name = String::from_utf8_lossy(&bench.name).to_string();
			if args.benchmark.as_ref().is_some_and(|b| *b != name) {
				continue;
			}
			let mut results: Vec<BenchmarkResult> = Vec::new();
			// One component at most in our benchmarks; sweep it, fixing the others at their max.
			let points: Vec<Vec<(frame_benchmarking::BenchmarkParameter, u32)>> =
				match bench.components.first() {
					None => vec![vec![]],
					Some((param, low, high)) => sweep(*low, *high, args.steps)
						.into_iter()
						.map(|v| vec![(*param, v)])
						.collect(),
				};
			for point in points {
				for _ in 0..args.repeat {
					let config = BenchmarkConfig {
						pallet: list.pallet.clone(),
						instance: list.instance.clone(),
						benchmark: bench.name.clone(),
						selected_components: point.clone(),
						// Each benchmark's checks run too: a setup that misses its worst case in
						// the runtime (but not in the mock) fails instead of measuring less.
						verify: true,
						internal_repeats: 1,
					};
					let out = call(
						&state,
						&executor,
						&code,
						"Benchmark_dispatch_benchmark",
						&config.encode(),
					)?;
					let batches = <Result<Vec<BenchmarkBatch>, String>>::decode(&mut &out[..])
						.map_err(|e| format!("decoding results: {e}"))??;
					results.extend(batches.into_iter().flat_map(|b| b.results));
				}
			}
			let time = Analysis::min_squares_iqr(&results, BenchmarkSelector::ExtrinsicTime)
				.map_err(|e| format!("{name}: {e}"))?;
			let reads = Analysis::min_squares_iqr(&results, BenchmarkSelector::Reads)
				.map_err(|e| format!("{name}: {e}"))?;
			let writes = Analysis::min_squares_iqr(&results, BenchmarkSelector::Writes)
				.map_err(|e| format!("{name}: {e}"))?;
			let proof = Analysis::min_squares_iqr(&results, BenchmarkSelector::ProofSize)
				.map_err(|e| format!("{name}: {e}"))?;
			let slopes = |a: &Analysis| {
				a.names
					.iter()
					.zip(a.slopes.iter())
					.map(|(n, s)| format!(" + {s}×{n}"))
					.collect::<String>()
			};
			if pallet == "pallet_credits" && name == "transfer" {
				report_block_capacity(&time, &reads, &writes);
			}
			if pallet == "pallet_inference" {
				inference.insert(name.clone(), [fit(&time), fit(&reads), fit(&writes)]);
			}
			println!(
				"{pallet}::{name}: ref_time {}{} ps ({:.1} µs base), reads {}{}, writes {}{}, proof {}{} bytes, {} samples",
				time.base,
				slopes(&time),
				time.base as f64 / 1e6,
				reads.base,
				slopes(&reads),
				writes.base,
				slopes(&writes),
				proof.base,
				slopes(&proof),
				results.len(),
			);
		}
	}
	if args.benchmark.is_none() && !inference.is_empty() {
		report_verification_cost(&inference)?;
	}
	Ok(())
}

/// A fitted `(base, slope)` of one selector (slope 0 without a component).
type Fit = (f64, f64);
/// Time, reads and writes of each benchmark of a pallet.
type Fits = std::collections::HashMap<String, [Fit; 3]>;

fn fit(a: &Analysis) -> Fit {
	(a.base as f64, a.slopes.first().map_or(0.0, |s| *s as f64))
}

/// The value of a fit at `component`.
fn at(f: &Fit, component: u32) -> f64 {
	f.0 + f.1 * component as f64
}

/// µs of a measured call at `component`, with its reads and writes priced as RocksDB accesses.
fn call_micros(m: &Fits, name: &str, component: u32) -> Result<f64, String> {
	use frame_support::weights::constants::RocksDbWeight;
	let [time, reads, writes] = m.get(name).ok_or_else(|| format!("benchmark {name} missing"))?;
	let db = RocksDbWeight::get();
	Ok((at(time, component)
		+ at(reads, component) * db.read as f64
		+ at(writes, component) * db.write as f64)
		/ 1e6)
}

/// The on-chain cost of verifying one job, from the weights measured in this run, as a share of
/// the job's inference cost: against a native run of the digits-shaped integer MLP measured now
/// (same process), and against registered reference costs.
fn report_verification_cost(m: &Fits) -> Result<(), String> {
	use declai_primitives::poi::{integer_forward, IntegerLayer};
	// Digits: 64 pixels → 32 → 10 logits (40 output bytes); a challenge opens layer 0 (32 × 65
	// weights) or layer 1 (10 × 33). MiniLM: a 384-float embedding (1,536 bytes).
	let request = call_micros(m, "request", 64)?.max(call_micros(m, "request_queued", 64)?);
	let commit = call_micros(m, "commit", 0)?;
	let reveal_digits = call_micros(m, "reveal", 40)?;
	let reveal_embed = call_micros(m, "reveal", 1_536)?;
	let respond = call_micros(m, "respond", 32 * 65)?;
	let prove = call_micros(m, "prove", 0)?;
	let audit = call_micros(m, "audit", 0)?;
	// Jobs are assigned by the block hook after their request's block (one assignment each).
	let assign =
		call_micros(m, "on_initialize_assign", 1)? - call_micros(m, "on_initialize_assign", 0)?;
	let request = request + assign;
	// Agreeing untrusted replicas are spot checked at 1 / TrustAfter (10%): every replica answers
	// a layer challenge (integer models) or the validators audit (float models).
	let spot = 0.10;
	let paths = [
		(
			"new worker, digits, k = 2 (replicated)",
			request + 2.0 * (commit + reveal_digits) + spot * 2.0 * respond,
		),
		// A sampled float result goes to the validators: 32 votes, each charged the worst case.
		(
			"new worker, MiniLM, k = 2 (replicated)",
			request + 2.0 * (commit + reveal_embed) + spot * 32.0 * audit,
		),
		(
			"trusted CV = 10, digits, challenged w.p. 10%",
			request + commit + reveal_digits + 0.10 * respond,
		),
		(
			"trusted CV = 100, digits, challenged w.p. 1%",
			request + commit + reveal_digits + 0.01 * respond,
		),
		(
			"trusted CV = 100, MiniLM, audited w.p. 1%",
			request + commit + reveal_embed + 0.01 * 32.0 * audit,
		),
		("zero-knowledge tier, Groth16 with 128 inputs", request + commit + reveal_digits + prove),
	];
	// Baseline measured now: the digits-shaped integer MLP run natively (what a CPU worker does).
	let layers = [
		IntegerLayer { inputs: 64, outputs: 32, shift: 7 },
		IntegerLayer { inputs: 32, outputs: 10, shift: 0 },
	];
	let rows: Vec<Vec<i32>> = (0..42u32)
		.map(|r| {
			(0..if r < 32 { 65 } else { 33 })
				.map(|c| ((r * 31 + c * 7) % 255) as i32 - 127)
				.collect()
		})
		.collect();
	let input: Vec<u8> = (0..64u8).map(|p| p % 17).collect();
	let runs = 20_000u32;
	let start = std::time::Instant::now();
	for _ in 0..runs {
		std::hint::black_box(
			integer_forward(&layers, &rows, std::hint::black_box(&input))
				.map_err(|e| format!("{e:?}"))?,
		);
	}
	let forward = start.elapsed().as_secs_f64() * 1e6 / runs as f64;
	println!("\n# Proof-of-Inference: on-chain verification cost per job (one validator executing the block)");
	println!("# calls (µs incl. DB at RocksDB weights, worst cases): request with its assignment {request:.0} (assignment {assign:.0}), commit {commit:.0}, reveal+settle digits {reveal_digits:.0} / MiniLM {reveal_embed:.0}, challenge answer (32×65) {respond:.0}, Groth16 proof {prove:.0}");
	println!("# baseline measured in this run: digits-shaped int MLP forward pass, native: {forward:.2} µs");
	println!(
		"{:<48} {:>10} {:>12} {:>9} {:>9} {:>9} {:>9} {:>9}",
		"path", "µs/job", "× digits fwd", "% 10 ms", "% 100 ms", "% 1 s", "% 10 s", "% 60 s"
	);
	for (name, micros) in paths {
		let pct = |job_seconds: f64| 100.0 * micros / (job_seconds * 1e6);
		println!(
			"{name:<48} {micros:>10.0} {:>12.0} {:>9.2} {:>9.2} {:>9.3} {:>9.4} {:>9.5}",
			micros / forward,
			pct(0.01),
			pct(0.1),
			pct(1.0),
			pct(10.0),
			pct(60.0),
		);
	}
	let worst = paths.iter().map(|(_, v)| *v).fold(0.0, f64::max);
	println!(
		"# ≤ 3% of the job's inference time for jobs of at least {:.2} s of reference GPU time (worst path above)",
		worst / 0.03 / 1e6
	);
	Ok(())
}
