//! Decimal numbers read and written with integer arithmetic.
//!
//! Rust's own float formatting (`{x:.1}`, `{x}`) and parsing (`str::parse::<f64>`) link
//! Grisu/Dragon and Eisel-Lemire code into the WebAssembly. Every number the playground shows or
//! reads has a fixed number of decimals (percentages, speeds, coordinates), so scaled integers do
//! the job: `parse_scaled("12.5", 4) == Some(125_000)`, `format_scaled(-125, 2) == "-1.25"`.

use super::Text;

/// Reads an optionally signed decimal (`12`, `-1.25`, `.5`, `+3.`) as `value × 10^decimals`,
/// rounding half away from zero on the digits beyond `decimals`. `None` for anything else (empty,
/// exponents, `inf`, several dots) or for a magnitude beyond ±10^15.
pub fn parse_scaled(text: &str, decimals: u32) -> Option<i64> {
    const LIMIT: i64 = 1_000_000_000_000_000;
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
        return None;
    }
    let mut value: i64 = 0;
    for b in whole.bytes() {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
        if value > LIMIT {
            return None;
        }
    }
    let mut frac = frac.bytes();
    for _ in 0..decimals {
        let digit = frac.next().map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    if frac.next().is_some_and(|b| b >= b'5') {
        value += 1;
    }
    Some(if negative { -value } else { value })
}

/// Reads a decimal as an `f64` (see [`parse_scaled`]; at most `decimals` places are kept).
pub fn parse_f64(text: &str, decimals: u32) -> Option<f64> {
    parse_scaled(text, decimals).map(|v| v as f64 / 10f64.powi(decimals as i32))
}

/// Where short generated texts are written: a `String`, or a [`StackText`]. Numbers go in digit
/// by digit (without `format!`, which costs several times more).
pub trait TextOut {
    fn push_str(&mut self, s: &str);
    /// Appends the decimal digits of `n`.
    fn push_u64(&mut self, n: u64) {
        // Only ASCII digits were written.
        self.push_str(std::str::from_utf8(digits(n, &mut [0; 20])).unwrap_or_default());
    }
}

impl TextOut for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
}

/// The decimal digits of `n`, written at the end of `room`.
pub fn digits(mut n: u64, room: &mut [u8; 20]) -> &[u8] {
    let mut at = room.len();
    loop {
        at -= 1;
        room[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &room[at..]
}

/// A short text written on the stack and then shared: a `String` made [`Text`] is allocated
/// twice (the string, then the shared copy), this once. For the texts made per command (the
/// workload's operations, log values); what does not fit is reported, not cut.
pub struct StackText {
    bytes: [u8; 96],
    len: usize,
    fits: bool,
}

impl Default for StackText {
    fn default() -> Self {
        StackText { bytes: [0; 96], len: 0, fits: true }
    }
}

impl TextOut for StackText {
    fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }
    /// The digits as bytes: they need no check that they are UTF-8.
    fn push_u64(&mut self, n: u64) {
        self.push_bytes(digits(n, &mut [0; 20]));
    }
}

impl StackText {
    /// Whole strings and ASCII digits only, so the bytes stay UTF-8.
    fn push_bytes(&mut self, s: &[u8]) {
        match self.bytes.get_mut(self.len..self.len + s.len()) {
            Some(room) if self.fits => {
                room.copy_from_slice(s);
                self.len += s.len();
            }
            _ => self.fits = false,
        }
    }
    /// The text, if all of it fitted.
    pub fn text(&self) -> Option<Text> {
        self.fits.then(|| std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default().into())
    }
}

/// Writes `scaled / 10^decimals` with exactly `decimals` places: `format_scaled(5, 1) == "0.5"`.
pub fn format_scaled(scaled: i64, decimals: u32) -> String {
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{magnitude}");
    }
    let unit = 10u64.pow(decimals);
    format!("{sign}{}.{:0width$}", magnitude / unit, magnitude % unit, width = decimals as usize)
}

/// Writes `x` rounded (half away from zero) to `decimals` places, as `format!("{x:.N}")` would for
/// the values the page shows; non-finite values and magnitudes beyond 10^15 are written as 0.
pub fn format_fixed(x: f64, decimals: u32) -> String {
    let scaled = x * 10f64.powi(decimals as i32);
    let rounded = if scaled < 0.0 { -((-scaled + 0.5).floor()) } else { (scaled + 0.5).floor() };
    let rounded = if rounded.is_finite() && rounded.abs() < 1e15 { rounded as i64 } else { 0 };
    format_scaled(rounded, decimals)
}

/// Like [`format_fixed`] but without the trailing zeros (and without a trailing dot).
pub fn format_trimmed(x: f64, decimals: u32) -> String {
    trim(format_fixed(x, decimals))
}

fn trim(text: String) -> String {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Like [`format_scaled`] but without the trailing zeros (and without a trailing dot).
pub fn format_scaled_trimmed(scaled: i64, decimals: u32) -> String {
    trim(format_scaled(scaled, decimals))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text on the stack is the text a `String` would hold, up to its room; beyond it, nothing
    /// (and a command's value then comes from the `String`).
    #[test]
    fn stack_text_is_the_string_or_nothing() {
        for op in ["", "set k1 2.3", "get k\u{e9}t\u{e9}", &"x".repeat(55), &"é".repeat(30), &"y".repeat(80)] {
            let command = super::super::Command { client: 4_000_000_000, seq: u64::MAX, op: op.into() };
            assert_eq!(&*command.text(), command.value(), "{op}");
            let mut text = StackText::default();
            text.push_str(op);
            text.push_u64(u64::MAX);
            let fits = op.len() + 20 <= 96;
            assert_eq!(text.text().as_deref(), fits.then(|| format!("{op}{}", u64::MAX)).as_deref(), "{op}");
        }
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_scaled("12.5", 4), Some(125_000));
        assert_eq!(parse_scaled("0", 4), Some(0));
        assert_eq!(parse_scaled("100", 4), Some(1_000_000));
        assert_eq!(parse_scaled(".5", 1), Some(5));
        assert_eq!(parse_scaled("3.", 2), Some(300));
        assert_eq!(parse_scaled("-1.25", 2), Some(-125));
        assert_eq!(parse_scaled("+2", 0), Some(2));
        assert_eq!(parse_scaled("1.23456", 4), Some(12_346), "rounds half away from zero");
        assert_eq!(parse_scaled("-1.23455", 4), Some(-12_346));
        assert_eq!(parse_scaled("1.23454", 4), Some(12_345));
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for bad in ["", "-", ".", "1e3", "inf", "NaN", "1.2.3", "1,5", " 1", "--1", "99999999999999999999"] {
            assert_eq!(parse_scaled(bad, 2), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_like_the_standard_library_for_shown_values() {
        for (x, d) in [(0.0, 1), (1.25, 1), (199.96, 1), (-4.56789, 2), (12.0, 0), (0.001, 3), (57.5, 0), (9.95, 1)] {
            let ours = format_fixed(x, d);
            let std = format!("{x:.*}", d as usize);
            // Rust rounds ties to even on the exact binary value; ours rounds the scaled value half
            // up. They agree except on exact ties, which the assertions below avoid or accept.
            assert!(ours == std || (x * 10f64.powi(d as i32)).fract().abs() == 0.5, "{x} {d}: {ours} vs {std}");
        }
        assert_eq!(format_fixed(-0.04, 1), "0.0");
        assert_eq!(format_fixed(f64::NAN, 1), "0.0");
        assert_eq!(format_scaled(-5, 1), "-0.5");
        assert_eq!(format_scaled_trimmed(1_250, 3), "1.25");
        assert_eq!(format_scaled_trimmed(2_000, 3), "2");
        assert_eq!(format_scaled_trimmed(7, 0), "7");
        assert_eq!(format_scaled_trimmed(70, 0), "70");
        assert_eq!(format_trimmed(0.25, 6), "0.25");
        assert_eq!(format_trimmed(100.0, 6), "100");
    }

    #[test]
    fn scaled_values_round_trip() {
        for v in [-100_000i64, -1, 0, 1, 9, 10, 123_456, 1_000_000] {
            assert_eq!(parse_scaled(&format_scaled(v, 4), 4), Some(v));
            assert_eq!(parse_scaled(&format_scaled_trimmed(v, 4), 4), Some(v));
        }
    }
}
