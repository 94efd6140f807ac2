# prod: two projects (the PHI zone and the de-ID zone; env = prod refuses one), the de-ID key at
# a pinned version, alerts to the on-call channel.
#   terraform apply -var-file=examples/prod.tfvars -var deploy_functions=false   # stage 1
#   (add the secret versions, README "Deploying")
#   terraform apply -var-file=examples/prod.tfvars                                # stage 2
phi_project_id              = "starvit-prod-phi"
deid_project_id             = "starvit-prod-deid"
env                         = "prod"
owner                       = "data-platform"
region                      = "us-central1"
image_repository            = "us-central1-docker.pkg.dev/starvit-prod-deid/starvit"
image_tag                   = "v0.1.0"
deid_key_version            = "1"
medplum_base_url            = "https://api.medplum.com/fhir/R4"
medplum_token_url           = "https://api.medplum.com/oauth2/token"
medplum_client_id           = "00000000-0000-0000-0000-000000000000"
tigergraph_endpoint         = "https://starvit-prod.i.tgcloud.io"
tigergraph_api_version      = "4"
enable_subscription_relay   = true
deploy_functions            = true
bq_load_max_instances       = 4
bq_load_concurrency         = 2
alert_notification_channels = ["projects/starvit-prod-phi/notificationChannels/1234567890"]
