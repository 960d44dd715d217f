//! Chain specifications: `dev` (one validator) and `local` (three validators) built from the
//! runtime's genesis presets, or any JSON spec file (see `chain-spec/README.md`).

use sc_service::ChainType;

/// Runtime preset names (`sp_genesis_builder::DEV_RUNTIME_PRESET` and `LOCAL_TESTNET_RUNTIME_PRESET`).
const DEV_PRESET: &str = "development";
const LOCAL_PRESET: &str = "local_testnet";

/// Chain spec of the DeCLAI runtime (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Properties shown by wallets and explorers: CRED with 12 decimals, generic SS58 prefix.
pub fn properties() -> sc_chain_spec::Properties {
	let mut p = sc_chain_spec::Properties::new();
	p.insert("tokenSymbol".into(), "CRED".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	declai_runtime::WASM_BINARY
		.ok_or_else(|| "the runtime wasm was not built (SKIP_WASM_BUILD set?)".to_string())
}

fn spec(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// Development chain: Alice validates alone; well-known accounts endowed.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	spec("DeCLAI Development", "declai_dev", ChainType::Development, DEV_PRESET)
}

/// Local testnet: Alice, Bob and Charlie validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	spec("DeCLAI Local Testnet", "declai_local", ChainType::Local, LOCAL_PRESET)
}
