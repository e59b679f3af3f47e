// The trace hash of tests/golden/basic.scenario (toy), asserted by the native tests
// alike: wasm and native runs must agree to the bit.
#[allow(dead_code)]
pub const GOLDEN_SCENARIO: &str = include_str!("basic.scenario");
#[allow(dead_code)]
pub const GOLDEN_TRACE_HASH: &str = "d4ed039ae190660a";
// The same for tests/golden/raft.scenario (the page's build has no toy protocol).
#[allow(dead_code)]
pub const GOLDEN_RAFT_SCENARIO: &str = include_str!("raft.scenario");
#[allow(dead_code)]
pub const GOLDEN_RAFT_HASH: &str = "0e7362228ae07ffe";
