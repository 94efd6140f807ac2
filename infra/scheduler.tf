# Pattern A: Cloud Scheduler publishes to the export-trigger topic; Eventarc delivers it to
# bulk-export as messagePublished. Hourly (by default) an incremental export `_since` the cursor
# (the last landed transactionTime) reconciles Pattern B; weekly a full export re-states everything.
locals {
  schedules = {
    incremental-export = { schedule = var.export_schedule, body = jsonencode({ incremental = true }) }
    full-export        = { schedule = var.full_export_schedule, body = "{}" }
  }
}

resource "google_cloud_scheduler_job" "export" {
  for_each  = var.deploy_functions ? local.schedules : {}
  project   = local.phi_project
  name      = "${local.prefix}-${each.key}"
  region    = var.region
  schedule  = each.value.schedule
  time_zone = "Etc/UTC"
  pubsub_target {
    topic_name = google_pubsub_topic.export_trigger.id
    data       = base64encode(each.value.body)
  }
}
