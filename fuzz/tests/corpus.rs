//! The committed corpus replays clean (each file is an input that once reached behaviour no
//! earlier input had, or a crash found and fixed: a regression test), and the fuzzer's checks
//! can fail.

use declai_fuzz::{chain::Chain, run, Options, Stats};

#[test]
fn the_committed_corpus_replays_without_a_defect() {
	let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
	let mut files: Vec<_> = std::fs::read_dir(&dir)
		.expect("fuzz/corpus exists")
		.map(|e| e.expect("a directory entry").path())
		.collect();
	files.sort();
	assert!(files.len() >= 8, "the corpus holds {} inputs", files.len());
	let mut stats = Stats::default();
	for path in &files {
		let input = std::fs::read(path).expect("readable");
		if let Err(e) = run(&input, Options::default(), &mut stats) {
			panic!("{}: {e}", path.display());
		}
	}
	// The corpus reaches the protocol, not only refusals: jobs are requested, committed and
	// revealed, workers registered and benchmarks answered.
	for call in [
		"Inference::request",
		"Inference::commit",
		"Inference::reveal",
		"Workers::register",
		"Workers::answer_benchmark",
		"Credits::transfer",
		"sudo Credits::force_mint",
	] {
		assert!(stats.calls_ok.get(call).copied().unwrap_or(0) > 0, "no successful {call}");
	}
	assert!(stats.hostile > 0 && stats.hostile == stats.hostile_refused);
	assert!(stats.invariant_checks >= stats.blocks);
}

#[test]
fn a_broken_invariant_is_caught() {
	let mut chain = Chain::genesis().expect("genesis");
	chain.open_block(1).expect("block 1");
	chain.close_block().expect("closed");
	chain.check_invariants().expect("genesis holds");
	// Credits from nowhere: the issuance no longer equals the lots.
	chain.read(|| {
		pallet_credits::TotalIssuance::<declai_runtime::Runtime>::mutate(|i| *i += 1);
	});
	let err = chain.check_invariants().expect_err("caught");
	assert!(err.starts_with("credits invariant"), "{err}");
}
