//! Compiled FHIRPath values: what SQL an expression became, and its shape.
//!
//! A FHIRPath value is a collection. Three SQL shapes carry it:
//! - [`Shape::Coll`]: `ARRAY<JSON>` in collection order (navigation results);
//! - [`Shape::One`]: one JSON value, SQL NULL for empty (the context item, `first()`, `[i]`);
//! - [`Shape::Scalar`]: a typed SQL scalar, NULL for empty (literals, constants, operators and
//!   functions that return one typed value).
//!
//! Conversions between them are the only place the compiler decides how a JSON value becomes a
//! BigQuery value; a collection with more than one item where one is needed is a query error
//! (`ERROR()`), never a silently chosen item.

use crate::error::Error;
use crate::sql;

/// The type of a typed scalar. Dates and times stay ISO text (FHIR allows partial precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// STRING
    String,
    /// BOOL
    Bool,
    /// INT64
    Int,
    /// FLOAT64
    Decimal,
    /// STRING holding a FHIR date (`2020`, `2020-01`, `2020-01-02`)
    Date,
    /// STRING holding a FHIR dateTime or instant
    DateTime,
    /// STRING holding a FHIR time
    Time,
}

impl Ty {
    /// The BigQuery type.
    pub fn bigquery(self) -> &'static str {
        match self {
            Self::String | Self::Date | Self::DateTime | Self::Time => "STRING",
            Self::Bool => "BOOL",
            Self::Int => "INT64",
            Self::Decimal => "FLOAT64",
        }
    }

    fn textual(self) -> bool {
        self.bigquery() == "STRING"
    }
}

/// The SQL shape of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Coll,
    One,
    Scalar(Ty),
}

/// A compiled expression.
#[derive(Debug, Clone)]
pub(crate) struct Val {
    pub(crate) sql: String,
    pub(crate) shape: Shape,
    /// The FHIR type named by the last `ofType()`, when known (`dateTime`, `Quantity`...).
    pub(crate) hint: Option<String>,
}

impl Val {
    pub(crate) fn coll(sql: String) -> Self {
        Self {
            sql,
            shape: Shape::Coll,
            hint: None,
        }
    }

    pub(crate) fn one(sql: String) -> Self {
        Self {
            sql,
            shape: Shape::One,
            hint: None,
        }
    }

    pub(crate) fn scalar(sql: String, ty: Ty) -> Self {
        Self {
            sql,
            shape: Shape::Scalar(ty),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// The scalar type, if typed.
    pub(crate) fn ty(&self) -> Option<Ty> {
        match self.shape {
            Shape::Scalar(ty) => Some(ty),
            _ => None,
        }
    }
}

/// `ARRAY<JSON>` of the value's items.
pub(crate) fn to_coll(v: &Val) -> String {
    match v.shape {
        Shape::Coll => v.sql.clone(),
        Shape::One => sql::json_singleton_array(&v.sql),
        Shape::Scalar(_) => sql::json_singleton_array(&format!("TO_JSON({})", v.sql)),
    }
}

/// One JSON value (NULL when empty); more than one item is a query error.
pub(crate) fn to_one(v: &Val, what: &str) -> String {
    match v.shape {
        Shape::One => v.sql.clone(),
        Shape::Scalar(_) => format!("TO_JSON({})", v.sql),
        Shape::Coll => format!(
            "(SELECT IF(COUNT(1) > 1, ERROR({}), ANY_VALUE(e)) FROM UNNEST({}) AS e)",
            sql::string(&format!(
                "{what}: more than one item where one was expected"
            )),
            v.sql
        ),
    }
}

/// A JSON value converted to `ty` (lax: a value of another JSON type converts where BigQuery's
/// `LAX_*` functions do, otherwise NULL).
pub(crate) fn json_as(one: &str, ty: Ty) -> String {
    match ty {
        Ty::Bool => format!("LAX_BOOL({one})"),
        Ty::Int => format!("LAX_INT64({one})"),
        Ty::Decimal => format!("LAX_FLOAT64({one})"),
        _ => format!("JSON_VALUE({one})"),
    }
}

/// The value as one typed scalar of `ty`.
pub(crate) fn to_scalar(v: &Val, ty: Ty, what: &str) -> Result<String, Error> {
    match v.shape {
        Shape::Scalar(from) if from == ty || (from.textual() && ty.textual()) => Ok(v.sql.clone()),
        Shape::Scalar(Ty::Int) if ty == Ty::Decimal => Ok(format!("CAST({} AS FLOAT64)", v.sql)),
        Shape::Scalar(Ty::Bool) if ty.textual() => Ok(format!(
            "IF({0} IS NULL, NULL, IF({0}, 'true', 'false'))",
            v.sql
        )),
        Shape::Scalar(from) if from.textual() && matches!(ty, Ty::Int | Ty::Decimal) => {
            Ok(format!("SAFE_CAST({} AS {})", v.sql, ty.bigquery()))
        }
        Shape::Scalar(Ty::Int | Ty::Decimal) if ty.textual() => {
            Ok(format!("CAST({} AS STRING)", v.sql))
        }
        Shape::Scalar(from) => Err(Error::unsupported(format!(
            "{what}: a {from:?} value used as {ty:?}"
        ))),
        Shape::One | Shape::Coll => Ok(json_as(&to_one(v, what), ty)),
    }
}

/// FHIRPath boolean evaluation: a boolean is itself, any other single item is true, empty is
/// NULL (empty).
pub(crate) fn to_bool(v: &Val, what: &str) -> String {
    match v.shape {
        Shape::Scalar(Ty::Bool) => v.sql.clone(),
        Shape::Scalar(_) => format!("({} IS NOT NULL)", v.sql),
        Shape::One | Shape::Coll => {
            let one = to_one(v, what);
            format!(
                "(SELECT CASE WHEN b IS NULL THEN NULL WHEN JSON_TYPE(b) = 'boolean' THEN BOOL(b) \
                 ELSE TRUE END FROM UNNEST([{one}]) AS b)"
            )
        }
    }
}

/// A view `where` condition: must be boolean; a non-boolean value is a query error.
pub(crate) fn to_strict_bool(v: &Val, path: &str) -> Result<String, Error> {
    match v.shape {
        Shape::Scalar(Ty::Bool) => Ok(v.sql.clone()),
        Shape::Scalar(ty) => Err(Error::Semantic {
            path: path.to_owned(),
            message: format!("a where path must be boolean, this one is {ty:?}"),
        }),
        Shape::One | Shape::Coll => {
            let one = to_one(v, "where");
            let err = sql::string("where: the path did not evaluate to a boolean");
            Ok(format!(
                "(SELECT CASE WHEN b IS NULL THEN NULL WHEN JSON_TYPE(b) = 'boolean' THEN BOOL(b) \
                 ELSE ERROR({err}) END FROM UNNEST([{one}]) AS b)"
            ))
        }
    }
}
