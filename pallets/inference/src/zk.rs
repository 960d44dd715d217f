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
use sp_crypto_ec_utils::bls12_381::{Bls12_381, G1Affine, G1Projective};

type Scalar = <Bls12_381 as Pairing>::ScalarField;

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

/// `v` as a scalar: non-negative values directly, negative ones as `r − |v|`.
// Field and group arithmetic is modular: it cannot overflow.
#[allow(clippy::arithmetic_side_effects)]
fn scalar(v: i64) -> Scalar {
	let magnitude = Scalar::from(v.unsigned_abs());
	if v < 0 {
		-magnitude
	} else {
		magnitude
	}
}

/// Verifies `proof` against a key checked at registration (so not validated again) for the
/// public inputs `binding` (31 bytes, little-endian, below 2²⁴⁸ so never reduced) and then
/// `public`.
pub fn verify(
	key: &[u8],
	proof: &[u8],
	binding: &[u8; 31],
	public: &[i64],
) -> Result<bool, ZkError> {
	let vk = VerifyingKey::<Bls12_381>::deserialize_with_mode(key, Compress::No, Validate::No)
		.map_err(|_| ZkError::BadKey)?;
	let proof = Proof::<Bls12_381>::deserialize_with_mode(proof, Compress::No, Validate::Yes)
		.map_err(|_| ZkError::BadProof)?;
	let (first, bases) = vk.gamma_abc_g1.split_first().ok_or(ZkError::BadKey)?;
	if bases.len() != public.len().saturating_add(1) {
		return Err(ZkError::InputCount);
	}
	let scalars: Vec<Scalar> = core::iter::once(Scalar::from_le_bytes_mod_order(binding))
		.chain(public.iter().map(|v| scalar(*v)))
		.collect();
	let bases: Vec<G1Affine> = bases.to_vec();
	// One multi-scalar multiplication through the `msm_g1` host call (`msm`, not `msm_bigint`,
	// which would run in wasm) instead of one multiplication per input.
	let msm = G1Projective::msm(&bases, &scalars).map_err(|_| ZkError::InputCount)?;
	// Group addition is modular: it cannot overflow.
	#[allow(clippy::arithmetic_side_effects)]
	let prepared_inputs = msm + first.into_group();
	let pvk = prepare_verifying_key(&vk);
	Groth16::<Bls12_381>::verify_proof_with_prepared_inputs(&pvk, &proof, &prepared_inputs)
		.map_err(|_| ZkError::BadProof)
}
