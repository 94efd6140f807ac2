//! Clinical notes across the boundary (issue 13), for the notes e2e test and `make demo`: the
//! texts of `DocumentReference` attachments (base64 `content[].attachment.data`) of the
//! synthesized PHI export and of what landed (de-ID bucket objects, BigQuery rows), decoded;
//! how many notes kept their text and how much of it; the planted values of the export (its
//! whole `planted-identifiers.json`) found in any landed text, which must be none; and the
//! project's leak scan over the landed resources with their notes decoded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use starvit_synth::{PlantedKind, PlantedList, WordSet};

use crate::chain::{Chain, RAW_DATASET};
use crate::demo::table::Table;

/// The texts of a resource's attachments (`content[].attachment.data`), decoded from base64
/// (data that is not base64 is returned as it is, so it is still searched).
#[must_use]
pub fn attachment_texts(resource: &Value) -> Vec<String> {
    resource["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["attachment"]["data"].as_str())
        .map(|data| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap_or_else(|_| data.as_bytes().to_vec());
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect()
}

/// What became of the notes of an export.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotesPart {
    /// The profile the chain ran.
    pub profile: String,
    /// Notes (attachment texts of `DocumentReference`s) in the PHI export.
    pub notes_in: u64,
    /// Notes that landed in BigQuery with their text (de-identified).
    pub notes_kept: u64,
    /// Notes whose text did not land (dropped by the profile, the leak gate or DLP).
    pub texts_dropped: u64,
    /// Notes with text in the de-ID bucket objects (equals `notes_kept` once loaded).
    pub notes_in_bucket: u64,
    /// Characters of the export's notes.
    pub chars_in: u64,
    /// Characters of the landed notes outside `[INFO_TYPE]` replacements.
    pub chars_kept: u64,
    /// `chars_kept` in percent of `chars_in`, one decimal.
    pub percent_kept: f64,
    /// Values planted in the export's notes, by what they are (`Name`, `Mrn`, ...).
    pub planted_in_notes: BTreeMap<String, u64>,
    /// Distinct values of the whole planted list searched in every landed text.
    pub planted_checked: u64,
    /// Of those, found (whole word, any case) in a landed text, by kind: must be empty.
    pub planted_surviving: BTreeMap<String, u64>,
    /// Hits of the leak scan (`starvit_deid::leakscan`, PHI export against the landed
    /// resources with their notes decoded): must be 0.
    pub leak_scan_hits: usize,
}

impl NotesPart {
    /// Planted values found in landed notes.
    #[must_use]
    pub fn surviving(&self) -> u64 {
        self.planted_surviving.values().sum()
    }

    /// The demo's table.
    #[must_use]
    pub fn table(&self) -> Table {
        let title = format!(
            "Clinical notes (profile {}: DocumentReference text through the DLP stub)",
            self.profile
        );
        let mut t = Table::new(&title, &["", ""]);
        t.row(vec!["notes in the export".into(), self.notes_in.into()]);
        t.row(vec![
            "notes in BigQuery with text".into(),
            self.notes_kept.into(),
        ]);
        t.row(vec!["texts dropped".into(), self.texts_dropped.into()]);
        t.row(vec![
            "note characters kept".into(),
            format!("{:.1}% of {}", self.percent_kept, self.chars_in).into(),
        ]);
        // One row per kind: one long cell would widen the whole table.
        for (kind, n) in &self.planted_in_notes {
            t.row(vec![
                format!("values planted in the notes: {kind}").into(),
                (*n).into(),
            ]);
        }
        t.row(vec![
            "planted values searched in landed notes".into(),
            self.planted_checked.into(),
        ]);
        t.row(vec![
            "planted values surviving".into(),
            self.surviving().into(),
        ]);
        t.row(vec![
            "leak scan hits (notes decoded)".into(),
            (self.leak_scan_hits as u64).into(),
        ]);
        t
    }
}

/// Compares the notes of the synthesized `export` directory (with its
/// `planted-identifiers.json`) with the de-identified `DocumentReference`s of the de-ID bucket
/// (`bucket`) and of BigQuery (`rows`, the `resource` column). `leak_scan_hits` is left 0.
///
/// # Errors
/// The export's files cannot be read.
pub fn check(
    profile: &str,
    export: &Path,
    bucket: &[Value],
    rows: &[Value],
) -> anyhow::Result<NotesPart> {
    let planted = PlantedList::read(&export.join("planted-identifiers.json"))?;
    let mut part = NotesPart {
        profile: profile.to_owned(),
        ..NotesPart::default()
    };
    let notes = std::fs::read_to_string(export.join("DocumentReference.ndjson"))?;
    for line in notes.lines() {
        for text in attachment_texts(&serde_json::from_str(line)?) {
            part.notes_in += 1;
            part.chars_in += text.chars().count() as u64;
        }
    }
    for p in &planted.identifiers {
        if p.kind == PlantedKind::NoteFragment && p.resource_type == "DocumentReference" {
            let what = format!("{:?}", p.part.unwrap_or(p.kind));
            *part.planted_in_notes.entry(what).or_default() += 1;
        }
    }
    let landed: Vec<String> = rows.iter().flat_map(attachment_texts).collect();
    part.notes_kept = landed.len() as u64;
    part.texts_dropped = part.notes_in.saturating_sub(part.notes_kept);
    part.chars_kept = landed
        .iter()
        .map(|t| starvit_dlp::text::kept_chars(t) as u64)
        .sum();
    let percent = 100.0 * part.chars_kept as f64 / part.chars_in.max(1) as f64;
    part.percent_kept = (percent * 10.0).round() / 10.0;
    let in_bucket: Vec<String> = bucket.iter().flat_map(attachment_texts).collect();
    part.notes_in_bucket = in_bucket.len() as u64;
    let values: BTreeMap<&str, PlantedKind> = planted
        .identifiers
        .iter()
        .map(|p| (p.value.as_str(), p.kind))
        .collect();
    part.planted_checked = values.len() as u64;
    let set = WordSet::new(values.keys().copied());
    let kinds: Vec<PlantedKind> = values.values().copied().collect();
    let texts: BTreeSet<&String> = landed.iter().chain(&in_bucket).collect();
    let mut found = BTreeSet::new();
    for text in texts {
        found.extend(set.found_in(text));
    }
    for i in found {
        *part
            .planted_surviving
            .entry(format!("{:?}", kinds[i]))
            .or_default() += 1;
    }
    Ok(part)
}

/// The project's leak scan of the PHI `export` against `resources` with every attachment
/// decoded (the scan itself does not decode base64, so a note would otherwise pass unread).
///
/// # Errors
/// The decoded copy cannot be written, or the scan fails.
pub fn leak_scan(
    export: &Path,
    resources: impl IntoIterator<Item = Value>,
) -> anyhow::Result<starvit_deid::scan::ScanReport> {
    let dir = tempfile::tempdir()?;
    let mut out = String::new();
    for r in resources {
        out.push_str(&serde_json::to_string(&decoded(r))?);
        out.push('\n');
    }
    std::fs::write(dir.path().join("landed.ndjson"), out)?;
    Ok(starvit_deid::leakscan(export, dir.path())?)
}

/// `resource` with every attachment's `data` replaced by its decoded text.
fn decoded(mut resource: Value) -> Value {
    for content in resource["content"].as_array_mut().into_iter().flatten() {
        let text = attachment_texts(&serde_json::json!({ "content": [content.clone()] }));
        if let Some(text) = text.into_iter().next() {
            content["attachment"]["data"] = Value::String(text);
        }
    }
    resource
}

/// Every resource of a directory of de-identified NDJSON (the downloaded bucket).
///
/// # Errors
/// Unreadable files or lines that are not JSON.
pub fn resources_in(dir: &Path) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for path in starvit_deid::scan::ndjson_files(dir)? {
        for line in std::fs::read_to_string(&path)?.lines() {
            out.push(serde_json::from_str(line)?);
        }
    }
    Ok(out)
}

/// The `resource` column of the raw table of `resource_type` (BigQuery returns a JSON column
/// as its text).
///
/// # Errors
/// The query fails or a cell is not JSON.
pub async fn bigquery_resources(chain: &Chain, resource_type: &str) -> anyhow::Result<Vec<Value>> {
    let sql = format!(
        "SELECT resource FROM {}",
        chain.table(RAW_DATASET, resource_type)
    );
    chain
        .query(&sql)
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .map(|cell| match cell {
            Value::String(s) => Ok(serde_json::from_str(&s)?),
            other => Ok(other),
        })
        .collect()
}

/// The notes of a chain run under `profile`: the synthesized `export` against the downloaded
/// de-ID bucket (`deid_dir`) and BigQuery's `DocumentReference` rows, with the leak scan over
/// both (notes decoded).
///
/// # Errors
/// Reading any of them fails.
pub async fn landed(
    chain: &Chain,
    profile: &str,
    export: &Path,
    deid_dir: &Path,
) -> anyhow::Result<NotesPart> {
    let bucket = resources_in(deid_dir)?;
    let rows = bigquery_resources(chain, "DocumentReference").await?;
    let documents: Vec<Value> = bucket
        .iter()
        .filter(|r| r["resourceType"] == "DocumentReference")
        .cloned()
        .collect();
    let mut part = check(profile, export, &documents, &rows)?;
    part.leak_scan_hits = leak_scan(export, bucket.into_iter().chain(rows))?
        .hits
        .len();
    Ok(part)
}
