//! Loading the project's digits model and dataset, shared by the tests and the `zk-bench`
//! example.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use declai_primitives::poi::IntegerLayer;
use declai_zk::Model;
use std::{io::Read, sync::OnceLock};

/// The digits model as the worker registers it.
pub fn model() -> &'static Model {
	static MODEL: OnceLock<Model> = OnceLock::new();
	MODEL.get_or_init(|| {
		let path =
			concat!(env!("CARGO_MANIFEST_DIR"), "/../inference-offchain/models/digits-mlp.json");
		let json: serde_json::Value =
			serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
		let layers = json["layers"]
			.as_array()
			.unwrap()
			.iter()
			.map(|l| IntegerLayer {
				inputs: l["inputs"].as_u64().unwrap() as u32,
				outputs: l["outputs"].as_u64().unwrap() as u32,
				shift: l["shift"].as_u64().unwrap() as u8,
			})
			.collect();
		let rows = json["rows"]
			.as_array()
			.unwrap()
			.iter()
			.map(|r| r.as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i32).collect())
			.collect();
		Model::new(layers, rows).unwrap()
	})
}

/// The 1,797 digits' pixels (0..=16), one byte each.
pub fn digits() -> &'static Vec<Vec<u8>> {
	static DIGITS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
	DIGITS.get_or_init(|| {
		let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../inference-offchain/data/digits.csv.gz");
		let mut csv = String::new();
		flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
			.read_to_string(&mut csv)
			.unwrap();
		csv.lines()
			.filter(|l| !l.trim().is_empty())
			.map(|l| l.split(',').take(64).map(|v| v.trim().parse::<u8>().unwrap()).collect())
			.collect()
	})
}
