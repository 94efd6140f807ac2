{#
  Content versions. A model's version hashes its own file (dbt's sha256 checksum) and, through
  depends_on, every model and view it reads: a view's part is the sha256 of views/<name>.json
  (var view_versions, passed by analytics/run.sh). Same files, same version; data is not part of
  it (the dataset version adds the loads read).
#}
{% macro content_version(model_names) -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set parts = [] -%}
  {%- for name in model_names -%}
    {%- do starvit_analytics.collect_version_parts(graph.nodes['model.' ~ project_name ~ '.' ~ name], parts) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | unique | sort | join('\n'))) }}
{%- endmacro %}

{% macro collect_version_parts(node, parts) -%}
  {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
  {%- for dep in node.depends_on.nodes -%}
    {%- if dep.startswith('source.') -%}
      {%- set source_name = graph.sources[dep].name -%}
      {%- do parts.append(dep ~ '=' ~ var('view_versions').get(source_name, 'unversioned')) -%}
    {%- elif dep in graph.nodes -%}
      {%- do starvit_analytics.collect_version_parts(graph.nodes[dep], parts) -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{# The bq-load jobs whose rows the views read: the loads a dataset version freezes. #}
{% macro loads_read_sql() -%}
SELECT DISTINCT load_job_id
FROM {{ source('governance', 'lineage') }}
WHERE stage = 'bq-load' AND load_job_id IS NOT NULL
{%- endmacro %}
