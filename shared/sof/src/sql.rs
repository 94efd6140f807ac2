//! Small pieces of BigQuery SQL text: literals, identifiers, fresh aliases.

use std::cell::Cell;

/// A BigQuery string literal (`'...'` with backslash escapes).
pub(crate) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A JSONPath step for a FHIR element name (`$.name`); names are `[A-Za-z0-9_]`, others are
/// quoted (`$."a-b"`).
pub(crate) fn json_path(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        string(&format!("$.{key}"))
    } else {
        string(&format!("$.\"{}\"", key.replace('"', "\\\"")))
    }
}

/// Whether `name` is a column name the specification allows (and BigQuery takes unquoted).
pub(crate) fn column_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 300
}

/// A table name `[project.]dataset.table` quoted for BigQuery.
pub(crate) fn table(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    let ok = (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    ok.then(|| format!("`{name}`"))
}

/// Fresh SQL aliases for one compilation (`e1`, `e2`, ...): nested subqueries never shadow.
#[derive(Debug, Default)]
pub(crate) struct Aliases {
    next: Cell<u32>,
}

impl Aliases {
    pub(crate) fn fresh(&self, prefix: &str) -> String {
        let n = self.next.get() + 1;
        self.next.set(n);
        format!("{prefix}{n}")
    }
}

/// `IF(a IS NULL, [], [a])` for a JSON value.
pub(crate) fn json_singleton_array(one: &str) -> String {
    format!("IF({one} IS NULL, ARRAY<JSON>[], [{one}])")
}

/// The JSON items of `parent.key` as `ARRAY<JSON>`: a JSON array's elements, or the one value,
/// or empty. (`JSON_QUERY_ARRAY` alone answers NULL for a non-array in BigQuery, and an error in
/// local-bigquery, so the type is asked first.)
pub(crate) fn children(parent: &str, key: &str) -> String {
    let path = json_path(key);
    let q = format!("JSON_QUERY({parent}, {path})");
    format!(
        "CASE WHEN {q} IS NULL THEN ARRAY<JSON>[] WHEN JSON_TYPE({q}) = 'array' \
         THEN JSON_QUERY_ARRAY({parent}, {path}) ELSE [{q}] END"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape() {
        assert_eq!(string("a'b\\c"), r"'a\'b\\c'");
        assert_eq!(json_path("family"), "'$.family'");
        assert_eq!(json_path("a-b"), r#"'$."a-b"'"#);
    }

    #[test]
    fn names() {
        assert!(column_name_ok("patient_id"));
        assert!(!column_name_ok("1a"));
        assert!(!column_name_ok("a b"));
        assert_eq!(
            table("deid_raw.Patient").as_deref(),
            Some("`deid_raw.Patient`")
        );
        assert_eq!(table("x; DROP"), None);
    }
}
