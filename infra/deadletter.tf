# Dead letters are kept and alerted on. One dead-letter topic per zone (a PHI-zone event names a
# PHI-zone object), each with a pull subscription that holds messages for 7 days and never
# expires, and an alert when anything is waiting in it. The Pub/Sub service agent of each
# project publishes dead letters and acknowledges them on the source subscriptions.
locals {
  zones = {
    phi  = local.phi_project
    deid = local.deid_project
  }
}

data "google_project" "zone" {
  for_each   = local.zones
  project_id = each.value
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.zones
  project  = each.value
  name     = "${local.prefix}-${each.key}-dead-letter"
  labels   = merge(local.labels, { zone = each.key, purpose = "dead-letter" })
}

resource "google_pubsub_subscription" "dead_letter_hold" {
  for_each                   = local.zones
  project                    = each.value
  name                       = "${local.prefix}-${each.key}-dead-letter-hold"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  labels                     = merge(local.labels, { zone = each.key, purpose = "dead-letter" })
  message_retention_duration = "604800s"
  retain_acked_messages      = true
  ack_deadline_seconds       = 60
  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.zones
  project  = each.value
  topic    = google_pubsub_topic.dead_letter[each.key].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:service-${data.google_project.zone[each.key].number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_monitoring_alert_policy" "dead_letters" {
  for_each              = local.zones
  project               = each.value
  display_name          = "Starvit ${var.env}: dead letters in the ${each.key} zone"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = merge(local.labels, { zone = each.key, purpose = "dead-letter" })
  conditions {
    display_name = "undelivered dead letters"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.dead_letter_hold[each.key].name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
  documentation {
    content   = "A Starvit event failed ${var.max_delivery_attempts} deliveries. Inspect it with `gcloud pubsub subscriptions pull ${google_pubsub_subscription.dead_letter_hold[each.key].name} --project ${each.value}` (events carry object names and ids, never PHI), fix the cause, then republish it to its source topic or re-run the export (README, Deploying)."
    mime_type = "text/markdown"
  }
}
