//! The export manifest: `exports/<export id>/_manifest.json` in the PHI bucket.
//!
//! `bulk-export` writes it create-only after every file of the export landed, so its presence
//! means "the export is complete"; `deidentify` reads it to find the export's people files
//! (the leak gate's export-wide index). It names objects Starvit created and types, never a
//! URL (Medplum's are presigned credentials) and never content.

use serde::{Deserialize, Serialize};

/// Directory of the exports in the PHI bucket.
pub const EXPORTS_DIR: &str = "exports";
/// Base name of the manifest inside an export's directory.
pub const MANIFEST_FILE: &str = "_manifest.json";

/// What landed for one export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportManifest {
    /// The export job id (the directory name).
    pub export_id: String,
    /// The FHIR server's `transactionTime` of the export.
    pub transaction_time: String,
    /// `_since` the export was asked with.
    pub since: Option<String>,
    /// `_type` asked for.
    pub types: Vec<String>,
    /// The files that landed, in the server's manifest order.
    pub files: Vec<ManifestFile>,
    /// Types the server sent that were not asked for (not copied).
    pub skipped_types: Vec<String>,
    /// `OperationOutcome` files the server reported.
    pub error_files: usize,
}

/// One landed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Its resource type.
    #[serde(rename = "type")]
    pub ty: String,
    /// The object name in the PHI bucket (`exports/<export id>/<Type>.<nnn>.<pppp>.ndjson`).
    pub object: String,
    /// Bytes, when known.
    pub bytes: Option<u64>,
    /// Resources, when the server said (of the whole source file, for a part).
    pub count: Option<u64>,
    /// Where the part comes from, when the object is a part of a source file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<PartOf>,
}

/// The lineage of a part: which file of the server's manifest, which part of it, which lines.
/// Also in the part object's metadata ([`PartOf::to_object_metadata`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartOf {
    /// The source file: `<Type>.<nnn>` (its type and index among the type's files).
    pub source_file: String,
    /// 0-based part index within the source file.
    pub index: u32,
    /// 1-based first line of the source file in this part.
    pub first_line: u64,
    /// 1-based last line.
    pub last_line: u64,
    /// Where the part lies in the source file and how to check the file is still the same
    /// there; absent on parts landed before it was recorded (such a part is not resumed from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<PartBytes>,
}

/// A part's bytes in its source file: what `bulk-export` needs to resume the file after it
/// (an HTTP `Range` request from `last + 1`, checked against `tail_sha256`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartBytes {
    /// 0-based offset of its first byte.
    pub first: u64,
    /// 0-based offset of its last byte.
    pub last: u64,
    /// Hex SHA-256 of its last bytes (at most 4 KiB): the boundary a resumed download must
    /// find again before it goes on.
    pub tail_sha256: String,
    /// Whether it is the last part of its file (a file whose last part landed is not fetched
    /// again).
    pub end_of_file: bool,
}

impl PartOf {
    /// `starvit-part-of`, `starvit-part-index`, `starvit-part-lines` (`first-last`): object
    /// metadata beside the lineage keys (which ignore them).
    /// With [`PartBytes`]: `starvit-part-bytes` (`first-last`), `starvit-part-tail` (hex
    /// SHA-256), `starvit-part-eof` (`true`/`false`).
    #[must_use]
    pub fn to_object_metadata(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("starvit-part-of".to_owned(), self.source_file.clone()),
            ("starvit-part-index".to_owned(), self.index.to_string()),
            (
                "starvit-part-lines".to_owned(),
                format!("{}-{}", self.first_line, self.last_line),
            ),
        ];
        if let Some(b) = &self.bytes {
            out.extend([
                (
                    "starvit-part-bytes".to_owned(),
                    format!("{}-{}", b.first, b.last),
                ),
                ("starvit-part-tail".to_owned(), b.tail_sha256.clone()),
                ("starvit-part-eof".to_owned(), b.end_of_file.to_string()),
            ]);
        }
        out
    }

    /// Read back what [`PartOf::to_object_metadata`] wrote; `None` when a key is missing or
    /// malformed. [`PartOf::bytes`] is `None` unless all three of its keys are well-formed.
    #[must_use]
    pub fn from_object_metadata<S: std::hash::BuildHasher>(
        metadata: &std::collections::HashMap<String, String, S>,
    ) -> Option<Self> {
        let range = |key: &str| {
            let (a, b) = metadata.get(key)?.split_once('-')?;
            Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))
        };
        let (first_line, last_line) = range("starvit-part-lines")?;
        let bytes = (|| {
            let (first, last) = range("starvit-part-bytes")?;
            let tail_sha256 = metadata.get("starvit-part-tail")?;
            let ok = tail_sha256.len() == 64 && tail_sha256.bytes().all(|c| c.is_ascii_hexdigit());
            Some(PartBytes {
                first,
                last,
                tail_sha256: ok.then(|| tail_sha256.clone())?,
                end_of_file: metadata.get("starvit-part-eof")?.parse().ok()?,
            })
        })();
        Some(Self {
            source_file: metadata.get("starvit-part-of")?.clone(),
            index: metadata.get("starvit-part-index")?.parse().ok()?,
            first_line,
            last_line,
            bytes: bytes.filter(|b| b.first <= b.last),
        })
    }
}

/// `exports/<export id>/_manifest.json`.
#[must_use]
pub fn manifest_name(export_id: &str) -> String {
    format!("{EXPORTS_DIR}/{export_id}/{MANIFEST_FILE}")
}

/// The export id of an object directly inside an export directory
/// (`exports/<export id>/<file>`), else `None`.
#[must_use]
pub fn export_of(object: &str) -> Option<&str> {
    let rest = object.strip_prefix(EXPORTS_DIR)?.strip_prefix('/')?;
    let (id, file) = rest.split_once('/')?;
    (!id.is_empty() && !file.is_empty() && !file.contains('/') && id != "_runs").then_some(id)
}

impl ExportManifest {
    /// The files of the given types that lie in this export's directory (a manifest naming an
    /// object elsewhere is not followed there).
    pub fn files_of<'a>(&'a self, types: &'a [&str]) -> impl Iterator<Item = &'a ManifestFile> {
        self.files.iter().filter(move |f| {
            types.contains(&f.ty.as_str()) && export_of(&f.object) == Some(self.export_id.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_directories() {
        assert_eq!(manifest_name("j-1"), "exports/j-1/_manifest.json");
        assert_eq!(export_of("exports/j-1/Patient.000.ndjson"), Some("j-1"));
        assert_eq!(export_of("exports/j-1/_manifest.json"), Some("j-1"));
        assert_eq!(export_of("exports/j-1/sub/Patient.ndjson"), None);
        assert_eq!(export_of("exports/_runs/t.json"), None);
        assert_eq!(export_of("Patient.ndjson"), None);
        assert_eq!(export_of("exports//Patient.ndjson"), None);
    }

    #[test]
    fn people_files_stay_in_the_export() {
        let file = |ty: &str, object: &str| ManifestFile {
            ty: ty.into(),
            object: object.into(),
            bytes: None,
            count: None,
            part: None,
        };
        let manifest = ExportManifest {
            export_id: "j".into(),
            transaction_time: "2026-01-01T00:00:00Z".into(),
            since: None,
            types: vec!["Patient".into()],
            files: vec![
                file("Patient", "exports/j/Patient.000.ndjson"),
                file("Observation", "exports/j/Observation.000.ndjson"),
                file("Patient", "exports/other/Patient.000.ndjson"),
            ],
            skipped_types: Vec::new(),
            error_files: 0,
        };
        let text = serde_json::to_string(&manifest).unwrap();
        assert!(text.contains("\"type\":\"Patient\""));
        let back: ExportManifest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, manifest);
        let people: Vec<_> = back.files_of(&["Patient"]).map(|f| &f.object).collect();
        assert_eq!(people, ["exports/j/Patient.000.ndjson"]);
    }

    #[test]
    fn part_lineage_round_trips_through_object_metadata() {
        let mut part = PartOf {
            source_file: "Observation.000".into(),
            index: 3,
            first_line: 41,
            last_line: 57,
            bytes: Some(PartBytes {
                first: 8_192,
                last: 12_287,
                tail_sha256: "ab".repeat(32),
                end_of_file: true,
            }),
        };
        let back = |p: &PartOf| {
            let md: std::collections::HashMap<_, _> = p.to_object_metadata().into_iter().collect();
            PartOf::from_object_metadata(&md)
        };
        assert_eq!(back(&part).as_ref(), Some(&part));
        let json = serde_json::to_string(&part).unwrap();
        assert_eq!(serde_json::from_str::<PartOf>(&json).unwrap(), part);
        part.bytes = None;
        assert_eq!(back(&part).as_ref(), Some(&part));
        assert!(!serde_json::to_string(&part).unwrap().contains("bytes"));
        let mut md: std::collections::HashMap<_, _> = PartOf {
            bytes: Some(PartBytes {
                first: 1,
                last: 2,
                tail_sha256: "not hex".into(),
                end_of_file: false,
            }),
            ..part.clone()
        }
        .to_object_metadata()
        .into_iter()
        .collect();
        assert_eq!(back(&part), PartOf::from_object_metadata(&md));
        md.remove("starvit-part-index");
        assert_eq!(PartOf::from_object_metadata(&md), None);
    }
}
