//! The planted values in every form the scanner looks for: folded text (case, diacritics,
//! compatibility forms; substring, not whole word) and, for values with 6+ digits, their
//! digits inside any digit run of a haystack; haystacks that decode as base64, and
//! percent-encoded haystacks once decoded, are scanned too.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::fold::{digit_runs, digits, fold};
use crate::plant::Planted;

/// Shortest folded text needle (shorter values would match ordinary words and codes).
const MIN_TEXT: usize = 5;
/// Shortest digits-only needle.
const MIN_DIGITS: usize = 6;

/// Compiled needles.
#[derive(Debug)]
pub struct Needles<'p> {
    text: Vec<(String, &'p Planted)>,
    digits: Vec<(String, &'p Planted)>,
}

fn looks_base64(s: &str) -> bool {
    s.len() >= 16
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// `%XX` sequences decoded (invalid ones kept as they are), read as UTF-8 (lossy).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(x) if b[i] == b'%' => {
                out.push(x);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<'p> Needles<'p> {
    /// Compiles `planted`.
    #[must_use]
    pub fn new(planted: &'p [Planted]) -> Self {
        let mut n = Self {
            text: Vec::new(),
            digits: Vec::new(),
        };
        for p in planted {
            let t = fold(p.value.trim());
            if t.chars().count() >= MIN_TEXT {
                n.text.push((t, p));
            }
            let d = digits(&p.value);
            if d.len() >= MIN_DIGITS {
                n.digits.push((d, p));
            }
        }
        n
    }

    /// The planted value found in `hay` (or in its base64 or percent decoding); the longest
    /// when several are (an e-mail address holds a name: it is reported as the e-mail).
    #[must_use]
    pub fn find(&self, hay: &str) -> Option<&'p Planted> {
        if hay.contains('%')
            && let Some(p) = self.find_plain(&percent_decoded(hay))
        {
            return Some(p);
        }
        self.find_plain(hay).or_else(|| {
            if !looks_base64(hay) {
                return None;
            }
            let bytes = STANDARD
                .decode(hay)
                .or_else(|_| URL_SAFE_NO_PAD.decode(hay.trim_end_matches('=')))
                .ok()?;
            self.find_plain(&String::from_utf8_lossy(&bytes))
        })
    }

    fn find_plain(&self, hay: &str) -> Option<&'p Planted> {
        let folded = fold(hay);
        let text = self
            .text
            .iter()
            .filter(|(t, _)| folded.contains(t.as_str()))
            .max_by_key(|(t, _)| t.len());
        if let Some((_, p)) = text {
            return Some(p);
        }
        let runs = digit_runs(hay);
        self.digits
            .iter()
            .filter(|(d, _)| runs.iter().any(|r| r.contains(d.as_str())))
            .max_by_key(|(d, _)| d.len())
            .map(|(_, p)| *p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plant::{Attack, IdClass};

    fn planted(class: IdClass, value: &str) -> Planted {
        Planted {
            class,
            attack: Attack::Baseline,
            path: "t",
            value: value.to_owned(),
        }
    }

    #[test]
    fn finds_every_form() {
        let p = [
            planted(IdClass::Name, "Ünalçiçek"),
            planted(IdClass::Ssn, "999-10-6621"),
            planted(IdClass::Mrn, "E4471902"),
        ];
        let n = Needles::new(&p);
        assert!(n.find("CODE ÜNALÇIÇEK").is_some());
        assert!(n.find("https://x.example/u/unalcicekjohn").is_some());
        assert!(n.find("999106621").is_some());
        assert!(n.find("tel: 999 10 6621").is_some());
        assert!(n.find("E4471902x").is_some());
        assert!(n.find(&STANDARD.encode("note for Ünalçiçek")).is_some());
        assert!(
            n.find("https://x.example/%C3%9Cnal%C3%A7i%C3%A7ek/1")
                .is_some()
        );
        assert!(
            n.find("a9f3999c106621").is_none(),
            "digits split by letters are not a number"
        );
        assert!(n.find("final").is_none());
    }
}
