-- Cohort t2dm: patients with a Condition coded SNOMED CT 44054006 (type 2 diabetes mellitus);
-- index_date = the UTC date of the earliest such condition.
WITH definition AS (
  SELECT patient_id, MIN(onset_date) AS index_date
  FROM {{ ref('stg_conditions') }}
  WHERE code_system = 'http://snomed.info/sct' AND code = '44054006'
  GROUP BY patient_id
)
{{ cohort_rows('definition') }}
