//! Checks the runtime can afford on worker results, shared with the worker so both sides agree on
//! every byte:
//!
//! - [`freivalds`]: Freivalds' test of an integer layer `Y = W·X` in `O(mn + nk + mk)` instead of
//!   `O(mnk)`: `rᵀY = (rᵀW)X` for a challenge vector `r` drawn from chain randomness
//!   ([`challenge_vector`], entries in `1..2^16`, never zero). A wrong `Y` passes only if the error
//!   is orthogonal to `r`; a single wrong entry is always caught, because every `r_i ≠ 0`.
//! - [`merkle_root`] / [`verify_merkle_proof`]: binary blake2-256 Merkle trees over weight rows
//!   (leaf `H(0x00 ‖ data)`, node `H(0x01 ‖ left ‖ right)`, an odd node is promoted unchanged), so a
//!   worker can open the rows of a challenged layer against the model's registered commitment.

use alloc::vec::Vec;
use sp_crypto_hashing::blake2_256;

/// A 32-byte blake2-256 hash.
pub type Hash = [u8; 32];

/// Why a check could not be carried out (as opposed to failing).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum VerifyError {
	/// Matrix dimensions do not match each other or their data length.
	DimensionMismatch,
	/// An intermediate value does not fit in 128 bits.
	Overflow,
	/// The proof is longer than a tree of 2^32 leaves or the index is out of range.
	MalformedProof,
}

/// A row-major integer matrix view.
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
	/// Number of rows.
	pub rows: usize,
	/// Number of columns.
	pub cols: usize,
	/// `rows × cols` entries, row by row.
	pub data: &'a [i32],
}

impl<'a> Matrix<'a> {
	/// A view of `data` as `rows × cols`; errors if the length does not match.
	pub fn new(rows: usize, cols: usize, data: &'a [i32]) -> Result<Self, VerifyError> {
		(rows.checked_mul(cols) == Some(data.len()))
			.then_some(Matrix { rows, cols, data })
			.ok_or(VerifyError::DimensionMismatch)
	}

	fn row(&self, i: usize) -> &'a [i32] {
		let start = i.saturating_mul(self.cols);
		self.data.get(start..start.saturating_add(self.cols)).unwrap_or_default()
	}
}

/// `len` challenge entries in `1..2^16` from a 256-bit seed: entry `i` is the first two bytes of
/// `blake2_256(seed ‖ i as u32 LE)`, plus one.
pub fn challenge_vector(seed: &Hash, len: usize) -> Vec<i64> {
	(0..len)
		.map(|i| {
			let mut input = [0u8; 36];
			if let Some(head) = input.get_mut(..32) {
				head.copy_from_slice(seed);
			}
			if let Some(tail) = input.get_mut(32..) {
				tail.copy_from_slice(&(i as u32).to_le_bytes());
			}
			let h = blake2_256(&input);
			i64::from(u16::from_le_bytes([h[0], h[1]])).saturating_add(1)
		})
		.collect()
}

/// `vᵀM` for a vector `v` of length `m.rows`.
fn left_multiply(v: &[i128], m: &Matrix) -> Result<Vec<i128>, VerifyError> {
	let mut out: Vec<i128> = alloc::vec![0; m.cols];
	for (i, vi) in v.iter().enumerate() {
		for (acc, x) in out.iter_mut().zip(m.row(i)) {
			let term = vi.checked_mul(i128::from(*x)).ok_or(VerifyError::Overflow)?;
			*acc = acc.checked_add(term).ok_or(VerifyError::Overflow)?;
		}
	}
	Ok(out)
}

/// Freivalds' test: whether `rᵀY = (rᵀW)X` for `W: m×n`, `X: n×k`, `Y: m×k`, `r` of length `m`.
pub fn freivalds(w: &Matrix, x: &Matrix, y: &Matrix, r: &[i64]) -> Result<bool, VerifyError> {
	if w.cols != x.rows || y.rows != w.rows || y.cols != x.cols || r.len() != w.rows {
		return Err(VerifyError::DimensionMismatch);
	}
	let r: Vec<i128> = r.iter().map(|v| i128::from(*v)).collect();
	let rw = left_multiply(&r, w)?;
	let rwx = left_multiply(&rw, x)?;
	let ry = left_multiply(&r, y)?;
	Ok(rwx == ry)
}

fn leaf_hash(data: &[u8]) -> Hash {
	let mut input = Vec::with_capacity(data.len().saturating_add(1));
	input.push(0u8);
	input.extend_from_slice(data);
	blake2_256(&input)
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
	let mut input = [0u8; 65];
	input[0] = 1;
	if let Some(l) = input.get_mut(1..33) {
		l.copy_from_slice(left);
	}
	if let Some(r) = input.get_mut(33..65) {
		r.copy_from_slice(right);
	}
	blake2_256(&input)
}

/// The level above `level`: pairs hashed, an odd last node promoted unchanged.
fn next_level(level: &[Hash]) -> Vec<Hash> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[l, r] => node_hash(l, r),
			[single] => *single,
			_ => [0u8; 32],
		})
		.collect()
}

/// Merkle root of `leaves` (`[0; 32]` for none).
pub fn merkle_root<T: AsRef<[u8]>>(leaves: &[T]) -> Hash {
	let mut level: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
	while level.len() > 1 {
		level = next_level(&level);
	}
	level.first().copied().unwrap_or([0u8; 32])
}

/// The sibling hashes from leaf `index` up to the root (for the worker to send).
pub fn merkle_proof<T: AsRef<[u8]>>(leaves: &[T], index: usize) -> Option<Vec<Hash>> {
	if index >= leaves.len() {
		return None;
	}
	let mut level: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_ref())).collect();
	let (mut i, mut proof) = (index, Vec::new());
	while level.len() > 1 {
		// A promoted odd node has no sibling at this level.
		if let Some(sibling) = level.get(i ^ 1) {
			proof.push(*sibling);
		}
		level = next_level(&level);
		i /= 2;
	}
	Some(proof)
}

/// Whether `data` is leaf `index` of a tree of `leaf_count` leaves with root `root`.
pub fn verify_merkle_proof(
	root: &Hash,
	leaf_count: usize,
	index: usize,
	data: &[u8],
	proof: &[Hash],
) -> Result<bool, VerifyError> {
	if index >= leaf_count || proof.len() > 32 {
		return Err(VerifyError::MalformedProof);
	}
	let (mut hash, mut i, mut width, mut siblings) =
		(leaf_hash(data), index, leaf_count, proof.iter());
	while width > 1 {
		let promoted = i ^ 1 >= width;
		if !promoted {
			let Some(sibling) = siblings.next() else { return Ok(false) };
			hash = if i % 2 == 0 { node_hash(&hash, sibling) } else { node_hash(sibling, &hash) };
		}
		i /= 2;
		width = width.div_ceil(2);
	}
	Ok(siblings.next().is_none() && &hash == root)
}

#[cfg(test)]
mod tests;
