//! FHIR datatype values as `serde_json` trees: `Coding`, `CodeableConcept`, `Quantity`, and
//! rounding for them.

use serde_json::{Value, json};

use crate::vocab::system;

/// `Coding`.
pub fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

/// `CodeableConcept` with one coding and `text` = display.
pub fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [coding(system, code, display)], "text": display })
}

/// `Quantity` in UCUM.
pub fn quantity(value: f64, unit: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": system::UCUM, "code": unit })
}

/// Rounds to `decimals` places.
pub fn round(x: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    (x * f).round() / f
}
