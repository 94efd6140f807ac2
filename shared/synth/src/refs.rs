//! Reference forms the generator writes, and how each one resolves.
//!
//! Every `reference` string in the export has one of five forms (see the crate docs). [`parse`]
//! classifies a string; [`RefIndex`] resolves it against a set of resources.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// The fixed server base of absolute references (`{BASE_URL}/{type}/{id}`).
pub const BASE_URL: &str = "https://medplum.example.org/fhir/R4";

/// A parsed `Reference.reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefForm<'a> {
    /// `Type/id`.
    Relative {
        /// Target type.
        resource_type: &'a str,
        /// Target id.
        id: &'a str,
    },
    /// `{BASE_URL}/Type/id`.
    Absolute {
        /// Target type.
        resource_type: &'a str,
        /// Target id.
        id: &'a str,
    },
    /// `urn:uuid:{uuid}`: the resource (of any type) whose `id` is the uuid.
    UrnUuid {
        /// The uuid, which is the target's id.
        id: &'a str,
    },
    /// `#id`: a resource in the referring resource's `contained` array.
    Contained {
        /// The contained resource's id.
        id: &'a str,
    },
    /// `Type?identifier=system|value`: the one resource of that type with that identifier.
    Conditional {
        /// Target type.
        resource_type: &'a str,
        /// Identifier system.
        system: &'a str,
        /// Identifier value.
        value: &'a str,
    },
}

/// Why a reference did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// The string has none of the five forms (or an absolute URL with a foreign base).
    #[error("unrecognised reference form")]
    Unrecognised,
    /// No resource matches.
    #[error("reference target not found")]
    NotFound,
    /// More than one resource matches (conditional or `urn:uuid`).
    #[error("reference target is ambiguous")]
    Ambiguous,
}

fn type_and_id(s: &str) -> Option<(&str, &str)> {
    let (t, id) = s.split_once('/')?;
    let ok = !t.is_empty()
        && t.starts_with(|c: char| c.is_ascii_uppercase())
        && t.chars().all(|c| c.is_ascii_alphanumeric())
        && !id.is_empty()
        && !id.contains('/');
    ok.then_some((t, id))
}

/// Classifies a reference string. Absolute URLs are only recognised under `base`.
pub fn parse<'a>(reference: &'a str, base: &str) -> Option<RefForm<'a>> {
    if let Some(id) = reference.strip_prefix('#') {
        return (!id.is_empty()).then_some(RefForm::Contained { id });
    }
    if let Some(id) = reference.strip_prefix("urn:uuid:") {
        return uuid::Uuid::parse_str(id)
            .is_ok()
            .then_some(RefForm::UrnUuid { id });
    }
    if let Some((resource_type, query)) = reference.split_once('?') {
        let (system, value) = query.strip_prefix("identifier=")?.split_once('|')?;
        return Some(RefForm::Conditional {
            resource_type,
            system,
            value,
        });
    }
    if let Some(rest) = reference
        .strip_prefix(base)
        .and_then(|r| r.strip_prefix('/'))
    {
        let (resource_type, id) = type_and_id(rest)?;
        return Some(RefForm::Absolute { resource_type, id });
    }
    let (resource_type, id) = type_and_id(reference)?;
    Some(RefForm::Relative { resource_type, id })
}

/// Where a reference points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A top-level resource of the export.
    Resource {
        /// Its type.
        resource_type: String,
        /// Its id.
        id: String,
    },
    /// A resource contained in the referring resource.
    Contained {
        /// Its id within `contained`.
        id: String,
    },
}

/// An index of top-level resources that resolves every reference form.
#[derive(Debug, Default, Clone)]
pub struct RefIndex {
    base: String,
    by_type_id: HashSet<(String, String)>,
    by_id: HashMap<String, Vec<String>>,
    by_identifier: HashMap<(String, String, String), Vec<String>>,
}

impl RefIndex {
    /// An empty index for absolute references under `base` (normally [`BASE_URL`]).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            ..Self::default()
        }
    }

    /// Adds one top-level resource (its type, id and every `identifier` system/value).
    pub fn add(&mut self, resource: &Value) {
        let (Some(t), Some(id)) = (resource["resourceType"].as_str(), resource["id"].as_str())
        else {
            return;
        };
        self.by_type_id.insert((t.to_owned(), id.to_owned()));
        self.by_id
            .entry(id.to_owned())
            .or_default()
            .push(t.to_owned());
        for ident in resource["identifier"].as_array().into_iter().flatten() {
            if let (Some(s), Some(v)) = (ident["system"].as_str(), ident["value"].as_str()) {
                let key = (t.to_owned(), s.to_owned(), v.to_owned());
                self.by_identifier
                    .entry(key)
                    .or_default()
                    .push(id.to_owned());
            }
        }
    }

    /// Resolves `reference` written inside `container` (the top-level resource holding it).
    ///
    /// # Errors
    /// [`RefError`] when the form is unknown, nothing matches, or a search matches several.
    pub fn resolve(&self, reference: &str, container: &Value) -> Result<Target, RefError> {
        let found = |t: &str, id: &str| {
            let key = (t.to_owned(), id.to_owned());
            if self.by_type_id.contains(&key) {
                Ok(Target::Resource {
                    resource_type: key.0,
                    id: key.1,
                })
            } else {
                Err(RefError::NotFound)
            }
        };
        match parse(reference, &self.base).ok_or(RefError::Unrecognised)? {
            RefForm::Relative { resource_type, id } | RefForm::Absolute { resource_type, id } => {
                found(resource_type, id)
            }
            RefForm::UrnUuid { id } => match self.by_id.get(id).map(Vec::as_slice) {
                Some([t]) => found(t, id),
                Some([]) | None => Err(RefError::NotFound),
                Some(_) => Err(RefError::Ambiguous),
            },
            RefForm::Contained { id } => container["contained"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["id"].as_str() == Some(id))
                .then(|| Target::Contained { id: id.to_owned() })
                .ok_or(RefError::NotFound),
            RefForm::Conditional {
                resource_type,
                system,
                value,
            } => {
                let key = (
                    resource_type.to_owned(),
                    system.to_owned(),
                    value.to_owned(),
                );
                match self.by_identifier.get(&key).map(Vec::as_slice) {
                    Some([id]) => found(resource_type, id),
                    Some([]) | None => Err(RefError::NotFound),
                    Some(_) => Err(RefError::Ambiguous),
                }
            }
        }
    }
}

/// Calls `f(reference)` for every `reference` string anywhere inside `value`.
pub fn for_each_reference<'a>(value: &'a Value, f: &mut impl FnMut(&'a str)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(s)) => f(s),
                    _ => for_each_reference(v, f),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| for_each_reference(v, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let b = BASE_URL;
        assert_eq!(
            parse("Patient/p1", b),
            Some(RefForm::Relative {
                resource_type: "Patient",
                id: "p1"
            })
        );
        let abs = format!("{b}/Practitioner/x");
        assert_eq!(
            parse(&abs, b),
            Some(RefForm::Absolute {
                resource_type: "Practitioner",
                id: "x"
            })
        );
        let u = "urn:uuid:0a8b4d3e-4c0e-4c1a-9d53-5d9f0e9b3a11";
        assert!(matches!(parse(u, b), Some(RefForm::UrnUuid { .. })));
        assert_eq!(parse("#med1", b), Some(RefForm::Contained { id: "med1" }));
        let c = "Patient?identifier=http://hospital.example.org/mrn|M1";
        assert!(matches!(
            parse(c, b),
            Some(RefForm::Conditional { value: "M1", .. })
        ));
        assert_eq!(parse("https://other.example/fhir/Patient/x", b), None);
        assert_eq!(parse("urn:uuid:not-a-uuid", b), None);
    }
}
