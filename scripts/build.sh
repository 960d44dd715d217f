#!/usr/bin/env bash
# Builds the node (and with it the wasm runtime) in the project's one profile.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
cargo build --locked --release -p declai-node
