//! Hardware detection and the timed benchmark responder.
//!
//! With the `gpu` feature, the first CUDA device is queried through cudarc's driver API (name and
//! memory) and mapped to a [`HardwareClass`]; without it (or without a device) the worker is a
//! `cpu` worker. The class can always be set explicitly in the configuration.
//!
//! [`benchmark`] runs the timed workload of the η check (`pallet-workers` issues the challenges,
//! `declai_primitives::poi::benchmark_reference` defines the work): an exact integer matrix chain
//! seeded by the challenge, whose digest proves that it was computed and whose duration is the
//! time the worker reports. Anyone with the seed gets the same digest, so auditors re-run it to
//! check answers, and a quick answer with a wrong digest is worthless.

use std::time::Instant;

use burn::tensor::{backend::Backend, ElementConversion, Int, Tensor, TensorData};
use declai_primitives::{poi, HardwareClass};
use serde::Serialize;
use sp_crypto_hashing::blake2_256;

/// What the worker found.
#[derive(Clone, Debug, Serialize)]
pub struct Detected {
	/// The class it will register as.
	pub class: HardwareClass,
	/// Device name (`cpu` without a GPU).
	pub device: String,
	/// Device memory in bytes (0 for CPU).
	pub memory: u64,
}

/// Parses a class name (`cpu`, `rtx3060`, …, as [`HardwareClass::name`]).
pub fn parse_class(name: &str) -> Option<HardwareClass> {
	HardwareClass::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
}

/// Maps a CUDA device name to its class (the nearest listed class below it when unknown).
pub fn class_of_device(name: &str) -> HardwareClass {
	let n = name.to_ascii_lowercase();
	if n.contains("h100") || n.contains("h200") || n.contains("gh200") {
		HardwareClass::H100
	} else if n.contains("a100") {
		HardwareClass::A100
	} else if n.contains("4090") {
		HardwareClass::Rtx4090
	} else if n.contains(" l4") || n.ends_with("l4") {
		HardwareClass::L4
	} else {
		HardwareClass::Rtx3060
	}
}

/// Detects the hardware: the first CUDA device with the `gpu` feature, else the CPU.
pub fn detect() -> Detected {
	#[cfg(feature = "gpu")]
	if let Some(found) = detect_cuda() {
		return found;
	}
	Detected { class: HardwareClass::Cpu, device: "cpu".into(), memory: 0 }
}

#[cfg(feature = "gpu")]
fn detect_cuda() -> Option<Detected> {
	let ctx = cudarc::driver::CudaContext::new(0).ok()?;
	let device = ctx.name().ok()?;
	let memory = ctx.total_mem().ok().map(|m| m as u64).unwrap_or(0);
	Some(Detected { class: class_of_device(&device), device, memory })
}

/// The result of one timed benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct BenchmarkAnswer {
	/// Digest of the product (`blake2_256` of its little-endian `i32`s); hex in JSON.
	#[serde(serialize_with = "crate::store::hex_array::serialize")]
	pub digest: [u8; 32],
	/// Wall time in microseconds: from the matrices on the device (after an untimed warm-up
	/// product) to the product read back.
	pub micros: u64,
	/// Integer multiply-adds performed.
	pub mac: u64,
}

/// Runs a benchmark challenge on backend `B`: the two `size × size` matrices of
/// [`poi::benchmark_matrices`], then `rounds` times `x ← (x · B) & 15` exactly in `i32`; the
/// digest equals [`poi::benchmark_reference`]'s on every backend.
pub fn benchmark<B: Backend>(
	seed: &[u8; 32],
	size: u32,
	rounds: u32,
	device: &B::Device,
) -> BenchmarkAnswer {
	let n = size as usize;
	let (a, b) = poi::benchmark_matrices(seed, size);
	let a: Tensor<B, 2, Int> = Tensor::from_data(TensorData::new(a, [n, n]), device);
	let b: Tensor<B, 2, Int> = Tensor::from_data(TensorData::new(b, [n, n]), device);
	// One untimed product of the same shapes first, so that kernel compilation and autotuning
	// (CUDA: about 1.7 s in a fresh process on an H200) are not counted as work.
	let _ = a.clone().matmul(b.clone()).bitwise_and_scalar(15i32.elem()).into_data();
	let start = Instant::now();
	let mut x = a;
	for _ in 0..rounds.max(1) {
		// Entries stay in 0..=15, so sums never overflow: the low 4 bits after each product
		// (two's complement, the same on every backend).
		x = x.matmul(b.clone()).bitwise_and_scalar(15i32.elem());
	}
	let values: Vec<i32> = x.into_data().convert::<i32>().into_vec().unwrap_or_default();
	let micros = start.elapsed().as_micros() as u64;
	let digest = blake2_256(&poi::encode_i32s(&values));
	BenchmarkAnswer { digest, micros, mac: u64::from(size).pow(3) * u64::from(rounds.max(1)) }
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::models::Cpu;

	#[test]
	fn class_names_and_devices() {
		assert_eq!(parse_class("H100"), Some(HardwareClass::H100));
		assert_eq!(parse_class("tpu"), None);
		assert_eq!(class_of_device("NVIDIA H100 80GB HBM3"), HardwareClass::H100);
		assert_eq!(class_of_device("NVIDIA A100-SXM4-80GB"), HardwareClass::A100);
		assert_eq!(class_of_device("NVIDIA GeForce RTX 4090"), HardwareClass::Rtx4090);
		assert_eq!(class_of_device("NVIDIA L4"), HardwareClass::L4);
		assert_eq!(class_of_device("NVIDIA GeForce GTX 1080"), HardwareClass::Rtx3060);
	}

	#[test]
	fn benchmark_digest_depends_on_the_seed_and_nothing_else() {
		let d = Default::default();
		let a = benchmark::<Cpu>(&[1; 32], 32, 3, &d);
		let b = benchmark::<Cpu>(&[1; 32], 32, 3, &d);
		let c = benchmark::<Cpu>(&[2; 32], 32, 3, &d);
		assert_eq!(a.digest, b.digest);
		assert_ne!(a.digest, c.digest);
		assert_eq!(a.mac, 32 * 32 * 32 * 3);
	}

	#[test]
	fn burn_on_flex_matches_the_reference_definition() {
		let d = Default::default();
		for (seed, size, rounds) in [([5u8; 32], 1, 1), ([6; 32], 7, 3), ([7; 32], 33, 5)] {
			let run = benchmark::<Cpu>(&seed, size, rounds, &d);
			assert_eq!(run.digest, poi::benchmark_reference(&seed, size, rounds));
		}
	}

	#[cfg(feature = "gpu")]
	#[test]
	fn burn_on_cuda_matches_the_reference_definition() {
		let d = Default::default();
		for (seed, size, rounds) in [([5u8; 32], 1, 1), ([6; 32], 7, 3), ([7; 32], 65, 5)] {
			let run = benchmark::<burn::backend::Cuda>(&seed, size, rounds, &d);
			assert_eq!(run.digest, poi::benchmark_reference(&seed, size, rounds));
		}
	}
}
