"""Small constructors and queries over gast nodes shared by the passes."""

from __future__ import annotations


import ast

import gast


# The constructors below fill a node's fields directly: gast's constructor
# takes keyword arguments through a generic Python function, and these run
# thousands of times per derivative. The context markers are shared, as in
# the trees ast.parse makes.
_LOAD = gast.Load()
_STORE = gast.Store()
_Name = gast.Name


def _node(cls, **fields):
    node = cls.__new__(cls)
    node.__dict__.update(fields)
    return node


def name(id_, ctx=None):
    node = _Name.__new__(_Name)
    d = node.__dict__
    d["id"] = id_
    d["ctx"] = ctx or _LOAD
    d["annotation"] = None
    d["type_comment"] = None
    return node


def store(id_):
    return name(id_, _STORE)


def const(value):
    return _node(gast.Constant, value=value, kind=None)


def attr(value, attr_, ctx=None):
    if isinstance(value, str):
        value = name(value)
    return _node(gast.Attribute, value=value, attr=attr_, ctx=ctx or _LOAD)


def call(func, args=(), keywords=()):
    if isinstance(func, str):
        parts = func.split(".")
        func = name(parts[0])
        for p in parts[1:]:
            func = attr(func, p)
    return _node(gast.Call, func=func, args=list(args), keywords=list(keywords))


def assign(target, value):
    if isinstance(target, str):
        target = store(target)
    return _node(gast.Assign, targets=[target], value=value, type_comment=None)


def expr_stmt(value):
    return _node(gast.Expr, value=value)


def if_(test, body, orelse=()):
    return gast.If(test=test, body=list(body), orelse=list(orelse))


def not_(value):
    return gast.UnaryOp(op=gast.Not(), operand=value)


def binop(left, op, right):
    return _node(gast.BinOp, left=left, op=op, right=right)


def tuple_(elts, ctx=None):
    return _node(gast.Tuple, elts=list(elts), ctx=ctx or _LOAD)


def is_atom(node):
    return isinstance(node, (gast.Name, gast.Constant))


_AST = gast.AST



def clone(node):
    """A deep copy of a gast tree (much faster than :func:`copy.deepcopy`);
    srcad's own attributes on nodes (``srcad_*``, ``is_method``) come along."""
    if node.__class__ is list:
        return [clone(n) for n in node]
    if not isinstance(node, _AST):
        return node
    # the node's attributes are copied as they are, without gast's
    # constructor, which would fill in every field a second time
    cls = node.__class__
    if not cls._fields and not cls._attributes:
        # context and operator markers (Load, Add...) hold nothing: shared,
        # as in the trees ast.parse makes
        return node
    new = cls.__new__(cls)
    d = new.__dict__
    for key, value in node.__dict__.items():
        if value.__class__ is list:
            d[key] = [clone(x) if isinstance(x, _AST) else x for x in value]
        elif isinstance(value, _AST):
            d[key] = clone(value)
        else:
            d[key] = value
    return new


# Fields that hold no node a pass looks for: names and other plain values,
# and the context and operator markers (Load, Store, Add...), which are a
# third of a tree's nodes and which no pass finds by walking.
_NOT_WALKED = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "type_comment", "kind",
                         "conversion", "level", "module", "is_async", "simple"})
_WALKED = {}


def _walked_fields(cls):
    fields = tuple(f for f in cls._fields
                   if f not in _NOT_WALKED and not (f == "value" and cls is gast.Constant))
    _WALKED[cls] = fields
    return fields


def walk(node):
    """Every node under ``node`` (itself included), in no particular order,
    except the context and operator markers (``Load``, ``Add``...): a faster
    :func:`gast.walk` for the passes that look for names, calls and
    statements."""
    stack = [node]
    pop, push = stack.pop, stack.append
    walked = _WALKED
    while stack:
        n = pop()
        yield n
        fields = walked.get(n.__class__)
        if fields is None:
            fields = _walked_fields(n.__class__)
        for f in fields:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, _AST):
                        push(x)
            elif isinstance(v, _AST):
                push(v)


def nodes(node):
    """The nodes :func:`walk` yields, as a list: for passes that only read
    (a list is built faster than a generator is resumed)."""
    out = [node]
    push = out.append
    walked = _WALKED
    for n in out:
        fields = walked.get(n.__class__)
        if fields is None:
            fields = _walked_fields(n.__class__)
        for f in fields:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, _AST):
                        push(x)
            elif isinstance(v, _AST):
                push(v)
    return out


# ast.NodeVisitor's visit_Constant looks for the visit_Num & co. of old
# visitors before it visits the children (gone in newer Pythons)
_AST_VISIT_CONSTANT = getattr(ast.NodeVisitor, "visit_Constant", None)


def _unchanged(self, node):
    return node


def _name_unless_annotated(self, node):
    return node if node.annotation is None else self.generic_visit(node)


class Transformer(gast.NodeTransformer):
    """:class:`gast.NodeTransformer` made for many small trees: the method
    for each node class is found once per transformer class, and the
    context and operator markers (see :func:`walk`) are not visited, so a
    subclass must not define ``visit_Load``, ``visit_Add`` and the like.
    Otherwise it behaves as its base does."""

    _methods = None

    def visit(self, node):
        cls = self.__class__
        methods = cls.__dict__.get("_methods")
        if methods is None:
            methods = cls._methods = {}
        method = methods.get(node.__class__)
        if method is None:
            method = getattr(cls, "visit_" + node.__class__.__name__, cls.generic_visit)
            if method is _AST_VISIT_CONSTANT:
                method = cls.generic_visit
            if method is cls.generic_visit:
                # leaves (half of all nodes) need no visit of their fields
                fields = _WALKED.get(node.__class__) or _walked_fields(node.__class__)
                if not fields:
                    method = _unchanged
                elif node.__class__ is _Name:
                    method = _name_unless_annotated
            methods[node.__class__] = method
        return method(self, node)

    def generic_visit(self, node):
        fields = _WALKED.get(node.__class__)
        if fields is None:
            fields = _walked_fields(node.__class__)
        for field in fields:
            old = getattr(node, field, None)
            if old.__class__ is list:
                new_values = []
                for value in old:
                    if isinstance(value, _AST):
                        value = self.visit(value)
                        if value is None:
                            continue
                        elif not isinstance(value, _AST):
                            new_values.extend(value)
                            continue
                    new_values.append(value)
                old[:] = new_values
            elif isinstance(old, _AST):
                new = self.visit(old)
                if new is None:
                    delattr(node, field)
                else:
                    setattr(node, field, new)
        return node


def walked_fields(cls):
    """The fields of nodes of class ``cls`` that :func:`walk` enters."""
    fields = _WALKED.get(cls)
    return fields if fields is not None else _walked_fields(cls)


def children(node):
    """The nodes directly under ``node`` that :func:`walk` enters (a faster
    :func:`gast.iter_child_nodes`)."""
    fields = _WALKED.get(node.__class__)
    if fields is None:
        fields = _walked_fields(node.__class__)
    out = []
    for f in fields:
        v = getattr(node, f, None)
        if v.__class__ is list:
            out.extend(x for x in v if isinstance(x, _AST))
        elif isinstance(v, _AST):
            out.append(v)
    return out


_BODIES = ("body", "orelse", "finalbody", "handlers")

HEADERS = {gast.If: ("test",), gast.While: ("test",), gast.For: ("target", "iter")}
"""The expression fields of the header of a branch or loop (its statements
are in ``body`` and ``orelse``)."""


def statements(node):
    """``node`` and every statement nested in it (the bodies of loops,
    branches and nested functions), without looking into expressions."""
    out = [node]
    for n in out:
        for field in _BODIES:
            inner = getattr(n, field, None)
            if inner.__class__ is list:
                out.extend(inner)
    return out


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
    Store, Load = gast.Store, gast.Load
    for n in nodes(node):
        if n.__class__ is _Name:
            ctx = n.ctx.__class__
            if ctx is Store:
                stores[n.id] = stores.get(n.id, 0) + 1
            elif ctx is Load:
                loads[n.id] = loads.get(n.id, 0) + 1
    return stores, loads


def name_occurrences(node):
    """``{name: how many times it occurs under node}``, in one pass."""
    counts = {}
    get = counts.get
    stack = [node]
    pop, push = stack.pop, stack.append
    walked = _WALKED
    while stack:
        n = pop()
        cls = n.__class__
        if cls is _Name:
            counts[n.id] = get(n.id, 0) + 1
            if n.annotation is None:
                continue
        fields = walked.get(cls)
        if fields is None:
            fields = _walked_fields(cls)
        for f in fields:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, _AST):
                        push(x)
            elif isinstance(v, _AST):
                push(v)
    return counts


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


def set_stmt_lineno(stmt, lineno):
    """Give ``stmt`` and the statements nested in it that have no line
    number ``lineno``; expressions are left as they are (code generation
    takes an expression's line from its statement, and only statements carry
    the comments that point at the user's lines)."""
    if lineno is None:
        return stmt
    for s in statements(stmt):
        if getattr(s, "lineno", None) is None:
            s.lineno = lineno
    return stmt


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
