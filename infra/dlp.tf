# Cloud DLP for free text (issue 13). Under the shifted-text profile deidentify sends the text
# elements of the profile's [text] section (notes, annotations) to content:deidentify, in the
# PHI project: the texts are PHI until DLP and the leak gate have passed them, so the requests
# stay in the PHI zone (dlp_location: global or a region). Only deidentify calls DLP; the relay
# drops free text under every profile. The API and the grant exist only when the profile uses
# them.
locals {
  dlp_used   = var.deid_policy == "shifted-text"
  dlp_parent = "projects/${local.phi_project}/locations/${var.dlp_location}"
}

resource "google_project_service" "dlp" {
  count              = local.dlp_used ? 1 : 0
  project            = local.phi_project
  service            = "dlp.googleapis.com"
  disable_on_destroy = false
}

# roles/dlp.user: call content:deidentify (and the other content methods); no access to stored
# DLP jobs, templates or results.
resource "google_project_iam_member" "deidentify_dlp" {
  count   = local.dlp_used ? 1 : 0
  project = local.phi_project
  role    = "roles/dlp.user"
  member  = local.sa["deidentify"]
}
