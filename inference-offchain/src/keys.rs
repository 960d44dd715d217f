//! Keys: the account key that signs extrinsics (a secret URI such as `//Bob` on dev chains, or a
//! mnemonic in a file) and the hardware attestation key (an sr25519 seed in a file readable by
//! the owner only, created on first use).

use std::{
	fs,
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::Path,
	str::FromStr,
};

use rand::RngCore;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
	/// The key file could not be read or created.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: String,
		/// The OS error.
		#[source]
		source: std::io::Error,
	},
	/// Group or others may read the key file.
	#[error(
		"{path}: permissions {mode:o} are too open; the key file must be 0600 (chmod 600 {path})"
	)]
	TooOpen {
		/// The file.
		path: String,
		/// Its mode.
		mode: u32,
	},
	/// The file or URI does not hold a key.
	#[error("{what}: not a valid key: {reason}")]
	Invalid {
		/// The file or `account`.
		what: String,
		/// Why.
		reason: String,
	},
}

/// The account key from a secret URI (`//Alice`, a mnemonic, `0x…` seed) or `@file` holding one.
pub fn account_key(spec: &str) -> Result<Keypair, KeyError> {
	let (what, text) = match spec.strip_prefix('@') {
		Some(path) => {
			let path = Path::new(path);
			check_private(path)?;
			let text = fs::read_to_string(path)
				.map_err(|e| KeyError::Io { path: path.display().to_string(), source: e })?;
			(path.display().to_string(), text.trim().to_string())
		}
		None => ("account".to_string(), spec.to_string()),
	};
	let uri = SecretUri::from_str(&text)
		.map_err(|e| KeyError::Invalid { what: what.clone(), reason: e.to_string() })?;
	Keypair::from_uri(&uri).map_err(|e| KeyError::Invalid { what, reason: e.to_string() })
}

fn check_private(path: &Path) -> Result<(), KeyError> {
	let meta = fs::metadata(path)
		.map_err(|e| KeyError::Io { path: path.display().to_string(), source: e })?;
	let mode = meta.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		return Err(KeyError::TooOpen { path: path.display().to_string(), mode });
	}
	Ok(())
}

/// The hardware attestation key in `path` (hex of a 32-byte sr25519 seed), created with mode
/// 0600 if the file does not exist. Returns the key and whether it was created.
pub fn attestation_key(path: &Path) -> Result<(Keypair, bool), KeyError> {
	let created = if path.exists() {
		false
	} else {
		if let Some(parent) = path.parent() {
			fs::create_dir_all(parent)
				.map_err(|e| KeyError::Io { path: parent.display().to_string(), source: e })?;
		}
		let mut seed = [0u8; 32];
		rand::rngs::OsRng.fill_bytes(&mut seed);
		let mut file = fs::OpenOptions::new()
			.write(true)
			.create_new(true)
			.mode(0o600)
			.open(path)
			.map_err(|e| KeyError::Io { path: path.display().to_string(), source: e })?;
		file.write_all(format!("0x{}\n", hex::encode(seed)).as_bytes())
			.and_then(|_| file.sync_all())
			.map_err(|e| KeyError::Io { path: path.display().to_string(), source: e })?;
		true
	};
	check_private(path)?;
	let what = path.display().to_string();
	let text =
		fs::read_to_string(path).map_err(|e| KeyError::Io { path: what.clone(), source: e })?;
	let seed: [u8; 32] = hex::decode(text.trim().trim_start_matches("0x"))
		.ok()
		.and_then(|v| v.try_into().ok())
		.ok_or_else(|| KeyError::Invalid {
			what: what.clone(),
			reason: "expected 0x and 64 hex digits".into(),
		})?;
	let key = Keypair::from_secret_key(seed)
		.map_err(|e| KeyError::Invalid { what, reason: e.to_string() })?;
	Ok((key, created))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn attestation_key_is_created_private_and_stable() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("keys/attestation.key");
		let (a, created) = attestation_key(&path).unwrap();
		assert!(created);
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		let (b, created) = attestation_key(&path).unwrap();
		assert!(!created);
		assert_eq!(a.public_key().0, b.public_key().0);
	}

	#[test]
	fn a_readable_key_file_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("attestation.key");
		attestation_key(&path).unwrap();
		fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
		assert!(matches!(attestation_key(&path), Err(KeyError::TooOpen { mode: 0o644, .. })));
	}

	#[test]
	fn account_keys_from_uris_and_files() {
		let alice = account_key("//Alice").unwrap();
		assert_eq!(alice.public_key().0, subxt_signer::sr25519::dev::alice().public_key().0);
		assert!(matches!(account_key("not a key //"), Err(KeyError::Invalid { .. })));
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("account");
		fs::write(&path, "//Alice\n").unwrap();
		fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
		let from_file = account_key(&format!("@{}", path.display())).unwrap();
		assert_eq!(from_file.public_key().0, alice.public_key().0);
	}
}
