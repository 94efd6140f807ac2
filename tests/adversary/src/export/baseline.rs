//! The baseline population: each person's resources in the shapes Synthea, Medplum and Epic
//! exports hold them, carrying every Safe Harbor identifier class. Clinical dates are 2+ years
//! old and everyone is 20 to 80, so only the attack classes touch recent dates and old ages.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::Gen;
use super::person::Person;
use crate::plant::IdClass;

const UCUM: &str = "http://unitsofmeasure.org";
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

fn ident(code: &str, system: &str, value: &str) -> Value {
    json!({"type": {"coding": [{"system": V2_0203, "code": code}], "text": code},
           "system": system, "value": value})
}

impl Gen {
    /// `meta` as exports carry it; `lastUpdated` only where the date attack is planted.
    pub fn meta(&mut self) -> Value {
        if self.attack == crate::plant::Attack::DateReadback {
            json!({"versionId": "1", "lastUpdated": self.system_instant()})
        } else {
            json!({"versionId": "1"})
        }
    }

    /// `n` patients with their records, plus one practitioner and organisation; returns the
    /// patients.
    pub fn population(&mut self, n: usize) -> Vec<Person> {
        let doc = self.person();
        let org = self.uuid();
        let r = json!({"resourceType": "Organization", "id": org, "meta": self.meta(),
            "identifier": [{"system": "https://github.com/synthetichealth/synthea", "value": self.uuid()}],
            "name": format!("{} Family Practice", doc.family), "telecom": [{"system": "phone", "value": doc.phone}],
            "address": [{"line": [doc.street], "city": doc.city, "state": "MA", "postalCode": doc.zip, "country": "US"}]});
        self.add(r);
        let npi = self.plant_new(IdClass::Licence, "Practitioner.identifier[NPI]", |g| {
            g.digits(10)
        });
        let r = json!({"resourceType": "Practitioner", "id": doc.id, "meta": self.meta(),
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": npi}],
            "name": [{"family": doc.family, "given": [doc.given], "prefix": ["Dr."]}],
            "telecom": [{"system": "email", "value": doc.email, "use": "work"}],
            "address": [{"line": [doc.street], "city": doc.city, "state": "MA", "postalCode": doc.zip}],
            "gender": "female"});
        self.add(r);
        (0..n).map(|_| self.record(&doc.id, &org)).collect()
    }

    fn record(&mut self, doc: &str, org: &str) -> Person {
        let p = self.person();
        self.patient(&p, doc, org);
        self.related(&p);
        self.payer(&p, org);
        for _ in 0..2 {
            let enc = self.encounter(&p, doc, org);
            self.clinical_records(&p, &enc);
        }
        self.device(&p);
        self.biometrics(&p);
        p
    }

    fn patient(&mut self, p: &Person, doc: &str, org: &str) {
        let photo = self.plant(IdClass::Photo, "Patient.photo.data", {
            let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
            jpeg.extend_from_slice(format!("Exif portrait of {} {}", p.given, p.family).as_bytes());
            B64.encode(jpeg)
        });
        let mother = self.plant_new(IdClass::Name, "mothersMaidenName", |g| g.name_part());
        let r = json!({"resourceType": "Patient", "id": p.id, "meta": self.meta(),
            "text": {"status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{} {}</div>", p.given, p.family)},
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName", "valueString": format!("{mother} {}", p.family)},
                {"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress": {"city": p.city, "state": "Massachusetts", "country": "US"}},
                {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [
                    {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3", "display": "White"}},
                    {"url": "text", "valueString": format!("{} family", p.family)}]}],
            "identifier": [
                {"system": "https://github.com/synthetichealth/synthea", "value": p.id},
                ident("MR", "http://hospital.smarthealthit.org", &p.mrn),
                ident("SS", "http://hl7.org/fhir/sid/us-ssn", &p.ssn),
                ident("DL", "urn:oid:2.16.840.1.113883.4.3.25", &p.licence),
                ident("PPN", "http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber", &p.passport),
                {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14", "value": p.vin}],
            "name": [{"use": "official", "family": p.family, "given": [p.given], "prefix": ["Mx."]}],
            "telecom": [{"system": "phone", "value": p.phone, "use": "home"}, {"system": "fax", "value": p.fax},
                        {"system": "email", "value": p.email}, {"system": "url", "value": p.url}],
            "gender": "male", "birthDate": p.birth.format("%Y-%m-%d").to_string(),
            "address": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/geolocation", "extension": [
                    {"url": "latitude", "valueDecimal": p.lat}, {"url": "longitude", "valueDecimal": -71.0589}]}],
                "line": [p.street], "city": p.city, "district": format!("{} County", p.family),
                "state": "MA", "postalCode": p.zip, "country": "US"}],
            "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]},
            "multipleBirthBoolean": false, "photo": [{"contentType": "image/jpeg", "data": photo}],
            "generalPractitioner": [{"reference": format!("Practitioner/{doc}")}],
            "managingOrganization": {"reference": format!("Organization/{org}")}});
        self.add(r);
    }

    fn related(&mut self, p: &Person) {
        let (id, meta, name) = (self.uuid(), self.meta(), self.name_part());
        let name = self.plant(IdClass::Name, "RelatedPerson.name", name);
        let r = json!({"resourceType": "RelatedPerson", "id": id, "meta": meta,
            "patient": {"reference": format!("Patient/{}", p.id)},
            "name": [{"family": p.family, "given": [name]}],
            "telecom": [{"system": "phone", "value": p.phone}], "address": [{"line": [p.street], "city": p.city}]});
        self.add(r);
    }

    fn payer(&mut self, p: &Person, org: &str) {
        let (cov, meta) = (self.uuid(), self.meta());
        let r = json!({"resourceType": "Coverage", "id": cov, "meta": meta, "status": "active",
            "identifier": [{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": p.plan_id}],
            "subscriberId": p.plan_id, "beneficiary": {"reference": format!("Patient/{}", p.id)},
            "payor": [{"reference": format!("Organization/{org}"), "display": format!("{} Mutual", p.family)}],
            "period": {"start": self.clinical(900)}});
        self.add(r);
        let (claim, meta, created) = (self.uuid(), self.meta(), self.clinical(800));
        let r = json!({"resourceType": "Claim", "id": claim, "meta": meta, "status": "active",
            "identifier": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.726582", "value": p.account}],
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
            "use": "claim", "patient": {"reference": format!("Patient/{}", p.id)}, "created": created,
            "provider": {"reference": format!("Organization/{org}")},
            "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": format!("Coverage/{cov}")}}],
            "total": {"value": 129.5, "currency": "USD"}});
        self.add(r);
    }

    fn encounter(&mut self, p: &Person, doc: &str, org: &str) -> String {
        let (id, meta) = (self.uuid(), self.meta());
        let days = self.rng_days(800, 3000);
        let (start, visit) = (
            self.clinical(days),
            self.plant_new(IdClass::OtherCode, "Encounter.identifier", |g| {
                format!("V{}", g.digits(9))
            }),
        );
        let r = json!({"resourceType": "Encounter", "id": id, "meta": meta, "status": "finished",
            "identifier": [{"use": "official", "system": "urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8", "value": visit}],
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "185349003"}], "text": "Encounter for check up"}],
            "subject": {"reference": format!("Patient/{}", p.id), "display": format!("{} {}", p.given, p.family)},
            "participant": [{"individual": {"reference": format!("Practitioner/{doc}")}}],
            "period": {"start": start, "end": start},
            "serviceProvider": {"reference": format!("Organization/{org}")},
            "location": [{"location": {"display": format!("{} Clinic, {}", p.family, p.city)}}]});
        self.add(r);
        id
    }

    /// Whole days between `lo` and `hi` before the export.
    pub fn rng_days(&mut self, lo: u64, hi: u64) -> u64 {
        use rand::Rng as _;
        self.rng.random_range(lo..hi)
    }

    fn clinical_records(&mut self, p: &Person, enc: &str) {
        let subject = json!({"reference": format!("Patient/{}", p.id)});
        let days = self.rng_days(800, 3000);
        let (oid, cid, did, meta1, meta2, meta3, when) = (
            self.uuid(),
            self.uuid(),
            self.uuid(),
            self.meta(),
            self.meta(),
            self.meta(),
            self.clinical(days),
        );
        let r = json!({"resourceType": "Observation", "id": oid, "meta": meta1, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
            "subject": subject, "encounter": {"reference": format!("Encounter/{enc}")},
            "effectiveDateTime": when, "issued": when,
            "valueQuantity": {"value": 72, "unit": "/min", "system": UCUM, "code": "/min"},
            "note": [{"text": format!("Pt {} called from {}", p.family, p.phone)}]});
        self.add(r);
        let r = json!({"resourceType": "Condition", "id": cid, "meta": meta2,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}], "text": "Diabetes"},
            "subject": subject, "encounter": {"reference": format!("Encounter/{enc}")},
            "onsetDateTime": when, "recordedDate": when});
        self.add(r);
        let note = self.plant(
            IdClass::OtherCode,
            "DocumentReference.content.attachment.data",
            B64.encode(format!(
                "Discharge note for {} {}, MRN {}, SSN {}",
                p.given, p.family, p.mrn, p.ssn
            )),
        );
        let r = json!({"resourceType": "DocumentReference", "id": did, "meta": meta3, "status": "current",
            "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": format!("urn:oid:1.2.3.{}", p.mrn.trim_start_matches('E'))},
            "type": {"coding": [{"system": "http://loinc.org", "code": "34117-2"}]},
            "subject": subject, "date": when, "description": format!("Note re {}", p.family),
            "content": [{"attachment": {"contentType": "text/plain", "data": note,
                "url": format!("https://ehr.example.org/docs/{}", p.mrn), "title": format!("{}.txt", p.family)}}],
            "context": {"encounter": [{"reference": format!("Encounter/{enc}")}]}});
        self.add(r);
    }

    fn device(&mut self, p: &Person) {
        let (id, meta) = (self.uuid(), self.meta());
        let udi = self.plant_new(IdClass::Device, "Device.udiCarrier.deviceIdentifier", |g| {
            format!("0{}", g.digits(13))
        });
        let serial = self.plant_new(IdClass::Device, "Device.serialNumber", |g| {
            format!("SN{}", g.digits(8))
        });
        let r = json!({"resourceType": "Device", "id": id, "meta": meta, "status": "active",
            "udiCarrier": [{"deviceIdentifier": udi, "carrierHRF": format!("(01){udi}(21){serial}")}],
            "serialNumber": serial, "lotNumber": format!("L{}", serial),
            "type": {"coding": [{"system": "http://snomed.info/sct", "code": "702172008"}]},
            "url": format!("http://{}/monitor", p.ip),
            "patient": {"reference": format!("Patient/{}", p.id)}});
        self.add(r);
    }

    fn biometrics(&mut self, p: &Person) {
        let (id, meta, when) = (self.uuid(), self.meta(), self.clinical(900));
        let template = self.plant_new(
            IdClass::Biometric,
            "Media.content.data (fingerprint)",
            |g| B64.encode(format!("FMR\0 20 minutiae {} {}", g.digits(12), p.ssn)),
        );
        let r = json!({"resourceType": "Media", "id": id, "meta": meta, "status": "completed",
            "modality": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "FP"}]},
            "subject": {"reference": format!("Patient/{}", p.id)}, "createdDateTime": when,
            "deviceName": format!("scanner at {}", p.ip),
            "content": {"contentType": "application/octet-stream", "data": template}});
        self.add(r);
        let (oid, meta) = (self.uuid(), self.meta());
        let r = json!({"resourceType": "Observation", "id": oid, "meta": meta, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "93025-5"}], "text": "Transportation"},
            "subject": {"reference": format!("Patient/{}", p.id)}, "effectiveDateTime": when,
            "valueString": format!("Drives vehicle VIN {} plate {}", p.vin, p.plate),
            "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "93026-3"}]},
                "valueString": p.plate}]});
        self.add(r);
    }
}
