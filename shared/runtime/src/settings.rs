//! A function's settings as data: [`Setting`] (name, required or default, format, description,
//! secret, local value). Each function crate lists the variables it reads in
//! `pub const SETTINGS: &[Setting]`; from that one list
//! - the end-to-end harness builds each function's local environment ([`local_env`]),
//! - `<function binary> --settings` prints them as JSON ([`to_json`]), which Terraform's env is
//!   checked against,
//! - a unit test per function checks that its `Config::from_vars` agrees (the local values
//!   parse; removing a required one fails naming it).
//!
//! Settings that several functions read are defined once, here ([`common`]) or in the crate
//! that owns what they name (the datasets: `starvit_warehouse::datasets`), and listed by
//! reference.

use std::collections::BTreeMap;

/// Whether a setting must be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Start-up fails without it.
    Required,
    /// Unset means this value.
    Default(&'static str),
    /// Unset means "not used" (the description says what then happens).
    Optional,
}

/// What a setting's value must agree with in the deployment (Terraform), checked by the env
/// contract (`infra/checks/env_contract.py`, through `tests/src/bin/env-probe.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infra {
    /// Names a bucket Terraform creates.
    Bucket,
    /// Names a BigQuery dataset Terraform creates in the project.
    Dataset,
    /// Names a Pub/Sub topic (short name) Terraform creates in the project.
    Topic,
    /// Equals the service's `pipeline` label.
    PipelineLabel,
    /// Seconds that must stay below the service's request timeout.
    BelowRequestTimeout,
    /// Requests per instance: equals the service's request concurrency.
    RequestsPerInstance,
}

impl Infra {
    /// The short name the env contract uses.
    #[must_use]
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Bucket => "bucket",
            Self::Dataset => "dataset",
            Self::Topic => "topic",
            Self::PipelineLabel => "pipeline",
            Self::BelowRequestTimeout => "seconds",
            Self::RequestsPerInstance => "concurrency",
        }
    }
}

/// One environment variable a function reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Variable name.
    pub name: &'static str,
    /// Required, defaulted or optional.
    pub need: Need,
    /// What a valid value looks like.
    pub format: &'static str,
    /// What it means.
    pub description: &'static str,
    /// A secret (Secret Manager in production; never logged).
    pub secret: bool,
    /// The value on the local stack (`tests/`, `make demo`); `${NAME}` is replaced by the
    /// stack's variable `NAME` (endpoints, ports, the TigerGraph stub's URL). `None`: unset
    /// locally.
    pub local: Option<&'static str>,
    /// What the value must agree with in Terraform, if anything.
    pub infra: Option<Infra>,
}

impl Setting {
    /// A required setting.
    pub const fn required(
        name: &'static str,
        format: &'static str,
        description: &'static str,
    ) -> Self {
        Self::new(name, Need::Required, format, description)
    }

    /// A setting with a default.
    pub const fn default(
        name: &'static str,
        default: &'static str,
        format: &'static str,
        description: &'static str,
    ) -> Self {
        Self::new(name, Need::Default(default), format, description)
    }

    /// An optional setting.
    pub const fn optional(
        name: &'static str,
        format: &'static str,
        description: &'static str,
    ) -> Self {
        Self::new(name, Need::Optional, format, description)
    }

    const fn new(
        name: &'static str,
        need: Need,
        format: &'static str,
        description: &'static str,
    ) -> Self {
        Self {
            name,
            need,
            format,
            description,
            secret: false,
            local: None,
            infra: None,
        }
    }

    /// Its local value, for constants of the local harness.
    ///
    /// # Panics
    /// At compile time (in a `const`) when it has none.
    #[must_use]
    pub const fn local_value(&self) -> &'static str {
        match self.local {
            Some(v) => v,
            None => panic!("the setting has no local value"),
        }
    }

    /// Its default, for constants of the local harness.
    ///
    /// # Panics
    /// At compile time (in a `const`) when it has none.
    #[must_use]
    pub const fn default_value(&self) -> &'static str {
        match self.need {
            Need::Default(v) => v,
            _ => panic!("the setting has no default"),
        }
    }

    /// Marks it secret.
    #[must_use]
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// What the value must agree with in Terraform.
    #[must_use]
    pub const fn infra(mut self, infra: Infra) -> Self {
        self.infra = Some(infra);
        self
    }

    /// Its value on the local stack (`${NAME}` = the stack's variable).
    #[must_use]
    pub const fn local(mut self, value: &'static str) -> Self {
        self.local = Some(value);
        self
    }
}

/// A local value names a stack variable the caller did not give, or a required setting has
/// no local value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalError {
    /// `${NAME}` is not among the stack variables.
    #[error("{setting}: the local stack has no variable {variable}")]
    Unknown {
        /// The setting.
        setting: &'static str,
        /// The missing variable.
        variable: String,
    },
    /// A required setting has no local value.
    #[error("{0} is required and has no local value")]
    NoLocalValue(&'static str),
}

/// The local environment of a function: every setting with a local value, `${NAME}` expanded
/// from `stack`.
///
/// # Errors
/// [`LocalError`].
pub fn local_env(
    settings: &[Setting],
    stack: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, LocalError> {
    local_env_with(settings, |name| stack.get(name).cloned())
}

fn local_env_with(
    settings: &[Setting],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, LocalError> {
    let mut env = Vec::new();
    for s in settings {
        match s.local {
            Some(value) => env.push((s.name.to_owned(), expand(s.name, value, &lookup)?)),
            None if s.need == Need::Required => return Err(LocalError::NoLocalValue(s.name)),
            None => {}
        }
    }
    Ok(env)
}

fn expand(
    setting: &'static str,
    value: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, LocalError> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').unwrap_or(after.len());
        let variable = &after[..end];
        let found = lookup(variable).ok_or_else(|| LocalError::Unknown {
            setting,
            variable: variable.to_owned(),
        })?;
        out.push_str(&found);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks a function's `SETTINGS` against its parser (call it from a unit test): the local
/// values (stack variables replaced by a loopback URL) parse, and leaving out any required
/// setting fails with an error that names it.
///
/// # Errors
/// A message saying what disagrees.
pub fn check<E: std::fmt::Display>(
    settings: &[Setting],
    parse: impl Fn(Vec<(String, String)>) -> Result<(), E>,
) -> Result<(), String> {
    let env = local_env_with(settings, |_| Some("http://127.0.0.1:9".to_owned()))
        .map_err(|e| e.to_string())?;
    parse(env.clone()).map_err(|e| format!("the local settings do not parse: {e}"))?;
    for s in settings.iter().filter(|s| s.need == Need::Required) {
        let without: Vec<_> = env.iter().filter(|(k, _)| k != s.name).cloned().collect();
        match parse(without) {
            Ok(()) => return Err(format!("{} is listed as required but is not", s.name)),
            Err(e) if !e.to_string().contains(s.name) => {
                return Err(format!(
                    "without {}, the error does not name it: {e}",
                    s.name
                ));
            }
            Err(_) => {}
        }
    }
    Ok(())
}

/// The settings as a JSON array (what `<function binary> --settings` prints). A secret's
/// local value is shown as `"<secret>"`.
pub fn to_json(settings: &[Setting]) -> serde_json::Value {
    settings
        .iter()
        .map(|s| {
            let (required, default) = match s.need {
                Need::Required => (true, None),
                Need::Default(d) => (false, Some(d)),
                Need::Optional => (false, None),
            };
            serde_json::json!({
                "name": s.name,
                "required": required,
                "default": default,
                "format": s.format,
                "description": s.description,
                "secret": s.secret,
                "local": if s.secret { s.local.map(|_| "<secret>") } else { s.local },
                "infra": s.infra.map(Infra::kind),
            })
        })
        .collect()
}

/// Settings several functions read: defined once, listed by reference in each `SETTINGS`.
pub mod common;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_env_expands_and_requires() {
        let stack: BTreeMap<String, String> = [("GCS".to_owned(), "http://h:1".to_owned())].into();
        let settings = [
            Setting::required("A", "", "").local("${GCS}/x"),
            Setting::optional("B", "", ""),
            Setting::default("C", "1", "", "").local("2"),
        ];
        assert_eq!(
            local_env(&settings, &stack).unwrap(),
            [
                ("A".to_owned(), "http://h:1/x".to_owned()),
                ("C".to_owned(), "2".to_owned())
            ]
        );
        let unknown = [Setting::required("A", "", "").local("${NOPE}")];
        assert!(matches!(
            local_env(&unknown, &stack),
            Err(LocalError::Unknown { .. })
        ));
        let missing = [Setting::required("A", "", "")];
        assert_eq!(
            local_env(&missing, &stack),
            Err(LocalError::NoLocalValue("A"))
        );
    }

    #[test]
    fn json_hides_secret_values() {
        let text = to_json(&[common::DEID_KEY, common::DEID_BUCKET]).to_string();
        assert!(!text.contains("6c6f63"), "{text}");
        assert!(text.contains("starvit-deid"));
    }
}
