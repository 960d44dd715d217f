#!/usr/bin/env bash
# Runs the economy simulator: agents driving the real credits and economics pallets over a
# simulated year, writing CSV, PNG plots and findings.md to sim-output/ (or --out DIR).
# Default: 10,000 agents, 365 days. Flags go to the binary, e.g. `--agents 1000 --days 180`,
# `--sweep 100,500,1000,5000`, `--bootstrap-circulation 100000`; `--help` lists them all.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
cargo run --locked --release -p declai-economy-sim -- "$@"
