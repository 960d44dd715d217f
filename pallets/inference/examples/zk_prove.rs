//! Proves the zero-knowledge fixture layer (`src/zk_bench_fixture.bin`) for one live job, as a
//! worker of that model would: `zk_prove <job> <worker account, SCALE hex>` prints the proof as
//! hex. The polkadot.js suite calls it to prove a job on a real node; the key is re-derived from
//! the fixture's seeded setup and checked against the committed verifying key.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../src/zk_layer.rs"]
mod zk_layer;

use codec::Decode;
use std::process::ExitCode;
use zk_layer::Layer;

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
	let text = text.strip_prefix("0x").unwrap_or(text);
	if !text.len().is_multiple_of(2) {
		return None;
	}
	(0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let (Some(job), Some(worker)) =
		(args.first().and_then(|j| j.parse().ok()), args.get(1).and_then(|w| unhex(w)))
	else {
		eprintln!("usage: zk_prove <job id> <worker account as SCALE hex>");
		return ExitCode::from(2);
	};
	type Fixture = (Vec<u8>, Vec<u8>, Vec<i32>, Vec<(Vec<u8>, Vec<u8>)>);
	let (key, input, output, _) =
		Fixture::decode(&mut &include_bytes!("../src/zk_bench_fixture.bin")[..]).unwrap();
	let (pk, derived) =
		zk_layer::setup(Layer::fixture(0, &[], &input, output.clone()), zk_layer::FIXTURE_SEED);
	if derived != key {
		eprintln!("the seeded setup no longer matches the committed fixture");
		return ExitCode::FAILURE;
	}
	let proof =
		zk_layer::prove(&pk, Layer::fixture(job, &worker, &input, output), zk_layer::FIXTURE_SEED);
	println!("0x{}", hex(&proof));
	ExitCode::SUCCESS
}
