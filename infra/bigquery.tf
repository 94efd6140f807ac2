# Raw de-ID dataset: one table per resource type, created by bq-load (partitioned by event date,
# clustered by patient_id and main code). Governance dataset: lineage, policy versions, graph provenance.
resource "google_bigquery_dataset" "deid_raw" {
  dataset_id  = replace("${local.prefix}_deid_raw", "-", "_")
  location    = var.region
  description = "De-identified FHIR resources, one table per type. No mapping tables: pseudonyms are keyed HMACs whose keys stay in the PHI zone."
  labels      = local.labels
}

resource "google_bigquery_dataset" "governance" {
  dataset_id  = replace("${local.prefix}_governance", "-", "_")
  location    = var.region
  description = "Lineage, de-ID policy versions and graph provenance."
  labels      = local.labels
}

resource "google_bigquery_dataset" "graph" {
  dataset_id  = replace("${local.prefix}_graph", "-", "_")
  location    = var.region
  description = "Typed node/edge tables materialized per graph_version."
  labels      = local.labels
}

# Pattern B: the relay's de-identified events, streamed by a Pub/Sub BigQuery subscription (one row
# per message, metadata columns included). Consumers dedupe on the data's event_id; Pattern A's
# raw tables stay the source of truth.
resource "google_bigquery_table" "deid_events" {
  dataset_id          = google_bigquery_dataset.deid_raw.dataset_id
  table_id            = "deid_events"
  deletion_protection = true
  labels              = local.labels
  time_partitioning {
    type  = "DAY"
    field = "publish_time"
  }
  schema = jsonencode([
    { name = "subscription_name", type = "STRING", mode = "NULLABLE" },
    { name = "message_id", type = "STRING", mode = "NULLABLE" },
    { name = "publish_time", type = "TIMESTAMP", mode = "NULLABLE" },
    { name = "data", type = "JSON", mode = "NULLABLE" },
    { name = "attributes", type = "JSON", mode = "NULLABLE" },
  ])
}
