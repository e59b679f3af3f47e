#!/usr/bin/env bash
# Follows docs/adding-a-protocol.md on a copy of the tree: copies the `toy` folder to a new
# protocol `echo`, adds its module line and its registry line, builds `sim`, and checks that
# `sim list`, `sim run` and a sweep with its planted bug know it. Prints a cargo-style
# `test result:` line for scripts/test.sh.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "adding a protocol: $*"; echo "test result: FAILED. 0 passed; 1 failed; (adding a protocol)"; exit 1; }

# A copy of the tracked tree (what a newcomer would clone).
(cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$work")
cd "$work"

# 1. The folder: toy's, renamed.
cp -r src/protocols/toy src/protocols/echo
sed -i -e 's/\bToy/Echo/g' -e 's/"toy"/"echo"/' src/protocols/echo/*.rs
grep -q 'const NAME: &'"'"'static str = "echo";' src/protocols/echo/mod.rs || fail "NAME not renamed"
# 5. The two lines.
sed -i 's/^pub mod toy;$/pub mod toy;\npub mod echo;/' src/protocols/mod.rs
grep -q '^pub mod echo;$' src/protocols/mod.rs || fail "the module line was not added"
sed -i 's/^    Entry::of::<Raft>(),$/    Entry::of::<Raft>(),\n    Entry::of::<crate::protocols::echo::Echo>(),/' src/playground/registry.rs
grep -q 'Entry::of::<crate::protocols::echo::Echo>(),' src/playground/registry.rs || fail "the registry line was not added"

# 6. What to check.
export CARGO_TARGET_DIR="$repo/target/adding-a-protocol"
cargo build -q --bin sim 2>&1 | tail -n 20 || fail "the tree with the new protocol does not build"
sim="$CARGO_TARGET_DIR/debug/sim"
"$sim" list | grep -q '^  echo ' || fail "sim list does not list it"
"$sim" run --protocol echo --seed 1 --duration 5s --faults chaos | grep -q 'all properties held' || fail "a run of it fails"
set +e
out=$("$sim" sweep --protocol echo --bug volatile-log --faults chaos --duration 5s --seeds 0..40 --jobs 2)
code=$?
set -e
[ "$code" -eq 1 ] && echo "$out" | grep -q 'index-agreement' || fail "its planted bug is not caught: $out"
echo "adding a protocol: echo, a copy of toy, is listed, runs and has its bug caught"
echo "test result: ok. 1 passed; 0 failed; (adding a protocol)"
