#!/usr/bin/env bash
# Runs every test of Consensus Playground, installing whatever is missing first:
# formatting, clippy (native and wasm), native unit/integration/CLI tests, and the
# headless-browser tests in Chromium. Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

bash scripts/setup.sh test

step() { printf '\n=== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (native)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy (wasm32)"
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings

step "cargo test (native: unit, integration, CLI)"
native_log=$(mktemp)
cargo test 2>&1 | tee "$native_log"

step "wasm-pack test --headless --chrome (browser)"
browser_log=$(mktemp)
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --mode no-install 2>&1 | tee "$browser_log"

# One closing line over both runners.
count() { grep -E '^test result:' "$1" | sed -E "s/.* ([0-9]+) $2.*/\1/" | awk '{s+=$1} END {print s+0}'; }
passed=$(( $(count "$native_log" passed) + $(count "$browser_log" passed) ))
failed=$(( $(count "$native_log" failed) + $(count "$browser_log" failed) ))
rm -f "$native_log" "$browser_log"
echo
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
