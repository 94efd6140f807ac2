//! The select tree to SQL. Every `select` becomes lateral joins on the row of its parent:
//! `forEach` a `CROSS JOIN UNNEST(..) WITH OFFSET`, `forEachOrNull` a `LEFT JOIN .. ON TRUE`
//! (one row of NULLs, `%rowIndex` 0, when empty), nested selects more joins (a cross product),
//! and `unionAll` one `UNNEST(ARRAY_CONCAT(..))` over an `ARRAY(SELECT AS STRUCT ..)` per branch.
//! Columns come out in the specification's order: a select's columns, then its selects', then
//! its `unionAll`'s.

use crate::error::Error;
use crate::expr::compile;
use crate::parser::parse;
use crate::scope::Scope;
use crate::value::{Shape, Val, to_coll};
use crate::view::{Iter, Select};

/// An output column: name, SQL, BigQuery type.
#[derive(Debug, Clone)]
pub(crate) struct OutCol {
    pub(crate) name: String,
    pub(crate) sql: String,
    pub(crate) bigquery_type: String,
}

/// Columns and joins gathered for one query level.
#[derive(Debug, Default)]
pub(crate) struct Level {
    pub(crate) columns: Vec<OutCol>,
    pub(crate) joins: Vec<String>,
}

/// Deepest `repeat` nesting; deeper data is a query error, never a silent cut.
pub const REPEAT_DEPTH: usize = 8;

/// Adds `select` (evaluated in `scope`) to `level`.
pub(crate) fn flatten(select: &Select, scope: &Scope<'_>, level: &mut Level) -> Result<(), Error> {
    let env = scope.env;
    let inner = match &select.iter {
        None => scope.clone(),
        Some(iter) => {
            let (path_text, coll) = match iter {
                Iter::ForEach(p) | Iter::ForEachOrNull(p) => {
                    (p.as_str(), to_coll(&expr(p, scope)?))
                }
                Iter::Repeat(paths) => ("repeat", repeat(paths, scope)?),
            };
            let item = env.aliases.fresh("f");
            let index = format!("{item}_i");
            let (join, row_index) = if matches!(iter, Iter::ForEachOrNull(_)) {
                (
                    format!("LEFT JOIN UNNEST({coll}) AS {item} WITH OFFSET AS {index} ON TRUE"),
                    format!("COALESCE({index}, 0)"),
                )
            } else {
                (
                    format!("CROSS JOIN UNNEST({coll}) AS {item} WITH OFFSET AS {index}"),
                    index,
                )
            };
            level.joins.push(join);
            Scope {
                env,
                this: Val::one(item),
                row_index,
                path: path_text,
            }
        }
    };
    for column in &select.columns {
        let scope = Scope {
            path: &column.path,
            ..inner.clone()
        };
        let value = expr(&column.path, &scope)?;
        let (sql, bigquery_type) = crate::columns::column_sql(&value, column)?;
        level.columns.push(OutCol {
            name: column.name.clone(),
            sql,
            bigquery_type,
        });
    }
    for child in &select.select {
        flatten(child, &inner, level)?;
    }
    if !select.union_all.is_empty() {
        union_all(&select.union_all, &inner, level)?;
    }
    Ok(())
}

/// Parses and compiles one FHIRPath string in `scope`.
pub(crate) fn expr(path: &str, scope: &Scope<'_>) -> Result<Val, Error> {
    let ast = parse(path)?;
    compile(
        &ast,
        &Scope {
            path,
            ..scope.clone()
        },
    )
}

fn union_all(branches: &[Select], scope: &Scope<'_>, level: &mut Level) -> Result<(), Error> {
    let mut arrays = Vec::new();
    let mut shape: Option<Vec<(String, String)>> = None;
    for branch in branches {
        let mut inner = Level::default();
        flatten(branch, scope, &mut inner)?;
        let this: Vec<(String, String)> = inner
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.bigquery_type.clone()))
            .collect();
        if this.is_empty() {
            return Err(Error::invalid("a unionAll branch without columns"));
        }
        match &shape {
            Some(first) if *first != this => {
                return Err(Error::invalid(format!(
                    "unionAll branches differ in columns: {first:?} vs {this:?}"
                )));
            }
            _ => shape = Some(this),
        }
        let fields: Vec<String> = inner
            .columns
            .iter()
            .map(|c| format!("{} AS {}", c.sql, c.name))
            .collect();
        arrays.push(format!(
            "ARRAY(SELECT AS STRUCT {} FROM UNNEST([0]) {})",
            fields.join(", "),
            inner.joins.join(" ")
        ));
    }
    let alias = scope.env.aliases.fresh("u");
    level.joins.push(format!(
        "CROSS JOIN UNNEST(ARRAY_CONCAT({})) AS {alias}",
        arrays.join(", ")
    ));
    for (name, bigquery_type) in shape.unwrap_or_default() {
        level.columns.push(OutCol {
            sql: format!("{alias}.{name}"),
            name,
            bigquery_type,
        });
    }
    Ok(())
}

/// `repeat: [paths]`: every node reached by applying the paths again and again, depth first
/// (a node, then what the first path reaches from it, then the second's), as `ARRAY<JSON>`.
fn repeat(paths: &[String], scope: &Scope<'_>) -> Result<String, Error> {
    let tree = descend(&scope.this.sql, paths, scope, 0)?;
    let d = scope.env.aliases.fresh("d");
    Ok(format!(
        "ARRAY(SELECT {d}.n FROM UNNEST({tree}) AS {d} ORDER BY {d}.k)"
    ))
}

/// `ARRAY<STRUCT<n JSON, k STRING>>`: the nodes below `node` with a sort key whose order is the
/// depth-first order (per level: one digit for the path, six for the offset).
fn descend(node: &str, paths: &[String], scope: &Scope<'_>, depth: usize) -> Result<String, Error> {
    let mut kids = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let v = expr(path, &scope.with_this(Val::one(node.to_owned())))?;
        if matches!(v.shape, Shape::Scalar(_)) {
            return Err(scope.semantic(format!("repeat path `{path}` must reach elements")));
        }
        let c = scope.env.aliases.fresh("r");
        kids.push(format!(
            "ARRAY(SELECT AS STRUCT {c} AS n, FORMAT('%d%06d', {i}, {c}_o) AS k \
             FROM UNNEST({}) AS {c} WITH OFFSET AS {c}_o)",
            to_coll(&v)
        ));
    }
    if paths.len() > 9 {
        return Err(Error::unsupported("repeat with more than 9 paths"));
    }
    let kids = format!("ARRAY_CONCAT({})", kids.join(", "));
    if depth == REPEAT_DEPTH {
        let err = crate::sql::string(&format!(
            "repeat: data nested deeper than {REPEAT_DEPTH} levels"
        ));
        return Ok(format!(
            "IF(ARRAY_LENGTH({kids}) > 0, ERROR({err}), ARRAY<STRUCT<n JSON, k STRING>>[])"
        ));
    }
    let c = scope.env.aliases.fresh("c");
    let t = scope.env.aliases.fresh("t");
    let below = descend(&format!("{c}.n"), paths, scope, depth + 1)?;
    Ok(format!(
        "ARRAY(SELECT AS STRUCT {t}.n AS n, CONCAT({c}.k, {t}.k) AS k FROM UNNEST({kids}) AS {c}, \
         UNNEST(ARRAY_CONCAT([STRUCT({c}.n AS n, '' AS k)], {below})) AS {t})"
    ))
}
