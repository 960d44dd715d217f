//! The digits classifier: an int8 MLP 64 → 32 → 10 over the UCI 8×8 handwritten digits.
//!
//! Data: `data/digits.csv.gz`, the copy of the UCI "Optical Recognition of Handwritten Digits"
//! test set (Alpaydin & Kaynak 1998, CC BY 4.0) that scikit-learn 1.9.1 ships on PyPI
//! (`sklearn/datasets/data/digits.csv.gz`, sha256 `09f66e6d…3aa22`): 1,797 rows of 64 pixel
//! counts 0..16 and the label. Every fifth sample (index ≡ 4 mod 5) is the test split.
//!
//! [`train`] fits a float MLP with burn's autodiff on the Flex backend (Adam, cross-entropy),
//! then quantizes it after training: per-layer weight scale `127 / max|W|`, biases at the
//! accumulator scale, and the requantization shift chosen so that the 99.9th percentile of the
//! hidden accumulators over the training set lands at ≤ 127. The result is an
//! [`IntegerModel`]: exactly the on-chain integer semantics, with the accuracy of both versions
//! recorded in its provenance. `declai-worker train-digits` runs it and writes
//! `models/digits-mlp.json`.

use std::io::Read;

use burn::{
	module::{AutodiffModule, Module},
	nn::{loss::CrossEntropyLossConfig, Linear, LinearConfig},
	optim::{AdamConfig, GradientsParams, Optimizer},
	tensor::{
		activation::relu,
		backend::{AutodiffBackend, Backend},
		Int, Tensor, TensorData,
	},
};
use declai_primitives::poi::{IntegerLayer, ACTIVATION_MAX};
use rand::{seq::SliceRandom, SeedableRng};

use super::{
	integer::{argmax, trace_output, BurnIntegerModel, IntegerModel},
	ModelError,
};

/// Pixels per image (8×8).
pub const PIXELS: usize = 64;
/// Hidden units.
pub const HIDDEN: usize = 32;
/// Classes (digits 0–9).
pub const CLASSES: usize = 10;
/// The on-chain name of the committed model.
pub const MODEL_NAME: &str = "digits-mlp-v1";

/// The data set, gzip-compressed CSV, as shipped by scikit-learn (57,523 bytes).
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// The committed model file.
pub const MODEL_JSON: &str = include_str!("../../models/digits-mlp.json");

/// One labelled image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
	/// Pixel counts 0..16, row-major.
	pub pixels: [u8; PIXELS],
	/// The digit.
	pub label: u8,
}

/// Parses the embedded data set.
pub fn dataset() -> Result<Vec<Sample>, ModelError> {
	let bad = |reason: String| ModelError::Format { path: "data/digits.csv.gz".into(), reason };
	let mut text = String::new();
	flate2::read::GzDecoder::new(DIGITS_CSV_GZ)
		.read_to_string(&mut text)
		.map_err(|e| bad(e.to_string()))?;
	text.lines()
		.enumerate()
		.filter(|(_, line)| !line.trim().is_empty())
		.map(|(n, line)| {
			let values: Vec<u8> = line
				.split(',')
				.map(|v| v.trim().parse::<f64>().map(|f| f as u8))
				.collect::<Result<_, _>>()
				.map_err(|e| bad(format!("line {}: {e}", n + 1)))?;
			let (label, pixels) = values
				.split_last()
				.filter(|(l, p)| p.len() == PIXELS && usize::from(**l) < CLASSES)
				.ok_or_else(|| bad(format!("line {}: expected 64 pixels and a label", n + 1)))?;
			let mut image = [0u8; PIXELS];
			image.copy_from_slice(pixels);
			if image.iter().any(|p| *p > 16) {
				return Err(bad(format!("line {}: pixel above 16", n + 1)));
			}
			Ok(Sample { pixels: image, label: *label })
		})
		.collect()
}

/// The fixed split: `(train, test)`, every fifth sample in the test set.
pub fn split(samples: &[Sample]) -> (Vec<Sample>, Vec<Sample>) {
	let (test, train): (Vec<_>, Vec<_>) = samples.iter().enumerate().partition(|(i, _)| i % 5 == 4);
	(
		train.into_iter().map(|(_, s)| s.clone()).collect(),
		test.into_iter().map(|(_, s)| s.clone()).collect(),
	)
}

/// The committed digits model.
pub fn committed_model() -> Result<IntegerModel, ModelError> {
	let model: IntegerModel = serde_json::from_str(MODEL_JSON)?;
	model
		.validate()
		.map_err(|reason| ModelError::Format { path: "models/digits-mlp.json".into(), reason })?;
	Ok(model)
}

/// Fraction of `samples` that `model` classifies correctly, run on burn backend `B`.
pub fn accuracy<B: Backend>(
	model: &IntegerModel,
	samples: &[Sample],
	device: &B::Device,
) -> Result<f64, ModelError> {
	let burn = BurnIntegerModel::<B>::new(model, device);
	let inputs: Vec<&[u8]> = samples.iter().map(|s| &s.pixels[..]).collect();
	let traces = burn.forward_batch(&inputs)?;
	let correct = traces
		.iter()
		.zip(samples)
		.filter(|(t, s)| {
			let scores = declai_primitives::poi::decode_i32s(&trace_output(t)).unwrap_or_default();
			argmax(&scores) == usize::from(s.label)
		})
		.count();
	Ok(correct as f64 / samples.len().max(1) as f64)
}

/// Training settings.
#[derive(Clone, Debug)]
pub struct TrainConfig {
	/// Passes over the training set.
	pub epochs: usize,
	/// Minibatch size.
	pub batch: usize,
	/// Adam learning rate.
	pub learning_rate: f64,
	/// Seed of the initialization and the shuffles.
	pub seed: u64,
}

impl Default for TrainConfig {
	fn default() -> Self {
		Self { epochs: 60, batch: 32, learning_rate: 3e-3, seed: 7 }
	}
}

/// What a training run produced.
#[derive(Clone, Debug)]
pub struct TrainReport {
	/// The quantized model (its provenance records the figures below).
	pub model: IntegerModel,
	/// Test accuracy of the float model.
	pub float_accuracy: f64,
	/// Test accuracy of the int8 model (exact integer inference).
	pub int_accuracy: f64,
	/// Training-set accuracy of the int8 model.
	pub int_train_accuracy: f64,
}

#[derive(Module, Debug)]
struct Mlp<B: Backend> {
	hidden: Linear<B>,
	output: Linear<B>,
}

impl<B: Backend> Mlp<B> {
	fn new(device: &B::Device) -> Self {
		Self {
			hidden: LinearConfig::new(PIXELS, HIDDEN).init(device),
			output: LinearConfig::new(HIDDEN, CLASSES).init(device),
		}
	}

	/// Raw pixel counts in, logits out (the 1/16 input scaling is learnt into the weights).
	fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
		self.output.forward(relu(self.hidden.forward(x)))
	}
}

fn pixels_tensor<B: Backend>(samples: &[&Sample], device: &B::Device) -> Tensor<B, 2> {
	let flat: Vec<f32> =
		samples.iter().flat_map(|s| s.pixels.iter().map(|p| f32::from(*p))).collect();
	Tensor::from_data(TensorData::new(flat, [samples.len(), PIXELS]), device)
}

fn labels_tensor<B: Backend>(samples: &[&Sample], device: &B::Device) -> Tensor<B, 1, Int> {
	let labels: Vec<i32> = samples.iter().map(|s| i32::from(s.label)).collect();
	Tensor::from_data(TensorData::new(labels, [samples.len()]), device)
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Result<Vec<f32>, ModelError> {
	t.into_data()
		.convert::<f32>()
		.into_vec()
		.map_err(|e| ModelError::Inference(format!("reading a tensor: {e:?}")))
}

/// Trains, quantizes and evaluates the digits classifier.
pub fn train<B: AutodiffBackend>(
	config: &TrainConfig,
	device: &B::Device,
) -> Result<TrainReport, ModelError> {
	let samples = dataset()?;
	let (train_set, test_set) = split(&samples);
	B::seed(device, config.seed);
	let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
	let mut model = Mlp::<B>::new(device);
	let mut optimizer = AdamConfig::new().init();
	let loss_fn = CrossEntropyLossConfig::new().init(device);
	let mut order: Vec<&Sample> = train_set.iter().collect();
	for epoch in 0..config.epochs {
		order.shuffle(&mut rng);
		// Cosine decay to a tenth of the rate over the run.
		let progress = epoch as f64 / config.epochs.max(1) as f64;
		let lr = config.learning_rate * (0.55 + 0.45 * (std::f64::consts::PI * progress).cos());
		for batch in order.chunks(config.batch.max(1)) {
			let logits = model.forward(pixels_tensor::<B>(batch, device));
			let loss = loss_fn.forward(logits, labels_tensor::<B>(batch, device));
			let grads = GradientsParams::from_grads(loss.backward(), &model);
			model = optimizer.step(lr, model, grads);
		}
	}
	let model = model.valid();
	let test_refs: Vec<&Sample> = test_set.iter().collect();
	let float_logits = values(model.forward(pixels_tensor::<B::InnerBackend>(&test_refs, device)))?;
	let float_correct = float_logits
		.chunks(CLASSES)
		.zip(&test_set)
		.filter(|(l, s)| {
			let best = l
				.iter()
				.enumerate()
				.fold((0, f32::MIN), |b, (i, v)| if *v > b.1 { (i, *v) } else { b });
			best.0 == usize::from(s.label)
		})
		.count();
	let float_accuracy = float_correct as f64 / test_set.len().max(1) as f64;

	let quantized = quantize::<B::InnerBackend>(&model, &train_set, device)?;
	let int_accuracy = accuracy::<B::InnerBackend>(&quantized, &test_set, device)?;
	let int_train_accuracy = accuracy::<B::InnerBackend>(&quantized, &train_set, device)?;
	let mut quantized = quantized;
	quantized.provenance = Some(serde_json::json!({
		"data": "UCI optical recognition of handwritten digits (Alpaydin & Kaynak 1998, CC BY 4.0), scikit-learn 1.9.1 digits.csv.gz",
		"split": "index % 5 == 4 is test",
		"train_samples": train_set.len(),
		"test_samples": test_set.len(),
		"epochs": config.epochs,
		"batch": config.batch,
		"learning_rate": config.learning_rate,
		"seed": config.seed,
		"float_test_accuracy": round4(float_accuracy),
		"int8_test_accuracy": round4(int_accuracy),
		"int8_train_accuracy": round4(int_train_accuracy),
		"command": "declai-worker train-digits",
	}));
	Ok(TrainReport { model: quantized, float_accuracy, int_accuracy, int_train_accuracy })
}

fn round4(v: f64) -> f64 {
	(v * 10_000.0).round() / 10_000.0
}

/// A trained linear layer's parameters.
struct LinearParts {
	/// `[inputs, outputs]`, row-major.
	weights: Vec<f32>,
	bias: Vec<f32>,
	dims: [usize; 2],
}

fn linear_parts<B: Backend>(linear: &Linear<B>) -> Result<LinearParts, ModelError> {
	let weight = linear.weight.val();
	let dims = weight.dims();
	let bias = linear
		.bias
		.as_ref()
		.map(|b| values(b.val()))
		.transpose()?
		.unwrap_or_else(|| vec![0.0; dims[1]]);
	Ok(LinearParts { weights: values(weight)?, bias, dims })
}

/// Integer rows (`round(w·scale)`, then the bias `round(b·bias_scale)`) of a layer.
fn integer_rows(parts: &LinearParts, scale: f64, bias_scale: f64) -> Vec<Vec<i32>> {
	let [inputs, outputs] = parts.dims;
	(0..outputs)
		.map(|o| {
			let mut row: Vec<i32> = (0..inputs)
				.map(|i| (f64::from(parts.weights[i * outputs + o]) * scale).round() as i32)
				.collect();
			row.push((f64::from(parts.bias[o]) * bias_scale).round() as i32);
			row
		})
		.collect()
}

fn weight_scale(weights: &[f32]) -> f64 {
	let largest = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
	f64::from(ACTIVATION_MAX) / f64::from(largest.max(f32::MIN_POSITIVE))
}

/// Post-training int8 quantization with a shift calibrated on the training set.
fn quantize<B: Backend>(
	model: &Mlp<B>,
	train_set: &[Sample],
	device: &B::Device,
) -> Result<IntegerModel, ModelError> {
	let first = linear_parts(&model.hidden)?;
	let second = linear_parts(&model.output)?;
	// Layer 1 takes raw pixels (scale 1): accumulators are s1 × the float pre-activations.
	let s1 = weight_scale(&first.weights);
	let rows1 = integer_rows(&first, s1, s1);
	let layer1 = IntegerLayer { inputs: PIXELS as u32, outputs: HIDDEN as u32, shift: 0 };
	let probe = IntegerModel {
		name: MODEL_NAME.into(),
		layers: vec![layer1],
		rows: rows1.clone(),
		provenance: None,
	};
	let burn = BurnIntegerModel::<B>::new(&probe, device);
	let inputs: Vec<&[u8]> = train_set.iter().map(|s| &s.pixels[..]).collect();
	let mut positive: Vec<i32> = burn
		.forward_batch(&inputs)?
		.iter()
		.flat_map(|t| t.last().map(|(_, y)| y.clone()).unwrap_or_default())
		.filter(|v| *v > 0)
		.collect();
	positive.sort_unstable();
	let p999 = positive.get(positive.len().saturating_sub(1) * 999 / 1000).copied().unwrap_or(1);
	let shift = (0u8..31).find(|k| (p999 >> k) <= ACTIVATION_MAX).unwrap_or(30);
	// Hidden activations are s1 / 2^shift × the float ones; the output layer's accumulators are
	// s2 × that scale × the float logits (the argmax is what matters).
	let hidden_scale = s1 / f64::from(1u32 << shift);
	let s2 = weight_scale(&second.weights);
	let rows2 = integer_rows(&second, s2, s2 * hidden_scale);
	let mut rows = rows1;
	rows.extend(rows2);
	Ok(IntegerModel {
		name: MODEL_NAME.into(),
		layers: vec![
			IntegerLayer { inputs: PIXELS as u32, outputs: HIDDEN as u32, shift },
			IntegerLayer { inputs: HIDDEN as u32, outputs: CLASSES as u32, shift: 0 },
		],
		rows,
		provenance: None,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::models::Cpu;

	#[test]
	fn dataset_is_the_uci_digits_set() {
		let samples = dataset().unwrap();
		assert_eq!(samples.len(), 1797);
		let (train, test) = split(&samples);
		assert_eq!((train.len(), test.len()), (1438, 359));
		for digit in 0..10u8 {
			let n = samples.iter().filter(|s| s.label == digit).count();
			assert!((170..=190).contains(&n), "{n} samples of {digit}");
		}
	}

	#[test]
	fn committed_model_is_int8_and_at_least_95_percent_accurate() {
		let model = committed_model().unwrap();
		assert_eq!(model.name, MODEL_NAME);
		for (l, layer) in model.layers.iter().enumerate() {
			for row in model.layer_rows(l) {
				let (_, weights) = row.split_last().unwrap();
				assert!(weights.iter().all(|w| (-127..=127).contains(w)), "layer {l}: {weights:?}");
			}
			assert_eq!(model.layer_rows(l).len(), layer.outputs as usize);
		}
		let (_, test) = split(&dataset().unwrap());
		let acc = accuracy::<Cpu>(&model, &test, &Default::default()).unwrap();
		assert!(acc >= 0.95, "test accuracy {acc}");
		// The committed provenance tells the truth about the committed weights.
		let recorded = model.provenance.as_ref().unwrap()["int8_test_accuracy"].as_f64().unwrap();
		assert!((recorded - acc).abs() < 1e-4, "recorded {recorded}, measured {acc}");
	}

	#[test]
	fn burn_on_flex_is_bit_exact_with_the_on_chain_reference_for_every_sample() {
		let model = committed_model().unwrap();
		let burn = BurnIntegerModel::<Cpu>::new(&model, &Default::default());
		let samples = dataset().unwrap();
		let inputs: Vec<&[u8]> = samples.iter().map(|s| &s.pixels[..]).collect();
		let traces = burn.forward_batch(&inputs).unwrap();
		for (sample, trace) in samples.iter().zip(&traces) {
			assert_eq!(trace, &model.reference_forward(&sample.pixels).unwrap());
		}
		// One at a time gives the same as batched (no batch-dependent reduction order).
		assert_eq!(burn.forward(&samples[0].pixels).unwrap(), traces[0]);
	}

	/// With the `gpu` feature on a CUDA machine: the same bits on the GPU.
	#[cfg(feature = "gpu")]
	#[test]
	fn burn_on_cuda_is_bit_exact_with_the_on_chain_reference_for_every_sample() {
		let model = committed_model().unwrap();
		let burn = BurnIntegerModel::<burn::backend::Cuda>::new(&model, &Default::default());
		let samples = dataset().unwrap();
		let inputs: Vec<&[u8]> = samples.iter().map(|s| &s.pixels[..]).collect();
		for (sample, trace) in samples.iter().zip(burn.forward_batch(&inputs).unwrap()) {
			assert_eq!(trace, model.reference_forward(&sample.pixels).unwrap());
		}
	}

	#[test]
	fn a_perturbed_weight_changes_the_commitment_and_some_output() {
		let model = committed_model().unwrap();
		let mut other = model.clone();
		other.rows[3][5] += 1;
		assert_ne!(model.weights_root(), other.weights_root());
		let samples = dataset().unwrap();
		assert!(samples.iter().any(|s| model.reference_forward(&s.pixels).unwrap()
			!= other.reference_forward(&s.pixels).unwrap()));
	}

	#[test]
	fn wrong_input_length_is_a_named_error() {
		let model = committed_model().unwrap();
		let burn = BurnIntegerModel::<Cpu>::new(&model, &Default::default());
		assert!(matches!(burn.forward(&[0u8; 63]), Err(ModelError::BadInput(_))));
	}

	#[test]
	fn training_reaches_the_accuracy_bar() {
		// A short run: the full one is `declai-worker train-digits`.
		let config = TrainConfig { epochs: 25, ..Default::default() };
		let report = train::<burn::backend::Autodiff<Cpu>>(&config, &Default::default()).unwrap();
		assert!(report.float_accuracy >= 0.93, "float {}", report.float_accuracy);
		assert!(report.int_accuracy >= 0.93, "int8 {}", report.int_accuracy);
		report.model.validate().unwrap();
	}
}
