//! Writing an export to a directory: NDJSON per type, `manifest.json`, `planted-identifiers.json`.
//!
//! Patients (or, under [`Growth::History`], patients' chapters) are generated optionally on several
//! threads and always written in order, so the bytes do not depend on the thread count.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

use serde_json::Value;

use crate::json::Out;
use crate::manifest::{Manifest, ManifestOutput};
use crate::planted::Planted;
use crate::refs::BASE_URL;
use crate::{Generator, Growth, Summary, SynthConfig, SynthError};

pub use crate::resource_types::{RESOURCE_TYPES, types};

/// NDJSON lines of one patient (or of the pool), split by type, with what was planted in them.
#[derive(Debug, Default)]
struct Lines {
    out: Out,
    planted: Vec<Planted>,
}

impl Lines {
    fn from_values(resources: &[Value], planted: Vec<Planted>) -> Self {
        let mut out = Out::default();
        resources.iter().for_each(|r| out.push(r));
        Self { out, planted }
    }
}

/// Emptied [`Out`]s handed back to the generating threads, so buffers are reused.
#[derive(Debug, Default)]
struct Recycle(Mutex<Vec<Out>>);

impl Recycle {
    fn take(&self) -> Out {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    fn give(&self, out: Out) {
        if let Ok(mut v) = self.0.lock() {
            v.push(out);
        }
    }
}

struct Sink {
    dir: PathBuf,
    files: Vec<Option<BufWriter<File>>>,
    count: Vec<u64>,
    bytes: u64,
    planted: Vec<Planted>,
}

impl Sink {
    fn io(&self, name: &str) -> impl Fn(std::io::Error) -> SynthError + use<> {
        let path = self.dir.join(name);
        move |source| SynthError::Io {
            path: path.clone(),
            source,
        }
    }

    fn write(&mut self, lines: Lines) -> Result<Out, SynthError> {
        for (i, buf) in lines.out.bufs.iter().enumerate() {
            if buf.is_empty() {
                continue;
            }
            if self.files[i].is_none() {
                let name = format!("{}.ndjson", RESOURCE_TYPES[i]);
                let f = File::create(self.dir.join(&name)).map_err(self.io(&name))?;
                self.files[i] = Some(BufWriter::with_capacity(1 << 20, f));
            }
            if let Some(f) = self.files[i].as_mut()
                && let Err(e) = f.write_all(buf)
            {
                return Err(self.io(&format!("{}.ndjson", RESOURCE_TYPES[i]))(e));
            }
            self.count[i] += lines.out.count[i];
            self.bytes += buf.len() as u64;
        }
        self.planted.extend(lines.planted);
        Ok(lines.out)
    }
}

/// The units of generation, in write order: unit `u` is one patient's chapter of history.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The fixed population under [`Growth::History`] growth to a size.
    population: Option<u64>,
    /// Units always written before the size may stop generation.
    min: u64,
    /// Units never exceeded.
    max: u64,
}

impl Plan {
    fn of(cfg: &SynthConfig) -> Self {
        let p = cfg.patients;
        match (cfg.target_bytes, cfg.growth) {
            (None, _) => Self {
                population: None,
                min: p,
                max: p,
            },
            (Some(_), Growth::People) => Self {
                population: None,
                min: 0,
                max: u64::MAX,
            },
            (Some(_), Growth::History) => Self {
                population: Some(p),
                min: p,
                max: if p == 0 { 0 } else { u64::MAX },
            },
        }
    }

    /// Unit `u`: patient `u` (chapter 0), or under a fixed population P chapter `u / P` of
    /// patient `u % P` (round by round).
    fn lines(self, generator: &Generator, u: u64, out: Out) -> (Out, Vec<Planted>) {
        match self.population {
            Some(p) if p > 0 => generator.chapter_lines(u % p, u / p, out),
            _ => generator.patient_lines(u, out),
        }
    }

    /// Patients in the first `units` units.
    fn patients(self, units: u64) -> u64 {
        self.population.map_or(units, |p| p.min(units))
    }
}

/// Writes the export described by `cfg` into `out` (created if missing).
pub fn generate(cfg: &SynthConfig, out: &Path) -> Result<Summary, SynthError> {
    std::fs::create_dir_all(out).map_err(|source| SynthError::Io {
        path: out.to_owned(),
        source,
    })?;
    let generator = Generator::new(cfg.seed);
    let mut sink = Sink {
        dir: out.to_owned(),
        files: (0..RESOURCE_TYPES.len()).map(|_| None).collect(),
        count: vec![0; RESOURCE_TYPES.len()],
        bytes: 0,
        planted: Vec::new(),
    };
    sink.write(Lines::from_values(
        &generator.pool.resources,
        generator.pool.planted.clone(),
    ))?;
    let plan = Plan::of(cfg);
    let done = |s: &Sink, written: u64| {
        written >= plan.max
            || (written >= plan.min && cfg.target_bytes.is_some_and(|t| s.bytes >= t))
    };
    let mut written = 0u64;
    let threads = cfg.threads.max(1);
    if threads == 1 {
        let mut out = Out::default();
        while !done(&sink, written) {
            let (o, planted) = plan.lines(&generator, written, out);
            out = sink.write(Lines { out: o, planted })?;
            written += 1;
        }
    } else {
        written = parallel(&generator, plan, threads, &mut sink, &done)?;
    }
    let written = plan.patients(written);
    for (i, f) in sink.files.iter_mut().enumerate() {
        if let Some(f) = f {
            let name = format!("{}.ndjson", RESOURCE_TYPES[i]);
            f.flush().map_err(|source| SynthError::Io {
                path: out.join(name),
                source,
            })?;
        }
    }
    write_manifest(&generator, &sink, out)?;
    write_planted(cfg.seed, written, &sink.planted, out)?;
    Ok(Summary {
        patients: written,
        counts: RESOURCE_TYPES
            .iter()
            .zip(&sink.count)
            .filter(|(_, c)| **c > 0)
            .map(|(t, c)| ((*t).to_owned(), *c))
            .collect(),
        ndjson_bytes: sink.bytes,
        planted: sink.planted.len(),
        transaction_time: crate::rng::fmt_datetime(generator.now),
    })
}

/// Generates patients on `threads` workers and writes them in index order until `done`.
fn parallel(
    generator: &Generator,
    plan: Plan,
    threads: usize,
    sink: &mut Sink,
    done: &dyn Fn(&Sink, u64) -> bool,
) -> Result<u64, SynthError> {
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let recycle = Recycle::default();
    let (tx, rx) = mpsc::sync_channel::<(u64, Lines)>(threads * 8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, recycle) = (&next, &stop, &recycle);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (out, planted) = plan.lines(generator, i, recycle.take());
                    if tx.send((i, Lines { out, planted })).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut written = 0u64;
        let mut result = Ok(());
        while !done(sink, written) {
            let Ok((i, lines)) = rx.recv() else { break };
            pending.insert(i, lines);
            while let Some(lines) = pending.remove(&written) {
                match sink.write(lines) {
                    Ok(out) => recycle.give(out),
                    Err(e) => result = Err(e),
                }
                written += 1;
                if result.is_err() || done(sink, written) {
                    break;
                }
            }
            if result.is_err() {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        drop(rx);
        result.map(|()| written)
    })
}

fn write_manifest(generator: &Generator, sink: &Sink, out: &Path) -> Result<(), SynthError> {
    let types: Vec<&str> = RESOURCE_TYPES
        .iter()
        .zip(&sink.count)
        .filter(|(_, c)| **c > 0)
        .map(|(t, _)| *t)
        .collect();
    let manifest = Manifest {
        transaction_time: crate::rng::fmt_datetime(generator.now),
        request: format!("{BASE_URL}/$export?_type={}", types.join(",")),
        requires_access_token: false,
        output: RESOURCE_TYPES
            .iter()
            .zip(&sink.count)
            .filter(|(_, c)| **c > 0)
            .map(|(t, c)| ManifestOutput {
                resource_type: (*t).to_owned(),
                url: format!("{t}.ndjson"),
                count: *c,
            })
            .collect(),
        error: Vec::new(),
    };
    let path = out.join("manifest.json");
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|source| SynthError::Io { path, source })
}

/// Writes `planted-identifiers.json` with one identifier per line (valid JSON, diff-friendly).
fn write_planted(
    seed: u64,
    patients: u64,
    planted: &[Planted],
    out: &Path,
) -> Result<(), SynthError> {
    let path = out.join("planted-identifiers.json");
    let io = |source| SynthError::Io {
        path: path.clone(),
        source,
    };
    let mut w = BufWriter::new(File::create(&path).map_err(io)?);
    write!(
        w,
        "{{\"seed\":{seed},\"patients\":{patients},\"identifiers\":["
    )
    .map_err(io)?;
    for (i, p) in planted.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        serde_json::to_writer(&mut w, p).map_err(|e| io(e.into()))?;
    }
    w.write_all(b"\n]}\n").map_err(io)?;
    w.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::{RESOURCE_TYPES, types::*};

    #[test]
    fn type_indices_match_the_table() {
        for (i, t) in [
            (ALLERGY_INTOLERANCE, "AllergyIntolerance"),
            (CARE_PLAN, "CarePlan"),
            (CLAIM, "Claim"),
            (CONDITION, "Condition"),
            (DIAGNOSTIC_REPORT, "DiagnosticReport"),
            (DOCUMENT_REFERENCE, "DocumentReference"),
            (ENCOUNTER, "Encounter"),
            (IMMUNIZATION, "Immunization"),
            (MEDICATION_REQUEST, "MedicationRequest"),
            (OBSERVATION, "Observation"),
            (PROCEDURE, "Procedure"),
        ] {
            assert_eq!(RESOURCE_TYPES[i], t);
        }
        assert!(RESOURCE_TYPES.is_sorted());
    }
}
