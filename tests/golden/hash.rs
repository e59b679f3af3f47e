// The trace hash of tests/golden/basic.scenario (toy), asserted by the native tests
// alike: wasm and native runs must agree to the bit. (Both changed once, on 2026-11-26, when the
// hasher went from FNV-1a per byte to a step per word; the traces themselves were byte-identical.)
#[allow(dead_code)]
pub const GOLDEN_SCENARIO: &str = include_str!("basic.scenario");
#[allow(dead_code)]
pub const GOLDEN_TRACE_HASH: &str = "56909375d2e0aea5";
// The same for tests/golden/raft.scenario (the page's build has no toy protocol).
#[allow(dead_code)]
pub const GOLDEN_RAFT_SCENARIO: &str = include_str!("raft.scenario");
#[allow(dead_code)]
pub const GOLDEN_RAFT_HASH: &str = "77bf55a9af7491e8";
