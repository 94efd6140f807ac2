# Cloud Scheduler -> export-trigger -> Eventarc -> bulk-export.
resource "google_pubsub_topic" "export_trigger" {
  name   = "${local.prefix}-export-trigger"
  labels = local.labels
}

resource "google_pubsub_topic" "load_complete" {
  name   = "${local.prefix}-load-complete"
  labels = local.labels
}

resource "google_pubsub_topic" "deid_events" {
  name   = "${local.prefix}-deid-events"
  labels = local.labels
}

resource "google_pubsub_topic" "dead_letter" {
  name   = "${local.prefix}-dead-letter"
  labels = local.labels
}

resource "google_pubsub_subscription" "deid_events_to_bigquery" {
  count  = var.enable_subscription_relay ? 1 : 0
  name   = "${local.prefix}-deid-events-bq"
  topic  = google_pubsub_topic.deid_events.id
  labels = local.labels
  bigquery_config {
    table          = "${google_bigquery_table.deid_events.project}.${google_bigquery_table.deid_events.dataset_id}.${google_bigquery_table.deid_events.table_id}"
    write_metadata = true
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }
}
