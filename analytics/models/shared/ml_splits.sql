-- Every patient's ML split, deterministic from the pseudonym (macro split_bucket).
SELECT
  patient_id,
  {{ split_bucket('patient_id') }} AS split_bucket,
  {{ split_of_bucket(split_bucket('patient_id')) }} AS split
FROM {{ ref('stg_patients') }}
