#!/usr/bin/env bash
# Worker benchmarks (not tests), every ratio measured in this run on this machine:
#  1. model throughput of burn (Flex CPU backend) against the numpy references in
#     scripts/reference/ (digits: int32 matmul; MiniLM: float32 BERT with HF tokenizers);
#  2. request-to-settlement latency on a dev node with one worker (Bob) and the auditor (Alice):
#     sequential requests, each timed from submission to the job's end.
# Options: --requests N (latency requests per model, default 10), --texts N (MiniLM texts, 64).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
requests=10 texts=64
while [ $# -gt 0 ]; do
	case "$1" in
		--requests) requests="$2"; shift 2 ;;
		--texts) texts="$2"; shift 2 ;;
		*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
"$DECLAI_ROOT/scripts/setup.sh" >/dev/null
"$DECLAI_ROOT/scripts/build.sh"
py="$DECLAI_CACHE/py/bin/python"
if ! "$py" -c 'import numpy, tokenizers' 2>/dev/null; then
	echo "bench: installing the reference environment (numpy, tokenizers) into $DECLAI_CACHE/py"
	python3 -m venv "$DECLAI_CACHE/py"
	"$py" -m pip install --quiet numpy==2.4.6 tokenizers==0.23.3
fi
out="$(mktemp -d -t declai-bench-XXXX)"

echo "== model throughput (single process each, same machine, same inputs)"
"$DECLAI_WORKER" bench-models --minilm "$DECLAI_MINILM_DIR" --texts "$texts" --rounds 20 >"$out/burn.json"
# numpy's OpenBLAS is left as the machine configures it (OPENBLAS_CORETYPE, if set, stays set).
"$py" scripts/reference/digits_reference.py inference-offchain/models/digits-mlp.json \
	inference-offchain/data/digits.csv.gz 20 >"$out/numpy-digits.json"
"$py" scripts/reference/minilm_reference.py "$DECLAI_MINILM_DIR" bench "$texts" 1 16 >"$out/numpy-minilm.json"
"$py" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
burn = json.load(open(f"{out}/burn.json"))
ref = json.load(open(f"{out}/numpy-digits.json")) + json.load(open(f"{out}/numpy-minilm.json"))
print(f"{'model':34} {'batch':>5} {'burn items/s':>14} {'numpy items/s':>14} {'burn/numpy':>10}")
for b in burn:
    model = b["name"].split(" (")[0]
    r = next((r for r in ref if r["name"].startswith(model) and r["batch"] == b["batch"]), None)
    ratio = b["per_second"] / r["per_second"] if r else float("nan")
    print(f"{model:34} {b['batch']:>5} {b['per_second']:>14.1f} {(r or {}).get('per_second', float('nan')):>14.1f} {ratio:>10.2f}")
PY

echo "== request-to-settlement latency (dev node, 3 s blocks, worker acts on finalized blocks)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rpc="$(free_port)"; p2p="$(free_port)"; ws="ws://127.0.0.1:$rpc"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
"$DECLAI_NODE" --dev --tmp --rpc-port "$rpc" --port "$p2p" --no-prometheus --no-telemetry >"$out/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
	curl -sf -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' \
		"http://127.0.0.1:$rpc" | grep -q '"number":"0x[1-9a-f]' && break
	sleep 1
done
models=(--digits inference-offchain/models/digits-mlp.json --minilm "$DECLAI_MINILM_DIR")
"$DECLAI_WORKER" register-models --node "$ws" "${models[@]}" >/dev/null
"$DECLAI_WORKER" run --node "$ws" --account //Bob --state-dir "$out/bob" --status-addr '' "${models[@]}" >"$out/bob.log" 2>&1 &
pids+=($!)
"$DECLAI_WORKER" run --node "$ws" --account //Alice --state-dir "$out/alice" --status-addr '' --audit --audit-only \
	"${models[@]}" >"$out/alice.log" 2>&1 &
pids+=($!)
for model in digits-mlp-v1 all-minilm-l6-v2; do
	"$DECLAI_WORKER" bench-latency --node "$ws" --model "$model" --requests "$requests" 2>>"$out/latency.log"
done
echo "logs: $out"
