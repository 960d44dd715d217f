//! `declai-worker`: the DeCLAI inference worker and consumer CLI.
//!
//! - `run`: serve inference for the chain (config file and/or flags);
//! - `request`: ask the chain for an inference (a digits image or a text), wait for the verified
//!   result and print it with the credit receipts;
//! - `register-models`: register the digits classifier and MiniLM on a dev chain (sudo);
//! - `train-digits`, `model-root`, `embed`, `detect`, `benchmark`: model and hardware tools.

use std::{
	collections::BTreeMap,
	io::IsTerminal,
	path::{Path, PathBuf},
	process::ExitCode,
	sync::Arc,
	time::Duration,
};

use burn::tensor::backend::Backend;
use clap::{Args, Parser, Subcommand};
use declai_primitives::{
	poi::{self, ModelKind, ProofSystem, VerificationTier},
	CRED,
};
use declai_worker::{
	bench,
	chain::{Chain, ModelInfo, Outcome, Phase, RawArgs, RawCall},
	config::{ModelEntry, WorkerConfig},
	hardware, keys,
	models::{
		digits::{self, TrainConfig},
		integer::{argmax, IntegerModel},
		minilm::{self, decode_embedding, MiniLm},
		zk::ZkModel,
		Cpu,
	},
	status::{self, ModelStatus, Status},
	store::JobStore,
	worker::{
		register_call, registration_update, tier_of, AttestationKey, Dishonesty, Engine, Loaded,
		ModelSpec, Served,
	},
};
use tracing_subscriber::{fmt, EnvFilter};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(name = "declai-worker", version, about = "DeCLAI inference worker and consumer CLI")]
struct Cli {
	/// Log as JSON lines instead of text.
	#[arg(long, global = true)]
	log_json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Args, Clone, Default)]
struct RunFlags {
	/// TOML configuration file (flags override its values).
	#[arg(long)]
	config: Option<PathBuf>,
	/// Node JSON-RPC URL.
	#[arg(long)]
	node: Option<String>,
	/// Account secret URI (`//Bob`) or `@file`.
	#[arg(long)]
	account: Option<String>,
	/// State directory (job records, attestation key).
	#[arg(long)]
	state_dir: Option<PathBuf>,
	/// Status/metrics address (`""` disables).
	#[arg(long)]
	status_addr: Option<String>,
	/// Hardware class or `auto`.
	#[arg(long)]
	class: Option<String>,
	/// Region id.
	#[arg(long)]
	region: Option<u16>,
	/// Bond at registration (CRED).
	#[arg(long)]
	bond: Option<f64>,
	/// Serve the digits model from this file (name `digits-mlp-v1`).
	#[arg(long)]
	digits: Option<PathBuf>,
	/// Serve MiniLM from this directory (name `all-minilm-l6-v2`).
	#[arg(long)]
	minilm: Option<PathBuf>,
	/// Serve a hidden-weights model from this `zk-setup` directory (its name is in `zk.json`,
	/// e.g. `digits-mlp-v1-zk`): every job of it is proven.
	#[arg(long)]
	zk: Option<PathBuf>,
	/// Vote in audits when this account is an auditor (validators); with `--audit-only` the
	/// account does not register as a worker.
	#[arg(long)]
	audit: bool,
	/// Only audit: do not register or serve jobs.
	#[arg(long, requires = "audit")]
	audit_only: bool,
	/// TEST ONLY: misbehave to exercise the chain's checks.
	#[arg(long, value_enum, hide = true)]
	dishonest: Option<Dishonesty>,
}

#[derive(Subcommand)]
enum Command {
	/// Serve inference jobs assigned by the chain.
	Run(RunFlags),
	/// Request an inference and wait for the verified result.
	Request {
		/// Node JSON-RPC URL.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// Paying account (secret URI or `@file`).
		#[arg(long, default_value = "//Alice")]
		account: String,
		/// Model name on chain.
		#[arg(long)]
		model: String,
		/// A text (MiniLM).
		#[arg(long, conflicts_with_all = ["digits_sample", "pixels"])]
		text: Option<String>,
		/// The n-th image of the committed digits data set.
		#[arg(long, conflicts_with = "pixels")]
		digits_sample: Option<usize>,
		/// 64 comma-separated pixel values 0..16.
		#[arg(long)]
		pixels: Option<String>,
		/// Highest acceptable price in CRED.
		#[arg(long, default_value_t = 1.0)]
		max_price: f64,
		/// Seconds to wait for the result.
		#[arg(long, default_value_t = 300)]
		timeout: u64,
		/// Print one JSON document (amounts and α, β, η as raw fixed-point integers) instead
		/// of the readable summary.
		#[arg(long)]
		json: bool,
		/// The explorer whose job page the summary links to.
		#[arg(long, default_value = "http://127.0.0.1:8080")]
		explorer: String,
	},
	/// Register the digits classifier and MiniLM on a development chain through sudo.
	RegisterModels {
		/// Node JSON-RPC URL.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// Sudo key.
		#[arg(long, default_value = "//Alice")]
		sudo: String,
		/// The digits model file.
		#[arg(long, default_value = "inference-offchain/models/digits-mlp.json")]
		digits: PathBuf,
		/// The MiniLM directory (skipped when absent).
		#[arg(long)]
		minilm: Option<PathBuf>,
		/// A hidden-weights model directory made by `zk-setup` (skipped when absent): registered
		/// in the zero-knowledge tier with its verifying key and weight commitment.
		#[arg(long)]
		zk: Option<PathBuf>,
	},
	/// The trusted setup of a hidden-weights zero-knowledge model: from an integer model file,
	/// a directory with the weights, a fresh secret salt, the weight commitment and the Groth16
	/// proving and verifying keys (one party, OS randomness, never written: see
	/// docs/zero-knowledge.md). Serve the directory as a model and register it with
	/// `register-models --zk`.
	ZkSetup {
		/// The integer model file.
		#[arg(long, default_value = "inference-offchain/models/digits-mlp.json")]
		model: PathBuf,
		/// The directory to create.
		#[arg(long)]
		out: PathBuf,
	},
	/// Run a hidden-weights model on an input and prove its output for a job and a worker; print
	/// `{"output": hex, "proof": hex}` (the proof as `Inference.prove` takes it). For tests and
	/// tools; a running worker proves its own jobs.
	ZkProve {
		/// The directory made by `zk-setup`.
		#[arg(long)]
		dir: PathBuf,
		/// The job id.
		#[arg(long)]
		job: u64,
		/// The worker's account (32 bytes, hex).
		#[arg(long)]
		worker: String,
		/// The input (hex).
		#[arg(long)]
		input: String,
	},
	/// Train the int8 digits classifier from the committed data set and write the model file.
	TrainDigits {
		/// Where to write the model (JSON).
		#[arg(long, default_value = "inference-offchain/models/digits-mlp.json")]
		out: PathBuf,
		/// Passes over the training set.
		#[arg(long, default_value_t = 60)]
		epochs: usize,
		/// Seed of the initialization and shuffles.
		#[arg(long, default_value_t = 7)]
		seed: u64,
	},
	/// Print the weight commitment of a model file (integer JSON) or MiniLM directory.
	ModelRoot {
		/// The model file or directory.
		path: PathBuf,
	},
	/// Embed texts with MiniLM and print the vectors as JSON.
	Embed {
		/// The model directory.
		#[arg(long)]
		model_dir: PathBuf,
		/// The texts.
		texts: Vec<String>,
	},
	/// Print the detected hardware class.
	Detect,
	/// Benchmark model throughput on burn (JSON on stdout; scripts/bench-worker.sh compares it
	/// with the numpy reference).
	BenchModels {
		/// MiniLM directory (skipped when absent).
		#[arg(long)]
		minilm: Option<PathBuf>,
		/// Texts to embed.
		#[arg(long, default_value_t = 64)]
		texts: usize,
		/// Passes over the digits data set (batched).
		#[arg(long, default_value_t = 20)]
		rounds: usize,
		/// Backend to run on.
		#[arg(long, value_enum, default_value_t = BackendName::Flex)]
		backend: BackendName,
	},
	/// Measure request-to-settlement latency: sequential requests, each timed from submission to
	/// the job's end (JSON on stdout).
	BenchLatency {
		/// Node JSON-RPC URL.
		#[arg(long, default_value = "ws://127.0.0.1:9944")]
		node: String,
		/// Paying account.
		#[arg(long, default_value = "//Ferdie")]
		account: String,
		/// Model name.
		#[arg(long, default_value = "digits-mlp-v1")]
		model: String,
		/// Requests.
		#[arg(long, default_value_t = 10)]
		requests: usize,
	},
	/// Run the timed benchmark workload for a seed (hex) and print the answer.
	Benchmark {
		/// 32-byte seed, hex.
		#[arg(long, default_value = "00")]
		seed: String,
		/// Matrix size.
		#[arg(long, default_value_t = 256)]
		size: usize,
		/// Chained products.
		#[arg(long, default_value_t = 4)]
		rounds: u32,
		/// Backend to run on.
		#[arg(long, value_enum, default_value_t = BackendName::Flex)]
		backend: BackendName,
	},
}

/// A burn backend chosen on the command line.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
enum BackendName {
	/// The CPU backend (Flex).
	Flex,
	/// CUDA (needs a build with `--features gpu`).
	Cuda,
}

fn default_device<B: Backend>() -> B::Device {
	Default::default()
}

/// Runs `$body` with `$B` bound to the chosen backend type and `$device` to its default device.
macro_rules! with_backend {
	($name:expr, |$B:ident, $device:ident| $body:expr) => {
		match $name {
			BackendName::Flex => {
				type $B = Cpu;
				let $device = default_device::<$B>();
				$body
			}
			#[cfg(feature = "gpu")]
			BackendName::Cuda => {
				type $B = burn::backend::Cuda;
				let $device = default_device::<$B>();
				$body
			}
			#[cfg(not(feature = "gpu"))]
			BackendName::Cuda => {
				Err::<(), Error>("this declai-worker was built without the `gpu` feature".into())
			}
		}
	};
}

/// Reference costs registered for the dev models (work units: 10^12 = one A100-hour).
/// digits: 2 µs on the reference GPU; MiniLM: 2 ms per text.
const DIGITS_COST: u128 = 555;
const MINILM_COST: u128 = 555_556;
/// Float tolerance of MiniLM replicas: max |Δ| ≤ 1e-3 × max |x| (the measured burn-vs-numpy
/// difference is ~1e-6 of max |x|).
const MINILM_TOLERANCE_PPM: u32 = 1_000;

fn main() -> ExitCode {
	let cli = Cli::parse();
	let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
	// arkworks' circuit code opens a span per gadget with the whole constraint system as a
	// field: recorded, formatting it makes a setup or a proof take minutes instead of seconds.
	for quiet in ["gr1cs=warn", "r1cs=warn", "ark_r1cs_std=warn", "ark_groth16=warn"] {
		if let Ok(directive) = quiet.parse() {
			filter = filter.add_directive(directive);
		}
	}
	// Logs go to stderr (stdout carries command results); colours only on a terminal.
	if cli.log_json {
		fmt().json().with_writer(std::io::stderr).with_env_filter(filter).init();
	} else {
		let ansi = std::io::stderr().is_terminal();
		fmt()
			.with_writer(std::io::stderr)
			.with_ansi(ansi)
			.with_env_filter(filter)
			.with_target(false)
			.init();
	}
	let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(rt) => rt,
		Err(e) => {
			eprintln!("error: cannot start the async runtime: {e}");
			return ExitCode::FAILURE;
		}
	};
	match runtime.block_on(run(cli.command)) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}

async fn run(command: Command) -> Result<(), Error> {
	let device = Default::default();
	match command {
		Command::Run(flags) => {
			#[cfg(feature = "gpu")]
			if hardware::detect().class != declai_primitives::HardwareClass::Cpu {
				return run_worker::<burn::backend::Cuda>(flags, Default::default()).await;
			}
			run_worker::<Cpu>(flags, device).await
		}
		Command::Request {
			node,
			account,
			model,
			text,
			digits_sample,
			pixels,
			max_price,
			timeout,
			json,
			explorer,
		} => {
			let is_text = text.is_some();
			let input = match (text, digits_sample, pixels) {
				(Some(t), _, _) => t.into_bytes(),
				(_, Some(n), _) => {
					let samples = digits::dataset()?;
					let s = samples
						.get(n)
						.ok_or_else(|| format!("there are {} digits samples", samples.len()))?;
					eprintln!("digits sample {n}: label {}", s.label);
					s.pixels.to_vec()
				}
				(_, _, Some(p)) => parse_pixels(&p)?,
				_ => return Err("give --text, --digits-sample or --pixels".into()),
			};
			let show = Show { json, explorer };
			request(&node, &account, &model, input, is_text, max_price, timeout, &show).await
		}
		Command::RegisterModels { node, sudo, digits, minilm, zk } => {
			register_models(&node, &sudo, &digits, minilm, zk).await
		}
		Command::ZkSetup { model, out } => {
			let start = std::time::Instant::now();
			let report = ZkModel::setup(&model, &out)?;
			println!(
				"{}: {} constraints, setup {:.1} s; proving key {} bytes, verifying key {} bytes, \
				 weight commitment 0x{}; written to {} (keep proving.key and zk.json private: \
				 zk.json holds the commitment's salt)",
				report.name,
				report.constraints,
				start.elapsed().as_secs_f64(),
				report.proving_key_bytes,
				report.verifying_key_bytes,
				report.commitment,
				report.dir.display()
			);
			Ok(())
		}
		Command::ZkProve { dir, job, worker, input } => {
			let model = ZkModel::load(&dir)?;
			let worker = hex::decode(worker.trim_start_matches("0x"))
				.map_err(|e| format!("--worker: {e}"))?;
			let input =
				hex::decode(input.trim_start_matches("0x")).map_err(|e| format!("--input: {e}"))?;
			let output = model.run(&input)?;
			let proof = model.prove(job, &worker, &input, &output)?;
			let json = serde_json::json!({
				"output": format!("0x{}", hex::encode(&output)),
				"proof": format!("0x{}", hex::encode(proof)),
			});
			println!("{json}");
			Ok(())
		}
		Command::TrainDigits { out, epochs, seed } => {
			let config = TrainConfig { epochs, seed, ..Default::default() };
			let report = digits::train::<burn::backend::Autodiff<Cpu>>(&config, &device)?;
			report.model.save(&out)?;
			println!(
				"trained {}: float test accuracy {:.2}%, int8 test accuracy {:.2}% (train {:.2}%), weights root 0x{}; written to {}",
				report.model.name,
				report.float_accuracy * 100.0,
				report.int_accuracy * 100.0,
				report.int_train_accuracy * 100.0,
				hex::encode(report.model.weights_root()),
				out.display()
			);
			Ok(())
		}
		Command::ModelRoot { path } => {
			let root = if path.is_dir() {
				minilm::weights_root(&minilm::ModelFiles::read(&path)?.safetensors)?
			} else {
				IntegerModel::load(&path)?.weights_root()
			};
			println!("0x{}", hex::encode(root));
			Ok(())
		}
		Command::Embed { model_dir, texts } => {
			let model = MiniLm::<Cpu>::load(&model_dir, &device)?;
			let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
			println!("{}", serde_json::to_string(&model.embed(&refs)?)?);
			Ok(())
		}
		Command::BenchModels { minilm, texts, rounds, backend } => {
			with_backend!(backend, |B, device| {
				let label = format!("{backend:?}");
				let mut results = bench::digits_throughput::<B>(&label, &device, rounds)?;
				if let Some(dir) = minilm.filter(|d| d.join("model.safetensors").exists()) {
					results.extend(bench::minilm_throughput::<B>(
						&label,
						&device,
						&dir,
						texts,
						&[1, 16],
					)?);
				}
				println!("{}", serde_json::to_string(&results)?);
				Ok(())
			})
		}
		Command::BenchLatency { node, account, model, requests } => {
			bench_latency(&node, &account, &model, requests).await
		}
		Command::Detect => {
			println!("{}", serde_json::to_string(&hardware::detect())?);
			Ok(())
		}
		Command::Benchmark { seed, size, rounds, backend } => {
			let mut bytes = hex::decode(seed.trim_start_matches("0x"))?;
			bytes.resize(32, 0);
			let mut s = [0u8; 32];
			s.copy_from_slice(&bytes);
			let size = u32::try_from(size).map_err(|_| "size must fit in 32 bits")?;
			with_backend!(backend, |B, device| {
				println!(
					"{}",
					serde_json::to_string(&hardware::benchmark::<B>(&s, size, rounds, &device))?
				);
				Ok(())
			})
		}
	}
}

fn parse_pixels(text: &str) -> Result<Vec<u8>, Error> {
	let pixels: Vec<u8> = text
		.split(',')
		.map(|v| {
			v.trim()
				.parse::<u8>()
				.map_err(|e| format!("--pixels: {:?} is not a pixel value: {e}", v.trim()))
		})
		.collect::<Result<_, _>>()?;
	if pixels.len() != digits::PIXELS || pixels.iter().any(|p| *p > 16) {
		return Err(format!("--pixels needs {} values in 0..=16", digits::PIXELS).into());
	}
	Ok(pixels)
}

fn credits(amount: f64) -> u128 {
	(amount * CRED as f64).round() as u128
}

/// Resolves the configuration: file, then flags.
fn resolve_config(flags: &RunFlags) -> Result<WorkerConfig, Error> {
	let mut cfg = match &flags.config {
		Some(path) => WorkerConfig::load(path)?,
		None => WorkerConfig::default(),
	};
	if let Some(v) = &flags.node {
		cfg.node = v.clone();
	}
	if let Some(v) = &flags.account {
		cfg.account = v.clone();
	}
	if let Some(v) = &flags.state_dir {
		cfg.state_dir = v.clone();
	}
	if let Some(v) = &flags.status_addr {
		cfg.status_addr = v.clone();
	}
	if let Some(v) = &flags.class {
		cfg.class = v.clone();
	}
	if let Some(v) = flags.region {
		cfg.region = v;
	}
	if let Some(v) = flags.bond {
		cfg.bond = v;
	}
	if let Some(p) = &flags.digits {
		cfg.models.retain(|m| m.name != digits::MODEL_NAME);
		cfg.models.push(ModelEntry { name: digits::MODEL_NAME.into(), path: p.clone() });
	}
	if let Some(p) = &flags.minilm {
		cfg.models.retain(|m| m.name != minilm::MODEL_NAME);
		cfg.models.push(ModelEntry { name: minilm::MODEL_NAME.into(), path: p.clone() });
	}
	if let Some(p) = &flags.zk {
		let name = declai_worker::models::zk::read_setup(p)?.name;
		cfg.models.retain(|m| m.name != name);
		cfg.models.push(ModelEntry { name, path: p.clone() });
	}
	Ok(cfg.finish()?)
}

async fn run_worker<B: Backend>(flags: RunFlags, device: B::Device) -> Result<(), Error> {
	let cfg = resolve_config(&flags)?;
	let account = keys::account_key(&cfg.account)?;
	let (attestation, created) = keys::attestation_key(&cfg.attestation_key_path())?;
	if created {
		tracing::info!(path = %cfg.attestation_key_path().display(), "created a new attestation key");
	}
	let detected = hardware::detect();
	let class = if cfg.class == "auto" {
		detected.class
	} else {
		hardware::parse_class(&cfg.class)
			.ok_or_else(|| format!("unknown hardware class {:?}", cfg.class))?
	};
	let store = JobStore::open(&cfg.state_dir)?;
	let status = Arc::new(Status::default());
	if !cfg.status_addr.is_empty() {
		let listener = tokio::net::TcpListener::bind(&cfg.status_addr)
			.await
			.map_err(|e| format!("status address {}: {e}", cfg.status_addr))?;
		tracing::info!(addr = %cfg.status_addr, "status on /status and /metrics");
		tokio::spawn(status::serve(listener, status.clone()));
	}
	let give_up = Duration::from_secs(cfg.connect_timeout_s);
	let chain = Arc::new(Chain::connect_with_retry(&cfg.node, account.clone(), give_up).await?);
	store.bind_chain(&chain.genesis())?;
	status.set_connected(true);
	status.set_identity(
		chain.account().to_string(),
		cfg.node.clone(),
		class.name().into(),
		detected.device.clone(),
	);
	tracing::info!(account = %chain.account(), node = %cfg.node, class = class.name(), device = %detected.device, "connected");

	let served = load_models::<B>(&chain, &cfg.models, &device).await?;
	status.set_models(
		served
			.values()
			.map(|s| ModelStatus {
				id: s.id,
				name: String::from_utf8_lossy(&s.info.name).into(),
				weights_root: hex::encode(s.info.weights_root),
			})
			.collect(),
	);
	if !flags.audit_only {
		let ids: Vec<u32> = served.keys().copied().collect();
		match chain.registration(chain.account()).await? {
			None => {
				tracing::info!(models = ?ids, bond = cfg.bond, "registering as a worker");
				chain
					.submit_and_wait(&register_call(
						&attestation,
						class,
						cfg.region,
						&ids,
						credits(cfg.bond),
					))
					.await?;
			}
			Some(registered) => {
				let key = AttestationKey::Sr25519(attestation.public_key().0);
				let key_path = cfg.attestation_key_path();
				if let Some(update) =
					registration_update(&registered, &key, &key_path, cfg.region, &ids)?
				{
					tracing::info!(
						registered = ?registered.models,
						models = ?ids,
						region = cfg.region,
						"the registration differs from the models loaded here: updating it"
					);
					chain.submit_and_wait(&update).await?;
				}
			}
		}
	}
	if let Some(mode) = flags.dishonest {
		tracing::warn!(?mode, "TEST MODE: this worker misbehaves on purpose");
	}
	let mut engine =
		Engine::new(chain.clone(), store, attestation, served, status.clone(), flags.dishonest);
	engine.set_hardware(class, device.clone());
	if flags.audit {
		let auditor = chain.auditors().await?.contains(chain.account());
		if !auditor {
			tracing::warn!(account = %chain.account(), "--audit given but this account is not an auditor on chain");
		}
		engine.set_auditor(auditor);
	}
	let mut shutdown = Box::pin(shutdown_signal());
	let mut chain = chain;
	loop {
		let mut blocks = match chain.api().stream_blocks().await {
			Ok(b) => b,
			Err(e) => {
				tracing::warn!(error = %e, "cannot follow blocks");
				chain = tokio::select! {
					_ = &mut shutdown => return Ok(()),
					c = reconnect(&cfg, &account, &status, &mut engine) => c?,
				};
				continue;
			}
		};
		loop {
			tokio::select! {
				_ = &mut shutdown => {
					tracing::info!("shutting down: job records are on disk, a restart resumes them");
					return Ok(());
				}
				next = blocks.next() => match next {
					Some(Ok(block)) => {
						let number = block.number() as u32;
						if let Err(e) = engine.on_block(number).await {
							tracing::warn!(block = number, error = %e, "block not handled");
						}
					}
					Some(Err(e)) => {
						tracing::warn!(error = %e, "block stream failed");
						break;
					}
					None => {
						tracing::warn!("block stream ended");
						break;
					}
				}
			}
		}
		status.set_connected(false);
		chain = tokio::select! {
			_ = &mut shutdown => return Ok(()),
			c = reconnect(&cfg, &account, &status, &mut engine) => c?,
		};
	}
}

async fn reconnect(
	cfg: &WorkerConfig,
	account: &subxt_signer::sr25519::Keypair,
	status: &Status,
	engine: &mut Engine<impl Backend>,
) -> Result<Arc<Chain>, Error> {
	// Once running, the worker waits for its node as long as it takes (backing off to one try
	// every 30 s); `connect_timeout_s` only bounds the first connection at start.
	let chain =
		Arc::new(Chain::connect_with_retry(&cfg.node, account.clone(), Duration::MAX).await?);
	status.set_connected(true);
	status.count("reconnects");
	engine.set_chain(chain.clone());
	tracing::info!(node = %cfg.node, "reconnected");
	Ok(chain)
}

async fn shutdown_signal() {
	let ctrl_c = tokio::signal::ctrl_c();
	#[cfg(unix)]
	{
		let mut term =
			match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
				Ok(t) => t,
				Err(_) => {
					let _ = ctrl_c.await;
					return;
				}
			};
		tokio::select! {
			_ = ctrl_c => {},
			_ = term.recv() => {},
		}
	}
	#[cfg(not(unix))]
	let _ = ctrl_c.await;
}

/// Loads the configured models and pairs them with the chain's by name; a model whose local
/// weights do not match the registered commitment is refused.
async fn load_models<B: Backend>(
	chain: &Chain,
	entries: &[ModelEntry],
	device: &B::Device,
) -> Result<BTreeMap<u32, Served<B>>, Error> {
	let on_chain = chain.models().await?;
	let mut served = BTreeMap::new();
	for entry in entries {
		let Some((id, info)) = on_chain.iter().find(|(_, m)| m.name == entry.name.as_bytes())
		else {
			tracing::error!(model = %entry.name, "not registered on chain; not served");
			continue;
		};
		let model = Loaded::<B>::load(entry, device)?;
		let root = model.weights_root();
		if root != info.weights_root {
			tracing::error!(
				model = %entry.name,
				local = %hex::encode(root),
				on_chain = %hex::encode(info.weights_root),
				"local weights differ from the registered commitment; not served"
			);
			continue;
		}
		if std::mem::discriminant(&tier_of(&model)) != std::mem::discriminant(&info.tier) {
			tracing::error!(model = %entry.name, tier = ?info.tier, "registered with another tier; not served");
			continue;
		}
		// A hidden-weights model proves against the registered commitment and bounds: any
		// difference would fault every proof.
		if let Loaded::Zk(zk) = &model {
			let outputs = zk.model.layers.last().map_or(0, |l| l.outputs.saturating_mul(4));
			if info.tier != tier_of(&model)
				|| info.max_input as usize != zk.input_len
				|| info.max_output != outputs
			{
				tracing::error!(
					model = %entry.name,
					tier = ?info.tier,
					max_input = info.max_input,
					max_output = info.max_output,
					"registered with another commitment or other bounds than the local setup; not served"
				);
				continue;
			}
		}
		tracing::info!(model = %entry.name, id, root = %hex::encode(root), "serving");
		served.insert(*id, Served { id: *id, info: info.clone(), model });
	}
	if served.is_empty() {
		return Err("no configured model is registered on chain with matching weights".into());
	}
	Ok(served)
}

async fn register_models(
	node: &str,
	sudo: &str,
	digits_path: &Path,
	minilm_dir: Option<PathBuf>,
	zk_dir: Option<PathBuf>,
) -> Result<(), Error> {
	let chain =
		Chain::connect_with_retry(node, keys::account_key(sudo)?, Duration::from_secs(60)).await?;
	let existing = chain.models().await?;
	let mut specs = Vec::new();
	let digits = IntegerModel::load(digits_path)?;
	specs.push(ModelSpec {
		name: digits.name.clone().into_bytes(),
		kind: ModelKind::Classifier,
		weights_root: digits.weights_root(),
		cost: DIGITS_COST,
		max_input: digits.input_len() as u32,
		max_output: digits.output_len() as u32,
		tier: VerificationTier::ExactInteger,
		layers: digits.layers.clone(),
		premium: false,
		verifying_key: Vec::new(),
	});
	if let Some(dir) = minilm_dir {
		let files = minilm::ModelFiles::read(&dir)?;
		specs.push(ModelSpec {
			name: minilm::MODEL_NAME.as_bytes().to_vec(),
			kind: ModelKind::Embedding,
			weights_root: minilm::weights_root(&files.safetensors)?,
			cost: MINILM_COST,
			max_input: 16_384,
			max_output: files.config.hidden_size as u32 * 4,
			tier: VerificationTier::FloatTolerance { max_error_ppm: MINILM_TOLERANCE_PPM },
			layers: Vec::new(),
			premium: false,
			verifying_key: Vec::new(),
		});
	}
	if let Some(dir) = zk_dir {
		let zk = ZkModel::load(&dir)?;
		specs.push(ModelSpec {
			name: zk.name.clone().into_bytes(),
			kind: ModelKind::Classifier,
			// The salted commitment, not the rows' Merkle root: that would not hide them.
			weights_root: zk.commitment,
			cost: DIGITS_COST,
			max_input: zk.input_len as u32,
			max_output: zk.model.layers.last().map_or(0, |l| l.outputs * 4),
			tier: VerificationTier::ZeroKnowledge {
				system: ProofSystem::Groth16Hidden { commitment: zk.commitment },
			},
			layers: Vec::new(),
			premium: false,
			verifying_key: zk.verifying_key.clone(),
		});
	}
	for spec in specs {
		let name = String::from_utf8_lossy(&spec.name).to_string();
		if let Some((id, m)) = existing.iter().find(|(_, m)| m.name == spec.name) {
			if m.weights_root == spec.weights_root {
				println!("{name}: already registered as model {id}");
				continue;
			}
			return Err(format!("{name}: registered as model {id} with other weights").into());
		}
		let call = chain
			.sudo(&RawCall::new("Inference", "register_model", RawArgs::default().arg(&spec)))
			.await?;
		let events = chain.submit_and_wait(&call).await?;
		let registered = events
			.iter()
			.find(|e| e.pallet == "Inference" && e.name == "ModelRegistered")
			.ok_or_else(|| {
				format!("{name}: no ModelRegistered event (sudo call failed?): {events:?}")
			})?;
		let id = u32::from_le_bytes(
			registered.fields.get(..4).and_then(|b| b.try_into().ok()).unwrap_or_default(),
		);
		println!(
			"{name}: registered as model {id} (weights root 0x{})",
			hex::encode(spec.weights_root)
		);
	}
	Ok(())
}

/// Finds a model by name.
async fn find_model(chain: &Chain, model: &str) -> Result<(u32, ModelInfo), Error> {
	Ok(chain
		.models()
		.await?
		.into_iter()
		.find(|(_, m)| m.name == model.as_bytes())
		.ok_or_else(|| format!("no model named {model:?} on chain"))?)
}

/// Submits `Inference.request` and returns the job id once the request is finalized.
async fn submit_request(
	chain: &Chain,
	model: u32,
	input: &[u8],
	max_price: u128,
) -> Result<u64, Error> {
	let call = RawCall::new(
		"Inference",
		"request",
		RawArgs::default()
			.arg(&model)
			.arg(&input.to_vec())
			.arg(&max_price)
			.arg(&Option::<u16>::None),
	);
	let events = chain.submit_and_wait(&call).await?;
	let requested = events
		.iter()
		.find(|e| e.pallet == "Inference" && e.name == "JobRequested")
		.ok_or("no JobRequested event")?;
	Ok(u64::from_le_bytes(
		requested.fields.get(..8).and_then(|b| b.try_into().ok()).unwrap_or_default(),
	))
}

/// Polls a job until it ends; returns the outcome and the escrowed price.
async fn wait_done(
	chain: &Chain,
	job: u64,
	timeout: Duration,
	poll: Duration,
	verbose: bool,
) -> Result<(Outcome, u128), Error> {
	let deadline = std::time::Instant::now() + timeout;
	let mut last_phase = None;
	loop {
		let j = chain.job(job).await?.ok_or("job disappeared")?;
		if verbose && last_phase.as_ref() != Some(&j.phase) {
			eprintln!("  phase {:?}", j.phase);
			last_phase = Some(j.phase.clone());
		}
		if let Phase::Done(outcome) = &j.phase {
			return Ok((outcome.clone(), j.price));
		}
		if std::time::Instant::now() > deadline {
			return Err(format!(
				"job {job} not done after {} s (phase {:?})",
				timeout.as_secs(),
				j.phase
			)
			.into());
		}
		tokio::time::sleep(poll).await;
	}
}

/// How `request` prints its outcome.
struct Show {
	/// One JSON document with raw integers.
	json: bool,
	/// The explorer's base URL.
	explorer: String,
}

#[allow(clippy::too_many_arguments)]
async fn request(
	node: &str,
	account: &str,
	model: &str,
	input: Vec<u8>,
	is_text: bool,
	max_price: f64,
	timeout: u64,
	show: &Show,
) -> Result<(), Error> {
	let chain =
		Chain::connect_with_retry(node, keys::account_key(account)?, Duration::from_secs(30))
			.await?;
	let (id, info) = find_model(&chain, model).await?;
	// Refused before anything is paid: the chain would refuse it too (`InputNotText`, `BadInput`).
	let embedder = matches!(info.tier, declai_worker::chain::Tier::FloatTolerance { .. });
	if embedder && !is_text {
		return Err(format!("InputKindMismatch: {model} embeds text: give --text").into());
	}
	if !embedder && is_text {
		return Err(format!(
			"InputKindMismatch: {model} classifies 8×8 images: give --digits-sample or --pixels"
		)
		.into());
	}
	let job = submit_request(&chain, id, &input, credits(max_price)).await?;
	eprintln!("job {job} requested (model {id}); waiting for the verified result…");
	let outcome =
		wait_done(&chain, job, Duration::from_secs(timeout), Duration::from_secs(1), true).await?;
	let result = chain.result(job).await?;
	let mut receipts = Vec::new();
	for r in chain.job_receipts(job).await? {
		if let Some(receipt) = chain.receipt(r).await? {
			receipts.push((r, receipt));
		}
	}
	let decoded = match (&result, &info.tier) {
		(Some(out), declai_worker::chain::Tier::FloatTolerance { .. }) => {
			let v = decode_embedding(out).unwrap_or_default();
			let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
			serde_json::json!({ "embedding_dims": v.len(), "norm": norm, "first": v.iter().take(8).collect::<Vec<_>>() })
		}
		(Some(out), _) => {
			let scores = poi::decode_i32s(out).unwrap_or_default();
			serde_json::json!({ "class": argmax(&scores), "scores": scores })
		}
		(None, _) => serde_json::Value::Null,
	};
	if show.json {
		let receipts: Vec<_> = receipts
			.iter()
			.map(|(id, receipt)| serde_json::json!({ "id": id, "receipt": receipt }))
			.collect();
		println!(
			"{}",
			serde_json::to_string_pretty(&serde_json::json!({
				"job": job,
				"model": model,
				"outcome": format!("{:?}", outcome.0),
				"price": outcome.1.to_string(),
				"result": decoded,
				"receipts": receipts,
			}))?
		);
	} else {
		print!("{}", request_summary(job, model, &outcome, &decoded, &receipts, &show.explorer));
	}
	Ok(())
}

/// The readable outcome of a request: amounts in CRED, α, β and η as decimals, a link to the
/// job's page in the explorer.
fn request_summary(
	job: u64,
	model: &str,
	(outcome, price): &(Outcome, u128),
	result: &serde_json::Value,
	receipts: &[(u64, declai_worker::chain::ReceiptInfo)],
	explorer: &str,
) -> String {
	use declai_worker::chain::units::{cred_unit, fixed};
	let mut out = format!("job {job} ({model}): {outcome:?}, price {}\n", cred_unit(*price));
	if let Some(class) = result.get("class") {
		out += &format!("  result: class {class}\n");
	} else if let Some(dims) = result.get("embedding_dims") {
		out += &format!("  result: embedding of {dims} dimensions, norm {}\n", result["norm"]);
	}
	for (id, r) in receipts {
		out += &format!(
			"  receipt {id}: worker {} earned {} = T {} × η {} × α {} / β {}; minted {}, withheld {}{}\n",
			r.worker,
			cred_unit(r.earned),
			declai_worker::chain::units::decimal(r.t_compute, declai_primitives::GPU_HOUR) + " GPU-h",
			fixed(r.eta),
			fixed(r.alpha),
			fixed(r.beta),
			cred_unit(r.minted),
			cred_unit(r.withheld),
			if r.class_confirmed { "" } else { " (class not confirmed: η capped at 0.5)" },
		);
	}
	out += &format!("  explorer: {}/job/{job}\n", explorer.trim_end_matches('/'));
	out
}

async fn bench_latency(
	node: &str,
	account: &str,
	model: &str,
	requests: usize,
) -> Result<(), Error> {
	let chain =
		Chain::connect_with_retry(node, keys::account_key(account)?, Duration::from_secs(60))
			.await?;
	let (id, info) = find_model(&chain, model).await?;
	let samples = digits::dataset()?;
	let mut latencies = Vec::with_capacity(requests);
	let mut served = 0;
	for i in 0..requests {
		let input = match info.tier {
			declai_worker::chain::Tier::FloatTolerance { .. } => {
				bench::bench_texts(i + 1).pop().unwrap_or_default().into_bytes()
			}
			_ => samples.get(i % samples.len()).map(|s| s.pixels.to_vec()).unwrap_or_default(),
		};
		let start = std::time::Instant::now();
		let job = submit_request(&chain, id, &input, CRED).await?;
		let (outcome, _) =
			wait_done(&chain, job, Duration::from_secs(600), Duration::from_millis(250), false)
				.await?;
		let seconds = start.elapsed().as_secs_f64();
		if outcome == Outcome::Served {
			served += 1;
		}
		eprintln!("request {i}: job {job} {outcome:?} after {seconds:.1} s");
		latencies.push(seconds);
	}
	latencies.sort_by(f64::total_cmp);
	println!(
		"{}",
		serde_json::json!({
			"model": model,
			"requests": requests,
			"served": served,
			"p50_s": bench::percentile(&latencies, 50.0),
			"p90_s": bench::percentile(&latencies, 90.0),
			"max_s": latencies.last().copied().unwrap_or(f64::NAN),
		})
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use declai_worker::chain::ReceiptInfo;

	#[test]
	fn a_request_summary_reads_in_cred_and_decimals_and_links_the_job() {
		let fixed_one = declai_worker::chain::units::FIXED_ONE;
		let receipt = ReceiptInfo {
			worker: subxt::utils::AccountId32([7; 32]),
			class_confirmed: false,
			t_compute: declai_primitives::GPU_HOUR / 4,
			reference_work: declai_primitives::GPU_HOUR / 4,
			eta: fixed_one / 2,
			alpha: fixed_one * 21 / 20,
			beta: fixed_one,
			earned: CRED * 3 / 2,
			minted: CRED,
			withheld: CRED / 2,
			block: 9,
		};
		let result = serde_json::json!({ "class": 7, "scores": [] });
		let text = request_summary(
			12,
			"digits-mlp-v1",
			&(Outcome::Served, CRED / 100),
			&result,
			&[(3, receipt)],
			"http://127.0.0.1:8080/",
		);
		assert!(text.starts_with("job 12 (digits-mlp-v1): Served, price 0.01 CRED\n"), "{text}");
		assert!(text.contains("result: class 7"), "{text}");
		assert!(text.contains("earned 1.5 CRED = T 0.25 GPU-h × η 0.5 × α 1.05 / β 1"), "{text}");
		assert!(text.contains("minted 1 CRED, withheld 0.5 CRED (class not confirmed"), "{text}");
		assert!(text.ends_with("explorer: http://127.0.0.1:8080/job/12\n"), "{text}");
	}
}
