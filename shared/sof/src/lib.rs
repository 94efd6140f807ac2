//! `starvit-sof`: SQL-on-FHIR v2 ViewDefinitions compiled to one BigQuery Standard SQL `SELECT`
//! over a raw de-ID table (one resource per row in its `resource` JSON column).
//!
//! Module map:
//! - [`compile`] (here): ViewDefinition JSON + table name -> [`Compiled`] (SQL and columns).
//! - `view`: the ViewDefinition read into typed structures and checked.
//! - `lexer`, `parser`, [`ast`]: the FHIRPath subset, parsed by hand.
//! - `expr`: FHIRPath to SQL (navigation, literals, constants, operators); `functions`:
//!   `where`, `exists`, `empty`, `first`, `last`, `count`, `not`, `join`, `extension`, `ofType`,
//!   `getResourceKey`, `getReferenceKey`, `lowBoundary`/`highBoundary` (`boundary`);
//!   `compare`: comparison and arithmetic.
//! - `scope`: what an expression sees (the view's environment, `$this`, `%rowIndex`).
//! - `value`: the three SQL shapes of a FHIRPath value and the conversions between them.
//! - `select`: the select tree (`forEach`, `forEachOrNull`, `repeat`, `unionAll`, nested
//!   selects) as lateral joins; `columns`: a column in its declared type.
//! - `types`: FHIR type names (column types, constants, choice types).
//! - [`apply`]: the project's views folder as `CREATE OR REPLACE VIEW` statements.
//! - [`run`]: queries through `starvit-gcp` (jobs with fresh ids, typed rows);
//!   [`conformance`]: the official conformance suite run on BigQuery / local-bigquery.
//! - `sql`: literals, identifiers, fresh aliases, JSON child access.
//!
//! Contract: the SQL depends only on the ViewDefinition and the table name. Input the compiler
//! does not support is an [`Error`] naming the construct, never SQL that could answer wrongly;
//! what can only be known from the data (a non-collection column meeting two values, a `where`
//! path meeting a non-boolean) is a query error raised with BigQuery's `ERROR()`.

pub mod apply;
pub mod ast;
mod boundary;
mod columns;
mod compare;
pub mod conformance;
mod error;
mod expr;
mod functions;
mod lexer;
pub mod parser;
pub mod run;
mod scope;
mod select;
mod sql;
mod types;
mod value;
mod view;

use std::collections::BTreeMap;

use serde_json::Value;

pub use error::Error;
pub use select::REPEAT_DEPTH;
pub use value::Ty;

/// A compiled view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// The view's resource type (`Patient`).
    pub resource: String,
    /// One BigQuery Standard SQL `SELECT`.
    pub sql: String,
    /// The output columns in order.
    pub columns: Vec<OutputColumn>,
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// Column name.
    pub name: String,
    /// BigQuery type: `STRING`, `BOOL`, `INT64`, `FLOAT64`, `JSON` or `ARRAY<...>` of one.
    pub bigquery_type: String,
}

/// The resource type a ViewDefinition is over (`resource`), e.g. to pick its raw table.
///
/// # Errors
/// [`Error::Invalid`] when `resource` is missing.
pub fn resource_of(view: &Value) -> Result<String, Error> {
    view::parse(view).map(|v| v.resource)
}

/// Compiles `view` into one `SELECT` over `table` (`[project.]dataset.table`), a table with the
/// raw tables' `resource JSON` column. Rows of other resource types in the table are ignored.
///
/// # Errors
/// [`Error`] for an invalid ViewDefinition or an unsupported construct.
pub fn compile(view: &Value, table: &str) -> Result<Compiled, Error> {
    compile_from(view, &table_sql(table)?)
}

/// [`compile`] over the current version of each resource of `table`: of the rows of one `id`,
/// the first by `version_order` (an `ORDER BY` list of the table's columns, e.g.
/// `starvit_warehouse::tables::current_version_order("")`). A raw table keeps every version
/// of a resource (one row per `id` and `version_id`); a view over it reads each resource once.
///
/// # Errors
/// As [`compile`].
pub fn compile_current(view: &Value, table: &str, version_order: &str) -> Result<Compiled, Error> {
    let from = format!(
        "(SELECT * FROM {} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY {version_order}) = 1)",
        table_sql(table)?
    );
    compile_from(view, &from)
}

fn table_sql(table: &str) -> Result<String, Error> {
    sql::table(table)
        .ok_or_else(|| Error::invalid(format!("table name `{table}`: [project.]dataset.table")))
}

/// Compiles `view` into one `SELECT` over `table_sql` (a quoted table or a subquery).
fn compile_from(view: &Value, table_sql: &str) -> Result<Compiled, Error> {
    let view = view::parse(view)?;
    let mut constants = BTreeMap::new();
    for entry in &view.constants {
        let (name, value) = types::constant(entry)?;
        if constants.insert(name.clone(), value).is_some() {
            return Err(Error::invalid(format!("constant `{name}` defined twice")));
        }
    }
    let env = scope::Env {
        resource_type: view.resource.clone(),
        resource: "r.resource".to_owned(),
        constants,
        aliases: sql::Aliases::default(),
    };
    let scope = scope::Scope {
        env: &env,
        this: value::Val::one(env.resource.clone()),
        row_index: "0".to_owned(),
        path: "",
    };
    let mut level = select::Level::default();
    for s in &view.select {
        select::flatten(s, &scope, &mut level)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = level.columns.iter().find(|c| !seen.insert(c.name.as_str())) {
        return Err(Error::invalid(format!(
            "column `{}` defined twice",
            dup.name
        )));
    }
    let mut conditions = vec![format!(
        "JSON_VALUE(r.resource, '$.resourceType') = {}",
        sql::string(&view.resource)
    )];
    for path in &view.where_ {
        let v = select::expr(path, &scope)?;
        conditions.push(value::to_strict_bool(&v, path)?);
    }
    let columns: Vec<String> = level
        .columns
        .iter()
        .map(|c| format!("{} AS {}", c.sql, c.name))
        .collect();
    let mut sql = format!("SELECT {} FROM {table_sql} AS r", columns.join(", "));
    for join in &level.joins {
        sql.push(' ');
        sql.push_str(join);
    }
    sql.push_str(" WHERE ");
    sql.push_str(&conditions.join(" AND "));
    Ok(Compiled {
        resource: view.resource,
        sql,
        columns: level
            .columns
            .into_iter()
            .map(|c| OutputColumn {
                name: c.name,
                bigquery_type: c.bigquery_type,
            })
            .collect(),
    })
}
