-- The t2dm training dataset: one row per cohort member with its features as of index_date and
-- its split, stamped with the dataset version (cohort version + feature definitions' version +
-- the loads read). The post-hook records the version in governance.dataset_versions.
{%- set features = ['encounters_365d', 'last_hba1c', 'age_years'] %}
WITH loads AS (
  SELECT STRING_AGG(load_job_id, ',' ORDER BY load_job_id) AS load_job_ids
  FROM {{ ref('loads_read') }}
),
members AS (
  SELECT cohort_id, cohort_version, patient_id, index_date FROM {{ ref('t2dm') }}
)
SELECT
  m.patient_id,
  m.index_date,
  e.encounters_365d,
  h.last_hba1c,
  a.age_years AS age_at_index,
  s.split,
  e.encounters_365d_event_date,
  h.last_hba1c_event_date,
  m.cohort_id,
  m.cohort_version,
  '{{ content_version(features) }}' AS features_version,
  TO_HEX(SHA256(CONCAT(m.cohort_version, '|', '{{ content_version(features) }}', '|',
    COALESCE(l.load_job_ids, '')))) AS dataset_version
FROM members AS m
JOIN {{ ref('encounters_365d') }} AS e ON e.patient_id = m.patient_id AND e.as_of = m.index_date
JOIN {{ ref('last_hba1c') }} AS h ON h.patient_id = m.patient_id AND h.as_of = m.index_date
JOIN {{ ref('age_years') }} AS a ON a.patient_id = m.patient_id AND a.as_of = m.index_date
JOIN {{ ref('ml_splits') }} AS s ON s.patient_id = m.patient_id
CROSS JOIN loads AS l
