//! What the generator plants: every identifying value with its Safe Harbor class, and the
//! issue-15 attack class it exercises.

/// The 18 HIPAA Safe Harbor identifier classes (45 CFR 164.514(b)(2)(i)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdClass {
    /// (A) names (patients, relatives, practitioners).
    Name,
    /// (B) geography below the state: street, city, county, ZIP, coordinates.
    Geography,
    /// (C) dates (other than year) and ages over 89.
    Date,
    /// (D) telephone numbers.
    Phone,
    /// (E) fax numbers.
    Fax,
    /// (F) e-mail addresses.
    Email,
    /// (G) social security numbers.
    Ssn,
    /// (H) medical record numbers.
    Mrn,
    /// (I) health plan beneficiary numbers.
    HealthPlan,
    /// (J) account numbers.
    Account,
    /// (K) certificate and licence numbers.
    Licence,
    /// (L) vehicle identifiers and serial numbers, licence plates.
    Vehicle,
    /// (M) device identifiers and serial numbers.
    Device,
    /// (N) web URLs.
    Url,
    /// (O) IP addresses.
    Ip,
    /// (P) biometric identifiers.
    Biometric,
    /// (Q) full-face photographs and comparable images.
    Photo,
    /// (R) any other unique identifying number, characteristic or code.
    OtherCode,
}

impl IdClass {
    /// Every class, in the order of the regulation.
    pub const ALL: [Self; 18] = [
        Self::Name,
        Self::Geography,
        Self::Date,
        Self::Phone,
        Self::Fax,
        Self::Email,
        Self::Ssn,
        Self::Mrn,
        Self::HealthPlan,
        Self::Account,
        Self::Licence,
        Self::Vehicle,
        Self::Device,
        Self::Url,
        Self::Ip,
        Self::Biometric,
        Self::Photo,
        Self::OtherCode,
    ];
}

/// The attack classes of issue 15 (0 = the Safe Harbor identifier baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attack {
    /// Every Safe Harbor identifier class in realistic resources (no special attack).
    Baseline,
    /// 1: system timestamps carry the date shift; dates after the export time.
    DateReadback,
    /// 1 (record times): `recordedDate` and `Attachment.creation` stamped at load time.
    RecordTimes,
    /// 2: ages over 89 outside `birthDate`/`Age`.
    AgesOver89,
    /// 3: kept values copied without looking at them.
    KeptValues,
    /// 4: reference URLs that are not `[base]/Type/id`.
    ReferenceUrls,
    /// 5: the outputs of two profiles can be linked.
    ProfileLinkage,
    /// 6: the leak gate: cross-resource values, Unicode case, substrings, availability.
    LeakGate,
    /// 7: input hygiene: BOM, accounting, file names, unknown resource types.
    InputHygiene,
}

impl Attack {
    /// Every class.
    pub const ALL: [Self; 9] = [
        Self::Baseline,
        Self::DateReadback,
        Self::RecordTimes,
        Self::AgesOver89,
        Self::KeptValues,
        Self::ReferenceUrls,
        Self::ProfileLinkage,
        Self::LeakGate,
        Self::InputHygiene,
    ];
}

/// One planted identifying value. It must not reach the de-identified side in any form the
/// scanner knows (folded text, digits-only, inside base64, in a file name, on stdout/stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planted {
    /// Its Safe Harbor class.
    pub class: IdClass,
    /// The attack that planted it.
    pub attack: Attack,
    /// Where it was put (a FHIR path, for the report; never the value).
    pub path: &'static str,
    /// The value itself.
    pub value: String,
}
