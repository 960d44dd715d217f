#!/usr/bin/env bash
# The main job: build and run a development validator node (Alice) with RocksDB, 3-second blocks,
# GRANDPA finality and JSON-RPC on ws://127.0.0.1:9944 for polkadot.js.
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --base-path /tmp/declai` to keep state
# (without --base-path the chain is temporary).
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$DECLAI_ROOT/scripts/setup.sh"
"$DECLAI_ROOT/scripts/build.sh"
args=("$@")
has_base=false
for a in "${args[@]}"; do [ "$a" = "--base-path" ] && has_base=true; done
$has_base || args+=(--tmp)
echo "DeCLAI dev node: Polkadot-JS Apps at https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944"
exec "$DECLAI_NODE" --dev --database rocksdb --rpc-cors all "${args[@]}"
