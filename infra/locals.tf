locals {
  phi_project    = var.phi_project_id
  deid_project   = coalesce(var.deid_project_id, var.phi_project_id)
  single_project = local.deid_project == local.phi_project
  prefix         = "starvit-${var.env}"
  dataset_prefix = "starvit_${var.env}"
  # Every resource carries these; each resource adds its `zone` and `purpose`.
  labels = {
    service  = "starvit"
    owner    = var.owner
    env      = var.env
    pipeline = "fhir-batch"
  }
  # One Cloud Run service and service account per function. `short` keeps service-account ids
  # within 30 characters (env is at most 12). bq-load: instances x concurrency stays within
  # BigQuery's 2 running + 20 queued mutating DML statements per table (see variables.tf).
  functions_all = {
    bulk-export = {
      zone          = "phi"
      project       = local.phi_project
      short         = "export"
      purpose       = "export"
      pipeline      = "fhir-batch"
      max_instances = 1
      concurrency   = 1
    }
    deidentify = {
      zone          = "phi"
      project       = local.phi_project
      short         = "deident"
      purpose       = "deidentify"
      pipeline      = "fhir-batch"
      max_instances = 20
      concurrency   = 2
    }
    bq-load = {
      zone          = "deid"
      project       = local.deid_project
      short         = "load"
      purpose       = "load"
      pipeline      = "fhir-batch"
      max_instances = var.bq_load_max_instances
      concurrency   = var.bq_load_concurrency
    }
    graph-snapshot = {
      zone          = "deid"
      project       = local.deid_project
      short         = "graph"
      purpose       = "graph"
      pipeline      = "fhir-batch"
      max_instances = 1
      concurrency   = 1
    }
    subscription-relay = {
      zone          = "phi"
      project       = local.phi_project
      short         = "relay"
      purpose       = "relay"
      pipeline      = "fhir-events"
      max_instances = 10
      concurrency   = 8
    }
  }
  # subscription-relay (Pattern B) is deployed only when enabled (it needs the Subscription secret).
  functions = {
    for k, f in local.functions_all : k => f if k != "subscription-relay" || var.enable_subscription_relay
  }
  # Services, triggers and schedules exist only once the secrets have versions (stage 2).
  deployed = var.deploy_functions ? local.functions : {}
}

# A sandbox may put both zones in one project; then project-level basic roles reach the PHI
# buckets' neighbours and the boundary rests on bucket IAM alone. Warn on every plan.
check "two_projects" {
  assert {
    condition     = !local.single_project
    error_message = "Sandbox mode: the PHI and de-ID zones share project ${local.phi_project}. Set deid_project_id to a second project for anything holding real PHI."
  }
}
