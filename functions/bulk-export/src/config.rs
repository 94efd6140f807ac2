//! Settings of the `bulk-export` function: [`SETTINGS`] (the list, as data), parsed once from
//! `(key, value)` pairs into [`Config`].
//!
//! Resource types that carry credentials (Medplum's `ClientApplication`, `Subscription`, `Bot`,
//! `User`, ...) are refused at start-up: they must never be fetched into the PHI bucket.

use std::path::PathBuf;
use std::time::Duration;

use starvit_gcp::GcpConfig;
use starvit_runtime::Setting;
use starvit_runtime::settings::Infra;
use starvit_runtime::settings::common;
use starvit_runtime::vars::{VarError, Vars};

use crate::fhir::Auth;

/// `service` label and lineage stage.
pub const SERVICE: &str = "bulk-export";

/// FHIR base URL.
pub const FHIR_BASE_URL: Setting = Setting::required(
    "STARVIT_FHIR_BASE_URL",
    "an http(s) URL",
    "FHIR base, e.g. https://api.medplum.com/fhir/R4",
)
.local("${FHIR_BASE_URL}");
/// The `_type` list.
pub const EXPORT_TYPES: Setting = Setting::required(
    "STARVIT_EXPORT_TYPES",
    "a comma-separated list of FHIR resource types",
    "`_type` list, always sent (Medplum exports secrets otherwise)",
)
.local(
    "AllergyIntolerance,CarePlan,Claim,Condition,DiagnosticReport,DocumentReference,Encounter,\
Immunization,Location,MedicationRequest,Observation,Organization,Patient,Practitioner,Procedure",
);
/// Poll budget of one delivery.
pub const POLL_BUDGET_SECS: Setting = Setting::default(
    "STARVIT_EXPORT_POLL_BUDGET_SECS",
    "480",
    "seconds between 1 and 3600",
    "how long one delivery follows the export before it asks for redelivery",
)
// Short locally: a slow export is answered Retry and resumed by the redelivery.
.local("20")
.infra(Infra::BelowRequestTimeout);
/// Landing budget of one delivery.
pub const LAND_BUDGET_SECS: Setting = Setting::default(
    "STARVIT_EXPORT_LAND_BUDGET_SECS",
    "480",
    "seconds between 0 and 3600",
    "how long after its start one delivery lands parts; then it stops after the part in hand and asks for redelivery, which resumes the file there (0: one part per delivery)",
)
.infra(Infra::BelowRequestTimeout);
/// Longest wait between polls.
pub const POLL_MAX_SECS: Setting = Setting::default(
    "STARVIT_EXPORT_POLL_MAX_SECS",
    "30",
    "seconds between 1 and 3600",
    "longest wait between two status polls",
)
.local("2");
/// Largest part of a manifest file ([`crate::parts`]).
pub const PART_BYTES: Setting = Setting::default(
    "STARVIT_EXPORT_PART_BYTES",
    "268435456",
    "bytes between 4096 and 4294967296",
    "largest part a manifest file is cut into on line boundaries (256 MiB: one deidentify and one bq-load delivery each)",
);
/// OAuth2 token endpoint.
pub const FHIR_TOKEN_URL: Setting = Setting::optional(
    "STARVIT_FHIR_TOKEN_URL",
    "an http(s) URL",
    "OAuth2 token endpoint (Medplum: https://api.medplum.com/oauth2/token); unset: no client credentials",
)
.local("${FHIR_TOKEN_URL}");
/// Client id.
pub const FHIR_CLIENT_ID: Setting = Setting::optional(
    "STARVIT_FHIR_CLIENT_ID",
    "text",
    "client id; required with a token URL",
)
.local("${FHIR_CLIENT_ID}");
/// Client secret.
pub const FHIR_CLIENT_SECRET: Setting = Setting::optional(
    "STARVIT_FHIR_CLIENT_SECRET",
    "text",
    "client secret (Secret Manager); required with a token URL",
)
.secret()
.local("${FHIR_CLIENT_SECRET}");
/// Requested scope.
pub const FHIR_SCOPE: Setting =
    Setting::optional("STARVIT_FHIR_SCOPE", "text", "requested OAuth2 scope");
/// A static bearer token.
pub const FHIR_BEARER_TOKEN: Setting = Setting::optional(
    "STARVIT_FHIR_BEARER_TOKEN",
    "text",
    "a static bearer token instead of client credentials (Secret Manager)",
)
.secret();

/// Every variable `bulk-export` reads.
pub const SETTINGS: &[Setting] = &[
    FHIR_BASE_URL,
    EXPORT_TYPES,
    common::PHI_BUCKET,
    common::PIPELINE,
    POLL_BUDGET_SECS,
    POLL_MAX_SECS,
    LAND_BUDGET_SECS,
    PART_BYTES,
    FHIR_TOKEN_URL,
    FHIR_CLIENT_ID,
    FHIR_CLIENT_SECRET,
    FHIR_SCOPE,
    FHIR_BEARER_TOKEN,
    common::SPOOL_DIR,
    common::GOOGLE_CLOUD_PROJECT,
    common::STORAGE_EMULATOR_HOST,
];

/// Types that hold secrets or account data, never exported.
pub const REFUSED_TYPES: [&str; 14] = [
    "AccessPolicy",
    "Binary",
    "Bot",
    "ClientApplication",
    "DomainConfiguration",
    "JsonWebKey",
    "Login",
    "PasswordChangeRequest",
    "Project",
    "ProjectMembership",
    "SmartAppLaunch",
    "Subscription",
    "User",
    "UserConfiguration",
];

/// Typed settings.
#[derive(Clone)]
pub struct Config {
    /// FHIR base URL, without a trailing slash.
    pub fhir_base_url: url::Url,
    /// `_type` list.
    pub types: Vec<String>,
    /// PHI staging bucket.
    pub phi_bucket: String,
    /// Lineage pipeline.
    pub pipeline: String,
    /// Poll budget of one delivery.
    pub poll_budget: Duration,
    /// Longest wait between polls.
    pub poll_max: Duration,
    /// How long after its start one delivery lands parts ([`LAND_BUDGET_SECS`]).
    pub land_budget: Duration,
    /// Largest part of a manifest file, in bytes.
    pub part_bytes: u64,
    /// Credentials for the FHIR server (redacted in `Debug`).
    pub auth: Auth,
    /// Spool directory.
    pub spool_dir: Option<PathBuf>,
    /// Per-request timeout (a file download may take longer: it is streamed under this idle bound).
    pub request_timeout: Duration,
    /// Project and emulator endpoints.
    pub gcp: GcpConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("fhir_base_url", &self.fhir_base_url.as_str())
            .field("types", &self.types)
            .field("phi_bucket", &self.phi_bucket)
            .field("pipeline", &self.pipeline)
            .field("poll_budget", &self.poll_budget)
            .field("poll_max", &self.poll_max)
            .field("land_budget", &self.land_budget)
            .field("part_bytes", &self.part_bytes)
            .field("auth", &self.auth)
            .field("spool_dir", &self.spool_dir)
            .finish_non_exhaustive()
    }
}

/// A setting is missing or invalid; names the variable, never the value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is missing or does not parse.
    #[error(transparent)]
    Var(#[from] VarError),
    /// GCP settings.
    #[error(transparent)]
    Gcp(#[from] starvit_gcp::config::ConfigError),
}

impl Config {
    /// Parse; unknown keys ignored, empty values unset.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first variable at fault.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let vars = Vars::new(vars);
        let secs_from = |s: &Setting, min: u64| {
            vars.parse(s, |v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| (min..=3600).contains(n))
                    .map(Duration::from_secs)
            })
            .map(Option::unwrap_or_default)
        };
        let secs = |s: &Setting| secs_from(s, 1);
        let part_bytes = vars
            .parse(&PART_BYTES, |v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| (4096..=1 << 32).contains(n))
            })?
            .unwrap_or_default();
        Ok(Self {
            fhir_base_url: base_url(&vars)?,
            types: export_types(&vars)?,
            phi_bucket: vars.required("STARVIT_PHI_BUCKET")?,
            pipeline: vars.setting(&common::PIPELINE)?.unwrap_or_default(),
            poll_budget: secs(&POLL_BUDGET_SECS)?,
            poll_max: secs(&POLL_MAX_SECS)?,
            land_budget: secs_from(&LAND_BUDGET_SECS, 0)?,
            part_bytes,
            auth: auth(&vars)?,
            spool_dir: vars.get("STARVIT_SPOOL_DIR").map(PathBuf::from),
            request_timeout: Duration::from_secs(120),
            gcp: GcpConfig::from_vars(vars.pairs())?,
        })
    }
}

fn invalid(name: &'static str, expected: &'static str) -> ConfigError {
    ConfigError::from(VarError::Invalid { name, expected })
}

/// `STARVIT_FHIR_BASE_URL`: an http(s) URL with a host, without a trailing slash.
fn base_url(vars: &Vars) -> Result<url::Url, ConfigError> {
    let base = vars.required("STARVIT_FHIR_BASE_URL")?;
    url::Url::parse(base.trim_end_matches('/'))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| invalid("STARVIT_FHIR_BASE_URL", "an http(s) URL"))
}

/// `STARVIT_EXPORT_TYPES`: FHIR type names, none of [`REFUSED_TYPES`].
fn export_types(vars: &Vars) -> Result<Vec<String>, ConfigError> {
    const NAME: &str = "STARVIT_EXPORT_TYPES";
    let types: Vec<String> = vars
        .required(NAME)?
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if types.is_empty() || !types.iter().all(|t| starvit_fhir::type_name_ok(t)) {
        return Err(invalid(
            NAME,
            "a comma-separated list of FHIR resource types",
        ));
    }
    if types.iter().any(|t| REFUSED_TYPES.contains(&t.as_str())) {
        return Err(invalid(
            NAME,
            "no credential-bearing type (ClientApplication, Subscription, User, ...)",
        ));
    }
    Ok(types)
}

/// Client credentials, a static bearer token, or none; not both.
fn auth(vars: &Vars) -> Result<Auth, ConfigError> {
    let get = |name: &str| vars.get(name);
    Ok(
        match (
            get("STARVIT_FHIR_TOKEN_URL"),
            get("STARVIT_FHIR_BEARER_TOKEN"),
        ) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "STARVIT_FHIR_TOKEN_URL",
                    "client credentials or STARVIT_FHIR_BEARER_TOKEN, not both",
                ));
            }
            (Some(url), None) => Auth::ClientCredentials {
                token_url: url::Url::parse(&url)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| invalid("STARVIT_FHIR_TOKEN_URL", "an http(s) URL"))?,
                client_id: vars.required("STARVIT_FHIR_CLIENT_ID")?,
                client_secret: vars.required("STARVIT_FHIR_CLIENT_SECRET")?,
                scope: get("STARVIT_FHIR_SCOPE"),
            },
            (None, Some(token)) => Auth::Bearer(token),
            (None, None) => Auth::None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("GOOGLE_CLOUD_PROJECT", "starvit-test"),
            ("STARVIT_FHIR_BASE_URL", "https://api.medplum.com/fhir/R4/"),
            ("STARVIT_EXPORT_TYPES", "Patient, Observation"),
            ("STARVIT_PHI_BUCKET", "phi"),
            ("STARVIT_FHIR_BEARER_TOKEN", "t0ken"),
        ]
    }

    #[test]
    fn settings_agree_with_the_parser() {
        starvit_runtime::settings::check(SETTINGS, |v| Config::from_vars(v).map(|_| ())).unwrap();
    }

    #[test]
    fn parses_and_redacts() {
        let c = Config::from_vars(vars()).unwrap();
        assert_eq!(c.fhir_base_url.as_str(), "https://api.medplum.com/fhir/R4");
        assert_eq!(c.types, ["Patient", "Observation"]);
        assert_eq!(c.poll_budget, Duration::from_secs(480));
        assert_eq!(c.land_budget, Duration::from_secs(480));
        assert_eq!(c.part_bytes, 256 << 20);
        assert!(!format!("{c:?}").contains("t0ken"));
        let mut cc = vars();
        cc.retain(|(k, _)| *k != "STARVIT_FHIR_BEARER_TOKEN");
        cc.extend([
            (
                "STARVIT_FHIR_TOKEN_URL",
                "https://api.medplum.com/oauth2/token",
            ),
            ("STARVIT_FHIR_CLIENT_ID", "client"),
            ("STARVIT_FHIR_CLIENT_SECRET", "s3cr3t"),
        ]);
        let c = Config::from_vars(cc.clone()).unwrap();
        assert!(matches!(c.auth, Auth::ClientCredentials { .. }));
        assert!(!format!("{c:?}").contains("s3cr3t"));
        cc.retain(|(k, _)| *k != "STARVIT_FHIR_CLIENT_SECRET");
        assert!(Config::from_vars(cc).is_err());
    }

    #[test]
    fn refuses_secret_types_and_bad_values() {
        for (k, v) in [
            ("STARVIT_EXPORT_TYPES", "Patient,ClientApplication"),
            ("STARVIT_EXPORT_TYPES", "Patient,Subscription"),
            ("STARVIT_EXPORT_TYPES", "patient"),
            ("STARVIT_EXPORT_TYPES", " , "),
            ("STARVIT_FHIR_BASE_URL", "ftp://x/fhir"),
            ("STARVIT_EXPORT_POLL_BUDGET_SECS", "0"),
            ("STARVIT_EXPORT_LAND_BUDGET_SECS", "3601"),
            ("STARVIT_EXPORT_PART_BYTES", "100"),
        ] {
            let mut all = vars();
            all.push((k, v));
            let err = Config::from_vars(all).unwrap_err().to_string();
            assert!(err.contains(k), "{k}={v}: {err}");
        }
        let missing: Vec<_> = vars()
            .into_iter()
            .filter(|(k, _)| *k != "STARVIT_EXPORT_TYPES")
            .collect();
        assert!(Config::from_vars(missing).is_err());
    }
}
