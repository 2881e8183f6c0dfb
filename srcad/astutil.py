"""Small constructors and queries over gast nodes shared by the passes."""

from __future__ import annotations


import gast


def name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def store(id_):
    return name(id_, gast.Store())


def const(value):
    return gast.Constant(value=value, kind=None)


def attr(value, attr_, ctx=None):
    if isinstance(value, str):
        value = name(value)
    return gast.Attribute(value=value, attr=attr_, ctx=ctx or gast.Load())


def call(func, args=(), keywords=()):
    if isinstance(func, str):
        parts = func.split(".")
        func = name(parts[0])
        for p in parts[1:]:
            func = attr(func, p)
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def assign(target, value):
    if isinstance(target, str):
        target = store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def expr_stmt(value):
    return gast.Expr(value=value)


def if_(test, body, orelse=()):
    return gast.If(test=test, body=list(body), orelse=list(orelse))


def not_(value):
    return gast.UnaryOp(op=gast.Not(), operand=value)


def binop(left, op, right):
    return gast.BinOp(left=left, op=op, right=right)


def tuple_(elts, ctx=None):
    return gast.Tuple(elts=list(elts), ctx=ctx or gast.Load())


def is_atom(node):
    return isinstance(node, (gast.Name, gast.Constant))


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def clone(node):
    """A deep copy of a gast tree (much faster than :func:`copy.deepcopy`);
    srcad's own attributes on nodes (``srcad_*``, ``is_method``) come along."""
    if isinstance(node, list):
        return [clone(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = type(node)(**{f: clone(getattr(node, f, None)) for f in node._fields})
    for key, value in node.__dict__.items():
        if key not in node._fields:
            setattr(new, key, value)
    return new


def walk(node):
    """Every node under ``node`` (itself included), in no particular order:
    a faster :func:`gast.walk` for the passes that only collect."""
    stack = [node]
    AST = gast.AST
    while stack:
        n = stack.pop()
        yield n
        for f in n._fields:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, AST):
                        stack.append(x)
            elif isinstance(v, AST):
                stack.append(v)


def load_copy(node):
    """A deep copy of ``node`` with every context set to Load."""
    node = clone(node)
    for n in gast.walk(node):
        if hasattr(n, "ctx") and not isinstance(n.ctx, gast.Param):
            n.ctx = gast.Load()
    return node


def name_counts(node):
    """``(stores, loads)``: how many times each name is bound and read under
    ``node``."""
    stores, loads = {}, {}
    for n in walk(node):
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Store):
                stores[n.id] = stores.get(n.id, 0) + 1
            elif isinstance(n.ctx, gast.Load):
                loads[n.id] = loads.get(n.id, 0) + 1
    return stores, loads


def names_in(node, ctx=None):
    """Ids of the Name nodes under ``node`` (optionally of one context type)."""
    out = []
    for n in walk(node):
        if isinstance(n, gast.Name) and (ctx is None or isinstance(n.ctx, ctx)):
            out.append(n.id)
    return out


def parse_expr(src):
    return gast.parse(src).body[0].value


def parse_stmts(src):
    return gast.parse(src).body


def set_lineno(nodes, lineno):
    """Give every node under ``nodes`` without a line number ``lineno``."""
    if lineno is None:
        return nodes
    for top in nodes if isinstance(nodes, list) else [nodes]:
        for n in walk(top):
            if isinstance(n, (gast.stmt, gast.expr)) and getattr(n, "lineno", None) is None:
                n.lineno = lineno
    return nodes


def fill_location(node, source):
    """Give every node under ``node`` without a position the position of
    ``source`` (code built to stand for ``source`` points at it in errors)."""
    if getattr(source, "lineno", None) is None:
        return node
    for n in walk(node):
        if getattr(n, "lineno", None) is None:
            gast.copy_location(n, source)
    return node


def copy_lineno(new, old):
    line = getattr(old, "lineno", None)
    if line is not None:
        new.lineno = line
    return new
