//! A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF), enough for BigQuery's CSV
//! export and what the client posts.

/// Splits `text` into records of fields. A trailing newline does not make an empty record.
pub fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
                any = false;
            }
            c => field.push(c),
        }
    }
    if any {
        record.push(field);
        out.push(record);
    }
    out
}

/// Writes one CSV record (quoting fields that need it) followed by `\n`.
pub fn write_record(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut s = String::new();
        write_record(&mut s, &["a", "b,c", "d\"e"]);
        write_record(&mut s, &["", "x", "y"]);
        assert_eq!(
            records(&s),
            vec![vec!["a", "b,c", "d\"e"], vec!["", "x", "y"]]
        );
        assert_eq!(records("a,b\r\nc,d"), vec![vec!["a", "b"], vec!["c", "d"]]);
    }
}
