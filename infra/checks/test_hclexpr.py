"""The expression evaluator on the constructs infra/ uses, against what Terraform gives.
Usage: test_hclexpr.py (exits non-zero on the first wrong value)
"""

import sys

from hclexpr import EvalError, Unknown, value_of

VARS = {"env": "dev", "n": 4, "c": 2, "types": ["Patient", "Encounter"], "on": True, "none": None,
        "url": "https://api.medplum.com/fhir/R4"}
LOCALS = {"m": {"b": {"zone": "deid", "x": 1}, "a": {"zone": "phi", "x": 2}}, "prefix": "starvit-dev"}


class NS:
    def __init__(self, d):
        self.d = d

    def hcl_get(self, k):
        if k not in self.d:
            raise EvalError(f"no {k}")
        return self.d[k]


def scope(name):
    return {"var": NS(VARS), "local": NS(LOCALS), "u": Unknown("u")}[name]


CASES = [
    ('"${local.prefix}-phi-staging"', "starvit-dev-phi-staging"),
    ("${var.n * var.c <= 8 && !var.on == false}", True),
    ("${1 + 2 * 3}", 7),
    ('${join(",", var.types)}', "Patient,Encounter"),
    ("${coalesce(var.none, var.env)}", "dev"),
    ('${var.on ? "yes" : "no"}', "yes"),
    ("${[for k, v in local.m : k if v.zone == \"phi\"]}", ["a"]),
    ("${{for k, v in local.m : v.zone => k}}", {"phi": "a", "deid": "b"}),
    ("${keys(local.m)}", ["a", "b"]),
    ("${values(local.m)[0].x}", 2),
    ('${merge(local.m["a"], {zone = "z"})}', {"zone": "z", "x": 2}),
    ('${can(regex("^https://[^/\\\\s]+(/\\\\S*)?$", var.url))}', True),
    ('${can(regex("^[a-z][a-z0-9]{0,11}$", "x_y"))}', False),
    ('${can(local.nothing)}', False),
    ('"a \\"quoted\\" ${var.env}"', 'a "quoted" dev'),
    ('${contains(["a", "b"], "b") && length(var.types) == 2}', True),
    ("${tostring(var.n)}", "4"),
    ('"mail:${u.email}"', "mail:<u.email>"),
]


def main():
    failures = 0
    for src, want in CASES:
        try:
            got = value_of(src, scope)
        except EvalError as e:
            got = f"EvalError: {e}"
        if got != want:
            failures += 1
            print(f"hclexpr: {src} gave {got!r}, want {want!r}")
    try:
        value_of("${var.missing}", scope)
        print("hclexpr: a missing variable evaluated")
        failures += 1
    except EvalError:
        pass
    print(f"hclexpr: {'FAILED' if failures else 'ok'} ({len(CASES) + 1} cases)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
