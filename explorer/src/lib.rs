//! # declai-explorer
//!
//! A block explorer of DeCLAI's own domain: the credit ledger (lots, holds, burns, expiry), jobs
//! with their Proof-of-Inference verification trail, and settlement receipts that show why a
//! worker was paid what it was.
//!
//! - [`index`]: follows the node's finalized chain with subxt (the worker's client and decoding,
//!   crate `declai-chain`), decoding every block with its own runtime's metadata, into
//! - [`db`]: SQLite (default) or PostgreSQL, one schema and one set of queries;
//! - [`derive`]: the explorer's records (movements, trail steps, receipts) from decoded events;
//! - [`web`]: axum, HTML without JavaScript, a JSON API mirroring every page, live updates;
//! - [`chainview`]: live reads of state only the runtime computes (lots, caps, the economy).

pub mod chainview;
pub mod db;
pub mod derive;
pub mod index;
pub mod model;
pub mod web;

use std::sync::Arc;

/// Everything the server needs, from a database and a node URL.
pub fn app(db: db::Db, node: &str, shared: index::Shared) -> axum::Router {
	web::router(web::AppState { db, shared, chain: Arc::new(chainview::ChainView::new(node)) })
}
