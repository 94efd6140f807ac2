//! The official SQL-on-FHIR conformance suite (`tests/*.json`) run on BigQuery: per file, its
//! resources are loaded into a table with the raw tables' columns (`resource` JSON); per test,
//! the view is compiled against that table and run, and the rows are compared as the suite
//! says: as a multiset (order-insensitive), numbers by value, `expectError` met by a compile or
//! a query error, `expectColumns` by the column names in order.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::run::{Rows, Runner};
use crate::sql;

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The suite file's stem (`basic`).
    pub file: String,
    /// The test's title.
    pub title: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed (or, for an expected error, the error met).
    pub detail: String,
}

/// Why the suite could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A suite file could not be read or parsed.
    #[error("suite file {path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Creating or filling a test table failed.
    #[error("loading {file}: {source}")]
    Load {
        /// The suite file's stem.
        file: String,
        /// The BigQuery error.
        source: starvit_gcp::GcpError,
    },
}

/// Runs every `*.json` of `suite_dir/tests` (or `suite_dir` itself) in `dataset`, whose tables
/// get `columns` (`(name, BigQuery type)`, `id` and `resource` among them).
///
/// # Errors
/// [`SuiteError`] when a file cannot be read or its table cannot be loaded; a failing test is
/// an [`Outcome`], not an error.
pub async fn run_suite(
    runner: &Runner,
    suite_dir: &Path,
    dataset: &str,
    columns: &[(&str, &str)],
) -> Result<Vec<Outcome>, SuiteError> {
    let dir = if suite_dir.join("tests").is_dir() {
        suite_dir.join("tests")
    } else {
        suite_dir.to_path_buf()
    };
    let file_error = |path: &Path, detail: String| SuiteError::File {
        path: path.to_path_buf(),
        detail,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| file_error(&dir, e.to_string()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut outcomes = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e.to_string()))?;
        let suite: Value =
            serde_json::from_str(&text).map_err(|e| file_error(&path, e.to_string()))?;
        let stem = path
            .file_stem()
            .map(|s| {
                s.to_string_lossy()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            })
            .unwrap_or_default();
        let table = format!("{dataset}.sof_{stem}");
        load(runner, &table, columns, &suite)
            .await
            .map_err(|source| SuiteError::Load {
                file: stem.clone(),
                source,
            })?;
        for test in suite["tests"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let (passed, detail) = run_test(runner, &table, test).await;
            outcomes.push(Outcome {
                file: stem.clone(),
                title: test["title"].as_str().unwrap_or_default().to_owned(),
                passed,
                detail,
            });
        }
    }
    Ok(outcomes)
}

async fn load(
    runner: &Runner,
    table: &str,
    columns: &[(&str, &str)],
    suite: &Value,
) -> Result<(), starvit_gcp::GcpError> {
    let defs: Vec<String> = columns.iter().map(|(n, t)| format!("{n} {t}")).collect();
    runner
        .query(&format!(
            "CREATE OR REPLACE TABLE `{table}` ({})",
            defs.join(", ")
        ))
        .await?;
    let resources = suite["resources"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if resources.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r["id"]
                .as_str()
                .map_or_else(|| format!("row-{i}"), str::to_owned);
            format!(
                "({}, PARSE_JSON({}))",
                sql::string(&id),
                sql::string(&r.to_string())
            )
        })
        .collect();
    runner
        .query(&format!(
            "INSERT INTO `{table}` (id, resource) VALUES {}",
            rows.join(", ")
        ))
        .await?;
    Ok(())
}

async fn run_test(runner: &Runner, table: &str, test: &Value) -> (bool, String) {
    let expect_error = test["expectError"].as_bool().unwrap_or(false);
    let compiled = match crate::compile(&test["view"], table) {
        Ok(c) => c,
        Err(e) => return (expect_error, format!("compile error: {e}")),
    };
    let rows = match runner.query(&compiled.sql).await {
        Ok(rows) => rows,
        Err(e) => return (expect_error, format!("query error: {e}")),
    };
    if expect_error {
        return (false, "expected an error, got rows".to_owned());
    }
    let mut problems = Vec::new();
    if let Some(want) = test["expectColumns"].as_array() {
        let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
        if rows.columns != want {
            problems.push(format!("columns {:?}, expected {want:?}", rows.columns));
        }
    }
    if let Some(want) = test["expect"].as_array() {
        let (got, want) = (canonical_rows(&rows), expected_rows(want, &rows.columns));
        if got != want {
            problems.push(format!("rows {got:?}, expected {want:?}"));
        }
    }
    (problems.is_empty(), problems.join("; "))
}

/// Rows as sorted canonical JSON strings.
fn canonical_rows(rows: &Rows) -> Vec<String> {
    let mut out: Vec<String> = rows
        .rows
        .iter()
        .map(|row| {
            let obj: Map<String, Value> = rows
                .columns
                .iter()
                .cloned()
                .zip(row.iter().map(canonical))
                .collect();
            Value::Object(obj).to_string()
        })
        .collect();
    out.sort();
    out
}

fn expected_rows(want: &[Value], columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = want
        .iter()
        .map(|row| {
            let obj: Map<String, Value> = columns
                .iter()
                .map(|c| (c.clone(), canonical(row.get(c).unwrap_or(&Value::Null))))
                .chain(
                    row.as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| !columns.contains(k))
                        .map(|(k, v)| (format!("(missing) {k}"), v.clone())),
                )
                .collect();
            Value::Object(obj).to_string()
        })
        .collect();
    out.sort();
    out
}

/// Numbers by value (to 9 decimals), objects with sorted keys.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or_default();
            let rounded = (f * 1e9).round() / 1e9;
            if rounded.fract() == 0.0 && rounded.abs() < 9e15 {
                Value::from(rounded as i64)
            } else {
                Value::from(rounded)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::Object(obj) => {
            let mut sorted: Vec<(&String, &Value)> = obj.iter().collect();
            sorted.sort_by_key(|(k, _)| *k);
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}
