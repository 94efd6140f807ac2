{#
  The five governance labels of every job dbt runs (dbt-bigquery turns this JSON query comment
  into job labels, query-comment job-label in dbt_project.yml). purpose: transform (models),
  test (data tests), governance (hooks and dbt's own queries).
#}
{% macro job_labels() -%}
  {%- set kind = node.resource_type if (node is defined and node is not none) else 'hook' -%}
  {%- set purpose = {'model': 'transform', 'test': 'test'}.get(kind, 'governance') -%}
  {{- return(tojson({
      'service': 'dbt',
      'owner': env_var('STARVIT_OWNER', 'data-platform'),
      'env': env_var('STARVIT_ENV', 'local'),
      'pipeline': 'analytics',
      'purpose': purpose,
  })) -}}
{%- endmacro %}

{#
  One row per dataset version in governance.dataset_versions (post-hook of every ml/ model): the
  version freezes the cohort version, the feature definitions' version and the loads read; the
  first invocation that built it is kept, so a rebuild changes nothing.
#}
{% macro record_dataset_version() -%}
INSERT INTO {{ source('governance', 'dataset_versions') }}
  (dataset_version, dataset, cohort_id, cohort_version, features_version, load_job_ids, row_count, dbt_invocation_id, recorded_at)
SELECT
  dataset_version, '{{ this.name }}', cohort_id, cohort_version, features_version,
  ARRAY(SELECT load_job_id FROM ({{ starvit_analytics.loads_read_sql() }}) ORDER BY load_job_id),
  COUNT(*), '{{ invocation_id }}', CURRENT_TIMESTAMP()
FROM {{ this }}
WHERE dataset_version NOT IN (SELECT dataset_version FROM {{ source('governance', 'dataset_versions') }})
GROUP BY dataset_version, cohort_id, cohort_version, features_version
{%- endmacro %}

{#
  The lineage of one dbt invocation (on-run-end): the models it built, its test results and the
  bq-load jobs it read, in governance.analytics_runs.
#}
{% macro record_run(results) -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set models = [] -%}
  {%- set passed = [] -%}
  {%- set failed = [] -%}
  {%- for r in results -%}
    {%- if r.node.resource_type == 'model' and r.status == 'success' -%}
      {%- do models.append(r.node.relation_name | replace('`', '')) -%}
    {%- elif r.node.resource_type == 'test' -%}
      {%- do (passed if r.status == 'pass' else failed).append(r.node.name) -%}
    {%- endif -%}
  {%- endfor -%}
INSERT INTO {{ source('governance', 'analytics_runs') }}
  (dbt_invocation_id, models_built, tests_passed, tests_failed, load_job_ids, recorded_at)
SELECT
  '{{ invocation_id }}',
  ARRAY<STRING>[{% for m in models | sort %}'{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %}],
  {{ passed | length }},
  {{ failed | length }},
  ARRAY(SELECT load_job_id FROM ({{ starvit_analytics.loads_read_sql() }}) ORDER BY load_job_id),
  CURRENT_TIMESTAMP()
{%- endmacro %}
