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
    pub dates: DatesSection,
    pub ages: AgesSection,
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
