-- Whole years from birthDate to as_of, 90 for 90 and over.
SELECT
  s.patient_id,
  s.as_of,
  {{ age_in_years('p.birth_date', 's.as_of') }} AS age_years
FROM {{ ref('as_of_spine') }} AS s
JOIN {{ ref('stg_patients') }} AS p ON p.patient_id = s.patient_id
