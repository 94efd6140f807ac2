//! Static vocabularies: people and places ([`people`]) and clinical codes ([`codes`]).
//!
//! Codes are real LOINC, SNOMED CT, RxNorm and CVX codes with their usual display strings; names and
//! places are common US ones. Nothing here is random: the generator picks from these tables with a
//! seeded RNG, so the tables' order is part of the determinism contract (append, do not reorder).

pub mod codes;
pub mod people;

/// Code system URIs used in codings.
pub mod system {
    /// LOINC.
    pub const LOINC: &str = "http://loinc.org";
    /// SNOMED CT.
    pub const SNOMED: &str = "http://snomed.info/sct";
    /// RxNorm.
    pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
    /// CVX vaccine codes.
    pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
    /// UCUM units.
    pub const UCUM: &str = "http://unitsofmeasure.org";
    /// US Social Security numbers.
    pub const SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
    /// US National Provider Identifier.
    pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
    /// The hospital's medical record numbers (used by conditional references).
    pub const MRN: &str = "http://hospital.example.org/mrn";
    /// The hospital's claim numbers.
    pub const CLAIM: &str = "http://hospital.example.org/claim";
    /// Payer member ids (Claim.insurance.coverage.identifier).
    pub const MEMBER: &str = "http://payer.example.org/member-id";
    /// HL7 v2 identifier types (MR, SS, DL, NPI).
    pub const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
}
