//! # declai-worker
//!
//! The off-chain side of DeCLAI's Proof of Inference: the worker that a GPU owner runs next to
//! (or far from) a node, and the consumer commands.
//!
//! Data flow of a job (see `docs/design.md` §4 and `pallets/inference/README.md`):
//! the chain assigns a job to the worker (`JobAssigned`) → the worker runs the model on burn
//! ([`models`]) → commits `blake2(job ‖ worker ‖ salt ‖ output)` with a signature of its hardware
//! key over the attestation → reveals output, salt and the Merkle root of its activations once the
//! commit window closed → answers a layer challenge with a Freivalds-checkable opening → the chain
//! settles and mints `C = T × η × α / β`.
//!
//! Modules: [`chain`] (the subxt client of `declai-chain`), [`worker`] (the engine), [`store`] (job records on
//! disk), [`models`] (digits int8 MLP, all-MiniLM-L6-v2, tokenizer), [`keys`], [`config`],
//! [`hardware`] (class detection, timed benchmark), [`status`] (HTTP status and metrics).

pub mod bench;
/// The chain client and wire types, shared with the explorer (crate `declai-chain`).
pub use declai_chain as chain;
pub mod config;
pub mod hardware;
pub mod keys;
pub mod models;
pub mod status;
pub mod store;
pub mod worker;
