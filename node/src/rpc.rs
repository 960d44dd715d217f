//! JSON-RPC: the standard Substrate methods (added by `sc-service`), `system_accountNextIndex`,
//! `payment_queryInfo`, and DeCLAI's own `declai_*` methods.

use declai_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
	RpcModule,
};
use pallet_credits::{runtime_api::CreditsApi, CreditSummary, LotInfo};
use sc_transaction_pool_api::TransactionPool;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::traits::Block as BlockT;
use std::sync::Arc;

/// What the RPC extensions need.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
}

/// A lot as JSON: amounts as decimal strings (u128 does not fit a JSON number).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LotJson {
	pub amount: String,
	pub expires_on_day: u32,
	pub expires_at_block: BlockNumber,
	pub expires_at_ms: u64,
}

/// `declai_creditSummary` result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditSummaryJson {
	pub spendable: String,
	pub held: String,
	pub lots: Vec<LotJson>,
	pub next_expiry: Option<LotJson>,
	pub cap: String,
	pub total_issuance: String,
	pub token_symbol: &'static str,
	pub token_decimals: u8,
}

fn lot_json(lot: LotInfo<BlockNumber>) -> LotJson {
	LotJson {
		amount: lot.amount.to_string(),
		expires_on_day: lot.expires_on_day,
		expires_at_block: lot.expires_at_block,
		expires_at_ms: lot.expires_at_ms,
	}
}

impl From<CreditSummary<BlockNumber>> for CreditSummaryJson {
	fn from(s: CreditSummary<BlockNumber>) -> Self {
		let b = |v: Balance| v.to_string();
		Self {
			spendable: b(s.spendable),
			held: b(s.held),
			lots: s.lots.into_iter().map(lot_json).collect(),
			next_expiry: s.next_expiry.map(lot_json),
			cap: b(s.cap),
			total_issuance: b(s.total_issuance),
			token_symbol: "CRED",
			token_decimals: 12,
		}
	}
}

/// DeCLAI RPC methods.
#[rpc(server)]
pub trait DeclaiApi<BlockHash> {
	/// Credit summary of an account (SS58 address or hex account id): spendable, held, unexpired
	/// lots with expiry block and estimated time, next expiry, cap and total issuance.
	#[method(name = "declai_creditSummary")]
	fn credit_summary(&self, who: AccountId, at: Option<BlockHash>)
		-> RpcResult<CreditSummaryJson>;
}

/// Implementation of [`DeclaiApiServer`] over a client.
pub struct Declai<C> {
	client: Arc<C>,
}

/// Error code of a runtime API call that failed.
const RUNTIME_ERROR: i32 = 1;

impl<C> DeclaiApiServer<<Block as BlockT>::Hash> for Declai<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: CreditsApi<Block, AccountId, BlockNumber>,
{
	fn credit_summary(
		&self,
		who: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<CreditSummaryJson> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().account_summary(at, who).map(Into::into).map_err(
			|e| -> ErrorObjectOwned {
				ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(e.to_string()))
			},
		)
	}
}

/// Builds the RPC extensions.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ CreditsApi<Block, AccountId, BlockNumber>
		+ sp_block_builder::BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool } = deps;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Declai { client }.into_rpc())?;
	Ok(module)
}
