//! Problems, orders and billing: Condition, MedicationRequest, Procedure, Immunization,
//! AllergyIntolerance, CarePlan and Claim.

use rand::Rng;
use serde_json::{Value, json};

use crate::clinical::Visit;
use crate::fhir::{Ctx, PatientRef, abs, concept, rel, urn};
use crate::planted::PlantedKind as K;
use crate::rng::{DAY, RngExt, fmt_date, fmt_datetime};
use crate::vocab::codes::{
    ALLERGENS, CARE_PLANS, CONDITIONS, MEDICATIONS, PROCEDURES, REACTIONS, VACCINES,
};
use crate::vocab::{people, system};

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
    let meta = ctx.meta(v.end);
    let mut r = json!({
        "resourceType": "Condition", "id": id, "meta": meta,
        "clinicalStatus": concept(CLINICAL, status.0, status.1),
        "verificationStatus": concept(VERIFICATION, "confirmed", "Confirmed"),
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis", "Encounter Diagnosis")],
        "code": concept(system::SNOMED, code, display),
        "subject": rel("Patient", &ctx.patient.id),
        "encounter": urn(&v.id),
        "onsetDateTime": fmt_datetime(onset),
        "recordedDate": fmt_datetime(v.start),
        "recorder": abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id),
    });
    if let Some(a) = abatement {
        r["abatementDateTime"] = json!(fmt_datetime(a));
    }
    ctx.out.push(r);
    (id, chronic)
}

/// A MedicationRequest; every third one uses a contained Medication referenced as `#med1`.
pub fn medication_request(ctx: &mut Ctx<'_>, v: &Visit, reason: Option<&str>) {
    let id = ctx.rng.uuid();
    let (code, display, instruction) = *ctx.rng.pick(MEDICATIONS);
    let meta = ctx.meta(v.end);
    let mut r = json!({
        "resourceType": "MedicationRequest", "id": id, "meta": meta,
        "status": if ctx.rng.chance(0.7) { "active" } else { "completed" },
        "intent": "order",
    });
    let med = concept(system::RXNORM, code, display);
    if ctx.rng.random_range(0..3) == 0 {
        r["contained"] = json!([{
            "resourceType": "Medication", "id": "med1", "code": med,
            "form": concept(system::SNOMED, "385055001", "Tablet"),
        }]);
        r["medicationReference"] = json!({ "reference": "#med1" });
    } else {
        r["medicationCodeableConcept"] = med;
    }
    r["subject"] = rel("Patient", &ctx.patient.id);
    r["encounter"] = rel("Encounter", &v.id);
    r["authoredOn"] = json!(fmt_datetime(v.start + 600));
    r["requester"] = abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id);
    if let Some(reason) = reason {
        r["reasonReference"] = json!([rel("Condition", reason)]);
    }
    r["dosageInstruction"] = json!([{ "sequence": 1, "text": instruction, "asNeededBoolean": instruction.contains("as needed") }]);
    r["dispenseRequest"] = json!({ "numberOfRepeatsAllowed": ctx.rng.random_range(0..6),
        "quantity": { "value": 30, "unit": "tablet" } });
    ctx.out.push(r);
}

/// A Procedure performed during the visit.
pub fn procedure(ctx: &mut Ctx<'_>, v: &Visit) {
    let id = ctx.rng.uuid();
    let (code, display) = *ctx.rng.pick(PROCEDURES);
    let start = v.start + ctx.rng.random_range(0..1800);
    let end = (start + ctx.rng.random_range(600..7200)).min(v.end.max(start + 600));
    let meta = ctx.meta(end);
    let performer = abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id);
    ctx.out.push(json!({
        "resourceType": "Procedure", "id": id, "meta": meta,
        "status": "completed",
        "code": concept(system::SNOMED, code, display),
        "subject": rel("Patient", &ctx.patient.id),
        "encounter": rel("Encounter", &v.id),
        "performedPeriod": { "start": fmt_datetime(start), "end": fmt_datetime(end) },
        "performer": [{ "actor": performer }],
        "location": rel("Location", &ctx.pool.locations[v.organization].id),
    }));
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
    let meta = ctx.meta(v.end);
    let patient = ctx.patient_ref(PatientRef::Conditional, ("Immunization", &id));
    ctx.out.push(json!({
        "resourceType": "Immunization", "id": id, "meta": meta,
        "status": "completed",
        "vaccineCode": concept(system::CVX, code, display),
        "patient": patient,
        "encounter": rel("Encounter", &v.id),
        "occurrenceDateTime": fmt_datetime(v.start + 900),
        "primarySource": true,
        "lotNumber": lot,
        "expirationDate": fmt_date(v.start + ctx.rng.random_range(90..700) * DAY),
        "site": concept("http://terminology.hl7.org/CodeSystem/v3-ActSite", "LA", "left arm"),
        "route": concept("http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "IM", "Injection, intramuscular"),
        "performer": [{ "actor": abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id) }],
    }));
}

/// An AllergyIntolerance recorded at `t`; its patient is a `urn:uuid:` reference.
pub fn allergy(ctx: &mut Ctx<'_>, t: i64) {
    let id = ctx.rng.uuid();
    let (code, display, category) = *ctx.rng.pick(ALLERGENS);
    let (rcode, rdisplay) = *ctx.rng.pick(REACTIONS);
    let severity = *ctx.rng.pick(&["mild", "moderate", "severe"]);
    let meta = ctx.meta(t);
    let patient = ctx.patient_ref(PatientRef::Urn, ("AllergyIntolerance", &id));
    ctx.out.push(json!({
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
    ctx.out.push(json!({
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
    let meta = ctx.meta(v.end);
    let patient = ctx.patient_ref(PatientRef::Absolute, ("Claim", &id));
    let money = |x: f64| json!({ "value": x, "currency": "USD" });
    let kind = if v.end - v.start > DAY {
        "institutional"
    } else {
        "professional"
    };
    let item: Value = json!([{
        "sequence": 1,
        "productOrService": concept(system::SNOMED, v.kind.0, v.kind.1),
        "servicedDate": fmt_date(v.start),
        "encounter": [rel("Encounter", &v.id)],
        "net": money(amount),
    }]);
    ctx.out.push(json!({
        "resourceType": "Claim", "id": id, "meta": meta,
        "identifier": [{ "system": system::CLAIM, "value": number }],
        "status": "active",
        "type": concept("http://terminology.hl7.org/CodeSystem/claim-type", kind, kind),
        "use": "claim",
        "patient": patient,
        "billablePeriod": { "start": fmt_datetime(v.start), "end": fmt_datetime(v.end) },
        "created": fmt_datetime(v.end.min(ctx.now)),
        "provider": rel("Organization", &ctx.pool.organizations[v.organization].id),
        "priority": concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"),
        "insurance": [{ "sequence": 1, "focal": true, "coverage": {
            "identifier": { "system": system::MEMBER, "value": member_id }, "display": payer,
        }}],
        "item": item,
        "total": money(amount),
    }));
}

/// The patient's payer and member id.
pub fn insurance(ctx: &mut Ctx<'_>) -> (&'static str, String) {
    let payer = *ctx.rng.pick(people::PAYERS);
    (payer, format!("{}{}", &payer[..1], ctx.rng.digits(9)))
}
