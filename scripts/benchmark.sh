#!/usr/bin/env bash
# Runs the runtime benchmarks (frame-benchmarking v2, worst cases) in the wasm runtime and prints
# the measured weights; pallets/credits/src/weights.rs holds the figures the runtime uses.
# Builds the runtime with `runtime-benchmarks` (a separate feature set: the first run recompiles
# the FRAME crates). Flags: --steps N (default 10) --repeat R (default 20) --pallet NAME
# --benchmark NAME.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
cargo run --locked --release -p declai-runtime-bench -- "$@"
