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

import contextvars

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
    """``(stmt, loop_depth)`` for every simple statement, entering compound
    statements; compound statements themselves are listed too (a list: the
    analyses walk bodies often, and a list is built faster than nested
    generators are resumed)."""
    out = []
    append = out.append
    If, loops = gast.If, (gast.For, gast.While)

    def visit(stmts, depth):
        for s in stmts:
            append((s, depth))
            cls = s.__class__
            if cls is If:
                visit(s.body, depth)
                visit(s.orelse, depth)
            elif cls in loops:
                visit(s.body, depth + 1)

    visit(body, depth)
    del visit   # it refers to itself
    return out


def activity(body, seeds, outputs, nondiff_call):
    """Names that are varied (depend on ``seeds``) and useful (reach one of
    ``outputs``)."""
    stmts = [s for s, _ in walk_simple(body) if not isinstance(s, (gast.If, gast.For, gast.While))]
    effs = [effects(s, nondiff_call) for s in stmts]
    # A write into an array is a write into every array it may share memory
    # with; a list or dict that grows or takes a new item changes only for
    # the names holding that same list (not for the items it holds).
    if any(e.mutates for e in effs):
        containers = _containers(body)
        by_kind = {}
        for s, e in zip(stmts, effs):
            if not e.mutates:
                continue
            structural = _structural_write(s, containers)
            if structural not in by_kind:
                find = _alias_groups(body, copies_only=structural, containers=containers)
                groups = {}
                for n in find.members:
                    groups.setdefault(find(n), set()).add(n)
                by_kind[structural] = (find, groups)
            find, groups = by_kind[structural]
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
    "sliding_window_view",
})


# calls of normalized code that return no element of their arguments
# (the others, ``__srcad_sequence__(x)`` and the like, hand out x's rows)
_FRESH_INTERNAL = frozenset({
    "__srcad_len__", "__srcad_range__", "__srcad_min__", "__srcad_shortest__",
    "__srcad_sort_order__", "__srcad_diagonal_index__", "__srcad_scatter_add__",
    "__srcad_running_extremum__", "__srcad_logaddexp_accumulate__", "__srcad_add_reduceat__", "__srcad_keys__", "__srcad_einsum_subscripts__",
    "__srcad_np_solve__", "__srcad_np_inv__", "__srcad_np_det__", "__srcad_np_cholesky__",
    "__srcad_np_tril__", "__srcad_np_triu__", "__srcad_np_log__", "__srcad_np_exp__", "__srcad_np_trapezoid__",
    "__srcad_np_norm__", "__srcad_np_zeros_like__", "__srcad_np_logical_or__", "__srcad_np_logical_not__",
    "__srcad_np_stack__", "__srcad_np_trunc__", "__srcad_along_axis_shape__", "__srcad_along_axis_axes__",
    "__srcad_same_lengths__", "__srcad_index_tuples__", "__srcad_np_log1p__", "__srcad_np_abs__",
    "__srcad_np_mean__", "__srcad_np_median__", "__srcad_np_var__", "__srcad_np_std__", "__srcad_np_sin__",
    "__srcad_np_cos__", "__srcad_np_tan__", "__srcad_np_sinh__", "__srcad_np_cosh__", "__srcad_np_tanh__",
    "__srcad_np_sqrt__", "__srcad_np_log10__", "__srcad_np_angle__",
    "__srcad_loc_scale_draw__", "__srcad_scale_draw__", "__srcad_lognormal_draw__", "__srcad_deep_copy__",
})


def _may_alias_sources(value):
    """The names whose memory the result of ``value`` may share: a view's
    base, the items of a tuple, list or dict display, the rows a loop over
    an array hands out, and the arguments of a call that may return one of
    them (a user's function, marked ``srcad_may_alias`` by the
    transformation)."""
    if isinstance(value, gast.Name):
        return (value.id,)
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        return (value.value.id,)
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and value.attr not in NONDIFF_ATTRS:
        return (value.value.id,)
    if isinstance(value, (gast.Tuple, gast.List, gast.Set)):
        return tuple(n for e in value.elts for n in _may_alias_sources(
            e.value if isinstance(e, gast.Starred) else e))
    if isinstance(value, gast.Dict):
        return tuple(n for e in value.values for n in _may_alias_sources(e))
    if isinstance(value, gast.Call):
        f = value.func
        name = f.attr if isinstance(f, gast.Attribute) else getattr(f, "id", None)
        if name in VIEW_FUNCTIONS:
            if getattr(value, "is_method", False):
                return tuple(method_receiver(value))
            if value.args and isinstance(value.args[0], gast.Name):
                return (value.args[0].id,)
            return ()
        internal = isinstance(f, gast.Name) and f.id.startswith("__srcad_") and f.id not in _FRESH_INTERNAL
        if internal and f.id == "__srcad_with_item__":
            # (a copy of the row holding the items it had, and the new one)
            return tuple(a.id for a in value.args[::2] if isinstance(a, gast.Name))
        if internal or getattr(value, "srcad_may_alias", False) or (
                _CALL_MAY_ALIAS.get() is not None and _CALL_MAY_ALIAS.get()(value)):
            args = [a.value if isinstance(a, gast.Starred) else a for a in value.args]
            args += [k.value for k in value.keywords]
            out = tuple(a.id for a in args if isinstance(a, gast.Name))
            if getattr(value, "is_method", False):
                out += tuple(method_receiver(value))
            return out
    return ()


# while a function other than the one transformed is analyzed: which of
# its calls may return memory of their arguments (the transformed function's
# calls are marked ``srcad_may_alias`` instead)
_CALL_MAY_ALIAS = contextvars.ContextVar("srcad_call_may_alias", default=None)


def returns_argument_memory(body, params, return_name, call_may_alias):
    """Whether a function's result may share memory with one of its
    parameters (``return M[0]``, ``return x``), given which of its calls may
    return memory of their arguments."""
    if return_name is None:
        return False
    token = _CALL_MAY_ALIAS.set(call_may_alias)
    try:
        find = _alias_groups(body)
    finally:
        _CALL_MAY_ALIAS.reset(token)
    group = find(return_name)
    return any(find(p) == group for p in params)


def _is_write(s):
    """Whether statement ``s`` writes in place (``y[i] = v``, ``lst.append(v)``)."""
    if isinstance(s, gast.Assign):
        return isinstance(s.targets[0], gast.Subscript) or getattr(s, "srcad_list_rebind", False)
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
            and bool(method_receiver(s.value)) and s.value.func.attr in MUTATING_METHODS)


def _containers(body):
    """Names surely bound to lists or dicts (a display, ``list()``,
    ``dict()``, or a receiver of ``append`` and the like)."""
    out = set()
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            v = s.value
            if isinstance(v, (gast.List, gast.Dict, gast.ListComp, gast.DictComp)) or (
                    isinstance(v, gast.Call) and isinstance(v.func, gast.Name)
                    and v.func.id in ("list", "dict")):
                out.add(s.targets[0].id)
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and \
                method_receiver(s.value) and s.value.func.attr in MUTATING_METHODS:
            out |= method_receiver(s.value)
    return out


def _stored_into(s, containers):
    """``(container, names)`` for a statement that puts values into a list
    or dict (``c[k] = v``, ``c.append(v)``): the container then holds them."""
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript) \
            and isinstance(s.targets[0].value, gast.Name) and s.targets[0].value.id in containers:
        return s.targets[0].value.id, _may_alias_sources(s.value)
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and \
            method_receiver(s.value) and s.value.func.attr in MUTATING_METHODS:
        names = tuple(n for a in s.value.args for n in _may_alias_sources(a))
        return next(iter(method_receiver(s.value))), names
    return None


def _structural_write(s, containers):
    """Whether ``s`` changes a list or dict itself (``lst.append(v)``,
    ``d[k] = v``) rather than the memory of an array or of an item."""
    if isinstance(s, gast.Expr):
        return True
    # (``a[i][j] = v`` puts a new item into a list: the old item is not written)
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)
            and s.targets[0].value.id in containers)


def _alias_groups(body, copies_only=False, containers=None):
    """Union-find over the names that may share memory (``find(n)``, and
    ``find.members``). ``copies_only``: only names bound to one another
    (``y = x``), which see the same list grow. ``containers``: what
    :func:`_containers` says of ``body``, where the caller has it."""
    parent = {}

    def find(n):
        while parent.get(n, n) != n:
            n = parent[n]
        return n

    if containers is None and not copies_only:
        containers = _containers(body)
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            if copies_only:
                if isinstance(s.value, gast.Name):
                    parent[find(s.targets[0].id)] = find(s.value.id)
                continue
            for src in _may_alias_sources(s.value):
                parent[find(s.targets[0].id)] = find(src)
        elif not copies_only:
            stored = _stored_into(s, containers)
            if stored:
                for src in stored[1]:
                    parent[find(stored[0])] = find(src)
    # the names in a group of more than one (any other is alone in its own)
    find.members = set(parent) | set(parent.values())
    return find


def _mutated_names(body, containers=None, structural=None):
    """Names written in place; ``structural`` (with ``containers``): only
    those whose writes change a list or dict itself (True) or only the
    others (False); ``None``: all."""
    out = set()
    for s, _ in walk_simple(body):
        if structural is not None and _structural_write(s, containers) != structural:
            continue
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            out.add(s.targets[0].value.id)
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and \
                method_receiver(s.value) and s.value.func.attr in MUTATING_METHODS:
            out |= method_receiver(s.value)
    return out


def mutated_params(body, params):
    """Parameters whose memory the function may write to, directly or through
    a view or alias: they are copied on entry so the caller's stay intact.
    (A list that grows or takes a new item changes for the names holding that
    list only, not for the items in it.)"""
    containers = _containers(body)
    out = set()
    for copies_only in (False, True):
        mutated = _mutated_names(body, containers, structural=copies_only)
        if not mutated:
            continue
        find = _alias_groups(body, copies_only=copies_only, containers=containers)
        groups = {find(m) for m in mutated}
        out |= {p for p in params if find(p) in groups}
    return [p for p in params if p in out]


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


_SHAPE_ONLY_ARGS = {"unbroadcast": 1, "broadcast_like": 1, "expand_to": 1, "shape_of": 0}


def _shape_only_args(node):
    """The names a call of a runtime helper of generated code reads for
    their shape only (``ad.unbroadcast(g, like)``, ``ad.shape_of(x)``)."""
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and isinstance(node.func.value, gast.Name) and node.func.attr in _SHAPE_ONLY_ARGS):
        return ()
    k = _SHAPE_ONLY_ARGS[node.func.attr]
    arg = node.args[k] if len(node.args) > k else None
    return (arg,) if isinstance(arg, gast.Name) else ()


def aliased_mutation(body, only_nested=False, every=False):
    """A mutation (``y[i] = v``, ``y.append(v)``) of an array or list that may
    share memory with another variable read after it, as
    ``(statement, mutated name, other name)``; ``None`` when there is none.

    Reverse mode keeps one adjoint per variable, so such a write would be
    missed by the other variable's adjoint. Aliases count from the statement
    that creates them on (or anywhere in a loop the write shares).

    ``only_nested``: only the writes ``a[i][j] = v`` into an item of a list
    or dict, which the normalized code makes as ``a[i] = <a[i] with v at
    j>``: another name holding that item would not see the write in either
    mode.

    ``every``: all of them, as ``{position: (statement, mutated name,
    {other name: None})}`` (positions in :func:`statement_order`).
    """
    hits = {} if every else None
    order = statement_order(body)
    if only_nested:
        return _held_twice(order)

    def related(i, j):
        return j > i or bool(set(order[i][1]) & set(order[j][1]))

    loads = {}

    def loaded(j):
        # the names statement j reads, each statement walked once (not those
        # whose shape alone generated code reads: a write keeps the shape)
        if j not in loads:
            nodes = list(A.nodes(order[j][0]))
            shape_only = {id(a) for n in nodes for a in _shape_only_args(n)}
            loads[j] = [n.id for n in nodes
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in shape_only]
        return loads[j]

    if not any(_is_write(t) for t, _ in order):
        return None
    # what each statement may alias (``y = x`` copies a list's reference;
    # views and the like for arrays; a list or dict holds what is put into
    # it), found once
    containers = _containers(body)
    sources = {}
    for j, (t, _) in enumerate(order):
        if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
            v = t.value
            sources[j] = (t.targets[0].id, v.id if isinstance(v, gast.Name) else None,
                          _may_alias_sources(v))
        else:
            stored = _stored_into(t, containers)
            if stored:
                sources[j] = (stored[0], None, stored[1])

    fresh_since = _fresh_bindings(body, {id(t): k for k, (t, _) in enumerate(order)})

    for i, (s, _) in enumerate(order):
        mutated = None
        appends = False
        if getattr(s, "srcad_nested_store", False) or getattr(s, "srcad_list_rebind", False):
            continue   # (rebinding what changes: _held_twice looks at those)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            mutated = s.targets[0].value.id
            # a slot of a list or dict takes a new value: the items taken
            # out before keep theirs
            appends = mutated in containers
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

        # bound to a new array on every path to the write (``un =
        # np.zeros(n)`` earlier in the same loop body): only the aliases made
        # since can see the write
        since = fresh_since.get(i, {}).get(mutated)
        if since is not None:
            # loops around the write but not around that binding carry the
            # aliases their later statements make into the next iteration
            carried = set(order[i][1]) - set(order[since][1])
        for j, (target, copied, viewed) in sources.items():
            if since is not None and not (since < j < i or (j > i and carried & set(order[j][1]))):
                continue
            if j < i or related(i, j):
                # growing a list changes its copies, not the items taken out of it
                for src in ((copied,) if copied else ()) if appends else viewed:
                    parent[find(target)] = find(src)
        if appends:
            # a list or dict changed itself: seen through the names that are
            # it or hold it (``ps = [d]``), not through the items it holds
            sharing = _holders(order, i, mutated, containers, related, since)
            sharing.discard(mutated)
            member = sharing.__contains__
        else:
            group = find(mutated)
            member = lambda n: find(n) == group   # noqa: E731
            if not any(member(n) for n in set(parent) | set(parent.values()) if n != mutated):
                continue   # no other name shares the memory written
        if appends and not sharing:
            continue
        for j, (t, _) in enumerate(order):
            if isinstance(t, (gast.If, gast.For, gast.While)) or not related(i, j):
                continue
            for name in loaded(j):
                if (name != mutated and member(name)
                        and not _rebound_between(order, i, j, name)):
                    if hits is None:
                        return s, mutated, name
                    hits.setdefault(i, (s, mutated, {}))[2][name] = None
    return hits or None


def surely_bound(body):
    """``{id(stmt): names}``: the names every path from the function's start
    to ``stmt`` has bound (parameters aside), within the iteration of each
    loop around it as before it."""
    out = {}

    def visit(stmts, bound):
        for st in stmts:
            out[id(st)] = bound
            if isinstance(st, gast.If):
                visit(st.body, bound)
                visit(st.orelse, bound)
            elif isinstance(st, (gast.For, gast.While)):
                inner = bound | ({st.target.id} if isinstance(st, gast.For)
                                 and isinstance(st.target, gast.Name) else set())
                visit(st.body, frozenset(inner))
            else:
                names = _bound_names([st])
                if isinstance(st, gast.Delete):
                    bound = bound - set(names)
                elif names:
                    bound = bound | set(names)
    visit(body, frozenset())
    del visit   # it refers to itself
    return out


def _holders(order, i, mutated, containers, related, since=None):
    """The names that may be the list or dict ``mutated`` or hold it, as
    the write at ``i`` runs: its copies (``e = d``), the lists and dicts it
    was put into (``ps = [d]``, ``ps.append(d)``) and what is taken out of
    those (``q = ps[0]``), over the statements that may run before it."""
    same, holders = {mutated}, set()
    seen = [t for j, (t, _) in enumerate(order)
            if j != i and (j < i or related(i, j)) and (since is None or j > since)]
    changed = True
    while changed:
        changed = False
        for t in seen:
            if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
                y, v = t.targets[0].id, t.value
                if isinstance(v, gast.Name):
                    for group in (same, holders):
                        if (y in group) != (v.id in group):
                            group.update((y, v.id))
                            changed = True
                elif isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) \
                        and v.value.id in holders and y not in same:
                    same.add(y)   # taken out of a list holding it: it may be it
                    changed = True
                elif isinstance(v, (gast.List, gast.Tuple, gast.Dict)) and y not in holders:
                    elts = v.values if isinstance(v, gast.Dict) else v.elts
                    if any(isinstance(e, gast.Name) and (e.id in same or e.id in holders) for e in elts):
                        holders.add(y)
                        changed = True
            else:
                stored = _stored_into(t, containers | holders | same)
                if stored and stored[0] not in holders and any(n in same or n in holders for n in stored[1]):
                    holders.add(stored[0])
                    changed = True
    return same | holders


def _held_twice(order):
    """For the writes normalization made by rebinding (``a[i][j] = v`` as
    ``a[i] = <a[i] with v at j>``; ``del lst[i]`` as ``lst = <lst without
    item i>``): one where another name holding the same object is read
    afterwards, as ``(statement, container, other name)``, else ``None``.

    The object that changes is an item of the container (for an item
    written) or the container itself (for a list edited): names bound to
    it are those copied from it (``y = x``), taken out of the container
    (``y = c[k]``) or put into it (``[u]``, ``c.append(u)``, ``c[k] = u``),
    one level deep."""
    def related(i, j):
        return j > i or bool(set(order[i][1]) & set(order[j][1]))

    for i, (s, _) in enumerate(order):
        nested = getattr(s, "srcad_nested_store", False)
        rebind = getattr(s, "srcad_list_rebind", False)
        if not (nested or rebind):
            continue
        container = s.targets[0].value.id if nested else s.targets[0].id
        seen = [(j, t) for j, (t, _) in enumerate(order) if j != i and (j < i or related(i, j))]
        # the names holding the container itself (copies of it)
        same = {container}
        items = set()
        changed = True
        while changed:
            changed = False
            for j, t in seen:
                if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
                    y, v = t.targets[0].id, t.value
                    if isinstance(v, gast.Name):
                        for group in (same, items):
                            if (y in group) != (v.id in group):
                                group.update((y, v.id))
                                changed = True
                    elif isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) \
                            and v.value.id in same and y not in items:
                        items.add(y)
                        changed = True
                    elif y in same and isinstance(v, (gast.List, gast.Tuple, gast.Dict)):
                        elts = v.values if isinstance(v, gast.Dict) else v.elts
                        new = {e.id for e in elts if isinstance(e, gast.Name)} - items
                        if new:
                            items |= new
                            changed = True
                else:
                    stored = _stored_into(t, same)
                    if stored and stored[0] in same:
                        new = set(stored[1]) - items
                        if new:
                            items |= new
                            changed = True
        if nested and _repeats_items(seen, same):
            # ``[[0.0] * 2] * 2``, ``[row, row]``: one item stands at two
            # places, and the write would change one of them only
            return s, container, container
        holders = (items if nested else same) - {container}
        if nested:
            # shallow copies (``qs = list(ps)``) hold the very same items
            holders |= _shallow_copies(seen, same) - same
        for j, (t, _) in enumerate(order):
            if j == i or isinstance(t, (gast.If, gast.For, gast.While)) or not related(i, j):
                continue
            for n in A.nodes(t):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in holders \
                        and not _rebound_between(order, i, j, n.id):
                    return s, container, n.id
    return None


def _shallow_copy_of(v):
    """The name ``v`` copies shallowly (``list(x)``, ``tuple(x)``,
    ``dict(x)``, ``x.copy()``, ``x[:]``), else ``None``."""
    if isinstance(v, gast.Call) and len(v.args) == 1 and not v.keywords and isinstance(v.func, gast.Name) \
            and v.func.id in ("list", "tuple", "dict") and isinstance(v.args[0], gast.Name):
        return v.args[0].id
    if isinstance(v, gast.Call) and not v.args and isinstance(v.func, gast.Attribute) \
            and v.func.attr == "copy" and isinstance(v.func.value, gast.Name):
        return v.func.value.id
    if isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) and isinstance(v.slice, gast.Slice) \
            and v.slice.lower is None and v.slice.upper is None and v.slice.step is None:
        return v.value.id
    return None


def _shallow_copies(seen, names):
    """``names`` and the lists and dicts that share their items with them
    through shallow copies, either way."""
    out = set(names)
    changed = True
    while changed:
        changed = False
        for _, t in seen:
            if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
                y, x = t.targets[0].id, _shallow_copy_of(t.value)
                if x is not None and (y in out) != (x in out):
                    out.update((x, y))
                    changed = True
    return out


def _repeats_items(seen, names):
    """Whether a list bound to one of ``names`` may hold one object at two
    places: a repetition of a list holding names (``[row] * 2``), or a
    display naming one thing twice (``[row, row]``)."""
    displays = {}
    for _, t in seen:
        if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
            displays.setdefault(t.targets[0].id, []).append(t.value)

    def holds_names(name):
        return any(isinstance(v, (gast.List, gast.Tuple))
                   and any(not isinstance(e, gast.Constant) for e in v.elts)
                   for v in displays.get(name, ()))

    for name in names:
        for v in displays.get(name, ()):
            if isinstance(v, (gast.List, gast.Tuple)):
                elts = [e.id for e in v.elts if isinstance(e, gast.Name)]
                if len(elts) != len(set(elts)):
                    return True
            seq = None
            if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) \
                    and v.func.id == "__srcad_repeated__" and v.args:
                seq = v.args[0]
            elif isinstance(v, gast.BinOp) and isinstance(v.op, gast.Mult):
                seq = v.left if isinstance(v.left, gast.Name) else v.right
            if isinstance(seq, gast.Name) and holds_names(seq.id):
                return True
    return False


def _fresh_bindings(body, index):
    """``{k: {name: f}}``: for each statement ``k`` (by its position in
    :func:`statement_order`), the names that every path from the function's
    start (or from the start of the innermost loop iteration) to ``k`` binds
    last at statement ``f`` to a value sharing no memory with any other name
    (an arithmetic result, ``np.zeros``, a copy)."""
    out = {}

    def bound_in(stmts):
        return set(_bound_names(stmts))

    def visit(stmts, known):
        for st in stmts:
            k = index[id(st)]
            out[k] = known
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
                known = dict(known)
                name = st.targets[0].id
                if _may_alias_sources(st.value):
                    known.pop(name, None)
                else:
                    known[name] = k
            elif isinstance(st, gast.If):
                visit(st.body, known)
                visit(st.orelse, known)
                gone = bound_in(st.body + st.orelse)
                known = {n: f for n, f in known.items() if n not in gone}
            elif isinstance(st, (gast.For, gast.While)):
                # a binding before the loop holds in every iteration only
                # when the body does not bind the name again
                gone = bound_in(st.body)
                known = {n: f for n, f in known.items() if n not in gone}
                visit(st.body, known)
            else:
                gone = bound_in([st])
                if gone:
                    known = {n: f for n, f in known.items() if n not in gone}

    visit(body, {})
    del visit   # it refers to itself
    return out


def _bound_names(stmts):
    """The names the statements (and those nested in them) bind, each time
    they bind one: assignment and loop targets, ``del``."""
    out = []
    for st, _ in walk_simple(stmts):
        if isinstance(st, gast.Assign):
            targets = st.targets
        elif isinstance(st, gast.For):
            targets = [st.target]
        elif isinstance(st, gast.Delete):
            targets = st.targets
        else:
            continue
        for t in targets:
            if isinstance(t, gast.Name):
                out.append(t.id)
            elif isinstance(t, (gast.Tuple, gast.List)):
                out.extend(n.id for n in A.nodes(t) if isinstance(n, gast.Name))
    return out


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
    containers = None
    for i, (s, loops) in enumerate(order):
        if not getattr(s, "srcad_inplace", False):
            continue
        name = s.targets[0].id
        if containers is None:
            containers = _containers(body)
        # a list grown in place is seen by the names holding that list, not
        # by the items in it
        copies_only = name in containers
        # aliases made before the update (or in a loop it shares) only
        parent = {}

        def find(n):
            while parent.get(n, n) != n:
                n = parent[n]
            return n

        for j, (t, tloops) in enumerate(order):
            if (j < i or set(loops) & set(tloops)) and t is not s and isinstance(t, gast.Assign) \
                    and isinstance(t.targets[0], gast.Name):
                sources = ((t.value.id,) if isinstance(t.value, gast.Name) else ()) if copies_only \
                    else _may_alias_sources(t.value)
                for src in sources:
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
