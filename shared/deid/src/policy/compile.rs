//! Compiles the TOML element tables into index-based rules the engine walks quickly.

use std::collections::{BTreeMap, HashMap};

use super::model::RulesFile;
use super::text::{TextElement, TextKind};
use crate::shape::CodeShape;

/// What to do with one element's value(s). Arrays are handled element-wise by the engine.
/// Every kept primitive has a shape (see the rules file's header and [`crate::shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Treat {
    Bool,
    Integer,
    Decimal,
    Time,
    /// A code of value set `n`.
    Code(u32),
    /// Coding.system / Quantity.system: a listed terminology.
    Terminology,
    /// Coding.code / Quantity.code: the shape of the sibling system's terminology.
    CodingCode,
    /// A URI of allow-list `n`.
    Uri(u32),
    ResourceType,
    UcumUnit,
    AgeUnit,
    MediaType,
    Bcp47,
    UsState,
    Country,
    SampledData,
    ExtUrl,
    Date,
    BirthDate,
    Zip,
    Age,
    Reference,
    Contained,
    Drop,
    /// A free-text element the profile sends to DLP (`[text]`): a placeholder, or dropped.
    Text(TextKind),
    /// Extension array filtered by URL through extension set `n`.
    Ext(u32),
    /// Complex type / backbone element `n`.
    Type(u32),
}

/// Elements kept by one type, with an open-addressing index by name (the walk looks up
/// every member of every kept object: one hash of a few bytes and one compare).
#[derive(Debug, Default)]
pub(crate) struct TypeRule {
    pub elements: Vec<(String, Treat)>,
    /// Slots (a power of two, at least twice the elements): element index + 1, 0 = empty.
    slots: Vec<u16>,
}

/// The slot hash of an element name: its length and up to four of its bytes (names of one
/// type differ early or late, rarely only in the middle).
fn name_hash(name: &[u8]) -> usize {
    let n = name.len();
    let at = |i: usize| usize::from(name.get(i).copied().unwrap_or(0));
    (n.wrapping_mul(0x9E37)
        ^ at(0).wrapping_mul(0x3B9)
        ^ at(1).wrapping_mul(0x1F)
        ^ at(n.wrapping_sub(1)).wrapping_mul(0x2C5)
        ^ at(n / 2))
    .wrapping_mul(0x9E37_79B9)
        >> 7
}

impl TypeRule {
    pub fn get(&self, name: &str) -> Option<Treat> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = name_hash(name.as_bytes()) & mask;
        loop {
            let e = usize::from(self.slots[i]).checked_sub(1)?;
            let (k, t) = &self.elements[e];
            if k == name {
                return Some(*t);
            }
            i = (i + 1) & mask;
        }
    }

    /// Builds the index (after the elements are final).
    fn index(&mut self) -> Result<(), String> {
        let size = (self.elements.len() * 2).next_power_of_two().max(4);
        self.slots = vec![0; size];
        for (e, (k, _)) in self.elements.iter().enumerate() {
            let mut i = name_hash(k.as_bytes()) & (size - 1);
            while self.slots[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            self.slots[i] = u16::try_from(e + 1).map_err(|_| "too many elements".to_owned())?;
        }
        Ok(())
    }
}

/// The compiled allow-list.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    pub types: Vec<TypeRule>,
    /// url -> type index, sorted.
    pub ext_sets: Vec<Vec<(String, u32)>>,
    /// resource type -> type index.
    pub resources: HashMap<String, u32>,
    pub restricted_zip3: Vec<String>,
    /// Value sets, each sorted.
    pub value_sets: Vec<Vec<String>>,
    /// URI allow-lists, each sorted.
    pub uri_sets: Vec<Vec<String>>,
    /// Exact terminology URIs, sorted, with their code shape.
    pub terminologies: Vec<(String, CodeShape)>,
    /// Terminology URI prefixes (keys ending in `*`).
    pub terminology_prefixes: Vec<(String, CodeShape)>,
    pub ucum_annotations: Vec<String>,
    /// `system|code` whose Observation value is an age / a birth date, sorted.
    pub age_codes: Vec<String>,
    pub birth_date_codes: Vec<String>,
    /// Type indices of `Age`, `AgeRange` and `Quantity` (coded ages are walked as Age).
    pub age_type: Option<u32>,
    pub age_range_type: Option<u32>,
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

fn in_sorted(set: &[String], s: &str) -> bool {
    set.binary_search_by(|k| k.as_str().cmp(s)).is_ok()
}

impl Rules {
    /// The code shape of a terminology URI, `None` when the policy does not know it.
    pub fn terminology(&self, system: &str) -> Option<CodeShape> {
        if let Ok(i) = self
            .terminologies
            .binary_search_by(|(k, _)| k.as_str().cmp(system))
        {
            return Some(self.terminologies[i].1);
        }
        self.terminology_prefixes
            .iter()
            .find(|(p, _)| {
                system.len() > p.len()
                    && system.starts_with(p.as_str())
                    && system[p.len()..]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .map(|(_, shape)| *shape)
    }

    /// True when `code` is in value set `set`.
    pub fn in_value_set(&self, set: u32, code: &str) -> bool {
        in_sorted(&self.value_sets[set as usize], code)
    }

    /// True when `uri` is in allow-list `set`.
    pub fn in_uri_set(&self, set: u32, uri: &str) -> bool {
        in_sorted(&self.uri_sets[set as usize], uri)
    }

    /// True when `system|code` names an age.
    pub fn is_age_code(&self, key: &str) -> bool {
        in_sorted(&self.age_codes, key)
    }

    /// True when `system|code` names a date of birth.
    pub fn is_birth_date_code(&self, key: &str) -> bool {
        in_sorted(&self.birth_date_codes, key)
    }

    pub fn ext_type(&self, set: u32, url: &str) -> Option<u32> {
        let s = &self.ext_sets[set as usize];
        s.binary_search_by(|(k, _)| k.as_str().cmp(url))
            .ok()
            .map(|i| s[i].1)
    }
}

fn index<'a>(names: impl Iterator<Item = &'a String>) -> HashMap<&'a str, u32> {
    names
        .enumerate()
        .map(|(i, n)| (n.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect()
}

/// Compiles, with the profile's text elements (checked by [`super::text::text_elements`]);
/// the error is a schema message (no data).
pub(crate) fn compile(file: &RulesFile, text: &[TextElement]) -> Result<Rules, String> {
    // Type namespace: resources first, then named types.
    let mut all: BTreeMap<String, &BTreeMap<String, String>> = BTreeMap::new();
    for (name, t) in &file.types {
        all.insert(name.clone(), t);
    }
    for (name, t) in &file.resources {
        if all.insert(format!("resource:{name}"), t).is_some() {
            return Err(format!("duplicate resource {name}"));
        }
    }
    let type_idx = index(all.keys());
    let set_idx = index(file.extension_sets.keys());
    let vs_idx = index(file.value_sets.keys());
    let uri_idx = index(file.uri_sets.keys());

    let treat_of =
        |owner: &str, elem: &str, spec: &str| -> Result<Treat, String> {
            Ok(match spec {
                "boolean" => Treat::Bool,
                "integer" => Treat::Integer,
                "decimal" => Treat::Decimal,
                "time" => Treat::Time,
                "terminology" => Treat::Terminology,
                "coding-code" => Treat::CodingCode,
                "resource-type" => Treat::ResourceType,
                "ucum-unit" => Treat::UcumUnit,
                "age-unit" => Treat::AgeUnit,
                "media-type" => Treat::MediaType,
                "bcp47" => Treat::Bcp47,
                "us-state" => Treat::UsState,
                "country" => Treat::Country,
                "sampled-data" => Treat::SampledData,
                "ext-url" => Treat::ExtUrl,
                "date" => Treat::Date,
                "birthdate" => Treat::BirthDate,
                "zip" => Treat::Zip,
                "age" => Treat::Age,
                "reference" => Treat::Reference,
                "contained" => Treat::Contained,
                "drop" => Treat::Drop,
                s => {
                    if let Some(set) = s.strip_prefix("code:") {
                        Treat::Code(
                            *vs_idx.get(set).ok_or_else(|| {
                                format!("{owner}.{elem}: unknown value set {set:?}")
                            })?,
                        )
                    } else if let Some(set) = s.strip_prefix("uri:") {
                        Treat::Uri(
                            *uri_idx.get(set).ok_or_else(|| {
                                format!("{owner}.{elem}: unknown uri set {set:?}")
                            })?,
                        )
                    } else if let Some(set) = s.strip_prefix("ext:") {
                        Treat::Ext(*set_idx.get(set).ok_or_else(|| {
                            format!("{owner}.{elem}: unknown extension set {set:?}")
                        })?)
                    } else {
                        Treat::Type(*type_idx.get(s).ok_or_else(|| {
                            format!("{owner}.{elem}: unknown treatment or type {s:?}")
                        })?)
                    }
                }
            })
        };

    let mut rules = Rules::default();
    for (owner, elements) in &all {
        let mut rule = TypeRule::default();
        for (elem, spec) in *elements {
            if matches!(
                elem.as_str(),
                "id" | "meta" | "resourceType" | "text" | "modifierExtension"
            ) && owner.starts_with("resource:")
            {
                return Err(format!(
                    "{owner}.{elem}: handled by the engine, must not be listed"
                ));
            }
            rule.elements
                .push((elem.clone(), treat_of(owner, elem, spec)?));
        }
        for (_, elem, kind) in text.iter().filter(|(o, _, _)| o == owner) {
            rule.elements.push((elem.clone(), Treat::Text(*kind)));
        }
        rule.elements.sort_by(|a, b| a.0.cmp(&b.0));
        rule.index()?;
        rules.types.push(rule);
    }
    for urls in file.extension_sets.values() {
        let mut set = Vec::new();
        for (url, ty) in urls {
            let idx = *type_idx
                .get(ty.as_str())
                .ok_or_else(|| format!("extension {url}: unknown type {ty:?}"))?;
            set.push((url.clone(), idx));
        }
        set.sort_by(|a, b| a.0.cmp(&b.0));
        rules.ext_sets.push(set);
    }
    for name in file.resources.keys() {
        rules
            .resources
            .insert(name.clone(), type_idx[format!("resource:{name}").as_str()]);
    }
    rules
        .restricted_zip3
        .clone_from(&file.zip.restricted_prefixes);
    compile_vocab(file, &mut rules)?;
    rules.age_type = type_idx.get("Age").copied();
    rules.age_range_type = type_idx.get("AgeRange").copied();
    for p in &rules.restricted_zip3 {
        if p.len() != 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("zip.restricted_prefixes: {p:?} is not 3 digits"));
        }
    }
    Ok(rules)
}

/// Value sets, URI sets, terminologies, UCUM annotations and age codes.
fn compile_vocab(file: &RulesFile, rules: &mut Rules) -> Result<(), String> {
    rules.value_sets = file.value_sets.values().map(|v| sorted(v)).collect();
    rules.uri_sets = file.uri_sets.values().map(|v| sorted(v)).collect();
    for (uri, shape) in &file.terminologies {
        let shape = CodeShape::parse(shape)
            .ok_or_else(|| format!("terminologies.{uri}: unknown code shape {shape:?}"))?;
        match uri.strip_suffix('*') {
            Some(prefix) => rules.terminology_prefixes.push((prefix.to_owned(), shape)),
            None => rules.terminologies.push((uri.clone(), shape)),
        }
    }
    rules.terminologies.sort_by(|a, b| a.0.cmp(&b.0));
    rules.ucum_annotations.clone_from(&file.ucum.annotations);
    rules.age_codes = sorted(&file.ages.codes);
    rules.birth_date_codes = sorted(&file.ages.birth_date_codes);
    for key in rules.age_codes.iter().chain(&rules.birth_date_codes) {
        if !key.contains('|') {
            return Err(format!("ages: {key:?} is not system|code"));
        }
    }
    Ok(())
}
