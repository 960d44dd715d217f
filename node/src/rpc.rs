//! JSON-RPC: the standard Substrate methods (added by `sc-service`), `system_accountNextIndex`,
//! `payment_queryInfo`, and DeCLAI's own `declai_*` methods: credits, economics, receipts, jobs,
//! workers, the queue and a worker's assignments.

use declai_primitives::{StockRegime, WithholdReason};
use declai_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObject, ErrorObjectOwned},
	RpcModule,
};
use pallet_credits::{runtime_api::CreditsApi, CreditSummary, LotInfo};
use pallet_economics::{
	runtime_api::EconomicsApi, DayTotals, EconomicsSummary, Receipt, ReceiptId,
};
use pallet_inference::{
	runtime_api::InferenceApi, JobView, Outcome, Phase, QueueView, ReplicaState,
};
use pallet_workers::{Fault, WorkerStatus, WorkerView};
use sc_transaction_pool_api::TransactionPool;
use serde::Serialize;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::traits::Block as BlockT;
use sp_runtime::FixedU128;
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

/// A fixed-point value (α, β, η, ratios) as a decimal string with 18 places.
fn fixed(x: FixedU128) -> String {
	let inner = x.into_inner();
	let div = <FixedU128 as sp_runtime::FixedPointNumber>::DIV;
	format!("{}.{:018}", inner / div, inner % div)
}

/// Totals over the trailing window, amounts as decimal strings.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowJson {
	pub value: String,
	pub earned: String,
	pub minted: String,
	pub withheld: String,
	pub consumed: String,
	pub demand: String,
	pub capacity: String,
	/// Credits issued by the bootstrap schedule (outside `earned`).
	pub bootstrap: String,
}

impl From<DayTotals> for WindowJson {
	fn from(d: DayTotals) -> Self {
		Self {
			value: d.value.to_string(),
			earned: d.earned.to_string(),
			minted: d.minted.to_string(),
			withheld: d.withheld.to_string(),
			consumed: d.consumed.to_string(),
			demand: d.demand.to_string(),
			capacity: d.capacity.to_string(),
			bootstrap: d.bootstrap.to_string(),
		}
	}
}

/// `declai_economics` result: fixed-point values as decimal strings ("1.500000000000000000"),
/// amounts as integer strings in base units.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EconomicsJson {
	pub epoch: u64,
	pub alpha: String,
	pub beta: String,
	/// Days of consumption held (circulation ÷ mean daily consumption of the window).
	pub days_held: Option<String>,
	/// `grow`, `hold` or `shrink`.
	pub regime: &'static str,
	pub aim: String,
	pub beta_target: Option<String>,
	pub eta: Vec<(String, String)>,
	pub last_utilization: Option<String>,
	pub window_utilization: Option<String>,
	pub window: WindowJson,
	pub earned_over_consumed: Option<String>,
	pub circulation: String,
	pub circulation_cap: String,
	pub circulation_headroom: String,
	pub circulation_percent: u16,
	pub bootstrap_circulation: String,
	pub concentration_cap: String,
	pub epoch_minted: String,
	pub epoch_mint_ceiling: String,
	pub epoch_mint_floor: String,
	pub epoch_mint_percent: u16,
	pub epoch_headroom: String,
	pub mint_paused: bool,
	pub next_receipt: u64,
	/// The bootstrap issuance: its match share (fixed point), bound per worker, target stock and
	/// what it may still issue today.
	pub bootstrap_match: String,
	pub bootstrap_per_worker: String,
	pub bootstrap_target: String,
	pub bootstrap_headroom: String,
}

impl From<EconomicsSummary> for EconomicsJson {
	fn from(s: EconomicsSummary) -> Self {
		let b = |v: Balance| v.to_string();
		Self {
			epoch: s.epoch,
			alpha: fixed(s.alpha),
			beta: fixed(s.beta),
			days_held: s.days_held.map(fixed),
			regime: match s.regime {
				StockRegime::Grow => "grow",
				StockRegime::Hold => "hold",
				StockRegime::Shrink => "shrink",
			},
			aim: fixed(s.aim),
			beta_target: s.beta_target.map(fixed),
			eta: s.eta.into_iter().map(|(c, e)| (c.name().to_string(), fixed(e))).collect(),
			last_utilization: s.last_utilization.map(fixed),
			window_utilization: s.window_utilization.map(fixed),
			window: s.window.into(),
			earned_over_consumed: s.earned_over_consumed.map(fixed),
			circulation: b(s.circulation),
			circulation_cap: b(s.circulation_cap),
			circulation_headroom: b(s.circulation_headroom),
			circulation_percent: s.limits.circulation_percent,
			bootstrap_circulation: b(s.limits.bootstrap_circulation),
			concentration_cap: b(s.concentration_cap),
			epoch_minted: b(s.epoch_minted),
			epoch_mint_ceiling: b(s.epoch_mint_ceiling),
			epoch_mint_floor: b(s.limits.epoch_mint_floor),
			epoch_mint_percent: s.limits.epoch_mint_percent,
			epoch_headroom: b(s.epoch_headroom),
			mint_paused: s.mint_paused,
			next_receipt: s.next_receipt,
			bootstrap_match: fixed(FixedU128::from_perbill(s.bootstrap.match_share)),
			bootstrap_per_worker: b(s.bootstrap.per_worker),
			bootstrap_target: b(s.bootstrap_target),
			bootstrap_headroom: b(s.bootstrap_headroom),
		}
	}
}

/// `declai_receipt` result: why a worker was paid what it was paid.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptJson {
	pub id: ReceiptId,
	pub worker: String,
	pub job: String,
	pub hardware_class: &'static str,
	/// Whether a benchmark challenge confirmed the class (else η was capped at the floor).
	pub class_confirmed: bool,
	pub t_compute: String,
	/// The reference work paid for (this replica's share of the job's cost on the reference
	/// GPU): `T × η` is paid up to it.
	pub reference_work: String,
	pub eta: String,
	pub alpha: String,
	pub beta: String,
	pub earned: String,
	pub minted: String,
	pub withheld: String,
	pub reason: Option<WithholdReason>,
	pub block: BlockNumber,
	/// Credits issued on top by the bootstrap schedule (not part of `earned`).
	pub bootstrap: String,
}

fn receipt_json(id: ReceiptId, r: Receipt<AccountId, BlockNumber>) -> ReceiptJson {
	ReceiptJson {
		id,
		worker: ss58(&r.worker),
		job: format!("{:?}", r.job),
		hardware_class: r.class.name(),
		class_confirmed: r.class_confirmed,
		t_compute: r.t_compute.to_string(),
		reference_work: r.reference_work.to_string(),
		eta: fixed(r.eta),
		alpha: fixed(r.alpha),
		beta: fixed(r.beta),
		earned: r.earned.to_string(),
		minted: r.minted.to_string(),
		withheld: r.withheld.to_string(),
		reason: r.reason,
		block: r.block,
		bootstrap: r.bootstrap.to_string(),
	}
}

fn ss58(who: &AccountId) -> String {
	use sp_core::crypto::Ss58Codec;
	who.to_ss58check_with_version(42u16.into())
}

fn phase_name(p: Phase) -> &'static str {
	match p {
		Phase::Queued => "queued",
		Phase::Committing => "committing",
		Phase::Revealing => "revealing",
		Phase::Challenged => "challenged",
		Phase::Auditing => "auditing",
		Phase::Done(Outcome::Served) => "served",
		Phase::Done(Outcome::Refunded) => "refunded",
	}
}

fn replica_state_name(s: ReplicaState) -> &'static str {
	match s {
		ReplicaState::Assigned => "assigned",
		ReplicaState::Committed => "committed",
		ReplicaState::Revealed => "revealed",
		ReplicaState::Challenged => "challenged",
		ReplicaState::Verified => "verified",
		ReplicaState::Faulted(Fault::Invalid) => "faulted:invalid",
		ReplicaState::Faulted(Fault::Missed) => "faulted:missed",
	}
}

/// One replica of a job.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicaJson {
	pub worker: String,
	pub state: &'static str,
}

/// `declai_job` result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobJson {
	pub id: u64,
	pub consumer: String,
	pub model: u32,
	pub price: String,
	pub phase: &'static str,
	pub deadline: BlockNumber,
	pub created: BlockNumber,
	pub attempts: u8,
	pub replicas: Vec<ReplicaJson>,
	/// The verified output, `0x`-hex.
	pub result: Option<String>,
	pub receipts: Vec<ReceiptId>,
}

impl From<JobView<AccountId, BlockNumber>> for JobJson {
	fn from(j: JobView<AccountId, BlockNumber>) -> Self {
		Self {
			id: j.id,
			consumer: ss58(&j.consumer),
			model: j.model,
			price: j.price.to_string(),
			phase: phase_name(j.phase),
			deadline: j.deadline,
			created: j.created,
			attempts: j.attempts,
			replicas: j
				.replicas
				.iter()
				.map(|(w, s)| ReplicaJson { worker: ss58(w), state: replica_state_name(*s) })
				.collect(),
			result: j.result.map(|r| format!("0x{}", hex_encode(&r))),
			receipts: j.receipts,
		}
	}
}

fn hex_encode(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `declai_worker` result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerJson {
	pub hardware_class: &'static str,
	pub region: u16,
	pub models: Vec<u32>,
	pub bond: String,
	pub bond_target: String,
	/// Reputation in parts per million.
	pub reputation: u32,
	pub consecutive_valid: u32,
	pub valid: u32,
	pub invalid: u32,
	pub missed: u32,
	pub active_jobs: u32,
	pub status: String,
	/// Probability (ppm) that an unreplicated result is audited; `null` while always replicated.
	pub audit_ppm: Option<u32>,
	pub contribution: String,
	/// Whether a passed benchmark challenge confirmed the hardware class (η check).
	pub class_confirmed: bool,
	/// The block of that confirmation.
	pub confirmed_at: Option<BlockNumber>,
}

impl From<WorkerView<BlockNumber>> for WorkerJson {
	fn from(w: WorkerView<BlockNumber>) -> Self {
		Self {
			hardware_class: w.class.name(),
			region: w.region,
			models: w.models,
			bond: w.bond.to_string(),
			bond_target: w.bond_target.to_string(),
			reputation: w.reputation,
			consecutive_valid: w.consecutive_valid,
			valid: w.valid,
			invalid: w.invalid,
			missed: w.missed,
			active_jobs: w.active_jobs,
			status: match w.status {
				WorkerStatus::Active => "active".into(),
				WorkerStatus::Suspended => "suspended".into(),
				WorkerStatus::Unbonding { until } => format!("unbonding until {until}"),
			},
			audit_ppm: w.audit_ppm,
			contribution: w.contribution.to_string(),
			class_confirmed: w.confirmed.is_some(),
			confirmed_at: w.confirmed.map(|c| c.at),
		}
	}
}

/// `declai_queue` result.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueJson {
	pub live: u32,
	pub pending: Vec<u64>,
	/// Σ throughput of active workers in reference GPUs.
	pub capacity: String,
	pub next_job: u64,
}

impl From<QueueView> for QueueJson {
	fn from(q: QueueView) -> Self {
		Self {
			live: q.live,
			pending: q.pending,
			capacity: format!("{}.{:03}", q.capacity_permille / 1000, q.capacity_permille % 1000),
			next_job: q.next_job,
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

	/// The economy: α, β and its target, η per hardware class, trailing 30-day totals and
	/// utilization, earned/consumed, circulation with its cap and headroom, the concentration cap,
	/// the epoch ceiling and its headroom, the pause flag.
	#[method(name = "declai_economics")]
	fn economics(&self, at: Option<BlockHash>) -> RpcResult<EconomicsJson>;

	/// A settlement receipt by id (`null` once pruned or never issued).
	#[method(name = "declai_receipt")]
	fn receipt(&self, id: ReceiptId, at: Option<BlockHash>) -> RpcResult<Option<ReceiptJson>>;

	/// A job: phase, deadline, replicas and their states, attempts, the verified result (hex)
	/// and its receipts (`null` if unknown or pruned).
	#[method(name = "declai_job")]
	fn job(&self, id: u64, at: Option<BlockHash>) -> RpcResult<Option<JobJson>>;

	/// A worker: class, region, models, bond, reputation, consecutive valid results, audit
	/// probability, counts and status (`null` if not registered).
	#[method(name = "declai_worker")]
	fn worker(&self, who: AccountId, at: Option<BlockHash>) -> RpcResult<Option<WorkerJson>>;

	/// The queue: live jobs, queued jobs by priority, capacity, the next job id.
	#[method(name = "declai_queue")]
	fn queue(&self, at: Option<BlockHash>) -> RpcResult<QueueJson>;

	/// The jobs a worker must work on now.
	#[method(name = "declai_assignments")]
	fn assignments(&self, who: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<u64>>;
}

fn runtime_error(e: impl ToString) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(e.to_string()))
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
	C::Api: CreditsApi<Block, AccountId, BlockNumber>
		+ EconomicsApi<Block, AccountId, BlockNumber>
		+ InferenceApi<Block, AccountId, BlockNumber>,
{
	fn credit_summary(
		&self,
		who: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<CreditSummaryJson> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().account_summary(at, who).map(Into::into).map_err(runtime_error)
	}

	fn economics(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<EconomicsJson> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let api = self.client.runtime_api();
		// Version 1 (spec_version ≤ 111) returned another layout; this node decodes version 2.
		let version = api
			.api_version::<dyn EconomicsApi<Block, AccountId, BlockNumber>>(at)
			.map_err(runtime_error)?;
		if version.is_some_and(|v| v < 2) {
			return Err(ErrorObject::owned(
				RUNTIME_ERROR,
				"the runtime at this block predates EconomicsApi version 2 (spec_version 112)",
				Some("read it with the runtime API through a metadata-driven client (polkadot.js `api.at(hash).call.economicsApi.economics()`)"),
			));
		}
		api.economics(at).map(Into::into).map_err(runtime_error)
	}

	fn receipt(
		&self,
		id: ReceiptId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<ReceiptJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client
			.runtime_api()
			.receipt(at, id)
			.map(|r| r.map(|r| receipt_json(id, r)))
			.map_err(runtime_error)
	}

	fn job(&self, id: u64, at: Option<<Block as BlockT>::Hash>) -> RpcResult<Option<JobJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().job(at, id).map(|j| j.map(Into::into)).map_err(runtime_error)
	}

	fn worker(
		&self,
		who: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<WorkerJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().worker(at, who).map(|w| w.map(Into::into)).map_err(runtime_error)
	}

	fn queue(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<QueueJson> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().queue(at).map(Into::into).map_err(runtime_error)
	}

	fn assignments(
		&self,
		who: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<u64>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().assignments(at, who).map_err(runtime_error)
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
		+ EconomicsApi<Block, AccountId, BlockNumber>
		+ InferenceApi<Block, AccountId, BlockNumber>
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
