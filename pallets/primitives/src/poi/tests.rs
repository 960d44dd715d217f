//! Proof-of-Inference formats: honest traces open, every tampering fails, float tolerance, medians, picks.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::type_complexity)]

use super::*;
use crate::verify::merkle_root;
use proptest::prelude::*;

/// A 3-layer toy model 6 → 4 → 3 → 2 with deterministic small weights.
fn toy() -> (Vec<IntegerLayer>, Vec<Vec<i32>>) {
	let layers = vec![
		IntegerLayer { inputs: 6, outputs: 4, shift: 3 },
		IntegerLayer { inputs: 4, outputs: 3, shift: 2 },
		IntegerLayer { inputs: 3, outputs: 2, shift: 0 },
	];
	let mut rows = Vec::new();
	let mut v = 7i32;
	for layer in &layers {
		for _ in 0..layer.outputs {
			let row = (0..=layer.inputs)
				.map(|_| {
					v = (v * 31 + 11) % 255;
					v - 127
				})
				.collect();
			rows.push(row);
		}
	}
	(layers, rows)
}

const INPUT: [u8; 6] = [3, 16, 0, 9, 12, 5];

fn ctx_parts(
	seed_byte: u8,
) -> (Vec<IntegerLayer>, Vec<Vec<i32>>, Trace, Hash, Hash, Vec<u8>, Hash) {
	let (layers, rows) = toy();
	let trace = integer_forward(&layers, &rows, &INPUT).unwrap();
	let output = encode_i32s(&trace.last().unwrap().1);
	let mut seed = [9u8; 32];
	seed[31] = seed_byte;
	(
		layers.clone(),
		rows.clone(),
		trace.clone(),
		weights_root(&rows),
		activation_root(&trace),
		output,
		seed,
	)
}

#[test]
fn forward_matches_a_hand_computation() {
	let layers = vec![
		IntegerLayer { inputs: 2, outputs: 2, shift: 1 },
		IntegerLayer { inputs: 2, outputs: 1, shift: 0 },
	];
	let rows = vec![vec![1, 2, 3], vec![-4, 1, 0], vec![5, -1, 2]];
	let trace = integer_forward(&layers, &rows, &[2, 5]).unwrap();
	// y0 = [2+10+3, -8+5] = [15, -3]; x1 = [15>>1, 0] = [7, 0]; y1 = 35 + 0 + 2.
	assert_eq!(trace, vec![(vec![2, 5], vec![15, -3]), (vec![7, 0], vec![37])]);
	assert_eq!(integer_forward(&layers, &rows, &[1]), Err(ModelError::BadInput));
	assert_eq!(integer_forward(&layers, &rows[..2], &[1, 2]), Err(ModelError::BadWeights));
	assert_eq!(check_layers(&[]), Err(ModelError::BadShape));
	assert_eq!(
		check_layers(&[layers[0], IntegerLayer { inputs: 3, outputs: 1, shift: 0 }]),
		Err(ModelError::BadShape)
	);
}

#[test]
fn honest_openings_pass_for_every_layer() {
	for seed_byte in 0..3u8 {
		let (layers, rows, trace, wroot, aroot, output, seed) = ctx_parts(seed_byte);
		let layer = challenged_layer(&seed, layers.len());
		assert_eq!(layer, seed_byte as usize);
		let opening = open_layer(&layers, &rows, &trace, layer).unwrap();
		let ctx = OpeningContext {
			layers: &layers,
			weights_root: &wroot,
			activation_root: &aroot,
			input: &INPUT,
			output: &output,
			seed: &seed,
		};
		assert_eq!(check_layer_opening(&ctx, &opening), Ok(true), "layer {layer}");
	}
}

#[test]
fn tampered_openings_fail() {
	for seed_byte in 0..3u8 {
		let (layers, rows, trace, wroot, aroot, output, seed) = ctx_parts(seed_byte);
		let layer = challenged_layer(&seed, layers.len());
		let honest = open_layer(&layers, &rows, &trace, layer).unwrap();
		let ctx = OpeningContext {
			layers: &layers,
			weights_root: &wroot,
			activation_root: &aroot,
			input: &INPUT,
			output: &output,
			seed: &seed,
		};
		let mut tampered = Vec::new();
		let mut o = honest.clone();
		o.output[0] += 1;
		tampered.push(("output", o));
		let mut o = honest.clone();
		o.input[0] += 1;
		tampered.push(("input", o));
		let mut o = honest.clone();
		o.rows[0][0] += 1;
		tampered.push(("weight row", o));
		let mut o = honest.clone();
		o.rows.pop();
		tampered.push(("missing row", o));
		let mut o = honest.clone();
		o.row_proofs.swap(0, 1);
		tampered.push(("swapped proofs", o));
		let mut o = honest.clone();
		o.result_proof.clear();
		tampered.push(("no result proof", o));
		let mut o = honest.clone();
		o.previous = None;
		if layer > 0 {
			tampered.push(("no previous", o));
		}
		for (what, opening) in tampered {
			assert_eq!(check_layer_opening(&ctx, &opening), Ok(false), "{what} on layer {layer}");
		}
	}
}

#[test]
fn consistent_but_wrong_trace_fails_freivalds() {
	// A cheater commits a trace whose last layer is wrong but self-consistent in the tree.
	let (layers, rows, mut trace, wroot, _, _, mut seed) = ctx_parts(2);
	trace[2].1[0] += 5;
	let aroot = activation_root(&trace);
	let output = encode_i32s(&trace[2].1);
	seed[31] = 2;
	let opening = open_layer(&layers, &rows, &trace, 2).unwrap();
	let ctx = OpeningContext {
		layers: &layers,
		weights_root: &wroot,
		activation_root: &aroot,
		input: &INPUT,
		output: &output,
		seed: &seed,
	};
	assert_eq!(check_layer_opening(&ctx, &opening), Ok(false));
	// The same cheat passes the earlier layers' checks: only the challenged layer reveals it.
	let mut seed0 = seed;
	seed0[31] = 0;
	let opening = open_layer(&layers, &rows, &trace, 0).unwrap();
	let ctx = OpeningContext { seed: &seed0, ..ctx };
	assert_eq!(check_layer_opening(&ctx, &opening), Ok(true));
}

#[test]
fn a_revealed_output_other_than_the_trace_fails_at_every_layer() {
	for seed_byte in 0..3u8 {
		let (layers, rows, trace, wroot, aroot, _, seed) = ctx_parts(seed_byte);
		let fake_output = encode_i32s(&[1, 2]);
		let layer = challenged_layer(&seed, layers.len());
		let opening = open_layer(&layers, &rows, &trace, layer).unwrap();
		let ctx = OpeningContext {
			layers: &layers,
			weights_root: &wroot,
			activation_root: &aroot,
			input: &INPUT,
			output: &fake_output,
			seed: &seed,
		};
		assert_eq!(check_layer_opening(&ctx, &opening), Ok(false), "layer {layer}");
	}
}

#[test]
fn commitments_bind_job_worker_output_salt_and_activation_root() {
	let (salt, root) = ([1u8; 32], [4u8; 32]);
	let c = output_commitment(7, &[1; 32], b"out", &salt, &root);
	assert_ne!(c, output_commitment(8, &[1; 32], b"out", &salt, &root));
	assert_ne!(c, output_commitment(7, &[2; 32], b"out", &salt, &root));
	assert_ne!(c, output_commitment(7, &[1; 32], b"ouT", &salt, &root));
	assert_ne!(c, output_commitment(7, &[1; 32], b"out", &[2u8; 32], &root));
	// The activation root is bound: a trace built after the commitment cannot be revealed.
	assert_ne!(c, output_commitment(7, &[1; 32], b"out", &salt, &[5u8; 32]));
	let a = Attestation {
		job: 1,
		model_root: [2; 32],
		input_hash: [3; 32],
		commit: c,
		timings: Timings { exec_micros: 5 },
	};
	let p = a.signing_payload();
	assert!(p.starts_with(Attestation::DOMAIN));
	assert_ne!(p, Attestation { job: 2, ..a }.signing_payload());
	assert_ne!(challenge_seed(&[0; 32], 1, &[1; 32]), challenge_seed(&[0; 32], 1, &[2; 32]));
}

#[test]
fn tolerance_on_float_bits() {
	let enc = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
	let a = enc(&[0.5, -0.25, 0.125, 1.0e-3]);
	assert!(within_tolerance(&a, &a, 0));
	assert!(within_tolerance(&a, &enc(&[0.50001, -0.25, 0.125, 1.0e-3]), 100));
	assert!(!within_tolerance(&a, &enc(&[0.5002, -0.25, 0.125, 1.0e-3]), 100));
	assert!(!within_tolerance(&a, &enc(&[0.5, -0.25, 0.125]), 1_000_000));
	assert!(!within_tolerance(&a, &enc(&[f32::NAN, -0.25, 0.125, 1.0e-3]), 1_000_000));
	assert_eq!(f32_bits_to_fixed(1.0f32.to_bits()), Some(1 << 40));
	assert_eq!(f32_bits_to_fixed((-2.5f32).to_bits()), Some(-(5 << 39)));
	assert_eq!(f32_bits_to_fixed(f32::MAX.to_bits()), Some(1 << 87));
	assert_eq!(f32_bits_to_fixed(f32::INFINITY.to_bits()), None);
}

#[test]
fn median_and_picks() {
	assert_eq!(weighted_median(&mut []), None);
	assert_eq!(weighted_median(&mut [(1, 0)]), None);
	assert_eq!(weighted_median(&mut [(0, 3), (100, 2)]), Some(0));
	assert_eq!(weighted_median(&mut [(0, 2), (100, 3)]), Some(100));
	// A heavy honest validator outweighs two light colluders.
	assert_eq!(weighted_median(&mut [(100, 10), (0, 2), (0, 3)]), Some(100));
	assert_eq!(weighted_pick(&[5; 32], &[0, 0]), None);
	assert_eq!(weighted_pick(&[5; 32], &[0, 7, 0]), Some(1));
	assert_eq!(audit_ppm(3, 10, 10_000), None);
	assert_eq!(audit_ppm(10, 10, 10_000), Some(100_000));
	assert_eq!(audit_ppm(1_000, 10, 10_000), Some(10_000));
}

#[test]
fn timing_windows_follow_the_class() {
	// 1e-6 GPU-hours on the reference = 3,600 µs; an RTX 3060 (0.17) needs ≈ 21,176 µs.
	let t_ref = GPU_HOUR / 1_000_000;
	assert_eq!(work_micros(t_ref), 3_600);
	assert_eq!(work_micros(t_compute(t_ref, HardwareClass::Rtx3060)), 21_176);
	assert!(timing_plausible(t_ref, HardwareClass::A100, 3_600, 250, 10, 0));
	assert!(!timing_plausible(t_ref, HardwareClass::A100, 899, 250, 10, 0));
	assert!(!timing_plausible(t_ref, HardwareClass::A100, 36_001, 250, 10, 0));
	assert!(timing_plausible(t_ref, HardwareClass::A100, 40_000, 250, 10, 5_000));
	// What is fast for a 3060 is forged for it but plausible for an H100.
	assert!(!timing_plausible(t_ref, HardwareClass::Rtx3060, 2_000, 250, 10, 0));
	assert!(timing_plausible(t_ref, HardwareClass::H100, 2_000, 250, 10, 0));
}

#[test]
fn decay_halves() {
	assert_eq!(decayed(1_000, 0, 10), 1_000);
	assert_eq!(decayed(1_000, 10, 10), 500);
	assert_eq!(decayed(1_000, 5, 10), 750);
	assert_eq!(decayed(1_000, 1_000_000, 10), 0);
	assert_eq!(decayed(1_000, 3, 0), 0);
}

proptest! {
	#[test]
	fn wrong_outputs_never_pass(delta in 1i32..1_000, which in 0usize..2, seed_byte in 0u8..3, salt in any::<[u8; 16]>()) {
		let (layers, rows, mut trace, wroot, _, _, _) = ctx_parts(seed_byte);
		let mut seed = [0u8; 32];
		seed[..16].copy_from_slice(&salt);
		seed[31] = seed_byte;
		let layer = challenged_layer(&seed, layers.len());
		// Corrupt the challenged layer's y in a committed trace.
		let y = &mut trace[layer].1;
		let i = which % y.len();
		y[i] = y[i].wrapping_add(delta);
		let aroot = activation_root(&trace);
		let output = encode_i32s(&trace.last().unwrap().1);
		let opening = open_layer(&layers, &rows, &trace, layer).unwrap();
		let ctx = OpeningContext { layers: &layers, weights_root: &wroot, activation_root: &aroot, input: &INPUT, output: &output, seed: &seed };
		prop_assert_eq!(check_layer_opening(&ctx, &opening), Ok(false));
	}

	#[test]
	fn picks_follow_weights(seed in any::<[u8; 32]>(), weights in proptest::collection::vec(0u64..1_000, 1..20)) {
		match weighted_pick(&seed, &weights) {
			Some(i) => prop_assert!(weights[i] > 0),
			None => prop_assert!(weights.iter().all(|w| *w == 0)),
		}
	}

	#[test]
	fn roots_differ_for_different_rows(a in proptest::collection::vec(any::<i32>(), 1..8), b in proptest::collection::vec(any::<i32>(), 1..8)) {
		prop_assume!(a != b);
		prop_assert_ne!(merkle_root(&[weight_leaf(&a)]), merkle_root(&[weight_leaf(&b)]));
	}
}

/// The benchmark product written with plain indices, for comparison with `benchmark_reference`.
fn benchmark_by_index(seed: &Hash, n: usize, rounds: u32) -> Hash {
	let (mut x, b) = benchmark_matrices(seed, n as u32);
	for _ in 0..rounds.max(1) {
		let mut y = vec![0i32; n * n];
		for i in 0..n {
			for j in 0..n {
				let mut s = 0i32;
				for k in 0..n {
					s += x[i * n + k] * b[k * n + j];
				}
				y[i * n + j] = s & 15;
			}
		}
		x = y;
	}
	blake2_256(&encode_i32s(&x))
}

#[test]
fn benchmark_matrices_are_small_signed_values_from_the_seed() {
	let (a, b) = benchmark_matrices(&[3; 32], 9);
	assert_eq!((a.len(), b.len()), (81, 81));
	assert!(a.iter().chain(&b).all(|v| (-8..=7).contains(v)));
	assert!(a.iter().any(|v| *v < 0) && a.iter().any(|v| *v > 0));
	assert_ne!(a, b);
	assert_ne!(benchmark_matrices(&[4; 32], 9).0, a);
}

#[test]
fn benchmark_reference_is_the_plain_matrix_chain() {
	for (seed, n, rounds) in [([1u8; 32], 1, 1), ([2; 32], 5, 3), ([9; 32], 17, 4), ([0; 32], 8, 0)]
	{
		assert_eq!(
			benchmark_reference(&seed, n as u32, rounds),
			benchmark_by_index(&seed, n, rounds)
		);
	}
	assert_ne!(benchmark_reference(&[1; 32], 16, 2), benchmark_reference(&[1; 32], 16, 3));
	assert_ne!(benchmark_reference(&[1; 32], 16, 2), benchmark_reference(&[2; 32], 16, 2));
}

#[test]
fn benchmark_rounds_scale_with_throughput() {
	assert_eq!(benchmark_rounds(1000, HardwareClass::A100), 1000);
	assert_eq!(benchmark_rounds(1000, HardwareClass::H100), 2093);
	assert_eq!(benchmark_rounds(1000, HardwareClass::Cpu), 597);
	assert_eq!(benchmark_rounds(1, HardwareClass::Rtx3060), 1, "at least one round");
}

#[test]
fn benchmark_seeds_and_payloads_bind_every_field() {
	let s = benchmark_seed(&[1; 32], &[2; 32], 7);
	assert_ne!(s, benchmark_seed(&[1; 32], &[2; 32], 8));
	assert_ne!(s, benchmark_seed(&[1; 32], &[3; 32], 7));
	assert_ne!(s, benchmark_seed(&[0; 32], &[2; 32], 7));
	let p = benchmark_answer_payload(7, &s, &[5; 32], 1_000);
	assert!(p.starts_with(BENCHMARK_ANSWER_DOMAIN));
	assert_ne!(p, benchmark_answer_payload(7, &s, &[5; 32], 1_001));
	assert_ne!(p, benchmark_answer_payload(6, &s, &[5; 32], 1_000));
}
