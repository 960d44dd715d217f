//! Freivalds and Merkle checks: honest results pass, any single corruption fails.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn matmul(w: &[i32], x: &[i32], m: usize, n: usize, k: usize) -> Vec<i32> {
	let mut y = vec![0i32; m * k];
	for i in 0..m {
		for j in 0..k {
			y[i * k + j] = (0..n).map(|t| w[i * n + t] * x[t * k + j]).sum();
		}
	}
	y
}

#[test]
fn challenge_entries_are_nonzero_and_seed_dependent() {
	let a = challenge_vector(&[1u8; 32], 64);
	let b = challenge_vector(&[2u8; 32], 64);
	assert!(a.iter().all(|v| (1..=65_536).contains(v)));
	assert_ne!(a, b);
	assert_eq!(a, challenge_vector(&[1u8; 32], 64));
}

#[test]
fn dimension_mismatches_are_errors() {
	assert_eq!(Matrix::new(2, 2, &[1, 2, 3]).unwrap_err(), VerifyError::DimensionMismatch);
	let w = Matrix::new(2, 3, &[1; 6]).unwrap();
	let x = Matrix::new(2, 2, &[1; 4]).unwrap();
	assert_eq!(freivalds(&w, &x, &x, &[1, 1]), Err(VerifyError::DimensionMismatch));
}

#[test]
fn merkle_rejects_bad_indices_and_extra_siblings() {
	let rows: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 4]).collect();
	let root = merkle_root(&rows);
	let proof = merkle_proof(&rows, 4).unwrap();
	assert_eq!(verify_merkle_proof(&root, 5, 4, &rows[4], &proof), Ok(true));
	assert_eq!(
		verify_merkle_proof(&root, 5, 5, &rows[4], &proof),
		Err(VerifyError::MalformedProof)
	);
	let mut longer = proof.clone();
	longer.push([0u8; 32]);
	assert_eq!(verify_merkle_proof(&root, 5, 4, &rows[4], &longer), Ok(false));
	assert_eq!(merkle_proof(&rows, 5), None);
}

proptest! {
	#[test]
	fn honest_products_pass_and_one_wrong_entry_fails(
		(m, n, k) in (1usize..8, 1usize..8, 1usize..8),
		seed in any::<[u8; 32]>(),
		values in proptest::collection::vec(-128i32..128, 128),
		at in any::<prop::sample::Index>(),
		delta in prop_oneof![-1000i32..-1, 1i32..1000],
	) {
		let w: Vec<i32> = values.iter().cycle().take(m * n).copied().collect();
		let x: Vec<i32> = values.iter().rev().cycle().take(n * k).copied().collect();
		let y = matmul(&w, &x, m, n, k);
		let r = challenge_vector(&seed, m);
		let (wm, xm) = (Matrix::new(m, n, &w).unwrap(), Matrix::new(n, k, &x).unwrap());
		prop_assert_eq!(freivalds(&wm, &xm, &Matrix::new(m, k, &y).unwrap(), &r), Ok(true));
		let mut bad = y.clone();
		bad[at.index(m * k)] += delta;
		prop_assert_eq!(freivalds(&wm, &xm, &Matrix::new(m, k, &bad).unwrap(), &r), Ok(false));
	}

	#[test]
	fn every_leaf_proves_and_tampering_fails(
		leaves in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 1..40),
		pick in any::<prop::sample::Index>(),
		flip in any::<u8>(),
	) {
		let root = merkle_root(&leaves);
		for (i, leaf) in leaves.iter().enumerate() {
			let proof = merkle_proof(&leaves, i).unwrap();
			prop_assert_eq!(verify_merkle_proof(&root, leaves.len(), i, leaf, &proof), Ok(true));
		}
		let i = pick.index(leaves.len());
		let proof = merkle_proof(&leaves, i).unwrap();
		let mut tampered = leaves[i].clone();
		tampered.push(flip);
		prop_assert_eq!(verify_merkle_proof(&root, leaves.len(), i, &tampered, &proof), Ok(false));
		if leaves.len() > 1 {
			let other = (i + 1) % leaves.len();
			if leaves[other] != leaves[i] {
				prop_assert_eq!(verify_merkle_proof(&root, leaves.len(), other, &leaves[i], &proof), Ok(false));
			}
		}
	}
}
