# One Cloud Run service per function. Every service: concurrency bounded (the handlers stream,
# but de-identification is CPU-bound), 10 minute request timeout (the push deadline), JSON logs.
resource "google_cloud_run_v2_service" "fn" {
  for_each = local.functions
  name     = "${local.prefix}-${each.key}"
  location = var.region
  ingress  = each.key == "subscription-relay" ? "INGRESS_TRAFFIC_ALL" : "INGRESS_TRAFFIC_INTERNAL_ONLY"
  labels   = merge(local.labels, { zone = each.value.zone, purpose = each.value.purpose })

  template {
    service_account                  = google_service_account.fn[each.key].email
    timeout                          = "600s"
    max_instance_request_concurrency = each.key == "deidentify" ? 2 : 8
    scaling {
      max_instance_count = 20
    }
    containers {
      image = "${var.image_repository}/${each.key}:${var.image_tag}"
      resources {
        limits = { cpu = "2", memory = "1Gi" }
      }
      env {
        name  = "LOG_FORMAT"
        value = "json"
      }
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "STARVIT_ENV"
        value = var.env
      }
      env {
        name  = "STARVIT_OWNER"
        value = var.owner
      }
      env {
        name  = "STARVIT_PHI_BUCKET"
        value = google_storage_bucket.phi_staging.name
      }
      env {
        name  = "STARVIT_QUARANTINE_BUCKET"
        value = google_storage_bucket.phi_quarantine.name
      }
      env {
        name  = "STARVIT_DEID_BUCKET"
        value = google_storage_bucket.deid.name
      }
      env {
        name  = "STARVIT_DEID_POLICY"
        value = var.deid_policy
      }
      env {
        name  = "STARVIT_RAW_DATASET"
        value = google_bigquery_dataset.deid_raw.dataset_id
      }
      env {
        name  = "STARVIT_GOVERNANCE_DATASET"
        value = google_bigquery_dataset.governance.dataset_id
      }
      env {
        name  = "STARVIT_LOAD_COMPLETE_TOPIC"
        value = google_pubsub_topic.load_complete.id
      }
      dynamic "env" {
        # bulk-export: the FHIR server and what to export (see its config.rs).
        for_each = each.key == "bulk-export" ? {
          STARVIT_FHIR_BASE_URL  = var.medplum_base_url
          STARVIT_EXPORT_TYPES   = join(",", var.export_types)
          STARVIT_FHIR_TOKEN_URL = var.medplum_token_url
          STARVIT_FHIR_CLIENT_ID = var.medplum_client_id
        } : {}
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        # subscription-relay: where the de-identified events go.
        for_each = each.key == "subscription-relay" ? {
          STARVIT_DEID_EVENTS_TOPIC = google_pubsub_topic.deid_events.name
        } : {}
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = each.key == "subscription-relay" ? [1] : []
        content {
          name = "STARVIT_SUBSCRIPTION_SECRET"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.subscription_secret.secret_id
              version = "latest"
            }
          }
        }
      }
      dynamic "env" {
        for_each = each.key == "bulk-export" ? [1] : []
        content {
          name = "STARVIT_FHIR_CLIENT_SECRET"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.medplum_client.secret_id
              version = "latest"
            }
          }
        }
      }
      dynamic "env" {
        # graph-snapshot: node/edge tables, Parquet snapshot, TigerGraph (see its config.rs).
        for_each = each.key == "graph-snapshot" ? {
          STARVIT_GRAPH_DATASET       = google_bigquery_dataset.graph.dataset_id
          STARVIT_TIGERGRAPH_URL      = var.tigergraph_endpoint
          STARVIT_TIGERGRAPH_GRAPH    = var.tigergraph_graph
          STARVIT_TIGERGRAPH_API      = var.tigergraph_api_version
          STARVIT_SNAPSHOT_QUIET_SECS = tostring(var.snapshot_quiet_secs)
        } : {}
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = each.key == "graph-snapshot" ? [1] : []
        content {
          name = "STARVIT_TIGERGRAPH_SECRET"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.tigergraph_secret.secret_id
              version = "latest"
            }
          }
        }
      }
      dynamic "env" {
        for_each = contains(["deidentify", "subscription-relay"], each.key) ? [1] : []
        content {
          name = "STARVIT_DEID_KEY"
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.deid_hmac_key.secret_id
              version = "latest"
            }
          }
        }
      }
    }
  }
}
