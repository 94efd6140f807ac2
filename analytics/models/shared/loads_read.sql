-- The bq-load jobs the raw tables (and so the views) hold at build time.
{{ loads_read_sql() }}
