//! Problems, orders and billing: Condition, MedicationRequest, Procedure, Immunization,
//! AllergyIntolerance, CarePlan and Claim.

use rand::Rng;
use serde_json::json;

use crate::clinical::Visit;
use crate::fhir::{Ctx, PatientRef, abs, concept, rel};
use crate::planted::PlantedKind as K;
use crate::rng::{DAY, RngExt, fmt_datetime};
use crate::vocab::codes::{
    ALLERGENS, CARE_PLANS, CONDITIONS, MEDICATIONS, PROCEDURES, REACTIONS, VACCINES,
};
use crate::vocab::{people, system};
use crate::writer::types::{CLAIM, CONDITION, IMMUNIZATION, MEDICATION_REQUEST, PROCEDURE};

const CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

/// A Condition diagnosed at the visit; returns `(id, chronic)`.
pub fn condition(ctx: &mut Ctx<'_>, v: &Visit) -> (String, bool) {
    let id = ctx.rng.uuid();
    let (code, display, chronic) = *ctx.rng.pick(CONDITIONS);
    let onset = v.start - ctx.rng.random_range(0..30 * DAY);
    let onset = onset.max(ctx.patient.birth + DAY);
    let abatement =
        (!chronic).then(|| (v.start + ctx.rng.random_range(3 * DAY..45 * DAY)).min(ctx.end()));
    let status = if abatement.is_some() {
        ("resolved", "Resolved")
    } else {
        ("active", "Active")
    };
    let meta = ctx.meta_raw(v.end);
    let mut j = ctx.out.begin(CONDITION);
    j.raw("{\"resourceType\":\"Condition\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"clinicalStatus\":")
        .concept(CLINICAL, status.0, status.1)
        .raw(",\"verificationStatus\":")
        .concept(VERIFICATION, "confirmed", "Confirmed")
        .raw(",\"category\":[")
        .concept(
            "http://terminology.hl7.org/CodeSystem/condition-category",
            "encounter-diagnosis",
            "Encounter Diagnosis",
        )
        .raw("],\"code\":")
        .concept(system::SNOMED, code, display)
        .raw(",\"subject\":")
        .reference("Patient/", &ctx.patient.id)
        .raw(",\"encounter\":")
        .reference("urn:uuid:", &v.id)
        .raw(",\"onsetDateTime\":")
        .datetime(onset)
        .raw(",\"recordedDate\":")
        .datetime(v.start)
        .raw(",\"recorder\":")
        .abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id);
    if let Some(a) = abatement {
        j.raw(",\"abatementDateTime\":").datetime(a);
    }
    j.raw("}");
    j.end();
    (id, chronic)
}

/// A MedicationRequest; every third one uses a contained Medication referenced as `#med1`.
pub fn medication_request(ctx: &mut Ctx<'_>, v: &Visit, reason: Option<&str>) {
    let id = ctx.rng.uuid();
    let (code, display, instruction) = *ctx.rng.pick(MEDICATIONS);
    let meta = ctx.meta_raw(v.end);
    let active = ctx.rng.chance(0.7);
    let contained = ctx.rng.random_range(0..3) == 0;
    let repeats: i32 = ctx.rng.random_range(0..6);
    let mut j = ctx.out.begin(MEDICATION_REQUEST);
    j.raw("{\"resourceType\":\"MedicationRequest\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(if active {
            ",\"status\":\"active\""
        } else {
            ",\"status\":\"completed\""
        })
        .raw(",\"intent\":\"order\"");
    if contained {
        j.raw(",\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"med1\",\"code\":")
            .concept(system::RXNORM, code, display)
            .raw(",\"form\":")
            .concept(system::SNOMED, "385055001", "Tablet")
            .raw("}],\"medicationReference\":{\"reference\":\"#med1\"}");
    } else {
        j.raw(",\"medicationCodeableConcept\":")
            .concept(system::RXNORM, code, display);
    }
    j.raw(",\"subject\":")
        .reference("Patient/", &ctx.patient.id)
        .raw(",\"encounter\":")
        .reference("Encounter/", &v.id)
        .raw(",\"authoredOn\":")
        .datetime(v.start + 600)
        .raw(",\"requester\":")
        .abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id);
    if let Some(reason) = reason {
        j.raw(",\"reasonReference\":[")
            .reference("Condition/", reason)
            .raw("]");
    }
    j.raw(",\"dosageInstruction\":[{\"sequence\":1,\"text\":")
        .str(instruction)
        .raw(if instruction.contains("as needed") {
            ",\"asNeededBoolean\":true}]"
        } else {
            ",\"asNeededBoolean\":false}]"
        })
        .raw(",\"dispenseRequest\":{\"numberOfRepeatsAllowed\":")
        .i64(i64::from(repeats))
        .raw(",\"quantity\":{\"value\":30,\"unit\":\"tablet\"}}}");
    j.end();
}

/// A Procedure performed during the visit.
pub fn procedure(ctx: &mut Ctx<'_>, v: &Visit) {
    let id = ctx.rng.uuid();
    let (code, display) = *ctx.rng.pick(PROCEDURES);
    let start = v.start + ctx.rng.random_range(0..1800);
    let end = (start + ctx.rng.random_range(600..7200)).min(v.end.max(start + 600));
    let meta = ctx.meta_raw(end);
    let mut j = ctx.out.begin(PROCEDURE);
    j.raw("{\"resourceType\":\"Procedure\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"status\":\"completed\",\"code\":")
        .concept(system::SNOMED, code, display)
        .raw(",\"subject\":")
        .reference("Patient/", &ctx.patient.id)
        .raw(",\"encounter\":")
        .reference("Encounter/", &v.id)
        .raw(",\"performedPeriod\":{\"start\":")
        .datetime(start)
        .raw(",\"end\":")
        .datetime(end)
        .raw("},\"performer\":[{\"actor\":")
        .abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id)
        .raw("}],\"location\":")
        .reference("Location/", &ctx.pool.locations[v.organization].id)
        .raw("}");
    j.end();
}

/// An Immunization; its patient is a conditional reference on the MRN.
pub fn immunization(ctx: &mut Ctx<'_>, v: &Visit) {
    let id = ctx.rng.uuid();
    let (code, display) = *ctx.rng.pick(VACCINES);
    let lot = format!(
        "{}{}",
        char::from(b'A' + ctx.rng.random_range(0..26u8)),
        ctx.rng.digits(5)
    );
    let meta = ctx.meta_raw(v.end);
    ctx.plant_patient_ref(PatientRef::Conditional, ("Immunization", &id));
    let expiration = v.start + ctx.rng.random_range(90..700) * DAY;
    let mut j = ctx.out.begin(IMMUNIZATION);
    j.raw("{\"resourceType\":\"Immunization\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"status\":\"completed\",\"vaccineCode\":")
        .concept(system::CVX, code, display)
        .raw(",\"patient\":")
        .patient_ref(PatientRef::Conditional, &ctx.patient)
        .raw(",\"encounter\":")
        .reference("Encounter/", &v.id)
        .raw(",\"occurrenceDateTime\":")
        .datetime(v.start + 900)
        .raw(",\"primarySource\":true,\"lotNumber\":")
        .str(&lot)
        .raw(",\"expirationDate\":")
        .date(expiration)
        .raw(",\"site\":")
        .concept(
            "http://terminology.hl7.org/CodeSystem/v3-ActSite",
            "LA",
            "left arm",
        )
        .raw(",\"route\":")
        .concept(
            "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
            "IM",
            "Injection, intramuscular",
        )
        .raw(",\"performer\":[{\"actor\":")
        .abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id)
        .raw("}]}");
    j.end();
}

/// An AllergyIntolerance recorded at `t`; its patient is a `urn:uuid:` reference.
pub fn allergy(ctx: &mut Ctx<'_>, t: i64) {
    let id = ctx.rng.uuid();
    let (code, display, category) = *ctx.rng.pick(ALLERGENS);
    let (rcode, rdisplay) = *ctx.rng.pick(REACTIONS);
    let severity = *ctx.rng.pick(&["mild", "moderate", "severe"]);
    let meta = ctx.meta(t);
    let patient = ctx.patient_ref(PatientRef::Urn, ("AllergyIntolerance", &id));
    ctx.out.push(&json!({
        "resourceType": "AllergyIntolerance", "id": id, "meta": meta,
        "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
        "verificationStatus": concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
        "type": "allergy",
        "category": [category],
        "criticality": if severity == "severe" { "high" } else { "low" },
        "code": concept(system::SNOMED, code, display),
        "patient": patient,
        "recordedDate": fmt_datetime(t),
        "reaction": [{ "manifestation": [concept(system::SNOMED, rcode, rdisplay)], "severity": severity }],
    }));
}

/// A CarePlan addressing a chronic condition.
pub fn care_plan(ctx: &mut Ctx<'_>, v: &Visit, condition: &str) {
    let id = ctx.rng.uuid();
    let (code, display) = *ctx.rng.pick(CARE_PLANS);
    let active = ctx.patient.death.is_none() && ctx.rng.chance(0.6);
    let meta = ctx.meta(v.end);
    let mut period = json!({ "start": fmt_datetime(v.start) });
    if !active {
        period["end"] = json!(fmt_datetime(
            (v.start + ctx.rng.random_range(30..400) * DAY).min(ctx.end())
        ));
    }
    ctx.out.push(&json!({
        "resourceType": "CarePlan", "id": id, "meta": meta,
        "status": if active { "active" } else { "completed" },
        "intent": "order",
        "category": [concept(system::SNOMED, code, display)],
        "description": format!("{display}: education, self-monitoring and follow-up as agreed with the patient."),
        "subject": rel("Patient", &ctx.patient.id),
        "encounter": rel("Encounter", &v.id),
        "period": period,
        "author": abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id),
        "addresses": [rel("Condition", condition)],
        "activity": [{ "detail": {
            "code": concept(system::SNOMED, "311401005", "Patient education (procedure)"),
            "status": if active { "in-progress" } else { "completed" },
        }}],
    }));
}

/// A Claim for the visit; its patient is an absolute reference.
pub fn claim(ctx: &mut Ctx<'_>, v: &Visit, payer: &str, member_id: &str) {
    let id = ctx.rng.uuid();
    let number = format!("CLM-{}-{}", crate::rng::year_of(v.start), ctx.rng.digits(7));
    ctx.plant(K::ClaimNumber, &number, "Claim", &id);
    ctx.plant(K::MemberId, member_id, "Claim", &id);
    let amount = f64::from(ctx.rng.random_range(8_000..250_000u32)) / 100.0;
    let meta = ctx.meta_raw(v.end);
    ctx.plant_patient_ref(PatientRef::Absolute, ("Claim", &id));
    let kind = if v.end - v.start > DAY {
        "institutional"
    } else {
        "professional"
    };
    let mut j = ctx.out.begin(CLAIM);
    j.raw("{\"resourceType\":\"Claim\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"identifier\":[{\"system\":")
        .str(system::CLAIM)
        .raw(",\"value\":")
        .str(&number)
        .raw("}],\"status\":\"active\",\"type\":")
        .concept(
            "http://terminology.hl7.org/CodeSystem/claim-type",
            kind,
            kind,
        )
        .raw(",\"use\":\"claim\",\"patient\":")
        .patient_ref(PatientRef::Absolute, &ctx.patient)
        .raw(",\"billablePeriod\":{\"start\":")
        .datetime(v.start)
        .raw(",\"end\":")
        .datetime(v.end)
        .raw("},\"created\":")
        .datetime(v.end.min(ctx.now))
        .raw(",\"provider\":")
        .reference("Organization/", &ctx.pool.organizations[v.organization].id)
        .raw(",\"priority\":")
        .concept(
            "http://terminology.hl7.org/CodeSystem/processpriority",
            "normal",
            "Normal",
        )
        .raw(",\"insurance\":[{\"sequence\":1,\"focal\":true,\"coverage\":{\"identifier\":{\"system\":")
        .str(system::MEMBER)
        .raw(",\"value\":")
        .str(member_id)
        .raw("},\"display\":")
        .str(payer)
        .raw("}}],\"item\":[{\"sequence\":1,\"productOrService\":")
        .concept(system::SNOMED, v.kind.0, v.kind.1)
        .raw(",\"servicedDate\":")
        .date(v.start)
        .raw(",\"encounter\":[")
        .reference("Encounter/", &v.id)
        .raw("],\"net\":{\"value\":")
        .f64(amount)
        .raw(",\"currency\":\"USD\"}}],\"total\":{\"value\":")
        .f64(amount)
        .raw(",\"currency\":\"USD\"}}");
    j.end();
}

/// The patient's payer and member id.
pub fn insurance(ctx: &mut Ctx<'_>) -> (&'static str, String) {
    let payer = *ctx.rng.pick(people::PAYERS);
    (payer, format!("{}{}", &payer[..1], ctx.rng.digits(9)))
}
