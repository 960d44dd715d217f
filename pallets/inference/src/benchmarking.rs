//! Benchmarks of `pallet-inference` (frame-benchmarking v2), worst cases: full candidate lists
//! of low-reputation workers (every draw rejects `DRAW_TRIES` times), `MaxReplicas` replicas
//! settled at once, workers and consumers with full lot lists, `MaxAuditors` votes, the largest
//! inputs and outputs. Attestations are signed with a keystore key (`sr25519`).

#![allow(clippy::arithmetic_side_effects, clippy::expect_used, clippy::unwrap_used)]

use super::*;
use alloc::vec;
use declai_primitives::{
	poi::{IntegerLayer, ModelKind},
	CRED, GPU_HOUR,
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use pallet_workers::{AttestationKey, Fault, Worker, WorkerStatus};
use sp_core::{crypto::KeyTypeId, sr25519};

/// Key type of the benchmark attestation keys.
const KEY: KeyTypeId = KeyTypeId(*b"decl");

/// What the benchmarks run in: this pallet with the workers (and so the credits) pallet, whose
/// storage they fill with workers, bonds and contributions.
pub trait BenchConfig:
	Config<Workers = pallet_workers::Pallet<Self>> + pallet_workers::Config
{
}
impl<T: Config<Workers = pallet_workers::Pallet<T>> + pallet_workers::Config> BenchConfig for T {}

/// Registers float models so that the workers pallet's benchmarks find models `1..=count`.
pub struct ModelHelper<T>(PhantomData<T>);
impl<T: BenchConfig> pallet_workers::BenchmarkHelper<T::AccountId> for ModelHelper<T> {
	fn register_models(count: u32) {
		for id in 0..=count {
			if !Models::<T>::contains_key(id) {
				Models::<T>::insert(id, float_model::<T>(false));
				NextModelId::<T>::put(id + 1);
			}
		}
	}
	fn make_auditor(who: &T::AccountId) {
		Auditors::<T>::mutate(|list| {
			if !list.contains(who) {
				list.try_push(who.clone()).expect("MaxAuditors leaves room for the benchmarks");
			}
		});
	}
}

fn float_model<T: BenchConfig>(premium: bool) -> ModelOf<T> {
	Pallet::<T>::validate_model(ModelSpec {
		name: vec![b'm'; T::MaxNameLen::get() as usize],
		kind: ModelKind::Embedding,
		weights_root: H256::repeat_byte(1),
		cost: GPU_HOUR / 100,
		max_input: T::MaxInputLen::get(),
		max_output: T::MaxOutputLen::get(),
		tier: VerificationTier::FloatTolerance { max_error_ppm: 1_000 },
		layers: Vec::new(),
		premium,
		verifying_key: vec![],
	})
	.expect("valid bench model")
}

fn add_model<T: BenchConfig>(model: ModelOf<T>) -> ModelId {
	let id = NextModelId::<T>::get();
	Models::<T>::insert(id, model);
	NextModelId::<T>::put(id + 1);
	id
}

/// An integer model of one layer `inputs → rows`, its weight rows and its id.
fn int_model<T: BenchConfig>(
	inputs: u32,
	rows: u32,
) -> (ModelId, Vec<IntegerLayer>, Vec<Vec<i32>>) {
	let layers = vec![IntegerLayer { inputs, outputs: rows, shift: 0 }];
	let weights: Vec<Vec<i32>> = (0..rows)
		.map(|r| (0..=inputs).map(|c| ((r * 31 + c * 7) % 255) as i32 - 127).collect())
		.collect();
	let spec = ModelSpec {
		name: b"int".to_vec(),
		kind: ModelKind::Classifier,
		weights_root: H256(poi::weights_root(&weights)),
		cost: GPU_HOUR / 100,
		max_input: inputs,
		max_output: rows * 4,
		tier: VerificationTier::ExactInteger,
		layers: layers.clone(),
		premium: false,
		verifying_key: vec![],
	};
	let id = add_model::<T>(Pallet::<T>::validate_model(spec).expect("valid int model"));
	(id, layers, weights)
}

/// An account with `MaxLots` lots of 10 CRED (the worst case for minting and burning).
fn funded<T: BenchConfig>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let lots = <T as pallet_credits::Config>::MaxLots::get();
	pallet_credits::benchmark_fill::<T>(&who, 1, lots, 10 * CRED);
	who
}

/// A worker record inserted directly (no bond), serving `model`, with its key in the keystore.
fn worker<T: BenchConfig>(
	index: u32,
	model: ModelId,
	reputation: u32,
) -> (T::AccountId, sr25519::Public) {
	worker_record::<T>(funded::<T>("worker", index), model, reputation)
}

/// A worker record for `who` (see [`worker`]).
fn worker_record<T: BenchConfig>(
	who: T::AccountId,
	model: ModelId,
	reputation: u32,
) -> (T::AccountId, sr25519::Public) {
	let public = sp_io::crypto::sr25519_generate(KEY, None);
	let key = AttestationKey::Sr25519(public);
	let mut models = BoundedVec::new();
	models.try_push(model).expect("one model fits");
	pallet_workers::Workers::<T>::insert(
		&who,
		Worker {
			key,
			class: declai_primitives::HardwareClass::A100,
			region: 1,
			models,
			bond: 0,
			reputation,
			consecutive_valid: 0,
			valid: 0,
			invalid: 0,
			missed: 0,
			active_jobs: 0,
			status: WorkerStatus::Active,
			registered_at: 0u32.into(),
		},
	);
	pallet_workers::KeyOwner::<T>::insert(key, &who);
	pallet_workers::ModelWorkers::<T>::mutate(model, |list| {
		let _ = list.try_push(who.clone());
	});
	(who, public)
}

/// Fills `model`'s candidate list with low-reputation workers, so draws reject.
fn fill_candidates<T: BenchConfig>(model: ModelId) {
	let max = <T as pallet_workers::Config>::MaxWorkersPerModel::get();
	for i in pallet_workers::ModelWorkers::<T>::decode_len(model).unwrap_or(0) as u32..max {
		worker_record::<T>(account("candidate", i, 0), model, 0);
	}
}

/// A live job of `consumer` on `model` in `phase` with these replicas, escrow held, scheduled.
fn insert_job<T: BenchConfig>(
	consumer: &T::AccountId,
	model: ModelId,
	input: Vec<u8>,
	phase: Phase,
	replicas: Vec<Replica<T::AccountId>>,
) -> JobId {
	let id = NextJobId::<T>::get();
	NextJobId::<T>::put(id + 1);
	let m = Models::<T>::get(model).unwrap();
	let price = m.cost;
	T::Currency::hold(&Pallet::<T>::escrow(), consumer, price).expect("holds");
	let now = frame_system::Pallet::<T>::block_number();
	let deadline = now + 5u32.into();
	for r in &replicas {
		WorkerJobs::<T>::mutate(&r.worker, |jobs| {
			let _ = jobs.try_push(id);
		});
		pallet_workers::Pallet::<T>::job_started(&r.worker);
	}
	let input: BoundedVec<u8, T::MaxInputLen> = input.try_into().expect("input fits");
	let job = Job {
		consumer: consumer.clone(),
		model,
		input_hash: H256(sp_io::hashing::blake2_256(&input)),
		price,
		region: None,
		phase,
		deadline,
		created: now,
		replicas: BoundedVec::truncate_from(replicas),
		excluded: BoundedVec::new(),
		attempts: 1,
		lone: false,
		escalations: 0,
		commits_closed: Some(now - 1u32.into()),
		priority: 0,
	};
	Inputs::<T>::insert(id, input);
	Jobs::<T>::insert(id, job);
	LiveJobs::<T>::mutate(|n| *n += 1);
	Pallet::<T>::schedule(id, None, deadline);
	id
}

/// The hardware key's attestation of `commitment` and `timings` for `job`.
fn attest<T: BenchConfig>(
	job: JobId,
	public: &sr25519::Public,
	commitment: H256,
	timings: Timings,
) -> AttestationSignature {
	let j = Jobs::<T>::get(job).unwrap();
	let payload = Attestation {
		job,
		model_root: Models::<T>::get(j.model).unwrap().weights_root.0,
		input_hash: j.input_hash.0,
		commit: commitment.0,
		timings,
	}
	.signing_payload();
	AttestationSignature::Sr25519(
		sp_io::crypto::sr25519_sign(KEY, public, &payload).expect("keystore signs"),
	)
}

fn replica<T: BenchConfig>(worker: T::AccountId, state: ReplicaState) -> Replica<T::AccountId> {
	Replica { worker, state, commit: None, timings: Timings::default(), activation_root: None }
}

/// `n` floats of value `v` (little-endian bytes).
fn floats(n: u32, v: f32) -> Vec<u8> {
	(0..n).flat_map(|_| v.to_le_bytes()).collect()
}

/// Sets the block number past genesis and gives the previous blocks hashes (randomness).
fn set_block<T: BenchConfig>(n: u32) {
	use pallet_workers::BlockRandomness;
	use sp_runtime::traits::Hash;
	for b in 0..n {
		let hash = <T as frame_system::Config>::Hashing::hash(&b.to_le_bytes());
		frame_system::BlockHash::<T>::insert(BlockNumberFor::<T>::from(b), hash);
		<T as Config>::BlockRandomness::set_for_benchmark(
			b.into(),
			H256::from_slice(hash.as_ref()),
		);
	}
	frame_system::Pallet::<T>::set_block_number(n.into());
}

/// `MaxReplicas` replicas revealed (agreeing floats) except the last, which has committed.
fn float_job_before_last_reveal<T: BenchConfig>(
	o: u32,
) -> (JobId, T::AccountId, Vec<u8>, [u8; 32]) {
	let model = add_model::<T>(float_model::<T>(false));
	let consumer = funded::<T>("consumer", 0);
	let n = T::MaxReplicas::get();
	let workers: Vec<_> = (0..n).map(|i| worker::<T>(i, model, PPM / 2).0).collect();
	let output = floats(o / 4, 0.5);
	let salt = [7u8; 32];
	let mut replicas: Vec<_> =
		workers.iter().map(|w| replica::<T>(w.clone(), ReplicaState::Revealed)).collect();
	let id = NextJobId::<T>::get();
	let last = workers.last().unwrap().clone();
	if let Some(r) = replicas.last_mut() {
		r.state = ReplicaState::Committed;
		r.commit =
			Some(H256(poi::output_commitment(id, &last.encode(), &output, &salt, &[0u8; 32])));
	}
	let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Revealing, replicas);
	for w in workers.iter().take(workers.len() - 1) {
		Outputs::<T>::insert(
			job,
			w,
			BoundedVec::<u8, T::MaxOutputLen>::truncate_from(output.clone()),
		);
	}
	(job, last, output, salt)
}

/// A job under audit with `MaxReplicas` disagreeing replicas and all auditors but one voted.
fn audited_job<T: BenchConfig>() -> (JobId, T::AccountId) {
	let model = add_model::<T>(float_model::<T>(false));
	let consumer = funded::<T>("consumer", 0);
	let n = T::MaxReplicas::get();
	let workers: Vec<_> = (0..n).map(|i| worker::<T>(i, model, PPM / 2).0).collect();
	let replicas: Vec<_> =
		workers.iter().map(|w| replica::<T>(w.clone(), ReplicaState::Revealed)).collect();
	let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Auditing, replicas);
	for (i, w) in workers.iter().enumerate() {
		Outputs::<T>::insert(
			job,
			w,
			BoundedVec::<u8, T::MaxOutputLen>::truncate_from(floats(4, i as f32)),
		);
	}
	let auditors: Vec<T::AccountId> =
		(0..T::MaxAuditors::get()).map(|i| account("auditor", i, 0)).collect();
	Auditors::<T>::put(BoundedVec::truncate_from(auditors.clone()));
	let mut votes = BoundedVec::new();
	for a in auditors.iter().take(auditors.len() - 1) {
		let scores: Vec<u8> = (0..n).map(|i| if i == 0 { 0 } else { 100 }).collect();
		votes.try_push((a.clone(), BoundedVec::truncate_from(scores))).expect("fits");
	}
	AuditVotes::<T>::insert(job, votes);
	(job, auditors.last().unwrap().clone())
}

#[benchmarks(where T: Send + Sync + pallet_workers::Config + Config<Workers = pallet_workers::Pallet<T>>)]
mod benches {
	use super::*;

	#[benchmark]
	fn register_model() {
		let layers: Vec<IntegerLayer> = (0..T::MaxLayers::get())
			.map(|_| IntegerLayer { inputs: 64, outputs: 64, shift: 1 })
			.collect();
		let spec = ModelSpec {
			name: vec![b'm'; T::MaxNameLen::get() as usize],
			kind: ModelKind::Classifier,
			weights_root: H256::repeat_byte(1),
			cost: GPU_HOUR / 100,
			max_input: 64,
			max_output: 256,
			tier: VerificationTier::ExactInteger,
			layers,
			premium: false,
			verifying_key: vec![],
		};
		let origin = <T as Config>::GovernanceOrigin::try_successful_origin().expect("origin");
		let next = NextModelId::<T>::get();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, spec);
		assert!(Models::<T>::contains_key(next));
	}

	#[benchmark]
	fn set_model_active() {
		let model = add_model::<T>(float_model::<T>(false));
		let origin = <T as Config>::GovernanceOrigin::try_successful_origin().expect("origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model, false);
		assert!(!Models::<T>::get(model).unwrap().active);
	}

	#[benchmark]
	fn set_auditors(n: Linear<0, { T::MaxAuditors::get() }>) {
		let auditors: Vec<T::AccountId> = (0..n).map(|i| account("auditor", i, 0)).collect();
		let origin = <T as Config>::GovernanceOrigin::try_successful_origin().expect("origin");
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, auditors);
		assert_eq!(Auditors::<T>::get().len() as u32, n);
	}

	/// Assigned path: two draws over a full list of low-reputation workers.
	#[benchmark]
	fn request(i: Linear<1, { T::MaxInputLen::get() }>) {
		set_block::<T>(2);
		let model = add_model::<T>(float_model::<T>(false));
		fill_candidates::<T>(model);
		let consumer = funded::<T>("consumer", 0);
		let next = NextJobId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), model, vec![1u8; i as usize], Balance::MAX, Some(7));
		// Never assigned in the block of its request (see `assign_pending`).
		assert_eq!(Jobs::<T>::get(next).unwrap().phase, Phase::Queued);
	}

	/// Queued path: every candidate busy, a long queue.
	#[benchmark]
	fn request_queued(i: Linear<1, { T::MaxInputLen::get() }>) {
		set_block::<T>(2);
		let model = add_model::<T>(float_model::<T>(false));
		fill_candidates::<T>(model);
		let busy: BoundedVec<JobId, T::MaxJobsPerWorker> = BoundedVec::truncate_from(
			(0..T::MaxJobsPerWorker::get() as u64).map(|x| x + 1_000_000).collect(),
		);
		for w in pallet_workers::Pallet::<T>::candidates(model) {
			WorkerJobs::<T>::insert(w, busy.clone());
		}
		let queue: Vec<(Balance, JobId, ModelId)> = (0..T::MaxLiveJobs::get().saturating_sub(2)
			as u64)
			.map(|x| (1, x + 2_000_000, model))
			.collect();
		Pending::<T>::put(BoundedVec::truncate_from(queue));
		let consumer = funded::<T>("consumer", 0);
		let next = NextJobId::<T>::get();
		#[extrinsic_call]
		request(RawOrigin::Signed(consumer), model, vec![1u8; i as usize], Balance::MAX, None);
		assert_eq!(Jobs::<T>::get(next).unwrap().phase, Phase::Queued);
	}

	/// The last of `MaxReplicas` commitments closes the commit phase.
	#[benchmark]
	fn commit() {
		set_block::<T>(2);
		let model = add_model::<T>(float_model::<T>(false));
		let consumer = funded::<T>("consumer", 0);
		let n = T::MaxReplicas::get();
		let workers: Vec<_> = (0..n).map(|i| worker::<T>(i, model, PPM / 2)).collect();
		let mut replicas: Vec<_> =
			workers.iter().map(|(w, _)| replica::<T>(w.clone(), ReplicaState::Committed)).collect();
		if let Some(r) = replicas.last_mut() {
			r.state = ReplicaState::Assigned;
		}
		let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Committing, replicas);
		let (who, public) = workers.last().unwrap().clone();
		let commitment = H256::repeat_byte(3);
		let timings = Timings { exec_micros: poi::work_micros(GPU_HOUR / 100) };
		let signature = attest::<T>(job, &public, commitment, timings);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), job, commitment, timings, signature);
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Revealing);
	}

	/// The costliest commitment: the last of `MaxReplicas`, with an implausible timing, after the
	/// other replicas were faulted. The replica is faulted (its zero-bond worker ejected from the
	/// model's list), no replica committed, so the attempt fails and the job is drawn again over
	/// a full list of low-reputation workers.
	#[benchmark]
	fn commit_reassigns() {
		set_block::<T>(2);
		let model = add_model::<T>(float_model::<T>(false));
		let consumer = funded::<T>("consumer", 0);
		let n = T::MaxReplicas::get();
		let workers: Vec<_> = (0..n).map(|i| worker::<T>(i, model, PPM / 2)).collect();
		fill_candidates::<T>(model);
		let mut replicas: Vec<_> = workers
			.iter()
			.map(|(w, _)| replica::<T>(w.clone(), ReplicaState::Faulted(Fault::Invalid)))
			.collect();
		if let Some(r) = replicas.last_mut() {
			r.state = ReplicaState::Assigned;
		}
		let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Committing, replicas);
		let (who, public) = workers.last().unwrap().clone();
		let commitment = H256::repeat_byte(3);
		// Far too fast for the model's reference work on an A100.
		let timings = Timings { exec_micros: 1 };
		let signature = attest::<T>(job, &public, commitment, timings);
		#[extrinsic_call]
		commit(RawOrigin::Signed(who.clone()), job, commitment, timings, signature);
		let j = Jobs::<T>::get(job).unwrap();
		assert_eq!(j.attempts, 2, "drawn again");
		assert!(!j.replicas.iter().any(|r| r.worker == who));
	}

	/// The last reveal of `MaxReplicas` agreeing float outputs of `o` bytes: compared, settled.
	#[benchmark]
	fn reveal(o: Linear<4, { T::MaxOutputLen::get() }>) {
		set_block::<T>(3);
		let (job, last, output, salt) = float_job_before_last_reveal::<T>(o);
		#[extrinsic_call]
		_(RawOrigin::Signed(last), job, output, salt, H256::zero());
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
	}

	/// A challenge answer opening `n` weight entries (a 64-input layer of `n / 65` rows), checked
	/// and settled.
	#[benchmark]
	fn respond(n: Linear<65, { 65 * T::MaxOutputLen::get() / 4 }>) {
		set_block::<T>(3);
		let rows = n / 65;
		let (model, layers, weights) = int_model::<T>(64, rows);
		let consumer = funded::<T>("consumer", 0);
		let (who, _) = worker::<T>(0, model, PPM / 2);
		let input: Vec<u8> = (0..64u8).collect();
		let trace = poi::integer_forward(&layers, &weights, &input).expect("runs");
		let output = poi::encode_i32s(&trace.last().unwrap().1);
		let mut r = replica::<T>(who.clone(), ReplicaState::Challenged);
		r.activation_root = Some(H256(poi::activation_root(&trace)));
		let job = insert_job::<T>(&consumer, model, input, Phase::Challenged, vec![r]);
		Outputs::<T>::insert(job, &who, BoundedVec::<u8, T::MaxOutputLen>::truncate_from(output));
		let opening = poi::open_layer(&layers, &weights, &trace, 0).expect("opens");
		#[extrinsic_call]
		_(RawOrigin::Signed(who), job, opening);
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
	}

	/// The last of `MaxAuditors` votes resolves `MaxReplicas` replicas and settles.
	#[benchmark]
	fn audit() {
		set_block::<T>(3);
		let (job, last) = audited_job::<T>();
		let scores: Vec<u8> =
			(0..T::MaxReplicas::get()).map(|i| if i == 0 { 0 } else { 100 }).collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(last), job, scores);
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
	}

	/// A Groth16 proof with `MaxZkPublicInputs` (128) public inputs verified through the host
	/// functions (fixture made natively by `zk_tests`: proofs bound to job 7 and the worker
	/// `account("worker", 0, 0)` as the mock and the runtime encode it), the worker paid.
	#[benchmark]
	fn prove() {
		set_block::<T>(3);
		type Fixture = (Vec<u8>, Vec<u8>, Vec<i32>, Vec<(Vec<u8>, Vec<u8>)>);
		let (key, input, output, proofs) =
			Fixture::decode(&mut &include_bytes!("zk_bench_fixture.bin")[..])
				.expect("fixture decodes");
		let spec = ModelSpec {
			name: b"zk".to_vec(),
			kind: ModelKind::Classifier,
			weights_root: H256::repeat_byte(2),
			cost: GPU_HOUR / 100,
			max_input: input.len() as u32,
			max_output: output.len() as u32 * 4,
			tier: VerificationTier::ZeroKnowledge { system: ProofSystem::Groth16Open },
			layers: Vec::new(),
			premium: false,
			verifying_key: key.clone(),
		};
		let model = add_model::<T>(Pallet::<T>::validate_model(spec).expect("valid zk model"));
		VerifyingKeys::<T>::insert(model, BoundedVec::truncate_from(key));
		let consumer = funded::<T>("consumer", 0);
		let (who, _) = worker::<T>(0, model, PPM / 2);
		// The job id the fixture's proofs are bound to (`zk_layer::FIXTURE_JOB`).
		NextJobId::<T>::put(7);
		let job = insert_job::<T>(
			&consumer,
			model,
			input,
			Phase::Challenged,
			vec![replica::<T>(who.clone(), ReplicaState::Challenged)],
		);
		Outputs::<T>::insert(
			job,
			&who,
			BoundedVec::<u8, T::MaxOutputLen>::truncate_from(poi::encode_i32s(&output)),
		);
		let encoded = who.encode();
		let (_, proof) = proofs
			.into_iter()
			.find(|(worker, _)| *worker == encoded)
			.expect("the fixture has a proof for this account encoding");
		#[extrinsic_call]
		_(RawOrigin::Signed(who), job, proof);
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(Outcome::Served));
	}

	/// Cancelling a queued job at the end of a full queue.
	#[benchmark]
	fn cancel() {
		set_block::<T>(2);
		let model = add_model::<T>(float_model::<T>(false));
		let consumer = funded::<T>("consumer", 0);
		let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Queued, vec![]);
		let mut queue: Vec<(Balance, JobId, ModelId)> = (0
			..T::MaxLiveJobs::get().saturating_sub(2) as u64)
			.map(|x| (1, x + 2_000_000, model))
			.collect();
		queue.push((0, job, model));
		Pending::<T>::put(BoundedVec::truncate_from(queue));
		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), job);
		assert_eq!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(Outcome::Refunded));
	}

	/// The admission check of a contributor's request for a premium model.
	#[benchmark]
	fn check_admission() {
		let model = add_model::<T>(float_model::<T>(true));
		let consumer = funded::<T>("consumer", 0);
		pallet_workers::Pallet::<T>::add_contribution(&consumer, GPU_HOUR);
		let result;
		#[block]
		{
			result = CheckAdmission::<T>::request_priority(
				&consumer,
				model,
				&[1; 64],
				Balance::MAX,
				false,
			);
		}
		assert!(result.is_ok());
	}

	/// `e` audits expire in one block (each resolved with `MaxAuditors − 1` votes and settled),
	/// in a bucket filled to `MaxLiveJobs`: the entries beyond `DeadlinesPerBlock` are carried
	/// to the next block (the carry-over is in every block's figure).
	#[benchmark]
	fn on_initialize_expired(e: Linear<0, { T::DeadlinesPerBlock::get() }>) {
		set_block::<T>(3);
		let mut jobs = Vec::new();
		for _ in 0..e {
			jobs.push(audited_job::<T>().0);
		}
		let at = frame_system::Pallet::<T>::block_number() + 5u32.into();
		Deadlines::<T>::mutate(at, |bucket| {
			for x in 0..T::MaxLiveJobs::get().saturating_sub(e) {
				bucket.try_push(3_000_000 + u64::from(x)).expect("bucket holds MaxLiveJobs");
			}
		});
		frame_system::Pallet::<T>::set_block_number(at);
		#[block]
		{
			Pallet::<T>::process_deadlines(at);
		}
		for job in jobs {
			assert!(matches!(Jobs::<T>::get(job).unwrap().phase, Phase::Done(_)));
		}
		let carried = T::MaxLiveJobs::get().saturating_sub(T::DeadlinesPerBlock::get());
		assert_eq!(Deadlines::<T>::get(at + 1u32.into()).len() as u32, carried);
	}

	/// `a` queued jobs are assigned in one block (two draws each over full candidate lists).
	#[benchmark]
	fn on_initialize_assign(a: Linear<0, { T::AssignPerBlock::get() }>) {
		set_block::<T>(3);
		let model = add_model::<T>(float_model::<T>(false));
		fill_candidates::<T>(model);
		let consumer = funded::<T>("consumer", 0);
		let mut queue = Vec::new();
		for _ in 0..a {
			let job = insert_job::<T>(&consumer, model, vec![1u8; 16], Phase::Queued, vec![]);
			queue.push((0, job, model));
		}
		Pending::<T>::put(BoundedVec::truncate_from(queue));
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::assign_pending(now);
		}
		assert!(Pending::<T>::get().len() as u32 <= a);
	}

	/// A block with nothing due: capacity noted, no deadline, empty queue.
	#[benchmark]
	fn on_initialize_idle() {
		use frame_support::traits::Hooks;
		set_block::<T>(3);
		let model = add_model::<T>(float_model::<T>(false));
		worker::<T>(0, model, PPM / 2);
		pallet_workers::Capacity::<T>::put(1_000);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::bench_ext(), crate::mock::Test);
}
