resource "google_service_account" "fn" {
  for_each     = local.functions
  account_id   = substr("${local.prefix}-${each.key}", 0, 30)
  display_name = "Starvit ${each.key} (${each.value.zone} zone)"
}

resource "google_service_account" "eventarc" {
  account_id   = substr("${local.prefix}-eventarc", 0, 30)
  display_name = "Starvit Eventarc invoker"
}

# PHI zone: only bulk-export writes staging (files create-only; it also reads and replaces its
# run records and the incremental cursor, hence objectUser), only deidentify reads it.
resource "google_storage_bucket_iam_member" "export_writes_staging" {
  bucket = google_storage_bucket.phi_staging.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.fn["bulk-export"].email}"
}

resource "google_storage_bucket_iam_member" "deid_reads_staging" {
  bucket = google_storage_bucket.phi_staging.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.fn["deidentify"].email}"
}

resource "google_storage_bucket_iam_member" "deid_writes_quarantine" {
  bucket = google_storage_bucket.phi_quarantine.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.fn["deidentify"].email}"
}

resource "google_storage_bucket_iam_member" "deid_writes_deid" {
  bucket = google_storage_bucket.deid.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.fn["deidentify"].email}"
}

resource "google_secret_manager_secret_iam_member" "medplum_client" {
  secret_id = google_secret_manager_secret.medplum_client.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn["bulk-export"].email}"
}

resource "google_pubsub_topic_iam_member" "scheduler_publishes_trigger" {
  topic  = google_pubsub_topic.export_trigger.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_secret_manager_secret_iam_member" "deid_key" {
  for_each  = toset(concat(["deidentify"], var.enable_subscription_relay ? ["subscription-relay"] : []))
  secret_id = google_secret_manager_secret.deid_hmac_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_secret_manager_secret_iam_member" "tigergraph_secret" {
  secret_id = google_secret_manager_secret.tigergraph_secret.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn["graph-snapshot"].email}"
}

# De-ID zone: bq-load and graph-snapshot never see PHI.
resource "google_storage_bucket_iam_member" "load_reads_deid" {
  for_each = toset(["bq-load", "graph-snapshot"])
  bucket   = google_storage_bucket.deid.name
  role     = "roles/storage.objectAdmin"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_project_iam_member" "bq_jobs" {
  for_each = toset(["bq-load", "graph-snapshot"])
  project  = var.project_id
  role     = "roles/bigquery.jobUser"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_bigquery_dataset_iam_member" "load_edits_raw" {
  dataset_id = google_bigquery_dataset.deid_raw.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.fn["bq-load"].email}"
}

resource "google_bigquery_dataset_iam_member" "governance_editors" {
  for_each   = toset(["bq-load", "graph-snapshot"])
  dataset_id = google_bigquery_dataset.governance.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_bigquery_dataset_iam_member" "graph_edits" {
  dataset_id = google_bigquery_dataset.graph.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.fn["graph-snapshot"].email}"
}

resource "google_pubsub_topic_iam_member" "load_publishes" {
  topic  = google_pubsub_topic.load_complete.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.fn["bq-load"].email}"
}

resource "google_secret_manager_secret_iam_member" "subscription_secret" {
  count     = var.enable_subscription_relay ? 1 : 0
  secret_id = google_secret_manager_secret.subscription_secret.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn["subscription-relay"].email}"
}

# Medplum cannot present Google credentials: the relay is public and every notification must
# carry a valid X-Signature (HMAC of the body with the Subscription secret), checked first.
resource "google_cloud_run_v2_service_iam_member" "relay_public" {
  count    = var.enable_subscription_relay ? 1 : 0
  name     = google_cloud_run_v2_service.fn["subscription-relay"].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_storage_bucket_iam_member" "relay_writes_quarantine" {
  count  = var.enable_subscription_relay ? 1 : 0
  bucket = google_storage_bucket.phi_quarantine.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.fn["subscription-relay"].email}"
}

resource "google_pubsub_topic_iam_member" "relay_publishes" {
  count  = var.enable_subscription_relay ? 1 : 0
  topic  = google_pubsub_topic.deid_events.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.fn["subscription-relay"].email}"
}

resource "google_cloud_run_v2_service_iam_member" "eventarc_invokes" {
  for_each = toset(["bulk-export", "deidentify", "bq-load", "graph-snapshot"])
  name     = google_cloud_run_v2_service.fn[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.eventarc.email}"
}

resource "google_project_iam_member" "eventarc_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc.email}"
}

data "google_storage_project_service_account" "gcs" {}

# GCS publishes object events to Pub/Sub for Eventarc.
resource "google_project_iam_member" "gcs_pubsub" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# The Pub/Sub service agent writes the relay's events into BigQuery.
resource "google_bigquery_table_iam_member" "pubsub_writes_events" {
  count      = var.enable_subscription_relay ? 1 : 0
  dataset_id = google_bigquery_dataset.deid_raw.dataset_id
  table_id   = google_bigquery_table.deid_events.table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
