//! `starvit-e2e`: the whole chain on local emulators, for the emulator suite and `make demo`.
//!
//! Module map:
//! - [`stack`]  the local cloud (`localcloud/up.sh`), stopped on drop even when a test fails.
//! - [`procs`]  function services as real child processes (killable mid-file), stopped on drop.
//! - [`demo`]   timed stages and the printed summary of `make demo`.
//! - [`chain`]  buckets + functions + the local Eventarc wired together; upload an export, wait
//!   for the chain to go idle, read back what landed.
//!
//! Functions run as separate processes, as on Cloud Run, so "a function killed mid-file" is a
//! real SIGKILL. The local Eventarc runs in-process so tests can read its counters.

pub mod chain;
pub mod demo;
pub mod procs;
pub mod stack;

use std::path::{Path, PathBuf};

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether emulator tests must run (CI) rather than skip when the stack cannot be installed.
#[must_use]
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
