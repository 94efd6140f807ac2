-- One row per observation with a clinical time: code, numeric value, unit, effective time and UTC date.
SELECT
  observation_id,
  patient_id,
  code_system,
  code,
  value_quantity,
  unit,
  TIMESTAMP(effective) AS effective_time,
  {{ utc_date('effective') }} AS effective_date
FROM {{ source('deid_views', 'observations') }}
WHERE patient_id IS NOT NULL AND effective IS NOT NULL
