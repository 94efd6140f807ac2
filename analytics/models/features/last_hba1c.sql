-- valueQuantity.value of the HbA1c Observation (LOINC 4548-4) with the latest effective time
-- among those dated at or before as_of (ties: highest observation id), else NULL.
WITH candidates AS (
  SELECT
    s.patient_id,
    s.as_of,
    o.value_quantity,
    o.effective_date,
    ROW_NUMBER() OVER (
      PARTITION BY s.patient_id, s.as_of
      ORDER BY o.effective_time DESC, o.observation_id DESC
    ) AS latest
  FROM {{ ref('as_of_spine') }} AS s
  JOIN {{ ref('stg_observations') }} AS o
    ON o.patient_id = s.patient_id
    AND o.code_system = 'http://loinc.org'
    AND o.code = '4548-4'
    AND o.effective_date <= s.as_of
)
SELECT
  s.patient_id,
  s.as_of,
  c.value_quantity AS last_hba1c,
  c.effective_date AS last_hba1c_event_date
FROM {{ ref('as_of_spine') }} AS s
LEFT JOIN candidates AS c
  ON c.patient_id = s.patient_id AND c.as_of = s.as_of AND c.latest = 1
