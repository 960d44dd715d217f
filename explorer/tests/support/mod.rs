//! Test processes: a dev node and a PostgreSQL server, each killed when dropped.

#![allow(dead_code)]

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A free TCP port on localhost.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The node binary: `DECLAI_NODE`, else the workspace's release build.
pub fn node_binary() -> PathBuf {
	if let Ok(p) = std::env::var("DECLAI_NODE") {
		return p.into();
	}
	let target = std::env::var("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
	target.join("release/declai-node")
}

/// A `declai-node --dev` process.
pub struct Node {
	child: Child,
	/// Its WebSocket URL.
	pub ws: String,
	/// Its log file.
	pub log: PathBuf,
}

impl Node {
	/// Starts a temporary dev chain with `extra` arguments.
	pub fn start(dir: &Path, extra: &[&str]) -> Node {
		Self::spawn(dir, free_port(), &[&["--tmp"], extra].concat())
	}

	/// Starts a dev chain kept in `base` (so that a restart continues it), serving RPC on `rpc`.
	pub fn start_in(dir: &Path, base: &Path, rpc: u16, extra: &[&str]) -> Node {
		let base = base.display().to_string();
		Self::spawn(dir, rpc, &[&["--base-path", base.as_str()], extra].concat())
	}

	fn spawn(dir: &Path, rpc: u16, extra: &[&str]) -> Node {
		let p2p = free_port();
		let log = dir.join(format!("node-{rpc}-{p2p}.log"));
		let binary = node_binary();
		assert!(
			binary.exists(),
			"{} is missing: build the node (scripts/build.sh)",
			binary.display()
		);
		let child = Command::new(binary)
			.args(["--dev", "--database", "rocksdb", "--no-prometheus", "--no-telemetry"])
			.args(["--rpc-port", &rpc.to_string(), "--port", &p2p.to_string()])
			.args(extra)
			.stdout(Stdio::null())
			.stderr(std::fs::File::create(&log).unwrap())
			.spawn()
			.expect("declai-node starts");
		Node { child, ws: format!("ws://127.0.0.1:{rpc}"), log }
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Waits until `check` holds, polling every 500 ms; panics with `what` after `limit`.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	let start = Instant::now();
	while !check().await {
		assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// A PostgreSQL 15 server in a temporary directory (`initdb`, `pg_ctl`), run as the `postgres`
/// user when the tests run as root (PostgreSQL refuses root).
pub struct Postgres {
	dir: PathBuf,
	as_postgres: bool,
	/// Its URL (database `postgres`, trust authentication on loopback).
	pub url: String,
}

fn pg_bin(name: &str) -> PathBuf {
	let debian = Path::new("/usr/lib/postgresql/15/bin").join(name);
	if debian.exists() {
		debian
	} else {
		name.into()
	}
}

impl Postgres {
	/// Starts a server, or `None` (with a message) if PostgreSQL is not installed.
	pub fn start(dir: &Path) -> Option<Postgres> {
		if Command::new(pg_bin("initdb")).arg("--version").output().is_err() {
			// CI must test PostgreSQL: there a missing server is a failure, not a skip.
			assert!(
				std::env::var("CI").is_err(),
				"PostgreSQL is not installed (scripts/setup.sh installs it)"
			);
			eprintln!(
				"PostgreSQL is not installed (scripts/setup.sh installs it): skipping its half"
			);
			return None;
		}
		let as_postgres = Command::new("id")
			.arg("-u")
			.output()
			.map(|o| o.stdout.starts_with(b"0\n"))
			.unwrap_or(false);
		let data = dir.join("pg");
		std::fs::create_dir_all(&data).unwrap();
		let run = |program: PathBuf, args: &[&str]| {
			let mut cmd = if as_postgres {
				let mut c = Command::new("runuser");
				c.args(["-u", "postgres", "--"]).arg(&program);
				c
			} else {
				Command::new(&program)
			};
			let out = cmd.args(args).output().expect("PostgreSQL tool runs");
			assert!(
				out.status.success(),
				"{} {:?}: {}",
				program.display(),
				args,
				String::from_utf8_lossy(&out.stderr)
			);
		};
		if as_postgres {
			// The `postgres` user must be able to reach its directory inside the test's private
			// temporary directory.
			use std::os::unix::fs::PermissionsExt;
			if let Some(parent) = dir.parent() {
				std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o711)).unwrap();
			}
			let ok =
				Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir).status().unwrap();
			assert!(ok.success());
		}
		let data_s = data.to_str().unwrap();
		run(pg_bin("initdb"), &["-D", data_s, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
		let port = free_port();
		let options = format!("-p {port} -k {data_s} -c listen_addresses=127.0.0.1 -c fsync=off");
		let log = dir.join("pg.log");
		run(
			pg_bin("pg_ctl"),
			&["-D", data_s, "-l", log.to_str().unwrap(), "-o", &options, "-w", "start"],
		);
		Some(Postgres {
			dir: data,
			as_postgres,
			url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
		})
	}
}

impl Drop for Postgres {
	fn drop(&mut self) {
		let mut cmd = if self.as_postgres {
			let mut c = Command::new("runuser");
			c.args(["-u", "postgres", "--"]).arg(pg_bin("pg_ctl"));
			c
		} else {
			Command::new(pg_bin("pg_ctl"))
		};
		let _ = cmd.arg("-D").arg(&self.dir).args(["-m", "immediate", "stop"]).output();
	}
}
