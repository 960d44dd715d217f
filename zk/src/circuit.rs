//! The Groth16 circuit of an integer MLP with hidden weights (see the crate docs for what it
//! proves and its public inputs).
//!
//! Every non-linear step is constrained by bits, never by a branch the prover picks outside the
//! constraints: each weight is 8 bits, each bias 32, each input byte 8; between layers each
//! accumulator `y` is decomposed as `y + 2³⁴` into 35 bits, whose top bit is `y ≥ 0` (the ReLU),
//! whose bits from `shift` on are `y >> shift`, and whose bits above `shift + 7` being all zero
//! is `(y >> shift) < 128` (the saturation at 127). A prover who claims another activation, a ReLU
//! on the wrong side or another output finds no bits that satisfy the constraints.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use crate::{
	poseidon_config, requantize, Model, BYTES_PER_ELEMENT, TAG_INPUT, TAG_OUTPUT, TAG_WEIGHTS,
};
use ark_bls12_381::{Bls12_381, Fr};
use ark_crypto_primitives::sponge::{
	constraints::CryptographicSpongeVar, poseidon::constraints::PoseidonSpongeVar,
};
use ark_ff::{AdditiveGroup, Field};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey};
use ark_r1cs_std::{
	alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar, fields::FieldVar,
	select::CondSelectGadget,
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use ark_std::rand::{CryptoRng, RngCore};
use declai_primitives::poi::ACTIVATION_MAX;

/// Bits of the offset accumulator `y + 2³⁴` between layers: `|y| < 2³⁴` for any layer of `i8`
/// weights (biases below 2³¹, inputs below 2⁸, fewer than 2¹⁸ inputs).
const ACC_BITS: usize = 35;
/// `2³⁴`, the accumulator's offset.
const ACC_OFFSET: i64 = 1 << 34;
/// Bits of one requantized activation (`0..=127`).
const ACTIVATION_BITS: usize = 7;

/// What a proof shows about one job (the public inputs, in the verifier's order).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Statement {
	/// [`declai_primitives::poi::zk_binding`] of the job and the worker, as a scalar.
	pub binding: Fr,
	/// The model's weight commitment.
	pub commitment: Fr,
	/// [`crate::hash_input`] of the input.
	pub input_hash: Fr,
	/// [`crate::hash_output`] of the output.
	pub output_hash: Fr,
}

impl Statement {
	/// The public inputs in the verifier's order.
	pub fn inputs(&self) -> [Fr; 4] {
		[self.binding, self.commitment, self.input_hash, self.output_hash]
	}
}

/// One proof's statement and witnesses. Everything but the [`Statement`] is private. A dishonest
/// prover controls every witness; the tests change them one at a time (a weight's bits, a
/// hidden unit's bits) and claim the output that follows, and the constraints must then fail.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
	/// The public inputs the proof claims.
	pub statement: Statement,
	/// The weights and biases, witnessed by their bits.
	pub model: Model,
	/// The commitment's salt.
	pub salt: Fr,
	/// The job's input bytes, witnessed by their bits.
	pub input: Vec<u8>,
	/// For each layer but the last, each unit's `y + 2³⁴`, witnessed by its 35 bits (honestly
	/// the accumulator the weights give; the constraints check that).
	pub hidden: Vec<Vec<u64>>,
}

/// The activation that the bits of `offset` (a hidden unit's `y + 2³⁴`) give, as the circuit
/// reads them: 0 unless the top bit is set, else `min(y >> shift, 127)`.
pub fn activation_of(offset: u64, shift: u8) -> i64 {
	if offset >> (ACC_BITS - 1) & 1 == 0 {
		return 0;
	}
	let y = (offset & ((1u64 << (ACC_BITS - 1)) - 1)) as i64;
	requantize(y, shift)
}

impl ModelCircuit {
	/// An honest proof's witnesses: the model's output for `input`.
	pub fn honest(model: Model, salt: Fr, input: Vec<u8>, binding: [u8; 31]) -> Self {
		let ys = model.forward(&input);
		let hidden = ys
			.iter()
			.take(ys.len().saturating_sub(1))
			.map(|y| y.iter().map(|v| (v + ACC_OFFSET) as u64).collect())
			.collect();
		Self::claiming(model, salt, input, binding, hidden)
	}

	/// The witnesses given, claiming the output that they give and the commitment of `model`.
	pub fn claiming(
		model: Model,
		salt: Fr,
		input: Vec<u8>,
		binding: [u8; 31],
		hidden: Vec<Vec<u64>>,
	) -> Self {
		let output = Self::output_of(&model, &input, &hidden);
		let [binding, commitment, input_hash, output_hash] =
			crate::public_inputs(&binding, crate::commit_weights(salt, &model), &input, &output);
		let statement = Statement { binding, commitment, input_hash, output_hash };
		ModelCircuit { statement, model, salt, input, hidden }
	}

	/// The output the last layer computes from the activations the `hidden` bits give.
	pub fn output_of(model: &Model, input: &[u8], hidden: &[Vec<u64>]) -> Vec<i32> {
		let mut x: Vec<i64> = input.iter().map(|b| i64::from(*b)).collect();
		let rows = model.layer_rows();
		for (l, (layer, rows)) in model.layers.iter().zip(rows).enumerate() {
			let y: Vec<i64> = rows
				.iter()
				.map(|row| {
					let (bias, w) = row.split_last().unwrap_or((&0, &[]));
					w.iter().zip(&x).fold(i64::from(*bias), |a, (w, v)| a + i64::from(*w) * v)
				})
				.collect();
			match hidden.get(l) {
				Some(bits) => {
					x = bits.iter().map(|o| activation_of(*o, layer.shift)).collect();
				}
				None => return y.iter().map(|v| *v as i32).collect(),
			}
		}
		Vec::new()
	}
}

/// `n` little-endian bits of `value` as witnesses (each constrained boolean).
fn witness_bits(
	cs: &ConstraintSystemRef<Fr>,
	value: u64,
	n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
	(0..n).map(|i| Boolean::new_witness(cs.clone(), || Ok((value >> i) & 1 == 1))).collect()
}

/// `Σ bits[i]·2^i` (a linear combination: no constraint).
fn from_bits(bits: &[Boolean<Fr>]) -> FpVar<Fr> {
	let mut acc = FpVar::<Fr>::zero();
	let mut power = Fr::ONE;
	for bit in bits {
		acc += FpVar::from(bit.clone()) * power;
		power.double_in_place();
	}
	acc
}

/// Bytes (each a value from 8 bits) packed 31 to an element, as [`crate::pack_bytes`].
fn pack(bytes: &[FpVar<Fr>]) -> Vec<FpVar<Fr>> {
	bytes
		.chunks(BYTES_PER_ELEMENT)
		.map(|chunk| {
			let mut acc = FpVar::<Fr>::zero();
			let mut power = Fr::ONE;
			for byte in chunk {
				acc += byte * power;
				power *= Fr::from(256u64);
			}
			acc
		})
		.collect()
}

/// In-circuit Poseidon of `tag`, `len`, then `elements`, as the native hashes.
fn hash_tagged(
	cs: &ConstraintSystemRef<Fr>,
	tag: u64,
	len: usize,
	elements: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
	let mut sponge = PoseidonSpongeVar::new(cs.clone(), &poseidon_config::<Fr>());
	let mut all = vec![FpVar::constant(Fr::from(tag)), FpVar::constant(Fr::from(len as u64))];
	all.extend_from_slice(elements);
	sponge.absorb(&all)?;
	sponge.squeeze_field_elements(1)?.into_iter().next().ok_or(SynthesisError::Unsatisfiable)
}

impl ConstraintSynthesizer<Fr> for ModelCircuit {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		let statement = self.statement;
		// Public inputs, in the verifier's order.
		let binding = FpVar::new_input(cs.clone(), || Ok(statement.binding))?;
		let commitment = FpVar::new_input(cs.clone(), || Ok(statement.commitment))?;
		let input_hash = FpVar::new_input(cs.clone(), || Ok(statement.input_hash))?;
		let output_hash = FpVar::new_input(cs.clone(), || Ok(statement.output_hash))?;
		// The binding is constrained, not only declared (`binding² = s`): a proof verifies for
		// exactly one binding.
		let square = FpVar::new_witness(cs.clone(), || Ok(statement.binding.square()))?;
		(&binding * &binding).enforce_equal(&square)?;

		// The weights: 8 bits each (the byte `w + 128`), the biases 32 (`b + 2³¹`); their bytes
		// packed into the commitment.
		let mut committed_bytes = Vec::new();
		let mut rows = Vec::with_capacity(self.model.rows.len());
		for row in &self.model.rows {
			let (bias, weights) = row.split_last().ok_or(SynthesisError::Unsatisfiable)?;
			let mut vars = Vec::with_capacity(weights.len());
			for w in weights {
				let byte = from_bits(&witness_bits(&cs, (*w as i8 as u8 ^ 0x80) as u64, 8)?);
				committed_bytes.push(byte.clone());
				vars.push(byte - FpVar::constant(Fr::from(128u64)));
			}
			let bias_bits = witness_bits(&cs, u64::from((*bias as u32) ^ 0x8000_0000), 32)?;
			for byte in bias_bits.chunks(8) {
				committed_bytes.push(from_bits(byte));
			}
			let bias = from_bits(&bias_bits) - FpVar::constant(Fr::from(1u64 << 31));
			rows.push((vars, bias));
		}
		let mut weight_elements = vec![FpVar::new_witness(cs.clone(), || Ok(self.salt))?];
		weight_elements.extend(pack(&committed_bytes));
		hash_tagged(&cs, TAG_WEIGHTS, committed_bytes.len(), &weight_elements)?
			.enforce_equal(&commitment)?;

		// The input: 8 bits a byte, hashed as the chain hashes it.
		let mut x = Vec::with_capacity(self.input.len());
		for byte in &self.input {
			x.push(from_bits(&witness_bits(&cs, u64::from(*byte), 8)?));
		}
		hash_tagged(&cs, TAG_INPUT, x.len(), &pack(&x))?.enforce_equal(&input_hash)?;

		// The layers.
		let mut rows = rows.into_iter();
		let last = self.model.layers.len().saturating_sub(1);
		for (l, layer) in self.model.layers.iter().enumerate() {
			let mut y = Vec::with_capacity(layer.outputs as usize);
			for _ in 0..layer.outputs {
				let (weights, bias) = rows.next().ok_or(SynthesisError::Unsatisfiable)?;
				if weights.len() != x.len() {
					return Err(SynthesisError::Unsatisfiable);
				}
				let mut acc = bias;
				for (w, v) in weights.iter().zip(&x) {
					acc += w * v;
				}
				y.push(acc);
			}
			if l == last {
				let outputs: Vec<FpVar<Fr>> = y;
				hash_tagged(&cs, TAG_OUTPUT, outputs.len(), &outputs)?
					.enforce_equal(&output_hash)?;
				break;
			}
			let shift = usize::from(layer.shift);
			if shift + ACTIVATION_BITS >= ACC_BITS - 1 {
				return Err(SynthesisError::Unsatisfiable);
			}
			let mut next = Vec::with_capacity(y.len());
			for (j, acc) in y.iter().enumerate() {
				let offset = self.hidden.get(l).and_then(|h| h.get(j)).copied().unwrap_or(0);
				let bits = witness_bits(&cs, offset, ACC_BITS)?;
				(acc + FpVar::constant(Fr::from(ACC_OFFSET as u64)))
					.enforce_equal(&from_bits(&bits))?;
				// `y ≥ 0`: the top bit of `y + 2³⁴` (with `|y| < 2³⁴`).
				let non_negative = bits[ACC_BITS - 1].clone();
				// `(y >> shift)` is below 128 exactly when the bits above `shift + 7` are zero.
				let high = from_bits(&bits[shift + ACTIVATION_BITS..ACC_BITS - 1]);
				let saturated = !high.is_zero()?;
				let low = from_bits(&bits[shift..shift + ACTIVATION_BITS]);
				let clamped = FpVar::conditionally_select(
					&saturated,
					&FpVar::constant(Fr::from(ACTIVATION_MAX as u64)),
					&low,
				)?;
				next.push(FpVar::conditionally_select(&non_negative, &clamped, &FpVar::zero())?);
			}
			x = next;
		}
		Ok(())
	}
}

/// A per-model trusted setup from `rng`: the proving key and the verifying key. Whoever knows
/// the randomness can forge proofs, so the caller seeds it from the OS and forgets it (or runs a
/// ceremony); the shape is what matters, so `model`'s values are irrelevant.
pub fn setup<R: RngCore + CryptoRng>(
	model: &Model,
	input_len: usize,
	rng: &mut R,
) -> Result<(ProvingKey<Bls12_381>, VerifyingKey<Bls12_381>), SynthesisError> {
	let circuit = ModelCircuit::honest(model.clone(), Fr::ONE, vec![0; input_len], [0; 31]);
	Groth16::<Bls12_381>::circuit_specific_setup(circuit, rng)
}

/// How many constraints the circuit of `model` over `input_len` input bytes has.
pub fn constraints(model: &Model, input_len: usize) -> Result<usize, SynthesisError> {
	let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
	ModelCircuit::honest(model.clone(), Fr::ONE, vec![0; input_len], [0; 31])
		.generate_constraints(cs.clone())?;
	cs.finalize();
	Ok(cs.num_constraints())
}

/// A proof of `circuit`'s statement, with fresh randomness from `rng` (OS randomness: reused or
/// predictable proving randomness would leak the hidden weights).
pub fn prove<R: RngCore + CryptoRng>(
	pk: &ProvingKey<Bls12_381>,
	circuit: ModelCircuit,
	rng: &mut R,
) -> Result<Proof<Bls12_381>, SynthesisError> {
	Groth16::<Bls12_381>::prove(pk, circuit, rng)
}

/// `vk` prepared for [`verify`].
pub fn prepare(vk: &VerifyingKey<Bls12_381>) -> PreparedVerifyingKey<Bls12_381> {
	ark_groth16::prepare_verifying_key(vk)
}

/// Whether `proof` shows `statement` under `pvk`.
pub fn verify(
	pvk: &PreparedVerifyingKey<Bls12_381>,
	statement: &Statement,
	proof: &Proof<Bls12_381>,
) -> bool {
	Groth16::<Bls12_381>::verify_with_processed_vk(pvk, &statement.inputs(), proof).unwrap_or(false)
}
