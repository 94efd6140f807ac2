//! The raw de-ID tables: one per resource type in the raw dataset, and the per-type rules that
//! fill their columns (used by [`crate::extract`]).
//!
//! | column | type | from |
//! |---|---|---|
//! | `id` | STRING NOT NULL | `Resource.id` (a pseudonym) |
//! | `version_id` | STRING | `meta.versionId` (`id` + `version_id` is the dedupe key) |
//! | `patient_id` | STRING | pseudo id of the patient: `id` for `Patient`, else the first of [`PATIENT_FIELDS`] that references `Patient/<id>` |
//! | `event_time` | TIMESTAMP | first present of [`event_time_paths`] for the type, shifted clinical time, UTC |
//! | `partition_date` | DATE NOT NULL | `DATE(event_time)`, else `DATE(ingested_at)` — the partitioning column |
//! | `last_updated` | TIMESTAMP | `meta.lastUpdated` |
//! | `ingested_at` | TIMESTAMP NOT NULL | when `bq-load` staged the object (real time, not shifted) |
//! | `code` | STRING | main code `system\|code` of the first coding of the first of [`code_paths`]; `\|code` without a system |
//! | `export_job_id` .. `load_job_id` | STRING / INT64 | the lineage of the object ([`LINEAGE_COLUMNS`]) |
//! | `resource` | JSON | the whole de-identified resource |
//!
//! Partitioned by `partition_date`, clustered by `patient_id, code`. Times are normalised by
//! [`crate::fhirtime`] (partial dates are the start of their period).

use starvit_gcp::bigquery::spec::Field;

/// `(name, BigQuery type, mode)` of every raw table column, in row order.
pub const RAW_COLUMNS: [(&str, &str, &str); 15] = [
    ("id", "STRING", "REQUIRED"),
    ("version_id", "STRING", "NULLABLE"),
    ("patient_id", "STRING", "NULLABLE"),
    ("event_time", "TIMESTAMP", "NULLABLE"),
    ("partition_date", "DATE", "REQUIRED"),
    ("last_updated", "TIMESTAMP", "NULLABLE"),
    ("ingested_at", "TIMESTAMP", "REQUIRED"),
    ("code", "STRING", "NULLABLE"),
    ("export_job_id", "STRING", "NULLABLE"),
    ("source_object", "STRING", "NULLABLE"),
    ("source_generation", "INT64", "NULLABLE"),
    ("deid_policy_version", "STRING", "NULLABLE"),
    ("deid_run_id", "STRING", "NULLABLE"),
    ("load_job_id", "STRING", "NULLABLE"),
    ("resource", "JSON", "NULLABLE"),
];

/// The lineage columns of a raw row.
pub const LINEAGE_COLUMNS: [&str; 6] = [
    "export_job_id",
    "source_object",
    "source_generation",
    "deid_policy_version",
    "deid_run_id",
    "load_job_id",
];

/// Columns of `deid_policy_versions`: one row per policy version, written once.
/// `policy_text` is the policy's files concatenated in hash order, each after a
/// `# ---- <file name> ----` header; `sources` is `[{name, text}]`. Both are null when the
/// version is not one this deployment can resolve (see [`crate::policy`]).
pub const POLICY_COLUMNS: [(&str, &str, &str); 5] = [
    ("policy_version", "STRING", "REQUIRED"),
    ("profile", "STRING", "NULLABLE"),
    ("policy_text", "STRING", "NULLABLE"),
    ("sources", "JSON", "NULLABLE"),
    ("recorded_at", "TIMESTAMP", "REQUIRED"),
];

/// The lineage table has `starvit_lineage::row::TABLE_SCHEMA` plus this column.
pub const LINEAGE_RECORDED_AT: (&str, &str, &str) = ("recorded_at", "TIMESTAMP", "REQUIRED");

/// Load-job schema of a column list.
pub fn load_schema(columns: &[(&str, &str, &str)]) -> Vec<Field> {
    columns
        .iter()
        .map(|(name, ty, mode)| Field {
            name: (*name).to_owned(),
            field_type: (*ty).to_owned(),
            mode: (*mode).to_owned(),
        })
        .collect()
}

/// Reference fields that point at the patient, tried in order.
pub const PATIENT_FIELDS: [&str; 5] = ["subject", "patient", "beneficiary", "individual", "who"];

/// Where the clinical time of a resource type lives, tried in order (dotted paths; the first
/// element of an array is used). Types without an entry (Patient, Practitioner, ...) have a null
/// `event_time`.
pub fn event_time_paths(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Observation" => &[
            "effectiveDateTime",
            "effectivePeriod.start",
            "effectiveInstant",
            "issued",
        ],
        "Encounter" | "CarePlan" | "CareTeam" | "Coverage" | "EpisodeOfCare" => &["period.start"],
        "Condition" => &[
            "onsetDateTime",
            "onsetPeriod.start",
            "recordedDate",
            "abatementDateTime",
        ],
        "Procedure" => &["performedDateTime", "performedPeriod.start"],
        "MedicationRequest" | "ServiceRequest" => &["authoredOn", "occurrenceDateTime"],
        "MedicationAdministration" => &["effectiveDateTime", "effectivePeriod.start"],
        "MedicationStatement" => &["effectiveDateTime", "effectivePeriod.start", "dateAsserted"],
        "MedicationDispense" => &["whenHandedOver", "whenPrepared"],
        "Immunization" => &["occurrenceDateTime", "recorded"],
        "DiagnosticReport" => &["effectiveDateTime", "effectivePeriod.start", "issued"],
        "Claim" | "ExplanationOfBenefit" => &["billablePeriod.start", "created"],
        "AllergyIntolerance" => &["recordedDate", "onsetDateTime", "onsetPeriod.start"],
        "DocumentReference" | "Composition" | "FamilyMemberHistory" => &["date"],
        "ImagingStudy" => &["started"],
        "Goal" => &["startDate", "statusDate"],
        "Provenance" => &["recorded", "occurredDateTime"],
        "SupplyDelivery" | "RiskAssessment" => &["occurrenceDateTime"],
        "Consent" => &["dateTime"],
        "Specimen" => &["collection.collectedDateTime", "receivedTime"],
        "QuestionnaireResponse" => &["authored"],
        "Media" => &["createdDateTime", "issued"],
        "Appointment" => &["start"],
        _ => &[],
    }
}

/// Where the main code of a resource type lives, tried in order. A value may be a
/// CodeableConcept, an array of them (first used) or a Coding.
pub fn code_paths(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "Immunization" => &["vaccineCode"],
        "MedicationRequest"
        | "MedicationAdministration"
        | "MedicationStatement"
        | "MedicationDispense" => &["medicationCodeableConcept"],
        "Encounter" => &["type", "class"],
        "Claim" | "ExplanationOfBenefit" | "DocumentReference" | "Coverage" | "Device" => &["type"],
        "CarePlan" | "CareTeam" => &["category"],
        "ImagingStudy" => &["modality", "procedureCode"],
        _ => &["code", "type", "category"],
    }
}
