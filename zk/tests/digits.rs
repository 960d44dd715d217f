//! The circuit of the project's digits model (64 → 32 → 10, `inference-offchain/models/`) on the
//! 1,797 digits of `inference-offchain/data/`: honest witnesses satisfy it, every tampering
//! makes it unsatisfiable, and a real Groth16 proof verifies for its statement only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use ark_bls12_381::Fr;
use ark_ff::{PrimeField, UniformRand};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use declai_primitives::poi::{integer_forward, IntegerLayer};
use declai_zk::{circuit::*, Model};
use proptest::prelude::*;

mod common;
use common::{digits, model};

fn salt() -> Fr {
	Fr::from(0x5eed_u64)
}

fn binding(job: u64) -> [u8; 31] {
	declai_primitives::poi::zk_binding(job, &[7u8; 32])
}

/// Whether `circuit`'s constraints hold (in the default proving mode, which keeps every
/// constraint to check). Building them never fails for the shapes the tests use: a failure is a
/// test error, not an unsatisfied circuit.
fn satisfied(circuit: ModelCircuit) -> bool {
	let cs = ConstraintSystem::<Fr>::new_ref();
	circuit.generate_constraints(cs.clone()).expect("the constraints build");
	cs.is_satisfied().unwrap()
}

#[test]
fn the_native_forward_pass_is_the_chains() {
	let m = model();
	assert_eq!(digits().len(), 1797);
	for input in digits() {
		let trace = integer_forward(&m.layers, &m.rows, input).unwrap();
		let ours = m.forward(input);
		for ((_, y), mine) in trace.iter().zip(&ours) {
			assert_eq!(y.iter().map(|v| i64::from(*v)).collect::<Vec<_>>(), *mine);
		}
		let honest = ModelCircuit::honest(m.clone(), salt(), input.clone(), binding(1));
		let output = ModelCircuit::output_of(m, input, &honest.hidden);
		assert_eq!(output, trace.last().unwrap().1);
	}
}

#[test]
fn honest_witnesses_satisfy_the_circuit_for_every_digit() {
	// Both cores, every other digit each (about 110 ms a digit on this machine's cores).
	let all = digits();
	let failing: Vec<usize> = std::thread::scope(|s| {
		let halves: Vec<_> = (0..2)
			.map(|t| {
				s.spawn(move || {
					all.iter()
						.enumerate()
						.filter(|(i, _)| i % 2 == t)
						.filter(|(i, input)| {
							let c = ModelCircuit::honest(
								model().clone(),
								salt(),
								input.to_vec(),
								binding(*i as u64),
							);
							!satisfied(c)
						})
						.map(|(i, _)| i)
						.collect::<Vec<_>>()
				})
			})
			.collect();
		halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
	});
	assert!(failing.is_empty(), "digits whose honest witness fails the constraints: {failing:?}");
}

/// One dishonest change to an honest witness of digit `digit`.
#[derive(Clone, Debug)]
enum Tampering {
	/// Hidden unit `unit` claims activation `value` (its bits say so) instead of its own.
	Activation { unit: usize, value: i64 },
	/// Hidden unit `unit`'s ReLU on the wrong side: its sign bit flipped.
	ReluSign { unit: usize },
	/// Bit `bit` of weight `weight` of row `row` flipped, used consistently, the commitment kept.
	Weight { row: usize, weight: usize, bit: u32 },
	/// The claimed output has two logits exchanged: another class.
	OutputClass { other: usize },
}

fn tampering() -> impl Strategy<Value = Tampering> {
	prop_oneof![
		(0usize..32, 0i64..=127).prop_map(|(unit, value)| Tampering::Activation { unit, value }),
		(0usize..32).prop_map(|unit| Tampering::ReluSign { unit }),
		(0usize..42, 0usize..64, 0u32..8).prop_map(|(row, weight, bit)| Tampering::Weight {
			row,
			weight,
			bit
		}),
		(0usize..10).prop_map(|other| Tampering::OutputClass { other }),
	]
}

/// The tampered circuit, or `None` when the change happens to change nothing.
fn tamper(digit: usize, t: &Tampering) -> Option<ModelCircuit> {
	let m = model().clone();
	let input = digits()[digit].clone();
	let honest = ModelCircuit::honest(m.clone(), salt(), input.clone(), binding(3));
	let shift = m.layers[0].shift;
	match *t {
		Tampering::Activation { unit, value } => {
			let own = activation_of(honest.hidden[0][unit], shift);
			if own == value {
				return None;
			}
			let mut hidden = honest.hidden.clone();
			hidden[0][unit] = ((value << shift) + (1 << 34)) as u64;
			assert_eq!(activation_of(hidden[0][unit], shift), value);
			Some(ModelCircuit::claiming(m, salt(), input, binding(3), hidden))
		}
		Tampering::ReluSign { unit } => {
			let mut hidden = honest.hidden.clone();
			hidden[0][unit] ^= 1 << 34;
			Some(ModelCircuit::claiming(m, salt(), input, binding(3), hidden))
		}
		Tampering::Weight { row, weight, bit } => {
			let layer_inputs = if row < 32 { 64 } else { 32 };
			if weight >= layer_inputs {
				return None;
			}
			let mut tampered = m.clone();
			let w = &mut tampered.rows[row][weight];
			*w = i32::from(((*w as i8 as u8 ^ 0x80) ^ (1 << bit)) as i8 ^ i8::MIN);
			let mut c = ModelCircuit::honest(tampered, salt(), input, binding(3));
			c.statement.commitment = honest.statement.commitment;
			Some(c)
		}
		Tampering::OutputClass { other } => {
			let out = ModelCircuit::output_of(&m, &input, &honest.hidden);
			let best = (0..10).max_by_key(|i| out[*i]).unwrap();
			if out[best] == out[other] {
				return None;
			}
			let mut claimed = out.clone();
			claimed.swap(best, other);
			let mut c = honest;
			c.statement.output_hash = declai_zk::hash_output(&claimed);
			Some(c)
		}
	}
}

#[test]
fn a_flipped_weight_bit_decodes_to_another_i8() {
	// The test's own bit flip: `w + 128` with one bit flipped, minus 128.
	for w in -128i32..=127 {
		for bit in 0..8 {
			let flipped = i32::from(((w as i8 as u8 ^ 0x80) ^ (1 << bit)) as i8 ^ i8::MIN);
			assert_ne!(flipped, w);
			assert_eq!((flipped - w).abs(), 1 << bit);
		}
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

	/// Every tampering of an honest witness, on any digit, leaves no satisfying assignment.
	#[test]
	fn every_tampering_is_unsatisfiable(digit in 0usize..1797, t in tampering()) {
		if let Some(circuit) = tamper(digit, &t) {
			prop_assert!(!satisfied(circuit), "tampering {:?} of digit {} satisfied", t, digit);
		}
	}
}

#[test]
fn a_proof_verifies_for_its_own_statement_only() {
	let mut rng = StdRng::seed_from_u64(42);
	let m = model();
	let (pk, vk) = setup(m, 64, &mut rng).unwrap();
	let pvk = prepare(&vk);
	let input = digits()[5].clone();
	let circuit = ModelCircuit::honest(m.clone(), Fr::rand(&mut rng), input, binding(9));
	let statement = circuit.statement;
	let proof = prove(&pk, circuit, &mut rng).unwrap();
	assert!(verify(&pvk, &statement, &proof));
	// Another job or worker, another commitment, input or output: refused.
	for other in [
		Statement { binding: Fr::from_le_bytes_mod_order(&binding(10)), ..statement },
		Statement { commitment: statement.commitment + Fr::from(1u64), ..statement },
		Statement { input_hash: declai_zk::hash_input::<Fr>(&digits()[6]), ..statement },
		Statement { output_hash: declai_zk::hash_output::<Fr>(&[0; 10]), ..statement },
	] {
		assert!(!verify(&pvk, &other, &proof));
	}
}

/// A small model whose hidden units reach every branch the digits never do: saturation at 127,
/// a large negative accumulator, the largest shift, a bias near the `i32` limit.
#[test]
fn saturation_and_negative_branches_are_constrained() {
	let layer = |inputs, outputs, shift| IntegerLayer { inputs, outputs, shift };
	// Hidden (shift 1): 255·127·2 = 64,770 saturates; −65,280 is negative; 255 − 200 = 55 gives 27.
	let model = Model::new(
		vec![layer(2, 3, 1), layer(3, 1, 0)],
		vec![vec![127, 127, 0], vec![-128, -128, 0], vec![0, 1, -200], vec![1, 1, 1, -5]],
	)
	.unwrap();
	let input = vec![255u8, 255];
	let honest = ModelCircuit::honest(model.clone(), salt(), input.clone(), binding(1));
	let ys = model.forward(&input);
	assert_eq!(ys[0], vec![64_770, -65_280, 55]);
	assert_eq!(ys[1], vec![127 + 27 - 5], "saturated, zero, 55 >> 1");
	assert!(satisfied(honest.clone()));
	// Each hidden unit claiming any other activation, its bits chosen to give it: refused.
	for unit in 0..3 {
		for value in [0i64, 1, 126, 127] {
			if activation_of(honest.hidden[0][unit], 1) == value {
				continue;
			}
			let mut hidden = honest.hidden.clone();
			hidden[0][unit] = ((value << 1) + (1 << 34)) as u64;
			let c =
				ModelCircuit::claiming(model.clone(), salt(), input.clone(), binding(1), hidden);
			assert!(!satisfied(c), "unit {unit} claiming {value}");
		}
	}
	// The largest shift with a bias near the limit: 2³⁰ >> 26 = 16.
	let wide =
		Model::new(vec![layer(1, 1, 26), layer(1, 1, 0)], vec![vec![0, 1 << 30], vec![1, 0]])
			.unwrap();
	let c = ModelCircuit::honest(wide.clone(), salt(), vec![9], binding(2));
	assert_eq!(ModelCircuit::output_of(&wide, &[9], &c.hidden), vec![16]);
	assert!(satisfied(c));
	// A model whose accumulators could leave `i32` is refused before any proof.
	assert_eq!(
		Model::new(vec![layer(1, 1, 0)], vec![vec![127, i32::MAX - 100]]),
		Err(declai_zk::WeightsError::Overflow)
	);
}
