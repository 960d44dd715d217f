//! The simulation's storage: the externalities the real pallets run against.
//!
//! Substrate's `BasicExternalities` keeps the whole state in its overlay, a B-tree of byte keys.
//! Every key of a FRAME pallet starts with the same 32 bytes (the pallet's and the item's
//! `twox128`), so each of the simulator's millions of reads and writes paid a dozen long
//! comparisons, and each transaction layer (the pallets open one per call) copied the keys it
//! touched. Profiled at 10,000 agents, that overlay was about 40% of the run time.
//!
//! [`SimExternalities`] is a hash map with an undo log per open transaction and an ordered key
//! index for iteration. It has the semantics the pallets rely on — reads see the latest write, a
//! rolled-back layer leaves nothing behind, `next_storage_key` walks keys in order, a limited
//! prefix clear stops at its limit (as a node's storage does; `BasicExternalities` ignores the
//! limit) — and no storage root (the simulation never needs one). Events and their count are
//! the one thing it does not keep: the simulation never reads them, the model clears them every
//! hour, and appending ten thousand event records an hour to one storage value was the next
//! largest cost. FRAME's transaction level (`:transaction_level:`, written around every storage
//! layer) is kept outside the undo logs and the key index: FRAME restores it itself, and nothing
//! iterates it. The model's results are the same with either storage (`--basic-storage` runs on `BasicExternalities`; a test
//! runs both and compares every day).

use std::{
	any::{Any, TypeId},
	collections::{hash_map::Entry, BTreeSet, HashMap},
	hash::{BuildHasherDefault, Hasher},
	ops::Bound,
};

use codec::{Compact, Decode, Encode};
use sp_core::storage::{ChildInfo, StateVersion, Storage, TrackedStorageKey};
use sp_externalities::{Extension, Extensions, Externalities, MultiRemovalResults};

/// FRAME's count of open storage layers (`frame_support::storage::transactional`): written on
/// entering and leaving every layer, so twice per pallet call.
const TRANSACTION_LEVEL_KEY: &[u8] = b":transaction_level:";

/// A cheap hash of a storage key. Keys are mostly hashes already (`twox`, `blake2`), so a
/// multiply–rotate over their 8-byte words spreads them well enough for a hash map.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
	fn write(&mut self, bytes: &[u8]) {
		const K: u64 = 0x9e37_79b9_7f4a_7c15;
		let mut chunks = bytes.chunks_exact(8);
		for c in &mut chunks {
			let mut word = [0u8; 8];
			word.copy_from_slice(c);
			self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
		}
		for &b in chunks.remainder() {
			self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
		}
	}

	fn finish(&self) -> u64 {
		self.0
	}
}

type Map = HashMap<Vec<u8>, Vec<u8>, BuildHasherDefault<KeyHasher>>;
/// One open transaction's undo log: each write's key and the value it replaced, in order.
type UndoLog = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// The simulation's externalities; see the module docs.
pub struct SimExternalities {
	values: Map,
	/// The keys of `values`, in order, for `next_storage_key` and `clear_prefix`.
	keys: BTreeSet<Vec<u8>>,
	/// Undo logs of the open transactions, innermost last.
	layers: Vec<UndoLog>,
	/// Storage values whose writes and appends are dropped (the events and their count).
	discard: Vec<Vec<u8>>,
	/// The value of `:transaction_level:`, apart from the map: read and written twice per storage
	/// layer, 28 million times a simulated year at 10,000 agents.
	transaction_level: Option<Vec<u8>>,
	extensions: Extensions,
}

impl SimExternalities {
	/// The state of a genesis `storage` (no child tries: the simulated runtime has none).
	/// Writes and appends to a key in `discard` are dropped.
	pub fn new(storage: Storage, discard: Vec<Vec<u8>>) -> Self {
		let mut top = storage.top;
		let transaction_level = top.remove(TRANSACTION_LEVEL_KEY);
		let keys = top.keys().cloned().collect();
		Self {
			values: top.into_iter().collect(),
			keys,
			layers: Vec::new(),
			discard,
			transaction_level,
			extensions: Extensions::default(),
		}
	}

	/// Runs `f` with these externalities set, as `BasicExternalities::execute_with`.
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		sp_externalities::set_and_run_with_externalities(self, f)
	}

	/// Number of storage entries.
	#[cfg(test)]
	fn len(&self) -> usize {
		self.values.len()
	}

	/// Sets `key` to `value` (`None` removes it) and returns what it replaced.
	fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) -> Option<Vec<u8>> {
		match value {
			Some(v) => match self.values.entry(key) {
				Entry::Occupied(mut e) => Some(e.insert(v)),
				Entry::Vacant(e) => {
					self.keys.insert(e.key().clone());
					e.insert(v);
					None
				}
			},
			None => {
				let old = self.values.remove(&key);
				if old.is_some() {
					self.keys.remove(&key);
				}
				old
			}
		}
	}
}

impl Externalities for SimExternalities {
	fn set_offchain_storage(&mut self, _key: &[u8], _value: Option<&[u8]>) {}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		if key == TRANSACTION_LEVEL_KEY {
			return self.transaction_level.clone();
		}
		self.values.get(key).cloned()
	}

	fn exists_storage(&mut self, key: &[u8]) -> bool {
		if key == TRANSACTION_LEVEL_KEY {
			return self.transaction_level.is_some();
		}
		self.values.contains_key(key)
	}

	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.storage(key).map(|v| sp_io::hashing::blake2_256(&v).to_vec())
	}

	fn child_storage_hash(&mut self, _child: &ChildInfo, _key: &[u8]) -> Option<Vec<u8>> {
		None
	}

	fn child_storage(&mut self, _child: &ChildInfo, _key: &[u8]) -> Option<Vec<u8>> {
		None
	}

	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.keys.range::<[u8], _>((Bound::Excluded(key), Bound::Unbounded)).next().cloned()
	}

	fn next_child_storage_key(&mut self, _child: &ChildInfo, _key: &[u8]) -> Option<Vec<u8>> {
		None
	}

	fn kill_child_storage(
		&mut self,
		_child: &ChildInfo,
		_limit: Option<u32>,
		_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		MultiRemovalResults { maybe_cursor: None, backend: 0, unique: 0, loops: 0 }
	}

	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		limit: Option<u32>,
		_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		let limit = limit.map_or(usize::MAX, |l| l as usize);
		let matching: Vec<Vec<u8>> = self
			.keys
			.range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
			.take_while(|k| k.starts_with(prefix))
			.take(limit.saturating_add(1))
			.cloned()
			.collect();
		let more = matching.len() > limit;
		let mut count = 0u32;
		for key in matching.into_iter().take(limit) {
			self.place_storage(key, None);
			count = count.saturating_add(1);
		}
		// A cursor only when keys are left: the caller clears again from the prefix.
		let maybe_cursor = more.then(|| prefix.to_vec());
		MultiRemovalResults { maybe_cursor, backend: count, unique: count, loops: count }
	}

	fn clear_child_prefix(
		&mut self,
		_child: &ChildInfo,
		_prefix: &[u8],
		_limit: Option<u32>,
		_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		MultiRemovalResults { maybe_cursor: None, backend: 0, unique: 0, loops: 0 }
	}

	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		if key == TRANSACTION_LEVEL_KEY {
			// Neither logged nor indexed: FRAME raises and lowers it around each layer itself.
			self.transaction_level = value;
			return;
		}
		if self.discard.contains(&key) {
			return;
		}
		if self.layers.is_empty() {
			self.put(key, value);
			return;
		}
		let old = self.put(key.clone(), value);
		if let Some(log) = self.layers.last_mut() {
			log.push((key, old));
		}
	}

	fn place_child_storage(&mut self, _child: &ChildInfo, _key: Vec<u8>, _value: Option<Vec<u8>>) {
		// The simulated runtime has no child tries.
	}

	fn storage_root(&mut self, _version: StateVersion) -> Vec<u8> {
		// Nothing in the simulation finalizes a block; a root here would be a silent lie.
		unimplemented!("the simulator's storage computes no storage root")
	}

	fn child_storage_root(&mut self, _child: &ChildInfo, _version: StateVersion) -> Vec<u8> {
		unimplemented!("the simulator's storage computes no storage root")
	}

	fn storage_append(&mut self, key: Vec<u8>, element: Vec<u8>) {
		if self.discard.contains(&key) {
			return;
		}
		// A SCALE vector: its compact length, then the encoded items.
		let value = match self.values.get(&key) {
			None => {
				let mut v = Compact(1u32).encode();
				v.extend_from_slice(&element);
				v
			}
			Some(current) => {
				let mut rest = current.as_slice();
				// A value that is not a vector is replaced by one of this element (as Substrate's
				// overlay does).
				let (len, rest) = match Compact::<u32>::decode(&mut rest) {
					Ok(c) => (c.0, rest),
					Err(_) => (0, &[][..]),
				};
				let mut v = Compact(len.saturating_add(1)).encode();
				v.extend_from_slice(rest);
				v.extend_from_slice(&element);
				v
			}
		};
		self.place_storage(key, Some(value));
	}

	fn storage_start_transaction(&mut self) {
		self.layers.push(Vec::new());
	}

	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		let log = self.layers.pop().ok_or(())?;
		for (key, old) in log.into_iter().rev() {
			self.put(key, old);
		}
		Ok(())
	}

	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		let log = self.layers.pop().ok_or(())?;
		// The outer transaction may still roll these writes back.
		if let Some(outer) = self.layers.last_mut() {
			outer.extend(log);
		}
		Ok(())
	}

	fn wipe(&mut self) {}

	fn commit(&mut self) {}

	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		(0, 0, 0, 0)
	}

	fn reset_read_write_count(&mut self) {}

	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		Vec::new()
	}

	fn set_whitelist(&mut self, _: Vec<TrackedStorageKey>) {}

	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		Vec::new()
	}
}

impl sp_externalities::ExtensionStore for SimExternalities {
	fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn Any> {
		self.extensions.get_mut(type_id)
	}

	fn register_extension_with_type_id(
		&mut self,
		type_id: TypeId,
		extension: Box<dyn Extension>,
	) -> Result<(), sp_externalities::Error> {
		self.extensions.register_with_type_id(type_id, extension)
	}

	fn deregister_extension_by_type_id(
		&mut self,
		type_id: TypeId,
	) -> Result<(), sp_externalities::Error> {
		if self.extensions.deregister(type_id) {
			Ok(())
		} else {
			Err(sp_externalities::Error::ExtensionIsNotRegistered(type_id))
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_state_machine::BasicExternalities;

	/// One script of writes, appends, transactions and prefix clears, run against both
	/// externalities: every read along the way and the final state agree.
	fn script(ext: &mut dyn Externalities) -> Vec<Option<Vec<u8>>> {
		let mut seen = Vec::new();
		ext.set_storage(b"ab1".to_vec(), vec![1]);
		ext.set_storage(b"ab2".to_vec(), vec![2]);
		ext.set_storage(b"b".to_vec(), vec![3]);
		ext.storage_start_transaction();
		ext.set_storage(b"ab1".to_vec(), vec![9]);
		ext.storage_append(b"list".to_vec(), 7u32.encode());
		ext.storage_start_transaction();
		ext.clear_storage(b"b");
		ext.storage_append(b"list".to_vec(), 8u32.encode());
		seen.push(ext.storage(b"b"));
		seen.push(ext.storage(b"list"));
		let _ = ext.storage_rollback_transaction();
		seen.push(ext.storage(b"b"));
		seen.push(ext.storage(b"list"));
		let _ = ext.storage_commit_transaction();
		seen.push(ext.storage(b"ab1"));
		seen.push(ext.next_storage_key(b"ab1"));
		seen.push(ext.next_storage_key(b"ab2"));
		ext.storage_start_transaction();
		let _ = ext.clear_prefix(b"ab", None, None);
		seen.push(ext.storage(b"ab2"));
		let _ = ext.storage_rollback_transaction();
		seen.push(ext.storage(b"ab2"));
		let _ = ext.clear_prefix(b"ab", None, None);
		seen.push(ext.next_storage_key(b""));
		for key in [&b"ab1"[..], b"ab2", b"b", b"list"] {
			seen.push(ext.storage(key));
		}
		seen
	}

	#[test]
	fn it_behaves_as_the_basic_externalities() {
		let mut basic = BasicExternalities::default();
		let mut sim = SimExternalities::new(Storage::default(), Vec::new());
		let expected = script(&mut basic);
		assert_eq!(script(&mut sim), expected);
		// The rolled-back layer left nothing: the appended list holds one item.
		assert_eq!(expected.get(3).cloned().flatten(), Some(vec![7u32].encode()));
		assert_eq!(sim.len(), 2);
	}

	#[test]
	fn a_limited_prefix_clear_leaves_the_rest_and_a_cursor() {
		let mut sim = SimExternalities::new(Storage::default(), Vec::new());
		for k in [&b"p1"[..], b"p2", b"p3", b"q"] {
			sim.set_storage(k.to_vec(), vec![0]);
		}
		let r = sim.clear_prefix(b"p", Some(2), None);
		assert_eq!((r.unique, r.maybe_cursor.is_some()), (2, true));
		assert_eq!(sim.next_storage_key(b""), Some(b"p3".to_vec()));
		let r = sim.clear_prefix(b"p", Some(2), None);
		assert_eq!((r.unique, r.maybe_cursor), (1, None));
		assert_eq!(sim.len(), 1);
	}

	#[test]
	fn appends_to_a_discarded_key_are_dropped() {
		let mut sim = SimExternalities::new(Storage::default(), vec![b"events".to_vec()]);
		sim.storage_append(b"events".to_vec(), 1u32.encode());
		sim.storage_append(b"other".to_vec(), 1u32.encode());
		sim.set_storage(b"events".to_vec(), vec![1]);
		assert_eq!(sim.storage(b"events"), None);
		assert_eq!(sim.storage(b"other"), Some(vec![1u32].encode()));
	}
}
