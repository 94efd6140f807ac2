//! One kept primitive value: its shape is checked against its treatment (a value that does
//! not have the promised shape is dropped), dates are shifted or cut, references rewritten.

use chrono::Datelike;
use serde_json::{Number, Value};

use super::meta::{ABSTRED, MASKED, PSEUDED};
use super::{Ctx, Transformer};
use crate::dates::{self, DateMode};
use crate::json::Prim;
use crate::policy::Treat;
use crate::{generalize, reference, shape, vocab};

/// What the walk does with one primitive value (the one decision both walks share).
#[derive(Debug)]
pub(super) enum Kept {
    Drop,
    /// Kept as it is; `open`: a value copied from the input with an open shape (a code, a
    /// unit, a number), which goes to the leak gate. Values the engine made or validated
    /// against a closed vocabulary do not.
    Same {
        open: bool,
    },
    /// Replaced by a string the engine made or normalised (`open` as above).
    Str(String, bool),
    /// Replaced by a number the engine made (a capped age).
    Num(Number),
}

/// A string value kept when `ok` says so.
fn same_if(v: &Prim<'_>, open: bool, ok: impl FnOnce(&str) -> bool) -> Kept {
    match v {
        Prim::Str(s) if ok(s) => Kept::Same { open },
        _ => Kept::Drop,
    }
}

/// A string value replaced by what `f` makes of it.
fn replaced(v: &Prim<'_>, open: bool, f: impl FnOnce(&str) -> Option<String>) -> Kept {
    match v {
        Prim::Str(s) => f(s).map_or(Kept::Drop, |out| Kept::Str(out, open)),
        _ => Kept::Drop,
    }
}

impl Ctx<'_> {
    /// Pushes a kept open value to the gate's buffer.
    pub(super) fn push_open(&mut self, v: &Prim<'_>) {
        match v {
            Prim::Str(s) => self.open.push_str(s),
            Prim::Num(n) => self.open.push_number(n),
            Prim::Bool | Prim::Other => {}
        }
    }
}

impl Transformer<'_> {
    /// The last year that reads as "90 or older" today; every earlier date becomes it.
    pub(super) fn cutoff_year(&self) -> i32 {
        let max_age = i32::try_from(self.policy.max_age()).unwrap_or(89);
        self.reference_date.year() - max_age - 1
    }

    /// A primitive of the `Value` walk, changed in place.
    pub(super) fn primitive(&self, t: Treat, v: &mut Value, ctx: &mut Ctx) -> bool {
        let prim = match v {
            Value::String(s) => Prim::Str(s),
            Value::Number(n) => Prim::Num(n.clone()),
            Value::Bool(_) => Prim::Bool,
            Value::Null | Value::Array(_) | Value::Object(_) => Prim::Other,
        };
        match self.decide(t, &prim, ctx) {
            Kept::Drop => false,
            Kept::Same { open } => {
                if open {
                    ctx.push_open(&prim);
                }
                true
            }
            Kept::Str(s, open) => {
                if open {
                    ctx.open.push_str(&s);
                }
                *v = Value::String(s);
                true
            }
            Kept::Num(n) => {
                *v = Value::Number(n);
                true
            }
        }
    }

    /// What to do with one primitive value under treatment `t`: its shape is checked (a
    /// value that does not have the promised shape is dropped), dates are shifted or cut,
    /// references rewritten.
    pub(super) fn decide(&self, t: Treat, v: &Prim<'_>, ctx: &mut Ctx) -> Kept {
        let rules = &self.policy.rules;
        let num = |ok: fn(&Number) -> bool| match v {
            Prim::Num(n) if ok(n) => Kept::Same { open: true },
            _ => Kept::Drop,
        };
        match t {
            Treat::Bool => match v {
                Prim::Bool => Kept::Same { open: false },
                _ => Kept::Drop,
            },
            Treat::Integer => num(|n| n.is_i64() || n.is_u64()),
            Treat::Decimal => num(|_| true),
            Treat::Time => replaced(v, true, shape::time),
            Treat::Code(set) => same_if(v, false, |s| rules.in_value_set(set, s)),
            Treat::Terminology => same_if(v, false, |s| rules.terminology(s).is_some()),
            Treat::CodingCode => {
                let term = ctx.term;
                same_if(v, true, |s| {
                    term.is_some_and(|shape| shape.accepts(s, &rules.ucum_annotations))
                })
            }
            Treat::Uri(set) => same_if(v, false, |s| rules.in_uri_set(set, s)),
            Treat::ResourceType => same_if(v, false, starvit_fhir::is_resource_type),
            Treat::UcumUnit => same_if(v, true, |s| shape::ucum(s, &rules.ucum_annotations)),
            Treat::AgeUnit => same_if(v, false, |s| shape::age_unit_code(s).is_some()),
            Treat::MediaType => replaced(v, true, shape::media_type),
            Treat::Bcp47 => same_if(v, true, shape::bcp47),
            Treat::UsState => replaced(v, false, |s| vocab::us_state(s).map(str::to_owned)),
            Treat::Country => replaced(v, false, |s| vocab::country(s).map(str::to_owned)),
            Treat::SampledData => same_if(v, true, shape::sampled_data),
            Treat::ExtUrl => same_if(v, false, |_| true),
            Treat::Drop | Treat::Contained | Treat::Ext(_) | Treat::Type(_) | Treat::Text(_) => {
                Kept::Drop
            }
            Treat::Date => replaced(v, false, |s| self.date(s, ctx)),
            Treat::BirthDate => replaced(v, false, |s| self.birth_date(s, ctx)),
            Treat::Zip => {
                ctx.flags |= ABSTRED;
                replaced(v, false, |s| generalize::zip3(s, &rules.restricted_zip3))
            }
            Treat::Age => self.age_value(v, ctx),
            Treat::Reference => {
                ctx.flags |= PSEUDED;
                replaced(v, false, |s| self.reference(s, ctx))
            }
        }
    }

    fn reference(&self, s: &str, ctx: &mut Ctx) -> Option<String> {
        // `#id` to a contained resource that is not kept (or not there): the whole
        // Reference goes (see `object`). `#` (the container) resolves.
        if let Some(local) = s.strip_prefix('#')
            && !local.is_empty()
            && !ctx.locals.iter().any(|l| l == local)
        {
            ctx.dangling = true;
            return None;
        }
        reference::rewrite_with(s, self.pseudo, |id, out| {
            self.memo.push_id(id, || self.pseudo.id(id), out);
        })
    }

    /// A date: 90+ years ago reads as the cut-off year; otherwise shifted back by the
    /// patient's days (or cut to the year); a result after the reference (export) day is
    /// dropped, since a future date bounds the shift.
    pub(super) fn date(&self, s: &str, ctx: &mut Ctx) -> Option<String> {
        let real = dates::parse(s)?;
        ctx.earliest_year = Some(ctx.earliest_year.map_or(real.year, |y| y.min(real.year)));
        let cutoff = self.cutoff_year();
        let generalised = || Some(format!("{cutoff:04}"));
        if real.year <= cutoff {
            ctx.flags |= ABSTRED;
            return generalised();
        }
        let out = match self.policy.date_mode() {
            DateMode::Shift => {
                ctx.flags |= MASKED;
                dates::shift(s, -ctx.shift)?
            }
            DateMode::Year => {
                ctx.flags |= ABSTRED;
                dates::year(s)?
            }
        };
        let shifted = dates::parse(&out)?;
        if shifted.year <= cutoff {
            ctx.flags |= ABSTRED;
            return generalised();
        }
        if dates::after(&shifted, self.reference_date) {
            return None;
        }
        Some(out)
    }

    fn birth_date(&self, s: &str, ctx: &mut Ctx) -> Option<String> {
        let parsed = dates::parse(s)?;
        let max_age = i32::try_from(self.policy.max_age()).ok()?;
        if dates::age_at(&parsed, self.reference_date) > max_age {
            ctx.flags |= ABSTRED;
            return Some(format!("{:04}", self.cutoff_year()));
        }
        self.date(s, ctx)
    }

    /// An age value in the enclosing Age's unit: over the cap it becomes 90; the largest
    /// age under the cap is remembered for the check against the resource's dates.
    fn age_value(&self, v: &Prim<'_>, ctx: &mut Ctx) -> Kept {
        let Some(n) = (match v {
            Prim::Num(n) => n.as_f64(),
            _ => None,
        }) else {
            return Kept::Drop;
        };
        match generalize::cap_age(n, ctx.age_unit, self.policy.max_age()) {
            Some(capped) => {
                ctx.flags |= ABSTRED;
                Kept::Num(capped.into())
            }
            None => {
                ctx.oldest_age = ctx.oldest_age.max(generalize::age_years(n, ctx.age_unit));
                Kept::Same { open: false }
            }
        }
    }
}
