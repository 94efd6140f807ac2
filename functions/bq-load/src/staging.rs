//! De-ID NDJSON -> load-ready NDJSON, streaming: one line in memory at a time.
//!
//! [`transform`] is generic over the reader and writer, so tests run it on bytes; the handler
//! runs it from the GCS object stream into a spool file, then uploads that create-only.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::Error;
use crate::extract::{Reject, RowLineage, row};

/// Longest accepted line (a de-identified resource), in bytes.
pub const MAX_LINE: usize = 32 * 1024 * 1024;

/// What [`transform`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows written.
    pub rows: u64,
    /// Rows without a clinical time (in the null partition).
    pub without_event_time: u64,
    /// Rows without a patient.
    pub without_patient: u64,
    /// The raw table partitions the rows fall into (what the MERGE is pruned to).
    pub partitions: Partitions,
}

/// The months (`YYYY-MM`) of the rows' partition dates, and whether any row has none. At most
/// one entry per month of BigQuery's year range: bounded whatever the object's size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partitions {
    /// Months, as `YYYY-MM`.
    pub months: std::collections::BTreeSet<String>,
    /// A row without a partition date.
    pub null: bool,
}

impl Partitions {
    /// Record a row's partition date (`YYYY-MM-DD`).
    pub fn add(&mut self, date: Option<&str>) {
        match date.and_then(|d| d.get(..7)) {
            Some(month) if !self.months.contains(month) => {
                self.months.insert(month.to_owned());
            }
            Some(_) => {}
            None => self.null = true,
        }
    }
}

/// Convert every line of `input` (resources of `resource_type`) into a raw table row.
/// Blank lines are skipped.
///
/// # Errors
/// [`Error::NotFhir`] / [`Error::LineTooLong`] on the first unusable line (the whole object is
/// poison: the de-ID bucket only holds resources `deidentify` wrote); read errors as
/// [`read_error`] classifies them; write errors as [`Error::Spool`].
pub async fn transform<R, W>(
    mut input: R,
    output: &mut W,
    resource_type: &str,
    lineage: &RowLineage,
    ingested_at: DateTime<Utc>,
) -> Result<Counts, Error>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut counts = Counts::default();
    let mut line = Vec::new();
    let mut out = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await
            .map_err(read_error)?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if line.len() > MAX_LINE {
            return Err(Error::LineTooLong {
                line: line_no,
                limit: MAX_LINE,
            });
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let resource: Value = serde_json::from_slice(text).map_err(|_| Error::NotFhir {
            line: line_no,
            reason: Reject::NotFhir,
        })?;
        let row = row(&resource, resource_type, lineage, ingested_at).map_err(|reason| {
            Error::NotFhir {
                line: line_no,
                reason,
            }
        })?;
        counts.rows += 1;
        counts.without_event_time += u64::from(row.event_time.is_none());
        counts.without_patient += u64::from(row.patient_id.is_none());
        counts.partitions.add(row.partition_date.as_deref());
        out.clear();
        serde_json::to_writer(&mut out, &row).map_err(|e| Error::Spool(e.into()))?;
        out.push(b'\n');
        output.write_all(&out).await.map_err(Error::Spool)?;
    }
    output.flush().await.map_err(Error::Spool)?;
    Ok(counts)
}

/// A read error of the object stream: the storage client's error when it is one (classified
/// by status), otherwise local I/O (Retry).
pub fn read_error(err: std::io::Error) -> Error {
    if err
        .get_ref()
        .is_some_and(|e| e.is::<starvit_gcp::GcpError>())
    {
        if let Some(inner) = err.into_inner()
            && let Ok(gcp) = inner.downcast::<starvit_gcp::GcpError>()
        {
            return Error::gcp(*gcp);
        }
        return Error::Spool(std::io::Error::other("object stream failed"));
    }
    Error::Spool(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lineage() -> RowLineage {
        RowLineage {
            export_job_id: Some("job-1".into()),
            source_object: None,
            source_generation: Some("7".into()),
            deid_policy_version: None,
            deid_run_id: None,
            load_job_id: None,
            export_time: Some("2026-11-02T10:00:00.000000Z".into()),
        }
    }

    #[tokio::test]
    async fn counts_and_skips_blank_lines() {
        let input = b"{\"resourceType\":\"Patient\",\"id\":\"a\"}\n\n  \r\n{\"resourceType\":\"Patient\",\"id\":\"b\"}";
        let mut out = Vec::new();
        let c = transform(&input[..], &mut out, "Patient", &lineage(), Utc::now())
            .await
            .unwrap();
        assert_eq!(c.rows, 2);
        assert_eq!(c.without_event_time, 2);
        assert!(c.partitions.null && c.partitions.months.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        assert!(text.contains("\"source_generation\":\"7\""));
    }

    #[tokio::test]
    async fn a_bad_line_poisons_the_object_without_echoing_it() {
        let input = b"{\"resourceType\":\"Patient\",\"id\":\"a\"}\nJohn Smith 555-1234\n";
        let mut out = Vec::new();
        let err = transform(&input[..], &mut out, "Patient", &lineage(), Utc::now())
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::NotFhir { line: 2, .. }), "{msg}");
        assert!(!msg.contains("John"), "{msg}");
        let input = b"{\"resourceType\":\"Observation\",\"id\":\"a\"}\n";
        let err = transform(
            &input[..],
            &mut Vec::new(),
            "Patient",
            &lineage(),
            Utc::now(),
        )
        .await
        .unwrap_err();
        assert!(matches!(
            err,
            Error::NotFhir {
                line: 1,
                reason: Reject::WrongType
            }
        ));
    }
}
