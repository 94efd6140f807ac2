//! People with every Safe Harbor identifier, each value planted as it is drawn.
//!
//! Names are built from syllables with diacritics (`Ünalçiçek`, `Bjørnsdóttir`) so that folding
//! matters and no name is a common word; numbers have 7+ digits so their digits-only forms are
//! distinctive.

use chrono::{Days, NaiveDate};
use rand::Rng;

use super::Gen;
use crate::plant::IdClass;

const SYLLABLES: [&str; 24] = [
    "ün", "al", "çi", "çek", "bjør", "nsdó", "ttir", "łu", "kasz", "žel", "ðor", "đe", "søm",
    "qua", "rix", "vell", "oak", "brim", "zant", "thorp", "ñez", "ïvo", "kirr", "yth",
];

/// 3-digit ZIP areas of 20,000 people or fewer (HHS Safe Harbor guidance, 2000 Census): Safe
/// Harbor lets none of them through.
pub const SPARSE_ZIP3: [&str; 17] = [
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878",
    "879", "884", "890", "893",
];

/// One person (patient, relative or practitioner) and their identifying values.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub given: String,
    pub family: String,
    pub birth: NaiveDate,
    pub mrn: String,
    pub ssn: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub url: String,
    pub street: String,
    pub city: String,
    pub zip: String,
    pub lat: f64,
    pub licence: String,
    pub passport: String,
    pub vin: String,
    pub plate: String,
    pub plan_id: String,
    pub account: String,
    pub ip: String,
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `s` folded to ASCII letters and capitalised (`Ünalçiçek` → `Unalcicek`): the spelling a
/// name takes where only ASCII passes (URL path parts, FHIR type names).
#[must_use]
pub fn ascii_name(s: &str) -> String {
    let a: String = crate::scan::fold::fold(s)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    capitalised(&a)
}

impl Gen {
    /// A name part of three syllables, capitalised, never shorter than 6 characters.
    pub fn name_part(&mut self) -> String {
        loop {
            let s: String = (0..3)
                .map(|_| SYLLABLES[self.rng.random_range(0..SYLLABLES.len())])
                .collect();
            if s.chars().count() >= 6 {
                return capitalised(&s);
            }
        }
    }

    /// A run of `n` random digits whose first digit is not 0.
    pub fn digits(&mut self, n: usize) -> String {
        let mut s = self.rng.random_range(1..=9u8).to_string();
        for _ in 1..n {
            s.push(char::from(b'0' + self.rng.random_range(0..=9u8)));
        }
        s
    }

    fn phone_number(&mut self) -> String {
        let d = self.digits(7);
        format!("({}) {}-{}", self.digits(3), &d[..3], &d[3..])
    }

    /// A person aged 20 to 80 at the export, every identifier planted.
    pub fn person(&mut self) -> Person {
        let (given, family) = (self.name_part(), self.name_part());
        let age_days = self.rng.random_range(20 * 366..80 * 365);
        let birth = self.export_date() - Days::new(age_days);
        let ssn = self.digits(9);
        let p = Person {
            id: self.uuid(),
            given: self.plant(IdClass::Name, "name.given", given.clone()),
            family: self.plant(IdClass::Name, "name.family", family.clone()),
            birth,
            mrn: self.plant_new(IdClass::Mrn, "identifier[MR].value", |g| {
                format!("E{}", g.digits(7))
            }),
            ssn: self.plant(
                IdClass::Ssn,
                "identifier[SS].value",
                format!("{}-{}-{}", &ssn[..3], &ssn[3..5], &ssn[5..]),
            ),
            phone: self.plant_new(IdClass::Phone, "telecom[phone]", Gen::phone_number),
            fax: self.plant_new(IdClass::Fax, "telecom[fax]", Gen::phone_number),
            email: self.plant(
                IdClass::Email,
                "telecom[email]",
                format!(
                    "{}.{}@mail.example.net",
                    given.to_lowercase(),
                    family.to_lowercase()
                ),
            ),
            url: self.plant(
                IdClass::Url,
                "telecom[url]",
                format!(
                    "https://www.{}-family.example.com/~{}",
                    family.to_lowercase(),
                    given.to_lowercase()
                ),
            ),
            street: self.plant_new(IdClass::Geography, "address.line", |g| {
                format!("{} {} Street", g.digits(3), g.name_part())
            }),
            city: self.plant_new(IdClass::Geography, "address.city", |g| {
                format!("{}ville", g.name_part())
            }),
            zip: self.plant_new(IdClass::Geography, "address.postalCode", |g| {
                let sparse = SPARSE_ZIP3[g.rng.random_range(0..SPARSE_ZIP3.len())];
                let zip3 = if g.rng.random_bool(0.5) {
                    sparse.to_owned()
                } else {
                    g.digits(3)
                };
                format!("{zip3}{}-{}", g.digits(2), g.digits(4))
            }),
            lat: 42.0 + f64::from(self.rng.random_range(1_000_000..9_999_999u32)) / 1e7,
            licence: self.plant_new(IdClass::Licence, "identifier[DL].value", |g| {
                format!("S{}", g.digits(8))
            }),
            passport: self.plant_new(IdClass::Licence, "identifier[PPN].value", |g| {
                format!("X{}", g.digits(8))
            }),
            vin: self.plant_new(IdClass::Vehicle, "vehicle VIN", |g| {
                format!("1HGCM{}A{}", g.digits(5), g.digits(6))
            }),
            plate: self.plant_new(IdClass::Vehicle, "vehicle plate", |g| {
                format!("{}-{}", g.name_part().to_uppercase(), g.digits(6))
            }),
            plan_id: self.plant_new(IdClass::HealthPlan, "Coverage.subscriberId", |g| {
                format!("MBR{}", g.digits(10))
            }),
            account: self.plant_new(IdClass::Account, "Account.identifier", |g| {
                format!("AC-{}", g.digits(9))
            }),
            ip: self.plant_new(IdClass::Ip, "network address", |g| {
                format!(
                    "10.{}.{}.{}",
                    g.rng.random_range(100..250u8),
                    g.rng.random_range(100..250u8),
                    g.rng.random_range(100..250u8)
                )
            }),
        };
        self.plant(
            IdClass::Geography,
            "address.position",
            format!("{:.7}", p.lat),
        );
        p
    }
}
