//! The TOML schema of policy files (profile file + shared rules file), as written.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A profile file (`policies/shifted.toml`, `policies/safe-harbor.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    pub profile: String,
    /// Rules file name, relative to the profile file's directory.
    pub rules: String,
    /// Whose pseudonyms and date shifts this profile derives (default: its own name).
    #[serde(default)]
    pub pseudonym_domain: Option<String>,
    pub dates: DatesSection,
    pub ages: AgesSection,
    /// `[text]`: free-text elements sent to Cloud DLP, `"Type.element" = "string" |
    /// "base64-text"` (absent: every free-text element is dropped).
    #[serde(default)]
    pub text: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatesSection {
    /// `shift` or `year`.
    pub mode: String,
    #[serde(default)]
    pub min_days: Option<u32>,
    #[serde(default)]
    pub max_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgesSection {
    pub max_age: u32,
}

/// The shared rules file (`policies/rules-r4.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesFile {
    pub zip: ZipSection,
    pub ages: AgeCodesSection,
    pub terminologies: BTreeMap<String, String>,
    pub ucum: UcumSection,
    pub uri_sets: BTreeMap<String, Vec<String>>,
    pub value_sets: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub extension_sets: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub types: BTreeMap<String, BTreeMap<String, String>>,
    pub resources: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ZipSection {
    pub restricted_prefixes: Vec<String>,
}

/// `[ages]` of the rules file: codes whose Observation value is an age or a birth date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgeCodesSection {
    /// `system|code` of codes whose value is an age.
    pub codes: Vec<String>,
    /// `system|code` of codes whose value is a date of birth.
    pub birth_date_codes: Vec<String>,
}

/// `[ucum]` of the rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UcumSection {
    /// UCUM annotations (`{...}`) that may be kept.
    pub annotations: Vec<String>,
}
