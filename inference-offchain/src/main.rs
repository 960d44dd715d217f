//! `declai-worker`: the DeCLAI inference worker and consumer CLI.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use declai_worker::models::{
	digits::{self, TrainConfig},
	integer::IntegerModel,
	minilm::{self, MiniLm},
	Cpu,
};

#[derive(Parser)]
#[command(name = "declai-worker", version, about = "DeCLAI inference worker and consumer CLI")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
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
	/// Print the weight commitment (Merkle root) of a model: an integer model file (JSON) or a
	/// MiniLM model directory.
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
}

fn main() -> ExitCode {
	match run(Cli::parse()) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
	let device = Default::default();
	match cli.command {
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
		},
		Command::ModelRoot { path } => {
			let root = if path.is_dir() {
				minilm::weights_root(&minilm::ModelFiles::read(&path)?.safetensors)?
			} else {
				IntegerModel::load(&path)?.weights_root()
			};
			println!("0x{}", hex::encode(root));
		},
		Command::Embed { model_dir, texts } => {
			let model = MiniLm::<Cpu>::load(&model_dir, &device)?;
			let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
			println!("{}", serde_json::to_string(&model.embed(&refs)?)?);
		},
	}
	Ok(())
}
