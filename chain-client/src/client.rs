//! The chain client: subxt over the node's JSON-RPC, reading the runtime's metadata at connect
//! time (no generated code, so nothing can go stale against the runtime).
//!
//! - **Calls** are SCALE-encoded with the types of `declai-primitives` (shared with the
//!   runtime) and checked against the metadata before signing: every argument must decode as
//!   exactly the type the runtime declares ([`RawArgs`]), so a drift is a named error, never a
//!   garbled extrinsic.
//! - **Reads** decode storage by field *name* against the metadata ([`JobInfo`], [`ModelInfo`]).
//! - **Nonces** are managed locally: fetched once from `system_accountNextIndex` (which counts
//!   the pool), incremented per submission, and fetched again after any rejection.
//! - **Connections** are retried with exponential backoff (1 s → 30 s).

use std::time::Duration;

use codec::Encode;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	ext::{
		scale_decode::{self, visitor::IgnoreVisitor, DecodeAsType},
		scale_encode::{self, EncodeAsFields, FieldIter, TypeResolver},
	},
	rpcs::{LegacyRpcMethods, RpcClient},
	tx::Payload,
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

use crate::wire::{BenchmarkInfo, JobInfo, ModelInfo, ReceiptInfo, Registration};
use tokio::sync::Mutex;

/// The chain's configuration: DeCLAI uses Polkadot's account, address, signature and hash types
/// (its extra transaction extensions carry no data, so the default set encodes them).
pub type Config = PolkadotConfig;
/// A client for one node.
pub type Client = OnlineClient<Config>;

/// What went wrong talking to the chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// The node could not be reached (after retries, where the caller asked for them).
	#[error("cannot connect to {url}: {reason}")]
	Connect {
		/// The node URL.
		url: String,
		/// The last error.
		reason: String,
	},
	/// An RPC or subxt error.
	#[error("{context}: {reason}")]
	Rpc {
		/// What was being done.
		context: String,
		/// The error.
		reason: String,
	},
	/// A call's arguments do not match the runtime's metadata.
	#[error("{call}: {reason}")]
	Encoding {
		/// `Pallet.call`.
		call: String,
		/// What does not match.
		reason: String,
	},
	/// The transaction pool refused the transaction.
	#[error("{call} rejected by the transaction pool: {reason}")]
	Rejected {
		/// `Pallet.call`.
		call: String,
		/// The pool's reason.
		reason: String,
	},
	/// The transaction was included but failed.
	#[error("{call} failed: {error}")]
	Dispatch {
		/// `Pallet.call`.
		call: String,
		/// `Pallet.Error` and its docs, as the runtime names it.
		error: String,
	},
	/// A storage value could not be decoded as expected.
	#[error("decoding {what}: {reason}")]
	Decode {
		/// The item.
		what: String,
		/// Why.
		reason: String,
	},
}

/// Pre-encoded call arguments, one SCALE blob per argument, checked against the metadata.
#[derive(Clone, Debug, Default)]
pub struct RawArgs(pub Vec<Vec<u8>>);

impl RawArgs {
	/// Appends one argument.
	pub fn arg(mut self, value: &impl Encode) -> Self {
		self.0.push(value.encode());
		self
	}
}

impl EncodeAsFields for RawArgs {
	fn encode_as_fields_to<R: TypeResolver>(
		&self,
		fields: &mut dyn FieldIter<'_, R::TypeId>,
		types: &R,
		out: &mut Vec<u8>,
	) -> Result<(), scale_encode::Error> {
		if fields.len() != self.0.len() {
			return Err(scale_encode::Error::custom_string(format!(
				"the runtime takes {} arguments, {} given",
				fields.len(),
				self.0.len()
			)));
		}
		for (i, (field, bytes)) in fields.zip(&self.0).enumerate() {
			// The bytes must be exactly one value of the declared type.
			let mut rest = &bytes[..];
			scale_decode::visitor::decode_with_visitor(
				&mut rest,
				field.id,
				types,
				IgnoreVisitor::<R>::default(),
			)
			.map_err(|e| {
				scale_encode::Error::custom_string(format!(
					"argument {i} ({}) does not match the runtime's type: {e}",
					field.name.unwrap_or("?")
				))
			})?;
			if !rest.is_empty() {
				return Err(scale_encode::Error::custom_string(format!(
					"argument {i} ({}) has {} bytes too many for the runtime's type",
					field.name.unwrap_or("?"),
					rest.len()
				)));
			}
			out.extend_from_slice(bytes);
		}
		Ok(())
	}
}

/// A call: pallet, call name and pre-encoded arguments.
#[derive(Clone, Debug)]
pub struct RawCall {
	pallet: String,
	call: String,
	args: RawArgs,
}

impl RawCall {
	/// A call of `pallet.call` with `args`.
	pub fn new(pallet: &str, call: &str, args: RawArgs) -> Self {
		Self { pallet: pallet.into(), call: call.into(), args }
	}

	/// `Pallet.call`.
	pub fn name(&self) -> String {
		format!("{}.{}", self.pallet, self.call)
	}

	/// The encoded arguments.
	pub fn args(&self) -> &RawArgs {
		&self.args
	}
}

impl Payload for RawCall {
	type CallData = RawArgs;

	fn pallet_name(&self) -> &str {
		&self.pallet
	}

	fn call_name(&self) -> &str {
		&self.call
	}

	fn call_data(&self) -> &RawArgs {
		&self.args
	}
}

/// A read-only connection to a node: what the explorer needs, and what [`Chain`] signs on top of.
#[derive(Clone)]
pub struct Reader {
	url: String,
	api: Client,
	rpc: Rpc,
}

/// The node's legacy JSON-RPC methods (blocks, headers, storage by key).
pub type Rpc = LegacyRpcMethods<subxt::config::RpcConfigFor<Config>>;

impl Reader {
	/// Connects once.
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let connect_error = |e: String| ChainError::Connect { url: url.into(), reason: e };
		let rpc_client =
			RpcClient::from_insecure_url(url).await.map_err(|e| connect_error(e.to_string()))?;
		let api = Client::from_rpc_client(rpc_client.clone())
			.await
			.map_err(|e| connect_error(e.to_string()))?;
		Ok(Self { url: url.into(), api, rpc: LegacyRpcMethods::new(rpc_client) })
	}

	/// Connects, retrying with exponential backoff (1 s doubling to 30 s) until `give_up` passed.
	pub async fn connect_with_retry(url: &str, give_up: Duration) -> Result<Self, ChainError> {
		let start = std::time::Instant::now();
		let mut wait = Duration::from_secs(1);
		loop {
			match Self::connect(url).await {
				Ok(reader) => return Ok(reader),
				Err(e) if start.elapsed() + wait > give_up => return Err(e),
				Err(e) => {
					tracing::warn!(%url, error = %e, retry_in_s = wait.as_secs(), "node unreachable");
					tokio::time::sleep(wait).await;
					wait = (wait * 2).min(Duration::from_secs(30));
				}
			}
		}
	}

	/// The chain's genesis hash.
	pub fn genesis(&self) -> [u8; 32] {
		self.api.genesis_hash().0
	}

	/// The node URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The subxt client.
	pub fn api(&self) -> &Client {
		&self.api
	}

	/// The legacy RPC methods.
	pub fn rpc(&self) -> &Rpc {
		&self.rpc
	}
}

/// A connection to a node with a signing account.
pub struct Chain {
	reader: Reader,
	signer: Keypair,
	account: AccountId32,
	nonce: Mutex<Option<u64>>,
}

impl Chain {
	/// Connects once.
	pub async fn connect(url: &str, signer: Keypair) -> Result<Self, ChainError> {
		Ok(Self::with_reader(Reader::connect(url).await?, signer))
	}

	/// Signs with `signer` over an open connection.
	pub fn with_reader(reader: Reader, signer: Keypair) -> Self {
		let account: AccountId32 = signer.public_key().into();
		Self { reader, signer, account, nonce: Mutex::new(None) }
	}

	/// Connects, retrying with exponential backoff (1 s doubling to 30 s) until `give_up` passed.
	pub async fn connect_with_retry(
		url: &str,
		signer: Keypair,
		give_up: Duration,
	) -> Result<Self, ChainError> {
		Ok(Self::with_reader(Reader::connect_with_retry(url, give_up).await?, signer))
	}

	/// The chain's genesis hash.
	pub fn genesis(&self) -> [u8; 32] {
		self.reader.genesis()
	}

	/// The node URL.
	pub fn url(&self) -> &str {
		self.reader.url()
	}

	/// The subxt client.
	pub fn api(&self) -> &Client {
		self.reader.api()
	}

	/// The signing account.
	pub fn account(&self) -> &AccountId32 {
		&self.account
	}

	/// The signing account's SCALE encoding (what commitments bind).
	pub fn account_bytes(&self) -> Vec<u8> {
		self.account.encode()
	}

	/// The chain randomness after block `number` (`Consensus.RandomnessOf`: the hash of the
	/// block author's VRF output), from which the Proof-of-Inference challenges are drawn.
	pub async fn chain_randomness(&self, number: u32) -> Result<Option<[u8; 32]>, ChainError> {
		self.read("Consensus", "RandomnessOf", (number,)).await
	}

	/// Reads `pallet.item(keys)` at the latest finalized block, decoded as `V`.
	async fn read<K, V>(&self, pallet: &str, item: &str, keys: K) -> Result<Option<V>, ChainError>
	where
		K: subxt::ext::frame_decode::storage::IntoEncodableValues
			+ subxt::ext::frame_decode::storage::IntoDecodableValues,
		V: DecodeAsType + 'static,
	{
		let what = format!("{pallet}.{item}");
		let at = self.latest().await?;
		let address = subxt::dynamic::storage::<K, V>(pallet, item);
		let value = at.storage().try_fetch(address, keys).await.map_err(|e| ChainError::Rpc {
			context: format!("reading {what}"),
			reason: e.to_string(),
		})?;
		value
			.map(|v| {
				v.decode()
					.map_err(|e| ChainError::Decode { what: what.clone(), reason: e.to_string() })
			})
			.transpose()
	}

	/// `who`'s open benchmark challenge.
	pub async fn benchmark(&self, who: &AccountId32) -> Result<Option<BenchmarkInfo>, ChainError> {
		self.read("Workers", "Benchmarks", (*who,)).await
	}

	/// A job.
	pub async fn job(&self, id: u64) -> Result<Option<JobInfo>, ChainError> {
		self.read("Inference", "Jobs", (id,)).await
	}

	/// A job's input.
	pub async fn input(&self, id: u64) -> Result<Option<Vec<u8>>, ChainError> {
		self.read("Inference", "Inputs", (id,)).await
	}

	/// A model.
	pub async fn model(&self, id: u32) -> Result<Option<ModelInfo>, ChainError> {
		self.read("Inference", "Models", (id,)).await
	}

	/// The verified result of a served job.
	pub async fn result(&self, id: u64) -> Result<Option<Vec<u8>>, ChainError> {
		self.read("Inference", "Results", (id,)).await
	}

	/// The settlement receipts of a served job.
	pub async fn job_receipts(&self, id: u64) -> Result<Vec<u64>, ChainError> {
		Ok(self.read("Inference", "JobReceipts", (id,)).await?.unwrap_or_default())
	}

	/// A settlement receipt.
	pub async fn receipt(&self, id: u64) -> Result<Option<ReceiptInfo>, ChainError> {
		self.read("Economics", "Receipts", (id,)).await
	}

	/// `who`'s worker registration, if it is registered.
	pub async fn registration(
		&self,
		who: &AccountId32,
	) -> Result<Option<Registration>, ChainError> {
		self.read("Workers", "Workers", (*who,)).await
	}

	/// Every registered model with its id.
	pub async fn models(&self) -> Result<Vec<(u32, ModelInfo)>, ChainError> {
		let next: u32 = self.read("Inference", "NextModelId", ()).await?.unwrap_or(0);
		let mut out = Vec::new();
		for id in 0..next {
			if let Some(m) = self.model(id).await? {
				out.push((id, m));
			}
		}
		Ok(out)
	}

	/// The validators that audit disputed results.
	pub async fn auditors(&self) -> Result<Vec<AccountId32>, ChainError> {
		Ok(self.read("Inference", "Auditors", ()).await?.unwrap_or_default())
	}

	/// `who`'s revealed output of a job.
	pub async fn output(&self, id: u64, who: &AccountId32) -> Result<Option<Vec<u8>>, ChainError> {
		self.read("Inference", "Outputs", (id, *who)).await
	}

	/// The audit votes cast on a job so far.
	pub async fn audit_votes(&self, id: u64) -> Result<Vec<(AccountId32, Vec<u8>)>, ChainError> {
		Ok(self.read("Inference", "AuditVotes", (id,)).await?.unwrap_or_default())
	}

	/// The events of finalized block `number`.
	pub async fn events_at(&self, number: u32) -> Result<Vec<EventRecord>, ChainError> {
		let context = format!("events of block {number}");
		let at = self
			.reader
			.api
			.at_block(u64::from(number))
			.await
			.map_err(|e| ChainError::Rpc { context: context.clone(), reason: e.to_string() })?;
		let events = at
			.events()
			.fetch()
			.await
			.map_err(|e| ChainError::Rpc { context: context.clone(), reason: e.to_string() })?;
		event_records(events.iter(), &context)
	}

	/// The live jobs assigned to `who`.
	pub async fn worker_jobs(&self, who: &AccountId32) -> Result<Vec<u64>, ChainError> {
		Ok(self.read("Inference", "WorkerJobs", (*who,)).await?.unwrap_or_default())
	}

	/// The next nonce: the cached one, or the node's view (chain + pool).
	async fn take_nonce(&self) -> Result<u64, ChainError> {
		let mut guard = self.nonce.lock().await;
		let nonce = match *guard {
			Some(n) => n,
			None => {
				self.reader.rpc.system_account_next_index(&self.account).await.map_err(|e| {
					ChainError::Rpc { context: "account nonce".into(), reason: e.to_string() }
				})?
			}
		};
		*guard = Some(nonce + 1);
		Ok(nonce)
	}

	/// Forgets the cached nonce: the next submission asks the node (chain + pool). The engine
	/// does this once per block, so a transaction that the pool dropped never leaves later ones
	/// stuck behind a gap.
	pub async fn forget_nonce(&self) {
		*self.nonce.lock().await = None;
	}

	/// `call` encoded as the runtime's `RuntimeCall` (pallet index, call index, arguments), the
	/// form in which a call is the argument of another (`Sudo.sudo`, `Utility.batch`).
	pub async fn encode_call(&self, call: &RawCall) -> Result<Vec<u8>, ChainError> {
		self.latest()
			.await?
			.transactions()
			.call_data(call)
			.map_err(|e| ChainError::Encoding { call: call.name(), reason: e.to_string() })
	}

	/// `call` wrapped in `Sudo.sudo` (development and test chains).
	pub async fn sudo(&self, call: &RawCall) -> Result<RawCall, ChainError> {
		Ok(RawCall::new("Sudo", "sudo", RawArgs(vec![self.encode_call(call).await?])))
	}

	/// Signs `call` with the next nonce and hands it to the pool; returns the transaction hash.
	/// A rejection resets the nonce cache (the next submission asks the node again).
	pub async fn submit(&self, call: &RawCall) -> Result<[u8; 32], ChainError> {
		let tx = self.sign(call).await?;
		match tx.submit().await {
			Ok(hash) => Ok(hash.0),
			Err(e) => {
				self.forget_nonce().await;
				Err(ChainError::Rejected { call: call.name(), reason: e.to_string() })
			}
		}
	}

	async fn sign(
		&self,
		call: &RawCall,
	) -> Result<
		subxt::tx::SubmittableTransaction<Config, subxt::client::OnlineClientAtBlockImpl<Config>>,
		ChainError,
	> {
		let mut txs = self.latest().await?.transactions();
		txs.validate(call)
			.map_err(|e| ChainError::Encoding { call: call.name(), reason: e.to_string() })?;
		let nonce = self.take_nonce().await?;
		let params = DefaultExtrinsicParamsBuilder::<Config>::new().nonce(nonce).mortal(64).build();
		match txs.create_signed(call, &self.signer, params).await {
			Ok(tx) => Ok(tx),
			Err(e) => {
				self.forget_nonce().await;
				Err(ChainError::Encoding { call: call.name(), reason: e.to_string() })
			}
		}
	}

	/// Submits `call` and waits until it is in a finalized block; returns its events as
	/// `(pallet, event, fields as JSON-ish text)`, or the runtime's named error.
	pub async fn submit_and_wait(&self, call: &RawCall) -> Result<Vec<EventRecord>, ChainError> {
		let tx = self.sign(call).await?;
		let progress = match tx.submit_and_watch().await {
			Ok(p) => p,
			Err(e) => {
				self.forget_nonce().await;
				return Err(ChainError::Rejected { call: call.name(), reason: e.to_string() });
			}
		};
		let events = progress
			.wait_for_finalized_success()
			.await
			.map_err(|e| ChainError::Dispatch { call: call.name(), error: e.to_string() })?;
		event_records(events.iter(), "reading events")
	}

	/// The client at the latest finalized block.
	async fn latest(
		&self,
	) -> Result<
		subxt::client::ClientAtBlock<Config, subxt::client::OnlineClientAtBlockImpl<Config>>,
		ChainError,
	> {
		self.reader.api.at_current_block().await.map_err(|e| ChainError::Rpc {
			context: "latest finalized block".into(),
			reason: e.to_string(),
		})
	}
}

/// Events as [`EventRecord`]s.
fn event_records<'a, E: std::fmt::Display>(
	events: impl Iterator<Item = Result<subxt::events::Event<'a, Config>, E>>,
	context: &str,
) -> Result<Vec<EventRecord>, ChainError> {
	events
		.map(|event| {
			let event = event
				.map_err(|e| ChainError::Rpc { context: context.into(), reason: e.to_string() })?;
			Ok(EventRecord {
				pallet: event.pallet_name().to_string(),
				name: event.event_name().to_string(),
				fields: event.field_bytes().to_vec(),
			})
		})
		.collect()
}

/// An event of an included transaction.
#[derive(Clone, Debug)]
pub struct EventRecord {
	/// Pallet name.
	pub pallet: String,
	/// Event name.
	pub name: String,
	/// SCALE-encoded fields.
	pub fields: Vec<u8>,
}
