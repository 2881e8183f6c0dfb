"""Small constructors and queries over gast nodes shared by the passes."""

from __future__ import annotations

import copy

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


def load_copy(node):
    """A deep copy of ``node`` with every context set to Load."""
    node = copy.deepcopy(node)
    for n in gast.walk(node):
        if hasattr(n, "ctx") and not isinstance(n.ctx, gast.Param):
            n.ctx = gast.Load()
    return node


def names_in(node, ctx=None):
    """Ids of the Name nodes under ``node`` (optionally of one context type)."""
    out = []
    for n in gast.walk(node):
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
        for n in gast.walk(top):
            if isinstance(n, (gast.stmt, gast.expr)) and getattr(n, "lineno", None) is None:
                n.lineno = lineno
    return nodes


def copy_lineno(new, old):
    line = getattr(old, "lineno", None)
    if line is not None:
        new.lineno = line
    return new
