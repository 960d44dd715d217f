//! Runtime-level tests: configuration sanity and the fee-based spam bound, executed natively
//! against the real runtime types (no wasm needed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use codec::Encode;
use frame_support::{dispatch::GetDispatchInfo, traits::Hooks};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::DispatchTransaction,
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	BuildStorage,
};

fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap();
	pallet_credits::GenesisConfig::<Runtime> {
		balances: vec![(Sr25519Keyring::Alice.to_account_id(), 10 * CRED)],
		bootstrap_cap: 1_000 * CRED,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Credits::on_initialize(1);
	});
	ext
}

#[test]
fn integrity_tests_pass() {
	new_test_ext().execute_with(|| {
		<AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test();
	});
}

#[test]
fn presets_build_a_valid_genesis() {
	for name in genesis_config_presets::preset_names() {
		let storage = genesis_config_presets::storage(&name).unwrap();
		sp_io::TestExternalities::new(storage).execute_with(|| {
			assert_eq!(
				Credits::spendable(&Sr25519Keyring::Bob.to_account_id()),
				genesis_config_presets::ENDOWMENT
			);
			// The 5% rule is the live cap: 5% of 40 endowments, above the bootstrap floor.
			let supply = 40 * genesis_config_presets::ENDOWMENT;
			assert_eq!(pallet_credits::TotalIssuance::<Runtime>::get(), supply);
			assert_eq!(Credits::cap(), supply / 20);
			assert!(genesis_config_presets::BOOTSTRAP_CAP < supply / 20);
			assert_eq!(
				Credits::spendable(&genesis_config_presets::reserve_account(27)),
				genesis_config_presets::ENDOWMENT
			);
			Credits::do_try_state().unwrap();
			Economics::do_try_state().unwrap();
			let summary = Economics::summary();
			assert_eq!(
				summary.limits.bootstrap_circulation,
				genesis_config_presets::BOOTSTRAP_CIRCULATION
			);
			assert_eq!(summary.eta.len(), declai_primitives::HardwareClass::ALL.len());
			// The circulation cap (in days of consumption) holds the controller's shrink
			// threshold, as the governance setters require of any later change.
			assert!(Economics::cap_holds_shrink(
				&summary.limits,
				&pallet_economics::Controller::<Runtime>::get()
			));
		});
	}
}

fn charge(who: &AccountId, call: &RuntimeCall) -> Result<(), TransactionValidityError> {
	let ext = pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0);
	let info = call.get_dispatch_info();
	ext.validate_only(Some(who.clone()).into(), call, &info, 100, TransactionSource::External, 0)
		.map(|_| ())
}

#[test]
fn accounts_without_credits_cannot_transact() {
	new_test_ext().execute_with(|| {
		let call = RuntimeCall::Credits(pallet_credits::Call::transfer {
			dest: Sr25519Keyring::Alice.to_account_id().into(),
			amount: CRED,
		});
		assert_eq!(
			charge(&Sr25519Keyring::Dave.to_account_id(), &call),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Payment))
		);
		assert!(charge(&Sr25519Keyring::Alice.to_account_id(), &call).is_ok());
	});
}

#[test]
fn the_fee_bounds_how_many_transactions_an_account_can_send() {
	new_test_ext().execute_with(|| {
		let call = RuntimeCall::Credits(pallet_credits::Call::transfer {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			amount: 1,
		});
		let info = call.get_dispatch_info();
		let fee = TransactionPayment::compute_fee(100, &info, 0);
		// A transfer costs a small, non-zero part of a credit.
		assert!(fee > CRED / 100_000 && fee < CRED / 100, "fee {fee}");
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bound = Credits::spendable(&alice) / fee;
		let ext = pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0);
		let mut sent = 0u128;
		while ext
			.clone()
			.test_run(Some(alice.clone()).into(), &call, &info, 100, 0, |_| {
				Ok(frame_support::dispatch::PostDispatchInfo::default())
			})
			.map(|r| r.is_ok())
			.unwrap_or(false)
		{
			sent += 1;
			assert!(sent <= bound, "sent more than the fee bound allows");
		}
		assert_eq!(sent, bound);
	});
}

/// The economics pallet is wired to the credits ledger: a settlement mints credits by the
/// formula with the runtime's hourly epochs, and α/β change only at the hour.
#[test]
fn work_settles_into_credits_and_epochs_are_hourly() {
	use declai_primitives::{HardwareClass, GPU_HOUR};
	use pallet_economics::Settlement;
	new_test_ext().execute_with(|| {
		let worker = Sr25519Keyring::Ferdie.to_account_id();
		let (_, receipt) = <Economics as Settlement<AccountId, RuntimeHoldReason>>::settle_work(
			&worker,
			Hash::repeat_byte(1),
			HardwareClass::H100,
			true,
			GPU_HOUR,
			sp_runtime::FixedU128::from_u32(1),
			Balance::MAX,
		)
		.unwrap();
		// One reference hour on an H100: 1/2.093 h × η 2 (never more than the reference hour).
		let paid = GPU_HOUR * 1000 / 2093 * 2;
		assert_eq!(receipt.minted, paid);
		assert_eq!(Credits::spendable(&worker), paid);
		<Economics as Settlement<AccountId, RuntimeHoldReason>>::note_demand(20 * GPU_HOUR);
		<Economics as Settlement<AccountId, RuntimeHoldReason>>::note_capacity(10 * GPU_HOUR);
		Economics::on_initialize(HOURS - 1);
		assert_eq!(pallet_economics::Alpha::<Runtime>::get(), sp_runtime::FixedU128::from_u32(1));
		System::set_block_number(HOURS);
		Economics::on_initialize(HOURS);
		assert_eq!(
			pallet_economics::Alpha::<Runtime>::get(),
			declai_primitives::economics::ALPHA_MAX
		);
		Economics::do_try_state().unwrap();
	});
}

/// The admission extension is part of the runtime's transaction extensions: a free-rider's
/// request for a premium model is invalid before it reaches a block, a normal request is valid.
#[test]
fn admission_control_is_in_the_transaction_pipeline() {
	use declai_primitives::{
		poi::{ModelKind, VerificationTier},
		GPU_HOUR,
	};
	use sp_runtime::traits::TransactionExtension;
	new_test_ext().execute_with(|| {
		let spec = |premium| pallet_inference::ModelSpec {
			name: b"embed".to_vec(),
			kind: ModelKind::Embedding,
			weights_root: Hash::repeat_byte(1),
			cost: GPU_HOUR / 100,
			max_input: 64,
			max_output: 16,
			tier: VerificationTier::FloatTolerance { max_error_ppm: 1_000 },
			layers: vec![],
			premium,
			verifying_key: vec![],
		};
		Inference::register_model(RuntimeOrigin::root(), spec(false)).unwrap();
		Inference::register_model(RuntimeOrigin::root(), spec(true)).unwrap();
		let alice = Sr25519Keyring::Alice.to_account_id();
		let request = |model| {
			RuntimeCall::Inference(pallet_inference::Call::request {
				model,
				input: b"hi".to_vec(),
				max_price: CRED,
				region: None,
			})
		};
		let validate = |call: &RuntimeCall| {
			let ext: TxExtension = (
				frame_system::CheckNonZeroSender::<Runtime>::new(),
				frame_system::CheckSpecVersion::<Runtime>::new(),
				frame_system::CheckTxVersion::<Runtime>::new(),
				frame_system::CheckGenesis::<Runtime>::new(),
				frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
				frame_system::CheckNonce::<Runtime>::from(0),
				frame_system::CheckWeight::<Runtime>::new(),
				pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
				pallet_inference::CheckAdmission::<Runtime>::new(),
				frame_system::WeightReclaim::<Runtime>::new(),
			);
			let info = call.get_dispatch_info();
			ext.validate_only(
				Some(alice.clone()).into(),
				call,
				&info,
				100,
				TransactionSource::External,
				0,
			)
		};
		assert!(validate(&request(0)).is_ok());
		assert!(matches!(
			validate(&request(1)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(_)))
		));
		// The weight of every inference call includes the extension's reads.
		assert!(
			pallet_inference::CheckAdmission::<Runtime>::new().weight(&request(0)).ref_time() > 0
		);
	});
}

/// The local preset's storage with a keystore (for session keys).
fn local_genesis_ext() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new(
		genesis_config_presets::storage(&sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET.into())
			.unwrap(),
	);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

/// Runs blocks up to `n` with the session pallet's hook (sessions rotate every `SessionLength`).
fn run_sessions_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
	}
}

fn consensus_authorities() -> Vec<pallet_consensus::AuthorityId> {
	Consensus::leader_draw().authorities.into_iter().map(|(k, _)| k).collect()
}

/// Governance adds a validator that registered session keys; the consensus and GRANDPA take it
/// over from the second session boundary, and removing it works the same way.
#[test]
fn validator_set_changes_reach_the_consensus_and_grandpa_at_session_boundaries() {
	local_genesis_ext().execute_with(|| {
		System::set_block_number(1);
		let genesis: Vec<AccountId> = [
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		]
		.iter()
		.map(|k| k.to_account_id())
		.collect();
		let session = pallet_validators::SessionLength::<Runtime>::get();
		assert_eq!(session, MINUTES, "the local chain rotates every minute");
		assert_eq!(pallet_session::Validators::<Runtime>::get(), genesis);
		assert_eq!(Validators::validators(), genesis);
		assert_eq!(consensus_authorities().len(), 4);
		assert_eq!(Grandpa::grandpa_authorities().len(), 4);

		// Eve generates keys (with a proof of possession) and registers them.
		let eve = Sr25519Keyring::Eve.to_account_id();
		assert_eq!(
			Validators::add_validator(RuntimeOrigin::root(), eve.clone()),
			Err(pallet_validators::Error::<Runtime>::NoSessionKeys.into())
		);
		let generated = opaque::SessionKeys::generate(&eve.encode(), None);
		let keys_held = || {
			use frame_support::traits::fungible::InspectHold;
			Credits::balance_on_hold(&pallet_session::HoldReason::Keys.into(), &eve)
		};
		assert_eq!(keys_held(), 0);
		Session::set_keys(
			RuntimeOrigin::signed(eve.clone()),
			generated.keys.clone(),
			generated.proof.encode(),
		)
		.unwrap();
		// Registering keys holds a deposit (issue 14, attack 14: on spec 108 any account stored
		// keys for the fee alone).
		assert_eq!(keys_held(), SESSION_KEY_DEPOSIT);
		Validators::add_validator(RuntimeOrigin::root(), eve.clone()).unwrap();

		run_sessions_to(session);
		assert_eq!(consensus_authorities().len(), 4, "queued, not active yet");
		run_sessions_to(2 * session);
		assert_eq!(pallet_session::Validators::<Runtime>::get().len(), 5);
		assert!(consensus_authorities().contains(&generated.keys.consensus));
		// GRANDPA's change is scheduled by the session change and enacted by its own hook.
		assert!(pallet_grandpa::PendingChange::<Runtime>::get()
			.is_some_and(|c| c.next_authorities.iter().any(|(k, _)| *k == generated.keys.grandpa)));

		Validators::remove_validator(RuntimeOrigin::root(), eve.clone()).unwrap();
		run_sessions_to(4 * session);
		assert!(!consensus_authorities().contains(&generated.keys.consensus));
		// Purging the keys gives the deposit back.
		Session::purge_keys(RuntimeOrigin::signed(eve.clone())).unwrap();
		assert_eq!(keys_held(), 0);
		Validators::do_try_state().unwrap();
	});
}

/// The worst case of the hooks that do protocol work each block (expired inference deadlines,
/// queued assignments, due benchmark challenges) fits a quarter of the block, so extrinsics, the
/// Operational protocol steps among them, always have room (issue 14, attack 5: on spec 108 the
/// inference hook alone declared about 688 ms in a 333 ms block).
#[test]
fn worst_case_hooks_fit_a_quarter_of_the_block() {
	use frame_support::traits::Get;
	use pallet_inference::WeightInfo as _;
	use pallet_workers::WeightInfo as _;
	let inference = <Runtime as pallet_inference::Config>::InferenceWeightInfo::on_initialize(
		<Runtime as pallet_inference::Config>::DeadlinesPerBlock::get(),
		<Runtime as pallet_inference::Config>::AssignPerBlock::get(),
	);
	let workers = <Runtime as pallet_workers::Config>::WeightInfo::benchmark_schedule(
		<Runtime as pallet_workers::Config>::MaxBenchmarksPerBlock::get(),
	);
	let hooks = inference.saturating_add(workers);
	let quarter = MAXIMUM_BLOCK_WEIGHT.ref_time() / 4;
	println!(
		"worst-case hooks: {} µs of a {} µs block ({:.1}%)",
		hooks.ref_time() / 1_000_000,
		MAXIMUM_BLOCK_WEIGHT.ref_time() / 1_000_000,
		hooks.ref_time() as f64 * 100.0 / MAXIMUM_BLOCK_WEIGHT.ref_time() as f64
	);
	assert!(hooks.ref_time() <= quarter, "hooks {hooks:?} above a quarter of the block");
}

/// The runtime's migrations on a chain at inference storage version 0 (spec ≤ 110): escrow held
/// under the credits pallet's reason moves to the inference pallet's, lots unchanged, nothing
/// minted or burned; the version becomes 1 (then 2) and a second run does nothing.
#[test]
fn migrations_move_escrow_to_the_inference_hold_reason_once() {
	use frame_support::traits::{
		fungible::InspectHold, GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	new_test_ext().execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let old = RuntimeHoldReason::Credits(pallet_credits::HoldReason::Escrow);
		let new = RuntimeHoldReason::Inference(pallet_inference::HoldReason::Escrow);
		Credits::hold(&old, &alice, 2 * CRED).unwrap();
		let issuance = pallet_credits::TotalIssuance::<Runtime>::get();
		StorageVersion::new(0).put::<Inference>();

		Migrations::on_runtime_upgrade();
		assert_eq!(Credits::balance_on_hold(&old, &alice), 0);
		assert_eq!(Credits::balance_on_hold(&new, &alice), 2 * CRED);
		assert_eq!(Credits::spendable(&alice), 8 * CRED);
		assert_eq!(pallet_credits::TotalIssuance::<Runtime>::get(), issuance);
		// Then version 2 (the zero-knowledge tier's proof system) in the same upgrade.
		assert_eq!(Inference::on_chain_storage_version(), StorageVersion::new(2));

		Credits::hold(&old, &alice, CRED).unwrap();
		Migrations::on_runtime_upgrade();
		assert_eq!(Credits::balance_on_hold(&old, &alice), CRED, "ran once only");
		Credits::do_try_state().unwrap();
	});
}

/// The runtime's migrations on a chain at economics storage version 1 (spec 112): each worker's
/// lifetime bootstrap match becomes the current period's; the version becomes 2.
#[test]
fn migrations_keep_bootstrap_matches_in_the_current_period() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		StorageVersion::new(1).put::<Economics>();
		frame_support::storage::unhashed::put_raw(
			&pallet_economics::BootstrapMatched::<Runtime>::hashed_key_for(&bob),
			&(3 * CRED).encode(),
		);
		Migrations::on_runtime_upgrade();
		// Version 2, then 3 (the history's day count) in the same upgrade.
		assert_eq!(Economics::on_chain_storage_version(), StorageVersion::new(3));
		let period = Economics::bootstrap_period();
		assert_eq!(pallet_economics::BootstrapMatched::<Runtime>::get(&bob), (period, 3 * CRED));
		Economics::do_try_state().unwrap();
	});
}

/// The runtime's migrations on a chain at credits storage version 0 (spec ≤ 115): the per-day
/// expiry totals, stored as one lot per day, become the dense window of the same totals; the
/// version becomes 1.
#[test]
fn migrations_keep_the_per_day_expiry_totals() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		let expected = pallet_credits::ExpiringOn::<Runtime>::get();
		let old: Vec<pallet_credits::Lot> = expected
			.days()
			.map(|(expires_on, amount)| pallet_credits::Lot { expires_on, amount })
			.collect();
		assert!(!old.is_empty(), "genesis balances expire on some day");
		frame_support::storage::unhashed::put_raw(
			&pallet_credits::ExpiringOn::<Runtime>::hashed_key(),
			&old.encode(),
		);
		StorageVersion::new(0).put::<Credits>();
		Migrations::on_runtime_upgrade();
		assert_eq!(Credits::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(pallet_credits::ExpiringOn::<Runtime>::get(), expected);
		Credits::do_try_state().unwrap();
	});
}

/// One report of verified work reaches every listener the runtime wires: the workers pallet
/// (trust, reputation, contribution) for served work, and the consensus (validator weight) for
/// served and audited work of an authority on a job it did not ask for.
#[test]
fn verified_work_reaches_the_workers_pallet_and_the_consensus() {
	use declai_primitives::poi::{OnWorkVerified, VerifiedWork, WorkRole};
	new_test_ext().execute_with(|| {
		let worker = Sr25519Keyring::Bob.to_account_id();
		let consumer = Sr25519Keyring::Charlie.to_account_id();
		pallet_workers::Workers::<Runtime>::insert(
			&worker,
			pallet_workers::Worker {
				key: pallet_workers::AttestationKey::Sr25519(Sr25519Keyring::Bob.public()),
				class: declai_primitives::HardwareClass::A100,
				region: 0,
				models: Default::default(),
				bond: 0,
				reputation: 500_000,
				consecutive_valid: 0,
				valid: 0,
				invalid: 0,
				missed: 0,
				active_jobs: 0,
				status: pallet_workers::WorkerStatus::Active,
				registered_at: 1,
			},
		);
		pallet_consensus::Authorities::<Runtime>::put(sp_runtime::BoundedVec::truncate_from(vec![
			pallet_consensus::Authority {
				account: worker.clone(),
				key: Sr25519Keyring::Bob.public().into(),
				weight: 1,
			},
		]));
		let report = |role| {
			<Runtime as pallet_inference::Config>::OnWorkVerified::on_work_verified(&VerifiedWork {
				who: &worker,
				consumer: &consumer,
				role,
				units: 100,
				minted: 0,
			})
		};
		report(WorkRole::Served);
		let record = Workers::worker(&worker).unwrap();
		assert_eq!((record.valid, record.consecutive_valid), (1, 1));
		assert!(Workers::contribution(&worker) > 0);
		assert_eq!(pallet_consensus::EpochWork::<Runtime>::get(&worker), 100);
		report(WorkRole::Audited);
		assert_eq!(Workers::worker(&worker).unwrap().valid, 1, "audits are not served work");
		assert_eq!(pallet_consensus::EpochWork::<Runtime>::get(&worker), 200);
	});
}
