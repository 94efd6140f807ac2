//! DocumentReference: a plain-text clinical note (base64 in `content.attachment.data`) that
//! mentions the patient's name, MRN, date of birth, phone and home address, the emergency
//! contact (a relative: `Patient.contact`) with their phone, the attending clinician (the
//! note's author) and dates. Every such fragment is planted with what it is
//! ([`crate::Planted::part`]).

use rand::Rng;

use crate::clinical::Visit;
use crate::fhir::{Ctx, PatientRef};
use crate::planted::PlantedKind as K;
use crate::rng::{RngExt, YEAR, fmt_date, fmt_datetime};
use crate::vocab::codes::NOTE_TYPES;
use crate::vocab::system;
use crate::writer::types::DOCUMENT_REFERENCE;

const PLANS: &[&str] = &[
    "Continue current medications. Reviewed diet and exercise; patient agrees to a 30 minute walk daily.",
    "Start therapy as prescribed. Discussed expected side effects and when to call the clinic.",
    "Labs ordered today. Will call with results and adjust the plan accordingly.",
    "Symptoms improving. Supportive care, fluids and rest. Return precautions discussed in detail.",
    "Referred to specialty clinic for further evaluation. Imaging to be scheduled by the front desk.",
];

const FINDINGS: &[&str] = &[
    "Alert and oriented, in no acute distress. Lungs clear to auscultation bilaterally.",
    "Regular rate and rhythm, no murmurs. Abdomen soft and non-tender.",
    "Mild erythema of the posterior pharynx. No cervical lymphadenopathy.",
    "Gait steady. Strength five of five in all extremities. Skin warm and dry.",
];

/// A DocumentReference for the visit, authored by the attending practitioner.
pub fn note(ctx: &mut Ctx<'_>, v: &Visit, previous: Option<i64>) {
    let id = ctx.rng.uuid();
    let h = ("DocumentReference", id.as_str());
    let (tcode, tdisplay) = *ctx.rng.pick(NOTE_TYPES);
    let p = ctx.patient.clone();
    let doctor = &ctx.pool.practitioners[v.practitioner];
    let (doctor_given, doctor_family) = (doctor.given.clone(), doctor.family.clone());
    let age = (v.start - p.birth) / YEAR;
    let dob = fmt_date(p.birth);
    let visit = fmt_date(v.start);
    let [line, city, state, zip] = &p.address;
    let [contact_given, contact_family, contact_phone] = &p.contact;
    let mut fragments = vec![
        (p.given.clone(), K::Name),
        (p.family.clone(), K::Name),
        (p.mrn.clone(), K::Mrn),
        (dob.clone(), K::BirthDate),
        (p.phone.clone(), K::Phone),
        (line.clone(), K::AddressLine),
        (city.clone(), K::City),
        (zip.clone(), K::PostalCode),
        (contact_given.clone(), K::Name),
        (contact_family.clone(), K::Name),
        (contact_phone.clone(), K::Phone),
        (visit.clone(), K::Date),
        (fmt_date(v.end), K::Date),
        (doctor_given.clone(), K::PractitionerName),
        (doctor_family.clone(), K::PractitionerName),
    ];
    let mut text = format!(
        "{tdisplay}\nPatient: {family}, {given}    MRN: {mrn}    DOB: {dob}\n\
         Address: {line}, {city}, {state} {zip}\nPhone: {phone}\n\
         Emergency contact (relative): {contact_given} {contact_family}, phone {contact_phone}\n\
         Date of service: {visit}\nAttending physician: {doctor_given} {doctor_family}, MD\n\n",
        family = p.family,
        given = p.given,
        mrn = p.mrn,
        phone = p.phone,
    );
    let age_text = format!("{age}-year-old");
    if age > 89 {
        fragments.push((age_text.clone(), K::Age));
    }
    let sex = if p.female { "woman" } else { "man" };
    text.push_str(&format!(
        "History of present illness: {given} is a {age_text} {sex} seen for {reason}, \
         accompanied by {contact_given}. ",
        given = p.given,
        reason = v.kind.1.trim_end_matches(" (procedure)").to_lowercase(),
    ));
    if let Some(prev) = previous {
        let d = fmt_date(prev);
        text.push_str(&format!("Last seen in clinic on {d}. "));
        fragments.push((d, K::Date));
    }
    text.push_str(
        "Reports adherence to medications and denies fever, chest pain or shortness of breath.\n\n",
    );
    text.push_str(&format!("Examination: {}\n\n", ctx.rng.pick(FINDINGS)));
    text.push_str(&format!("Assessment and plan: {}\n", ctx.rng.pick(PLANS)));
    text.push_str(&format!(
        "Follow-up in {} weeks.\n\n",
        ctx.rng.random_range(2..13)
    ));
    text.push_str(&format!(
        "Electronically signed by Dr. {doctor_family} on {}\n",
        fmt_datetime(v.end)
    ));
    // One entry per value (a relative may share the patient's family name).
    fragments.sort();
    fragments.dedup_by(|a, b| a.0 == b.0);
    for (value, part) in &fragments {
        ctx.plant_fragment(*part, value, h);
    }
    let meta = ctx.meta_raw(v.end);
    let subject_form = if ctx.rng.chance(0.5) {
        PatientRef::RelativeWithDisplay
    } else {
        PatientRef::Relative
    };
    ctx.plant_patient_ref(subject_form, h);
    let mut j = ctx.out.begin(DOCUMENT_REFERENCE);
    j.raw("{\"resourceType\":\"DocumentReference\",\"id\":")
        .str(&id)
        .raw(",\"meta\":")
        .meta(&meta)
        .raw(",\"status\":\"current\",\"docStatus\":\"final\",\"type\":")
        .concept(system::LOINC, tcode, tdisplay)
        .raw(",\"category\":[")
        .concept(
            "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
            "clinical-note",
            "Clinical Note",
        )
        .raw("],\"subject\":")
        .patient_ref(subject_form, &ctx.patient)
        .raw(",\"date\":")
        .datetime(v.end)
        .raw(",\"author\":[")
        .abs("Practitioner", &ctx.pool.practitioners[v.practitioner].id)
        .raw("],\"custodian\":")
        .reference("Organization/", &ctx.pool.organizations[v.organization].id)
        .raw(",\"content\":[{\"attachment\":{\"contentType\":\"text/plain; charset=utf-8\",\"data\":")
        .base64(text.as_bytes())
        .raw(",\"title\":")
        .str(tdisplay)
        .raw(",\"creation\":")
        .datetime(v.end)
        .raw("}}],\"context\":{\"encounter\":[")
        .reference("Encounter/", &v.id)
        .raw("],\"period\":{\"start\":")
        .datetime(v.start)
        .raw(",\"end\":")
        .datetime(v.end)
        .raw("}}}");
    j.end();
}
