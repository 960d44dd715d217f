#!/usr/bin/env bash
# Economy simulator speed (a benchmark, not a test): the simulator of a baseline commit and the
# current one run the same configuration one after the other on this machine; prints each one's
# wall time and peak memory and the ratio. The baseline is built from its own worktree into its own
# target directory ($DECLAI_CACHE/target-base), so the current build stays warm.
# Options: --base REV (default eac1ffe, the simulator before issue 16: TestExternalities with a
# daily commit), --agents N (10000), --days D (365), --runs R (1): R pairs, baseline and current
# alternating, and the ratio of the medians (wall times on a shared 2-core VM vary by several
# percent from one run to the next).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"
base=eac1ffe agents=10000 days=365 runs=1
while [ $# -gt 0 ]; do
	case "$1" in
		--base) base="$2"; shift 2 ;;
		--agents) agents="$2"; shift 2 ;;
		--days) days="$2"; shift 2 ;;
		--runs) runs="$2"; shift 2 ;;
		*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
command -v /usr/bin/time >/dev/null || { echo "bench-sim: needs GNU time (/usr/bin/time)" >&2; exit 1; }
work="$(mktemp -d -t declai-bench-sim-XXXX)"
trap 'git worktree remove --force "$work/base" 2>/dev/null || true' EXIT
git worktree add --detach "$work/base" "$base" >/dev/null
echo "== building the baseline ($base) and the current simulator"
(cd "$work/base" && CARGO_TARGET_DIR="$DECLAI_CACHE/target-base" cargo build --locked --release -q -p declai-economy-sim)
cargo build --locked --release -q -p declai-economy-sim
baseline_secs="" current_secs=""
run() { # name binary
	/usr/bin/time -f '%e %M' -o "$work/$1.time" "$2" --agents "$agents" --days "$days" \
		--out "$work/$1" --no-plots >"$work/$1.log" 2>&1
	read -r secs kib <"$work/$1.time"
	echo "$1: $secs s, peak $((kib / 1024)) MiB"
	eval "${1}_secs=\"\$${1}_secs $secs\""
}
echo "== $agents agents × $days days, $runs pair(s), baseline and current one after the other"
for _ in $(seq "$runs"); do
	run baseline "$DECLAI_CACHE/target-base/release/declai-economy-sim"
	run current "$CARGO_TARGET_DIR/release/declai-economy-sim"
done
# The two simulators must agree on the economy they simulate whenever the baseline is one whose
# model is the current one's; the default baseline predates the model, so only a note.
if cmp -s "$work/baseline/days.csv" "$work/current/days.csv"; then
	echo "days.csv: identical"
else
	echo "days.csv: differs (expected when the baseline's model differs)"
fi
python3 -c "
import statistics, sys
b = [float(x) for x in sys.argv[1].split()]
c = [float(x) for x in sys.argv[2].split()]
mb, mc = statistics.median(b), statistics.median(c)
print(f'median baseline {mb:.2f} s, median current {mc:.2f} s (of {len(c)})')
print(f'speed-up: {mb / mc:.2f}× (baseline / current wall time)')
" "$baseline_secs" "$current_secs"
