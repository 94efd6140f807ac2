//! The Patient resource: names, addresses with geolocation, telecom, identifiers, US Core
//! extensions, birth and death.

use rand::Rng;
use serde_json::{Value, json};

use crate::fhir::{Ctx, PatientFacts, coding, concept, round};
use crate::planted::PlantedKind as K;
use crate::pool::{address, phone};
use crate::rng::{DAY, RngExt, YEAR, clinic_time, fmt_date, fmt_datetime};
use crate::vocab::codes::{ETHNICITIES, MARITAL, RACES};
use crate::vocab::people::{self, PLACES};
use crate::vocab::system;

const SD: &str = "http://hl7.org/fhir/StructureDefinition";
const US_CORE: &str = "http://hl7.org/fhir/us/core/StructureDefinition";

/// Patients with `index % OVER_89_EVERY == OVER_89_AT` are older than 89 at export time.
pub const OVER_89_EVERY: u64 = 10;
const OVER_89_AT: u64 = 3;
/// Patients with `index % DECEASED_EVERY == DECEASED_AT` are deceased.
pub const DECEASED_EVERY: u64 = 8;
const DECEASED_AT: u64 = 5;

/// Chooses the patient's facts (birth, death, sex) from its index and RNG.
fn facts(ctx: &mut Ctx<'_>, index: u64) -> PatientFacts {
    let rng = &mut ctx.rng;
    let deceased = index % DECEASED_EVERY == DECEASED_AT;
    let age_years = if index % OVER_89_EVERY == OVER_89_AT {
        rng.random_range(90..=104)
    } else if deceased {
        rng.random_range(40..100)
    } else if rng.chance(0.15) {
        rng.random_range(0..18)
    } else {
        rng.random_range(18..90)
    };
    let birth = ctx.now - age_years * YEAR - rng.random_range(0..YEAR);
    let birth = birth.div_euclid(DAY) * DAY;
    let death = deceased.then(|| {
        let earliest = (birth + 20 * YEAR)
            .max(ctx.now - 8 * YEAR)
            .min(ctx.now - 60 * DAY);
        let day = rng.random_range(earliest..ctx.now - 30 * DAY);
        clinic_time(rng, day)
    });
    PatientFacts {
        birth,
        death,
        female: rng.chance(0.52),
        ..PatientFacts::default()
    }
}

fn ext_code(url: &str, system_: &str, (code, display): (&str, &str)) -> Value {
    json!({ "url": url, "extension": [
        { "url": "ombCategory", "valueCoding": coding(system_, code, display) },
        { "url": "text", "valueString": display },
    ]})
}

/// Generates the Patient resource of patient `index` into `ctx` and fills `ctx.patient`.
pub fn patient(ctx: &mut Ctx<'_>, index: u64) {
    let mut f = facts(ctx, index);
    let id = ctx.rng.uuid();
    let h = ("Patient", id.as_str());
    let rng = &mut ctx.rng;
    let mut planted = Vec::new();
    let mut plant = |k: K, v: &str| planted.push(crate::planted::Planted::new(k, v, h.0, h.1));

    let given_pool = if f.female {
        people::GIVEN_FEMALE
    } else {
        people::GIVEN_MALE
    };
    let given = *rng.pick(given_pool);
    let middle = *rng.pick(given_pool);
    let family = *rng.pick(people::FAMILY);
    let prefix = *rng.pick(if f.female {
        people::PREFIX_FEMALE
    } else {
        people::PREFIX_MALE
    });
    for v in [given, middle, family] {
        plant(K::Name, v);
    }
    let mut names = vec![json!({
        "use": "official", "family": family, "given": [given, middle], "prefix": [prefix],
    })];
    let adult = ctx.now - f.birth > 18 * YEAR;
    let (mcode, mdisplay) = if adult {
        *rng.pick(MARITAL)
    } else {
        MARITAL[1]
    };
    if f.female && mcode != "S" && rng.chance(0.6) {
        let maiden = *rng.pick(people::FAMILY);
        plant(K::Name, maiden);
        names.push(json!({ "use": "maiden", "family": maiden, "given": [given] }));
    }

    let mrn = format!("MRN{}", rng.digits(8));
    let ssn = format!("999-{}-{}", rng.digits(2), rng.digits(4));
    let dl = format!("S{}", rng.digits(8));
    plant(K::Mrn, &mrn);
    plant(K::Ssn, &ssn);
    let mut identifiers = vec![
        json!({ "use": "usual", "type": { "coding": [coding(system::V2_0203, "MR", "Medical Record Number")] },
                "system": system::MRN, "value": mrn }),
        json!({ "type": { "coding": [coding(system::V2_0203, "SS", "Social Security Number")] },
                "system": system::SSN, "value": ssn }),
    ];
    if adult {
        plant(K::DriversLicense, &dl);
        identifiers.push(json!({
            "type": { "coding": [coding(system::V2_0203, "DL", "Driver's license number")] },
            "system": "urn:oid:2.16.840.1.113883.4.3.25", "value": dl,
        }));
    }

    let tel = phone(rng);
    let mobile = phone(rng);
    let email = format!(
        "{}.{}{}@example.com",
        given.to_lowercase(),
        family.to_lowercase(),
        rng.random_range(1..100)
    );
    plant(K::Phone, &tel);
    plant(K::Phone, &mobile);
    plant(K::Email, &email);

    let place = *rng.pick(PLACES);
    let mut addr = address(rng, &place, "home", &mut planted, h);
    let lat = round(place.lat + rng.random_range(-0.03..0.03), 4);
    let lon = round(place.lon + rng.random_range(-0.03..0.03), 4);
    planted.push(crate::planted::Planted::new(
        K::Geolocation,
        format!("{lat},{lon}"),
        h.0,
        h.1,
    ));
    addr["extension"] = json!([{ "url": format!("{SD}/geolocation"), "extension": [
        { "url": "latitude", "valueDecimal": lat }, { "url": "longitude", "valueDecimal": lon },
    ]}]);
    addr["period"] =
        json!({ "start": fmt_date(f.birth + rng.random_range(0..(ctx.now - f.birth).max(1))) });
    let mut plant = |k: K, v: &str| planted.push(crate::planted::Planted::new(k, v, h.0, h.1));

    let mothers_maiden = *rng.pick(people::FAMILY);
    plant(K::MothersMaidenName, mothers_maiden);
    let birth_place = *rng.pick(PLACES);
    plant(K::BirthPlace, birth_place.city);
    let birth_date = fmt_date(f.birth);
    plant(K::BirthDate, &birth_date);

    let contact_given = *rng.pick(people::GIVEN_FEMALE);
    let contact_family = if rng.chance(0.7) {
        family
    } else {
        *rng.pick(people::FAMILY)
    };
    let contact_tel = phone(rng);
    plant(K::Name, contact_given);
    plant(K::Name, contact_family);
    plant(K::Phone, &contact_tel);

    let (lang, lang_display) = *rng.pick(people::LANGUAGES);
    let race = *rng.pick(RACES);
    let ethnicity = *rng.pick(ETHNICITIES);
    let mut r = json!({
        "resourceType": "Patient", "id": id,
        "meta": { "versionId": rng.uuid(), "lastUpdated": fmt_datetime(ctx.now - rng.random_range(DAY..400 * DAY)) },
        "extension": [
            ext_code(&format!("{US_CORE}/us-core-race"), "urn:oid:2.16.840.1.113883.6.238", race),
            ext_code(&format!("{US_CORE}/us-core-ethnicity"), "urn:oid:2.16.840.1.113883.6.238", ethnicity),
            { "url": format!("{US_CORE}/us-core-birthsex"), "valueCode": if f.female { "F" } else { "M" } },
            { "url": format!("{SD}/patient-mothersMaidenName"), "valueString": mothers_maiden },
            { "url": format!("{SD}/patient-birthPlace"), "valueAddress": {
                "city": birth_place.city, "state": birth_place.state, "country": "US" } },
        ],
        "identifier": identifiers,
        "active": true,
        "name": names,
        "telecom": [
            { "system": "phone", "value": tel, "use": "home" },
            { "system": "phone", "value": mobile, "use": "mobile", "rank": 1 },
            { "system": "email", "value": email },
        ],
        "gender": if f.female { "female" } else { "male" },
        "birthDate": birth_date,
        "address": [addr],
        "maritalStatus": concept("http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", mcode, mdisplay),
        "multipleBirthBoolean": false,
        "contact": [{
            "relationship": [concept("http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact")],
            "name": { "use": "usual", "family": contact_family, "given": [contact_given] },
            "telecom": [{ "system": "phone", "value": contact_tel }],
        }],
        "communication": [{ "language": concept("urn:ietf:bcp:47", lang, lang_display), "preferred": true }],
    });
    if let Some(death) = f.death {
        let d = fmt_datetime(death);
        plant(K::DeceasedDate, &d);
        r["deceasedDateTime"] = json!(d);
        r["active"] = json!(false);
    }
    let org = rng.random_range(0..ctx.pool.organizations.len());
    let gp = rng.random_range(0..ctx.pool.practitioners.len());
    r["managingOrganization"] =
        json!({ "reference": format!("Organization/{}", ctx.pool.organizations[org].id) });
    ctx.planted.extend(planted);
    r["generalPractitioner"] = json!([ctx.practitioner_ref(gp, h)]);
    f.id = id.clone();
    f.mrn = mrn;
    f.given = given.to_owned();
    f.family = family.to_owned();
    f.phone = tel;
    f.address = [
        r["address"][0]["line"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        place.city.to_owned(),
        place.state.to_owned(),
        place.zip.to_owned(),
    ];
    f.contact = [
        contact_given.to_owned(),
        contact_family.to_owned(),
        contact_tel,
    ];
    ctx.patient = f;
    ctx.out.push(&r);
}
