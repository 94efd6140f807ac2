# Pattern A: Cloud Scheduler publishes to the export-trigger topic; Eventarc delivers it to
# bulk-export as messagePublished. Hourly (by default) an incremental export `_since` the cursor
# (the last landed transactionTime) reconciles Pattern B; weekly a full export re-states everything.
resource "google_cloud_scheduler_job" "export" {
  name      = "${local.prefix}-incremental-export"
  region    = var.region
  schedule  = var.export_schedule
  time_zone = "Etc/UTC"
  pubsub_target {
    topic_name = google_pubsub_topic.export_trigger.id
    data       = base64encode(jsonencode({ incremental = true }))
  }
}

resource "google_cloud_scheduler_job" "full_export" {
  name      = "${local.prefix}-full-export"
  region    = var.region
  schedule  = var.full_export_schedule
  time_zone = "Etc/UTC"
  pubsub_target {
    topic_name = google_pubsub_topic.export_trigger.id
    data       = base64encode("{}")
  }
}
