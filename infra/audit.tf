# Data Access audit logs on the PHI side: every read and write of a PHI object, secret or key is
# logged (Admin Activity is always on). The de-ID side keeps BigQuery's default audit logs.
resource "google_project_iam_audit_config" "phi" {
  for_each = toset(["storage.googleapis.com", "secretmanager.googleapis.com", "cloudkms.googleapis.com"])
  project  = local.phi_project
  service  = each.value
  audit_log_config {
    log_type = "ADMIN_READ"
  }
  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}
