//! # declai-worker
//!
//! The off-chain inference worker of DeCLAI: it will follow the chain, run the assigned models
//! with burn, build the Proof-of-Inference commitments and answers, and submit them as signed
//! extrinsics (see the worker issue and `../shared/DESIGN.md` §4).
//!
//! Nothing is implemented yet; the crate exists so that the workspace layout is final.
