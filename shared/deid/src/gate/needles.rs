//! A deduplicated set of needles (identifying values, folded and encoded for one match
//! class each) and the matcher over them.
//!
//! Encoding (see [`super::fold`] for cores and hays), so that every match is a hit:
//! - [`Class::Sub`] `core`: anywhere, inside words too (`E4471902x`, `.../u/johnsmith`).
//! - [`Class::Word`] `␠core␠`: whole words of the hay.
//! - [`Class::Whole`] `STX␠core␠ETX`: the whole string value.
//! - [`Class::BirthField`] `BIRTH_FIELD␠core␠ETX`: the whole value of a `birthDate` field.
//!
//! Cost: [`NeedleSet::push`] is O(length of the value) expected (one fold, one hash of each
//! encoded form, keyed SipHash so crafted collisions cannot degrade it). Memory per
//! distinct needle: its encoded bytes + 4 (end offset) + 1 (kind) + 8 (hash) + about 5
//! (table slot).

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::ValueKind;
use super::fold::{self, BIRTH_FIELD, ETX, STX, TOKEN};

/// First byte of a token hay.
pub(crate) const TOKEN_BYTE: u8 = TOKEN as u8;

/// Shortest value (in characters of its core) the gate checks: "Li" or "Ng" would match
/// codes and units everywhere; a 3-letter name is still checked.
pub const MIN_VALUE_CHARS: usize = 3;
/// Shortest resource id checked (UUID-like ids; `example` collides with words).
pub const MIN_ID_CHARS: usize = 16;
/// Names, identifiers and telecoms at least this long match inside words too.
pub const SUBSTRING_MIN_CHARS: usize = 5;
/// A value with at least this many digits also yields its digits-only form, matched
/// anywhere (a core of digits only must be this long to match inside other digits).
pub const DIGITS_MIN: usize = 6;
/// Free text, displays and extension strings shorter than this match a whole string value
/// only (a one-word description "Physical" must not trip on "History and Physical").
pub const MIN_FRAGMENT_CHARS: usize = 24;

/// Up to this many needles, deduplication compares directly instead of hashing.
const LINEAR: usize = 16;

/// How one needle matches (its encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Sub,
    Word,
    Whole,
    BirthField,
}

/// What to do with `birthDate` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum BirthDates {
    /// As words anywhere, plus their digits-only form (one resource: its own dates are
    /// shifted or cut, so they can never equal its date of birth).
    #[default]
    Word,
    /// Only as the whole value of a `birthDate` field (across an export, one person's
    /// shifted date may equal another's birthday, which is not a leak).
    FieldOnly,
    /// Not at all (the people index: the same reason, and shifted dates are not open).
    Skip,
}

/// The needles: one text arena, end offsets, kinds, and a hash table for deduplication.
#[derive(Debug, Default)]
pub(crate) struct NeedleSet {
    text: String,
    ends: Vec<u32>,
    kinds: Vec<ValueKind>,
    table: HashTable<u32>,
    /// Hash of each needle, so growing the table never re-reads the arena.
    hashes: Vec<u64>,
    hasher: std::hash::RandomState,
    pub(crate) tokens: Tokens,
    core: String,
    form: String,
    pub(crate) birth: BirthDates,
    /// `Some(hays)`: keep only what can match those hays; `None`: everything.
    pub(crate) fits: Option<Fits>,
}

/// What the hays a set will be searched in can match ([`NeedleSet::fits`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fits {
    /// Bytes of the longest searched hay: a longer needle cannot occur in it.
    pub(crate) longest: usize,
    /// Whether there is an opaque token hay (looked up in [`NeedleSet::tokens`]).
    pub(crate) tokens: bool,
}

impl NeedleSet {
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.kinds.clear();
        self.table.clear();
        self.hashes.clear();
        self.tokens.clear();
    }

    /// Bytes of the encoded needles.
    pub(crate) fn text_bytes(&self) -> usize {
        self.text.len()
    }

    /// Encoded bytes of needle `i`.
    pub(crate) fn pattern(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text.as_bytes()[start..self.ends[i] as usize]
    }

    pub(crate) fn kind(&self, i: usize) -> ValueKind {
        self.kinds[i]
    }

    /// Frees what only deduplication needs (hash table, hashes, scratch) and the arenas'
    /// slack: a set that takes no more needles holds its encoded bytes + 5 per needle.
    pub(crate) fn seal(&mut self) {
        self.table = HashTable::new();
        self.hashes = Vec::new();
        self.core = String::new();
        self.form = String::new();
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.kinds.shrink_to_fit();
    }

    /// Bytes held by the needles (arena, offsets, kinds, hash table).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.kinds.capacity()
            + self.hashes.capacity() * 8
            + self.table.allocation_size()
    }

    /// Adds one identifying value of `kind` (raw input text) in every form it matches in.
    pub(crate) fn push(&mut self, kind: ValueKind, raw: &str) {
        if self.fits.is_none_or(|f| f.tokens)
            && let Some(token) = fold::opaque_token(raw)
        {
            self.tokens.insert(kind, token);
        }
        if !self.may_fit(shortest_form(raw)) {
            return;
        }
        let mut core = std::mem::take(&mut self.core);
        core.clear();
        fold::push_core(raw, &mut core);
        self.push_folded(kind, raw, &core);
        self.core = core;
    }

    /// Adds the concatenation of two values without separator (`johnsmith`), when it is
    /// long enough to match inside words.
    pub(crate) fn push_concat(&mut self, kind: ValueKind, a: &str, b: &str) {
        if !self.may_fit(ascii_alnum(a) + ascii_alnum(b)) {
            return;
        }
        let mut core = std::mem::take(&mut self.core);
        core.clear();
        fold::push_core(a, &mut core);
        fold::push_core(b, &mut core);
        core.retain(|c| c != ' ');
        if core.chars().count() >= SUBSTRING_MIN_CHARS {
            self.add(kind, Class::Sub, &core);
        }
        self.core = core;
    }

    /// False when a needle of at least `shortest` bytes cannot occur in the hays ([`Self::fits`]).
    fn may_fit(&self, shortest: usize) -> bool {
        self.fits.is_none_or(|f| shortest <= f.longest)
    }

    fn push_folded(&mut self, kind: ValueKind, raw: &str, core: &str) {
        let chars = core.chars().count();
        let min = if kind == ValueKind::ResourceId {
            MIN_ID_CHARS
        } else {
            MIN_VALUE_CHARS
        };
        if chars < min {
            return;
        }
        let class = match (kind, self.birth) {
            (ValueKind::BirthDate, BirthDates::Skip) => return,
            (ValueKind::BirthDate, BirthDates::FieldOnly) => {
                return self.add(kind, Class::BirthField, core);
            }
            _ => class_of(kind, raw, core, chars),
        };
        self.add(kind, class, core);
        let mut form = std::mem::take(&mut self.form);
        form.clear();
        let digit_kind = matches!(
            kind,
            ValueKind::Identifier | ValueKind::Telecom | ValueKind::BirthDate
        );
        if (digit_kind || fold::number_like(raw, DIGITS_MIN))
            && fold::push_digits(core, &mut form) >= DIGITS_MIN
        {
            self.add(kind, Class::Sub, &form);
        }
        if kind == ValueKind::Name && core.contains(' ') {
            form.clear();
            form.extend(core.chars().filter(|&c| c != ' '));
            if chars - (core.len() - form.len()) >= SUBSTRING_MIN_CHARS {
                self.add(kind, Class::Sub, &form);
            }
        }
        self.form = form;
    }

    /// Encodes `core` for `class` at the end of the arena; keeps it unless already present.
    fn add(&mut self, kind: ValueKind, class: Class, core: &str) {
        let start = self.text.len();
        match class {
            Class::Sub => self.text.push_str(core),
            Class::Word => {
                self.text.push(' ');
                self.text.push_str(core);
                self.text.push(' ');
            }
            Class::Whole | Class::BirthField => {
                self.text.push(if class == Class::Whole {
                    STX
                } else {
                    BIRTH_FIELD
                });
                self.text.push(' ');
                self.text.push_str(core);
                self.text.push(' ');
                self.text.push(ETX);
            }
        }
        let Ok(end) = u32::try_from(self.text.len()) else {
            // Over 4 GiB of needles: cannot happen under the engine's line limit; refuse.
            self.text.truncate(start);
            return;
        };
        let (text, ends) = (self.text.as_bytes(), &self.ends);
        let at = |i: u32| -> &[u8] {
            let i = i as usize;
            let s = if i == 0 { 0 } else { ends[i - 1] as usize };
            &text[s..ends[i] as usize]
        };
        let new = &text[start..];
        let n = self.ends.len();
        // A few needles are compared directly (at most LINEAR compares per push); past
        // that, a hash table (built once from the first ones).
        let seen = if n < LINEAR {
            (0..n).any(|i| at(i as u32) == new)
        } else {
            if n == LINEAR {
                self.hashes.clear();
                self.hashes
                    .extend((0..n).map(|i| self.hasher.hash_one(at(i as u32))));
                for (i, &h) in self.hashes.iter().enumerate() {
                    let hashes = &self.hashes;
                    self.table
                        .insert_unique(h, i as u32, |&j| hashes[j as usize]);
                }
            }
            let hash = self.hasher.hash_one(new);
            let seen = self.table.find(hash, |&i| at(i) == new).is_some();
            if !seen {
                let hashes = &self.hashes;
                self.table
                    .insert_unique(hash, n as u32, |&i| hashes[i as usize]);
                self.hashes.push(hash);
            }
            seen
        };
        if seen {
            self.text.truncate(start);
            return;
        }
        self.ends.push(end);
        self.kinds.push(kind);
    }
}

/// ASCII letters and digits of `s`: each folds to exactly one byte of the core (other
/// characters to zero or more), so the core has at least this many bytes.
fn ascii_alnum(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_alphanumeric).count()
}

/// A lower bound of the length in bytes of every needle [`NeedleSet::push`] makes of
/// `raw`: its core and the core's encodings, and the concatenated name, hold at least its
/// ASCII letters and digits ([`ascii_alnum`]); its digits-only form at least its ASCII
/// digits and never fewer than [`DIGITS_MIN`].
fn shortest_form(raw: &str) -> usize {
    let (alnum, digits) = raw.bytes().fold((0, 0), |(a, d), b| {
        (
            a + usize::from(b.is_ascii_alphanumeric()),
            d + usize::from(b.is_ascii_digit()),
        )
    });
    alnum.min(digits.max(DIGITS_MIN))
}

/// Values shaped as opaque tokens ([`fold::opaque_token`]: ids, UUIDs), compared whole:
/// keyed 64-bit hashes of their lower-cased text, with the kind of the first one. O(1) per
/// insert and lookup; 17 bytes per token (with the table's slack); a chance collision
/// between n lookups and m tokens has probability n·m/2⁶⁴.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    map: std::collections::HashMap<u64, ValueKind>,
    hasher: std::hash::RandomState,
}

impl Tokens {
    fn key(&self, token: &[u8]) -> u64 {
        // Lower-cased through a small buffer (tokens are ASCII hex); SipHash is a stream,
        // so the chunks hash as the whole.
        use std::hash::Hasher;
        let mut h = self.hasher.build_hasher();
        let mut buf = [0u8; 64];
        for chunk in token.chunks(buf.len()) {
            let lower = &mut buf[..chunk.len()];
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            h.write(lower);
        }
        h.finish()
    }

    fn insert(&mut self, kind: ValueKind, token: &str) {
        let key = self.key(token.as_bytes());
        self.map.entry(key).or_insert(kind);
    }

    fn clear(&mut self) {
        self.map.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Frees the table's slack (a set that takes no more tokens).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.map.capacity() * 17
    }

    /// The kind of the value whose whole text is `token`.
    pub(crate) fn find(&self, token: &[u8]) -> Option<ValueKind> {
        if self.map.is_empty() {
            return None;
        }
        self.map.get(&self.key(token)).copied()
    }
}

/// The match class of a value of `kind` whose core has `chars` characters.
fn class_of(kind: ValueKind, raw: &str, core: &str, chars: usize) -> Class {
    let raw = raw.trim_ascii();
    match kind {
        ValueKind::FreeText | ValueKind::Display | ValueKind::ExtensionValue
            if chars < MIN_FRAGMENT_CHARS =>
        {
            Class::Whole
        }
        // A web site is matched whole: outputs keep terminology URIs sharing its prefix.
        ValueKind::Telecom if raw.starts_with("http://") || raw.starts_with("https://") => {
            Class::Whole
        }
        ValueKind::Name | ValueKind::Identifier | ValueKind::Telecom | ValueKind::ResourceId => {
            let all_digits = core.bytes().all(|b| b.is_ascii_digit());
            if chars >= SUBSTRING_MIN_CHARS && (!all_digits || chars >= DIGITS_MIN) {
                Class::Sub
            } else {
                Class::Word
            }
        }
        _ => Class::Word,
    }
}
