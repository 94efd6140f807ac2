//! FHIR date/dateTime/instant handling: keyed whole-day shift (time of day and offset
//! kept verbatim) or reduction to the year. Anything that does not parse is dropped by
//! the caller (fail closed).

use chrono::{Datelike, NaiveDate};

/// How a profile treats dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateMode {
    /// Shift every date of a patient by the same keyed number of days.
    Shift,
    /// Keep only the year (`YYYY`).
    Year,
}

/// A parsed FHIR date of any precision.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FhirDate<'a> {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
    /// `T...` time and offset of a dateTime/instant, already validated.
    pub rest: &'a str,
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DDThh:mm[:ss[.f]][Z|±hh:mm]`.
pub(crate) fn parse(s: &str) -> Option<FhirDate<'_>> {
    let year = i32::try_from(digits(s.get(..4)?)?).ok()?;
    let mut d = FhirDate {
        year,
        month: None,
        day: None,
        rest: "",
    };
    match s.len() {
        4 => return Some(d),
        7 => {
            d.month = Some(digits(s.get(5..7)?)?).filter(|m| (1..=12).contains(m));
            return (s.as_bytes()[4] == b'-' && d.month.is_some()).then_some(d);
        }
        _ => {}
    }
    if s.len() < 10 || s.as_bytes()[4] != b'-' || s.as_bytes()[7] != b'-' {
        return None;
    }
    let month = digits(s.get(5..7)?)?;
    let day = digits(s.get(8..10)?)?;
    NaiveDate::from_ymd_opt(year, month, day)?;
    d.month = Some(month);
    d.day = Some(day);
    let rest = &s[10..];
    if !rest.is_empty() && !time_part_ok(rest) {
        return None;
    }
    d.rest = rest;
    Some(d)
}

/// The `T...` part of a dateTime/instant, strictly as FHIR R4 writes it:
/// `Thh:mm:ss[.f{1,9}](Z|±hh:mm)`. Nothing else may pass through verbatim.
fn time_part_ok(rest: &str) -> bool {
    let b = rest.as_bytes();
    let two = |i: usize, max: u8| {
        b.get(i..i + 2).is_some_and(|p| {
            p[0].is_ascii_digit()
                && p[1].is_ascii_digit()
                && (p[0] - b'0') * 10 + (p[1] - b'0') <= max
        })
    };
    if b.len() < 9 || b[0] != b'T' || b[3] != b':' || b[6] != b':' {
        return false;
    }
    if !(two(1, 23) && two(4, 59) && two(7, 60)) {
        return false;
    }
    let mut i = 9;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return false;
        }
        i += 1 + digits;
    }
    match &rest[i..] {
        "Z" => true,
        tz => {
            let t = tz.as_bytes();
            t.len() == 6 && (t[0] == b'+' || t[0] == b'-') && t[3] == b':' && {
                let h = &tz[1..3];
                let m = &tz[4..6];
                h.bytes().all(|c| c.is_ascii_digit())
                    && m.bytes().all(|c| c.is_ascii_digit())
                    && h <= "14"
                    && m <= "59"
            }
        }
    }
}

/// The time part with its fraction cut to milliseconds (`T10:00:00.123456Z` -> `.123`).
fn normalise_time(rest: &str) -> std::borrow::Cow<'_, str> {
    let Some(dot) = rest.find('.') else {
        return rest.into();
    };
    let digits = rest[dot + 1..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits <= 3 {
        return rest.into();
    }
    format!("{}{}", &rest[..dot + 4], &rest[dot + 1 + digits..]).into()
}

/// True when `d` lies after the day `day` at its own precision (a year after `day`'s
/// year, a month after its month, a day after it).
pub(crate) fn after(d: &FhirDate<'_>, day: NaiveDate) -> bool {
    let own = (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0));
    let limit = (
        day.year(),
        if d.month.is_some() { day.month() } else { 0 },
        if d.day.is_some() { day.day() } else { 0 },
    );
    own > limit
}

/// Appends `n` (0..=99) as two digits.
fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Appends a year as `{:04}` writes it (four digits for 0..=9999, the formatter otherwise).
fn push_year(out: &mut String, year: i32) {
    match u32::try_from(year) {
        Ok(y) if y <= 9999 => {
            push_2(out, y / 100);
            push_2(out, y % 100);
        }
        _ => {
            use std::fmt::Write as _;
            let _ = write!(out, "{year:04}");
        }
    }
}

/// Shifts a date string by `days`; `None` when it does not parse.
/// A year-only value keeps its year; a year-month value shifts its 15th.
pub(crate) fn shift(s: &str, days: i64) -> Option<String> {
    let d = parse(s)?;
    let delta = chrono::TimeDelta::try_days(days)?;
    // Written by hand (a date is `YYYY-MM-DD` plus its time): the same text as
    // `format!("{:04}-{:02}-{:02}")`, which cost more than the shift itself.
    let mut out = String::with_capacity(s.len());
    match (d.month, d.day) {
        (None, _) => push_year(&mut out, d.year),
        (Some(m), None) => {
            let t = NaiveDate::from_ymd_opt(d.year, m, 15)?.checked_add_signed(delta)?;
            push_year(&mut out, t.year());
            out.push('-');
            push_2(&mut out, t.month());
        }
        (Some(m), Some(day)) => {
            let t = NaiveDate::from_ymd_opt(d.year, m, day)?.checked_add_signed(delta)?;
            push_year(&mut out, t.year());
            out.push('-');
            push_2(&mut out, t.month());
            out.push('-');
            push_2(&mut out, t.day());
            out.push_str(&normalise_time(d.rest));
        }
    }
    Some(out)
}

/// Reduces a date string to its year; `None` when it does not parse.
pub(crate) fn year(s: &str) -> Option<String> {
    parse(s).map(|d| format!("{:04}", d.year))
}

/// Age in whole years at `on` of someone born at `birth` (partial dates: start of period).
pub(crate) fn age_at(birth: &FhirDate<'_>, on: NaiveDate) -> i32 {
    let (m, d) = (birth.month.unwrap_or(1), birth.day.unwrap_or(1));
    let mut age = on.year() - birth.year;
    if (on.month(), on.day()) < (m, d) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_keep_time_and_offset() {
        assert_eq!(
            shift("2011-04-20T16:29:03-04:00", 10).unwrap(),
            "2011-04-30T16:29:03-04:00"
        );
        assert_eq!(shift("2011-12-25", 7).unwrap(), "2012-01-01");
        assert_eq!(shift("2011-04", 30).unwrap(), "2011-05");
        assert_eq!(shift("2011", -300).unwrap(), "2011");
        assert!(shift("2011-02-30", 1).is_none());
        assert!(shift("2011-04-20 John", 1).is_none());
        assert!(shift("2011-04-20TJohn", 1).is_none());
        assert!(
            shift("2011-04-20T10:00", 1).is_none(),
            "FHIR requires seconds and a zone"
        );
        assert!(shift("2011-04-20T10:00:00.1234567890Z", 1).is_none());
        assert!(shift("2011-04-20T123456789:00:00Z", 1).is_none());
        assert_eq!(
            shift("2011-04-20T10:00:00.123456789+01:00", -1).unwrap(),
            "2011-04-19T10:00:00.123+01:00"
        );
    }

    #[test]
    fn written_as_the_formatter_writes() {
        for y in [
            -10_000, -12, -1, 0, 7, 99, 100, 999, 1000, 2024, 9999, 10_000, 262_143,
        ] {
            let mut out = String::new();
            push_year(&mut out, y);
            assert_eq!(out, format!("{y:04}"));
        }
        for n in 0..100 {
            let mut out = String::new();
            push_2(&mut out, n);
            assert_eq!(out, format!("{n:02}"));
        }
    }

    #[test]
    fn year_only() {
        assert_eq!(year("1996-03-13").unwrap(), "1996");
        assert_eq!(year("2011-04-20T16:29:03Z").unwrap(), "2011");
        assert!(year("abcd").is_none());
    }
}
