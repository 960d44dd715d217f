//! Exact integer models (the `ExactInteger` tier): `y = W·[x; 1]` per layer with `i32`
//! accumulators and `clamp(max(y, 0) >> shift, 0, 127)` between layers, exactly as
//! [`declai_primitives::poi::integer_forward`] defines them on chain.
//!
//! [`IntegerModel`] is the committed file format (JSON: layer shapes and weight rows, bias last);
//! [`BurnIntegerModel`] runs it with burn `Int` tensors on any backend. Integer addition is
//! associative, so every backend and every reduction order gives the same bits: the tests check
//! burn on Flex against the on-chain reference for every digits sample, and the `gpu` feature's
//! test does the same on CUDA.

use std::path::Path;

use burn::tensor::{backend::Backend, Int, Tensor, TensorData};
use declai_primitives::{
	poi::{self, IntegerLayer, Trace},
	verify::Hash,
};
use serde::{Deserialize, Serialize};

use super::ModelError;

/// An integer model as committed to the repository and registered on chain.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct IntegerModel {
	/// Human-readable name (also the on-chain model name).
	pub name: String,
	/// Layer shapes and requantization shifts.
	pub layers: Vec<IntegerLayer>,
	/// All layers' weight rows in order; each row has `inputs + 1` entries, the bias last.
	pub rows: Vec<Vec<i32>>,
	/// How the weights were obtained (training run, accuracy); informational.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub provenance: Option<serde_json::Value>,
}

impl IntegerModel {
	/// Reads and validates a model file.
	pub fn load(path: &Path) -> Result<Self, ModelError> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| ModelError::Io { path: path.display().to_string(), source: e })?;
		let model: Self = serde_json::from_str(&text).map_err(|e| ModelError::Format {
			path: path.display().to_string(),
			reason: e.to_string(),
		})?;
		model
			.validate()
			.map_err(|reason| ModelError::Format { path: path.display().to_string(), reason })?;
		Ok(model)
	}

	/// Writes the model as pretty JSON (one row per line keeps diffs readable).
	pub fn save(&self, path: &Path) -> Result<(), ModelError> {
		let mut text = String::from("{\n");
		text.push_str(&format!("  \"name\": {},\n", serde_json::to_string(&self.name)?));
		text.push_str(&format!("  \"layers\": {},\n", serde_json::to_string(&self.layers)?));
		if let Some(p) = &self.provenance {
			text.push_str(&format!("  \"provenance\": {},\n", serde_json::to_string(p)?));
		}
		text.push_str("  \"rows\": [\n");
		for (i, row) in self.rows.iter().enumerate() {
			let sep = if i + 1 == self.rows.len() { "" } else { "," };
			text.push_str(&format!("    {}{sep}\n", serde_json::to_string(row)?));
		}
		text.push_str("  ]\n}\n");
		std::fs::write(path, text)
			.map_err(|e| ModelError::Io { path: path.display().to_string(), source: e })
	}

	/// Checks the shapes: layers chain, rows match them.
	pub fn validate(&self) -> Result<(), String> {
		poi::check_layers(&self.layers).map_err(|e| format!("bad layer shapes: {e:?}"))?;
		if poi::total_rows(&self.layers) != self.rows.len() as u64 {
			return Err(format!(
				"{} weight rows for layers that need {}",
				self.rows.len(),
				poi::total_rows(&self.layers)
			));
		}
		let mut rows = self.rows.iter();
		for (l, layer) in self.layers.iter().enumerate() {
			for row in rows.by_ref().take(layer.outputs as usize) {
				if row.len() != layer.inputs as usize + 1 {
					return Err(format!(
						"layer {l}: a row of {} entries, expected {} (inputs + bias)",
						row.len(),
						layer.inputs + 1
					));
				}
			}
		}
		Ok(())
	}

	/// The weight commitment registered on chain ([`poi::weights_root`]).
	pub fn weights_root(&self) -> Hash {
		poi::weights_root(&self.rows)
	}

	/// Input length in bytes (one byte per first-layer input).
	pub fn input_len(&self) -> usize {
		self.layers.first().map_or(0, |l| l.inputs as usize)
	}

	/// Output length in bytes (one `i32` per last-layer output).
	pub fn output_len(&self) -> usize {
		self.layers.last().map_or(0, |l| l.outputs as usize * 4)
	}

	/// The on-chain reference forward pass (plain Rust, checked arithmetic).
	pub fn reference_forward(&self, input: &[u8]) -> Result<Trace, ModelError> {
		poi::integer_forward(&self.layers, &self.rows, input)
			.map_err(|e| ModelError::Inference(format!("{e:?}")))
	}

	/// The rows of layer `layer`.
	pub fn layer_rows(&self, layer: usize) -> &[Vec<i32>] {
		let start = poi::first_row(&self.layers, layer) as usize;
		let len = self.layers.get(layer).map_or(0, |l| l.outputs as usize);
		self.rows.get(start..start + len).unwrap_or(&[])
	}
}

/// One layer on a burn backend: `[inputs + 1, outputs]` (the transpose of the rows, bias row
/// last) so that a batch `[n, inputs + 1]` multiplies from the left.
struct BurnLayer<B: Backend> {
	weights: Tensor<B, 2, Int>,
	inputs: usize,
	shift: u8,
}

/// An [`IntegerModel`] loaded onto a burn backend.
pub struct BurnIntegerModel<B: Backend> {
	layers: Vec<BurnLayer<B>>,
	device: B::Device,
}

impl<B: Backend> BurnIntegerModel<B> {
	/// Uploads the weights.
	pub fn new(model: &IntegerModel, device: &B::Device) -> Self {
		let layers = model
			.layers
			.iter()
			.enumerate()
			.map(|(l, layer)| {
				let rows = model.layer_rows(l);
				let (inputs, outputs) = (layer.inputs as usize, layer.outputs as usize);
				let mut transposed = vec![0i32; (inputs + 1) * outputs];
				for (o, row) in rows.iter().enumerate() {
					for (i, w) in row.iter().enumerate() {
						transposed[i * outputs + o] = *w;
					}
				}
				BurnLayer {
					weights: Tensor::from_data(
						TensorData::new(transposed, [inputs + 1, outputs]),
						device,
					),
					inputs,
					shift: layer.shift,
				}
			})
			.collect();
		Self { layers, device: device.clone() }
	}

	/// Runs a batch of inputs; returns each input's trace (per layer `x` and `y`, as on chain).
	pub fn forward_batch(&self, inputs: &[&[u8]]) -> Result<Vec<Trace>, ModelError> {
		let n = inputs.len();
		let first = self.layers.first().ok_or_else(|| ModelError::Inference("no layers".into()))?;
		if let Some(bad) = inputs.iter().find(|i| i.len() != first.inputs) {
			return Err(ModelError::BadInput(format!(
				"{} input bytes, the model takes {}",
				bad.len(),
				first.inputs
			)));
		}
		let mut traces: Vec<Trace> = vec![Vec::with_capacity(self.layers.len()); n];
		let flat: Vec<i32> = inputs.iter().flat_map(|i| i.iter().map(|b| i32::from(*b))).collect();
		let mut x: Tensor<B, 2, Int> =
			Tensor::from_data(TensorData::new(flat, [n, first.inputs]), &self.device);
		for (l, layer) in self.layers.iter().enumerate() {
			let ones = Tensor::<B, 2, Int>::ones([n, 1], &self.device);
			let y = Tensor::cat(vec![x.clone(), ones], 1).matmul(layer.weights.clone());
			let xs = to_rows(x.clone(), layer.inputs)?;
			let outputs = layer.weights.dims()[1];
			let ys = to_rows(y.clone(), outputs)?;
			for (trace, (xv, yv)) in traces.iter_mut().zip(xs.into_iter().zip(ys)) {
				trace.push((xv, yv));
			}
			if l + 1 < self.layers.len() {
				// max(y, 0) >> shift == max(y, 0) / 2^shift for non-negative values.
				x = y.clamp_min(0).div_scalar(1i32 << layer.shift).clamp_max(poi::ACTIVATION_MAX);
			}
		}
		Ok(traces)
	}

	/// Runs one input.
	pub fn forward(&self, input: &[u8]) -> Result<Trace, ModelError> {
		self.forward_batch(&[input])?
			.pop()
			.ok_or_else(|| ModelError::Inference("empty batch".into()))
	}
}

/// A `[n, width]` integer tensor as `n` row vectors.
fn to_rows<B: Backend>(t: Tensor<B, 2, Int>, width: usize) -> Result<Vec<Vec<i32>>, ModelError> {
	let values: Vec<i32> = t
		.into_data()
		.convert::<i32>()
		.into_vec()
		.map_err(|e| ModelError::Inference(format!("reading a tensor: {e:?}")))?;
	Ok(values.chunks(width.max(1)).map(<[i32]>::to_vec).collect())
}

/// The job output of a trace: the last layer's accumulators as little-endian `i32`s.
pub fn trace_output(trace: &Trace) -> Vec<u8> {
	trace.last().map(|(_, y)| poi::encode_i32s(y)).unwrap_or_default()
}

/// Index of the largest entry (the first one on ties): the predicted class.
pub fn argmax(scores: &[i32]) -> usize {
	scores
		.iter()
		.enumerate()
		.fold((0, i32::MIN), |best, (i, v)| if *v > best.1 { (i, *v) } else { best })
		.0
}
