-- The suppression macro on known counts: under 11 reads NULL, 11 and over reads the count.
WITH cases AS (
  SELECT n FROM UNNEST([0, 1, 5, 10, 11, 12, 250]) AS n
)
SELECT n, {{ suppress_small_cells('n') }} AS shown
FROM cases
WHERE NOT (
  (n < 11 AND {{ suppress_small_cells('n') }} IS NULL)
  OR (n >= 11 AND {{ suppress_small_cells('n') }} = n)
)
