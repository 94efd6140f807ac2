//! The planted-identifier list: every identifying value the generator wrote, and where.
//!
//! The list is the ground truth for leak tests: after de-identification none of these values may
//! appear in the de-ID zone. It is written next to the NDJSON as `planted-identifiers.json`
//! (deliberately not `*.ndjson`, so pipelines that pick up NDJSON never read it).

use serde::{Deserialize, Serialize};

/// What kind of identifier a planted value is.
///
/// Serialized in `snake_case` (`postal_code`, `mothers_maiden_name`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlantedKind {
    /// A patient or contact `HumanName` part (given or family), or a patient `Reference.display`.
    Name,
    /// One `Address.line` entry.
    AddressLine,
    /// `Address.city`.
    City,
    /// `Address.postalCode` (five digits).
    PostalCode,
    /// A phone `ContactPoint.value`.
    Phone,
    /// An email `ContactPoint.value`.
    Email,
    /// Medical record number (`Identifier.value`, system `http://hospital.example.org/mrn`).
    Mrn,
    /// Social Security number (`http://hl7.org/fhir/sid/us-ssn`).
    Ssn,
    /// Driver's licence number.
    DriversLicense,
    /// `Patient.birthDate`.
    BirthDate,
    /// `Patient.deceasedDateTime`.
    DeceasedDate,
    /// `patient-mothersMaidenName` extension value.
    MothersMaidenName,
    /// City of the `patient-birthPlace` extension address.
    BirthPlace,
    /// `"lat,lon"` of a geolocation extension or `Location.position` (Rust `f64` display).
    Geolocation,
    /// A substring of free text (note, conclusion, attachment) that identifies a person or date.
    NoteFragment,
    /// A practitioner `HumanName` part or a practitioner `Reference.display`.
    PractitionerName,
    /// National Provider Identifier of a practitioner or organization.
    Npi,
    /// Claim number (`Claim.identifier`).
    ClaimNumber,
    /// Payer member id (`Claim.insurance.coverage.identifier`).
    MemberId,
}

/// One planted value and the resource that holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Planted {
    /// What the value is.
    pub kind: PlantedKind,
    /// The exact string as it appears in the resource (or, for geolocation, `"lat,lon"`).
    pub value: String,
    /// `resourceType` of the holder.
    pub resource_type: String,
    /// `id` of the holder.
    pub id: String,
}

impl Planted {
    /// A planted value held by `resource_type/id`.
    pub fn new(kind: PlantedKind, value: impl Into<String>, resource_type: &str, id: &str) -> Self {
        Self {
            kind,
            value: value.into(),
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
        }
    }
}

/// The content of `planted-identifiers.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlantedList {
    /// Seed the export was generated with.
    pub seed: u64,
    /// Number of patients.
    pub patients: u64,
    /// Every planted value, in generation order (pool first, then patient by patient).
    pub identifiers: Vec<Planted>,
}

impl PlantedList {
    /// Reads a `planted-identifiers.json` file.
    ///
    /// # Errors
    /// I/O errors and JSON that does not match the schema.
    pub fn read(path: &std::path::Path) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}
