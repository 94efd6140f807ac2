-- The as-of points features are computed at: (patient_id, as_of = index_date) of every member of
-- the cohorts in var feature_spine_cohorts.
{% for cohort in var('feature_spine_cohorts') %}
SELECT DISTINCT patient_id, index_date AS as_of FROM {{ ref(cohort) }}
{% if not loop.last %}UNION DISTINCT{% endif %}
{% endfor %}
