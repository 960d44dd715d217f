#!/usr/bin/env bash
# Builds the node (and with it the wasm runtime), the worker and the explorer in the project's
# one profile.
# DECLAI_NO_BUILD=1 skips the build when a binary is already there.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
if [ -n "${DECLAI_NO_BUILD:-}" ] && [ -x "$DECLAI_NODE" ] && [ -x "$DECLAI_WORKER" ] && [ -x "$DECLAI_EXPLORER" ]; then
	echo "build: DECLAI_NO_BUILD set, using $DECLAI_NODE, $DECLAI_WORKER and $DECLAI_EXPLORER"
	exit 0
fi
cargo build --locked --release -p declai-node -p declai-worker -p declai-explorer
