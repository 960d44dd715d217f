//! # declai-chain
//!
//! How DeCLAI's off-chain programs talk to the chain: the worker (`declai-worker`) and the
//! block explorer (`declai-explorer`) share this crate, so there is one place where the wire
//! types live and one way of decoding.
//!
//! - [`client`]: [`Chain`], a subxt client over JSON-RPC that reads the runtime's metadata at
//!   connect time (no generated code to go stale), signs calls checked against the metadata and
//!   manages nonces.
//! - [`wire`]: storage, event and runtime-API types decoded by field and variant name.
//! - [`decode`]: any value of the runtime (call arguments, event fields, errors) as JSON with its
//!   field names, accounts in SS58, byte arrays in hex and large integers as strings.
//! - [`units`]: credits (CRED, 10^12 raw units) and `FixedU128` values as decimals.

pub mod client;
pub mod decode;
pub mod units;
pub mod wire;

pub use client::*;
pub use wire::*;
