//! Clinical codes (LOINC, SNOMED CT, RxNorm, CVX) with displays, units and ranges.

/// A code with its display.
pub type Code = (&'static str, &'static str);

/// A quantitative LOINC observation: code, display, UCUM unit, normal low, normal high, decimals.
#[derive(Debug, Clone, Copy)]
pub struct Lab {
    /// LOINC code.
    pub code: &'static str,
    /// LOINC display.
    pub display: &'static str,
    /// UCUM unit.
    pub unit: &'static str,
    /// Lower bound of the reference range.
    pub low: f64,
    /// Upper bound of the reference range.
    pub high: f64,
    /// Decimals to round values to.
    pub decimals: u8,
}

const fn lab(
    code: &'static str,
    display: &'static str,
    unit: &'static str,
    low: f64,
    high: f64,
    decimals: u8,
) -> Lab {
    Lab {
        code,
        display,
        unit,
        low,
        high,
        decimals,
    }
}

/// A LOINC panel and its member observations.
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    /// Panel code and display.
    pub code: Code,
    /// Members.
    pub members: &'static [Lab],
}

/// Laboratory panels reported through DiagnosticReport.
pub const PANELS: &[Panel] = &[
    Panel {
        code: ("58410-2", "CBC panel - Blood by Automated count"),
        members: &[
            lab(
                "6690-2",
                "Leukocytes [#/volume] in Blood by Automated count",
                "10*3/uL",
                4.5,
                11.0,
                1,
            ),
            lab(
                "789-8",
                "Erythrocytes [#/volume] in Blood by Automated count",
                "10*6/uL",
                4.2,
                5.9,
                2,
            ),
            lab(
                "718-7",
                "Hemoglobin [Mass/volume] in Blood",
                "g/dL",
                12.0,
                17.5,
                1,
            ),
            lab(
                "4544-3",
                "Hematocrit [Volume Fraction] of Blood by Automated count",
                "%",
                36.0,
                53.0,
                1,
            ),
            lab(
                "787-2",
                "MCV [Entitic volume] by Automated count",
                "fL",
                80.0,
                100.0,
                1,
            ),
            lab(
                "785-6",
                "MCH [Entitic mass] by Automated count",
                "pg",
                27.0,
                33.0,
                1,
            ),
            lab(
                "786-4",
                "MCHC [Mass/volume] by Automated count",
                "g/dL",
                32.0,
                36.0,
                1,
            ),
            lab(
                "777-3",
                "Platelets [#/volume] in Blood by Automated count",
                "10*3/uL",
                150.0,
                400.0,
                0,
            ),
        ],
    },
    Panel {
        code: ("51990-0", "Basic metabolic panel - Blood"),
        members: &[
            lab(
                "2345-7",
                "Glucose [Mass/volume] in Serum or Plasma",
                "mg/dL",
                70.0,
                99.0,
                0,
            ),
            lab(
                "3094-0",
                "Urea nitrogen [Mass/volume] in Serum or Plasma",
                "mg/dL",
                7.0,
                20.0,
                0,
            ),
            lab(
                "2160-0",
                "Creatinine [Mass/volume] in Serum or Plasma",
                "mg/dL",
                0.6,
                1.3,
                2,
            ),
            lab(
                "17861-6",
                "Calcium [Mass/volume] in Serum or Plasma",
                "mg/dL",
                8.5,
                10.2,
                1,
            ),
            lab(
                "2951-2",
                "Sodium [Moles/volume] in Serum or Plasma",
                "mmol/L",
                135.0,
                145.0,
                0,
            ),
            lab(
                "2823-3",
                "Potassium [Moles/volume] in Serum or Plasma",
                "mmol/L",
                3.5,
                5.1,
                1,
            ),
            lab(
                "2075-0",
                "Chloride [Moles/volume] in Serum or Plasma",
                "mmol/L",
                98.0,
                107.0,
                0,
            ),
            lab(
                "2028-9",
                "Carbon dioxide, total [Moles/volume] in Serum or Plasma",
                "mmol/L",
                22.0,
                29.0,
                0,
            ),
        ],
    },
    Panel {
        code: ("57698-3", "Lipid panel with direct LDL - Serum or Plasma"),
        members: &[
            lab(
                "2093-3",
                "Cholesterol [Mass/volume] in Serum or Plasma",
                "mg/dL",
                125.0,
                200.0,
                0,
            ),
            lab(
                "2571-8",
                "Triglyceride [Mass/volume] in Serum or Plasma",
                "mg/dL",
                40.0,
                150.0,
                0,
            ),
            lab(
                "18262-6",
                "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
                "mg/dL",
                50.0,
                100.0,
                0,
            ),
            lab(
                "2085-9",
                "Cholesterol in HDL [Mass/volume] in Serum or Plasma",
                "mg/dL",
                40.0,
                60.0,
                0,
            ),
        ],
    },
    Panel {
        code: ("24325-3", "Hepatic function 2000 panel - Serum or Plasma"),
        members: &[
            lab(
                "1742-6",
                "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                "U/L",
                7.0,
                56.0,
                0,
            ),
            lab(
                "1920-8",
                "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                "U/L",
                10.0,
                40.0,
                0,
            ),
            lab(
                "6768-6",
                "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
                "U/L",
                44.0,
                147.0,
                0,
            ),
            lab(
                "1975-2",
                "Bilirubin.total [Mass/volume] in Serum or Plasma",
                "mg/dL",
                0.1,
                1.2,
                1,
            ),
            lab(
                "1751-7",
                "Albumin [Mass/volume] in Serum or Plasma",
                "g/dL",
                3.5,
                5.0,
                1,
            ),
        ],
    },
    Panel {
        code: ("24356-8", "Urinalysis complete panel - Urine"),
        members: &[
            lab(
                "5811-5",
                "Specific gravity of Urine by Test strip",
                "{ratio}",
                1.005,
                1.030,
                3,
            ),
            lab("5803-2", "pH of Urine by Test strip", "[pH]", 5.0, 8.0, 1),
            lab(
                "5792-7",
                "Glucose [Mass/volume] in Urine by Test strip",
                "mg/dL",
                0.0,
                15.0,
                0,
            ),
            lab(
                "20454-5",
                "Protein [Mass/volume] in Urine by Test strip",
                "mg/dL",
                0.0,
                14.0,
                0,
            ),
        ],
    },
];

/// Stand-alone labs (no panel).
pub const SINGLE_LABS: &[Lab] = &[
    lab(
        "4548-4",
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        "%",
        4.0,
        5.6,
        1,
    ),
    lab(
        "3016-3",
        "Thyrotropin [Units/volume] in Serum or Plasma",
        "m[IU]/L",
        0.4,
        4.0,
        2,
    ),
    lab(
        "33914-3",
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)",
        "mL/min/{1.73_m2}",
        60.0,
        120.0,
        0,
    ),
    lab(
        "2947-0",
        "Sodium [Moles/volume] in Blood",
        "mmol/L",
        135.0,
        145.0,
        0,
    ),
    lab(
        "14647-2",
        "Cholesterol [Moles/volume] in Serum or Plasma",
        "mmol/L",
        3.2,
        5.2,
        2,
    ),
    lab(
        "1988-5",
        "C reactive protein [Mass/volume] in Serum or Plasma",
        "mg/L",
        0.0,
        10.0,
        1,
    ),
    lab(
        "2276-4",
        "Ferritin [Mass/volume] in Serum or Plasma",
        "ng/mL",
        20.0,
        250.0,
        0,
    ),
    lab(
        "1989-3",
        "Calcidiol [Mass/volume] in Serum or Plasma",
        "ng/mL",
        20.0,
        50.0,
        1,
    ),
];

/// Vital signs: body weight, height, BMI, heart rate, temperature, respiratory rate, SpO2, pain.
pub const VITALS: &[Lab] = &[
    lab("29463-7", "Body weight", "kg", 50.0, 110.0, 1),
    lab("8302-2", "Body height", "cm", 150.0, 195.0, 1),
    lab(
        "39156-5",
        "Body mass index (BMI) [Ratio]",
        "kg/m2",
        18.5,
        29.9,
        1,
    ),
    lab("8867-4", "Heart rate", "/min", 55.0, 100.0, 0),
    lab("8310-5", "Body temperature", "Cel", 36.1, 37.8, 1),
    lab("9279-1", "Respiratory rate", "/min", 12.0, 20.0, 0),
    lab(
        "59408-5",
        "Oxygen saturation in Arterial blood by Pulse oximetry",
        "%",
        94.0,
        100.0,
        0,
    ),
];

/// Blood pressure panel, systolic and diastolic components.
pub const BP_PANEL: Code = ("85354-9", "Blood pressure panel with all children optional");
/// Systolic component.
pub const BP_SYSTOLIC: Lab = lab(
    "8480-6",
    "Systolic blood pressure",
    "mm[Hg]",
    90.0,
    130.0,
    0,
);
/// Diastolic component.
pub const BP_DIASTOLIC: Lab = lab(
    "8462-4",
    "Diastolic blood pressure",
    "mm[Hg]",
    60.0,
    85.0,
    0,
);
/// Clinical note document type.
pub const NOTE_TYPES: &[Code] = &[
    ("11506-3", "Progress note"),
    ("34117-2", "History and physical note"),
    ("18842-5", "Discharge summary"),
    ("11488-4", "Consult note"),
];

/// A condition: SNOMED code, display, and whether it is chronic (no abatement).
pub const CONDITIONS: &[(&str, &str, bool)] = &[
    (
        "38341003",
        "Hypertensive disorder, systemic arterial (disorder)",
        true,
    ),
    ("44054006", "Diabetes mellitus type 2 (disorder)", true),
    ("55822004", "Hyperlipidemia (disorder)", true),
    ("195967001", "Asthma (disorder)", true),
    (
        "13645005",
        "Chronic obstructive lung disease (disorder)",
        true,
    ),
    ("35489007", "Depressive disorder (disorder)", true),
    ("197480006", "Anxiety disorder (disorder)", true),
    ("40055000", "Chronic sinusitis (disorder)", true),
    ("444814009", "Viral sinusitis (disorder)", false),
    ("10509002", "Acute bronchitis (disorder)", false),
    ("195662009", "Acute viral pharyngitis (disorder)", false),
    ("43878008", "Streptococcal sore throat (disorder)", false),
    ("65363002", "Otitis media (disorder)", false),
    ("49436004", "Atrial fibrillation (disorder)", true),
    ("53741008", "Coronary arteriosclerosis (disorder)", true),
    ("22298006", "Myocardial infarction (disorder)", false),
    ("230690007", "Cerebrovascular accident (disorder)", false),
    (
        "433144002",
        "Chronic kidney disease stage 3 (disorder)",
        true,
    ),
    ("239873007", "Osteoarthritis of knee (disorder)", true),
    ("69896004", "Rheumatoid arthritis (disorder)", true),
    ("64859006", "Osteoporosis (disorder)", true),
    ("162864005", "Body mass index 30+ - obesity (finding)", true),
    ("271737000", "Anemia (disorder)", false),
    ("40930008", "Hypothyroidism (disorder)", true),
    ("26929004", "Alzheimer's disease (disorder)", true),
    ("254637007", "Non-small cell lung cancer (disorder)", true),
    ("254837009", "Malignant neoplasm of breast (disorder)", true),
    ("363406005", "Malignant tumor of colon (disorder)", true),
    ("15777000", "Prediabetes (finding)", true),
    ("84757009", "Epilepsy (disorder)", true),
    ("37796009", "Migraine (disorder)", true),
    ("24079001", "Atopic dermatitis (disorder)", true),
    (
        "232353008",
        "Perennial allergic rhinitis with seasonal variation (disorder)",
        true,
    ),
    (
        "68566005",
        "Urinary tract infectious disease (disorder)",
        false,
    ),
    ("233604007", "Pneumonia (disorder)", false),
    (
        "840539006",
        "Disease caused by severe acute respiratory syndrome coronavirus 2 (disorder)",
        false,
    ),
    ("279039007", "Low back pain (finding)", false),
    ("44465007", "Sprain of ankle (disorder)", false),
    ("70704007", "Sprain of wrist (disorder)", false),
    ("90560007", "Gout (disorder)", true),
    ("84114007", "Heart failure (disorder)", true),
    (
        "235595009",
        "Gastroesophageal reflux disease (disorder)",
        true,
    ),
    (
        "62106007",
        "Concussion with no loss of consciousness (disorder)",
        false,
    ),
    ("36971009", "Sinusitis (disorder)", false),
];

/// RxNorm medications with a typical dosage instruction.
pub const MEDICATIONS: &[(&str, &str, &str)] = &[
    (
        "314076",
        "lisinopril 10 MG Oral Tablet",
        "Take 1 tablet by mouth once daily",
    ),
    (
        "197361",
        "amlodipine 5 MG Oral Tablet",
        "Take 1 tablet by mouth once daily",
    ),
    (
        "308136",
        "amlodipine 2.5 MG Oral Tablet",
        "Take 1 tablet by mouth once daily",
    ),
    (
        "860975",
        "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
        "Take 1 tablet by mouth daily with the evening meal",
    ),
    (
        "259255",
        "atorvastatin 80 MG Oral Tablet",
        "Take 1 tablet by mouth at bedtime",
    ),
    (
        "312961",
        "simvastatin 20 MG Oral Tablet",
        "Take 1 tablet by mouth in the evening",
    ),
    (
        "313782",
        "acetaminophen 325 MG Oral Tablet",
        "Take 2 tablets by mouth every 6 hours as needed for pain",
    ),
    (
        "310965",
        "ibuprofen 200 MG Oral Tablet",
        "Take 1-2 tablets by mouth every 6 hours as needed with food",
    ),
    (
        "197806",
        "ibuprofen 600 MG Oral Tablet",
        "Take 1 tablet by mouth every 8 hours as needed with food",
    ),
    (
        "849574",
        "naproxen sodium 220 MG Oral Tablet",
        "Take 1 tablet by mouth every 12 hours as needed",
    ),
    (
        "310798",
        "hydrochlorothiazide 25 MG Oral Tablet",
        "Take 1 tablet by mouth every morning",
    ),
    (
        "866924",
        "metoprolol tartrate 25 MG Oral Tablet",
        "Take 1 tablet by mouth twice daily",
    ),
    (
        "308182",
        "amoxicillin 250 MG Oral Capsule",
        "Take 1 capsule by mouth three times daily for 10 days",
    ),
    (
        "562251",
        "amoxicillin 250 MG / clavulanate 125 MG Oral Tablet",
        "Take 1 tablet by mouth every 12 hours for 7 days",
    ),
    (
        "834061",
        "penicillin V potassium 250 MG Oral Tablet",
        "Take 1 tablet by mouth four times daily for 10 days",
    ),
    (
        "895994",
        "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
        "Inhale 2 puffs twice daily",
    ),
    (
        "745679",
        "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
        "Inhale 2 puffs every 4 to 6 hours as needed for wheezing",
    ),
    (
        "106892",
        "insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML Injectable Suspension [Humulin]",
        "Inject 20 units subcutaneously twice daily before meals",
    ),
    (
        "311989",
        "nitrofurantoin 5 MG/ML Oral Suspension",
        "Take 10 mL by mouth four times daily for 7 days",
    ),
    (
        "1049221",
        "acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet",
        "Take 1 tablet by mouth every 6 hours as needed for severe pain",
    ),
    (
        "310325",
        "ferrous sulfate 325 MG Oral Tablet",
        "Take 1 tablet by mouth daily",
    ),
    (
        "966222",
        "levothyroxine sodium 0.075 MG Oral Tablet",
        "Take 1 tablet by mouth every morning on an empty stomach",
    ),
    (
        "312617",
        "prednisone 5 MG Oral Tablet",
        "Take 4 tablets by mouth daily for 5 days",
    ),
    (
        "243670",
        "aspirin 81 MG Oral Tablet",
        "Take 1 tablet by mouth daily",
    ),
    (
        "855332",
        "warfarin sodium 5 MG Oral Tablet",
        "Take 1 tablet by mouth daily or as directed by the anticoagulation clinic",
    ),
    (
        "313988",
        "furosemide 40 MG Oral Tablet",
        "Take 1 tablet by mouth every morning",
    ),
    (
        "309362",
        "clopidogrel 75 MG Oral Tablet",
        "Take 1 tablet by mouth daily",
    ),
    (
        "310385",
        "fluoxetine 20 MG Oral Capsule",
        "Take 1 capsule by mouth every morning",
    ),
    (
        "197591",
        "diazepam 5 MG Oral Tablet",
        "Take 1 tablet by mouth at bedtime as needed for anxiety",
    ),
    (
        "1000126",
        "1 ML medroxyprogesterone acetate 150 MG/ML Injection",
        "Inject 1 mL intramuscularly every 3 months",
    ),
];

/// CVX vaccines.
pub const VACCINES: &[Code] = &[
    ("08", "Hep B, adolescent or pediatric"),
    ("10", "IPV"),
    ("20", "DTaP"),
    ("21", "varicella"),
    ("03", "MMR"),
    ("33", "pneumococcal polysaccharide vaccine, 23 valent"),
    ("133", "Pneumococcal conjugate PCV 13"),
    ("140", "Influenza, seasonal, injectable, preservative free"),
    (
        "150",
        "Influenza, injectable, quadrivalent, preservative free",
    ),
    ("113", "Td (adult) preservative free"),
    ("115", "Tdap"),
    ("62", "HPV, quadrivalent"),
    ("114", "meningococcal MCV4P"),
    ("83", "Hep A, ped/adol, 2 dose"),
    ("43", "Hep B, adult"),
    ("187", "zoster recombinant"),
    (
        "208",
        "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose",
    ),
    (
        "207",
        "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose",
    ),
];

/// SNOMED procedures.
pub const PROCEDURES: &[Code] = &[
    ("430193006", "Medication reconciliation (procedure)"),
    (
        "710824005",
        "Assessment of health and social care needs (procedure)",
    ),
    ("171207006", "Depression screening (procedure)"),
    ("73761001", "Colonoscopy (procedure)"),
    ("117015009", "Throat culture (procedure)"),
    ("127783003", "Spirometry (procedure)"),
    ("399208008", "Plain chest X-ray (procedure)"),
    ("29303009", "Electrocardiographic procedure (procedure)"),
    (
        "415070008",
        "Percutaneous coronary intervention (procedure)",
    ),
    ("80146002", "Appendectomy (procedure)"),
    ("38102005", "Cholecystectomy (procedure)"),
    ("609588000", "Total knee replacement (procedure)"),
    ("52734007", "Total replacement of hip (procedure)"),
    ("11466000", "Cesarean section (procedure)"),
    ("24623002", "Screening mammography (procedure)"),
    ("302497006", "Hemodialysis (procedure)"),
    ("367336001", "Chemotherapy (procedure)"),
    ("76601001", "Intramuscular injection (procedure)"),
    ("5880005", "Physical examination procedure (procedure)"),
];

/// Encounter types (SNOMED) with their v3 ActCode class code.
pub const ENCOUNTER_TYPES: &[(&str, &str, &str)] = &[
    ("185349003", "Encounter for check up (procedure)", "AMB"),
    ("185345009", "Encounter for symptom (procedure)", "AMB"),
    (
        "162673000",
        "General examination of patient (procedure)",
        "AMB",
    ),
    ("390906007", "Follow-up encounter (procedure)", "AMB"),
    ("185347001", "Encounter for problem (procedure)", "AMB"),
    ("698314001", "Consultation for treatment (procedure)", "AMB"),
    ("50849002", "Emergency room admission (procedure)", "EMER"),
    ("32485007", "Hospital admission (procedure)", "IMP"),
    (
        "439740005",
        "Postoperative follow-up visit (procedure)",
        "AMB",
    ),
    (
        "448337001",
        "Telemedicine consultation with patient (procedure)",
        "VR",
    ),
];

/// Allergy substances (SNOMED) with category.
pub const ALLERGENS: &[(&str, &str, &str)] = &[
    ("91936005", "Allergy to penicillin (finding)", "medication"),
    (
        "294505008",
        "Allergy to sulfonamides (finding)",
        "medication",
    ),
    ("256277009", "Grass pollen (substance)", "environment"),
    (
        "232347008",
        "Dander (animal) allergy (finding)",
        "environment",
    ),
    ("419474003", "Allergy to mold (finding)", "environment"),
    ("300913006", "Shellfish allergy (finding)", "food"),
    ("91934008", "Allergy to nut (finding)", "food"),
    ("417532002", "Allergy to fish (finding)", "food"),
    ("91930004", "Allergy to eggs (finding)", "food"),
    ("300916003", "Latex allergy (finding)", "environment"),
];

/// Allergy reaction manifestations (SNOMED).
pub const REACTIONS: &[Code] = &[
    ("247472004", "Wheal (finding)"),
    ("271807003", "Eruption of skin (disorder)"),
    ("267036007", "Dyspnea (finding)"),
    ("39579001", "Anaphylaxis (disorder)"),
    ("49727002", "Cough (finding)"),
    ("878820003", "Rhinoconjunctivitis (disorder)"),
];

/// Care plan categories (SNOMED).
pub const CARE_PLANS: &[Code] = &[
    (
        "698360004",
        "Diabetes self management plan (record artifact)",
    ),
    (
        "443402002",
        "Lifestyle education regarding hypertension (procedure)",
    ),
    ("699728000", "Asthma self management (procedure)"),
    (
        "735984001",
        "Heart failure self management plan (record artifact)",
    ),
    ("718347000", "Mental health care plan (record artifact)"),
    ("91251008", "Physical therapy procedure (regime/therapy)"),
];

/// US Core race (OMB categories, urn:oid:2.16.840.1.113883.6.238).
pub const RACES: &[Code] = &[
    ("2106-3", "White"),
    ("2054-5", "Black or African American"),
    ("2028-9", "Asian"),
    ("1002-5", "American Indian or Alaska Native"),
    ("2076-8", "Native Hawaiian or Other Pacific Islander"),
];

/// US Core ethnicity.
pub const ETHNICITIES: &[Code] = &[
    ("2186-5", "Not Hispanic or Latino"),
    ("2135-2", "Hispanic or Latino"),
];

/// Marital status (v3-MaritalStatus).
pub const MARITAL: &[Code] = &[
    ("M", "Married"),
    ("S", "Never Married"),
    ("D", "Divorced"),
    ("W", "Widowed"),
];
