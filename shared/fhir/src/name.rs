//! The resource type name rule.
//!
//! FHIR resource type names are ASCII letters starting with an upper-case one (`Observation`,
//! `MedicationRequest`; servers such as Medplum add their own, `ClientApplication`, `Bot`). The
//! rule here is syntactic, so it accepts a server's own types too; [`crate::resource_type_known`]
//! says whether the project has knowledge of one. A name that passes is also a safe file-name
//! part and BigQuery table id (at most 64 characters, `[A-Za-z]`).

/// Longest resource type name accepted.
pub const MAX_LEN: usize = 64;

/// A FHIR resource type name: `[A-Z][A-Za-z]{0,63}`.
pub fn type_name_ok(name: &str) -> bool {
    (1..=MAX_LEN).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["Patient", "ExplanationOfBenefit", "A", &"A".repeat(64)] {
            assert!(type_name_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "patient",
            "Obs-1",
            "Obs1",
            "Ob s",
            "Pätient",
            &"A".repeat(65),
        ] {
            assert!(!type_name_ok(bad), "{bad}");
        }
    }
}
