-- A shareable aggregate of the t2dm dataset: members per split and age band, small cells suppressed.
SELECT
  split,
  CASE WHEN age_at_index < 40 THEN '0-39' WHEN age_at_index < 65 THEN '40-64' ELSE '65+' END AS age_band,
  {{ suppress_small_cells('COUNT(*)') }} AS members
FROM {{ ref('t2dm_dataset') }}
GROUP BY split, age_band
