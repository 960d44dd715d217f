#!/usr/bin/env bash
# Network benchmark: starts four validators from the committed `local` chain spec on this machine
# and reports block time and finality lag (p50/p99) over BLOCKS blocks (default 200, about 10
# minutes), then credit-transfer throughput against the ceiling computed from the runtime weights.
# Usage: scripts/bench-network.sh   (BLOCKS=… TRANSFERS_PER_SENDER=… to change the sizes)
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$DECLAI_ROOT/scripts/setup.sh"
"$DECLAI_ROOT/scripts/build.sh"
cd "$DECLAI_ROOT/tests"
[ -d node_modules ] || npm ci --no-audit --no-fund
exec node network/bench.mjs
