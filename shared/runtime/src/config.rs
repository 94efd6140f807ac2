//! [`RuntimeConfig`]: the runtime's settings, parsed once from `(key, value)` pairs.
//!
//! The library never reads the process environment except in [`RuntimeConfig::from_env`], so tests
//! pass an iterator of pairs instead of mutating the environment.

/// Default listening port when `PORT` is unset (the Cloud Run default).
pub const DEFAULT_PORT: u16 = 8080;
/// Default request body limit: 10 MiB. Larger bodies are acked with `body_too_large`.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// How log lines are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line in the Cloud Logging shape (Cloud Run).
    Json,
    /// Human-readable text (local development).
    Text,
}

/// Settings of the runtime. Build it with [`RuntimeConfig::from_vars`] (or `from_env`) at start-up.
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `PORT` | TCP port to listen on | `8080` |
/// | `STARVIT_LISTEN_ADDR` | IP address to listen on (`127.0.0.1` on a laptop) | `0.0.0.0` (Cloud Run) |
/// | `STARVIT_BODY_LIMIT_BYTES` | max request body | 10 MiB |
/// | `LOG_FORMAT` | `json` or `text` | `json` if `K_SERVICE` is set (Cloud Run), else `text` |
/// | `RUST_LOG` | tracing filter directives | `info` |
/// | `GOOGLE_CLOUD_PROJECT` | project for `logging.googleapis.com/trace` | none (trace field omitted) |
/// | `K_SERVICE` | Cloud Run service name, added to log lines | none |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// TCP port to listen on (0 = any free port).
    pub port: u16,
    /// IP address to listen on: all interfaces on Cloud Run, loopback on a laptop.
    pub listen: std::net::IpAddr,
    /// Max request body in bytes.
    pub body_limit: usize,
    /// Log rendering.
    pub log_format: LogFormat,
    /// `tracing_subscriber::EnvFilter` directives.
    pub log_filter: String,
    /// Google Cloud project id used to build trace resource names.
    pub project_id: Option<String>,
    /// Cloud Run service name (`K_SERVICE`).
    pub service: Option<String>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            listen: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            body_limit: DEFAULT_BODY_LIMIT,
            log_format: LogFormat::Text,
            log_filter: "info".to_owned(),
            project_id: None,
            service: None,
        }
    }
}

/// A setting has a value the runtime cannot use. Names the variable, never echoes the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The variable is set but does not parse.
    #[error("{name} is invalid: expected {expected}")]
    Invalid {
        /// Variable name.
        name: &'static str,
        /// What a valid value looks like.
        expected: &'static str,
    },
}

impl RuntimeConfig {
    /// Parse from `(key, value)` pairs; unknown keys are ignored, empty values count as unset.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first variable that does not parse.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut config = Self::default();
        let mut log_format = None;
        for (key, value) in vars {
            let value = value.as_ref().trim();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "PORT" => {
                    config.port = value.parse().map_err(|_| ConfigError::Invalid {
                        name: "PORT",
                        expected: "a port number 0-65535",
                    })?;
                }
                "STARVIT_LISTEN_ADDR" => {
                    config.listen = value.parse().map_err(|_| ConfigError::Invalid {
                        name: "STARVIT_LISTEN_ADDR",
                        expected: "an IP address",
                    })?;
                }
                "STARVIT_BODY_LIMIT_BYTES" => {
                    config.body_limit =
                        value
                            .parse()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or(ConfigError::Invalid {
                                name: "STARVIT_BODY_LIMIT_BYTES",
                                expected: "a positive number of bytes",
                            })?;
                }
                "LOG_FORMAT" => {
                    log_format = Some(match value.to_ascii_lowercase().as_str() {
                        "json" => LogFormat::Json,
                        "text" => LogFormat::Text,
                        _ => {
                            return Err(ConfigError::Invalid {
                                name: "LOG_FORMAT",
                                expected: "json or text",
                            });
                        }
                    });
                }
                "RUST_LOG" => config.log_filter = value.to_owned(),
                "GOOGLE_CLOUD_PROJECT" => config.project_id = Some(value.to_owned()),
                "K_SERVICE" => config.service = Some(value.to_owned()),
                _ => {}
            }
        }
        config.log_format = log_format.unwrap_or(if config.service.is_some() {
            LogFormat::Json
        } else {
            LogFormat::Text
        });
        Ok(config)
    }

    /// Parse from the process environment. The only place the runtime reads it.
    ///
    /// # Errors
    /// As [`RuntimeConfig::from_vars`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = RuntimeConfig::from_vars(std::iter::empty::<(&str, &str)>()).unwrap();
        assert_eq!(c, RuntimeConfig::default());
        assert_eq!(c.port, 8080);
        assert_eq!(c.body_limit, 10 * 1024 * 1024);
    }

    #[test]
    fn cloud_run_means_json() {
        let c = RuntimeConfig::from_vars([("K_SERVICE", "deidentify"), ("PORT", "9000")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.port, 9000);
        let c = RuntimeConfig::from_vars([("K_SERVICE", "x"), ("LOG_FORMAT", "text")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Text);
        let c = RuntimeConfig::from_vars([("LOG_FORMAT", "JSON")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn errors_name_the_variable_not_the_value() {
        let err = RuntimeConfig::from_vars([("PORT", "secret-ish")]).unwrap_err();
        assert!(err.to_string().starts_with("PORT"));
        assert!(!err.to_string().contains("secret-ish"));
        assert!(RuntimeConfig::from_vars([("PORT", "70000")]).is_err());
        let local = RuntimeConfig::from_vars([("STARVIT_LISTEN_ADDR", "127.0.0.1")]).unwrap();
        assert!(local.listen.is_loopback());
        assert!(RuntimeConfig::default().listen.is_unspecified());
        assert!(RuntimeConfig::from_vars([("STARVIT_LISTEN_ADDR", "localhost")]).is_err());
        assert!(RuntimeConfig::from_vars([("STARVIT_BODY_LIMIT_BYTES", "0")]).is_err());
        assert!(RuntimeConfig::from_vars([("LOG_FORMAT", "xml")]).is_err());
    }
}
