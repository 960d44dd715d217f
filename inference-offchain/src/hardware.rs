//! Hardware detection and the timed benchmark responder.
//!
//! With the `gpu` feature, the first CUDA device is queried through cudarc's driver API (name and
//! memory) and mapped to a [`HardwareClass`]; without it (or without a device) the worker is a
//! `cpu` worker. The class can always be set explicitly in the configuration.
//!
//! [`benchmark`] is the timed workload behind the η check: an exact integer matrix product seeded
//! by a challenge, whose digest proves that it was computed and whose duration gives the
//! throughput the worker reports. The same function, run by anyone with the seed, gives the same
//! digest, so a quick answer with a wrong digest is worthless.

use std::time::Instant;

use burn::tensor::{backend::Backend, ElementConversion, Int, Tensor, TensorData};
use declai_primitives::HardwareClass;
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
	/// Digest of the product (`blake2_256` of its little-endian `i32`s), hex.
	pub digest: String,
	/// Wall time in microseconds.
	pub micros: u64,
	/// Integer multiply-adds performed.
	pub mac: u64,
}

/// Multiplies two `size × size` int8-valued matrices derived from `seed` on backend `B`, exactly
/// (i32 accumulation), `rounds` times in a chain, and returns the digest of the last product and
/// the elapsed time.
pub fn benchmark<B: Backend>(
	seed: &[u8; 32],
	size: usize,
	rounds: usize,
	device: &B::Device,
) -> BenchmarkAnswer {
	let stream = |tag: u8| -> Vec<i32> {
		let mut out = Vec::with_capacity(size * size);
		let mut counter = 0u64;
		while out.len() < size * size {
			let mut input = seed.to_vec();
			input.push(tag);
			input.extend_from_slice(&counter.to_le_bytes());
			out.extend(blake2_256(&input).iter().map(|b| i32::from(*b as i8) >> 4));
			counter += 1;
		}
		out.truncate(size * size);
		out
	};
	let a: Tensor<B, 2, Int> = Tensor::from_data(TensorData::new(stream(0), [size, size]), device);
	let b: Tensor<B, 2, Int> = Tensor::from_data(TensorData::new(stream(1), [size, size]), device);
	let start = Instant::now();
	let mut x = a;
	for _ in 0..rounds.max(1) {
		// Keep entries small so the chain never overflows: the low 4 bits after each product
		// (two's complement, the same on every backend).
		x = x.matmul(b.clone()).bitwise_and_scalar(15i32.elem());
	}
	let values: Vec<i32> = x.into_data().convert::<i32>().into_vec().unwrap_or_default();
	let micros = start.elapsed().as_micros() as u64;
	let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
	BenchmarkAnswer {
		digest: hex::encode(blake2_256(&bytes)),
		micros,
		mac: (size as u64).pow(3) * rounds.max(1) as u64,
	}
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
}
