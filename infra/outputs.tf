output "phi_project" { value = local.phi_project }
output "deid_project" { value = local.deid_project }
output "phi_staging_bucket" { value = google_storage_bucket.phi_staging.name }
output "phi_quarantine_bucket" { value = google_storage_bucket.phi_quarantine.name }
output "deid_bucket" { value = google_storage_bucket.deid.name }
output "datasets" { value = { for k, d in google_bigquery_dataset.ds : k => d.dataset_id } }
output "export_trigger_topic" { value = google_pubsub_topic.export_trigger.id }
output "secrets" { value = { for k, s in google_secret_manager_secret.s : k => s.id } }
output "dead_letter_subscriptions" { value = { for k, s in google_pubsub_subscription.dead_letter_hold : k => s.id } }
output "function_urls" {
  value = { for k, s in google_cloud_run_v2_service.fn : k => s.uri }
}
