//! The free text of a `[text]` policy through Cloud DLP, streaming.
//!
//! The engine runs on a blocking thread and hands every output line over a bounded channel
//! ([`IN_FLIGHT`] lines: memory stays constant); a line with text elements comes with its
//! pending texts and its input line (PHI, memory only). This side sends each such record's
//! texts to DLP with the dictionary of its people ([`starvit_dlp::text::deidentify_texts`]:
//! one call per record, packed under 0.5 MB, paced under the quota), where every result
//! passes the leak gate against the record's values and the export's people; then it fills
//! the placeholders ([`starvit_deid::text::fill`]: a text without a clean result loses its
//! element, never its resource) and writes the spool in input order.
//!
//! DLP errors: unavailable (429, 5xx, transport after the client's retries) and refusals
//! that a deployment fixes (401, 403, 404) are [`Error::Dlp`], Retry: nothing is written
//! and redelivery runs the object again. Any other refusal (400, an answer that is not the
//! documented shape) is about these texts: they are dropped (counted `dropped_rejected`)
//! and the object goes on, fail closed.

use std::io::{BufReader, BufWriter, Read, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use starvit_deid::text::{PendingText, TextCounts, TextLine, fill};
use starvit_deid::{DeidError, Engine, NdjsonQuarantine};
use starvit_dlp::text::{TextResult, deidentify_texts};
use starvit_dlp::{DlpClient, DlpError, PeopleWords};
use tokio::sync::mpsc;

use crate::error::Error;
use crate::handler::{Spooled, spool_files};
use crate::people::ExportPeople;

/// Output lines in flight between the engine thread and the DLP side.
const IN_FLIGHT: usize = 64;

/// One output line of the engine.
enum Item {
    Plain(Vec<u8>),
    Text {
        output: Vec<u8>,
        texts: Vec<PendingText>,
        input: String,
    },
}

/// Runs the engine with DLP for its texts: source stream → spool files.
///
/// # Errors
/// As the plain run, plus [`Error::Dlp`].
pub async fn deidentify_with_dlp(
    engine: Arc<Engine>,
    people: Arc<ExportPeople>,
    dlp: &DlpClient,
    source: impl Read + Send + 'static,
    spool_dir: Option<PathBuf>,
) -> Result<Spooled, Error> {
    let (output, quarantine) = spool_files(spool_dir.as_deref())?;
    let qfile = quarantine.reopen().map_err(|_| Error::Io { line: 0 })?;
    let (tx, mut rx) = mpsc::channel::<Item>(IN_FLIGHT);
    let index = Arc::clone(&people);
    let engine_run = tokio::task::spawn_blocking(move || {
        let input = BufReader::with_capacity(256 << 10, source);
        let mut q = NdjsonQuarantine::new(BufWriter::new(qfile));
        let mut send = |line: TextLine<'_>| {
            let item = if line.texts.is_empty() {
                Item::Plain(line.output.to_vec())
            } else {
                Item::Text {
                    output: line.output.to_vec(),
                    texts: line.texts,
                    input: line.input.to_owned(),
                }
            };
            tx.blocking_send(item)
                .map_err(|_| DeidError::Io(std::io::Error::other("the writer stopped")))
        };
        let summary = engine.deid_stream_with(input, &mut send, &mut q, Some(&index.index))?;
        q.into_inner().flush()?;
        Ok::<_, DeidError>(summary)
    });
    let mut out = BufWriter::with_capacity(
        256 << 10,
        output.reopen().map_err(|_| Error::Io { line: 0 })?,
    );
    let mut counts = TextCounts::default();
    let written = write_lines(&mut rx, &mut out, dlp, &people, &mut counts).await;
    drop(rx);
    let summary = engine_run.await.map_err(|_| Error::Task)?;
    written?;
    let mut summary = summary.map_err(|e| Error::from_deid(&e, 0))?;
    out.flush().map_err(|_| Error::Io {
        line: summary.lines,
    })?;
    summary.texts.add(&counts);
    Ok(Spooled {
        summary,
        output,
        quarantine,
    })
}

/// Writes the engine's lines in order, the texts filled.
async fn write_lines(
    rx: &mut mpsc::Receiver<Item>,
    out: &mut impl std::io::Write,
    dlp: &DlpClient,
    people: &ExportPeople,
    counts: &mut TextCounts,
) -> Result<(), Error> {
    let none = PeopleWords::new();
    let words = people.words.as_ref().unwrap_or(&none);
    let mut lines = 0;
    while let Some(item) = rx.recv().await {
        lines += 1;
        let line = match item {
            Item::Plain(bytes) => bytes,
            Item::Text {
                output,
                texts,
                input,
            } => {
                let results = results(dlp, words, people, &input, &texts, counts).await?;
                fill(&output, &texts, &results).map_err(|_| Error::Serialize { line: 0 })?
            }
        };
        out.write_all(&line)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|_| Error::Io { line: lines })?;
    }
    Ok(())
}

/// One record's texts through DLP and the gate: one result per text, `None` = drop it.
async fn results(
    dlp: &DlpClient,
    words: &PeopleWords,
    people: &ExportPeople,
    input: &str,
    texts: &[PendingText],
    counts: &mut TextCounts,
) -> Result<Vec<Option<String>>, Error> {
    // The engine parsed this line; it cannot fail here.
    let record: Value = serde_json::from_str(input).map_err(|_| Error::Serialize { line: 0 })?;
    let plain: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
    match deidentify_texts(dlp, words, Some(&people.index), &record, &plain).await {
        Ok(results) => Ok(results
            .into_iter()
            .map(|r| match r {
                TextResult::Kept(t) => {
                    counts.kept += 1;
                    Some(t)
                }
                TextResult::TooLarge => {
                    counts.dropped_too_large += 1;
                    None
                }
                TextResult::Leak(_) => {
                    counts.dropped_leak += 1;
                    None
                }
            })
            .collect()),
        Err(e @ (DlpError::Unavailable { .. } | DlpError::Rejected(Some(401 | 403 | 404)))) => {
            Err(Error::Dlp(e))
        }
        Err(DlpError::Rejected(status)) => {
            tracing::warn!(
                ?status,
                texts = texts.len(),
                "DLP refused a record's texts: dropped"
            );
            counts.dropped_rejected += texts.len() as u64;
            Ok(vec![None; texts.len()])
        }
    }
}
