//! The parser against serde_json: whatever it accepts reads as the same tree.

use serde_json::Value;

use super::{At, Bail, DocBuf, Json, Prim};

/// Rebuilds a `Value` from a parsed document.
fn rebuild(v: At<'_>) -> Value {
    if v.is_object() {
        return Value::Object(
            v.members()
                .map(|(k, m)| (k.to_owned(), rebuild(m)))
                .collect(),
        );
    }
    if v.is_container() {
        return Value::Array(v.items().map(rebuild).collect());
    }
    match v.prim().unwrap() {
        Prim::Str(s) => Value::String(s.to_owned()),
        Prim::Num(n) => Value::Number(n),
        Prim::Bool => Value::Bool(v.bool().unwrap()),
        Prim::Other => Value::Null,
    }
}

fn parse(text: &str) -> Result<Value, Bail> {
    let mut buf = DocBuf::default();
    buf.parse(text)?;
    Ok(rebuild(buf.doc(text).root()))
}

#[test]
fn accepted_lines_read_as_serde_reads_them() {
    for text in [
        r#"{"a":1,"b":[true,false,null,-5,0,1.5,"x"],"c":{"d":"e\"\n\u00e9\ud83d\ude00/\/"}}"#,
        r#" { "resourceType" : "Patient" , "id":"p1" } "#,
        r#"[1e2,1E-2,-0,-0.0,0.1,123456789012345678,1234567890123456789012,1.0,2.50]"#,
        r#"{"big":18446744073709551615,"neg":-9223372036854775808,"x":1e308}"#,
        r#""just a string""#,
        r#"{"emptyo":{},"emptya":[],"s":"\u0000\u001f"}"#,
    ] {
        let ours = parse(text).unwrap_or_else(|_| panic!("bailed on {text}"));
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs, "{text}");
        assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
    }
}

#[test]
fn bails_where_serde_fails_or_differs() {
    let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
    for text in [
        r#"{"a":1,"a":2}"#,
        r#"{"a\u0062":1}"#,
        r#"{"a":1e400}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":-}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\x"}"#,
        "{\"a\":\"tab\there\"}",
        r#"{"a":1,}"#,
        r#"{"a":1} x"#,
        r#"{"a" 1}"#,
        "",
        deep.as_str(),
    ] {
        assert_eq!(parse(text), Err(Bail), "{text}");
    }
}
