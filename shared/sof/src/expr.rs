//! FHIRPath expressions to BigQuery SQL: navigation, literals, constants and operators.
//! Function calls are in [`crate::functions`].

use crate::ast::{BinOp, Expr, Literal};
use crate::error::Error;
use crate::scope::Scope;
use crate::sql;
use crate::value::{Shape, Ty, Val, to_bool, to_coll, to_scalar};

/// Compiles `expr` in `scope`.
pub(crate) fn compile(expr: &Expr, scope: &Scope<'_>) -> Result<Val, Error> {
    match expr {
        Expr::Literal(lit) => Ok(literal(lit)),
        Expr::Constant(name) => constant(name, scope),
        Expr::This => Ok(scope.this.clone()),
        Expr::Member(..) => member_chain(expr, scope),
        Expr::Call(base, name, args) => crate::functions::call(base.as_deref(), name, args, scope),
        Expr::Index(base, index) => {
            let base = compile(base, scope)?;
            let index = to_scalar(&compile(index, scope)?, Ty::Int, "index")?;
            Ok(Val::one(format!(
                "({})[SAFE_OFFSET({index})]",
                to_coll(&base)
            )))
        }
        Expr::Negate(inner) => {
            let v = compile(inner, scope)?;
            let ty = if v.ty() == Some(Ty::Int) {
                Ty::Int
            } else {
                Ty::Decimal
            };
            Ok(Val::scalar(format!("(-{})", to_scalar(&v, ty, "-")?), ty))
        }
        Expr::Binary(op, left, right) => {
            let l = compile(left, scope)?;
            let r = compile(right, scope)?;
            binary(*op, &l, &r, scope)
        }
    }
}

fn literal(lit: &Literal) -> Val {
    match lit {
        Literal::Empty => Val::coll("ARRAY<JSON>[]".to_owned()),
        Literal::Bool(b) => Val::scalar(if *b { "TRUE" } else { "FALSE" }.to_owned(), Ty::Bool),
        Literal::String(s) => Val::scalar(sql::string(s), Ty::String),
        Literal::Integer(n) => Val::scalar(n.clone(), Ty::Int),
        Literal::Decimal(n) => Val::scalar(format!("CAST({n} AS FLOAT64)"), Ty::Decimal),
        Literal::Date(d) => Val::scalar(sql::string(d), Ty::Date),
        Literal::DateTime(d) => Val::scalar(sql::string(d), Ty::DateTime),
        Literal::Time(t) => Val::scalar(sql::string(t), Ty::Time),
    }
}

fn constant(name: &str, scope: &Scope<'_>) -> Result<Val, Error> {
    match name {
        "rowIndex" => Ok(Val::scalar(scope.row_index.clone(), Ty::Int)),
        "resource" | "rootResource" => Ok(Val::one(scope.env.resource.clone())),
        _ => scope
            .env
            .constants
            .get(name)
            .cloned()
            .ok_or_else(|| scope.semantic(format!("undefined constant %{name}"))),
    }
}

/// `a.b.c`: one subquery that unnests each step, keeping collection order.
pub(crate) fn member_chain(expr: &Expr, scope: &Scope<'_>) -> Result<Val, Error> {
    let mut keys: Vec<String> = Vec::new();
    // `None`: the chain starts at `$this`.
    let mut cursor: Option<&Expr> = Some(expr);
    while let Some(current) = cursor {
        match current {
            Expr::Member(base, name) => {
                keys.push(name.clone());
                cursor = base.as_deref();
            }
            // `x.ofType(T)` inside a chain is the step `xT` (a choice element).
            Expr::Call(Some(base), f, args) if f == "ofType" && args.len() == 1 => {
                let choice = args[0]
                    .type_name()
                    .filter(|t| crate::types::is_data_type(t));
                match (base.as_ref(), choice) {
                    (Expr::Member(b, name), Some(t)) => {
                        keys.push(format!("{name}{}", crate::types::choice_suffix(t)));
                        cursor = b.as_deref();
                    }
                    _ => break,
                }
            }
            _ => break,
        }
    }
    keys.reverse();
    let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let start = match cursor {
        None => {
            if keys.first() == Some(&scope.env.resource_type.as_str())
                && scope.this.sql == scope.env.resource
            {
                keys.remove(0);
            }
            scope.this.clone()
        }
        Some(base) => compile(base, scope)?,
    };
    navigate(&start, &keys, scope)
}

/// The items reached from `start` through `keys` (each step: every item's child `key`).
pub(crate) fn navigate(start: &Val, keys: &[&str], scope: &Scope<'_>) -> Result<Val, Error> {
    if keys.is_empty() {
        return Ok(start.clone());
    }
    let simple = start
        .sql
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let (mut from, mut order, mut parent, rest) = match start.shape {
        // A named single item (the resource, a forEach item): its children directly.
        Shape::One if simple => {
            let alias = scope.env.aliases.fresh("n");
            (
                format!(
                    "UNNEST({}) AS {alias} WITH OFFSET AS {alias}_o",
                    sql::children(&start.sql, keys[0])
                ),
                vec![format!("{alias}_o")],
                alias,
                &keys[1..],
            )
        }
        Shape::One | Shape::Coll => {
            let source = if start.shape == Shape::One {
                format!("[{}]", start.sql)
            } else {
                start.sql.clone()
            };
            let alias = scope.env.aliases.fresh("n");
            (
                format!("UNNEST({source}) AS {alias} WITH OFFSET AS {alias}_o"),
                vec![format!("{alias}_o")],
                alias,
                keys,
            )
        }
        Shape::Scalar(ty) => {
            return Err(scope.semantic(format!("`.{}` on a {ty:?} value", keys[0])));
        }
    };
    for key in rest {
        let alias = scope.env.aliases.fresh("n");
        from.push_str(&format!(
            ", UNNEST({}) AS {alias} WITH OFFSET AS {alias}_o",
            sql::children(&parent, key)
        ));
        order.push(format!("{alias}_o"));
        parent = alias;
    }
    Ok(Val::coll(format!(
        "ARRAY(SELECT {parent} FROM {from} ORDER BY {})",
        order.join(", ")
    )))
}

fn binary(op: BinOp, l: &Val, r: &Val, scope: &Scope<'_>) -> Result<Val, Error> {
    let what = scope.path;
    match op {
        BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Implies => {
            let (a, b) = (to_bool(l, what), to_bool(r, what));
            let sql = match op {
                BinOp::And => format!("({a} AND {b})"),
                BinOp::Or => format!("({a} OR {b})"),
                BinOp::Xor => format!("({a} != {b})"),
                _ => format!("((NOT {a}) OR {b})"),
            };
            Ok(Val::scalar(sql, Ty::Bool))
        }
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            crate::compare::compare(op, l, r, scope)
        }
        _ => crate::compare::arithmetic(op, l, r, scope),
    }
}
