//! `starvit-fhir`: the one home of what Starvit knows about FHIR R4 resource types.
//!
//! Every function crate and the de-ID engine ask this crate, never a list of their own:
//! - which names are FHIR R4 resource types ([`is_resource_type`]) and which of them the project
//!   knows ([`resource_type_known`], [`known_types`]);
//! - the **patient link** of a type ([`patient_links`]): the element(s) whose reference names the
//!   patient the record belongs to, taken from FHIR R4's Patient CompartmentDefinition (pinned by
//!   `tests/r4_patient_compartment.rs`); it keys the de-ID date shift and fills `patient_id`;
//! - the **event time** of a type ([`event_time_paths`]): where its clinical time lives;
//! - the **main code** of a type ([`code_paths`]): the CodeableConcept that says what it is;
//! - the **type-name rule** ([`type_name_ok`]) and the **reference form** of a patient
//!   ([`reference::patient_id`]).
//!
//! # The patient-link rule
//! The R4 Patient compartment lists, per resource type, the search parameters through which a
//! record can belong to a patient's compartment. Some name the party the record is *about*
//! (parameter codes `patient`, `subject`, `beneficiary`, `individual`); the others name a role a
//! patient may *play* in someone else's record (`performer`, `author`, `recorder`, `asserter`,
//! `participant`, `actor`, `sender`, `recipient`, `requester`, `payee`, `payor`, `subscriber`,
//! `policy-holder`, `source`, `attester`, `receiver`, `member`). The patient link of a type is the
//! element paths of its *about* parameters, resolved through the R4 search parameter
//! expressions (`Condition.subject.where(resolve() is Patient)` -> `subject`), in compartment
//! order, deduplicated. So Observation -> `subject` (not `performer`), Coverage -> `beneficiary`
//! (not `subscriber`/`policyHolder`/`payor`), Provenance -> `target`, and a type outside the
//! compartment (Practitioner, Organization, Location, Medication, Device) or with only role
//! parameters (Appointment: `actor`) has none. A link is used only where its reference points
//! at a `Patient` (the `where(resolve() is Patient)` of the standard); an element may hold an
//! array (Provenance.target), and the first reference to a Patient wins.
//! `Patient` itself has no link: a Patient is its own compartment.
//!
//! # Module map
//! - [`types`]     the per-type table (vocabulary data) and its lookups.
//! - [`name`]      the resource type name rule.
//! - [`r4`]        the 145 resource types of FHIR R4 ([`is_resource_type`]).
//! - [`reference`] the literal reference forms that name a patient.
//! - [`pick`]      the values at those paths in a resource: patient id, event time, main code.
//! - [`time`]      FHIR partial dates / zoned date-times -> UTC instants and BigQuery strings.

pub mod name;
pub mod pick;
pub mod r4;
pub mod reference;
pub mod time;
pub mod types;

pub use name::type_name_ok;
pub use r4::{R4_RESOURCE_TYPES, is_resource_type, resource_type_index};
pub use types::{ResourceType, TYPES};

/// The resource type that defines the patient compartment.
pub const PATIENT: &str = "Patient";

/// The table entry of a known resource type.
pub fn resource_type(name: &str) -> Option<&'static ResourceType> {
    TYPES
        .binary_search_by(|t| t.name.cmp(name))
        .ok()
        .map(|i| &TYPES[i])
}

/// True when the project knows `name` (it has an entry in [`TYPES`]).
pub fn resource_type_known(name: &str) -> bool {
    resource_type(name).is_some()
}

/// Every known resource type, in name order.
pub fn known_types() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|t| t.name)
}

/// The elements that link a `resource_type` to its patient, in priority order (see the
/// crate docs for the rule): top-level element names, each a Reference or an array of them. Empty for `Patient` (its own compartment), for types outside the
/// Patient compartment, and for unknown types.
pub fn patient_links(resource_type: &str) -> &'static [&'static str] {
    self::resource_type(resource_type).map_or(&[], |t| t.patient_links)
}

/// Where the clinical time of a `resource_type` lives, tried in order (dotted paths; an array
/// on the way yields its first element). Empty when the type has no clinical time or is unknown.
pub fn event_time_paths(resource_type: &str) -> &'static [&'static str] {
    self::resource_type(resource_type).map_or(&[], |t| t.event_time)
}

/// Where the main code of a `resource_type` lives, tried in order. A value may be a
/// CodeableConcept, an array of them (first used) or a Coding. Empty when unknown.
pub fn code_paths(resource_type: &str) -> &'static [&'static str] {
    self::resource_type(resource_type).map_or(&[], |t| t.main_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in TYPES.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
        for t in TYPES {
            assert!(is_resource_type(t.name), "{} is not an R4 type", t.name);
            for link in t.patient_links {
                assert!(
                    !link.contains('.'),
                    "{}: a patient link is a top-level element",
                    t.name
                );
            }
            let paths = t
                .patient_links
                .iter()
                .chain(t.event_time)
                .chain(t.main_code);
            for p in paths {
                let ok = p.split('.').all(|s| {
                    s.starts_with(|c: char| c.is_ascii_lowercase())
                        && s.chars().all(|c| c.is_ascii_alphanumeric())
                });
                assert!(ok, "{}: bad path {p}", t.name);
            }
        }
    }

    #[test]
    fn lookups() {
        assert!(resource_type_known("Observation"));
        assert!(!resource_type_known("observation"));
        assert!(!resource_type_known("Bot"));
        assert_eq!(patient_links("Observation"), ["subject"]);
        assert_eq!(patient_links("Coverage"), ["beneficiary"]);
        assert_eq!(patient_links("Patient"), [] as [&str; 0]);
        assert_eq!(patient_links("Nope"), [] as [&str; 0]);
        assert_eq!(code_paths("Immunization"), ["vaccineCode"]);
        assert_eq!(event_time_paths("Encounter"), ["period.start"]);
        assert_eq!(known_types().count(), TYPES.len());
    }
}
