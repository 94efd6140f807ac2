//! The one text normalisation of the gate: needles and haystacks go through the same
//! functions, so they can only disagree about what a value *is*, never about its spelling.
//!
//! - **Fold** ([`push_core`]): Unicode compatibility decomposition (NFKD), combining marks
//!   dropped (diacritics: `Ü` → `u`, `ç` → `c`, full-width `４` → `4`), then Unicode
//!   lower case, plus a few letters that NFKD leaves whole (`ı` → `i`, `ß` → `ss`, `ø` → `o`,
//!   `æ` → `ae`, `ł` → `l`, `đ`/`ð` → `d`, `œ` → `oe`, `þ` → `th`). So `Ünalçiçek`,
//!   `ÜNALÇIÇEK` and `Unalcicek` are the same text.
//! - **Core**: the folded text with every run of non-alphanumeric characters written as
//!   one space, trimmed. Word boundaries are then spaces, so a whole-word needle is the
//!   core between spaces and every match of any needle is a hit (no re-checking of the
//!   bytes around a match, which keeps a scan linear).
//! - **Hay** ([`push_hay`]): `STX ␠ core ␠ ETX` for a string value, so the start and the end
//!   of the whole string can be matched too. `STX` is [`BIRTH_FIELD`] for the value of a
//!   `birthDate` field (the standalone scan matches dates of birth there only).
//! - **Digits-only form** ([`push_digits`]): the ASCII digits of the core.
//!
//! Every function is one pass over its input; NFKD expands a character to at most 18, so
//! output length ≤ 18 × input length (in practice ≤ 3 ×, and = for ASCII, the fast path).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Start of a whole string in a hay.
pub(crate) const STX: char = '\u{2}';
/// End of a whole string in a hay.
pub(crate) const ETX: char = '\u{3}';
/// Start of the value of a `birthDate` field in a hay (instead of [`STX`]).
pub(crate) const BIRTH_FIELD: char = '\u{5}';
/// Start of an opaque token in a hay (see [`opaque_token`]); looked up, never scanned.
pub(crate) const TOKEN: char = '\u{6}';

/// Shortest run of hex digits that counts as an opaque token.
const MIN_TOKEN_HEX: usize = 16;

/// The opaque token of `s`, if `s` is one: a UUID or at least 16 hex digits, optionally
/// after `urn:uuid:`, `#` or `Type/` (the shapes of ids, references and the engine's
/// pseudonyms). Such a value is random-looking: scanning it for needles would find, among
/// hundreds of thousands of digit needles, chance substrings; so it is compared whole.
pub(crate) fn opaque_token(s: &str) -> Option<&str> {
    let s = s.trim_ascii();
    // Every token ends with 12 hex digits (a UUID's last group, or a hex run): most
    // strings fail here on their last byte.
    if s.len() < MIN_TOKEN_HEX
        || !s.as_bytes()[s.len() - 12..]
            .iter()
            .all(u8::is_ascii_hexdigit)
    {
        return None;
    }
    let rest = s
        .strip_prefix("urn:uuid:")
        .or_else(|| s.strip_prefix('#'))
        .or_else(|| {
            let (ty, id) = s.split_once('/')?;
            let t = ty.as_bytes();
            (t.first()?.is_ascii_uppercase() && t.iter().all(u8::is_ascii_alphabetic)).then_some(id)
        })
        .unwrap_or(s);
    let b = rest.as_bytes();
    let hex_run = |r: &[u8]| r.iter().all(u8::is_ascii_hexdigit);
    let uuid = b.len() == 36
        && [b[8], b[13], b[18], b[23]] == [b'-'; 4]
        && [&b[..8], &b[9..13], &b[14..18], &b[19..23], &b[24..]]
            .into_iter()
            .all(hex_run);
    let hex = b.len() >= MIN_TOKEN_HEX && hex_run(b);
    (uuid || hex).then_some(rest)
}

/// Appends the core of `s` (folded, separators as single spaces, trimmed) to `out`.
pub(crate) fn push_core(s: &str, out: &mut String) {
    let start = out.len();
    // ASCII folds to at most its own length; other text usually to about its own.
    out.reserve(s.len());
    if s.is_ascii() {
        push_core_ascii(s, start, out);
    } else {
        push_core_chars(s, start, out);
    }
}

/// [`push_core`] character by character (`out` grew from `start`).
fn push_core_chars(s: &str, start: usize, out: &mut String) {
    // `true` when the last character written is a separator (or nothing was written yet),
    // so a run of separators becomes one space and leading ones vanish.
    let mut sep = true;
    for c in s.chars() {
        decompose_compatible(c, |d| {
            if !is_combining_mark(d) {
                d.to_lowercase().for_each(|l| fold_letter(l, out, &mut sep));
            }
        });
    }
    if sep && out.len() > start {
        out.pop();
    }
}

/// [`push_core`] of ASCII text (`out` grew from `start`): each run of letters and digits
/// copied whole, one space between runs, then what was copied lower-cased in one pass; the
/// same text as the per-character fold, at a fraction of its cost.
fn push_core_ascii(s: &str, start: usize, out: &mut String) {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && !b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        let lo = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if out.len() > start {
            out.push(' ');
        }
        out.push_str(&s[lo..i]);
    }
    out[start..].make_ascii_lowercase();
}

fn fold_letter(c: char, out: &mut String, sep: &mut bool) {
    let mapped: &str = match c {
        'ı' => "i",
        'ß' => "ss",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        _ => return push_folded(c, out, sep),
    };
    mapped.chars().for_each(|m| push_folded(m, out, sep));
}

#[inline]
fn push_folded(c: char, out: &mut String, sep: &mut bool) {
    if c.is_alphanumeric() {
        out.push(c);
        *sep = false;
    } else if !*sep {
        out.push(' ');
        *sep = true;
    }
}

/// Appends the hay of a string value: `start ␠ core ␠ ETX` ([`STX`] or [`BIRTH_FIELD`]).
/// Returns false (and appends nothing) when the core is empty.
pub(crate) fn push_hay(s: &str, start: char, out: &mut String) -> bool {
    let at = out.len();
    out.push(start);
    out.push(' ');
    let core = out.len();
    push_core(s, out);
    if out.len() == core {
        out.truncate(at);
        return false;
    }
    out.push(' ');
    out.push(ETX);
    true
}

/// Appends the ASCII digits of `s` to `out`; returns how many. Full-width and other
/// compatibility digits count (NFKD maps them to ASCII) when `s` went through [`push_core`]
/// first; callers pass a core or a JSON number.
pub(crate) fn push_digits(s: &str, out: &mut String) -> usize {
    let before = out.len();
    out.extend(s.bytes().filter(u8::is_ascii_digit).map(char::from));
    out.len() - before
}

/// Longest string whose digits-only form is checked (a formatted phone number, SSN or
/// MRN); longer digit-and-separator strings are sequences of numbers (`SampledData.data`)
/// whose concatenated digits mean nothing.
pub(crate) const MAX_NUMBER_LIKE_CHARS: usize = 32;

/// True when `s` is a short formatted number: digits and separators only (no letter), at
/// least `min_digits` digits, at most [`MAX_NUMBER_LIKE_CHARS`] bytes, and not shaped like
/// a FHIR date or time (those are the engine's, and their digits would collide).
pub(crate) fn number_like(s: &str, min_digits: usize) -> bool {
    let b = s.trim_ascii().as_bytes();
    if b.len() > MAX_NUMBER_LIKE_CHARS || date_shaped(b) || b.contains(&b':') {
        return false;
    }
    let mut digits = 0;
    for &c in b {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c.is_ascii_alphabetic() || !c.is_ascii() {
            return false;
        }
    }
    digits >= min_digits
}

/// `YYYY-MM` or `YYYY-MM-DD` (optionally followed by more).
fn date_shaped(b: &[u8]) -> bool {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..4).all(d)
        && b.get(4) == Some(&b'-')
        && d(5)
        && d(6)
        && matches!(b.get(7), None | Some(b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(s: &str) -> String {
        let mut out = String::new();
        push_core(s, &mut out);
        out
    }

    #[test]
    fn unicode_case_and_diacritics_fold_to_one_text() {
        assert_eq!(core("Ünalçiçek"), "unalcicek");
        assert_eq!(core("ÜNALÇIÇEK"), "unalcicek");
        assert_eq!(core("Unalcicek"), "unalcicek");
        assert_eq!(core("Ünalçıçek"), "unalcicek");
        assert_eq!(core("Straße"), "strasse");
        assert_eq!(core("Øster-Ålund"), "oster alund");
        assert_eq!(core("ＪＯＨＮ４２"), "john42");
    }

    #[test]
    fn ascii_fold_is_the_character_fold() {
        let samples = [
            "",
            " ",
            "--",
            "a",
            "A-b",
            "  (555) 371-7336 ",
            "O'Brien",
            "x..Y..z",
            "Doe, JOHN Q.",
            "https://x.org/u/JohnSmith?q=1#f",
            "\t\n\u{1}ab\u{7f}CD",
            "12 34\"56\\78",
        ];
        for s in samples {
            let (mut fast, mut slow) = (String::from("pre"), String::from("pre"));
            push_core_ascii(s, 3, &mut fast);
            push_core_chars(s, 3, &mut slow);
            assert_eq!(fast, slow, "{s:?}");
        }
        // Every pair of ASCII bytes around a letter.
        for a in 0u8..128 {
            for b in 0u8..128 {
                let s = String::from_utf8(vec![a, b'Q', b, b'7', a]).unwrap();
                let (mut fast, mut slow) = (String::new(), String::new());
                push_core_ascii(&s, 0, &mut fast);
                push_core_chars(&s, 0, &mut slow);
                assert_eq!(fast, slow, "{s:?}");
            }
        }
    }

    #[test]
    fn separators_collapse_and_trim() {
        assert_eq!(core("  (555) 371-7336 "), "555 371 7336");
        assert_eq!(core("https://x.org/u/JohnSmith"), "https x org u johnsmith");
        assert_eq!(core("--"), "");
        let mut hay = String::new();
        assert!(push_hay("O'Brien", STX, &mut hay));
        assert_eq!(hay, "\u{2} o brien \u{3}");
        assert!(!push_hay(" - ", STX, &mut hay));
        assert_eq!(hay, "\u{2} o brien \u{3}");
    }

    #[test]
    fn opaque_tokens() {
        let u = "0b9e4f5c-2f1a-4c8e-9d3b-5a6f7e8d9c0b";
        assert_eq!(opaque_token(u), Some(u));
        assert_eq!(opaque_token(&format!("Patient/{u}")), Some(u));
        assert_eq!(opaque_token(&format!("urn:uuid:{u}")), Some(u));
        assert_eq!(opaque_token("#0123456789abcdef"), Some("0123456789abcdef"));
        assert_eq!(opaque_token("E4471902"), None);
        assert_eq!(opaque_token("https://x.org/Patient/1"), None);
    }

    #[test]
    fn number_like_strings() {
        assert!(number_like("(555) 371-7336", 6));
        assert!(number_like("123-45-6789", 6));
        assert!(!number_like("12345", 6));
        assert!(!number_like("E4471902", 6));
        assert!(!number_like("2023-05-12", 6));
        assert!(!number_like("10:30:00", 6));
        assert!(!number_like(&"1 2 3 ".repeat(20), 6));
    }
}
