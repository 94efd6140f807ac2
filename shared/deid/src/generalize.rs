//! Safe Harbor generalisations: 3-digit ZIP with restricted prefixes, ages over 89.

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
pub(crate) fn age_years(value: f64, unit_code: Option<&str>) -> f64 {
    value * years_per_unit(unit_code)
}

/// An `Age.value` (in the Age's own unit) capped at 90 years, expressed in that unit, when
/// the age exceeds `max_age` years; `None` when it does not.
pub(crate) fn cap_age(value: f64, unit_code: Option<&str>, max_age: u32) -> Option<i64> {
    if age_years(value, unit_code) > f64::from(max_age) {
        let capped = (f64::from(max_age + 1) / years_per_unit(unit_code)).round();
        // Integral by construction for every unit above.
        #[allow(clippy::cast_possible_truncation)]
        Some(capped as i64)
    } else {
        None
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
        assert_eq!(cap_age(95.0, Some("a"), 89), Some(90));
        assert_eq!(cap_age(89.0, Some("a"), 89), None);
        assert_eq!(cap_age(1200.0, Some("mo"), 89), Some(1080));
    }
}
