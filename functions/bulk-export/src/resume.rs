//! Resuming a file where an earlier delivery stopped.
//!
//! Every part records where it lies in its source file and a digest of its last bytes
//! ([`starvit_lineage::manifest::PartBytes`], in the object metadata and the manifest entry).
//! A (re)delivery reads the metadata of the file's parts `0, 1, ...` by name (names are
//! deterministic, [`crate::record::part_name`]; the official client lists only over gRPC, which
//! the emulator does not serve) up to the first part that is missing, or does not follow the
//! one before it, or was landed without byte lineage. The file then resumes after the last
//! part of that run: its next part, line and byte. A file whose last part landed is not fetched
//! at all.
//!
//! The boundary is checked before anything new is cut: the download starts [`TAIL_BYTES`] (or
//! the last part's size, if smaller) before the resume offset, and those bytes must hash to the
//! part's recorded tail digest. A file that changed under us (other bytes there, or shorter
//! than its landed parts, [`crate::download`]) fails closed: [`FhirError::FileChanged`], Drop.
//! Starting over from byte 0 is not an option: the new bytes would be cut into parts whose
//! names the old parts hold (create-only: kept), mixing two versions of the file. The Bulk Data
//! files of a completed export do not change, so this signals a broken server; a new trigger
//! starts a new export in a new directory.
//!
//! Memory: the manifest entries of the file's landed parts (as `land` keeps for every part)
//! and one digest state.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use sha2::{Digest as _, Sha256};
use starvit_lineage::manifest::{ManifestFile, PartBytes, PartOf};

use crate::context::Context;
use crate::error::Error;
use crate::fhir::{FhirError, OutputFile};
use crate::record::{self, RunRecord};

/// How many of a part's last bytes its tail digest covers.
pub const TAIL_BYTES: u64 = 4096;

/// What earlier deliveries landed of one file, and where it resumes.
#[derive(Debug, Default)]
pub(crate) struct Landed {
    /// Manifest entries of the landed parts, in order.
    pub entries: Vec<ManifestFile>,
    /// Index of the next part.
    pub next_index: u32,
    /// 1-based number of the next line.
    pub next_line: u64,
    /// 0-based offset of the next byte.
    pub offset: u64,
    /// The last landed part's tail: its length and hex SHA-256.
    pub tail: Option<(u64, String)>,
    /// Whether the file's last part landed.
    pub complete: bool,
}

/// The parts of `source_file` that earlier deliveries landed, up to the first gap.
///
/// # Errors
/// Storage failures.
pub(crate) async fn landed(
    ctx: &Context,
    run: &RunRecord,
    file: &OutputFile,
    source_file: &str,
) -> Result<Landed, Error> {
    let mut landed = Landed {
        next_line: 1,
        ..Landed::default()
    };
    while !landed.complete {
        let object = record::part_name(&run.export_id, source_file, landed.next_index);
        let Some(head) = ctx
            .storage
            .head(&ctx.config.phi_bucket, &object)
            .await
            .map_err(Error::Storage)?
        else {
            break;
        };
        let Some((part, bytes)) = PartOf::from_object_metadata(&head.metadata)
            .and_then(|p| p.bytes.clone().map(|b| (p, b)))
            .filter(|(p, b)| follows(&landed, source_file, p, b, head.size))
        else {
            tracing::warn!(
                source_file,
                part = landed.next_index,
                "a landed part without usable byte lineage; the file resumes before it"
            );
            break;
        };
        landed.next_index += 1;
        landed.next_line = part.last_line + 1;
        landed.offset = bytes.last + 1;
        let size = bytes.last + 1 - bytes.first;
        landed.tail = Some((size.min(TAIL_BYTES), bytes.tail_sha256.clone()));
        landed.complete = bytes.end_of_file;
        landed.entries.push(ManifestFile {
            ty: file.ty.clone(),
            object,
            bytes: Some(size),
            count: file.count,
            part: Some(part),
        });
    }
    Ok(landed)
}

/// Whether `part` (bytes `b`, an object of `size` bytes if known) is the next part after
/// `landed`.
fn follows(
    landed: &Landed,
    source_file: &str,
    part: &PartOf,
    b: &PartBytes,
    size: Option<u64>,
) -> bool {
    part.source_file == source_file
        && part.index == landed.next_index
        && part.first_line == landed.next_line
        && part.last_line >= part.first_line
        && b.first == landed.offset
        && size.is_none_or(|s| s == b.last + 1 - b.first)
}

/// The check of a resumed download's first bytes against the last landed part's tail.
#[derive(Debug)]
pub(crate) struct Boundary {
    remaining: u64,
    hasher: Sha256,
    expected: String,
}

impl Boundary {
    /// Expect `len` bytes hashing to `sha256` (hex) first.
    pub fn new(len: u64, sha256: String) -> Self {
        Self {
            remaining: len,
            hasher: Sha256::new(),
            expected: sha256,
        }
    }

    /// Consume the boundary bytes at the head of `chunk`; returns the rest, the new bytes.
    ///
    /// # Errors
    /// [`FhirError::FileChanged`] when the boundary bytes differ.
    pub fn take<'c>(&mut self, chunk: &'c [u8]) -> Result<&'c [u8], Error> {
        if self.remaining == 0 {
            return Ok(chunk);
        }
        let n = usize::try_from(self.remaining).map_or(chunk.len(), |r| r.min(chunk.len()));
        let (head, rest) = chunk.split_at(n);
        self.hasher.update(head);
        self.remaining -= n as u64;
        if self.remaining == 0 && hex::encode(self.hasher.finalize_reset()) != self.expected {
            return Err(FhirError::FileChanged.into());
        }
        Ok(rest)
    }

    /// End of the download: every boundary byte must have come.
    ///
    /// # Errors
    /// [`FhirError::FileChanged`] when the file ended inside the boundary.
    pub fn finish(&self) -> Result<(), Error> {
        if self.remaining > 0 {
            return Err(FhirError::FileChanged.into());
        }
        Ok(())
    }
}

/// The tail digest of a sealed part: its last `min(bytes, TAIL_BYTES)` bytes, hex SHA-256.
///
/// # Errors
/// Spool I/O.
pub fn tail_sha256(spool: &Path, bytes: u64) -> std::io::Result<String> {
    let len = bytes.min(TAIL_BYTES);
    let mut file = std::fs::File::open(spool)?;
    file.seek(SeekFrom::Start(bytes - len))?;
    let mut tail = Vec::new();
    file.take(len).read_to_end(&mut tail)?;
    if tail.len() as u64 != len {
        return Err(std::io::Error::other("spool shorter than its part"));
    }
    Ok(hex::encode(Sha256::digest(&tail)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_must_hash_to_the_tail_in_any_chunking() {
        let file = b"line one\nline two\nline three\n";
        let tail = &file[..18][18 - 9..];
        let digest = hex::encode(Sha256::digest(tail));
        for chunk in [1, 4, 9, 30] {
            let mut b = Boundary::new(9, digest.clone());
            let mut rest = Vec::new();
            for c in file[9..].chunks(chunk) {
                rest.extend_from_slice(b.take(c).unwrap());
            }
            b.finish().unwrap();
            assert_eq!(rest, b"line three\n");
        }
        let mut changed = Boundary::new(9, digest.clone());
        assert!(matches!(
            changed.take(b"LINE TWO\nline three\n"),
            Err(Error::Fhir(FhirError::FileChanged))
        ));
        let mut short = Boundary::new(9, digest);
        short.take(b"line").unwrap();
        assert!(short.finish().is_err());
    }

    #[test]
    fn tail_digest_of_a_spool() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let want = hex::encode(Sha256::digest(&data[10_000 - 4096..]));
        assert_eq!(tail_sha256(&path, 10_000).unwrap(), want);
        let small = hex::encode(Sha256::digest(&data[..100]));
        std::fs::write(&path, &data[..100]).unwrap();
        assert_eq!(tail_sha256(&path, 100).unwrap(), small);
        assert!(tail_sha256(&path, 200).is_err());
    }
}
