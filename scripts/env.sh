# Sourced by the scripts: puts the project's tools first on PATH. Not meant to be run.
# shellcheck shell=bash
WSCHAT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# scripts/bin's wasm-bindgen splits the wire formats out of a release build's first load
# (core/build.rs reads WSCHAT_SPLIT_FORMATS).
export PATH="$WSCHAT_ROOT/scripts/bin:$WSCHAT_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export WSCHAT_SPLIT_FORMATS=1
# The Python the tests run their Python chat server with: the virtual environment that
# scripts/setup --browsers makes (a system Python may refuse pip install, PEP 668).
WSCHAT_VENV="$WSCHAT_ROOT/.venv"
export WSCHAT_PYTHON="${WSCHAT_PYTHON:-$WSCHAT_VENV/bin/python}"

# The wasm-bindgen version Cargo.lock pins; trunk and the test runner must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$WSCHAT_ROOT/Cargo.lock"
}
