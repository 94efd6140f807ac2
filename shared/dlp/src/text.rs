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
    let mut out = deidentify_records(client, words, people, &[(record, texts)]).await?;
    Ok(out.pop().unwrap_or_default())
}

/// [`deidentify_texts`] for several records at once: their texts share requests (packed under
/// the request limit) and one dictionary, the union of theirs (more is replaced, never less:
/// a name of one record's people is removed from every text of the batch). Each result still
/// passes the gate against its own record's values and the export's `people`. One list of
/// results per record, in order.
///
/// # Errors
/// [`DlpError`]: no text of the batch may be kept.
pub async fn deidentify_records(
    client: &DlpClient,
    words: &PeopleWords,
    people: Option<&PeopleIndex>,
    records: &[(&Value, &[&str])],
) -> Result<Vec<Vec<TextResult>>, DlpError> {
    let mut dictionary = std::collections::BTreeSet::new();
    for (record, _) in records {
        dictionary.extend(words.for_record(record));
    }
    let dictionary: Vec<String> = dictionary.into_iter().collect();
    let all: Vec<&str> = records
        .iter()
        .flat_map(|(_, t)| t.iter().copied())
        .collect();
    let mut results = client.deidentify(&all, &dictionary).await?.into_iter();
    let mut open = OpenValues::new();
    Ok(records
        .iter()
        .map(|(record, texts)| {
            let line = LineValues::of(record);
            texts
                .iter()
                .map(|_| match results.next().flatten() {
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
                .collect()
        })
        .collect())
}

/// Characters of a de-identified `text` outside its `[INFO_TYPE]` replacements: how much of a
/// note DLP kept (for the figures; `[` not followed by an infoType name and `]` counts as text).
#[must_use]
pub fn kept_chars(text: &str) -> usize {
    let mut n = 0;
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        n += rest[..open].chars().count();
        match rest[open..].find(']') {
            Some(close)
                if close > 1
                    && rest[open + 1..open + close]
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()) =>
            {
                rest = &rest[open + close + 1..];
            }
            _ => {
                n += 1;
                rest = &rest[open + 1..];
            }
        }
    }
    n + rest.chars().count()
}

#[cfg(test)]
mod tests {
    use super::kept_chars;

    #[test]
    fn replacements_are_not_kept_text() {
        assert_eq!(
            kept_chars("Seen by [PERSON_NAME] on [DATE]."),
            "Seen by  on .".len()
        );
        assert_eq!(kept_chars("a [b] []"), "a [b] []".len());
        assert_eq!(kept_chars("café"), 4);
    }
}
