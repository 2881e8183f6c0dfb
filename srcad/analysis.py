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

from . import astutil as A

# Attributes of arrays that are shapes and types, never differentiated.
NONDIFF_ATTRS = frozenset({
    "shape", "ndim", "dtype", "size", "itemsize", "nbytes", "strides", "flags",
    "device", "__class__", "__name__",
})
DIFF_BINOPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.Mod)
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault"})


class Effects:
    __slots__ = ("writes", "dreads", "mutates")

    def __init__(self, writes=(), dreads=(), mutates=False):
        self.writes = set(writes)
        self.dreads = set(dreads)    # reads through which derivatives flow
        self.mutates = mutates


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
        flowing = getattr(nondiff_call, "flowing", None)
        narrowed = flowing(value) if flowing is not None else None
        if narrowed is not None:
            return narrowed
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
            return Effects({target.id}, value_dreads(stmt.value, nondiff_call))
        if isinstance(target, gast.Subscript):
            base = target.value.id
            return Effects({base}, {base} | _atom_names([stmt.value]), mutates=True)
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        call = stmt.value
        recv = method_receiver(call)
        if recv and call.func.attr in MUTATING_METHODS:
            return Effects(recv, recv | value_dreads(call, nondiff_call), mutates=True)
    return Effects()


def walk_simple(body, depth=0):
    """Yield ``(stmt, loop_depth)`` for every simple statement, entering
    compound statements; compound statements themselves are yielded too."""
    for s in body:
        yield s, depth
        if isinstance(s, gast.If):
            yield from walk_simple(s.body, depth)
            yield from walk_simple(s.orelse, depth)
        elif isinstance(s, (gast.For, gast.While)):
            yield from walk_simple(s.body, depth + 1)


def activity(body, seeds, outputs, nondiff_call):
    """Names that are varied (depend on ``seeds``) and useful (reach one of
    ``outputs``)."""
    effs = [effects(s, nondiff_call) for s, _ in walk_simple(body)
            if not isinstance(s, (gast.If, gast.For, gast.While))]
    # A write into an array is a write into every array it may share memory with.
    if any(e.mutates for e in effs):
        find = _alias_groups(body)
        groups = {}
        for n in find.members:
            groups.setdefault(find(n), set()).add(n)
        for e in effs:
            if e.mutates:
                for w in list(e.writes):
                    e.writes |= groups.get(find(w), set())
    # the least fixed points, by work lists: a statement whose derivative
    # reads include a varied name makes its writes varied; one that writes a
    # useful name makes its derivative reads useful
    varied = _closure(set(seeds), effs, lambda e: e.dreads, lambda e: e.writes)
    useful = _closure(set(outputs), effs, lambda e: e.writes, lambda e: e.dreads)
    return varied & useful


def _closure(names, effs, trigger, result):
    """``names`` grown by ``result(e)`` for every effect ``e`` one of whose
    ``trigger(e)`` names is in it, until nothing more is added."""
    by_name = {}
    for e in effs:
        for n in trigger(e):
            by_name.setdefault(n, []).append(e)
    todo = list(names)
    fired = set()
    while todo:
        for e in by_name.get(todo.pop(), ()):
            if id(e) in fired:
                continue
            fired.add(id(e))
            for w in result(e):
                if w not in names:
                    names.add(w)
                    todo.append(w)
    return names


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


# Calls whose result may share memory with their first argument (or receiver).
VIEW_FUNCTIONS = frozenset({
    "reshape", "transpose", "ravel", "squeeze", "swapaxes", "moveaxis", "expand_dims",
    "broadcast_to", "asarray", "asanyarray", "atleast_1d", "atleast_2d", "atleast_3d",
    "diagonal", "view", "permute_dims", "matrix_transpose", "real", "imag",
})


def _may_alias_source(value):
    """The name whose memory the result of ``value`` may share, or ``None``."""
    if isinstance(value, gast.Name):
        return value.id
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        return value.value.id
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and value.attr not in NONDIFF_ATTRS:
        return value.value.id
    if isinstance(value, gast.Call):
        f = value.func
        name = f.attr if isinstance(f, gast.Attribute) else getattr(f, "id", None)
        if name in VIEW_FUNCTIONS:
            if getattr(value, "is_method", False):
                return method_receiver(value) and next(iter(method_receiver(value)))
            if value.args and isinstance(value.args[0], gast.Name):
                return value.args[0].id
    return None


def _alias_groups(body):
    parent = {}

    def find(n):
        while parent.get(n, n) != n:
            n = parent[n]
        return n

    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            src = _may_alias_source(s.value)
            if src:
                parent[find(s.targets[0].id)] = find(src)
    # the names in a group of more than one (any other is alone in its own)
    find.members = set(parent) | set(parent.values())
    return find


def _mutated_names(body):
    out = set()
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            out.add(s.targets[0].value.id)
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and \
                method_receiver(s.value) and s.value.func.attr in MUTATING_METHODS:
            out |= method_receiver(s.value)
    return out


def mutated_params(body, params):
    """Parameters whose memory the function may write to, directly or through
    a view or alias: they are copied on entry so the caller's stay intact."""
    find = _alias_groups(body)
    groups = {find(m) for m in _mutated_names(body)}
    return [p for p in params if find(p) in groups]


def statement_order(body):
    """Every statement of ``body`` in source order, entering branches and
    loops, as ``(stmt, ids of the enclosing loops)``."""
    order = []

    def visit(stmts, loops):
        for s in stmts:
            order.append((s, loops))
            if isinstance(s, gast.If):
                visit(s.body, loops)
                visit(s.orelse, loops)
            elif isinstance(s, (gast.For, gast.While)):
                visit(s.body, loops + (id(s),))

    visit(body, ())
    del visit   # it refers to itself
    return order


def aliased_mutation(body):
    """A mutation (``y[i] = v``, ``y.append(v)``) of an array or list that may
    share memory with another variable read after it, as
    ``(statement, mutated name, other name)``; ``None`` when there is none.

    Reverse mode keeps one adjoint per variable, so such a write would be
    missed by the other variable's adjoint. Aliases count from the statement
    that creates them on (or anywhere in a loop the write shares).
    """
    order = statement_order(body)

    def related(i, j):
        return j > i or bool(set(order[i][1]) & set(order[j][1]))

    loads = {}

    def loaded(j):
        # the names statement j reads, each statement walked once
        if j not in loads:
            loads[j] = [n.id for n in A.nodes(order[j][0])
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]
        return loads[j]

    # what each assignment may alias (``y = x`` copies a list's reference;
    # views and the like for arrays), found once
    sources = {}
    for j, (t, _) in enumerate(order):
        if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
            sources[j] = (t.targets[0].id, t.value.id if isinstance(t.value, gast.Name) else None,
                          _may_alias_source(t.value))

    for i, (s, _) in enumerate(order):
        mutated = None
        appends = False
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            mutated = s.targets[0].value.id
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and \
                method_receiver(s.value) and s.value.func.attr in MUTATING_METHODS:
            mutated = next(iter(method_receiver(s.value)))
            appends = True
        if mutated is None:
            continue
        parent = {}

        def find(n):
            while parent.get(n, n) != n:
                n = parent[n]
            return n

        for j, (target, copied, viewed) in sources.items():
            if j < i or related(i, j):
                # growing a list changes its copies, not the items taken out of it
                src = copied if appends else viewed
                if src:
                    parent[find(target)] = find(src)
        group = find(mutated)
        for j, (t, _) in enumerate(order):
            if isinstance(t, (gast.If, gast.For, gast.While)) or not related(i, j):
                continue
            for name in loaded(j):
                if (name != mutated and find(name) == group
                        and not _rebound_between(order, i, j, name)):
                    return s, mutated, name
    return None


def _rebound_between(order, i, j, name):
    """Whether every path from the write at ``i`` to the read at ``j`` binds
    ``name`` anew (approximated: some binding of ``name`` lies on the way,
    around the loop they share when ``j`` comes first)."""
    def binds(k):
        t = order[k][0]
        return isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name) \
            and t.targets[0].id == name or isinstance(t, gast.For) and t.target.id == name

    if j > i:
        return any(binds(k) for k in range(i + 1, j))
    common = set(order[i][1]) & set(order[j][1])
    inner = [k for k, (_, loops) in enumerate(order) if common <= set(loops)]
    return any(binds(k) for k in inner if k > i or k < j)


def risky_rebinds(body):
    """``x += v`` statements (rebound here, written in place by NumPy) where
    ``x`` may share memory with another name that is read afterwards: the
    two semantics differ there if ``x`` holds an array. ``{id(stmt): other}``."""
    order = statement_order(body)
    out = {}
    for i, (s, loops) in enumerate(order):
        if not getattr(s, "srcad_inplace", False):
            continue
        name = s.targets[0].id
        # aliases made before the update (or in a loop it shares) only
        parent = {}

        def find(n):
            while parent.get(n, n) != n:
                n = parent[n]
            return n

        for j, (t, tloops) in enumerate(order):
            if (j < i or set(loops) & set(tloops)) and t is not s and isinstance(t, gast.Assign) \
                    and isinstance(t.targets[0], gast.Name):
                src = _may_alias_source(t.value)
                if src:
                    parent[find(t.targets[0].id)] = find(src)
        group = find(name)
        for j, (t, tloops) in enumerate(order):
            if t is s or isinstance(t, (gast.If, gast.For, gast.While)):
                continue
            if not (j > i or set(loops) & set(tloops)):
                continue
            hit = next((n.id for n in A.walk(t) if isinstance(n, gast.Name)
                        and isinstance(n.ctx, gast.Load) and n.id != name and find(n.id) == group
                        and not _rebound_between(order, i, j, n.id)), None)
            if hit is not None:
                out[id(s)] = hit
                break
    return out
