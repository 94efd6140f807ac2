# dev: a sandbox in ONE project (plan warns: "Sandbox mode"), Pattern B on, small BigQuery
# footprint. Never put real PHI in a single-project environment.
#   terraform apply -var-file=examples/dev.tfvars -var deploy_functions=false   # stage 1
#   (add the secret versions, README "Deploying")
#   terraform apply -var-file=examples/dev.tfvars                                # stage 2
phi_project_id            = "starvit-dev-sandbox"
env                       = "dev"
owner                     = "data-platform"
region                    = "us-central1"
image_repository          = "us-central1-docker.pkg.dev/starvit-dev-sandbox/starvit"
image_tag                 = "v0.1.0"
deid_key_version          = "1"
medplum_base_url          = "https://api.medplum.com/fhir/R4"
medplum_token_url         = "https://api.medplum.com/oauth2/token"
medplum_client_id         = "00000000-0000-0000-0000-000000000000"
tigergraph_endpoint       = "https://starvit-dev.i.tgcloud.io"
enable_subscription_relay = true
deploy_functions          = true
bq_load_max_instances     = 2
snapshot_quiet_secs       = 60
# The demo's profile: notes de-identified through Cloud DLP (dlp.tf), not dropped.
deid_policy = "shifted-text"
