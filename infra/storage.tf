# PHI zone: staging (raw $export NDJSON, run records, the incremental cursor) and quarantine (bad
# lines, failed leak gates, unrelayable notifications). CMEK; IAM is authoritative (iam.tf), so
# no project-level convenience binding (projectViewer:...) keeps a legacy read.
resource "google_storage_bucket" "phi_staging" {
  project                     = local.phi_project
  name                        = "${local.phi_project}-${var.env}-phi-staging"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "phi", purpose = "staging" })
  versioning {
    enabled = false
  }
  encryption {
    default_kms_key_name = google_kms_crypto_key.zone["phi"].id
  }
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_kms_crypto_key_iam_binding.zone]
}

resource "google_storage_bucket" "phi_quarantine" {
  project                     = local.phi_project
  name                        = "${local.phi_project}-${var.env}-phi-quarantine"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "phi", purpose = "quarantine" })
  versioning {
    enabled = false
  }
  encryption {
    default_kms_key_name = google_kms_crypto_key.zone["phi"].id
  }
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_kms_crypto_key_iam_binding.zone]
}

# De-ID zone: de-identified NDJSON, bq-load's staging objects and governance records, Parquet
# graph snapshots. Nothing here may identify a person.
resource "google_storage_bucket" "deid" {
  project                     = local.deid_project
  name                        = "${local.deid_project}-${var.env}-deid"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(local.labels, { zone = "deid", purpose = "deid" })
  versioning {
    enabled = false
  }
}
