//! De-identification policies: versioned TOML data files under `policies/`.
//!
//! A policy = one profile file (`shifted.toml`, `safe-harbor.toml`, `shifted-text.toml`:
//! date mode, age cap, and optionally a `[text]` section of free-text elements sent to
//! Cloud DLP, see `text`) plus the shared rules file it names (`rules-r4.toml`: the per-type allow-list, the
//! extension allow-list, restricted ZIP prefixes).
//!
//! **Version** = `sha256:<hex>` of `"starvit-deid-policy/v1\n"` followed, for the profile
//! file then the rules file, by `len(file name) ‖ file name ‖ len(text) ‖ text` (lengths
//! as 8-byte big-endian). Every byte that goes into the compiled policy is hashed, so a
//! change to either file changes the version of every profile that includes it; the
//! same files give the same version whether loaded from disk or built in.

mod compile;
mod model;
mod text;

use std::path::Path;

use sha2::{Digest, Sha256};

pub(crate) use compile::{Rules, Treat};
pub(crate) use text::TextKind;

use crate::dates::DateMode;
use crate::error::DeidError;

/// One input file of a policy, kept for the governance table (full text + hash).
#[derive(Debug, Clone)]
pub struct PolicySource {
    /// File name (no directory).
    pub name: String,
    /// Exact file content.
    pub text: String,
}

/// A compiled, versioned policy.
#[derive(Debug)]
pub struct Policy {
    name: String,
    version: String,
    date_mode: DateMode,
    min_days: u32,
    max_days: u32,
    max_age: u32,
    /// The profile whose pseudonyms and shifts this one derives (its own name by default).
    pseudonym_domain: String,
    /// Number of `[text]` elements (0: every free-text element is dropped).
    text_elements: usize,
    pub(crate) rules: Rules,
    sources: Vec<PolicySource>,
}

const BUILTIN_RULES: &str = include_str!("../../../../policies/rules-r4.toml");
const BUILTIN_SHIFTED: &str = include_str!("../../../../policies/shifted.toml");
const BUILTIN_SAFE_HARBOR: &str = include_str!("../../../../policies/safe-harbor.toml");
const BUILTIN_SHIFTED_TEXT: &str = include_str!("../../../../policies/shifted-text.toml");

/// The builtin profile names ([`Policy::builtin`], [`Policy::resolve`]).
pub const BUILTIN_NAMES: [&str; 3] = ["shifted", "safe-harbor", "shifted-text"];

fn invalid(name: &str, message: impl Into<String>) -> DeidError {
    DeidError::PolicyInvalid {
        name: name.to_owned(),
        message: message.into(),
    }
}

impl Policy {
    /// A policy shipped in the binary: `shifted`, `safe-harbor` or `shifted-text`.
    ///
    /// # Errors
    /// [`DeidError::UnknownPolicy`] for any other name.
    pub fn builtin(name: &str) -> Result<Self, DeidError> {
        let (file, text) = match name {
            "shifted" => ("shifted.toml", BUILTIN_SHIFTED),
            "safe-harbor" => ("safe-harbor.toml", BUILTIN_SAFE_HARBOR),
            "shifted-text" => ("shifted-text.toml", BUILTIN_SHIFTED_TEXT),
            _ => return Err(DeidError::UnknownPolicy(name.to_owned())),
        };
        Self::from_sources(file, text, |rules| {
            if rules == "rules-r4.toml" {
                Ok(BUILTIN_RULES.to_owned())
            } else {
                Err(invalid(name, "builtin profiles only include rules-r4.toml"))
            }
        })
    }

    /// Loads a profile file from disk; its rules file is resolved next to it.
    ///
    /// # Errors
    /// [`DeidError::PolicyIo`] / [`DeidError::PolicyInvalid`].
    pub fn load(path: &Path) -> Result<Self, DeidError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| DeidError::PolicyIo {
                path: p.to_owned(),
                source,
            })
        };
        let text = read(path)?;
        let file = path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_sources(&file, &text, |rules| {
            if rules.contains('/') || rules.contains('\\') || rules.starts_with('.') {
                return Err(invalid(
                    &file,
                    "rules must be a file name next to the profile",
                ));
            }
            read(&dir.join(rules))
        })
    }

    /// `NAME` of a builtin policy, or a path to a profile file.
    ///
    /// # Errors
    /// As [`Policy::builtin`] / [`Policy::load`].
    pub fn resolve(name_or_path: &str) -> Result<Self, DeidError> {
        if BUILTIN_NAMES.contains(&name_or_path) {
            Self::builtin(name_or_path)
        } else {
            Self::load(Path::new(name_or_path))
        }
    }

    /// Compiles a profile text, fetching its rules file through `rules_source`.
    ///
    /// # Errors
    /// [`DeidError::PolicyInvalid`] when either file does not match the schema.
    pub fn from_sources(
        profile_file: &str,
        profile_text: &str,
        rules_source: impl FnOnce(&str) -> Result<String, DeidError>,
    ) -> Result<Self, DeidError> {
        let profile: model::ProfileFile = toml::from_str(profile_text)
            .map_err(|e| invalid(profile_file, e.message().to_owned()))?;
        let rules_text = rules_source(&profile.rules)?;
        let rules_file: model::RulesFile = toml::from_str(&rules_text)
            .map_err(|e| invalid(&profile.rules, e.message().to_owned()))?;
        let text = text::text_elements(&rules_file, &profile.text)
            .map_err(|m| invalid(profile_file, m))?;
        let rules = compile::compile(&rules_file, &text).map_err(|m| invalid(&profile.rules, m))?;
        let date_mode = match profile.dates.mode.as_str() {
            "shift" => DateMode::Shift,
            "year" => DateMode::Year,
            other => {
                return Err(invalid(
                    profile_file,
                    format!("dates.mode {other:?} (shift|year)"),
                ));
            }
        };
        let min_days = profile.dates.min_days.unwrap_or(1).max(1);
        let max_days = profile.dates.max_days.unwrap_or(365).max(min_days);
        let sources = vec![
            PolicySource {
                name: profile_file.to_owned(),
                text: profile_text.to_owned(),
            },
            PolicySource {
                name: profile.rules.clone(),
                text: rules_text,
            },
        ];
        let pseudonym_domain = profile
            .pseudonym_domain
            .unwrap_or_else(|| profile.profile.clone());
        if pseudonym_domain.trim().is_empty() {
            return Err(invalid(profile_file, "pseudonym_domain is empty"));
        }
        Ok(Self {
            pseudonym_domain,
            name: profile.profile,
            version: version_of(&sources),
            date_mode,
            min_days,
            max_days,
            max_age: profile.ages.max_age,
            text_elements: text.len(),
            rules,
            sources,
        })
    }

    /// Profile name (`shifted`, `safe-harbor`, ...).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `sha256:<hex>` over every input file (see module docs).
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whose pseudonyms and date shifts this profile derives (`pseudonym_domain`, default
    /// its name): `shifted-text` derives `shifted`'s, as it is `shifted` plus free text.
    #[must_use]
    pub fn pseudonym_domain(&self) -> &str {
        &self.pseudonym_domain
    }

    /// Date treatment of this profile.
    #[must_use]
    pub fn date_mode(&self) -> DateMode {
        self.date_mode
    }

    /// Shift range in days (`shift` mode), `min >= 1`.
    #[must_use]
    pub fn shift_range(&self) -> (u32, u32) {
        (self.min_days, self.max_days)
    }

    /// Ages above this are generalised to 90.
    #[must_use]
    pub fn max_age(&self) -> u32 {
        self.max_age
    }

    /// True when the profile sends free-text elements to Cloud DLP (a `[text]` section):
    /// then a caller without DLP drops them (see `Engine`), and `deidentify` needs the DLP
    /// settings.
    #[must_use]
    pub fn has_text(&self) -> bool {
        self.text_elements > 0
    }

    /// Whether an approval of this profile may take the Safe Harbor route: dates kept as years
    /// only and no free text. Shifted dates and DLP-cleaned text are not Safe Harbor's removal
    /// of the identifiers; such a profile is approved by Expert Determination.
    #[must_use]
    pub fn safe_harbor_eligible(&self) -> bool {
        self.date_mode == DateMode::Year && !self.has_text()
    }

    /// The exact files hashed into the version.
    #[must_use]
    pub fn sources(&self) -> &[PolicySource] {
        &self.sources
    }

    /// True when the policy keeps this resource type at all.
    #[must_use]
    pub fn keeps_type(&self, resource_type: &str) -> bool {
        self.rules.resources.contains_key(resource_type)
    }
}

fn version_of(sources: &[PolicySource]) -> String {
    let mut h = Sha256::new();
    h.update(b"starvit-deid-policy/v1\n");
    for s in sources {
        h.update((s.name.len() as u64).to_be_bytes());
        h.update(s.name.as_bytes());
        h.update((s.text.len() as u64).to_be_bytes());
        h.update(s.text.as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_compile_and_differ() {
        let a = Policy::builtin("shifted").unwrap();
        let b = Policy::builtin("safe-harbor").unwrap();
        assert_ne!(a.version(), b.version());
        assert!(a.version().starts_with("sha256:") && a.version().len() == 71);
        for t in ["Patient", "Observation", "Provenance", "DocumentReference"] {
            assert!(a.keeps_type(t), "{t}");
        }
        for t in [
            "ClientApplication",
            "Subscription",
            "Binary",
            "AuditEvent",
            "Bot",
            "ProjectMembership",
            "Login",
        ] {
            assert!(!a.keeps_type(t), "{t}");
        }
    }

    #[test]
    fn loaded_equals_builtin_and_rules_change_changes_version() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/shifted.toml");
        let loaded = Policy::load(Path::new(dir)).unwrap();
        assert_eq!(
            loaded.version(),
            Policy::builtin("shifted").unwrap().version()
        );
        let changed = Policy::from_sources("shifted.toml", BUILTIN_SHIFTED, |_| {
            Ok(format!("{BUILTIN_RULES}\n# x\n"))
        })
        .unwrap();
        assert_ne!(changed.version(), loaded.version());
    }

    #[test]
    fn the_text_profile_is_shifted_plus_text_and_checked_against_the_rules() {
        let text = Policy::resolve("shifted-text").unwrap();
        let shifted = Policy::builtin("shifted").unwrap();
        assert!(text.has_text() && !shifted.has_text());
        assert!(!Policy::builtin("safe-harbor").unwrap().has_text());
        assert_ne!(text.version(), shifted.version());
        assert_eq!(text.shift_range(), shifted.shift_range());
        let with = |line: &str| {
            let profile = format!("{BUILTIN_SHIFTED_TEXT}\n{line}\n");
            Policy::from_sources("t.toml", &profile, |_| Ok(BUILTIN_RULES.to_owned()))
        };
        for bad in [
            "\"Nothing.text\" = \"string\"",
            "\"Observation\" = \"string\"",
            "\"Observation.status\" = \"string\"",
            "\"Observation.text\" = \"string\"",
            "\"Observation.valueBase64Binary\" = \"base64-text\"",
            "\"Patient.photo\" = \"html\"",
        ] {
            let err = with(bad).unwrap_err().to_string();
            assert!(err.contains("t.toml"), "{bad}: {err}");
        }
        let more = with("\"Patient.multipleBirthInteger\" = \"string\"").unwrap();
        assert_ne!(more.version(), text.version());
    }

    #[test]
    fn only_a_years_only_profile_without_text_may_claim_safe_harbor() {
        let eligible = |name: &str| Policy::builtin(name).unwrap().safe_harbor_eligible();
        assert!(eligible("safe-harbor"));
        assert!(!eligible("shifted"));
        assert!(!eligible("shifted-text"));
    }

    #[test]
    fn unknown_treatment_is_rejected() {
        let bad = BUILTIN_RULES.replace("valueCoding = \"Coding\"", "valueCoding = \"Codingg\"");
        assert!(Policy::from_sources("shifted.toml", BUILTIN_SHIFTED, |_| Ok(bad)).is_err());
    }
}
