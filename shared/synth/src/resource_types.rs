//! The resource types the generator writes ([`RESOURCE_TYPES`]) and their indices ([`types`]).

/// Every resource type the generator writes, sorted.
pub const RESOURCE_TYPES: [&str; 15] = [
    "AllergyIntolerance",
    "CarePlan",
    "Claim",
    "Condition",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "Immunization",
    "Location",
    "MedicationRequest",
    "Observation",
    "Organization",
    "Patient",
    "Practitioner",
    "Procedure",
];

/// Indices of resource types in [`RESOURCE_TYPES`].
pub mod types {
    /// `AllergyIntolerance`.
    pub const ALLERGY_INTOLERANCE: usize = 0;
    /// `CarePlan`.
    pub const CARE_PLAN: usize = 1;
    /// `Claim`.
    pub const CLAIM: usize = 2;
    /// `Condition`.
    pub const CONDITION: usize = 3;
    /// `DiagnosticReport`.
    pub const DIAGNOSTIC_REPORT: usize = 4;
    /// `DocumentReference`.
    pub const DOCUMENT_REFERENCE: usize = 5;
    /// `Encounter`.
    pub const ENCOUNTER: usize = 6;
    /// `Immunization`.
    pub const IMMUNIZATION: usize = 7;
    /// `MedicationRequest`.
    pub const MEDICATION_REQUEST: usize = 9;
    /// `Observation`.
    pub const OBSERVATION: usize = 10;
    /// `Procedure`.
    pub const PROCEDURE: usize = 14;
}
