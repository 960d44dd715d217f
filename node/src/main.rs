//! # declai-node
//!
//! The DeCLAI validator and full node: the standard Substrate CLI (`--dev`, `--chain`,
//! `--validator`, `--base-path`, `key insert`, `export-chain-spec`, `purge-chain`, …), a RocksDB
//! database, JSON-RPC over jsonrpsee with the standard methods and the `declai_*` methods, the
//! Proof-of-Inference slot engine (`consensus`: a VRF leader draw weighted by verified work) and
//! GRANDPA finality.
//!
//! Data flow: `cli` parses flags → `command` loads a chain spec (`chain_spec`) and builds the
//! `service` (database, executor, import queue, network, transaction pool, authoring, GRANDPA)
//! → `rpc` adds the DeCLAI methods to the RPC server that polkadot.js and workers talk to.

// `sc_cli::Error` and `sc_service::Error` are large; the Substrate APIs we implement return them.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod consensus;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
