# One Cloud Run service per function, in its zone's project, deployed in stage 2. Concurrency and
# instances come from local.functions (bq-load's product is bounded by BigQuery's DML limits);
# 10 minute request timeout (the push deadline); the environment is local.function_env.
resource "google_cloud_run_v2_service" "fn" {
  for_each = local.deployed
  project  = each.value.project
  name     = "${local.prefix}-${each.key}"
  location = var.region
  ingress  = each.key == "subscription-relay" ? "INGRESS_TRAFFIC_ALL" : "INGRESS_TRAFFIC_INTERNAL_ONLY"
  labels = merge(local.labels, {
    zone     = each.value.zone
    purpose  = each.value.purpose
    pipeline = each.value.pipeline
  })

  template {
    service_account                  = google_service_account.fn[each.key].email
    timeout                          = "600s"
    max_instance_request_concurrency = each.value.concurrency
    scaling {
      max_instance_count = each.value.max_instances
    }
    containers {
      image = "${var.image_repository}/${each.key}:${var.image_tag}"
      resources {
        limits = { cpu = "2", memory = "1Gi" }
      }
      dynamic "env" {
        for_each = local.function_env[each.key]
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = local.function_secrets[each.key]
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.s[env.value.secret].secret_id
              version = env.value.version
            }
          }
        }
      }
    }
  }
  depends_on = [google_secret_manager_secret_iam_binding.accessor]
}
