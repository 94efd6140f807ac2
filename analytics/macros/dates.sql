{# The UTC calendar date of a FHIR dateTime/instant/date string (the raw tables' event_time rule). #}
{% macro utc_date(expr) -%}
DATE(TIMESTAMP({{ expr }}))
{%- endmacro %}

{# A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) as a DATE; a partial date reads as its first day. #}
{% macro fhir_date(expr) -%}
DATE(CASE LENGTH({{ expr }}) WHEN 4 THEN CONCAT({{ expr }}, '-01-01') WHEN 7 THEN CONCAT({{ expr }}, '-01') ELSE SUBSTR({{ expr }}, 1, 10) END)
{%- endmacro %}

{# Whole years from date `born` to date `at`, capped at 90 (Safe Harbor: 90 for 90 and over). #}
{% macro age_in_years(born, at) -%}
LEAST(90, EXTRACT(YEAR FROM {{ at }}) - EXTRACT(YEAR FROM {{ born }})
  - IF(EXTRACT(MONTH FROM {{ at }}) * 100 + EXTRACT(DAY FROM {{ at }})
       < EXTRACT(MONTH FROM {{ born }}) * 100 + EXTRACT(DAY FROM {{ born }}), 1, 0))
{%- endmacro %}
