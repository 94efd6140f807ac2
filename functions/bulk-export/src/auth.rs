//! Credentials for the FHIR server: [`Auth`] (none, a static bearer token, or OAuth2 client
//! credentials) and [`Tokens`], which fetches and caches the access token (Medplum:
//! `POST {root}/oauth2/token`, form `grant_type=client_credentials&client_id&client_secret`;
//! cached until a minute before `expires_in`). A refused token request is Drop (wrong
//! credentials); an unavailable token endpoint is Retry. Secrets are redacted in `Debug`.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::fhir_error::{FhirError, classify, send_error};

/// How to authenticate to the FHIR server.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials (a local test server).
    #[default]
    None,
    /// A static bearer token.
    Bearer(String),
    /// OAuth2 client credentials.
    ClientCredentials {
        /// Token endpoint.
        token_url: Url,
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
        /// Requested scope, if any.
        scope: Option<String>,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Bearer(_) => "Auth::Bearer(<redacted>)",
            Auth::ClientCredentials { .. } => "Auth::ClientCredentials(<redacted>)",
        })
    }
}

/// The access token of one [`Auth`], cached.
pub(crate) struct Tokens {
    auth: Auth,
    cached: tokio::sync::Mutex<Option<(String, std::time::Instant)>>,
}

impl Tokens {
    pub(crate) fn new(auth: Auth) -> Self {
        Self {
            auth,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Forget the cached token (a 401: it may have expired).
    pub(crate) async fn forget(&self) {
        *self.cached.lock().await = None;
    }

    /// The current access token, fetched (client credentials) when missing or about to expire.
    ///
    /// # Errors
    /// A token endpoint that refuses (Drop) or is unavailable (Retry).
    pub async fn token(&self, http: &reqwest::Client) -> Result<Option<String>, FhirError> {
        const OP: &str = "token";
        let (token_url, client_id, client_secret, scope) = match &self.auth {
            Auth::None => return Ok(None),
            Auth::Bearer(t) => return Ok(Some(t.clone())),
            Auth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
            } => (token_url, client_id, client_secret, scope),
        };
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && std::time::Instant::now() < *until
        {
            return Ok(Some(token.clone()));
        }
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.as_str()));
        }
        let response = http
            .post(token_url.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| send_error(OP, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(classify(OP, status));
        }
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let body: TokenResponse = response.json().await.map_err(|_| FhirError::Rejected {
            operation: OP,
            status: Some(status.as_u16()),
            reason: "token response does not parse",
        })?;
        let lifetime =
            Duration::from_secs(body.expires_in.unwrap_or(300).saturating_sub(60).max(10));
        *cached = Some((
            body.access_token.clone(),
            std::time::Instant::now() + lifetime,
        ));
        Ok(Some(body.access_token))
    }
}
