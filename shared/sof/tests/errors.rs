//! Input the compiler refuses: the error names the construct, and no SQL comes out.

use serde_json::{Value, json};
use starvit_sof::{Error, compile};

fn view(select: &Value) -> Value {
    json!({"resource": "Patient", "select": [select]})
}

fn err(v: &Value) -> String {
    compile(v, "deid_raw.Patient").unwrap_err().to_string()
}

#[test]
fn unsupported_fhirpath_is_named() {
    let col =
        |path: &str| view(&json!({"column": [{"name": "c", "path": path, "type": "string"}]}));
    assert!(err(&col("name.select(family)")).contains("select()"));
    assert!(err(&col("name | telecom")).contains("union"));
    assert!(err(&col("gender is code")).contains("`is`"));
    assert!(err(&col("$index")).contains("$index"));
    assert!(err(&col("5 'mg'")).contains("quantity"));
    assert!(err(&col("%nope")).contains("undefined constant %nope"));
}

#[test]
fn invalid_views_are_refused() {
    assert!(matches!(
        compile(&json!({"select": []}), "deid_raw.Patient"),
        Err(Error::Invalid(_))
    ));
    let mismatch = view(&json!({"unionAll": [
        {"column": [{"name": "a", "path": "id", "type": "id"}]},
        {"column": [{"name": "b", "path": "id", "type": "id"}]}
    ]}));
    assert!(err(&mismatch).contains("unionAll branches differ"));
    let duplicate = json!({"resource": "Patient", "select": [
        {"column": [{"name": "a", "path": "id", "type": "id"}]},
        {"column": [{"name": "a", "path": "gender", "type": "code"}]}
    ]});
    assert!(err(&duplicate).contains("defined twice"));
    let unknown_key = view(&json!({"column": [{"name": "a", "path": "id"}], "where": []}));
    assert!(err(&unknown_key).contains("`where` in a select"));
    let complex =
        view(&json!({"column": [{"name": "a", "path": "code", "type": "CodeableConcept"}]}));
    assert!(err(&complex).contains("CodeableConcept"));
    let bad_where = json!({"resource": "Patient", "select": [{"column": [{"name": "a", "path": "id"}]}],
        "where": [{"path": "'text'"}]});
    assert!(err(&bad_where).contains("must be boolean"));
    assert!(
        compile(
            &view(&json!({"column": [{"name": "a", "path": "id"}]})),
            "x; DROP"
        )
        .is_err()
    );
}
