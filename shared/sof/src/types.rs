//! FHIR type names: column types, constant types, and which names `ofType()` treats as data
//! types (choice elements) rather than resource types.

use serde_json::Value;

use crate::error::Error;
use crate::sql;
use crate::value::{Ty, Val};

/// The typed scalar a FHIR primitive type maps to.
pub(crate) fn primitive(fhir: &str) -> Option<Ty> {
    Some(match fhir {
        "string" | "code" | "id" | "uri" | "url" | "canonical" | "oid" | "uuid" | "markdown"
        | "base64Binary" | "xhtml" => Ty::String,
        "boolean" => Ty::Bool,
        "integer" | "positiveInt" | "unsignedInt" | "integer64" => Ty::Int,
        "decimal" => Ty::Decimal,
        "date" => Ty::Date,
        "dateTime" | "instant" => Ty::DateTime,
        "time" => Ty::Time,
        _ => return None,
    })
}

/// FHIR R4 complex data types: `x.ofType(T)` with one of these (or a primitive) reads the choice
/// element `xT`; a resource type (`starvit_fhir::is_resource_type`) filters on `resourceType`.
const DATA_TYPES: &[&str] = &[
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Distance",
    "Dosage",
    "Duration",
    "Expression",
    "HumanName",
    "Identifier",
    "Meta",
    "Money",
    "MoneyQuantity",
    "Narrative",
    "ParameterDefinition",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "SimpleQuantity",
    "Timing",
    "TriggerDefinition",
    "UsageContext",
    "Extension",
    "CodeableReference",
    "RatioRange",
    "Availability",
    "ExtendedContactDetail",
    "VirtualServiceDetail",
    "MonetaryComponent",
];

/// Whether `name` is a FHIR data type (primitive or complex).
pub(crate) fn is_data_type(name: &str) -> bool {
    primitive(name).is_some() || DATA_TYPES.contains(&name)
}

/// `value[x]` key suffix for a type: `Quantity`, `String`, `DateTime`.
pub(crate) fn choice_suffix(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// A ViewDefinition constant (`{"name": .., "valueX": ..}`) as a typed literal.
pub(crate) fn constant(entry: &serde_json::Map<String, Value>) -> Result<(String, Val), Error> {
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| sql::column_name_ok(n))
        .ok_or_else(|| Error::invalid("a constant needs a `name` of letters, digits and `_`"))?;
    let mut values = entry.iter().filter(|(k, _)| k.starts_with("value"));
    let (key, value) = values
        .next()
        .ok_or_else(|| Error::invalid(format!("constant `{name}` has no value[x]")))?;
    if values.next().is_some() {
        return Err(Error::invalid(format!(
            "constant `{name}` has more than one value[x]"
        )));
    }
    let fhir = key.trim_start_matches("value");
    let fhir_type = choice_type(fhir);
    let ty = primitive(&fhir_type).ok_or_else(|| {
        Error::unsupported(format!(
            "constant `{name}` of type {fhir} (only primitive types)"
        ))
    })?;
    let literal = match (ty, value) {
        (Ty::Bool, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        (Ty::Int, Value::Number(n)) if n.is_i64() => n.to_string(),
        (Ty::Decimal, Value::Number(n)) => format!("CAST({n} AS FLOAT64)"),
        (Ty::String | Ty::Date | Ty::DateTime | Ty::Time, Value::String(s)) => sql::string(s),
        _ => {
            return Err(Error::invalid(format!(
                "constant `{name}`: {key} does not hold a {fhir} value"
            )));
        }
    };
    Ok((name.to_owned(), Val::scalar(literal, ty)))
}

/// `DateTime` -> `dateTime`, `Base64Binary` -> `base64Binary`.
fn choice_type(suffix: &str) -> String {
    let mut chars = suffix.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn constants_are_typed_literals() {
        let map = |v: Value| v.as_object().unwrap().clone();
        let (name, v) = constant(&map(json!({"name": "u", "valueCode": "it's"}))).unwrap();
        assert_eq!((name.as_str(), v.sql.as_str()), ("u", r"'it\'s'"));
        let (_, v) = constant(&map(json!({"name": "n", "valuePositiveInt": 3}))).unwrap();
        assert_eq!(v.ty(), Some(Ty::Int));
        let (_, v) = constant(&map(json!({"name": "d", "valueDateTime": "2020"}))).unwrap();
        assert_eq!(v.ty(), Some(Ty::DateTime));
        assert!(constant(&map(json!({"name": "x"}))).is_err());
        assert!(constant(&map(json!({"name": "x", "valueInteger": "1"}))).is_err());
        let err = constant(&map(json!({"name": "q", "valueQuantity": {"value": 1}}))).unwrap_err();
        assert!(err.to_string().contains("Quantity"), "{err}");
    }

    #[test]
    fn choice_names() {
        assert_eq!(choice_suffix("dateTime"), "DateTime");
        assert!(is_data_type("Quantity") && is_data_type("code"));
        assert!(!is_data_type("Patient"));
    }
}
