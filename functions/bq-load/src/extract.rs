//! One de-identified FHIR resource -> one load-ready raw table row ([`crate::columns`]).
//!
//! Pure functions over `serde_json::Value`: no I/O, so every pick is unit-tested, and the same
//! rows load identically into the emulator and real BigQuery (no SQL-side JSON parsing).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use starvit_fhir::pick::{code, event_time, patient_id};
use starvit_fhir::time as fhirtime;

/// The lineage columns of every row of one object (identical on every row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowLineage {
    /// FHIR `$export` job id.
    pub export_job_id: Option<String>,
    /// Source (PHI staging) object the de-ID object came from.
    pub source_object: Option<String>,
    /// Its generation, as BigQuery's JSON form of INT64 (a decimal string).
    pub source_generation: Option<String>,
    /// `sha256:<hex>` of the de-ID policy.
    pub deid_policy_version: Option<String>,
    /// De-ID run id.
    pub deid_run_id: Option<String>,
    /// Base id of the load job (`bqload_<key>_load`).
    pub load_job_id: Option<String>,
    /// The export's `transactionTime`, UTC (the raw table's last column, see [`Row`]).
    #[serde(skip)]
    pub export_time: Option<String>,
}

/// One raw table row. Field order = the columns of [`crate::columns::RAW`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row<'a> {
    /// Pseudo id.
    pub id: &'a str,
    /// `meta.versionId`.
    pub version_id: Option<&'a str>,
    /// Pseudo patient id.
    pub patient_id: Option<&'a str>,
    /// Clinical time, UTC.
    pub event_time: Option<String>,
    /// Partition date: `DATE(event_time)`, null without a clinical time (deterministic per
    /// version: never the ingestion date, which differs between replays).
    pub partition_date: Option<String>,
    /// `meta.lastUpdated`, UTC (null under the shipped policies, which drop it).
    pub last_updated: Option<String>,
    /// Staging time.
    pub ingested_at: String,
    /// `system|code`.
    pub code: Option<String>,
    /// Lineage columns.
    #[serde(flatten)]
    pub lineage: &'a RowLineage,
    /// The resource.
    pub resource: &'a Value,
    /// The export's `transactionTime`: orders a resource's versions across exports.
    pub export_time: Option<&'a str>,
}

/// Why a line is not a usable FHIR resource. Static reasons only (never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Not a JSON object with a string `resourceType`.
    NotFhir,
    /// `resourceType` differs from the object's type.
    WrongType,
    /// No non-empty string `id`.
    NoId,
}

/// Build the row of `resource`, which must be a `resource_type` with an id.
///
/// # Errors
/// [`Reject`] when the resource is unusable.
pub fn row<'a>(
    resource: &'a Value,
    resource_type: &str,
    lineage: &'a RowLineage,
    ingested_at: DateTime<Utc>,
) -> Result<Row<'a>, Reject> {
    let ty = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or(Reject::NotFhir)?;
    if ty != resource_type {
        return Err(Reject::WrongType);
    }
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(Reject::NoId)?;
    let meta = resource.get("meta");
    let event = event_time(resource, resource_type);
    Ok(Row {
        id,
        version_id: meta
            .and_then(|m| m.get("versionId"))
            .and_then(Value::as_str),
        patient_id: patient_id(resource, resource_type),
        event_time: event.as_ref().map(fhirtime::timestamp),
        partition_date: event.as_ref().map(fhirtime::date),
        last_updated: meta
            .and_then(|m| m.get("lastUpdated"))
            .and_then(Value::as_str)
            .and_then(fhirtime::normalize),
        ingested_at: fhirtime::timestamp(&ingested_at),
        code: code(resource, resource_type),
        lineage,
        resource,
        export_time: lineage.export_time.as_deref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn et(r: &Value) -> Option<String> {
        let ty = r["resourceType"].as_str().unwrap();
        event_time(r, ty).as_ref().map(fhirtime::timestamp)
    }

    #[test]
    fn event_time_picks_per_type() {
        let cases = [
            (
                json!({"resourceType":"Observation","effectivePeriod":{"start":"2020-01-02"},"issued":"2021-01-01T00:00:00Z"}),
                Some("2020-01-02T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Observation","issued":"2021-01-01T05:00:00+05:00"}),
                Some("2021-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Observation","effectiveDateTime":"2019-03","issued":"2021"}),
                Some("2019-03-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Encounter","period":{"start":"2018-05-06T07:08:09Z"}}),
                Some("2018-05-06T07:08:09.000000Z"),
            ),
            (
                json!({"resourceType":"Condition","recordedDate":"2017"}),
                Some("2017-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Condition","onsetDateTime":"2016-02-03","recordedDate":"2017"}),
                Some("2016-02-03T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Procedure","performedPeriod":{"start":"2015-01-01"}}),
                Some("2015-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"MedicationRequest","authoredOn":"2014-06-07"}),
                Some("2014-06-07T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Immunization","occurrenceDateTime":"2013-01-01"}),
                Some("2013-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"DiagnosticReport","issued":"2012-01-01T00:00:00Z"}),
                Some("2012-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Claim","created":"2011-02","billablePeriod":{"start":"2011-01-01"}}),
                Some("2011-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"CarePlan","period":{"start":"2010-01-01"}}),
                Some("2010-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"AllergyIntolerance","onsetDateTime":"2009-01-01"}),
                Some("2009-01-01T00:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"DocumentReference","date":"2008-01-01T00:00:00-01:00"}),
                Some("2008-01-01T01:00:00.000000Z"),
            ),
            (
                json!({"resourceType":"Observation","effectiveDateTime":"not a date","issued":"2007"}),
                Some("2007-01-01T00:00:00.000000Z"),
            ),
            (json!({"resourceType":"Patient","birthDate":"1950"}), None),
            (json!({"resourceType":"Encounter"}), None),
        ];
        for (resource, want) in cases {
            assert_eq!(et(&resource).as_deref(), want, "{resource}");
        }
    }

    #[test]
    fn patient_id_from_every_reference_field() {
        let cases = [
            (json!({"resourceType":"Patient","id":"p0"}), Some("p0")),
            (
                json!({"resourceType":"Observation","subject":{"reference":"Patient/p1"}}),
                Some("p1"),
            ),
            (
                json!({"resourceType":"Immunization","patient":{"reference":"Patient/p2"}}),
                Some("p2"),
            ),
            (
                json!({"resourceType":"Coverage","beneficiary":{"reference":"Patient/p3"}}),
                Some("p3"),
            ),
            (
                json!({"resourceType":"ResearchSubject","individual":{"reference":"Patient/p4"}}),
                Some("p4"),
            ),
            (
                json!({"resourceType":"Account","subject":[{"reference":"Device/d"},{"reference":"Patient/p5"}]}),
                Some("p5"),
            ),
            (
                json!({"resourceType":"Observation","subject":{"reference":"https://x/fhir/R4/Patient/p6/_history/3"}}),
                Some("p6"),
            ),
            (
                json!({"resourceType":"Observation","subject":{"reference":"Group/g1"}}),
                None,
            ),
            (json!({"resourceType":"Practitioner","id":"x"}), None),
            // The R4 Patient compartment: Provenance belongs to the Patient it targets; a
            // Device is never in a patient's compartment; a performer is not the patient.
            (
                json!({"resourceType":"Provenance","target":[{"reference":"Encounter/e"},{"reference":"Patient/p7"}]}),
                Some("p7"),
            ),
            (
                json!({"resourceType":"Device","patient":{"reference":"Patient/p8"}}),
                None,
            ),
            (
                json!({"resourceType":"Observation","performer":[{"reference":"Patient/p9"}]}),
                None,
            ),
            (
                json!({"resourceType":"Coverage","subscriber":{"reference":"Patient/p10"},"beneficiary":{"reference":"Patient/p11"}}),
                Some("p11"),
            ),
        ];
        for (resource, want) in cases {
            let ty = resource["resourceType"].as_str().unwrap();
            assert_eq!(patient_id(&resource, ty), want, "{resource}");
        }
    }

    #[test]
    fn main_code_per_type() {
        let loinc = json!({"coding":[{"system":"http://loinc.org","code":"8867-4"},{"system":"x","code":"y"}]});
        let cases = [
            (
                json!({"resourceType":"Observation","code":loinc}),
                Some("http://loinc.org|8867-4"),
            ),
            (
                json!({"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]}}),
                Some("http://hl7.org/fhir/sid/cvx|140"),
            ),
            (
                json!({"resourceType":"MedicationRequest","medicationCodeableConcept":{"coding":[{"system":"rxnorm","code":"313782"}]}}),
                Some("rxnorm|313782"),
            ),
            (
                json!({"resourceType":"Encounter","type":[{"coding":[{"system":"sct","code":"185349003"}]}],"class":{"code":"AMB"}}),
                Some("sct|185349003"),
            ),
            (
                json!({"resourceType":"Encounter","class":{"system":"v3","code":"AMB"}}),
                Some("v3|AMB"),
            ),
            (
                json!({"resourceType":"Claim","type":{"coding":[{"code":"professional"}]}}),
                Some("|professional"),
            ),
            (
                json!({"resourceType":"CarePlan","category":[{"coding":[{"system":"sct","code":"734163000"}]}]}),
                Some("sct|734163000"),
            ),
            (json!({"resourceType":"Patient"}), None),
            (
                json!({"resourceType":"Observation","code":{"text":"free"}}),
                None,
            ),
        ];
        for (resource, want) in cases {
            let ty = resource["resourceType"].as_str().unwrap();
            assert_eq!(code(&resource, ty).as_deref(), want, "{resource}");
        }
    }

    #[test]
    fn rows_reject_what_is_not_fhir() {
        let l = RowLineage {
            export_job_id: None,
            source_object: None,
            source_generation: None,
            deid_policy_version: None,
            deid_run_id: None,
            load_job_id: None,
            export_time: None,
        };
        let now = Utc::now();
        let err = |v: Value| row(&v, "Observation", &l, now).map(|_| ()).unwrap_err();
        assert_eq!(err(json!([1])), Reject::NotFhir);
        assert_eq!(err(json!({"id":"a"})), Reject::NotFhir);
        assert_eq!(
            err(json!({"resourceType":"Patient","id":"a"})),
            Reject::WrongType
        );
        assert_eq!(err(json!({"resourceType":"Observation"})), Reject::NoId);
        assert_eq!(
            err(json!({"resourceType":"Observation","id":""})),
            Reject::NoId
        );
    }

    #[test]
    fn partition_is_the_event_date_or_null() {
        let l = RowLineage {
            export_job_id: None,
            source_object: None,
            source_generation: None,
            deid_policy_version: None,
            deid_run_id: None,
            load_job_id: None,
            export_time: None,
        };
        let now = fhirtime::parse("2026-11-02T10:00:00Z").unwrap();
        let p = json!({"resourceType":"Patient","id":"p","meta":{"versionId":"3","lastUpdated":"2026-11-01T00:00:00.5+01:00"}});
        let r = row(&p, "Patient", &l, now).unwrap();
        assert_eq!(r.partition_date, None, "never the ingestion date");
        assert_eq!(r.event_time, None);
        assert_eq!(r.version_id, Some("3"));
        assert_eq!(
            r.last_updated.as_deref(),
            Some("2026-10-31T23:00:00.500000Z")
        );
        let o = json!({"resourceType":"Observation","id":"o","effectiveDateTime":"2019-12-31T23:30:00-01:00"});
        assert_eq!(
            row(&o, "Observation", &l, now).unwrap().partition_date,
            Some("2020-01-01".to_owned())
        );
    }
}
