//! FHIRPath functions of the SQL-on-FHIR subset. Anything else is [`Error::Unsupported`]
//! naming the function.

use crate::ast::Expr;
use crate::error::Error;
use crate::expr::{compile, member_chain, navigate};
use crate::scope::Scope;
use crate::sql;
use crate::types;
use crate::value::{Shape, Ty, Val, to_bool, to_coll, to_one, to_scalar};

/// `base.name(args)`; `base: None` applies to `$this`.
pub(crate) fn call(
    base: Option<&Expr>,
    name: &str,
    args: &[Expr],
    scope: &Scope<'_>,
) -> Result<Val, Error> {
    let arity = |n: std::ops::RangeInclusive<usize>| -> Result<(), Error> {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(scope.semantic(format!(
                "{name}() takes {n:?} arguments, got {}",
                args.len()
            )))
        }
    };
    if name == "ofType" {
        arity(1..=1)?;
        return of_type(base, &args[0], scope);
    }
    let input = match base {
        Some(b) => compile(b, scope)?,
        None => scope.this.clone(),
    };
    let what = scope.path;
    match name {
        "where" => {
            arity(1..=1)?;
            where_(&input, &args[0], scope)
        }
        "exists" | "empty" => {
            arity(0..=1)?;
            let input = match args.first() {
                Some(criteria) => where_(&input, criteria, scope)?,
                None => input,
            };
            let exists = match input.shape {
                Shape::Coll => format!("(ARRAY_LENGTH({}) > 0)", input.sql),
                _ => format!("({} IS NOT NULL)", input.sql),
            };
            let sql = if name == "empty" {
                format!("(NOT {exists})")
            } else {
                exists
            };
            Ok(Val::scalar(sql, Ty::Bool))
        }
        "first" => {
            arity(0..=0)?;
            Ok(match input.shape {
                Shape::Coll => Val::one(format!("({})[SAFE_OFFSET(0)]", input.sql)),
                _ => input.clone(),
            }
            .with_hint(input.hint))
        }
        "last" => {
            arity(0..=0)?;
            Ok(match input.shape {
                Shape::Coll => Val::one(format!(
                    "(SELECT e FROM UNNEST({}) AS e WITH OFFSET AS o ORDER BY o DESC LIMIT 1)",
                    input.sql
                )),
                _ => input.clone(),
            }
            .with_hint(input.hint))
        }
        "count" => {
            arity(0..=0)?;
            Ok(Val::scalar(
                match input.shape {
                    Shape::Coll => format!("ARRAY_LENGTH({})", input.sql),
                    _ => format!("IF({} IS NULL, 0, 1)", input.sql),
                },
                Ty::Int,
            ))
        }
        "not" => {
            arity(0..=0)?;
            Ok(Val::scalar(
                format!("(NOT {})", to_bool(&input, what)),
                Ty::Bool,
            ))
        }
        "join" => {
            arity(0..=1)?;
            let sep = match args.first() {
                Some(a) => to_scalar(&compile(a, scope)?, Ty::String, what)?,
                None => "''".to_owned(),
            };
            let sql = match input.shape {
                Shape::Scalar(_) => {
                    format!("COALESCE({}, '')", to_scalar(&input, Ty::String, what)?)
                }
                _ => format!(
                    "ARRAY_TO_STRING(ARRAY(SELECT JSON_VALUE(e) FROM UNNEST({}) AS e WITH OFFSET AS o \
                     ORDER BY o), {sep})",
                    to_coll(&input)
                ),
            };
            Ok(Val::scalar(sql, Ty::String))
        }
        "extension" => {
            arity(1..=1)?;
            let url = to_scalar(&compile(&args[0], scope)?, Ty::String, what)?;
            let all = navigate(&input, &["extension"], scope)?;
            Ok(Val::coll(format!(
                "ARRAY(SELECT e FROM UNNEST({}) AS e WITH OFFSET AS o \
                 WHERE JSON_VALUE(e, '$.url') = {url} ORDER BY o)",
                all.sql
            )))
        }
        "getResourceKey" => {
            arity(0..=0)?;
            Ok(Val::scalar(
                format!("JSON_VALUE({}, '$.id')", to_one(&input, what)),
                Ty::String,
            ))
        }
        "getReferenceKey" => {
            arity(0..=1)?;
            reference_key(&input, args.first(), scope)
        }
        "lowBoundary" | "highBoundary" => {
            arity(0..=0)?;
            crate::boundary::boundary(&input, name == "highBoundary", scope)
        }
        other => Err(Error::unsupported(format!(
            "FHIRPath function {other}() (in `{what}`)"
        ))),
    }
}

/// `where(criteria)`: the items for which `criteria` (evaluated with `$this` = the item) is
/// true.
fn where_(input: &Val, criteria: &Expr, scope: &Scope<'_>) -> Result<Val, Error> {
    let item = scope.env.aliases.fresh("w");
    let inner = scope.with_this(Val::one(item.clone()));
    let test = to_bool(&compile(criteria, &inner)?, scope.path);
    Ok(Val::coll(format!(
        "ARRAY(SELECT {item} FROM UNNEST({}) AS {item} WITH OFFSET AS {item}_o \
         WHERE {test} ORDER BY {item}_o)",
        to_coll(input)
    ))
    .with_hint(input.hint.clone()))
}

/// `x.ofType(T)`: for a data type, the choice element `xT` (FHIR JSON names choices that way);
/// for a resource type, the items whose `resourceType` is `T`.
fn of_type(base: Option<&Expr>, arg: &Expr, scope: &Scope<'_>) -> Result<Val, Error> {
    let type_name = arg
        .type_name()
        .ok_or_else(|| scope.semantic("ofType() takes a type name"))?;
    if types::is_data_type(type_name) {
        let Some(Expr::Member(member_base, element)) = base else {
            return Err(Error::unsupported(format!(
                "ofType({type_name}) on something other than an element name (in `{}`)",
                scope.path
            )));
        };
        let choice = Expr::Member(
            member_base.clone(),
            format!("{element}{}", types::choice_suffix(type_name)),
        );
        let v = member_chain(&choice, scope)?;
        return Ok(v.with_hint(Some(type_name.to_owned())));
    }
    if !starvit_fhir::is_resource_type(type_name) {
        return Err(scope.semantic(format!("ofType({type_name}): unknown type")));
    }
    let input = match base {
        Some(b) => compile(b, scope)?,
        None => scope.this.clone(),
    };
    Ok(Val::coll(format!(
        "ARRAY(SELECT e FROM UNNEST({}) AS e WITH OFFSET AS o \
         WHERE JSON_VALUE(e, '$.resourceType') = {} ORDER BY o)",
        to_coll(&input),
        sql::string(type_name)
    )))
}

/// `getReferenceKey([Type])`: the id part of `reference` (`Type/id`, absolute URLs and
/// `/_history/n` included); with a type, NULL unless the reference names that type.
fn reference_key(input: &Val, ty: Option<&Expr>, scope: &Scope<'_>) -> Result<Val, Error> {
    let reference = format!("JSON_VALUE({}, '$.reference')", to_one(input, scope.path));
    let key = "REGEXP_EXTRACT(ref, r'([^/]+)(?:/_history/[^/]+)?$')";
    let sql = match ty {
        None => format!("(SELECT {key} FROM UNNEST([{reference}]) AS ref)"),
        Some(t) => {
            let name = t
                .type_name()
                .ok_or_else(|| scope.semantic("getReferenceKey() takes a type name"))?;
            format!(
                "(SELECT IF(REGEXP_EXTRACT(ref, r'([A-Za-z]+)/[^/]+(?:/_history/[^/]+)?$') = {}, \
                 {key}, NULL) FROM UNNEST([{reference}]) AS ref)",
                sql::string(name)
            )
        }
    };
    Ok(Val::scalar(sql, Ty::String))
}
