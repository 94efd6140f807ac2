"""A small evaluator for the HCL expressions python-hcl2 leaves as text ("${...}" or a quoted
template). It covers what infra/ uses: literals, templates, references with attributes and
indexes, function calls, conditionals, operators, tuple/object literals and for expressions.
Anything else raises EvalError, so a check never passes on an expression it did not understand.
"""

import re

OPS = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
       "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][A-Za-z0-9_-]*)"
                   r"|(?P<op>=>|==|!=|<=|>=|&&|\|\||\.\.\.|[-+*/%<>!?:.,\[\](){}=])|(?P<str>\"))")


class EvalError(Exception):
    pass


class Unknown:
    """A value known only after apply (an email, a URI): absorbs attribute and index access."""

    def __init__(self, path):
        self.path = path

    def __repr__(self):
        return f"<{self.path}>"


def lex(src):
    out, i = [], 0
    while i < len(src):
        if src[i:].strip() == "":
            break
        m = TOKEN.match(src, i)
        if not m:
            raise EvalError(f"cannot lex {src[i:i + 30]!r}")
        if m.group("str"):
            parts, i = lex_string(src, m.end())
            out.append(("str", parts))
            continue
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        i = m.end()
    out.append(("end", None))
    return out


def lex_string(src, i):
    """A template after its opening quote: [str | tokens-of-interpolation], index after quote."""
    parts, buf = [], []
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(src):
        c = src[i]
        if c == "\\":
            buf.append(escapes.get(src[i + 1], src[i + 1]))
            i += 2
        elif c == '"':
            parts.append("".join(buf))
            return parts, i + 1
        elif src.startswith("${", i):
            parts.append("".join(buf))
            buf = []
            j = close_brace(src, i + 1)
            parts.append(("expr", src[i + 2:j]))
            i = j + 1
        else:
            buf.append(c)
            i += 1
    raise EvalError("unterminated string")


class Parser:
    def __init__(self, src):
        self.toks, self.i = lex(src), 0

    def peek(self, k=0):
        return self.toks[self.i + k]

    def take(self, value=None):
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            raise EvalError(f"expected {value!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.expr()
        if self.peek()[0] != "end":
            raise EvalError(f"trailing {self.peek()[1]!r}")
        return node

    def expr(self):
        cond = self.binary(1)
        if self.peek()[1] == "?":
            self.take("?")
            yes = self.expr()
            self.take(":")
            return ("cond", cond, yes, self.expr())
        return cond

    def binary(self, level):
        left = self.unary()
        while self.peek()[0] == "op" and OPS.get(self.peek()[1], 0) >= level:
            op = self.take()[1]
            left = ("bin", op, left, self.binary(OPS[op] + 1))
        return left

    def unary(self):
        if self.peek()[1] in ("!", "-"):
            op = self.take()[1]
            return ("un", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node):
        while True:
            if self.peek()[1] == ".":
                self.take(".")
                tok = self.take()
                node = ("attr", node, tok[1]) if tok[0] == "id" else ("index", node, ("lit", int(tok[1])))
            elif self.peek()[1] == "[":
                self.take("[")
                node = ("index", node, self.expr())
                self.take("]")
            else:
                return node

    def primary(self):
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "str":
            return ("tmpl", [p if isinstance(p, str) else Parser(p[1]).parse() for p in value])
        if kind == "id":
            if value in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False, "null": None}[value])
            if self.peek()[1] == "(":
                self.take("(")
                args = []
                while self.peek()[1] != ")":
                    args.append(self.expr())
                    if self.peek()[1] == ",":
                        self.take(",")
                self.take(")")
                return ("call", value, args)
            return ("ref", value)
        if value == "(":
            node = self.expr()
            self.take(")")
            return node
        if value == "[":
            return self.for_expr("]") if self.peek()[1] == "for" else self.tuple()
        if value == "{":
            return self.for_expr("}") if self.peek()[1] == "for" else self.object()
        raise EvalError(f"unexpected {value!r}")

    def tuple(self):
        items = []
        while self.peek()[1] != "]":
            items.append(self.expr())
            if self.peek()[1] == ",":
                self.take(",")
        self.take("]")
        return ("tuple", items)

    def object(self):
        items = []
        while self.peek()[1] != "}":
            key = self.take()
            key = ("lit", key[1]) if key[0] == "id" else ("tmpl", [p if isinstance(p, str) else Parser(p[1]).parse() for p in key[1]])
            if self.peek()[1] not in ("=", ":"):
                raise EvalError("expected = in object")
            self.take()
            items.append((key, self.expr()))
            if self.peek()[1] == ",":
                self.take(",")
        self.take("}")
        return ("object", items)

    def for_expr(self, close):
        self.take("for")
        names = [self.take()[1]]
        if self.peek()[1] == ",":
            self.take(",")
            names.append(self.take()[1])
        self.take("in")
        coll = self.expr()
        self.take(":")
        key = self.expr()
        value = None
        if close == "}":
            self.take("=>")
            value = self.expr()
        cond = None
        if self.peek()[1] == "if":
            self.take("if")
            cond = self.expr()
        self.take(close)
        return ("for", close, names, coll, key, value, cond)


def parse(src):
    return Parser(src).parse()


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
    "jsonencode": lambda v: __import__("json").dumps(v, separators=(",", ":")),
    "base64encode": lambda s: __import__("base64").b64encode(s.encode()).decode(),
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


def close_brace(src, start):
    """Index of the "}" closing the "{" at `start`, skipping quoted strings."""
    depth, quoted, i = 0, False, start
    while i < len(src):
        c = src[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise EvalError("unterminated interpolation")


def matching_close(raw):
    """Whether the "${" at the start closes at the very end (not "${a}-${b}")."""
    try:
        return close_brace(raw, 1) == len(raw) - 1
    except EvalError:
        return False


def unquote(s):
    return s[1:-1] if isinstance(s, str) and len(s) >= 2 and s[0] == s[-1] == '"' else s
