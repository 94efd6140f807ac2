//! One patient's record: the Patient, then a timeline of encounters and what happened in them.

use rand::Rng;
use serde_json::Value;

use crate::care;
use crate::clinical::{self, Visit};
use crate::document;
use crate::fhir::Ctx;
use crate::json::Out;
use crate::patient;
use crate::planted::Planted;
use crate::pool::Pool;
use crate::rng::{DAY, YEAR, stream_rng};

/// Everything generated for one patient.
#[derive(Debug, Clone, Default)]
pub struct PatientRecord {
    /// Resources, Patient first, then in timeline order.
    pub resources: Vec<Value>,
    /// Identifying values planted in them.
    pub planted: Vec<Planted>,
}

/// Generates patient `index` of `seed` against `pool` (which must be `Pool::new(seed)`).
pub fn patient_record(pool: &Pool, seed: u64, now: i64, index: u64) -> PatientRecord {
    let (out, planted) = patient_lines(pool, seed, now, index, Out::default());
    PatientRecord {
        resources: out.values(),
        planted,
    }
}

/// Like [`patient_record`], as NDJSON lines appended to `out` (cleared first, so its buffers can be
/// reused), with the planted values.
pub fn patient_lines(
    pool: &Pool,
    seed: u64,
    now: i64,
    index: u64,
    mut out: Out,
) -> (Out, Vec<Planted>) {
    out.clear();
    let mut ctx = Ctx {
        rng: stream_rng(seed, index.wrapping_add(1)),
        pool,
        now,
        out,
        planted: Vec::with_capacity(64),
        patient: Default::default(),
    };
    patient::patient(&mut ctx, index);
    let end = ctx.end() - DAY;
    let start = (ctx.patient.birth + 30 * DAY).max(end - 12 * YEAR);
    let n = ctx.rng.random_range(3..=12);
    let mut times: Vec<i64> = (0..n)
        .map(|_| ctx.rng.random_range(start..end.max(start + 1)))
        .collect();
    times.sort_unstable();
    let (payer, member) = care::insurance(&mut ctx);
    let mut previous: Option<i64> = None;
    let mut chronic: Option<String> = None;
    let mut visits: Vec<Visit> = Vec::with_capacity(times.len());
    for t in times {
        let v = clinical::encounter(&mut ctx, t);
        clinical::vitals(&mut ctx, &v);
        if ctx.rng.random_bool(0.4) {
            clinical::lab_panel(&mut ctx, &v, previous);
        }
        if ctx.rng.random_bool(0.2) {
            clinical::single_lab(&mut ctx, &v);
        }
        let mut reason = None;
        if ctx.rng.random_bool(0.3) {
            let (id, is_chronic) = care::condition(&mut ctx, &v);
            if is_chronic && chronic.is_none() {
                chronic = Some(id.clone());
            }
            reason = Some(id);
        }
        if ctx.rng.random_bool(0.4) {
            care::medication_request(&mut ctx, &v, reason.as_deref());
        }
        if ctx.rng.random_bool(0.2) {
            care::procedure(&mut ctx, &v);
        }
        if ctx.rng.random_bool(0.25) {
            care::immunization(&mut ctx, &v);
        }
        if ctx.rng.random_bool(0.35) {
            document::note(&mut ctx, &v, previous);
        }
        care::claim(&mut ctx, &v, payer, &member);
        previous = Some(v.start);
        visits.push(v);
    }
    let allergies = ctx.rng.random_range(0..3);
    for _ in 0..allergies {
        let t = ctx.rng.random_range(start..end.max(start + 1));
        care::allergy(&mut ctx, t);
    }
    if let (Some(condition), Some(v)) = (chronic, visits.last()) {
        care::care_plan(&mut ctx, v, &condition);
    }
    (ctx.out, ctx.planted)
}
