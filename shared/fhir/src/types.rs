//! The per-type table: vocabulary data, one entry per resource type the project knows.
//!
//! Adding a resource type is one entry here (plus its de-ID rules in `policies/rules-r4.toml`,
//! and tests): its patient link must agree with the R4 Patient compartment, which
//! `tests/r4_patient_compartment.rs` checks against a transcription of the standard.
//!
//! - `patient_links`: see the crate docs for the rule.
//! - `event_time`: the clinical time (when it happened, else when it was recorded or ordered);
//!   `[x]` choices are spelt out (`effectiveDateTime`, `effectivePeriod.start`).
//! - `main_code`: the CodeableConcept (or Coding) that says what the record is; types whose
//!   elements carry no code list none.

/// What the project knows about one resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// The type name (`Observation`).
    pub name: &'static str,
    /// Elements whose reference names the record's patient, in priority order.
    pub patient_links: &'static [&'static str],
    /// Dotted paths of the clinical time, tried in order.
    pub event_time: &'static [&'static str],
    /// Dotted paths of the main code, tried in order.
    pub main_code: &'static [&'static str],
}

/// Every known type, sorted by name (a unit test keeps it sorted: lookups binary-search it).
pub const TYPES: &[ResourceType] = &[
    ResourceType {
        name: "Account",
        patient_links: &["subject"],
        event_time: &[],
        main_code: &["type"],
    },
    ResourceType {
        name: "AllergyIntolerance",
        patient_links: &["patient"],
        event_time: &["recordedDate", "onsetDateTime", "onsetPeriod.start"],
        main_code: &["code"],
    },
    ResourceType {
        name: "Appointment",
        patient_links: &[],
        event_time: &["start"],
        main_code: &[],
    },
    ResourceType {
        name: "CarePlan",
        patient_links: &["subject"],
        event_time: &["period.start"],
        main_code: &["category"],
    },
    ResourceType {
        name: "CareTeam",
        patient_links: &["subject"],
        event_time: &["period.start"],
        main_code: &["category"],
    },
    ResourceType {
        name: "Claim",
        patient_links: &["patient"],
        event_time: &["billablePeriod.start", "created"],
        main_code: &["type"],
    },
    ResourceType {
        name: "Composition",
        patient_links: &["subject"],
        event_time: &["date"],
        main_code: &["type", "category"],
    },
    ResourceType {
        name: "Condition",
        patient_links: &["subject"],
        event_time: &[
            "onsetDateTime",
            "onsetPeriod.start",
            "recordedDate",
            "abatementDateTime",
        ],
        main_code: &["code", "category"],
    },
    ResourceType {
        name: "Consent",
        patient_links: &["patient"],
        event_time: &["dateTime"],
        main_code: &["category"],
    },
    ResourceType {
        name: "Coverage",
        patient_links: &["beneficiary"],
        event_time: &["period.start"],
        main_code: &["type"],
    },
    ResourceType {
        name: "Device",
        patient_links: &[],
        event_time: &[],
        main_code: &["type"],
    },
    ResourceType {
        name: "DiagnosticReport",
        patient_links: &["subject"],
        event_time: &["effectiveDateTime", "effectivePeriod.start", "issued"],
        main_code: &["code", "category"],
    },
    ResourceType {
        name: "DocumentReference",
        patient_links: &["subject"],
        event_time: &["date"],
        main_code: &["type"],
    },
    ResourceType {
        name: "Encounter",
        patient_links: &["subject"],
        event_time: &["period.start"],
        main_code: &["type", "class"],
    },
    ResourceType {
        name: "EpisodeOfCare",
        patient_links: &["patient"],
        event_time: &["period.start"],
        main_code: &["type"],
    },
    ResourceType {
        name: "ExplanationOfBenefit",
        patient_links: &["patient"],
        event_time: &["billablePeriod.start", "created"],
        main_code: &["type"],
    },
    ResourceType {
        name: "FamilyMemberHistory",
        patient_links: &["patient"],
        event_time: &["date"],
        main_code: &[],
    },
    ResourceType {
        name: "Goal",
        patient_links: &["subject"],
        event_time: &["startDate", "statusDate"],
        main_code: &["category"],
    },
    ResourceType {
        name: "ImagingStudy",
        patient_links: &["subject"],
        event_time: &["started"],
        main_code: &["modality", "procedureCode"],
    },
    ResourceType {
        name: "Immunization",
        patient_links: &["patient"],
        event_time: &["occurrenceDateTime", "recorded"],
        main_code: &["vaccineCode"],
    },
    ResourceType {
        name: "Location",
        patient_links: &[],
        event_time: &[],
        main_code: &["type"],
    },
    ResourceType {
        name: "Media",
        patient_links: &["subject"],
        event_time: &["createdDateTime", "issued"],
        main_code: &["type"],
    },
    ResourceType {
        name: "Medication",
        patient_links: &[],
        event_time: &[],
        main_code: &["code"],
    },
    ResourceType {
        name: "MedicationAdministration",
        patient_links: &["subject"],
        event_time: &["effectiveDateTime", "effectivePeriod.start"],
        main_code: &["medicationCodeableConcept"],
    },
    ResourceType {
        name: "MedicationDispense",
        patient_links: &["subject"],
        event_time: &["whenHandedOver", "whenPrepared"],
        main_code: &["medicationCodeableConcept"],
    },
    ResourceType {
        name: "MedicationRequest",
        patient_links: &["subject"],
        event_time: &["authoredOn"],
        main_code: &["medicationCodeableConcept"],
    },
    ResourceType {
        name: "MedicationStatement",
        patient_links: &["subject"],
        event_time: &["effectiveDateTime", "effectivePeriod.start", "dateAsserted"],
        main_code: &["medicationCodeableConcept"],
    },
    ResourceType {
        name: "Observation",
        patient_links: &["subject"],
        event_time: &[
            "effectiveDateTime",
            "effectivePeriod.start",
            "effectiveInstant",
            "issued",
        ],
        main_code: &["code", "category"],
    },
    ResourceType {
        name: "Organization",
        patient_links: &[],
        event_time: &[],
        main_code: &["type"],
    },
    ResourceType {
        name: "Patient",
        patient_links: &[],
        event_time: &[],
        main_code: &[],
    },
    ResourceType {
        name: "Practitioner",
        patient_links: &[],
        event_time: &[],
        main_code: &[],
    },
    ResourceType {
        name: "PractitionerRole",
        patient_links: &[],
        event_time: &[],
        main_code: &["code"],
    },
    ResourceType {
        name: "Procedure",
        patient_links: &["subject"],
        event_time: &["performedDateTime", "performedPeriod.start"],
        main_code: &["code", "category"],
    },
    ResourceType {
        name: "Provenance",
        patient_links: &["target"],
        event_time: &["recorded", "occurredDateTime"],
        main_code: &[],
    },
    ResourceType {
        name: "QuestionnaireResponse",
        patient_links: &["subject"],
        event_time: &["authored"],
        main_code: &[],
    },
    ResourceType {
        name: "RelatedPerson",
        patient_links: &["patient"],
        event_time: &[],
        main_code: &[],
    },
    ResourceType {
        name: "ResearchSubject",
        patient_links: &["individual"],
        event_time: &[],
        main_code: &[],
    },
    ResourceType {
        name: "RiskAssessment",
        patient_links: &["subject"],
        event_time: &["occurrenceDateTime"],
        main_code: &["code"],
    },
    ResourceType {
        name: "ServiceRequest",
        patient_links: &["subject"],
        event_time: &["authoredOn", "occurrenceDateTime", "occurrencePeriod.start"],
        main_code: &["code", "category"],
    },
    ResourceType {
        name: "Specimen",
        patient_links: &["subject"],
        event_time: &["collection.collectedDateTime", "receivedTime"],
        main_code: &["type"],
    },
    ResourceType {
        name: "SupplyDelivery",
        patient_links: &["patient"],
        event_time: &["occurrenceDateTime"],
        main_code: &["type"],
    },
];
