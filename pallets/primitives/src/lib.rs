//! Types and maths shared by the DeCLAI runtime and the off-chain worker, so that the two can
//! never disagree about an encoding or a formula.
//!
//! - [`Balance`], [`CRED`], [`DayIndex`]: credit units (12 decimals, `1 CRED` = one reference
//!   GPU-hour of verified work at α = β = 1).
//! - [`economics`]: hardware classes, the credit formula `C = T × η × α / β` in fixed point, the
//!   demand multiplier α and the difficulty controller β. No floats: everything here also runs in
//!   the wasm runtime.
//! - [`verify`]: Freivalds' test of integer layers and Merkle proofs of weight rows, for the
//!   Proof-of-Inference checks the runtime runs on worker results.
//! - [`poi`]: the Proof-of-Inference formats (output commitments, attestation payloads, challenge
//!   seeds, integer model execution and layer openings, float tolerance, weighted median and
//!   weighted choice) that the runtime and the worker must agree on byte for byte.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod economics;
pub mod poi;
pub mod verify;

pub use economics::{
	AlphaCurve, BetaController, EconomicsError, HardwareClass, StockRegime, WindowSums,
	WithholdReason, WorkUnits, GPU_HOUR,
};

/// Credits are `u128` with 12 decimals (`1 CRED = 10^12`).
pub type Balance = u128;

/// One credit (`10^12` base units).
pub const CRED: Balance = 1_000_000_000_000;

/// A day number counted from genesis: `block_number / BlocksPerDay`.
pub type DayIndex = u32;
