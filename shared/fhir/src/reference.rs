//! The literal reference forms that name a patient (`Reference.reference`).
//!
//! | form | patient id |
//! |---|---|
//! | `Patient/abc` | `abc` |
//! | `Patient/abc/_history/2` | `abc` |
//! | `https://host/fhir/R4/Patient/abc[/_history/2]` | `abc` |
//! | `Group/g`, `#contained`, `urn:uuid:...`, `Patient?identifier=...` | none |
//!
//! A `urn:uuid:` reference does not say its type; callers that resolve those within a bundle or
//! an export decide for themselves.

/// The id of the patient a literal reference names, if it names one.
pub fn patient_id(reference: &str) -> Option<&str> {
    let rest = if let Some(rest) = reference.strip_prefix("Patient/") {
        rest
    } else {
        let at = reference.rfind("/Patient/")?;
        &reference[at + "/Patient/".len()..]
    };
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(patient_id("Patient/abc"), Some("abc"));
        assert_eq!(patient_id("Patient/abc/_history/2"), Some("abc"));
        assert_eq!(
            patient_id("https://x/fhir/R4/Patient/p6/_history/3"),
            Some("p6")
        );
        assert_eq!(patient_id("Group/g1"), None);
        assert_eq!(patient_id("Patient/"), None);
        assert_eq!(patient_id("#p1"), None);
        assert_eq!(patient_id("urn:uuid:0f0e"), None);
    }
}
