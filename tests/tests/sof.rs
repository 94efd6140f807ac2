//! The official SQL-on-FHIR v2 conformance suite (`../shared/data/sql-on-fhir-tests`, 22 files,
//! 134 tests) on local-bigquery: each file's resources loaded into a table with the raw
//! tables' columns, each view compiled by `starvit-sof` and run through `starvit-gcp`, rows
//! compared as the suite specifies. Prints `N passed, M failed`.
//!
//! A test the emulator cannot run belongs in [`EMULATOR_ONLY`] with the emulator's reason, and
//! its SQL is pinned by a golden test in `shared/sof/tests/golden` instead; the list is empty:
//! local-bigquery runs all 134.

use std::path::PathBuf;

use starvit_e2e::stack::Stack;

/// `(file, title, why the emulator differs from BigQuery)`.
const EMULATOR_ONLY: &[(&str, &str, &str)] = &[];

fn suite_dir() -> Option<PathBuf> {
    let dir = starvit_e2e::repo_root().join("../shared/data/sql-on-fhir-tests");
    if dir.join("tests").is_dir() {
        return Some(dir);
    }
    assert!(
        !starvit_e2e::required(),
        "CI=true and {} is missing",
        dir.display()
    );
    eprintln!(
        "SKIPPED sof conformance: {} is missing; CI=true makes this a failure",
        dir.display()
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_suite_passes_on_local_bigquery() {
    let Some(suite) = suite_dir() else { return };
    let Some(stack) = Stack::start_or_skip("sof") else {
        return;
    };
    let runner = starvit_e2e::views::runner(
        &starvit_gcp::GcpConfig::from_vars(stack.gcp_vars()).expect("gcp"),
        "conformance",
    )
    .await
    .expect("bigquery client");
    runner
        .client()
        .ensure_dataset("sof_conformance")
        .await
        .expect("dataset");
    let columns: Vec<(&str, &str)> = bq_load::columns::RAW
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.field_type.as_str()))
        .collect();
    let outcomes =
        starvit_sof::conformance::run_suite(&runner, &suite, "sof_conformance", &columns)
            .await
            .expect("suite");
    let mut unexpected = Vec::new();
    for o in outcomes.iter().filter(|o| !o.passed) {
        let listed = EMULATOR_ONLY
            .iter()
            .find(|(file, title, _)| *file == o.file && *title == o.title);
        match listed {
            Some((_, _, why)) => println!("EMULATOR-ONLY {} / {}: {why}", o.file, o.title),
            None => {
                println!("FAILED {} / {}: {}", o.file, o.title, o.detail);
                unexpected.push(format!("{} / {}", o.file, o.title));
            }
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    println!(
        "sql-on-fhir conformance: {} passed, {failed} failed",
        outcomes.len() - failed
    );
    assert_eq!(outcomes.len(), 134, "the suite has 134 tests");
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
}
