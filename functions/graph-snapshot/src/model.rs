//! The graph model (`graph/model.toml`), parsed and validated. Compiled into the binary, so a
//! deployed function and the checked-in GSQL come from the same text; [`Model::hash`] (SHA-256
//! of that text) is part of every `graph_version`.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The model text, as checked in.
pub const MODEL_TOML: &str = include_str!("../../../graph/model.toml");

/// GSQL attribute types the model may use.
pub const TYPES: [&str; 4] = ["STRING", "INT", "DOUBLE", "DATETIME"];

/// Where a value comes from in a raw de-ID table row (exactly one key is set).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A raw table column.
    pub column: Option<String>,
    /// `JSON_VALUE(resource, '<path>')`.
    pub json: Option<String>,
    /// A Reference `Type/<id>` at this JSON path (the endpoint's type; prefix stripped).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// A Coding at this JSON path: `<system>|<code>`.
    pub concept: Option<String>,
}

/// An edge endpoint: the vertex type plus its [`Source`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Vertex type.
    pub vertex: String,
    /// Where the id comes from.
    #[serde(flatten)]
    pub source: Source,
}

/// One attribute of a vertex or edge type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// Attribute (and column) name.
    pub name: String,
    /// GSQL type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Where the value comes from.
    #[serde(flatten)]
    pub source: Source,
}

/// A vertex type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vertex {
    /// Type name (GSQL identifier).
    pub name: String,
    /// Raw table it is selected from: a resource type `starvit-fhir` knows.
    pub table: String,
    /// Primary id.
    pub id: Source,
    /// Attributes.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// A directed edge type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Type name.
    pub name: String,
    /// Raw table it is selected from: a resource type `starvit-fhir` knows.
    pub table: String,
    /// Source vertex.
    pub from: Endpoint,
    /// Target vertex.
    pub to: Endpoint,
    /// Attributes.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// The whole model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// TigerGraph graph name.
    pub graph: String,
    /// Vertex types, in order.
    #[serde(rename = "vertex")]
    pub vertices: Vec<Vertex>,
    /// Edge types, in order.
    #[serde(rename = "edge", default)]
    pub edges: Vec<Edge>,
    /// SHA-256 hex of the text it was parsed from.
    #[serde(skip)]
    pub hash: String,
}

/// The model is invalid. Names the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("graph model: {0}")]
pub struct ModelError(pub String);

/// Whether a `column` source names a scalar column of the raw tables (`starvit_warehouse`).
fn raw_column_ok(name: &str) -> bool {
    starvit_warehouse::tables::RAW
        .columns()
        .iter()
        .any(|c| c.name == name && c.field_type != "JSON")
}

/// A vertex's or edge's attributes: good unique names (not `id`, `graph_version`), supported
/// types, valid sources.
fn attributes_ok(owner: &str, attributes: &[Attribute]) -> Result<(), ModelError> {
    let mut seen = std::collections::BTreeSet::new();
    for a in attributes {
        let what = format!("{owner}.{}", a.name);
        if !ident_ok(&a.name)
            || a.name == "id"
            || a.name == "graph_version"
            || !seen.insert(&a.name)
        {
            return Err(ModelError(format!("{what}: bad or duplicate name")));
        }
        if !TYPES.contains(&a.ty.as_str()) {
            return Err(ModelError(format!("{what}: unsupported type")));
        }
        a.source.check(&what)?;
    }
    Ok(())
}

/// A vertex's or edge's table is a known resource type.
fn table_ok(owner: &str, table: &str) -> Result<(), ModelError> {
    if starvit_fhir::resource_type_known(table) {
        Ok(())
    } else {
        Err(ModelError(format!(
            "{owner}: table {table} is not a known resource type"
        )))
    }
}

fn ident_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.len() <= 48
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A JSON path the generator may put into SQL: `$` then `.name` / `[n]` steps.
fn path_ok(p: &str) -> bool {
    p.starts_with('$')
        && p.len() > 1
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "$.[]_".contains(c))
}

impl Source {
    fn check(&self, what: &str) -> Result<(), ModelError> {
        let set = [
            self.column.as_deref(),
            self.json.as_deref(),
            self.reference.as_deref(),
            self.concept.as_deref(),
        ];
        if set.iter().flatten().count() != 1 {
            return Err(ModelError(format!(
                "{what}: exactly one of column/json/ref/concept"
            )));
        }
        if let Some(c) = &self.column
            && !raw_column_ok(c)
        {
            return Err(ModelError(format!("{what}: unknown raw column {c}")));
        }
        for p in [&self.json, &self.reference, &self.concept]
            .into_iter()
            .flatten()
        {
            if !path_ok(p) {
                return Err(ModelError(format!("{what}: bad JSON path")));
            }
        }
        Ok(())
    }
}

impl Model {
    /// The checked-in model.
    ///
    /// # Errors
    /// [`ModelError`] when it does not parse or validate (a unit test keeps it valid).
    pub fn load() -> Result<Self, ModelError> {
        Self::parse(MODEL_TOML)
    }

    /// Parse and validate a model text.
    ///
    /// # Errors
    /// [`ModelError`] naming the element at fault.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let mut model: Model =
            toml::from_str(text).map_err(|e| ModelError(format!("does not parse: {e}")))?;
        model.hash = hex::encode(Sha256::digest(text.as_bytes()));
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<(), ModelError> {
        let mut names = std::collections::BTreeSet::new();
        if !ident_ok(&self.graph) {
            return Err(ModelError("bad graph name".into()));
        }
        for v in &self.vertices {
            table_ok(&v.name, &v.table)?;
            if !ident_ok(&v.name) || !names.insert(v.name.to_ascii_lowercase()) {
                return Err(ModelError(format!(
                    "vertex {}: bad or duplicate name",
                    v.name
                )));
            }
            v.id.check(&v.name)?;
            if v.id.json.is_some() || v.id.reference.is_some() {
                return Err(ModelError(format!(
                    "vertex {}: id is a column or a concept",
                    v.name
                )));
            }
            attributes_ok(&v.name, &v.attributes)?;
        }
        for e in &self.edges {
            table_ok(&e.name, &e.table)?;
            if !ident_ok(&e.name) || !names.insert(e.name.to_ascii_lowercase()) {
                return Err(ModelError(format!(
                    "edge {}: bad or duplicate name",
                    e.name
                )));
            }
            for end in [&e.from, &e.to] {
                if self.vertex(&end.vertex).is_none() {
                    return Err(ModelError(format!(
                        "edge {}: unknown vertex {}",
                        e.name, end.vertex
                    )));
                }
                end.source.check(&e.name)?;
            }
            attributes_ok(&e.name, &e.attributes)?;
        }
        Ok(())
    }

    /// A vertex type by name.
    pub fn vertex(&self, name: &str) -> Option<&Vertex> {
        self.vertices.iter().find(|v| v.name == name)
    }

    /// Every element as (kind, name), vertices first: the snapshot's units.
    pub fn elements(&self) -> Vec<(Kind, &str)> {
        self.vertices
            .iter()
            .map(|v| (Kind::Vertex, v.name.as_str()))
            .chain(self.edges.iter().map(|e| (Kind::Edge, e.name.as_str())))
            .collect()
    }
}

/// Vertex or edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A vertex type.
    Vertex,
    /// An edge type.
    Edge,
}

impl Kind {
    /// `vertex` / `edge`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vertex => "vertex",
            Kind::Edge => "edge",
        }
    }
}

/// Lowercase name used in table names, object paths and loading job names.
pub fn slug(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_model_is_valid() {
        let m = Model::load().unwrap();
        assert_eq!(m.graph, "starvit");
        assert!(m.vertices.len() >= 9 && m.edges.len() >= 8);
        assert_eq!(m.hash.len(), 64);
    }

    #[test]
    fn concepts_are_keyed_by_the_main_code_of_their_table() {
        // The same concept the raw `code` column names (`starvit_fhir::code_paths`).
        let m = Model::load().unwrap();
        let concept = |table: &str| {
            let main = starvit_fhir::code_paths(table)
                .first()
                .copied()
                .unwrap_or("-");
            format!("$.{main}.coding[0]")
        };
        for v in &m.vertices {
            if let Some(c) = &v.id.concept {
                assert_eq!(*c, concept(&v.table), "vertex {}", v.name);
            }
        }
        for e in &m.edges {
            for end in [&e.from, &e.to] {
                if let Some(c) = &end.source.concept {
                    assert_eq!(*c, concept(&e.table), "edge {}", e.name);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_models() {
        let base = "graph = \"g\"\n[[vertex]]\nname = \"A\"\ntable = \"Patient\"\nid = { column = \"id\" }\n";
        assert!(Model::parse(base).is_ok());
        for bad in [
            format!("{base}attributes = [{{ name = \"x\", type = \"FLOAT\", json = \"$.x\" }}]\n"),
            format!(
                "{base}attributes = [{{ name = \"x\", type = \"STRING\", json = \"$.x') OR 1=1 --\" }}]\n"
            ),
            format!(
                "{base}attributes = [{{ name = \"x\", type = \"STRING\", column = \"resource\" }}]\n"
            ),
            format!(
                "{base}[[edge]]\nname = \"e\"\ntable = \"Patient\"\nfrom = {{ vertex = \"B\", column = \"id\" }}\nto = {{ vertex = \"A\", column = \"id\" }}\n"
            ),
            "graph = \"g\"\n[[vertex]]\nname = \"A\"\ntable = \"Bot\"\nid = { column = \"id\" }\n"
                .to_owned(),
        ] {
            assert!(Model::parse(&bad).is_err(), "{bad}");
        }
    }
}
