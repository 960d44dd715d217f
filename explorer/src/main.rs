//! `declai-explorer --node ws://127.0.0.1:9944 --db sqlite:explorer.db --listen 127.0.0.1:8080`

use std::process::ExitCode;

use clap::Parser;
use declai_explorer::{db::Db, index};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
	name = "declai-explorer",
	version,
	about = "DeCLAI block explorer: index the finalized chain and serve it"
)]
struct Cli {
	/// The node's JSON-RPC URL (an archive node: `--state-pruning archive-canonical`).
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The index: `sqlite:PATH` (created if missing) or `postgres://USER[:PASS]@HOST[:PORT]/DB`.
	#[arg(long, default_value = "sqlite:declai-explorer.db")]
	db: String,
	/// The address to serve HTTP on.
	#[arg(long, default_value = "127.0.0.1:8080")]
	listen: String,
	/// Serve the existing index without following the node.
	#[arg(long)]
	no_index: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
	tracing_subscriber::fmt()
		.with_env_filter(
			EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
		)
		.init();
	let cli = Cli::parse();
	match run(cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
	let db = Db::open(&cli.db).await?;
	let shared = index::Shared::new(&cli.node);
	let listener = tokio::net::TcpListener::bind(&cli.listen)
		.await
		.map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
	let url = format!("http://{}", listener.local_addr()?);
	tracing::info!(%url, db = %db.url(), node = %cli.node, "explorer serving");
	println!("DeCLAI explorer: {url}");
	let app = declai_explorer::app(db.clone(), &cli.node, shared.clone());
	let server = axum::serve(listener, app).with_graceful_shutdown(async {
		let _ = tokio::signal::ctrl_c().await;
	});
	if cli.no_index {
		server.await?;
		return Ok(());
	}
	let indexer = index::Indexer::new(&cli.node, db, shared);
	tokio::select! {
		served = server => served?,
		indexed = indexer.run() => {
			// Only a fatal error ends the indexer (a pruned node, another chain's database).
			indexed?;
		},
	}
	Ok(())
}
