# Topics. PHI zone: export-trigger (Scheduler -> bulk-export) and deid-events (the relay
# publishes de-identified events to projects/<GOOGLE_CLOUD_PROJECT>/topics/<short name>). De-ID
# zone: load-complete (bq-load -> graph-snapshot). Each zone has its own dead-letter topic.
resource "google_pubsub_topic" "export_trigger" {
  project = local.phi_project
  name    = "${local.prefix}-export-trigger"
  labels  = merge(local.labels, { zone = "phi", purpose = "export" })
}

resource "google_pubsub_topic" "deid_events" {
  project = local.phi_project
  name    = "${local.prefix}-deid-events"
  labels  = merge(local.labels, { zone = "phi", purpose = "events", pipeline = "fhir-events" })
}

resource "google_pubsub_topic" "load_complete" {
  project = local.deid_project
  name    = "${local.prefix}-load-complete"
  labels  = merge(local.labels, { zone = "deid", purpose = "load" })
}

# Pattern B: the events stream into deid_raw.deid_events (in the de-ID project).
resource "google_pubsub_subscription" "deid_events_to_bigquery" {
  count   = var.enable_subscription_relay ? 1 : 0
  project = local.phi_project
  name    = "${local.prefix}-deid-events-bq"
  topic   = google_pubsub_topic.deid_events.id
  labels  = merge(local.labels, { zone = "phi", purpose = "events", pipeline = "fhir-events" })
  bigquery_config {
    table          = "${google_bigquery_table.deid_events.project}.${google_bigquery_table.deid_events.dataset_id}.${google_bigquery_table.deid_events.table_id}"
    write_metadata = true
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter["phi"].id
    max_delivery_attempts = var.max_delivery_attempts
  }
  depends_on = [google_bigquery_table_iam_member.pubsub_writes_events]
}

# Forwarding a dead letter needs the Pub/Sub service agent to acknowledge it on the source.
resource "google_pubsub_subscription_iam_member" "deid_events_dead_letter_ack" {
  count        = var.enable_subscription_relay ? 1 : 0
  project      = local.phi_project
  subscription = google_pubsub_subscription.deid_events_to_bigquery[0].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.zone["phi"].number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
