//! Settings from `(key, value)` pairs, parsed once at start-up: the common part of every
//! function's typed `Config::from_vars`. Empty values count as unset, values are trimmed, the
//! last occurrence of a key wins, unknown keys are ignored. Errors name the variable, never its
//! value (a value may be a secret).

use crate::settings::{Need, Setting};

/// A setting is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VarError {
    /// Required and unset (or empty).
    #[error("{0} is required")]
    Missing(&'static str),
    /// Does not parse.
    #[error("{name} is invalid: expected {expected}")]
    Invalid {
        /// Variable.
        name: &'static str,
        /// What is valid.
        expected: &'static str,
    },
}

/// The settings, as given.
#[derive(Clone, Default)]
pub struct Vars(Vec<(String, String)>);

impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be secrets: names only.
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

impl Vars {
    /// Collect `(key, value)` pairs (e.g. `std::env::vars()`).
    pub fn new<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        Self(
            vars.into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.into()))
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
        )
    }

    /// The trimmed value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    }

    /// The value of `name`, or [`VarError::Missing`].
    ///
    /// # Errors
    /// When unset.
    pub fn required(&self, name: &'static str) -> Result<String, VarError> {
        self.get(name).ok_or(VarError::Missing(name))
    }

    /// `name` parsed with `parse`, `default` when unset, [`VarError::Invalid`] when `parse` says
    /// `None`.
    ///
    /// # Errors
    /// When set but invalid.
    pub fn parsed<T>(
        &self,
        name: &'static str,
        default: T,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, VarError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse(&v).ok_or(VarError::Invalid { name, expected }),
        }
    }

    /// The value of a declared [`Setting`]: its value when set, else its default; `None` for
    /// an unset optional one.
    ///
    /// # Errors
    /// [`VarError::Missing`] when a required setting is unset.
    pub fn setting(&self, setting: &Setting) -> Result<Option<String>, VarError> {
        match (self.get(setting.name), setting.need) {
            (Some(v), _) => Ok(Some(v)),
            (None, Need::Default(d)) => Ok(Some(d.to_owned())),
            (None, Need::Required) => Err(VarError::Missing(setting.name)),
            (None, Need::Optional) => Ok(None),
        }
    }

    /// A declared setting parsed with `parse` (its default, when unset, too).
    ///
    /// # Errors
    /// [`VarError::Missing`] when required and unset; [`VarError::Invalid`] with the
    /// setting's format when `parse` says `None`.
    pub fn parse<T>(
        &self,
        setting: &Setting,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, VarError> {
        self.setting(setting)?
            .map(|v| {
                parse(&v).ok_or(VarError::Invalid {
                    name: setting.name,
                    expected: setting.format,
                })
            })
            .transpose()
    }

    /// Every pair, for settings parsed elsewhere (e.g. `GcpConfig::from_vars`).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, String)> + '_ {
        self.0.iter().map(|(k, v)| (k.as_str(), v.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_unset_last_wins_and_secrets_stay_out() {
        let v = Vars::new([("A", " 1 "), ("B", "  "), ("A", "2"), ("S", "s3cret")]);
        assert_eq!(v.get("A").as_deref(), Some("2"));
        assert_eq!(v.get("B"), None);
        assert_eq!(v.required("B"), Err(VarError::Missing("B")));
        assert_eq!(v.parsed("A", 0_u32, "a number", |s| s.parse().ok()), Ok(2));
        assert_eq!(v.parsed("C", 7_u32, "a number", |s| s.parse().ok()), Ok(7));
        let err = v
            .parsed("S", 0_u32, "a number", |s| s.parse().ok())
            .unwrap_err()
            .to_string();
        assert!(err.contains('S') && !err.contains("s3cret"), "{err}");
        assert!(!format!("{v:?}").contains("s3cret"));
        assert_eq!(v.pairs().count(), 3);
    }
}
