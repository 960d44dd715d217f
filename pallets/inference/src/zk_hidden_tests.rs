//! The hidden-weights proof system (`ProofSystem::Groth16Hidden`) in the pallet: a small model's
//! `declai-zk` circuit is set up and proven natively (as the worker does), its verifying key and
//! weight commitment registered with the model, and the runtime computes the public inputs (the
//! job binding, the commitment, the Poseidon hashes of the input and of the revealed output) and
//! verifies through the BLS12-381 host functions. Every bad proof is refused by name: a proof of
//! another output, job, worker or model faults the replica (`ProofInvalid`) and pays nothing; a
//! malformed or truncated one is `MalformedProof` and changes nothing.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{
	mock::*,
	zk_tests::{revealed, INPUT},
	Error, Event, FaultReason, Jobs, ModelSpec, Outcome, Phase, ReplicaState,
};
use ark_bls12_381::Fr;
use ark_groth16::ProvingKey;
use ark_serialize::CanonicalSerialize;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use codec::Encode;
use declai_primitives::poi::{self, IntegerLayer, JobId, ProofSystem, VerificationTier};
use declai_zk::{circuit, Model};
use frame_support::{assert_noop, assert_ok};

/// 4 → 3 (shift 2) → 2: a hidden layer with a ReLU that cuts and one that saturates.
fn small_model(scale: i32) -> Model {
	let layers = vec![
		IntegerLayer { inputs: 4, outputs: 3, shift: 2 },
		IntegerLayer { inputs: 3, outputs: 2, shift: 0 },
	];
	let rows = vec![
		vec![3 * scale, -1, 2, 5, 10],
		vec![-4, 7, 0, 1, -90],
		vec![127, 127, 127, 127, 0],
		vec![1, -2, 3, 7],
		vec![-5, 4, 1, -1],
	];
	Model::new(layers, rows).unwrap()
}

/// One hidden-weights model as its owner sets it up.
struct Hidden {
	model: Model,
	salt: Fr,
	pk: ProvingKey<ark_bls12_381::Bls12_381>,
	key: Vec<u8>,
	commitment: [u8; 32],
}

fn set_up(model: Model, seed: u64) -> Hidden {
	let mut rng = StdRng::seed_from_u64(seed);
	let (pk, vk) = circuit::setup(&model, INPUT.len(), &mut rng).unwrap();
	let mut key = Vec::new();
	vk.serialize_uncompressed(&mut key).unwrap();
	let salt = Fr::from(seed + 1_000);
	let mut commitment = [0u8; 32];
	declai_zk::commit_weights(salt, &model).serialize_uncompressed(&mut commitment[..]).unwrap();
	Hidden { model, salt, pk, key, commitment }
}

impl Hidden {
	fn output(&self) -> Vec<i32> {
		self.model.forward(&INPUT).last().unwrap().iter().map(|v| *v as i32).collect()
	}

	/// A proof of the honest output, for `job` and `worker`.
	fn prove(&self, job: JobId, worker: AccountId) -> Vec<u8> {
		let binding = poi::zk_binding(job, &worker.encode());
		let c =
			circuit::ModelCircuit::honest(self.model.clone(), self.salt, INPUT.to_vec(), binding);
		let proof = circuit::prove(&self.pk, c, &mut StdRng::seed_from_u64(job)).unwrap();
		let mut bytes = Vec::new();
		proof.serialize_uncompressed(&mut bytes).unwrap();
		bytes
	}

	fn spec(&self) -> ModelSpec {
		ModelSpec {
			name: b"zk-hidden".to_vec(),
			kind: poi::ModelKind::Classifier,
			weights_root: sp_core::H256(self.commitment),
			cost: COST,
			max_input: 4,
			max_output: 8,
			tier: VerificationTier::ZeroKnowledge {
				system: ProofSystem::Groth16Hidden { commitment: self.commitment },
			},
			layers: vec![],
			premium: false,
			verifying_key: self.key.clone(),
		}
	}

	/// Registers the model and makes every worker serve it; returns its id.
	fn register(&self) -> u32 {
		let id = crate::NextModelId::<Test>::get();
		assert_ok!(Inference::register_model(RuntimeOrigin::root(), self.spec()));
		for w in WORKERS {
			assert_ok!(Workers::update(
				RuntimeOrigin::signed(w),
				276,
				vec![DIGITS, EMBED, PREMIUM, id]
			));
		}
		id
	}
}

fn faulted_invalid(job: JobId, worker: AccountId) -> bool {
	inference_events().iter().any(|e| {
		matches!(e, Event::ReplicaFaulted { job: j, worker: w, reason: FaultReason::ProofInvalid, .. }
			if *j == job && *w == worker)
	})
}

fn served(job: JobId, worker: AccountId) -> bool {
	inference_events().iter().any(
		|e| matches!(e, Event::JobServed { job: j, workers, .. } if *j == job && workers.contains(&worker)),
	)
}

#[test]
fn a_hidden_weights_proof_settles_the_job_and_pays_the_worker() {
	ExtBuilder::default().build_and_execute(|| {
		let h = set_up(small_model(1), 1);
		let model = h.register();
		let (job, worker) = revealed(model, &h.output(), 1);
		let before = Credits::spendable(&worker);
		assert_ok!(Inference::prove(RuntimeOrigin::signed(worker), job, h.prove(job, worker)));
		assert!(inference_events().contains(&Event::ProofVerified { job, worker }));
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
		assert!(served(job, worker));
		assert!(Credits::spendable(&worker) > before, "the proven work is paid");
	});
}

/// Every proof that decodes but does not prove this job's statement faults the replica and pays
/// nothing: another output than the one revealed, another job (a replay), another worker (a
/// proof claimed by someone else), another model's key (same shapes, other weights).
#[test]
fn a_proof_of_anything_else_faults_the_replica_and_pays_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let h = set_up(small_model(1), 1);
		let other = set_up(small_model(2), 2);
		assert_ne!(h.output(), other.output());
		let model = h.register();
		let honest = h.output();
		// This model's proving key over other weights and salt: a valid proof of a statement
		// whose commitment is not the registered one.
		let forged = |job: JobId, w: AccountId| {
			let binding = poi::zk_binding(job, &w.encode());
			let c = circuit::ModelCircuit::honest(
				other.model.clone(),
				other.salt,
				INPUT.to_vec(),
				binding,
			);
			let proof = circuit::prove(&h.pk, c, &mut StdRng::seed_from_u64(job)).unwrap();
			let mut bytes = Vec::new();
			proof.serialize_uncompressed(&mut bytes).unwrap();
			bytes
		};
		let cases: [(&str, Box<dyn Fn(JobId, AccountId) -> Vec<u8>>, Vec<i32>); 5] = [
			("other weights", Box::new(forged), other.output()),
			// Revealed a wrong output, proved the honest one.
			("wrong output", Box::new(|job, w| h.prove(job, w)), vec![honest[0] + 1, honest[1]]),
			("another job", Box::new(|job, w| h.prove(job + 100, w)), honest.clone()),
			("another worker", Box::new(|job, w| h.prove(job, w + 1_000)), honest.clone()),
			// The other model's proving key over the other weights: its commitment differs.
			("another model", Box::new(|job, w| other.prove(job, w)), honest.clone()),
		];
		for (i, (what, proof, output)) in cases.iter().enumerate() {
			let (job, worker) = revealed(model, output, i as u8 + 1);
			let before = Credits::spendable(&worker);
			let invalid = Workers::worker(&worker).unwrap().invalid;
			assert_ok!(Inference::prove(RuntimeOrigin::signed(worker), job, proof(job, worker)));
			assert!(faulted_invalid(job, worker), "{what}: faulted");
			assert!(!inference_events().contains(&Event::ProofVerified { job, worker }), "{what}");
			assert!(!served(job, worker), "{what}: not served by this worker");
			assert_eq!(Workers::worker(&worker).unwrap().invalid, invalid + 1, "{what}");
			assert!(Credits::spendable(&worker) <= before, "{what}: nothing paid");
			// Let the job end (re-assigned or refunded) before the next case.
			for _ in 0..40 {
				next_block();
			}
		}
	});
}

#[test]
fn a_malformed_or_truncated_proof_is_refused_and_changes_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let h = set_up(small_model(1), 1);
		let model = h.register();
		let (job, worker) = revealed(model, &h.output(), 1);
		let proof = h.prove(job, worker);
		let mut flipped = proof.clone();
		// A coordinate of A changed: off the curve (or out of the subgroup).
		flipped[5] ^= 0x40;
		for bad in [
			vec![],
			proof[..proof.len() - 1].to_vec(),
			[proof.clone(), vec![0]].concat(),
			flipped,
			vec![0xff; proof.len()],
		] {
			assert_noop!(
				Inference::prove(RuntimeOrigin::signed(worker), job, bad),
				Error::<Test>::MalformedProof
			);
		}
		// Still awaiting this replica's proof, which then settles the job.
		assert_eq!(Jobs::<Test>::get(job).unwrap().replicas[0].state, ReplicaState::Challenged);
		assert_ok!(Inference::prove(RuntimeOrigin::signed(worker), job, proof));
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
	});
}

#[test]
fn a_hidden_weights_model_needs_a_four_input_key_and_a_canonical_commitment() {
	ExtBuilder::default().build_and_execute(|| {
		let h = set_up(small_model(1), 1);
		let reg = |spec| Inference::register_model(RuntimeOrigin::root(), spec);
		let with = |commitment: [u8; 32]| ModelSpec {
			weights_root: sp_core::H256(commitment),
			tier: VerificationTier::ZeroKnowledge {
				system: ProofSystem::Groth16Hidden { commitment },
			},
			..h.spec()
		};
		// The field modulus r itself (little-endian) and all ones: not canonical scalars.
		let mut r = [0u8; 32];
		ark_ff::BigInteger::to_bytes_le(&<Fr as ark_ff::PrimeField>::MODULUS)
			.iter()
			.zip(r.iter_mut())
			.for_each(|(b, o)| *o = *b);
		assert_noop!(reg(with(r)), Error::<Test>::BadCommitment);
		assert_noop!(reg(with([0xff; 32])), Error::<Test>::BadCommitment);
		// The model's root must be the commitment (what workers check before they serve).
		assert_noop!(
			reg(ModelSpec { weights_root: sp_core::H256([3; 32]), ..h.spec() }),
			Error::<Test>::BadCommitment
		);
		// The hidden system's key has 4 public inputs; registered as an open model (which needs
		// 1 + 4 + 2) it does not fit, nor does an open model's key fit a hidden one.
		assert_noop!(
			reg(ModelSpec {
				tier: VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open },
				..h.spec()
			}),
			Error::<Test>::BadVerifyingKey
		);
		let (_, open_key) = crate::zk_layer::setup(
			crate::zk_layer::Layer {
				w: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]],
				b: vec![0, 0],
				binding: [0; 31],
				input: INPUT.to_vec(),
				output: vec![30, 70],
			},
			3,
		);
		assert_noop!(
			reg(ModelSpec { verifying_key: open_key, ..h.spec() }),
			Error::<Test>::BadVerifyingKey
		);
		// The runtime hashes input and output in `prove`: both bounded.
		assert_noop!(
			reg(ModelSpec { max_input: crate::zk::MAX_HIDDEN_INPUT + 1, ..h.spec() }),
			Error::<Test>::BadBounds
		);
		assert_noop!(
			reg(ModelSpec { max_output: crate::zk::MAX_HIDDEN_OUTPUT + 4, ..h.spec() }),
			Error::<Test>::BadBounds
		);
		assert_ok!(reg(h.spec()));
	});
}

/// Storage version 2: a model stored with the version-1 tier (`ZeroKnowledge` without a proof
/// system) is read again as `Groth16Open`, other tiers unchanged, once.
#[test]
fn migration_v2_tags_earlier_zero_knowledge_models_as_open() {
	use crate::migrations::v2::{OldModel, TagProofSystems};
	use codec::Decode;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		let h = set_up(small_model(1), 1);
		let hidden = h.register();
		let digits = crate::Models::<Test>::get(DIGITS).unwrap();
		let embed = crate::Models::<Test>::get(EMBED).unwrap();
		// The version-1 encoding of a zero-knowledge model: the tier's variant index, no payload.
		let mut old = crate::Models::<Test>::get(hidden).unwrap();
		old.tier = VerificationTier::ExactInteger;
		let mut bytes = old.encode();
		let at = bytes.len() - 1 - 1 - 1 - 1; // premium, active, empty layers' length, the tier
		assert_eq!(bytes[at], 0, "the tier's variant index");
		bytes[at] = 2;
		assert!(OldModel::<Test>::decode(&mut &bytes[..]).is_ok());
		// Two such models: one without a key, one with a key that fits an open model of 4
		// bytes in and 8 out (the test layer's).
		let (open_id, keyed_id) = (77, 78);
		for id in [open_id, keyed_id] {
			frame_support::storage::unhashed::put_raw(
				&crate::Models::<Test>::hashed_key_for(id),
				&bytes,
			);
		}
		let (_, open_key) = crate::zk_tests::setup();
		crate::VerifyingKeys::<Test>::insert(
			keyed_id,
			frame_support::BoundedVec::truncate_from(open_key),
		);
		// Hidden models written by this version are not decodable as version 1: the migration
		// only meets version-1 data. Remove the one registered above for this run.
		crate::Models::<Test>::remove(hidden);
		StorageVersion::new(1).put::<Inference>();

		TagProofSystems::<Test>::on_runtime_upgrade();
		let m = crate::Models::<Test>::get(open_id).unwrap();
		assert_eq!(m.tier, VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open });
		// Its key (none here) does not fit: retired, as version 1 would have.
		assert!(!m.active);
		let keyed = crate::Models::<Test>::get(keyed_id).unwrap();
		assert_eq!(
			keyed.tier,
			VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open }
		);
		assert!(keyed.active, "a fitting key keeps its model active");
		assert_eq!(crate::Models::<Test>::get(DIGITS).unwrap(), digits);
		assert_eq!(crate::Models::<Test>::get(EMBED).unwrap(), embed);
		assert_eq!(Inference::on_chain_storage_version(), StorageVersion::new(2));
		// Once only.
		crate::Models::<Test>::mutate(open_id, |m| m.as_mut().unwrap().active = true);
		TagProofSystems::<Test>::on_runtime_upgrade();
		assert!(crate::Models::<Test>::get(open_id).unwrap().active);
	});
}
