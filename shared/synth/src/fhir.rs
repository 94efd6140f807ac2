//! Small JSON builders for FHIR datatypes, and the per-patient generation context.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

pub use crate::json::Meta;
use crate::json::{J, Out};
use crate::planted::{Planted, PlantedKind};
use crate::pool::Pool;
use crate::refs::BASE_URL;
use crate::rng::{RngExt, fmt_datetime};
use crate::vocab::system;

pub use crate::values::{coding, concept, quantity, round};

/// Relative reference `Type/id`.
pub fn rel(resource_type: &str, id: &str) -> Value {
    json!({ "reference": format!("{resource_type}/{id}") })
}

/// Absolute reference `{BASE_URL}/Type/id`.
pub fn abs(resource_type: &str, id: &str) -> Value {
    json!({ "reference": format!("{BASE_URL}/{resource_type}/{id}") })
}

/// `urn:uuid:{id}` reference (ids are uuids).
pub fn urn(id: &str) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

/// The generation state of one patient: RNG, shared pool, patient facts and outputs.
#[derive(Debug)]
pub struct Ctx<'p> {
    /// The patient's RNG stream.
    pub rng: ChaCha8Rng,
    /// Shared practitioners, organizations and locations.
    pub pool: &'p Pool,
    /// Export instant (seconds since the epoch).
    pub now: i64,
    /// Resources produced so far (NDJSON lines by type).
    pub out: Out,
    /// Values planted so far.
    pub planted: Vec<Planted>,
    /// Patient facts used by clinical resources.
    pub patient: PatientFacts,
}

/// What clinical generators need to know about the patient.
#[derive(Debug, Default, Clone)]
pub struct PatientFacts {
    /// Resource id.
    pub id: String,
    /// Medical record number.
    pub mrn: String,
    /// First given name.
    pub given: String,
    /// Family name.
    pub family: String,
    /// Home phone.
    pub phone: String,
    /// First line, city, state and postal code of the home address.
    pub address: [String; 4],
    /// The emergency contact (`Patient.contact`, a relative): given name, family name, phone.
    pub contact: [String; 3],
    /// `true` for female.
    pub female: bool,
    /// Birth instant.
    pub birth: i64,
    /// Death instant, if deceased.
    pub death: Option<i64>,
}

impl Ctx<'_> {
    /// Records a planted value held by `resource_type/id`.
    pub fn plant(&mut self, kind: PlantedKind, value: &str, resource_type: &str, id: &str) {
        self.planted
            .push(Planted::new(kind, value, resource_type, id));
    }

    /// `meta` with a random version and a `lastUpdated` shortly after `t` (never after `now`).
    pub fn meta(&mut self, t: i64) -> Value {
        let m = self.meta_raw(t);
        json!({ "versionId": m.version.as_str(), "lastUpdated": fmt_datetime(m.last_updated) })
    }

    /// The draws of [`Ctx::meta`], for direct writers ([`J::meta`]).
    pub fn meta_raw(&mut self, t: i64) -> Meta {
        let last_updated = (t + self.rng.random_range(60..86_400 * 3)).min(self.now);
        Meta {
            version: self.rng.uuid_str(),
            last_updated,
        }
    }

    /// Records a fragment of free text (a [`PlantedKind::NoteFragment`] that is a `part`).
    pub fn plant_fragment(&mut self, part: PlantedKind, value: &str, holder: (&str, &str)) {
        self.planted
            .push(Planted::fragment(part, value, holder.0, holder.1));
    }

    /// Plants what [`Ctx::patient_ref`] plants, for direct writers ([`J::patient_ref`]).
    pub fn plant_patient_ref(&mut self, form: PatientRef, holder: (&str, &str)) {
        match form {
            PatientRef::Conditional => {
                let mrn = self.patient.mrn.clone();
                self.plant(PlantedKind::Mrn, &mrn, holder.0, holder.1);
            }
            PatientRef::RelativeWithDisplay => {
                let display = format!("{} {}", self.patient.given, self.patient.family);
                self.plant(PlantedKind::Name, &display, holder.0, holder.1);
            }
            PatientRef::Relative | PatientRef::Absolute | PatientRef::Urn => {}
        }
    }

    /// Plants what [`Ctx::practitioner_ref`] plants, for direct writers
    /// ([`J::practitioner_ref`]).
    pub fn plant_practitioner_ref(&mut self, idx: usize, holder: (&str, &str)) {
        let pr = &self.pool.practitioners[idx];
        self.planted.push(Planted::new(
            PlantedKind::PractitionerName,
            pr.display.as_str(),
            holder.0,
            holder.1,
        ));
    }

    /// The last instant the patient can have clinical events (death or export time).
    pub fn end(&self) -> i64 {
        self.patient.death.unwrap_or(self.now)
    }

    /// A reference to the patient; `display` (the patient's name) is added and planted when set.
    pub fn patient_ref(&mut self, form: PatientRef, holder: (&str, &str)) -> Value {
        let p = &self.patient;
        let mut r = match form {
            PatientRef::Relative => rel("Patient", &p.id),
            PatientRef::Absolute => abs("Patient", &p.id),
            PatientRef::Urn => urn(&p.id),
            PatientRef::Conditional => {
                let mrn = p.mrn.clone();
                self.plant(PlantedKind::Mrn, &mrn, holder.0, holder.1);
                json!({ "reference": format!("Patient?identifier={}|{mrn}", system::MRN) })
            }
            PatientRef::RelativeWithDisplay => {
                let display = format!("{} {}", p.given, p.family);
                let r = json!({ "reference": format!("Patient/{}", p.id), "display": display });
                self.plant(PlantedKind::Name, &display, holder.0, holder.1);
                r
            }
        };
        if let (PatientRef::Urn | PatientRef::Conditional, Value::Object(m)) = (form, &mut r) {
            m.insert("type".to_owned(), json!("Patient"));
        }
        r
    }

    /// An absolute reference to a pool practitioner, with its name as `display` (planted).
    pub fn practitioner_ref(&mut self, idx: usize, holder: (&str, &str)) -> Value {
        let pr = &self.pool.practitioners[idx];
        let r = json!({
            "reference": format!("{BASE_URL}/Practitioner/{}", pr.id),
            "display": pr.display,
        });
        let display = pr.display.clone();
        self.plant(PlantedKind::PractitionerName, &display, holder.0, holder.1);
        r
    }
}

impl J<'_> {
    /// What [`Ctx::patient_ref`] builds, written directly.
    pub fn patient_ref(&mut self, form: PatientRef, p: &PatientFacts) -> &mut Self {
        self.raw("{\"reference\":");
        match form {
            PatientRef::Relative => self.str2("Patient/", &p.id),
            PatientRef::Absolute => self.strs(&[BASE_URL, "/Patient/", &p.id]),
            PatientRef::Urn => self.str2("urn:uuid:", &p.id).raw(",\"type\":\"Patient\""),
            PatientRef::Conditional => self
                .strs(&["Patient?identifier=", system::MRN, "|", &p.mrn])
                .raw(",\"type\":\"Patient\""),
            PatientRef::RelativeWithDisplay => self
                .str2("Patient/", &p.id)
                .raw(",\"display\":")
                .strs(&[&p.given, " ", &p.family]),
        };
        self.raw("}")
    }

    /// What [`Ctx::practitioner_ref`] builds, written directly.
    pub fn practitioner_ref(&mut self, pool: &Pool, idx: usize) -> &mut Self {
        let pr = &pool.practitioners[idx];
        self.raw("{\"reference\":")
            .strs(&[BASE_URL, "/Practitioner/", &pr.id])
            .raw(",\"display\":")
            .str(&pr.display)
            .raw("}")
    }

    /// What [`abs`] builds, written directly.
    pub fn abs(&mut self, resource_type: &str, id: &str) -> &mut Self {
        self.raw("{\"reference\":")
            .strs(&[BASE_URL, "/", resource_type, "/", id])
            .raw("}")
    }
}

/// Which reference form to use for the subject/patient of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientRef {
    /// `Patient/{id}`.
    Relative,
    /// `Patient/{id}` with `display` = the patient's name.
    RelativeWithDisplay,
    /// `{BASE_URL}/Patient/{id}`.
    Absolute,
    /// `urn:uuid:{id}`.
    Urn,
    /// `Patient?identifier={MRN system}|{mrn}`.
    Conditional,
}
