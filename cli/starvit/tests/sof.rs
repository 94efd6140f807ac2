//! `starvit sof compile` on the project's views and on a view it must refuse.

use std::process::Command;

fn starvit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_starvit"))
}

#[test]
fn every_project_view_compiles_to_one_select_over_its_raw_table() {
    let views = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../views");
    let mut n = 0;
    for entry in std::fs::read_dir(&views).expect("views/").flatten() {
        let out = starvit()
            .args(["sof", "compile"])
            .arg(entry.path())
            .output()
            .expect("run");
        let sql = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {}",
            entry.path().display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(sql.starts_with("SELECT "), "{sql}");
        assert!(sql.contains("FROM `deid_raw."), "{sql}");
        n += 1;
    }
    assert_eq!(n, 8, "one file per view");
}

#[test]
fn unsupported_input_is_an_error_naming_the_construct() {
    let dir = tempfile::tempdir().expect("tempdir");
    let view = dir.path().join("v.json");
    std::fs::write(
        &view,
        r#"{"resource": "Patient", "select": [{"column": [{"name": "n", "path": "name.select(family)"}]}]}"#,
    )
    .expect("write");
    let out = starvit()
        .args(["sof", "compile"])
        .arg(&view)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no SQL on error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("select()"));
}
