//! The explorer against a real `declai-node --dev`: indexing from genesis, a restart mid-index
//! with no gap or duplicate, repair of a gap and of a wrong stored hash, refusal of another
//! chain's database and of a pruned node, every page and API route, and PostgreSQL giving the
//! same answers as SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::time::Duration;

use axum::{body::Body, http::Request, Router};
use declai_chain::{AccountCredits, Chain, ChainError, RawArgs, RawCall, Reader};
use declai_explorer::{
	db::{Db, DbError},
	index::{IndexError, Indexer, Shared},
	model::MoveKind,
};
use declai_primitives::CRED;
use http_body_util::BodyExt;
use serde_json::Value as Json;
use subxt::utils::{AccountId32, MultiAddress};
use subxt_signer::sr25519::dev;
use support::{wait_until, Node, Postgres};
use tower::ServiceExt;

async fn finalized(reader: &Reader) -> u64 {
	let hash = reader.rpc().chain_get_finalized_head().await.unwrap();
	reader.rpc().chain_get_header(Some(hash)).await.unwrap().unwrap().number
}

/// A client of `node` once block `n` is finalized (panics after `limit`).
async fn connected(node: &Node, n: u64, limit: Duration) -> Reader {
	let reader = Reader::connect_with_retry(&node.ws, Duration::from_secs(90)).await.unwrap();
	wait_until(limit, &format!("block {n} to be finalized"), || async {
		finalized(&reader).await >= n
	})
	.await;
	reader
}

fn transfer(to: &AccountId32, amount: u128) -> RawCall {
	RawCall::new(
		"Credits",
		"transfer",
		RawArgs::default()
			.arg(&MultiAddress::<AccountId32, ()>::Id(*to))
			.arg(&codec::Compact(amount)),
	)
}

async fn index_to(node: &str, db: &Db, stop: u64) -> Result<(), IndexError> {
	Indexer::new(node, db.clone(), Shared::new(node)).stop_at(stop).run().await
}

async fn get(app: &Router, path: &str) -> (u16, String, String) {
	let response =
		app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
	let status = response.status().as_u16();
	let kind = response
		.headers()
		.get("content-type")
		.map(|v| v.to_str().unwrap().to_string())
		.or_else(|| {
			response.headers().get("location").map(|v| format!("location {}", v.to_str().unwrap()))
		})
		.unwrap_or_default();
	if kind.starts_with("text/event-stream") {
		return (status, kind, String::new());
	}
	let body = response.into_body().collect().await.unwrap().to_bytes();
	(status, kind, String::from_utf8(body.to_vec()).unwrap())
}

async fn get_json(app: &Router, path: &str) -> (u16, Json) {
	let (status, kind, body) = get(app, path).await;
	assert!(kind.starts_with("application/json"), "{path}: {kind}");
	(status, serde_json::from_str(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follows_a_dev_node_restarts_without_gaps_and_serves_every_page() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(dir.path(), &["--state-pruning", "archive-canonical"]);
	let reader = connected(&node, 2, Duration::from_secs(90)).await;

	// A transfer that succeeds and one that fails with a module error.
	let alice_id: AccountId32 = dev::alice().public_key().into();
	let bob_id: AccountId32 = dev::bob().public_key().into();
	let alice = Chain::with_reader(reader.clone(), dev::alice());
	alice.submit_and_wait(&transfer(&bob_id, 5 * CRED)).await.unwrap();
	match alice.submit_and_wait(&transfer(&alice_id, CRED)).await {
		Err(ChainError::Dispatch { error, .. }) => {
			assert!(error.contains("TransferToSelf"), "{error}")
		}
		other => panic!("a transfer to oneself must fail: {other:?}"),
	}
	let end = finalized(&reader).await;

	// Index in two runs, as if the explorer were restarted half-way.
	let db = Db::open(&format!("sqlite:{}", dir.path().join("x.db").display())).await.unwrap();
	let mid = end / 2;
	index_to(&node.ws, &db, mid).await.unwrap();
	assert_eq!(db.cursor().await.unwrap(), Some(mid));
	index_to(&node.ws, &db, end).await.unwrap();
	assert_eq!(db.cursor().await.unwrap(), Some(end));
	assert_eq!(db.first_gap(end).await.unwrap(), None);
	let counts = db.counts().await.unwrap();
	assert_eq!(counts[0], end + 1, "every block once");
	for n in [0, 1, mid, end] {
		let chain = reader.rpc().chain_get_block_hash(Some(n.into())).await.unwrap().unwrap();
		assert_eq!(db.block_hash(n).await.unwrap(), Some(declai_chain::decode::hex0x(&chain.0)));
	}

	// The ledger: the transfer once on each side; the failed one named.
	let alice_ss58 = alice_id.to_string();
	let bob_ss58 = bob_id.to_string();
	let sent = db.movements(&alice_ss58, Some("sent")).await.unwrap();
	assert_eq!(sent.len(), 1, "{sent:?}");
	assert_eq!(
		(sent[0].amount, sent[0].counterparty.as_deref()),
		(5 * CRED, Some(bob_ss58.as_str()))
	);
	let received = db.movements(&bob_ss58, None).await.unwrap();
	assert!(received.iter().any(|m| m.kind == MoveKind::Received && m.amount == 5 * CRED));
	assert!(
		db.movements(&alice_ss58, Some("fee")).await.unwrap().len() >= 2,
		"both transactions paid fees"
	);
	let signed = db.extrinsics_by(&alice_ss58, 10).await.unwrap();
	let failed = signed.iter().find(|x| !x.success).expect("the failed transfer is indexed");
	assert_eq!(failed.error.as_deref(), Some("Credits.TransferToSelf"));
	assert!(failed.fee.is_some());
	let ok = signed.iter().find(|x| x.success).unwrap();
	assert_eq!((ok.pallet.as_str(), ok.call.as_str()), ("Credits", "transfer"));
	assert_eq!(ok.args["dest"]["Id"], bob_ss58);
	assert_eq!(
		ok.args["amount"],
		Json::from(5 * CRED as u64),
		"amounts below 2^53 are JSON numbers"
	);

	// Balances are the runtime's at each block.
	let history = db.balance_history(&bob_ss58).await.unwrap();
	let (last_block, last) = history.last().unwrap();
	let hash =
		reader.rpc().chain_get_block_hash(Some((*last_block).into())).await.unwrap().unwrap();
	let at = reader.api().at_block(hash).await.unwrap();
	let summary: AccountCredits = at
		.runtime_apis()
		.call(subxt::dynamic::runtime_api_call::<_, AccountCredits>(
			"CreditsApi",
			"account_summary",
			(bob_id,),
		))
		.await
		.unwrap();
	assert_eq!((last.spendable, last.held), (summary.spendable, summary.held));

	// A gap (a block row lost) is found and re-indexed from it, without duplicates.
	sqlx::query("DELETE FROM blocks WHERE number = 1").execute(db.pool()).await.unwrap();
	assert_eq!(db.first_gap(end).await.unwrap(), Some(1));
	index_to(&node.ws, &db, end).await.unwrap();
	assert_eq!(db.first_gap(end).await.unwrap(), None);
	assert_eq!(db.counts().await.unwrap(), counts, "the same rows again, none twice");
	// A stored hash that differs from the chain is re-indexed.
	sqlx::query("UPDATE blocks SET hash = '0xbad' WHERE number = $1")
		.bind(mid as i64)
		.execute(db.pool())
		.await
		.unwrap();
	index_to(&node.ws, &db, end).await.unwrap();
	let chain_mid = reader.rpc().chain_get_block_hash(Some(mid.into())).await.unwrap().unwrap();
	assert_eq!(db.block_hash(mid).await.unwrap(), Some(declai_chain::decode::hex0x(&chain_mid.0)));
	assert_eq!(db.counts().await.unwrap(), counts);

	// Another chain's database is refused, by name.
	let other =
		Db::open(&format!("sqlite:{}", dir.path().join("other.db").display())).await.unwrap();
	other.bind_chain(&format!("0x{}", "00".repeat(32))).await.unwrap();
	let refused = index_to(&node.ws, &other, end).await.unwrap_err();
	assert!(matches!(refused, IndexError::Db(DbError::OtherChain { .. })), "{refused}");
	assert!(refused.to_string().contains("genesis"), "{refused}");

	// Every page and API route, and bad input with its status.
	let app = declai_explorer::app(db.clone(), &node.ws, Shared::new(&node.ws));
	let block_hash = db.block_hash(1).await.unwrap().unwrap();
	let ok_path = format!("/extrinsic/{}-{}", ok.block, ok.index);
	let failed_path = format!("/extrinsic/{}-{}", failed.block, failed.index);
	let cases: Vec<(String, u16, &str)> = vec![
		("/".into(), 200, "Latest finalized blocks"),
		("/block/0".into(), 200, "Block #0"),
		(format!("/block/{block_hash}"), 200, "Block #1"),
		(format!("/block/{}", end + 1000), 404, "No finalized block"),
		("/block/xyz".into(), 400, "neither a block number"),
		(ok_path.clone(), 200, "Credits.transfer"),
		(format!("/extrinsic/{}", ok.hash), 200, "Credits.transfer"),
		(failed_path.clone(), 200, "Credits.TransferToSelf"),
		(format!("/extrinsic/0x{}", "00".repeat(32)), 404, "Extrinsic not found"),
		("/extrinsic/nope".into(), 400, "BLOCK-INDEX"),
		(format!("/account/{alice_ss58}"), 200, "Ledger"),
		(format!("/account/{bob_ss58}?kind=received"), 200, "received"),
		(format!("/account/{alice_ss58}?kind=bogus"), 400, "Unknown movement kind"),
		("/account/not-an-address".into(), 400, "not an SS58 address"),
		("/job/0".into(), 404, "No job 0"),
		("/job/x".into(), 400, "not a job number"),
		("/receipt/0".into(), 404, "No receipt 0"),
		("/search?q=".into(), 400, "Empty search"),
		("/search?q=nothing-like-this".into(), 404, "Nothing in the finalized chain"),
		("/no/such/page".into(), 404, "Page not found"),
	];
	for (path, status, needle) in &cases {
		let (got, kind, body) = get(&app, path).await;
		assert_eq!(got, *status, "{path}: {body}");
		assert!(kind.starts_with("text/html"), "{path}: {kind}");
		assert!(body.contains(needle), "{path} lacks {needle:?}");
	}
	let (status, csv_kind, csv) = get(&app, &format!("/account/{alice_ss58}/movements.csv")).await;
	assert_eq!(status, 200);
	assert!(csv_kind.starts_with("text/csv"));
	assert!(csv.starts_with("block,event,kind,amount_cred,amount_raw,counterparty,detail\n"));
	assert!(csv.contains(&format!(",sent,5,{},{bob_ss58},", 5 * CRED)), "{csv}");
	// Search: one match redirects to it.
	assert_eq!(get(&app, "/search?q=0").await.1, "location /block/0");
	assert_eq!(
		get(&app, &format!("/search?q={alice_ss58}")).await.1,
		format!("location /account/{alice_ss58}")
	);
	assert_eq!(get(&app, &format!("/search?q={}", ok.hash)).await.1, format!("location {ok_path}"));
	// The API mirrors the pages.
	let (s, home) = get_json(&app, "/api").await;
	assert_eq!(s, 200);
	assert_eq!(home["blocks"][0]["number"], end);
	assert_eq!(get_json(&app, "/api/block/1").await.1["block"]["hash"], block_hash);
	assert_eq!(
		get_json(&app, &format!("/api{failed_path}")).await.1["matches"][0]["extrinsic"]["error"],
		"Credits.TransferToSelf"
	);
	let (s, account) = get_json(&app, &format!("/api/account/{bob_ss58}")).await;
	assert_eq!(s, 200);
	assert_eq!(
		account["credits"]["spendable"],
		Json::String(summary_now(&reader, &bob_id).await.spendable.to_string())
	);
	assert_eq!(get_json(&app, "/api/block/xyz").await.0, 400);
	assert_eq!(get_json(&app, "/api/job/0").await.0, 404);
	assert_eq!(get_json(&app, "/api/no/such").await.0, 404);
	assert_eq!(get_json(&app, "/api/search?q=1").await.1["matches"][0]["url"], "/block/1");
	// The network's pages.
	let (s, validators) = get_json(&app, "/api/validators").await;
	assert_eq!(s, 200);
	let production = validators["production"].as_array().unwrap();
	let authored: u64 = production.iter().map(|p| p["authored"].as_u64().unwrap()).sum();
	assert_eq!(authored, end, "every block but genesis has an author: {validators}");
	let alice_row = production
		.iter()
		.find(|p| p["account"] == alice_ss58)
		.expect("Alice authors the dev chain");
	assert_eq!(alice_row["authored"], end);
	assert!(
		alice_row["expected"].as_f64().unwrap() >= end as f64,
		"one validator is entitled to every slot"
	);
	assert_eq!(get(&app, "/validators").await.0, 200);
	let (s, economics) = get_json(&app, "/api/economics").await;
	assert_eq!(s, 200);
	assert!(economics["now"]["eta"].as_array().is_some_and(|e| !e.is_empty()), "{economics}");
	assert!(get(&app, "/economics").await.2.contains("η per hardware class"));
	let (s, models) = get_json(&app, "/api/models").await;
	assert_eq!((s, models["models"].as_array().map(Vec::len)), (200, Some(0)));
	assert!(get(&app, "/models").await.2.contains("No model is registered"));
	let (s, _, body) = get(&app, &format!("/worker/{alice_ss58}")).await;
	assert_eq!(s, 404, "{body}");
	assert!(body.contains("Not a worker"));
	assert_eq!(get(&app, "/worker/xyz").await.0, 400);
	// The invariant monitor found the index and the chain in agreement at every block.
	assert_eq!(db.divergences(10).await.unwrap().0, 0, "{:?}", db.divergences(10).await.unwrap().1);
	let chain_issuance = {
		let hash = reader.rpc().chain_get_block_hash(Some(end.into())).await.unwrap().unwrap();
		let key = subxt::ext::frame_decode::storage::encode_storage_key_prefix(
			"Credits",
			"TotalIssuance",
		);
		let raw = reader.rpc().state_get_storage(&key, Some(hash)).await.unwrap().unwrap();
		<u128 as codec::Decode>::decode(&mut &raw[..]).unwrap()
	};
	assert_eq!(db.derived_issuance(end).await.unwrap(), Some(chain_issuance));
	let (_, _, home_html) = get(&app, "/").await;
	assert!(home_html.contains("monitor-ok"), "the home page shows the monitor's verdict");
	// Genesis accounts start their ledger with their allocation.
	let genesis = db.movements(&alice_ss58, Some("minted")).await.unwrap();
	assert!(genesis.iter().any(|m| m.block == 0 && m.amount > 0), "{genesis:?}");

	let (s, kind, _) = get(&app, "/api/live").await;
	assert_eq!((s, kind.as_str()), (200, "text/event-stream"));
	assert_eq!(get(&app, "/static/explorer.js").await.0, 200);

	// PostgreSQL gives the same answers as SQLite.
	if let Some(pg) = Postgres::start(&dir.path().join("postgres")) {
		let pg_db = Db::open(&pg.url).await.unwrap();
		index_to(&node.ws, &pg_db, end).await.unwrap();
		assert_eq!(pg_db.counts().await.unwrap(), counts);
		let pg_app = declai_explorer::app(pg_db, &node.ws, Shared::new(&node.ws));
		let mut paths = vec![
			"/api/block/0".to_string(),
			format!("/api/block/{mid}"),
			format!("/api/block/{end}"),
			format!("/api{ok_path}"),
			format!("/api{failed_path}"),
			format!("/api/extrinsic/{}", ok.hash),
			format!("/api/search?q={}", ok.hash),
			"/api/job/0".into(),
			"/api/validators".into(),
		];
		for n in 0..=end {
			paths.push(format!("/api/block/{n}"));
		}
		for path in paths {
			assert_eq!(get_json(&app, &path).await, get_json(&pg_app, &path).await, "{path}");
		}
		for account in [&alice_ss58, &bob_ss58] {
			let path = format!("/api/account/{account}");
			let (mut a, mut b) = (get_json(&app, &path).await.1, get_json(&pg_app, &path).await.1);
			for v in [&mut a, &mut b] {
				// Read live from the node: only the index's parts are compared.
				v.as_object_mut().unwrap().remove("credits");
			}
			assert_eq!(a, b, "{path}");
		}
	}
	drop(node);
}

async fn summary_now(reader: &Reader, who: &AccountId32) -> AccountCredits {
	let at = reader.api().at_current_block().await.unwrap();
	at.runtime_apis()
		.call(subxt::dynamic::runtime_api_call::<_, AccountCredits>(
			"CreditsApi",
			"account_summary",
			(*who,),
		))
		.await
		.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pruned_node_stops_the_indexer_naming_archive_mode() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(dir.path(), &["--state-pruning", "4"]);
	connected(&node, 12, Duration::from_secs(120)).await;
	let db = Db::open("sqlite::memory:").await.unwrap();
	let stopped = index_to(&node.ws, &db, 12).await.unwrap_err();
	assert!(matches!(stopped, IndexError::Pruned { .. }), "{stopped}");
	assert!(stopped.to_string().contains("--state-pruning archive-canonical"), "{stopped}");
	assert!(stopped.is_fatal());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dev_chain_restarted_from_genesis_replaces_the_old_chains_blocks() {
	let dir = tempfile::tempdir().unwrap();
	let db = Db::open(&format!("sqlite:{}", dir.path().join("x.db").display())).await.unwrap();
	let old_hash = {
		let node = Node::start(dir.path(), &["--state-pruning", "archive-canonical"]);
		connected(&node, 4, Duration::from_secs(90)).await;
		index_to(&node.ws, &db, 4).await.unwrap();
		db.block_hash(1).await.unwrap().unwrap()
	};
	// The same genesis (a dev chain is deterministic), different blocks after it.
	let node = Node::start(dir.path(), &["--state-pruning", "archive-canonical"]);
	let reader = connected(&node, 2, Duration::from_secs(90)).await;
	index_to(&node.ws, &db, 2).await.unwrap();
	assert_eq!(db.cursor().await.unwrap(), Some(2), "the old chain's blocks above 2 are gone");
	assert_eq!(db.counts().await.unwrap()[0], 3);
	for n in 0..=2u64 {
		let chain = reader.rpc().chain_get_block_hash(Some(n.into())).await.unwrap().unwrap();
		assert_eq!(
			db.block_hash(n).await.unwrap(),
			Some(declai_chain::decode::hex0x(&chain.0)),
			"block {n}"
		);
	}
	assert_ne!(db.block_hash(1).await.unwrap().unwrap(), old_hash);
}

/// Reads an unsigned LEB128 number of a wasm module at `*at` and moves past it.
fn leb128(wasm: &[u8], at: &mut usize) -> usize {
	let (mut value, mut shift) = (0usize, 0);
	loop {
		let byte = wasm[*at];
		*at += 1;
		value |= usize::from(byte & 0x7f) << shift;
		if byte & 0x80 == 0 {
			return value;
		}
		shift += 7;
	}
}

/// The runtime `code` (zstd-compressed or not, as in `:code`) with the spec version in its
/// `runtime_version` custom section raised by one, compressed; and the old and new versions.
/// The node takes a runtime's version from that section, so this is a real upgrade to a runtime
/// that `System.set_code` accepts (same spec name, higher version).
fn raise_spec_version(code: &[u8]) -> (Vec<u8>, u32, u32) {
	const LIMIT: usize = 64 << 20;
	let mut wasm = sp_maybe_compressed_blob::decompress(code, LIMIT).unwrap().into_owned();
	assert_eq!(&wasm[..4], b"\0asm", "a wasm module");
	let mut at = 8;
	while at < wasm.len() {
		let id = wasm[at];
		at += 1;
		let size = leb128(&wasm, &mut at);
		let end = at + size;
		let mut name_at = at;
		let name_len = leb128(&wasm, &mut name_at);
		if id == 0 && &wasm[name_at..name_at + name_len] == b"runtime_version" {
			// RuntimeVersion: spec_name, impl_name, authoring_version, spec_version, …
			let mut rest = &wasm[name_at + name_len..end];
			let _spec_name = <String as codec::Decode>::decode(&mut rest).unwrap();
			let _impl_name = <String as codec::Decode>::decode(&mut rest).unwrap();
			let _authoring = <u32 as codec::Decode>::decode(&mut rest).unwrap();
			let spec_at = end - rest.len();
			let old = u32::from_le_bytes(wasm[spec_at..spec_at + 4].try_into().unwrap());
			wasm[spec_at..spec_at + 4].copy_from_slice(&(old + 1).to_le_bytes());
			let packed = sp_maybe_compressed_blob::compress_strongly(&wasm, LIMIT).unwrap();
			return (packed, old, old + 1);
		}
		at = end;
	}
	panic!("the runtime has no runtime_version section");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_runtime_upgrade_through_sudo_is_indexed_with_each_blocks_own_runtime() {
	let dir = tempfile::tempdir().unwrap();
	let node = Node::start(dir.path(), &["--state-pruning", "archive-canonical"]);
	let reader = connected(&node, 2, Duration::from_secs(90)).await;

	// Sudo replaces the runtime (set_code claims a whole block's weight, so through
	// sudo_unchecked_weight).
	let code = reader.rpc().state_get_storage(b":code", None).await.unwrap().unwrap();
	let (upgraded, old, new) = raise_spec_version(&code);
	let alice = Chain::with_reader(reader.clone(), dev::alice());
	let set_code = alice
		.encode_call(&RawCall::new("System", "set_code", RawArgs::default().arg(&upgraded)))
		.await
		.unwrap();
	let no_weight = (codec::Compact(0u64), codec::Compact(0u64));
	let events = alice
		.submit_and_wait(&RawCall::new(
			"Sudo",
			"sudo_unchecked_weight",
			RawArgs(vec![set_code, codec::Encode::encode(&no_weight)]),
		))
		.await
		.unwrap();
	assert!(events
		.iter()
		.any(|e| (e.pallet.as_str(), e.name.as_str()) == ("System", "CodeUpdated")));
	let upgrade_seen = finalized(&reader).await;
	wait_until(Duration::from_secs(90), "blocks of the new runtime to be finalized", || async {
		finalized(&reader).await >= upgrade_seen + 3
	})
	.await;
	let end = finalized(&reader).await;

	// Indexed in two runs, the first ending before the upgrade's block.
	let db = Db::open(&format!("sqlite:{}", dir.path().join("x.db").display())).await.unwrap();
	index_to(&node.ws, &db, 2).await.unwrap();
	index_to(&node.ws, &db, end).await.unwrap();
	assert_eq!(db.first_gap(end).await.unwrap(), None);
	assert_eq!(db.counts().await.unwrap()[0], end + 1, "every block once");
	let updated = db.events_named("System", &["CodeUpdated"], 10).await.unwrap();
	assert_eq!(updated.len(), 1, "{updated:?}");
	let u = updated[0].block;
	assert!(u > 2 && u < end, "the upgrade at {u}, within 2..{end}");
	// The upgrade's block ran the old runtime (its events decode with the old metadata); the
	// next one ran the new runtime. The chain says the same.
	for (n, version) in [(u - 1, old), (u, old), (u + 1, new), (end, new)] {
		assert_eq!(db.block(n).await.unwrap().unwrap().spec_version, version, "block {n}");
		let parent =
			reader.rpc().chain_get_block_hash(Some((n - 1).into())).await.unwrap().unwrap();
		let chain = reader.rpc().state_get_runtime_version(Some(parent)).await.unwrap();
		assert_eq!(chain.spec_version, version, "the runtime that executed block {n}");
	}
	let names: Vec<String> = db
		.events_of(u, None)
		.await
		.unwrap()
		.iter()
		.map(|e| format!("{}.{}", e.pallet, e.name))
		.collect();
	assert!(names.contains(&"Sudo.Sudid".to_string()), "{names:?}");
	let sudid = db.events_named("Sudo", &["Sudid"], 1).await.unwrap();
	assert!(sudid[0].fields.to_string().contains("Ok"), "{}", sudid[0].fields);
	for n in u + 1..=end {
		assert!(!db.events_of(n, None).await.unwrap().is_empty(), "block {n}'s events decode");
	}
	assert_eq!(db.divergences(10).await.unwrap().0, 0, "{:?}", db.divergences(10).await.unwrap().1);
	let app = declai_explorer::app(db.clone(), &node.ws, Shared::new(&node.ws));
	let (status, _, page) = get(&app, &format!("/block/{u}")).await;
	assert_eq!(status, 200);
	assert!(page.contains("System.CodeUpdated"), "the upgrade's block shows its event");
	assert_eq!(
		get_json(&app, &format!("/api/block/{}", u + 1)).await.1["block"]["spec_version"],
		new
	);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_goes_away_is_waited_for_and_indexing_resumes() {
	let dir = tempfile::tempdir().unwrap();
	let base = dir.path().join("chain");
	let rpc = support::free_port();
	let args = ["--state-pruning", "archive-canonical"];
	let node = Node::start_in(dir.path(), &base, rpc, &args);
	let reader = connected(&node, 3, Duration::from_secs(90)).await;
	let target = finalized(&reader).await + 8;
	let db = Db::open(&format!("sqlite:{}", dir.path().join("x.db").display())).await.unwrap();
	let indexer = tokio::spawn(
		Indexer::new(&node.ws, db.clone(), Shared::new(&node.ws)).stop_at(target).run(),
	);
	wait_until(Duration::from_secs(60), "the indexer to index block 3", || async {
		db.cursor().await.unwrap().is_some_and(|c| c >= 3)
	})
	.await;

	// The node stops for a few seconds, then continues its chain on the same address.
	drop(reader);
	drop(node);
	tokio::time::sleep(Duration::from_secs(4)).await;
	assert!(!indexer.is_finished(), "the indexer waits for the node instead of giving up");
	let node = Node::start_in(dir.path(), &base, rpc, &args);
	tokio::time::timeout(Duration::from_secs(180), indexer).await.unwrap().unwrap().unwrap();

	let reader = Reader::connect_with_retry(&node.ws, Duration::from_secs(30)).await.unwrap();
	assert_eq!(db.cursor().await.unwrap(), Some(target));
	assert_eq!(db.first_gap(target).await.unwrap(), None);
	assert_eq!(db.counts().await.unwrap()[0], target + 1, "every block once");
	for n in 0..=target {
		let chain = reader.rpc().chain_get_block_hash(Some(n.into())).await.unwrap().unwrap();
		assert_eq!(
			db.block_hash(n).await.unwrap(),
			Some(declai_chain::decode::hex0x(&chain.0)),
			"block {n}"
		);
	}
}
