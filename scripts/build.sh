#!/usr/bin/env bash
# Builds the node (and with it the wasm runtime) and the worker in the project's one profile.
# DECLAI_NO_BUILD=1 skips the build when a binary is already there.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
if [ -n "${DECLAI_NO_BUILD:-}" ] && [ -x "$DECLAI_NODE" ] && [ -x "$DECLAI_WORKER" ]; then
	echo "build: DECLAI_NO_BUILD set, using $DECLAI_NODE and $DECLAI_WORKER"
	exit 0
fi
cargo build --locked --release -p declai-node -p declai-worker
