//! Value shapes: what a kept value must look like before it may cross the boundary.
//!
//! An allow-list of elements is not enough: a `status`, a `Coding.code` or a `Quantity.unit`
//! can hold any text. Each kept value is checked against its FHIR datatype's shape and,
//! where FHIR binds it to a value set or the policy names a terminology, against that
//! vocabulary. Everything here is a pure function over one value, linear in its length.

use crate::vocab;

/// The code shape of a terminology (`[terminologies]` of the rules file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeShape {
    /// LOINC `nnnnn-c` with its mod-10 check digit.
    Loinc,
    /// SNOMED CT concept id: 6-18 digits, concept partition, Verhoeff check digit.
    Snomed,
    /// 1-8 digits (RxNorm, CVX).
    Digits,
    /// ICD-10 `A00` / `A00.0000`.
    Icd10,
    /// CDC Race & Ethnicity `nnnn-n`.
    CdcRec,
    /// A UCUM expression.
    Ucum,
    /// A BCP 47 language tag.
    Bcp47,
    /// A short code token (HL7 code systems, CPT, NDC): no digit run longer than 6.
    Token,
    /// A CMS Blue Button variable URI (`https://bluebutton.cms.gov/resources/variables/x_y`).
    BlueButtonVariable,
}

impl CodeShape {
    /// The shape named in the rules file.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "loinc" => Self::Loinc,
            "snomed" => Self::Snomed,
            "digits" => Self::Digits,
            "icd10" => Self::Icd10,
            "cdcrec" => Self::CdcRec,
            "ucum" => Self::Ucum,
            "bcp47" => Self::Bcp47,
            "token" => Self::Token,
            "bluebutton-variable" => Self::BlueButtonVariable,
            _ => return None,
        })
    }

    /// True when `code` has this shape.
    pub fn accepts(self, code: &str, ucum_annotations: &[String]) -> bool {
        match self {
            Self::Loinc => loinc(code),
            Self::Snomed => snomed(code),
            Self::Digits => (1..=8).contains(&code.len()) && all_digits(code),
            Self::Icd10 => icd10(code),
            Self::CdcRec => {
                code.len() == 6
                    && all_digits(&code[..4])
                    && &code[4..5] == "-"
                    && all_digits(&code[5..])
            }
            Self::Ucum => ucum(code, ucum_annotations),
            Self::Bcp47 => bcp47(code),
            Self::Token => token(code),
            Self::BlueButtonVariable => code
                .strip_prefix("https://bluebutton.cms.gov/resources/variables/")
                .is_some_and(|v| {
                    (1..=40).contains(&v.len())
                        && v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                }),
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Longest run of ASCII digits in `s`.
fn digit_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for b in s.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Luhn (mod 10, doubling from the right) check digit of `payload` digits.
fn luhn_check_digit(payload: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, b) in payload.bytes().rev().enumerate() {
        let d = char::from(b).to_digit(10)?;
        let v = if i % 2 == 0 { d * 2 } else { d };
        sum += v / 10 + v % 10;
    }
    Some((10 - sum % 10) % 10)
}

fn loinc(code: &str) -> bool {
    let Some((payload, check)) = code.split_once('-') else {
        return false;
    };
    (1..=7).contains(&payload.len())
        && all_digits(payload)
        && check.len() == 1
        && all_digits(check)
        && luhn_check_digit(payload) == char::from(check.as_bytes()[0]).to_digit(10)
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// A SNOMED CT concept identifier: digits with a concept partition (`00` short, `10`
/// long form) and a valid Verhoeff check digit. About 1 in 500 random numbers pass.
fn snomed(code: &str) -> bool {
    if !(6..=18).contains(&code.len()) || !all_digits(code) || code.starts_with('0') {
        return false;
    }
    let n = code.len();
    if !matches!(&code[n - 3..n - 1], "00" | "10") {
        return false;
    }
    let mut c = 0u8;
    for (i, b) in code.bytes().rev().enumerate() {
        let d = b - b'0';
        c = VERHOEFF_D[usize::from(c)][usize::from(VERHOEFF_P[i % 8][usize::from(d)])];
    }
    c == 0
}

fn icd10(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() < 3 || b.len() > 8 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
        return false;
    }
    if !(b[2].is_ascii_digit() || b[2].is_ascii_uppercase()) {
        return false;
    }
    match &code[3..] {
        "" => true,
        rest => {
            rest.len() >= 2
                && rest.starts_with('.')
                && rest[1..]
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
    }
}

fn token(code: &str) -> bool {
    let b = code.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
        && digit_run(code) <= 6
}

/// A BCP 47 language tag (`en`, `en-US`, `zh-Hant-TW`): 2-3 letter language, subtags of
/// 2-8 alphanumerics, at most 4 subtags.
pub(crate) fn bcp47(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    let mut n = 0;
    let rest_ok = parts.all(|p| {
        n += 1;
        (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    lang_ok && rest_ok && n <= 3 && digit_run(tag) <= 3
}

/// A UCUM expression: unit symbols, exponents, `.`/`/` operators, `[...]` atoms and `{...}`
/// annotations from the policy's list only; no space, at most 32 bytes, no digit run
/// longer than 4 (so no identifier hides in a "unit").
pub(crate) fn ucum(unit: &str, annotations: &[String]) -> bool {
    if unit.is_empty() || unit.len() > 32 || digit_run(unit) > 4 {
        return false;
    }
    let mut rest = unit;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let Some(end) = after.find('}') else {
                return false;
            };
            if !annotations.iter().any(|a| a == &after[..end]) {
                return false;
            }
            rest = &after[end + 1..];
            continue;
        }
        let c = rest.as_bytes()[0];
        if !(c.is_ascii_alphanumeric() || b"[]/.*^%'-+_".contains(&c)) {
            return false;
        }
        rest = &rest[1..];
    }
    true
}

/// `Age.unit` → the UCUM code it names (`years` → `a`), for the agreement check.
pub(crate) fn age_unit_code(unit: &str) -> Option<&'static str> {
    Some(match unit.trim().to_ascii_lowercase().as_str() {
        "a" | "yr" | "yrs" | "y" | "year" | "years" => "a",
        "mo" | "month" | "months" => "mo",
        "wk" | "week" | "weeks" => "wk",
        "d" | "day" | "days" => "d",
        "h" | "hr" | "hour" | "hours" => "h",
        "min" | "minute" | "minutes" => "min",
        _ => return None,
    })
}

/// FHIR `time` (`hh:mm:ss[.f+]`), normalised to at most millisecond precision.
pub(crate) fn time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let two = |i: usize, max: u32| {
        let v = std::str::from_utf8(&b[i..i + 2]).ok()?;
        all_digits(v)
            .then(|| v.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    two(0, 23)?;
    two(3, 59)?;
    two(6, 60)?;
    let frac = &s[8..];
    if frac.is_empty() {
        return Some(s.to_owned());
    }
    let digits = frac.strip_prefix('.')?;
    if !all_digits(digits) || digits.len() > 9 {
        return None;
    }
    Some(format!("{}.{}", &s[..8], &digits[..digits.len().min(3)]))
}

/// `Attachment.contentType` reduced to `type/subtype` (parameters such as `name=` dropped).
pub(crate) fn media_type(s: &str) -> Option<String> {
    let essence = s.split(';').next()?.trim().to_ascii_lowercase();
    let (ty, sub) = essence.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 40
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
            && digit_run(p) <= 4
    };
    (vocab::MEDIA_TOP_LEVEL.contains(&ty) && ok(sub)).then_some(essence)
}

/// `SampledData.data`: decimals and `E`/`L`/`U` separated by single spaces.
pub(crate) fn sampled_data(s: &str) -> bool {
    !s.is_empty()
        && s.split(' ').all(|t| {
            matches!(t, "E" | "L" | "U")
                || (!t.is_empty()
                    && t.parse::<f64>().is_ok()
                    && t.bytes()
                        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loinc_check_digits() {
        for ok in [
            "30525-0", "4548-4", "8302-2", "29463-7", "39156-5", "2345-7",
        ] {
            assert!(loinc(ok), "{ok}");
        }
        for bad in ["30525-1", "123-45-6789", "4548", "12345678-9", "abc-1"] {
            assert!(!loinc(bad), "{bad}");
        }
    }

    #[test]
    fn snomed_concept_ids() {
        for ok in [
            "44054006",
            "38341003",
            "73211009",
            "195662009",
            "424144002",
            "10509002",
        ] {
            assert!(snomed(ok), "{ok}");
        }
        for bad in ["123456789", "44054007", "4405400", "0123456", "5553717336"] {
            assert!(!snomed(bad), "{bad}");
        }
    }

    #[test]
    fn other_shapes() {
        assert!(icd10("E11.9") && icd10("J45") && !icd10("E11.") && !icd10("Smith"));
        assert!(token("AMB") && token("in-progress") && !token("E4471902") && !token("a b"));
        let ann = vec!["score".to_owned()];
        assert!(ucum("mm[Hg]", &ann) && ucum("{score}", &ann) && ucum("10*3/uL", &ann));
        assert!(!ucum("{smith}", &ann) && !ucum("mg per Smith", &ann) && !ucum("123456789", &ann));
        assert_eq!(time("12:30:00.123456").as_deref(), Some("12:30:00.123"));
        assert!(
            time("12:30").is_none()
                && time("25:00:00").is_none()
                && time("12:00:00.1234567890").is_none()
        );
        assert_eq!(
            media_type("text/plain; name=JohnSmith.txt").as_deref(),
            Some("text/plain")
        );
        assert!(media_type("john/smith").is_none());
        assert!(sampled_data("1.5 2 E -3e2 U") && !sampled_data("1 John") && !sampled_data("1  2"));
        assert!(bcp47("en-US") && !bcp47("john-smith-is-here-now") && !bcp47("e"));
        assert_eq!(age_unit_code("Years"), Some("a"));
    }
}
