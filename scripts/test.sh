#!/usr/bin/env bash
# Runs every test of Consensus Playground, installing whatever is missing first:
# formatting, clippy (native and wasm), native unit/integration/CLI tests, the
# headless-browser tests in Chromium, and a Playwright walk through the release build.
# Prints a closing "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

bash scripts/setup.sh test

step() { printf '\n=== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (wasm32)"
cargo clippy --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings

step "cargo test (native: unit, integration, CLI)"
native_log=$(mktemp)
cargo test --workspace 2>&1 | tee "$native_log"

step "docs/adding-a-protocol.md, followed on a copy of the tree (scripts/check-adding-a-protocol.sh)"
adding_log=$(mktemp)
bash scripts/check-adding-a-protocol.sh 2>&1 | tee "$adding_log" || true

step "wasm-pack test --headless --chrome (browser)"
browser_log=$(mktemp)
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --mode no-install 2>&1 | tee "$browser_log"

step "trunk build --release, then Playwright end to end in Chromium"
e2e_log=$(mktemp)
trunk build --release 2>&1 | tail -n 3
size_log=$(mktemp)
step "download size budget (scripts/size-budget.py)"
python3 scripts/size-budget.py dist 2>&1 | tee "$size_log" || true
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done
shots=target/e2e-screenshots
mkdir -p "$shots"
node tests/e2e/playground.mjs "http://127.0.0.1:$port/" "$shots" 2>&1 | tee "$e2e_log" || true
grep -q '^test result:' "$e2e_log" || echo "test result: FAILED. 0 passed; 1 failed; (the Playwright script did not finish)" | tee -a "$e2e_log"
echo "screenshots: $shots"

# One closing line over all runners.
count() { grep -E '^test result:' "$1" | sed -E "s/.* ([0-9]+) $2.*/\1/" | awk '{s+=$1} END {print s+0}'; }
logs=("$native_log" "$adding_log" "$browser_log" "$e2e_log" "$size_log")
passed=0; failed=0
for log in "${logs[@]}"; do
  passed=$(( passed + $(count "$log" passed) )); failed=$(( failed + $(count "$log" failed) ))
done
grep -q '^test result:' "$adding_log" || failed=$(( failed + 1 ))
rm -f "${logs[@]}"
echo
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
