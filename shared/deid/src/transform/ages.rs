//! Ages over 89 wherever they hide: Observations whose code means an age or a birth date,
//! `Age` elements whose unit and code disagree, and ages that with the dates of their
//! resource show a person of 90 or more today (an onset at 50 recorded in 1960).

use chrono::Datelike;
use serde_json::{Map, Value};

use crate::json::Json;

use super::{Ctx, Transformer};
use crate::policy::Treat;

/// What an object's `code` says its `value[x]` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coded {
    Plain,
    Age,
    BirthDate,
}

/// UCUM codes of the units of time an Age may use.
const AGE_CODES: &[&str] = &["a", "mo", "wk", "d", "h", "min"];

/// The UCUM unit of an `Age` object, `None` when its unit and code disagree or name no
/// unit of time (then the Age cannot be read safely and is dropped).
pub(super) fn age_unit_of<'v>(map: impl Json<'v>) -> Option<&'static str> {
    let code = map.get("code").and_then(Json::as_str);
    let unit = map.get("unit").and_then(Json::as_str);
    let from_code = match code {
        Some(c) => Some(*AGE_CODES.iter().find(|k| **k == c)?),
        None => None,
    };
    let from_unit = match unit {
        Some(u) => Some(crate::shape::age_unit_code(u)?),
        None => None,
    };
    match (from_code, from_unit) {
        (Some(c), Some(u)) => (c == u).then_some(c),
        (Some(one), None) | (None, Some(one)) => Some(one),
        (None, None) => Some("a"),
    }
}

impl Transformer<'_> {
    /// Whether an object's `code` (a CodeableConcept) names an age or a birth date.
    pub(super) fn coded<'v>(&self, code: Option<impl Json<'v>>) -> Coded {
        let Some(codings) = code.and_then(|c| c.get("coding")) else {
            return Coded::Plain;
        };
        let rules = &self.policy.rules;
        let mut key = String::new();
        for c in codings.items() {
            let (Some(sys), Some(code)) = (
                c.get("system").and_then(Json::as_str),
                c.get("code").and_then(Json::as_str),
            ) else {
                continue;
            };
            key.clear();
            key.push_str(sys);
            key.push('|');
            key.push_str(code);
            if rules.is_age_code(&key) {
                return Coded::Age;
            }
            if rules.is_birth_date_code(&key) {
                return Coded::BirthDate;
            }
        }
        Coded::Plain
    }

    /// The treatment of element `name` of an object whose code says `coded`: an age-coded
    /// value is walked as an Age, a birth-date-coded value as a birth date.
    pub(super) fn coded_treat(&self, name: &str, t: Treat, coded: Coded) -> Treat {
        let rules = &self.policy.rules;
        match (coded, name) {
            (Coded::Age, "valueQuantity") => rules.age_type.map_or(Treat::Drop, Treat::Type),
            (Coded::Age, "valueRange") => rules.age_range_type.map_or(Treat::Drop, Treat::Type),
            (Coded::Age, "valueInteger" | "valueDecimal") => Treat::Age,
            (Coded::Age, "valueString" | "valueRatio" | "valueSampledData")
            | (Coded::BirthDate, "valuePeriod" | "valueString") => Treat::Drop,
            (Coded::BirthDate, "valueDateTime") => Treat::BirthDate,
            _ => t,
        }
    }

    /// After the walk: an age under the cap that, added to the years since the resource's
    /// earliest date, reaches past the cap shows a person of 90+ today: every age of the
    /// resource must be dropped ([`Self::strip_ages`]).
    pub(super) fn ages_implied_by_dates(&self, ctx: &Ctx) -> bool {
        let Some(earliest) = ctx.earliest_year else {
            return false;
        };
        if ctx.oldest_age <= 0.0 {
            return false;
        }
        let since = f64::from(self.reference_date.year() - earliest);
        ctx.oldest_age + since > f64::from(self.policy.max_age())
    }

    /// Drops every age of an output object (and of the objects in it).
    pub(super) fn strip_ages(&self, ty: u32, map: &mut Map<String, Value>) {
        let rules = &self.policy.rules;
        let coded = self.coded(map.get("code"));
        map.retain(|k, val| {
            let Some(t) = rules.types[ty as usize].get(k) else {
                return true;
            };
            let t = self.coded_treat(k, t, coded);
            let nested = match t {
                Treat::Age => return false,
                Treat::Type(n) if Some(n) == rules.age_type || Some(n) == rules.age_range_type => {
                    return false;
                }
                Treat::Type(n) => Some(n),
                _ => None,
            };
            let objects: Vec<&mut Map<String, Value>> = match val {
                Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
                Value::Object(o) => vec![o],
                _ => return true,
            };
            for o in objects {
                let n = match (t, nested) {
                    (_, Some(n)) => Some(n),
                    (Treat::Ext(set), _) => o
                        .get("url")
                        .and_then(Value::as_str)
                        .and_then(|u| rules.ext_type(set, u)),
                    (Treat::Contained, _) => o
                        .get("resourceType")
                        .and_then(Value::as_str)
                        .and_then(|rt| rules.resources.get(rt).copied()),
                    _ => None,
                };
                if let Some(n) = n {
                    self.strip_ages(n, o);
                }
            }
            true
        });
    }
}
