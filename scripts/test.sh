#!/usr/bin/env bash
# Runs every test: Rust unit, property and benchmark tests, the runtime tests, the runtime fuzzer
# (fuzz/: its corpus and 120 s of random inputs), the end-to-end
# test of a real node process (tests/node_e2e.rs), the polkadot.js suite (tests/e2e/) against a
# dev node that this script starts and stops, the block explorer in a real browser
# (tests/explorer/, which starts its own node, worker and explorer), and the multi-validator
# network test
# (tests/network/: four validators, two workers and misbehaving nodes, which it starts itself).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
"$DECLAI_ROOT/scripts/setup.sh"

echo "== cargo test (release): pallets, runtime, node end-to-end"
cargo test --locked --release --workspace --exclude declai-runtime-bench

echo "== runtime fuzzer: the committed corpus, then 120 s of random inputs (scripts/fuzz.sh runs longer)"
cargo run --locked --release -q -p declai-fuzz -- --seconds 120

echo "== the zero-knowledge circuit of the digits model (every digit, tamperings, a real proof)"
cargo test --locked --release -p declai-zk --features circuit

echo "== benchmarks as tests (runtime-benchmarks)"
cargo test --locked --release -p pallet-credits -p pallet-economics -p pallet-workers -p pallet-inference --features runtime-benchmarks benchmark

echo "== polkadot.js suite against a dev node"
# `cargo test` above built the node and worker binaries with the same features and profile;
# the worker suite (tests/e2e/worker.test.mjs) starts its own node and workers from them.
{ [ -x "$DECLAI_NODE" ] && [ -x "$DECLAI_WORKER" ]; } || "$DECLAI_ROOT/scripts/build.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rpc_port="$(free_port)"
p2p_port="$(free_port)"
log="$(mktemp -t declai-node-XXXX.log)"
"$DECLAI_NODE" --dev --tmp --database rocksdb --rpc-port "$rpc_port" --port "$p2p_port" \
	--no-prometheus --no-telemetry >"$log" 2>&1 &
node_pid=$!
trap 'kill $node_pid 2>/dev/null || true; wait $node_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
	if curl -sf -H 'Content-Type: application/json' \
		-d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' \
		"http://127.0.0.1:$rpc_port" | grep -q '"number":"0x[1-9a-f]'; then
		break
	fi
	kill -0 "$node_pid" 2>/dev/null || { echo "node exited:"; tail -50 "$log"; exit 1; }
	sleep 1
done
(cd tests && DECLAI_WS="ws://127.0.0.1:$rpc_port" node --test --test-concurrency=1 e2e/) || { echo "node log: $log"; tail -30 "$log"; exit 1; }
kill $node_pid 2>/dev/null || true
wait $node_pid 2>/dev/null || true

echo "== explorer in a real browser"
# tests/explorer/ starts its own archive dev node, worker, auditor and explorer, and drives Debian's
# Chromium (DECLAI_CHROMIUM, default /usr/bin/chromium) through playwright-core. Screenshots of
# the pages it visits are kept in $DECLAI_CACHE/artifacts/explorer.
[ -x "$DECLAI_EXPLORER" ] || "$DECLAI_ROOT/scripts/build.sh"
explorer_dir="$(mktemp -d -t declai-explorer-XXXX)"
(cd tests && DECLAI_EXPLORER_TEST_DIR="$explorer_dir" DECLAI_SCREENSHOTS="$DECLAI_CACHE/artifacts/explorer" \
	node --test --test-concurrency=1 explorer/) || { echo "logs: $explorer_dir"; tail -30 "$explorer_dir/explorer.log"; exit 1; }

echo "== multi-validator network (about 15 minutes)"
(cd tests && node --test --test-concurrency=1 network/)
echo "== all tests passed"
