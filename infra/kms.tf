# Customer-managed keys: one ring per zone. PHI buckets are encrypted with the PHI zone's key,
# BigQuery datasets with the de-ID zone's key. The service agents (not the functions) use them.
resource "google_kms_key_ring" "phi" {
  project  = local.phi_project
  name     = "${local.prefix}-phi"
  location = var.region
}

resource "google_kms_crypto_key" "phi_storage" {
  name            = "phi-storage"
  key_ring        = google_kms_key_ring.phi.id
  rotation_period = "7776000s"
  labels          = merge(local.labels, { zone = "phi", purpose = "cmek" })
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_key_ring" "deid" {
  project  = local.deid_project
  name     = "${local.prefix}-deid"
  location = var.region
}

resource "google_kms_crypto_key" "deid_bigquery" {
  name            = "deid-bigquery"
  key_ring        = google_kms_key_ring.deid.id
  rotation_period = "7776000s"
  labels          = merge(local.labels, { zone = "deid", purpose = "cmek" })
  lifecycle {
    prevent_destroy = true
  }
}

data "google_storage_project_service_account" "phi" {
  project = local.phi_project
}

data "google_storage_project_service_account" "deid" {
  project = local.deid_project
}

data "google_bigquery_default_service_account" "deid" {
  project = local.deid_project
}

resource "google_kms_crypto_key_iam_binding" "phi_storage" {
  crypto_key_id = google_kms_crypto_key.phi_storage.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  members       = ["serviceAccount:${data.google_storage_project_service_account.phi.email_address}"]
}

resource "google_kms_crypto_key_iam_binding" "deid_bigquery" {
  crypto_key_id = google_kms_crypto_key.deid_bigquery.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  members       = ["serviceAccount:${data.google_bigquery_default_service_account.deid.email}"]
}
