//! End-to-end test of a real `declai-node --dev` process: it produces blocks, GRANDPA finalizes
//! them, it serves JSON-RPC (standard and `declai_*` methods), stores its chain in RocksDB, and a
//! restart with the same base path continues the same chain from where it stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use serde_json::{json, Value};
use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::Path,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

const NODE: &str = env!("CARGO_BIN_EXE_declai-node");
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

/// A free TCP port on localhost.
fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A node process that is killed when dropped.
struct Node {
	child: Child,
	rpc_port: u16,
}

impl Node {
	fn start(base: &Path) -> Node {
		let rpc_port = free_port();
		let p2p_port = free_port();
		let log = std::fs::File::create(base.join(format!("node-{rpc_port}.log"))).unwrap();
		let child = Command::new(NODE)
			.args(["--dev", "--database", "rocksdb", "--no-prometheus", "--no-telemetry"])
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.arg("--base-path")
			.arg(base)
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("declai-node starts");
		let node = Node { child, rpc_port };
		node.wait_until(Duration::from_secs(60), "RPC to answer", |n| {
			n.try_rpc("system_health", json!([])).is_some()
		});
		node
	}

	fn try_rpc(&self, method: &str, params: Value) -> Option<Value> {
		let body =
			json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
		let mut stream = TcpStream::connect(("127.0.0.1", self.rpc_port)).ok()?;
		stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
		let request = format!(
			"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			body.len(),
			body
		);
		stream.write_all(request.as_bytes()).ok()?;
		let mut response = String::new();
		stream.read_to_string(&mut response).ok()?;
		let (_, payload) = response.split_once("\r\n\r\n")?;
		let value: Value = serde_json::from_str(payload).ok()?;
		value.get("result").cloned()
	}

	fn rpc(&self, method: &str, params: Value) -> Value {
		self.try_rpc(method, params).unwrap_or_else(|| panic!("{method} failed"))
	}

	fn best_number(&self) -> u64 {
		hex_number(&self.rpc("chain_getHeader", json!([]))["number"])
	}

	fn finalized_number(&self) -> u64 {
		let hash = self.rpc("chain_getFinalizedHead", json!([]));
		hex_number(&self.rpc("chain_getHeader", json!([hash]))["number"])
	}

	fn wait_until(&self, timeout: Duration, what: &str, mut done: impl FnMut(&Node) -> bool) {
		let start = Instant::now();
		while start.elapsed() < timeout {
			if done(self) {
				return;
			}
			std::thread::sleep(Duration::from_millis(500));
		}
		panic!("timed out after {timeout:?} waiting for {what}");
	}

	/// Stops the node the way an operator does (SIGTERM) and waits for it to exit.
	fn stop(mut self) {
		let pid = self.child.id().to_string();
		let _ = Command::new("kill").args(["-TERM", &pid]).status();
		let start = Instant::now();
		while start.elapsed() < Duration::from_secs(30) {
			if self.child.try_wait().unwrap().is_some() {
				return;
			}
			std::thread::sleep(Duration::from_millis(200));
		}
		panic!("node did not stop on SIGTERM");
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

fn hex_number(v: &Value) -> u64 {
	u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn dev_node_produces_finalizes_and_keeps_its_chain_across_a_restart() {
	let base = tempfile::tempdir().unwrap();
	let node = Node::start(base.path());

	// Chain properties for wallets and explorers.
	let props = node.rpc("system_properties", json!([]));
	assert_eq!(props["tokenSymbol"], "CRED");
	assert_eq!(props["tokenDecimals"], 12);
	assert_eq!(props["ss58Format"], 42);

	node.wait_until(Duration::from_secs(60), "block 3", |n| n.best_number() >= 3);
	node.wait_until(Duration::from_secs(60), "GRANDPA finality", |n| n.finalized_number() >= 2);

	// The DeCLAI RPC answers with Alice's genesis credits.
	let summary = node.rpc("declai_creditSummary", json!([ALICE]));
	assert_eq!(summary["spendable"], "10000000000000000");
	assert_eq!(summary["lots"].as_array().unwrap().len(), 1);
	assert_eq!(summary["tokenSymbol"], "CRED");

	let finalized = node.finalized_number();
	let finalized_hash = node.rpc("chain_getBlockHash", json!([finalized]));
	node.stop();

	// The chain lives in RocksDB under the base path.
	let db = base.path().join("chains/declai_dev/db/full");
	assert!(db.join("CURRENT").exists(), "no RocksDB database at {}", db.display());

	let node = Node::start(base.path());
	// Same chain: the finalized block is still there with the same hash, nothing restarted from
	// genesis, and the node goes on producing and finalizing.
	assert_eq!(node.rpc("chain_getBlockHash", json!([finalized])), finalized_hash);
	assert!(node.finalized_number() >= finalized);
	node.wait_until(Duration::from_secs(60), "new blocks after restart", |n| {
		n.best_number() > finalized + 2
	});
	node.wait_until(Duration::from_secs(60), "finality after restart", |n| {
		n.finalized_number() > finalized
	});
	let summary = node.rpc("declai_creditSummary", json!([ALICE]));
	assert_eq!(summary["spendable"], "10000000000000000");
	node.stop();
}
