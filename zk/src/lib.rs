//! # DeCLAI zero-knowledge tier
//!
//! A worker proves with Groth16 (BLS12-381) that an integer MLP — the chain's integer semantics:
//! `y = b + W·x` in exact integers, `x' = min(max(y, 0) >> shift, 127)` between layers, the last
//! layer's `y` as the output — maps a job's input to its output, **without revealing the
//! weights**. The proof has four public inputs, in this order:
//!
//! 1. the job binding ([`declai_primitives::poi::zk_binding`]: the job and the worker);
//! 2. the model's weight commitment ([`commit_weights`]: a Poseidon hash of a secret salt and the
//!    packed weights, registered with the model);
//! 3. the hash of the input bytes ([`hash_input`]);
//! 4. the hash of the output ([`hash_output`]).
//!
//! The verifier computes 3 and 4 from the job's input and the revealed output, takes 2 from the
//! model record, and 1 from the job and the worker, so a proof verifies for one job, one worker,
//! one input, one output and one set of weights only; the weights stay a private witness. The
//! runtime's `pallet-inference` computes them with [`public_inputs`] for models of proof system
//! `Groth16Hidden`.
//!
//! This part is `no_std`, so that the runtime can compute the hashes; the circuit itself is in
//! [`circuit`] (feature `circuit`).
//!
//! ## Hashes
//! Poseidon over the scalar field, width 9 (rate 8, capacity 1), `x⁵` S-box, 8 full and 64 partial
//! rounds: the Poseidon paper's rounds for 128-bit security over a ~255-bit field at this width
//! (63 partial rounds, as circomlib uses for width 9 over BN254), plus one; round constants and
//! MDS matrix from its Grain LFSR ([`poseidon_config`]). Width 9 and not 3: each permutation costs
//! about 400 constraints and absorbs 8 elements instead of about 250 for 2, and the weight
//! commitment absorbs 84 elements (the circuit went from 36,351 constraints to fewer than 2¹⁵,
//! which halves the prover's FFT domain). Every hash absorbs a
//! domain tag and a length first. Bytes are packed 31 to a field element, little-endian, so each
//! packed value is below 2²⁴⁸ and the packing is injective; the circuit checks every byte with
//! its bits, so a prover cannot pick other values that pack the same.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "circuit")]
pub mod circuit;

use alloc::vec::Vec;
use ark_crypto_primitives::sponge::{
	poseidon::{find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge},
	Absorb, CryptographicSponge,
};
use ark_ff::{BigInteger, PrimeField};
use declai_primitives::poi::{IntegerLayer, ACTIVATION_MAX};

/// Poseidon rounds with a full S-box layer.
pub const FULL_ROUNDS: usize = 8;
/// Poseidon rounds with one S-box.
pub const PARTIAL_ROUNDS: usize = 64;
/// Field elements absorbed per permutation.
pub const RATE: usize = 8;
/// Bytes packed into one field element.
pub const BYTES_PER_ELEMENT: usize = 31;

/// Domain tag of [`hash_input`].
pub const TAG_INPUT: u64 = 1;
/// Domain tag of [`hash_output`].
pub const TAG_OUTPUT: u64 = 2;
/// Domain tag of [`commit_weights`].
pub const TAG_WEIGHTS: u64 = 3;

/// The Poseidon parameters of every hash here (see the crate docs). Over BLS12-381's scalar
/// field they are read from [`BLS12_381_CONSTANTS`] (the Grain LFSR takes longer than the
/// hashes of a job: about 7 ms natively, more in the runtime's wasm); over another field they
/// are generated.
pub fn poseidon_config<F: PrimeField>() -> PoseidonConfig<F> {
	let (ark, mds) = committed_constants::<F>().unwrap_or_else(generate_constants::<F>);
	PoseidonConfig::new(FULL_ROUNDS, PARTIAL_ROUNDS, 5, mds, ark, RATE, 1)
}

/// Round constants (one row of `RATE + 1` per round) and the MDS matrix.
type Constants<F> = (Vec<Vec<F>>, Vec<Vec<F>>);

/// The constants from the Grain LFSR (the Poseidon paper's generation).
pub fn generate_constants<F: PrimeField>() -> Constants<F> {
	find_poseidon_ark_and_mds::<F>(
		u64::from(F::MODULUS_BIT_SIZE),
		RATE,
		FULL_ROUNDS as u64,
		PARTIAL_ROUNDS as u64,
		0,
	)
}

/// [`generate_constants`] over BLS12-381's scalar field, 32 bytes little-endian each: the
/// field modulus, then the round constants round by round, then the MDS matrix row by row.
/// A test checks they are what the generation gives.
pub const BLS12_381_CONSTANTS: &[u8] = include_bytes!("poseidon_bls12_381.bin");

/// Elements of `RATE + 1` values.
const WIDTH: usize = RATE + 1;

/// [`BLS12_381_CONSTANTS`] as elements of `F`, if `F` is BLS12-381's scalar field.
fn committed_constants<F: PrimeField>() -> Option<Constants<F>> {
	let mut chunks = BLS12_381_CONSTANTS.chunks_exact(32);
	let modulus = chunks.next()?;
	if F::MODULUS.to_bytes_le().as_slice() != modulus {
		return None;
	}
	let values: Vec<F> = chunks.map(F::from_le_bytes_mod_order).collect();
	let rounds = FULL_ROUNDS.saturating_add(PARTIAL_ROUNDS);
	if values.len() != rounds.saturating_add(WIDTH).saturating_mul(WIDTH) {
		return None;
	}
	let mut rows = values.chunks_exact(WIDTH).map(<[F]>::to_vec);
	let ark: Vec<Vec<F>> = rows.by_ref().take(rounds).collect();
	let mds: Vec<Vec<F>> = rows.collect();
	Some((ark, mds))
}

/// A signed integer in the field (`-v ↦ p − v`), as the verifier maps public integers.
pub fn signed<F: PrimeField>(v: i64) -> F {
	let m = F::from(v.unsigned_abs());
	if v < 0 {
		// Negation in a prime field: no overflow.
		#[allow(clippy::arithmetic_side_effects)]
		let negated = -m;
		negated
	} else {
		m
	}
}

/// `bytes`, 31 to an element, little-endian (the last element holds what is left).
pub fn pack_bytes<F: PrimeField>(bytes: &[u8]) -> Vec<F> {
	bytes.chunks(BYTES_PER_ELEMENT).map(F::from_le_bytes_mod_order).collect()
}

/// Poseidon of `tag`, then `len` (the length of what `elements` encode: bytes for packed bytes,
/// so that byte strings differing only in trailing zeros hash apart), then the elements.
fn hash_tagged<F: PrimeField + Absorb>(tag: u64, len: usize, elements: &[F]) -> F {
	hash_with(&poseidon_config::<F>(), tag, len, elements)
}

/// [`hash_tagged`] with parameters made already (making them costs more than a short hash).
fn hash_with<F: PrimeField + Absorb>(
	config: &PoseidonConfig<F>,
	tag: u64,
	len: usize,
	elements: &[F],
) -> F {
	let mut sponge = PoseidonSponge::new(config);
	let mut all = Vec::with_capacity(elements.len().saturating_add(2));
	all.push(F::from(tag));
	all.push(F::from(len as u64));
	all.extend_from_slice(elements);
	sponge.absorb(&all);
	sponge.squeeze_field_elements::<F>(1).into_iter().next().unwrap_or_default()
}

/// The public hash of a job's input: its bytes, packed.
pub fn hash_input<F: PrimeField + Absorb>(input: &[u8]) -> F {
	hash_tagged(TAG_INPUT, input.len(), &pack_bytes::<F>(input))
}

/// The public hash of a job's output: each `i32` as a signed field element.
pub fn hash_output<F: PrimeField + Absorb>(output: &[i32]) -> F {
	let elements: Vec<F> = output.iter().map(|v| signed(i64::from(*v))).collect();
	hash_tagged(TAG_OUTPUT, elements.len(), &elements)
}

/// The four public inputs of a proof, in the verifier's order: the job binding (31 bytes,
/// little-endian, below 2²⁴⁸ so never reduced), the weight commitment, [`hash_input`] of
/// `input` and [`hash_output`] of `output` (one set of Poseidon parameters for both hashes).
pub fn public_inputs<F: PrimeField + Absorb>(
	binding: &[u8; 31],
	commitment: F,
	input: &[u8],
	output: &[i32],
) -> [F; 4] {
	let config = poseidon_config::<F>();
	let outputs: Vec<F> = output.iter().map(|v| signed(i64::from(*v))).collect();
	[
		F::from_le_bytes_mod_order(binding),
		commitment,
		hash_with(&config, TAG_INPUT, input.len(), &pack_bytes::<F>(input)),
		hash_with(&config, TAG_OUTPUT, outputs.len(), &outputs),
	]
}

/// Why a model's weights cannot be proven with this circuit.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum WeightsError {
	/// The layer shapes and the rows do not match (or the layers do not chain).
	Shape,
	/// A weight outside `i8` (the circuit checks each weight with 8 bits).
	WeightRange,
	/// A layer too wide (2¹⁸ inputs or more: its accumulators could leave the 35 bits the
	/// circuit decomposes them into) or a shift above 26 (the requantized bits must fit below
	/// the sign bit).
	Size,
	/// Some input could drive an accumulator out of `i32`: the chain's forward pass refuses
	/// such an output (checked `i32` arithmetic) while the circuit computes exact integers, so
	/// the two would disagree. Refused for every model where a bound on the weights, biases
	/// and inputs allows it.
	Overflow,
}

/// Most inputs of one layer (exclusive).
pub const MAX_LAYER_INPUTS: u32 = 1 << 18;
/// Largest requantization shift.
pub const MAX_SHIFT: u8 = 26;

/// An integer MLP's parameters in the chain's layout ([`declai_primitives::poi::integer_forward`]):
/// one row per output, its weights then its bias.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Model {
	/// The layers, in order.
	pub layers: Vec<IntegerLayer>,
	/// Every layer's rows, in order: `inputs` weights (each in `i8`) and a bias.
	pub rows: Vec<Vec<i32>>,
}

impl Model {
	/// Checks the shapes and the weight range.
	pub fn new(layers: Vec<IntegerLayer>, rows: Vec<Vec<i32>>) -> Result<Self, WeightsError> {
		let expected: usize = layers.iter().map(|l| l.outputs as usize).sum();
		let chained = layers.windows(2).all(|w| matches!(w, [a, b] if a.outputs == b.inputs));
		if layers.is_empty() || !chained || rows.len() != expected {
			return Err(WeightsError::Shape);
		}
		if layers.iter().any(|l| l.inputs >= MAX_LAYER_INPUTS || l.shift > MAX_SHIFT) {
			return Err(WeightsError::Size);
		}
		let mut at = 0usize;
		for (l, layer) in layers.iter().enumerate() {
			// Inputs are bytes (up to 255) into the first layer, activations (up to 127) after.
			let largest_input: u64 = if l == 0 { 255 } else { ACTIVATION_MAX as u64 };
			for _ in 0..layer.outputs {
				let row = rows.get(at).ok_or(WeightsError::Shape)?;
				if row.len() != (layer.inputs as usize).saturating_add(1) {
					return Err(WeightsError::Shape);
				}
				let weights = row.split_last().map_or(&[][..], |(_, w)| w);
				if weights.iter().any(|w| i8::try_from(*w).is_err()) {
					return Err(WeightsError::WeightRange);
				}
				// `|y| ≤ |b| + Σ|w|·x` for every partial sum, in any order.
				let bias = row.last().map_or(0, |b| u64::from(b.unsigned_abs()));
				let reach = weights.iter().fold(bias, |acc, w| {
					acc.saturating_add(u64::from(w.unsigned_abs()).saturating_mul(largest_input))
				});
				if reach > i32::MAX as u64 {
					return Err(WeightsError::Overflow);
				}
				at = at.saturating_add(1);
			}
		}
		Ok(Model { layers, rows })
	}

	/// The parameters as committed: every weight as one byte (`w + 128`), every bias as four
	/// (`b + 2³¹`, little-endian), row by row.
	pub fn weight_bytes(&self) -> Vec<u8> {
		let mut bytes = Vec::new();
		for row in &self.rows {
			if let Some((bias, weights)) = row.split_last() {
				// `Model::new` checked every weight is an `i8`: `w + 128` is a byte.
				bytes.extend(weights.iter().map(|w| (*w as i8 as u8) ^ 0x80));
				// `b + 2³¹` as a `u32`: the sign bit flipped.
				bytes.extend(((*bias as u32) ^ 0x8000_0000).to_le_bytes());
			}
		}
		bytes
	}

	/// The rows of each layer.
	pub fn layer_rows(&self) -> Vec<&[Vec<i32>]> {
		let mut rest = self.rows.as_slice();
		self.layers
			.iter()
			.map(|l| {
				// `Model::new` checked the rows match the layers.
				let (mine, others) =
					rest.split_at_checked(l.outputs as usize).unwrap_or((rest, &[]));
				rest = others;
				mine
			})
			.collect()
	}

	/// Every layer's accumulators `y` for `input` in exact integers (`i64`, which no layer of `i8`
	/// weights over `u8` inputs can overflow); the last is the output.
	pub fn forward(&self, input: &[u8]) -> Vec<Vec<i64>> {
		let mut x: Vec<i64> = input.iter().map(|b| i64::from(*b)).collect();
		let mut out = Vec::with_capacity(self.layers.len());
		for (layer, rows) in self.layers.iter().zip(self.layer_rows()) {
			let y: Vec<i64> = rows
				.iter()
				.map(|row| {
					let (bias, weights) = row.split_last().unwrap_or((&0, &[]));
					weights
						.iter()
						.zip(&x)
						// At most 2³¹ + n·2⁸·2³¹: far inside `i64` for any layer the chain accepts.
						.fold(i64::from(*bias), |acc, (w, v)| {
							acc.saturating_add(i64::from(*w).saturating_mul(*v))
						})
				})
				.collect();
			x = y.iter().map(|v| requantize(*v, layer.shift)).collect();
			out.push(y);
		}
		out
	}
}

/// `min(max(y, 0) >> shift, 127)`, as the chain requantizes between layers.
pub fn requantize(y: i64, shift: u8) -> i64 {
	(y.max(0) >> shift).min(i64::from(ACTIVATION_MAX))
}

/// The weight commitment registered with a model: Poseidon of `salt` and the packed
/// [`Model::weight_bytes`]. The salt (secret, random) makes it hiding: without it, nobody can
/// test a guess of the weights against the commitment.
pub fn commit_weights<F: PrimeField + Absorb>(salt: F, model: &Model) -> F {
	let bytes = model.weight_bytes();
	let mut elements = Vec::new();
	elements.push(salt);
	elements.extend(pack_bytes::<F>(&bytes));
	hash_tagged(TAG_WEIGHTS, bytes.len(), &elements)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use ark_bls12_381::Fr;

	fn layer(inputs: u32, outputs: u32, shift: u8) -> IntegerLayer {
		IntegerLayer { inputs, outputs, shift }
	}

	#[test]
	fn models_outside_the_circuit_are_refused_by_name() {
		let rows = vec![vec![1, 2, 3], vec![4, 5, 6]];
		assert!(Model::new(vec![layer(2, 2, 0)], rows.clone()).is_ok());
		assert_eq!(Model::new(vec![], vec![]), Err(WeightsError::Shape));
		assert_eq!(Model::new(vec![layer(3, 2, 0)], rows.clone()), Err(WeightsError::Shape));
		assert_eq!(
			Model::new(vec![layer(2, 2, 0), layer(3, 1, 0)], rows.clone()),
			Err(WeightsError::Shape)
		);
		assert_eq!(
			Model::new(vec![layer(2, 2, 0)], vec![vec![128, 0, 0], vec![0, 0, 0]]),
			Err(WeightsError::WeightRange)
		);
		assert_eq!(Model::new(vec![layer(2, 2, 27)], rows.clone()), Err(WeightsError::Size));
		// A bias may be any `i32` that no input can push out of it.
		let limits = vec![vec![0, 0, i32::MIN + 1], vec![0, 0, i32::MAX]];
		assert!(Model::new(vec![layer(2, 2, 0)], limits).is_ok());
		let over = vec![vec![1, 0, i32::MAX], vec![0, 0, 0]];
		assert_eq!(Model::new(vec![layer(2, 2, 0)], over), Err(WeightsError::Overflow));
		let under = vec![vec![0, 0, i32::MIN], vec![0, 0, 0]];
		assert_eq!(Model::new(vec![layer(2, 2, 0)], under), Err(WeightsError::Overflow));
	}

	#[test]
	fn weights_are_committed_as_offset_bytes() {
		let m = Model::new(vec![layer(2, 1, 0)], vec![vec![-128, 127, -1]]).unwrap();
		assert_eq!(m.weight_bytes(), vec![0, 255, 0xff, 0xff, 0xff, 0x7f]);
		// The bias at the lowest this weight allows: 2³¹ − 256 + 255 = i32::MAX at most.
		let m = Model::new(vec![layer(2, 1, 0)], vec![vec![0, -1, i32::MIN + 256]]).unwrap();
		assert_eq!(m.weight_bytes(), vec![128, 127, 0, 1, 0, 0]);
	}

	#[test]
	fn the_forward_pass_requantizes_between_layers_only() {
		// 2 → 2 (shift 1) → 1: y₀ = (3·x₀ − x₁ + 1, −x₀), x₁ = min(max(y₀, 0) >> 1, 127).
		let m = Model::new(
			vec![layer(2, 2, 1), layer(2, 1, 0)],
			vec![vec![3, -1, 1], vec![-1, 0, 0], vec![1, 1, -5]],
		)
		.unwrap();
		let ys = m.forward(&[100, 2]);
		assert_eq!(ys, vec![vec![299, -100], vec![127 - 5]]);
	}

	#[test]
	fn hashes_separate_lengths_tags_and_values() {
		let a: Fr = hash_input(&[0]);
		assert_ne!(a, hash_input::<Fr>(&[0, 0]), "trailing zero bytes change the hash");
		assert_ne!(a, hash_input::<Fr>(&[1]));
		assert_eq!(a, hash_input::<Fr>(&[0]));
		assert_ne!(hash_output::<Fr>(&[0]), a, "the tags separate inputs from outputs");
		assert_ne!(hash_output::<Fr>(&[-1]), hash_output::<Fr>(&[1]));
		assert_eq!(pack_bytes::<Fr>(&[1u8; 62]).len(), 2);
		assert_eq!(pack_bytes::<Fr>(&[1u8; 63]).len(), 3);
		let m = Model::new(vec![layer(1, 1, 0)], vec![vec![1, 0]]).unwrap();
		assert_ne!(commit_weights(Fr::from(1u64), &m), commit_weights(Fr::from(2u64), &m));
		let other = Model::new(vec![layer(1, 1, 0)], vec![vec![2, 0]]).unwrap();
		assert_ne!(commit_weights(Fr::from(1u64), &m), commit_weights(Fr::from(1u64), &other));
	}

	/// The committed BLS12-381 constants are the Grain LFSR's (`DECLAI_WRITE_POSEIDON=1`
	/// writes them again).
	#[test]
	fn the_committed_poseidon_constants_are_the_generated_ones() {
		let (ark, mds) = generate_constants::<Fr>();
		let mut bytes = Fr::MODULUS.to_bytes_le();
		for v in ark.iter().chain(&mds).flatten() {
			let mut b = v.into_bigint().to_bytes_le();
			b.resize(32, 0);
			bytes.extend(b);
		}
		if std::env::var_os("DECLAI_WRITE_POSEIDON").is_some() {
			std::fs::write(
				concat!(env!("CARGO_MANIFEST_DIR"), "/src/poseidon_bls12_381.bin"),
				&bytes,
			)
			.unwrap();
		}
		assert!(BLS12_381_CONSTANTS == bytes.as_slice(), "regenerate with DECLAI_WRITE_POSEIDON=1");
		assert_eq!(committed_constants::<Fr>(), Some((ark, mds)));
		// Another field generates its own.
		assert!(committed_constants::<ark_bls12_381::Fq>().is_none());
	}

	#[test]
	fn public_inputs_are_the_binding_the_commitment_and_both_hashes() {
		let mut binding = [0u8; 31];
		binding[0] = 5;
		binding[30] = 0xff;
		let c = Fr::from(9u64);
		let [b, commitment, input, output] = public_inputs(&binding, c, &[1, 2, 3], &[-4, 5]);
		assert_eq!(b, Fr::from_le_bytes_mod_order(&binding));
		assert_eq!(commitment, c);
		assert_eq!(input, hash_input::<Fr>(&[1, 2, 3]));
		assert_eq!(output, hash_output::<Fr>(&[-4, 5]));
	}
}
