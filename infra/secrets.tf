# Secrets. Terraform creates them empty; values are added as versions out of band (never in
# Terraform state), before stage 2 (deploy_functions = true) deploys the services that mount them.
# Replicated only in var.region. Who may read each one is in iam.tf (one authoritative binding).
locals {
  secrets = {
    deid_hmac_key       = { zone = "phi", id = "deid-hmac-key" }
    medplum_client      = { zone = "phi", id = "medplum-client-credentials" }
    subscription_secret = { zone = "phi", id = "medplum-subscription-secret" }
    tigergraph_secret   = { zone = "deid", id = "tigergraph-secret" }
  }
}

resource "google_secret_manager_secret" "s" {
  for_each  = local.secrets
  project   = local.zones[each.value.zone]
  secret_id = "${local.prefix}-${each.value.id}"
  labels    = merge(local.labels, { zone = each.value.zone, purpose = "secret" })
  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}
