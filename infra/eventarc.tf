# export-trigger -> bulk-export; PHI staging finalize -> deidentify; de-ID finalize -> bq-load;
# load-complete -> graph-snapshot.
resource "google_eventarc_trigger" "bulk_export" {
  name            = "${local.prefix}-export-trigger"
  location        = var.region
  service_account = google_service_account.eventarc.email
  labels          = local.labels
  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }
  transport {
    pubsub {
      topic = google_pubsub_topic.export_trigger.id
    }
  }
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.fn["bulk-export"].name
      region  = var.region
    }
  }
}

resource "google_eventarc_trigger" "deidentify" {
  name            = "${local.prefix}-phi-finalized"
  location        = var.region
  service_account = google_service_account.eventarc.email
  labels          = local.labels
  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = google_storage_bucket.phi_staging.name
  }
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.fn["deidentify"].name
      region  = var.region
    }
  }
}

resource "google_eventarc_trigger" "bq_load" {
  name            = "${local.prefix}-deid-finalized"
  location        = var.region
  service_account = google_service_account.eventarc.email
  labels          = local.labels
  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = google_storage_bucket.deid.name
  }
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.fn["bq-load"].name
      region  = var.region
    }
  }
}

resource "google_eventarc_trigger" "graph_snapshot" {
  name            = "${local.prefix}-load-complete"
  location        = var.region
  service_account = google_service_account.eventarc.email
  labels          = local.labels
  matching_criteria {
    attribute = "type"
    value     = "google.cloud.pubsub.topic.v1.messagePublished"
  }
  transport {
    pubsub {
      topic = google_pubsub_topic.load_complete.id
    }
  }
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.fn["graph-snapshot"].name
      region  = var.region
    }
  }
}
