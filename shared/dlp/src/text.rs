//! The text treatment of one record: DLP, then the leak gate over every result.

use serde_json::Value;
use starvit_deid::gate::{self, LineValues, OpenValues, PeopleIndex};

use crate::client::{DlpClient, DlpError};
use crate::words::PeopleWords;

/// What became of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextResult {
    /// De-identified and passed the gate.
    Kept(String),
    /// Too large for one DLP request: dropped.
    TooLarge,
    /// The gate found an identifying value in DLP's result: dropped.
    Leak(gate::ValueKind),
}

/// De-identifies the `texts` of `record` (its free-text elements, already read out) with the
/// dictionary of its people, and passes each result through the gate against the record's own
/// identifying values and the export's `people`.
///
/// # Errors
/// [`DlpError`]: no text of the record may be kept (Retry or drop the record's texts).
pub async fn deidentify_texts(
    client: &DlpClient,
    words: &PeopleWords,
    people: Option<&PeopleIndex>,
    record: &Value,
    texts: &[&str],
) -> Result<Vec<TextResult>, DlpError> {
    let dictionary = words.for_record(record);
    let results = client.deidentify(texts, &dictionary).await?;
    let line = LineValues::of(record);
    let mut open = OpenValues::new();
    Ok(results
        .into_iter()
        .map(|r| match r {
            None => TextResult::TooLarge,
            Some(text) => {
                open.clear();
                open.push_str(&text);
                match gate::check(&line, people, &open) {
                    Some(kind) => TextResult::Leak(kind),
                    None => TextResult::Kept(text),
                }
            }
        })
        .collect())
}
