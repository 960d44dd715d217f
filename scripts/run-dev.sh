#!/usr/bin/env bash
# The main job: build and run a development validator node (Alice) with RocksDB, 3-second blocks,
# GRANDPA finality and JSON-RPC on ws://127.0.0.1:9944 for polkadot.js — an inference worker
# (Bob) serving the digits classifier, all-MiniLM-L6-v2 and the digits classifier with hidden
# weights (zero-knowledge tier: every result proven with Groth16), with Alice auditing as the
# validator, and the block explorer on http://127.0.0.1:8080 (DECLAI_EXPLORER_LISTEN to change it).
# It makes the hidden-weights model's trusted setup once ($DECLAI_CACHE/dev/digits-zk), registers
# the three models, then sends one request of each as Ferdie so that you see jobs settle and
# appear in the explorer with their verification trail and receipts.
#
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --base-path /tmp/declai` to keep state
# (without --base-path the chain is temporary). DECLAI_NO_WORKER=1 runs the node alone.
# The node keeps every block's state (--state-pruning archive-canonical): the explorer indexes
# from genesis. Logs: $DECLAI_CACHE/dev/{node,worker,auditor,explorer}.log. Ctrl-C stops everything.
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$DECLAI_ROOT/scripts/setup.sh"
"$DECLAI_ROOT/scripts/build.sh"
args=("$@")
has_base=false
for a in "${args[@]}"; do
	case "$a" in --base-path | --base-path=* | -d) has_base=true ;; esac
done
$has_base || args+=(--tmp)
args+=(--state-pruning archive-canonical)
echo "DeCLAI dev node: Polkadot-JS Apps at https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:9944"
if [ -n "${DECLAI_NO_WORKER:-}" ]; then
	exec "$DECLAI_NODE" --dev --database rocksdb --rpc-cors all "${args[@]}"
fi

logs="$DECLAI_CACHE/dev"
mkdir -p "$logs"
# A temporary chain starts from genesis again: the workers' records of the last one go.
$has_base || rm -rf "$logs/bob" "$logs/alice" "$logs"/explorer.db*
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$DECLAI_NODE" --dev --database rocksdb --rpc-cors all "${args[@]}" >"$logs/node.log" 2>&1 &
pids+=($!)
node_pid=$!
ws=ws://127.0.0.1:9944
for _ in $(seq 1 120); do
	curl -sf -H 'Content-Type: application/json' \
		-d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' \
		http://127.0.0.1:9944 | grep -q '"number":"0x[1-9a-f]' && break
	kill -0 "$node_pid" 2>/dev/null || { echo "node exited:"; tail -30 "$logs/node.log"; exit 1; }
	sleep 1
done
echo "node: producing blocks (log $logs/node.log)"

# The hidden-weights model's keys, salt and commitment: made once, kept (a chain started with
# --base-path has its verifying key registered).
zk="$DECLAI_CACHE/dev/digits-zk"
[ -f "$zk/zk.json" ] || "$DECLAI_WORKER" zk-setup --model "$DECLAI_ROOT/inference-offchain/models/digits-mlp.json" --out "$zk"
"$DECLAI_WORKER" register-models --node "$ws" --sudo //Alice \
	--digits "$DECLAI_ROOT/inference-offchain/models/digits-mlp.json" --minilm "$DECLAI_MINILM_DIR" --zk "$zk"
models=(--digits "$DECLAI_ROOT/inference-offchain/models/digits-mlp.json" --minilm "$DECLAI_MINILM_DIR" --zk "$zk")
"$DECLAI_WORKER" run --node "$ws" --account //Bob --state-dir "$logs/bob" --status-addr 127.0.0.1:9955 \
	"${models[@]}" >"$logs/worker.log" 2>&1 &
pids+=($!)
"$DECLAI_WORKER" run --node "$ws" --account //Alice --state-dir "$logs/alice" --status-addr 127.0.0.1:9956 \
	--audit --audit-only "${models[@]}" >"$logs/auditor.log" 2>&1 &
pids+=($!)
explorer_listen="${DECLAI_EXPLORER_LISTEN:-127.0.0.1:8080}"
explorer_url="http://$explorer_listen"
"$DECLAI_EXPLORER" --node "$ws" --db "sqlite:$logs/explorer.db" --listen "$explorer_listen" \
	>"$logs/explorer.log" 2>&1 &
pids+=($!)
echo "worker (Bob): status http://127.0.0.1:9955/status, metrics /metrics (log $logs/worker.log)"
echo "auditor (Alice): log $logs/auditor.log"
echo "explorer: $explorer_url (log $logs/explorer.log)"

echo "== a first digits inference, a first embedding and a first proven digits inference (hidden weights), requested by Ferdie:"
"$DECLAI_WORKER" request --node "$ws" --account //Ferdie --model digits-mlp-v1 --digits-sample 7 \
	--explorer "$explorer_url" || true
"$DECLAI_WORKER" request --node "$ws" --account //Ferdie --model all-minilm-l6-v2 \
	--text "Credits are a claim on compute, not money." --explorer "$explorer_url" || true
"$DECLAI_WORKER" request --node "$ws" --account //Ferdie --model digits-mlp-v1-zk --digits-sample 7 \
	--explorer "$explorer_url" || true
echo "== running; the explorer shows the chain at $explorer_url; request more with e.g.:"
echo "   $DECLAI_WORKER request --account //Ferdie --model digits-mlp-v1 --digits-sample 12"
echo "   $DECLAI_WORKER request --account //Ferdie --model all-minilm-l6-v2 --text 'hello world'"
echo "   $DECLAI_WORKER request --account //Ferdie --model digits-mlp-v1-zk --digits-sample 12"
wait "$node_pid"
