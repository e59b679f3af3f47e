#!/usr/bin/env python3
"""The download-size budget of the release page, asserted by the test command.

Reads dist/ (after `trunk build --release`), prints the wasm, JS and CSS bytes raw and gzipped
(level 9, as a server would send them) and fails if the gzipped total is over the budget. Prints
a cargo-style `test result:` line so scripts/test.sh counts it.

The budget grows with the systems the page carries: 350,000 bytes for the four classic ones
(Raft, Paxos, Multi-Paxos, two-phase commit), plus 40,000 bytes for each system added after them.
The page's systems are the registry's lines (src/playground/registry.rs) not kept to native
builds. Figures and how they were reached: docs/performance.md and the git history.
"""
import glob
import gzip
import os
import re
import sys

CLASSIC_SYSTEMS = 4
CLASSIC_GZ_BYTES = 350_000
PER_SYSTEM_GZ_BYTES = 40_000


def page_systems(registry="src/playground/registry.rs"):
    """The protocols of the registry that the page's (wasm) build has."""
    lines = open(os.path.join(os.path.dirname(__file__), "..", registry)).read().split("\n")
    count = 0
    for k, line in enumerate(lines):
        if re.match(r"\s*Entry::of::<\w+>\(\),", line):
            native_only = k > 0 and "not(target_arch = \"wasm32\")" in lines[k - 1]
            count += 0 if native_only else 1
    return count


systems = page_systems()
BUDGET_GZ_BYTES = CLASSIC_GZ_BYTES + PER_SYSTEM_GZ_BYTES * max(0, systems - CLASSIC_SYSTEMS)

dist = sys.argv[1] if len(sys.argv) > 1 else "dist"
rows = []
for kind, pattern in (("wasm", "*.wasm"), ("js", "*.js"), ("css", "*.css")):
    for path in sorted(glob.glob(os.path.join(dist, pattern))):
        data = open(path, "rb").read()
        rows.append((kind, os.path.basename(path), len(data), len(gzip.compress(data, 9, mtime=0))))
if not any(kind == "wasm" for kind, *_ in rows):
    print(f"no .wasm in {dist}: run trunk build --release first")
    print("test result: FAILED. 0 passed; 1 failed; (size budget)")
    sys.exit(1)
print("| file | raw bytes | gzipped bytes |")
print("|---|---:|---:|")
for kind, name, raw, gz in rows:
    print(f"| {kind}: {name} | {raw:,} | {gz:,} |")
raw_total = sum(r[2] for r in rows)
gz_total = sum(r[3] for r in rows)
print(f"| total | {raw_total:,} | {gz_total:,} |")
print(f"budget {BUDGET_GZ_BYTES:,} bytes gzipped for {systems} systems ({CLASSIC_GZ_BYTES:,} for the first {CLASSIC_SYSTEMS}, {PER_SYSTEM_GZ_BYTES:,} for each after them); {BUDGET_GZ_BYTES - gz_total:,} to spare")
if gz_total > BUDGET_GZ_BYTES:
    print(f"over budget by {gz_total - BUDGET_GZ_BYTES:,} bytes")
    print("test result: FAILED. 0 passed; 1 failed; (size budget)")
    sys.exit(1)
print("test result: ok. 1 passed; 0 failed; (size budget)")
