//! What the node and the runtime share about a block's consensus data: the authority key, the
//! pre-runtime digest with its VRF signature, the seal, the leader draw and the randomness.
//!
//! A block of slot `s` on a parent whose chain randomness is `r`:
//! - its author is `leader(weights, r, s)`, the index drawn from the authorities weighted by their
//!   Proof-of-Inference weights (anyone can recompute it, nobody knows it before the parent
//!   exists, because `r` changes with every block);
//! - its pre-runtime digest ([`PreDigest`], engine [`ENGINE_ID`]) carries the author's index, the
//!   slot and a VRF signature on `(r, s)`; the VRF output is unique for the key and the input, so
//!   the author cannot choose it;
//! - its seal is the author's signature on the hash of the header without the seal;
//! - the chain randomness after it is [`next_randomness`]`(r, vrf output)`.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_consensus_slots::Slot;
use sp_core::sr25519::vrf::{VrfPreOutput, VrfSignData, VrfSignature, VrfTranscript};
use sp_runtime::{generic::DigestItem, ConsensusEngineId, Digest, KeyTypeId};

/// The engine id of DeCLAI's Proof-of-Inference consensus in digests.
pub const ENGINE_ID: ConsensusEngineId = *b"DPoI";

/// The keystore type of the block-authoring key (a session key).
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"dpoi");

mod app {
	use sp_application_crypto::sr25519;
	sp_application_crypto::app_crypto!(sr25519, super::KEY_TYPE);
}

/// A block author's public key (sr25519: it signs the seal and the VRF).
pub type AuthorityId = app::Public;
/// A seal.
pub type AuthoritySignature = app::Signature;
/// A block author's key pair.
#[cfg(feature = "std")]
pub type AuthorityPair = app::Pair;

/// Weights are parts of this total (parts per billion).
pub const WEIGHT_SCALE: u64 = 1_000_000_000;

/// The consensus data the author puts in front of the block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct PreDigest {
	/// The author's index in the authorities of the parent's state.
	pub authority_index: u32,
	/// The slot the block was authored in.
	pub slot: Slot,
	/// The VRF signature on the parent's randomness and the slot ([`vrf_input`]).
	pub vrf: VrfSignature,
}

impl PreDigest {
	/// As a digest item.
	pub fn to_digest_item(&self) -> DigestItem {
		DigestItem::PreRuntime(ENGINE_ID, self.encode())
	}
}

/// Why a header's consensus data is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestError {
	/// No pre-runtime digest of this engine.
	Missing,
	/// More than one pre-runtime digest of this engine.
	Multiple,
	/// The pre-runtime digest does not decode.
	Undecodable,
}

/// The header's [`PreDigest`].
pub fn find_pre_digest(digest: &Digest) -> Result<PreDigest, DigestError> {
	let mut found = None;
	for (engine, mut data) in digest.logs().iter().filter_map(DigestItem::as_pre_runtime) {
		if engine != ENGINE_ID {
			continue;
		}
		if found.is_some() {
			return Err(DigestError::Multiple);
		}
		found = Some(PreDigest::decode(&mut data).map_err(|_| DigestError::Undecodable)?);
	}
	found.ok_or(DigestError::Missing)
}

/// The seal of a header: the author's signature on the hash of the header without it.
pub fn seal_item(signature: AuthoritySignature) -> DigestItem {
	DigestItem::Seal(ENGINE_ID, signature.encode())
}

/// The VRF input of slot `slot` on a parent whose chain randomness is `randomness`.
pub fn vrf_input(randomness: &[u8; 32], slot: Slot) -> VrfSignData {
	VrfTranscript::new(
		b"DeCLAI PoI slot",
		&[(b"randomness", randomness.as_slice()), (b"slot", &u64::from(slot).to_le_bytes())],
	)
	.into_sign_data()
}

/// The chain randomness after a block whose VRF pre-output is `pre_output`.
pub fn next_randomness(randomness: &[u8; 32], pre_output: &VrfPreOutput) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"declai/randomness", randomness, pre_output).encode())
}

/// The index of the leader of `slot` among authorities with these `weights`, on a parent whose
/// chain randomness is `randomness`. `None` without authorities (or with all weights zero).
pub fn leader(weights: &[u64], randomness: &[u8; 32], slot: Slot) -> Option<u32> {
	let seed = sp_io::hashing::blake2_256(&(b"declai/leader", randomness, slot).encode());
	declai_primitives::poi::weighted_pick(&seed, weights).and_then(|i| u32::try_from(i).ok())
}

/// Weights (parts of [`WEIGHT_SCALE`]) from each authority's Proof-of-Inference work (smoothed
/// across sessions by the caller): a floor of `floor / n` each, the rest in proportion to the
/// **square root** of the work (concave: doubling one's work does not double one's slots), and
/// no authority above [`max_share`] of the whole (the excess goes to the others in proportion
/// to their weights). Equal weights when nobody did any work.
pub fn weights_from_work(work: &[u128], floor: sp_runtime::Perbill) -> Vec<u64> {
	let n = work.len() as u64;
	if n == 0 {
		return Vec::new();
	}
	let roots: Vec<u128> = work.iter().map(|w| w.isqrt()).collect();
	let total: u128 = roots.iter().sum();
	if total == 0 {
		return alloc::vec![WEIGHT_SCALE.checked_div(n).unwrap_or(0); work.len()];
	}
	let floor_total = floor.mul_floor(WEIGHT_SCALE);
	let floor_each = floor_total.checked_div(n).unwrap_or(0);
	let share = u128::from(WEIGHT_SCALE.saturating_sub(floor_total));
	let mut weights: Vec<u64> = roots
		.iter()
		.map(|r| {
			let proportional = sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
				share,
				*r,
				total,
				sp_runtime::Rounding::Down,
			)
			.unwrap_or(0);
			floor_each.saturating_add(u64::try_from(proportional).unwrap_or(u64::MAX))
		})
		.collect();
	cap_weights(&mut weights, max_share(work.len()));
	weights
}

/// The largest weight one authority may have among `n`: `2 / n` of [`WEIGHT_SCALE`] (all of it
/// for one or two authorities).
pub fn max_share(n: usize) -> u64 {
	let n = n as u64;
	if n <= 2 {
		return WEIGHT_SCALE;
	}
	WEIGHT_SCALE.saturating_mul(2).checked_div(n).unwrap_or(WEIGHT_SCALE)
}

/// Lowers every weight above `cap` to it and hands the excess to the weights below it, in
/// proportion to them, until none is above (water-filling; at most `n` rounds).
fn cap_weights(weights: &mut [u64], cap: u64) {
	for _ in 0..weights.len() {
		let excess: u128 =
			weights.iter().filter(|w| **w > cap).map(|w| u128::from(w.saturating_sub(cap))).sum();
		if excess == 0 {
			return;
		}
		for w in weights.iter_mut() {
			*w = (*w).min(cap);
		}
		let below: u128 = weights.iter().filter(|w| **w < cap).map(|w| u128::from(*w)).sum();
		let open = weights.iter().filter(|w| **w < cap).count() as u128;
		for w in weights.iter_mut().filter(|w| **w < cap) {
			// In proportion to the weight (each has at least the floor), or equally.
			let extra = if below > 0 {
				sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
					excess,
					u128::from(*w),
					below,
					sp_runtime::Rounding::Down,
				)
				.unwrap_or(0)
			} else {
				excess.checked_div(open).unwrap_or(0)
			};
			*w = w.saturating_add(u64::try_from(extra).unwrap_or(u64::MAX));
		}
	}
	for w in weights.iter_mut() {
		*w = (*w).min(cap);
	}
}

/// Two headers of the same author and slot: the proof of an equivocation.
pub type EquivocationProof<Header> = sp_consensus_slots::EquivocationProof<Header, AuthorityId>;
