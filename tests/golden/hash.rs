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
// One run through every face: `sim run --protocol raft --nodes 5 --seed 42 --faults chaos
// --duration 10s`, the same settings through the JS API's `Simulation`, and the page's share link
// of that run at 10 s (FACES_LINK, made natively) opened in the page and by `sim run --link`.
#[allow(dead_code)]
pub const FACES_SETTINGS: [(&str, &str); 5] =
    [("protocol", "raft"), ("nodes", "5"), ("seed", "42"), ("faults", "chaos"), ("duration", "10s")];
#[allow(dead_code)]
pub const FACES_HASH: &str = "d1c82928e62f7c43";
#[allow(dead_code)]
pub const FACES_LINK: &str = "1.JY7BCsMgEETv-Qov9dZgbFPowY8R3aSC2ZXdtZC_rzRze8w8mEQogNLl3mo8d6aO2XBH4ycB1YK7mMaklKgGjptapAwSVisAOTy9zZ2jFsKwOLFb7FUlpE8ksTUqYDpHccg8-_UQm5lacDe_Dq3VksbiwlQL4DAXW1CBv7GGhxveBOOPd6-3WdyVP00_";
