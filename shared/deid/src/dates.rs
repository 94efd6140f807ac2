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
    if !rest.is_empty() {
        // Time part: only digits and time punctuation may pass through verbatim.
        let ok = rest.starts_with('T')
            && rest.len() <= 32
            && rest[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b":.+-Z".contains(&b));
        if !ok {
            return None;
        }
    }
    d.rest = rest;
    Some(d)
}

/// Shifts a date string by `days`; `None` when it does not parse.
/// A year-only value keeps its year; a year-month value shifts its 15th.
pub(crate) fn shift(s: &str, days: i64) -> Option<String> {
    let d = parse(s)?;
    let delta = chrono::TimeDelta::try_days(days)?;
    match (d.month, d.day) {
        (None, _) => Some(format!("{:04}", d.year)),
        (Some(m), None) => {
            let t = NaiveDate::from_ymd_opt(d.year, m, 15)?.checked_add_signed(delta)?;
            Some(format!("{:04}-{:02}", t.year(), t.month()))
        }
        (Some(m), Some(day)) => {
            let t = NaiveDate::from_ymd_opt(d.year, m, day)?.checked_add_signed(delta)?;
            Some(format!(
                "{:04}-{:02}-{:02}{}",
                t.year(),
                t.month(),
                t.day(),
                d.rest
            ))
        }
    }
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
    }

    #[test]
    fn year_only() {
        assert_eq!(year("1996-03-13").unwrap(), "1996");
        assert_eq!(year("2011-04-20T16:29:03Z").unwrap(), "2011");
        assert!(year("abcd").is_none());
    }
}
