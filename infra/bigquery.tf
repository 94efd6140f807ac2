# De-ID zone datasets, CMEK-encrypted. Raw: one table per resource type, created by bq-load
# (partitioned by event date, clustered by patient_id and main code). Staging: bq-load's
# per-object staging tables, dropped after the MERGE; the default expiration removes leftovers.
# Governance: lineage, policy versions, graph provenance. Graph: node/edge tables per version.
# deid_views: the flat views (`starvit sof apply`). analytics: what the dbt job builds (analytics.tf).
locals {
  datasets = {
    deid_raw   = { purpose = "raw", description = "De-identified FHIR resources, one table per type. No mapping tables: pseudonyms are keyed HMACs whose keys stay in the PHI zone." }
    staging    = { purpose = "staging", description = "bq-load's per-object staging tables (expire by default)." }
    governance = { purpose = "governance", description = "Lineage, de-ID policy versions and graph provenance." }
    graph      = { purpose = "graph", description = "Typed node/edge tables materialized per graph_version." }
    deid_views = { purpose = "views", description = "SQL-on-FHIR flat views over deid_raw (views/*.json, `starvit sof apply`)." }
    analytics  = { purpose = "analytics", description = "dbt's cohorts, point-in-time features and ML datasets (analytics/, the analytics job)." }
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
  schema = file("${path.module}/../shared/warehouse/schemas/deid_events.json")
}

# Governance tables: Terraform owns them (shared/warehouse, "who creates what"); each schema is
# the warehouse's JSON file, which the functions read too. bq-load creates the raw table of each
# resource type from shared/warehouse/schemas/raw_resource.json.
resource "google_bigquery_table" "lineage" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "lineage"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/lineage.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}

resource "google_bigquery_table" "deid_policy_versions" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "deid_policy_versions"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/deid_policy_versions.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}

# Mirror of the policy approvals (the record of authority is approvals/<hex>.json in the PHI
# staging bucket, written by `starvit approve`).
resource "google_bigquery_table" "deid_policy_approvals" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "deid_policy_approvals"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/deid_policy_approvals.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}

resource "google_bigquery_table" "graph_provenance" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "graph_provenance"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/graph_provenance.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}

# The analytics layer (analytics/, dbt): dataset versions and one lineage row per dbt invocation.
resource "google_bigquery_table" "dataset_versions" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "dataset_versions"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/dataset_versions.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}

resource "google_bigquery_table" "analytics_runs" {
  project             = local.deid_project
  dataset_id          = google_bigquery_dataset.ds["governance"].dataset_id
  table_id            = "analytics_runs"
  deletion_protection = true
  labels              = merge(local.labels, { zone = "deid", purpose = "governance" })
  schema              = file("${path.module}/../shared/warehouse/schemas/analytics_runs.json")
  encryption_configuration {
    kms_key_name = google_kms_crypto_key.zone["deid"].id
  }
}
