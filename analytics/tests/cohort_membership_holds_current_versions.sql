-- cohort_membership holds exactly the rows of the t2dm model for its current version.
-- depends_on: {{ ref('t2dm') }}
WITH current_rows AS (
  SELECT cohort_id, cohort_version, patient_id, index_date FROM {{ ref('t2dm') }}
),
recorded AS (
  SELECT m.* FROM {{ starvit_analytics.membership_relation() }} AS m
  WHERE m.cohort_id = 't2dm' AND m.cohort_version IN (SELECT cohort_version FROM current_rows)
)
(SELECT 'missing' AS problem, * FROM current_rows EXCEPT DISTINCT SELECT 'missing', * FROM recorded)
UNION ALL
(SELECT 'extra' AS problem, * FROM recorded EXCEPT DISTINCT SELECT 'extra', * FROM current_rows)
