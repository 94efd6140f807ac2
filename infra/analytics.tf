# The analytics layer in production (analytics/, dbt): a Cloud Run job runs `analytics/run.sh
# build` (the image of analytics/Dockerfile) in the de-ID project as its own identity, on a
# schedule (var.analytics_schedule, daily by default, after the hourly loads). It reads the flat
# views and the raw tables under them, writes the analytics dataset and appends to
# governance.dataset_versions and analytics_runs; every BigQuery job it runs carries the five
# labels (analytics/macros/governance.sql). A second identity only starts the job: Cloud
# Scheduler calls the Cloud Run Admin API's jobs.run with its token.

resource "google_service_account" "analytics" {
  project      = local.deid_project
  account_id   = "${local.prefix}-dbt"
  display_name = "Starvit analytics job (dbt, deid zone)"
}

resource "google_service_account" "analytics_run" {
  project      = local.deid_project
  account_id   = "${local.prefix}-dbt-run"
  display_name = "Starvit analytics schedule (starts the dbt job)"
}

locals {
  analytics_sa = "serviceAccount:${google_service_account.analytics.email}"
  # analytics/run.sh and analytics/profiles/profiles.yml read these (target prod: ADC).
  analytics_env = {
    GOOGLE_CLOUD_PROJECT       = local.deid_project
    STARVIT_DBT_TARGET         = "prod"
    STARVIT_BQ_LOCATION        = var.region
    STARVIT_ANALYTICS_DATASET  = google_bigquery_dataset.ds["analytics"].dataset_id
    STARVIT_VIEWS_DATASET      = google_bigquery_dataset.ds["deid_views"].dataset_id
    STARVIT_GOVERNANCE_DATASET = google_bigquery_dataset.ds["governance"].dataset_id
    STARVIT_ENV                = var.env
    STARVIT_OWNER              = var.owner
  }
}

resource "google_project_iam_member" "analytics_jobs" {
  project = local.deid_project
  role    = "roles/bigquery.jobUser"
  member  = local.analytics_sa
}

# Reading a view needs its tables too (the views are not authorized views): deid_raw is read.
resource "google_bigquery_dataset_iam_member" "analytics" {
  for_each = {
    analytics  = "roles/bigquery.dataEditor"
    deid_views = "roles/bigquery.dataViewer"
    deid_raw   = "roles/bigquery.dataViewer"
    governance = "roles/bigquery.dataViewer"
  }
  project    = local.deid_project
  dataset_id = google_bigquery_dataset.ds[each.key].dataset_id
  role       = each.value
  member     = local.analytics_sa
}

# The job appends its lineage to these two governance tables only.
resource "google_bigquery_table_iam_member" "analytics_governance" {
  for_each = {
    dataset_versions = google_bigquery_table.dataset_versions
    analytics_runs   = google_bigquery_table.analytics_runs
  }
  project    = local.deid_project
  dataset_id = each.value.dataset_id
  table_id   = each.value.table_id
  role       = "roles/bigquery.dataEditor"
  member     = local.analytics_sa
}

resource "google_cloud_run_v2_job" "analytics" {
  count    = var.deploy_functions ? 1 : 0
  project  = local.deid_project
  name     = "${local.prefix}-analytics"
  location = var.region
  labels   = merge(local.labels, { zone = "deid", purpose = "analytics", pipeline = "analytics" })

  template {
    task_count = 1
    template {
      service_account = google_service_account.analytics.email
      timeout         = "3600s"
      max_retries     = 1
      containers {
        image = "${var.image_repository}/analytics:${var.image_tag}"
        resources {
          limits = { cpu = "1", memory = "2Gi" }
        }
        dynamic "env" {
          for_each = local.analytics_env
          content {
            name  = env.key
            value = env.value
          }
        }
      }
    }
  }
}

resource "google_cloud_run_v2_job_iam_member" "analytics_run" {
  count    = var.deploy_functions ? 1 : 0
  project  = local.deid_project
  location = var.region
  name     = google_cloud_run_v2_job.analytics[0].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.analytics_run.email}"
}

resource "google_cloud_scheduler_job" "analytics" {
  count     = var.deploy_functions ? 1 : 0
  project   = local.deid_project
  name      = "${local.prefix}-analytics"
  region    = var.region
  schedule  = var.analytics_schedule
  time_zone = "Etc/UTC"
  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/projects/${local.deid_project}/locations/${var.region}/jobs/${google_cloud_run_v2_job.analytics[0].name}:run"
    oauth_token {
      service_account_email = google_service_account.analytics_run.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }
}
