# Every value is checked here, so a bad one fails at plan time rather than at start-up of a
# function (or as an invalid service-account id halfway through an apply).

variable "phi_project_id" {
  description = "Project of the PHI zone: Medplum access, PHI staging and quarantine buckets, the de-ID key, bulk-export, deidentify, subscription-relay."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.phi_project_id))
    error_message = "phi_project_id must be a project id (6-30 characters of [a-z0-9-], starting with a letter)."
  }
}

variable "deid_project_id" {
  description = "Project of the de-ID zone: de-ID bucket, BigQuery datasets, bq-load, graph-snapshot. null = sandbox: both zones in phi_project_id (plan warns; refused for env = prod)."
  type        = string
  default     = null
  validation {
    condition     = var.deid_project_id == null || can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.deid_project_id))
    error_message = "deid_project_id must be a project id (6-30 characters of [a-z0-9-], starting with a letter)."
  }
  validation {
    condition     = var.env != "prod" || (var.deid_project_id != null && var.deid_project_id != var.phi_project_id)
    error_message = "env = prod needs two projects: set deid_project_id to a project other than phi_project_id."
  }
}

variable "region" {
  description = "Region of the buckets, KMS keys, Cloud Run services, Eventarc triggers and BigQuery datasets."
  type        = string
  default     = "us-central1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Cloud region such as us-central1 (the KMS keys and datasets need a region, not a multi-region)."
  }
}

variable "env" {
  description = "Environment (dev, staging, prod): 1-12 characters of [a-z0-9], starting with a letter. It lands in resource names, service-account ids and every BigQuery job label."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.env))
    error_message = "env must be 1-12 characters of [a-z0-9] starting with a letter (it goes into service-account ids of at most 30 characters)."
  }
}

variable "owner" {
  description = "Owning team, the `owner` label of every resource and BigQuery job: 1-63 characters of [a-z0-9_-]."
  type        = string
  default     = "data-platform"
  validation {
    condition     = can(regex("^[a-z0-9_-]{1,63}$", var.owner))
    error_message = "owner must be 1-63 characters of [a-z0-9_-] (a BigQuery job label value)."
  }
}

variable "deploy_functions" {
  description = "Stage 2: deploy the Cloud Run services, Eventarc triggers and schedules. Apply with false first, add the secret versions, then apply with true."
  type        = bool
  default     = false
}

variable "image_repository" {
  description = "Artifact Registry path of the function images, e.g. us-central1-docker.pkg.dev/PROJECT/starvit."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9-]+-docker\\.pkg\\.dev/[a-z][a-z0-9-]+/[a-z0-9._-]+$", var.image_repository))
    error_message = "image_repository must be an Artifact Registry path REGION-docker.pkg.dev/PROJECT/REPOSITORY."
  }
}

variable "image_tag" {
  description = "Image tag deployed for every function (one release = one tag)."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a Docker tag other than latest (one release = one tag)."
  }
}

variable "deid_key_version" {
  description = "Secret Manager version of the de-ID key mounted by deidentify and subscription-relay (a number, never latest: a new key changes every pseudonym)."
  type        = string
  default     = "1"
  validation {
    condition     = can(regex("^[1-9][0-9]*$", var.deid_key_version))
    error_message = "deid_key_version must be a version number; latest would let a new version change every pseudonym silently."
  }
}

variable "medplum_base_url" {
  description = "Medplum FHIR base, e.g. https://api.medplum.com/fhir/R4."
  type        = string
  validation {
    condition     = can(regex("^https://[^/\\s]+(/\\S*)?$", var.medplum_base_url))
    error_message = "medplum_base_url must be an https URL."
  }
}

variable "medplum_token_url" {
  description = "Medplum OAuth2 token endpoint for client credentials, e.g. https://api.medplum.com/oauth2/token."
  type        = string
  validation {
    condition     = can(regex("^https://[^/\\s]+(/\\S*)?$", var.medplum_token_url))
    error_message = "medplum_token_url must be an https URL."
  }
}

variable "medplum_client_id" {
  description = "Medplum ClientApplication id used by bulk-export (its secret goes into the medplum-client-credentials secret)."
  type        = string
  validation {
    condition     = length(trimspace(var.medplum_client_id)) > 0
    error_message = "medplum_client_id is required."
  }
}

variable "policy_approvers" {
  description = "Who may approve a de-ID policy version (`starvit approve`): members such as user:privacy-officer@example.org. They write approvals/ in the PHI staging bucket and the governance mirror, nothing else."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.policy_approvers : can(regex("^(user|group):", m))])
    error_message = "policy_approvers are user: or group: members (a person accountable for the release, not a service)."
  }
}

variable "deid_policy" {
  description = "De-identification profile: shifted (default), safe-harbor, or shifted-text (shifted, plus the free-text elements of its [text] section through Cloud DLP: enables the DLP API and grants deidentify roles/dlp.user in the PHI project)."
  type        = string
  default     = "shifted"
  validation {
    condition     = contains(["shifted", "safe-harbor", "shifted-text"], var.deid_policy)
    error_message = "deid_policy must be shifted, safe-harbor or shifted-text."
  }
}

variable "dlp_endpoint" {
  description = "Cloud DLP API base URL deidentify calls for the text elements of the shifted-text profile (STARVIT_DLP_ENDPOINT)."
  type        = string
  default     = "https://dlp.googleapis.com"
  validation {
    condition     = can(regex("^https://[a-z0-9.-]+$", var.dlp_endpoint))
    error_message = "dlp_endpoint must be an https:// base URL without a path."
  }
}

variable "dlp_location" {
  description = "Location of the DLP requests (STARVIT_DLP_PARENT = projects/<PHI project>/locations/<this>): global, or a region to keep the text processing there."
  type        = string
  default     = "global"
  validation {
    condition     = var.dlp_location == "global" || can(regex("^[a-z]+-[a-z]+[0-9]$", var.dlp_location))
    error_message = "dlp_location must be global or a region such as us-central1."
  }
}

variable "export_schedule" {
  description = "Cron schedule of the incremental $export (Pattern A; reconciles Pattern B)."
  type        = string
  default     = "0 * * * *"
  validation {
    condition     = length(split(" ", var.export_schedule)) == 5
    error_message = "export_schedule must be a five-field cron expression."
  }
}

variable "full_export_schedule" {
  description = "Cron schedule of the full $export that re-states everything."
  type        = string
  default     = "30 3 * * 0"
  validation {
    condition     = length(split(" ", var.full_export_schedule)) == 5
    error_message = "full_export_schedule must be a five-field cron expression."
  }
}

variable "analytics_schedule" {
  description = "Cron schedule of the analytics job (dbt build: cohorts, features, ML datasets), in UTC."
  type        = string
  default     = "15 5 * * *"
  validation {
    condition     = length(split(" ", var.analytics_schedule)) == 5
    error_message = "analytics_schedule must be a five-field cron expression."
  }
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
  validation {
    condition = length(var.export_types) > 0 && alltrue([
      for t in var.export_types : can(regex("^[A-Z][A-Za-z]{0,63}$", t)) && !contains([
        "AccessPolicy", "Binary", "Bot", "ClientApplication", "DomainConfiguration", "JsonWebKey",
        "Login", "PasswordChangeRequest", "Project", "ProjectMembership", "SmartAppLaunch",
        "Subscription", "User", "UserConfiguration",
      ], t)
    ])
    error_message = "export_types must be FHIR resource type names and no credential-bearing type (bulk-export refuses them at start-up)."
  }
}

variable "tigergraph_endpoint" {
  description = "TigerGraph base URL used by graph-snapshot, e.g. https://tg.example.com:14240."
  type        = string
  validation {
    condition     = can(regex("^https://[^/\\s]+(/\\S*)?$", var.tigergraph_endpoint))
    error_message = "tigergraph_endpoint must be an https URL (graph-snapshot refuses an empty one)."
  }
}

variable "tigergraph_graph" {
  description = "TigerGraph graph name (infra/tigergraph/schema.gsql creates `starvit`)."
  type        = string
  default     = "starvit"
  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", var.tigergraph_graph))
    error_message = "tigergraph_graph must be a GSQL identifier."
  }
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

variable "export_part_bytes" {
  description = "bulk-export cuts every file of an export on line boundaries into parts of at most this many bytes; each part is one deidentify and one bq-load delivery, spooled in their memory."
  type        = number
  default     = 268435456
  validation {
    condition     = var.export_part_bytes >= 4096 && var.export_part_bytes <= 4294967296 && floor(var.export_part_bytes) == var.export_part_bytes
    error_message = "export_part_bytes must be a whole number of bytes between 4096 and 4294967296."
  }
}

variable "snapshot_quiet_secs" {
  description = "graph-snapshot waits until no load has landed for this long, so one export makes one graph version."
  type        = number
  default     = 120
  validation {
    condition     = var.snapshot_quiet_secs >= 0 && var.snapshot_quiet_secs <= 3600 && floor(var.snapshot_quiet_secs) == var.snapshot_quiet_secs
    error_message = "snapshot_quiet_secs must be a whole number of seconds between 0 and 3600."
  }
}

variable "bq_load_max_instances" {
  description = "Most bq-load instances. instances x bq_load_concurrency is the most mutating DML statements bq-load can have on one table; BigQuery runs 2 and queues 20 per table."
  type        = number
  default     = 4
  validation {
    condition     = var.bq_load_max_instances >= 1 && floor(var.bq_load_max_instances) == var.bq_load_max_instances
    error_message = "bq_load_max_instances must be a positive whole number."
  }
}

variable "bq_load_concurrency" {
  description = "Requests per bq-load instance, and STARVIT_BQ_CONCURRENCY (events of one process doing BigQuery work at once)."
  type        = number
  default     = 2
  validation {
    condition     = var.bq_load_concurrency >= 1 && var.bq_load_max_instances * var.bq_load_concurrency <= 22 && floor(var.bq_load_concurrency) == var.bq_load_concurrency
    error_message = "bq_load_max_instances x bq_load_concurrency must stay within 22 (2 running + 20 queued mutating DML statements per table)."
  }
}

variable "staging_table_expiration_days" {
  description = "Default table expiration of bq-load's staging dataset (per-object staging tables are dropped after the MERGE; this removes leftovers)."
  type        = number
  default     = 1
  validation {
    condition     = var.staging_table_expiration_days >= 1 && var.staging_table_expiration_days <= 30
    error_message = "staging_table_expiration_days must be between 1 and 30."
  }
}

variable "alert_notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) told when dead letters or quarantined objects appear. Empty: the alerts fire in the console only."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for c in var.alert_notification_channels : can(regex("^projects/[a-z][a-z0-9-]+/notificationChannels/[0-9]+$", c))])
    error_message = "alert_notification_channels must be notification channel ids (projects/P/notificationChannels/N)."
  }
}

variable "enable_subscription_relay" {
  description = "Deploy subscription-relay (Pattern B) and the events' BigQuery subscription. Needs a version of the <prefix>-medplum-subscription-secret."
  type        = bool
  default     = false
}

variable "max_delivery_attempts" {
  description = "Deliveries of one event (Eventarc triggers, the events' BigQuery subscription) before it goes to its zone's dead-letter topic."
  type        = number
  default     = 15
  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}
