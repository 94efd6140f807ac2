{# Fails on every row whose event columns lie after its as-of point (point-in-time correctness). #}
{% test point_in_time(model, as_of, event_columns) %}
SELECT *
FROM {{ model }}
WHERE {% for c in event_columns %}{{ c }} > {{ as_of }}{% if not loop.last %} OR {% endif %}{% endfor %}
{% endtest %}

{# Fails on every shown count under the small-cell threshold (suppressed counts are NULL). #}
{% test no_small_cells(model, column_name) %}
SELECT *
FROM {{ model }}
WHERE {{ column_name }} IS NOT NULL AND {{ column_name }} < {{ var('small_cell_threshold') }}
{% endtest %}

{# Fails on every key that occurs more than once. #}
{% test unique_key(model, columns) %}
SELECT {{ columns | join(', ') }}, COUNT(*) AS n
FROM {{ model }}
GROUP BY {{ columns | join(', ') }}
HAVING COUNT(*) > 1
{% endtest %}
