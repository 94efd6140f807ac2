# De-ID zone datasets, CMEK-encrypted. Raw: one table per resource type, created by bq-load
# (partitioned by event date, clustered by patient_id and main code). Staging: bq-load's
# per-object staging tables, dropped after the MERGE; the default expiration removes leftovers.
# Governance: lineage, policy versions, graph provenance. Graph: node/edge tables per version.
locals {
  datasets = {
    deid_raw   = { purpose = "raw", description = "De-identified FHIR resources, one table per type. No mapping tables: pseudonyms are keyed HMACs whose keys stay in the PHI zone." }
    staging    = { purpose = "staging", description = "bq-load's per-object staging tables (expire by default)." }
    governance = { purpose = "governance", description = "Lineage, de-ID policy versions and graph provenance." }
    graph      = { purpose = "graph", description = "Typed node/edge tables materialized per graph_version." }
  }
}

resource "google_bigquery_dataset" "ds" {
  for_each                    = local.datasets
  project                     = local.deid_project
  dataset_id                  = "${local.dataset_prefix}_${each.key}"
  location                    = var.region
  description                 = each.value.description
  labels                      = merge(local.labels, { zone = "deid", purpose = each.value.purpose })
  default_table_expiration_ms = each.key == "staging" ? var.staging_table_expiration_days * 86400000 : null
  default_encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
  depends_on = [google_kms_crypto_key_iam_binding.zone]
}

# Pattern B: the relay's de-identified events, streamed by a Pub/Sub BigQuery subscription (one row
# per message, metadata columns included). Consumers dedupe on the data's event_id; Pattern A's
# raw tables stay the source of truth.
resource "google_bigquery_table" "deid_events" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["deid_raw"].dataset_id
  table_id            = "deid_events"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "events", pipeline = "fhir-events" })
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
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
