//! The storage migrations this runtime runs at its next upgrade. Each is versioned: it runs once,
//! from the storage version it names, and does nothing on a chain that starts from this
//! runtime's genesis (which writes the current versions).

use super::*;
use frame_support::{
	migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
};

/// Migrations run at the next runtime upgrade.
pub type Migrations = (
	VersionedMigration<0, 1, InferenceV1, Inference, <Runtime as frame_system::Config>::DbWeight>,
	// Economics storage version 1 (spec_version 112): the controller aims by the days of
	// consumption held, the epoch mint ceiling scales with recent minting, day totals and receipts
	// count bootstrap issuance (`pallet_economics::migrations::v1`).
	pallet_economics::migrations::v1::MigrateToV1<Runtime>,
	// Economics storage version 2 (spec_version 113): the bootstrap match is bounded per worker
	// in each 30-day period (`pallet_economics::migrations::v2`).
	pallet_economics::migrations::v2::MigrateToV2<Runtime>,
	// Economics storage version 3 (spec_version 115): the history's day count is stored apart
	// (`pallet_economics::migrations::v3`).
	pallet_economics::migrations::v3::MigrateToV3<Runtime>,
	// Credits storage version 1 (spec_version 116): the per-day expiry totals are one dense window
	// of days (`pallet_credits::migrations::v1`).
	pallet_credits::migrations::v1::MigrateToV1<Runtime>,
	// Inference storage version 2 (spec_version 117): a zero-knowledge model's tier names its
	// proof system; earlier models become `Groth16Open` (`pallet_inference::migrations::v2`).
	pallet_inference::migrations::v2::TagProofSystems<Runtime>,
);

/// Inference storage version 1 (spec_version 111): a job's escrow is held under the inference
/// pallet's own hold reason (`Inference(Escrow)`, was `Credits(Escrow)`), so every escrow hold
/// moves first, lots and expiry days unchanged; then the zero-knowledge models whose verifying
/// key predates the job binding are retired and their live jobs refunded
/// (`pallet_inference::migrations::v1`).
pub struct InferenceV1;

/// The hold reason escrow was held under before spec_version 111.
fn old_escrow() -> RuntimeHoldReason {
	RuntimeHoldReason::Credits(pallet_credits::HoldReason::Escrow)
}

/// The hold reason escrow is held under from spec_version 111.
fn new_escrow() -> RuntimeHoldReason {
	RuntimeHoldReason::Inference(pallet_inference::HoldReason::Escrow)
}

impl UncheckedOnRuntimeUpgrade for InferenceV1 {
	fn on_runtime_upgrade() -> Weight {
		let (read, moved) = Credits::move_holds(&old_escrow(), &new_escrow());
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads_writes(u64::from(read).saturating_add(u64::from(moved)), u64::from(moved) * 2)
			.saturating_add(
				pallet_inference::migrations::v1::InnerRetireUnboundZkModels::<Runtime>::on_runtime_upgrade(),
			)
	}

	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
		use codec::Encode;
		let held: Balance = pallet_credits::Holds::<Runtime>::iter()
			.filter(|(_, reason, _)| *reason == old_escrow())
			.flat_map(|(_, _, lots)| lots.into_inner())
			.fold(0, |a, l| a.saturating_add(l.amount));
		Ok(held.encode())
	}

	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		use codec::Decode;
		let before = Balance::decode(&mut &state[..]).map_err(|_| "pre-upgrade state")?;
		let (mut old, mut new) = (0 as Balance, 0 as Balance);
		for (_, reason, lots) in pallet_credits::Holds::<Runtime>::iter() {
			let sum = lots.iter().fold(0 as Balance, |a, l| a.saturating_add(l.amount));
			if reason == old_escrow() {
				old = old.saturating_add(sum);
			} else if reason == new_escrow() {
				new = new.saturating_add(sum);
			}
		}
		frame_support::ensure!(old == 0, "escrow left under the old hold reason");
		// Refunds of retired models' jobs release escrow: never more than was held.
		frame_support::ensure!(new <= before, "escrow grew in the migration");
		Inference::do_try_state()
	}
}
