//! Figures of the digits circuit (a benchmark, not a test): constraints, setup and proving time
//! on this machine's cores, key and proof sizes, verification time, and the prover's overhead as
//! a ratio to the plain integer forward pass of the same image, each the median of `--runs`.
//!
//! `cargo run --release -p declai-zk --features circuit --example zk-bench -- [--runs N]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use ark_bls12_381::Fr;
use ark_ff::UniformRand;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_serialize::CanonicalSerialize;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use declai_zk::circuit::*;
use std::time::Instant;

#[path = "../tests/common/mod.rs"]
mod common;

fn median(mut v: Vec<f64>) -> f64 {
	v.sort_by(|a, b| a.total_cmp(b));
	v[v.len() / 2]
}

fn main() {
	let runs: usize = std::env::args()
		.skip_while(|a| a != "--runs")
		.nth(1)
		.map_or(5, |v| v.parse().expect("--runs N"));
	let model = common::model().clone();
	// A digit-like input (pixels 0..=16).
	let input: Vec<u8> = (0..64u32).map(|i| ((i * 7 + 3) % 17) as u8).collect();
	let mut rng = StdRng::seed_from_u64(1);
	let salt = Fr::rand(&mut rng);
	let circuit = || ModelCircuit::honest(model.clone(), salt, input.clone(), [5; 31]);

	let cs = ConstraintSystem::<Fr>::new_ref();
	circuit().generate_constraints(cs.clone()).unwrap();
	cs.finalize();
	assert!(cs.is_satisfied().unwrap());
	println!(
		"constraints: {} ({} witness variables, {} public inputs)",
		cs.num_constraints(),
		cs.num_witness_variables(),
		cs.num_instance_variables() - 1
	);

	let t = Instant::now();
	let (pk, vk) = setup(&model, input.len(), &mut rng).unwrap();
	println!("setup: {:.2} s", t.elapsed().as_secs_f64());
	let pvk = prepare(&vk);
	let (mut pk_c, mut pk_u, mut vk_u, mut proof_u) =
		(Vec::new(), Vec::new(), Vec::new(), Vec::new());
	pk.serialize_compressed(&mut pk_c).unwrap();
	pk.serialize_uncompressed(&mut pk_u).unwrap();
	vk.serialize_uncompressed(&mut vk_u).unwrap();

	let mut prove_s = Vec::new();
	let mut verify_s = Vec::new();
	for _ in 0..runs {
		let c = circuit();
		let statement = c.statement;
		let t = Instant::now();
		let proof = prove(&pk, c, &mut rng).unwrap();
		prove_s.push(t.elapsed().as_secs_f64());
		proof_u.clear();
		proof.serialize_uncompressed(&mut proof_u).unwrap();
		let t = Instant::now();
		assert!(verify(&pvk, &statement, &proof));
		verify_s.push(t.elapsed().as_secs_f64());
	}
	// The plain forward pass, many times for a measurable median.
	let mut forward_s = Vec::new();
	for _ in 0..runs {
		let t = Instant::now();
		for _ in 0..1000 {
			std::hint::black_box(model.forward(std::hint::black_box(&input)));
		}
		forward_s.push(t.elapsed().as_secs_f64() / 1000.0);
	}
	// What the runtime adds to a `prove` of the hidden system: the public inputs (the Poseidon
	// parameters, the input and output hashes), here natively (the runtime runs them in wasm).
	let mut hashes = Vec::new();
	// The digits job (64 B in, 10 outputs) and the largest a hidden-weights model may have
	// (`pallet_inference::MAX_HIDDEN_INPUT` and `MAX_HIDDEN_OUTPUT`: 1,024 B in, 64 outputs).
	for (len, outputs) in [(64usize, 10i32), (1024, 64)] {
		let bytes = vec![7u8; len];
		let output: Vec<i32> = (0..outputs).collect();
		let mut times = Vec::new();
		for _ in 0..runs.max(5) {
			let t = Instant::now();
			std::hint::black_box(declai_zk::public_inputs::<Fr>(&[5; 31], salt, &bytes, &output));
			times.push(t.elapsed().as_secs_f64());
		}
		hashes.push((len, outputs, median(times)));
	}
	let (p, v, f) = (median(prove_s), median(verify_s), median(forward_s));
	for (len, outputs, t) in hashes {
		println!(
			"public inputs (Poseidon parameters and hashes, native): {len} B in, {outputs} outputs: {:.2} ms",
			t * 1e3
		);
	}
	println!("threads: {}", std::thread::available_parallelism().map_or(1, |n| n.get()));
	println!("prove: {:.3} s (median of {runs})", p);
	println!("verify (native, prepared key): {:.2} ms", v * 1e3);
	println!("forward pass (integer, native): {:.2} µs", f * 1e6);
	println!("prover overhead: {:.0}× the forward pass (EZKL publishes 10³–10⁴×)", p / f);
	println!("proving key: {} B compressed, {} B uncompressed", pk_c.len(), pk_u.len());
	println!("verifying key: {} B uncompressed (4 public inputs)", vk_u.len());
	println!("proof: {} B uncompressed", proof_u.len());
}
