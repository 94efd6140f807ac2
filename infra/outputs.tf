output "phi_staging_bucket" { value = google_storage_bucket.phi_staging.name }
output "deid_bucket" { value = google_storage_bucket.deid.name }
output "raw_dataset" { value = google_bigquery_dataset.deid_raw.dataset_id }
output "governance_dataset" { value = google_bigquery_dataset.governance.dataset_id }
output "load_complete_topic" { value = google_pubsub_topic.load_complete.id }
output "function_urls" {
  value = { for k, s in google_cloud_run_v2_service.fn : k => s.uri }
}
