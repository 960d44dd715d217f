//! The zero-knowledge tier end to end: a Groth16 circuit of a small integer layer is set up and
//! proven natively with arkworks (as the worker will), the key registered with the model, the
//! proof verified by the runtime through the BLS12-381 host functions.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, clippy::unwrap_used)]

use crate::{mock::*, Error, Event, FaultReason, Jobs, ModelSpec, Outcome, Phase, ReplicaState};
use ark_bls12_381::{Bls12_381, Fr};
use ark_ff::{Field, One};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::{
	ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use declai_primitives::poi::{self, ModelKind, VerificationTier};
use frame_support::{assert_noop, assert_ok};
use pallet_workers::Fault;
use sp_core::H256;

const W: [[i64; 4]; 2] = [[3, -1, 2, 5], [-4, 7, 0, 1]];
const B: [i64; 2] = [10, -3];
const INPUT: [u8; 4] = [1, 2, 3, 4];

/// `y = W·x + b` with `x` and `y` public (in the order of `poi::zk_public_inputs`).
#[derive(Clone)]
struct Layer {
	w: Vec<Vec<i64>>,
	b: Vec<i64>,
	input: Vec<u8>,
	output: Vec<i32>,
}

impl Layer {
	/// The small test layer with `output` claimed for `input`.
	fn small(input: &[u8], output: Vec<i32>) -> Self {
		Layer {
			w: W.iter().map(|r| r.to_vec()).collect(),
			b: B.to_vec(),
			input: input.to_vec(),
			output,
		}
	}
}

fn fr(v: i64) -> Fr {
	let m = Fr::from(v.unsigned_abs());
	if v < 0 {
		-m
	} else {
		m
	}
}

impl ConstraintSynthesizer<Fr> for Layer {
	fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
		let xs = self
			.input
			.iter()
			.map(|b| cs.new_input_variable(|| Ok(Fr::from(u64::from(*b)))))
			.collect::<Result<Vec<_>, _>>()?;
		let ys = self
			.output
			.iter()
			.map(|y| cs.new_input_variable(|| Ok(fr(i64::from(*y)))))
			.collect::<Result<Vec<_>, _>>()?;
		for (i, row) in self.w.iter().enumerate() {
			let mut terms: Vec<(Fr, Variable)> =
				row.iter().zip(&xs).map(|(w, x)| (fr(*w), *x)).collect();
			terms.push((fr(self.b[i]), Variable::One));
			cs.enforce_r1cs_constraint(
				|| LinearCombination(terms),
				|| LinearCombination(vec![(Fr::ONE, Variable::One)]),
				|| LinearCombination(vec![(Fr::one(), ys[i])]),
			)?;
		}
		Ok(())
	}
}

fn honest_output(input: &[u8]) -> Vec<i32> {
	W.iter()
		.zip(B)
		.map(|(row, b)| {
			(row.iter().zip(input).map(|(w, x)| w * i64::from(*x)).sum::<i64>() + b) as i32
		})
		.collect()
}

fn setup() -> (ProvingKey<Bls12_381>, Vec<u8>) {
	let mut rng = <ark_std::rand::rngs::StdRng as ark_std::rand::SeedableRng>::seed_from_u64(7);
	let circuit = Layer::small(&INPUT, honest_output(&INPUT));
	let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit, &mut rng).unwrap();
	let mut key = Vec::new();
	vk.serialize_uncompressed(&mut key).unwrap();
	(pk, key)
}

fn prove(pk: &ProvingKey<Bls12_381>, input: &[u8], output: Vec<i32>) -> Vec<u8> {
	let mut rng = <ark_std::rand::rngs::StdRng as ark_std::rand::SeedableRng>::seed_from_u64(7);
	let proof = Groth16::<Bls12_381>::prove(pk, Layer::small(input, output), &mut rng).unwrap();
	let mut bytes = Vec::new();
	proof.serialize_uncompressed(&mut bytes).unwrap();
	bytes
}

fn zk_spec(key: Vec<u8>) -> ModelSpec {
	ModelSpec {
		name: b"zk-layer".to_vec(),
		kind: ModelKind::Classifier,
		weights_root: H256([9; 32]),
		cost: COST,
		max_input: 4,
		max_output: 8,
		tier: VerificationTier::ZeroKnowledge,
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

#[test]
fn a_proven_result_is_served_without_replication() {
	ExtBuilder::default().build_and_execute(|| {
		let (pk, key) = setup();
		let model = register(key);
		assert!(crate::VerifyingKeys::<Test>::contains_key(model));
		let job = crate::NextJobId::<Test>::get();
		assert_ok!(Inference::request(
			RuntimeOrigin::signed(CONSUMER),
			model,
			INPUT.to_vec(),
			COST,
			None
		));
		// A new worker, but the proof verifies completely: no replica.
		next_block();
		let ws = assigned(job);
		assert_eq!(ws.len(), 1);
		let out = honest_output(&INPUT);
		let w = work(&out, 1);
		assert_ok!(commit(job, ws[0], &w));
		next_block();
		assert_ok!(reveal(job, ws[0], &w));
		assert_eq!(Jobs::<Test>::get(job).unwrap().phase, Phase::Challenged);
		assert_noop!(
			Inference::respond(RuntimeOrigin::signed(ws[0]), job, Default::default()),
			Error::<Test>::NotIntegerModel
		);
		assert_ok!(Inference::prove(RuntimeOrigin::signed(ws[0]), job, prove(&pk, &INPUT, out)));
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
		let job = crate::NextJobId::<Test>::get();
		assert_ok!(Inference::request(RuntimeOrigin::signed(CONSUMER), model, INPUT.to_vec(), COST, None));
		next_block();
		let ws = assigned(job);
		let honest = honest_output(&INPUT);
		let wrong = vec![honest[0] + 1, honest[1]];
		let w = work(&wrong, 1);
		assert_ok!(commit(job, ws[0], &w));
		next_block();
		assert_ok!(reveal(job, ws[0], &w));
		// The honest output's proof does not prove the revealed one.
		assert_ok!(Inference::prove(RuntimeOrigin::signed(ws[0]), job, prove(&pk, &INPUT, honest)));
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
		// Garbage is no proof either.
		let j = Jobs::<Test>::get(job).unwrap();
		let second = j.replicas[0].worker;
		let good = work(&honest_output(&INPUT), 2);
		assert_ok!(commit(job, second, &good));
		next_block();
		assert_ok!(reveal(job, second, &good));
		assert_ok!(Inference::prove(RuntimeOrigin::signed(second), job, vec![1, 2, 3]));
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
		// A key for 6 public inputs, declared for 5.
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

/// The benchmark fixture: a layer of 10 outputs over 118 input bytes (128 public inputs, the
/// runtime's `MaxZkPublicInputs`), its verifying key and a proof, SCALE-encoded as
/// `(key, proof, input, output)`. Regenerate with `DECLAI_WRITE_ZK_FIXTURE=1`.
#[test]
fn the_benchmark_fixture_is_current_and_verifies() {
	use codec::{Decode, Encode};
	let (rows, cols) = (10usize, 118usize);
	let w: Vec<Vec<i64>> = (0..rows)
		.map(|r| (0..cols).map(|c| ((r * 31 + c * 7) % 255) as i64 - 127).collect())
		.collect();
	let b: Vec<i64> = (0..rows).map(|r| r as i64 * 3 - 5).collect();
	let input: Vec<u8> = (0..cols).map(|c| (c % 17) as u8).collect();
	let output: Vec<i32> = w
		.iter()
		.zip(&b)
		.map(|(row, b)| {
			(row.iter().zip(&input).map(|(w, x)| w * i64::from(*x)).sum::<i64>() + b) as i32
		})
		.collect();
	let mut rng = <ark_std::rand::rngs::StdRng as ark_std::rand::SeedableRng>::seed_from_u64(11);
	let circuit = Layer { w, b, input: input.clone(), output: output.clone() };
	let (pk, vk) = Groth16::<Bls12_381>::circuit_specific_setup(circuit.clone(), &mut rng).unwrap();
	let proof = Groth16::<Bls12_381>::prove(&pk, circuit, &mut rng).unwrap();
	let (mut key, mut proof_bytes) = (Vec::new(), Vec::new());
	vk.serialize_uncompressed(&mut key).unwrap();
	proof.serialize_uncompressed(&mut proof_bytes).unwrap();
	let fixture = (key, proof_bytes, input, output).encode();
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/zk_bench_fixture.bin");
	if std::env::var_os("DECLAI_WRITE_ZK_FIXTURE").is_some() {
		std::fs::write(path, &fixture).unwrap();
	}
	let committed = std::fs::read(path).expect("fixture committed");
	assert_eq!(committed, fixture, "regenerate with DECLAI_WRITE_ZK_FIXTURE=1");
	let (key, proof, input, output) =
		<(Vec<u8>, Vec<u8>, Vec<u8>, Vec<i32>)>::decode(&mut &committed[..]).unwrap();
	assert_eq!(crate::zk::check_key(&key), Ok(128));
	let public = poi::zk_public_inputs(&input, &poi::encode_i32s(&output)).unwrap();
	assert_eq!(crate::zk::verify(&key, &proof, &public), Ok(true));
	let mut wrong = public.clone();
	wrong[127] += 1;
	assert_eq!(crate::zk::verify(&key, &proof, &wrong), Ok(false));
}
