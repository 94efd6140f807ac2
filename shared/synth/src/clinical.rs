//! Encounters and what happens in them: vital signs, laboratory results and their reports.

use rand::Rng;
use serde_json::{Value, json};

use crate::fhir::{Ctx, PatientRef, abs, concept, quantity, rel, round, urn};
use crate::planted::PlantedKind as K;
use crate::rng::{DAY, RngExt, YEAR, clinic_time, fmt_date, fmt_datetime};
use crate::vocab::codes::{
    BP_DIASTOLIC, BP_PANEL, BP_SYSTOLIC, ENCOUNTER_TYPES, Lab, PANELS, SINGLE_LABS, VITALS,
};
use crate::vocab::system;

const OBS_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

/// One encounter as later generators see it.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Encounter id.
    pub id: String,
    /// Start instant.
    pub start: i64,
    /// End instant.
    pub end: i64,
    /// Encounter type (code, display).
    pub kind: (&'static str, &'static str),
    /// Index of the attending practitioner in the pool.
    pub practitioner: usize,
    /// Index of the organization in the pool.
    pub organization: usize,
}

/// Generates the Encounter resource at `t`.
pub fn encounter(ctx: &mut Ctx<'_>, t: i64) -> Visit {
    let id = ctx.rng.uuid();
    let (code, display, class) = *ctx.rng.pick(ENCOUNTER_TYPES);
    let start = clinic_time(&mut ctx.rng, t);
    let len = match class {
        "IMP" => ctx.rng.random_range(DAY..6 * DAY),
        "EMER" => ctx.rng.random_range(7200..8 * 3600),
        _ => ctx.rng.random_range(900..3600),
    };
    let end = (start + len).min(ctx.end());
    let practitioner = ctx.rng.random_range(0..ctx.pool.practitioners.len());
    let location = ctx.rng.random_range(0..ctx.pool.locations.len());
    let organization = location % ctx.pool.organizations.len();
    let (reason, reason_display, _) = *ctx.rng.pick(crate::vocab::codes::CONDITIONS);
    let class_display = match class {
        "IMP" => "inpatient encounter",
        "EMER" => "emergency",
        "VR" => "virtual",
        _ => "ambulatory",
    };
    let meta = ctx.meta(end);
    let subject_form = if ctx.rng.chance(0.3) {
        PatientRef::RelativeWithDisplay
    } else {
        PatientRef::Relative
    };
    let subject = ctx.patient_ref(subject_form, ("Encounter", &id));
    let individual = ctx.practitioner_ref(practitioner, ("Encounter", &id));
    let pool = ctx.pool;
    let r = json!({
        "resourceType": "Encounter", "id": id, "meta": meta,
        "status": "finished",
        "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": class, "display": class_display },
        "type": [concept(system::SNOMED, code, display)],
        "subject": subject,
        "participant": [{
            "type": [concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF", "primary performer")],
            "period": { "start": fmt_datetime(start), "end": fmt_datetime(end) },
            "individual": individual,
        }],
        "period": { "start": fmt_datetime(start), "end": fmt_datetime(end) },
        "reasonCode": [concept(system::SNOMED, reason, reason_display)],
        "location": [{ "location": rel("Location", &pool.locations[location].id), "status": "completed" }],
        "serviceProvider": rel("Organization", &pool.organizations[organization].id),
    });
    ctx.out.push(r);
    Visit {
        id,
        start,
        end,
        kind: (code, display),
        practitioner,
        organization,
    }
}

/// A value for `lab`: mostly inside the reference range, sometimes outside.
fn value_for(rng: &mut impl Rng, lab: &Lab) -> f64 {
    let span = lab.high - lab.low;
    let v = if rng.chance(0.8) {
        rng.random_range(lab.low..=lab.high)
    } else {
        rng.random_range((lab.low - 0.25 * span).max(0.0)..=lab.high + 0.35 * span)
    };
    round(v, lab.decimals)
}

fn interpretation(lab: &Lab, v: f64) -> Value {
    let (code, display) = if v < lab.low {
        ("L", "Low")
    } else if v > lab.high {
        ("H", "High")
    } else {
        ("N", "Normal")
    };
    json!([concept(INTERPRETATION, code, display)])
}

fn observation_base(
    ctx: &mut Ctx<'_>,
    v: &Visit,
    category: (&str, &str),
    code: (&str, &str),
) -> (String, Value) {
    let id = ctx.rng.uuid();
    let effective = (v.start + ctx.rng.random_range(0..=(v.end - v.start).max(1) / 2)).min(v.end);
    let issued = effective
        + ctx.rng.random_range(
            60..if category.0 == "laboratory" {
                2 * DAY
            } else {
                3600
            },
        );
    let meta = ctx.meta(issued);
    let r = json!({
        "resourceType": "Observation", "id": id, "meta": meta,
        "status": "final",
        "category": [{ "coding": [{ "system": OBS_CATEGORY, "code": category.0, "display": category.1 }] }],
        "code": concept(system::LOINC, code.0, code.1),
        "subject": rel("Patient", &ctx.patient.id),
        "encounter": rel("Encounter", &v.id),
        "effectiveDateTime": fmt_datetime(effective),
        "issued": fmt_datetime(issued.min(ctx.now)),
        "performer": [abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id)],
    });
    (id, r)
}

/// A quantitative observation with value, unit, range and interpretation; returns its id.
fn quantitative(
    ctx: &mut Ctx<'_>,
    v: &Visit,
    category: (&str, &str),
    lab: &Lab,
    value: Option<f64>,
) -> String {
    let (id, mut r) = observation_base(ctx, v, category, (lab.code, lab.display));
    let x = value.unwrap_or_else(|| value_for(&mut ctx.rng, lab));
    r["valueQuantity"] = quantity(x, lab.unit);
    if category.0 == "laboratory" {
        r["referenceRange"] =
            json!([{ "low": quantity(lab.low, lab.unit), "high": quantity(lab.high, lab.unit) }]);
        r["interpretation"] = interpretation(lab, x);
        if ctx.rng.chance(0.08) {
            r["note"] =
                json!([{ "text": "Specimen slightly hemolyzed; repeat if clinically indicated." }]);
        }
    } else if ctx.rng.chance(0.12) {
        let given = ctx.patient.given.clone();
        let text = format!(
            "{given} reports feeling well today; measured seated after five minutes of rest."
        );
        ctx.plant(K::NoteFragment, &given, "Observation", &id);
        r["note"] = json!([{ "text": text }]);
    }
    ctx.out.push(r);
    id
}

/// Vital signs of a visit (weight, height and BMI consistent with each other, BP with components).
pub fn vitals(ctx: &mut Ctx<'_>, v: &Visit) {
    const VS: (&str, &str) = ("vital-signs", "Vital Signs");
    let age = (v.start - ctx.patient.birth) as f64 / YEAR as f64;
    let growth = (age / 18.0).clamp(0.3, 1.0);
    let height = round(ctx.rng.random_range(150.0..192.0) * growth, 1);
    let weight = round(ctx.rng.random_range(50.0..115.0) * growth * growth, 1);
    let bmi = round(weight / (height / 100.0).powi(2), 1);
    if v.kind.0 != "448337001" {
        quantitative(ctx, v, VS, &VITALS[0], Some(weight));
        quantitative(ctx, v, VS, &VITALS[1], Some(height));
        quantitative(ctx, v, VS, &VITALS[2], Some(bmi));
    }
    for lab in &VITALS[3..] {
        quantitative(ctx, v, VS, lab, None);
    }
    let (_, mut bp) = observation_base(ctx, v, VS, BP_PANEL);
    let sys = value_for(&mut ctx.rng, &BP_SYSTOLIC);
    let dia = value_for(&mut ctx.rng, &BP_DIASTOLIC).min(sys - 20.0);
    bp["component"] = json!([
        { "code": concept(system::LOINC, BP_SYSTOLIC.code, BP_SYSTOLIC.display), "valueQuantity": quantity(sys, "mm[Hg]"),
          "interpretation": interpretation(&BP_SYSTOLIC, sys) },
        { "code": concept(system::LOINC, BP_DIASTOLIC.code, BP_DIASTOLIC.display), "valueQuantity": quantity(dia, "mm[Hg]"),
          "interpretation": interpretation(&BP_DIASTOLIC, dia) },
    ]);
    ctx.out.push(bp);
}

/// A lab panel: member Observations plus a DiagnosticReport whose `result`s are `urn:uuid:` refs.
pub fn lab_panel(ctx: &mut Ctx<'_>, v: &Visit, previous: Option<i64>) {
    const LAB: (&str, &str) = ("laboratory", "Laboratory");
    let panel = *ctx.rng.pick(PANELS);
    let results: Vec<String> = panel
        .members
        .iter()
        .map(|lab| quantitative(ctx, v, LAB, lab, None))
        .collect();
    let id = ctx.rng.uuid();
    let issued = (v.end + ctx.rng.random_range(3600..2 * DAY)).min(ctx.now);
    let mut conclusion = if ctx.rng.chance(0.6) {
        "All results within reference limits.".to_owned()
    } else {
        "Some results outside reference limits; clinical correlation recommended.".to_owned()
    };
    if let Some(prev) = previous.filter(|_| ctx.rng.chance(0.5)) {
        let d = fmt_date(prev);
        conclusion.push_str(&format!(" Compared with prior panel of {d}."));
        ctx.plant(K::NoteFragment, &d, "DiagnosticReport", &id);
    }
    let meta = ctx.meta(issued);
    let r = json!({
        "resourceType": "DiagnosticReport", "id": id, "meta": meta,
        "status": "final",
        "category": [concept("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
        "code": concept(system::LOINC, panel.code.0, panel.code.1),
        "subject": rel("Patient", &ctx.patient.id),
        "encounter": rel("Encounter", &v.id),
        "effectiveDateTime": fmt_datetime(v.start),
        "issued": fmt_datetime(issued),
        "performer": [rel("Organization", &ctx.pool.organizations[v.organization].id)],
        "result": results.iter().map(|r| urn(r)).collect::<Vec<_>>(),
        "conclusion": conclusion,
    });
    ctx.out.push(r);
}

/// A single stand-alone lab result.
pub fn single_lab(ctx: &mut Ctx<'_>, v: &Visit) {
    let lab = *ctx.rng.pick(SINGLE_LABS);
    quantitative(ctx, v, ("laboratory", "Laboratory"), &lab, None);
}
