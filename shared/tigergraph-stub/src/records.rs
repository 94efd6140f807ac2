//! Turning loading-job input into records, the way a `JSON_FILE="true"` loading job reads it:
//! a Parquet object (by its `.parquet` extension, TigerGraph's `file.type` default) gives one
//! JSON object per row with the column names as keys; a text body or object gives one JSON object
//! per line. A line that is not a JSON object is a rejected line (`invalidJson`).

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::{Map, Value};

/// One input record: a JSON object, or a line that did not parse as one.
pub type Record = Option<Map<String, Value>>;

/// The rows of a Parquet file as JSON objects.
///
/// # Errors
/// A file that is not valid Parquet (the whole object fails, as in TigerGraph).
pub fn parquet(data: Bytes) -> Result<Vec<Record>, String> {
    let reader = SerializedFileReader::new(data).map_err(|e| format!("not a parquet file: {e}"))?;
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| format!("unreadable parquet: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let row = row.map_err(|e| format!("unreadable parquet row: {e}"))?;
        out.push(match row.to_json_value() {
            Value::Object(map) => Some(map),
            _ => None,
        });
    }
    Ok(out)
}

/// JSON lines: one record per non-empty line.
pub fn json_lines(text: &str) -> Vec<Record> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        })
        .collect()
}

/// A JSON value as the token TigerGraph would read: strings as they are, numbers and booleans
/// in their JSON spelling, `null` as empty (the attribute's default).
pub fn token(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `token` is a valid value of a GSQL attribute type (empty = the default value).
pub fn fits(ty: &str, token: &str) -> bool {
    if token.is_empty() {
        return true;
    }
    match ty {
        "INT" => token.parse::<i64>().is_ok(),
        "DOUBLE" => token.parse::<f64>().is_ok(),
        // TigerGraph's DATETIME input formats: "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S".
        "DATETIME" => datetime_ok(token),
        _ => true,
    }
}

fn datetime_ok(s: &str) -> bool {
    let digits = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let date = s.len() >= 10
        && digits(0..4)
        && &s[4..5] == "-"
        && digits(5..7)
        && &s[7..8] == "-"
        && digits(8..10);
    match s.len() {
        10 => date,
        19 => {
            date && matches!(&s[10..11], " " | "T")
                && digits(11..13)
                && &s[13..14] == ":"
                && digits(14..16)
                && &s[16..17] == ":"
                && digits(17..19)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_reject_what_is_not_an_object() {
        let r = json_lines("{\"a\":1}\n\n[1]\nnot json\n{\"b\":null}\n");
        assert_eq!(r.len(), 4);
        assert!(r[0].is_some() && r[1].is_none() && r[2].is_none() && r[3].is_some());
    }

    #[test]
    fn attribute_types_are_checked() {
        assert!(fits("INT", "42") && !fits("INT", "4.2"));
        assert!(fits("DOUBLE", "4.2") && !fits("DOUBLE", "x"));
        assert!(fits("DATETIME", "2020-01-02 03:04:05") && fits("DATETIME", "2020-01-02"));
        assert!(!fits("DATETIME", "2020-01-02T03:04:05Z") && !fits("DATETIME", "02/01/2020"));
        assert!(fits("STRING", "anything") && fits("INT", ""));
        assert_eq!(token(&Value::Null), "");
        assert_eq!(token(&serde_json::json!(1.5)), "1.5");
    }

    /// A snappy Parquet file with a required and an optional UTF-8 column, as BigQuery writes.
    fn parquet_file() -> Bytes {
        use parquet::basic::Compression;
        use parquet::data_type::{ByteArray, ByteArrayType};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use std::sync::Arc;
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message m { REQUIRED BYTE_ARRAY id (UTF8); OPTIONAL BYTE_ARRAY gender (UTF8); }",
            )
            .unwrap(),
        );
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut buf = Vec::new();
        let mut writer = SerializedFileWriter::new(&mut buf, schema, Arc::new(props)).unwrap();
        let mut group = writer.next_row_group().unwrap();
        let mut column = 0;
        while let Some(mut col) = group.next_column().unwrap() {
            let writer = col.typed::<ByteArrayType>();
            if column == 0 {
                writer
                    .write_batch(&[ByteArray::from("p1"), ByteArray::from("p2")], None, None)
                    .unwrap();
            } else {
                writer
                    .write_batch(&[ByteArray::from("female")], Some(&[1, 0]), None)
                    .unwrap();
            }
            col.close().unwrap();
            column += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        Bytes::from(buf)
    }

    #[test]
    fn parquet_rows_become_json_objects() {
        let records = parquet(parquet_file()).unwrap();
        assert_eq!(records.len(), 2);
        let first = records[0].as_ref().unwrap();
        assert_eq!(first["id"], "p1");
        assert_eq!(first["gender"], "female");
        let second = records[1].as_ref().unwrap();
        assert_eq!(token(&second["gender"]), "");
    }

    #[test]
    fn garbage_is_not_parquet() {
        assert!(parquet(Bytes::from_static(b"PAR1 not really")).is_err());
    }
}
