//! DeCLAI's Proof-of-Inference block authoring and import, on `sc-consensus-slots`.
//!
//! - **Authoring** ([`PoiWorker`]): at every slot the worker asks the runtime for the leader draw
//!   on top of the best block (`ConsensusApi::leader_draw`: the authorities with their
//!   Proof-of-Inference weights and the chain randomness), draws the slot's leader, and if the
//!   leader's key is in the keystore it signs the VRF of (randomness, slot), builds the block
//!   with that pre-runtime digest and seals it.
//! - **Import** ([`PoiVerifier`]): every block from the network is checked against the draw of
//!   its parent ([`check_header`]): a later slot than the parent's and not in the future, the
//!   drawn leader, the leader's seal, the leader's VRF; then its inherents (the timestamp must be
//!   in the slot). Two blocks of one author for one slot are an equivocation: the verifier
//!   submits the proof to the runtime, which plans the offender out of the validator set.
//!
//! The rules are in `pallet_consensus::digest`, shared with the runtime, which derives the chain
//! randomness from the VRF and checks that slots increase when it executes a block.

use codec::Encode;
use futures::{FutureExt, TryFutureExt};
use log::{debug, info, warn};
use pallet_consensus::{
	digest::{self, AuthorityPair, DigestError},
	AuthorityId, AuthoritySignature, ConsensusApi, LeaderDraw, PreDigest, ENGINE_ID, KEY_TYPE,
};
use sc_client_api::{backend::AuxStore, HeaderBackend};
use sc_consensus::{
	import_queue::{BasicQueue, BoxJustificationImport, DefaultImportQueue, Verifier},
	BlockImport, BlockImportParams, ForkChoiceStrategy, StateAction,
};
use sc_consensus_slots::{
	check_equivocation, InherentDataProviderExt, SimpleSlotWorker, SimpleSlotWorkerToSlotWorker,
	SlotInfo, SlotProportion, StorageChanges,
};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_block_builder::BlockBuilder as BlockBuilderApi;
use sp_consensus::{BlockOrigin, Environment, Error as ConsensusError, Proposer, SyncOracle};
use sp_consensus_slots::{Slot, SlotDuration};
use sp_core::{crypto::VrfPublic, sr25519, Pair};
use sp_inherents::{CreateInherentDataProviders, InherentDataProvider as _};
use sp_keystore::KeystorePtr;
use sp_runtime::{
	generic::DigestItem,
	traits::{Block as BlockT, Header as HeaderT},
};
use std::{fmt, marker::PhantomData, pin::Pin, sync::Arc, time::Duration};

const LOG_TARGET: &str = "declai-consensus";

/// How a node misbehaves on purpose, for the network tests that show honest nodes reject it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Misbehaviour {
	/// None: the honest protocol.
	#[default]
	None,
	/// Claims every slot whoever the drawn leader is (blocks of an ineligible author).
	ClaimEverySlot,
	/// Seals its blocks with a signature on the wrong hash.
	BadSeal,
}

/// Why a header was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
	/// The header has no seal of this engine as its last digest item.
	Unsealed,
	/// The seal does not decode as a signature.
	BadSeal,
	/// The pre-runtime digest is missing, repeated or undecodable.
	PreDigest(DigestError),
	/// The slot is not later than the parent's.
	SlotNotIncreasing { parent: Slot, slot: Slot },
	/// The slot has not started yet (by this node's clock).
	TooFarInFuture { slot: Slot, now: Slot },
	/// The author is not the slot's drawn leader.
	NotTheLeader { claimed: u32, drawn: Option<u32> },
	/// The seal is not the leader's signature on the header.
	BadSignature,
	/// The VRF signature is not the leader's on (randomness, slot).
	BadVrf,
}

impl fmt::Display for CheckError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Unsealed => write!(f, "Unsealed: no DPoI seal"),
			Self::BadSeal => write!(f, "BadSeal: the seal is no signature"),
			Self::PreDigest(e) => write!(f, "PreDigest: {e:?}"),
			Self::SlotNotIncreasing { parent, slot } => {
				write!(f, "SlotNotIncreasing: slot {slot} after the parent's {parent}")
			}
			Self::TooFarInFuture { slot, now } => {
				write!(f, "TooFarInFuture: slot {slot}, now {now}")
			}
			Self::NotTheLeader { claimed, drawn } => {
				write!(
					f,
					"NotTheLeader: authority {claimed} claimed the slot, the draw is {drawn:?}"
				)
			}
			Self::BadSignature => write!(f, "BadSignature: the seal is not the leader's"),
			Self::BadVrf => write!(f, "BadVrf: the VRF is not the leader's on this slot"),
		}
	}
}

/// A header that passed [`check_header`].
pub struct Checked<H> {
	/// The header without its seal.
	pub pre_header: H,
	/// Its consensus data.
	pub pre_digest: PreDigest,
	/// The seal (the last digest item of the header as received).
	pub seal: DigestItem,
	/// The author's key.
	pub author: AuthorityId,
}

/// Checks a header against the leader draw of its parent: slot, leader, seal and VRF.
pub fn check_header<H: HeaderT>(
	header: &H,
	draw: &LeaderDraw,
	slot_now: Slot,
) -> Result<Checked<H>, CheckError> {
	let mut pre_header = header.clone();
	let seal = pre_header.digest_mut().pop().ok_or(CheckError::Unsealed)?;
	let signature = match &seal {
		DigestItem::Seal(id, _) if *id == ENGINE_ID => {
			seal.seal_try_to::<AuthoritySignature>(&ENGINE_ID).ok_or(CheckError::BadSeal)?
		}
		_ => return Err(CheckError::Unsealed),
	};
	let pre_digest = digest::find_pre_digest(pre_header.digest()).map_err(CheckError::PreDigest)?;
	let slot = pre_digest.slot;
	if slot <= draw.slot {
		return Err(CheckError::SlotNotIncreasing { parent: draw.slot, slot });
	}
	if slot > slot_now {
		return Err(CheckError::TooFarInFuture { slot, now: slot_now });
	}
	let drawn = draw.leader(slot);
	if drawn != Some(pre_digest.authority_index) {
		return Err(CheckError::NotTheLeader { claimed: pre_digest.authority_index, drawn });
	}
	let author = draw
		.authorities
		.get(pre_digest.authority_index as usize)
		.map(|(k, _)| k.clone())
		.ok_or(CheckError::NotTheLeader { claimed: pre_digest.authority_index, drawn })?;
	if !AuthorityPair::verify(&signature, pre_header.hash().as_ref(), &author) {
		return Err(CheckError::BadSignature);
	}
	let public: sr25519::Public = author.clone().into();
	if !public.vrf_verify(&digest::vrf_input(&draw.randomness, slot), &pre_digest.vrf) {
		return Err(CheckError::BadVrf);
	}
	Ok(Checked { pre_header, pre_digest, seal, author })
}

/// The slot of a header (`None` for genesis or a header of another engine).
fn slot_of<H: HeaderT>(header: &H) -> Option<Slot> {
	digest::find_pre_digest(header.digest()).ok().map(|p| p.slot)
}

/// The inherent data provider of the slot (the runtime reads the slot from the digest; this
/// only tells the slot machinery which slot the inherents belong to).
pub struct SlotProvider(Slot);

impl SlotProvider {
	/// The slot in force at `timestamp`.
	pub fn from_timestamp(timestamp: sp_timestamp::Timestamp, duration: SlotDuration) -> Self {
		Self(Slot::from_timestamp(timestamp, duration))
	}
}

impl std::ops::Deref for SlotProvider {
	type Target = Slot;
	fn deref(&self) -> &Slot {
		&self.0
	}
}

#[async_trait::async_trait]
impl sp_inherents::InherentDataProvider for SlotProvider {
	async fn provide_inherent_data(
		&self,
		_: &mut sp_inherents::InherentData,
	) -> Result<(), sp_inherents::Error> {
		Ok(())
	}

	async fn try_handle_error(
		&self,
		_: &sp_inherents::InherentIdentifier,
		_: &[u8],
	) -> Option<Result<(), sp_inherents::Error>> {
		None
	}
}

/// The inherent data providers of a block made now: the slot and the timestamp.
pub fn slot_and_timestamp(
	duration: SlotDuration,
) -> (SlotProvider, sp_timestamp::InherentDataProvider) {
	let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
	(SlotProvider::from_timestamp(*timestamp, duration), timestamp)
}

/// The slot length the runtime declares.
pub fn slot_duration<B: BlockT, C>(client: &C) -> Result<SlotDuration, sp_blockchain::Error>
where
	C: ProvideRuntimeApi<B> + HeaderBackend<B>,
	C::Api: ConsensusApi<B>,
{
	let best = client.info().best_hash;
	let millis = client.runtime_api().slot_duration(best)?;
	Ok(SlotDuration::from_millis(millis))
}

/// The slot worker.
pub struct PoiWorker<B, C, E, I, SO, L> {
	client: Arc<C>,
	block_import: I,
	env: E,
	keystore: KeystorePtr,
	sync_oracle: SO,
	justification_sync_link: L,
	force_authoring: bool,
	block_proposal_slot_portion: SlotProportion,
	misbehaviour: Misbehaviour,
	_block: PhantomData<B>,
}

#[async_trait::async_trait]
impl<B, C, E, I, SO, L, Error> SimpleSlotWorker<B> for PoiWorker<B, C, E, I, SO, L>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + Send + Sync,
	C::Api: ConsensusApi<B>,
	E: Environment<B, Error = Error> + Send + Sync,
	E::Proposer: Proposer<B, Error = Error>,
	I: BlockImport<B> + Send + Sync + 'static,
	SO: SyncOracle + Send + Sync + Clone,
	L: sc_consensus::JustificationSyncLink<B>,
	Error: std::error::Error + Send + From<ConsensusError> + 'static,
{
	type BlockImport = I;
	type SyncOracle = SO;
	type JustificationSyncLink = L;
	type CreateProposer = Pin<
		Box<dyn std::future::Future<Output = Result<E::Proposer, ConsensusError>> + Send + 'static>,
	>;
	type Proposer = E::Proposer;
	type Claim = (PreDigest, AuthorityId);
	type AuxData = LeaderDraw;

	fn logging_target(&self) -> &'static str {
		LOG_TARGET
	}

	fn block_import(&mut self) -> &mut Self::BlockImport {
		&mut self.block_import
	}

	fn aux_data(&self, header: &B::Header, _slot: Slot) -> Result<LeaderDraw, ConsensusError> {
		self.client
			.runtime_api()
			.leader_draw(header.hash())
			.map_err(|e| ConsensusError::ClientImport(format!("leader draw: {e}")))
	}

	fn authorities_len(&self, draw: &LeaderDraw) -> Option<usize> {
		Some(draw.authorities.len())
	}

	async fn claim_slot(
		&mut self,
		_header: &B::Header,
		slot: Slot,
		draw: &LeaderDraw,
	) -> Option<Self::Claim> {
		if slot <= draw.slot {
			return None;
		}
		let drawn = draw.leader(slot)?;
		let index = if self.misbehaviour == Misbehaviour::ClaimEverySlot {
			// Any of our own keys, drawn or not.
			draw.authorities.iter().position(|(k, _)| self.has_key(k))? as u32
		} else {
			drawn
		};
		let key = draw.authorities.get(index as usize).map(|(k, _)| k.clone())?;
		if !self.has_key(&key) {
			return None;
		}
		let public: sr25519::Public = key.clone().into();
		let input = digest::vrf_input(&draw.randomness, slot);
		let vrf = match self.keystore.sr25519_vrf_sign(KEY_TYPE, &public, &input) {
			Ok(Some(vrf)) => vrf,
			Ok(None) => return None,
			Err(e) => {
				warn!(target: LOG_TARGET, "VRF signing failed at slot {slot}: {e}");
				return None;
			}
		};
		debug!(target: LOG_TARGET, "leader of slot {slot} (authority {index})");
		Some((PreDigest { authority_index: index, slot, vrf }, key))
	}

	fn pre_digest_data(&self, _slot: Slot, claim: &Self::Claim) -> Vec<DigestItem> {
		vec![claim.0.to_digest_item()]
	}

	async fn block_import_params(
		&self,
		header: B::Header,
		header_hash: &B::Hash,
		body: Vec<B::Extrinsic>,
		storage_changes: StorageChanges<B>,
		(_, key): Self::Claim,
		_draw: LeaderDraw,
	) -> Result<BlockImportParams<B>, ConsensusError> {
		let public: sr25519::Public = key.into();
		let message = if self.misbehaviour == Misbehaviour::BadSeal {
			header.parent_hash().encode()
		} else {
			header_hash.encode()
		};
		let signature = self
			.keystore
			.sr25519_sign(KEY_TYPE, &public, &message)
			.map_err(|e| ConsensusError::CannotSign(format!("{e}")))?
			.ok_or_else(|| ConsensusError::CannotSign("the key left the keystore".into()))?;
		let mut import = BlockImportParams::new(BlockOrigin::Own, header);
		import.post_digests.push(digest::seal_item(AuthoritySignature::from(signature)));
		import.body = Some(body);
		import.state_action =
			StateAction::ApplyChanges(sc_consensus::StorageChanges::Changes(storage_changes));
		import.fork_choice = Some(ForkChoiceStrategy::LongestChain);
		Ok(import)
	}

	fn force_authoring(&self) -> bool {
		self.force_authoring
	}

	fn sync_oracle(&mut self) -> &mut Self::SyncOracle {
		&mut self.sync_oracle
	}

	fn justification_sync_link(&mut self) -> &mut Self::JustificationSyncLink {
		&mut self.justification_sync_link
	}

	fn proposer(&mut self, block: &B::Header) -> Self::CreateProposer {
		self.env.init(block).map_err(|e| ConsensusError::ClientImport(format!("{e:?}"))).boxed()
	}

	fn telemetry(&self) -> Option<sc_telemetry::TelemetryHandle> {
		None
	}

	fn proposing_remaining_duration(&self, slot_info: &SlotInfo<B>) -> Duration {
		sc_consensus_slots::proposing_remaining_duration(
			slot_of(&slot_info.chain_head),
			slot_info,
			&self.block_proposal_slot_portion,
			None,
			sc_consensus_slots::SlotLenienceType::Exponential,
			LOG_TARGET,
		)
	}
}

impl<B, C, E, I, SO, L> PoiWorker<B, C, E, I, SO, L> {
	fn has_key(&self, key: &AuthorityId) -> bool {
		self.keystore.has_keys(&[(key.encode(), KEY_TYPE)])
	}
}

/// What [`start`] needs.
pub struct StartParams<C, SC, I, E, SO, L, CIDP> {
	pub slot_duration: SlotDuration,
	pub client: Arc<C>,
	pub select_chain: SC,
	pub block_import: I,
	pub proposer_factory: E,
	pub create_inherent_data_providers: CIDP,
	pub keystore: KeystorePtr,
	pub sync_oracle: SO,
	pub justification_sync_link: L,
	pub force_authoring: bool,
	pub misbehaviour: Misbehaviour,
}

/// The authoring future: runs the slot worker until the node stops.
pub fn start<B, C, SC, I, E, SO, L, CIDP, Error>(
	p: StartParams<C, SC, I, E, SO, L, CIDP>,
) -> impl std::future::Future<Output = ()>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + Send + Sync + 'static,
	C::Api: ConsensusApi<B>,
	SC: sp_consensus::SelectChain<B>,
	E: Environment<B, Error = Error> + Send + Sync + 'static,
	E::Proposer: Proposer<B, Error = Error>,
	I: BlockImport<B> + Send + Sync + 'static,
	SO: SyncOracle + Send + Sync + Clone + 'static,
	L: sc_consensus::JustificationSyncLink<B> + 'static,
	CIDP: CreateInherentDataProviders<B, ()> + Send + 'static,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send,
	Error: std::error::Error + Send + From<ConsensusError> + 'static,
{
	if p.misbehaviour != Misbehaviour::None {
		warn!(target: LOG_TARGET, "this node misbehaves on purpose: {:?}", p.misbehaviour);
	}
	let worker = PoiWorker {
		client: p.client,
		block_import: p.block_import,
		env: p.proposer_factory,
		keystore: p.keystore,
		sync_oracle: p.sync_oracle.clone(),
		justification_sync_link: p.justification_sync_link,
		force_authoring: p.force_authoring,
		block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
		misbehaviour: p.misbehaviour,
		_block: PhantomData,
	};
	sc_consensus_slots::start_slot_worker(
		p.slot_duration,
		p.select_chain,
		SimpleSlotWorkerToSlotWorker(worker),
		p.sync_oracle,
		p.create_inherent_data_providers,
	)
}

/// The import verifier.
pub struct PoiVerifier<B: BlockT, C, CIDP> {
	client: Arc<C>,
	create_inherent_data_providers: CIDP,
	offchain_tx_pool_factory: OffchainTransactionPoolFactory<B>,
}

impl<B, C, CIDP> PoiVerifier<B, C, CIDP>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + AuxStore,
	C::Api: ConsensusApi<B>,
{
	/// Records the header's slot and author; reports the author if it already sealed another
	/// block for the slot.
	fn check_equivocation(&self, slot_now: Slot, header: &B::Header, checked: &Checked<B::Header>) {
		let slot = checked.pre_digest.slot;
		let proof = match check_equivocation(&*self.client, slot_now, slot, header, &checked.author)
		{
			Ok(Some(proof)) => proof,
			Ok(None) => return,
			Err(e) => {
				warn!(target: LOG_TARGET, "equivocation check failed: {e}");
				return;
			}
		};
		warn!(
			target: LOG_TARGET,
			"authority {} equivocated at slot {slot}: {:?} and {:?}",
			checked.pre_digest.authority_index,
			proof.first_header.hash(),
			proof.second_header.hash(),
		);
		let best = self.client.info().best_hash;
		let mut api = self.client.runtime_api();
		api.register_extension(self.offchain_tx_pool_factory.offchain_transaction_pool(best));
		match api.submit_report_equivocation_unsigned_extrinsic(best, proof) {
			Ok(Some(())) => info!(target: LOG_TARGET, "equivocation at slot {slot} reported"),
			Ok(None) => warn!(target: LOG_TARGET, "the equivocation report was not accepted"),
			Err(e) => warn!(target: LOG_TARGET, "reporting the equivocation failed: {e}"),
		}
	}
}

#[async_trait::async_trait]
impl<B, C, CIDP> Verifier<B> for PoiVerifier<B, C, CIDP>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + AuxStore + Send + Sync + 'static,
	C::Api: ConsensusApi<B> + BlockBuilderApi<B> + ApiExt<B>,
	CIDP: CreateInherentDataProviders<B, ()> + Send + Sync,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send + Sync,
{
	async fn verify(
		&self,
		mut block: BlockImportParams<B>,
	) -> Result<BlockImportParams<B>, String> {
		// State imported by warp sync, or blocks a finality proof vouched for: nothing to execute.
		if block.with_state() || block.state_action.skip_execution_checks() {
			block.fork_choice = Some(ForkChoiceStrategy::Custom(block.with_state()));
			return Ok(block);
		}
		let hash = block.header.hash();
		let parent = *block.header.parent_hash();
		let draw = self
			.client
			.runtime_api()
			.leader_draw(parent)
			.map_err(|e| format!("block {hash:?}: no leader draw at its parent: {e}"))?;
		let providers = self
			.create_inherent_data_providers
			.create_inherent_data_providers(parent, ())
			.await
			.map_err(|e| format!("block {hash:?}: inherent data providers: {e}"))?;
		// One slot of drift allowed.
		let slot_now = Slot::from(u64::from(providers.slot()).saturating_add(1));
		let checked = check_header(&block.header, &draw, slot_now).map_err(|e| {
			warn!(target: LOG_TARGET, "rejected block #{} {hash:?}: {e}", block.header.number());
			format!("block {hash:?} rejected: {e}")
		})?;
		self.check_equivocation(slot_now, &block.header, &checked);

		if let Some(body) = block.body.take() {
			let full = B::new(checked.pre_header.clone(), body);
			let inherent_data = providers
				.create_inherent_data()
				.await
				.map_err(|e| format!("block {hash:?}: inherent data: {e}"))?;
			sp_block_builder::check_inherents_with_data(
				self.client.clone(),
				parent,
				full.clone(),
				&providers,
				inherent_data,
			)
			.await
			.map_err(|e| format!("block {hash:?}: inherents: {e:?}"))?;
			let (_, body) = full.deconstruct();
			block.body = Some(body);
		}
		block.header = checked.pre_header;
		block.post_digests.push(checked.seal);
		block.fork_choice = Some(ForkChoiceStrategy::LongestChain);
		block.post_hash = Some(hash);
		Ok(block)
	}
}

/// The import queue: the verifier in front of `block_import`.
pub fn import_queue<B, C, I, CIDP>(
	client: Arc<C>,
	block_import: I,
	justification_import: Option<BoxJustificationImport<B>>,
	create_inherent_data_providers: CIDP,
	offchain_tx_pool_factory: OffchainTransactionPoolFactory<B>,
	spawner: &impl sp_core::traits::SpawnEssentialNamed,
	registry: Option<&prometheus_endpoint::Registry>,
) -> DefaultImportQueue<B>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + AuxStore + Send + Sync + 'static,
	C::Api: ConsensusApi<B> + BlockBuilderApi<B> + ApiExt<B>,
	I: BlockImport<B, Error = ConsensusError> + Send + Sync + 'static,
	CIDP: CreateInherentDataProviders<B, ()> + Send + Sync + 'static,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send + Sync,
{
	let verifier = PoiVerifier { client, create_inherent_data_providers, offchain_tx_pool_factory };
	BasicQueue::new(verifier, Box::new(block_import), justification_import, spawner, registry)
}

#[cfg(test)]
mod tests;
