//! Helpers shared by the integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use serde_json::Value;
use starvit_deid::{Engine, EngineOptions, Key, MemoryQuarantine, Policy, Summary};

/// A fixed test key (never a production key).
pub fn key() -> Key {
    Key::from_bytes(b"starvit-test-key-not-a-secret".to_vec()).unwrap()
}

/// Engine with a fixed reference date so ages and goldens are stable.
pub fn engine(policy: &str) -> Engine {
    let opts = EngineOptions {
        reference_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        ..EngineOptions::default()
    };
    Engine::with_options(Policy::builtin(policy).unwrap(), &key(), opts)
}

pub const SMALL: &str = include_str!("../fixtures/small.ndjson");

/// Runs the engine over NDJSON text; returns parsed output lines and the summary.
pub fn run(engine: &Engine, input: &str) -> (Vec<Value>, Summary) {
    let mut out = Vec::new();
    let summary = engine
        .deid_ndjson(input.as_bytes(), &mut out, &mut MemoryQuarantine::default())
        .unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, summary)
}

/// The shared test data folder, `None` (skip) when absent; panics when absent under CI=true.
pub fn shared_data() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} not found", p.display());
    None
}
