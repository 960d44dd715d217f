//! The calls the fuzzer sends: every call of the project's pallets (and the framework calls a
//! user can make), with arguments drawn from the fuzz input. Arguments mix values that exist on
//! the chain (accounts, models, jobs, open benchmark challenges; commitments and reveals made the
//! way an honest worker makes them) with boundary values and noise, so that both the paths that
//! succeed and the refusals run.

use arbitrary::{Result, Unstructured};
use codec::Encode;
use declai_primitives::{
	economics::{AlphaCurve, BetaController, HardwareClass},
	poi::{self, IntegerLayer, LayerOpening, ModelKind, ProofSystem, Timings, VerificationTier},
};
use declai_runtime::{AccountId, Runtime, RuntimeCall, CRED};
use pallet_inference::types::{Phase, ReplicaState};
use pallet_workers::{AttestationKey, AttestationSignature};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{FixedU128, MultiAddress, Perbill};

use crate::chain::{Chain, Sealed};

/// The digest every honest benchmark answer and check in the fuzzer agrees on (the runtime
/// never recomputes the product; it compares the worker's answer with the auditors').
const DIGEST: [u8; 32] = [7; 32];

/// Who sends a call, and the call.
pub struct Picked {
	pub signer: usize,
	pub call: RuntimeCall,
}

fn amount(u: &mut Unstructured) -> Result<u128> {
	Ok(match u.int_in_range(0u8..=9)? {
		0 => 0,
		1 => 1,
		2 => CRED / 100 - 1,
		3 => CRED,
		4 => 10 * CRED,
		5 => 1_000 * CRED,
		6 => 20_000 * CRED,
		7 => u128::MAX,
		_ => u.int_in_range(0..=100_000 * CRED)?,
	})
}

fn class(u: &mut Unstructured) -> Result<HardwareClass> {
	Ok(*u.choose(&HardwareClass::ALL)?)
}

fn perbill(u: &mut Unstructured) -> Result<Perbill> {
	Ok(Perbill::from_parts(u.int_in_range(0..=1_100_000_000)?))
}

fn fixed(u: &mut Unstructured, max_hundredths: u128) -> Result<FixedU128> {
	Ok(FixedU128::from_rational(u.int_in_range(0..=max_hundredths)?, 100))
}

fn bytes(u: &mut Unstructured, max: usize) -> Result<Vec<u8>> {
	let n = u.int_in_range(0..=max)?;
	Ok(u.bytes(n)?.to_vec())
}

fn hash(u: &mut Unstructured) -> Result<[u8; 32]> {
	let mut h = [0u8; 32];
	u.fill_buffer(&mut h)?;
	Ok(h)
}

/// An account: mostly an actor's, sometimes one nobody holds the key of.
fn account(u: &mut Unstructured, chain: &Chain) -> Result<AccountId> {
	if u.ratio(1u8, 8)? {
		return Ok(AccountId::new(hash(u)?));
	}
	Ok(u.choose(&chain.actors)?.id.clone())
}

/// A model id: one that exists (or the next one) mostly.
fn model(u: &mut Unstructured, chain: &mut Chain) -> Result<u32> {
	let next = chain.read(pallet_inference::NextModelId::<Runtime>::get);
	if u.ratio(1u8, 10)? {
		return u.arbitrary();
	}
	u.int_in_range(0..=next)
}

/// A job id: a recent one mostly.
fn job(u: &mut Unstructured, chain: &mut Chain) -> Result<u64> {
	let next = chain.read(pallet_inference::NextJobId::<Runtime>::get);
	if u.ratio(1u8, 10)? {
		return u.arbitrary();
	}
	u.int_in_range(next.saturating_sub(32)..=next)
}

/// The toy integer model of the inference pallet's tests (6 → 4 → 3 → 2), and its rows.
fn integer_model() -> (Vec<IntegerLayer>, Vec<Vec<i32>>) {
	let layers = vec![
		IntegerLayer { inputs: 6, outputs: 4, shift: 2 },
		IntegerLayer { inputs: 4, outputs: 3, shift: 1 },
		IntegerLayer { inputs: 3, outputs: 2, shift: 0 },
	];
	let rows = layers
		.iter()
		.flat_map(|l| {
			(0..l.outputs).map(move |o| {
				(0..=l.inputs).map(|i| (i as i32 * 7 + o as i32 * 3) % 11 - 5).collect()
			})
		})
		.collect();
	(layers, rows)
}

fn model_spec(u: &mut Unstructured) -> Result<pallet_inference::types::ModelSpec> {
	let name = if u.ratio(1u8, 10)? { bytes(u, 80)? } else { b"fuzz-model".to_vec() };
	Ok(match u.int_in_range(0u8..=3)? {
		0 => pallet_inference::types::ModelSpec {
			name,
			kind: if u.arbitrary()? { ModelKind::Embedding } else { ModelKind::Classifier },
			weights_root: H256(hash(u)?),
			cost: u.int_in_range(0..=2 * poi_gpu_hour())?,
			max_input: u.int_in_range(0..=70)?,
			max_output: u.int_in_range(0..=20)?,
			tier: VerificationTier::FloatTolerance {
				max_error_ppm: u.int_in_range(0..=1_100_000)?,
			},
			layers: Vec::new(),
			premium: u.ratio(1u8, 4)?,
			verifying_key: Vec::new(),
		},
		1 => {
			let (layers, rows) = integer_model();
			pallet_inference::types::ModelSpec {
				name,
				kind: ModelKind::Classifier,
				weights_root: H256(poi::weights_root(&rows)),
				cost: u.int_in_range(1..=poi_gpu_hour() / 1000)?,
				max_input: 6,
				max_output: 8,
				tier: VerificationTier::ExactInteger,
				layers,
				premium: false,
				verifying_key: Vec::new(),
			}
		}
		2 => pallet_inference::types::ModelSpec {
			name,
			kind: ModelKind::Classifier,
			weights_root: H256(hash(u)?),
			cost: u.int_in_range(1..=1_000)?,
			max_input: u.int_in_range(0..=40)?,
			max_output: u.int_in_range(0..=40)?,
			tier: VerificationTier::ZeroKnowledge {
				system: if u.arbitrary()? {
					ProofSystem::Groth16Open
				} else {
					ProofSystem::Groth16Hidden { commitment: hash(u)? }
				},
			},
			layers: Vec::new(),
			premium: false,
			verifying_key: bytes(u, 2_000)?,
		},
		_ => pallet_inference::types::ModelSpec {
			name,
			kind: ModelKind::Classifier,
			weights_root: H256(hash(u)?),
			cost: u.arbitrary()?,
			max_input: u.arbitrary()?,
			max_output: u.arbitrary()?,
			tier: VerificationTier::ExactInteger,
			layers: (0..u.int_in_range(0..=10)?)
				.map(|_| {
					Ok(IntegerLayer {
						inputs: u.int_in_range(0..=8)?,
						outputs: u.int_in_range(0..=8)?,
						shift: u.arbitrary()?,
					})
				})
				.collect::<Result<_>>()?,
			premium: u.arbitrary()?,
			verifying_key: Vec::new(),
		},
	})
}

fn poi_gpu_hour() -> u128 {
	declai_primitives::economics::GPU_HOUR
}

/// Recent jobs in a phase `phase` accepts with a replica in state `state` that an actor holds
/// the key of: (job, the actor's index, the job).
fn replica_jobs(
	chain: &mut Chain,
	phase: fn(&Phase) -> bool,
	state: ReplicaState,
) -> Vec<(u64, usize, pallet_inference::JobOf<Runtime>)> {
	let actors: Vec<AccountId> = chain.actors.iter().map(|a| a.id.clone()).collect();
	chain.read(|| {
		let next = pallet_inference::NextJobId::<Runtime>::get();
		let mut found = Vec::new();
		for id in next.saturating_sub(64)..next {
			let Some(job) = pallet_inference::Jobs::<Runtime>::get(id) else { continue };
			if !phase(&job.phase) {
				continue;
			}
			for r in job.replicas.iter().filter(|r| r.state == state) {
				if let Some(i) = actors.iter().position(|a| a == &r.worker) {
					found.push((id, i, job.clone()));
				}
			}
		}
		found
	})
}

/// An honest commitment by a replica the fuzzer holds the key of (its attestation key is its
/// account key) to a random output of the right length; the fuzzer keeps what it needs to
/// reveal it. Noise from `signer` when no replica waits to commit.
fn commit(u: &mut Unstructured, chain: &mut Chain, signer: usize) -> Result<Picked> {
	let waiting = replica_jobs(chain, |p| matches!(p, Phase::Committing), ReplicaState::Assigned);
	let Ok((id, signer, job)) = u.choose(&waiting).cloned() else {
		return Ok(Picked {
			signer,
			call: RuntimeCall::Inference(pallet_inference::Call::commit {
				job: job(u, chain)?,
				commit: H256(hash(u)?),
				timings: Timings { exec_micros: u.arbitrary()? },
				signature: AttestationSignature::Sr25519(sr25519::Signature::from_raw([0; 64])),
			}),
		});
	};
	let Some(actor) = chain.actors.get(signer) else { return Err(arbitrary::Error::NotEnoughData) };
	let (who, pair) = (actor.id.clone(), actor.pair.clone());
	let (max_output, root) = chain
		.read(|| pallet_inference::Models::<Runtime>::get(job.model))
		.map_or((8, H256::zero()), |m| (m.max_output, m.weights_root));
	let sealed = Sealed {
		output: u.bytes(max_output as usize).unwrap_or(&[]).to_vec(),
		salt: hash(u)?,
		activation_root: H256(hash(u)?),
	};
	let commitment = H256(poi::output_commitment(
		id,
		&who.encode(),
		&sealed.output,
		&sealed.salt,
		&sealed.activation_root.0,
	));
	let timings = Timings { exec_micros: u.int_in_range(0..=40_000_000)? };
	let attestation = poi::Attestation {
		job: id,
		model_root: root.0,
		input_hash: job.input_hash.0,
		commit: commitment.0,
		timings,
	};
	let signature = AttestationSignature::Sr25519(pair.sign(&attestation.signing_payload()));
	chain.sealed.insert((id, who), sealed);
	Ok(Picked {
		signer,
		call: RuntimeCall::Inference(pallet_inference::Call::commit {
			job: id,
			commit: commitment,
			timings,
			signature,
		}),
	})
}

/// A reveal of what a replica committed (sometimes altered), or noise from `signer`.
fn reveal(u: &mut Unstructured, chain: &mut Chain, signer: usize) -> Result<Picked> {
	let waiting = replica_jobs(chain, |p| matches!(p, Phase::Revealing), ReplicaState::Committed);
	let known: Vec<(u64, usize, Sealed)> = waiting
		.into_iter()
		.filter_map(|(id, i, _)| {
			let who = chain.actors.get(i)?.id.clone();
			chain.sealed.get(&(id, who)).cloned().map(|s| (id, i, s))
		})
		.collect();
	let (job, signer, mut sealed) = match u.choose(&known) {
		Ok(k) => k.clone(),
		Err(_) => (
			job(u, chain)?,
			signer,
			Sealed { output: bytes(u, 16)?, salt: hash(u)?, activation_root: H256(hash(u)?) },
		),
	};
	if u.ratio(1u8, 6)? {
		if let Some(b) = sealed.output.first_mut() {
			*b ^= 1;
		}
	}
	Ok(Picked {
		signer,
		call: RuntimeCall::Inference(pallet_inference::Call::reveal {
			job,
			output: sealed.output,
			salt: sealed.salt,
			activation_root: sealed.activation_root,
		}),
	})
}

/// An answer to an actor's open, unanswered benchmark challenge, signed with its account key
/// (with the digest the auditors agree on), or noise from `signer`.
fn answer(u: &mut Unstructured, chain: &mut Chain, signer: usize) -> Result<Picked> {
	let actors: Vec<AccountId> = chain.actors.iter().map(|a| a.id.clone()).collect();
	let open: Vec<(usize, u64, [u8; 32])> = chain.read(|| {
		actors
			.iter()
			.enumerate()
			.filter_map(|(i, who)| {
				let b = pallet_workers::Benchmarks::<Runtime>::get(who)?;
				b.answer.is_none().then_some((i, b.id, b.seed))
			})
			.collect()
	});
	let micros = u.int_in_range(1..=10_000_000u64)?;
	if let (Ok((i, id, seed)), false) = (u.choose(&open).cloned(), u.ratio(1u8, 8)?) {
		if let Some(actor) = chain.actors.get(i) {
			let payload = poi::benchmark_answer_payload(id, &seed, &DIGEST, micros);
			let signature = AttestationSignature::Sr25519(actor.pair.sign(&payload));
			return Ok(Picked {
				signer: i,
				call: RuntimeCall::Workers(pallet_workers::Call::answer_benchmark {
					id,
					digest: DIGEST,
					micros,
					signature,
				}),
			});
		}
	}
	Ok(Picked {
		signer,
		call: RuntimeCall::Workers(pallet_workers::Call::answer_benchmark {
			id: u.int_in_range(0..=64)?,
			digest: hash(u)?,
			micros,
			signature: AttestationSignature::Sr25519(sr25519::Signature::from_raw([1; 64])),
		}),
	})
}

/// An auditor's check of some worker's answered challenge (agreeing with the fuzzer's digest
/// mostly).
fn check(u: &mut Unstructured, chain: &mut Chain) -> Result<RuntimeCall> {
	let answered: Vec<(AccountId, u64, u64, HardwareClass)> = chain.read(|| {
		pallet_workers::Benchmarks::<Runtime>::iter()
			.filter_map(|(w, b)| b.answer.map(|a| (w, b.id, a.micros, b.class)))
			.take(16)
			.collect()
	});
	let (worker, id, micros, class) = match u.choose(&answered) {
		Ok(a) if !u.ratio(1u8, 8)? => a.clone(),
		_ => (account(u, chain)?, u.int_in_range(0..=64)?, u.arbitrary()?, class(u)?),
	};
	let digest = if u.ratio(1u8, 6)? { hash(u)? } else { DIGEST };
	Ok(RuntimeCall::Workers(pallet_workers::Call::check_benchmark {
		worker,
		id,
		digest,
		micros,
		class,
	}))
}

/// Models for a worker to serve: distinct mostly (duplicates are refused by name).
fn models(u: &mut Unstructured, chain: &mut Chain) -> Result<Vec<u32>> {
	let mut out: Vec<u32> =
		(0..u.int_in_range(0..=4)?).map(|_| model(u, chain)).collect::<Result<_>>()?;
	if !u.ratio(1u8, 8)? {
		out.sort_unstable();
		out.dedup();
	}
	Ok(out)
}

/// A model some worker serves, when there is one (so that requests get assigned).
fn served_model(u: &mut Unstructured, chain: &mut Chain) -> Result<u32> {
	let served: Vec<u32> = chain.read(|| {
		pallet_workers::ModelWorkers::<Runtime>::iter()
			.filter(|(_, w)| !w.is_empty())
			.map(|(m, _)| m)
			.collect()
	});
	match u.choose(&served) {
		Ok(m) if !u.ratio(1u8, 4)? => Ok(*m),
		_ => model(u, chain),
	}
}

/// A call for `signer` to send, or one for sudo (Alice, actor 0) wrapping a governance call.
pub fn pick(u: &mut Unstructured, chain: &mut Chain) -> Result<Picked> {
	let signer = u.int_in_range(0..=chain.actors.len().saturating_sub(1))?;
	let call = match u.int_in_range(0u8..=30)? {
		0..=2 => RuntimeCall::Credits(pallet_credits::Call::transfer {
			dest: MultiAddress::Id(account(u, chain)?),
			amount: amount(u)?,
		}),
		3 => {
			let key = match chain.actors.get(signer) {
				Some(a) if !u.ratio(1u8, 5)? => AttestationKey::Sr25519(a.pair.public()),
				_ => AttestationKey::Sr25519(sr25519::Public::from_raw(hash(u)?)),
			};
			RuntimeCall::Workers(pallet_workers::Call::register {
				key,
				class: class(u)?,
				region: u.int_in_range(0..=3)?,
				models: models(u, chain)?,
				bond: if u.arbitrary()? { 10 * CRED } else { amount(u)? },
			})
		}
		4 => RuntimeCall::Workers(pallet_workers::Call::update {
			region: u.int_in_range(0..=3)?,
			models: models(u, chain)?,
		}),
		5 => RuntimeCall::Workers(pallet_workers::Call::bond_more { amount: amount(u)? }),
		6 => match u.int_in_range(0u8..=1)? {
			0 => RuntimeCall::Workers(pallet_workers::Call::unbond {}),
			_ => RuntimeCall::Workers(pallet_workers::Call::withdraw {}),
		},
		7 | 8 => return answer(u, chain, signer),
		9 | 10 => return Ok(Picked { signer: u.int_in_range(0..=2)?, call: check(u, chain)? }),
		11..=13 => {
			let model = served_model(u, chain)?;
			let len = chain
				.read(|| pallet_inference::Models::<Runtime>::get(model))
				.map_or(8, |m| m.max_input as usize);
			let input = if u.ratio(1u8, 6)? {
				bytes(u, 80)?
			} else {
				// The model's length, from what the input has left (zeros after it).
				let mut v = u.bytes(len.min(u.len()))?.to_vec();
				v.resize(len, 0);
				v
			};
			RuntimeCall::Inference(pallet_inference::Call::request {
				model,
				input,
				max_price: if u.arbitrary()? { 1_000 * CRED } else { amount(u)? },
				region: if u.arbitrary()? { None } else { Some(u.int_in_range(0..=3)?) },
			})
		}
		14 | 15 => return commit(u, chain, signer),
		16 | 17 => return reveal(u, chain, signer),
		18 => RuntimeCall::Inference(pallet_inference::Call::respond {
			job: job(u, chain)?,
			opening: LayerOpening {
				input: (0..u.int_in_range(0..=8)?).map(|_| u.arbitrary()).collect::<Result<_>>()?,
				input_proof: vec![hash(u)?; u.int_in_range(0..=3)?],
				output: (0..u.int_in_range(0..=8)?)
					.map(|_| u.arbitrary())
					.collect::<Result<_>>()?,
				output_proof: vec![hash(u)?; u.int_in_range(0..=3)?],
				previous: None,
				result_proof: vec![hash(u)?; u.int_in_range(0..=3)?],
				rows: vec![vec![u.arbitrary()?; u.int_in_range(0..=7)?]; u.int_in_range(0..=4)?],
				row_proofs: vec![vec![hash(u)?; u.int_in_range(0..=3)?]; u.int_in_range(0..=4)?],
			},
		}),
		19 => {
			let job = job(u, chain)?;
			let n = chain
				.read(|| pallet_inference::Jobs::<Runtime>::get(job))
				.map_or(2, |j| j.replicas.len());
			let n = if u.ratio(1u8, 6)? { u.int_in_range(0..=4)? } else { n };
			let scores = (0..n).map(|_| u.int_in_range(0..=120)).collect::<Result<_>>()?;
			return Ok(Picked {
				signer: u.int_in_range(0..=2)?,
				call: RuntimeCall::Inference(pallet_inference::Call::audit { job, scores }),
			});
		}
		20 => RuntimeCall::Inference(pallet_inference::Call::prove {
			job: job(u, chain)?,
			proof: bytes(u, 500)?,
		}),
		21 => RuntimeCall::Inference(pallet_inference::Call::cancel { job: job(u, chain)? }),
		22 => RuntimeCall::System(frame_system::Call::remark { remark: bytes(u, 300)? }),
		_ => {
			let call = governance(u, chain)?;
			let call = if u.ratio(1u8, 10)? {
				// Not sudo: a signed account calling a governance call directly.
				call
			} else {
				RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(call) })
			};
			let signer = if u.ratio(1u8, 10)? { signer } else { 0 };
			return Ok(Picked { signer, call });
		}
	};
	Ok(Picked { signer, call })
}

/// A governance call (root origin).
fn governance(u: &mut Unstructured, chain: &mut Chain) -> Result<RuntimeCall> {
	Ok(match u.int_in_range(0u8..=16)? {
		0 => RuntimeCall::Credits(pallet_credits::Call::force_mint {
			who: MultiAddress::Id(account(u, chain)?),
			amount: amount(u)?,
		}),
		1 => RuntimeCall::Credits(pallet_credits::Call::set_bootstrap_cap { cap: amount(u)? }),
		2 => RuntimeCall::Economics(pallet_economics::Call::set_eta {
			class: class(u)?,
			eta: fixed(u, 300)?,
		}),
		3 => RuntimeCall::Economics(pallet_economics::Call::set_alpha_curve {
			curve: AlphaCurve {
				idle: perbill(u)?,
				normal_low: perbill(u)?,
				normal_high: perbill(u)?,
				peak: fixed(u, 1_200)?,
			},
		}),
		4 => RuntimeCall::Economics(pallet_economics::Call::set_controller {
			controller: BetaController {
				damping: perbill(u)?,
				max_step: perbill(u)?,
				deadband: perbill(u)?,
				shrink: perbill(u)?,
				grow_below_days: u.int_in_range(0..=400)?,
				shrink_above_days: u.int_in_range(0..=400)?,
				min: fixed(u, 100)?,
				max: fixed(u, 2_500)?,
			},
		}),
		5 => RuntimeCall::Economics(pallet_economics::Call::set_supply_limits {
			limits: pallet_economics::SupplyLimits {
				circulation_percent: u.int_in_range(0..=300)?,
				bootstrap_circulation: amount(u)?,
				epoch_mint_floor: amount(u)?,
				epoch_mint_percent: u.int_in_range(0..=12_000)?,
			},
		}),
		6 => RuntimeCall::Economics(pallet_economics::Call::set_mint_paused {
			paused: u.ratio(1u8, 3)?,
		}),
		7 => RuntimeCall::Economics(pallet_economics::Call::set_bootstrap {
			params: pallet_economics::BootstrapParams {
				match_share: perbill(u)?,
				per_worker: amount(u)?,
				capacity_share: perbill(u)?,
				daily_share: perbill(u)?,
				sunset_daily_consumption: amount(u)?,
			},
		}),
		8 => RuntimeCall::Workers(pallet_workers::Call::suspend { who: account(u, chain)? }),
		9 => RuntimeCall::Workers(pallet_workers::Call::resume { who: account(u, chain)? }),
		10 => RuntimeCall::Workers(pallet_workers::Call::challenge_benchmark {
			who: account(u, chain)?,
		}),
		11 | 12 => {
			RuntimeCall::Inference(pallet_inference::Call::register_model { spec: model_spec(u)? })
		}
		13 => RuntimeCall::Inference(pallet_inference::Call::set_model_active {
			model: model(u, chain)?,
			active: u.ratio(2u8, 3)?,
		}),
		14 => RuntimeCall::Inference(pallet_inference::Call::set_auditors {
			auditors: (0..u.int_in_range(0..=5)?)
				.map(|_| account(u, chain))
				.collect::<Result<_>>()?,
		}),
		15 => RuntimeCall::Validators(pallet_validators::Call::add_validator {
			who: account(u, chain)?,
		}),
		_ => RuntimeCall::Validators(pallet_validators::Call::remove_validator {
			who: account(u, chain)?,
		}),
	})
}
