//! BigQuery job labels: lowercase, at most 63 characters, `[a-z0-9_-]`.
//!
//! Labels are visible to anyone who can list jobs: put lineage ids and pipeline names in them,
//! never an identifier of a person.

use std::collections::BTreeMap;

/// A set of sanitized labels. Keys and values are lowercased, every other character outside
/// `[a-z0-9_-]` becomes `_`, and both are cut to 63 characters. Keys must start with a letter,
/// so a key that would not gets an `l_` prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(BTreeMap<String, String>);

const MAX_LEN: usize = 63;

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) one label, sanitizing key and value.
    #[must_use]
    pub fn with(mut self, key: &str, value: &str) -> Self {
        let mut key = sanitize(key);
        if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
            key = sanitize(&format!("l_{key}"));
        }
        self.0.insert(key, sanitize(value));
        self
    }

    /// The sanitized labels.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The labels as the client model wants them.
    pub(crate) fn to_hash_map(&self) -> std::collections::HashMap<String, String> {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// Labels from `(key, value)` pairs (e.g. `JobLabels::with_lineage`), each sanitized as by
/// [`Labels::with`].
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        pairs
            .into_iter()
            .fold(Self::new(), |l, (k, v)| l.with(k.as_ref(), v.as_ref()))
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_LEN)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        let labels = Labels::new()
            .with("Service", "bq-load")
            .with("9lives", "A.B/c")
            .with("long", &"x".repeat(100));
        let map = labels.as_map();
        assert_eq!(map["service"], "bq-load");
        assert_eq!(map["l_9lives"], "a_b_c");
        assert_eq!(map["long"].len(), 63);
    }
}
