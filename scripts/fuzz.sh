#!/usr/bin/env bash
# Runtime fuzzer (fuzz/, see docs/reliability.md): replays the committed corpus (fuzz/corpus),
# then runs random extrinsic sequences on the real runtime for a time budget, checking every
# pallet's invariants after every block and each included extrinsic's DB accesses against its
# declared weight. A failing input is saved to fuzz/crashes/ and the script exits non-zero.
# Default here: 10 minutes. Flags go to the binary: --seconds S, --seed N, --long (jumps across
# epochs and days), --grow-corpus (keeps inputs that reach new call outcomes), --replay FILE.
# scripts/test.sh runs it for 120 s.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
cargo run --locked --release -q -p declai-fuzz -- --seconds 600 "$@"
