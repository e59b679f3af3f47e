//! Parsing and printing virtual durations: `250us`, `10ms`, `1.5s`, `2m`.

use crate::core::decimal::format_scaled_trimmed;
use crate::core::{TimeUs, US_PER_MS, US_PER_S};

/// The longest duration accepted anywhere (a day of virtual time).
pub const DURATION_US_MAX: TimeUs = 24 * 3600 * US_PER_S;

/// Parses a duration with a unit (`us`, `ms`, `s`, `m`); decimals are allowed (`1.5s`).
pub fn parse_duration(text: &str) -> Result<TimeUs, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("duration {text:?} needs a unit: us, ms, s or m (e.g. 10s)"))?;
    let (number, unit) = text.split_at(split);
    let unit_us: TimeUs = match unit {
        "us" | "µs" => 1,
        "ms" => US_PER_MS,
        "s" => US_PER_S,
        "m" | "min" => 60 * US_PER_S,
        _ => return Err(format!("duration {text:?} has unknown unit {unit:?}: use us, ms, s or m")),
    };
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.matches('.').count() > 1 {
        return Err(format!("duration {text:?} is not a number followed by a unit"));
    }
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.len() > 12 || frac.len() > 6 {
        return Err(format!("duration {text:?} is out of range (at most 24h, 6 decimals)"));
    }
    let whole: TimeUs = whole.parse().map_err(|_| format!("duration {text:?} is not a number"))?;
    let mut frac_us: TimeUs = 0;
    let mut scale = unit_us;
    for digit in frac.bytes() {
        scale /= 10;
        frac_us += TimeUs::from(digit - b'0') * scale;
    }
    let total = whole.checked_mul(unit_us).and_then(|w| w.checked_add(frac_us));
    match total {
        Some(t) if t <= DURATION_US_MAX => Ok(t),
        _ => Err(format!("duration {text:?} is out of range (at most 24h)")),
    }
}

/// Parses `A..B` (two durations) or a single duration `A` (both ends `A`); the caller checks the
/// order and the bounds it needs.
pub fn parse_duration_range(text: &str) -> Result<(TimeUs, TimeUs), String> {
    let text = text.trim();
    let (lo, hi) = text.split_once("..").unwrap_or((text, text));
    Ok((parse_duration(lo)?, parse_duration(hi)?))
}

/// Prints a duration with the largest unit that keeps it exact enough to read.
pub fn format_duration(us: TimeUs) -> String {
    if us >= US_PER_S {
        format!("{}s", format_scaled_trimmed(us as i64, 6))
    } else if us >= US_PER_MS {
        format!("{}ms", format_scaled_trimmed(us as i64, 3))
    } else if us == 0 {
        "0s".to_string()
    } else {
        format!("{us}us")
    }
}

/// Parses a percentage (`12.5%`) into parts per million.
pub fn parse_percent_ppm(text: &str) -> Result<u32, String> {
    let number = text.trim().strip_suffix('%').ok_or_else(|| format!("{text:?} is not a percentage (e.g. 10%)"))?;
    let ppm = crate::core::decimal::parse_scaled(number, 4)
        .ok_or_else(|| format!("{text:?} is not a percentage (e.g. 10%)"))?;
    if !(0..=1_000_000).contains(&ppm) {
        return Err(format!("{text:?} is not between 0% and 100%"));
    }
    Ok(ppm as u32)
}

/// Parts per million as an exact percentage (`12.3456%`).
pub fn format_ppm(ppm: u32) -> String {
    format!("{}%", format_scaled_trimmed(i64::from(ppm), 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_ranges_parse_two_ends_or_one() {
        assert_eq!(parse_duration_range("10ms..50ms"), Ok((10_000, 50_000)));
        assert_eq!(parse_duration_range(" 20ms "), Ok((20_000, 20_000)));
        assert_eq!(parse_duration_range("50ms..10ms"), Ok((50_000, 10_000)));
        assert!(parse_duration_range("1ms..x").is_err());
    }

    #[test]
    fn durations_parse_with_units_and_decimals() {
        assert_eq!(parse_duration("250us"), Ok(250));
        assert_eq!(parse_duration("10ms"), Ok(10_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration("2m"), Ok(120_000_000));
        assert_eq!(parse_duration("0.001ms"), Ok(1));
        for bad in ["", "10", "s", "1.s", ".5s", "1..2s", "10h", "-1s", "99999999999999s", "25h"] {
            assert!(parse_duration(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn durations_print_back() {
        assert_eq!(format_duration(1_500_000), "1.5s");
        assert_eq!(format_duration(5_278_061), "5.278061s");
        assert_eq!(format_duration(2_000_000), "2s");
        assert_eq!(format_duration(10_000), "10ms");
        assert_eq!(format_duration(1_500), "1.5ms");
        assert_eq!(format_duration(7), "7us");
    }

    #[test]
    fn percentages_become_ppm() {
        assert_eq!(parse_percent_ppm("10%"), Ok(100_000));
        assert_eq!(parse_percent_ppm("0.5%"), Ok(5_000));
        assert!(parse_percent_ppm("101%").is_err());
        assert!(parse_percent_ppm("10").is_err());
        assert_eq!(format_ppm(125_000), "12.5%");
    }
}
