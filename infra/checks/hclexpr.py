"""Evaluates the expressions hclparse parses, against a scope (variables, locals, resources),
for python-hcl2's output: "${...}" and quoted templates evaluated, containers recursed. A value
known only after apply is an Unknown; an expression the checker cannot evaluate is an EvalError,
so a check never passes on something it did not understand.
"""

import base64
import json
import re

from hclparse import EvalError, close_brace, parse


class Unknown:
    """A value known only after apply (an email, a URI): absorbs attribute and index access."""

    def __init__(self, path):
        self.path = path

    def __repr__(self):
        return f"<{self.path}>"


def as_list(v):
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, (list, tuple, set, frozenset)):
        return list(v)
    raise EvalError(f"not a collection: {v!r}")


def tostr(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v)
    if isinstance(v, Unknown):
        return repr(v)
    raise EvalError(f"not a string: {v!r}")


def _regex(pattern, s):
    m = re.search(pattern, s)
    if not m:
        raise EvalError("regex did not match")
    return m.group(0)


FUNCS = {
    "coalesce": lambda *a: next(x for x in a if x is not None and x != ""),
    "join": lambda sep, xs: sep.join(tostr(x) for x in as_list(xs)),
    "tostring": tostr,
    "tonumber": lambda v: float(v) if "." in str(v) else int(v),
    "merge": lambda *ms: {k: v for m in ms for k, v in m.items()},
    "keys": lambda m: sorted(m.keys()),
    "values": lambda m: [m[k] for k in sorted(m.keys())],
    "contains": lambda xs, v: v in as_list(xs),
    "sort": lambda xs: sorted(as_list(xs)),
    "distinct": lambda xs: list(dict.fromkeys(as_list(xs))),
    "toset": lambda xs: sorted(set(as_list(xs))),
    "length": lambda xs: len(xs),
    "concat": lambda *xs: [x for l in xs for x in as_list(l)],
    "lower": lambda s: s.lower(),
    "replace": lambda s, a, b: s.replace(a, b),
    "regex": _regex,
    "alltrue": lambda xs: all(as_list(xs)),
    "anytrue": lambda xs: any(as_list(xs)),
    "trimspace": lambda s: s.strip(),
    "split": lambda sep, s: s.split(sep),
    "floor": lambda n: int(n // 1),
    "substr": lambda s, o, n: s[o:o + n] if n >= 0 else s[o:],
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "base64encode": lambda s: base64.b64encode(s.encode()).decode(),
    # A file's content (e.g. a table schema from shared/warehouse/schemas/) is not evaluated:
    # no check reads it, so it stays unknown, like a value known only after apply.
    "file": lambda path: Unknown(f"file({tostr(path)})"),
}


def evaluate(node, scope):
    """scope(name) resolves a root reference (var, local, each, a resource type...)."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "tmpl":
        parts = [p if isinstance(p, str) else evaluate(p, scope) for p in node[1]]
        if len(node[1]) == 3 and node[1][0] == "" and node[1][2] == "":
            return parts[1]  # "${x}" keeps x's type
        return "".join(p if isinstance(p, str) else tostr(p) for p in parts)
    if kind == "ref":
        return scope(node[1])
    if kind == "attr":
        return get(evaluate(node[1], scope), node[2])
    if kind == "index":
        return get(evaluate(node[1], scope), evaluate(node[2], scope))
    if kind == "cond":
        c = evaluate(node[1], scope)
        if isinstance(c, Unknown):
            raise EvalError(f"condition unknown before apply: {c!r}")
        return evaluate(node[2] if c else node[3], scope)
    if kind == "un":
        v = evaluate(node[2], scope)
        return (not v) if node[1] == "!" else -v
    if kind == "bin":
        return binary(node[1], node[2], node[3], scope)
    if kind == "call":
        return call(node[1], node[2], scope)
    if kind == "tuple":
        return [evaluate(x, scope) for x in node[1]]
    if kind == "object":
        return {tostr(evaluate(k, scope)): evaluate(v, scope) for k, v in node[1]}
    if kind == "for":
        return for_expr(node, scope)
    raise EvalError(f"cannot evaluate {kind}")


def get(value, key):
    if isinstance(value, Unknown):
        return Unknown(f"{value.path}.{key}")
    if hasattr(value, "hcl_get"):
        return value.hcl_get(key)
    if isinstance(value, dict):
        if key not in value:
            raise EvalError(f"no key {key!r}")
        return value[key]
    if isinstance(value, (list, tuple)) and isinstance(key, (int, float)):
        return value[int(key)]
    raise EvalError(f"cannot take {key!r} of {type(value).__name__}")


def binary(op, a, b, scope):
    left = evaluate(a, scope)
    if op == "&&":
        return bool(left) and bool(evaluate(b, scope))
    if op == "||":
        return bool(left) or bool(evaluate(b, scope))
    right = evaluate(b, scope)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        raise EvalError(f"operand unknown before apply: {left!r} {op} {right!r}")
    return {"==": lambda: left == right, "!=": lambda: left != right, "<": lambda: left < right,
            ">": lambda: left > right, "<=": lambda: left <= right, ">=": lambda: left >= right,
            "+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
            "/": lambda: left / right, "%": lambda: left % right}[op]()


def call(name, args, scope):
    if name == "can":
        try:
            evaluate(args[0], scope)
            return True
        except (EvalError, KeyError, IndexError, TypeError, ValueError, StopIteration, re.error):
            return False
    if name not in FUNCS:
        raise EvalError(f"function {name}() is not supported by the checker")
    try:
        return FUNCS[name](*[evaluate(a, scope) for a in args])
    except EvalError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, StopIteration, AttributeError) as e:
        raise EvalError(f"{name}(): {e}") from e


def for_expr(node, scope):
    _, close, names, coll, key, value, cond = node
    source = evaluate(coll, scope)
    if hasattr(source, "hcl_items"):
        source = source.hcl_items()
    items = list(source.items()) if isinstance(source, dict) else list(enumerate(as_list(source)))
    out = [] if close == "]" else {}
    for k, v in items:
        bound = {names[0]: v} if len(names) == 1 else {names[0]: k, names[1]: v}
        inner = lambda n, b=bound: b[n] if n in b else scope(n)  # noqa: E731
        if cond is not None and not evaluate(cond, inner):
            continue
        if close == "]":
            out.append(evaluate(key, inner))
        else:
            out[tostr(evaluate(key, inner))] = evaluate(value, inner)
    return out


def value_of(raw, scope):
    """A value from python-hcl2's output: text expressions evaluated, containers recursed."""
    if isinstance(raw, str):
        if raw.startswith("${") and raw.endswith("}") and matching_close(raw):
            return evaluate(parse(raw[2:-1]), scope)
        if raw.startswith('"'):
            return evaluate(parse(raw), scope)
        return raw
    if isinstance(raw, list):
        return [value_of(x, scope) for x in raw]
    if isinstance(raw, dict):
        return {unquote(k): value_of(v, scope) for k, v in raw.items() if k != "__is_block__"}
    return raw


def matching_close(raw):
    """Whether the "${" at the start closes at the very end (not "${a}-${b}")."""
    try:
        return close_brace(raw, 1) == len(raw) - 1
    except EvalError:
        return False


def unquote(s):
    return s[1:-1] if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"' else s
