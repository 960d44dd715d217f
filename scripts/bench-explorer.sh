#!/usr/bin/env bash
# The explorer's benchmark (printed, not asserted): catch-up rate over DECLAI_BENCH_BLOCKS blocks
# (default 10,000) against the rate the node serves the same blocks over RPC, database size per
# 10,000 blocks, page latency p50/p99 under 50 concurrent clients on loopback
# (explorer/examples/bench_explorer.rs).
#
# The chain is a dev chain with a credit transfer in every block (tests/bench/explorer-traffic.mjs),
# made at the chain's own pace (3-second slots: 10,000 blocks take 8.3 hours the first time) and
# kept in $DECLAI_CACHE/bench/explorer-chain, where it grows on each run until it has the blocks
# asked for; DECLAI_BENCH_BLOCKS=1000 measures a shorter one (the figures name the count).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
"$DECLAI_ROOT/scripts/setup.sh"
"$DECLAI_ROOT/scripts/build.sh"
cargo build --locked --release -p declai-explorer --example bench_explorer
blocks="${DECLAI_BENCH_BLOCKS:-10000}"
chain="$DECLAI_CACHE/bench/explorer-chain"
work="$(mktemp -d -t declai-bench-explorer-XXXX)"
rpc=9977
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null || true' EXIT
finalized() {
	curl -sf -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"chain_getFinalizedHead","params":[]}' \
		"http://127.0.0.1:$rpc" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])' 2>/dev/null |
		xargs -I{} curl -sf -H 'Content-Type: application/json' \
			-d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":["{}"]}' "http://127.0.0.1:$rpc" |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo 0
}
mkdir -p "$chain"
"$DECLAI_NODE" --dev --base-path "$chain" --database rocksdb --state-pruning archive-canonical --rpc-port "$rpc" \
	--port 0 --no-prometheus --no-telemetry >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do [ "$(finalized)" -ge 1 ] && break; sleep 1; done
if [ "$(finalized)" -lt "$blocks" ]; then
	echo "== growing the chain in $chain to $blocks finalized blocks (3-second slots; kept for the next run)"
	(cd tests && exec node bench/explorer-traffic.mjs "ws://127.0.0.1:$rpc") >"$work/traffic.log" 2>&1 &
	traffic=$!
	pids+=($traffic)
	while [ "$(finalized)" -lt "$blocks" ]; do
		kill -0 "${pids[0]}" 2>/dev/null || { echo "the node exited:"; tail -30 "$work/node.log"; exit 1; }
		sleep 30
		echo "   finalized $(finalized) of $blocks"
	done
	kill "$traffic"
fi
"$CARGO_TARGET_DIR/release/examples/bench_explorer" --node "ws://127.0.0.1:$rpc" --blocks "$blocks" --dir "$work"
