#!/usr/bin/env bash
# A local network from the committed `local` chain spec: 4 validators (Alice, Bob, Charlie, Dave)
# and 2 inference workers, all on localhost.
#
# - Validators: RPC ws://127.0.0.1:9944 … 9947, p2p 30333 … 30336, 1-minute sessions.
# - Workers: Alice's account serves the digits model and audits (Alice is a genesis auditor),
#   Bob's account serves it too. Their verified work weighs Alice and Bob more than Charlie and
#   Dave in the leader draw from the next session on (each validator keeps a 2.5% floor).
# - DECLAI_NO_WORKERS=1 starts the validators alone.
#
# Usage: scripts/local-network.sh [BASE_DIR]   (default: a fresh temporary directory; an existing
# BASE_DIR restarts the network where it stopped). Logs: BASE_DIR/<name>.log. Ctrl-C stops all.
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$DECLAI_ROOT/scripts/build.sh"
base="${1:-$(mktemp -d -t declai-local-XXXX)}"
spec="$DECLAI_ROOT/chain-spec/local.json"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Alice's node key is fixed so the others can find her as bootnode.
alice_key=0000000000000000000000000000000000000000000000000000000000000001
alice_peer=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp
i=0
for name in alice bob charlie dave; do
	dir="$base/$name"
	mkdir -p "$dir"
	# Session keys from the well-known dev seeds: sr25519 for block authoring (key type dpoi),
	# ed25519 for GRANDPA.
	"$DECLAI_NODE" key insert --base-path "$dir" --chain "$spec" --scheme sr25519 --suri "//${name^}" --key-type dpoi
	"$DECLAI_NODE" key insert --base-path "$dir" --chain "$spec" --scheme ed25519 --suri "//${name^}" --key-type gran
	extra=()
	if [ "$name" = alice ]; then
		extra+=(--node-key "$alice_key")
	else
		# Validators need a persistent network key; make one on first start.
		[ -f "$dir/chains/declai_local/network/secret_ed25519" ] ||
			"$DECLAI_NODE" key generate-node-key --base-path "$dir" --chain "$spec" 2>/dev/null
		extra+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer")
	fi
	"$DECLAI_NODE" --chain "$spec" --validator --name "$name" --base-path "$dir" --database rocksdb \
		--port $((30333 + i)) --rpc-port $((9944 + i)) --rpc-cors all --no-prometheus --no-telemetry \
		--no-mdns "${extra[@]}" >"$base/$name.log" 2>&1 &
	pids+=($!)
	echo "$name: rpc ws://127.0.0.1:$((9944 + i)), log $base/$name.log"
	i=$((i + 1))
done

if [ -z "${DECLAI_NO_WORKERS:-}" ]; then
	for _ in $(seq 1 120); do
		curl -sf -H 'Content-Type: application/json' \
			-d '{"jsonrpc":"2.0","id":1,"method":"chain_getFinalizedHead","params":[]}' \
			http://127.0.0.1:9944 >/dev/null &&
			curl -sf -H 'Content-Type: application/json' \
				-d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' \
				http://127.0.0.1:9944 | grep -q '"number":"0x[1-9a-f]' && break
		sleep 1
	done
	digits=(--digits "$DECLAI_ROOT/inference-offchain/models/digits-mlp.json")
	# Registering is idempotent: a restarted network keeps its models.
	"$DECLAI_WORKER" register-models --node ws://127.0.0.1:9944 --sudo //Alice "${digits[@]}" \
		>"$base/register-models.log" 2>&1 || { echo "registering models failed:"; cat "$base/register-models.log"; exit 1; }
	"$DECLAI_WORKER" run --node ws://127.0.0.1:9944 --account //Alice --state-dir "$base/worker-alice" \
		--status-addr 127.0.0.1:9955 --class cpu --bond 10 --audit "${digits[@]}" >"$base/worker-alice.log" 2>&1 &
	pids+=($!)
	"$DECLAI_WORKER" run --node ws://127.0.0.1:9945 --account //Bob --state-dir "$base/worker-bob" \
		--status-addr 127.0.0.1:9956 --class cpu --bond 10 "${digits[@]}" >"$base/worker-bob.log" 2>&1 &
	pids+=($!)
	echo "worker alice (auditing too): status http://127.0.0.1:9955/status, log $base/worker-alice.log"
	echo "worker bob: status http://127.0.0.1:9956/status, log $base/worker-bob.log"
fi
echo "local network running in $base; Ctrl-C to stop"
wait
