"""Lexer and parser for the HCL expressions python-hcl2 leaves as text: literals, templates,
references with attributes and indexes, calls, conditionals, operators, tuple/object literals
and for expressions, into tuples that hclexpr.evaluate walks. Anything else raises EvalError.
"""

import re

OPS = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
       "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][A-Za-z0-9_-]*)"
                   r"|(?P<op>=>|==|!=|<=|>=|&&|\|\||\.\.\.|[-+*/%<>!?:.,\[\](){}=])|(?P<str>\"))")


class EvalError(Exception):
    pass


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
