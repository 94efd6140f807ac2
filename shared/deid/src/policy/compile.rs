//! Compiles the TOML element tables into index-based rules the engine walks quickly.

use std::collections::{BTreeMap, HashMap};

use super::model::RulesFile;

/// What to do with one element's value(s). Arrays are handled element-wise by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Treat {
    Keep,
    Date,
    BirthDate,
    Zip,
    Age,
    Reference,
    Contained,
    Drop,
    /// Extension array filtered by URL through extension set `n`.
    Ext(u32),
    /// Complex type / backbone element `n`.
    Type(u32),
}

/// Elements kept by one type, sorted by name for binary search.
#[derive(Debug, Default)]
pub(crate) struct TypeRule {
    pub elements: Vec<(String, Treat)>,
}

impl TypeRule {
    pub fn get(&self, name: &str) -> Option<Treat> {
        self.elements
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .map(|i| self.elements[i].1)
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
}

impl Rules {
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

/// Compiles; the error is a schema message (no data).
pub(crate) fn compile(file: &RulesFile) -> Result<Rules, String> {
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

    let treat_of =
        |owner: &str, elem: &str, spec: &str| -> Result<Treat, String> {
            Ok(match spec {
                "keep" => Treat::Keep,
                "date" => Treat::Date,
                "birthdate" => Treat::BirthDate,
                "zip" => Treat::Zip,
                "age" => Treat::Age,
                "reference" => Treat::Reference,
                "contained" => Treat::Contained,
                "drop" => Treat::Drop,
                s => {
                    if let Some(set) = s.strip_prefix("ext:") {
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
        rule.elements.sort_by(|a, b| a.0.cmp(&b.0));
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
    for p in &rules.restricted_zip3 {
        if p.len() != 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("zip.restricted_prefixes: {p:?} is not 3 digits"));
        }
    }
    Ok(rules)
}
