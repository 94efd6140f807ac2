//! Golden outputs of both profiles over a small hand-written input.
//! Regenerate with `STARVIT_UPDATE_GOLDEN=1 cargo test -p starvit-deid --test golden`.

mod common;

fn golden(profile: &str) {
    let engine = common::engine(profile);
    let mut out = Vec::new();
    engine
        .deid_ndjson(
            common::SMALL.as_bytes(),
            &mut out,
            &mut starvit_deid::MemoryQuarantine::default(),
        )
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actual = serde_json::to_string_pretty(&lines).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/golden/{profile}.json"));
    if std::env::var_os("STARVIT_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .expect("golden file missing: run with STARVIT_UPDATE_GOLDEN=1");
    assert_eq!(
        actual, expected,
        "{profile} output changed; review and regenerate the golden"
    );
}

#[test]
fn shifted_golden() {
    golden("shifted");
}

#[test]
fn safe_harbor_golden() {
    golden("safe-harbor");
}
