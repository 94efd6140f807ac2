//! FHIRPath tokens.

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// `` `delimited identifier` ``
    Quoted(String),
    Str(String),
    Number(String),
    /// `@...` date/time literal (text after `@`)
    At(String),
    /// `%name`
    Constant(String),
    /// `$this`, `$index`, `$total`
    Special(String),
    /// operators and punctuation
    Sym(&'static str),
}

/// Two-character symbols first, so `<=` is not read as `<` then `=`.
const SYMBOLS: [&str; 22] = [
    "<=", ">=", "!=", "!~", "<", ">", "(", ")", "[", "]", "{", "}", ".", ",", "+", "-", "*", "/",
    "&", "|", "=", "~",
];

/// Splits `src` into tokens.
pub(crate) fn lex(src: &str) -> Result<Vec<(usize, Tok)>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            let word = take_while(&chars, &mut i, |c| c.is_ascii_alphanumeric() || c == '_');
            Tok::Ident(word)
        } else if c.is_ascii_digit() {
            let mut text = take_while(&chars, &mut i, |c| c.is_ascii_digit());
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                i += 1;
                text.push('.');
                text.push_str(&take_while(&chars, &mut i, |c| c.is_ascii_digit()));
            }
            Tok::Number(text)
        } else if c == '\'' || c == '`' {
            i += 1;
            let text = quoted(&chars, &mut i, c).ok_or(format!("unterminated quote at {start}"))?;
            if c == '\'' {
                Tok::Str(text)
            } else {
                Tok::Quoted(text)
            }
        } else if c == '@' {
            i += 1;
            let text = take_while(&chars, &mut i, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')
            });
            if text.is_empty() {
                return Err(format!("empty date/time literal at {start}"));
            }
            Tok::At(text)
        } else if c == '%' || c == '$' {
            i += 1;
            let name = if chars.get(i) == Some(&'`') {
                i += 1;
                quoted(&chars, &mut i, '`').ok_or(format!("unterminated quote at {start}"))?
            } else {
                take_while(&chars, &mut i, |c| c.is_ascii_alphanumeric() || c == '_')
            };
            if name.is_empty() {
                return Err(format!("`{c}` without a name at {start}"));
            }
            if c == '%' {
                Tok::Constant(name)
            } else {
                Tok::Special(name)
            }
        } else {
            let rest: String = chars[i..].iter().take(2).collect();
            let sym = SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .ok_or(format!("unexpected character `{c}` at {start}"))?;
            i += sym.chars().count();
            Tok::Sym(sym)
        };
        out.push((start, tok));
    }
    Ok(out)
}

fn take_while(chars: &[char], i: &mut usize, f: impl Fn(char) -> bool) -> String {
    let start = *i;
    while *i < chars.len() && f(chars[*i]) {
        *i += 1;
    }
    chars[start..*i].iter().collect()
}

/// Reads up to the closing `quote` (after the opening one), resolving escapes.
fn quoted(chars: &[char], i: &mut usize, quote: char) -> Option<String> {
    let mut out = String::new();
    while *i < chars.len() {
        let c = chars[*i];
        *i += 1;
        if c == quote {
            return Some(out);
        }
        if c == '\\' {
            let e = *chars.get(*i)?;
            *i += 1;
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'f' => '\u{c}',
                'u' => {
                    let hex: String = chars.get(*i..*i + 4)?.iter().collect();
                    *i += 4;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                }
                other => other,
            });
        } else {
            out.push(c);
        }
    }
    None
}
