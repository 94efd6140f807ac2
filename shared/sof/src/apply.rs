//! The project's views: a folder of ViewDefinition JSON files (`views/<name>.json`), each
//! created as the BigQuery view `<views dataset>.<name>` over the raw table of its resource
//! (`<raw dataset>.<Resource>`, the current version of each resource) with `CREATE OR REPLACE
//! VIEW`. One code path for production and the emulators; run it after the raw tables exist
//! (it is idempotent: re-running replaces each view with the SQL of its current file).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::run::Runner;

/// One view file.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewFile {
    /// The view's name: the file stem (`observation_components`).
    pub name: String,
    /// The ViewDefinition.
    pub definition: Value,
}

/// Why the views could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A view file could not be read, parsed or named.
    #[error("view file {path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A view does not compile.
    #[error("view {name}: {source}")]
    Compile {
        /// The view's name.
        name: String,
        /// The compiler's error.
        source: Error,
    },
    /// BigQuery refused a statement.
    #[error("view {name}: {source}")]
    BigQuery {
        /// The view's name.
        name: String,
        /// The BigQuery error.
        source: starvit_gcp::GcpError,
    },
}

/// Reads every `*.json` in `dir`, sorted by name.
///
/// # Errors
/// [`ApplyError::File`] for an unreadable file, bad JSON, or a file name that is not a table
/// name (`[a-z0-9_]`).
pub fn load_dir(dir: &Path) -> Result<Vec<ViewFile>, ApplyError> {
    let error = |path: &Path, detail: String| ApplyError::File {
        path: path.to_path_buf(),
        detail,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| error(dir, e.to_string()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| {
                    s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
                .ok_or_else(|| error(path, "the file name must be [a-z0-9_].json".into()))?;
            let text = std::fs::read_to_string(path).map_err(|e| error(path, e.to_string()))?;
            let definition = serde_json::from_str(&text).map_err(|e| error(path, e.to_string()))?;
            Ok(ViewFile {
                name: name.to_owned(),
                definition,
            })
        })
        .collect()
}

/// The `CREATE OR REPLACE VIEW` statement of `view`: `project.views_dataset.name` over the
/// current version of each resource of `project.raw_dataset.<Resource>` (the rule graph
/// snapshots use too: [`starvit_warehouse::tables::current_version_order`]).
///
/// # Errors
/// [`ApplyError::Compile`].
pub fn create_view_sql(
    view: &ViewFile,
    project: &str,
    raw_dataset: &str,
    views_dataset: &str,
) -> Result<String, ApplyError> {
    let compile_error = |source| ApplyError::Compile {
        name: view.name.clone(),
        source,
    };
    let resource = crate::resource_of(&view.definition).map_err(compile_error)?;
    let compiled = crate::compile_current(
        &view.definition,
        &format!("{project}.{raw_dataset}.{resource}"),
        &starvit_warehouse::tables::current_version_order(""),
    )
    .map_err(compile_error)?;
    Ok(format!(
        "CREATE OR REPLACE VIEW `{project}.{views_dataset}.{}` AS {}",
        view.name, compiled.sql
    ))
}

/// Creates (or replaces) every view of `dir` in `views_dataset`, which must exist. Returns
/// `(view name, resource type)` per view.
///
/// # Errors
/// [`ApplyError`]; views before the failing one stay created.
pub async fn apply(
    runner: &Runner,
    dir: &Path,
    raw_dataset: &str,
    views_dataset: &str,
) -> Result<Vec<(String, String)>, ApplyError> {
    let views = load_dir(dir)?;
    let mut out = Vec::new();
    for view in &views {
        let sql = create_view_sql(view, runner.project_id(), raw_dataset, views_dataset)?;
        runner
            .query(&sql)
            .await
            .map_err(|source| ApplyError::BigQuery {
                name: view.name.clone(),
                source,
            })?;
        let resource = crate::resource_of(&view.definition).unwrap_or_default();
        out.push((view.name.clone(), resource));
    }
    Ok(out)
}
