//! `X-Signature`: lowercase hex HMAC-SHA256 of the raw request body with the Subscription's
//! secret (Medplum's rest-hook signing). Verified in constant time over the exact bytes received,
//! before anything is parsed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether `header` is the signature of `body` under `secret`.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| hex::decode(h.trim()).ok()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature Medplum would send (for tests and the contract suite).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_exact_bytes_only() {
        let body = br#"{"resourceType":"Patient","id":"p1"}"#;
        let sig = sign(b"secret", body);
        assert_eq!(sig.len(), 64);
        assert!(verify(b"secret", body, Some(&sig)));
        assert!(verify(b"secret", body, Some(&sig.to_uppercase())));
        assert!(!verify(b"other", body, Some(&sig)));
        assert!(!verify(
            b"secret",
            br#"{"resourceType":"Patient","id":"p2"}"#,
            Some(&sig)
        ));
        assert!(!verify(b"secret", body, Some(&sig[..62])));
        assert!(!verify(b"secret", body, Some("zz")));
        assert!(!verify(b"secret", body, None));
    }
}
