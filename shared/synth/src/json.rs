//! Direct NDJSON output: a per-type byte buffer ([`Out`]) and a tiny compact-JSON writer ([`J`]).
//!
//! The hot resource types (Observation, Encounter, Claim, DiagnosticReport, DocumentReference) are
//! written straight into [`Out`] with [`J`], with no intermediate `serde_json::Value`; the other
//! types are built as `Value`s and serialized into it with [`Out::push`]. Both produce exactly what
//! `serde_json::to_writer` would write for the same (insertion-ordered) object: compact, `serde_json`
//! string escaping and number formatting.

use serde_json::Value;
use serde_json::ser::{CompactFormatter, Formatter as _};

use crate::resource_types::RESOURCE_TYPES;
use crate::rng::UuidStr;
use crate::rng::civil_from_days;

/// Index of a resource type in [`RESOURCE_TYPES`].
pub fn type_index(resource_type: &str) -> usize {
    RESOURCE_TYPES
        .binary_search(&resource_type)
        .unwrap_or_else(|_| panic!("unknown resource type {resource_type}"))
}

/// NDJSON lines by resource type, plus the order the resources were generated in.
#[derive(Debug, Clone)]
pub struct Out {
    /// One NDJSON buffer per entry of [`RESOURCE_TYPES`].
    pub bufs: Vec<Vec<u8>>,
    /// Lines in each buffer.
    pub count: Vec<u64>,
    /// `(type index, start offset)` of every resource, in generation order.
    pub order: Vec<(u8, u32)>,
}

impl Default for Out {
    fn default() -> Self {
        Self {
            bufs: vec![Vec::new(); RESOURCE_TYPES.len()],
            count: vec![0; RESOURCE_TYPES.len()],
            order: Vec::new(),
        }
    }
}

impl Out {
    /// Empties every buffer, keeping their capacity.
    pub fn clear(&mut self) {
        self.bufs.iter_mut().for_each(Vec::clear);
        self.count.iter_mut().for_each(|c| *c = 0);
        self.order.clear();
    }

    /// Total bytes of all lines.
    pub fn bytes(&self) -> u64 {
        self.bufs.iter().map(|b| b.len() as u64).sum()
    }

    /// Starts a resource of type `RESOURCE_TYPES[index]`; finish it with [`J::end`].
    pub fn begin(&mut self, index: usize) -> J<'_> {
        let buf = &mut self.bufs[index];
        let start = u32::try_from(buf.len()).expect("per-patient buffer under 4 GiB");
        self.order
            .push((u8::try_from(index).expect("few types"), start));
        self.count[index] += 1;
        J(buf)
    }

    /// Serializes a resource built as a `Value` (its type taken from `resourceType`).
    pub fn push(&mut self, resource: &Value) {
        let index = type_index(resource["resourceType"].as_str().unwrap_or_default());
        let w = self.begin(index);
        serde_json::to_writer(&mut *w.0, resource)
            .expect("serializing a Value into a Vec cannot fail");
        w.end();
    }

    /// The resources as `Value`s, in generation order.
    pub fn values(&self) -> Vec<Value> {
        self.order
            .iter()
            .map(|&(t, start)| {
                let buf = &self.bufs[usize::from(t)][start as usize..];
                let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
                serde_json::from_slice(&buf[..end]).expect("generated lines are valid JSON")
            })
            .collect()
    }
}

/// Appends compact JSON to a byte buffer.
#[derive(Debug)]
pub struct J<'a>(pub &'a mut Vec<u8>);

/// `true` if `s` can be written between quotes as is (what `serde_json` does not escape).
#[inline]
fn plain(s: &str) -> bool {
    s.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\')
}

impl J<'_> {
    /// Ends the resource's line.
    pub fn end(self) {
        self.0.push(b'\n');
    }

    /// Verbatim JSON text (keys, punctuation, literals).
    #[inline]
    pub fn raw(&mut self, s: &str) -> &mut Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// A JSON string.
    #[inline]
    pub fn str(&mut self, s: &str) -> &mut Self {
        if plain(s) {
            self.0.reserve(s.len() + 2);
            self.0.push(b'"');
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(b'"');
        } else {
            serde_json::to_writer(&mut *self.0, s).expect("writing into a Vec cannot fail");
        }
        self
    }

    /// A JSON string made of two parts (e.g. a reference `Type/` + id).
    #[inline]
    pub fn str2(&mut self, a: &str, b: &str) -> &mut Self {
        if plain(a) && plain(b) {
            self.0.reserve(a.len() + b.len() + 2);
            self.0.push(b'"');
            self.0.extend_from_slice(a.as_bytes());
            self.0.extend_from_slice(b.as_bytes());
            self.0.push(b'"');
        } else {
            self.str(&format!("{a}{b}"));
        }
        self
    }

    /// A JSON string made of several parts.
    #[inline]
    pub fn strs(&mut self, parts: &[&str]) -> &mut Self {
        if parts.iter().all(|p| plain(p)) {
            self.0.push(b'"');
            for p in parts {
                self.0.extend_from_slice(p.as_bytes());
            }
            self.0.push(b'"');
        } else {
            self.str(&parts.concat());
        }
        self
    }

    /// A JSON string holding `bytes` in standard base64 (never needs escaping).
    pub fn base64(&mut self, bytes: &[u8]) -> &mut Self {
        use base64::Engine as _;
        let engine = &base64::engine::general_purpose::STANDARD;
        let len = base64::encoded_len(bytes.len(), true).expect("note fits in memory");
        self.0.push(b'"');
        let start = self.0.len();
        self.0.resize(start + len, 0);
        let n = engine
            .encode_slice(bytes, &mut self.0[start..])
            .expect("buffer sized by encoded_len");
        self.0.truncate(start + n);
        self.0.push(b'"');
        self
    }

    /// A JSON number from an `f64` (`null` if not finite, as `serde_json` does).
    #[inline]
    pub fn f64(&mut self, x: f64) -> &mut Self {
        if x.is_finite() {
            CompactFormatter
                .write_f64(&mut *self.0, x)
                .expect("writing into a Vec cannot fail");
        } else {
            self.0.extend_from_slice(b"null");
        }
        self
    }

    /// A JSON number from an `i64`.
    #[inline]
    pub fn i64(&mut self, x: i64) -> &mut Self {
        CompactFormatter
            .write_i64(&mut *self.0, x)
            .expect("writing into a Vec cannot fail");
        self
    }

    /// A FHIR `dateTime` string, as [`crate::rng::fmt_datetime`] formats it.
    #[inline]
    pub fn datetime(&mut self, t: i64) -> &mut Self {
        let (y, mo, d) = civil_from_days(t.div_euclid(crate::rng::DAY));
        if !(0..=9999).contains(&y) {
            return self.str(&crate::rng::fmt_datetime(t));
        }
        let s = t.rem_euclid(crate::rng::DAY);
        let (h, mi, se) = (s / 3600, (s % 3600) / 60, s % 60);
        let y = y as u32;
        let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let [y0, y1] = two(y / 100);
        let [y2, y3] = two(y % 100);
        let [mo0, mo1] = two(mo);
        let [d0, d1] = two(d);
        let [h0, h1] = two(h as u32);
        let [mi0, mi1] = two(mi as u32);
        let [s0, s1] = two(se as u32);
        self.0.extend_from_slice(&[
            b'"', y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':',
            s0, s1, b'Z', b'"',
        ]);
        self
    }

    /// A FHIR `date` string, as [`crate::rng::fmt_date`] formats it.
    #[inline]
    pub fn date(&mut self, t: i64) -> &mut Self {
        let (y, mo, d) = civil_from_days(t.div_euclid(crate::rng::DAY));
        if !(0..=9999).contains(&y) {
            return self.str(&crate::rng::fmt_date(t));
        }
        let y = y as u32;
        let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let [y0, y1] = two(y / 100);
        let [y2, y3] = two(y % 100);
        let [mo0, mo1] = two(mo);
        let [d0, d1] = two(d);
        self.0
            .extend_from_slice(&[b'"', y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'"']);
        self
    }

    /// `Coding` `{"system","code","display"}`.
    #[inline]
    pub fn coding(&mut self, system: &str, code: &str, display: &str) -> &mut Self {
        self.raw("{\"system\":")
            .str(system)
            .raw(",\"code\":")
            .str(code)
            .raw(",\"display\":")
            .str(display)
            .raw("}")
    }

    /// `CodeableConcept` with one coding and `text` = display (as [`crate::fhir::concept`]).
    #[inline]
    pub fn concept(&mut self, system: &str, code: &str, display: &str) -> &mut Self {
        self.raw("{\"coding\":[")
            .coding(system, code, display)
            .raw("],\"text\":")
            .str(display)
            .raw("}")
    }

    /// UCUM `Quantity` (as [`crate::fhir::quantity`]).
    #[inline]
    pub fn quantity(&mut self, value: f64, unit: &str) -> &mut Self {
        self.raw("{\"value\":")
            .f64(value)
            .raw(",\"unit\":")
            .str(unit)
            .raw(",\"system\":")
            .str(crate::vocab::system::UCUM)
            .raw(",\"code\":")
            .str(unit)
            .raw("}")
    }

    /// `{"reference":"<prefix><id>"}` (relative, absolute or `urn:uuid:` forms).
    #[inline]
    pub fn reference(&mut self, prefix: &str, id: &str) -> &mut Self {
        self.raw("{\"reference\":").str2(prefix, id).raw("}")
    }

    /// `meta` `{"versionId","lastUpdated"}`.
    #[inline]
    pub fn meta(&mut self, meta: &Meta) -> &mut Self {
        self.raw("{\"versionId\":")
            .str(meta.version.as_str())
            .raw(",\"lastUpdated\":")
            .datetime(meta.last_updated)
            .raw("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut J<'_>)) -> String {
        let mut b = Vec::new();
        f(&mut J(&mut b));
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn matches_serde_json() {
        for s in ["plain", "quo\"te", "back\\slash", "new\nline", "é ü /"] {
            assert_eq!(
                with(|j| {
                    j.str(s);
                }),
                serde_json::to_string(s).unwrap()
            );
        }
        for x in [0.0, 1.5, 70.0, 1e21, 0.1 + 0.2, -3.25] {
            assert_eq!(
                with(|j| {
                    j.f64(x);
                }),
                serde_json::to_string(&x).unwrap()
            );
        }
        for t in [0, 1_700_000_000, -1_000_000_000, 86_399, 4_102_444_799] {
            let dt = serde_json::to_string(&crate::rng::fmt_datetime(t)).unwrap();
            assert_eq!(
                with(|j| {
                    j.datetime(t);
                }),
                dt
            );
            let d = serde_json::to_string(&crate::rng::fmt_date(t)).unwrap();
            assert_eq!(
                with(|j| {
                    j.date(t);
                }),
                d
            );
        }
        let c = crate::fhir::concept("s", "c", "d\"x");
        assert_eq!(
            with(|j| {
                j.concept("s", "c", "d\"x");
            }),
            serde_json::to_string(&c).unwrap()
        );
        let q = crate::fhir::quantity(12.5, "mg/dL");
        assert_eq!(
            with(|j| {
                j.quantity(12.5, "mg/dL");
            }),
            serde_json::to_string(&q).unwrap()
        );
    }
}

/// A resource's `meta`: version id and `lastUpdated`.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// `versionId`.
    pub version: UuidStr,
    /// `lastUpdated`, seconds since the epoch.
    pub last_updated: i64,
}
