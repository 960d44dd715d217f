//! The worker's engine: on every finalized block it reconciles what the chain says about each of
//! its jobs with what it has on disk, and submits the one step that is due.
//!
//! | chain: phase / my replica | worker does |
//! |---|---|
//! | Committing / Assigned | read the input, run the model, draw a salt, **save the record**, commit with an attested signature |
//! | Revealing / Committed | reveal output, salt and activation root from the record |
//! | Challenged / Challenged | integer models: recompute the challenge seed from the chain randomness of the block that closed the commitments, open the layer; zero-knowledge models: prove the revealed output (Groth16, weights hidden) |
//! | Done, or not assigned any more | forget the record (kept while the node's finalized view is older than the record's last submission) |
//!
//! The decision is taken from chain state, not from events, so a restarted worker (or one that
//! missed blocks) picks up exactly where the chain is. A step submitted at block `n` is not
//! submitted again before `n + RESUBMIT_AFTER`, and only if the chain still waits for it; the
//! submission block is part of the saved record, so a restart does not resubmit either.

use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
	time::Instant,
};

use burn::tensor::backend::Backend;
use codec::Encode;
use declai_primitives::{
	poi::{self, Attestation, IntegerLayer, Timings},
	verify::merkle_root,
	HardwareClass,
};
use rand::RngCore;
use sp_crypto_hashing::blake2_256;
use subxt_signer::sr25519::Keypair;

use crate::{
	chain::{Chain, ChainError, JobInfo, ModelInfo, Phase, RawArgs, RawCall, ReplicaState, Tier},
	config::ModelEntry,
	models::{
		integer::{trace_output, BurnIntegerModel, IntegerModel},
		minilm::{encode_embedding, MiniLm},
		zk::{is_zk_dir, ZkModel},
		ModelError,
	},
	status::Status,
	store::{JobRecord, JobStore, Step, StoreError},
};

mod eta;

/// Blocks after which a step that the chain still waits for is submitted again.
pub const RESUBMIT_AFTER: u32 = 6;

/// A test-only behaviour for adversarial end-to-end tests (`--dishonest`).
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum, serde::Serialize)]
pub enum Dishonesty {
	/// Computes the result, then commits a different output (and activations that match it).
	WrongOutput,
	/// Skips the work: commits zeros of the right length.
	SkipWork,
}

/// Why the engine could not handle a job.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// Talking to the chain failed.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The job store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// A model failed.
	#[error(transparent)]
	Model(#[from] ModelError),
	/// This account is registered with another attestation key than the local key file's.
	#[error(
		"AttestationKeyMismatch: this account is registered with attestation key {on_chain}, but \
		 the key file {path} holds {local}; restore the key file the worker registered with, or \
		 unbond this account and run the worker under another"
	)]
	AttestationKeyMismatch {
		/// The registered key.
		on_chain: String,
		/// The key file's key.
		local: String,
		/// The key file.
		path: String,
	},
	/// The chain's data is inconsistent with what the worker expects.
	#[error("job {job}: {reason}")]
	Job {
		/// The job.
		job: u64,
		/// What is wrong.
		reason: String,
	},
}

/// A model ready to serve.
pub enum Loaded<B: Backend> {
	/// An exact integer model.
	Integer {
		/// The weights and shapes.
		model: IntegerModel,
		/// On the backend.
		burn: BurnIntegerModel<B>,
	},
	/// The MiniLM embedder.
	MiniLm(Box<MiniLm<B>>),
	/// A hidden-weights model, proven on the CPU (arkworks).
	Zk(Box<ZkModel>),
}

impl<B: Backend> Loaded<B> {
	/// Loads a configured model: a JSON file is an integer model, a directory made by
	/// `zk-setup` a hidden-weights model, another directory MiniLM.
	pub fn load(entry: &ModelEntry, device: &B::Device) -> Result<Self, ModelError> {
		if is_zk_dir(&entry.path) {
			Ok(Self::Zk(Box::new(ZkModel::load(&entry.path)?)))
		} else if entry.path.is_dir() {
			Ok(Self::MiniLm(Box::new(MiniLm::load(&entry.path, device)?)))
		} else {
			let model = IntegerModel::load(&entry.path)?;
			let burn = BurnIntegerModel::new(&model, device);
			Ok(Self::Integer { model, burn })
		}
	}

	/// The local weight commitment.
	pub fn weights_root(&self) -> [u8; 32] {
		match self {
			Self::Integer { model, .. } => model.weights_root(),
			Self::MiniLm(m) => m.weights_root(),
			// The salted commitment: a Merkle root of the rows would not hide them.
			Self::Zk(m) => m.commitment,
		}
	}

	/// Runs one job input.
	pub fn run(&self, input: &[u8]) -> Result<Execution, ModelError> {
		match self {
			Self::Integer { burn, .. } => {
				let trace = burn.forward(input)?;
				Ok(Execution {
					output: trace_output(&trace),
					activation_root: poi::activation_root(&trace),
					trace: Some(trace),
				})
			}
			Self::MiniLm(m) => {
				let text = std::str::from_utf8(input)
					.map_err(|e| ModelError::BadInput(format!("text is not UTF-8: {e}")))?;
				let embedding = m.embed(&[text])?.pop().unwrap_or_default();
				let output = encode_embedding(&embedding);
				// Float models: the activation commitment covers the output (replicas and auditors
				// compare outputs within the tier's tolerance).
				let activation_root = merkle_root(&[output.as_slice()]);
				Ok(Execution { output, activation_root, trace: None })
			}
			// The proof covers the computation: the commitment covers the output only.
			Self::Zk(m) => {
				let output = m.run(input)?;
				let activation_root = merkle_root(&[output.as_slice()]);
				Ok(Execution { output, activation_root, trace: None })
			}
		}
	}
}

/// What one inference produced.
pub struct Execution {
	/// The job output.
	pub output: Vec<u8>,
	/// Merkle root of the activations (integer models) or of the output (float models).
	pub activation_root: [u8; 32],
	/// Integer models: the activation trace.
	pub trace: Option<poi::Trace>,
}

/// A model the chain knows and the worker serves.
pub struct Served<B: Backend> {
	/// On-chain id.
	pub id: u32,
	/// On-chain record.
	pub info: ModelInfo,
	/// The local model.
	pub model: Loaded<B>,
}

/// The engine.
pub struct Engine<B: Backend> {
	chain: Arc<Chain>,
	store: JobStore,
	attestation: Keypair,
	models: BTreeMap<u32, Served<B>>,
	status: Arc<Status>,
	dishonest: Option<Dishonesty>,
	/// Steps submitted this session: (job, step) → block, mirrored in the records.
	submitted: BTreeMap<(u64, Step), u32>,
	/// Whether this account votes in audits (it is in `Inference.Auditors`).
	auditor: bool,
	/// Jobs in audit that this auditor has not voted on yet (persisted).
	audits: BTreeSet<u64>,
	/// Benchmark-challenge bookkeeping (persisted).
	benchmarks: crate::store::BenchmarkState,
	/// The hardware class this worker attests (auditors report it with their checks).
	class: HardwareClass,
	/// The device models and benchmark challenges run on.
	device: B::Device,
}

/// At most this many missed blocks are scanned for audit events after a restart: a node keeps
/// the state (and so the events) of its last 256 blocks unless it runs as an archive.
const CATCH_UP_MAX: u32 = 240;

impl<B: Backend> Engine<B> {
	/// An engine over connected parts.
	pub fn new(
		chain: Arc<Chain>,
		store: JobStore,
		attestation: Keypair,
		models: BTreeMap<u32, Served<B>>,
		status: Arc<Status>,
		dishonest: Option<Dishonesty>,
	) -> Self {
		let audits = store.audits().unwrap_or_default();
		let benchmarks = store.benchmarks().unwrap_or_default();
		Self {
			chain,
			store,
			attestation,
			models,
			status,
			dishonest,
			submitted: BTreeMap::new(),
			auditor: false,
			audits,
			benchmarks,
			class: HardwareClass::Cpu,
			device: Default::default(),
		}
	}

	/// Sets the attested hardware class and the device benchmark challenges run on.
	pub fn set_hardware(&mut self, class: HardwareClass, device: B::Device) {
		self.class = class;
		self.device = device;
	}

	/// Makes this engine vote in audits (its account must be an auditor on chain).
	pub fn set_auditor(&mut self, auditor: bool) {
		self.auditor = auditor;
	}

	/// Replaces the chain connection (after a reconnect).
	pub fn set_chain(&mut self, chain: Arc<Chain>) {
		self.chain = chain;
	}

	/// Handles finalized block `number`: every job the chain or the store knows.
	pub async fn on_block(&mut self, number: u32) -> Result<(), WorkerError> {
		self.chain.forget_nonce().await;
		let mut jobs: BTreeSet<u64> =
			self.chain.worker_jobs(self.chain.account()).await?.into_iter().collect();
		jobs.extend(self.store.jobs()?);
		self.status.set_block(number, jobs.len());
		for job in jobs {
			if let Err(e) = self.handle(job, number).await {
				self.status.count("errors");
				tracing::error!(job, error = %e, "job step failed");
			}
		}
		if let Err(e) = self.answer_benchmark(number).await {
			self.status.count("errors");
			tracing::error!(error = %e, "benchmark challenge not answered");
		}
		if self.auditor {
			self.collect_audits(number).await?;
			if let Err(e) = self.check_benchmarks(number).await {
				self.status.count("errors");
				tracing::error!(error = %e, "benchmark checks failed");
			}
			for job in self.audits.clone() {
				if let Err(e) = self.audit(job, number).await {
					self.status.count("errors");
					tracing::error!(job, error = %e, "audit failed");
				}
			}
			self.store.save_audits(&self.audits)?;
		}
		Ok(())
	}

	/// Adds the jobs of `AuditStarted` events and the challenges of `BenchmarkAnswered` events
	/// since the last handled block (bounded catch-up).
	async fn collect_audits(&mut self, number: u32) -> Result<(), WorkerError> {
		let from = self
			.store
			.last_block()?
			.map_or(number, |b| b.saturating_add(1))
			.max(number.saturating_sub(CATCH_UP_MAX));
		for n in from..=number {
			let events = match self.chain.events_at(n).await {
				Ok(events) => events,
				// An older block's state may be pruned: skip it rather than stall the catch-up
				// at it for good (its audits end by their deadline without this vote).
				Err(e) if n < number => {
					tracing::warn!(block = n, error = %e, "events not readable; block skipped");
					continue;
				}
				Err(e) => return Err(e.into()),
			};
			for event in events {
				if event.pallet == "Inference" && event.name == "AuditStarted" {
					if let Some(job) = event
						.fields
						.get(..8)
						.and_then(|b| b.try_into().ok())
						.map(u64::from_le_bytes)
					{
						tracing::info!(job, block = n, "audit started");
						self.audits.insert(job);
					}
				}
				if event.pallet == "Workers" && event.name == "BenchmarkAnswered" {
					if let Some((who, id)) = eta::answered_event(&event.fields) {
						self.queue_check(&who, id);
					}
				}
			}
		}
		self.store.save_audits(&self.audits)?;
		self.store.save_benchmarks(&self.benchmarks)?;
		self.store.save_last_block(number)?;
		Ok(())
	}

	/// Re-executes a job in audit and votes: 100 for each replica whose revealed output matches
	/// the re-execution (exactly, or within the model's tolerance), 0 otherwise.
	async fn audit(&mut self, id: u64, number: u32) -> Result<(), WorkerError> {
		let me = *self.chain.account();
		let job = match self.chain.job(id).await? {
			Some(j) if j.phase == Phase::Auditing => j,
			_ => {
				self.audits.remove(&id);
				return Ok(());
			}
		};
		// The chain refuses a vote of a party to the job (its consumer or a replica): `OwnJob`.
		if job.consumer == me
			|| job.replica(&me).is_some()
			|| self.chain.audit_votes(id).await?.iter().any(|(who, _)| who == &me)
		{
			self.audits.remove(&id);
			return Ok(());
		}
		if self.recently(None, id, Step::Audit, number) {
			return Ok(());
		}
		let Some(served) = self.models.get(&job.model) else {
			tracing::warn!(job = id, model = job.model, "cannot audit: model not loaded here");
			self.audits.remove(&id);
			return Ok(());
		};
		let input = self.input_of(id, &job).await?;
		let expected = served.model.run(&input)?.output;
		let mut scores = Vec::with_capacity(job.replicas.len());
		for replica in &job.replicas {
			let revealed = self.chain.output(id, &replica.worker).await?;
			let good = revealed.is_some_and(|out| match served.info.tier {
				Tier::FloatTolerance { max_error_ppm } => {
					poi::within_tolerance(&expected, &out, max_error_ppm)
				}
				_ => out == expected,
			});
			scores.push(if good { 100u8 } else { 0 });
		}
		tracing::info!(job = id, ?scores, "audit vote");
		self.submitted.insert((id, Step::Audit), number);
		let call = RawCall::new("Inference", "audit", RawArgs::default().arg(&id).arg(&scores));
		self.chain.submit(&call).await?;
		self.status.count("audit_votes");
		Ok(())
	}

	async fn handle(&mut self, id: u64, number: u32) -> Result<(), WorkerError> {
		let me = *self.chain.account();
		let Some(job) = self.chain.job(id).await? else {
			return self.forget_unless_behind(id, "ended and pruned", number);
		};
		let Some(replica) = job.replica(&me) else {
			return self.forget_unless_behind(id, "no longer assigned", number);
		};
		match (&job.phase, &replica.state) {
			(Phase::Done(outcome), _) => self.forget(id, &format!("{outcome:?}")),
			(Phase::Committing, ReplicaState::Assigned) => self.commit(id, &job, number).await,
			(Phase::Revealing, ReplicaState::Committed) => self.reveal(id, number).await,
			(Phase::Challenged, ReplicaState::Challenged) => {
				if matches!(self.served(id, &job)?.model, Loaded::Zk(_)) {
					self.prove(id, &job, number).await
				} else {
					self.respond(id, &job, number).await
				}
			}
			(_, ReplicaState::Faulted(fault)) => {
				self.status.count("faulted");
				tracing::warn!(job = id, ?fault, "replica faulted");
				self.forget(id, "faulted")
			}
			_ => Ok(()),
		}
	}

	/// Like [`Self::forget`] for a job the chain no longer shows, unless the node's finalized
	/// state is older than this worker's last submission for it (a node that is still syncing
	/// after a restart): then the record is kept, because the job is still due there.
	fn forget_unless_behind(&mut self, id: u64, why: &str, number: u32) -> Result<(), WorkerError> {
		let record = self.store.load(id)?;
		if let Some(last) = record.as_ref().and_then(|r| r.submitted.values().max().copied()) {
			if number < last {
				tracing::warn!(
					job = id,
					block = number,
					last_submitted = last,
					"node behind this job's records; kept"
				);
				return Ok(());
			}
		}
		self.drop_record(id, why, record.is_some())
	}

	fn forget(&mut self, id: u64, why: &str) -> Result<(), WorkerError> {
		let on_disk = self.store.load(id)?.is_some();
		self.drop_record(id, why, on_disk)
	}

	/// Removes job `id`'s record (if `on_disk`) and its submission marks.
	fn drop_record(&mut self, id: u64, why: &str, on_disk: bool) -> Result<(), WorkerError> {
		if on_disk {
			tracing::info!(job = id, why, "job finished");
			self.store.remove(id)?;
			self.status.count("jobs_finished");
		}
		self.submitted.retain(|(job, _), _| *job != id);
		Ok(())
	}

	/// The served model of `job`.
	fn served(&self, id: u64, job: &JobInfo) -> Result<&Served<B>, WorkerError> {
		self.models.get(&job.model).ok_or_else(|| WorkerError::Job {
			job: id,
			reason: format!("model {} is not served here", job.model),
		})
	}

	/// Whether `step` of `job` was submitted recently (this session or before a restart).
	fn recently(&self, record: Option<&JobRecord>, job: u64, step: Step, number: u32) -> bool {
		let last = self
			.submitted
			.get(&(job, step))
			.copied()
			.or_else(|| record.and_then(|r| r.submitted.get(&step).copied()));
		last.is_some_and(|at| number < at.saturating_add(RESUBMIT_AFTER))
	}

	async fn submit(
		&mut self,
		record: &mut JobRecord,
		step: Step,
		call: RawCall,
		number: u32,
	) -> Result<(), WorkerError> {
		// Recorded before the submission: a crash between the two never resubmits too early.
		record.submitted.insert(step, number);
		self.store.save(record)?;
		self.submitted.insert((record.job, step), number);
		let hash = self.chain.submit(&call).await?;
		self.status.count(match step {
			Step::Commit => "commits",
			Step::Reveal => "reveals",
			Step::Respond => "challenge_answers",
			Step::Prove => "proofs",
			Step::Audit => "audit_votes",
		});
		tracing::info!(job = record.job, ?step, tx = %hex::encode(hash), block = number, "submitted");
		Ok(())
	}

	async fn commit(&mut self, id: u64, job: &JobInfo, number: u32) -> Result<(), WorkerError> {
		let existing = self.store.load(id)?.filter(|r| r.attempt == job.attempts);
		if self.recently(existing.as_ref(), id, Step::Commit, number) {
			return Ok(());
		}
		let mut record = match existing {
			Some(r) => r,
			None => {
				let input = self.input_of(id, job).await?;
				self.compute(id, job, &input)?
			}
		};
		let served = self.served(id, job)?;
		let timings = Timings { exec_micros: record.exec_micros };
		let attestation = Attestation {
			job: id,
			model_root: served.info.weights_root,
			input_hash: job.input_hash,
			commit: record.commit,
			timings,
		};
		let signature = self.attestation.sign(&attestation.signing_payload());
		let call = RawCall::new(
			"Inference",
			"commit",
			RawArgs::default()
				.arg(&id)
				.arg(&record.commit)
				.arg(&timings)
				.arg(&AttestationSignature::Sr25519(signature.0)),
		);
		self.submit(&mut record, Step::Commit, call, number).await
	}

	/// Runs the job (or fakes it in a dishonest test mode) and saves the record.
	fn compute(&mut self, id: u64, job: &JobInfo, input: &[u8]) -> Result<JobRecord, WorkerError> {
		let served = self.served(id, job)?;
		let start = Instant::now();
		let Execution { mut output, activation_root: mut root, mut trace } = match self.dishonest {
			Some(Dishonesty::SkipWork) => Execution {
				output: vec![0u8; served.info.max_output as usize],
				activation_root: [0u8; 32],
				trace: None,
			},
			_ => served.model.run(input)?,
		};
		let exec_micros = start.elapsed().as_micros().max(1) as u64;
		if self.dishonest == Some(Dishonesty::WrongOutput) {
			if let Some(byte) = output.first_mut() {
				*byte ^= 0x5a;
			}
			if let (Some(t), Loaded::Integer { .. }) = (trace.as_mut(), &served.model) {
				// Keep the trace consistent with the forged output so only the checks catch it.
				if let (Some((_, y)), Some(forged)) = (t.last_mut(), poi::decode_i32s(&output)) {
					*y = forged;
				}
				root = poi::activation_root(t);
			} else {
				root = merkle_root(&[output.as_slice()]);
			}
		}
		if self.dishonest == Some(Dishonesty::SkipWork) {
			trace = None;
		}
		let mut salt = [0u8; 32];
		rand::rngs::OsRng.fill_bytes(&mut salt);
		// The commitment binds the activation root too: the trace a challenge opens is fixed now.
		let commit = poi::output_commitment(id, &self.chain.account_bytes(), &output, &salt, &root);
		let record = JobRecord {
			job: id,
			attempt: job.attempts,
			model: job.model,
			output,
			salt,
			commit,
			activation_root: root,
			trace,
			exec_micros,
			submitted: BTreeMap::new(),
		};
		self.store.save(&record)?;
		self.status.count("inferences");
		self.status.observe_exec(exec_micros);
		tracing::info!(job = id, model = job.model, exec_micros, "inference done");
		Ok(record)
	}

	async fn input_of(&self, id: u64, job: &JobInfo) -> Result<Vec<u8>, WorkerError> {
		let input = self
			.chain
			.input(id)
			.await?
			.ok_or_else(|| WorkerError::Job { job: id, reason: "no input stored".into() })?;
		if blake2_256(&input) != job.input_hash {
			return Err(WorkerError::Job {
				job: id,
				reason: "input does not match its hash".into(),
			});
		}
		Ok(input)
	}

	async fn reveal(&mut self, id: u64, number: u32) -> Result<(), WorkerError> {
		let Some(mut record) = self.store.load(id)? else {
			// Committed but the record is gone (the state directory was deleted): nothing to
			// reveal; the chain will count a missed reveal.
			return Err(WorkerError::Job {
				job: id,
				reason: "committed but no record to reveal".into(),
			});
		};
		if self.recently(Some(&record), id, Step::Reveal, number) {
			return Ok(());
		}
		let call = RawCall::new(
			"Inference",
			"reveal",
			RawArgs::default()
				.arg(&id)
				.arg(&record.output)
				.arg(&record.salt)
				.arg(&record.activation_root),
		);
		self.submit(&mut record, Step::Reveal, call, number).await
	}

	async fn respond(&mut self, id: u64, job: &JobInfo, number: u32) -> Result<(), WorkerError> {
		let Some(mut record) = self.store.load(id)? else {
			return Err(WorkerError::Job { job: id, reason: "challenged but no record".into() });
		};
		if self.recently(Some(&record), id, Step::Respond, number) {
			return Ok(());
		}
		let served = self.served(id, job)?;
		let Loaded::Integer { model, .. } = &served.model else {
			return Err(WorkerError::Job { job: id, reason: "challenged on a float model".into() });
		};
		let closed = job.commits_closed.ok_or_else(|| WorkerError::Job {
			job: id,
			reason: "challenged before commitments closed".into(),
		})?;
		let randomness = self.chain.chain_randomness(closed).await?.ok_or_else(|| {
			WorkerError::Job { job: id, reason: format!("no chain randomness for block {closed}") }
		})?;
		let seed = poi::challenge_seed(&randomness, id, &self.chain.account_bytes());
		let layer = poi::challenged_layer(&seed, model.layers.len());
		let trace = record.trace.clone().unwrap_or_default();
		let opening =
			poi::open_layer(&model.layers, &model.rows, &trace, layer).ok_or_else(|| {
				WorkerError::Job {
					job: id,
					reason: format!("cannot open layer {layer} of the saved trace"),
				}
			})?;
		tracing::info!(job = id, layer, "answering a layer challenge");
		let call = RawCall::new("Inference", "respond", RawArgs::default().arg(&id).arg(&opening));
		self.submit(&mut record, Step::Respond, call, number).await
	}
}

impl<B: Backend> Engine<B> {
	/// Proves the revealed output of a zero-knowledge job: a Groth16 proof bound to this job and
	/// this account, of the output on record, for the input on chain (about 2 s on 2 cores for
	/// the digits model, off the async threads).
	async fn prove(&mut self, id: u64, job: &JobInfo, number: u32) -> Result<(), WorkerError> {
		let Some(mut record) = self.store.load(id)? else {
			return Err(WorkerError::Job { job: id, reason: "proof due but no record".into() });
		};
		if self.recently(Some(&record), id, Step::Prove, number) {
			return Ok(());
		}
		let input = self.input_of(id, job).await?;
		let served = self.served(id, job)?;
		let Loaded::Zk(model) = &served.model else {
			return Err(WorkerError::Job { job: id, reason: "not a zero-knowledge model".into() });
		};
		let start = Instant::now();
		let account = self.chain.account_bytes();
		let proof =
			tokio::task::block_in_place(|| model.prove(id, &account, &input, &record.output))?;
		let prove_ms = start.elapsed().as_millis();
		tracing::info!(job = id, prove_ms, bytes = proof.len(), "proof made");
		let call = RawCall::new("Inference", "prove", RawArgs::default().arg(&id).arg(&proof));
		self.submit(&mut record, Step::Prove, call, number).await
	}
}

pub use crate::chain::{AttestationKey, AttestationSignature};

/// What a worker that is registered already must do at start, from its registration on chain:
/// nothing, or `Workers.update` when the models it loaded or its region differ from the
/// registered ones (the chain would otherwise assign it jobs of a model it cannot run). A
/// different attestation key is [`WorkerError::AttestationKeyMismatch`]: every commitment it
/// signed would be refused as forged, and the chain cannot change a worker's key.
pub fn registration_update(
	registered: &crate::chain::Registration,
	key: &AttestationKey,
	key_path: &std::path::Path,
	region: u16,
	models: &[u32],
) -> Result<Option<RawCall>, WorkerError> {
	if registered.key != *key {
		return Err(WorkerError::AttestationKeyMismatch {
			on_chain: registered.key.to_string(),
			local: key.to_string(),
			path: key_path.display().to_string(),
		});
	}
	let mut wanted = models.to_vec();
	wanted.sort_unstable();
	let mut have = registered.models.clone();
	have.sort_unstable();
	if wanted == have && registered.region == region {
		return Ok(None);
	}
	Ok(Some(RawCall::new("Workers", "update", RawArgs::default().arg(&region).arg(&wanted))))
}

/// `pallet_inference::ModelSpec` as encoded on chain.
#[derive(Clone, Debug, Encode)]
pub struct ModelSpec {
	/// Name.
	pub name: Vec<u8>,
	/// Kind.
	pub kind: poi::ModelKind,
	/// Weight commitment.
	pub weights_root: [u8; 32],
	/// Reference cost (work units).
	pub cost: u128,
	/// Largest input.
	pub max_input: u32,
	/// Largest output.
	pub max_output: u32,
	/// Tier.
	pub tier: poi::VerificationTier,
	/// Integer layers.
	pub layers: Vec<IntegerLayer>,
	/// Contributors only.
	pub premium: bool,
	/// Groth16 verifying key (ZK tier).
	pub verifying_key: Vec<u8>,
}

/// The on-chain tier of a local model.
pub fn tier_of<B: Backend>(model: &Loaded<B>) -> Tier {
	match model {
		Loaded::Integer { .. } => Tier::ExactInteger,
		Loaded::MiniLm(_) => Tier::FloatTolerance { max_error_ppm: 0 },
		Loaded::Zk(m) => Tier::ZeroKnowledge {
			system: crate::chain::ProofSystem::Groth16Hidden { commitment: m.commitment },
		},
	}
}

/// `Workers.register(key, class, region, models, bond)`.
pub fn register_call(
	attestation: &Keypair,
	class: HardwareClass,
	region: u16,
	models: &[u32],
	bond: u128,
) -> RawCall {
	RawCall::new(
		"Workers",
		"register",
		RawArgs::default()
			.arg(&AttestationKey::Sr25519(attestation.public_key().0))
			.arg(&class)
			.arg(&region)
			.arg(&models.to_vec())
			.arg(&bond),
	)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::chain::Registration;
	use std::path::Path;

	const KEY: [u8; 32] = [7; 32];

	fn registered(models: Vec<u32>, region: u16) -> Registration {
		Registration { key: AttestationKey::Sr25519(KEY), region, models }
	}

	#[test]
	fn a_matching_registration_needs_nothing_whatever_the_model_order() {
		let key = AttestationKey::Sr25519(KEY);
		let update =
			registration_update(&registered(vec![2, 1], 0), &key, Path::new("k"), 0, &[1, 2]);
		assert!(matches!(update, Ok(None)));
	}

	#[test]
	fn other_models_or_region_update_the_registration_to_what_is_loaded() {
		let key = AttestationKey::Sr25519(KEY);
		// Model 2 failed to load here: the chain must stop assigning it.
		let call = registration_update(&registered(vec![1, 2], 0), &key, Path::new("k"), 0, &[1])
			.unwrap()
			.expect("an update");
		assert_eq!(call.name(), "Workers.update");
		assert_eq!(call.args().0, vec![0u16.encode(), vec![1u32].encode()]);
		let call = registration_update(&registered(vec![1], 0), &key, Path::new("k"), 3, &[1])
			.unwrap()
			.expect("an update");
		assert_eq!(call.args().0, vec![3u16.encode(), vec![1u32].encode()]);
	}

	#[test]
	fn another_attestation_key_is_a_named_error_naming_both_keys_and_the_file() {
		let local = AttestationKey::Sr25519([8; 32]);
		let err =
			registration_update(&registered(vec![1], 0), &local, Path::new("/d/att.key"), 0, &[1])
				.unwrap_err();
		let text = err.to_string();
		assert!(matches!(err, WorkerError::AttestationKeyMismatch { .. }));
		assert!(text.starts_with("AttestationKeyMismatch"), "{text}");
		assert!(
			text.contains(&hex::encode(KEY)) && text.contains(&hex::encode([8u8; 32])),
			"{text}"
		);
		assert!(text.contains("/d/att.key"), "{text}");
		// The kind of key counts too.
		let ed = AttestationKey::Ed25519(KEY);
		assert!(registration_update(&registered(vec![1], 0), &ed, Path::new("k"), 0, &[1]).is_err());
	}
}
