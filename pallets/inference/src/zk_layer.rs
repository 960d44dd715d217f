//! A Groth16 circuit of one integer layer `y = W·x + b` with public weights (proof system
//! `Groth16Open`), with the public inputs the runtime verifies against ([`poi::zk_binding`],
//! then [`poi::zk_public_inputs`]). Shared by the tests and the benchmark fixture
//! (`zk_bench_fixture.bin`). Native only (arkworks with `std`).

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use ark_bls12_381::{Bls12_381, Fr};
use ark_ff::{Field, PrimeField};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use declai_primitives::poi::{self, JobId};

/// `y = W·x + b` for one job and one worker: the binding, `x` and `y` public.
#[derive(Clone)]
pub struct Layer {
	pub w: Vec<Vec<i64>>,
	pub b: Vec<i64>,
	pub binding: [u8; 31],
	pub input: Vec<u8>,
	pub output: Vec<i32>,
}

/// A signed integer in the scalar field (`-v ↦ r − v`), as the runtime maps it.
pub fn fr(v: i64) -> Fr {
	let m = Fr::from(v.unsigned_abs());
	if v < 0 {
		-m
	} else {
		m
	}
}

impl Layer {
	/// `W·input + b`, the honest output.
	pub fn forward(w: &[Vec<i64>], b: &[i64], input: &[u8]) -> Vec<i32> {
		w.iter()
			.zip(b)
			.map(|(row, b)| {
				(row.iter().zip(input).map(|(w, x)| w * i64::from(*x)).sum::<i64>() + b) as i32
			})
			.collect()
	}

	/// The benchmark fixture's layer: 10 outputs over 117 input bytes, so that with the binding
	/// it has 128 public inputs (the runtime's `MaxZkPublicInputs`).
	pub fn fixture_weights() -> (Vec<Vec<i64>>, Vec<i64>, Vec<u8>) {
		let (rows, cols) = (10usize, 117usize);
		let w = (0..rows)
			.map(|r| (0..cols).map(|c| ((r * 31 + c * 7) % 255) as i64 - 127).collect())
			.collect();
		let b = (0..rows).map(|r| r as i64 * 3 - 5).collect();
		let input = (0..cols).map(|c| (c % 17) as u8).collect();
		(w, b, input)
	}

	/// The fixture layer proving `output` for `input`, bound to `job` and `worker` (SCALE).
	pub fn fixture(job: JobId, worker: &[u8], input: &[u8], output: Vec<i32>) -> Self {
		let (w, b, _) = Self::fixture_weights();
		Layer { w, b, binding: poi::zk_binding(job, worker), input: input.to_vec(), output }
	}
}

impl ConstraintSynthesizer<Fr> for Layer {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		// The binding is constrained (`binding² = s`, `s` a witness), not only declared: a
		// proof is then valid for exactly one binding value.
		let binding_value = Fr::from_le_bytes_mod_order(&self.binding);
		let binding = cs.new_input_variable(|| Ok(binding_value))?;
		let square = cs.new_witness_variable(|| Ok(binding_value.square()))?;
		cs.enforce_r1cs_constraint(
			|| LinearCombination(vec![(Fr::ONE, binding)]),
			|| LinearCombination(vec![(Fr::ONE, binding)]),
			|| LinearCombination(vec![(Fr::ONE, square)]),
		)?;
		let xs = self
			.input
			.iter()
			.map(|b| cs.new_input_variable(|| Ok(Fr::from(u64::from(*b)))))
			.collect::<Result<Vec<_>, _>>()?;
		let ys = self
			.output
			.iter()
			.map(|y| cs.new_input_variable(|| Ok(fr(i64::from(*y)))))
			.collect::<Result<Vec<_>, _>>()?;
		for (i, row) in self.w.iter().enumerate() {
			let mut terms: Vec<(Fr, Variable)> =
				row.iter().zip(&xs).map(|(w, x)| (fr(*w), *x)).collect();
			terms.push((fr(self.b[i]), Variable::One));
			cs.enforce_r1cs_constraint(
				|| LinearCombination(terms),
				|| LinearCombination(vec![(Fr::ONE, Variable::One)]),
				|| LinearCombination(vec![(Fr::ONE, ys[i])]),
			)?;
		}
		Ok(())
	}
}

/// A deterministic circuit-specific setup (seeded: the same key every time); returns the proving
/// key and the verifying key, arkworks-serialized uncompressed as the runtime reads it.
pub fn setup(circuit: Layer, seed: u64) -> (ProvingKey<Bls12_381>, Vec<u8>) {
	let mut rng = StdRng::seed_from_u64(seed);
	let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit, &mut rng).unwrap();
	let mut key = Vec::new();
	vk.serialize_uncompressed(&mut key).unwrap();
	(pk, key)
}

/// A proof of `circuit`, serialized uncompressed. The proving randomness is seeded, so proofs are
/// reproducible: harmless here, where every value of the circuit is public, but a circuit with a
/// secret witness must be proven with fresh OS randomness, or the proofs leak it.
pub fn prove(pk: &ProvingKey<Bls12_381>, circuit: Layer, seed: u64) -> Vec<u8> {
	let mut rng = StdRng::seed_from_u64(seed);
	let proof = Groth16::<Bls12_381>::prove(pk, circuit, &mut rng).unwrap();
	let mut bytes = Vec::new();
	proof.serialize_uncompressed(&mut bytes).unwrap();
	bytes
}

/// The seed of the fixture layer's setup.
pub const FIXTURE_SEED: u64 = 11;
/// The job id the `prove` benchmark gives its job, which the fixture's proofs are bound to.
pub const FIXTURE_JOB: JobId = 7;
