//! Tokens of the scenario language, each with its line and column.

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A bare word: keywords, numbers, durations (`1.5s`), percentages (`10%`), names.
    Word(String),
    /// A quoted string (`"set x 1"`).
    Str(String),
    LBrace,
    RBrace,
    Comma,
    Star,
    Equals,
    /// `->`
    Arrow,
    /// `<->`
    BothWays,
    /// `..`
    Range,
}

impl Tok {
    pub fn show(&self) -> String {
        match self {
            Tok::Word(w) => format!("{w:?}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::LBrace => "\"{\"".into(),
            Tok::RBrace => "\"}\"".into(),
            Tok::Comma => "\",\"".into(),
            Tok::Star => "\"*\"".into(),
            Tok::Equals => "\"=\"".into(),
            Tok::Arrow => "\"->\"".into(),
            Tok::BothWays => "\"<->\"".into(),
            Tok::Range => "\"..\"".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based column of the token's first character.
    pub col: usize,
}

/// The longest line the language accepts.
pub const LINE_CHARS_MAX: usize = 2_000;

/// Letters and digits of any script are word characters (so are other non-ASCII symbols: the
/// parser then names the word it cannot use). Tested without Unicode's alphabetic tables, which
/// the download would carry.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || (!c.is_ascii() && !c.is_whitespace())
        || matches!(c, '_' | '%' | '.' | '-' | ':' | '#' | '/')
}

/// Splits one line (without its comment) into tokens. Errors carry the 1-based column.
pub fn lex_line(line: &str) -> Result<Vec<Token>, (usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() > LINE_CHARS_MAX {
        return Err((1, format!("the line is longer than {LINE_CHARS_MAX} characters")));
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let next = chars.get(i + 1).copied();
        let simple = match c {
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            ',' => Some(Tok::Comma),
            '*' => Some(Tok::Star),
            '=' => Some(Tok::Equals),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            break; // a comment runs to the end of the line
        } else if let Some(tok) = simple {
            tokens.push(Token { tok, col });
            i += 1;
        } else if c == '-' && next == Some('>') {
            tokens.push(Token { tok: Tok::Arrow, col });
            i += 2;
        } else if c == '<' && next == Some('-') && chars.get(i + 2) == Some(&'>') {
            tokens.push(Token { tok: Tok::BothWays, col });
            i += 3;
        } else if c == '.' && next == Some('.') {
            tokens.push(Token { tok: Tok::Range, col });
            i += 2;
        } else if c == '"' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((col, "this string has no closing quote".into())),
                    Some('"') => break,
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('"') => text.push('"'),
                            Some('\\') => text.push('\\'),
                            Some('n') => text.push('\n'),
                            _ => return Err((i + 1, "unknown escape: use \\\" \\\\ or \\n".into())),
                        }
                        i += 2;
                    }
                    Some(&other) => {
                        text.push(other);
                        i += 1;
                    }
                }
            }
            i += 1;
            tokens.push(Token { tok: Tok::Str(text), col });
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                // `..` and `->` end a word: `1ms..5ms`, `1->2`.
                let pair = (chars[i], chars.get(i + 1).copied());
                if pair == ('.', Some('.')) || pair == ('-', Some('>')) || (chars[i] == '#' && i == start) {
                    break;
                }
                i += 1;
            }
            tokens.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), col });
        } else {
            return Err((col, format!("unexpected character {c:?}")));
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(line: &str) -> Vec<Tok> {
        lex_line(line).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_ranges_arrows_sets_and_strings() {
        assert_eq!(
            toks("at 1.5s link 1->2 latency 1ms..5ms # comment"),
            vec![
                Tok::Word("at".into()),
                Tok::Word("1.5s".into()),
                Tok::Word("link".into()),
                Tok::Word("1".into()),
                Tok::Arrow,
                Tok::Word("2".into()),
                Tok::Word("latency".into()),
                Tok::Word("1ms".into()),
                Tok::Range,
                Tok::Word("5ms".into()),
            ]
        );
        assert_eq!(
            toks("partition {1,2} {3} cut 1<->2 say \"a \\\"b\\\"\""),
            vec![
                Tok::Word("partition".into()),
                Tok::LBrace,
                Tok::Word("1".into()),
                Tok::Comma,
                Tok::Word("2".into()),
                Tok::RBrace,
                Tok::LBrace,
                Tok::Word("3".into()),
                Tok::RBrace,
                Tok::Word("cut".into()),
                Tok::Word("1".into()),
                Tok::BothWays,
                Tok::Word("2".into()),
                Tok::Word("say".into()),
                Tok::Str("a \"b\"".into()),
            ]
        );
    }

    #[test]
    fn reports_the_column_of_bad_input() {
        assert_eq!(lex_line("crash 3 ;").unwrap_err().0, 9);
        assert_eq!(lex_line("say \"open").unwrap_err().0, 5);
    }

    #[test]
    fn words_may_be_in_any_script() {
        // A no-break space separates like a space; letters of any script make words.
        assert_eq!(
            toks("request set café\u{a0}Ωμέγα"),
            vec![
                Tok::Word("request".into()),
                Tok::Word("set".into()),
                Tok::Word("café".into()),
                Tok::Word("Ωμέγα".into())
            ]
        );
    }
}
