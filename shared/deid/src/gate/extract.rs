//! Where identifying values live in a FHIR R4 resource: `HumanName` parts, its `text`
//! and the concatenations given+family and family+given; `Identifier`/`ContactPoint`
//! values (and `subscriberId`, `serialNumber`, `lotNumber`...); `Address` line, city,
//! district, postal code and text (not state or country); `birthDate`; extension
//! `valueString`s (mother's maiden name...); free text (`note.text`, `comment`,
//! `description`, `conclusion`, `patientInstruction`); `Reference.display` (not a
//! coding's display); and resource and reference ids.
//!
//! One walk over the resource: O(size of the resource) values, each pushed once per form.

use super::ValueKind;
use super::needles::NeedleSet;
use crate::json::Json;
use crate::reference;

/// Pushes every identifying value of `resource` into `n`.
pub(crate) fn extract<'v>(resource: impl Json<'v>, n: &mut NeedleSet) {
    if let Some(id) = resource.get("id").and_then(Json::as_str) {
        n.push(ValueKind::ResourceId, id);
    }
    walk(resource, n);
}

/// `v` when it is an object, else the objects among its items.
fn each_object<'v, J: Json<'v>>(v: J, mut f: impl FnMut(J)) {
    if v.is_object() {
        f(v);
    } else {
        v.items().filter(|o| o.is_object()).for_each(f);
    }
}

/// `v` when it is a string, else the strings among its items.
fn each_string<'v>(v: impl Json<'v>, mut f: impl FnMut(&'v str)) {
    match v.as_str() {
        Some(s) => f(s),
        None => v.items().filter_map(Json::as_str).for_each(f),
    }
}

fn push_field<'v>(n: &mut NeedleSet, kind: ValueKind, o: impl Json<'v>, field: &str) {
    if let Some(x) = o.get(field) {
        each_string(x, |s| n.push(kind, s));
    }
}

/// `HumanName.text`, and given+family / family+given without separators.
fn human_name<'v>(n: &mut NeedleSet, hn: impl Json<'v>) {
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

fn walk<'v>(v: impl Json<'v>, n: &mut NeedleSet) {
    if v.is_object() {
        for (k, val) in v.members() {
            field(n, v, k, val);
            if val.is_container() {
                walk(val, n);
            }
        }
    } else {
        v.items().for_each(|x| walk(x, n));
    }
}

fn field<'v, J: Json<'v>>(n: &mut NeedleSet, o: J, k: &str, val: J) {
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
        "display" if o.get("code").is_none() && o.get("system").is_none() => {
            each_string(val, |s| n.push(ValueKind::Display, s));
        }
        "valueString" | "valueMarkdown" if o.get("url").is_some() => {
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
