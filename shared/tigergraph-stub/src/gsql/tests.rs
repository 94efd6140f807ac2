use super::*;

const SCHEMA: &str = "// c\nCREATE VERTEX A (PRIMARY_ID id STRING, x INT) WITH PRIMARY_ID_AS_ATTRIBUTE=\"true\"\n\
    CREATE DIRECTED EDGE a_a (FROM A, TO A, w DOUBLE)\nCREATE GRAPH g (A, a_a)\n";

#[test]
fn parses_and_validates() {
    let schema = parse_schema(SCHEMA).unwrap();
    let jobs = parse_loading_jobs(
        "CREATE LOADING JOB load_A FOR GRAPH g {\n DEFINE FILENAME f;\n \
         LOAD f TO VERTEX A VALUES ($\"id\", $\"x\") USING JSON_FILE=\"true\";\n}\n",
    )
    .unwrap();
    validate(&schema, &jobs).unwrap();
    assert_eq!(jobs[0].loads[0].columns, ["id", "x"]);
}

#[test]
fn rejects_what_is_outside_the_grammar() {
    assert!(
        parse_schema(
            "CREATE VERTEX A (PRIMARY_ID id STRING, x FLOAT) WITH PRIMARY_ID_AS_ATTRIBUTE=\"true\""
        )
        .is_err()
    );
    assert!(parse_loading_jobs("CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f;").is_err());
    let schema = parse_schema(SCHEMA).unwrap();
    for bad in [
        "CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f; LOAD h TO VERTEX A VALUES ($\"id\", $\"x\") USING JSON_FILE=\"true\"; }",
        "CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f; LOAD f TO VERTEX A VALUES ($\"id\") USING JSON_FILE=\"true\"; }",
        "CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f; LOAD f TO EDGE A VALUES ($\"id\", $\"x\") USING JSON_FILE=\"true\"; }",
        "CREATE LOADING JOB j FOR GRAPH h { DEFINE FILENAME f; }",
        "CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f; LOAD f TO VERTEX A VALUES ($\"id\", $\"x\") USING header=\"true\", separator=\",\"; }",
        "CREATE LOADING JOB j FOR GRAPH g { DEFINE FILENAME f; LOAD f TO VERTEX A VALUES ($\"id\", $\"x\") USING JSON_FILE=\"true\", header=\"true\"; }",
    ] {
        let jobs = parse_loading_jobs(bad).unwrap();
        assert!(validate(&schema, &jobs).is_err(), "{bad}");
    }
}
