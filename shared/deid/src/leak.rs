//! The leak gate: identifying values found in an input resource must not appear in its
//! de-identified output.
//!
//! Extraction looks where Safe Harbor identifiers live in FHIR R4: `HumanName` parts,
//! `Identifier`/`ContactPoint` values (and `subscriberId`, `serialNumber`, `lotNumber`...),
//! `Address` line/city/district/postalCode/text, `birthDate`, extension `valueString`s
//! (mother's maiden name...), free text (`note.text`, `comment`, `description`,
//! `conclusion`, `patientInstruction`), `Reference.display`, and resource/reference ids.
//!
//! Matching is ASCII case-insensitive on whole words (the bytes around a hit must not be
//! letters or digits), over every string of the output. Values shorter than
//! [`MIN_VALUE_CHARS`] (ids: [`MIN_ID_CHARS`]) are skipped: "Li" or id "1" would match
//! codes and units everywhere; a 3-letter name is still checked. Dates: only the full
//! `birthDate` is extracted; shifts are non-zero whole days so a shifted date can never
//! equal it, and year-only output never contains a full date.

use serde_json::Value;

use crate::reference;

/// Shortest value (in bytes, after trimming) the gate checks.
pub const MIN_VALUE_CHARS: usize = 3;
/// Free text, displays and extension strings shorter than this are matched as a whole
/// string only (a one-word description such as "Physical" must not trip on the code
/// "History and Physical"); longer ones are matched as words anywhere.
pub const MIN_FRAGMENT_CHARS: usize = 24;
/// Shortest resource id the gate checks (UUID-like ids; short ids such as `example`
/// collide with ordinary words).
pub const MIN_ID_CHARS: usize = 16;

/// Kind of an identifying value; the only thing ever reported about a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    /// A HumanName part.
    Name,
    /// An Identifier value or another identifying number.
    Identifier,
    /// A ContactPoint value (phone, email, URL).
    Telecom,
    /// An Address part below the state.
    Address,
    /// A full date of birth.
    BirthDate,
    /// An extension's string value.
    ExtensionValue,
    /// Free text (notes, comments, descriptions).
    FreeText,
    /// A Reference.display.
    Display,
    /// A resource or reference id.
    ResourceId,
}

impl std::fmt::Display for ValueKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Identifier => "identifier",
            Self::Telecom => "telecom",
            Self::Address => "address",
            Self::BirthDate => "birth-date",
            Self::ExtensionValue => "extension-value",
            Self::FreeText => "free-text",
            Self::Display => "display",
            Self::ResourceId => "resource-id",
        })
    }
}

/// The identifying values of one input resource (lower-cased), deduplicated.
///
/// Values live in one reusable text buffer (no allocation per value).
#[derive(Debug, Default)]
pub struct Needles {
    items: Vec<Needle>,
    text: String,
    has_exact: bool,
}

/// One identifying value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needle {
    pub kind: ValueKind,
    /// Span of the lower-cased, trimmed value in `Needles::text`.
    start: u32,
    end: u32,
    /// Match the whole output string only (short free text), not words inside it.
    pub exact: bool,
}

impl Needles {
    /// Number of values collected.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was collected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Empties the set, keeping its buffers for the next resource.
    pub fn clear(&mut self) {
        self.items.clear();
        self.text.clear();
        self.has_exact = false;
    }

    /// The collected values (kind, lower-cased value); crate-internal consumers only.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Needle, &str)> {
        self.items.iter().map(|n| (n, self.value(n)))
    }

    fn value(&self, n: &Needle) -> &str {
        &self.text[n.start as usize..n.end as usize]
    }

    fn push(&mut self, kind: ValueKind, s: &str) {
        let s = s.trim();
        let min = if kind == ValueKind::ResourceId {
            MIN_ID_CHARS
        } else {
            MIN_VALUE_CHARS
        };
        if s.len() < min {
            return;
        }
        let fragment = matches!(
            kind,
            ValueKind::FreeText | ValueKind::Display | ValueKind::ExtensionValue
        );
        // URL telecoms (an organisation's web site) are matched whole: the output keeps
        // terminology URIs that often share their prefix.
        let url =
            kind == ValueKind::Telecom && (s.starts_with("http://") || s.starts_with("https://"));
        let exact = (fragment && s.len() < MIN_FRAGMENT_CHARS) || url;
        // The same value with the same matching mode adds nothing: the first one (lowest
        // index, so the same reported kind) already covers it.
        if self.items.iter().any(|n| {
            n.exact == exact
                && (n.end - n.start) as usize == s.len()
                && self.value(n).as_bytes().eq_ignore_ascii_case(s.as_bytes())
        }) {
            return;
        }
        let (Ok(start), Ok(end)) = (
            u32::try_from(self.text.len()),
            u32::try_from(self.text.len() + s.len()),
        ) else {
            return;
        };
        self.text.push_str(s);
        self.text[start as usize..].make_ascii_lowercase();
        self.items.push(Needle {
            kind,
            start,
            end,
            exact,
        });
    }

    /// Notes whether any needle is matched whole; called once after extraction.
    fn seal(&mut self) {
        self.has_exact = self.items.iter().any(|n| n.exact);
    }

    /// Kind of the lowest-index needle that hits `s` (exact: the whole trimmed string,
    /// ASCII case-insensitive; words: [`contains_word`]). Per needle, a SIMD scan for its
    /// first byte beats a one-pass byte loop on these short strings (measured).
    fn hit(&self, s: &str) -> Option<ValueKind> {
        let text = self.text.as_bytes();
        let trimmed = if self.has_exact { s.trim() } else { s };
        let h = s.as_bytes();
        self.items
            .iter()
            .find(|n| {
                let needle = &text[n.start as usize..n.end as usize];
                if n.exact {
                    trimmed.as_bytes().eq_ignore_ascii_case(needle)
                } else {
                    h.len() >= needle.len() && contains_word(h, needle)
                }
            })
            .map(|n| n.kind)
    }

    fn push_strings(&mut self, kind: ValueKind, v: &Value) {
        match v {
            Value::String(s) => self.push(kind, s),
            Value::Array(a) => a.iter().for_each(|x| self.push_strings(kind, x)),
            _ => {}
        }
    }
}

const FREE_TEXT_KEYS: &[&str] = &["comment", "description", "conclusion", "patientInstruction"];
const ID_NUMBER_KEYS: &[&str] = &[
    "subscriberId",
    "serialNumber",
    "lotNumber",
    "distinctIdentifier",
    "dependent",
];
const ADDRESS_KEYS: &[&str] = &["address", "valueAddress", "locationAddress", "birthPlace"];

/// Collects the identifying values of one input resource.
#[must_use]
pub fn extract(resource: &Value) -> Needles {
    let mut n = Needles::default();
    extract_into(resource, &mut n);
    n
}

/// [`extract`] into a reused set (cleared first): no allocation once its buffers are warm.
pub fn extract_into(resource: &Value, n: &mut Needles) {
    n.clear();
    if let Some(id) = resource.get("id").and_then(Value::as_str) {
        n.push(ValueKind::ResourceId, id);
    }
    walk(resource, n);
    n.seal();
}

fn each_object(v: &Value, mut f: impl FnMut(&serde_json::Map<String, Value>)) {
    match v {
        Value::Object(o) => f(o),
        Value::Array(a) => a.iter().filter_map(Value::as_object).for_each(f),
        _ => {}
    }
}

fn walk(v: &Value, n: &mut Needles) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| walk(x, n)),
        Value::Object(o) => {
            let is_extension = o.contains_key("url");
            for (k, val) in o {
                match k.as_str() {
                    "family" | "given" => n.push_strings(ValueKind::Name, val),
                    "name" => each_object(val, |hn| {
                        if let Some(t) = hn.get("text") {
                            n.push_strings(ValueKind::Name, t);
                        }
                    }),
                    "birthDate" => n.push_strings(ValueKind::BirthDate, val),
                    "identifier"
                    | "masterIdentifier"
                    | "preAdmissionIdentifier"
                    | "requisition"
                    | "groupIdentifier" => {
                        each_object(val, |i| {
                            if let Some(x) = i.get("value") {
                                n.push_strings(ValueKind::Identifier, x);
                            }
                        });
                    }
                    "telecom" => each_object(val, |c| {
                        if let Some(x) = c.get("value") {
                            n.push_strings(ValueKind::Telecom, x);
                        }
                    }),
                    "note" => each_object(val, |a| {
                        if let Some(x) = a.get("text") {
                            n.push_strings(ValueKind::FreeText, x);
                        }
                    }),
                    "reference" => {
                        if let Some(s) = val.as_str() {
                            match reference::parse(s) {
                                reference::RefTarget::Typed { id, .. }
                                | reference::RefTarget::Uuid(id) => {
                                    n.push(ValueKind::ResourceId, id);
                                }
                                _ => {}
                            }
                        }
                    }
                    "display" if !o.contains_key("code") && !o.contains_key("system") => {
                        n.push_strings(ValueKind::Display, val);
                    }
                    "valueString" | "valueMarkdown" if is_extension => {
                        n.push_strings(ValueKind::ExtensionValue, val);
                    }
                    key if ADDRESS_KEYS.contains(&key) => each_object(val, |a| {
                        for part in ["line", "city", "district", "postalCode", "text"] {
                            if let Some(x) = a.get(part) {
                                n.push_strings(ValueKind::Address, x);
                            }
                        }
                    }),
                    key if FREE_TEXT_KEYS.contains(&key) => {
                        n.push_strings(ValueKind::FreeText, val);
                    }
                    key if ID_NUMBER_KEYS.contains(&key) => {
                        n.push_strings(ValueKind::Identifier, val);
                    }
                    _ => {}
                }
                if !matches!(
                    val,
                    Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
                ) {
                    walk(val, n);
                }
            }
        }
        _ => {}
    }
}

/// True when `needle` (lower-case) occurs in `hay` as a whole word, ASCII case-insensitive.
pub(crate) fn contains_word(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || hay.len() < needle.len() {
        return false;
    }
    let first = needle[0];
    let upper = first.to_ascii_uppercase();
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let rest = &hay[i..=hay.len() - needle.len()];
        let Some(off) = memchr::memchr2(first, upper, rest) else {
            return false;
        };
        let at = i + off;
        let end = at + needle.len();
        if hay[at..end].eq_ignore_ascii_case(needle) && word_boundary(hay, at, end) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// The bytes just outside `[start, end)` are not ASCII letters or digits.
pub(crate) fn word_boundary(hay: &[u8], start: usize, end: usize) -> bool {
    let before = start == 0 || !hay[start - 1].is_ascii_alphanumeric();
    let after = end == hay.len() || !hay[end].is_ascii_alphanumeric();
    before && after
}

/// Checks every string of `output` against `needles`; returns the kind of the first hit
/// (first string in document order, then lowest needle index).
#[must_use]
pub fn check(needles: &Needles, output: &Value) -> Option<ValueKind> {
    if needles.is_empty() {
        return None;
    }
    match output {
        Value::String(s) => needles.hit(s),
        Value::Array(a) => a.iter().find_map(|x| check(needles, x)),
        Value::Object(o) => o.values().find_map(|x| check(needles, x)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_only() {
        assert!(contains_word(b"Mr. Carmelo Streich", b"streich"));
        assert!(!contains_word(b"analysis", b"ana"));
        assert!(contains_word(b"ana", b"ana"));
        assert!(!contains_word(b"http://hl7.org/x", b"hl"));
    }

    #[test]
    fn extracts_and_checks() {
        let p = json!({"resourceType":"Patient","id":"0123456789abcdef0123",
            "name":[{"family":"Streich","given":["Carmelo"]}],
            "telecom":[{"system":"phone","value":"555-371-7336"}],
            "birthDate":"1996-03-13",
            "extension":[{"url":"x","valueString":"Kari Bradtke"}]});
        let n = extract(&p);
        assert_eq!(n.len(), 6);
        assert_eq!(
            check(&n, &json!({"a":["x","kari bradtke"]})),
            Some(ValueKind::ExtensionValue)
        );
        assert_eq!(check(&n, &json!({"birthDate":"1996-03-14"})), None);
        assert_eq!(
            check(&n, &json!({"id":"0123456789ABCDEF0123"})),
            Some(ValueKind::ResourceId)
        );
    }

    /// The arena-backed matcher agrees with the per-needle definition (first needle in
    /// order that hits, exact = whole trimmed string) on pseudo-random strings.
    #[test]
    fn one_pass_matches_reference_definition() {
        let alphabet: &[u8] = b"abAB1-. /:xyZ";
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % n as u64).unwrap_or(0)
        };
        for _ in 0..3000 {
            let word = |len: usize, next: &mut dyn FnMut(usize) -> usize| {
                (0..len)
                    .map(|_| char::from(alphabet[next(alphabet.len())]))
                    .collect::<String>()
            };
            let mut n = Needles::default();
            n.clear();
            for _ in 0..next(5) {
                let kind = [ValueKind::Name, ValueKind::FreeText, ValueKind::Telecom][next(3)];
                let len = 3 + next(4);
                let w = word(len, &mut next);
                n.push(kind, &w);
            }
            n.seal();
            let hay_len = next(24);
            let hay = word(hay_len, &mut next);
            let expected = n
                .iter()
                .find(|(needle, value)| {
                    if needle.exact {
                        hay.trim().eq_ignore_ascii_case(value)
                    } else {
                        contains_word(hay.as_bytes(), value.as_bytes())
                    }
                })
                .map(|(needle, _)| needle.kind);
            assert_eq!(n.hit(&hay), expected, "{hay:?}");
        }
    }
}
