//! Every resource type of FHIR R4 (v4.0.1): the 145 names of
//! https://hl7.org/fhir/R4/resourcelist.html, sorted. `tests/r4_patient_compartment.rs` checks
//! them against the Patient CompartmentDefinition, which lists every R4 type.

/// The R4 resource type names, sorted (a unit test keeps them sorted).
pub const R4_RESOURCE_TYPES: [&str; 145] = [
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
];

/// True when `name` is a FHIR R4 resource type (exact, case-sensitive). A server's own types
/// (Medplum's `Bot`, `ClientApplication`) are not.
pub fn is_resource_type(name: &str) -> bool {
    resource_type_index(name).is_some()
}

/// Slots of [`TYPE_SLOTS`] (a power of two; 145 names fill under a third of them).
const SLOT_COUNT: usize = 512;

/// The slot of a name: its length and its first, middle and last bytes, mixed (R4 type
/// names of one length rarely share all three).
const fn slot_of(b: &[u8]) -> usize {
    let n = b.len();
    let h = (n as u32).wrapping_mul(0x9E37_79B9)
        ^ (b[0] as u32).wrapping_mul(0x85EB_CA6B)
        ^ (b[n / 2] as u32).wrapping_mul(0x27D4_EB2F)
        ^ (b[n - 1] as u32).wrapping_mul(0xC2B2_AE35);
    (h.wrapping_mul(0x9E37_79B9) >> 23) as usize & (SLOT_COUNT - 1)
}

/// Open-addressing index of [`R4_RESOURCE_TYPES`], built at compile time: the index of a
/// name in its slot (or the next free one), `u8::MAX` for an empty slot.
const TYPE_SLOTS: [u8; SLOT_COUNT] = {
    let mut t = [u8::MAX; SLOT_COUNT];
    let mut i = 0;
    while i < R4_RESOURCE_TYPES.len() {
        let mut s = slot_of(R4_RESOURCE_TYPES[i].as_bytes());
        while t[s] != u8::MAX {
            s = (s + 1) & (SLOT_COUNT - 1);
        }
        t[s] = i as u8;
        i += 1;
    }
    t
};

/// The index of `name` in [`R4_RESOURCE_TYPES`]: one hash of four bytes into a table built
/// at compile time and, most often, one compare (this runs several times per resource in
/// the de-identification engine, once per reference).
pub fn resource_type_index(name: &str) -> Option<usize> {
    let b = name.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut s = slot_of(b);
    // The table has free slots, so every probe sequence ends.
    loop {
        let i = usize::from(TYPE_SLOTS[s]);
        let t = R4_RESOURCE_TYPES.get(i)?;
        if t.as_bytes() == b {
            return Some(i);
        }
        s = (s + 1) & (SLOT_COUNT - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_looked_up() {
        assert!(R4_RESOURCE_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_resource_type("Observation"));
        assert!(is_resource_type("VerificationResult"));
        assert!(!is_resource_type("observation"));
        assert!(!is_resource_type("Bot"));
        assert!(!is_resource_type("MedicationUsage"), "R5, not R4");
        assert!(!is_resource_type("Observatio"));
        assert!(!is_resource_type("ObservationX"));
        assert!(!is_resource_type(""));
        assert!(!is_resource_type("Patient/1"));
        for (i, t) in R4_RESOURCE_TYPES.iter().enumerate() {
            assert_eq!(resource_type_index(t), Some(i));
        }
    }
}
