#!/usr/bin/env bash
# Regenerates the committed chain specs from the runtime's presets.
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$DECLAI_ROOT/scripts/build.sh"
for chain in dev local; do
	"$DECLAI_NODE" export-chain-spec --chain "$chain" > "$DECLAI_ROOT/chain-spec/$chain.json"
	echo "wrote chain-spec/$chain.json"
done
