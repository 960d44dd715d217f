//! The status and metrics endpoint: `GET /status` (JSON) and `GET /metrics` (Prometheus text
//! format) on a local address. Plain HTTP/1.1 over tokio: two read-only pages do not need a web
//! framework.

use std::{
	collections::BTreeMap,
	sync::{Mutex, MutexGuard},
	time::{Instant, SystemTime, UNIX_EPOCH},
};

use serde::Serialize;
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpListener,
};

/// A served model as the status page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ModelStatus {
	/// On-chain id.
	pub id: u32,
	/// Name.
	pub name: String,
	/// Weight commitment (hex).
	pub weights_root: String,
}

#[derive(Default, Serialize)]
struct Inner {
	account: String,
	node: String,
	class: String,
	device: String,
	connected: bool,
	finalized_block: u32,
	live_jobs: usize,
	models: Vec<ModelStatus>,
	counters: BTreeMap<&'static str, u64>,
	exec_micros_sum: u64,
	exec_micros_max: u64,
	last_block_unix: u64,
}

/// Shared worker status.
pub struct Status {
	inner: Mutex<Inner>,
	started: Instant,
}

impl Default for Status {
	fn default() -> Self {
		Self { inner: Mutex::new(Inner::default()), started: Instant::now() }
	}
}

impl Status {
	fn lock(&self) -> MutexGuard<'_, Inner> {
		self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Sets the identity fields.
	pub fn set_identity(&self, account: String, node: String, class: String, device: String) {
		let mut s = self.lock();
		(s.account, s.node, s.class, s.device) = (account, node, class, device);
	}

	/// Sets the served models.
	pub fn set_models(&self, models: Vec<ModelStatus>) {
		self.lock().models = models;
	}

	/// Connection state.
	pub fn set_connected(&self, connected: bool) {
		self.lock().connected = connected;
	}

	/// A finalized block was handled.
	pub fn set_block(&self, number: u32, live_jobs: usize) {
		let mut s = self.lock();
		s.finalized_block = number;
		s.live_jobs = live_jobs;
		s.last_block_unix =
			SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
	}

	/// Increments a counter.
	pub fn count(&self, name: &'static str) {
		*self.lock().counters.entry(name).or_default() += 1;
	}

	/// Records an inference's execution time.
	pub fn observe_exec(&self, micros: u64) {
		let mut s = self.lock();
		s.exec_micros_sum = s.exec_micros_sum.saturating_add(micros);
		s.exec_micros_max = s.exec_micros_max.max(micros);
	}

	/// The `/status` JSON.
	pub fn json(&self) -> serde_json::Value {
		let s = self.lock();
		let mut v = serde_json::to_value(&*s).unwrap_or_default();
		v["uptime_s"] = self.started.elapsed().as_secs().into();
		v
	}

	/// The `/metrics` text.
	pub fn prometheus(&self) -> String {
		let s = self.lock();
		let mut out = String::new();
		let mut gauge = |name: &str, help: &str, value: u64| {
			out.push_str(&format!("# HELP declai_worker_{name} {help}\n# TYPE declai_worker_{name} gauge\ndeclai_worker_{name} {value}\n"));
		};
		gauge("connected", "1 while connected to the node", u64::from(s.connected));
		gauge("finalized_block", "last finalized block handled", u64::from(s.finalized_block));
		gauge("live_jobs", "jobs assigned or on disk", s.live_jobs as u64);
		gauge("exec_micros_sum", "total inference time in microseconds", s.exec_micros_sum);
		gauge("exec_micros_max", "longest inference in microseconds", s.exec_micros_max);
		gauge("uptime_seconds", "seconds since start", self.started.elapsed().as_secs());
		for (name, value) in &s.counters {
			out.push_str(&format!(
				"# TYPE declai_worker_{name}_total counter\ndeclai_worker_{name}_total {value}\n"
			));
		}
		out
	}
}

/// Serves `/status` and `/metrics` until the task is dropped.
pub async fn serve(listener: TcpListener, status: std::sync::Arc<Status>) {
	loop {
		let (mut socket, _) = match listener.accept().await {
			Ok(accepted) => accepted,
			Err(e) => {
				// Out of file descriptors and the like: wait instead of spinning.
				tracing::warn!(error = %e, "status endpoint: accept failed");
				tokio::time::sleep(std::time::Duration::from_millis(200)).await;
				continue;
			}
		};
		let status = status.clone();
		tokio::spawn(async move {
			let mut buf = vec![0u8; 2048];
			// A client that sends nothing is dropped after 5 s.
			let read =
				tokio::time::timeout(std::time::Duration::from_secs(5), socket.read(&mut buf));
			let n = read.await.ok().and_then(Result::ok).unwrap_or(0);
			let request = String::from_utf8_lossy(&buf[..n]);
			let path = request.split_whitespace().nth(1).unwrap_or("/");
			let (code, kind, body) = match path {
				"/status" | "/" => ("200 OK", "application/json", status.json().to_string()),
				"/metrics" => ("200 OK", "text/plain; version=0.0.4", status.prometheus()),
				_ => (
					"404 Not Found",
					"text/plain",
					"not found: try /status or /metrics\n".to_string(),
				),
			};
			let response = format!(
				"HTTP/1.1 {code}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
				body.len()
			);
			let _ = socket.write_all(response.as_bytes()).await;
			let _ = socket.shutdown().await;
		});
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn serves_status_and_metrics() {
		let status = std::sync::Arc::new(Status::default());
		status.set_block(42, 3);
		status.count("commits");
		status.count("commits");
		let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
		let addr = listener.local_addr().unwrap();
		let server = tokio::spawn(serve(listener, status.clone()));
		let get = |path: &'static str| async move {
			let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
			s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
				.await
				.unwrap();
			let mut out = String::new();
			s.read_to_string(&mut out).await.unwrap();
			out
		};
		let json = get("/status").await;
		assert!(json.contains("\"finalized_block\":42"), "{json}");
		let metrics = get("/metrics").await;
		assert!(metrics.contains("declai_worker_commits_total 2"), "{metrics}");
		assert!(get("/nope").await.starts_with("HTTP/1.1 404"));
		server.abort();
	}
}
