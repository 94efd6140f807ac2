//! The values at the per-type paths of a (de-identified) resource: its patient's id, its
//! clinical time and its main code. Used by bq-load for the raw tables' columns and by the
//! subscription relay for its event envelope, so both say the same thing about a resource.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{code_paths, event_time_paths, patient_links};

/// Follow a dotted path; an array on the way (or at the end) yields its first element.
fn path<'a>(resource: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(resource, |v, key| first(v.get(key)?))
}

fn first(v: &Value) -> Option<&Value> {
    match v {
        Value::Array(items) => items.first(),
        other => Some(other),
    }
}

/// The shifted clinical time of a resource: the first path of
/// [`event_time_paths`] that holds a parsable date.
pub fn event_time(resource: &Value, resource_type: &str) -> Option<DateTime<Utc>> {
    event_time_paths(resource_type)
        .iter()
        .filter_map(|p| path(resource, p)?.as_str())
        .find_map(crate::time::parse)
}

/// The pseudo patient id: the resource's own id for `Patient`, else the id part of the first
/// reference to `Patient/` in the type's [`patient_links`] (absolute and versioned references
/// too; an element holding an array is searched in order).
pub fn patient_id<'a>(resource: &'a Value, resource_type: &str) -> Option<&'a str> {
    if resource_type == crate::PATIENT {
        return resource.get("id").and_then(Value::as_str);
    }
    patient_links(resource_type).iter().find_map(|field| {
        let value = resource.get(*field)?;
        let refs: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        refs.into_iter()
            .filter_map(|r| r.get("reference")?.as_str())
            .find_map(crate::reference::patient_id)
    })
}

/// The main code, `system|code` of the first coding (a bare Coding is accepted too).
pub fn code(resource: &Value, resource_type: &str) -> Option<String> {
    code_paths(resource_type).iter().find_map(|p| {
        let concept = path(resource, p)?;
        let coding = match concept.get("coding") {
            Some(codings) => first(codings)?,
            None => concept,
        };
        let code = coding.get("code")?.as_str()?;
        let system = coding.get("system").and_then(Value::as_str).unwrap_or("");
        Some(format!("{system}|{code}"))
    })
}
