# Keys of the PHI zone. Values are added out of band (never in Terraform state).
resource "google_secret_manager_secret" "deid_hmac_key" {
  secret_id = "${local.prefix}-deid-hmac-key"
  labels    = local.labels
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret" "subscription_secret" {
  secret_id = "${local.prefix}-medplum-subscription-secret"
  labels    = local.labels
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret" "medplum_client" {
  secret_id = "${local.prefix}-medplum-client-credentials"
  labels    = local.labels
  replication {
    auto {}
  }
}

# De-ID zone: the secret graph-snapshot trades for a TigerGraph token.
resource "google_secret_manager_secret" "tigergraph_secret" {
  secret_id = "${local.prefix}-tigergraph-secret"
  labels    = local.labels
  replication {
    auto {}
  }
}
