locals {
  prefix = "starvit-${var.env}"
  labels = {
    service  = "starvit"
    owner    = var.owner
    env      = var.env
    pipeline = "fhir-deid"
  }
  # subscription-relay (Pattern B) is deployed only when enabled (it needs the Subscription secret).
  functions = merge({
    bulk-export    = { zone = "phi", purpose = "export" }
    deidentify     = { zone = "phi", purpose = "deidentify" }
    bq-load        = { zone = "deid", purpose = "load" }
    graph-snapshot = { zone = "deid", purpose = "graph" }
    }, var.enable_subscription_relay ? {
    subscription-relay = { zone = "phi", purpose = "relay" }
  } : {})
}
