# Starvit infrastructure. One root module per environment (set var.env).
# The PHI zone (Medplum access, PHI staging bucket, quarantine, HMAC keys) and the de-ID zone
# (de-ID bucket, BigQuery datasets, graph snapshots) use separate service accounts; only the
# deidentify and subscription-relay functions may read PHI.
terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.10"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
