//! The explorer's benchmark (printed, never asserted), run by `scripts/bench-explorer.sh`:
//!
//! 1. **Catch-up rate**: the node serves blocks `0..N` over RPC with exactly the requests the
//!    indexer cannot do without (block hash, block, events), 8 in flight — the baseline; then the
//!    indexer catches up the same blocks into a fresh SQLite database. Blocks/s and events/s, and
//!    the ratio indexer/RPC.
//! 2. **Database size** per 10,000 blocks (after a WAL checkpoint).
//! 3. **Page latency** under 50 concurrent clients on loopback (one TCP connection per request):
//!    p50/p99 per page, and as a ratio to a static file served by the same server in the same run.
//!
//! `bench_explorer --node ws://127.0.0.1:9944 --blocks 10000 --dir /tmp/bench`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

use clap::Parser;
use declai_chain::Reader;
use declai_explorer::{
	db::Db,
	index::{Indexer, Shared},
};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser)]
struct Args {
	/// An archive node.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Blocks to index (from genesis).
	#[arg(long, default_value_t = 10_000)]
	blocks: u64,
	/// Where the database goes.
	#[arg(long)]
	dir: PathBuf,
	/// Concurrent clients.
	#[arg(long, default_value_t = 50)]
	clients: usize,
	/// Seconds of load per page.
	#[arg(long, default_value_t = 5)]
	seconds: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let i = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
	sorted[i.min(sorted.len() - 1)]
}

async fn rpc_baseline(reader: &Reader, blocks: u64) -> (f64, u64) {
	let key = subxt::ext::frame_decode::storage::encode_storage_key_prefix("System", "Events");
	let start = Instant::now();
	let bytes: Vec<usize> = futures::stream::iter(0..blocks)
		.map(|n| {
			let rpc = reader.rpc().clone();
			async move {
				let hash = rpc.chain_get_block_hash(Some(n.into())).await?.expect("block exists");
				let block = rpc.chain_get_block(Some(hash)).await?.expect("block body");
				let events = rpc.state_get_storage(&key, Some(hash)).await?.unwrap_or_default();
				Ok::<_, subxt::rpcs::Error>(block.block.extrinsics.len() + events.len())
			}
		})
		.buffered(8)
		.try_collect()
		.await
		.expect("the node serves every block");
	(start.elapsed().as_secs_f64(), bytes.len() as u64)
}

async fn get(addr: std::net::SocketAddr, path: &str) -> f64 {
	let start = Instant::now();
	let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
	stream
		.write_all(
			format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n").as_bytes(),
		)
		.await
		.unwrap();
	let mut body = Vec::new();
	stream.read_to_end(&mut body).await.unwrap();
	assert!(
		body.starts_with(b"HTTP/1.1 200") || body.starts_with(b"HTTP/1.1 303"),
		"{path}: {}",
		String::from_utf8_lossy(&body[..body.len().min(200)])
	);
	start.elapsed().as_secs_f64() * 1000.0
}

async fn load(
	addr: std::net::SocketAddr,
	paths: Arc<Vec<String>>,
	clients: usize,
	seconds: u64,
) -> (Vec<f64>, f64) {
	let deadline = Instant::now() + Duration::from_secs(seconds);
	let start = Instant::now();
	let tasks: Vec<_> = (0..clients)
		.map(|c| {
			let paths = paths.clone();
			tokio::spawn(async move {
				let mut out = Vec::new();
				let mut i = c;
				while Instant::now() < deadline {
					out.push(get(addr, &paths[i % paths.len()]).await);
					i += clients;
				}
				out
			})
		})
		.collect();
	let mut all = Vec::new();
	for t in tasks {
		all.extend(t.await.unwrap());
	}
	let elapsed = start.elapsed().as_secs_f64();
	all.sort_by(f64::total_cmp);
	let rate = all.len() as f64 / elapsed;
	(all, rate)
}

#[tokio::main]
async fn main() {
	let args = Args::parse();
	std::fs::create_dir_all(&args.dir).unwrap();
	let reader = Reader::connect_with_retry(&args.node, Duration::from_secs(60)).await.unwrap();
	let finalized = {
		let hash = reader.rpc().chain_get_finalized_head().await.unwrap();
		reader.rpc().chain_get_header(Some(hash)).await.unwrap().unwrap().number
	};
	let blocks = args.blocks.min(finalized + 1);
	println!(
		"explorer benchmark: {blocks} blocks (0..={}) of the node at {}",
		blocks - 1,
		args.node
	);

	let (rpc_s, _) = rpc_baseline(&reader, blocks).await;
	let rpc_rate = blocks as f64 / rpc_s;
	println!(
		"  RPC baseline (hash + block + events, 8 in flight): {rpc_s:.1} s, {rpc_rate:.0} blocks/s"
	);

	let path = args.dir.join("bench.db");
	for suffix in ["", "-wal", "-shm"] {
		let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
	}
	let db = Db::open(&format!("sqlite:{}", path.display())).await.unwrap();
	let start = Instant::now();
	Indexer::new(&args.node, db.clone(), Shared::new(&args.node))
		.stop_at(blocks - 1)
		.run()
		.await
		.unwrap();
	let index_s = start.elapsed().as_secs_f64();
	let counts = db.counts().await.unwrap();
	let index_rate = blocks as f64 / index_s;
	println!(
		"  indexer catch-up: {index_s:.1} s, {index_rate:.0} blocks/s, {:.0} events/s ({} events, {} extrinsics); {:.2}× the RPC baseline",
		counts[2] as f64 / index_s,
		counts[2],
		counts[1],
		index_rate / rpc_rate
	);
	let (total, list) = db.divergences(5).await.unwrap();
	println!("  invariant monitor: {total} divergences {list:?}");
	sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.unwrap();
	let size: u64 = ["", "-wal"]
		.iter()
		.filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
		.map(|m| m.len())
		.sum();
	println!(
		"  database: {:.2} MB for {blocks} blocks, {:.2} MB per 10,000 blocks",
		size as f64 / 1e6,
		size as f64 / 1e6 * 10_000.0 / blocks as f64
	);

	// Pages under load.
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let addr = listener.local_addr().unwrap();
	let app = declai_explorer::app(db.clone(), &args.node, Shared::new(&args.node));
	tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
	let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let spread = |f: &dyn Fn(u64) -> String| -> Vec<String> {
		(0..64).map(|i| f(i * (blocks - 1) / 63)).collect()
	};
	let pages: Vec<(&str, Vec<String>)> = vec![
		("static file (baseline)", vec!["/static/explorer.css".into()]),
		("/block/{n}", spread(&|n| format!("/block/{n}"))),
		("/api/block/{n}", spread(&|n| format!("/api/block/{n}"))),
		("/", vec!["/".into()]),
		("/account/{alice}", vec![format!("/account/{alice}")]),
		("/validators", vec!["/validators".into()]),
		("/economics", vec!["/economics".into()]),
		("/search?q={n}", spread(&|n| format!("/search?q={n}"))),
	];
	println!(
		"  pages, {} concurrent clients on loopback, {} s each (one connection per request):",
		args.clients, args.seconds
	);
	let mut baseline = f64::NAN;
	for (name, paths) in pages {
		let (lat, rate) = load(addr, Arc::new(paths), args.clients, args.seconds).await;
		let (p50, p99) = (percentile(&lat, 50.0), percentile(&lat, 99.0));
		if baseline.is_nan() {
			baseline = p50;
		}
		println!(
			"    {name:<24} {:>6} requests, {rate:>7.0}/s, p50 {p50:>7.1} ms, p99 {p99:>7.1} ms, p50 {:.1}× the static file",
			lat.len(),
			p50 / baseline
		);
	}
}
