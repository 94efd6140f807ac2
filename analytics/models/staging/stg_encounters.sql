-- One row per encounter with its start as a UTC date (period.start, shifted).
SELECT
  encounter_id,
  patient_id,
  class_code,
  TIMESTAMP(start_time) AS start_time,
  {{ utc_date('start_time') }} AS start_date
FROM {{ source('deid_views', 'encounters') }}
WHERE patient_id IS NOT NULL AND start_time IS NOT NULL
