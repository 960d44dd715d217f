#!/usr/bin/env bash
# Idempotent setup of a fresh machine: system packages, the Rust toolchain and wasm target, and
# the npm packages of the end-to-end tests. Safe to run again; does nothing that is already done.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$DECLAI_ROOT"

need_apt=()
for pkg in clang libclang-dev protobuf-compiler pkg-config libssl-dev make g++ fonts-dejavu-core; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
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
echo "setup: done"
