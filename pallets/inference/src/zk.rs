//! Groth16 verification (BLS12-381) for the zero-knowledge tier, through polkadot-sdk's
//! `sp-crypto-ec-utils` host functions: the curve types route the multi-Miller loop, the final
//! exponentiation and the MSM to native code in the node (about 3 ms for a proof instead of about
//! 16 ms in pure wasm). Keys and proofs are arkworks-serialized uncompressed (as produced natively
//! with `ark-bls12-381`; the host-call curve has the same encoding).
//!
//! The node must register `sp_crypto_ec_utils::bls12_381::host_calls::HostFunctions` in its
//! executor (`declai-node` does).

use alloc::vec::Vec;
use ark_ec::{pairing::Pairing, AffineRepr, VariableBaseMSM};
use ark_ff::PrimeField;
use ark_groth16::{prepare_verifying_key, Groth16, Proof, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use declai_primitives::poi::{self, ProofSystem};
use sp_crypto_ec_utils::bls12_381::{Bls12_381, G1Affine, G1Projective};

/// A scalar of BLS12-381 (a public input).
pub type Scalar = <Bls12_381 as Pairing>::ScalarField;

/// Why a key or a proof was refused.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ZkError {
	/// The verifying key does not decode, or its points are not valid.
	BadKey,
	/// The key expects another number of public inputs.
	InputCount,
	/// The proof does not decode, or its points are not on the curve / in the subgroup.
	BadProof,
}

/// Decodes and validates a verifying key; returns its number of public inputs.
pub fn check_key(bytes: &[u8]) -> Result<usize, ZkError> {
	let vk = VerifyingKey::<Bls12_381>::deserialize_with_mode(bytes, Compress::No, Validate::Yes)
		.map_err(|_| ZkError::BadKey)?;
	vk.gamma_abc_g1.len().checked_sub(1).ok_or(ZkError::BadKey)
}

/// The scalar a hidden-weights commitment encodes (32 bytes little-endian); `None` unless
/// canonical (below the field modulus), so that one commitment has one encoding.
pub fn commitment_scalar(bytes: &[u8; 32]) -> Option<Scalar> {
	Scalar::deserialize_with_mode(&bytes[..], Compress::No, Validate::Yes).ok()
}

/// Largest input (bytes) of a `Groth16Hidden` model: the runtime hashes it in `prove` (34
/// field elements, 5 Poseidon permutations).
pub const MAX_HIDDEN_INPUT: u32 = 1_024;
/// Largest output (bytes) of a `Groth16Hidden` model: 64 `i32`s, 9 Poseidon permutations.
pub const MAX_HIDDEN_OUTPUT: u32 = 256;

/// How many public inputs a proof of `system` has, for a model of `max_input` bytes in and
/// `max_output` bytes out.
pub fn input_count(system: &ProofSystem, max_input: u32, max_output: u32) -> u32 {
	match system {
		ProofSystem::Groth16Open => max_input.saturating_add(max_output / 4).saturating_add(1),
		ProofSystem::Groth16Hidden { .. } => 4,
	}
}

/// The public inputs of a proof of `system` for a job's `input` and revealed `output`, after the
/// job `binding`: for `Groth16Open` every input byte and output integer
/// ([`poi::zk_public_inputs`]), for `Groth16Hidden` the commitment and the Poseidon hashes of the
/// input and the output ([`declai_zk::public_inputs`]). `None` if the output is not whole
/// `i32`s or the commitment is not canonical.
pub fn public_inputs(
	system: &ProofSystem,
	binding: &[u8; 31],
	input: &[u8],
	output: &[u8],
) -> Option<Vec<Scalar>> {
	match system {
		ProofSystem::Groth16Open => {
			let integers = poi::zk_public_inputs(input, output)?;
			Some(
				core::iter::once(Scalar::from_le_bytes_mod_order(binding))
					.chain(integers.into_iter().map(declai_zk::signed::<Scalar>))
					.collect(),
			)
		}
		ProofSystem::Groth16Hidden { commitment } => {
			let commitment = commitment_scalar(commitment)?;
			let output = poi::decode_i32s(output)?;
			Some(declai_zk::public_inputs(binding, commitment, input, &output).to_vec())
		}
	}
}

/// Verifies `proof` against a key checked at registration (so not validated again) for the
/// public inputs `public` (see [`public_inputs`]). `Err(BadProof)`: the proof does not decode;
/// `Ok(false)`: it decodes but does not prove this statement.
pub fn verify(key: &[u8], proof: &[u8], public: &[Scalar]) -> Result<bool, ZkError> {
	verify_decoded(key, &decode_proof(proof)?, public)
}

/// [`verify`] of a proof decoded already ([`decode_proof`]).
pub fn verify_decoded(
	key: &[u8],
	proof: &Proof<Bls12_381>,
	public: &[Scalar],
) -> Result<bool, ZkError> {
	let vk = VerifyingKey::<Bls12_381>::deserialize_with_mode(key, Compress::No, Validate::No)
		.map_err(|_| ZkError::BadKey)?;
	let (first, bases) = vk.gamma_abc_g1.split_first().ok_or(ZkError::BadKey)?;
	if bases.len() != public.len() {
		return Err(ZkError::InputCount);
	}
	let bases: Vec<G1Affine> = bases.to_vec();
	// One multi-scalar multiplication through the `msm_g1` host call (`msm`, not `msm_bigint`,
	// which would run in wasm) instead of one multiplication per input.
	let msm = G1Projective::msm(&bases, public).map_err(|_| ZkError::InputCount)?;
	// Group addition is modular: it cannot overflow.
	#[allow(clippy::arithmetic_side_effects)]
	let prepared_inputs = msm + first.into_group();
	let pvk = prepare_verifying_key(&vk);
	Groth16::<Bls12_381>::verify_proof_with_prepared_inputs(&pvk, proof, &prepared_inputs)
		.map_err(|_| ZkError::BadProof)
}

/// Decodes a proof (uncompressed, every byte used, points on the curve and in the subgroup).
pub fn decode_proof(bytes: &[u8]) -> Result<Proof<Bls12_381>, ZkError> {
	let mut rest = bytes;
	let proof = Proof::<Bls12_381>::deserialize_with_mode(&mut rest, Compress::No, Validate::Yes)
		.map_err(|_| ZkError::BadProof)?;
	if !rest.is_empty() {
		return Err(ZkError::BadProof);
	}
	Ok(proof)
}
