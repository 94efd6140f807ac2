//! One kept primitive value: its shape is checked against its treatment (a value that does
//! not have the promised shape is dropped), dates are shifted or cut, references rewritten.

use chrono::Datelike;
use serde_json::Value;

use super::meta::{ABSTRED, MASKED, PSEUDED};
use super::{Ctx, Transformer};
use crate::dates::{self, DateMode};
use crate::policy::Treat;
use crate::{generalize, reference, shape, vocab};

fn set_string(v: &mut Value, out: Option<String>) -> bool {
    match out {
        Some(s) => {
            *v = Value::String(s);
            true
        }
        None => false,
    }
}

/// Keeps a string value when `ok` says so.
fn keep_str(v: &Value, ok: impl FnOnce(&str) -> bool) -> bool {
    v.as_str().is_some_and(ok)
}

/// A kept value copied from the input with an open shape (a code, a unit, a number): it
/// goes to the leak gate. Values the engine made or validated against a closed vocabulary
/// do not.
fn open(ctx: &mut Ctx, v: &Value, kept: bool) -> bool {
    if kept {
        ctx.open.push_value(v);
    }
    kept
}

impl Transformer<'_> {
    /// The last year that reads as "90 or older" today; every earlier date becomes it.
    pub(super) fn cutoff_year(&self) -> i32 {
        let max_age = i32::try_from(self.policy.max_age()).unwrap_or(89);
        self.reference_date.year() - max_age - 1
    }

    pub(super) fn primitive(&self, t: Treat, v: &mut Value, ctx: &mut Ctx) -> bool {
        let rules = &self.policy.rules;
        match t {
            Treat::Bool => v.is_boolean(),
            Treat::Integer => open(ctx, v, v.is_i64() || v.is_u64()),
            Treat::Decimal => open(ctx, v, v.is_number()),
            Treat::Time => {
                let out = v.as_str().and_then(shape::time);
                let kept = set_string(v, out);
                open(ctx, v, kept)
            }
            Treat::Code(set) => keep_str(v, |s| rules.in_value_set(set, s)),
            Treat::Terminology => keep_str(v, |s| rules.terminology(s).is_some()),
            Treat::CodingCode => {
                let term = ctx.term;
                let kept = keep_str(v, |s| {
                    term.is_some_and(|shape| shape.accepts(s, &rules.ucum_annotations))
                });
                open(ctx, v, kept)
            }
            Treat::Uri(set) => keep_str(v, |s| rules.in_uri_set(set, s)),
            Treat::ResourceType => keep_str(v, starvit_fhir::is_resource_type),
            Treat::UcumUnit => {
                let kept = keep_str(v, |s| shape::ucum(s, &rules.ucum_annotations));
                open(ctx, v, kept)
            }
            Treat::AgeUnit => keep_str(v, |s| shape::age_unit_code(s).is_some()),
            Treat::MediaType => {
                let out = v.as_str().and_then(shape::media_type);
                let kept = set_string(v, out);
                open(ctx, v, kept)
            }
            Treat::Bcp47 => {
                let kept = keep_str(v, shape::bcp47);
                open(ctx, v, kept)
            }
            Treat::UsState => {
                let out = v.as_str().and_then(vocab::us_state).map(str::to_owned);
                set_string(v, out)
            }
            Treat::Country => {
                let out = v.as_str().and_then(vocab::country).map(str::to_owned);
                set_string(v, out)
            }
            Treat::SampledData => {
                let kept = keep_str(v, shape::sampled_data);
                open(ctx, v, kept)
            }
            Treat::ExtUrl => v.is_string(),
            Treat::Drop | Treat::Contained | Treat::Ext(_) | Treat::Type(_) => false,
            Treat::Date => {
                let out = v.as_str().and_then(|s| self.date(s, ctx));
                set_string(v, out)
            }
            Treat::BirthDate => {
                let out = v.as_str().and_then(|s| self.birth_date(s, ctx));
                set_string(v, out)
            }
            Treat::Zip => {
                ctx.flags |= ABSTRED;
                let out = v
                    .as_str()
                    .and_then(|s| generalize::zip3(s, &rules.restricted_zip3));
                set_string(v, out)
            }
            Treat::Age => self.age_value(v, ctx),
            Treat::Reference => {
                ctx.flags |= PSEUDED;
                let out = v.as_str().and_then(|s| self.reference(s, ctx));
                set_string(v, out)
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
        reference::rewrite_with(s, self.pseudo, |id| self.memo.id(id, || self.pseudo.id(id)))
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
    fn age_value(&self, v: &mut Value, ctx: &mut Ctx) -> bool {
        let max_age = self.policy.max_age();
        match generalize::cap_age(v, ctx.age_unit, max_age) {
            Some((out, generalised)) => {
                if generalised {
                    ctx.flags |= ABSTRED;
                } else if let Some(years) = generalize::age_years(v, ctx.age_unit) {
                    ctx.oldest_age = ctx.oldest_age.max(years);
                }
                *v = out;
                true
            }
            None => false,
        }
    }
}
