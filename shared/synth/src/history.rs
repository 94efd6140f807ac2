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
use crate::rng::{DAY, YEAR, chapter_rng};

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
    out: Out,
) -> (Out, Vec<Planted>) {
    chapter_lines(pool, seed, now, index, 0, out)
}

/// Chapter `chapter` of patient `index`'s history as NDJSON lines (into `out`, cleared first).
/// Chapter 0 is [`patient_lines`]: the Patient, then 3-12 encounters in the 12 years before the
/// export (or death). A later chapter (fixed-population growth, [`crate::Growth::History`]) is
/// the same patient (same id, name, MRN and insurance, not written again) with 3-12 more
/// encounters and what happened in them, from its own stream ([`chapter_rng`]), in the 12 years
/// before the previous chapter's; once the patient's life is used up, anywhere in it.
pub fn chapter_lines(
    pool: &Pool,
    seed: u64,
    now: i64,
    index: u64,
    chapter: u64,
    mut out: Out,
) -> (Out, Vec<Planted>) {
    out.clear();
    let mut ctx = Ctx {
        rng: chapter_rng(seed, index, 0),
        pool,
        now,
        out,
        planted: Vec::with_capacity(64),
        patient: Default::default(),
    };
    patient::patient(&mut ctx, index);
    let end = ctx.end() - DAY;
    let life = ctx.patient.birth + 30 * DAY;
    let mut window = (life.max(end - 12 * YEAR), end);
    let mut times = visit_times(&mut ctx, window);
    let (payer, member) = care::insurance(&mut ctx);
    if chapter > 0 {
        ctx.out.clear();
        ctx.planted.clear();
        ctx.rng = chapter_rng(seed, index, chapter);
        window = chapter_window(life, end, chapter);
        times = visit_times(&mut ctx, window);
    }
    timeline(&mut ctx, &times, window, (payer, &member));
    (ctx.out, ctx.planted)
}

/// 3-12 sorted visit instants in `[start, end)`.
fn visit_times(ctx: &mut Ctx<'_>, (start, end): (i64, i64)) -> Vec<i64> {
    let n = ctx.rng.random_range(3..=12);
    let mut times: Vec<i64> = (0..n)
        .map(|_| ctx.rng.random_range(start..end.max(start + 1)))
        .collect();
    times.sort_unstable();
    times
}

/// The years chapter `chapter` (at least 1) covers: the 12 years before chapter `chapter - 1`'s,
/// not before `life`; the whole `[life, end)` once fewer than a year of them is left.
fn chapter_window(life: i64, end: i64, chapter: u64) -> (i64, i64) {
    let span = 12 * YEAR;
    let back = i64::try_from(chapter).map_or(i64::MAX, |c| c.saturating_mul(span));
    let hi = end.saturating_sub(back);
    let lo = life.max(hi.saturating_sub(span));
    if hi - lo >= YEAR {
        (lo, hi)
    } else {
        (life, end)
    }
}

/// The visits at `times` and what happened in them, then allergies in `window` and a care plan
/// for the first chronic condition.
fn timeline(ctx: &mut Ctx<'_>, times: &[i64], (start, end): (i64, i64), insurance: (&str, &str)) {
    let (payer, member) = insurance;
    let mut previous: Option<i64> = None;
    let mut chronic: Option<String> = None;
    let mut last: Option<Visit> = None;
    for &t in times {
        let v = clinical::encounter(ctx, t);
        clinical::vitals(ctx, &v);
        if ctx.rng.random_bool(0.4) {
            clinical::lab_panel(ctx, &v, previous);
        }
        if ctx.rng.random_bool(0.2) {
            clinical::single_lab(ctx, &v);
        }
        let mut reason = None;
        if ctx.rng.random_bool(0.3) {
            let (id, is_chronic) = care::condition(ctx, &v);
            if is_chronic && chronic.is_none() {
                chronic = Some(id.clone());
            }
            reason = Some(id);
        }
        if ctx.rng.random_bool(0.4) {
            care::medication_request(ctx, &v, reason.as_deref());
        }
        if ctx.rng.random_bool(0.2) {
            care::procedure(ctx, &v);
        }
        if ctx.rng.random_bool(0.25) {
            care::immunization(ctx, &v);
        }
        if ctx.rng.random_bool(0.35) {
            document::note(ctx, &v, previous);
        }
        care::claim(ctx, &v, payer, member);
        previous = Some(v.start);
        last = Some(v);
    }
    let allergies = ctx.rng.random_range(0..3);
    for _ in 0..allergies {
        let t = ctx.rng.random_range(start..end.max(start + 1));
        care::allergy(ctx, t);
    }
    if let (Some(condition), Some(v)) = (chronic, last) {
        care::care_plan(ctx, &v, &condition);
    }
}
