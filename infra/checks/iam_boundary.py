"""IAM boundary check: every grant in infra/, evaluated for each example, as an identity x resource
access matrix, and the rules of the boundary over it:
- no de-ID-zone identity, no public or unknown member, holds any role on a PHI-zone bucket; only
  deidentify reads PHI staging (bulk-export: its run records and cursor only); nobody reads
  quarantine; PHI buckets' IAM is authoritative (a bucket policy, nothing added beside it);
- no project-level storage, secret, basic or impersonation role;
- a secret is readable exactly by the functions that mount it;
- nothing is public except the relay's invoker (whose guard is the X-Signature), and only the
  relay accepts traffic from outside; every bucket enforces public access prevention;
- a service is invoked only by its own zone's Eventarc identity; functions hold no KMS role.
Any IAM resource type it does not know fails the check (it cannot vouch for it). Before that,
every reference in infra/ must resolve, for each example and for its stage 1 (no services).
Usage: iam_boundary.py INFRA_DIR [--matrix]
"""

import glob
import os
import re
import sys

from hclexpr import EvalError, Unknown
from tfmodel import Model

READ_ROLES = {"roles/storage.objectViewer", "roles/storage.objectUser", "roles/storage.objectAdmin",
              "roles/storage.admin", "roles/storage.legacyObjectReader", "roles/storage.legacyObjectOwner",
              "roles/storage.legacyBucketReader", "roles/storage.legacyBucketOwner"}
WRITE_ONLY = {"roles/storage.objectCreator"}
PROJECT_FORBIDDEN = re.compile(r"roles/(storage\.|secretmanager\.|owner$|editor$|viewer$|browser$|"
                               r"iam\.serviceAccountTokenCreator$|iam\.serviceAccountUser$|iam\.serviceAccountKeyAdmin$)")
SECRET_READ = {"roles/secretmanager.secretAccessor", "roles/secretmanager.admin", "roles/owner", "roles/editor"}
PUBLIC = {"allUsers", "allAuthenticatedUsers"}
# IAM resource type -> (target attribute, kind of target)
IAM_TYPES = {
    "google_storage_bucket_iam_member": ("bucket", "bucket"),
    "google_storage_bucket_iam_binding": ("bucket", "bucket"),
    "google_storage_bucket_iam_policy": ("bucket", "bucket"),
    "google_secret_manager_secret_iam_member": ("secret_id", "secret"),
    "google_secret_manager_secret_iam_binding": ("secret_id", "secret"),
    "google_bigquery_dataset_iam_member": ("dataset_id", "dataset"),
    "google_bigquery_table_iam_member": ("table_id", "table"),
    "google_pubsub_topic_iam_member": ("topic", "topic"),
    "google_pubsub_subscription_iam_member": ("subscription", "subscription"),
    "google_project_iam_member": ("project", "project"),
    "google_project_iam_binding": ("project", "project"),
    "google_cloud_run_v2_service_iam_member": ("name", "service"),
    "google_cloud_run_v2_job_iam_member": ("name", "job"),
    "google_kms_crypto_key_iam_binding": ("crypto_key_id", "kms"),
    "google_kms_crypto_key_iam_member": ("crypto_key_id", "kms"),
}
NOT_GRANTS = {"google_project_iam_audit_config"}
FORBIDDEN_TYPES = ("google_storage_bucket_acl", "google_storage_default_object_acl",
                   "google_storage_object_acl", "google_project_iam_policy",
                   "google_storage_bucket_access_control", "google_storage_default_object_access_control")


class Grants:
    def __init__(self, model):
        self.model = model
        self.rows = []  # (identity, zone, kind, target, role, condition, address)
        self.identities = self._identities()

    def _identities(self):
        m = self.model
        fns = m.local("functions_all")
        zone_of_project = {}
        for inst in m.instances("google_project", kind="data"):
            zone_of_project[inst.attr("number")] = inst.key
        project_zone = {m.local("phi_project"): "phi", m.local("deid_project"): "deid"}
        ids = {}
        for inst in m.instances("google_service_account"):
            if inst.name == "fn":
                ids[f"serviceAccount:{inst.attr('email')}"] = (f"fn:{inst.key}", fns[inst.key]["zone"])
            elif inst.key in ("phi", "deid"):  # one per zone (eventarc)
                ids[f"serviceAccount:{inst.attr('email')}"] = (f"{inst.name}:{inst.key}", inst.key)
            else:  # a single identity (analytics): the zone of its project
                zone = project_zone.get(inst.attr("project"), "unknown")
                ids[f"serviceAccount:{inst.attr('email')}"] = (f"{inst.name}:", zone)
        self.agent_zone = zone_of_project
        return ids

    def identity(self, member):
        if member in self.identities:
            return self.identities[member]
        if member in PUBLIC:
            return ("public", "public")
        m = re.match(r"serviceAccount:service-(\d+)@gcp-sa-([a-z]+)\.iam\.gserviceaccount\.com$", member)
        if m and m.group(1) in self.agent_zone:
            return (f"agent:{m.group(2)}", self.agent_zone[m.group(1)])
        m = re.match(r"serviceAccount:(?:service|bq)-(\d+)@(gs-project-accounts|bigquery-encryption)\.iam\.gserviceaccount\.com$", member)
        if m and m.group(1) in self.agent_zone:
            return (f"agent:{m.group(2)}", self.agent_zone[m.group(1)])
        return (f"other:{member}", "unknown")

    def add(self, member, kind, target, role, condition, address):
        ident, zone = self.identity(member)
        self.rows.append((ident, zone, kind, target, role, condition, address))

    def collect(self, errors):
        m = self.model
        for rtype in FORBIDDEN_TYPES:
            for inst in m.instances(rtype):
                errors.append(f"{inst.address}: {rtype} is not allowed (ACLs and project policies bypass the boundary)")
        for res in m.resources():
            if "_iam_" in res.rtype and res.rtype not in IAM_TYPES and res.rtype not in NOT_GRANTS:
                errors.append(f"{res.rtype}.{res.name}: IAM resource type the boundary check does not know")
        for rtype, (attr, kind) in IAM_TYPES.items():
            for inst in m.instances(rtype):
                target = inst.attr(attr)
                if kind == "table":
                    target = f"{inst.attr('dataset_id')}.{target}"
                if rtype.endswith("_policy"):
                    for role, members, cond in self.policy_bindings(inst):
                        for member in members:
                            self.add(member, kind, target, role, cond, inst.address)
                    continue
                cond = [inst.battr(c, "expression") for c in inst.blocks("condition")]
                members = inst.attr("members") if rtype.endswith("_binding") else [inst.attr("member")]
                for member in members:
                    self.add(member, kind, target, inst.attr("role"), cond[0] if cond else None, inst.address)

    def policy_bindings(self, inst):
        ref = re.fullmatch(r"\$\{data\.google_iam_policy\.([A-Za-z0-9_-]+)\.policy_data\}", str(inst.raw("policy_data")))
        if not ref:
            raise EvalError(f"{inst.address}: policy_data must be a data.google_iam_policy")
        data = self.model.resource("data", "google_iam_policy", ref.group(1)).instances()[None]
        out = []
        for b in data.blocks("binding"):
            conds = [data.battr(c, "expression") for c in data.blocks("condition", *b)]
            out.append((data.battr(b, "role"), data.battr(b, "members"), conds[0] if conds else None))
        return out


def check(model, label, show_matrix):
    errors = []
    err = lambda msg: errors.append(f"[{label}] {msg}")  # noqa: E731
    g = Grants(model)
    collect_errors = []
    g.collect(collect_errors)
    errors += [f"[{label}] {e}" for e in collect_errors]
    buckets = check_buckets(model, err)
    for row in g.rows:
        check_grant(model, buckets, row, err)
    check_secrets(model, g, err)
    for inst in model.instances("google_cloud_run_v2_service"):
        if inst.attr("ingress") != "INGRESS_TRAFFIC_INTERNAL_ONLY" and inst.key != "subscription-relay":
            err(f"{inst.address} accepts traffic from outside ({inst.attr('ingress')}); only the relay may")
    check_audit_and_dead_letters(model, err)
    if show_matrix:
        print_matrix(g, label)
    return errors


def check_buckets(model, err):
    """{bucket name: (resource name, zone)}; zones labelled, public access prevented, PHI
    buckets under an authoritative policy."""
    buckets = {}
    project_zone = {model.local("phi_project"): "phi", model.local("deid_project"): "deid"}
    for inst in model.instances("google_storage_bucket"):
        zone = (inst.attr("labels") or {}).get("zone")
        if zone not in ("phi", "deid"):
            err(f"{inst.address} has no zone label (phi or deid)")
        elif len(project_zone) == 2 and project_zone.get(inst.attr("project")) != zone:
            err(f"{inst.address} is labelled zone {zone} but lives in project {inst.attr('project')}")
        buckets[inst.attr("name")] = (inst.name, zone)
        if inst.attr("public_access_prevention") != "enforced":
            err(f"{inst.address} does not enforce public access prevention")
    policies = {inst.attr("bucket") for inst in model.instances("google_storage_bucket_iam_policy")}
    for name in sorted(n for n, (_, z) in buckets.items() if z == "phi" and n not in policies):
        err(f"PHI bucket {name} has no authoritative IAM policy (google_storage_bucket_iam_policy): "
            "project convenience bindings keep reading it")
    return buckets


def check_grant(model, buckets, row, err):
    ident, zone, kind, target, role, cond, addr = row
    where = f"{ident} ({zone} zone) has {role} on {kind} {target} [{addr}]"
    if isinstance(target, Unknown):
        if kind in ("bucket", "secret", "project"):
            err(f"{addr}: target unknown before apply ({target!r})")
        return
    if kind == "bucket" and buckets.get(target, (None, None))[1] == "phi":
        if not addr.startswith("google_storage_bucket_iam_policy"):
            err(f"{where}: PHI buckets take grants only in their authoritative policy")
        if zone != "phi":
            err(f"{where}: only PHI-zone identities may hold roles on a PHI bucket")
        staging = buckets[target][0] == "phi_staging"
        allowed = role in WRITE_ONLY or staging and (
            ident == "fn:deidentify" and role == "roles/storage.objectViewer" and cond is None
            or ident == "fn:bulk-export" and cond is not None and export_state_only(cond)
            or ident == "fn:subscription-relay" and role == "roles/storage.objectViewer"
            and cond is not None and approvals_only(cond))
        if not allowed:
            err(f"{where}: reads PHI; only deidentify reads staging (bulk-export its own state objects, "
                "the relay the policy approvals), nobody reads quarantine")
    if kind == "project" and PROJECT_FORBIDDEN.match(str(role)):
        err(f"{where}: project-level storage, secret, basic or impersonation role")
    if zone == "public" and not (kind == "service" and role == "roles/run.invoker"
                                 and str(target).endswith("-subscription-relay")):
        err(f"{where}: public; only the relay's invoker may be public")
    if zone == "unknown":
        err(f"{where}: member is not an identity Terraform creates or a known service agent")
    if kind == "kms" and not ident.startswith("agent:"):
        err(f"{where}: only service agents use the CMEK keys")
    if kind == "job" and not (ident == "analytics_run:" and zone == "deid"
                              and str(target).endswith("-analytics")):
        err(f"{where}: a job is started only by its schedule's identity (analytics_run)")
    if kind == "service" and role == "roles/run.invoker" and zone != "public":
        if not ident.startswith("eventarc:") or zone != service_zone(model, target):
            err(f"{where}: a service is invoked only by its own zone's Eventarc identity")


def check_audit_and_dead_letters(model, err):
    """Data Access logs on the PHI project; dead letters kept (held, never expiring) and alerted."""
    phi = model.local("phi_project")
    logged = {}
    for inst in model.instances("google_project_iam_audit_config"):
        if inst.attr("project") == phi:
            logged[inst.attr("service")] = {inst.battr(b, "log_type") for b in inst.blocks("audit_log_config")}
    for service in ("storage.googleapis.com", "secretmanager.googleapis.com"):
        if not {"DATA_READ", "DATA_WRITE"} <= logged.get(service, set()):
            err(f"the PHI project does not keep Data Access (DATA_READ, DATA_WRITE) audit logs for {service}")
    subs = model.instances("google_pubsub_subscription")
    dead_topics = {i.attr("id") for i in model.instances("google_pubsub_topic") if "dead-letter" in i.attr("name")}
    held = {}
    for sub in subs:
        if sub.attr("topic") in dead_topics:
            expiry = [sub.battr(b, "ttl") for b in sub.blocks("expiration_policy")]
            if expiry != [""] or sub.attr("message_retention_duration") != "604800s":
                err(f"{sub.address}: dead letters must be held 7 days by a subscription that never expires")
            held[sub.attr("topic")] = sub.attr("name")
        elif not sub.blocks("dead_letter_policy"):
            err(f"{sub.address} has no dead-letter policy")
    for topic in sorted(dead_topics - set(held)):
        err(f"dead-letter topic {topic} has no subscription: its messages are lost")
    alerted = " ".join(str(inst.blocks("conditions") and [inst.battr(c, "condition_threshold") for c in inst.blocks("conditions")])
                       for inst in model.instances("google_monitoring_alert_policy"))
    for name in sorted(held.values()):
        if f'"{name}"' not in alerted:
            err(f"no alert policy watches dead-letter subscription {name}")
    check_dead_letter_rights(model, subs, dead_topics, err)
    attached = {i.key for i in model.instances("terraform_data") if i.name == "eventarc_dead_letter"}
    for trig in model.instances("google_eventarc_trigger"):
        if trig.key not in attached:
            err(f"{trig.address} has no dead-letter policy attached (terraform_data.eventarc_dead_letter)")


def check_dead_letter_rights(model, subs, dead_topics, err):
    """The Pub/Sub service agent of each zone may publish to the dead-letter topic and acknowledge
    on every subscription that forwards to it (else dead letters are retried, never moved)."""
    g = Grants(model)
    g.collect([])
    one_agent = model.local("single_project")  # a sandbox's one agent serves both zones
    agent = {(r[1], r[2], str(r[3]), r[4]) for r in g.rows if r[0] == "agent:pubsub"}
    has = lambda zone, kind, target, role: any(  # noqa: E731
        (one_agent or z == zone) and k == kind and t == target and r == role for z, k, t, r in agent)
    for topic in model.instances("google_pubsub_topic"):
        if topic.attr("id") in dead_topics and not has(
                (topic.attr("labels") or {}).get("zone"), "topic", topic.attr("name"), "roles/pubsub.publisher"):
            err(f"the Pub/Sub service agent cannot publish to dead-letter topic {topic.attr('name')}")
    for sub in subs:
        zone = (sub.attr("labels") or {}).get("zone")
        if sub.blocks("dead_letter_policy") and not has(zone, "subscription", sub.attr("name"), "roles/pubsub.subscriber"):
            err(f"{sub.address}: the Pub/Sub service agent cannot acknowledge forwarded dead letters")


def export_state_only(cond):
    """Whether an IAM condition names only bulk-export's state objects (exports/_runs/, _cursor)."""
    paths = re.findall(r'"projects/_/buckets/[^"/]+/objects/([^"]*)"', cond)
    return bool(paths) and all(p.startswith("exports/_") for p in paths)


def approvals_only(cond):
    """Whether an IAM condition names only the policy approvals (approvals/, starvit-approval)."""
    paths = re.findall(r'"projects/_/buckets/[^"/]+/objects/([^"]*)"', cond)
    return bool(paths) and all(p.startswith("approvals/") for p in paths) and "||" not in cond


def service_zone(model, name):
    for inst in model.instances("google_cloud_run_v2_service"):
        if inst.attr("name") == name:
            return model.local("functions_all")[inst.key]["zone"]
    return None


def check_secrets(model, g, err):
    secret_ids = {}
    for inst in model.instances("google_secret_manager_secret"):
        secret_ids[inst.attr("secret_id")] = inst
        secret_ids[inst.attr("id")] = inst
    needed = {}
    for svc in model.instances("google_cloud_run_v2_service"):
        t = svc.blocks("template")[0]
        for c in svc.blocks("containers", *t):
            for e in svc.blocks("env", *c):
                for vs in svc.blocks("value_source", *e):
                    for r in svc.blocks("secret_key_ref", *vs):
                        needed.setdefault(svc.battr(r, "secret"), set()).add(f"fn:{svc.key}")
    readers = {}
    for ident, zone, kind, target, role, cond, addr in g.rows:
        if kind == "secret" and role in SECRET_READ:
            inst = secret_ids.get(target)
            if inst is None:
                err(f"{addr}: grants on a secret Terraform does not create ({target!r})")
                continue
            readers.setdefault(inst.attr("secret_id"), set()).add(ident)
    for sid in sorted(set(readers) | set(needed)):
        extra = readers.get(sid, set()) - needed.get(sid, set())
        missing = needed.get(sid, set()) - readers.get(sid, set())
        if extra:
            err(f"secret {sid} is readable by {sorted(extra)}, which do not mount it")
        if missing:
            err(f"secret {sid} is mounted by {sorted(missing)}, which cannot read it")


def print_matrix(g, label):
    idents = sorted({r[0] for r in g.rows})
    targets = sorted({(r[2], str(r[3])) for r in g.rows})
    print(f"iam-boundary: access matrix [{label}] (identity -> resource: roles)")
    for ident in idents:
        for kind, target in targets:
            roles = sorted({r[4].replace("roles/", "") + ("?" if r[5] else "")
                            for r in g.rows if r[0] == ident and r[2] == kind and str(r[3]) == target})
            if roles:
                print(f"  {ident:28} {kind:12} {target[-48:]:48} {', '.join(roles)}")


def main():
    infra = sys.argv[1]
    show = "--matrix" in sys.argv
    errors = []
    examples = sorted(glob.glob(os.path.join(infra, "examples", "*.tfvars")))
    if not examples:
        errors.append("no examples/*.tfvars to evaluate")
    for path in examples:
        label = os.path.basename(path)
        try:
            model = Model(infra, path)
            errors += [f"[{label}] does not evaluate: {f}" for f in model.evaluate_all()]
            errors += check(model, label, show)
            # Stage 1 (no services yet) must evaluate too: nothing may refer to a service.
            stage1 = Model(infra, path, model.blocks, {"deploy_functions": False})
            errors += [f"[{label}, stage 1] does not evaluate: {f}" for f in stage1.evaluate_all()]
        except EvalError as e:
            errors.append(f"[{label}] cannot evaluate infra/: {e}")
    for e in errors:
        print(f"iam-boundary: {e}")
    print(f"iam-boundary: {'FAILED' if errors else 'ok'} ({len(examples)} examples)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
