{#
  The ML split of a patient, deterministic from the pseudonym: bucket = the first 16 bits of
  SHA-256("starvit-split-v1:" || patient_id) scaled to 0..99; 0-79 train, 80-89 validation,
  90-99 test (about 80/10/10). A patient has one pseudonym, so one split.
#}
{% macro split_bucket(patient_id) -%}
  {%- set hex = "TO_HEX(SHA256(CONCAT('starvit-split-v1:', " ~ patient_id ~ ")))" -%}
CAST(FLOOR(({% for i in range(4) %}(STRPOS('0123456789abcdef', SUBSTR({{ hex }}, {{ i + 1 }}, 1)) - 1) * {{ 16 ** (3 - i) }}{% if not loop.last %} + {% endif %}{% endfor %}) * 100 / 65536) AS INT64)
{%- endmacro %}

{% macro split_of_bucket(bucket) -%}
CASE WHEN {{ bucket }} < 80 THEN 'train' WHEN {{ bucket }} < 90 THEN 'validation' ELSE 'test' END
{%- endmacro %}

{# Small-cell suppression for aggregates meant to be shared: counts under the threshold read NULL. #}
{% macro suppress_small_cells(count_expr, threshold=none) -%}
  {%- set k = threshold if threshold is not none else var('small_cell_threshold') -%}
IF({{ count_expr }} < {{ k }}, NULL, {{ count_expr }})
{%- endmacro %}
