"""Analyses over normalized functions.

Assumes: a body in the normal form of :mod:`srcad.normalize`.

* :func:`effects` — for one simple statement, which names it writes, which
  reads carry a derivative and which are plain (index, condition) reads.
* :func:`activity` — flow-insensitive activity: the names that both depend on
  the inputs being differentiated (*varied*) and influence the output
  (*useful*). Only active names get tangents or adjoints.
* :func:`overwritten` — names assigned more than once or inside a loop: their
  old values must be saved when the backward sweep still needs them.
"""

from __future__ import annotations

import gast

# Attributes of arrays that are shapes and types, never differentiated.
NONDIFF_ATTRS = frozenset({
    "shape", "ndim", "dtype", "size", "itemsize", "nbytes", "strides", "flags",
    "device", "__class__", "__name__",
})
DIFF_BINOPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.Mod)
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault"})


class Effects:
    __slots__ = ("writes", "dreads", "reads", "mutates")

    def __init__(self, writes=(), dreads=(), reads=(), mutates=False):
        self.writes = set(writes)
        self.dreads = set(dreads)    # reads through which derivatives flow
        self.reads = set(reads)      # every name read
        self.mutates = mutates


def _names(node):
    if node is None:
        return set()
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def _atom_names(nodes):
    return {n.id for n in nodes if isinstance(n, gast.Name)}


def value_dreads(value, nondiff_call):
    """Names in a simple right-hand side through which derivatives flow."""
    if isinstance(value, gast.Name):
        return {value.id}
    if isinstance(value, gast.Constant):
        return set()
    if isinstance(value, gast.BinOp):
        if isinstance(value.op, DIFF_BINOPS):
            return _atom_names([value.left, value.right])
        return set()
    if isinstance(value, gast.UnaryOp):
        if isinstance(value.op, gast.USub):
            return _atom_names([value.operand])
        return set()
    if isinstance(value, gast.Compare):
        return set()
    if isinstance(value, gast.Call):
        if nondiff_call(value):
            return set()
        names = _atom_names(value.args) | _atom_names([k.value for k in value.keywords])
        if isinstance(value.func, gast.Attribute) and isinstance(value.func.value, gast.Name):
            names |= method_receiver(value)
        return names
    if isinstance(value, gast.Attribute):
        if value.attr in NONDIFF_ATTRS:
            return set()
        return _atom_names([value.value])
    if isinstance(value, gast.Subscript):
        return _atom_names([value.value])
    if isinstance(value, (gast.Tuple, gast.List)):
        return _atom_names(value.elts)
    if isinstance(value, gast.Dict):
        return _atom_names(value.values)
    return set()


def method_receiver(call):
    """``{x}`` for a method call ``x.m(...)`` on a local; set() otherwise."""
    f = call.func
    if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and getattr(call, "is_method", False):
        return {f.value.id}
    return set()


def is_list_pop(value):
    """``lst.pop()``: a read that also shortens the list."""
    return (isinstance(value, gast.Call) and getattr(value, "is_method", False)
            and value.func.attr == "pop" and not value.args and not value.keywords
            and isinstance(value.func.value, gast.Name))


def effects(stmt, nondiff_call):
    """The :class:`Effects` of one simple statement."""
    if isinstance(stmt, gast.Assign):
        target = stmt.targets[0]
        if isinstance(target, gast.Name):
            return Effects({target.id}, value_dreads(stmt.value, nondiff_call), _names(stmt.value))
        if isinstance(target, gast.Subscript):
            base = target.value.id
            return Effects({base}, {base} | _atom_names([stmt.value]),
                           _names(target) | _names(stmt.value), mutates=True)
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        call = stmt.value
        recv = method_receiver(call)
        if recv and call.func.attr in MUTATING_METHODS:
            return Effects(recv, recv | value_dreads(call, nondiff_call), _names(call), mutates=True)
        return Effects((), (), _names(call))
    if isinstance(stmt, gast.Return):
        return Effects((), (), _names(stmt.value))
    return Effects((), (), _names(stmt))


def walk_simple(body):
    """Yield ``(stmt, loop_depth)`` for every simple statement, entering
    compound statements; compound statements themselves are yielded too."""
    def visit(stmts, depth):
        for s in stmts:
            yield s, depth
            if isinstance(s, gast.If):
                yield from visit(s.body, depth)
                yield from visit(s.orelse, depth)
            elif isinstance(s, (gast.For, gast.While)):
                yield from visit(s.body, depth + 1)
    yield from visit(body, 0)


def activity(body, seeds, outputs, nondiff_call):
    """Names that are varied (depend on ``seeds``) and useful (reach one of
    ``outputs``)."""
    effs = [effects(s, nondiff_call) for s, _ in walk_simple(body)
            if not isinstance(s, (gast.If, gast.For, gast.While))]
    varied = set(seeds)
    changed = True
    while changed:
        changed = False
        for e in effs:
            if e.dreads & varied and not e.writes <= varied:
                varied |= e.writes
                changed = True
    useful = set(outputs)
    changed = True
    while changed:
        changed = False
        for e in effs:
            if e.writes & useful and not e.dreads <= useful:
                useful |= e.dreads
                changed = True
    return varied & useful


def assigned_names(body):
    """Every name a statement of ``body`` binds (targets, loop variables)."""
    out = set()
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            if isinstance(t, gast.Name):
                out.add(t.id)
        elif isinstance(s, gast.For):
            out.add(s.target.id)
    return out


def overwritten(body, params):
    """Names whose value is replaced while the function runs: bound more than
    once, bound inside a loop, parameters that are rebound, and names whose
    contents are mutated (subscript stores, appends)."""
    counts = {}
    out = set()
    for s, depth in walk_simple(body):
        targets = []
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            targets = [t.id] if isinstance(t, gast.Name) else [t.value.id]
            if isinstance(t, gast.Subscript):
                out.add(t.value.id)
            if is_list_pop(s.value):
                out.add(s.value.func.value.id)
        elif isinstance(s, gast.For):
            targets = [s.target.id]
            if depth > 0:
                out.add(s.target.id)
            continue
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            recv = method_receiver(s.value)
            if recv and s.value.func.attr in MUTATING_METHODS:
                out |= recv
        for t in targets:
            counts[t] = counts.get(t, 0) + 1
            if depth > 0 or counts[t] > 1 or t in params:
                out.add(t)
    return out
