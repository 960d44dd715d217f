//! Proof-of-Inference formats and checks shared by the runtime and the worker, so that both sides
//! hash, sign and check exactly the same bytes.
//!
//! One job on an integer model, from the worker's side:
//! 1. run [`integer_forward`] on the job's input; the output is the last layer's accumulators
//!    ([`encode_i32s`]); the activation trace is committed by [`activation_root`];
//! 2. `commit`: [`output_commitment`] (bound to the job and the worker, so a copied commitment
//!    cannot be revealed by anyone else) and a hardware-key signature over
//!    [`Attestation::signing_payload`];
//! 3. `reveal`: output, salt and activation root;
//! 4. if challenged (seed from a block after the commit, [`challenge_seed`]): open the challenged
//!    layer with a [`LayerOpening`] that the runtime checks with [`check_layer_opening`] —
//!    weight rows against the model's Merkle root, activations against the revealed root, the
//!    layer's input against the job input or the previous layer, the output against the revealed
//!    output, and the matrix product with Freivalds' test.
//!
//! Float models (embeddings) are checked by replication: revealed outputs must agree within the
//! model's tolerance ([`within_tolerance`], integer arithmetic on the IEEE-754 bits).

use crate::{
	economics::HardwareClass,
	verify::{self, challenge_vector, freivalds, Hash, Matrix, VerifyError},
	WorkUnits, GPU_HOUR,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::helpers_128bit::multiply_by_rational_with_rounding;
use sp_arithmetic::Rounding;
use sp_crypto_hashing::blake2_256;

/// A registered model's id.
pub type ModelId = u32;
/// A job's id (increasing).
pub type JobId = u64;
/// A region code chosen by governance (e.g. an ISO 3166-1 numeric code).
pub type RegionId = u16;

/// Parts per million.
pub const PPM: u32 = 1_000_000;

/// How a model's results are verified.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum VerificationTier {
	/// Integer model: bit-exact replay; replicas must agree byte for byte and any replica may be
	/// challenged to open a layer for Freivalds' test.
	ExactInteger,
	/// Float model: replicas must agree within `max_error_ppm` of the largest output magnitude
	/// ([`within_tolerance`]); disagreements go to a validator audit.
	FloatTolerance {
		/// Largest allowed `max|aᵢ − bᵢ|` in parts per million of `max|aᵢ|`.
		max_error_ppm: u32,
	},
	/// Zero-knowledge tier: the worker proves `output = model(input)` against the model's
	/// registered verifying key; the public inputs start with the job's [`zk_binding`] (job and
	/// worker, so a proof cannot be replayed) and then depend on the proof system.
	ZeroKnowledge {
		/// How proofs are made and checked (a tag, so another proof system can be added).
		system: ProofSystem,
	},
}

impl VerificationTier {
	/// Whether results are proven (the zero-knowledge tier, whatever its proof system).
	pub fn is_zero_knowledge(&self) -> bool {
		matches!(self, Self::ZeroKnowledge { .. })
	}
}

/// The proof system of a zero-knowledge model. Both are Groth16 on BLS12-381, verified through
/// the node's host functions (PLONK, which the design card names, has no arkworks
/// implementation on crates.io; a new variant here is where it would go).
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum ProofSystem {
	/// The circuit holds the model (its key reveals the weights); public inputs: the binding,
	/// then [`zk_public_inputs`] (each input byte, each output integer).
	Groth16Open,
	/// Hidden weights (the `declai-zk` circuit): the weights are a private witness bound to
	/// `commitment`; public inputs: the binding, `commitment`, the Poseidon hash of the input,
	/// the Poseidon hash of the output.
	Groth16Hidden {
		/// The Poseidon commitment of a salt and the packed weights: a scalar of BLS12-381,
		/// 32 bytes little-endian (canonical: below the field modulus).
		commitment: [u8; 32],
	},
}

/// What a model does (informational for clients; checks depend on the tier).
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum ModelKind {
	/// Input → class scores.
	Classifier,
	/// Text → embedding vector.
	Embedding,
}

/// One integer layer `y = W·[x; 1]`: `W` has `outputs` rows of `inputs + 1` entries (the last is
/// the bias). Between layers `x' = clamp(max(y, 0) >> shift, 0, 127)`; the last layer's `y` is
/// the model output.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IntegerLayer {
	/// Inputs (without the bias).
	pub inputs: u32,
	/// Outputs = rows of `W`.
	pub outputs: u32,
	/// Right shift that requantizes the ReLU output for the next layer.
	pub shift: u8,
}

/// The largest value an intermediate activation may take after requantization.
pub const ACTIVATION_MAX: i32 = 127;

/// The worker's report of how long the job took, signed with its hardware key.
#[derive(
	Clone,
	Copy,
	Debug,
	Decode,
	DecodeWithMemTracking,
	Default,
	Encode,
	Eq,
	MaxEncodedLen,
	PartialEq,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Timings {
	/// Execution time of the inference in microseconds.
	pub exec_micros: u64,
}

/// What the hardware key signs at commit time.
#[derive(Clone, Debug, Encode, Eq, PartialEq)]
pub struct Attestation {
	/// The job.
	pub job: JobId,
	/// The model's weight commitment (Merkle root).
	pub model_root: Hash,
	/// `blake2_256` of the job input.
	pub input_hash: Hash,
	/// The output commitment.
	pub commit: Hash,
	/// The reported timings.
	pub timings: Timings,
}

impl Attestation {
	/// Domain separator of attestation signatures.
	pub const DOMAIN: &'static [u8] = b"declai/attestation/v1";

	/// The signed bytes: the domain separator followed by the SCALE encoding.
	pub fn signing_payload(&self) -> Vec<u8> {
		let mut out = Vec::from(Self::DOMAIN);
		self.encode_to(&mut out);
		out
	}
}

/// Domain separator of output commitments. v2 binds the activation root as well as the output.
pub const COMMIT_DOMAIN: &[u8] = b"declai/commit/v2";

/// `blake2_256("declai/commit/v2" ‖ job ‖ worker ‖ salt ‖ activation_root ‖ output)`: the output
/// commitment. It binds the worker's account (SCALE-encoded), so another worker cannot reuse it,
/// and the activation root (the Merkle root of the trace a layer challenge opens), so the trace is
/// fixed before the randomness that picks the challenged layer exists: a worker that ran nothing
/// cannot build, after the fact, a trace that passes exactly the challenged layer.
pub fn output_commitment(
	job: JobId,
	worker: &[u8],
	output: &[u8],
	salt: &Hash,
	activation_root: &Hash,
) -> Hash {
	let mut data = Vec::with_capacity(output.len().saturating_add(128));
	data.extend_from_slice(COMMIT_DOMAIN);
	data.extend_from_slice(&job.to_le_bytes());
	data.extend_from_slice(worker);
	data.extend_from_slice(salt);
	data.extend_from_slice(activation_root);
	data.extend_from_slice(output);
	blake2_256(&data)
}

/// `blake2_256(randomness ‖ job ‖ worker)`: the challenge seed of one worker's result.
pub fn challenge_seed(randomness: &Hash, job: JobId, worker: &[u8]) -> Hash {
	let mut data = Vec::with_capacity(worker.len().saturating_add(40));
	data.extend_from_slice(randomness);
	data.extend_from_slice(&job.to_le_bytes());
	data.extend_from_slice(worker);
	blake2_256(&data)
}

/// A uniform draw in `0..PPM` from a seed (the first 8 bytes, reduced; bias < 2⁻⁴⁰).
pub fn draw_ppm(seed: &Hash) -> u32 {
	let mut head = [0u8; 8];
	head.copy_from_slice(seed.get(..8).unwrap_or(&[0u8; 8]));
	u64::from_le_bytes(head).checked_rem(u64::from(PPM)).unwrap_or(0) as u32
}

/// Little-endian bytes of `values`.
pub fn encode_i32s(values: &[i32]) -> Vec<u8> {
	values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The inverse of [`encode_i32s`]; `None` unless the length is a multiple of 4.
pub fn decode_i32s(bytes: &[u8]) -> Option<Vec<i32>> {
	if !bytes.len().is_multiple_of(4) {
		return None;
	}
	Some(bytes.chunks_exact(4).map(|c| i32::from_le_bytes(le_word(c))).collect())
}

/// A 4-byte chunk as an array (chunks from `chunks_exact(4)` always are).
fn le_word(chunk: &[u8]) -> [u8; 4] {
	chunk.try_into().unwrap_or([0u8; 4])
}

/// Why an integer model's shape, weights or input are unusable.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ModelError {
	/// No layers, a zero dimension, or a layer's inputs differ from the previous layer's outputs.
	BadShape,
	/// The weight rows do not match the layer shapes.
	BadWeights,
	/// The input length differs from the first layer's inputs.
	BadInput,
	/// An accumulator overflowed `i32`.
	Overflow,
}

/// Checks that layers chain (`inputs` of each = `outputs` of the previous) and are non-empty.
pub fn check_layers(layers: &[IntegerLayer]) -> Result<(), ModelError> {
	let mut previous: Option<u32> = None;
	for layer in layers {
		if layer.inputs == 0 || layer.outputs == 0 || previous.is_some_and(|p| p != layer.inputs) {
			return Err(ModelError::BadShape);
		}
		previous = Some(layer.outputs);
	}
	previous.map(|_| ()).ok_or(ModelError::BadShape)
}

/// Total weight rows of a model (leaves of its weight Merkle tree).
pub fn total_rows(layers: &[IntegerLayer]) -> u64 {
	layers.iter().map(|l| u64::from(l.outputs)).fold(0, u64::saturating_add)
}

/// Index of layer `layer`'s first row among all weight rows.
pub fn first_row(layers: &[IntegerLayer], layer: usize) -> u64 {
	total_rows(layers.get(..layer).unwrap_or(layers))
}

/// The bytes of a weight row's Merkle leaf.
pub fn weight_leaf(row: &[i32]) -> Vec<u8> {
	encode_i32s(row)
}

/// The model's weight commitment: Merkle root over every layer's rows in order.
pub fn weights_root(rows: &[Vec<i32>]) -> Hash {
	let leaves: Vec<Vec<u8>> = rows.iter().map(|r| weight_leaf(r)).collect();
	verify::merkle_root(&leaves)
}

/// The job input of an integer model as the first layer's `x`: one unsigned byte per entry.
pub fn integer_input(input: &[u8]) -> Vec<i32> {
	input.iter().map(|b| i32::from(*b)).collect()
}

/// `clamp(max(y, 0) >> shift, 0, ACTIVATION_MAX)`: the next layer's input.
pub fn requantize(y: &[i32], shift: u8) -> Vec<i32> {
	y.iter()
		.map(|v| v.max(&0).checked_shr(u32::from(shift)).unwrap_or(0).min(ACTIVATION_MAX))
		.collect()
}

/// `W·[x; 1]` with checked `i32` accumulation.
fn layer_apply(rows: &[Vec<i32>], x: &[i32]) -> Result<Vec<i32>, ModelError> {
	rows.iter()
		.map(|row| {
			let (bias, weights) = row.split_last().ok_or(ModelError::BadWeights)?;
			if weights.len() != x.len() {
				return Err(ModelError::BadWeights);
			}
			weights.iter().zip(x).try_fold(*bias, |acc, (w, v)| {
				w.checked_mul(*v).and_then(|p| acc.checked_add(p)).ok_or(ModelError::Overflow)
			})
		})
		.collect()
}

/// The activation trace of one inference: per layer its input `x` and accumulators `y`.
pub type Trace = Vec<(Vec<i32>, Vec<i32>)>;

/// Runs an integer model exactly: returns the trace; the output is the last `y`.
pub fn integer_forward(
	layers: &[IntegerLayer],
	rows: &[Vec<i32>],
	input: &[u8],
) -> Result<Trace, ModelError> {
	check_layers(layers)?;
	if total_rows(layers) != rows.len() as u64 {
		return Err(ModelError::BadWeights);
	}
	let mut x = integer_input(input);
	let mut trace = Vec::with_capacity(layers.len());
	let mut rest = rows;
	for (i, layer) in layers.iter().enumerate() {
		if x.len() != layer.inputs as usize {
			return Err(ModelError::BadInput);
		}
		// `rows` holds exactly `total_rows(layers)` rows (checked above), so this never splits
		// past the end; `split_at_checked` keeps that a named error regardless.
		let (mine, others) =
			rest.split_at_checked(layer.outputs as usize).ok_or(ModelError::BadWeights)?;
		rest = others;
		let y = layer_apply(mine, &x)?;
		let next = (i.saturating_add(1) < layers.len()).then(|| requantize(&y, layer.shift));
		trace.push((x, y));
		match next {
			Some(n) => x = n,
			None => break,
		}
	}
	Ok(trace)
}

/// The leaves of an activation trace: `x₀, y₀, x₁, y₁, …` as [`encode_i32s`].
pub fn activation_leaves(trace: &Trace) -> Vec<Vec<u8>> {
	trace.iter().flat_map(|(x, y)| [encode_i32s(x), encode_i32s(y)]).collect()
}

/// The activation commitment the worker reveals.
pub fn activation_root(trace: &Trace) -> Hash {
	verify::merkle_root(&activation_leaves(trace))
}

/// The worker's answer to a layer challenge.
#[derive(Clone, Debug, Decode, DecodeWithMemTracking, Default, Encode, Eq, PartialEq, TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LayerOpening {
	/// The layer's input `x`.
	pub input: Vec<i32>,
	/// Proof of `x` as activation leaf `2·layer`.
	pub input_proof: Vec<Hash>,
	/// The layer's accumulators `y`.
	pub output: Vec<i32>,
	/// Proof of `y` as activation leaf `2·layer + 1`.
	pub output_proof: Vec<Hash>,
	/// For `layer > 0`: the previous layer's `y` and its proof (leaf `2·layer − 1`).
	pub previous: Option<(Vec<i32>, Vec<Hash>)>,
	/// Proof that the revealed output is the last layer's `y` (leaf `2·layers − 1`), so the output
	/// is bound to the committed trace whichever layer is challenged.
	pub result_proof: Vec<Hash>,
	/// The layer's weight rows (`inputs + 1` entries each, bias last).
	pub rows: Vec<Vec<i32>>,
	/// Proof of each row against the model's weight root.
	pub row_proofs: Vec<Vec<Hash>>,
}

/// Builds the opening of `layer` (the worker's side).
pub fn open_layer(
	layers: &[IntegerLayer],
	rows: &[Vec<i32>],
	trace: &Trace,
	layer: usize,
) -> Option<LayerOpening> {
	let leaves = activation_leaves(trace);
	let weight_leaves: Vec<Vec<u8>> = rows.iter().map(|r| weight_leaf(r)).collect();
	let (x, y) = trace.get(layer)?;
	let first = first_row(layers, layer) as usize;
	let count = layers.get(layer)?.outputs as usize;
	let previous = match layer.checked_sub(1) {
		Some(p) => {
			let (_, prev_y) = trace.get(p)?;
			Some((
				prev_y.clone(),
				verify::merkle_proof(&leaves, layer.saturating_mul(2).saturating_sub(1))?,
			))
		}
		None => None,
	};
	let row_proofs = (first..first.saturating_add(count))
		.map(|i| verify::merkle_proof(&weight_leaves, i))
		.collect::<Option<Vec<_>>>()?;
	Some(LayerOpening {
		input: x.clone(),
		input_proof: verify::merkle_proof(&leaves, layer.saturating_mul(2))?,
		output: y.clone(),
		output_proof: verify::merkle_proof(&leaves, layer.saturating_mul(2).saturating_add(1))?,
		previous,
		rows: rows.get(first..first.saturating_add(count))?.to_vec(),
		row_proofs,
		result_proof: verify::merkle_proof(&leaves, leaves.len().checked_sub(1)?)?,
	})
}

/// The layer a challenge seed selects.
pub fn challenged_layer(seed: &Hash, layers: usize) -> usize {
	let byte = seed.get(31).copied().unwrap_or(0);
	usize::from(byte).checked_rem(layers).unwrap_or(0)
}

/// What the runtime knows when it checks an opening.
pub struct OpeningContext<'a> {
	/// The model's layers.
	pub layers: &'a [IntegerLayer],
	/// The model's weight commitment.
	pub weights_root: &'a Hash,
	/// The revealed activation commitment.
	pub activation_root: &'a Hash,
	/// The job input.
	pub input: &'a [u8],
	/// The revealed output.
	pub output: &'a [u8],
	/// The challenge seed.
	pub seed: &'a Hash,
}

/// Checks a challenge answer: `Ok(true)` only if every row opens against the weight root, `x`,
/// `y` (and the previous `y`) open against the activation root, `x` is the job input (first
/// layer) or the requantized previous `y`, the revealed output is the committed last `y`, and
/// `rᵀy = (rᵀW)[x; 1]` for `r` from the seed. Malformed answers are `Ok(false)`; `Err` only for
/// arithmetic that cannot be carried out.
pub fn check_layer_opening(
	ctx: &OpeningContext,
	opening: &LayerOpening,
) -> Result<bool, VerifyError> {
	let layer_count = ctx.layers.len();
	let l = challenged_layer(ctx.seed, layer_count);
	let Some(shape) = ctx.layers.get(l) else { return Ok(false) };
	let (inputs, outputs) = (shape.inputs as usize, shape.outputs as usize);
	let activation_count = layer_count.saturating_mul(2);
	let leaf_ok = |index: usize, values: &[i32], proof: &[Hash]| {
		verify::verify_merkle_proof(
			ctx.activation_root,
			activation_count,
			index,
			&encode_i32s(values),
			proof,
		)
		.unwrap_or(false)
	};
	if opening.input.len() != inputs
		|| opening.output.len() != outputs
		|| opening.rows.len() != outputs
		|| opening.row_proofs.len() != outputs
		|| !leaf_ok(l.saturating_mul(2), &opening.input, &opening.input_proof)
		|| !leaf_ok(l.saturating_mul(2).saturating_add(1), &opening.output, &opening.output_proof)
	{
		return Ok(false);
	}
	// The layer's input is the job input, or follows from the previous layer.
	let input_ok = match (l.checked_sub(1), &opening.previous) {
		(None, None) => opening.input == integer_input(ctx.input),
		(Some(p), Some((prev_y, proof))) => match ctx.layers.get(p) {
			Some(prev) => {
				leaf_ok(l.saturating_mul(2).saturating_sub(1), prev_y, proof)
					&& prev_y.len() == prev.outputs as usize
					&& requantize(prev_y, prev.shift) == opening.input
			}
			None => false,
		},
		_ => false,
	};
	if !input_ok {
		return Ok(false);
	}
	// The revealed output is the committed last `y`.
	let last_leaf = activation_count.saturating_sub(1);
	if !verify::verify_merkle_proof(
		ctx.activation_root,
		activation_count,
		last_leaf,
		ctx.output,
		&opening.result_proof,
	)
	.unwrap_or(false)
	{
		return Ok(false);
	}
	let total = total_rows(ctx.layers) as usize;
	let first = first_row(ctx.layers, l) as usize;
	let width = inputs.saturating_add(1);
	let mut w = Vec::with_capacity(outputs.saturating_mul(width));
	for (i, (row, proof)) in opening.rows.iter().zip(&opening.row_proofs).enumerate() {
		if row.len() != width
			|| !verify::verify_merkle_proof(
				ctx.weights_root,
				total,
				first.saturating_add(i),
				&weight_leaf(row),
				proof,
			)
			.unwrap_or(false)
		{
			return Ok(false);
		}
		w.extend_from_slice(row);
	}
	let mut x = opening.input.clone();
	x.push(1);
	let r = challenge_vector(ctx.seed, outputs);
	freivalds(
		&Matrix::new(outputs, width, &w)?,
		&Matrix::new(width, 1, &x)?,
		&Matrix::new(outputs, 1, &opening.output)?,
		&r,
	)
}

/// Domain separator of the job binding of a zero-knowledge proof.
pub const ZK_BINDING_DOMAIN: &[u8] = b"declai/zk-binding/v1";

/// The first public input of every zero-knowledge proof: the first 31 bytes of
/// `blake2_256("declai/zk-binding/v1" ‖ job ‖ worker)`, read little-endian as a scalar (below
/// 2²⁴⁸, so no field reduction). A proof is made for one job and one worker's account
/// (SCALE-encoded): replayed for another job with the same input, or by another worker, its
/// binding input differs and it does not verify. Circuits must constrain it (for example
/// `binding · binding = s` with `s` a witness), not merely declare it.
pub fn zk_binding(job: JobId, worker: &[u8]) -> [u8; 31] {
	let mut data = Vec::with_capacity(worker.len().saturating_add(28));
	data.extend_from_slice(ZK_BINDING_DOMAIN);
	data.extend_from_slice(&job.to_le_bytes());
	data.extend_from_slice(worker);
	let hash = blake2_256(&data);
	let mut binding = [0u8; 31];
	binding.copy_from_slice(hash.get(..31).unwrap_or(&[0; 31]));
	binding
}

/// The integer public inputs of a zero-knowledge proof, after its [`zk_binding`], in order: each
/// input byte, then each output `i32` (little-endian) — as signed integers, mapped into the
/// scalar field (`-v ↦ r − v`) by the verifier and the prover alike. `None` unless the output
/// length is a multiple of 4.
pub fn zk_public_inputs(input: &[u8], output: &[u8]) -> Option<Vec<i64>> {
	let outputs = decode_i32s(output)?;
	Some(input.iter().map(|b| i64::from(*b)).chain(outputs.into_iter().map(i64::from)).collect())
}

/// An `f32` (IEEE-754 bits) as a fixed-point integer scaled by 2⁴⁰, saturating at ±2⁸⁷;
/// `None` for NaN and infinities. Integer-only, so it runs in the runtime.
pub fn f32_bits_to_fixed(bits: u32) -> Option<i128> {
	const LIMIT: i128 = 1 << 87;
	let negative = bits >> 31 == 1;
	let exponent = (bits >> 23) & 0xff;
	let fraction = i128::from(bits & 0x7f_ffff);
	if exponent == 0xff {
		return None;
	}
	// value = mantissa × 2^(exponent − 150) (subnormals: exponent 1, no implicit bit); scaled by
	// 2⁴⁰ that is mantissa × 2^(exponent − 110).
	let (mantissa, exponent) =
		if exponent == 0 { (fraction, 1u32) } else { (fraction | 0x80_0000, exponent) };
	let magnitude = match exponent.checked_sub(110) {
		// mantissa < 2²⁴, so a left shift by up to 63 stays far inside i128 before the clamp.
		Some(up) if up <= 63 => mantissa.checked_shl(up).unwrap_or(LIMIT).min(LIMIT),
		Some(_) => LIMIT,
		None => mantissa.checked_shr(110u32.saturating_sub(exponent)).unwrap_or(0),
	};
	Some(if negative { magnitude.saturating_neg() } else { magnitude })
}

/// Whether two little-endian `f32` vectors agree: same length, no NaN/∞, and
/// `max|aᵢ − bᵢ| ≤ max_error_ppm × max|aᵢ| / 10⁶` (compared in fixed point).
pub fn within_tolerance(a: &[u8], b: &[u8], max_error_ppm: u32) -> bool {
	if a.len() != b.len() || !a.len().is_multiple_of(4) {
		return false;
	}
	let (mut largest, mut worst) = (0i128, 0i128);
	for (x, y) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
		let (Some(x), Some(y)) = (
			f32_bits_to_fixed(u32::from_le_bytes(le_word(x))),
			f32_bits_to_fixed(u32::from_le_bytes(le_word(y))),
		) else {
			return false;
		};
		largest = largest.max(x.saturating_abs());
		worst = worst.max(x.saturating_sub(y).saturating_abs());
	}
	worst.saturating_mul(i128::from(PPM)) <= largest.saturating_mul(i128::from(max_error_ppm))
}

/// Reputation-weighted median of `(value, weight)` votes (κ = ½): the smallest value whose
/// cumulative weight reaches half of the total. `None` without positive weight.
pub fn weighted_median(votes: &mut [(u32, u64)]) -> Option<u32> {
	votes.sort_unstable_by_key(|(value, _)| *value);
	let total: u128 = votes.iter().map(|(_, w)| u128::from(*w)).sum();
	if total == 0 {
		return None;
	}
	let mut cumulative = 0u128;
	for (value, weight) in votes.iter() {
		cumulative = cumulative.saturating_add(u128::from(*weight));
		if cumulative.saturating_mul(2) >= total {
			return Some(*value);
		}
	}
	None
}

/// Picks an index with probability proportional to its weight (zero weights never), from a
/// seed. `None` when all weights are zero.
pub fn weighted_pick(seed: &Hash, weights: &[u64]) -> Option<usize> {
	let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
	if total == 0 {
		return None;
	}
	let mut head = [0u8; 16];
	head.copy_from_slice(seed.get(..16).unwrap_or(&[0u8; 16]));
	let mut target = u128::from_le_bytes(head).checked_rem(total).unwrap_or(0);
	for (i, w) in weights.iter().enumerate() {
		let w = u128::from(*w);
		if target < w {
			return Some(i);
		}
		target = target.saturating_sub(w);
	}
	None
}

/// Audit probability of a trusted result, in ppm: `None` (replicate fully) while `cv` is below
/// `trust_after`, otherwise `max(min_ppm, 10⁶ / cv)` — trusted with probability `1 − 1/CV`
/// (BOINC adaptive replication) but never below the floor.
pub fn audit_ppm(cv: u32, trust_after: u32, min_ppm: u32) -> Option<u32> {
	if cv < trust_after.max(1) {
		return None;
	}
	Some(PPM.checked_div(cv).unwrap_or(PPM).max(min_ppm).min(PPM))
}

/// GPU-hours (work units) that a job of reference cost `t_ref` takes on `class`:
/// `t_ref / throughput_ratio`, rounded down. This is the `T_compute` that is paid.
pub fn t_compute(t_ref: WorkUnits, class: HardwareClass) -> WorkUnits {
	let (num, den) = class.throughput_ratio();
	multiply_by_rational_with_rounding(t_ref, den, num.max(1), Rounding::Down)
		.unwrap_or(WorkUnits::MAX)
}

/// Microseconds of `work` GPU-hours (`GPU_HOUR` units = 3.6·10⁹ µs).
pub fn work_micros(work: WorkUnits) -> u64 {
	multiply_by_rational_with_rounding(work, 3_600_000_000, GPU_HOUR, Rounding::Down)
		.map(|m| u64::try_from(m).unwrap_or(u64::MAX))
		.unwrap_or(u64::MAX)
}

/// Plausibility of a reported execution time for a job of reference cost `t_ref` on `class`:
/// the expected time is [`t_compute`] in µs; faster than `min_permille` ‰ of it is impossible for
/// the class (precomputed or forged), slower than `max_factor ×` it plus `slack_micros` is a
/// timeout (padded, or not the attested hardware).
pub fn timing_plausible(
	t_ref: WorkUnits,
	class: HardwareClass,
	reported_micros: u64,
	min_permille: u32,
	max_factor: u32,
	slack_micros: u64,
) -> bool {
	let expected = work_micros(t_compute(t_ref, class));
	let fastest = expected.saturating_mul(u64::from(min_permille)) / 1000;
	let slowest = expected.saturating_mul(u64::from(max_factor)).saturating_add(slack_micros);
	(fastest..=slowest).contains(&reported_micros)
}

/// `score` decayed exponentially with half-life `half_life` over `elapsed` (blocks): whole
/// halvings exactly, the last partial one linearly (never above the exact decay by more than 6%).
pub fn decayed(score: u128, elapsed: u64, half_life: u64) -> u128 {
	let (Some(halvings), Some(partial)) =
		(elapsed.checked_div(half_life), elapsed.checked_rem(half_life))
	else {
		return 0;
	};
	if halvings >= 128 {
		return 0;
	}
	let s = score >> halvings;
	s.saturating_sub(
		multiply_by_rational_with_rounding(
			s,
			u128::from(partial),
			u128::from(half_life).saturating_mul(2),
			Rounding::Up,
		)
		.unwrap_or(s),
	)
}

/// Domain separator of benchmark-challenge seeds.
pub const BENCHMARK_SEED_DOMAIN: &[u8] = b"declai/benchmark-seed/v1";
/// Domain separator of signed benchmark answers.
pub const BENCHMARK_ANSWER_DOMAIN: &[u8] = b"declai/benchmark-answer/v1";

/// `blake2_256(domain ‖ randomness ‖ worker ‖ challenge)`: the seed of a benchmark challenge.
pub fn benchmark_seed(randomness: &[u8], worker: &[u8], challenge: u64) -> Hash {
	let mut data = Vec::from(BENCHMARK_SEED_DOMAIN);
	data.extend_from_slice(randomness);
	data.extend_from_slice(worker);
	data.extend_from_slice(&challenge.to_le_bytes());
	blake2_256(&data)
}

/// The bytes a worker's attestation key signs to answer a benchmark challenge:
/// `domain ‖ challenge ‖ seed ‖ digest ‖ micros` (integers little-endian).
pub fn benchmark_answer_payload(
	challenge: u64,
	seed: &Hash,
	digest: &Hash,
	micros: u64,
) -> Vec<u8> {
	let mut out = Vec::from(BENCHMARK_ANSWER_DOMAIN);
	out.extend_from_slice(&challenge.to_le_bytes());
	out.extend_from_slice(seed);
	out.extend_from_slice(digest);
	out.extend_from_slice(&micros.to_le_bytes());
	out
}

/// Rounds of a benchmark challenge for `class`: `reference_rounds` (what the reference GPU runs)
/// scaled by the class's throughput ratio, at least 1, so each class should need about as long.
pub fn benchmark_rounds(reference_rounds: u32, class: HardwareClass) -> u32 {
	let (num, den) = class.throughput_ratio();
	multiply_by_rational_with_rounding(
		u128::from(reference_rounds),
		num,
		den.max(1),
		Rounding::Down,
	)
	.map(|r| u32::try_from(r).unwrap_or(u32::MAX))
	.unwrap_or(u32::MAX)
	.max(1)
}

/// The two `size × size` matrices of a benchmark challenge (row-major), entries in `-8..=7`: the
/// high nibble of each byte of `blake2_256(seed ‖ tag ‖ counter)` (tag 0: the start, 1: the
/// multiplier), read as a signed byte.
pub fn benchmark_matrices(seed: &Hash, size: u32) -> (Vec<i32>, Vec<i32>) {
	let len = (size as usize).saturating_mul(size as usize);
	let stream = |tag: u8| -> Vec<i32> {
		let mut out = Vec::with_capacity(len);
		let mut counter = 0u64;
		while out.len() < len {
			let mut input = Vec::with_capacity(41);
			input.extend_from_slice(seed);
			input.push(tag);
			input.extend_from_slice(&counter.to_le_bytes());
			out.extend(blake2_256(&input).iter().map(|b| i32::from(*b as i8).wrapping_shr(4)));
			counter = counter.wrapping_add(1);
		}
		out.truncate(len);
		out
	};
	(stream(0), stream(1))
}

/// The benchmark challenge computed plainly on the CPU (the definition workers' accelerated runs
/// must match): `x ← A`, then `rounds` times `x ← (x · B) & 15` with exact `i32` products;
/// returns `blake2_256` of the final `x`'s little-endian `i32`s. Cost `size³ × rounds`
/// multiply-adds: fine for tests and small sizes, far too slow for a runtime.
pub fn benchmark_reference(seed: &Hash, size: u32, rounds: u32) -> Hash {
	let n = size as usize;
	let (mut x, b) = benchmark_matrices(seed, size);
	let mut next = alloc::vec![0i32; x.len()];
	for _ in 0..rounds.max(1) {
		for (row, out_row) in x.chunks(n.max(1)).zip(next.chunks_mut(n.max(1))) {
			for (j, out) in out_row.iter_mut().enumerate() {
				let sum = row
					.iter()
					.zip(b.iter().skip(j).step_by(n.max(1)))
					.fold(0i32, |acc, (l, r)| acc.wrapping_add(l.wrapping_mul(*r)));
				*out = sum & 15;
			}
		}
		core::mem::swap(&mut x, &mut next);
	}
	blake2_256(&encode_i32s(&x))
}

/// How an account took part in a verified job.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum WorkRole {
	/// It served a result that the chain verified (and was paid for it).
	Served,
	/// It audited a result in agreement with the other auditors (not paid in credits).
	Audited,
}

/// One account's verified work on one job, as [`OnWorkVerified`] hears of it.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct VerifiedWork<'a, AccountId> {
	/// Who did the work.
	pub who: &'a AccountId,
	/// Who asked for the job (so a listener can refuse work an account dealt itself).
	pub consumer: &'a AccountId,
	/// Served or audited.
	pub role: WorkRole,
	/// The work, in the model's cost units (a served job's cost is shared by its replicas).
	pub units: crate::WorkUnits,
	/// Credits minted to `who` for it (0 for audits and unpaid shares).
	pub minted: crate::Balance,
}

/// The one report that "this account did verified work": the inference pallet calls it once per
/// verified replica and per agreeing auditor, and every pallet that keeps score listens (in the
/// runtime a tuple: the workers pallet's reputation and contribution, the consensus's weights).
pub trait OnWorkVerified<AccountId> {
	/// `work` was verified on chain.
	fn on_work_verified(work: &VerifiedWork<'_, AccountId>);
}

#[impl_trait_for_tuples::impl_for_tuples(8)]
impl<AccountId> OnWorkVerified<AccountId> for Tuple {
	fn on_work_verified(work: &VerifiedWork<'_, AccountId>) {
		for_tuples!( #( Tuple::on_work_verified(work); )* );
	}
}

#[cfg(test)]
mod tests;
