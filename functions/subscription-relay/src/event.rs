//! The de-identified event published for one relayed resource: a small fixed envelope, not
//! the resource. Pattern B is for freshness; the full de-identified resource arrives through
//! the batch path (Pattern A), and the streaming table joins to it there on `id` +
//! `version_id`.
//!
//! Data (JSON): `event_id`, `resource_type`, pseudo `id`, pseudo `version_id`, pseudo
//! `patient_id`, shifted `event_time` (UTC), main `code` (`system|code`), `value` and `unit`
//! where the resource has a `valueQuantity`, `deid_policy_version`. The picks are the ones
//! bq-load uses for the raw tables' columns (`starvit_fhir::pick`), so an event and its row
//! say the same thing. Attributes: the lineage (`starvit_stage`, `starvit_pipeline`,
//! `starvit_deid_policy_version`) and `resource_type`. Nothing else: no original id, no PHI.
//!
//! `event_id` is a hash of de-identified values only (policy version, type, pseudo id, pseudo
//! version), so a redelivered notification of the same version yields the same id and consumers
//! (the streaming table, Pattern A's reconciliation) dedupe on it.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use starvit_fhir::pick;

/// One de-identified event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeidEvent {
    /// Deterministic id (see the module docs).
    pub event_id: String,
    /// Resource type.
    pub resource_type: String,
    /// Pseudonymous resource id.
    pub id: String,
    /// Pseudonymous `meta.versionId`, when the resource had one.
    pub version_id: Option<String>,
    /// Pseudonymous id of the resource's patient.
    pub patient_id: Option<String>,
    /// Shifted clinical time, UTC (`YYYY-MM-DDThh:mm:ss.ffffffZ`).
    pub event_time: Option<String>,
    /// Main code, `system|code`.
    pub code: Option<String>,
    /// `valueQuantity.value`.
    pub value: Option<Value>,
    /// `valueQuantity.code`, else `.unit` (both shape-checked by the engine).
    pub unit: Option<String>,
    /// The policy that de-identified it.
    pub deid_policy_version: String,
}

/// Build the event of a de-identified resource.
///
/// # Errors
/// When the de-identified resource lacks a type or id (the engine always keeps both).
pub fn build(resource: &Value, policy_version: &str) -> Result<DeidEvent, &'static str> {
    let resource_type = resource["resourceType"]
        .as_str()
        .ok_or("no resourceType")?
        .to_owned();
    let id = resource["id"].as_str().ok_or("no id")?.to_owned();
    let version_id = resource["meta"]["versionId"].as_str().map(str::to_owned);
    let mut h = Sha256::new();
    for part in [
        policy_version,
        &resource_type,
        &id,
        version_id.as_deref().unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let quantity = resource.get("valueQuantity");
    Ok(DeidEvent {
        event_id: hex::encode(h.finalize())[..32].to_owned(),
        patient_id: pick::patient_id(resource, &resource_type).map(str::to_owned),
        event_time: pick::event_time(resource, &resource_type)
            .as_ref()
            .map(starvit_fhir::time::timestamp),
        code: pick::code(resource, &resource_type),
        value: quantity
            .and_then(|q| q.get("value"))
            .filter(|v| v.is_number())
            .cloned(),
        unit: quantity
            .and_then(|q| q.get("code").or_else(|| q.get("unit")))
            .and_then(Value::as_str)
            .map(str::to_owned),
        resource_type,
        id,
        version_id,
        deid_policy_version: policy_version.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_per_version() {
        let r = |v: &str| serde_json::json!({"resourceType": "Observation", "id": "x", "meta": {"versionId": v}});
        let a = build(&r("1"), "sha256:p").unwrap();
        assert_eq!(a, build(&r("1"), "sha256:p").unwrap());
        assert_ne!(a.event_id, build(&r("2"), "sha256:p").unwrap().event_id);
        assert_ne!(a.event_id, build(&r("1"), "sha256:q").unwrap().event_id);
        assert_eq!(a.version_id.as_deref(), Some("1"));
        assert!(build(&serde_json::json!({"id": "x"}), "p").is_err());
    }

    #[test]
    fn the_envelope_holds_the_picks_and_nothing_else() {
        let obs = serde_json::json!({
            "resourceType": "Observation", "id": "o", "meta": {"versionId": "v"},
            "subject": {"reference": "Patient/p"},
            "effectiveDateTime": "2020-01-02T03:04:05+01:00",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "valueQuantity": {"value": 6.1, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
            "status": "final", "category": [{"coding": [{"code": "laboratory"}]}]
        });
        let e = build(&obs, "sha256:p").unwrap();
        assert_eq!(e.patient_id.as_deref(), Some("p"));
        assert_eq!(e.event_time.as_deref(), Some("2020-01-02T02:04:05.000000Z"));
        assert_eq!(e.code.as_deref(), Some("http://loinc.org|4548-4"));
        assert_eq!(e.value, Some(serde_json::json!(6.1)));
        assert_eq!(e.unit.as_deref(), Some("%"));
        let keys: Vec<String> = serde_json::to_value(&e)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys.len(), 10, "a fixed envelope: {keys:?}");
        assert!(!keys.contains(&"resource".to_owned()));
    }
}
