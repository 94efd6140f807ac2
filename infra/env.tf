# The environment of each function: exactly the settings its config.rs reads, nothing shared by
# default (infra/checks/env_contract.py holds this map to the code: names, formats, required
# values, defaults that name a resource). Topics are short names: the code builds the path from
# GOOGLE_CLOUD_PROJECT. Secrets are mounted from Secret Manager; the de-ID key at a pinned version.
locals {
  function_env = {
    bulk-export = {
      GOOGLE_CLOUD_PROJECT   = local.phi_project
      LOG_FORMAT             = "json"
      STARVIT_PIPELINE       = local.functions_all["bulk-export"].pipeline
      STARVIT_PHI_BUCKET     = google_storage_bucket.phi_staging.name
      STARVIT_FHIR_BASE_URL  = var.medplum_base_url
      STARVIT_EXPORT_TYPES   = join(",", var.export_types)
      STARVIT_FHIR_TOKEN_URL = var.medplum_token_url
      STARVIT_FHIR_CLIENT_ID = var.medplum_client_id
      # Parts of at most this size: one deidentify and one bq-load delivery each (memory on Cloud Run).
      STARVIT_EXPORT_PART_BYTES = tostring(var.export_part_bytes)
    }
    deidentify = merge({
      GOOGLE_CLOUD_PROJECT      = local.phi_project
      LOG_FORMAT                = "json"
      STARVIT_PIPELINE          = local.functions_all["deidentify"].pipeline
      STARVIT_PHI_BUCKET        = google_storage_bucket.phi_staging.name
      STARVIT_DEID_BUCKET       = google_storage_bucket.deid.name
      STARVIT_QUARANTINE_BUCKET = google_storage_bucket.phi_quarantine.name
      STARVIT_DEID_POLICY       = var.deid_policy
      # Where the policy approvals are (starvit-approval): approvals/ in the PHI staging bucket.
      STARVIT_DEID_APPROVAL_BUCKET = google_storage_bucket.phi_staging.name
      }, local.dlp_used ? {
      # Cloud DLP for the text elements of the profile's [text] section (dlp.tf).
      STARVIT_DLP_ENDPOINT = var.dlp_endpoint
      STARVIT_DLP_PARENT   = local.dlp_parent
    } : {})
    bq-load = {
      GOOGLE_CLOUD_PROJECT        = local.deid_project
      LOG_FORMAT                  = "json"
      STARVIT_PIPELINE            = local.functions_all["bq-load"].pipeline
      STARVIT_ENV                 = var.env
      STARVIT_OWNER               = var.owner
      STARVIT_DEID_BUCKET         = google_storage_bucket.deid.name
      STARVIT_RAW_DATASET         = google_bigquery_dataset.ds["deid_raw"].dataset_id
      STARVIT_STAGING_DATASET     = google_bigquery_dataset.ds["staging"].dataset_id
      STARVIT_GOVERNANCE_DATASET  = google_bigquery_dataset.ds["governance"].dataset_id
      STARVIT_LOAD_COMPLETE_TOPIC = google_pubsub_topic.load_complete.name
      STARVIT_BQ_CONCURRENCY      = tostring(var.bq_load_concurrency)
      BIGQUERY_LOCATION           = var.region
    }
    graph-snapshot = {
      GOOGLE_CLOUD_PROJECT        = local.deid_project
      LOG_FORMAT                  = "json"
      STARVIT_PIPELINE            = local.functions_all["graph-snapshot"].pipeline
      STARVIT_ENV                 = var.env
      STARVIT_OWNER               = var.owner
      STARVIT_DEID_BUCKET         = google_storage_bucket.deid.name
      STARVIT_RAW_DATASET         = google_bigquery_dataset.ds["deid_raw"].dataset_id
      STARVIT_GOVERNANCE_DATASET  = google_bigquery_dataset.ds["governance"].dataset_id
      STARVIT_GRAPH_DATASET       = google_bigquery_dataset.ds["graph"].dataset_id
      STARVIT_TIGERGRAPH_URL      = var.tigergraph_endpoint
      STARVIT_TIGERGRAPH_GRAPH    = var.tigergraph_graph
      STARVIT_TIGERGRAPH_API      = var.tigergraph_api_version
      STARVIT_SNAPSHOT_QUIET_SECS = tostring(var.snapshot_quiet_secs)
      BIGQUERY_LOCATION           = var.region
    }
    subscription-relay = {
      GOOGLE_CLOUD_PROJECT      = local.phi_project
      LOG_FORMAT                = "json"
      STARVIT_PIPELINE          = local.functions_all["subscription-relay"].pipeline
      STARVIT_QUARANTINE_BUCKET = google_storage_bucket.phi_quarantine.name
      STARVIT_DEID_EVENTS_TOPIC = google_pubsub_topic.deid_events.name
      STARVIT_DEID_POLICY       = var.deid_policy
      # Where the policy approvals are (starvit-approval): approvals/ in the PHI staging bucket.
      STARVIT_DEID_APPROVAL_BUCKET = google_storage_bucket.phi_staging.name
    }
  }
  # Secret-backed settings: variable -> (secret, version). The IAM check holds the accessors of
  # each secret to exactly the functions listed here.
  function_secrets = {
    bulk-export = {
      STARVIT_FHIR_CLIENT_SECRET = { secret = "medplum_client", version = "latest" }
    }
    deidentify = {
      STARVIT_DEID_KEY = { secret = "deid_hmac_key", version = var.deid_key_version }
    }
    bq-load = {}
    graph-snapshot = {
      STARVIT_TIGERGRAPH_SECRET = { secret = "tigergraph_secret", version = "latest" }
    }
    subscription-relay = {
      STARVIT_SUBSCRIPTION_SECRET = { secret = "subscription_secret", version = "latest" }
      STARVIT_DEID_KEY            = { secret = "deid_hmac_key", version = var.deid_key_version }
    }
  }
}
