//! [`OpenValues`]: the output's open values (strings and numbers the engine copied from
//! the input), stored as the hays the gate scans.
//!
//! Per value, O(its length) to push, and the stored bytes are at most 18 × its length
//! (NFKD; = length + 4 for ASCII). An opaque token (an id, a UUID, a pseudonym, possibly
//! as a reference) is stored whole and compared whole. A string gives its text hay; a short formatted number
//! also its digits-only form; a JSON number only its digits-only form; a terminology URI
//! ([`is_vocabulary_uri`]) only its digits-only form, so a given name `Sid` never matches
//! `http://hl7.org/fhir/sid/us-ssn` while an MRN hidden in such a path still does.

use serde_json::{Number, Value};

use super::fold::{self, BIRTH_FIELD, STX, TOKEN};
use super::needles::{DIGITS_MIN, Fits, TOKEN_BYTE};

/// Bases of URIs that name terminologies or the engine's own systems. Their text is
/// vocabulary, never a person's (the engine validates systems; the gate still checks
/// their digits).
pub const VOCABULARY_BASES: &[&str] = &[
    "http://terminology.hl7.org/",
    "http://hl7.org/fhir/",
    "https://starvit.dev/",
    "http://loinc.org",
    "http://snomed.info/",
    "http://www.nlm.nih.gov/research/umls/",
    "http://unitsofmeasure.org",
    "http://www.ama-assn.org/go/cpt",
    "http://www.whocc.no/atc",
    "http://nucc.org/provider-taxonomy",
    "http://www.cms.gov/Medicare/Coding/ICD10",
    "urn:ietf:bcp:47",
    "urn:ietf:bcp:13",
    "urn:iso:std:iso:",
];

/// True when `s` is a URI under one of [`VOCABULARY_BASES`] with a plain path (letters,
/// digits, `.`, `-`, `_`, `~`, `/`, `:`): no query, no spaces.
#[must_use]
pub fn is_vocabulary_uri(s: &str) -> bool {
    if !(s.starts_with("http") || s.starts_with("urn:")) {
        return false;
    }
    VOCABULARY_BASES.iter().any(|base| {
        s.strip_prefix(base).is_some_and(|rest| {
            rest.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-~/:".contains(&b))
        })
    })
}

/// A string (and whether it is the value of a `birthDate` field) or a number of a JSON tree.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaf<'v> {
    Str(&'v str, bool),
    Number(&'v Number),
}

/// Calls `f` on every string and number under `v` in document order (object keys are not
/// values) until it returns false; returns false when stopped.
pub(crate) fn each_leaf<'v>(v: &'v Value, f: &mut impl FnMut(Leaf<'v>) -> bool) -> bool {
    each_leaf_of(v, false, f)
}

fn each_leaf_of<'v>(v: &'v Value, birth: bool, f: &mut impl FnMut(Leaf<'v>) -> bool) -> bool {
    match v {
        Value::String(s) => f(Leaf::Str(s, birth)),
        Value::Number(n) => f(Leaf::Number(n)),
        Value::Array(a) => a.iter().all(|x| each_leaf_of(x, birth, f)),
        Value::Object(o) => o.iter().all(|(k, x)| each_leaf_of(x, k == "birthDate", f)),
        Value::Bool(_) | Value::Null => true,
    }
}

/// A reusable buffer of the open values of one output resource. The engine fills it during
/// its walk with every string and number it copied from the input (codes, units,
/// quantities...), but not the values it made (pseudonyms, shifted dates, its tags) nor
/// those it validated against a closed vocabulary; [`super::check`] scans it.
#[derive(Debug, Default, Clone)]
pub struct OpenValues {
    text: String,
    ends: Vec<u32>,
    number: String,
}

impl OpenValues {
    /// An empty buffer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer with room for `bytes` of values.
    #[must_use]
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(8),
            number: String::with_capacity(32),
        }
    }

    /// Empties the buffer, keeping its memory for the next resource.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Number of hays stored (a value can store two: its text and its digits).
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was pushed (or nothing checkable).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Adds an open string value.
    pub fn push_str(&mut self, s: &str) {
        self.push_string(s, STX);
    }

    /// Adds an open number (its digits-only form is checked against digit needles).
    pub fn push_number(&mut self, n: &Number) {
        use std::fmt::Write as _;
        // Integers of fewer than DIGITS_MIN digits cannot hold a digit needle.
        const SMALL: u64 = 10_u64.pow(DIGITS_MIN as u32 - 1);
        if n.as_u64().is_some_and(|u| u < SMALL)
            || n.as_i64().is_some_and(|i| i.unsigned_abs() < SMALL)
        {
            return;
        }
        // A JSON number's text is short (serde_json prints at most ~25 characters).
        let mut text = std::mem::take(&mut self.number);
        text.clear();
        let _ = write!(text, "{n}");
        self.push_digits(&text);
        self.number = text;
    }

    /// Adds every string and number under `v` (object keys are not values). The value of a
    /// `birthDate` field is marked as such (the standalone scan matches dates of birth
    /// there only).
    pub fn push_value(&mut self, v: &Value) {
        each_leaf(v, &mut |leaf| {
            self.push_leaf(leaf);
            true
        });
    }

    /// Adds one leaf of a walk ([`each_leaf`]).
    pub(crate) fn push_leaf(&mut self, leaf: Leaf<'_>) {
        match leaf {
            Leaf::Str(s, birth) => self.push_string(s, if birth { BIRTH_FIELD } else { STX }),
            Leaf::Number(n) => self.push_number(n),
        }
    }

    fn push_string(&mut self, s: &str, start: char) {
        if let Some(token) = fold::opaque_token(s) {
            self.text.push(TOKEN);
            self.text.push_str(token);
            self.seal();
            return;
        }
        if is_vocabulary_uri(s) {
            self.push_digits(s);
            return;
        }
        if fold::push_hay(s, start, &mut self.text) {
            self.seal();
        }
        if fold::number_like(s, DIGITS_MIN) {
            self.push_digits(s);
        }
    }

    fn push_digits(&mut self, s: &str) {
        let at = self.text.len();
        if fold::push_digits(s, &mut self.text) >= DIGITS_MIN {
            self.seal();
        } else {
            self.text.truncate(at);
        }
    }

    fn seal(&mut self) {
        // Past 4 GiB the value is dropped from the buffer and `check` reports the line
        // unchecked (see `overflowed`).
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    /// True when more than 4 GiB were pushed (offsets no longer fit): fail closed.
    pub(crate) fn overflowed(&self) -> bool {
        self.ends.last() == Some(&u32::MAX)
    }

    /// What the stored hays can match: the length of the longest searched hay, and
    /// whether an opaque token (looked up whole, not searched) is among them.
    pub(crate) fn fits(&self) -> Fits {
        let mut fits = Fits {
            longest: 0,
            tokens: false,
        };
        for h in self.hays() {
            if h.first() == Some(&TOKEN_BYTE) {
                fits.tokens = true;
            } else {
                fits.longest = fits.longest.max(h.len());
            }
        }
        fits
    }

    /// The stored hays, in push order.
    pub(crate) fn hays(&self) -> impl Iterator<Item = &[u8]> {
        let text = self.text.as_bytes();
        let mut start = 0usize;
        self.ends.iter().map(move |&e| {
            let e = (e as usize).min(text.len());
            let h = &text[start.min(e)..e];
            start = e;
            h
        })
    }
}
