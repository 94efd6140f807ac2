# Identities and grants. Least privilege: roles on the bucket, dataset, topic, secret or service a
# function uses, never a project-level storage, secret or basic role. PHI buckets have
# authoritative policies (google_storage_bucket_iam_policy): whoever is not listed has no access,
# project convenience bindings included. infra/checks/iam_boundary.py holds this file to the
# boundary (no de-ID-zone identity reads PHI; secrets readable only by the functions mounting them).

resource "google_service_account" "fn" {
  for_each     = local.functions
  project      = each.value.project
  account_id   = "${local.prefix}-${each.value.short}"
  display_name = "Starvit ${each.key} (${each.value.zone} zone)"
}

resource "google_service_account" "eventarc" {
  for_each     = local.zones
  project      = each.value
  account_id   = "${local.prefix}-evt-${each.key}"
  display_name = "Starvit Eventarc invoker (${each.key} zone)"
}

locals {
  sa = { for k, s in google_service_account.fn : k => "serviceAccount:${s.email}" }
  # bulk-export reads and replaces only its run records and the incremental cursor.
  export_state_condition = join(" || ", [
    "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.phi_staging.name}/objects/exports/_runs/\")",
    "resource.name == \"projects/_/buckets/${google_storage_bucket.phi_staging.name}/objects/exports/_cursor.json\"",
  ])
  # Policy approvals (starvit-approval): approvers write them, deidentify and the relay read them.
  approvals_condition = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.phi_staging.name}/objects/approvals/\")"
  # Who reads each secret: exactly the functions that mount it (local.function_secrets).
  secret_readers = {
    for s, _ in local.secrets : s => sort(distinct([
      for f, vars in local.function_secrets : local.sa[f]
      if contains(keys(local.sa), f) && contains([for v in values(vars) : v.secret], s)
    ]))
  }
}

# --- PHI zone: authoritative bucket policies -------------------------------------------------
data "google_iam_policy" "phi_staging" {
  binding {
    role    = "roles/storage.objectCreator"
    members = [local.sa["bulk-export"]]
  }
  binding {
    role    = "roles/storage.objectUser"
    members = [local.sa["bulk-export"]]
    condition {
      title      = "export-state-only"
      expression = local.export_state_condition
    }
  }
  binding {
    role    = "roles/storage.objectViewer"
    members = [local.sa["deidentify"]]
  }
  dynamic "binding" {
    for_each = contains(keys(local.sa), "subscription-relay") ? [1] : []
    content {
      role    = "roles/storage.objectViewer"
      members = [local.sa["subscription-relay"]]
      condition {
        title      = "approvals-only"
        expression = local.approvals_condition
      }
    }
  }
  dynamic "binding" {
    for_each = length(var.policy_approvers) > 0 ? toset(["roles/storage.objectCreator", "roles/storage.objectViewer"]) : toset([])
    content {
      role    = binding.value
      members = var.policy_approvers
      condition {
        title      = "approvals-only"
        expression = local.approvals_condition
      }
    }
  }
}

resource "google_storage_bucket_iam_policy" "phi_staging" {
  bucket      = google_storage_bucket.phi_staging.name
  policy_data = data.google_iam_policy.phi_staging.policy_data
}

data "google_iam_policy" "phi_quarantine" {
  binding {
    role    = "roles/storage.objectCreator"
    members = [for k in ["deidentify", "subscription-relay"] : local.sa[k] if contains(keys(local.sa), k)]
  }
}

resource "google_storage_bucket_iam_policy" "phi_quarantine" {
  bucket      = google_storage_bucket.phi_quarantine.name
  policy_data = data.google_iam_policy.phi_quarantine.policy_data
}

# --- Secrets: exactly the functions that mount each one (local.function_secrets) -------------
resource "google_secret_manager_secret_iam_binding" "accessor" {
  for_each  = { for s, readers in local.secret_readers : s => readers if length(readers) > 0 }
  project   = google_secret_manager_secret.s[each.key].project
  secret_id = google_secret_manager_secret.s[each.key].secret_id
  role      = "roles/secretmanager.secretAccessor"
  members   = each.value
}

# --- De-ID bucket: deidentify writes, bq-load reads and stages, graph-snapshot exports ------
resource "google_storage_bucket_iam_member" "deid" {
  for_each = {
    deidentify-create  = { fn = "deidentify", role = "roles/storage.objectCreator" }
    bq-load-read       = { fn = "bq-load", role = "roles/storage.objectViewer" }
    bq-load-create     = { fn = "bq-load", role = "roles/storage.objectCreator" }
    graph-snapshot-use = { fn = "graph-snapshot", role = "roles/storage.objectUser" }
  }
  bucket = google_storage_bucket.deid.name
  role   = each.value.role
  member = local.sa[each.value.fn]
}

# --- BigQuery (de-ID project) ---------------------------------------------------------------
resource "google_project_iam_member" "bq_jobs" {
  for_each = toset(["bq-load", "graph-snapshot"])
  project  = local.deid_project
  role     = "roles/bigquery.jobUser"
  member   = local.sa[each.key]
}

resource "google_bigquery_dataset_iam_member" "ds" {
  for_each = {
    bq-load-raw               = { fn = "bq-load", ds = "deid_raw", role = "roles/bigquery.dataEditor" }
    bq-load-staging           = { fn = "bq-load", ds = "staging", role = "roles/bigquery.dataEditor" }
    bq-load-governance        = { fn = "bq-load", ds = "governance", role = "roles/bigquery.dataEditor" }
    graph-snapshot-raw        = { fn = "graph-snapshot", ds = "deid_raw", role = "roles/bigquery.dataViewer" }
    graph-snapshot-governance = { fn = "graph-snapshot", ds = "governance", role = "roles/bigquery.dataEditor" }
    graph-snapshot-graph      = { fn = "graph-snapshot", ds = "graph", role = "roles/bigquery.dataEditor" }
  }
  project    = local.deid_project
  dataset_id = google_bigquery_dataset.ds[each.value.ds].dataset_id
  role       = each.value.role
  member     = local.sa[each.value.fn]
}

# Policy approvers mirror their approvals into governance.deid_policy_approvals (that table only).
resource "google_bigquery_table_iam_member" "approvers_mirror" {
  for_each   = toset(var.policy_approvers)
  project    = local.deid_project
  dataset_id = google_bigquery_table.deid_policy_approvals.dataset_id
  table_id   = google_bigquery_table.deid_policy_approvals.table_id
  role       = "roles/bigquery.dataEditor"
  member     = each.value
}

resource "google_project_iam_member" "approvers_jobs" {
  for_each = toset(var.policy_approvers)
  project  = local.deid_project
  member   = each.value

  role = "roles/bigquery.jobUser"
}

# The PHI project's Pub/Sub service agent streams the relay's events into BigQuery.
resource "google_bigquery_table_iam_member" "pubsub_writes_events" {
  count      = var.enable_subscription_relay ? 1 : 0
  project    = local.deid_project
  dataset_id = google_bigquery_table.deid_events.dataset_id
  table_id   = google_bigquery_table.deid_events.table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:service-${data.google_project.zone["phi"].number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# --- Pub/Sub --------------------------------------------------------------------------------
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = merge({
    load-complete = { topic = google_pubsub_topic.load_complete, member = local.sa["bq-load"] }
    export-trigger = {
      topic  = google_pubsub_topic.export_trigger
      member = "serviceAccount:service-${data.google_project.zone["phi"].number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
    }
    }, var.enable_subscription_relay ? {
    deid-events = { topic = google_pubsub_topic.deid_events, member = local.sa["subscription-relay"] }
  } : {})
  project = each.value.topic.project
  topic   = each.value.topic.name
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

# GCS publishes object events to Pub/Sub for Eventarc (each zone's storage service agent).
resource "google_project_iam_member" "gcs_pubsub" {
  for_each = local.zones
  project  = each.value
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${each.key == "phi" ? data.google_storage_project_service_account.phi.email_address : data.google_storage_project_service_account.deid.email_address}"
}

# --- Cloud Run invokers ---------------------------------------------------------------------
resource "google_project_iam_member" "eventarc_receiver" {
  for_each = local.zones
  project  = each.value
  role     = "roles/eventarc.eventReceiver"
  member   = "serviceAccount:${google_service_account.eventarc[each.key].email}"
}

resource "google_cloud_run_v2_service_iam_member" "eventarc_invokes" {
  for_each = { for k, t in local.triggers : k => t if var.deploy_functions }
  project  = local.zones[each.value.zone]
  name     = google_cloud_run_v2_service.fn[each.key].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.eventarc[each.value.zone].email}"
}

# Medplum cannot present Google credentials: the relay is public and every notification must
# carry a valid X-Signature (HMAC of the body with the Subscription secret), checked first.
resource "google_cloud_run_v2_service_iam_member" "relay_public" {
  count    = var.enable_subscription_relay && var.deploy_functions ? 1 : 0
  project  = local.phi_project
  name     = google_cloud_run_v2_service.fn["subscription-relay"].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}
