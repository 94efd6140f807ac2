//! [`ExportTime`]: the export's `transactionTime`, validated as an RFC 3339 instant.

use std::fmt;

use super::LineageError;

/// The FHIR server's `transactionTime` of the export: an RFC 3339 instant
/// (`2026-12-01T10:00:00.000Z`, or with a `+hh:mm` offset), kept as written. It orders a
/// resource's versions across exports (the views read the latest), and it is no secret: the
/// attacker of the threat model holds the export times anyway.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExportTime(String);

impl ExportTime {
    /// Field name used in errors and encodings.
    pub const FIELD: &'static str = "export_time";
    const RULE: &'static str = "must be an RFC 3339 instant YYYY-MM-DDThh:mm:ss[.f]Z or +hh:mm";

    /// Validate and wrap.
    ///
    /// # Errors
    /// [`LineageError::Invalid`] unless `value` is an RFC 3339 date-time with a zone.
    pub fn new(value: impl Into<String>) -> Result<Self, LineageError> {
        let value = value.into();
        if is_instant(&value) {
            Ok(Self(value))
        } else {
            Err(LineageError::Invalid {
                field: Self::FIELD,
                rule: Self::RULE,
            })
        }
    }

    /// The instant as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExportTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `YYYY-MM-DDThh:mm:ss`, an optional fraction of 1-9 digits, then `Z` or `±hh:mm`; fields in
/// range (day 01-31, hour 00-23, minute 00-59, second 00-60).
fn is_instant(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| {
        v.get(r)
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    };
    let head = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) <= 23
        && num(14..16) <= 59
        && num(17..19) <= 60;
    if !head {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if !(1..=9).contains(&(i - start)) {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == i + 6
                && digits(i + 1..i + 3)
                && b[i + 3] == b':'
                && digits(i + 4..i + 6)
                && num(i + 1..i + 3) <= 23
                && num(i + 4..i + 6) <= 59
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_time_is_an_rfc3339_instant_and_never_echoed() {
        for good in [
            "2026-12-01T10:00:00Z",
            "2026-12-01T10:00:00.000Z",
            "2026-12-01T10:00:00.123456789+05:30",
            "2026-02-29T23:59:60-08:00",
        ] {
            assert_eq!(ExportTime::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T10:00:00",
            "2026-13-01T10:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T10:00:00.Z",
            "2026-12-01T10:00:00+0530",
            "2026-12-01T10:00:00Z ",
            "John Smith 2026-12-01T10:00:00Z",
        ] {
            let err = ExportTime::new(bad).unwrap_err();
            assert!(bad.is_empty() || !err.to_string().contains(bad), "{err}");
        }
    }
}
