//! The planted-identifier list: every identifying value the generator wrote, and where.
//!
//! The list is the ground truth for leak tests: after de-identification none of these values may
//! appear in the de-ID zone. It is written next to the NDJSON as `planted-identifiers.json`
//! (deliberately not `*.ndjson`, so pipelines that pick up NDJSON never read it).

use serde::{Deserialize, Serialize};

/// What kind of identifier a planted value is.
///
/// Serialized in `snake_case` (`postal_code`, `mothers_maiden_name`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlantedKind {
    /// A patient or contact `HumanName` part (given or family), or a patient `Reference.display`.
    Name,
    /// One `Address.line` entry.
    AddressLine,
    /// `Address.city`.
    City,
    /// `Address.postalCode` (five digits).
    PostalCode,
    /// A phone `ContactPoint.value`.
    Phone,
    /// An email `ContactPoint.value`.
    Email,
    /// Medical record number (`Identifier.value`, system `http://hospital.example.org/mrn`).
    Mrn,
    /// Social Security number (`http://hl7.org/fhir/sid/us-ssn`).
    Ssn,
    /// Driver's licence number.
    DriversLicense,
    /// `Patient.birthDate`.
    BirthDate,
    /// `Patient.deceasedDateTime`.
    DeceasedDate,
    /// `patient-mothersMaidenName` extension value.
    MothersMaidenName,
    /// City of the `patient-birthPlace` extension address.
    BirthPlace,
    /// `"lat,lon"` of a geolocation extension or `Location.position` (Rust `f64` display).
    Geolocation,
    /// A substring of free text (note, conclusion, attachment) that identifies a person or date;
    /// [`Planted::part`] says what it is.
    NoteFragment,
    /// A practitioner `HumanName` part or a practitioner `Reference.display`.
    PractitionerName,
    /// National Provider Identifier of a practitioner or organization.
    Npi,
    /// Claim number (`Claim.identifier`).
    ClaimNumber,
    /// Payer member id (`Claim.insurance.coverage.identifier`).
    MemberId,
    /// A date in free text other than the birth date (visit, last visit, signature): only as a
    /// [`Planted::part`].
    Date,
    /// An age over 89 in free text (`93-year-old`): only as a [`Planted::part`].
    Age,
}

/// One planted value and the resource that holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Planted {
    /// What the value is.
    pub kind: PlantedKind,
    /// The exact string as it appears in the resource (or, for geolocation, `"lat,lon"`).
    pub value: String,
    /// `resourceType` of the holder.
    pub resource_type: String,
    /// `id` of the holder.
    pub id: String,
    /// For a [`PlantedKind::NoteFragment`]: what the fragment is (`name` of the patient or a
    /// relative, `practitioner_name`, `mrn`, `phone`, `birth_date`, `date`, `address_line`,
    /// `city`, `postal_code`, `age`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<PlantedKind>,
}

impl Planted {
    /// A planted value held by `resource_type/id`.
    pub fn new(kind: PlantedKind, value: impl Into<String>, resource_type: &str, id: &str) -> Self {
        Self {
            kind,
            value: value.into(),
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
            part: None,
        }
    }

    /// A fragment of free text held by `resource_type/id`, that is a `part`.
    pub fn fragment(
        part: PlantedKind,
        value: impl Into<String>,
        resource_type: &str,
        id: &str,
    ) -> Self {
        Self {
            part: Some(part),
            ..Self::new(PlantedKind::NoteFragment, value, resource_type, id)
        }
    }
}

/// The content of `planted-identifiers.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlantedList {
    /// Seed the export was generated with.
    pub seed: u64,
    /// Number of patients.
    pub patients: u64,
    /// Every planted value, in generation order (pool first, then patient by patient).
    pub identifiers: Vec<Planted>,
}

impl PlantedList {
    /// Reads a `planted-identifiers.json` file.
    ///
    /// # Errors
    /// I/O errors and JSON that does not match the schema.
    pub fn read(path: &std::path::Path) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

/// Planted values looked up in free text the way leak tests count a survivor: as whole words
/// (no letter or digit on either side), ignoring case ("Mary" is not in "summary", "MARY" is
/// "Mary"). All values at once, in time linear in the text: every span that starts and ends at a
/// word boundary and is no longer than the longest value is looked up.
#[derive(Debug, Clone, Default)]
pub struct WordSet {
    values: std::collections::HashMap<String, Vec<usize>>,
    longest: usize,
}

impl WordSet {
    /// The set of `values` (their positions in the iteration are what [`WordSet::found_in`]
    /// returns; empty values are never found).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Self::default();
        for (i, v) in values.into_iter().enumerate() {
            let v = v.trim().to_lowercase();
            if v.is_empty() {
                continue;
            }
            set.longest = set.longest.max(v.len());
            set.values.entry(v).or_default().push(i);
        }
        set
    }

    /// Positions of the values found in `text`, sorted.
    #[must_use]
    pub fn found_in(&self, text: &str) -> Vec<usize> {
        let lower = text.to_lowercase();
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let bounds: Vec<usize> = lower
            .char_indices()
            .map(|(i, _)| i)
            .chain([lower.len()])
            .collect();
        let mut found = std::collections::BTreeSet::new();
        for (n, &start) in bounds.iter().enumerate() {
            if alnum(lower[..start].chars().next_back()) {
                continue;
            }
            for &end in bounds[n + 1..]
                .iter()
                .take_while(|&&e| e - start <= self.longest)
            {
                if !alnum(lower[end..].chars().next())
                    && let Some(hits) = self.values.get(&lower[start..end])
                {
                    found.extend(hits.iter().copied());
                }
            }
        }
        found.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::WordSet;

    #[test]
    fn whole_words_ignoring_case() {
        let set = WordSet::new([
            "Mary",
            "2024-01-02",
            "Sum",
            "2024-01-0",
            "",
            "Ann Lee",
            "(555) 0100",
        ]);
        let text = "Summary for MARY, seen 2024-01-02 with ann  lee; ANN LEE, tel (555) 0100.";
        assert_eq!(set.found_in(text), vec![0, 1, 5, 6]);
        assert!(set.found_in("").is_empty());
    }
}
