//! `starvit-e2e`: the whole chain on local emulators, for the emulator suite and `make demo`.
//!
//! Module map:
//! - [`stack`]  the local cloud (`localcloud/up.sh`), stopped on drop even when a test fails: the
//!   one guard, `starvit-localcloud` (also used by `starvit-gcp`'s emulator tests).
//! - [`procs`]  function services as real child processes (killable mid-file), stopped on drop.
//! - [`demo`]   timed stages and the printed summary of `make demo`.
//! - [`chain`]  buckets + functions + the local Eventarc wired together; upload an export, wait
//!   for the chain to go idle, read back what landed.
//! - [`views`]  the SQL-on-FHIR views of `views/` created over the raw tables and counted.
//!
//! Functions run as separate processes, as on Cloud Run, so "a function killed mid-file" is a
//! real SIGKILL. The local Eventarc runs in-process so tests can read its counters.

pub mod chain;
pub mod demo;
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
