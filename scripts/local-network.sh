#!/usr/bin/env bash
# A local 3-validator network (Alice, Bob, Charlie) on localhost from the committed `local`
# chain spec. RPC ports 9944, 9945, 9946; p2p 30333-30335. Ctrl-C stops all three.
# Usage: scripts/local-network.sh [BASE_DIR]   (default: a fresh temporary directory)
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
for name in alice bob charlie; do
	dir="$base/$name"
	mkdir -p "$dir"
	# Session keys from the well-known dev seeds: sr25519 for Aura, ed25519 for GRANDPA.
	"$DECLAI_NODE" key insert --base-path "$dir" --chain "$spec" --scheme sr25519 --suri "//${name^}" --key-type aura
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
echo "local network running in $base; Ctrl-C to stop"
wait
