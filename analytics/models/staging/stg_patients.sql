-- One row per patient: pseudonymous id, sex, birth date (shifted; a partial date reads as its first day).
SELECT
  patient_id,
  gender,
  {{ fhir_date('birth_date') }} AS birth_date
FROM {{ source('deid_views', 'patients') }}
WHERE patient_id IS NOT NULL
