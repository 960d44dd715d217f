//! Genesis presets: `development` (one validator, Alice, 5-minute sessions) and `local_testnet`
//! (Alice, Bob, Charlie and Dave, 1-minute sessions). The node's `dev` and `local` chain specs
//! are built from these.

use crate::{
	opaque::SessionKeys, AccountId, Balance, BlockNumber, RuntimeGenesisConfig, CRED, MINUTES,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_consensus::AuthorityId as ConsensusId;
use serde_json::Value;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Credits given to each well-known development account.
pub const ENDOWMENT: Balance = 10_000 * CRED;
/// Reserve accounts endowed beside the twelve well-known ones, so that the 5% rule is the live
/// cap from block 0: 40 × 10,000 = 400,000 CRED of supply, 5% of it 20,000 CRED — twice a
/// well-known account's endowment. Their ids are hashes ([`reserve_account`]) with no known key:
/// their credits stay put (and expire with the genesis lots).
pub const RESERVE_ACCOUNTS: u32 = 28;
/// Absolute concentration cap while the supply is small: a floor below 5% of the genesis
/// supply, so that on the dev and local chains the 5% rule is what applies.
pub const BOOTSTRAP_CAP: Balance = 1_000 * CRED;

/// The `index`-th reserve account: `blake2_256("declai/dev-reserve" ‖ index)`, an id no key is
/// known for.
pub fn reserve_account(index: u32) -> AccountId {
	let mut data = b"declai/dev-reserve".to_vec();
	data.extend_from_slice(&index.to_le_bytes());
	AccountId::new(<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&data).0)
}

/// Circulation allowed before there is consumption to tie it to: 1,000,000 CRED (genesis
/// endowments count against it).
pub const BOOTSTRAP_CIRCULATION: Balance = 1_000_000 * CRED;
/// Least per-hour (epoch) mint ceiling.
pub const EPOCH_MINT_FLOOR: Balance = 10_000 * CRED;
/// The per-hour mint ceiling is at least this percentage of the mean minted per hour over the
/// previous days of the 30-day window.
pub const EPOCH_MINT_PERCENT: u16 = 300;

/// Genesis state from validators (account, block-authoring and GRANDPA keys), the session
/// length, a sudo key and endowed accounts. The validators' keys go to the session pallet, which
/// hands them to the consensus and GRANDPA; GRANDPA's genesis authority list stays empty.
pub fn testnet_genesis(
	authorities: Vec<(AccountId, ConsensusId, GrandpaId)>,
	session_length: BlockNumber,
	endowed: Vec<AccountId>,
	root: AccountId,
	auditors: Vec<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		credits: pallet_credits::GenesisConfig {
			balances: endowed
				.iter()
				.cloned()
				.chain((0..RESERVE_ACCOUNTS).map(reserve_account))
				.map(|who| (who, ENDOWMENT))
				.collect::<Vec<_>>(),
			bootstrap_cap: BOOTSTRAP_CAP,
		},
		economics: pallet_economics::GenesisConfig {
			limits: pallet_economics::SupplyLimits {
				// 15 days of consumption at the 30-day mean (pallet_economics::SupplyLimits).
				circulation_percent: 50,
				bootstrap_circulation: BOOTSTRAP_CIRCULATION,
				epoch_mint_floor: EPOCH_MINT_FLOOR,
				epoch_mint_percent: EPOCH_MINT_PERCENT,
			},
		},
		inference: pallet_inference::GenesisConfig { auditors },
		validators: pallet_validators::GenesisConfig {
			validators: authorities.iter().map(|(who, _, _)| who.clone()).collect::<Vec<_>>(),
			session_length: Some(session_length),
		},
		session: pallet_session::GenesisConfig {
			keys: authorities
				.iter()
				.map(|(who, consensus, grandpa)| {
					(
						who.clone(),
						who.clone(),
						SessionKeys { consensus: consensus.clone(), grandpa: grandpa.clone() },
					)
				})
				.collect::<Vec<_>>(),
		},
		sudo: pallet_sudo::GenesisConfig { key: Some(root) },
	})
}

/// The well-known development keys of `name`: its sr25519 account, sr25519 for block authoring,
/// ed25519 for GRANDPA.
fn authority(
	sr25519: Sr25519Keyring,
	grandpa: Ed25519Keyring,
) -> (AccountId, ConsensusId, GrandpaId) {
	(sr25519.to_account_id(), sr25519.public().into(), grandpa.public().into())
}

/// One validator (Alice); the well-known accounts endowed.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		crate::SESSION_PERIOD,
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		vec![Sr25519Keyring::Alice.to_account_id()],
	)
}

/// Four validators (Alice, Bob, Charlie, Dave) with 1-minute sessions, so that weights and set
/// changes show quickly on a test network; the well-known accounts endowed.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		MINUTES,
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
			.iter()
			.map(|k| k.to_account_id())
			.collect(),
	)
}

/// The preset with the given name, as JSON bytes.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The genesis storage of preset `id`, its patch applied to the default configuration the way
/// the genesis builder applies it (for native tools and tests: the runtime tests, the fuzzer).
#[cfg(feature = "std")]
pub fn storage(id: &PresetId) -> Result<sp_core::storage::Storage, alloc::string::String> {
	use sp_runtime::BuildStorage;
	fn merge(a: &mut Value, b: Value) {
		match (a, b) {
			(Value::Object(a), Value::Object(b)) => {
				for (k, v) in b {
					merge(a.entry(k).or_insert(Value::Null), v);
				}
			}
			(a, b) => *a = b,
		}
	}
	let patch = get_preset(id).ok_or_else(|| format!("no preset {id:?}"))?;
	let patch: Value = serde_json::from_slice(&patch).map_err(|e| e.to_string())?;
	let mut config =
		serde_json::to_value(RuntimeGenesisConfig::default()).map_err(|e| e.to_string())?;
	merge(&mut config, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(config).map_err(|e| e.to_string())?;
	config.build_storage()
}

/// Names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
