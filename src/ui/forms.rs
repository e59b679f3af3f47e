//! Parsing what a person types into the page's forms. Every function returns a sentence saying
//! what is wrong instead of panicking, and every number has a range.

use crate::core::{NodeId, TimeUs};

pub use crate::playground::settings::{
    parse_count, parse_latency as parse_range, parse_percent, CLIENTS_MAX as PAGE_CLIENTS_MAX,
};

/// Nodes the page's settings offer (more through the URL, for stress).
pub const PAGE_NODES_MAX: usize = 15;
/// The longest pause or message delay the page accepts.
pub const PAGE_DELAY_US_MAX: TimeUs = 60 * 1_000_000;
/// Clock rates the page accepts, in percent.
pub const DRIFT_PCT_RANGE: (u32, u32) = (10, 1000);

/// A duration from 1µs to a minute.
pub fn parse_delay(text: &str, what: &str) -> Result<TimeUs, String> {
    crate::playground::settings::parse_positive_duration(text, what, PAGE_DELAY_US_MAX)
}

/// A clock rate in percent (100 = true time).
pub fn parse_drift(text: &str) -> Result<u32, String> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<u32>() {
        Ok(p) if (DRIFT_PCT_RANGE.0..=DRIFT_PCT_RANGE.1).contains(&p) => Ok(p),
        _ => Err(format!(
            "clock rate {text:?}: a whole percentage from {}% to {}% (100% = true time)",
            DRIFT_PCT_RANGE.0, DRIFT_PCT_RANGE.1
        )),
    }
}

/// A node count for the settings (`current` is allowed even above the page's maximum, as it came
/// from the URL).
pub fn parse_nodes(text: &str, current: usize) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=PAGE_NODES_MAX).contains(&n) || n == current => Ok(n),
        _ => Err(format!("nodes: a number from 1 to {PAGE_NODES_MAX} (more through the URL, e.g. ?nodes=51)")),
    }
}

/// `1,2 | 3 4 5`: groups of node ids separated by `|`.
pub fn parse_groups(text: &str, nodes: usize) -> Result<Vec<Vec<NodeId>>, String> {
    let mut groups = Vec::new();
    let mut seen = Vec::new();
    for part in text.split('|').take(64) {
        let mut group = Vec::new();
        for word in part.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()) {
            let id = match word.parse::<u32>() {
                Ok(id) if id >= 1 && id as usize <= nodes => id,
                _ => return Err(format!("groups: {word:?} is not a node (1 to {nodes})")),
            };
            if seen.contains(&id) {
                return Err(format!("groups: node {id} is in two groups"));
            }
            seen.push(id);
            group.push(NodeId(id));
        }
        if !group.is_empty() {
            groups.push(group);
        }
    }
    if groups.is_empty() {
        return Err("groups: name at least one group, e.g. 1,2 | 3,4,5".into());
    }
    Ok(groups)
}

/// A client command: printable, at most 64 characters.
pub fn parse_command(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("command: type one (the box starts with an example)".into());
    }
    if text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err("command: at most 64 printable characters".into());
    }
    Ok(text.to_string())
}

/// The next seed after `seed` for the "new seed" button: a fixed mix, so it is reproducible too.
pub fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_accept_good_input_and_explain_bad_input() {
        assert_eq!(parse_range("10ms..50ms", "latency"), Ok((10_000, 50_000)));
        assert_eq!(parse_range("20ms", "latency"), Ok((20_000, 20_000)));
        assert!(parse_range("50ms..10ms", "latency").unwrap_err().contains("backwards"));
        assert!(parse_range("1h", "latency").is_err());
        assert_eq!(parse_percent("12.5", "drop"), Ok(125_000));
        assert_eq!(parse_percent("3%", "drop"), Ok(30_000));
        assert!(parse_percent("200", "drop").is_err());
        assert_eq!(parse_drift("150%"), Ok(150));
        assert!(parse_drift("0").is_err());
        assert_eq!(parse_nodes("7", 5), Ok(7));
        assert!(parse_nodes("16", 5).is_err());
        assert_eq!(parse_nodes("51", 51), Ok(51));
        assert!(parse_nodes("abc", 5).is_err());
        let g = parse_groups("1,2 | 3 4 5", 5).unwrap();
        assert_eq!(g, vec![vec![NodeId(1), NodeId(2)], vec![NodeId(3), NodeId(4), NodeId(5)]]);
        assert!(parse_groups("1,9", 5).unwrap_err().contains("not a node"));
        assert!(parse_groups("1 | 1", 5).unwrap_err().contains("two groups"));
        assert!(parse_groups(" | ", 5).is_err());
        assert!(parse_delay("0s", "pause").is_err());
        assert!(parse_delay("2m", "pause").is_err());
        assert_eq!(parse_delay("1.5s", "pause"), Ok(1_500_000));
        assert!(parse_command("").is_err());
        assert!(parse_command("set x\u{7}").is_err());
        assert_ne!(next_seed(1), next_seed(2));
        assert!(next_seed(u64::MAX) < 1_000_000);
    }
}
