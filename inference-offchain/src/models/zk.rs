//! Hidden-weights zero-knowledge models (`ZeroKnowledge { system: Groth16Hidden }`): an integer
//! MLP proven with the `declai-zk` Groth16 circuit, so the chain verifies each result without
//! seeing the weights.
//!
//! `declai-worker zk-setup` makes a model's directory from its integer model file:
//!
//! | file | what | who may see it |
//! |---|---|---|
//! | `model.json` | the weights (a copy of the integer model file) | the workers that prove |
//! | `zk.json` | the on-chain name, the weight commitment and its secret salt | the workers that prove (the salt is secret) |
//! | `proving.key` | the Groth16 proving key (arkworks, uncompressed) | the workers that prove |
//! | `verifying.key` | the Groth16 verifying key (arkworks, uncompressed) | everyone: it is registered on chain |
//!
//! **Trusted setup.** Groth16 needs a per-circuit setup whose random values ("toxic waste") let
//! whoever keeps them forge proofs. `zk-setup` draws them from the operating system's
//! randomness in one process and never writes them; it is a single-party setup, so the chain
//! trusts whoever ran it (governance, which registers the key) not to have kept them. A
//! multi-party ceremony would remove that trust; it is not built. The setup does not need the
//! weights to be public: the circuit takes them as private witnesses, so one key serves any
//! weights of the same shapes, and the commitment binds the registered ones.

use std::path::{Path, PathBuf};

use ark_bls12_381::{Bls12_381, Fr};
use ark_ff::UniformRand;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use declai_primitives::poi;
use declai_zk::circuit::{self, ModelCircuit};
use serde::{Deserialize, Serialize};

use super::{integer::IntegerModel, ModelError};

/// The weights.
pub const MODEL_FILE: &str = "model.json";
/// Name, commitment and salt.
pub const SETUP_FILE: &str = "zk.json";
/// The proving key.
pub const PROVING_KEY_FILE: &str = "proving.key";
/// The verifying key.
pub const VERIFYING_KEY_FILE: &str = "verifying.key";

/// `zk.json`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SetupFile {
	/// The on-chain model name (the integer model's name with `-zk`).
	pub name: String,
	/// The weight commitment registered on chain (32 bytes, hex, little-endian scalar).
	pub commitment: String,
	/// The commitment's salt (hex). Secret: with it, a guess of the weights can be tested
	/// against the commitment.
	pub salt: String,
	/// Constraints of the circuit (informational).
	pub constraints: usize,
}

/// A hidden-weights model ready to prove.
pub struct ZkModel {
	/// The on-chain name.
	pub name: String,
	/// The weights.
	pub model: declai_zk::Model,
	/// The commitment's salt.
	salt: Fr,
	/// The weight commitment (the model's on-chain `weights_root` and `commitment`).
	pub commitment: [u8; 32],
	/// The proving key.
	proving_key: ProvingKey<Bls12_381>,
	/// The verifying key, as registered.
	pub verifying_key: Vec<u8>,
	/// Input bytes.
	pub input_len: usize,
}

/// What [`ZkModel::setup`] made.
#[derive(Debug)]
pub struct SetupReport {
	/// The directory.
	pub dir: PathBuf,
	/// The on-chain name.
	pub name: String,
	/// Constraints.
	pub constraints: usize,
	/// The commitment (hex).
	pub commitment: String,
	/// Proving key bytes.
	pub proving_key_bytes: usize,
	/// Verifying key bytes.
	pub verifying_key_bytes: usize,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ModelError + '_ {
	move |source| ModelError::Io { path: path.display().to_string(), source }
}

fn format(path: &Path, reason: impl std::fmt::Display) -> ModelError {
	ModelError::Format { path: path.display().to_string(), reason: reason.to_string() }
}

fn scalar_bytes(v: &Fr) -> [u8; 32] {
	let mut out = [0u8; 32];
	// A BLS12-381 scalar serializes to exactly 32 bytes, little-endian: this cannot fail.
	let _ = v.serialize_uncompressed(&mut out[..]);
	out
}

/// Writes a new file (never over an existing one), mode 0600 when `private`.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), ModelError> {
	use std::{io::Write, os::unix::fs::OpenOptionsExt};
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	if private {
		options.mode(0o600);
	}
	let mut file = options.open(path).map_err(io(path))?;
	file.write_all(bytes).and_then(|()| file.sync_all()).map_err(io(path))
}

/// The circuit's model of an integer model file.
pub fn circuit_model(integer: &IntegerModel, path: &Path) -> Result<declai_zk::Model, ModelError> {
	declai_zk::Model::new(integer.layers.clone(), integer.rows.clone())
		.map_err(|e| format(path, format_args!("not provable with the circuit: {e:?}")))
}

/// Whether `dir` is a directory made by [`ZkModel::setup`].
pub fn is_zk_dir(dir: &Path) -> bool {
	dir.join(SETUP_FILE).is_file()
}

/// Reads `dir`'s `zk.json`.
pub fn read_setup(dir: &Path) -> Result<SetupFile, ModelError> {
	let path = dir.join(SETUP_FILE);
	let text = std::fs::read_to_string(&path).map_err(io(&path))?;
	serde_json::from_str(&text).map_err(|e| format(&path, e))
}

impl ZkModel {
	/// The trusted setup of `model_path`'s circuit into `out` (see the module docs): a fresh
	/// salt, the commitment, the keys. Refuses to overwrite an existing setup (its key may be
	/// registered already).
	pub fn setup(model_path: &Path, out: &Path) -> Result<SetupReport, ModelError> {
		if is_zk_dir(out) {
			return Err(format(out, "a setup is there already; remove it or choose another --out"));
		}
		let integer = IntegerModel::load(model_path)?;
		let model = circuit_model(&integer, model_path)?;
		std::fs::create_dir_all(out).map_err(io(out))?;
		let mut rng = rand::rngs::OsRng;
		let salt = Fr::rand(&mut rng);
		let commitment = declai_zk::commit_weights(salt, &model);
		let input_len = integer.input_len();
		let (pk, vk) = circuit::setup(&model, input_len, &mut rng)
			.map_err(|e| ModelError::Inference(format!("setup: {e}")))?;
		let constraints = circuit::constraints(&model, input_len)
			.map_err(|e| ModelError::Inference(format!("setup: {e}")))?;
		let mut pk_bytes = Vec::new();
		pk.serialize_uncompressed(&mut pk_bytes)
			.map_err(|e| ModelError::Inference(format!("proving key: {e}")))?;
		let mut vk_bytes = Vec::new();
		vk.serialize_uncompressed(&mut vk_bytes)
			.map_err(|e| ModelError::Inference(format!("verifying key: {e}")))?;
		let name = format!("{}-zk", integer.name);
		let file = SetupFile {
			name: name.clone(),
			commitment: hex::encode(scalar_bytes(&commitment)),
			salt: hex::encode(scalar_bytes(&salt)),
			constraints,
		};
		let model_bytes = std::fs::read(model_path).map_err(io(model_path))?;
		let setup_json = serde_json::to_string_pretty(&file)?.into_bytes();
		// `zk.json` written last: a directory is a setup once it is there. What only the workers
		// that prove may read (the weights, the salt, the proving key) is the owner's only.
		for (file_name, bytes, private) in [
			(MODEL_FILE, &model_bytes, true),
			(PROVING_KEY_FILE, &pk_bytes, true),
			(VERIFYING_KEY_FILE, &vk_bytes, false),
			(SETUP_FILE, &setup_json, true),
		] {
			write_new(&out.join(file_name), bytes, private)?;
		}
		Ok(SetupReport {
			dir: out.to_path_buf(),
			name,
			constraints,
			commitment: file.commitment,
			proving_key_bytes: pk_bytes.len(),
			verifying_key_bytes: vk_bytes.len(),
		})
	}

	/// Loads a setup directory (the proving key is this worker's own file, read without the
	/// curve checks; the verifying key is checked, as the chain does).
	pub fn load(dir: &Path) -> Result<Self, ModelError> {
		let setup_path = dir.join(SETUP_FILE);
		let setup = read_setup(dir)?;
		let model_path = dir.join(MODEL_FILE);
		let integer = IntegerModel::load(&model_path)?;
		let model = circuit_model(&integer, &model_path)?;
		let salt_bytes = hex::decode(&setup.salt).map_err(|e| format(&setup_path, e))?;
		let salt = Fr::deserialize_uncompressed(salt_bytes.as_slice())
			.map_err(|e| format(&setup_path, format_args!("salt: {e}")))?;
		let commitment = scalar_bytes(&declai_zk::commit_weights(salt, &model));
		if hex::encode(commitment) != setup.commitment {
			return Err(format(&setup_path, "the weights and salt do not give the commitment"));
		}
		let pk_path = dir.join(PROVING_KEY_FILE);
		let pk_bytes = std::fs::read(&pk_path).map_err(io(&pk_path))?;
		let proving_key = ProvingKey::<Bls12_381>::deserialize_with_mode(
			pk_bytes.as_slice(),
			Compress::No,
			Validate::No,
		)
		.map_err(|e| format(&pk_path, e))?;
		let vk_path = dir.join(VERIFYING_KEY_FILE);
		let verifying_key = std::fs::read(&vk_path).map_err(io(&vk_path))?;
		let vk = ark_groth16::VerifyingKey::<Bls12_381>::deserialize_with_mode(
			verifying_key.as_slice(),
			Compress::No,
			Validate::Yes,
		)
		.map_err(|e| format(&vk_path, e))?;
		if vk != proving_key.vk {
			return Err(format(&vk_path, "not the proving key's verifying key"));
		}
		Ok(Self {
			name: setup.name,
			input_len: integer.input_len(),
			model,
			salt,
			commitment,
			proving_key,
			verifying_key,
		})
	}

	/// Output bytes for `input` (the chain's integer semantics, as the circuit computes them).
	pub fn run(&self, input: &[u8]) -> Result<Vec<u8>, ModelError> {
		if input.len() != self.input_len {
			return Err(ModelError::BadInput(format!(
				"{} bytes, the model takes {}",
				input.len(),
				self.input_len
			)));
		}
		let ys = self.model.forward(input);
		let out: Vec<i32> = ys
			.last()
			.map(|y| y.iter().map(|v| i32::try_from(*v)))
			.into_iter()
			.flatten()
			.collect::<Result<_, _>>()
			.map_err(|_| ModelError::Inference("an output leaves i32".into()))?;
		Ok(poi::encode_i32s(&out))
	}

	/// A proof (uncompressed) that `output` is the model's output for `input`, bound to `job`
	/// and `worker` (its SCALE-encoded account). Fresh OS randomness for every proof: reused
	/// proving randomness would leak the weights.
	pub fn prove(
		&self,
		job: poi::JobId,
		worker: &[u8],
		input: &[u8],
		output: &[u8],
	) -> Result<Vec<u8>, ModelError> {
		if self.run(input)? != output {
			return Err(ModelError::Inference("the output to prove is not this model's".into()));
		}
		let binding = poi::zk_binding(job, worker);
		let c = ModelCircuit::honest(self.model.clone(), self.salt, input.to_vec(), binding);
		let proof = circuit::prove(&self.proving_key, c, &mut rand::rngs::OsRng)
			.map_err(|e| ModelError::Inference(format!("proving: {e}")))?;
		let mut bytes = Vec::new();
		proof
			.serialize_uncompressed(&mut bytes)
			.map_err(|e| ModelError::Inference(format!("proof: {e}")))?;
		Ok(bytes)
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
	use super::*;
	use declai_zk::circuit::{prepare, verify, Statement};

	fn digits_path() -> PathBuf {
		Path::new(env!("CARGO_MANIFEST_DIR")).join("models/digits-mlp.json")
	}

	/// The whole life of a hidden-weights model on the worker's side: set up, loaded back,
	/// proving a digit for one job and worker, the proof valid for that statement only.
	#[test]
	fn a_setup_loads_back_and_proves_what_the_chain_checks() {
		let dir = tempfile::tempdir().unwrap();
		let out = dir.path().join("digits-zk");
		let report = ZkModel::setup(&digits_path(), &out).unwrap();
		assert_eq!(report.name, "digits-mlp-v1-zk");
		assert!(report.constraints > 10_000, "{report:?}");
		// A second setup would replace a key that may be registered.
		assert!(matches!(ZkModel::setup(&digits_path(), &out), Err(ModelError::Format { .. })));
		use std::os::unix::fs::PermissionsExt;
		let mode = |f: &str| std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777;
		for private in [SETUP_FILE, PROVING_KEY_FILE, MODEL_FILE] {
			assert_eq!(mode(private), 0o600, "{private}");
		}

		let zk = ZkModel::load(&out).unwrap();
		assert_eq!(hex::encode(zk.commitment), report.commitment);
		let input: Vec<u8> = (0..64u32).map(|i| (i * 5 % 17) as u8).collect();
		let output = zk.run(&input).unwrap();
		let integer = IntegerModel::load(&digits_path()).unwrap();
		let trace = integer.reference_forward(&input).unwrap();
		assert_eq!(output, crate::models::integer::trace_output(&trace), "the chain's semantics");
		assert!(zk.run(&input[1..]).is_err(), "an input of the wrong length");

		let worker = [7u8; 32];
		let proof = zk.prove(3, &worker, &input, &output).unwrap();
		let proof = ark_groth16::Proof::<Bls12_381>::deserialize_uncompressed(&proof[..]).unwrap();
		let vk =
			ark_groth16::VerifyingKey::<Bls12_381>::deserialize_uncompressed(&zk.verifying_key[..])
				.unwrap();
		let pvk = prepare(&vk);
		let commitment = Fr::deserialize_uncompressed(&zk.commitment[..]).unwrap();
		let statement = |job, worker: &[u8], output: &[u8]| {
			let out = poi::decode_i32s(output).unwrap();
			let [binding, commitment, input_hash, output_hash] =
				declai_zk::public_inputs(&poi::zk_binding(job, worker), commitment, &input, &out);
			Statement { binding, commitment, input_hash, output_hash }
		};
		assert!(verify(&pvk, &statement(3, &worker, &output), &proof));
		assert!(!verify(&pvk, &statement(4, &worker, &output), &proof), "another job");
		assert!(!verify(&pvk, &statement(3, &[8; 32], &output), &proof), "another worker");
		let mut other = output.clone();
		other[0] ^= 1;
		assert!(!verify(&pvk, &statement(3, &worker, &other), &proof), "another output");
		// The worker refuses to prove an output that is not the model's.
		assert!(zk.prove(3, &worker, &input, &other).is_err());

		// A setup whose salt does not give its commitment is refused at load.
		let mut setup = read_setup(&out).unwrap();
		setup.salt = hex::encode(scalar_bytes(&Fr::from(5u64)));
		std::fs::write(out.join(SETUP_FILE), serde_json::to_string(&setup).unwrap()).unwrap();
		assert!(matches!(ZkModel::load(&out), Err(ModelError::Format { .. })));
	}
}
