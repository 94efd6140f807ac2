//! Structural checks on one de-identified resource: ages over 89 (any `*Age`, `age`, and the
//! values of LOINC age-coded Observations, reading the unit AND the code and taking the older
//! reading), `onsetAge` + `recordedDate` implying 90+, years that alone show 90+, dates after
//! the export, and system timestamps that carry the shift.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::Value;

use super::Check;

/// LOINC codes whose value is an age.
pub const AGE_CODES: [&str; 8] = [
    "30525-0", "21612-7", "29553-5", "21611-9", "63900-5", "35659-2", "46251-5", "30972-4",
];

/// What the attacker knows: the export time, and the real values of system timestamps.
#[derive(Debug, Clone)]
pub struct Context {
    /// The export ("load") time: no output date may be later.
    pub export_time: DateTime<Utc>,
    /// Time of day (with fraction and zone) of each known instant → its real dates.
    pub known: BTreeMap<String, BTreeSet<NaiveDate>>,
    /// Safe Harbor: every date element but the year removed.
    pub years_only: bool,
}

impl Context {
    /// A context from the export time and the known instants (`YYYY-MM-DDThh:mm:ss.fffZ`).
    #[must_use]
    pub fn new(export_time: DateTime<Utc>, instants: &[String]) -> Self {
        let mut known: BTreeMap<String, BTreeSet<NaiveDate>> = BTreeMap::new();
        for i in instants {
            if let (Some(d), Some((_, tod))) = (date_part(i), i.split_once('T')) {
                known.entry(tod.to_owned()).or_default().insert(d);
            }
        }
        Self {
            export_time,
            known,
            years_only: false,
        }
    }

    /// This context for the output of `profile` (`safe-harbor` keeps years only).
    #[must_use]
    pub fn for_profile(mut self, profile: &str) -> Self {
        self.years_only = profile == "safe-harbor";
        self
    }

    fn ref_year(&self) -> i32 {
        self.export_time.year()
    }
}

fn date_part(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// A parsed FHIR date: year, month, day, time part after `T`.
type Parsed<'a> = (i32, Option<u32>, Option<NaiveDate>, Option<&'a str>);

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a dateTime/instant.
fn parse_date(s: &str) -> Option<Parsed<'_>> {
    let b = s.as_bytes();
    let year_ok = b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit);
    let shape_ok = matches!(b.len(), 4 | 7) || b.len() >= 10;
    if !year_ok || !shape_ok || (b.len() > 4 && b[4] != b'-') {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    if b.len() == 4 {
        return Some((year, None, None, None));
    }
    let month: u32 = s.get(5..7)?.parse().ok()?;
    if b.len() == 7 {
        return Some((year, Some(month), None, None));
    }
    let day = date_part(s)?;
    let time = s.get(10..).filter(|t| t.starts_with('T')).map(|t| &t[1..]);
    if b.len() > 10 && time.is_none() {
        return None;
    }
    Some((year, Some(month), Some(day), time))
}

/// Keys whose strings are never dates even when they look like a year.
fn not_a_date_key(key: &str) -> bool {
    matches!(
        key,
        "code" | "value" | "version" | "system" | "id" | "reference" | "display" | "data"
    )
}

/// Checks one de-identified resource; `push` receives each finding with its JSON path.
pub fn check(ctx: &Context, resource: &Value, push: &mut dyn FnMut(Check, String)) {
    let t = resource["resourceType"].as_str().unwrap_or("?");
    walk(ctx, resource, t, "", push);
    if t == "Observation" && is_age_coded(&resource["code"]) {
        age_values(resource, &format!("{t}.value"), push);
    }
    for c in resource["component"].as_array().into_iter().flatten() {
        if is_age_coded(&c["code"]) || is_age_coded(&resource["code"]) {
            age_values(c, &format!("{t}.component.value"), push);
        }
    }
    implied_age(ctx, resource, t, push);
}

fn walk(ctx: &Context, v: &Value, path: &str, key: &str, push: &mut dyn FnMut(Check, String)) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{path}.{k}");
                let age_range = matches!(k.as_str(), "onsetRange" | "abatementRange");
                if (k.ends_with("Age") || k == "age" || age_range) && x.is_object() {
                    age_object(x, &p, push);
                }
                walk(ctx, x, &p, k, push);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(ctx, x, path, key, push)),
        Value::String(s) if key == "postalCode" => postal_code(s, path, push),
        Value::String(s) if !not_a_date_key(key) => date_string(ctx, s, path, key, push),
        _ => {}
    }
}

fn date_string(ctx: &Context, s: &str, path: &str, key: &str, push: &mut dyn FnMut(Check, String)) {
    let Some((year, month, day, time)) = parse_date(s) else {
        return;
    };
    let cutoff = ctx.ref_year() - 90;
    if year < cutoff {
        push(Check::YearShowsAge, path.to_owned());
    }
    let e = ctx.export_time;
    let later = match (month, day) {
        (_, Some(d)) if d != e.date_naive() => d > e.date_naive(),
        (_, Some(_)) => DateTime::parse_from_rfc3339(s).is_ok_and(|t| t > e),
        (Some(m), None) => (year, m) > (e.year(), e.month()),
        (None, None) => year > e.year(),
    };
    if ctx.years_only && month.is_some() {
        push(Check::DateFinerThanYear, path.to_owned());
    }
    if later && key != "lastUpdated" {
        push(Check::AfterExport, path.to_owned());
    }
    let first = ctx.known.values().flatten().min();
    let earlier = |d: NaiveDate| first.is_some_and(|f| d < *f);
    if key == "lastUpdated" && (day.is_some_and(earlier) || first.is_some_and(|f| year < f.year()))
    {
        push(Check::ShiftReadback, path.to_owned());
    }
    if let (Some(d), Some(tod)) = (day, time)
        && ctx.known.get(tod).is_some_and(|real| !real.contains(&d))
    {
        push(Check::ShiftReadback, path.to_owned());
    }
}

/// A kept postal code is a 3-digit area that is not one of the sparse ones (or `000`).
fn postal_code(s: &str, path: &str, push: &mut dyn FnMut(Check, String)) {
    let three = s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !three || crate::export::person::SPARSE_ZIP3.contains(&s) {
        push(Check::ZipTooFine, path.to_owned());
    }
}

fn is_age_coded(code: &Value) -> bool {
    code["coding"].as_array().into_iter().flatten().any(|c| {
        c["system"] == "http://loinc.org"
            && c["code"].as_str().is_some_and(|x| AGE_CODES.contains(&x))
    })
}

/// Years per unit, reading UCUM codes and the words people write.
fn years_per(unit: &str) -> Option<f64> {
    let u = unit.trim().to_lowercase();
    Some(match u.as_str() {
        "a" | "y" | "yr" | "yrs" | "year" | "years" | "annum" => 1.0,
        "mo" | "month" | "months" => 1.0 / 12.0,
        "wk" | "week" | "weeks" => 7.0 / 365.25,
        "d" | "day" | "days" => 1.0 / 365.25,
        "h" | "hour" | "hours" => 1.0 / 8766.0,
        "min" | "minute" | "minutes" => 1.0 / 525_960.0,
        _ => return None,
    })
}

/// Every reading of a Quantity's unit and code as years per unit (years when neither reads).
fn readings(q: &Value) -> Vec<f64> {
    let r: Vec<f64> = [&q["unit"], &q["code"]]
        .iter()
        .filter_map(|x| x.as_str().and_then(years_per))
        .collect();
    if r.is_empty() { vec![1.0] } else { r }
}

/// The oldest reading of a Quantity as an age in years.
fn years(q: &Value) -> Option<f64> {
    let v = q["value"].as_f64()?;
    readings(q).into_iter().map(|p| v * p).reduce(f64::max)
}

/// Over the aggregated "90 or older" value under some reading of its unit and code (90 years
/// in the value's own unit may be rounded up to a whole unit: 32873 d is 90).
fn over_90(q: &Value) -> bool {
    q["value"]
        .as_f64()
        .is_some_and(|v| readings(q).into_iter().any(|p| v > (90.0 / p).ceil()))
}

fn age_object(q: &Value, path: &str, push: &mut dyn FnMut(Check, String)) {
    if over_90(q) || over_90(&q["low"]) || over_90(&q["high"]) {
        push(Check::AgeOver89, path.to_owned());
    }
}

fn age_values(holder: &Value, path: &str, push: &mut dyn FnMut(Check, String)) {
    let q = over_90(&holder["valueQuantity"]);
    let i = holder["valueInteger"].as_f64().is_some_and(|y| y > 90.0);
    let r = ["low", "high"]
        .iter()
        .any(|k| over_90(&holder["valueRange"][k]));
    if q || i || r {
        push(Check::AgeOver89, path.to_owned());
    }
}

/// `onsetAge` (or `abatementAge`) plus the years since `recordedDate` imply an age today.
fn implied_age(ctx: &Context, r: &Value, t: &str, push: &mut dyn FnMut(Check, String)) {
    let Some(recorded) = r["recordedDate"].as_str().and_then(parse_date) else {
        return;
    };
    for k in ["onsetAge", "abatementAge"] {
        let Some(age) = years(&r[k]) else { continue };
        if age + f64::from(ctx.ref_year() - recorded.0) - 1.0 > 90.0 {
            push(Check::AgeOver89, format!("{t}.{k}+recordedDate"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(ctx: &Context, r: &Value) -> Vec<(Check, String)> {
        let mut out = Vec::new();
        check(ctx, r, &mut |c, p| out.push((c, p)));
        out
    }

    fn ctx() -> Context {
        let export = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Context::new(export, &["2026-12-01T08:12:33.437Z".to_owned()])
    }

    #[test]
    fn ages_read_unit_and_code() {
        let c = json!({"resourceType": "Condition",
            "onsetAge": {"value": 95, "unit": "years", "system": "http://unitsofmeasure.org", "code": "d"}});
        assert_eq!(findings(&ctx(), &c)[0].0, Check::AgeOver89);
        let o = json!({"resourceType": "Observation", "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0"}]},
            "valueInteger": 90});
        assert!(
            findings(&ctx(), &o).is_empty(),
            "90 is the aggregated category"
        );
        let o = json!({"resourceType": "Observation", "code": {"coding": [{"system": "http://loinc.org", "code": "89050-1"}]},
            "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "21612-7"}]}, "valueInteger": 97}]});
        assert_eq!(findings(&ctx(), &o)[0].0, Check::AgeOver89);
    }

    #[test]
    fn dates_years_and_readback() {
        let r = json!({"resourceType": "Condition", "onsetDateTime": "1933-05-01",
            "recordedDate": "2027-01-02", "meta": {"lastUpdated": "2027-03-04T08:12:33.437Z"},
            "abatementDateTime": "1936", "code": {"coding": [{"system": "s", "code": "1900"}]}});
        let mut checks: Vec<Check> = findings(&ctx(), &r).into_iter().map(|f| f.0).collect();
        checks.sort();
        let want = [
            Check::YearShowsAge,
            Check::AfterExport,
            Check::ShiftReadback,
        ];
        assert_eq!(checks, want);
        let coarse = json!({"resourceType": "Patient", "meta": {"lastUpdated": "2026-10-04"}});
        assert_eq!(
            findings(&ctx(), &coarse)[0].0,
            Check::ShiftReadback,
            "a shifted load date"
        );
        let sh = ctx().for_profile("safe-harbor");
        let day =
            json!({"resourceType": "Encounter", "period": {"start": "2021-06-01", "end": "2021"}});
        assert_eq!(findings(&sh, &day).len(), 1);
        assert_eq!(findings(&sh, &day)[0].0, Check::DateFinerThanYear);
        let same_day =
            json!({"resourceType": "Patient", "meta": {"lastUpdated": "2026-12-01T08:12:33.437Z"}});
        assert!(findings(&ctx(), &same_day).is_empty());
    }
}
