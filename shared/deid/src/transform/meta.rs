//! The rebuilt `meta`: policy version and profile tags, and the `meta.security` labels
//! that say what the walk did to the resource.

use serde_json::{Value, json};

use crate::policy::Policy;

/// Code system of the policy-version tag in `meta.tag`.
pub const POLICY_VERSION_SYSTEM: &str = "https://starvit.dev/fhir/CodeSystem/deid-policy-version";
/// Code system of the profile-name tag in `meta.tag`.
pub const POLICY_PROFILE_SYSTEM: &str = "https://starvit.dev/fhir/CodeSystem/deid-profile";
/// HL7 v3 ObservationValue: the code system of the `meta.security` labels.
pub const SECURITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

/// A value was pseudonymised.
pub(super) const PSEUDED: u8 = 1;
/// A date was shifted.
pub(super) const MASKED: u8 = 2;
/// A value was generalised (year, ZIP3, 90+).
pub(super) const ABSTRED: u8 = 4;
/// Something was dropped.
pub(super) const REDACTED: u8 = 8;

/// The `meta.tag` and `meta.security` values, built once per policy.
#[derive(Debug)]
pub(crate) struct MetaParts {
    pub(super) tag: Value,
    /// Indexed by the `flags` bits.
    pub(super) security: Vec<Value>,
    /// `"tag":…,"security":` as written, and each `security` as written (the streaming walk).
    pub(super) tag_json: String,
    pub(super) security_json: Vec<String>,
}

impl MetaParts {
    pub fn new(policy: &Policy) -> Self {
        let tag = json!([
            {"system": POLICY_VERSION_SYSTEM, "code": policy.version()},
            {"system": POLICY_PROFILE_SYSTEM, "code": policy.name()},
        ]);
        let security = (0..16u8)
            .map(|flags| {
                Value::Array(
                    [
                        (PSEUDED, "PSEUDED"),
                        (MASKED, "MASKED"),
                        (ABSTRED, "ABSTRED"),
                        (REDACTED, "REDACTED"),
                    ]
                    .iter()
                    .filter(|(bit, _)| flags & bit != 0)
                    .map(|(_, code)| json!({"system": SECURITY_SYSTEM, "code": code}))
                    .collect(),
                )
            })
            .collect::<Vec<_>>();
        Self {
            tag_json: format!(r#""tag":{tag},"security":"#),
            security_json: security.iter().map(Value::to_string).collect(),
            tag,
            security,
        }
    }
}
