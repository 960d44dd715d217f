//! A hash-map state for running the real runtime and pallets natively without a trie: the
//! economy simulator's storage and the runtime fuzzer's.
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
//! limit) — and no storage root (the simulation never needs one). (The simulator records no events
//! at all: it holds `frame_system`'s event count at its maximum, at which nothing is written; it
//! never reads events, and recording them was a fifth of its storage operations.) FRAME's
//! transaction level (`:transaction_level:`, written around every storage
//! layer) is kept outside the undo logs and the key index: FRAME restores it itself, and nothing
//! iterates it. The model's results are the same with either storage (`--basic-storage` runs
//! on `BasicExternalities`; a test runs both and compares every day).
//!
//! For whole blocks ([`Roots::Placeholder`]) it answers a placeholder for the storage root, and
//! it can count the distinct keys a stretch of execution read and wrote ([`SimExternalities::
//! track`]), which the fuzzer compares with the weight an extrinsic declared.

use std::{
	any::{Any, TypeId},
	collections::{BTreeMap, BTreeSet, HashMap, HashSet},
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
/// multiply–rotate over a few of their 8-byte words spreads them well enough for a hash map. A
/// long key is hashed by the words that tell FRAME's keys apart: the item's (bytes 16–24), the
/// start of the first map key's hash (32–40) and the last sixteen bytes (a `Concat` hasher's
/// plain key, or the second key of a double map). Equal hashes only cost a comparison.
#[derive(Default)]
pub struct KeyHasher(u64);

impl KeyHasher {
	fn mix(&mut self, word: u64) {
		const K: u64 = 0x9e37_79b9_7f4a_7c15;
		self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
	}

	fn word(bytes: &[u8], at: usize) -> u64 {
		let mut word = [0u8; 8];
		if let Some(w) = bytes.get(at..at.saturating_add(8)) {
			word.copy_from_slice(w);
		}
		u64::from_le_bytes(word)
	}
}

impl Hasher for KeyHasher {
	fn write(&mut self, bytes: &[u8]) {
		let n = bytes.len();
		if n >= 48 {
			for at in [16, 32, n - 16, n - 8] {
				self.mix(Self::word(bytes, at));
			}
			return;
		}
		let mut chunks = bytes.chunks_exact(8);
		for c in &mut chunks {
			self.mix(Self::word(c, 0));
		}
		for &b in chunks.remainder() {
			self.mix(u64::from(b));
		}
	}

	fn finish(&self) -> u64 {
		self.0
	}
}

type Map = HashMap<Vec<u8>, Vec<u8>, BuildHasherDefault<KeyHasher>>;
/// One open transaction's undo log: each write's key and the value it replaced, in order.
type UndoLog = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// What [`SimExternalities`] answers when asked for a storage root.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Roots {
	/// Panics: for a caller that never finalizes a block (the simulator), where any answer would
	/// be a silent lie.
	Refuse,
	/// A placeholder that is not a state root: the hash of the number of writes so far. For a
	/// caller that runs whole blocks (`frame_system` puts a root in each header) but never
	/// checks one (the fuzzer).
	Placeholder,
}

/// Distinct keys read and written while tracking ([`SimExternalities::track`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Access {
	/// Keys read before any write to them in the stretch (later reads come from a node's cache).
	pub reads: u32,
	/// Keys written, removed or appended to.
	pub writes: u32,
}

/// The keys a tracked stretch touched, and the keys it does not count.
struct Tracking {
	read: HashSet<Vec<u8>>,
	written: HashSet<Vec<u8>>,
	ignored: Vec<Vec<u8>>,
}

impl Tracking {
	fn read(&mut self, key: &[u8]) {
		if !self.written.contains(key) && !self.ignored.iter().any(|i| i == key) {
			self.read.insert(key.to_vec());
		}
	}

	fn write(&mut self, key: &[u8]) {
		if !self.ignored.iter().any(|i| i == key) {
			self.written.insert(key.to_vec());
		}
	}
}

/// The externalities; see the module docs.
pub struct SimExternalities {
	values: Map,
	/// The keys of `values`, in order, for `next_storage_key` and `clear_prefix`; see [`Index`].
	keys: Index,
	/// Undo logs of the open transactions, innermost last.
	layers: Vec<UndoLog>,
	/// The value of `:transaction_level:`, apart from the map: read and written twice per storage
	/// layer, 28 million times a simulated year at 10,000 agents.
	transaction_level: Option<Vec<u8>>,
	extensions: Extensions,
	roots: Roots,
	/// Writes so far (for [`Roots::Placeholder`]).
	writes: u64,
	tracking: Option<Tracking>,
}

impl SimExternalities {
	/// The state of a genesis `storage` (no child tries: the simulated runtime has none).
	pub fn new(storage: Storage) -> Self {
		let mut top = storage.top;
		let transaction_level = top.remove(TRANSACTION_LEVEL_KEY);
		let mut keys = Index::default();
		for key in top.keys() {
			keys.insert(key);
		}
		Self {
			values: top.into_iter().collect(),
			keys,
			layers: Vec::new(),
			transaction_level,
			extensions: Extensions::default(),
			roots: Roots::Refuse,
			writes: 0,
			tracking: None,
		}
	}

	/// These externalities, answering `roots` for storage roots.
	pub fn with_roots(mut self, roots: Roots) -> Self {
		self.roots = roots;
		self
	}

	/// Starts counting the distinct keys read and written (see [`Access`]), not counting the keys
	/// in `ignored` (as benchmarks do not count the keys every block touches anyway).
	pub fn track(&mut self, ignored: Vec<Vec<u8>>) {
		self.tracking = Some(Tracking { read: HashSet::new(), written: HashSet::new(), ignored });
	}

	/// Stops counting and returns what was touched since [`Self::track`] (`None` if it was not
	/// tracking).
	pub fn tracked(&mut self) -> Option<Access> {
		let t = self.tracking.take()?;
		let n = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
		Some(Access { reads: n(t.read.len()), writes: n(t.written.len()) })
	}

	/// Runs `f` with these externalities set, as `BasicExternalities::execute_with`.
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		sp_externalities::set_and_run_with_externalities(self, f)
	}

	/// Number of storage entries.
	pub fn len(&self) -> usize {
		self.values.len()
	}

	/// Sets `key` to `value` (`None` removes it); returns the key and what it replaced. A key
	/// already there is overwritten in place: neither copied nor indexed again.
	fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) -> (Vec<u8>, Option<Vec<u8>>) {
		match value {
			Some(v) => {
				if let Some(slot) = self.values.get_mut(&key) {
					return (key, Some(std::mem::replace(slot, v)));
				}
				self.keys.insert(&key);
				self.values.insert(key.clone(), v);
				(key, None)
			}
			None => {
				let old = self.values.remove(&key);
				if old.is_some() {
					self.keys.remove(&key);
				}
				(key, old)
			}
		}
	}
}

/// The ordered index of the keys, in two levels: a key's first 32 bytes (a FRAME item's prefix,
/// shared by all its entries) and the rest. Ordering the pairs orders the keys, and comparing
/// within an item compares only the parts that differ (a B-tree of whole keys compared the same
/// 32 bytes a dozen times per lookup).
#[derive(Default)]
struct Index(BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>>);

/// A key's two parts in the [`Index`]: its first 32 bytes (all of a shorter key) and the rest.
fn split(key: &[u8]) -> (&[u8], &[u8]) {
	key.split_at(key.len().min(32))
}

impl Index {
	fn insert(&mut self, key: &[u8]) {
		let (head, tail) = split(key);
		match self.0.get_mut(head) {
			Some(tails) => {
				tails.insert(tail.to_vec());
			}
			None => {
				self.0.insert(head.to_vec(), BTreeSet::from([tail.to_vec()]));
			}
		}
	}

	fn remove(&mut self, key: &[u8]) {
		let (head, tail) = split(key);
		if let Some(tails) = self.0.get_mut(head) {
			tails.remove(tail);
			if tails.is_empty() {
				self.0.remove(head);
			}
		}
	}

	/// The keys after `key` (and `key` itself if `inclusive`), in order.
	fn walk<'a>(&'a self, key: &'a [u8], inclusive: bool) -> impl Iterator<Item = Vec<u8>> + 'a {
		let (head, tail) = split(key);
		let first = if inclusive { Bound::Included(tail) } else { Bound::Excluded(tail) };
		let same_head = self.0.get_key_value(head).into_iter().flat_map(move |(h, tails)| {
			tails.range::<[u8], _>((first, Bound::Unbounded)).map(move |t| (h, t))
		});
		let later = self
			.0
			.range::<[u8], _>((Bound::Excluded(head), Bound::Unbounded))
			.flat_map(|(h, tails)| tails.iter().map(move |t| (h, t)));
		same_head.chain(later).map(|(h, t)| [h.as_slice(), t.as_slice()].concat())
	}
}

impl Externalities for SimExternalities {
	fn set_offchain_storage(&mut self, _key: &[u8], _value: Option<&[u8]>) {}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		if key == TRANSACTION_LEVEL_KEY {
			return self.transaction_level.clone();
		}
		if let Some(t) = self.tracking.as_mut() {
			t.read(key);
		}
		self.values.get(key).cloned()
	}

	fn exists_storage(&mut self, key: &[u8]) -> bool {
		if key == TRANSACTION_LEVEL_KEY {
			return self.transaction_level.is_some();
		}
		if let Some(t) = self.tracking.as_mut() {
			t.read(key);
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
		let next = self.keys.walk(key, false).next();
		if let (Some(t), Some(k)) = (self.tracking.as_mut(), next.as_ref()) {
			t.read(k);
		}
		next
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
			.walk(prefix, true)
			.take_while(|k| k.starts_with(prefix))
			.take(limit.saturating_add(1))
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
		self.writes = self.writes.wrapping_add(1);
		if let Some(t) = self.tracking.as_mut() {
			t.write(&key);
		}
		let logged = self.put(key, value);
		if let Some(log) = self.layers.last_mut() {
			log.push(logged);
		}
	}

	fn place_child_storage(&mut self, _child: &ChildInfo, _key: Vec<u8>, _value: Option<Vec<u8>>) {
		// The simulated runtime has no child tries.
	}

	fn storage_root(&mut self, _version: StateVersion) -> Vec<u8> {
		match self.roots {
			Roots::Refuse => unimplemented!("this storage computes no storage root"),
			Roots::Placeholder => sp_io::hashing::blake2_256(&self.writes.encode()).to_vec(),
		}
	}

	fn child_storage_root(&mut self, _child: &ChildInfo, _version: StateVersion) -> Vec<u8> {
		// No child tries: the root of an empty one would do, but nothing asks.
		self.storage_root(StateVersion::V1)
	}

	fn storage_append(&mut self, key: Vec<u8>, element: Vec<u8>) {
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
		let mut sim = SimExternalities::new(Storage::default());
		let expected = script(&mut basic);
		assert_eq!(script(&mut sim), expected);
		// The rolled-back layer left nothing: the appended list holds one item.
		assert_eq!(expected.get(3).cloned().flatten(), Some(vec![7u32].encode()));
		assert_eq!(sim.len(), 2);
	}

	/// Random writes, removals, transactions and prefix clears over keys shaped like FRAME's
	/// (shared 32-byte item prefixes, map keys of several lengths, keys shorter than a prefix and
	/// keys that are prefixes of others), against `BasicExternalities`: every `next_storage_key`
	/// walk and every read agree, and so does the whole state at the end.
	#[test]
	fn random_scripts_walk_and_read_as_the_basic_externalities() {
		use rand::{rngs::SmallRng, Rng, SeedableRng};
		let mut rng = SmallRng::seed_from_u64(7);
		let heads: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 32]).collect();
		let key = |rng: &mut SmallRng| -> Vec<u8> {
			let head = &heads[rng.gen_range(0..heads.len())];
			let len = [0usize, 5, 16, 31, 32, 33, 40, 56, 74][rng.gen_range(0..9)];
			let mut k: Vec<u8> = head.iter().copied().take(len).collect();
			while k.len() < len {
				k.push(rng.gen_range(0..3));
			}
			k
		};
		let mut basic = BasicExternalities::default();
		let mut sim = SimExternalities::new(Storage::default());
		let mut open = 0;
		for step in 0..4_000u32 {
			let k = key(&mut rng);
			match rng.gen_range(0..20) {
				0..=9 => {
					let v = step.encode();
					basic.set_storage(k.clone(), v.clone());
					sim.set_storage(k, v);
				}
				10 | 11 => {
					basic.clear_storage(&k);
					sim.clear_storage(&k);
				}
				12 if open < 3 => {
					basic.storage_start_transaction();
					sim.storage_start_transaction();
					open += 1;
				}
				13 if open > 0 => {
					let roll = rng.gen_bool(0.5);
					let (b, s) = if roll {
						(basic.storage_rollback_transaction(), sim.storage_rollback_transaction())
					} else {
						(basic.storage_commit_transaction(), sim.storage_commit_transaction())
					};
					assert_eq!(b, s);
					open -= 1;
				}
				14 if k.len() > 32 => {
					// An item's entries under one map key (or one key): never a whole item.
					let short = &k[..rng.gen_range(33..=k.len())];
					let _ = basic.clear_prefix(short, None, None);
					let _ = sim.clear_prefix(short, None, None);
				}
				_ => {
					assert_eq!(sim.next_storage_key(&k), basic.next_storage_key(&k), "after {k:?}");
					assert_eq!(sim.storage(&k), basic.storage(&k));
				}
			}
		}
		let walk = |ext: &mut dyn Externalities| {
			let mut all = Vec::new();
			let mut at = Vec::new();
			while let Some(next) = ext.next_storage_key(&at) {
				all.push((next.clone(), ext.storage(&next)));
				at = next;
			}
			all
		};
		let expected = walk(&mut basic);
		assert!(expected.len() > 100, "the script left {} keys", expected.len());
		assert_eq!(walk(&mut sim), expected);
		// The walk starts after the empty key, which the script may have written too.
		assert_eq!(sim.storage(&[]), basic.storage(&[]));
		assert_eq!(sim.len(), expected.len() + usize::from(basic.storage(&[]).is_some()));
	}

	#[test]
	fn tracking_counts_distinct_keys_and_only_reads_before_writes() {
		let mut sim = SimExternalities::new(Storage::default()).with_roots(Roots::Placeholder);
		sim.set_storage(b"a".to_vec(), vec![1]);
		let root = sim.storage_root(StateVersion::V1);
		sim.track(vec![b"n".to_vec()]);
		let _ = sim.storage(b"a");
		let _ = sim.storage(b"a");
		sim.set_storage(b"b".to_vec(), vec![2]);
		let _ = sim.storage(b"b");
		sim.set_storage(b"b".to_vec(), vec![3]);
		let _ = sim.storage(b"n");
		sim.set_storage(b"n".to_vec(), vec![0]);
		assert_eq!(sim.tracked(), Some(Access { reads: 1, writes: 1 }));
		assert_eq!(sim.tracked(), None);
		// The placeholder moves with every write.
		assert_ne!(sim.storage_root(StateVersion::V1), root);
	}

	#[test]
	fn a_limited_prefix_clear_leaves_the_rest_and_a_cursor() {
		let mut sim = SimExternalities::new(Storage::default());
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
}
