"""Env contract: each Cloud Run service's environment in Terraform against the settings its
config.rs reads, parsed by the functions' own parsers (`env-probe`, tests/src/bin/env-probe.rs).

For every example (examples/*.tfvars) and a minimal set of variables (required ones only, so the
defaults are exercised), it evaluates infra/ and checks, per function:
- the environment parses (required values present, formats such as short topic names valid);
- every name Terraform sets is read by the function (removing it or changing it changes the
  parsed settings), so a misspelt or stale name fails;
- every resource the parsed settings name (set or defaulted) exists in Terraform: buckets,
  datasets and topics in the function's GOOGLE_CLOUD_PROJECT; the pipeline equals the service's
  `pipeline` label; bq-load's concurrency matches the service and BigQuery's DML limits;
- the function's identity holds a role that lets it do there what it does (NEEDS); a function
  that calls Cloud DLP does it in its own project, with the API enabled and roles/dlp.user;
- deidentify and subscription-relay mount the same de-ID key at the same pinned version with the
  same policy; service names fit Google's limits for the longest valid env.
Usage: env_contract.py INFRA_DIR PROBE_BINARY
"""

import glob
import json
import os
import re
import tempfile
import subprocess
import sys

from hclexpr import EvalError, Unknown
from iam_boundary import Grants
from tfmodel import Model

SECRET_SHAPES = {  # what a correctly provisioned version looks like (README, Deploying)
    "deid_hmac_key": "0123456789abcdef" * 4,
    "subscription_secret": "subscription-secret-0123456789abcdef",
}
GARBAGE = ("probe-x!", "probe-y!")


def service_env(model, inst):
    template = inst.blocks("template")[0]
    container = inst.blocks("containers", *template)[0]
    plain, secrets = {}, {}
    for e in inst.blocks("env", *container):
        name = inst.battr(e, "name")
        refs = [(inst.battr(r, "secret"), inst.battr(r, "version"))
                for vs in inst.blocks("value_source", *e) for r in inst.blocks("secret_key_ref", *vs)]
        if name in plain or name in secrets:
            raise EvalError(f"{inst.key}: {name} is set twice")
        if refs:
            secrets[name] = refs[0]
        else:
            plain[name] = inst.battr(e, "value")
    return template, plain, secrets


def probe(binary, cases):
    out = subprocess.run([binary], input=json.dumps(cases), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def collect_envs(model, err):
    """{function: (service, template block, environment)} with secrets as well-formed stand-ins,
    and {(function, name): (secret, version)} of the mounts."""
    secret_key = {i.attr("secret_id"): i.key for i in model.instances("google_secret_manager_secret")}
    services = model.instances("google_cloud_run_v2_service")
    if not services:
        err("no Cloud Run service is deployed with these variables")
    envs, mounts = {}, {}
    for svc in services:
        fn = svc.key
        template, plain, secrets = service_env(model, svc)
        env = dict(plain)
        for name, (secret, version) in secrets.items():
            key = secret_key.get(secret)
            if key is None:
                err(f"{fn}: {name} mounts {secret}, which Terraform does not create")
            env[name] = SECRET_SHAPES.get(key, "a-secret-value-0123456789abcdef")
            mounts[(fn, name)] = (key, version)
        if env.get("GOOGLE_CLOUD_PROJECT") != svc.attr("project"):
            err(f"{fn}: GOOGLE_CLOUD_PROJECT is {env.get('GOOGLE_CLOUD_PROJECT')!r}, the service runs in {svc.attr('project')!r}")
        unknown = [n for n, v in env.items() if isinstance(v, Unknown) or v is None]
        if unknown:
            err(f"{fn}: values unknown before apply: {unknown}")
            continue
        envs[fn] = (svc, template, {k: str(v) for k, v in env.items()})
    return envs, mounts


def parse_with_code(envs, binary):
    """Each environment as its function parses it, and which names it reads: a name is unread
    when removing it and setting it to garbage both leave the parsed settings unchanged."""
    cases, index = [], []
    for fn, (_, _, env) in envs.items():
        cases.append({"function": fn, "env": env})
        index.append((fn, None))
        for name in env:
            for v in [{k: x for k, x in env.items() if k != name}] + [dict(env, **{name: g}) for g in GARBAGE]:
                cases.append({"function": fn, "env": v})
                index.append((fn, name))
    results = probe(binary, cases)
    full = {fn: r for (fn, name), r in zip(index, results) if name is None}
    unchanged = {}
    for (fn, name), r in zip(index, results):
        if name is not None and all(r.get(k) == full[fn].get(k) for k in ("ok", "state", "error")):
            unchanged[(fn, name)] = unchanged.get((fn, name), 0) + 1
    unread = {key for key, n in unchanged.items() if n == 1 + len(GARBAGE)}
    return full, unread


def check_refs(model, fn, svc, template, env, refs, err):
    """The resources the parsed settings name (set or defaulted) exist; limits agree."""
    buckets = {i.attr("name") for i in model.instances("google_storage_bucket")}
    datasets = {(i.attr("project"), i.attr("dataset_id")) for i in model.instances("google_bigquery_dataset")}
    topics = {(i.attr("project"), i.attr("name")) for i in model.instances("google_pubsub_topic")}
    project, label = env["GOOGLE_CLOUD_PROJECT"], (svc.attr("labels") or {}).get("pipeline")
    for kind, setting, value in refs:
        where = "set" if setting in env else "defaulted"
        if kind == "bucket" and value not in buckets:
            err(f"{fn}: {setting} ({where}) = {value!r} is not a bucket Terraform creates")
        if kind == "dataset" and (project, value) not in datasets:
            err(f"{fn}: {setting} ({where}) = {value!r} is not a dataset Terraform creates in {project}")
        if kind == "topic" and (project, value) not in topics:
            err(f"{fn}: {setting} ({where}) = {value!r} is not a topic Terraform creates in {project} "
                "(the code takes a short name)")
        if kind == "pipeline" and value != label:
            err(f"{fn}: pipeline {value!r} ({where}) differs from the service's pipeline label {label!r}")
        if kind == "concurrency":
            per_instance = svc.battr(template, "max_instance_request_concurrency")
            instances = [svc.battr(s, "max_instance_count") for s in svc.blocks("scaling", *template)][0]
            if int(value) != per_instance:
                err(f"{fn}: {setting} = {value} but the service takes {per_instance} requests per instance")
            if int(value) * instances > 22:
                err(f"{fn}: {instances} instances x {value} may run {int(value) * instances} mutating DML "
                    "statements on one table; BigQuery runs 2 and queues 20")
        if kind == "seconds":
            timeout = int(str(svc.battr(template, "timeout")).rstrip("s"))
            if int(value) >= timeout:
                err(f"{fn}: {setting} = {value} is not below the request timeout {timeout}s")


READ, CREATE, USE = "read", "create", "read+overwrite"
ROLES = {
    ("bucket", READ): {"roles/storage.objectViewer", "roles/storage.objectUser", "roles/storage.objectAdmin"},
    ("bucket", CREATE): {"roles/storage.objectCreator", "roles/storage.objectUser", "roles/storage.objectAdmin"},
    ("bucket", USE): {"roles/storage.objectUser", "roles/storage.objectAdmin"},
    ("dataset", READ): {"roles/bigquery.dataViewer", "roles/bigquery.dataEditor", "roles/bigquery.dataOwner"},
    ("dataset", USE): {"roles/bigquery.dataEditor", "roles/bigquery.dataOwner"},
    ("topic", CREATE): {"roles/pubsub.publisher"},
}
# What each function does with the resource a setting names (its handler's reads and writes).
NEEDS = {
    ("bulk-export", "STARVIT_PHI_BUCKET"): [CREATE],
    ("deidentify", "STARVIT_PHI_BUCKET"): [READ],
    ("deidentify", "STARVIT_DEID_BUCKET"): [CREATE],
    ("deidentify", "STARVIT_QUARANTINE_BUCKET"): [CREATE],
    ("bq-load", "STARVIT_DEID_BUCKET"): [READ, CREATE],
    ("bq-load", "STARVIT_RAW_DATASET"): [USE],
    ("bq-load", "STARVIT_GOVERNANCE_DATASET"): [USE],
    ("bq-load", "STARVIT_STAGING_DATASET"): [USE],
    ("bq-load", "STARVIT_LOAD_COMPLETE_TOPIC"): [CREATE],
    ("graph-snapshot", "STARVIT_DEID_BUCKET"): [USE],
    ("graph-snapshot", "STARVIT_RAW_DATASET"): [READ],
    ("graph-snapshot", "STARVIT_GOVERNANCE_DATASET"): [USE],
    ("graph-snapshot", "STARVIT_GRAPH_DATASET"): [USE],
    ("subscription-relay", "STARVIT_QUARANTINE_BUCKET"): [CREATE],
    ("subscription-relay", "STARVIT_DEID_EVENTS_TOPIC"): [CREATE],
}


def check_access(model, full, err):
    """Every resource a function's settings name is granted to it for what it does there."""
    grants = Grants(model)
    grants.collect([])
    held = {}
    for ident, _, kind, target, role, cond, _ in grants.rows:
        held.setdefault((ident, kind, str(target)), set()).add(role)
    for fn, result in full.items():
        for kind, setting, value in result.get("refs", []):
            for need in NEEDS.get((fn, setting), []):
                roles = held.get((f"fn:{fn}", kind, value), set())
                if not roles & ROLES[(kind, need)]:
                    err(f"{fn}: may not {need} {kind} {value} ({setting}); it holds {sorted(roles) or 'nothing'}")
        missing = [s for (f, s) in NEEDS if f == fn and s not in {r[1] for r in result.get("refs", [])}]
        if result.get("ok") and missing:
            err(f"{fn}: env-probe reports no {missing}; mark the setting with Setting::infra in the function's SETTINGS (or fix NEEDS)")


def check_dlp(model, envs, err):
    """A function that calls Cloud DLP (STARVIT_DLP_PARENT set) does it in its own project (the
    texts are that zone's data), where the DLP API is enabled and it holds roles/dlp.user."""
    grants = Grants(model)
    grants.collect([])
    services = {(i.attr("project"), i.attr("service")) for i in model.instances("google_project_service")}
    for fn, (_, _, env) in envs.items():
        parent = env.get("STARVIT_DLP_PARENT")
        if parent is None:
            continue
        parts = parent.split("/")
        project = parts[1] if len(parts) == 4 and parts[0] == "projects" else None
        if project != env.get("GOOGLE_CLOUD_PROJECT"):
            err(f"{fn}: STARVIT_DLP_PARENT {parent!r} is not in its own project {env.get('GOOGLE_CLOUD_PROJECT')!r}")
        if (project, "dlp.googleapis.com") not in services:
            err(f"{fn}: calls Cloud DLP in {project}, where Terraform does not enable dlp.googleapis.com")
        roles = {row[4] for row in grants.rows if row[0] == f"fn:{fn}" and row[2] == "project" and str(row[3]) == project}
        if "roles/dlp.user" not in roles:
            err(f"{fn}: calls Cloud DLP in {project} without roles/dlp.user there; it holds {sorted(roles) or 'nothing'}")


def check_model(model, label, binary, errors):
    err = lambda msg: errors.append(f"[{label}] {msg}")  # noqa: E731
    envs, mounts = collect_envs(model, err)
    full, unread = parse_with_code(envs, binary)
    for fn, (svc, template, env) in envs.items():
        if not full[fn]["ok"]:  # (which names are read is known only once it parses)
            err(f"{fn}: its config.rs rejects the Terraform environment: {full[fn]['error']}")
            continue
        for name in env:
            if (fn, name) in unread:
                err(f"{fn}: Terraform sets {name}, which its config.rs never reads")
        check_refs(model, fn, svc, template, env, full[fn]["refs"], err)
    check_access(model, {fn: r for fn, r in full.items() if r["ok"]}, err)
    check_dlp(model, envs, err)
    key_mounts = {k: v for k, v in mounts.items() if k[1] == "STARVIT_DEID_KEY"}
    if len(set(key_mounts.values())) > 1:
        err(f"deidentify and subscription-relay mount different de-ID keys or versions: {key_mounts}")
    for (fn, _), (_, version) in key_mounts.items():
        if not re.fullmatch(r"[1-9][0-9]*", str(version)):
            err(f"{fn}: the de-ID key is mounted at version {version!r}; a pinned number keeps pseudonyms stable")
    policies = {envs[f][2].get("STARVIT_DEID_POLICY", "shifted") for f in ("deidentify", "subscription-relay") if f in envs}
    if len(policies) > 1:
        err(f"deidentify and subscription-relay use different policies: {sorted(policies)}")


NAME_RULES = {  # resource type, attribute, rule, what Google accepts
    ("google_service_account", "account_id"): (r"[a-z][-a-z0-9]{4,28}[a-z0-9]", "6-30 characters"),
    ("google_storage_bucket", "name"): (r"[a-z0-9][-a-z0-9_.]{1,61}[a-z0-9]", "3-63 characters"),
    ("google_cloud_run_v2_service", "name"): (r"[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?", "at most 49 characters"),
    ("google_bigquery_dataset", "dataset_id"): (r"[A-Za-z0-9_]{1,1024}", "[A-Za-z0-9_]"),
    ("google_pubsub_topic", "name"): (r"[A-Za-z][-A-Za-z0-9_.~+%]{2,254}", "a topic name"),
}


def check_names(model, label, errors):
    for (rtype, attr), (rule, what) in NAME_RULES.items():
        for inst in model.instances(rtype):
            value = inst.attr(attr)
            if not isinstance(value, str) or not re.fullmatch(rule, value):
                errors.append(f"[{label}] {inst.address}.{attr} = {value!r} is not a valid name ({what})")


BAD_VALUES = ["Data Platform", "Prod", "a" * 64, "", "not a url", "http://insecure.example",
              "projects/p/topics/t", "latest", "x_y"]


def check_validation_gaps(infra, blocks, base_vars, binary, errors):
    """A value the variable's validation accepts must not make a function refuse to start or a
    resource name invalid: try known-bad values on every string variable."""
    cases, where = [], []
    for name, body in blocks["variable"].items():
        if str(body.get("type")) not in ("string", "${string}"):
            continue
        for bad in BAD_VALUES:
            try:
                model = Model(infra, None, blocks, dict(base_vars, **{name: bad}))
                if model.validate_variables():
                    continue
                names = []
                check_names(model, "", names)
                if names:
                    errors.append(f"[validation] var.{name} accepts {bad!r}, which makes an invalid name:{names[0][2:]}")
                    continue
                envs, _ = collect_envs(model, lambda m: None)
            except EvalError as e:
                errors.append(f"[validation] var.{name} accepts {bad!r}, which breaks infra/: {e}")
                continue
            for fn, (_, _, env) in envs.items():
                cases.append({"function": fn, "env": env})
                where.append((name, bad, fn))
    for (name, bad, fn), r in zip(where, probe(binary, cases) if cases else []):
        if not r["ok"]:
            errors.append(f"[validation] var.{name} accepts {bad!r}, which {fn} refuses at start-up: {r['error']}")


def main():
    infra, binary = sys.argv[1], sys.argv[2]
    errors = []
    examples = sorted(glob.glob(os.path.join(infra, "examples", "*.tfvars")))
    if not examples:
        errors.append("no examples/*.tfvars to evaluate")
    for path in examples:
        label = os.path.basename(path)
        try:
            model = Model(infra, path)
            errors += [f"[{label}] {f}" for f in model.validate_variables()]
            check_model(model, label, binary, errors)
            check_names(model, label, errors)
        except EvalError as e:
            errors.append(f"[{label}] cannot evaluate infra/: {e}")
    # Only the required variables (the defaults exercised), and the longest valid names.
    if examples:
        base = Model(infra, examples[0])
        required = {n: base.vars[n] for n, b in base.blocks["variable"].items() if "default" not in b}
        check_validation_gaps(infra, base.blocks, dict(base.vars), binary, errors)
        variants = {
            "required-only": dict(required, deploy_functions=True, enable_subscription_relay=True),
            "longest-names": dict(required, deploy_functions=True, enable_subscription_relay=True,
                                  env="abcdefghijkl", phi_project_id="p" + "x" * 29, deid_project_id="d" + "x" * 29),
        }
        for label, values in variants.items():
            with tempfile.NamedTemporaryFile("w", suffix=".tfvars", delete=False) as fh:
                for k, v in values.items():
                    fh.write(f"{k} = {json.dumps(v)}\n")
            try:
                model = Model(infra, fh.name)
                errors += [f"[{label}] {f}" for f in model.validate_variables()]
                check_model(model, label, binary, errors)
                check_names(model, label, errors)
            except EvalError as e:
                errors.append(f"[{label}] cannot evaluate infra/: {e}")
            finally:
                os.unlink(fh.name)
    for e in errors:
        print(f"env-contract: {e}")
    print(f"env-contract: {'FAILED' if errors else 'ok'} ({len(examples)} examples + required-only + longest-names)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
