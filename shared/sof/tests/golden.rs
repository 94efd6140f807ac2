//! Golden SQL: each `golden/<name>.json` ViewDefinition compiles to exactly `golden/<name>.sql`
//! (over `deid_raw.<resource>`). The conformance suite checks what the SQL means on the
//! emulator; these pin the text real BigQuery receives, so a change to the SQL shape is a
//! reviewed diff. `STARVIT_UPDATE_GOLDEN=1 cargo test -p starvit-sof --test golden` rewrites them.

use std::path::Path;

#[test]
fn views_compile_to_the_pinned_sql() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("STARVIT_UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let view: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let table = format!("deid_raw.{}", starvit_sof::resource_of(&view).unwrap());
        let sql = starvit_sof::compile(&view, &table).unwrap().sql + "\n";
        let golden = path.with_extension("sql");
        if update {
            std::fs::write(&golden, &sql).unwrap();
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing", golden.display()));
        assert_eq!(sql, want, "{} changed", golden.display());
        checked += 1;
    }
    assert!(checked >= 3, "golden views: {checked}");
}

#[test]
fn output_columns_are_typed_in_order() {
    let view: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/foreach_union.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let compiled = starvit_sof::compile(&view, "deid_raw.Patient").unwrap();
    let columns: Vec<(&str, &str)> = compiled
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.bigquery_type.as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "STRING"),
            ("name_index", "INT64"),
            ("given", "ARRAY<STRING>"),
            ("system", "STRING")
        ]
    );
}

#[test]
fn views_over_raw_tables_read_the_current_version_of_each_resource() {
    let view: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/foreach_union.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let table = format!("deid_raw.{}", starvit_sof::resource_of(&view).unwrap());
    let order = "export_time DESC, ingested_at DESC, version_id DESC";
    let plain = starvit_sof::compile(&view, &table).unwrap();
    let current = starvit_sof::compile_current(&view, &table, order).unwrap();
    let from = format!(
        "(SELECT * FROM `{table}` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY {order}) = 1)"
    );
    assert_eq!(
        current.sql,
        plain.sql.replacen(&format!("`{table}`"), &from, 1),
        "the same SELECT, over the latest row of each id"
    );
    assert_eq!(current.columns, plain.columns);
    assert!(starvit_sof::compile_current(&view, "x; DROP", order).is_err());
}
