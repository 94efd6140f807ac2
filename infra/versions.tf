# Starvit infrastructure: one root module per environment (see examples/). Two zones in two
# projects: the PHI zone (Medplum access, PHI staging and quarantine buckets, the de-ID key,
# bulk-export, deidentify, subscription-relay) and the de-ID zone (de-ID bucket, BigQuery
# datasets, bq-load, graph-snapshot). Every resource names its project explicitly.
terraform {
  required_version = ">= 1.9"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.10"
    }
  }
}

provider "google" {
  project = var.phi_project_id
  region  = var.region
}
