//! A column's value in its declared type: one typed scalar, or an `ARRAY` when
//! `collection: true`. No `type` and no typed value: the JSON itself (`JSON` / `ARRAY<JSON>`).

use crate::error::Error;
use crate::types;
use crate::value::{Shape, Ty, Val, json_as, to_coll, to_one, to_scalar};
use crate::view::Column;

/// `(sql, BigQuery type)` of `column` whose path compiled to `value`.
pub(crate) fn column_sql(value: &Val, column: &Column) -> Result<(String, String), Error> {
    let ty: Option<Ty> = match &column.fhir_type {
        Some(t) => Some(types::primitive(t).ok_or_else(|| {
            Error::unsupported(format!(
                "column `{}` of type {t} (columns hold primitive types)",
                column.name
            ))
        })?),
        None => value.ty(),
    };
    let what = &column.name;
    Ok(match (ty, column.collection) {
        (Some(ty), false) => (to_scalar(value, ty, what)?, ty.bigquery().to_owned()),
        (None, false) => (to_one(value, what), "JSON".to_owned()),
        (None, true) => (to_coll(value), "ARRAY<JSON>".to_owned()),
        (Some(ty), true) => {
            let sql = match value.shape {
                Shape::Scalar(_) => {
                    let one = to_scalar(value, ty, what)?;
                    format!(
                        "(SELECT IF(v IS NULL, ARRAY<{0}>[], [v]) FROM UNNEST([{one}]) AS v)",
                        ty.bigquery()
                    )
                }
                _ => format!(
                    "ARRAY(SELECT {0} FROM UNNEST({1}) AS e WITH OFFSET AS o \
                     WHERE {0} IS NOT NULL ORDER BY o)",
                    json_as("e", ty),
                    to_coll(value)
                ),
            };
            (sql, format!("ARRAY<{}>", ty.bigquery()))
        }
    })
}
