# Customer-managed keys, one ring per zone: the PHI buckets use the PHI zone's key (through the
# PHI project's storage service agent), the BigQuery datasets the de-ID zone's key (through the
# de-ID project's BigQuery service agent). The functions themselves hold no KMS role.
locals {
  cmek = {
    phi = {
      project = local.phi_project
      key     = "phi-storage"
      agent   = "serviceAccount:${data.google_storage_project_service_account.phi.email_address}"
    }
    deid = {
      project = local.deid_project
      key     = "deid-bigquery"
      agent   = "serviceAccount:${data.google_bigquery_default_service_account.deid.email}"
    }
  }
}

resource "google_kms_key_ring" "zone" {
  for_each = local.cmek
  project  = each.value.project
  name     = "${local.prefix}-${each.key}"
  location = var.region
}

resource "google_kms_crypto_key" "zone" {
  for_each        = local.cmek
  name            = each.value.key
  key_ring        = google_kms_key_ring.zone[each.key].id
  rotation_period = "7776000s"
  labels          = merge(local.labels, { zone = each.key, purpose = "cmek" })
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key_iam_binding" "zone" {
  for_each      = local.cmek
  crypto_key_id = google_kms_crypto_key.zone[each.key].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  members       = [each.value.agent]
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
