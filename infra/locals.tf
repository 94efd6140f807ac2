locals {
  prefix = "starvit-${var.env}"
  labels = {
    service  = "starvit"
    owner    = var.owner
    env      = var.env
    pipeline = "fhir-deid"
  }
  functions = {
    bulk-export        = { zone = "phi", purpose = "export" }
    deidentify         = { zone = "phi", purpose = "deidentify" }
    subscription-relay = { zone = "phi", purpose = "relay" }
    bq-load            = { zone = "deid", purpose = "load" }
    graph-snapshot     = { zone = "deid", purpose = "graph" }
  }
}
