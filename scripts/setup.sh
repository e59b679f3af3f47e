#!/usr/bin/env bash
# Installs, idempotently and offline-safe, every tool Consensus Playground needs on a fresh
# Debian 12 machine with rustup. Only registries are used (crates.io, npm, Debian); nothing
# downloads a prebuilt binary from elsewhere. Why each pin: docs/toolchain.md.
#
#   scripts/setup.sh test    tools for the test command (wasm target, wasm-bindgen-cli, wasm-pack,
#                            chromium + chromedriver, wasm-opt, trunk, playwright-core + terser from npm)
#   scripts/setup.sh serve   tools for building and serving the page (trunk, terser)
#   scripts/setup.sh all     both
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0

export PATH="/usr/local/bin:$HOME/.cargo/bin:$PATH"
mode="${1:-all}"

log() { printf '[setup] %s\n' "$*" >&2; }

has_version() { # has_version CMD EXPECTED-SUBSTRING
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q -- "$2"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    log "cargo is missing: this machine kind ships rustup; install it first"; exit 1
  fi
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  for c in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$c"; then
      log "adding rustup component $c"; rustup component add "$c"
    fi
  done
}

ensure_apt() { # ensure_apt BINARY PACKAGE...
  local bin="$1"; shift
  if [ ! -x "$bin" ]; then
    log "installing $* from Debian"
    if [ -z "${SETUP_APT_UPDATED:-}" ]; then apt-get update -qq; SETUP_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

ensure_wasm_opt() {
  # Debian's binaryen (108) cannot parse current rustc output; the npm build of 132 can.
  if ! has_version wasm-opt "version 132"; then
    log "installing binaryen@$BINARYEN_VERSION (wasm-opt) from npm"
    npm install -g --prefix /usr/local "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

ensure_wasm_bindgen() {
  if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)"
    # Not --locked: its lock file pins a crate version the registry no longer serves.
    cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_wasm_pack() {
  if ! has_version wasm-pack "$WASM_PACK_VERSION"; then
    log "building wasm-pack $WASM_PACK_VERSION (about 4 minutes)"
    cargo install -q --locked wasm-pack --version "$WASM_PACK_VERSION"
  fi
}

ensure_trunk() {
  if ! has_version trunk "$TRUNK_VERSION"; then
    log "building trunk $TRUNK_VERSION (about 10 minutes)"
    cargo install -q --locked trunk --version "$TRUNK_VERSION"
  fi
}

ensure_node_modules() {
  # playwright-core only drives the Debian Chromium; it never downloads a browser. terser
  # minifies the release build's JS glue (a Trunk hook: scripts/minify-js.mjs).
  if ! command -v npm >/dev/null 2>&1; then ensure_apt /usr/bin/npm nodejs npm; fi
  if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/terser/package.json ]; then
    log "installing playwright-core and terser from npm (package-lock.json)"
    npm ci --no-audit --no-fund --silent
  fi
}

ensure_browser() {
  ensure_apt /usr/bin/chromium chromium
  ensure_apt /usr/bin/chromedriver chromium-driver
}

case "$mode" in
  test)  ensure_rust; ensure_browser; ensure_wasm_opt; ensure_wasm_bindgen; ensure_wasm_pack; ensure_trunk; ensure_node_modules ;;
  serve) ensure_rust; ensure_wasm_opt; ensure_wasm_bindgen; ensure_trunk; ensure_node_modules ;;
  all)   ensure_rust; ensure_browser; ensure_wasm_opt; ensure_wasm_bindgen; ensure_wasm_pack; ensure_trunk; ensure_node_modules ;;
  *) log "usage: scripts/setup.sh [test|serve|all]"; exit 2 ;;
esac
log "tools ready ($mode)"
