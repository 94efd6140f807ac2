-- One row per condition with its onset as a UTC date (onset[x] dateTime, shifted).
SELECT
  condition_id,
  patient_id,
  code_system,
  code,
  TIMESTAMP(onset) AS onset_time,
  {{ utc_date('onset') }} AS onset_date
FROM {{ source('deid_views', 'conditions') }}
WHERE patient_id IS NOT NULL AND onset IS NOT NULL
