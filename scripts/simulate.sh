#!/usr/bin/env bash
# Runs the economy simulator: agents driving the real credits and economics pallets over
# simulated years, writing CSV, PNG plots, findings.md and manifest.json to sim-output/ (or
# --out DIR). Default: 10,000 agents, 3 years (1,095 days), one seed. Flags go to the binary, e.g.
# `--agents 1000 --days 365`, `--seeds 20` (confidence bands), `--scenario all` (the shocks and
# adversaries, one directory each, and scenarios.md), `--sweep 100,500,1000,5000`,
# `--bootstrap-match 0`; `--help` lists them all.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
cargo run --locked --release -p declai-economy-sim -- "$@"
