variable "project_id" {
  description = "GCP project that hosts both zones (use two projects by duplicating this module with different providers if your policy requires it)."
  type        = string
}

variable "region" {
  description = "Region for buckets, Cloud Run services, Eventarc triggers and BigQuery datasets."
  type        = string
  default     = "us-central1"
}

variable "env" {
  description = "Environment label (dev, staging, prod). Lowercase [a-z0-9_-]; lands in every BigQuery job label."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9_-]{1,63}$", var.env))
    error_message = "env must be a valid BigQuery label value."
  }
}

variable "owner" {
  description = "Owning team, stamped as the `owner` label on every resource and BigQuery job."
  type        = string
  default     = "data-platform"
}

variable "image_repository" {
  description = "Artifact Registry path holding the function images, e.g. us-central1-docker.pkg.dev/PROJECT/starvit."
  type        = string
}

variable "image_tag" {
  description = "Image tag deployed for every function (one release = one tag)."
  type        = string
}

variable "medplum_base_url" {
  description = "Medplum FHIR base, e.g. https://api.medplum.com/fhir/R4 (PHI zone)."
  type        = string
}

variable "deid_policy" {
  description = "De-identification profile: shifted (default) or safe-harbor."
  type        = string
  default     = "shifted"
  validation {
    condition     = contains(["shifted", "safe-harbor"], var.deid_policy)
    error_message = "deid_policy must be shifted or safe-harbor."
  }
}

variable "medplum_token_url" {
  description = "Medplum OAuth2 token endpoint for client credentials, e.g. https://api.medplum.com/oauth2/token."
  type        = string
}

variable "medplum_client_id" {
  description = "Medplum ClientApplication id used by bulk-export (its secret goes to the medplum-client-credentials secret, out of band)."
  type        = string
}

variable "full_export_schedule" {
  description = "Cron schedule of the full $export that re-states everything."
  type        = string
  default     = "30 3 * * 0"
}

variable "export_schedule" {
  description = "Cron schedule of the incremental $export (Pattern A, reconciles Pattern B)."
  type        = string
  default     = "0 * * * *"
}

variable "export_types" {
  description = "Resource types requested from $export (_type is always passed: a system export otherwise includes ClientApplication secrets)."
  type        = list(string)
  default = [
    "Patient", "Encounter", "Observation", "Condition", "Procedure", "MedicationRequest",
    "MedicationAdministration", "MedicationStatement", "Immunization", "AllergyIntolerance",
    "DiagnosticReport", "DocumentReference", "CarePlan", "CareTeam", "Claim", "ExplanationOfBenefit",
    "Coverage", "ServiceRequest", "Goal", "ImagingStudy", "Device", "Practitioner", "PractitionerRole",
    "Organization", "Location", "Provenance",
  ]
}

variable "tigergraph_endpoint" {
  description = "TigerGraph base URL (graph-snapshot)."
  type        = string
  default     = ""
}

variable "tigergraph_graph" {
  description = "TigerGraph graph name (infra/tigergraph/schema.gsql creates `starvit`)."
  type        = string
  default     = "starvit"
}

variable "tigergraph_api_version" {
  description = "TigerGraph REST API: \"4\" (loading jobs read the Parquet snapshot by gs:// URI) or \"3\" (JSON lines pushed to /restpp/ddl)."
  type        = string
  default     = "4"
  validation {
    condition     = contains(["3", "4"], var.tigergraph_api_version)
    error_message = "tigergraph_api_version must be \"3\" or \"4\"."
  }
}

variable "snapshot_quiet_secs" {
  description = "graph-snapshot waits until no load has landed for this long, so one export makes one graph version."
  type        = number
  default     = 120
}

variable "enable_subscription_relay" {
  description = "Deploy subscription-relay (Pattern B) and the events' BigQuery subscription. Needs the Medplum Subscription secret in <prefix>-medplum-subscription-secret."
  type        = bool
  default     = false
}
