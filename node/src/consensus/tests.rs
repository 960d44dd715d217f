//! The import checks on hand-made headers: the leader's sealed block passes; a bad seal, an
//! ineligible author, a wrong VRF, a stale or future slot and an unsealed header are rejected by
//! name.

use super::*;
use sp_core::crypto::VrfSecret;
use sp_runtime::{generic, traits::BlakeTwo256, Digest};

type Header = generic::Header<u32, BlakeTwo256>;

fn pairs() -> Vec<sr25519::Pair> {
	(1u8..=3).map(|i| sr25519::Pair::from_seed(&[i; 32])).collect()
}

/// Three authorities weighted 50/30/20 after a parent of slot 10.
fn draw() -> LeaderDraw {
	let weights = [500_000_000u64, 300_000_000, 200_000_000];
	LeaderDraw {
		authorities: pairs().iter().zip(weights).map(|(p, w)| (p.public().into(), w)).collect(),
		randomness: [42; 32],
		slot: Slot::from(10),
	}
}

fn leader_of(draw: &LeaderDraw, slot: u64) -> usize {
	draw.leader(Slot::from(slot)).unwrap() as usize
}

/// A header of slot `slot` claimed by authority `index` with `vrf_by`'s VRF on `vrf_slot`,
/// sealed by `sealer` (on the right hash unless `seal_parent`).
fn header(
	index: usize,
	slot: u64,
	vrf_by: usize,
	vrf_slot: u64,
	sealer: usize,
	seal_parent: bool,
) -> Header {
	let pairs = pairs();
	let d = draw();
	let vrf = pairs[vrf_by].vrf_sign(&digest::vrf_input(&d.randomness, Slot::from(vrf_slot)));
	let pre = PreDigest { authority_index: index as u32, slot: Slot::from(slot), vrf };
	let mut h = Header::new(
		7,
		Default::default(),
		Default::default(),
		[1; 32].into(),
		Digest { logs: vec![pre.to_digest_item()] },
	);
	let message = if seal_parent { h.parent_hash().encode() } else { h.hash().encode() };
	let signature: AuthoritySignature = pairs[sealer].sign(&message).into();
	h.digest_mut().push(digest::seal_item(signature));
	h
}

const NOW: u64 = 20;

fn check(h: &Header) -> Result<(), CheckError> {
	check_header(h, &draw(), Slot::from(NOW)).map(|_| ())
}

#[test]
fn the_leaders_sealed_block_passes() {
	let d = draw();
	for slot in 11..=NOW {
		let l = leader_of(&d, slot);
		let h = header(l, slot, l, slot, l, false);
		let checked = check_header(&h, &d, Slot::from(NOW)).unwrap();
		assert_eq!(checked.pre_digest.slot, Slot::from(slot));
		assert_eq!(checked.author, d.authorities[l].0);
		assert_eq!(checked.pre_header.digest().logs().len(), 1, "the seal is taken off");
	}
}

#[test]
fn an_ineligible_author_is_rejected() {
	let d = draw();
	let slot = 15;
	let l = leader_of(&d, slot);
	let other = (l + 1) % 3;
	// Everything of its own, properly signed: still not its slot.
	assert_eq!(
		check(&header(other, slot, other, slot, other, false)),
		Err(CheckError::NotTheLeader { claimed: other as u32, drawn: Some(l as u32) })
	);
	// An index outside the set.
	assert!(matches!(
		check(&header(7, slot, l, slot, l, false)),
		Err(CheckError::NotTheLeader { .. })
	));
}

#[test]
fn a_bad_seal_is_rejected() {
	let d = draw();
	let slot = 16;
	let l = leader_of(&d, slot);
	let other = (l + 1) % 3;
	assert_eq!(check(&header(l, slot, l, slot, other, false)), Err(CheckError::BadSignature));
	assert_eq!(check(&header(l, slot, l, slot, l, true)), Err(CheckError::BadSignature));
	let mut unsealed = header(l, slot, l, slot, l, false);
	unsealed.digest_mut().pop();
	assert_eq!(check(&unsealed), Err(CheckError::Unsealed));
	let mut junk = header(l, slot, l, slot, l, false);
	junk.digest_mut().pop();
	junk.digest_mut().push(DigestItem::Seal(ENGINE_ID, vec![1, 2, 3]));
	assert_eq!(check(&junk), Err(CheckError::BadSeal));
}

#[test]
fn a_wrong_vrf_is_rejected() {
	let d = draw();
	let slot = 17;
	let l = leader_of(&d, slot);
	let other = (l + 1) % 3;
	assert_eq!(check(&header(l, slot, other, slot, l, false)), Err(CheckError::BadVrf));
	assert_eq!(check(&header(l, slot, l, slot + 1, l, false)), Err(CheckError::BadVrf));
}

#[test]
fn stale_and_future_slots_are_rejected() {
	let d = draw();
	let l = leader_of(&d, 10);
	assert_eq!(
		check(&header(l, 10, l, 10, l, false)),
		Err(CheckError::SlotNotIncreasing { parent: Slot::from(10), slot: Slot::from(10) })
	);
	let l = leader_of(&d, NOW + 1);
	assert_eq!(
		check(&header(l, NOW + 1, l, NOW + 1, l, false)),
		Err(CheckError::TooFarInFuture { slot: Slot::from(NOW + 1), now: Slot::from(NOW) })
	);
}

#[test]
fn a_header_without_pre_digest_is_rejected() {
	let mut h =
		Header::new(7, Default::default(), Default::default(), [1; 32].into(), Digest::default());
	let signature: AuthoritySignature = pairs()[0].sign(h.hash().as_ref()).into();
	h.digest_mut().push(digest::seal_item(signature));
	assert_eq!(check(&h), Err(CheckError::PreDigest(DigestError::Missing)));
}
