# export-trigger -> bulk-export; PHI staging finalize -> deidentify (PHI project); de-ID finalize
# -> bq-load and load-complete -> graph-snapshot (de-ID project). Each zone's triggers run as
# that zone's Eventarc service account, which may invoke only that zone's services.
locals {
  triggers = {
    bulk-export    = { name = "export-trigger", zone = "phi", topic = google_pubsub_topic.export_trigger.id, bucket = null }
    deidentify     = { name = "phi-finalized", zone = "phi", topic = null, bucket = google_storage_bucket.phi_staging.name }
    bq-load        = { name = "deid-finalized", zone = "deid", topic = null, bucket = google_storage_bucket.deid.name }
    graph-snapshot = { name = "load-complete", zone = "deid", topic = google_pubsub_topic.load_complete.id, bucket = null }
  }
}

resource "google_eventarc_trigger" "fn" {
  for_each        = { for k, t in local.triggers : k => t if var.deploy_functions }
  project         = local.zones[each.value.zone]
  name            = "${local.prefix}-${each.value.name}"
  location        = var.region
  service_account = google_service_account.eventarc[each.value.zone].email
  labels          = merge(local.labels, { zone = each.value.zone, purpose = local.functions[each.key].purpose })
  matching_criteria {
    attribute = "type"
    value     = each.value.bucket == null ? "google.cloud.pubsub.topic.v1.messagePublished" : "google.cloud.storage.object.v1.finalized"
  }
  dynamic "matching_criteria" {
    for_each = each.value.bucket == null ? [] : [each.value.bucket]
    content {
      attribute = "bucket"
      value     = matching_criteria.value
    }
  }
  dynamic "transport" {
    for_each = each.value.topic == null ? [] : [each.value.topic]
    content {
      pubsub {
        topic = transport.value
      }
    }
  }
  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.fn[each.key].name
      region  = var.region
    }
  }
  depends_on = [google_project_iam_member.gcs_pubsub, google_project_iam_member.eventarc_receiver]
}

# Eventarc creates and owns the Pub/Sub subscription of each trigger; the provider cannot give it
# a dead-letter policy, so gcloud does (the deployer needs gcloud and pubsub.editor). Without it
# an event that keeps failing is dropped after Pub/Sub's 7 days; with it, it is kept and alerted.
resource "google_pubsub_subscription_iam_member" "eventarc_dead_letter_ack" {
  for_each     = google_eventarc_trigger.fn
  project      = local.zones[local.triggers[each.key].zone]
  subscription = each.value.transport[0].pubsub[0].subscription
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.zone[local.triggers[each.key].zone].number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "terraform_data" "eventarc_dead_letter" {
  for_each = google_eventarc_trigger.fn
  triggers_replace = [
    each.value.transport[0].pubsub[0].subscription,
    google_pubsub_topic.dead_letter[local.triggers[each.key].zone].id,
    var.max_delivery_attempts,
  ]
  provisioner "local-exec" {
    command = "gcloud pubsub subscriptions update '${each.value.transport[0].pubsub[0].subscription}' --dead-letter-topic='${google_pubsub_topic.dead_letter[local.triggers[each.key].zone].id}' --max-delivery-attempts=${var.max_delivery_attempts} --min-retry-delay=10s --max-retry-delay=600s"
  }
  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_pubsub_subscription_iam_member.eventarc_dead_letter_ack,
  ]
}
