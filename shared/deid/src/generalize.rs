//! Safe Harbor generalisations: 3-digit ZIP with restricted prefixes, ages over 89.

use serde_json::Value;

/// Cuts a US postal code to its first 3 digits, or `"000"` when that prefix is
/// restricted. Codes that do not start with 3 digits (non-US) are dropped (`None`).
pub(crate) fn zip3(postal: &str, restricted: &[String]) -> Option<String> {
    let p = postal.trim().get(..3)?;
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if restricted.iter().any(|r| r == p) {
        Some("000".to_owned())
    } else {
        Some(p.to_owned())
    }
}

/// Years per unit for UCUM age units (`a`, `mo`, `wk`, `d`, `h`, `min`); unknown units are
/// treated as years (the conservative choice: it caps sooner).
pub(crate) fn years_per_unit(code: Option<&str>) -> f64 {
    match code {
        Some("mo") => 1.0 / 12.0,
        Some("wk") => 7.0 / 365.25,
        Some("d") => 1.0 / 365.25,
        Some("h") => 1.0 / 8766.0,
        Some("min") => 1.0 / 525_960.0,
        _ => 1.0,
    }
}

/// An age value in years, read in its UCUM unit.
pub(crate) fn age_years(value: &Value, unit_code: Option<&str>) -> Option<f64> {
    value.as_f64().map(|n| n * years_per_unit(unit_code))
}

/// Caps an `Age.value` at 90 (in the Age's own unit, expressed as years) when the age
/// exceeds `max_age` years. Returns `(value, generalised?)`.
pub(crate) fn cap_age(
    value: &Value,
    unit_code: Option<&str>,
    max_age: u32,
) -> Option<(Value, bool)> {
    let n = value.as_f64()?;
    let years = n * years_per_unit(unit_code);
    if years > f64::from(max_age) {
        let per = years_per_unit(unit_code);
        let capped = (f64::from(max_age + 1) / per).round();
        // Integral by construction for every unit above.
        #[allow(clippy::cast_possible_truncation)]
        Some((Value::from(capped as i64), true))
    } else {
        Some((value.clone(), false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_rules() {
        let r = vec!["036".to_owned(), "893".to_owned()];
        assert_eq!(zip3("02144", &r).as_deref(), Some("021"));
        assert_eq!(zip3("03601-1234", &r).as_deref(), Some("000"));
        assert_eq!(zip3("89301", &r).as_deref(), Some("000"));
        assert_eq!(zip3("K1A 0B1", &r), None);
        assert_eq!(zip3("12", &r), None);
    }

    #[test]
    fn ages() {
        assert_eq!(
            cap_age(&Value::from(95), Some("a"), 89).unwrap(),
            (Value::from(90), true)
        );
        assert_eq!(
            cap_age(&Value::from(89), Some("a"), 89).unwrap(),
            (Value::from(89), false)
        );
        assert_eq!(
            cap_age(&Value::from(1200), Some("mo"), 89).unwrap(),
            (Value::from(1080), true)
        );
    }
}
