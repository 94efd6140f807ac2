//! Comparison and arithmetic operators. A typed side decides the type of the other; two JSON
//! sides are compared by their JSON types at run time (numbers as numbers, strings as text).
//! Dates and times compare as ISO text.

use crate::ast::BinOp;
use crate::error::Error;
use crate::scope::Scope;
use crate::value::{Ty, Val, to_one, to_scalar};

fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Eq => "=",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        _ => "/",
    }
}

fn numeric(ty: Ty) -> bool {
    matches!(ty, Ty::Int | Ty::Decimal)
}

/// The common type of two typed sides, if they can be compared.
fn common(a: Ty, b: Ty) -> Option<Ty> {
    if a == b {
        Some(a)
    } else if numeric(a) && numeric(b) {
        Some(Ty::Decimal)
    } else if a.bigquery() == "STRING" && b.bigquery() == "STRING" {
        Some(Ty::String)
    } else {
        None
    }
}

/// `=`, `!=`, `<`, `<=`, `>`, `>=`: empty on either side gives empty (NULL).
pub(crate) fn compare(op: BinOp, l: &Val, r: &Val, scope: &Scope<'_>) -> Result<Val, Error> {
    let what = scope.path;
    let ty = match (l.ty(), r.ty()) {
        (Some(a), Some(b)) => Some(common(a, b).ok_or_else(|| {
            scope.semantic(format!("cannot compare a {a:?} value with a {b:?} value"))
        })?),
        (Some(t), None) | (None, Some(t)) => Some(t),
        (None, None) => None,
    };
    let s = symbol(op);
    if let Some(ty) = ty {
        let (a, b) = (to_scalar(l, ty, what)?, to_scalar(r, ty, what)?);
        return Ok(Val::scalar(format!("({a} {s} {b})"), Ty::Bool));
    }
    // Both sides JSON: decide by the JSON types of the two items.
    let (a, b) = (to_one(l, what), to_one(r, what));
    let fallback = if matches!(op, BinOp::Eq | BinOp::Ne) {
        format!("TO_JSON_STRING(x) {s} TO_JSON_STRING(y)")
    } else {
        "NULL".to_owned()
    };
    Ok(Val::scalar(
        format!(
            "(SELECT CASE WHEN x IS NULL OR y IS NULL THEN NULL \
             WHEN JSON_TYPE(x) = 'number' AND JSON_TYPE(y) = 'number' \
             THEN LAX_FLOAT64(x) {s} LAX_FLOAT64(y) \
             WHEN JSON_TYPE(x) = 'string' AND JSON_TYPE(y) = 'string' \
             THEN JSON_VALUE(x) {s} JSON_VALUE(y) \
             WHEN JSON_TYPE(x) = 'boolean' AND JSON_TYPE(y) = 'boolean' \
             THEN LAX_BOOL(x) {s} LAX_BOOL(y) ELSE {fallback} END \
             FROM UNNEST([STRUCT({a} AS x, {b} AS y)]))"
        ),
        Ty::Bool,
    ))
}

/// `+ - * / div mod &`. JSON operands are read as decimals; `+` on strings concatenates.
pub(crate) fn arithmetic(op: BinOp, l: &Val, r: &Val, scope: &Scope<'_>) -> Result<Val, Error> {
    let what = scope.path;
    let text = |v: &Val| -> bool { v.ty().is_some_and(|t| t.bigquery() == "STRING") };
    if op == BinOp::Concat {
        let (a, b) = (
            to_scalar(l, Ty::String, what)?,
            to_scalar(r, Ty::String, what)?,
        );
        return Ok(Val::scalar(
            format!("CONCAT(COALESCE({a}, ''), COALESCE({b}, ''))"),
            Ty::String,
        ));
    }
    if op == BinOp::Add && (text(l) || text(r)) {
        let (a, b) = (
            to_scalar(l, Ty::String, what)?,
            to_scalar(r, Ty::String, what)?,
        );
        return Ok(Val::scalar(format!("CONCAT({a}, {b})"), Ty::String));
    }
    for v in [l, r] {
        if let Some(t) = v.ty().filter(|t| !numeric(*t)) {
            return Err(scope.semantic(format!("arithmetic on a {t:?} value")));
        }
    }
    let both_int = l.ty() == Some(Ty::Int) && r.ty() == Some(Ty::Int);
    let ty = if both_int { Ty::Int } else { Ty::Decimal };
    let (a, b) = (to_scalar(l, ty, what)?, to_scalar(r, ty, what)?);
    let sql = match op {
        BinOp::Div => format!(
            "SAFE_DIVIDE({}, {})",
            cast_decimal(&a, ty),
            cast_decimal(&b, ty)
        ),
        BinOp::IntDiv | BinOp::Mod if !both_int => {
            return Err(Error::unsupported(format!(
                "`div`/`mod` on decimals (in `{what}`)"
            )));
        }
        BinOp::IntDiv => {
            format!("(SELECT IF(y = 0, NULL, DIV(x, y)) FROM UNNEST([STRUCT({a} AS x, {b} AS y)]))")
        }
        BinOp::Mod => {
            format!("(SELECT IF(y = 0, NULL, MOD(x, y)) FROM UNNEST([STRUCT({a} AS x, {b} AS y)]))")
        }
        _ => format!("({a} {} {b})", symbol(op)),
    };
    let ty = if op == BinOp::Div { Ty::Decimal } else { ty };
    Ok(Val::scalar(sql, ty))
}

fn cast_decimal(sql: &str, ty: Ty) -> String {
    if ty == Ty::Int {
        format!("CAST({sql} AS FLOAT64)")
    } else {
        sql.to_owned()
    }
}
