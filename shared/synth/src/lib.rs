//! `starvit-synth`: a deterministic generator of realistic synthetic FHIR R4 bulk exports.
//!
//! Tests, demos and benchmarks use it to get PHI-shaped data with a known ground truth: every
//! identifying value the generator writes is recorded in a planted-identifier list.
//!
//! # Output (see [`generate`])
//! - `<Type>.ndjson`: one compact JSON resource per line, for the 15 types in
//!   [`writer::RESOURCE_TYPES`].
//! - `manifest.json`: a Bulk Data manifest ([`Manifest`]): `transactionTime` (derived from the seed),
//!   `request`, `requiresAccessToken: false`, `output` with `type`, `url` (the file name, relative to
//!   the manifest) and `count`, and an empty `error`.
//! - `planted-identifiers.json` ([`PlantedList`]): deliberately not `*.ndjson`.
//!
//! # Determinism
//! Same `(patients, seed)` gives byte-identical files, whatever the thread count. Patient `i` uses a
//! ChaCha8 stream seeded from `(seed, i + 1)`; the shared pool (practitioners, organizations,
//! locations) uses stream 0; the export instant is derived from the seed; no hash-map iteration
//! order reaches the output. `--target-mb` mode stops after the first patient that reaches the size,
//! so it is deterministic too. Patient `i` is always the same whatever the number of patients.
//!
//! # Growth to a size ([`Growth`])
//! `target_bytes` with [`Growth::People`] (`starvit synth --target-mb N`) adds patients 0, 1, 2, ...
//! until the size is reached. With [`Growth::History`] (`--patients P --target-mb N`) the
//! population is exactly patients `0..P`, written in rounds: round 0 is those P patients as above
//! (so its files are a byte prefix of the people-grown export's), round `r` adds chapter `r` of
//! each patient's history in patient order (3-12 more encounters and what happened in them, 12
//! years further back, from a stream of `(seed, patient, chapter)`), and generation stops after
//! the first chapter that reaches the size (never before round 0 is complete).
//!
//! # Reference forms and how they resolve ([`RefIndex::resolve`])
//! All resource ids are lower-case UUIDs. Every `reference` string in the export has one of these
//! forms:
//! 1. **Relative** `Type/id` (e.g. `Observation.subject`, `Encounter.serviceProvider`): the top-level
//!    resource with that `resourceType` and `id`.
//! 2. **Absolute** `{BASE_URL}/Type/id` with [`BASE_URL`] = `https://medplum.example.org/fhir/R4`
//!    (practitioner references everywhere, `Claim.patient`): strip the base, then as relative.
//!    URLs under any other base do not resolve.
//! 3. **`urn:uuid:{uuid}`** (`DiagnosticReport.result`, `Condition.encounter`,
//!    `AllergyIntolerance.patient`): the one top-level resource, of any type, whose `id` is the uuid.
//! 4. **Contained `#id`** (`MedicationRequest.medicationReference` = `#med1`): the resource with
//!    that `id` in the `contained` array of the top-level resource holding the reference.
//! 5. **Conditional** `Type?identifier=system|value` (`Immunization.patient`, on the MRN system
//!    `http://hospital.example.org/mrn`): the one resource of `Type` with an `identifier` of that
//!    system and value. No other search parameter is used.
//!
//! `Claim.insurance.coverage` is a logical reference (an `identifier` only, no `reference`); it is
//! not meant to resolve. Some patient and practitioner references carry a `display` with the
//! person's name; those displays are planted.
//!
//! # Planted identifiers
//! Every value of these fields, wherever it occurs, is planted with its holder: `HumanName.given`
//! and `.family` (not prefixes), `Address.line`/`.city`/`.postalCode` (not state or country),
//! phone and email `ContactPoint.value`, every `Identifier.value`, `birthDate`,
//! `deceasedDateTime`, the `patient-mothersMaidenName` value, the `patient-birthPlace` city, the
//! geolocation extension and `Location.position` (as `"lat,lon"`), person `Reference.display`, and
//! the identifying fragments of free text (names of the patient, a relative and the clinician,
//! MRN, phones, the home address, dates, ages over 89) in notes, `DiagnosticReport.conclusion`
//! and the base64 note of `DocumentReference`, as `NoteFragment`s with what each one is
//! ([`Planted::part`]). Other dates
//! (encounter periods, effective times) are not planted: they are handled by date shifting.
//!
//! # Module map
//! - [`rng`]: seeded streams, calendar formatting.
//! - [`vocab`]: names, places (incl. restricted ZIP3s), LOINC/SNOMED/RxNorm/CVX codes.
//! - [`values`]: `Coding`, `CodeableConcept`, `Quantity` values. [`resource_types`]: the 15 types.
//! - [`fhir`]: datatype builders and the per-patient context.
//! - [`pool`]: shared Practitioners, Organizations, Locations.
//! - [`patient`], [`clinical`], [`care`], [`document`]: resource generators; [`history`] ties
//!   them into one patient's timeline.
//! - [`refs`]: reference parsing and resolution. [`planted`], [`manifest`]: file schemas.
//! - [`json`]: per-type NDJSON buffers and the direct compact-JSON writer used by the hot
//!   resource types (no intermediate `serde_json::Value`).
//! - [`writer`]: the directory writer.

pub mod care;
pub mod clinical;
pub mod document;
pub mod fhir;
pub mod history;
pub mod json;
pub mod manifest;
pub mod patient;
pub mod planted;
pub mod pool;
pub mod refs;
pub mod resource_types;
pub mod rng;
pub mod values;
pub mod vocab;
pub mod writer;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use history::PatientRecord;
pub use manifest::{Manifest, ManifestOutput};
pub use planted::{Planted, PlantedKind, PlantedList, WordSet};
pub use pool::Pool;
pub use refs::{BASE_URL, RefError, RefForm, RefIndex, Target};
pub use writer::generate;

/// How an export grows to `target_bytes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Growth {
    /// Add patients until the size is reached (`patients` is ignored): the people grow with it.
    #[default]
    People,
    /// Keep exactly `patients` people and add history, a chapter per patient per round (see
    /// [`history::chapter_lines`]), until the size is reached: the people stay, the object grows.
    History,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Number of patients (with `target_bytes`: ignored under [`Growth::People`], the fixed
    /// population under [`Growth::History`]).
    pub patients: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Grow the export until its NDJSON reaches this many bytes, as `growth` says.
    pub target_bytes: Option<u64>,
    /// How `target_bytes` is reached.
    pub growth: Growth,
    /// Worker threads (1 = generate on the calling thread). The output does not depend on it.
    pub threads: usize,
}

impl SynthConfig {
    /// `patients` patients from `seed`, on one thread.
    pub fn new(patients: u64, seed: u64) -> Self {
        Self {
            patients,
            seed,
            target_bytes: None,
            growth: Growth::People,
            threads: 1,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Patients written.
    pub patients: u64,
    /// Resources per type (types with none are absent).
    pub counts: BTreeMap<String, u64>,
    /// Total bytes of all NDJSON files.
    pub ndjson_bytes: u64,
    /// Number of planted identifiers.
    pub planted: usize,
    /// The manifest's `transactionTime`.
    pub transaction_time: String,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Creating or writing a file failed.
    #[error("cannot write {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A generator bound to one seed: holds the shared pool and the export instant.
#[derive(Debug, Clone)]
pub struct Generator {
    /// The seed.
    pub seed: u64,
    /// Export instant, seconds since the epoch (derived from the seed).
    pub now: i64,
    /// Shared practitioners, organizations and locations.
    pub pool: Pool,
}

impl Generator {
    /// Builds the pool of `seed` and derives the export instant (a moment in 2025).
    pub fn new(seed: u64) -> Self {
        let day = i64::try_from(seed % 365).unwrap_or(0);
        let second = i64::try_from((seed / 365) % 86_400).unwrap_or(0);
        let now = rng::epoch_of(2025, 1, 1) + day * rng::DAY + second;
        Self {
            seed,
            now,
            pool: Pool::new(seed),
        }
    }

    /// Patient `index`: its Patient and every resource about it, plus what was planted.
    pub fn patient(&self, index: u64) -> PatientRecord {
        history::patient_record(&self.pool, self.seed, self.now, index)
    }
}

impl Generator {
    /// Patient `index` as NDJSON lines by type (written into `out`, reusing its buffers), with what
    /// was planted. The same resources as [`Generator::patient`], serialized.
    pub fn patient_lines(&self, index: u64, out: json::Out) -> (json::Out, Vec<Planted>) {
        history::patient_lines(&self.pool, self.seed, self.now, index, out)
    }

    /// Chapter `chapter` of patient `index`'s history as NDJSON lines (chapter 0 =
    /// [`Generator::patient_lines`]; see [`history::chapter_lines`]).
    pub fn chapter_lines(
        &self,
        index: u64,
        chapter: u64,
        out: json::Out,
    ) -> (json::Out, Vec<Planted>) {
        history::chapter_lines(&self.pool, self.seed, self.now, index, chapter, out)
    }
}

/// Patient `index` of `seed` in memory (same resources as in a written export).
pub fn patient_bundle(seed: u64, index: u64) -> PatientRecord {
    Generator::new(seed).patient(index)
}

/// A whole export in memory: pool resources then patients `0..patients`, with the planted list.
pub fn export_in_memory(seed: u64, patients: u64) -> (Vec<serde_json::Value>, Vec<Planted>) {
    let g = Generator::new(seed);
    let mut resources = g.pool.resources.clone();
    let mut planted = g.pool.planted.clone();
    for i in 0..patients {
        let rec = g.patient(i);
        resources.extend(rec.resources);
        planted.extend(rec.planted);
    }
    (resources, planted)
}
