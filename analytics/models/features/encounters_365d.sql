-- Encounters whose start date lies in (as_of - 365 days, as_of].
SELECT
  s.patient_id,
  s.as_of,
  COUNT(e.encounter_id) AS encounters_365d,
  MAX(e.start_date) AS encounters_365d_event_date
FROM {{ ref('as_of_spine') }} AS s
LEFT JOIN {{ ref('stg_encounters') }} AS e
  ON e.patient_id = s.patient_id
  AND e.start_date > DATE_SUB(s.as_of, INTERVAL 365 DAY)
  AND e.start_date <= s.as_of
GROUP BY s.patient_id, s.as_of
