//! Where identifying values live in a FHIR R4 resource: `HumanName` parts, its `text`
//! and the concatenations given+family and family+given; `Identifier`/`ContactPoint`
//! values (and `subscriberId`, `serialNumber`, `lotNumber`...); `Address` line, city,
//! district, postal code and text (not state or country); `birthDate`; extension
//! `valueString`s (mother's maiden name...); free text (`note.text`, `comment`,
//! `description`, `conclusion`, `patientInstruction`); `Reference.display` (not a
//! coding's display); and resource and reference ids.
//!
//! One walk over the resource: O(size of the resource) values, each pushed once per form.

use serde_json::{Map, Value};

use super::ValueKind;
use super::needles::NeedleSet;
use crate::reference;

/// Pushes every identifying value of `resource` into `n`.
pub(crate) fn extract(resource: &Value, n: &mut NeedleSet) {
    if let Some(id) = resource.get("id").and_then(Value::as_str) {
        n.push(ValueKind::ResourceId, id);
    }
    walk(resource, n);
}

fn each_object(v: &Value, mut f: impl FnMut(&Map<String, Value>)) {
    match v {
        Value::Object(o) => f(o),
        Value::Array(a) => a.iter().filter_map(Value::as_object).for_each(f),
        _ => {}
    }
}

fn each_string(v: &Value, mut f: impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().filter_map(Value::as_str).for_each(f),
        _ => {}
    }
}

fn push_field(n: &mut NeedleSet, kind: ValueKind, o: &Map<String, Value>, field: &str) {
    if let Some(x) = o.get(field) {
        each_string(x, |s| n.push(kind, s));
    }
}

/// `HumanName.text`, and given+family / family+given without separators.
fn human_name(n: &mut NeedleSet, hn: &Map<String, Value>) {
    push_field(n, ValueKind::Name, hn, "text");
    let (Some(family), Some(given)) = (hn.get("family"), hn.get("given")) else {
        return;
    };
    each_string(family, |f| {
        each_string(given, |g| {
            n.push_concat(ValueKind::Name, g, f);
            n.push_concat(ValueKind::Name, f, g);
        });
    });
}

fn walk(v: &Value, n: &mut NeedleSet) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| walk(x, n)),
        Value::Object(o) => {
            for (k, val) in o {
                field(n, o, k, val);
                if matches!(val, Value::Array(_) | Value::Object(_)) {
                    walk(val, n);
                }
            }
        }
        _ => {}
    }
}

fn field(n: &mut NeedleSet, o: &Map<String, Value>, k: &str, val: &Value) {
    match k {
        "family" | "given" => each_string(val, |s| n.push(ValueKind::Name, s)),
        "name" => each_object(val, |hn| human_name(n, hn)),
        "birthDate" => each_string(val, |s| n.push(ValueKind::BirthDate, s)),
        "telecom" => each_object(val, |c| push_field(n, ValueKind::Telecom, c, "value")),
        "note" => each_object(val, |a| push_field(n, ValueKind::FreeText, a, "text")),
        "reference" => {
            if let Some(s) = val.as_str() {
                match reference::parse(s) {
                    reference::RefTarget::Typed { id, .. } | reference::RefTarget::Uuid(id) => {
                        n.push(ValueKind::ResourceId, id);
                    }
                    _ => {}
                }
            }
        }
        "display" if !o.contains_key("code") && !o.contains_key("system") => {
            each_string(val, |s| n.push(ValueKind::Display, s));
        }
        "valueString" | "valueMarkdown" if o.contains_key("url") => {
            each_string(val, |s| n.push(ValueKind::ExtensionValue, s));
        }
        "identifier"
        | "masterIdentifier"
        | "preAdmissionIdentifier"
        | "requisition"
        | "groupIdentifier" => {
            each_object(val, |i| push_field(n, ValueKind::Identifier, i, "value"));
        }
        "address" | "valueAddress" | "locationAddress" | "birthPlace" => each_object(val, |a| {
            for part in ["line", "city", "district", "postalCode", "text"] {
                push_field(n, ValueKind::Address, a, part);
            }
        }),
        "comment" | "description" | "conclusion" | "patientInstruction" => {
            each_string(val, |s| n.push(ValueKind::FreeText, s));
        }
        "subscriberId" | "serialNumber" | "lotNumber" | "distinctIdentifier" | "dependent" => {
            each_string(val, |s| n.push(ValueKind::Identifier, s));
        }
        _ => {}
    }
}
