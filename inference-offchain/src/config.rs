//! Worker configuration: a TOML file, each field overridable by a command-line flag.
//!
//! ```toml
//! node = "ws://127.0.0.1:9944"          # the node's JSON-RPC endpoint
//! account = "//Bob"                     # secret URI, or "@path" to a 0600 file holding one
//! state_dir = "worker-data"             # job records and the attestation key
//! status_addr = "127.0.0.1:9955"        # HTTP status and metrics ("" to disable)
//! class = "auto"                        # hardware class, or auto-detect (CUDA with `gpu`)
//! region = 0
//! bond = 10.0                           # CRED bonded at registration
//!
//! [[models]]
//! name = "digits-mlp-v1"
//! path = "inference-offchain/models/digits-mlp.json"
//!
//! [[models]]
//! name = "all-minilm-l6-v2"
//! path = "~/.cache/declai/models/all-minilm-l6-v2"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One model the worker can serve: its on-chain name and its local file or directory.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
	/// The name registered on chain.
	pub name: String,
	/// An integer model file (JSON) or a MiniLM directory.
	pub path: PathBuf,
}

/// The worker's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
	/// Node JSON-RPC URL.
	pub node: String,
	/// Account secret URI or `@file`.
	pub account: String,
	/// Directory for job records and the attestation key.
	pub state_dir: PathBuf,
	/// Attestation key file (default `<state_dir>/attestation.key`).
	pub attestation_key: Option<PathBuf>,
	/// Status/metrics HTTP address; empty disables it.
	pub status_addr: String,
	/// Hardware class name (`cpu`, `rtx3060`, `rtx4090`, `l4`, `a100`, `h100`) or `auto`.
	pub class: String,
	/// Region id.
	pub region: u16,
	/// Bond at registration, in CRED.
	pub bond: f64,
	/// Models to serve.
	pub models: Vec<ModelEntry>,
	/// How long to keep retrying an unreachable node at start (seconds); once running, the worker
	/// retries a lost node for as long as it takes.
	pub connect_timeout_s: u64,
}

impl Default for WorkerConfig {
	fn default() -> Self {
		Self {
			node: "ws://127.0.0.1:9944".into(),
			account: String::new(),
			state_dir: PathBuf::from("worker-data"),
			attestation_key: None,
			status_addr: "127.0.0.1:9955".into(),
			class: "auto".into(),
			region: 0,
			bond: 10.0,
			models: Vec::new(),
			connect_timeout_s: 300,
		}
	}
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file could not be read.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: String,
		/// The OS error.
		#[source]
		source: std::io::Error,
	},
	/// The file is not valid TOML of the expected shape.
	#[error("{path}: {reason}")]
	Parse {
		/// The file.
		path: String,
		/// The parser's message (names the bad key).
		reason: String,
	},
	/// A value is out of range or missing.
	#[error("configuration: {0}")]
	Invalid(String),
}

impl WorkerConfig {
	/// Reads a TOML file.
	pub fn load(path: &Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| ConfigError::Io { path: path.display().to_string(), source: e })?;
		Self::parse(&text).map_err(|e| match e {
			ConfigError::Parse { reason, .. } => {
				ConfigError::Parse { path: path.display().to_string(), reason }
			}
			other => other,
		})
	}

	/// Parses TOML text.
	pub fn parse(text: &str) -> Result<Self, ConfigError> {
		toml::from_str(text)
			.map_err(|e| ConfigError::Parse { path: "<config>".into(), reason: e.to_string() })
	}

	/// Checks values and expands `~/` in paths.
	pub fn finish(mut self) -> Result<Self, ConfigError> {
		if self.account.is_empty() {
			return Err(ConfigError::Invalid(
				"no account: set `account` (e.g. \"//Bob\" on a dev chain)".into(),
			));
		}
		if !(self.bond.is_finite() && self.bond >= 0.0) {
			return Err(ConfigError::Invalid(format!(
				"bond {} is not a non-negative number",
				self.bond
			)));
		}
		if !self.node.starts_with("ws://") && !self.node.starts_with("wss://") {
			return Err(ConfigError::Invalid(format!(
				"node {:?} is not a ws:// or wss:// URL",
				self.node
			)));
		}
		self.state_dir = expand_home(&self.state_dir);
		self.attestation_key = self.attestation_key.as_deref().map(expand_home);
		for m in &mut self.models {
			m.path = expand_home(&m.path);
		}
		Ok(self)
	}

	/// The attestation key file.
	pub fn attestation_key_path(&self) -> PathBuf {
		self.attestation_key.clone().unwrap_or_else(|| self.state_dir.join("attestation.key"))
	}
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(path: &Path) -> PathBuf {
	match (path.strip_prefix("~"), std::env::var_os("HOME")) {
		(Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
		_ => path.to_path_buf(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_the_documented_example() {
		let text = r#"
			node = "ws://127.0.0.1:9944"
			account = "//Bob"
			state_dir = "~/w"
			bond = 12.5
			[[models]]
			name = "digits-mlp-v1"
			path = "inference-offchain/models/digits-mlp.json"
		"#;
		let c = WorkerConfig::parse(text).unwrap().finish().unwrap();
		assert_eq!(c.account, "//Bob");
		assert_eq!(c.bond, 12.5);
		assert_eq!(c.models.len(), 1);
		assert!(!c.state_dir.starts_with("~"));
		assert_eq!(c.attestation_key_path(), c.state_dir.join("attestation.key"));
	}

	#[test]
	fn the_shipped_example_parses() {
		let c =
			WorkerConfig::parse(include_str!("../worker.example.toml")).unwrap().finish().unwrap();
		assert_eq!(c.models.len(), 2);
		assert_eq!(c.status_addr, "127.0.0.1:9955");
	}

	#[test]
	fn bad_configurations_are_named_errors() {
		let unknown = WorkerConfig::parse("acount = \"//Bob\"").unwrap_err();
		assert!(unknown.to_string().contains("acount"), "{unknown}");
		assert!(matches!(WorkerConfig::parse("").unwrap().finish(), Err(ConfigError::Invalid(_))));
		let bad_url =
			WorkerConfig::parse("account = \"//Bob\"\nnode = \"http://x\"").unwrap().finish();
		assert!(matches!(bad_url, Err(ConfigError::Invalid(_))));
		let negative = WorkerConfig::parse("account = \"//Bob\"\nbond = -1.0").unwrap().finish();
		assert!(matches!(negative, Err(ConfigError::Invalid(_))));
	}
}
