//! Runtime API through which clients (RPC `declai_economics`, polkadot.js
//! `api.call.economicsApi`) read the economy.

use crate::types::{EconomicsSummary, Receipt, ReceiptId};
use codec::Codec;
use declai_primitives::{Balance, HardwareClass, WorkUnits};

sp_api::decl_runtime_apis! {
	/// α, β, the η table, trailing totals, caps, headroom and receipts.
	///
	/// Version 2 (spec_version 112): the summary gained the days of consumption held, the regime,
	/// the scaled epoch ceiling and the bootstrap issuance, and its limits and window changed
	/// shape; a client decoding `economics()` checks the version first.
	#[api_version(2)]
	pub trait EconomicsApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The economy now: α, β and its target, η per class, trailing window totals and
		/// utilization, earned/consumed, circulation with its cap and headroom, the concentration
		/// cap, the epoch ceiling and its headroom, the pause flag.
		fn economics() -> EconomicsSummary;
		/// A stored settlement receipt.
		fn receipt(id: ReceiptId) -> Option<Receipt<AccountId, BlockNumber>>;
		/// What a job costing `t_ref` on the reference GPU costs a consumer now.
		fn quote(t_ref: WorkUnits) -> Balance;
		/// What a worker of a confirmed `class` would earn now for `t` reference GPU-hours of
		/// work (`min(T_compute × η, t) × α / β`), before supply limits.
		fn estimate(class: HardwareClass, t: WorkUnits) -> Balance;
	}
}
