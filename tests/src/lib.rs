//! `starvit-e2e`: the whole chain on local emulators, for the emulator suite and `make demo`.
//!
//! Module map:
//! - [`stack`]  the local cloud (`localcloud/up.sh`), stopped on drop even when a test fails: the
//!   one guard, `starvit-localcloud` (also used by `starvit-gcp`'s emulator tests).
//! - [`procs`]  function services as real child processes (killable mid-file), stopped on drop.
//! - [`demo`]   timed stages and the printed summary of `make demo`.
//! - [`chain`]  buckets + functions + the local Eventarc wired together; upload an export, wait
//!   for the chain to go idle, read back what landed.
//! - [`notes`]  clinical notes across the boundary: decoded, counted, searched for planted values.
//! - [`views`]  the SQL-on-FHIR views of `views/` created over the raw tables and counted.
//! - [`analytics`]  `dbt build` of `analytics/` on the stack, read back (cohorts, features,
//!   splits, test results), and the t2dm example computed independently.
//!
//! Functions run as separate processes, as on Cloud Run, so "a function killed mid-file" is a
//! real SIGKILL. The local Eventarc runs in-process so tests can read its counters.

pub mod analytics;
pub mod chain;
pub mod demo;
pub mod notes;
pub mod procs;
pub mod views;

pub use starvit_localcloud as stack;
pub use starvit_localcloud::{repo_root, required};

/// The `fn-*` service binaries Cargo built for this package's tests (`CARGO_BIN_EXE_*` exists only
/// where the test is compiled, so this expands there).
#[macro_export]
macro_rules! test_binaries {
    () => {
        $crate::chain::Binaries {
            deidentify: ::std::path::PathBuf::from(env!("CARGO_BIN_EXE_fn-deidentify")),
            bq_load: ::std::path::PathBuf::from(env!("CARGO_BIN_EXE_fn-bq-load")),
            graph_snapshot: ::std::path::PathBuf::from(env!("CARGO_BIN_EXE_fn-graph-snapshot")),
            bulk_export: ::std::path::PathBuf::from(env!("CARGO_BIN_EXE_fn-bulk-export")),
            relay: ::std::path::PathBuf::from(env!("CARGO_BIN_EXE_fn-subscription-relay")),
        }
    };
}

/// Lines per resource type (from each line's `resourceType`) of the NDJSON files in `dir`.
///
/// # Panics
/// On a file that cannot be read or a line that is not a resource (test data only).
#[must_use]
pub fn type_counts(dir: &std::path::Path) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for path in starvit_deid::scan::ndjson_files(dir).expect("list") {
        for line in std::fs::read_to_string(&path).expect("read").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            *out.entry(v["resourceType"].as_str().expect("type").to_owned())
                .or_default() += 1;
        }
    }
    out
}
