//! What the walk knows about a resource before it starts ([`Head`]): its type rule, the
//! patient whose date shift it takes, the pseudonyms of its id and version, and which
//! contained resources are kept.

use super::*;

/// The date-shift key of a resource: the id of its patient, `None` for its own id.
fn patient_key<'v>(obj: impl Json<'v>, rt: &str) -> Option<&'v str> {
    if rt == "Patient" {
        return None;
    }
    starvit_fhir::patient_links(rt).iter().find_map(|field| {
        let r = obj.get(field)?;
        let first = if is_array(r) { r.items().next()? } else { r };
        first
            .get("reference")
            .and_then(Json::as_str)
            .and_then(reference::patient_id)
    })
}

/// What the walk needs to know about a resource before it starts.
pub(super) struct Head {
    /// Type rule index.
    pub(super) idx: u32,
    pub(super) shift: i64,
    pub(super) coded: Coded,
    /// Pseudonyms of `meta.versionId` and of the id.
    pub(super) version_id: Option<String>,
    pub(super) new_id: String,
    /// Input local ids of the contained resources that will be kept.
    pub(super) locals: Vec<String>,
}

impl Transformer<'_> {
    pub(super) fn shift_for<'v>(&self, obj: impl Json<'v>, rt: &str, own_id: &str) -> i64 {
        if self.policy.date_mode() == DateMode::Year {
            return 0;
        }
        let (min, max) = self.policy.shift_range();
        let key = match patient_key(obj, rt) {
            Some(id) => id.to_owned(),
            None if rt == "Patient" => own_id.to_owned(),
            // No patient: keyed on the resource's own id, in a separate namespace.
            None => format!("{rt}/{own_id}"),
        };
        self.memo
            .shift(&key, || self.pseudo.shift_days(&key, min, max))
    }

    /// De-identifies a top-level resource in place. Returns `false` when the policy does not
    /// keep its type (the caller drops it). The caller has checked `resourceType` and `id`.
    /// `open` receives every value the output copied from the input (cleared first): what
    /// the leak gate checks.
    pub fn resource(&self, v: &mut Value, open: &mut OpenValues) -> bool {
        open.clear();
        let Some(mut head) = self.head(&*v) else {
            return false;
        };
        let Some(obj) = v.as_object_mut() else {
            return false;
        };
        let mut new_id = Some(std::mem::take(&mut head.new_id));
        let version_id = head.version_id.take();
        let mut ctx = Ctx::new(open, &head);
        obj.retain(|k, val| match k.as_str() {
            "resourceType" => true,
            "id" => {
                *val = Value::String(new_id.take().unwrap_or_default());
                ctx.flags |= PSEUDED;
                true
            }
            "meta" => false,
            _ => self.element(head.idx, k, val, &mut ctx),
        });
        if self.ages_implied_by_dates(&ctx) {
            ctx.flags |= REDACTED;
            self.strip_ages(head.idx, obj);
        }
        let mut meta = Map::new();
        if let Some(ver) = version_id {
            meta.insert("versionId".into(), Value::String(ver));
        }
        meta.insert("tag".into(), self.meta.tag.clone());
        meta.insert(
            "security".into(),
            self.meta.security[usize::from(ctx.flags & 15)].clone(),
        );
        obj.insert("meta".into(), Value::Object(meta));
        true
    }

    /// The rule, shift, codes and pseudonyms of a top-level resource; `None` when the
    /// policy does not keep its type.
    pub(super) fn head<'v>(&self, r: impl Json<'v>) -> Option<Head> {
        let rt = r
            .get("resourceType")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let &idx = self.policy.rules.resources.get(rt)?;
        let own_id = r.get("id").and_then(Json::as_str).unwrap_or_default();
        Some(Head {
            idx,
            shift: self.shift_for(r, rt, own_id),
            coded: self.coded(r.get("code")),
            version_id: r
                .get("meta")
                .and_then(|m| m.get("versionId"))
                .and_then(Json::as_str)
                .map(|ver| self.pseudo.version_id(own_id, ver)),
            new_id: self.memo.id(own_id, || self.pseudo.id(own_id)),
            locals: self.kept_locals(idx, r),
        })
    }

    /// The type rule index and input local id of a contained resource that is kept: its
    /// type is kept by the policy and its id is a valid FHIR id (a contained resource can
    /// only be reached through its id). `None`: the contained resource is dropped, and so
    /// is every reference to it.
    pub(super) fn contained_target<'v>(&self, v: impl Json<'v>) -> Option<(u32, &'v str)> {
        if !v.is_object() {
            return None;
        }
        let rt = v.get("resourceType")?.as_str()?;
        let idx = *self.policy.rules.resources.get(rt)?;
        let local = v.get("id")?.as_str().filter(|s| reference::is_id(s))?;
        Some((idx, local))
    }

    /// Input local ids of the contained resources of a resource (type rule `idx`) that the
    /// walk will keep. Empty (no allocation) for the usual resource without `contained`.
    pub(super) fn kept_locals<'v>(&self, idx: u32, obj: impl Json<'v>) -> Vec<String> {
        let Some(contained) = obj.get("contained") else {
            return Vec::new();
        };
        if self.policy.rules.types[idx as usize].get("contained") != Some(Treat::Contained) {
            return Vec::new();
        }
        one_or_many(contained)
            .filter_map(|c| self.contained_target(c))
            .map(|(_, local)| local.to_owned())
            .collect()
    }
}
