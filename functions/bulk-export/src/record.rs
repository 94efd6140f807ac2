//! Object names and the run record.
//!
//! The run record `exports/_runs/<trigger>.json` (PHI bucket, create-only) holds the status URL of
//! the export a trigger message started. A redelivered trigger reads it and resumes following
//! that export instead of starting another; two concurrent deliveries race on the create-only
//! write and the loser cancels its own kick-off. The files of an export land in parts at
//! `exports/<export id>/<Type>.<nnn>.<pppp>.ndjson` (`nnn` counts the files of a type, `pppp` the
//! parts of a file, [`crate::parts`]), written
//! create-only, so a redelivery that reaches them again changes nothing; `_manifest.json` beside
//! them records what landed ([`starvit_lineage::manifest`]: no URLs, Medplum's are presigned
//! credentials).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

/// Largest state object (run record, cursor) read back; anything bigger is not ours.
const STATE_MAX_BYTES: usize = 64 << 10;

/// Read a small JSON state object of the bucket and its generation; `None` when absent.
///
/// # Errors
/// Storage failures; an object that is too big or does not parse as `T` is
/// [`Error::RunRecord`] (Drop: a person must look at it).
pub async fn read_state<T: serde::de::DeserializeOwned>(
    storage: &starvit_gcp::storage::StorageClient,
    bucket: &str,
    name: &str,
) -> Result<Option<(T, i64)>, crate::error::Error> {
    use crate::error::Error;
    let mut reader = match storage.read_live(bucket, name).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(Error::Storage(e)),
    };
    let generation = reader.generation();
    let mut data = Vec::new();
    while let Some(chunk) = reader.next_chunk().await {
        data.extend_from_slice(&chunk.map_err(Error::Storage)?);
        if data.len() > STATE_MAX_BYTES {
            return Err(Error::RunRecord);
        }
    }
    let value = serde_json::from_slice(&data).map_err(|_| Error::RunRecord)?;
    Ok(Some((value, generation)))
}

/// What a trigger started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// The export's status URL (on the FHIR server's origin).
    pub status_url: String,
    /// The export job id used in object names and lineage.
    pub export_id: String,
    /// `_type` sent.
    pub types: Vec<String>,
    /// `_since` sent.
    pub since: Option<String>,
}

fn safe(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !s.starts_with('.')
}

fn short_hash(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))[..24].to_owned()
}

/// `exports/_runs/<trigger>.json`; a trigger id that is not a plain token is hashed.
pub fn record_name(trigger_id: &str) -> String {
    let key = if safe(trigger_id) {
        trigger_id.to_owned()
    } else {
        format!("h{}", short_hash(trigger_id))
    };
    format!("exports/_runs/{key}.json")
}

/// The export id: the status URL's last path segment (Medplum: a UUID; most servers: a job id),
/// or a hash of the URL when that is not a plain token or the job is named in the query.
pub fn export_id(status_url: &Url) -> String {
    let hashed = || format!("x{}", short_hash(status_url.as_str()));
    if status_url.query().is_some() {
        return hashed();
    }
    status_url
        .path_segments()
        .and_then(|mut s| s.rfind(|p| !p.is_empty()))
        .filter(|s| safe(s))
        .map_or_else(
            || format!("x{}", short_hash(status_url.as_str())),
            str::to_owned,
        )
}

/// `<Type>.<nnn>`: a file of the server's manifest, by type and index among the type's files.
pub fn source_file(ty: &str, index: usize) -> String {
    format!("{ty}.{index:03}")
}

/// `exports/<export id>/<Type>.<nnn>.<pppp>.ndjson`: part `pppp` of source file `<Type>.<nnn>`
/// (the type stays the first dot-separated part of the base name, which is how `deidentify` and
/// `bq-load` read it).
pub fn part_name(export_id: &str, source_file: &str, part: u32) -> String {
    format!("exports/{export_id}/{source_file}.{part:04}.ndjson")
}

/// The files to copy for a manifest: `(source file, file)` in manifest order ([`source_file`]),
/// and the types not copied. Defence in depth: only the types the run asked for, whatever the
/// server sent (Medplum's system export adds `ClientApplication`, with its secret, when `_type`
/// is ignored).
pub fn plan<'m>(
    manifest: &'m crate::fhir::Manifest,
    run: &RunRecord,
) -> (Vec<(String, &'m crate::fhir::OutputFile)>, Vec<String>) {
    let mut per_type: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut planned = Vec::new();
    let mut skipped = Vec::new();
    for file in &manifest.output {
        if !run.types.contains(&file.ty) || !starvit_fhir::type_name_ok(&file.ty) {
            skipped.push(file.ty.clone());
            continue;
        }
        let index = per_type.entry(file.ty.as_str()).or_default();
        planned.push((source_file(&file.ty, *index), file));
        *index += 1;
    }
    (planned, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(record_name("1234"), "exports/_runs/1234.json");
        assert!(record_name("../x").starts_with("exports/_runs/h"));
        let medplum = Url::parse(
            "http://localhost:8103/fhir/R4/bulkdata/export/8adf6b98-9e33-4f3c-be50-d2ce9754321f",
        )
        .unwrap();
        assert_eq!(export_id(&medplum), "8adf6b98-9e33-4f3c-be50-d2ce9754321f");
        let odd = Url::parse("http://h/status?job=1").unwrap();
        assert!(export_id(&odd).starts_with('x'));
        assert_eq!(
            part_name("j", &source_file("Patient", 0), 3),
            "exports/j/Patient.000.0003.ndjson"
        );
    }
}
