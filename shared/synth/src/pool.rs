//! The shared pool: practitioners, organizations and locations every patient refers to.
//!
//! The pool depends only on the seed (RNG stream 0), so it is identical whatever the number of
//! patients, and patients can be generated independently (and in parallel) against it.

use rand::Rng;
use serde_json::{Value, json};

use crate::planted::{Planted, PlantedKind};
use crate::rng::{RngExt, epoch_of, fmt_datetime, stream_rng};
use crate::values::{coding, concept};
use crate::vocab::people::{self, PLACES, Place};
use crate::vocab::system;

/// Practitioners in the pool.
pub const PRACTITIONERS: usize = 24;
/// Organizations in the pool.
pub const ORGANIZATIONS: usize = 8;
/// Locations in the pool (each managed by an organization).
pub const LOCATIONS: usize = 12;

/// A pool practitioner.
#[derive(Debug, Clone)]
pub struct PoolPractitioner {
    /// Resource id.
    pub id: String,
    /// `Dr. Given Family`, used as `Reference.display`.
    pub display: String,
    /// Given name (used in notes).
    pub given: String,
    /// Family name (used in note signatures).
    pub family: String,
}

/// A pool organization or location.
#[derive(Debug, Clone)]
pub struct PoolEntity {
    /// Resource id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// The shared pool and its resources.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Practitioners.
    pub practitioners: Vec<PoolPractitioner>,
    /// Organizations.
    pub organizations: Vec<PoolEntity>,
    /// Locations (location `i` belongs to organization `i % ORGANIZATIONS`).
    pub locations: Vec<PoolEntity>,
    /// The FHIR resources (Organizations, Locations, Practitioners).
    pub resources: Vec<Value>,
    /// Identifying values planted in the pool resources.
    pub planted: Vec<Planted>,
}

/// An address with planted line, city and postal code.
pub(crate) fn address(
    rng: &mut impl Rng,
    place: &Place,
    address_use: &str,
    planted: &mut Vec<Planted>,
    holder: (&str, &str),
) -> Value {
    let mut lines = vec![format!(
        "{} {}",
        rng.random_range(1..9999),
        rng.pick(people::STREETS)
    )];
    if rng.chance(0.2) {
        lines.push((*rng.pick(people::UNITS)).to_owned());
    }
    for line in &lines {
        planted.push(Planted::new(
            PlantedKind::AddressLine,
            line.as_str(),
            holder.0,
            holder.1,
        ));
    }
    planted.push(Planted::new(
        PlantedKind::City,
        place.city,
        holder.0,
        holder.1,
    ));
    planted.push(Planted::new(
        PlantedKind::PostalCode,
        place.zip,
        holder.0,
        holder.1,
    ));
    json!({
        "use": address_use, "line": lines, "city": place.city, "state": place.state,
        "postalCode": place.zip, "country": "US",
    })
}

/// A phone number in the fictional 555-01xx range, formatted `NNN-555-01NN`.
pub(crate) fn phone(rng: &mut impl Rng) -> String {
    format!(
        "{}-555-01{:02}",
        rng.random_range(201..990),
        rng.random_range(0..100)
    )
}

/// A 10-digit NPI-shaped number (not Luhn-checked).
fn npi(rng: &mut impl Rng) -> String {
    format!("{}{}", rng.random_range(1..3), rng.digits(9))
}

impl Pool {
    /// Builds the pool of `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = stream_rng(seed, 0);
        let mut planted = Vec::new();
        let mut resources = Vec::new();
        let created = epoch_of(2015, 1, 1);
        let meta = |rng: &mut rand_chacha::ChaCha8Rng| {
            let t = created + rng.random_range(0..365 * 86_400);
            json!({ "versionId": rng.uuid(), "lastUpdated": fmt_datetime(t) })
        };
        let mut organizations = Vec::new();
        for i in 0..ORGANIZATIONS {
            let id = rng.uuid();
            let place = &PLACES[(i * 5) % PLACES.len()];
            let name = format!(
                "{} {}",
                place.city,
                people::ORG_SUFFIXES[i % people::ORG_SUFFIXES.len()]
            );
            let holder = ("Organization", id.as_str());
            let addr = address(&mut rng, place, "work", &mut planted, holder);
            let tel = phone(&mut rng);
            let n = npi(&mut rng);
            planted.push(Planted::new(
                PlantedKind::Phone,
                tel.as_str(),
                holder.0,
                holder.1,
            ));
            planted.push(Planted::new(
                PlantedKind::Npi,
                n.as_str(),
                holder.0,
                holder.1,
            ));
            resources.push(json!({
                "resourceType": "Organization", "id": id, "meta": meta(&mut rng),
                "identifier": [{ "system": system::NPI, "value": n }],
                "active": true,
                "type": [concept("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")],
                "name": name,
                "telecom": [{ "system": "phone", "value": tel, "use": "work" }],
                "address": [addr],
            }));
            organizations.push(PoolEntity { id, name });
        }
        let mut locations = Vec::new();
        for i in 0..LOCATIONS {
            let id = rng.uuid();
            let org = &organizations[i % ORGANIZATIONS];
            let place = &PLACES[(i * 7 + 3) % PLACES.len()];
            let name = format!("{} - {} Campus", org.name, place.city);
            let holder = ("Location", id.as_str());
            let addr = address(&mut rng, place, "work", &mut planted, holder);
            let lat = crate::values::round(place.lat + rng.random_range(-0.02..0.02), 4);
            let lon = crate::values::round(place.lon + rng.random_range(-0.02..0.02), 4);
            planted.push(Planted::new(
                PlantedKind::Geolocation,
                format!("{lat},{lon}"),
                holder.0,
                holder.1,
            ));
            resources.push(json!({
                "resourceType": "Location", "id": id, "meta": meta(&mut rng),
                "status": "active", "name": name, "mode": "instance",
                "type": [concept("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "HOSP", "Hospital")],
                "address": addr,
                "position": { "longitude": lon, "latitude": lat },
                "managingOrganization": { "reference": format!("Organization/{}", org.id) },
            }));
            locations.push(PoolEntity { id, name });
        }
        let mut practitioners = Vec::new();
        for i in 0..PRACTITIONERS {
            let id = rng.uuid();
            let female = rng.chance(0.5);
            let given = *rng.pick(if female {
                people::GIVEN_FEMALE
            } else {
                people::GIVEN_MALE
            });
            let family = *rng.pick(people::FAMILY);
            let holder = ("Practitioner", id.as_str());
            for v in [given, family] {
                planted.push(Planted::new(
                    PlantedKind::PractitionerName,
                    v,
                    holder.0,
                    holder.1,
                ));
            }
            let place = &PLACES[(i * 3) % PLACES.len()];
            let addr = address(&mut rng, place, "work", &mut planted, holder);
            let tel = phone(&mut rng);
            let email = format!(
                "{}.{}@hospital.example.org",
                given.to_lowercase(),
                family.to_lowercase()
            );
            let n = npi(&mut rng);
            planted.push(Planted::new(
                PlantedKind::Phone,
                tel.as_str(),
                holder.0,
                holder.1,
            ));
            planted.push(Planted::new(
                PlantedKind::Email,
                email.as_str(),
                holder.0,
                holder.1,
            ));
            planted.push(Planted::new(
                PlantedKind::Npi,
                n.as_str(),
                holder.0,
                holder.1,
            ));
            let (qcode, qdisplay) = *rng.pick(people::QUALIFICATIONS);
            resources.push(json!({
                "resourceType": "Practitioner", "id": id, "meta": meta(&mut rng),
                "identifier": [{
                    "type": { "coding": [coding(system::V2_0203, "NPI", "National provider identifier")] },
                    "system": system::NPI, "value": n,
                }],
                "active": true,
                "name": [{ "use": "official", "family": family, "given": [given], "prefix": [people::PREFIX_DOCTOR] }],
                "telecom": [
                    { "system": "phone", "value": tel, "use": "work" },
                    { "system": "email", "value": email, "use": "work" },
                ],
                "address": [addr],
                "gender": if female { "female" } else { "male" },
                "qualification": [{ "code": concept("http://terminology.hl7.org/CodeSystem/v2-0360", qcode, qdisplay) }],
            }));
            practitioners.push(PoolPractitioner {
                id,
                display: format!("{} {given} {family}", people::PREFIX_DOCTOR),
                given: given.to_owned(),
                family: family.to_owned(),
            });
        }
        Self {
            practitioners,
            organizations,
            locations,
            resources,
            planted,
        }
    }
}
