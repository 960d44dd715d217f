//! The zero-knowledge tier end to end: a Groth16 circuit of a small integer layer is set up and
//! proven natively with arkworks (as the worker will), the key registered with the model, the
//! proof verified by the runtime through the BLS12-381 host functions.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	mock::*,
	zk_layer::{self, Layer},
	Error, Event, FaultReason, Jobs, ModelSpec, Outcome, Phase, ReplicaState,
};
use ark_bls12_381::Bls12_381;
use ark_groth16::ProvingKey;
use codec::Encode;
use declai_primitives::poi::{self, JobId, ModelKind, ProofSystem, VerificationTier};
use frame_support::{assert_noop, assert_ok};
use pallet_workers::Fault;
use sp_core::H256;

const W: [[i64; 4]; 2] = [[3, -1, 2, 5], [-4, 7, 0, 1]];
const B: [i64; 2] = [10, -3];
/// The input of every zero-knowledge test job (shared with `zk_hidden_tests`).
pub(crate) const INPUT: [u8; 4] = [1, 2, 3, 4];

/// The small test layer proving `output` for `input`, bound to `job` and `worker`.
fn small(job: JobId, worker: AccountId, input: &[u8], output: Vec<i32>) -> Layer {
	Layer {
		w: W.iter().map(|r| r.to_vec()).collect(),
		b: B.to_vec(),
		binding: poi::zk_binding(job, &worker.encode()),
		input: input.to_vec(),
		output,
	}
}

fn honest_output(input: &[u8]) -> Vec<i32> {
	Layer::forward(&W.map(|r| r.to_vec()), &B, input)
}

pub(crate) fn setup() -> (ProvingKey<Bls12_381>, Vec<u8>) {
	zk_layer::setup(small(0, 0, &INPUT, honest_output(&INPUT)), 7)
}

/// A proof that `output` is the layer of `input`, for `job` and `worker`.
fn prove(
	pk: &ProvingKey<Bls12_381>,
	job: JobId,
	worker: AccountId,
	input: &[u8],
	output: Vec<i32>,
) -> Vec<u8> {
	zk_layer::prove(pk, small(job, worker, input, output), 7)
}

/// The public inputs of a `Groth16Open` proof.
fn open_inputs(binding: &[u8; 31], input: &[u8], output: &[u8]) -> Vec<crate::zk::Scalar> {
	crate::zk::public_inputs(&ProofSystem::Groth16Open, binding, input, output).unwrap()
}

fn zk_spec(key: Vec<u8>) -> ModelSpec {
	ModelSpec {
		name: b"zk-layer".to_vec(),
		kind: ModelKind::Classifier,
		weights_root: H256([9; 32]),
		cost: COST,
		max_input: 4,
		max_output: 8,
		tier: VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open },
		layers: vec![],
		premium: false,
		verifying_key: key,
	}
}

/// Registers the ZK model and makes every worker serve it; returns its id.
fn register(key: Vec<u8>) -> u32 {
	let id = crate::NextModelId::<Test>::get();
	assert_ok!(Inference::register_model(RuntimeOrigin::root(), zk_spec(key)));
	for w in WORKERS {
		assert_ok!(Workers::update(
			RuntimeOrigin::signed(w),
			276,
			vec![DIGITS, EMBED, PREMIUM, id]
		));
	}
	id
}

fn work(output: &[i32], salt: u8) -> Work {
	Work { output: poi::encode_i32s(output), salt: [salt; 32], trace: None }
}

/// Requests a job of `model` on [`INPUT`]; its one worker (a proof needs no replica) commits and
/// reveals `output`. Returns the job and the worker, whose result awaits its proof.
pub(crate) fn revealed(model: u32, output: &[i32], salt: u8) -> (JobId, AccountId) {
	let job = crate::NextJobId::<Test>::get();
	assert_ok!(Inference::request(
		RuntimeOrigin::signed(CONSUMER),
		model,
		INPUT.to_vec(),
		COST,
		None
	));
	next_block();
	let ws = assigned(job);
	assert_eq!(ws.len(), 1, "a proof verifies completely: no replica");
	let w = work(output, salt);
	assert_ok!(commit(job, ws[0], &w));
	next_block();
	assert_ok!(reveal(job, ws[0], &w));
	assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Challenged);
	(job, ws[0])
}

#[test]
fn a_proven_result_is_served_without_replication() {
	ExtBuilder::default().build_and_execute(|| {
		let (pk, key) = setup();
		let model = register(key);
		assert!(crate::VerifyingKeys::<Test>::contains_key(model));
		let out = honest_output(&INPUT);
		let (job, worker) = revealed(model, &out, 1);
		let ws = [worker];
		assert_noop!(
			Inference::respond(RuntimeOrigin::signed(ws[0]), job, Default::default()),
			Error::<Test>::NotIntegerModel
		);
		assert_ok!(Inference::prove(
			RuntimeOrigin::signed(ws[0]),
			job,
			prove(&pk, job, ws[0], &INPUT, out)
		));
		assert!(inference_events().contains(&Event::ProofVerified { job, worker: ws[0] }));
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
		assert_eq!(Workers::worker(&ws[0]).unwrap().consecutive_valid, 1);
	});
}

#[test]
fn a_wrong_output_cannot_be_proven_and_is_slashed() {
	ExtBuilder::default().build_and_execute(|| {
		let (pk, key) = setup();
		let model = register(key);
		let honest = honest_output(&INPUT);
		let (job, worker) = revealed(model, &[honest[0] + 1, honest[1]], 1);
		let ws = [worker];
		// The honest output's proof does not prove the revealed one.
		let proof = prove(&pk, job, ws[0], &INPUT, honest);
		assert_ok!(Inference::prove(RuntimeOrigin::signed(ws[0]), job, proof));
		assert_eq!(
			Jobs::<Test>::get(job).unwrap().replicas.iter().find(|r| r.worker == ws[0]).map(|r| r.state),
			None,
			"re-assigned to another worker"
		);
		assert!(inference_events().iter().any(|e| matches!(
			e,
			Event::ReplicaFaulted { reason: FaultReason::ProofInvalid, slashed, .. } if *slashed == declai_primitives::CRED
		)));
		assert_eq!(Workers::worker(&ws[0]).unwrap().invalid, 1);
		// Garbage is no proof either: refused by name, and a replica that sends nothing better
		// before its deadline is faulted for the missing proof.
		let j = Jobs::<Test>::get(job).unwrap();
		let second = j.replicas[0].worker;
		let good = work(&honest_output(&INPUT), 2);
		assert_ok!(commit(job, second, &good));
		next_block();
		assert_ok!(reveal(job, second, &good));
		assert_noop!(
			Inference::prove(RuntimeOrigin::signed(second), job, vec![1, 2, 3]),
			Error::<Test>::MalformedProof
		);
		for _ in 0..40 {
			next_block();
		}
		assert_eq!(
			Jobs::<Test>::get(job).unwrap().replicas[0].state,
			ReplicaState::Faulted(Fault::Invalid)
		);
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Done(Outcome::Refunded));
	});
}

#[test]
fn zero_knowledge_models_need_a_matching_valid_key() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, key) = setup();
		let reg = |spec| Inference::register_model(RuntimeOrigin::root(), spec);
		assert_noop!(reg(zk_spec(vec![])), Error::<Test>::BadVerifyingKey);
		assert_noop!(reg(zk_spec(vec![7; 100])), Error::<Test>::BadVerifyingKey);
		// A key for 7 public inputs (binding, 4 bytes, 2 outputs), declared for 6.
		assert_noop!(
			reg(ModelSpec { max_input: 3, ..zk_spec(key.clone()) }),
			Error::<Test>::BadVerifyingKey
		);
		assert_noop!(
			reg(ModelSpec { max_output: 6, ..zk_spec(key.clone()) }),
			Error::<Test>::BadBounds
		);
		assert_noop!(
			reg(ModelSpec { verifying_key: key.clone(), ..float_spec(false) }),
			Error::<Test>::BadVerifyingKey
		);
		// `prove` only for zero-knowledge models.
		let job = crate::NextJobId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(CONSUMER),
			DIGITS,
			DIGITS_INPUT.to_vec(),
			COST,
			None
		));
		next_block();
		let ws = assigned(job);
		assert_noop!(
			Inference::prove(RuntimeOrigin::signed(ws[0]), job, vec![]),
			Error::<Test>::WrongPhase
		);
		assert_ok!(reg(zk_spec(key)));
	});
}

/// The SCALE encodings of the `prove` benchmark's worker, `account("worker", 0, 0)`, as the mock
/// (`u64`) and the runtime (`AccountId32`) decode it from the same 32 bytes of entropy.
fn benchmark_worker_encodings() -> Vec<Vec<u8>> {
	let entropy = sp_io::hashing::blake2_256(&("worker", 0u32, 0u32).encode());
	vec![entropy[..8].to_vec(), entropy.to_vec()]
}

/// The benchmark fixture: the layer of 10 outputs over 117 input bytes (128 public inputs with
/// the binding, the runtime's `MaxZkPublicInputs`), its verifying key, and proofs for the
/// benchmark's job ([`zk_layer::FIXTURE_JOB`]) by its worker under each account encoding,
/// SCALE-encoded as `(key, input, output, [(worker, proof)])`. Regenerate with
/// `DECLAI_WRITE_ZK_FIXTURE=1`.
#[test]
fn the_benchmark_fixture_is_current_and_verifies() {
	use codec::Decode;
	let (w, b, input) = Layer::fixture_weights();
	let output = Layer::forward(&w, &b, &input);
	let (pk, key) =
		zk_layer::setup(Layer::fixture(0, &[], &input, output.clone()), zk_layer::FIXTURE_SEED);
	let proofs: Vec<(Vec<u8>, Vec<u8>)> = benchmark_worker_encodings()
		.into_iter()
		.map(|worker| {
			let circuit = Layer::fixture(zk_layer::FIXTURE_JOB, &worker, &input, output.clone());
			let proof = zk_layer::prove(&pk, circuit, zk_layer::FIXTURE_SEED);
			(worker, proof)
		})
		.collect();
	let fixture = (key, input, output, proofs).encode();
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/zk_bench_fixture.bin");
	if std::env::var_os("DECLAI_WRITE_ZK_FIXTURE").is_some() {
		std::fs::write(path, &fixture).unwrap();
	}
	let committed = std::fs::read(path).expect("fixture committed");
	assert_eq!(committed, fixture, "regenerate with DECLAI_WRITE_ZK_FIXTURE=1");
	let (key, input, output, proofs) =
		<(Vec<u8>, Vec<u8>, Vec<i32>, Vec<(Vec<u8>, Vec<u8>)>)>::decode(&mut &committed[..])
			.unwrap();
	assert_eq!(crate::zk::check_key(&key), Ok(128));
	let out = poi::encode_i32s(&output);
	for (worker, proof) in &proofs {
		let binding = poi::zk_binding(zk_layer::FIXTURE_JOB, worker);
		let public = open_inputs(&binding, &input, &out);
		assert_eq!(crate::zk::verify(&key, proof, &public), Ok(true));
		let mut wrong = public.clone();
		wrong[127] += crate::zk::Scalar::from(1u64);
		assert_eq!(crate::zk::verify(&key, proof, &wrong), Ok(false));
	}
}

/// Attack 7: a proof was bound to `(input, output)` only, so the proof one job's worker put on
/// chain paid any later job with the same input, whoever served it. The binding input (job and
/// worker) is constrained in the circuit: the proof is valid for its own job and worker only.
#[test]
fn a_zk_proof_verifies_only_for_its_own_job_and_worker() {
	let (pk, key) = setup();
	let output = honest_output(&INPUT);
	let out = poi::encode_i32s(&output);
	let proof = prove(&pk, 3, W1, &INPUT, output);
	let verify = |job: JobId, worker: AccountId| {
		let binding = poi::zk_binding(job, &worker.encode());
		crate::zk::verify(&key, &proof, &open_inputs(&binding, &INPUT, &out))
	};
	assert_eq!(verify(3, W1), Ok(true));
	assert_eq!(verify(4, W1), Ok(false), "another job, same worker");
	assert_eq!(verify(3, W2), Ok(false), "same job, another worker");
	// Without the binding input the key expects one more input than it gets.
	assert_eq!(
		crate::zk::verify(&key, &proof, &open_inputs(&[0; 31], &INPUT, &out)[1..]),
		Err(crate::zk::ZkError::InputCount)
	);
}

/// Attack 7 through the pallet: the proof on chain for one job, replayed by whoever serves a later
/// job with the same input, faults that replica; nothing is paid for it.
#[test]
fn a_replayed_zk_proof_pays_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let (pk, key) = setup();
		let model = register(key);
		let out = honest_output(&INPUT);
		let (first, honest) = revealed(model, &out, 1);
		let proof = prove(&pk, first, honest, &INPUT, out.clone());
		assert_ok!(Inference::prove(RuntimeOrigin::signed(honest), first, proof.clone()));
		assert_eq!(Jobs::<Test>::get(first).unwrap().phase, Phase::Done(Outcome::Served));
		let (second, replayer) = revealed(model, &out, 2);
		let invalid_before = Workers::worker(&replayer).unwrap().invalid;
		assert_ok!(Inference::prove(RuntimeOrigin::signed(replayer), second, proof));
		let events = inference_events();
		assert!(!events.contains(&Event::ProofVerified { job: second, worker: replayer }));
		assert!(events.iter().any(|e| matches!(
			e,
			Event::ReplicaFaulted { job, worker, reason: FaultReason::ProofInvalid, .. }
				if *job == second && *worker == replayer
		)));
		assert!(!events.iter().any(|e| matches!(
			e,
			Event::JobServed { job, workers, .. } if *job == second && workers.contains(&replayer)
		)));
		assert_eq!(Workers::worker(&replayer).unwrap().invalid, invalid_before + 1);
		assert_ne!(Jobs::<Test>::get(second).unwrap().phase, Phase::Done(Outcome::Served));
	});
}

/// The storage migration to version 1 retires a zero-knowledge model whose key was made before
/// proofs carried the job binding (a key with one public input fewer than the model now needs:
/// here today's key on a model with one more input byte) and refunds its live jobs, keeps a model
/// whose key fits, runs once, and governance cannot re-activate the retired model.
#[test]
fn migration_v1_retires_zk_models_whose_key_predates_the_binding() {
	use crate::migrations::v1::RetireUnboundZkModels;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		let (_, key) = setup();
		let fits = register(key.clone());
		// A pre-binding key for a 5-byte model expects 5 + 2 inputs: what today's key expects.
		let stale = crate::NextModelId::<Test>::get();
		let mut model = crate::Models::<Test>::get(fits).unwrap();
		model.max_input = 5;
		crate::Models::<Test>::insert(stale, model);
		crate::VerifyingKeys::<Test>::insert(
			stale,
			crate::VerifyingKeys::<Test>::get(fits).unwrap(),
		);
		crate::NextModelId::<Test>::put(stale + 1);
		// A job on it, queued before the upgrade.
		let job = crate::NextJobId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(CONSUMER),
			stale,
			vec![1; 5],
			u128::MAX,
			None
		));
		assert!(escrow_held(CONSUMER) > 0);
		StorageVersion::new(0).put::<Inference>();

		RetireUnboundZkModels::<Test>::on_runtime_upgrade();
		// Refunded, nobody faulted.
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Done(Outcome::Refunded));
		assert!(inference_events()
			.contains(&Event::JobRefunded { job, reason: crate::RefundReason::ModelRetired }));
		assert_eq!(escrow_held(CONSUMER), 0);
		assert!(!crate::Models::<Test>::get(stale).unwrap().active);
		assert!(crate::Models::<Test>::get(fits).unwrap().active);
		assert!(crate::Models::<Test>::get(DIGITS).unwrap().active);
		assert_eq!(Inference::on_chain_storage_version(), StorageVersion::new(1));
		assert!(inference_events().contains(&Event::ModelActivity { model: stale, active: false }));
		assert_noop!(
			Inference::set_model_active(RuntimeOrigin::root(), stale, true),
			Error::<Test>::BadVerifyingKey
		);
		assert_noop!(
			Inference::request(RuntimeOrigin::signed(CONSUMER), stale, vec![1; 5], u128::MAX, None),
			Error::<Test>::ModelRetired
		);

		// Once only: at version 1 the step does nothing (a model retired by hand stays retired,
		// one re-activated stays active).
		crate::Models::<Test>::mutate(stale, |m| m.as_mut().unwrap().active = true);
		RetireUnboundZkModels::<Test>::on_runtime_upgrade();
		assert!(crate::Models::<Test>::get(stale).unwrap().active);
	});
}
