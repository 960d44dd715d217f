# Common environment for the project's scripts. Source it: `. scripts/env.sh`.
# The target directory lives outside the work tree so builds survive clones and CI runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/declai/target}"
# The wasm builder finds Cargo.lock by walking up from the target dir; point it at the repo.
DECLAI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DECLAI_ROOT
export WASM_BUILD_WORKSPACE_HINT="$DECLAI_ROOT"
# One build profile for everything (tests, scripts, CI): release.
export DECLAI_PROFILE=release
export DECLAI_NODE="$CARGO_TARGET_DIR/release/declai-node"
export DECLAI_WORKER="$CARGO_TARGET_DIR/release/declai-worker"
export DECLAI_EXPLORER="$CARGO_TARGET_DIR/release/declai-explorer"
# Downloaded models and the Python reference environment (never in the work tree).
export DECLAI_CACHE="${DECLAI_CACHE:-$HOME/.cache/declai}"
export DECLAI_MINILM_DIR="${DECLAI_MINILM_DIR:-$DECLAI_CACHE/models/all-minilm-l6-v2}"
export PATH="$HOME/.cargo/bin:$PATH"
# RocksDB's C++ needs <cstdint> included explicitly with gcc 13 (harmless with gcc 12). Keep this
# identical between builds: a change of CXXFLAGS rebuilds RocksDB.
case "${CXXFLAGS:-}" in *"-include cstdint"*) ;; *) export CXXFLAGS="${CXXFLAGS:+$CXXFLAGS }-include cstdint" ;; esac
