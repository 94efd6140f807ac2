//! Pins the crate's patient links to the standard: FHIR R4 (v4.0.1) Patient
//! CompartmentDefinition `http://hl7.org/fhir/CompartmentDefinition/patient` (version 4.0.1,
//! date 2019-11-01, https://hl7.org/fhir/R4/compartmentdefinition-patient.html), with each
//! search parameter resolved through its R4 v4.0.1 SearchParameter expression
//! (https://hl7.org/fhir/R4/searchparameter-registry.html).
//!
//! Transcribed by hand from those two definitions as published in the R4 package (the
//! `search-parameters.json` bundle of 2019-11-01 and `compartmentdefinition-patient.json`,
//! version 4.0.1), not copied from any file: per member type, each compartment parameter and the
//! element path(s) its expression names for that type, without the type prefix and without the
//! `.where(resolve() is Patient)` filter (`Condition.subject.where(resolve() is Patient)` ->
//! `subject`); `a|b` where the expression is a union. Then every type R4 lists as never in the
//! compartment. Together: the 145 resource types of R4.

use std::collections::BTreeSet;

/// Parameter codes that name whom the record is about: the patient link.
const ABOUT: [&str; 4] = ["patient", "subject", "beneficiary", "individual"];

/// Parameter codes that name a role a patient may play in another's record: never the link.
const ROLE: [&str; 18] = [
    "actor",
    "asserter",
    "attester",
    "author",
    "link", // Patient.link.other: *other* patients; a Patient is its own compartment
    "member",
    "participant",
    "payee",
    "payor",
    "performer",
    "policy-holder",
    "receiver",
    "recipient",
    "recorder",
    "requester",
    "sender",
    "source",
    "subscriber",
];

const COMPARTMENT: &[(&str, &[(&str, &str)])] = &[
    ("Account", &[("subject", "subject")]),
    ("AdverseEvent", &[("subject", "subject")]),
    (
        "AllergyIntolerance",
        &[
            ("patient", "patient"),
            ("recorder", "recorder"),
            ("asserter", "asserter"),
        ],
    ),
    ("Appointment", &[("actor", "participant.actor")]),
    ("AppointmentResponse", &[("actor", "actor")]),
    ("AuditEvent", &[("patient", "agent.who|entity.what")]),
    ("Basic", &[("patient", "subject"), ("author", "author")]),
    ("BodyStructure", &[("patient", "patient")]),
    (
        "CarePlan",
        &[
            ("patient", "subject"),
            ("performer", "activity.detail.performer"),
        ],
    ),
    (
        "CareTeam",
        &[
            ("patient", "subject"),
            ("participant", "participant.member"),
        ],
    ),
    ("ChargeItem", &[("subject", "subject")]),
    ("Claim", &[("patient", "patient"), ("payee", "payee.party")]),
    ("ClaimResponse", &[("patient", "patient")]),
    ("ClinicalImpression", &[("subject", "subject")]),
    (
        "Communication",
        &[
            ("subject", "subject"),
            ("sender", "sender"),
            ("recipient", "recipient"),
        ],
    ),
    (
        "CommunicationRequest",
        &[
            ("subject", "subject"),
            ("sender", "sender"),
            ("recipient", "recipient"),
            ("requester", "requester"),
        ],
    ),
    (
        "Composition",
        &[
            ("subject", "subject"),
            ("author", "author"),
            ("attester", "attester.party"),
        ],
    ),
    (
        "Condition",
        &[("patient", "subject"), ("asserter", "asserter")],
    ),
    ("Consent", &[("patient", "patient")]),
    (
        "Coverage",
        &[
            ("policy-holder", "policyHolder"),
            ("subscriber", "subscriber"),
            ("beneficiary", "beneficiary"),
            ("payor", "payor"),
        ],
    ),
    ("CoverageEligibilityRequest", &[("patient", "patient")]),
    ("CoverageEligibilityResponse", &[("patient", "patient")]),
    ("DetectedIssue", &[("patient", "patient")]),
    (
        "DeviceRequest",
        &[("subject", "subject"), ("performer", "performer")],
    ),
    ("DeviceUseStatement", &[("subject", "subject")]),
    ("DiagnosticReport", &[("subject", "subject")]),
    (
        "DocumentManifest",
        &[
            ("subject", "subject"),
            ("author", "author"),
            ("recipient", "recipient"),
        ],
    ),
    (
        "DocumentReference",
        &[("subject", "subject"), ("author", "author")],
    ),
    ("Encounter", &[("patient", "subject")]),
    ("EnrollmentRequest", &[("subject", "candidate")]),
    ("EpisodeOfCare", &[("patient", "patient")]),
    (
        "ExplanationOfBenefit",
        &[("patient", "patient"), ("payee", "payee.party")],
    ),
    ("FamilyMemberHistory", &[("patient", "patient")]),
    ("Flag", &[("patient", "subject")]),
    ("Goal", &[("patient", "subject")]),
    ("Group", &[("member", "member.entity")]),
    ("ImagingStudy", &[("patient", "subject")]),
    ("Immunization", &[("patient", "patient")]),
    ("ImmunizationEvaluation", &[("patient", "patient")]),
    ("ImmunizationRecommendation", &[("patient", "patient")]),
    (
        "Invoice",
        &[
            ("subject", "subject"),
            ("patient", "subject"),
            ("recipient", "recipient"),
        ],
    ),
    ("List", &[("subject", "subject"), ("source", "source")]),
    ("MeasureReport", &[("patient", "subject")]),
    ("Media", &[("subject", "subject")]),
    (
        "MedicationAdministration",
        &[
            ("patient", "subject"),
            ("performer", "performer.actor"),
            ("subject", "subject"),
        ],
    ),
    (
        "MedicationDispense",
        &[
            ("subject", "subject"),
            ("patient", "subject"),
            ("receiver", "receiver"),
        ],
    ),
    ("MedicationRequest", &[("subject", "subject")]),
    ("MedicationStatement", &[("subject", "subject")]),
    ("MolecularSequence", &[("patient", "patient")]),
    ("NutritionOrder", &[("patient", "patient")]),
    (
        "Observation",
        &[("subject", "subject"), ("performer", "performer")],
    ),
    ("Patient", &[("link", "link.other")]),
    ("Person", &[("patient", "link.target")]),
    (
        "Procedure",
        &[("patient", "subject"), ("performer", "performer.actor")],
    ),
    ("Provenance", &[("patient", "target")]),
    (
        "QuestionnaireResponse",
        &[("subject", "subject"), ("author", "author")],
    ),
    ("RelatedPerson", &[("patient", "patient")]),
    (
        "RequestGroup",
        &[
            ("subject", "subject"),
            ("participant", "action.participant"),
        ],
    ),
    ("ResearchSubject", &[("individual", "individual")]),
    ("RiskAssessment", &[("subject", "subject")]),
    ("Schedule", &[("actor", "actor")]),
    (
        "ServiceRequest",
        &[("subject", "subject"), ("performer", "performer")],
    ),
    ("Specimen", &[("subject", "subject")]),
    ("SupplyDelivery", &[("patient", "patient")]),
    ("SupplyRequest", &[("subject", "deliverTo")]),
    ("VisionPrescription", &[("patient", "patient")]),
];
const NOT_IN_COMPARTMENT: &[&str] = &[
    "ActivityDefinition",
    "Binary",
    "BiologicallyDerivedProduct",
    "Bundle",
    "CapabilityStatement",
    "CatalogEntry",
    "ChargeItemDefinition",
    "CodeSystem",
    "CompartmentDefinition",
    "ConceptMap",
    "Contract",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "EffectEvidenceSynthesis",
    "Endpoint",
    "EnrollmentResponse",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "GraphDefinition",
    "GuidanceResponse",
    "HealthcareService",
    "ImplementationGuide",
    "InsurancePlan",
    "Library",
    "Linkage",
    "Location",
    "Measure",
    "Medication",
    "MedicationKnowledge",
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
    "NamingSystem",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "PaymentNotice",
    "PaymentReconciliation",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Questionnaire",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "RiskEvidenceSynthesis",
    "SearchParameter",
    "Slot",
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
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
];

fn compartment(ty: &str) -> Option<&'static [(&'static str, &'static str)]> {
    COMPARTMENT.iter().find(|(t, _)| *t == ty).map(|(_, p)| *p)
}

/// The links the rule derives from the transcription: elements of the `about` parameters,
/// in compartment order, deduplicated.
fn derived_links(params: &[(&str, &'static str)]) -> Vec<&'static str> {
    let mut links: Vec<&str> = Vec::new();
    for (param, elements) in params {
        if ABOUT.contains(param) {
            for e in elements.split('|') {
                if !links.contains(&e) {
                    links.push(e);
                }
            }
        }
    }
    links
}

#[test]
fn transcription_covers_the_145_r4_resource_types_once() {
    let mut all = BTreeSet::new();
    for t in COMPARTMENT
        .iter()
        .map(|(t, _)| *t)
        .chain(NOT_IN_COMPARTMENT.iter().copied())
    {
        assert!(all.insert(t), "{t} twice");
        assert!(starvit_fhir::type_name_ok(t), "{t}");
    }
    assert_eq!(all.len(), 145);
    assert_eq!(COMPARTMENT.len(), 66);
    let crate_list: BTreeSet<&str> = starvit_fhir::R4_RESOURCE_TYPES.iter().copied().collect();
    assert_eq!(
        crate_list, all,
        "the crate's R4 type list is the compartment's"
    );
}

#[test]
fn every_parameter_is_classified_about_or_role() {
    for (ty, params) in COMPARTMENT {
        for (param, _) in *params {
            assert!(
                ABOUT.contains(param) ^ ROLE.contains(param),
                "{ty}.{param}: classify it in ABOUT or ROLE"
            );
        }
    }
}

#[test]
fn every_known_type_has_the_patient_links_of_the_r4_compartment() {
    for ty in starvit_fhir::known_types() {
        let ours = starvit_fhir::patient_links(ty);
        match compartment(ty) {
            Some(params) => assert_eq!(ours, derived_links(params), "{ty}"),
            None => {
                assert!(
                    NOT_IN_COMPARTMENT.contains(&ty),
                    "{ty} is not an R4 resource type"
                );
                assert!(
                    ours.is_empty(),
                    "{ty} is never in the R4 Patient compartment"
                );
            }
        }
    }
}

#[test]
fn the_decisions_the_rule_makes_for_types_we_know() {
    let links = starvit_fhir::patient_links;
    // A clinical record's subject, never its performer/recorder/asserter.
    assert_eq!(links("Observation"), ["subject"]);
    assert_eq!(links("Procedure"), ["subject"]);
    assert_eq!(links("Condition"), ["subject"]);
    assert_eq!(links("AllergyIntolerance"), ["patient"]);
    assert_eq!(links("MedicationAdministration"), ["subject"]);
    // Financial records: the patient, not the payee; the beneficiary, not the subscriber.
    assert_eq!(links("Claim"), ["patient"]);
    assert_eq!(links("ExplanationOfBenefit"), ["patient"]);
    assert_eq!(links("Coverage"), ["beneficiary"]);
    // The elements the old lists missed or got wrong.
    assert_eq!(links("Provenance"), ["target"]);
    assert_eq!(links("ResearchSubject"), ["individual"]);
    assert_eq!(links("RelatedPerson"), ["patient"]);
    assert!(
        links("Device").is_empty(),
        "Device is never in the R4 Patient compartment"
    );
    assert!(links("Appointment").is_empty(), "only `actor`, a role");
    assert!(links("Practitioner").is_empty());
}
