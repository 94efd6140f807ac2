# PHI side: staging (raw $export NDJSON) and quarantine (bad lines, failed leak gates).
resource "google_storage_bucket" "phi_staging" {
  name                        = "${local.prefix}-phi-staging"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "phi" })
  versioning { enabled = false }
  lifecycle_rule {
    condition { age = 30 }
    action { type = "Delete" }
  }
}

resource "google_storage_bucket" "phi_quarantine" {
  name                        = "${local.prefix}-phi-quarantine"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "phi" })
  lifecycle_rule {
    condition { age = 90 }
    action { type = "Delete" }
  }
}

# De-ID side: de-identified NDJSON and Parquet graph snapshots. Nothing here may identify a person.
resource "google_storage_bucket" "deid" {
  name                        = "${local.prefix}-deid"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "deid" })
}
