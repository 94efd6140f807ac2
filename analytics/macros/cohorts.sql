{#
  A cohort is one model in models/cohorts/: a CTE `definition` of (patient_id, index_date),
  finished with cohort_rows('definition'). Its id is the file name, its version
  content_version([id]). Each build replaces that (id, version)'s rows in cohort_membership
  (post-hooks in dbt_project.yml), so the table keeps every version that was ever built.
#}
{% macro cohort_rows(definition) -%}
SELECT
  '{{ model.name }}' AS cohort_id,
  '{{ starvit_analytics.content_version([model.name]) }}' AS cohort_version,
  patient_id,
  index_date
FROM {{ definition }}
{%- endmacro %}

{% macro membership_relation() -%}
`{{ target.project }}`.`{{ target.dataset }}`.`cohort_membership`
{%- endmacro %}

{% macro create_membership_table() -%}
CREATE TABLE IF NOT EXISTS {{ starvit_analytics.membership_relation() }} (
  cohort_id STRING NOT NULL,
  cohort_version STRING NOT NULL,
  patient_id STRING NOT NULL,
  index_date DATE NOT NULL
)
{%- endmacro %}

{% macro delete_membership() -%}
DELETE FROM {{ starvit_analytics.membership_relation() }}
WHERE cohort_id = '{{ model.name }}'
  AND cohort_version = '{{ starvit_analytics.content_version([model.name]) }}'
{%- endmacro %}

{% macro insert_membership() -%}
INSERT INTO {{ starvit_analytics.membership_relation() }} (cohort_id, cohort_version, patient_id, index_date)
SELECT cohort_id, cohort_version, patient_id, index_date FROM {{ this }}
{%- endmacro %}
