//! Encounters and what happens in them: vital signs, laboratory results and their reports.

use rand::Rng;

use crate::fhir::{Ctx, Meta, PatientFacts, PatientRef, round};
use crate::json::J;
use crate::planted::PlantedKind as K;
use crate::pool::Pool;
use crate::rng::{DAY, RngExt, YEAR, clinic_time, fmt_date};
use crate::vocab::codes::{
    BP_DIASTOLIC, BP_PANEL, BP_SYSTOLIC, ENCOUNTER_TYPES, Lab, PANELS, SINGLE_LABS, VITALS,
};
use crate::vocab::system;
use crate::writer::types::{DIAGNOSTIC_REPORT, ENCOUNTER, OBSERVATION};

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
    let meta = ctx.meta_raw(end);
    let subject_form = if ctx.rng.chance(0.3) {
        PatientRef::RelativeWithDisplay
    } else {
        PatientRef::Relative
    };
    ctx.plant_patient_ref(subject_form, ("Encounter", &id));
    ctx.plant_practitioner_ref(practitioner, ("Encounter", &id));
    let pool = ctx.pool;
    let mut j = ctx.out.begin(ENCOUNTER);
    j.raw("{\"resourceType\":\"Encounter\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"status\":\"finished\",\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":")
        .str(class)
        .raw(",\"display\":")
        .str(class_display)
        .raw("},\"type\":[")
        .concept(system::SNOMED, code, display)
        .raw("],\"subject\":")
        .patient_ref(subject_form, &ctx.patient)
        .raw(",\"participant\":[{\"type\":[")
        .concept(
            "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "PPRF",
            "primary performer",
        )
        .raw("],\"period\":{\"start\":")
        .datetime(start)
        .raw(",\"end\":")
        .datetime(end)
        .raw("},\"individual\":")
        .practitioner_ref(pool, practitioner)
        .raw("}],\"period\":{\"start\":")
        .datetime(start)
        .raw(",\"end\":")
        .datetime(end)
        .raw("},\"reasonCode\":[")
        .concept(system::SNOMED, reason, reason_display)
        .raw("],\"location\":[{\"location\":")
        .reference("Location/", &pool.locations[location].id)
        .raw(",\"status\":\"completed\"}],\"serviceProvider\":")
        .reference("Organization/", &pool.organizations[organization].id)
        .raw("}");
    j.end();
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

fn interpretation(lab: &Lab, v: f64) -> (&'static str, &'static str) {
    if v < lab.low {
        ("L", "Low")
    } else if v > lab.high {
        ("H", "High")
    } else {
        ("N", "Normal")
    }
}

/// `interpretation`: `[CodeableConcept]` of `lab` for value `v`.
fn write_interpretation(j: &mut J<'_>, lab: &Lab, v: f64) {
    let (code, display) = interpretation(lab, v);
    j.raw("[").concept(INTERPRETATION, code, display).raw("]");
}

/// The random draws common to every Observation.
struct ObsBase {
    id: String,
    effective: i64,
    issued: i64,
    meta: Meta,
}

fn observation_base(ctx: &mut Ctx<'_>, v: &Visit, category: (&str, &str)) -> ObsBase {
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
    let meta = ctx.meta_raw(issued);
    ObsBase {
        id,
        effective,
        issued: issued.min(ctx.now),
        meta,
    }
}

/// Writes the common Observation fields, leaving the object open for the value fields.
fn write_observation_base(
    j: &mut J<'_>,
    pool: &Pool,
    patient: &PatientFacts,
    v: &Visit,
    b: &ObsBase,
    category: (&str, &str),
    code: (&str, &str),
) {
    j.raw("{\"resourceType\":\"Observation\",\"id\":")
        .str(&b.id)
        .raw(",\"meta\":")
        .meta(&b.meta)
        .raw(",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":")
        .str(OBS_CATEGORY)
        .raw(",\"code\":")
        .str(category.0)
        .raw(",\"display\":")
        .str(category.1)
        .raw("}]}],\"code\":")
        .concept(system::LOINC, code.0, code.1)
        .raw(",\"subject\":")
        .reference("Patient/", &patient.id)
        .raw(",\"encounter\":")
        .reference("Encounter/", &v.id)
        .raw(",\"effectiveDateTime\":")
        .datetime(b.effective)
        .raw(",\"issued\":")
        .datetime(b.issued)
        .raw(",\"performer\":[")
        .abs("Practitioner", &pool.practitioners[v.practitioner].id)
        .raw("]");
}

/// A quantitative observation with value, unit, range and interpretation; returns its id.
fn quantitative(
    ctx: &mut Ctx<'_>,
    v: &Visit,
    category: (&str, &str),
    lab: &Lab,
    value: Option<f64>,
) -> String {
    let b = observation_base(ctx, v, category);
    let x = value.unwrap_or_else(|| value_for(&mut ctx.rng, lab));
    let laboratory = category.0 == "laboratory";
    let note = if laboratory {
        ctx.rng
            .chance(0.08)
            .then(|| "Specimen slightly hemolyzed; repeat if clinically indicated.".to_owned())
    } else if ctx.rng.chance(0.12) {
        let given = ctx.patient.given.clone();
        ctx.plant_fragment(K::Name, &given, ("Observation", &b.id));
        Some(format!(
            "{given} reports feeling well today; measured seated after five minutes of rest."
        ))
    } else {
        None
    };
    let mut j = ctx.out.begin(OBSERVATION);
    write_observation_base(
        &mut j,
        ctx.pool,
        &ctx.patient,
        v,
        &b,
        category,
        (lab.code, lab.display),
    );
    j.raw(",\"valueQuantity\":").quantity(x, lab.unit);
    if laboratory {
        j.raw(",\"referenceRange\":[{\"low\":")
            .quantity(lab.low, lab.unit)
            .raw(",\"high\":")
            .quantity(lab.high, lab.unit)
            .raw("}],\"interpretation\":");
        write_interpretation(&mut j, lab, x);
    }
    if let Some(text) = note {
        j.raw(",\"note\":[{\"text\":").str(&text).raw("}]");
    }
    j.raw("}");
    j.end();
    b.id
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
    let b = observation_base(ctx, v, VS);
    let sys = value_for(&mut ctx.rng, &BP_SYSTOLIC);
    let dia = value_for(&mut ctx.rng, &BP_DIASTOLIC).min(sys - 20.0);
    let mut j = ctx.out.begin(OBSERVATION);
    write_observation_base(&mut j, ctx.pool, &ctx.patient, v, &b, VS, BP_PANEL);
    j.raw(",\"component\":[{\"code\":")
        .concept(system::LOINC, BP_SYSTOLIC.code, BP_SYSTOLIC.display)
        .raw(",\"valueQuantity\":")
        .quantity(sys, "mm[Hg]")
        .raw(",\"interpretation\":");
    write_interpretation(&mut j, &BP_SYSTOLIC, sys);
    j.raw("},{\"code\":")
        .concept(system::LOINC, BP_DIASTOLIC.code, BP_DIASTOLIC.display)
        .raw(",\"valueQuantity\":")
        .quantity(dia, "mm[Hg]")
        .raw(",\"interpretation\":");
    write_interpretation(&mut j, &BP_DIASTOLIC, dia);
    j.raw("}]}");
    j.end();
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
        ctx.plant_fragment(K::Date, &d, ("DiagnosticReport", &id));
    }
    let meta = ctx.meta_raw(issued);
    let mut j = ctx.out.begin(DIAGNOSTIC_REPORT);
    j.raw("{\"resourceType\":\"DiagnosticReport\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"status\":\"final\",\"category\":[")
        .concept(
            "http://terminology.hl7.org/CodeSystem/v2-0074",
            "LAB",
            "Laboratory",
        )
        .raw("],\"code\":")
        .concept(system::LOINC, panel.code.0, panel.code.1)
        .raw(",\"subject\":")
        .reference("Patient/", &ctx.patient.id)
        .raw(",\"encounter\":")
        .reference("Encounter/", &v.id)
        .raw(",\"effectiveDateTime\":")
        .datetime(v.start)
        .raw(",\"issued\":")
        .datetime(issued)
        .raw(",\"performer\":[")
        .reference("Organization/", &ctx.pool.organizations[v.organization].id)
        .raw("],\"result\":[");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            j.raw(",");
        }
        j.reference("urn:uuid:", r);
    }
    j.raw("],\"conclusion\":").str(&conclusion).raw("}");
    j.end();
}

/// A single stand-alone lab result.
pub fn single_lab(ctx: &mut Ctx<'_>, v: &Visit) {
    let lab = *ctx.rng.pick(SINGLE_LABS);
    quantitative(ctx, v, ("laboratory", "Laboratory"), &lab, None);
}
