//! Runtime API through which clients (RPC, polkadot.js `api.call.creditsApi`) read credit state.

use crate::types::{Balance, CreditSummary};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Credit balances with their lots and expiry.
	pub trait CreditsApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// Spendable, held, unexpired lots (expiry block and estimated time), next expiry, the
		/// account's cap and the total issuance.
		fn account_summary(who: AccountId) -> CreditSummary<BlockNumber>;
		/// Unexpired, unheld credits of `who`.
		fn spendable(who: AccountId) -> Balance;
		/// Credits of `who` on hold.
		fn held(who: AccountId) -> Balance;
		/// Total credits in existence.
		fn total_issuance() -> Balance;
	}
}
