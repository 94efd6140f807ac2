//! The free text of a `[text]` policy through Cloud DLP, streaming.
//!
//! The engine runs on a blocking thread and hands every output line over a bounded channel
//! ([`IN_FLIGHT`] lines: memory stays constant); a line with text elements comes with its
//! pending texts and its input line (PHI, memory only). This side holds the lines of up to
//! [`BATCH_RECORDS`] text records (or [`BATCH_TEXT_BYTES`] of text, and the plain lines
//! between them, at most [`WINDOW_LINES`] lines and [`WINDOW_BYTES`]) and sends their texts to
//! DLP together ([`starvit_dlp::text::deidentify_records`]: packed into requests under 0.5 MB,
//! paced under the quota, one dictionary: the union of the records' people), where every
//! result passes the leak gate against its own record's values and the export's people; then it fills
//! the placeholders ([`starvit_deid::text::fill`]: a text without a clean result loses its
//! element, never its resource) and writes the spool in input order.
//!
//! DLP errors: unavailable (429, 5xx, transport after the client's retries) and refusals
//! that a deployment fixes (401, 403, 404) are [`Error::Dlp`], Retry: nothing is written
//! and redelivery runs the object again. Any other refusal (400, an answer that is not the
//! documented shape) is about these texts: a batch is retried record by record, and a record
//! DLP still refuses loses its texts (counted `dropped_rejected`); the object goes on, fail
//! closed.

use std::io::{BufReader, BufWriter, Read, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use starvit_deid::text::{PendingText, TextCounts, TextLine, fill};
use starvit_deid::{DeidError, Engine, NdjsonQuarantine};
use starvit_dlp::text::{TextResult, deidentify_records};
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
        input: Vec<u8>,
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
                    input: line.input.to_vec(),
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

/// Texts of at most this many records share a batch (one dictionary: the union of theirs).
const BATCH_RECORDS: usize = 50;
/// A batch is sent once its texts reach this many bytes (the client packs them into requests
/// under 0.5 MB with the dictionary).
const BATCH_TEXT_BYTES: usize = 300_000;
/// Lines and bytes held while a batch fills (the plain lines between its records wait too).
const WINDOW_LINES: usize = 2048;
const WINDOW_BYTES: usize = 16 << 20;

/// The lines held until their batch's texts are back, in input order.
#[derive(Default)]
struct Window {
    items: Vec<Item>,
    records: usize,
    text_bytes: usize,
    bytes: usize,
}

impl Window {
    fn push(&mut self, item: Item) {
        match &item {
            Item::Plain(b) => self.bytes += b.len(),
            Item::Text {
                output,
                texts,
                input,
            } => {
                let t: usize = texts.iter().map(|t| t.text.len()).sum();
                self.records += 1;
                self.text_bytes += t;
                self.bytes += output.len() + input.len() + t;
            }
        }
        self.items.push(item);
    }

    fn full(&self) -> bool {
        self.records >= BATCH_RECORDS
            || self.text_bytes >= BATCH_TEXT_BYTES
            || self.items.len() >= WINDOW_LINES
            || self.bytes >= WINDOW_BYTES
    }
}

/// Writes the engine's lines in order, the texts filled, a window at a time.
async fn write_lines(
    rx: &mut mpsc::Receiver<Item>,
    out: &mut impl std::io::Write,
    dlp: &DlpClient,
    people: &ExportPeople,
    counts: &mut TextCounts,
) -> Result<(), Error> {
    let mut window = Window::default();
    let mut lines = 0;
    while let Some(item) = rx.recv().await {
        window.push(item);
        if window.full() {
            let items = std::mem::take(&mut window).items;
            lines = flush(items, out, dlp, people, counts, lines).await?;
        }
    }
    flush(window.items, out, dlp, people, counts, lines).await?;
    Ok(())
}

/// Sends the window's texts as one batch, fills and writes its lines; returns lines written.
async fn flush(
    items: Vec<Item>,
    out: &mut impl std::io::Write,
    dlp: &DlpClient,
    people: &ExportPeople,
    counts: &mut TextCounts,
    mut lines: u64,
) -> Result<u64, Error> {
    let mut records = Vec::new();
    for item in &items {
        if let Item::Text { input, .. } = item {
            // The engine parsed this line; it cannot fail here.
            let record: Value =
                serde_json::from_slice(input).map_err(|_| Error::Serialize { line: lines })?;
            records.push(record);
        }
    }
    let texts: Vec<Vec<&str>> = items
        .iter()
        .filter_map(|i| match i {
            Item::Text { texts, .. } => Some(texts.iter().map(|t| t.text.as_str()).collect()),
            Item::Plain(_) => None,
        })
        .collect();
    let batch: Vec<(&Value, &[&str])> = records
        .iter()
        .zip(&texts)
        .map(|(r, t)| (r, &t[..]))
        .collect();
    let mut results = results(dlp, people, &batch, counts).await?.into_iter();
    for item in items {
        lines += 1;
        let line = match item {
            Item::Plain(bytes) => bytes,
            Item::Text { output, texts, .. } => {
                let filled = results.next().unwrap_or_default();
                fill(&output, &texts, &filled).map_err(|_| Error::Serialize { line: lines })?
            }
        };
        out.write_all(&line)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|_| Error::Io { line: lines })?;
    }
    Ok(lines)
}

/// A batch's texts through DLP and the gate: per record, one result per text (`None` = drop
/// it). A refusal of a batch of several records is retried one record at a time, so a text
/// DLP refuses costs only its own record's texts.
async fn results(
    dlp: &DlpClient,
    people: &ExportPeople,
    batch: &[(&Value, &[&str])],
    counts: &mut TextCounts,
) -> Result<Vec<Vec<Option<String>>>, Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(all) = attempt(dlp, people, batch, counts).await? {
        return Ok(all);
    }
    let mut all = Vec::with_capacity(batch.len());
    for one in batch {
        match attempt(dlp, people, std::slice::from_ref(one), counts).await? {
            Some(mut r) => all.push(r.pop().unwrap_or_default()),
            None => {
                counts.dropped_rejected += one.1.len() as u64;
                all.push(vec![None; one.1.len()]);
            }
        }
    }
    Ok(all)
}

/// One DLP call for `batch`: the results (counted), `None` when DLP refused it for good (400,
/// an answer not of the documented shape), or the error to retry the object on.
async fn attempt(
    dlp: &DlpClient,
    people: &ExportPeople,
    batch: &[(&Value, &[&str])],
    counts: &mut TextCounts,
) -> Result<Option<Vec<Vec<Option<String>>>>, Error> {
    let none = PeopleWords::new();
    let words = people.words.as_ref().unwrap_or(&none);
    match deidentify_records(dlp, words, Some(&people.index), batch).await {
        Ok(results) => Ok(Some(
            results
                .into_iter()
                .map(|r| r.into_iter().map(|t| count(t, counts)).collect())
                .collect(),
        )),
        Err(e @ (DlpError::Unavailable { .. } | DlpError::Rejected(Some(401 | 403 | 404)))) => {
            Err(Error::Dlp(e))
        }
        Err(DlpError::Rejected(status)) => {
            tracing::warn!(
                ?status,
                records = batch.len(),
                "DLP refused a batch of texts"
            );
            Ok(None)
        }
    }
}

fn count(result: TextResult, counts: &mut TextCounts) -> Option<String> {
    match result {
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
    }
}
