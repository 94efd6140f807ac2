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
//!
//! Contained resources (fail closed, local references always resolve): a contained
//! resource is kept only when its container's rules keep `contained`, the policy keeps its
//! type and it has a valid local id ([`Transformer::contained_target`], the one decision
//! used for both the resource and the references to it); it is walked with its own
//! type's rules and loses its own `contained` (FHIR forbids nesting) and `meta`. Every
//! `#id` reference (in the container or in a sibling contained resource) whose target was
//! not kept is removed together with its whole `Reference` element (its `type` or
//! `identifier` would otherwise survive as a half reference); a parent left empty is
//! pruned like any other emptied element.

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
struct Ctx<'c> {
    shift: i64,
    flags: u8,
    /// UCUM unit code of the enclosing Age (None = years).
    age_unit: Option<&'static str>,
    /// Input local ids of the contained resources that will be kept (targets of `#id`).
    locals: &'c [String],
    /// Set by a `#id` reference whose target is not kept: the enclosing object (the
    /// `Reference`) must be dropped whole. Scoped to one object by [`Transformer::object`].
    dangling: bool,
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
        let locals = self.kept_locals(idx, obj);
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
            locals: &locals,
            dangling: false,
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

    /// The type rule index and input local id of a contained resource that is kept: its
    /// type is kept by the policy and its id is a valid FHIR id (a contained resource can
    /// only be reached through its id). `None`: the contained resource is dropped, and so
    /// is every reference to it.
    fn contained_target<'v>(&self, v: &'v Value) -> Option<(u32, &'v str)> {
        let obj = v.as_object()?;
        let rt = obj.get("resourceType")?.as_str()?;
        let idx = *self.policy.rules.resources.get(rt)?;
        let local = obj.get("id")?.as_str().filter(|s| reference::is_id(s))?;
        Some((idx, local))
    }

    /// Input local ids of the contained resources of a resource (type rule `idx`) that the
    /// walk will keep. Empty (no allocation) for the usual resource without `contained`.
    fn kept_locals(&self, idx: u32, obj: &Map<String, Value>) -> Vec<String> {
        let items = match obj.get("contained") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(one) => std::slice::from_ref(one),
            None => return Vec::new(),
        };
        if self.policy.rules.types[idx as usize].get("contained") != Some(Treat::Contained) {
            return Vec::new();
        }
        items
            .iter()
            .filter_map(|c| self.contained_target(c))
            .map(|(_, local)| local.to_owned())
            .collect()
    }

    /// A contained resource: its own type's rules, local id re-mapped, no meta, no nested
    /// `contained`. Dropped exactly when [`Self::contained_target`] says so.
    fn contained(&self, v: &mut Value, ctx: &mut Ctx) -> bool {
        let Some((idx, local)) = self.contained_target(v) else {
            ctx.flags |= REDACTED;
            return false;
        };
        let mut new_id = Some(self.pseudo.local_id(local));
        let Some(obj) = v.as_object_mut() else {
            return false;
        };
        let outer = std::mem::replace(&mut ctx.dangling, false);
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
                let out = v.as_str().and_then(|s| {
                    // `#id` to a contained resource that is not kept (or not there): the
                    // whole Reference goes (see `object`). `#` (the container) resolves.
                    if let Some(local) = s.strip_prefix('#')
                        && !local.is_empty()
                        && !ctx.locals.iter().any(|l| l == local)
                    {
                        ctx.dangling = true;
                        return None;
                    }
                    reference::rewrite_with(s, self.pseudo, |id| self.pseudo_id(id))
                });
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
        let outer = std::mem::replace(&mut ctx.dangling, false);
        map.retain(|k, val| self.element(ty, k, val, ctx));
        ctx.age_unit = saved;
        if std::mem::replace(&mut ctx.dangling, outer) {
            // A Reference to a contained resource that was not kept: drop it whole.
            ctx.flags |= REDACTED;
            return false;
        }
        !map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Key;

    /// De-identifies one resource with the builtin `shifted` policy.
    fn run(input: Value) -> (Value, Pseudonymizer) {
        let policy = Policy::builtin("shifted").unwrap();
        let pseudo =
            Pseudonymizer::new(&Key::from_bytes(b"transform-unit-test-key".to_vec()).unwrap());
        let meta = MetaParts::new(&policy);
        let reference_date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut v = input;
        assert!(Transformer::new(&policy, &pseudo, reference_date, &meta).resource(&mut v));
        (v, pseudo)
    }

    fn security(v: &Value) -> Vec<&str> {
        v["meta"]["security"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect()
    }

    #[test]
    fn contained_of_a_dropped_type_takes_its_references_with_it() {
        // Specimen is not kept by the rules; Observation is. Every Reference to `#sp` goes
        // whole (its `type` too), an array left empty goes, a parent left empty goes.
        let (out, p) = run(json!({
            "resourceType": "DiagnosticReport",
            "id": "dr-1",
            "contained": [
                {"resourceType": "Specimen", "id": "sp", "accessionIdentifier": {"value": "ACC-1"}},
                {"resourceType": "Observation", "id": "o1", "status": "final",
                 "specimen": {"reference": "#sp", "type": "Specimen"},
                 "hasMember": [{"reference": "#o1"}, {"reference": "#"}]}
            ],
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "specimen": [{"reference": "#sp", "type": "Specimen", "display": "blood"}],
            "result": [{"reference": "#sp", "type": "Specimen"}, {"reference": "#o1", "type": "Observation"}],
            "media": [{"link": {"reference": "#sp", "type": "Specimen"}}]
        }));
        let contained = out["contained"].as_array().unwrap();
        assert_eq!(contained.len(), 1, "{out}");
        let o1 = format!("#{}", p.local_id("o1"));
        assert_eq!(contained[0]["resourceType"], "Observation");
        assert_eq!(contained[0]["id"], p.local_id("o1"));
        assert!(out.get("specimen").is_none(), "{out}");
        assert_eq!(
            out["result"],
            json!([{"reference": o1, "type": "Observation"}])
        );
        assert!(
            out.get("media").is_none(),
            "parent emptied by the drop is pruned: {out}"
        );
        // Inside a kept contained resource the same rule holds; `#` and siblings resolve.
        assert!(contained[0].get("specimen").is_none(), "{out}");
        assert_eq!(
            contained[0]["hasMember"],
            json!([{"reference": o1}, {"reference": "#"}])
        );
        assert!(!out.to_string().contains("ACC-1"));
        assert!(security(&out).contains(&"REDACTED"));
    }

    #[test]
    fn local_reference_without_a_kept_target_is_dropped() {
        // No `contained` at all, an invalid contained id, a contained resource with no id,
        // and a container whose rules do not keep `contained` (Device).
        let (out, _) = run(json!({
            "resourceType": "MedicationRequest",
            "id": "mr-1",
            "contained": [
                {"resourceType": "Medication", "code": {"coding": [{"code": "1"}]}},
                {"resourceType": "Medication", "id": "bad id", "code": {"coding": [{"code": "2"}]}}
            ],
            "status": "active",
            "medicationReference": {"reference": "#bad id", "type": "Medication"},
            "reasonReference": [{"reference": "#gone"}],
            "subject": {"reference": "Patient/p1"}
        }));
        assert!(out.get("contained").is_none(), "{out}");
        assert!(out.get("medicationReference").is_none(), "{out}");
        assert!(out.get("reasonReference").is_none(), "{out}");
        assert!(
            out["subject"]["reference"]
                .as_str()
                .unwrap()
                .starts_with("Patient/")
        );
        let (dev, _) = run(json!({
            "resourceType": "Device",
            "id": "dev-1",
            "contained": [{"resourceType": "Organization", "id": "org"}],
            "owner": {"reference": "#org", "type": "Organization"},
            "status": "active"
        }));
        assert!(
            dev.get("contained").is_none() && dev.get("owner").is_none(),
            "{dev}"
        );
    }

    #[test]
    fn contained_medication_keeps_its_codes_and_loses_identifiers() {
        let (out, p) = run(json!({
            "resourceType": "MedicationRequest",
            "id": "mr-2",
            "contained": [{
                "resourceType": "Medication",
                "id": "med1",
                "meta": {"source": "#pharmacy-feed"},
                "text": {"status": "generated", "div": "<div>Amoxicillin for J. Doe</div>"},
                "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "308182", "display": "Amoxicillin 250 MG"}], "text": "amox"},
                "status": "active",
                "manufacturer": {"reference": "Organization/mfr-1", "display": "Acme Pharma"},
                "form": {"coding": [{"system": "http://snomed.info/sct", "code": "385055001"}]},
                "amount": {"numerator": {"value": 30, "unit": "tablet"}, "denominator": {"value": 1}},
                "ingredient": [{
                    "itemCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "723"}]},
                    "isActive": true,
                    "strength": {"numerator": {"value": 250, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
                                 "denominator": {"value": 1, "unit": "TAB"}}
                }],
                "batch": {"lotNumber": "LOT-7781-X", "expirationDate": "2027-03-31"},
                "contained": [{"resourceType": "Organization", "id": "nested"}]
            }],
            "status": "active",
            "intent": "order",
            "medicationReference": {"reference": "#med1", "display": "Amoxicillin"},
            "subject": {"reference": "Patient/p1"}
        }));
        let med = &out["contained"][0];
        assert_eq!(
            out["medicationReference"],
            json!({"reference": format!("#{}", p.local_id("med1"))})
        );
        assert_eq!(med["id"], p.local_id("med1"));
        assert_eq!(
            med["code"],
            json!({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "308182"}]})
        );
        assert_eq!(med["status"], "active");
        assert_eq!(med["form"]["coding"][0]["code"], "385055001");
        assert_eq!(med["amount"]["numerator"]["value"], 30);
        assert_eq!(
            med["ingredient"][0]["itemCodeableConcept"]["coding"][0]["code"],
            "723"
        );
        assert_eq!(med["ingredient"][0]["isActive"], true);
        assert_eq!(med["ingredient"][0]["strength"]["numerator"]["value"], 250);
        assert_eq!(
            med["manufacturer"],
            json!({"reference": format!("Organization/{}", p.id("mfr-1"))})
        );
        for gone in ["batch", "meta", "text", "contained"] {
            assert!(med.get(gone).is_none(), "{gone}: {med}");
        }
        let text = out.to_string();
        for secret in [
            "LOT-7781-X",
            "2027-03-31",
            "Acme",
            "Doe",
            "pharmacy-feed",
            "nested",
        ] {
            assert!(!text.contains(secret), "{secret} survived: {text}");
        }
    }
}
