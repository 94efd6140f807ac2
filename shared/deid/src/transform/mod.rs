//! The per-resource walk: applies the compiled allow-list in place (no re-allocation of
//! kept values), pseudonymises ids and references, shifts or truncates dates, generalises
//! ZIP codes and ages, checks the shape of every kept primitive, rebuilds `meta`.
//!
//! Module map: `mod.rs` the walk over objects and arrays; `head` what the walk knows before
//! it starts (type rule, date shift, pseudonyms of id and version, kept contained ids);
//! [`primitive`] one kept value
//! (shapes, dates, references); [`ages`] ages over 89 wherever they hide; [`meta`] the
//! rebuilt `meta`; `memo` the bounded digest memo; `text` the placeholders of the
//! profile's free-text elements (see [`crate::text`]).
//!
//! Date shift key: the patient the resource belongs to (the Patient itself, else the first
//! patient link of its type in FHIR's Patient compartment that references a Patient or an
//! untyped `urn:uuid:`). A resource with no patient (Practitioner, Organization, ...) is
//! shifted with a key derived from its own id: keyed, non-zero and stable, but unrelated
//! to any patient's shift, so it cannot be used to recover one.
//!
//! `meta`: the input meta is dropped except `versionId` (pseudonymised, so id+version
//! dedupe still works). `lastUpdated` is dropped: it is a system timestamp an outsider can
//! bound (the export time), so any shifted copy of it would give the patient's shift away.
//!
//! Contained resources (fail closed, local references always resolve): a contained
//! resource is kept only when its container's rules keep `contained`, the policy keeps its
//! type and it has a valid local id ([`Transformer::contained_target`], the one decision
//! used for both the resource and the references to it); it is walked with its own
//! type's rules and loses its own `contained` (FHIR forbids nesting) and `meta`. Every
//! `#id` reference whose target was not kept is removed together with its whole
//! `Reference` element; a parent left empty is pruned like any other emptied element.

mod ages;
mod head;
mod memo;
pub(crate) mod meta;
mod primitive;
mod stream;
#[cfg(test)]
mod tests;
mod text;

use chrono::NaiveDate;
use serde_json::{Map, Value};

pub(crate) use meta::MetaParts;
pub use meta::{POLICY_PROFILE_SYSTEM, POLICY_VERSION_SYSTEM, SECURITY_SYSTEM};
pub(crate) use text::Pending;

use crate::dates::DateMode;
use crate::gate::OpenValues;
use crate::json::{Json, is_array, one_or_many};
use crate::policy::{Policy, Treat};
use crate::pseudonym::Pseudonymizer;
use crate::reference;
use crate::shape::CodeShape;
use ages::Coded;
use head::Head;
use memo::Memo;
use meta::{PSEUDED, REDACTED};

/// Per-resource state of the walk.
#[derive(Debug)]
struct Ctx<'c> {
    /// The open values the walk copied from the input, for the leak gate.
    open: &'c mut OpenValues,
    shift: i64,
    flags: u8,
    /// UCUM unit code of the enclosing Age (None = years).
    age_unit: Option<&'static str>,
    /// Code shape of the enclosing Coding/Quantity's `system` (None: unknown or absent).
    term: Option<CodeShape>,
    /// What the enclosing object's `code` says its value is.
    coded: Coded,
    /// Earliest year of the resource's input dates, and the largest age (years) kept.
    earliest_year: Option<i32>,
    oldest_age: f64,
    /// Input local ids of the contained resources that will be kept (targets of `#id`).
    locals: &'c [String],
    /// Set by a `#id` reference whose target is not kept: the enclosing object (the
    /// `Reference`) must be dropped whole. Scoped to one object by [`Transformer::object`].
    dangling: bool,
    /// The enclosing object's `contentType` is `text/plain` (its `base64-text` body is sent
    /// to DLP). Set by the `Value` walk only, under a profile with `[text]`.
    text_plain: bool,
}

/// Applies one policy with one key. One per stream (it memoises digests; not `Sync`).
#[derive(Debug)]
pub(crate) struct Transformer<'a> {
    policy: &'a Policy,
    pseudo: &'a Pseudonymizer,
    reference_date: NaiveDate,
    memo: Memo,
    meta: &'a MetaParts,
    /// The current line's text elements (`[text]` profiles only).
    pending: std::cell::RefCell<Pending>,
}

impl<'a> Transformer<'a> {
    pub fn new(
        policy: &'a Policy,
        pseudo: &'a Pseudonymizer,
        reference_date: NaiveDate,
        meta: &'a MetaParts,
    ) -> Self {
        Self {
            policy,
            pseudo,
            reference_date,
            memo: Memo::default(),
            meta,
            pending: std::cell::RefCell::default(),
        }
    }

    /// A contained resource: its own type's rules, local id re-mapped, no meta, no nested
    /// `contained`. Dropped exactly when [`Self::contained_target`] says so.
    fn contained(&self, v: &mut Value, ctx: &mut Ctx) -> bool {
        let Some((idx, local)) = self.contained_target(&*v) else {
            ctx.flags |= REDACTED;
            return false;
        };
        let mut new_id = Some(self.pseudo.local_id(local));
        let coded = self.coded(v.get("code"));
        let Some(obj) = v.as_object_mut() else {
            return false;
        };
        let outer = std::mem::replace(&mut ctx.dangling, false);
        let outer_coded = std::mem::replace(&mut ctx.coded, coded);
        obj.retain(|k, val| match k.as_str() {
            "resourceType" => true,
            "id" => {
                *val = Value::String(new_id.take().unwrap_or_default());
                ctx.flags |= PSEUDED;
                true
            }
            // dom-2: a contained resource SHALL NOT contain resources.
            "contained" => {
                ctx.flags |= REDACTED;
                false
            }
            _ => self.element(idx, k, val, ctx),
        });
        ctx.dangling = outer;
        ctx.coded = outer_coded;
        true
    }

    fn element(&self, type_idx: u32, name: &str, val: &mut Value, ctx: &mut Ctx) -> bool {
        let treat = self.policy.rules.types[type_idx as usize]
            .get(name)
            .map(|t| self.coded_treat(name, t, ctx.coded));
        let keep = match treat {
            Some(t) => self.apply(t, val, ctx),
            None => false,
        };
        if !keep {
            ctx.flags |= REDACTED;
        }
        keep
    }

    fn apply(&self, t: Treat, v: &mut Value, ctx: &mut Ctx) -> bool {
        if let Value::Array(items) = v {
            items.retain_mut(|it| {
                let keep = self.apply_one(t, it, ctx);
                if !keep {
                    ctx.flags |= REDACTED;
                }
                keep
            });
            return !items.is_empty();
        }
        self.apply_one(t, v, ctx)
    }

    fn apply_one(&self, t: Treat, v: &mut Value, ctx: &mut Ctx) -> bool {
        match t {
            Treat::Contained => self.contained(v, ctx),
            Treat::Ext(set) => match self.ext_type(set, &*v) {
                Some(ty) => self.object(ty, v, ctx),
                None => false,
            },
            Treat::Type(ty) => self.object(ty, v, ctx),
            Treat::Text(kind) => self.text(kind, v, ctx),
            primitive => self.primitive(primitive, v, ctx),
        }
    }

    fn object(&self, ty: u32, v: &mut Value, ctx: &mut Ctx) -> bool {
        let Some(saved) = self.enter(ty, &*v, ctx) else {
            return false;
        };
        let outer_plain = std::mem::replace(&mut ctx.text_plain, self.text_plain(&*v));
        let Some(map) = v.as_object_mut() else {
            return false;
        };
        map.retain(|k, val| self.element(ty, k, val, ctx));
        ctx.text_plain = outer_plain;
        self.leave(saved, ctx) && !map.is_empty()
    }

    /// The type of an extension of set `set`, by its `url`; `None`: not allowed, dropped.
    fn ext_type<'v>(&self, set: u32, v: impl Json<'v>) -> Option<u32> {
        let url = v.get("url").and_then(Json::as_str)?;
        self.policy.rules.ext_type(set, url)
    }

    /// Sets the context of an object of type `ty` (its Age unit, terminology, code) and
    /// returns the outer context; `None` when it is no object or an Age whose unit and
    /// code disagree (nobody can tell how old the person is): the object is dropped.
    fn enter<'v>(&self, ty: u32, v: impl Json<'v>, ctx: &mut Ctx) -> Option<Saved> {
        if !v.is_object() {
            return None;
        }
        let age_unit = if Some(ty) == self.policy.rules.age_type {
            Some(ages::age_unit_of(v)?)
        } else {
            ctx.age_unit
        };
        let saved = Saved {
            age_unit: std::mem::replace(&mut ctx.age_unit, age_unit),
            term: ctx.term,
            coded: ctx.coded,
            dangling: std::mem::replace(&mut ctx.dangling, false),
        };
        ctx.term = v
            .get("system")
            .and_then(Json::as_str)
            .and_then(|s| self.policy.rules.terminology(s));
        ctx.coded = self.coded(v.get("code"));
        Some(saved)
    }

    /// Restores the outer context; false when the object must go: a Reference to a
    /// contained resource that was not kept is dropped whole.
    fn leave(&self, saved: Saved, ctx: &mut Ctx) -> bool {
        (ctx.age_unit, ctx.term, ctx.coded) = (saved.age_unit, saved.term, saved.coded);
        if std::mem::replace(&mut ctx.dangling, saved.dangling) {
            ctx.flags |= REDACTED;
            return false;
        }
        true
    }
}

/// The context of the enclosing object, restored when the walk leaves an object.
#[derive(Clone, Copy)]
struct Saved {
    age_unit: Option<&'static str>,
    term: Option<CodeShape>,
    coded: Coded,
    dangling: bool,
}

impl<'c> Ctx<'c> {
    fn new(open: &'c mut OpenValues, head: &'c Head) -> Self {
        Self {
            open,
            shift: head.shift,
            flags: 0,
            age_unit: None,
            term: None,
            coded: head.coded,
            earliest_year: None,
            oldest_age: 0.0,
            locals: &head.locals,
            dangling: false,
            text_plain: false,
        }
    }
}
