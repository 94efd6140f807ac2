//! The warehouse against Terraform: every table Terraform owns is declared in `infra/*.tf` with
//! its schema read from this crate's JSON file, and every BigQuery table Terraform declares is a
//! table of the warehouse. (The schema is then one file, read by both.)

use std::path::Path;

use starvit_warehouse::tables::{self, Owner};

fn terraform() -> String {
    let infra = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra");
    let mut text = String::new();
    for entry in std::fs::read_dir(&infra).expect("infra/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "tf") {
            text.push_str(&std::fs::read_to_string(&path).expect("read"));
        }
    }
    text
}

/// `(table_id, body)` of every `resource "google_bigquery_table"` block.
fn declared_tables(tf: &str) -> Vec<(String, String)> {
    tf.split("resource \"google_bigquery_table\"")
        .skip(1)
        .map(|block| {
            let body = block
                .split("\nresource ")
                .next()
                .unwrap_or_default()
                .to_owned();
            let id = body
                .lines()
                .find_map(|l| {
                    let l = l.trim();
                    l.strip_prefix("table_id").map(|v| {
                        v.trim_start_matches([' ', '='])
                            .trim_matches('"')
                            .to_owned()
                    })
                })
                .unwrap_or_default();
            (id, body)
        })
        .collect()
}

#[test]
fn terraform_declares_its_tables_with_the_warehouse_schemas() {
    let tf = terraform();
    let declared = declared_tables(&tf);
    for table in tables::terraform_owned() {
        let (_, body) = declared
            .iter()
            .find(|(id, _)| id == table.name)
            .unwrap_or_else(|| panic!("infra/ does not declare {}", table.name));
        let file = format!("shared/warehouse/schemas/{}", table.schema_file);
        assert!(
            body.contains("file(") && body.contains(&file),
            "{}: its schema must be file(\"${{path.module}}/../{file}\")",
            table.name
        );
    }
    for (id, _) in &declared {
        let known = tables::all()
            .into_iter()
            .any(|t| t.owner == Owner::Terraform && t.name == id);
        assert!(
            known,
            "infra/ declares {id}, which the warehouse does not know"
        );
    }
}
