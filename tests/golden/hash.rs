// The trace hash of tests/golden/basic.scenario, asserted by the native and the browser tests
// alike: wasm and native runs must agree to the bit.
pub const GOLDEN_SCENARIO: &str = include_str!("basic.scenario");
pub const GOLDEN_TRACE_HASH: &str = "d4ed039ae190660a";
