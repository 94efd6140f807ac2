//! Keyed pseudonyms and per-patient date shifts: HMAC-SHA256 with domain separation.
//!
//! Every digest is `HMAC(key, purpose ‖ 0x00 ‖ len(part) ‖ part ‖ ...)` with a fixed purpose
//! tag per use, so an id pseudonym can never collide with a shift or a local id.
//!
//! **Resource ids are pseudonymised from the id alone** (purpose `id`, no type): a
//! `urn:uuid:X` reference carries no type, and it must land on the same pseudonym as
//! `Patient/X` and as the Patient's own `id`. FHIR ids are unique per type and in practice
//! (UUIDs) across types; a cross-type collision would only make two resources of
//! *different* types share a pseudo id, which the kept type disambiguates.
//!
//! **Keys are per profile.** The engine never uses the configured key directly: it derives
//! `HMAC(key, "starvit/deid/v1/profile-key" ‖ 0 ‖ len ‖ profile name)` and keys everything
//! with that ([`Pseudonymizer::for_profile`]). Outputs of two profiles of the same export
//! therefore share no pseudonym and no shift: one cannot be joined to the other, and the
//! year-only dates of `safe-harbor` cannot bound a `shifted` patient's shift. The batch
//! path and the relay of one profile derive the same key, so they stay equal. A profile may
//! name another's domain (`pseudonym_domain`, [`crate::Policy::pseudonym_domain`]):
//! `shifted-text` is `shifted` plus free text and uses `shifted`'s key, since a superset of
//! one output with an independent shift would let the two shifts of a date narrow it.
//!
//! **Shifts go back in time only** ([`Pseudonymizer::shift_days`] is a positive number of
//! days the engine subtracts): a shifted date is always earlier than the real one, so no
//! shifted date lands after its export, where its distance to the export would bound the
//! shift.
//!
//! Pseudo ids are rendered as RFC 9562 UUIDv8 strings (36 chars, a valid FHIR id), so
//! `urn:uuid:<pseudo>` is itself a well-formed UUID URN that resolves to the target.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::key::Key;

type HmacSha256 = Hmac<Sha256>;

const PURPOSE_ID: &[u8] = b"starvit/deid/v1/id";
const PURPOSE_LOCAL: &[u8] = b"starvit/deid/v1/contained-id";
const PURPOSE_VERSION: &[u8] = b"starvit/deid/v1/version-id";
const PURPOSE_SHIFT: &[u8] = b"starvit/deid/v1/date-shift";
const PURPOSE_PROFILE_KEY: &[u8] = b"starvit/deid/v1/profile-key";

/// Precomputed keyed HMAC state; cloned per digest (no re-keying per use).
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: HmacSha256,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(<keyed>)")
    }
}

impl Pseudonymizer {
    /// Keys the HMAC state with `key` itself (tests; the engine uses [`Self::for_profile`]).
    #[must_use]
    pub fn new(key: &Key) -> Self {
        Self::from_raw(key.bytes())
    }

    /// The pseudonymiser of one profile: keyed with a key derived from `key` and the
    /// profile's name (see the module docs).
    #[must_use]
    pub fn for_profile(key: &Key, profile: &str) -> Self {
        let derived = Self::new(key).digest(PURPOSE_PROFILE_KEY, &[profile.as_bytes()]);
        Self::from_raw(&derived)
    }

    fn from_raw(bytes: &[u8]) -> Self {
        #[allow(clippy::expect_used)]
        let mac = HmacSha256::new_from_slice(bytes).expect("HMAC accepts keys of any length");
        Self { mac }
    }

    fn digest(&self, purpose: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(purpose);
        mac.update(&[0u8]);
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Pseudonym of a resource id (any type): a UUIDv8 string.
    #[must_use]
    pub fn id(&self, id: &str) -> String {
        uuid_v8(&self.digest(PURPOSE_ID, &[id.as_bytes()]))
    }

    /// Pseudonym of a contained resource's local id (`#x`): 16 hex chars, stable.
    #[must_use]
    pub fn local_id(&self, id: &str) -> String {
        hex::encode(&self.digest(PURPOSE_LOCAL, &[id.as_bytes()])[..8])
    }

    /// Pseudonym of `meta.versionId` (keeps id+version dedupe possible downstream).
    #[must_use]
    pub fn version_id(&self, id: &str, version: &str) -> String {
        hex::encode(&self.digest(PURPOSE_VERSION, &[id.as_bytes(), version.as_bytes()])[..16])
    }

    /// Date shift in whole days for a patient key: `[min, max]` days back in time, never
    /// zero (`min` is clamped to at least 1); the engine subtracts it.
    #[must_use]
    pub fn shift_days(&self, patient_key: &str, min: u32, max: u32) -> i64 {
        let d = self.digest(PURPOSE_SHIFT, &[patient_key.as_bytes()]);
        let min = u64::from(min.max(1));
        let max = u64::from(max).max(min);
        let mut word = [0u8; 8];
        word.copy_from_slice(&d[..8]);
        let magnitude = min + u64::from_be_bytes(word) % (max - min + 1);
        i64::try_from(magnitude).unwrap_or(1)
    }
}

fn uuid_v8(d: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8 (custom)
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(byte >> 4)]));
        s.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymizer {
        Pseudonymizer::new(&Key::from_bytes(b"test-key-0123456789".to_vec()).unwrap())
    }

    #[test]
    fn ids_are_stable_uuid_shaped_and_keyed() {
        let a = p().id("abc");
        assert_eq!(a, p().id("abc"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
        let other = Pseudonymizer::new(&Key::from_bytes(b"another-key-0123456".to_vec()).unwrap());
        assert_ne!(a, other.id("abc"));
        assert_ne!(p().id("abc"), p().id("abd"));
    }

    #[test]
    fn shift_is_never_zero_and_in_range() {
        for i in 0..2000 {
            let s = p().shift_days(&format!("patient-{i}"), 1, 365);
            assert!(s > 0 && s <= 365, "{s}");
        }
    }

    #[test]
    fn profiles_have_unrelated_keys() {
        let key = Key::from_bytes(b"test-key-0123456789".to_vec()).unwrap();
        let a = Pseudonymizer::for_profile(&key, "shifted");
        let b = Pseudonymizer::for_profile(&key, "safe-harbor");
        assert_ne!(a.id("abc"), b.id("abc"));
        assert_ne!(a.id("abc"), p().id("abc"));
        assert_eq!(
            a.id("abc"),
            Pseudonymizer::for_profile(&key, "shifted").id("abc")
        );
    }
}
