//! Job state on disk: one JSON file per live job under `<state_dir>/jobs/`, written atomically
//! (temporary file, fsync, rename) **before** the commitment is submitted. A restarted worker
//! therefore still holds the output and salt behind every commitment it made and can reveal
//! them and answer challenges; the chain's state decides what is still to do, so nothing is
//! lost, and a step is sent again only when the chain has not taken it within
//! [`crate::worker::RESUBMIT_AFTER`] finalized blocks of the first submission.

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	io::Write,
	path::{Path, PathBuf},
};

use declai_primitives::poi::Trace;
use serde::{Deserialize, Serialize};

/// A protocol step the worker submits.
#[derive(Clone, Copy, Debug, Deserialize, Eq, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
	/// `Inference.commit`.
	Commit,
	/// `Inference.reveal`.
	Reveal,
	/// `Inference.respond`.
	Respond,
	/// `Inference.prove` (zero-knowledge models).
	Prove,
	/// `Inference.audit` (validators).
	Audit,
}

/// The worker's benchmark-challenge bookkeeping (`benchmarks.json`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct BenchmarkState {
	/// Block at which each answer (`answer:<id>`) or check (`check:<worker>:<id>`) was last
	/// submitted.
	#[serde(default)]
	pub submitted: BTreeMap<String, u32>,
	/// Answered challenges this auditor still has to check: (worker account, hex; challenge id).
	#[serde(default)]
	pub to_check: BTreeSet<(String, u64)>,
}

/// Everything the worker must remember about one job.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct JobRecord {
	/// The job.
	pub job: u64,
	/// Attempt the result was computed for (a re-assigned job starts over).
	pub attempt: u8,
	/// The on-chain model id.
	pub model: u32,
	/// The output bytes (hex in the file).
	#[serde(with = "hex_bytes")]
	pub output: Vec<u8>,
	/// The commitment salt.
	#[serde(with = "hex_array")]
	pub salt: [u8; 32],
	/// The output commitment.
	#[serde(with = "hex_array")]
	pub commit: [u8; 32],
	/// Merkle root of the activations.
	#[serde(with = "hex_array")]
	pub activation_root: [u8; 32],
	/// Integer models: the activation trace (opened for challenges).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub trace: Option<Trace>,
	/// Measured execution time.
	pub exec_micros: u64,
	/// Block number (finalized head) at which each step was last submitted.
	#[serde(default)]
	pub submitted: BTreeMap<Step, u32>,
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// A file could not be read or written.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: String,
		/// The OS error.
		#[source]
		source: std::io::Error,
	},
	/// The state directory was made for another chain (other genesis hash).
	#[error("{path} belongs to the chain with genesis {theirs}, not {ours}: use another state directory for this chain")]
	OtherChain {
		/// The binding file.
		path: String,
		/// Genesis hash recorded in the directory.
		theirs: String,
		/// Genesis hash of the connected chain.
		ours: String,
	},
	/// A record file is not valid JSON of a job record.
	#[error("{path}: corrupt job record: {reason}")]
	Corrupt {
		/// The file.
		path: String,
		/// Why.
		reason: String,
	},
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
	move |source| StoreError::Io { path: path.display().to_string(), source }
}

/// The directory of job records.
pub struct JobStore {
	dir: PathBuf,
}

impl JobStore {
	/// Opens (and creates) `<state_dir>/jobs`; removes temporary files of interrupted writes.
	pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
		let dir = state_dir.join("jobs");
		fs::create_dir_all(&dir).map_err(io(&dir))?;
		for entry in fs::read_dir(&dir).map_err(io(&dir))? {
			let path = entry.map_err(io(&dir))?.path();
			if path.extension().is_some_and(|e| e == "tmp") {
				fs::remove_file(&path).map_err(io(&path))?;
			}
		}
		Ok(Self { dir })
	}

	fn path(&self, job: u64) -> PathBuf {
		self.dir.join(format!("{job}.json"))
	}

	/// Writes a record durably (atomic replace).
	pub fn save(&self, record: &JobRecord) -> Result<(), StoreError> {
		self.write_json(&format!("{}.json", record.job), record)?;
		if let Ok(dir) = fs::File::open(&self.dir) {
			let _ = dir.sync_all();
		}
		Ok(())
	}

	/// A job's record, if any.
	pub fn load(&self, job: u64) -> Result<Option<JobRecord>, StoreError> {
		self.read_json(&format!("{job}.json"))
	}

	/// Forgets a job (ended or no longer ours).
	pub fn remove(&self, job: u64) -> Result<(), StoreError> {
		let path = self.path(job);
		match fs::remove_file(&path) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
				Err(StoreError::Io { path: path.display().to_string(), source: e })
			}
			_ => Ok(()),
		}
	}

	/// Binds the directory to a chain: the first call records `genesis`; later calls fail with
	/// [`StoreError::OtherChain`] for any other chain, so records of one chain are never used on
	/// another (job ids restart at 0 on every chain).
	pub fn bind_chain(&self, genesis: &[u8; 32]) -> Result<(), StoreError> {
		let ours = hex::encode(genesis);
		match self.read_json::<String>("chain.json")? {
			Some(theirs) if theirs != ours => Err(StoreError::OtherChain {
				path: self.dir.join("chain.json").display().to_string(),
				theirs,
				ours,
			}),
			Some(_) => Ok(()),
			None => self.write_json("chain.json", &ours),
		}
	}

	/// The benchmark-challenge bookkeeping.
	pub fn benchmarks(&self) -> Result<BenchmarkState, StoreError> {
		self.read_json("benchmarks.json").map(Option::unwrap_or_default)
	}

	/// Saves the benchmark-challenge bookkeeping.
	pub fn save_benchmarks(&self, state: &BenchmarkState) -> Result<(), StoreError> {
		self.write_json("benchmarks.json", state)
	}

	/// Jobs waiting for this auditor's vote.
	pub fn audits(&self) -> Result<BTreeSet<u64>, StoreError> {
		self.read_json("audits.json").map(Option::unwrap_or_default)
	}

	/// Saves the audit queue.
	pub fn save_audits(&self, audits: &BTreeSet<u64>) -> Result<(), StoreError> {
		self.write_json("audits.json", audits)
	}

	/// The last finalized block whose events were handled.
	pub fn last_block(&self) -> Result<Option<u32>, StoreError> {
		self.read_json("last_block.json")
	}

	/// Saves the last handled block.
	pub fn save_last_block(&self, number: u32) -> Result<(), StoreError> {
		self.write_json("last_block.json", &number)
	}

	fn read_json<T: serde::de::DeserializeOwned>(
		&self,
		name: &str,
	) -> Result<Option<T>, StoreError> {
		let path = self.dir.join(name);
		match fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
				StoreError::Corrupt { path: path.display().to_string(), reason: e.to_string() }
			}),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(StoreError::Io { path: path.display().to_string(), source: e }),
		}
	}

	fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StoreError> {
		let path = self.dir.join(name);
		let tmp = path.with_extension("tmp");
		let text = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
			path: path.display().to_string(),
			reason: e.to_string(),
		})?;
		let mut file = fs::File::create(&tmp).map_err(io(&tmp))?;
		file.write_all(&text).map_err(io(&tmp))?;
		file.sync_all().map_err(io(&tmp))?;
		fs::rename(&tmp, &path).map_err(io(&path))
	}

	/// The jobs with a record.
	pub fn jobs(&self) -> Result<Vec<u64>, StoreError> {
		let mut jobs: Vec<u64> = fs::read_dir(&self.dir)
			.map_err(io(&self.dir))?
			.filter_map(|e| e.ok())
			.filter_map(|e| {
				let name = e.file_name().into_string().ok()?;
				name.strip_suffix(".json")?.parse().ok()
			})
			.collect();
		jobs.sort_unstable();
		Ok(jobs)
	}
}

mod hex_bytes {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&hex::encode(bytes))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
		hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
	}
}

pub(crate) mod hex_array {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&hex::encode(bytes))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
		let v = hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)?;
		v.try_into().map_err(|_| serde::de::Error::custom("expected 32 bytes"))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn record(job: u64) -> JobRecord {
		JobRecord {
			job,
			attempt: 1,
			model: 0,
			output: vec![1, 2, 3],
			salt: [7; 32],
			commit: [8; 32],
			activation_root: [9; 32],
			trace: Some(vec![(vec![1, 2], vec![3])]),
			exec_micros: 42,
			submitted: BTreeMap::from([(Step::Commit, 5)]),
		}
	}

	#[test]
	fn records_survive_a_reopen_and_interrupted_writes_are_cleaned() {
		let dir = tempfile::tempdir().unwrap();
		let store = JobStore::open(dir.path()).unwrap();
		store.save(&record(3)).unwrap();
		store.save(&record(11)).unwrap();
		fs::write(dir.path().join("jobs/12.tmp"), b"half a reco").unwrap();
		drop(store);
		let store = JobStore::open(dir.path()).unwrap();
		assert_eq!(store.jobs().unwrap(), [3, 11]);
		assert_eq!(store.load(3).unwrap(), Some(record(3)));
		assert!(!dir.path().join("jobs/12.tmp").exists());
		store.remove(3).unwrap();
		store.remove(3).unwrap();
		assert_eq!(store.load(3).unwrap(), None);
	}

	#[test]
	fn a_state_directory_serves_one_chain() {
		let dir = tempfile::tempdir().unwrap();
		let store = JobStore::open(dir.path()).unwrap();
		store.bind_chain(&[1; 32]).unwrap();
		store.bind_chain(&[1; 32]).unwrap();
		assert!(matches!(store.bind_chain(&[2; 32]), Err(StoreError::OtherChain { .. })));
	}

	#[test]
	fn a_corrupt_record_is_a_named_error() {
		let dir = tempfile::tempdir().unwrap();
		let store = JobStore::open(dir.path()).unwrap();
		fs::write(dir.path().join("jobs/4.json"), b"{not json").unwrap();
		assert!(matches!(store.load(4), Err(StoreError::Corrupt { .. })));
	}
}
