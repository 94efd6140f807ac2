//! The ViewDefinition JSON, read into typed structures and checked against the specification's
//! rules (`resource` present, paths are strings, column names valid and unique, `unionAll`
//! branches with the same columns). Keys of a `select` or `column` that this compiler does not
//! know are refused, never ignored.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::sql;

/// A parsed ViewDefinition.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub(crate) resource: String,
    pub(crate) constants: Vec<Map<String, Value>>,
    pub(crate) select: Vec<Select>,
    pub(crate) where_: Vec<String>,
}

/// How a `select` iterates.
#[derive(Debug, Clone)]
pub(crate) enum Iter {
    ForEach(String),
    ForEachOrNull(String),
    Repeat(Vec<String>),
}

/// One `select` node.
#[derive(Debug, Clone)]
pub(crate) struct Select {
    pub(crate) iter: Option<Iter>,
    pub(crate) columns: Vec<Column>,
    pub(crate) select: Vec<Select>,
    pub(crate) union_all: Vec<Select>,
}

/// One `column`.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) path: String,
    /// The FHIR type named by `type`, if given.
    pub(crate) fhir_type: Option<String>,
    pub(crate) collection: bool,
}

/// Reads and checks a ViewDefinition.
pub(crate) fn parse(json: &Value) -> Result<View, Error> {
    let obj = json
        .as_object()
        .ok_or_else(|| Error::invalid("a ViewDefinition is a JSON object"))?;
    let resource = obj
        .get("resource")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or_else(|| Error::invalid("`resource` (a FHIR resource type) is required"))?
        .to_owned();
    let constants = match obj.get("constant") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| {
                c.as_object()
                    .cloned()
                    .ok_or_else(|| Error::invalid("a constant is an object"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Error::invalid("`constant` is an array")),
    };
    let where_ = match obj.get("where") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|w| string_at(w, "path", "where"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(Error::invalid("`where` is an array")),
    };
    let select = selects(obj.get("select"), "select")?;
    if select.is_empty() {
        return Err(Error::invalid("`select` must hold at least one select"));
    }
    Ok(View {
        resource,
        constants,
        select,
        where_,
    })
}

fn string_at(obj: &Value, key: &str, within: &str) -> Result<String, Error> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid(format!("`{within}.{key}` must be a string")))
}

fn selects(value: Option<&Value>, key: &str) -> Result<Vec<Select>, Error> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(select).collect(),
        Some(_) => Err(Error::invalid(format!("`{key}` must be an array"))),
    }
}

const SELECT_KEYS: [&str; 6] = [
    "column",
    "select",
    "forEach",
    "forEachOrNull",
    "repeat",
    "unionAll",
];
const COLUMN_KEYS: [&str; 6] = ["name", "path", "type", "collection", "description", "tag"];

fn select(value: &Value) -> Result<Select, Error> {
    let obj = value
        .as_object()
        .ok_or_else(|| Error::invalid("a select is a JSON object"))?;
    refuse_unknown(obj, &SELECT_KEYS, "select")?;
    let path = |key: &str| -> Result<Option<String>, Error> {
        obj.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::invalid(format!("`{key}` must be a FHIRPath string")))
            })
            .transpose()
    };
    let iters = [
        path("forEach")?.map(Iter::ForEach),
        path("forEachOrNull")?.map(Iter::ForEachOrNull),
        repeat(obj.get("repeat"))?,
    ];
    let mut iters = iters.into_iter().flatten();
    let iter = iters.next();
    if iters.next().is_some() {
        return Err(Error::invalid(
            "a select has at most one of forEach, forEachOrNull, repeat",
        ));
    }
    let columns = match obj.get("column") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(column).collect::<Result<_, _>>()?,
        Some(_) => return Err(Error::invalid("`column` must be an array")),
    };
    Ok(Select {
        iter,
        columns,
        select: selects(obj.get("select"), "select")?,
        union_all: selects(obj.get("unionAll"), "unionAll")?,
    })
}

fn repeat(value: Option<&Value>) -> Result<Option<Iter>, Error> {
    let Some(value) = value else { return Ok(None) };
    let paths: Option<Vec<String>> = value
        .as_array()
        .map(|a| a.iter().map(|p| p.as_str().map(str::to_owned)).collect())
        .and_then(|v: Option<Vec<String>>| v.filter(|v| !v.is_empty()));
    paths
        .map(|p| Some(Iter::Repeat(p)))
        .ok_or_else(|| Error::invalid("`repeat` must be a non-empty array of FHIRPath strings"))
}

fn column(value: &Value) -> Result<Column, Error> {
    let obj = value
        .as_object()
        .ok_or_else(|| Error::invalid("a column is a JSON object"))?;
    refuse_unknown(obj, &COLUMN_KEYS, "column")?;
    let name = string_at(value, "name", "column")?;
    if !sql::column_name_ok(&name) {
        return Err(Error::invalid(format!(
            "column name `{name}`: letters, digits and `_`, not starting with a digit"
        )));
    }
    let collection = match obj.get("collection") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Error::invalid("`column.collection` must be a boolean")),
    };
    let fhir_type = match obj.get("type") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return Err(Error::invalid("`column.type` must be a string")),
    };
    Ok(Column {
        path: string_at(value, "path", "column")?,
        name,
        fhir_type,
        collection,
    })
}

fn refuse_unknown(obj: &Map<String, Value>, known: &[&str], what: &str) -> Result<(), Error> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(Error::unsupported(format!("`{key}` in a {what}"))),
        None => Ok(()),
    }
}
