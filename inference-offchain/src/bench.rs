//! Benchmarks (run by `scripts/bench-worker.sh`, never as tests): model throughput on burn, for
//! comparison with the numpy reference measured in the same run, and request-to-settlement
//! latency against a running chain.

use std::{path::Path, time::Instant};

use serde::Serialize;

use burn::tensor::backend::Backend;

use crate::models::{digits, integer::BurnIntegerModel, minilm::MiniLm, ModelError};

/// The texts both implementations embed: four sentences, numbered.
pub fn bench_texts(n: usize) -> Vec<String> {
	const BASE: [&str; 4] = [
		"A man is eating food.",
		"A man is eating a piece of bread.",
		"The new movie is awesome!",
		"Proof of inference pays GPU owners for verified work.",
	];
	(0..n).map(|i| format!("{} ({i})", BASE[i % 4])).collect()
}

/// One throughput figure.
#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
	/// What was measured.
	pub name: String,
	/// Items processed.
	pub items: usize,
	/// Batch size.
	pub batch: usize,
	/// Wall seconds.
	pub seconds: f64,
	/// Items per second.
	pub per_second: f64,
}

fn measure(
	name: &str,
	items: usize,
	batch: usize,
	run: impl FnOnce() -> Result<(), ModelError>,
) -> Result<Throughput, ModelError> {
	let start = Instant::now();
	run()?;
	let seconds = start.elapsed().as_secs_f64();
	Ok(Throughput {
		name: name.into(),
		items,
		batch,
		seconds,
		per_second: items as f64 / seconds.max(1e-12),
	})
}

/// Digits throughput on backend `B` (named `backend` in the results): all 1,797 images `rounds`
/// times, batched and one by one.
pub fn digits_throughput<B: Backend>(
	backend: &str,
	device: &B::Device,
	rounds: usize,
) -> Result<Vec<Throughput>, ModelError> {
	let model = digits::committed_model()?;
	let samples = digits::dataset()?;
	let burn = BurnIntegerModel::<B>::new(&model, device);
	let inputs: Vec<&[u8]> = samples.iter().map(|s| &s.pixels[..]).collect();
	burn.forward_batch(&inputs)?; // warm-up
	let name = format!("digits int8 MLP (burn {backend})");
	let batched = measure(&name, inputs.len() * rounds, inputs.len(), || {
		for _ in 0..rounds {
			burn.forward_batch(&inputs)?;
		}
		Ok(())
	})?;
	let single = measure(&name, inputs.len(), 1, || {
		for input in &inputs {
			burn.forward(input)?;
		}
		Ok(())
	})?;
	Ok(vec![batched, single])
}

/// MiniLM throughput on backend `B`: `n` texts in batches of `batch`.
pub fn minilm_throughput<B: Backend>(
	backend: &str,
	device: &B::Device,
	dir: &Path,
	n: usize,
	batches: &[usize],
) -> Result<Vec<Throughput>, ModelError> {
	let model = MiniLm::<B>::load(dir, device)?;
	let name = format!("all-MiniLM-L6-v2 f32 (burn {backend})");
	let texts = bench_texts(n);
	let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
	model.embed(&refs[..refs.len().min(4)])?; // warm-up
	batches
		.iter()
		.map(|batch| {
			measure(&name, n, *batch, || {
				for chunk in refs.chunks((*batch).max(1)) {
					model.embed(chunk)?;
				}
				Ok(())
			})
		})
		.collect()
}

/// Percentile (nearest rank) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
	sorted[rank.min(sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn percentiles_by_nearest_rank() {
		let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
		assert_eq!(percentile(&v, 50.0), 5.0);
		assert_eq!(percentile(&v, 90.0), 9.0);
		assert_eq!(percentile(&v, 100.0), 10.0);
		assert!(percentile(&[], 50.0).is_nan());
	}

	#[test]
	fn bench_texts_cycle_the_sentences() {
		let t = bench_texts(5);
		assert_eq!(t[4], "A man is eating food. (4)");
	}
}
