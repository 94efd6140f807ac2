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
