# Pattern A: the scheduled incremental $export (source of truth, reconciles Pattern B events).
resource "google_cloud_scheduler_job" "export" {
  name      = "${local.prefix}-incremental-export"
  region    = var.region
  schedule  = var.export_schedule
  time_zone = "Etc/UTC"
  http_target {
    http_method = "POST"
    uri         = "${google_cloud_run_v2_service.fn["bulk-export"].uri}/"
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode(jsonencode({ types = var.export_types, incremental = true }))
    oidc_token {
      service_account_email = google_service_account.eventarc.email
    }
  }
}
