//! The per-resource walk: applies the compiled allow-list in place (no re-allocation of
//! kept values), pseudonymises ids and references, shifts or truncates dates, generalises
//! ZIP codes and ages, rebuilds `meta` with the policy version and security labels.
//!
//! Date shift key: the patient the resource belongs to (the Patient itself, else the first
//! of `patient`, `subject`, `beneficiary` that references a Patient or an untyped
//! `urn:uuid:`). A resource with no patient (Practitioner, Organization, Location, ...)
//! is shifted with a key derived from its own id: still keyed, non-zero and stable, but
//! unrelated to any patient's shift, so it cannot be used to recover one.
//!
//! `meta`: the input meta is dropped except `versionId` (pseudonymised, so id+version
//! dedupe still works) and `lastUpdated` (treated as a date tied to the patient: shifted,
//! or cut to the year, because Medplum's write time tracks the clinical event time).

use std::cell::RefCell;

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};

use crate::dates::{self, DateMode};
use crate::generalize;
use crate::policy::{Policy, Treat};
use crate::pseudonym::Pseudonymizer;
use crate::reference;

/// Code system of the policy-version tag in `meta.tag`.
pub const POLICY_VERSION_SYSTEM: &str = "https://starvit.dev/fhir/CodeSystem/deid-policy-version";
/// Code system of the profile-name tag in `meta.tag`.
pub const POLICY_PROFILE_SYSTEM: &str = "https://starvit.dev/fhir/CodeSystem/deid-profile";
/// HL7 v3 ObservationValue: the code system of the `meta.security` labels.
pub const SECURITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

const PSEUDED: u8 = 1;
const MASKED: u8 = 2;
const ABSTRED: u8 = 4;
const REDACTED: u8 = 8;

/// Per-resource state of the walk.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    shift: i64,
    flags: u8,
    /// UCUM unit code of the enclosing Age (None = years).
    age_unit: Option<&'static str>,
}

/// Slots of the pseudonym memo (direct-mapped; a power of two).
const MEMO_SLOTS: usize = 256;

/// Per-stream memo of keyed digests: the same patient, encounter and practitioner ids
/// recur on consecutive lines, and a pseudonym is a pure function of the id. Bounded
/// (fixed slots, overwritten on collision), so memory stays constant.
#[derive(Debug, Default)]
struct Memo {
    ids: Vec<(String, String)>,
    shift: Option<(String, i64)>,
}

fn slot_of(id: &str) -> usize {
    // FNV-1a: short keys, no need for DoS resistance (a miss only costs a digest).
    let mut h: u32 = 0x811c_9dc5;
    for &b in id.as_bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h as usize) & (MEMO_SLOTS - 1)
}

/// The `meta.tag` and `meta.security` values, built once per policy.
#[derive(Debug)]
pub(crate) struct MetaParts {
    tag: Value,
    /// Indexed by the `flags` bits.
    security: Vec<Value>,
}

impl MetaParts {
    pub fn new(policy: &Policy) -> Self {
        let tag = json!([
            {"system": POLICY_VERSION_SYSTEM, "code": policy.version()},
            {"system": POLICY_PROFILE_SYSTEM, "code": policy.name()},
        ]);
        let security = (0..16u8)
            .map(|flags| {
                Value::Array(
                    [
                        (PSEUDED, "PSEUDED"),
                        (MASKED, "MASKED"),
                        (ABSTRED, "ABSTRED"),
                        (REDACTED, "REDACTED"),
                    ]
                    .iter()
                    .filter(|(bit, _)| flags & bit != 0)
                    .map(|(_, code)| json!({"system": SECURITY_SYSTEM, "code": code}))
                    .collect(),
                )
            })
            .collect();
        Self { tag, security }
    }
}

/// Applies one policy with one key. One per stream (it memoises digests; not `Sync`).
#[derive(Debug)]
pub(crate) struct Transformer<'a> {
    policy: &'a Policy,
    pseudo: &'a Pseudonymizer,
    reference_date: NaiveDate,
    memo: RefCell<Memo>,
    meta: &'a MetaParts,
}

/// The date-shift key of a resource (see the module docs).
enum PatientKey<'v> {
    Id(&'v str),
    Own,
}

fn patient_key<'v>(obj: &'v Map<String, Value>, rt: &str) -> PatientKey<'v> {
    if rt == "Patient" {
        return PatientKey::Own;
    }
    for field in ["patient", "subject", "beneficiary"] {
        let r = obj
            .get(field)
            .and_then(|r| r.get("reference"))
            .and_then(Value::as_str);
        if let Some(id) = r.and_then(reference::patient_id) {
            return PatientKey::Id(id);
        }
    }
    PatientKey::Own
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
            memo: RefCell::new(Memo::default()),
            meta,
        }
    }

    /// Pseudonym of a resource id, memoised.
    fn pseudo_id(&self, id: &str) -> String {
        let mut memo = self.memo.borrow_mut();
        if memo.ids.is_empty() {
            memo.ids.resize_with(MEMO_SLOTS, Default::default);
        }
        let slot = &mut memo.ids[slot_of(id)];
        if slot.0 != id || slot.1.is_empty() {
            slot.1 = self.pseudo.id(id);
            slot.0.clear();
            slot.0.push_str(id);
        }
        slot.1.clone()
    }

    /// Date shift of a patient key, memoised for the last key (lines of one patient are
    /// usually consecutive).
    fn shift_days(&self, key: &str) -> i64 {
        let (min, max) = self.policy.shift_range();
        let mut memo = self.memo.borrow_mut();
        match &mut memo.shift {
            Some((k, days)) if k == key => *days,
            slot => {
                let days = self.pseudo.shift_days(key, min, max);
                *slot = Some((key.to_owned(), days));
                days
            }
        }
    }

    /// De-identifies a top-level resource in place. Returns `false` when the policy does not
    /// keep its type (the caller drops it). The caller has checked `resourceType` and `id`.
    pub fn resource(&self, v: &mut Value) -> bool {
        let Some(obj) = v.as_object_mut() else {
            return false;
        };
        let rt = obj
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(&idx) = self.policy.rules.resources.get(rt) else {
            return false;
        };
        let own_id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
        let shift = match self.policy.date_mode() {
            DateMode::Shift => match patient_key(obj, rt) {
                PatientKey::Id(id) => self.shift_days(id),
                PatientKey::Own if rt == "Patient" => self.shift_days(own_id),
                // No patient: keyed on the resource's own id, in a separate namespace.
                PatientKey::Own => self.shift_days(&format!("{rt}/{own_id}")),
            },
            DateMode::Year => 0,
        };
        let mut ctx = Ctx {
            shift,
            flags: 0,
            age_unit: None,
        };
        let version_id = obj
            .get("meta")
            .and_then(|m| m.get("versionId"))
            .and_then(Value::as_str)
            .map(|ver| self.pseudo.version_id(own_id, ver));
        let mut new_id = Some(self.pseudo_id(own_id));
        let mut last_updated = None;
        obj.retain(|k, val| match k.as_str() {
            "resourceType" => true,
            "id" => {
                *val = Value::String(new_id.take().unwrap_or_default());
                ctx.flags |= PSEUDED;
                true
            }
            "meta" => {
                last_updated = val.get_mut("lastUpdated").map(Value::take);
                false
            }
            _ => self.element(idx, k, val, &mut ctx),
        });
        let mut meta = Map::new();
        if let Some(ver) = version_id {
            meta.insert("versionId".into(), Value::String(ver));
        }
        if let Some(mut lu) = last_updated
            && self.apply_one(Treat::Date, &mut lu, &mut ctx)
        {
            meta.insert("lastUpdated".into(), lu);
        }
        meta.insert("tag".into(), self.meta.tag.clone());
        meta.insert(
            "security".into(),
            self.meta.security[usize::from(ctx.flags & 15)].clone(),
        );
        obj.insert("meta".into(), Value::Object(meta));
        true
    }

    /// A contained resource: its own type's rules, local id re-mapped, no meta.
    fn contained(&self, v: &mut Value, ctx: &mut Ctx) -> bool {
        let Some(obj) = v.as_object_mut() else {
            return false;
        };
        let rt = obj
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(&idx) = self.policy.rules.resources.get(&rt) else {
            ctx.flags |= REDACTED;
            return false;
        };
        obj.retain(|k, val| match k.as_str() {
            "resourceType" => true,
            "id" => match val.as_str().filter(|s| reference::is_id(s)) {
                Some(local) => {
                    *val = Value::String(self.pseudo.local_id(local));
                    ctx.flags |= PSEUDED;
                    true
                }
                None => false,
            },
            _ => self.element(idx, k, val, ctx),
        });
        true
    }

    fn element(&self, type_idx: u32, name: &str, val: &mut Value, ctx: &mut Ctx) -> bool {
        let keep = match self.policy.rules.types[type_idx as usize].get(name) {
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

    fn date(&self, s: &str, ctx: &mut Ctx) -> Option<String> {
        match self.policy.date_mode() {
            DateMode::Shift => {
                ctx.flags |= MASKED;
                dates::shift(s, ctx.shift)
            }
            DateMode::Year => {
                ctx.flags |= ABSTRED;
                dates::year(s)
            }
        }
    }

    fn set_string(v: &mut Value, out: Option<String>) -> bool {
        match out {
            Some(s) => {
                *v = Value::String(s);
                true
            }
            None => false,
        }
    }

    fn apply_one(&self, t: Treat, v: &mut Value, ctx: &mut Ctx) -> bool {
        match t {
            Treat::Keep => matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)),
            Treat::Drop => false,
            Treat::Date => {
                let out = v.as_str().and_then(|s| self.date(s, ctx));
                Self::set_string(v, out)
            }
            Treat::BirthDate => {
                let out = v.as_str().and_then(|s| {
                    let parsed = dates::parse(s)?;
                    let max_age = self.policy.max_age();
                    if dates::age_at(&parsed, self.reference_date) > i32::try_from(max_age).ok()? {
                        ctx.flags |= ABSTRED;
                        let year = self.reference_date.year() - i32::try_from(max_age).ok()? - 1;
                        Some(format!("{year:04}"))
                    } else {
                        self.date(s, ctx)
                    }
                });
                Self::set_string(v, out)
            }
            Treat::Zip => {
                ctx.flags |= ABSTRED;
                let out = v
                    .as_str()
                    .and_then(|s| generalize::zip3(s, &self.policy.rules.restricted_zip3));
                Self::set_string(v, out)
            }
            Treat::Age => match generalize::cap_age(v, ctx.age_unit, self.policy.max_age()) {
                Some((out, generalised)) => {
                    if generalised {
                        ctx.flags |= ABSTRED;
                    }
                    *v = out;
                    true
                }
                None => false,
            },
            Treat::Reference => {
                ctx.flags |= PSEUDED;
                let out = v
                    .as_str()
                    .and_then(|s| reference::rewrite_with(s, self.pseudo, |id| self.pseudo_id(id)));
                Self::set_string(v, out)
            }
            Treat::Contained => self.contained(v, ctx),
            Treat::Ext(set) => {
                let ty = v
                    .get("url")
                    .and_then(Value::as_str)
                    .and_then(|url| self.policy.rules.ext_type(set, url));
                match ty {
                    Some(ty) => self.object(ty, v, ctx),
                    None => false,
                }
            }
            Treat::Type(ty) => self.object(ty, v, ctx),
        }
    }

    fn object(&self, ty: u32, v: &mut Value, ctx: &mut Ctx) -> bool {
        let Some(map) = v.as_object_mut() else {
            return false;
        };
        // Age quantities: the unit code decides how the value reads in years.
        let saved = ctx.age_unit;
        ctx.age_unit = match map.get("code").and_then(Value::as_str) {
            Some("mo") => Some("mo"),
            Some("wk") => Some("wk"),
            Some("d") => Some("d"),
            Some("h") => Some("h"),
            Some("min") => Some("min"),
            _ => None,
        };
        map.retain(|k, val| self.element(ty, k, val, ctx));
        ctx.age_unit = saved;
        !map.is_empty()
    }
}
