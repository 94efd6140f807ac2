//! FHIR `date` / `dateTime` / `instant` strings -> BigQuery `TIMESTAMP` strings in UTC.
//!
//! FHIR dates may be partial (`2019`, `2019-03`), a full date without a zone, or a date-time with
//! a zone (`2019-03-01T10:00:00+01:00`). BigQuery wants one instant, so:
//! - a partial date is the start of its period (`2019` -> `2019-01-01T00:00:00Z`);
//! - a date, or a date-time without a zone (invalid FHIR, accepted leniently), is read as UTC;
//! - a date-time with a zone is converted to UTC.
//!
//! Anything else (garbage, out of BigQuery's year range 1-9999, leap second `:60`) is `None`:
//! the row still loads, with a null `event_time` and a null partition date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};

/// Parse a FHIR date-like string into a UTC instant.
pub fn parse(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim();
    let dt = if v.contains('T') {
        match DateTime::parse_from_rfc3339(v) {
            Ok(dt) => dt.with_timezone(&Utc),
            Err(_) => zoneless(v)?,
        }
    } else {
        start_of(v)?.and_time(NaiveTime::MIN).and_utc()
    };
    // BigQuery TIMESTAMP range: 0001-01-01 .. 9999-12-31.
    (1..=9999)
        .contains(&chrono::Datelike::year(&dt))
        .then_some(dt)
}

/// `2019` / `2019-03` / `2019-03-07` -> the first day of that period.
fn start_of(v: &str) -> Option<NaiveDate> {
    let mut parts = v.split('-');
    let year = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month = match parts.next() {
        Some(m) if m.len() == 2 => m.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    let day = match parts.next() {
        Some(d) if d.len() == 2 => d.parse().ok()?,
        Some(_) => return None,
        None => 1,
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

fn zoneless(v: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|n| n.and_utc())
}

/// A BigQuery `TIMESTAMP` string: RFC 3339 UTC with microseconds, `2019-03-01T09:00:00.000000Z`.
pub fn timestamp(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A BigQuery `DATE` string, `2019-03-01`.
pub fn date(dt: &DateTime<Utc>) -> String {
    dt.format("%Y-%m-%d").to_string()
}

/// [`parse`] then [`timestamp`].
pub fn normalize(value: &str) -> Option<String> {
    parse(value).as_ref().map(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_every_fhir_precision() {
        for (input, want) in [
            ("2019", Some("2019-01-01T00:00:00.000000Z")),
            ("2019-03", Some("2019-03-01T00:00:00.000000Z")),
            ("2019-03-07", Some("2019-03-07T00:00:00.000000Z")),
            (
                "2019-03-07T10:30:00+01:00",
                Some("2019-03-07T09:30:00.000000Z"),
            ),
            (
                "2019-03-07T23:30:00-05:00",
                Some("2019-03-08T04:30:00.000000Z"),
            ),
            (
                "2015-02-07T13:28:17.239Z",
                Some("2015-02-07T13:28:17.239000Z"),
            ),
            ("2019-03-07T10:30:00", Some("2019-03-07T10:30:00.000000Z")),
            ("2019-03-07T10:30", Some("2019-03-07T10:30:00.000000Z")),
            ("2019-13", None),
            ("2019-02-30", None),
            ("19", None),
            ("2019-3", None),
            ("yesterday", None),
            ("", None),
            ("0000-01-01", None),
        ] {
            assert_eq!(normalize(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn date_of_an_instant_is_utc() {
        let dt = parse("2019-03-07T23:30:00-05:00").unwrap();
        assert_eq!(date(&dt), "2019-03-08");
    }
}
