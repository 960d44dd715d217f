//! The chain the fuzzer drives: the real runtime (`declai-runtime`, natively) on the `local`
//! preset's genesis, with whole blocks executed as a node executes them (`Executive`), each
//! authored by the slot's leader with a consensus pre-digest and a timestamp inherent.

use std::collections::BTreeMap;

use codec::Encode;
use declai_fast_state::{Access, Roots, SimExternalities};
use declai_runtime::{
	genesis_config_presets, AccountId, BlockNumber, Executive, Hash, Header, Runtime, RuntimeCall,
	SignedPayload, TxExtension, UncheckedExtrinsic,
};
use frame_support::{traits::WhitelistedStorageKeys, weights::Weight};
use sp_core::{crypto::VrfSecret, sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era,
	traits::{Header as _, IdentifyAccount, TransactionExtension as _},
	transaction_validity::TransactionValidityError,
	ApplyExtrinsicResult, DispatchError, MultiAddress, MultiSignature, MultiSigner,
};

/// Milliseconds per slot (the runtime's `SLOT_DURATION`).
const SLOT_MS: u64 = declai_runtime::SLOT_DURATION;

/// A signer the fuzzer holds the key of.
pub struct Actor {
	pub pair: sr25519::Pair,
	pub id: AccountId,
}

/// What the worker side of the fuzzer remembers of a commitment it made, to reveal it later.
#[derive(Clone)]
pub struct Sealed {
	pub output: Vec<u8>,
	pub salt: [u8; 32],
	pub activation_root: Hash,
}

/// How an extrinsic is spoiled before it is applied; every spoiled one must be refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spoil {
	/// Signed honestly.
	None,
	/// One byte of the signature flipped.
	Signature,
	/// Signed for another spec version.
	SpecVersion,
	/// Signed for another genesis hash.
	Genesis,
	/// A nonce the account already used.
	StaleNonce,
	/// Signed by one account, sent as another's.
	Signer,
}

/// How one extrinsic ended.
#[derive(Debug)]
pub enum Applied {
	/// Included and its call succeeded.
	Ok,
	/// Included (fees paid) and its call failed.
	Failed(DispatchError),
	/// Refused as a transaction: not includable.
	Invalid(TransactionValidityError),
}

/// The DB cost of what an included extrinsic touched against the weight the block was charged
/// for it (declared, less what its post-dispatch info gave back).
#[derive(Clone, Copy, Debug)]
pub struct WeightCheck {
	pub access: Access,
	pub db_ref_time: u64,
	pub charged_ref_time: u64,
}

/// The chain state and what the fuzzer knows about it.
pub struct Chain {
	pub state: SimExternalities,
	pub actors: Vec<Actor>,
	/// Validators' keys by account (they author blocks).
	authors: BTreeMap<AccountId, sr25519::Pair>,
	pub number: BlockNumber,
	slot: u64,
	/// Hash of the last block (of the genesis before the first).
	parent: Hash,
	/// Commitments made and not yet revealed, by (job, worker).
	pub sealed: BTreeMap<(u64, AccountId), Sealed>,
	/// Keys every block touches, which weights do not count (as the benchmarks whitelist them).
	whitelist: Vec<Vec<u8>>,
	pub block_open: bool,
}

/// The actors: the twelve well-known development accounts (endowed on the local preset; Alice
/// is sudo, Alice, Bob and Charlie are auditors, Alice to Dave validators) and four accounts
/// nobody endowed.
fn actors() -> Vec<Actor> {
	let mut out: Vec<Actor> = Sr25519Keyring::well_known()
		.map(|k| Actor { pair: k.pair(), id: k.to_account_id() })
		.collect();
	for i in 0..4 {
		let pair = sr25519::Pair::from_seed(&sp_io::hashing::blake2_256(
			&(b"declai/fuzz/pauper", i as u32).encode(),
		));
		let id = MultiSigner::from(pair.public()).into_account();
		out.push(Actor { pair, id });
	}
	out
}

impl Chain {
	/// The `local` preset's genesis; no block executed yet.
	pub fn genesis() -> Result<Self, String> {
		let storage = genesis_config_presets::storage(
			&sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET.into(),
		)?;
		let mut state = SimExternalities::new(storage).with_roots(Roots::Placeholder);
		let whitelist = state.execute_with(|| {
			let mut keys: Vec<Vec<u8>> =
				declai_runtime::AllPalletsWithSystem::whitelisted_storage_keys()
					.into_iter()
					.map(|k| k.key)
					.collect();
			keys.push(b":extrinsic_index".to_vec());
			keys.push(b":intrablock_entropy".to_vec());
			keys
		});
		let authors = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.into_iter()
		.map(|k| (k.to_account_id(), k.pair()))
		.collect();
		let parent = state.execute_with(|| frame_system::Pallet::<Runtime>::block_hash(0));
		Ok(Self {
			parent,
			state,
			actors: actors(),
			authors,
			number: 0,
			slot: 0,
			sealed: BTreeMap::new(),
			whitelist,
			block_open: false,
		})
	}

	/// Opens the next block, `slots` slots after the last one (at least 1): authored by that
	/// slot's leader, with its VRF pre-digest, and the timestamp inherent applied.
	pub fn open_block(&mut self, slots: u64) -> Result<(), String> {
		if self.block_open {
			self.close_block()?;
		}
		let number = self.number.saturating_add(1);
		let slot = self.slot.saturating_add(slots.max(1));
		let authors = &self.authors;
		let parent = self.parent;
		let header = self.state.execute_with(|| {
			let draw = declai_runtime::Consensus::leader_draw();
			let index = draw.leader(slot.into()).unwrap_or(0);
			let authorities = pallet_consensus::Authorities::<Runtime>::get();
			let author = authorities
				.get(index as usize)
				.and_then(|a| authors.get(&a.account))
				.ok_or_else(|| format!("slot {slot}: no key for the leader {index}"))?;
			let randomness = pallet_consensus::Randomness::<Runtime>::get();
			let vrf =
				author.vrf_sign(&pallet_consensus::digest::vrf_input(&randomness, slot.into()));
			let pre =
				pallet_consensus::PreDigest { authority_index: index, slot: slot.into(), vrf };
			Ok::<_, String>(Header::new(
				number,
				Default::default(),
				Default::default(),
				parent,
				sp_runtime::Digest { logs: vec![pre.to_digest_item()] },
			))
		})?;
		self.state.execute_with(|| {
			Executive::initialize_block(&header);
			let now = slot.saturating_mul(SLOT_MS);
			let inherent =
				UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
					now,
				}));
			match Executive::apply_extrinsic(inherent) {
				Ok(Ok(())) => Ok(()),
				other => Err(format!("block {number}: the timestamp inherent: {other:?}")),
			}
		})?;
		self.number = number;
		self.slot = slot;
		self.block_open = true;
		Ok(())
	}

	/// Finalizes the open block.
	pub fn close_block(&mut self) -> Result<(), String> {
		if !self.block_open {
			return Ok(());
		}
		self.block_open = false;
		let header = self.state.execute_with(Executive::finalize_block);
		if header.number != self.number {
			return Err(format!("finalized block {} for {}", header.number, self.number));
		}
		self.parent = header.hash();
		Ok(())
	}

	/// The signed extrinsic of `call` by actor `signer` with its next nonce, spoiled as `spoil`
	/// says.
	pub fn sign(&mut self, signer: usize, call: RuntimeCall, spoil: Spoil) -> UncheckedExtrinsic {
		let n_actors = self.actors.len();
		let Some(actor) = self.actors.get(signer % n_actors.max(1)) else {
			return UncheckedExtrinsic::new_bare(call);
		};
		let pair = actor.pair.clone();
		let mut sender = actor.id.clone();
		if spoil == Spoil::Signer {
			if let Some(other) = self.actors.get((signer + 1) % n_actors.max(1)) {
				sender = other.id.clone();
			}
		}
		let who = actor.id.clone();
		self.state.execute_with(|| {
			let mut nonce = frame_system::Pallet::<Runtime>::account_nonce(&who);
			if spoil == Spoil::StaleNonce {
				nonce = nonce.wrapping_sub(1);
			}
			let ext = tx_extension(nonce);
			let mut implicit = match ext.implicit() {
				Ok(i) => i,
				Err(_) => return UncheckedExtrinsic::new_bare(call),
			};
			match spoil {
				Spoil::SpecVersion => implicit.1 = implicit.1.wrapping_add(1),
				Spoil::Genesis => implicit.3 = Hash::repeat_byte(0x42),
				_ => {}
			}
			let payload = SignedPayload::from_raw(call.clone(), ext.clone(), implicit);
			let mut signature = payload.using_encoded(|p| pair.sign(p));
			if spoil == Spoil::Signature {
				signature.0[0] ^= 1;
			}
			UncheckedExtrinsic::new_signed(
				call,
				MultiAddress::Id(sender),
				MultiSignature::Sr25519(signature),
				ext,
			)
		})
	}

	/// Applies `xt` in the open block; with `measure`, also the DB cost of the keys it touched
	/// against the weight it declared (when it was included).
	pub fn apply(
		&mut self,
		xt: UncheckedExtrinsic,
		signer: Option<&AccountId>,
		measure: bool,
	) -> (Applied, Option<WeightCheck>) {
		let weight_before =
			self.state.execute_with(|| frame_system::Pallet::<Runtime>::block_weight().total());
		if measure {
			let mut ignored = self.whitelist.clone();
			if let Some(who) = signer {
				// Benchmarks whitelist the caller's account too.
				ignored.push(frame_system::Account::<Runtime>::hashed_key_for(who));
			}
			self.state.track(ignored);
		}
		// As a node's block builder: a refused extrinsic leaves no trace in the block's state.
		let (result, charged): (ApplyExtrinsicResult, Weight) = self.state.execute_with(|| {
			sp_io::storage::start_transaction();
			let result = Executive::apply_extrinsic(xt);
			if result.is_err() {
				sp_io::storage::rollback_transaction();
			} else {
				sp_io::storage::commit_transaction();
			}
			let after = frame_system::Pallet::<Runtime>::block_weight().total();
			(result, after.saturating_sub(weight_before))
		});
		let access = if measure { self.state.tracked() } else { None };
		let applied = match result {
			Ok(Ok(())) => Applied::Ok,
			Ok(Err(e)) => Applied::Failed(e),
			Err(e) => Applied::Invalid(e),
		};
		let check = match (&applied, access) {
			(Applied::Invalid(_), _) | (_, None) => None,
			(_, Some(access)) => {
				let db = <Runtime as frame_system::Config>::DbWeight::get()
					.reads_writes(access.reads.into(), access.writes.into());
				// What the block was charged: the declared weight (call, extensions, base
				// extrinsic weight) less what the call's post-dispatch info gave back.
				Some(WeightCheck {
					access,
					db_ref_time: db.ref_time(),
					charged_ref_time: charged.ref_time(),
				})
			}
		};
		(applied, check)
	}

	/// What the transaction pool says of `xt` (`validate_transaction` from outside, on the
	/// state of the open block), leaving the state as it was.
	pub fn validate(
		&mut self,
		xt: UncheckedExtrinsic,
	) -> sp_runtime::transaction_validity::TransactionValidity {
		let parent = self.parent;
		self.state.execute_with(|| {
			sp_io::storage::start_transaction();
			let r = Executive::validate_transaction(
				sp_runtime::transaction_validity::TransactionSource::External,
				xt,
				parent,
			);
			sp_io::storage::rollback_transaction();
			r
		})
	}

	/// Runs `f` on the chain state.
	pub fn read<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.state.execute_with(f)
	}

	/// Every pallet's invariants (`do_try_state`) and the block's weight within its limit.
	pub fn check_invariants(&mut self) -> Result<u32, String> {
		self.state.execute_with(|| {
			let checks: [(&str, fn() -> Result<(), sp_runtime::TryRuntimeError>); 5] = [
				("credits", declai_runtime::Credits::do_try_state),
				("economics", declai_runtime::Economics::do_try_state),
				("workers", declai_runtime::Workers::do_try_state),
				("inference", declai_runtime::Inference::do_try_state),
				("validators", declai_runtime::Validators::do_try_state),
			];
			for (name, check) in checks {
				check().map_err(|e| {
					format!(
						"{name} invariant: {e:?} (issuance {})",
						pallet_credits::TotalIssuance::<Runtime>::get()
					)
				})?;
			}
			// Transactions stay within their class's share of the block. Mandatory weight (the
			// hooks, inherents) has no limit in FRAME: a session change alone declares the whole
			// block (`pallet_session`), so that class is not checked.
			let weight = frame_system::Pallet::<Runtime>::block_weight();
			let limits = <Runtime as frame_system::Config>::BlockWeights::get();
			use frame_support::dispatch::DispatchClass;
			for class in [DispatchClass::Normal, DispatchClass::Operational] {
				let used = weight.get(class).ref_time();
				let max = limits.get(class).max_total.map_or(u64::MAX, |w| w.ref_time());
				if used > max {
					return Err(format!("{class:?} weight {used} ps above its limit {max} ps"));
				}
			}
			Ok(checks.len() as u32 + 1)
		})
	}
}

/// The transaction extensions a client signs, immortal, with no tip.
pub fn tx_extension(nonce: u32) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		pallet_inference::CheckAdmission::<Runtime>::new(),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}
