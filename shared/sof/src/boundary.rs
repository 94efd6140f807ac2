//! `lowBoundary()` / `highBoundary()`: the least / greatest value a value of limited precision
//! may stand for. Decimals use the digits written after the point (`1.0` -> `0.95`/`1.05`);
//! dates, dateTimes and times are filled out to full precision as ISO text (a dateTime without
//! a zone takes `+14:00` low and `-12:00` high, the widest offsets).
//!
//! Which kind a JSON value is comes from `ofType()` when given, otherwise from its form: a
//! JSON number is a decimal, `hh:mm...` a time, `yyyy[-mm[-dd]]` a date, text with `T` a
//! dateTime.

use crate::error::Error;
use crate::scope::Scope;
use crate::value::{Shape, Ty, Val, to_one};

/// Builds the boundary of `input` (one item).
pub(crate) fn boundary(input: &Val, high: bool, scope: &Scope<'_>) -> Result<Val, Error> {
    let hint = input.hint.as_deref();
    let kind = match (input.shape, hint) {
        (Shape::Scalar(Ty::Int), _) => return Ok(input.clone()),
        (Shape::Scalar(ty @ (Ty::Decimal | Ty::Date | Ty::DateTime | Ty::Time)), _) => ty,
        (Shape::Scalar(ty), _) => {
            return Err(scope.semantic(format!("boundary of a {ty:?} value")));
        }
        (_, Some("decimal")) => Ty::Decimal,
        (_, Some("date")) => Ty::Date,
        (_, Some("dateTime" | "instant")) => Ty::DateTime,
        (_, Some("time")) => Ty::Time,
        (_, Some("integer" | "positiveInt" | "unsignedInt")) => Ty::Int,
        (_, Some(other)) => {
            return Err(scope.semantic(format!("boundary of a {other} value")));
        }
        (_, None) => return Ok(by_form(input, high, scope)),
    };
    let one = to_one(input, scope.path);
    let text = match input.shape {
        Shape::Scalar(_) => input.sql.clone(),
        _ if kind == Ty::Decimal => format!("TO_JSON_STRING({one})"),
        _ => format!("JSON_VALUE({one})"),
    };
    let sql = match kind {
        Ty::Int => format!("LAX_INT64({one})"),
        Ty::Decimal => decimal(&text, high),
        Ty::Date => date(&text, high),
        Ty::Time => time(&text, high),
        _ => date_time(&text, high),
    };
    let ty = if kind == Ty::Int { Ty::Int } else { kind };
    Ok(Val::scalar(sql, ty))
}

/// No hint: decide per value by its JSON type and form. The result is text (dates and times)
/// or, for numbers, the decimal's text.
fn by_form(input: &Val, high: bool, scope: &Scope<'_>) -> Val {
    let one = to_one(input, scope.path);
    let sql = format!(
        "(SELECT CASE WHEN v IS NULL THEN NULL \
         WHEN JSON_TYPE(v) = 'number' THEN CAST({} AS STRING) \
         WHEN REGEXP_CONTAINS(JSON_VALUE(v), r'^[0-9]{{2}}:') THEN {} \
         WHEN REGEXP_CONTAINS(JSON_VALUE(v), r'T') THEN {} \
         ELSE {} END FROM UNNEST([{one}]) AS v)",
        decimal("TO_JSON_STRING(v)", high),
        time("JSON_VALUE(v)", high),
        date_time("JSON_VALUE(v)", high),
        date("JSON_VALUE(v)", high),
    );
    Val::scalar(sql, Ty::String)
}

/// `s` is the decimal's text.
fn decimal(s: &str, high: bool) -> String {
    let sign = if high { "+" } else { "-" };
    format!(
        "(SELECT SAFE_CAST(t AS FLOAT64) {sign} 0.5 * POW(10, -IF(STRPOS(t, '.') = 0, 0, \
         LENGTH(t) - STRPOS(t, '.'))) FROM UNNEST([{s}]) AS t)"
    )
}

/// `s` is `yyyy`, `yyyy-mm` or `yyyy-mm-dd`.
fn date(s: &str, high: bool) -> String {
    let (year, month) = if high {
        (
            "CONCAT(t, '-12-31')",
            "FORMAT_DATE('%Y-%m-%d', DATE_SUB(DATE_ADD(PARSE_DATE('%Y-%m-%d', CONCAT(t, '-01')), \
             INTERVAL 1 MONTH), INTERVAL 1 DAY))",
        )
    } else {
        ("CONCAT(t, '-01-01')", "CONCAT(t, '-01')")
    };
    format!(
        "(SELECT CASE LENGTH(t) WHEN 4 THEN {year} WHEN 7 THEN {month} ELSE t END \
         FROM UNNEST([{s}]) AS t)"
    )
}

/// `s` is `hh:mm[:ss[.fff]]`.
fn time(s: &str, high: bool) -> String {
    let (minutes, seconds) = if high {
        (":59.999", ".999")
    } else {
        (":00.000", ".000")
    };
    format!(
        "(SELECT CASE LENGTH(t) WHEN 5 THEN CONCAT(t, '{minutes}') WHEN 8 THEN CONCAT(t, \
         '{seconds}') ELSE t END FROM UNNEST([{s}]) AS t)"
    )
}

/// `s` is a date, or a dateTime `date T time [zone]`.
fn date_time(s: &str, high: bool) -> String {
    let zone = if high { "-12:00" } else { "+14:00" };
    let day_time = if high {
        "T23:59:59.999"
    } else {
        "T00:00:00.000"
    };
    let date_part = date("SPLIT(t, 'T')[OFFSET(0)]", high);
    let time_part = time("REGEXP_EXTRACT(t, r'T([0-9:.]+)')", high);
    format!(
        "(SELECT CASE WHEN NOT REGEXP_CONTAINS(t, r'T') THEN CONCAT({date_part}, '{day_time}', \
         '{zone}') ELSE CONCAT({date_part}, 'T', {time_part}, \
         COALESCE(REGEXP_EXTRACT(t, r'T[0-9:.]+(Z|[+-][0-9:]+)$'), '{zone}')) END \
         FROM UNNEST([{s}]) AS t)"
    )
}
