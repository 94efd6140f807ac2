"""Each infra check must fail on a deliberately broken copy of infra/: copy, break (exact edits
that must still apply), run that one check, expect a failure naming the fault.
Usage: selftest.py INFRA_DIR PROBE_BINARY
"""

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))

# (check, what is broken, [(file, exact text, replacement, text the failure must contain)])
BREAKS = [
    ("fmt", "a misaligned attribute", [
        ("kms.tf", '  project  = each.value.project\n  name     = "${local.prefix}-${each.key}"',
         '  project = each.value.project\n  name     = "${local.prefix}-${each.key}"', "kms.tf")]),
    ("env", "the load-complete topic as a full id (issue 9)", [
        ("env.tf", "STARVIT_LOAD_COMPLETE_TOPIC = google_pubsub_topic.load_complete.name",
         "STARVIT_LOAD_COMPLETE_TOPIC = google_pubsub_topic.load_complete.id",
         "STARVIT_LOAD_COMPLETE_TOPIC is invalid")]),
    ("env", "bq-load's staging dataset left to its default (issue 9)", [
        ("env.tf", '      STARVIT_STAGING_DATASET     = google_bigquery_dataset.ds["staging"].dataset_id\n', "",
         "STARVIT_STAGING_DATASET (defaulted) = 'deid_staging' is not a dataset")]),
    ("env", "a misspelt setting", [
        ("env.tf", "      STARVIT_DEID_POLICY       = var.deid_policy\n      # Where the policy approvals are (starvit-approval): approvals/ in the PHI staging bucket.\n      STARVIT_DEID_APPROVAL_BUCKET = google_storage_bucket.phi_staging.name\n      }, local.dlp_used ? {",
         "      STARVIT_DEID_POLICIY      = var.deid_policy\n      # Where the policy approvals are (starvit-approval): approvals/ in the PHI staging bucket.\n      STARVIT_DEID_APPROVAL_BUCKET = google_storage_bucket.phi_staging.name\n      }, local.dlp_used ? {",
         "Terraform sets STARVIT_DEID_POLICIY, which its config.rs never reads")]),
    ("env", "the relay's pipeline left to its default (issue 9)", [
        ("env.tf", '      STARVIT_PIPELINE          = local.functions_all["subscription-relay"].pipeline\n', "", ""),
        ("locals.tf", '      pipeline      = "fhir-events"', '      pipeline      = "fhir-batch"',
         "pipeline 'fhir-events' (defaulted) differs from the service's pipeline label 'fhir-batch'")]),
    ("env", "the de-ID key mounted as latest (issue 9)", [
        ("env.tf", '      STARVIT_DEID_KEY = { secret = "deid_hmac_key", version = var.deid_key_version }',
         '      STARVIT_DEID_KEY = { secret = "deid_hmac_key", version = "latest" }',
         "mount different de-ID keys or versions")]),
    ("env", "owner and env without validation (issue 9)", [
        ("variables.tf", '    condition     = can(regex("^[a-z0-9_-]{1,63}$", var.owner))',
         "    condition     = true", "var.owner accepts 'Data Platform', which bq-load refuses at start-up"),
        ("variables.tf", '    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.env))',
         "    condition     = length(var.env) > 0", "var.env accepts 'x_y', which makes an invalid name")]),
    ("env", "an empty TigerGraph endpoint by default (issue 9)", [
        ("variables.tf", '    condition     = can(regex("^https://[^/\\\\s]+(/\\\\S*)?$", var.tigergraph_endpoint))',
         "    condition     = true", ""),
        ("variables.tf", '  description = "TigerGraph base URL used by graph-snapshot, e.g. https://tg.example.com:14240."\n'
         "  type        = string\n",
         '  description = "TigerGraph base URL."\n  type        = string\n  default     = ""\n',
         "[required-only] graph-snapshot: its config.rs rejects the Terraform environment: "
         "STARVIT_TIGERGRAPH_URL is required")]),
    ("env", "graph-snapshot without read on deid_raw (issue 9)", [
        ("iam.tf", '    graph-snapshot-raw        = { fn = "graph-snapshot", ds = "deid_raw", role = "roles/bigquery.dataViewer" }\n',
         "", "graph-snapshot: may not read dataset starvit_prod_deid_raw (STARVIT_RAW_DATASET)")]),
    ("iam", "the analytics job started by a function's identity", [
        ("analytics.tf", '  member   = "serviceAccount:${google_service_account.analytics_run.email}"',
         '  member   = local.sa["bq-load"]',
         "fn:bq-load (deid zone) has roles/run.invoker on job starvit-prod-analytics")]),
    ("env", "deidentify calling Cloud DLP without the API or the role (issue 13)", [
        ("dlp.tf", '  role    = "roles/dlp.user"', '  role    = "roles/dlp.reader"',
         "deidentify: calls Cloud DLP in starvit-dev-sandbox without roles/dlp.user there"),
        ("dlp.tf", '  service            = "dlp.googleapis.com"', '  service            = "healthcare.googleapis.com"',
         "where Terraform does not enable dlp.googleapis.com")]),
    ("iam", "a de-ID-zone function reading PHI staging", [
        ("iam.tf", '    role    = "roles/storage.objectViewer"\n    members = [local.sa["deidentify"]]',
         '    role    = "roles/storage.objectViewer"\n    members = [local.sa["deidentify"], local.sa["bq-load"]]',
         "fn:bq-load (deid zone) has roles/storage.objectViewer on bucket")]),
    ("iam", "bulk-export reading all of staging (issue 9)", [
        ("iam.tf", '    condition {\n      title      = "export-state-only"\n'
         "      expression = local.export_state_condition\n    }\n", "",
         "reads PHI; only deidentify reads staging")]),
    ("iam", "PHI bucket IAM made non-authoritative (issue 9)", [
        ("iam.tf", 'resource "google_storage_bucket_iam_policy" "phi_quarantine" {',
         'resource "google_storage_bucket_iam_member" "phi_quarantine" {\n'
         '  role   = "roles/storage.objectCreator"\n  member = local.sa["deidentify"]\n'
         "  bucket = google_storage_bucket.phi_quarantine.name\n}\n\n"
         'resource "google_storage_bucket_iam_policy" "phi_quarantine_unused" {\n  count = 0',
         "has no authoritative IAM policy")]),
    ("iam", "a PHI bucket labelled as de-ID", [
        ("storage.tf", 'labels                      = merge(local.labels, { zone = "phi", purpose = "quarantine" })',
         'labels                      = merge(local.labels, { zone = "deid", purpose = "quarantine" })',
         "is labelled zone deid but lives in project starvit-prod-phi")]),
    ("iam", "a project-level storage role", [
        ("iam.tf", '  role     = "roles/bigquery.jobUser"', '  role     = "roles/storage.objectViewer"',
         "project-level storage, secret, basic or impersonation role")]),
    ("iam", "a secret readable beyond its functions", [
        ("iam.tf", "      if contains(keys(local.sa), f) && contains([for v in values(vars) : v.secret], s)",
         "      if contains(keys(local.sa), f) && (contains([for v in values(vars) : v.secret], s)"
         ' || f == "bq-load")', "which do not mount it")]),
    ("iam", "something public besides the relay", [
        ("iam.tf", '    graph-snapshot-use = { fn = "graph-snapshot", role = "roles/storage.objectUser" }',
         '    graph-snapshot-use = { fn = "graph-snapshot", role = "roles/storage.objectUser" }\n'
         '    public-read        = { fn = "graph-snapshot", role = "roles/storage.objectViewer" }', ""),
        ("iam.tf", "  member = local.sa[each.value.fn]\n}\n\n# --- BigQuery",
         '  member = each.key == "public-read" ? "allUsers" : local.sa[each.value.fn]\n}\n\n# --- BigQuery',
         "only the relay's invoker may be public")]),
    ("iam", "dead letters without a subscription (issue 9)", [
        ("deadletter.tf", "  topic                      = google_pubsub_topic.dead_letter[each.key].id",
         "  topic                      = google_pubsub_topic.load_complete.id",
         "has no subscription: its messages are lost")]),
    ("iam", "stage 1 referring to a service it does not create, and a misspelt local", [
        ("iam.tf", "  count    = var.enable_subscription_relay && var.deploy_functions ? 1 : 0",
         "  count    = var.enable_subscription_relay ? 1 : 0",
         "[prod.tfvars, stage 1] does not evaluate: google_cloud_run_v2_service_iam_member.relay_public"),
        ("outputs.tf", 'output "deid_project" { value = local.deid_project }',
         'output "deid_project" { value = local.deid_projects }', "output.deid_project: no local deid_projects")]),
    ("iam", "the Pub/Sub agent unable to move dead letters (issue 9)", [
        ("pubsub.tf", '  role         = "roles/pubsub.subscriber"', '  role         = "roles/pubsub.viewer"',
         "deid_events_to_bigquery[0]: the Pub/Sub service agent cannot acknowledge forwarded dead letters"),
        ("deadletter.tf", '  role     = "roles/pubsub.publisher"\n  member   = "serviceAccount:service-',
         '  role     = "roles/pubsub.viewer"\n  member   = "serviceAccount:service-',
         "the Pub/Sub service agent cannot publish to dead-letter topic starvit-prod-deid-dead-letter")]),
    ("iam", "no Data Access audit logs on the PHI side", [
        ("audit.tf", '    log_type = "DATA_READ"', '    log_type = "ADMIN_READ"', "does not keep Data Access")]),
    ("checkov", "a dataset without CMEK, and a waiver without a reason", [
        ("bigquery.tf", "  default_encryption_configuration {\n"
         '    kms_key_name = google_kms_crypto_key.zone["deid"].id\n  }\n', "", "CKV_GCP_81"),
        ("checks/checkov-baseline.json",
         '"reason": "Every object is written create-only and re-derivable from the PHI side by a '
         're-export; versions would only add cost."', '"reason": ""', "has no reason")]),
]


def run_break(infra, probe, check, what, edits):
    """None when the check fails as it should, else what went wrong."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "infra")
        shutil.copytree(infra, copy)
        for path, old, new, _ in edits:
            full = os.path.join(copy, path)
            with open(full) as fh:
                text = fh.read()
            if text.count(old) != 1:
                return f"{check}: cannot break '{what}': the text to replace in {path} is gone"
            with open(full, "w") as fh:
                fh.write(text.replace(old, new))
        env = dict(os.environ, ENV_PROBE=probe)
        run = subprocess.run([os.path.join(HERE, "run.sh"), "--dir", copy, "--only", check, "--no-selftest"],
                             capture_output=True, text=True, env=env)
        out = run.stdout + run.stderr
        missing = [e for *_, e in edits if e and e not in out]
        if run.returncode == 0 or missing:
            return f"{check} did not catch '{what}' (exit {run.returncode}, missing {missing}):\n{out[-1500:]}"
        return None


def main():
    infra, probe = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with ThreadPoolExecutor(max_workers=2) as pool:  # CI has 2 cores
        results = list(pool.map(lambda b: run_break(infra, probe, *b), BREAKS))
    failures = [r for r in results if r]
    for (check, what, _), r in zip(BREAKS, results):
        if r is None:
            print(f"selftest: {check} catches {what}")
    for f in failures:
        print(f"selftest: {f}")
    print(f"selftest: {'FAILED' if failures else 'ok'} ({len(BREAKS)} broken copies)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
