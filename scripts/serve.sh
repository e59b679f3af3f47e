#!/usr/bin/env bash
# Builds the playground (release) and serves it at http://127.0.0.1:8080, installing whatever
# is missing first. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh serve
cargo fetch
exec trunk serve --release --address 127.0.0.1 --port "${PORT:-8080}"
