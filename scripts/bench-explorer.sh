#!/usr/bin/env bash
# The explorer's benchmark (printed, not asserted): catch-up rate over DECLAI_BENCH_BLOCKS blocks
# (default 10,000) against the rate the node serves the same blocks over RPC, database size per
# 10,000 blocks, page latency p50/p99 under 50 concurrent clients on loopback
# (explorer/examples/bench_explorer.rs).
#
# 10,000 blocks take 8.3 hours of 3-second slots: the chain is made once with the node's clock
# sped up DECLAI_BENCH_SPEED times (default 20) by libfaketime (Debian's `faketime`), kept in
# $DECLAI_CACHE/bench/explorer-chain, and then served by a node on the real clock (it serves the
# blocks; it does not author on top of them).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
"$DECLAI_ROOT/scripts/setup.sh"
"$DECLAI_ROOT/scripts/build.sh"
cargo build --locked --release -p declai-explorer --example bench_explorer
command -v faketime >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq faketime; }
blocks="${DECLAI_BENCH_BLOCKS:-10000}"
speed="${DECLAI_BENCH_SPEED:-20}"
chain="$DECLAI_CACHE/bench/explorer-chain"
work="$(mktemp -d -t declai-bench-explorer-XXXX)"
rpc=9977
node_pid=""
trap '[ -n "$node_pid" ] && kill $node_pid 2>/dev/null; wait 2>/dev/null || true' EXIT
finalized() {
	curl -sf -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"chain_getFinalizedHead","params":[]}' \
		"http://127.0.0.1:$rpc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])' |
		xargs -I{} curl -sf -H 'Content-Type: application/json' \
			-d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":["{}"]}' "http://127.0.0.1:$rpc" |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo 0
}
node_args=(--dev --base-path "$chain" --database rocksdb --state-pruning archive-canonical --rpc-port "$rpc"
	--port 0 --no-prometheus --no-telemetry)
if [ ! -f "$chain/blocks" ] || [ "$(cat "$chain/blocks")" -lt "$blocks" ]; then
	echo "== making a chain of $blocks finalized blocks with the clock $speed× faster (once; kept in $chain)"
	rm -rf "$chain" && mkdir -p "$chain"
	faketime -f "+0 x$speed" "$DECLAI_NODE" "${node_args[@]}" >"$work/make-node.log" 2>&1 &
	node_pid=$!
	while [ "$(finalized)" -lt "$blocks" ]; do
		kill -0 "$node_pid" 2>/dev/null || { echo "node exited:"; tail -30 "$work/make-node.log"; exit 1; }
		sleep 10
		echo "   finalized $(finalized) of $blocks"
	done
	kill "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""
	echo "$blocks" >"$chain/blocks"
fi
echo "== serving it on the real clock"
"$DECLAI_NODE" "${node_args[@]}" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 60); do [ "$(finalized)" -ge 1 ] && break; sleep 1; done
"$CARGO_TARGET_DIR/release/examples/bench_explorer" --node "ws://127.0.0.1:$rpc" --blocks "$blocks" --dir "$work"
