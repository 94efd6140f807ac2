"""infra/ as data: the parsed HCL (python-hcl2), variables from a .tfvars file, locals, and every
resource expanded into its instances (for_each / count) with attributes evaluated on demand.
Attributes known only after apply are synthesized the way Google names them (an e-mail from the
account id, a topic id from project and name) or left Unknown.
"""

import glob
import hashlib
import os

import hcl2

from hclexpr import EvalError, Unknown, unquote, value_of


def load_dir(path):
    blocks = {"variable": {}, "locals": {}, "resource": {}, "data": {}, "check": {}, "output": {}}
    for f in sorted(glob.glob(os.path.join(path, "*.tf"))):
        with open(f) as fh:
            doc = hcl2.load(fh)
        for kind in ("variable", "check", "output"):
            for item in doc.get(kind, []):
                for name, body in item.items():
                    blocks[kind][unquote(name)] = body
        for item in doc.get("locals", []):
            for name, body in item.items():
                if name != "__is_block__":
                    blocks["locals"][name] = body
        for kind in ("resource", "data"):
            for item in doc.get(kind, []):
                for rtype, named in item.items():
                    for name, body in named.items():
                        blocks[kind][(unquote(rtype), unquote(name))] = body
    return blocks


def load_tfvars(path):
    with open(path) as fh:
        doc = hcl2.load(fh)
    return {k: value_of(v, lambda n: (_ for _ in ()).throw(EvalError(f"reference {n} in tfvars")))
            for k, v in doc.items() if not k.startswith("__")}


def fake_number(project):
    return str(100000000000 + int(hashlib.sha256(str(project).encode()).hexdigest()[:8], 16))


class Instance:
    def __init__(self, model, kind, rtype, name, key, body):
        self.model, self.kind, self.rtype, self.name, self.key, self.body = model, kind, rtype, name, key, body
        self.cache = {}

    @property
    def address(self):
        prefix = "data." if self.kind == "data" else ""
        key = "" if self.key is None else f"[{self.key!r}]"
        return f"{prefix}{self.rtype}.{self.name}{key}"

    def scope(self, extra=None):
        def resolve(n):
            if extra and n in extra:
                return extra[n]
            if n == "each":
                return {"key": self.key, "value": self.each_value}
            if n == "count":
                return {"index": self.key}
            return self.model.scope(n)
        return resolve

    def raw(self, attr):
        return self.body.get(attr)

    def attr(self, attr, extra=None):
        if extra is None and attr in self.cache:
            return self.cache[attr]
        if attr in self.body:
            value = value_of(self.body[attr], self.scope(extra))
        else:
            value = self.computed(attr)
        if extra is None:
            self.cache[attr] = value
        return value

    def blocks(self, name, raw=None, extra=None):
        """Static and expanded dynamic blocks `name` of `raw` (default: the resource body), each
        as (raw body, scope extras): read an attribute with battr, nested blocks with blocks."""
        raw = self.body if raw is None else raw
        out = []
        for b in raw.get(name, []):
            if isinstance(b, dict):
                out.append((b, extra))
        for dyn in raw.get("dynamic", []):
            for label, spec in dyn.items():
                if unquote(label) != name:
                    continue
                items = value_of(spec["for_each"], self.scope(extra))
                pairs = items.items() if isinstance(items, dict) else enumerate(items)
                for k, v in pairs:
                    inner = dict(extra or {})
                    inner[name] = {"key": k, "value": v}
                    for content in spec["content"]:
                        out.append((content, inner))
        return out

    def battr(self, block, attr, default=None):
        raw, extra = block
        return value_of(raw[attr], self.scope(extra)) if attr in raw else default

    def hcl_get(self, attr):
        return self.attr(attr)

    def computed(self, attr):
        a = lambda n: self.attr(n)  # noqa: E731
        t = self.rtype
        if t == "google_service_account" and attr == "email":
            return f"{a('account_id')}@{a('project')}.iam.gserviceaccount.com"
        if t == "google_project" and attr == "number":
            return fake_number(a("project_id"))
        if t == "google_storage_project_service_account" and attr == "email_address":
            return f"service-{fake_number(a('project'))}@gs-project-accounts.iam.gserviceaccount.com"
        if t == "google_bigquery_default_service_account" and attr == "email":
            return f"bq-{fake_number(a('project'))}@bigquery-encryption.iam.gserviceaccount.com"
        if attr == "id":
            ids = {
                "google_pubsub_topic": lambda: f"projects/{a('project')}/topics/{a('name')}",
                "google_pubsub_subscription": lambda: f"projects/{a('project')}/subscriptions/{a('name')}",
                "google_secret_manager_secret": lambda: f"projects/{a('project')}/secrets/{a('secret_id')}",
                "google_kms_key_ring": lambda: f"projects/{a('project')}/locations/{a('location')}/keyRings/{a('name')}",
                "google_kms_crypto_key": lambda: f"{a('key_ring')}/cryptoKeys/{a('name')}",
                "google_bigquery_dataset": lambda: f"projects/{a('project')}/datasets/{a('dataset_id')}",
            }
            if t in ids:
                return ids[t]()
        return Unknown(f"{self.address}.{attr}")


class Resource:
    """All instances of one resource block: indexable by key, iterable as a map."""

    def __init__(self, model, kind, rtype, name, body):
        self.model, self.kind, self.rtype, self.name, self.body = model, kind, rtype, name, body
        self._instances = None

    def instances(self):
        if self._instances is None:
            scope = self.model.scope
            out = {}
            if "for_each" in self.body:
                each = value_of(self.body["for_each"], scope)
                if hasattr(each, "hcl_items"):
                    each = each.hcl_items()
                if isinstance(each, Unknown):
                    raise EvalError(f"{self.rtype}.{self.name}: for_each unknown before apply")
                items = each.items() if isinstance(each, dict) else ((k, k) for k in each)
                for k, v in items:
                    inst = Instance(self.model, self.kind, self.rtype, self.name, k, self.body)
                    inst.each_value = v
                    out[k] = inst
            elif "count" in self.body:
                for i in range(int(value_of(self.body["count"], scope))):
                    inst = Instance(self.model, self.kind, self.rtype, self.name, i, self.body)
                    inst.each_value = None
                    out[i] = inst
            else:
                inst = Instance(self.model, self.kind, self.rtype, self.name, None, self.body)
                inst.each_value = None
                out[None] = inst
            self._instances = out
        return self._instances

    def hcl_get(self, key):
        inst = self.instances()
        if None in inst and len(inst) == 1 and not isinstance(key, (int,)) and key not in inst:
            return inst[None].attr(key)
        if key not in inst:
            raise EvalError(f"{self.rtype}.{self.name} has no instance {key!r}")
        return inst[key]

    def hcl_items(self):
        return {k: v for k, v in self.instances().items()}


class Namespace:
    def __init__(self, fn):
        self.fn = fn

    def hcl_get(self, key):
        return self.fn(key)


class Model:
    def __init__(self, path, tfvars=None, blocks=None, overrides=None):
        self.path = path
        self.blocks = blocks if blocks is not None else load_dir(path)
        given = load_tfvars(tfvars) if tfvars else {}
        given.update(overrides or {})
        unknown = set(given) - set(self.blocks["variable"])
        if unknown:
            raise EvalError(f"{tfvars} sets undeclared variables: {sorted(unknown)}")
        self.vars = {}
        for name, body in self.blocks["variable"].items():
            if name in given:
                self.vars[name] = given[name]
            elif "default" in body:
                self.vars[name] = value_of(body["default"], lambda n: None)
            else:
                raise EvalError(f"variable {name} has no default and no value in {tfvars}")
        self._locals, self._resources = {}, {}
        for kind in ("resource", "data"):
            for (rtype, name), body in self.blocks[kind].items():
                self._resources[(kind, rtype, name)] = Resource(self, kind, rtype, name, body)

    def local(self, name):
        if name not in self._locals:
            if name not in self.blocks["locals"]:
                raise EvalError(f"no local {name}")
            self._locals[name] = value_of(self.blocks["locals"][name], self.scope)
        return self._locals[name]

    def scope(self, name):
        if name == "var":
            return Namespace(lambda k: self.vars[k] if k in self.vars else _missing("var", k))
        if name == "local":
            return Namespace(self.local)
        if name == "data":
            return Namespace(lambda t: Namespace(lambda n: self.resource("data", t, n)))
        if name in ("path", "terraform"):
            return Unknown(name)
        return Namespace(lambda n: self.resource("resource", name, n))

    def resource(self, kind, rtype, name):
        key = (kind, rtype, name)
        if key not in self._resources:
            raise EvalError(f"no {kind} {rtype}.{name}")
        return self._resources[key]

    def resources(self, rtype=None, kind="resource"):
        return [r for (k, t, _), r in self._resources.items() if k == kind and (rtype is None or t == rtype)]

    def instances(self, rtype=None, kind="resource"):
        return [i for r in self.resources(rtype, kind) for i in r.instances().values()]

    def evaluate_all(self):
        """Evaluates every local, output and attribute of every resource and data source (nested
        and dynamic blocks included), as `terraform validate` would resolve references: a
        reference to a resource, instance, local or variable that does not exist fails. (Types
        and the provider's schema are not checked: that needs the provider.)"""
        failures = []
        for name in self.blocks["locals"]:
            try:
                self.local(name)
            except EvalError as e:
                failures.append(f"local.{name}: {e}")
        for name, body in self.blocks["output"].items():
            try:
                value_of(body["value"], self.scope)
            except EvalError as e:
                failures.append(f"output.{name}: {e}")
        for res in self.resources() + self.resources(kind="data"):
            try:
                for inst in res.instances().values():
                    walk_body(inst, inst.body, None)
            except EvalError as e:
                failures.append(f"{res.rtype}.{res.name}: {e}")
        return failures

    def validate_variables(self):
        """Evaluates every variable's validation blocks; returns the failures."""
        failures = []
        for name, body in self.blocks["variable"].items():
            for v in body.get("validation", []):
                try:
                    ok = value_of(v["condition"], self.scope)
                except EvalError as e:
                    failures.append(f"var.{name}: validation not evaluable: {e}")
                    continue
                if not ok:
                    failures.append(f"var.{name}: {value_of(v['error_message'], self.scope)}")
        return failures


def walk_body(inst, raw, extra):
    """Evaluates every attribute of a block body, recursing into nested and dynamic blocks."""
    for key, value in raw.items():
        if key in ("__is_block__", "dynamic"):
            continue
        if isinstance(value, list) and value and all(isinstance(b, dict) and b.get("__is_block__") for b in value):
            for block in value:
                walk_body(inst, block, extra)
        elif isinstance(value, list) and value and all(isinstance(b, dict) for b in value):
            for labelled in value:  # provisioner "local-exec" { ... }
                for body in labelled.values():
                    walk_body(inst, body, extra)
        else:
            value_of(value, inst.scope(extra))
    for dyn in raw.get("dynamic", []):
        for label in dyn:
            for content, inner in inst.blocks(unquote(label), raw, extra):
                walk_body(inst, content, inner)


def _missing(kind, key):
    raise EvalError(f"no {kind}.{key}")
