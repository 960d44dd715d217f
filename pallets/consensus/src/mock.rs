//! Mock runtime: the consensus pallet with 3-second slots, a 10% weight floor and 8 blocks of
//! randomness history; equivocators are recorded in [`PUNISHED`]. Sessions are driven by calling
//! the session-handler methods directly.

#![allow(clippy::arithmetic_side_effects)]

use crate::{self as pallet_consensus, digest, AuthorityId, PreDigest};
use codec::Encode;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64, Hooks, OneSessionHandler},
};
use sp_consensus_slots::Slot;
use sp_core::{crypto::VrfSecret, sr25519, Pair};
use sp_runtime::{
	generic::DigestItem,
	testing::{Header, TestXt},
	traits::Header as _,
	BuildStorage, Perbill,
};
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Consensus: pallet_consensus,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = Consensus;
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = TestXt<RuntimeCall, ()>;
}

impl<C> frame_system::offchain::CreateBare<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: Self::RuntimeCall) -> Self::Extrinsic {
		TestXt::new_bare(call)
	}
}

frame_support::parameter_types! {
	pub const MinShare: Perbill = Perbill::from_percent(10);
}

thread_local! {
	/// The equivocations handed to `OnEquivocation`.
	pub static PUNISHED: RefCell<Vec<(AccountId, Slot)>> = const { RefCell::new(Vec::new()) };
}

pub struct Punish;
impl crate::OnEquivocation<AccountId> for Punish {
	fn on_equivocation(offender: &AccountId, slot: Slot) {
		PUNISHED.with(|p| p.borrow_mut().push((*offender, slot)));
	}
}

pub const SLOT_MS: u64 = 3_000;
pub const HISTORY: u32 = 8;

impl pallet_consensus::Config for Test {
	type MaxAuthorities = ConstU32<8>;
	type SlotDuration = ConstU64<SLOT_MS>;
	type MinShare = MinShare;
	type RandomnessHistory = ConstU32<HISTORY>;
	type OnEquivocation = Punish;
}

/// The key pair of validator `who` (a fixed seed per account).
pub fn pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

pub fn key(who: AccountId) -> AuthorityId {
	pair(who).public().into()
}

/// Starts a chain with validators 1, 2 and 3 as the genesis authorities.
pub fn build() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		let keys: Vec<(AccountId, AuthorityId)> = (1..=3).map(|a| (a, key(a))).collect();
		Consensus::on_genesis_session(keys.iter().map(|(a, k)| (a, k.clone())));
	});
	ext
}

/// Starts a new session with `validators`.
pub fn new_session(validators: &[AccountId]) {
	fn entry((a, k): &(AccountId, AuthorityId)) -> (&AccountId, AuthorityId) {
		(a, k.clone())
	}
	let keys: Vec<(AccountId, AuthorityId)> = validators.iter().map(|a| (*a, key(*a))).collect();
	Consensus::on_new_session(true, keys.iter().map(entry), keys.iter().map(entry));
}

/// The pre-digest `author` would make for `slot` on the current chain state (index `u32::MAX`
/// if it is no authority).
pub fn pre_digest(author: AccountId, slot: u64) -> PreDigest {
	let randomness = crate::Randomness::<Test>::get();
	let index = crate::Authorities::<Test>::get()
		.iter()
		.position(|a| a.account == author)
		.map_or(u32::MAX, |i| i as u32);
	let vrf = pair(author).vrf_sign(&digest::vrf_input(&randomness, Slot::from(slot)));
	PreDigest { authority_index: index, slot: Slot::from(slot), vrf }
}

/// The leader of `slot` on the current chain state.
pub fn leader_of(slot: u64) -> AccountId {
	let index = Consensus::leader_draw().leader(Slot::from(slot)).expect("a leader");
	crate::Authorities::<Test>::get()[index as usize].account
}

/// The first slot after `after` that `who` leads on the current chain state.
pub fn slot_led_by(who: AccountId, after: u64) -> u64 {
	(after + 1..after + 10_000).find(|s| leader_of(*s) == who).expect("leads some slot")
}

/// Runs the next block as authored by `author` in `slot`: digest, `on_initialize`, timestamp.
pub fn author_block(author: AccountId, slot: u64) {
	let next = System::block_number() + 1;
	let pre = pre_digest(author, slot);
	System::reset_events();
	System::initialize(
		&next,
		&System::parent_hash(),
		&sp_runtime::Digest { logs: vec![pre.to_digest_item()] },
	);
	Consensus::on_initialize(next);
	Timestamp::set(RuntimeOrigin::none(), slot * SLOT_MS).expect("timestamp in the slot");
	Timestamp::on_finalize(next);
	System::finalize();
}

/// A sealed header of `author` for `slot` at `number`, its body differing by `salt`.
pub fn sealed_header(author: AccountId, slot: u64, number: u64, salt: u8) -> Header {
	let pre = pre_digest(author, slot);
	let mut header = Header::new(
		number,
		[salt; 32].into(),
		Default::default(),
		Default::default(),
		sp_runtime::Digest { logs: vec![pre.to_digest_item()] },
	);
	let signature: crate::AuthoritySignature = pair(author).sign(header.hash().as_ref()).into();
	header.digest_mut().push(DigestItem::Seal(crate::ENGINE_ID, signature.encode()));
	header
}

pub fn consensus_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Consensus(e) => Some(e),
			_ => None,
		})
		.collect()
}
