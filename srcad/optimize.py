"""Optimizations on generated functions. Each pass takes and returns a gast
``FunctionDef`` and keeps its meaning; :data:`PASSES` runs them in this
order.

* :func:`propagate_literals` — a seed the transformation declares
  (``srcad_seeds``: ``x_dot = 1.0`` in a forward-mode gradient), bound once
  at the top of the function to a number, is replaced by that number where
  it is read.
* :func:`fold_constants` — arithmetic on literals (``2 - 1`` -> ``1``),
  the identities ``e ** 1``, ``e * 1``, ``1 * e``, ``e / 1``, and signs and
  literal factors moved where they cost no pass over an array
  (``a + (-e) * f`` -> ``a - e * f``, ``-e * 2`` -> ``e * -2``,
  ``a * -e`` -> ``-a * e``).
* :func:`dead_stores` — assignments of constants and copies to names that
  nothing reads, and statements marked free of effects (``srcad_pure``)
  whose results nothing reads.
* :func:`first_write` — an adjoint initialised to ``0.0`` whose next use in
  the same block is ``d = d + e`` becomes ``d = e``; an initialisation that
  nothing reads is removed.
* :func:`loop_local_adjoints` — the same for adjoints that live within one
  block of a loop or branch: no reset at the end of each run of the block.
* :func:`propagate_copies` — reads of a made-up copy ``a = b`` read ``b``
  (moving a rebinding of ``b`` past them where that is safe).
* :func:`inplace_accumulate` — ``d += e`` for adjoints no other name holds.
* :func:`inline_single_use` — temporaries used once folded back into the
  expression that uses them.
* :func:`refold` — :func:`fold_constants` again after folding.
* :func:`update_in_place` — ``d_t = d_h * f(h)`` as ``d_h *= f(h)`` when
  ``d_h`` is a fresh array read for the last time.
* :func:`free_early` — ``del`` of intermediates once the backward sweep is
  done with them.
"""

from __future__ import annotations

import bisect
import operator

import gast

from . import astutil as A

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
         gast.Pow: operator.pow}


def _num(node):
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


class _Fold(A.Transformer):
    """Identities are applied to generated statements only: in the user's
    own code ``x * 1.0`` makes a copy (and may change the dtype)."""

    primal = False

    def visit_Assign(self, node):
        saved = self.primal
        self.primal = bool(getattr(node, "srcad_primal", False))
        value = node.value
        self.generic_visit(node)
        if isinstance(node.value, gast.Name) and not isinstance(value, gast.Name):
            # ``y_dot = x_dot * 1.0`` must stay a new array: ``y_dot`` may be
            # written into later while ``x_dot`` must not change
            node.value = value
        self.primal = saved
        return node

    def _statement(self, node):
        # every statement says whether it is the user's own (see primal)
        saved = self.primal
        self.primal = bool(getattr(node, "srcad_primal", False))
        self.generic_visit(node)
        self.primal = saved
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right, op = node.left, node.right, type(node.op)
        if _num(left) and _num(right) and op in _FOLD:
            try:
                return A.const(_FOLD[op](left.value, right.value))
            except (OverflowError, ZeroDivisionError, ValueError):
                return node
        if self.primal:
            return node
        if _num(right) and right.value == 1 and op in (gast.Pow, gast.Mult, gast.Div):
            return left
        if _num(left) and left.value == 1 and op is gast.Mult:
            return right
        if op in (gast.Add, gast.Sub):
            # a + (-e) * f is a - e * f: no pass to negate e
            positive = _without_sign(right)
            if positive is not None:
                return gast.BinOp(left=left, op=gast.Sub() if op is gast.Add else gast.Add(),
                                  right=positive)
        if op is gast.Mult and isinstance(right, gast.BinOp) and isinstance(right.op, gast.Mult) \
                and _num(right.left):
            # e * (2 * f) is e * 2 * f, as a rule written out would read
            return self.visit_BinOp(gast.BinOp(
                left=gast.BinOp(left=left, op=gast.Mult(), right=right.left), op=gast.Mult(),
                right=right.right))
        if op is gast.Mult and isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub) \
                and isinstance(left, (gast.Name, gast.Constant)):
            # a * -e is -a * e: free where a is a scalar, the same pass where not
            return gast.BinOp(left=self.visit_UnaryOp(gast.UnaryOp(op=gast.USub(), operand=left)),
                              op=gast.Mult(), right=right.operand)
        if op is gast.Mult and _num(right):
            # constants gather on the right: (e * 2) * 3 is e * 6, (-e) * 2 is e * -2
            if isinstance(left, gast.BinOp) and isinstance(left.op, gast.Mult) and _num(left.right):
                return gast.BinOp(left=left.left, op=gast.Mult(),
                                  right=A.const(left.right.value * right.value))
            positive = _without_sign(left)
            if positive is not None:
                return gast.BinOp(left=positive, op=gast.Mult(), right=A.const(-right.value))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if (isinstance(f, gast.Attribute) and f.attr == "pow_partial" and isinstance(f.value, gast.Name)
                and len(node.args) == 2 and _num(node.args[1]) and not node.keywords):
            # ad.pow_partial(a, 2) is 2 * a: with a literal exponent the
            # formula needs no guard (a zero exponent gives 0)
            a, c = node.args[0], node.args[1].value
            if c == 0:
                return A.const(0.0)
            power = self.visit_BinOp(gast.BinOp(left=a, op=gast.Pow(), right=A.const(c - 1)))
            return self.visit_BinOp(gast.BinOp(left=A.const(c), op=gast.Mult(), right=power))
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if self.primal or not isinstance(node.op, gast.USub):
            return node
        if _num(node.operand):
            return A.const(-node.operand.value)
        if isinstance(node.operand, gast.BinOp) and isinstance(node.operand.op, (gast.Mult, gast.Div)):
            # -(a * b * c) negates a alone (a scalar or literal, often)
            inner = node.operand
            return self.visit_BinOp(gast.BinOp(left=self.visit_UnaryOp(
                gast.UnaryOp(op=gast.USub(), operand=inner.left)), op=inner.op, right=inner.right))
        return node


for _cls in vars(gast).values():
    if isinstance(_cls, type) and issubclass(_cls, gast.stmt) and _cls is not gast.stmt \
            and not hasattr(_Fold, "visit_" + _cls.__name__):
        setattr(_Fold, "visit_" + _cls.__name__, _Fold._statement)
del _cls


def _without_sign(node):
    """``e * f`` for ``(-e) * f`` (through products and quotients), else
    ``None``."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return node.operand
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        inner = _without_sign(node.left)
        if inner is not None:
            return gast.BinOp(left=inner, op=node.op, right=node.right)
    return None


def propagate_literals(fn, made_up=()):
    """See the module docstring. Only made-up names qualify: the user's own
    names keep their assignments (a debugger shows them)."""
    seeds = getattr(fn, "srcad_seeds", None)
    if not seeds:
        return fn
    made_up = set(made_up) & seeds
    found = {}
    for i, s in enumerate(fn.body):
        if (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in made_up and _num(s.value)):
            found[s.targets[0].id] = (i, s.value.value)
    if not found:
        return fn
    stores = {}
    first_read = {}
    for i, s in enumerate(fn.body):
        for n in A.nodes(s):
            if isinstance(n, gast.Name) and n.id in found:
                if isinstance(n.ctx, gast.Load):
                    first_read.setdefault(n.id, i)
                else:
                    stores[n.id] = stores.get(n.id, 0) + 1
    literal = {name: value for name, (i, value) in found.items()
               if stores.get(name) == 1 and first_read.get(name, i + 1) > i}
    if not literal:
        return fn
    fn.body = [s for s in fn.body if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                                          and s.targets[0].id in literal)]
    _ReadsAsLiterals(literal).visit(fn)
    return fn


class _ReadsAsLiterals(A.Transformer):
    """Replaces every read of a name in ``literal`` by its number."""

    def __init__(self, literal):
        self.literal = literal

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.literal:
            return A.const(self.literal[node.id])
        return node


def fold_constants(fn):
    """See the module docstring."""
    return _Fold().visit(fn)


_NAMES_CACHE = {}


def _name_info(node):
    """``(names, counts)`` of the names under ``node``, cached per node
    object while a pass runs (the passes look at the same statements again
    and again; a pass that rewrites a statement drops its entry)."""
    key = id(node)
    hit = _NAMES_CACHE.get(key)
    if hit is None or hit[0] is not node:
        counts = A.name_occurrences(node)
        hit = _NAMES_CACHE[key] = (node, set(counts), counts)
    return hit[1], hit[2]


def _names_of(node):
    """The ids of the names under ``node`` (see :func:`_name_info`)."""
    hit = _NAMES_CACHE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    return _name_info(node)[0]


def _mentions(node, name):
    hit = _NAMES_CACHE.get(id(node))
    if hit is not None and hit[0] is node:
        return name in hit[1]
    return name in _name_info(node)[0]


def _is_init(s):
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Constant) and s.value.value == 0.0
            and not isinstance(s.value.value, bool) and s.targets[0].id.startswith("d_"))


def _seed_names(stmts, keep=False):
    """Put the names of every statement in ``stmts``, nested ones included,
    into the pass's cache (:func:`_name_info`) in one traversal: a loop's or
    branch's counts are its header's plus its statements'. ``keep``: leave
    the entries the cache still holds (a pass that rewrote a statement
    dropped its entry and those of the loops and branches around it)."""
    for s in stmts:
        if keep:
            hit = _NAMES_CACHE.get(id(s))
            if hit is not None and hit[0] is s:
                continue
        header = A.HEADERS.get(s.__class__)
        if header is None:
            counts = A.name_occurrences(s)
        else:
            counts = {}
            for field in header:
                for k, v in A.name_occurrences(getattr(s, field)).items():
                    counts[k] = counts.get(k, 0) + v
            inner = s.body + s.orelse
            _seed_names(inner, keep)
            for t in inner:
                for k, v in _NAMES_CACHE[id(t)][2].items():
                    counts[k] = counts.get(k, 0) + v
        _NAMES_CACHE[id(s)] = (s, set(counts), counts)


def first_write(fn):
    """See the module docstring. Leaves the pass's name cache valid: the
    entries of the statements it rewrites, and of the loops and branches
    around them, are dropped (:func:`loop_local_adjoints` reuses the
    rest)."""
    _seed_names(fn.body)
    fn.body, _ = _first_write_block(fn.body, top=True)
    return fn


def _first_write_block(stmts, top=False):
    """``(statements, whether any changed)``."""
    out = list(stmts)
    changed = False
    for s in out:
        inner_changed = False
        for field in ("body", "orelse"):
            if isinstance(getattr(s, field, None), list):
                new, c = _first_write_block(getattr(s, field))
                setattr(s, field, new)
                inner_changed = inner_changed or c
        if inner_changed:
            _NAMES_CACHE.pop(id(s), None)
            changed = True
    if not any(_is_init(s) for s in out):
        return out, changed
    # where each name is mentioned (an initialisation mentions only its own
    # name, so dropping one leaves the other lists as they are)
    where = {}
    for k, s in enumerate(out):
        for n in _names_of(s):
            where.setdefault(n, []).append(k)
    drop = set()
    for i, s in enumerate(out):
        if not _is_init(s):
            continue
        name = s.targets[0].id
        places = where.get(name, [])
        after = bisect.bisect_right(places, i)
        nxt = places[after] if after < len(places) else None
        if nxt is None:
            # Inside a loop or branch the value flows on (next iteration,
            # code after the block): only a top-level write can be dead.
            if top:
                drop.add(i)
            continue
        use = out[nxt]
        if (isinstance(use, gast.Assign) and isinstance(use.targets[0], gast.Name)
                and use.targets[0].id == name and isinstance(use.value, gast.BinOp)
                and isinstance(use.value.left, gast.Name) and use.value.left.id == name
                and isinstance(use.value.op, (gast.Add, gast.Sub))
                and not _mentions(use.value.right, name)):
            rhs = use.value.right
            if isinstance(use.value.op, gast.Sub):
                rhs = gast.UnaryOp(op=gast.USub(), operand=rhs)
            use.value = rhs
            use.srcad_refold = True
            _NAMES_CACHE.pop(id(use), None)
            drop.add(i)
    return [s for k, s in enumerate(out) if k not in drop], changed or bool(drop)


def _function_nodes(fn):
    """The nodes of ``fn``, walked once: ``(of, everything)`` where
    ``of(s)`` gives those of a top-level statement ``s``; the names of each
    top-level statement go into the pass's cache (:func:`_name_info`).

    For passes whose rewrites inside a loop or branch only move
    expressions within a block, rename a copy to its source or delete
    statements: a loop's cached names may then hold a name it no longer
    mentions, never miss one, which can only make the pass more careful."""
    per_stmt = {}
    everything = []
    for s in fn.body:
        nodes = A.nodes(s)
        per_stmt[id(s)] = nodes
        everything += nodes
        counts = {}
        for n in nodes:
            if n.__class__ is gast.Name:
                counts[n.id] = counts.get(n.id, 0) + 1
        _NAMES_CACHE[id(s)] = (s, set(counts), counts)
    for field in ("args", "decorator_list", "returns", "type_params"):
        value = getattr(fn, field, None)
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, gast.AST):
                everything += A.nodes(part)
    return (lambda s: per_stmt[id(s)]), everything


def _count(node, name):
    """How many times ``name`` occurs under ``node``."""
    return _name_info(node)[1].get(name, 0)


def loop_local_adjoints(fn):
    """An adjoint that a block inside a loop or branch starts from zero,
    writes first (``d = d + e``), resets last (``d = 0.0``), and that
    nothing outside the block reads but its ``d = 0.0`` initialisation at
    the top: the first write becomes ``d = e``, the reset and the
    initialisation go away (each run of the block starts from zero
    anyway). In a loop of a thousand steps that is two statements fewer per
    step."""
    # where each name is mentioned at the top level (kept up to date: the
    # statements removed mention only their own name), and the original
    # order of the top-level statements (removals keep it); first_write,
    # which runs just before, left the names of what it did not rewrite
    _seed_names(fn.body, keep=True)
    top_users = {}
    position = {}

    def top_index():
        # made when a block first needs it (most blocks reset no adjoint)
        if not position:
            for t in fn.body:
                for n in _names_of(t):
                    top_users.setdefault(n, []).append(t)
            position.update({id(t): k for k, t in enumerate(fn.body)})

    def visit(block, chain):
        for s in block:
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner:
                    visit(inner, chain + [s])
                    _local_to(inner, chain + [s])

    def _local_to(body, chain):
        # chain: the compound statements around body, outermost first
        container = chain[0]
        if not any(_is_init(t) for t in body):
            return
        where = {}
        for t in body:
            for n in _names_of(t):
                where.setdefault(n, []).append(t)
        for last in list(body):
            if not _is_init(last):
                continue
            name = last.targets[0].id
            users = where[name]
            first = users[0]
            if users[-1] is not last or first is last:
                continue
            if not (isinstance(first, gast.Assign) and isinstance(first.targets[0], gast.Name)
                    and first.targets[0].id == name and isinstance(first.value, gast.BinOp)
                    and isinstance(first.value.op, gast.Add)
                    and isinstance(first.value.left, gast.Name) and first.value.left.id == name
                    and not _mentions(first.value.right, name)):
                continue
            top_index()
            outside = [t for t in top_users.get(name, ()) if t is not container]
            if len(outside) != 1 or not _is_init(outside[0]) \
                    or position[id(outside[0])] > position[id(container)]:
                continue
            # nothing else in the enclosing top-level statement mentions it
            if _count(container, name) != sum(_count(t, name) for t in users):
                continue
            first.value = first.value.right
            body.remove(last)
            users.remove(last)
            fn.body.remove(outside[0])
            top_users[name].remove(outside[0])
            # the enclosing statements lost two mentions of name (the reset
            # and the left operand); no other counts changed
            _NAMES_CACHE.pop(id(first), None)
            for node in chain:
                hit = _NAMES_CACHE.get(id(node))
                if hit is not None and hit[0] is node:
                    hit[2][name] -= 2
                else:
                    _NAMES_CACHE.pop(id(node), None)

    for s in list(reversed(fn.body)):
        if isinstance(s, (gast.If, gast.For, gast.While)):
            visit([s], [])
    del visit, _local_to, top_index   # (they refer to each other: see _release)
    return fn


def dead_stores(fn):
    """Remove ``name = <constant or name>`` when ``name`` is never read (flags
    that the restructuring of ``continue`` no longer needs, copies nobody
    uses), and the same for statements the transformation marked as free of
    effects (``srcad_pure``): the loss a gradient does not return, and the
    temporaries only it read. Rounds repeat while a round removes such a
    statement (what it read may be unread now); the reads are counted once
    and the removed statements' taken off."""
    loads = _load_counts(A.nodes(fn))
    while True:
        removed = []

        def clean(stmts):
            out = []
            for s in stmts:
                for field in ("body", "orelse"):
                    if isinstance(getattr(s, field, None), list):
                        setattr(s, field, clean(getattr(s, field)))
                if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                        and not loads.get(s.targets[0].id)
                        and (isinstance(s.value, (gast.Constant, gast.Name))
                             or getattr(s, "srcad_pure", False))):
                    removed.append(s)
                    continue
                if isinstance(s, (gast.If, gast.For, gast.While)) and not s.body:
                    if isinstance(s, gast.If) and s.orelse:
                        s = A.if_(A.not_(s.test), s.orelse)
                    else:
                        removed.append(s)   # (its header's reads go with it)
                        continue
                out.append(s)
            return out

        fn.body = clean(fn.body) or [gast.Pass()]
        del clean   # it refers to itself
        if not any(getattr(s, "srcad_pure", False) for s in removed):
            return fn
        for name, n in _load_counts([n for s in removed for n in A.nodes(s)]).items():
            loads[name] -= n


def _load_counts(nodes):
    """``{name: times read}`` over ``nodes``."""
    counts = {}
    for n in nodes:
        if n.__class__ is gast.Name and n.ctx.__class__ is gast.Load:
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _freeable(fn, nodes_of=A.nodes):
    """Names :func:`free_early` may delete: bound at the top level only,
    neither parameters nor returned. ``nodes_of(s)``: the nodes of a
    top-level statement (as :func:`srcad.astutil.nodes`)."""
    body = fn.body
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    returned = set()
    for s in body:
        if isinstance(s, gast.Return) and s.value is not None:
            returned |= {n.id for n in A.nodes(s.value) if isinstance(n, gast.Name)}
    top_bound = set()
    for s in body:
        if isinstance(s, gast.Assign):
            for t in s.targets:
                top_bound |= {n.id for n in A.nodes(t) if isinstance(n, gast.Name)
                              and isinstance(n.ctx, gast.Store)}
    nested_bound = set()
    for s in body:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            nested_bound |= {n.id for n in nodes_of(s) if isinstance(n, gast.Name)
                             and isinstance(n.ctx, gast.Store)}
    return top_bound - params - returned - nested_bound


def free_early(fn, keep=()):
    """``del`` intermediates right after the top-level statement that uses
    them last, so that the backward sweep does not hold on to forward
    values and adjoints it is done with (lower peak memory). Parameters,
    returned names and names bound inside loops or branches stay."""
    body = fn.body
    nodes = [A.nodes(s) for s in body]   # each top-level statement walked once
    index = {id(s): i for i, s in enumerate(body)}
    candidates = _freeable(fn, lambda s: nodes[index[id(s)]]) - set(keep)
    last = {}
    for i, s in enumerate(body):
        for n in nodes[i]:
            if n.__class__ is gast.Name and n.id in candidates:
                last[n.id] = i
    frees = {}
    ends_with_return = bool(body) and isinstance(body[-1], gast.Return)
    for name, i in last.items():
        if ends_with_return and i == len(body) - 2:
            continue   # the function returns right after: nothing to gain
        if i < len(body) - 1 and not isinstance(body[i], gast.Return):
            frees.setdefault(i, []).append(name)
    if not frees:
        return fn
    out = []
    start = _backward_start(body)
    for i, s in enumerate(body):
        out.append(s)
        if i in frees and i >= start:
            names = sorted(frees[i])
            out.append(gast.Delete(targets=[A.name(n, gast.Del()) for n in names]))
    fn.body = out
    return fn


def _backward_start(body):
    """The index of the first statement of the backward sweep in ``body``
    (``len(body)`` when there is none)."""
    for k, s in enumerate(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id.startswith("d_") and not _is_init(s):
            return k
    return len(body)


def inplace_accumulate(fn):
    """``d = d + e`` becomes ``d += e`` for adjoints that only ever start at
    ``0.0`` and grow by accumulation (or scatter with ``ad.add_at``) and are
    never copied into another name: such a ``d`` is an array no other name
    holds, so adding into it in place is safe, and a loop accumulating a
    weight gradient no longer allocates a new array every iteration. (When
    ``d`` is still the float ``0.0``, ``+=`` makes a new array as ``+``
    does.)"""
    assigns = {}
    aliased = set()
    for n in A.statements(fn):
        if isinstance(n, gast.Assign):
            for t in n.targets:
                if isinstance(t, gast.Name):
                    assigns.setdefault(t.id, []).append(n.value)
            if isinstance(n.value, gast.Name):
                aliased.add(n.value.id)
            if isinstance(n.value, gast.Tuple):
                aliased |= {e.id for e in n.value.elts if isinstance(e, gast.Name)}

    def accumulates(name, value):
        return (isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub))
                and isinstance(value.left, gast.Name) and value.left.id == name
                and not _mentions(value.right, name))

    def allowed(name, value):
        if isinstance(value, gast.Constant) and value.value == 0.0:
            return True
        if accumulates(name, value):
            return True
        return (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                and value.func.attr in ("add_at", "zero_at"))

    eligible = {name for name, values in assigns.items()
                if name.startswith("d_") and name not in aliased
                and all(allowed(name, v) for v in values)
                and any(accumulates(name, v) for v in values)}

    for n in A.statements(fn):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(n, field, None)
            if block.__class__ is not list:
                continue
            for k, s in enumerate(block):
                t = s.targets[0] if isinstance(s, gast.Assign) else None
                if isinstance(t, gast.Name) and t.id in eligible and accumulates(t.id, s.value):
                    new = gast.AugAssign(target=A.store(t.id), op=s.value.op, value=s.value.right)
                    block[k] = gast.copy_location(new, s)
    return fn


_STORED_CACHE = {}


def _stored(node):
    """Names ``node`` binds, rebinds or deletes (``+=`` included); cached
    per node while :func:`propagate_copies` runs (it renames only reads)."""
    hit = _STORED_CACHE.get(id(node))
    if hit is None or hit[0] is not node:
        names = {n.id for n in A.nodes(node) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, (gast.Store, gast.Del))}
        hit = _STORED_CACHE[id(node)] = (node, names)
    return hit[1]


def propagate_copies(fn, made_up=()):
    """``a = b`` for a made-up name ``a`` bound once: its reads read ``b``
    and the copy goes, when all of them follow in the same block and ``b``
    is not rebound before the last (``d_t = d_h`` then ``f(d_t)`` becomes
    ``f(d_h)``)."""
    made_up = set(made_up)
    stores, loads = {}, {}
    for n in _function_nodes(fn)[1]:
        if n.__class__ is gast.Name:
            counts = stores if n.ctx.__class__ is gast.Store else loads
            counts[n.id] = counts.get(n.id, 0) + 1

    def block(stmts):
        out = []
        for s in stmts:
            for field in ("body", "orelse"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, block(getattr(s, field)))
            if isinstance(s, (gast.If, gast.For, gast.While)) and not s.body:
                # (a copy that was all a branch or loop did has gone)
                if isinstance(s, gast.If) and s.orelse:
                    s = A.if_(A.not_(s.test), s.orelse)
                else:
                    continue
            out.append(s)
        i = 0
        while i < len(out):
            s = out[i]
            if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Name)
                    and s.targets[0].id in made_up and stores.get(s.targets[0].id) == 1):
                i += 1
                continue
            a, b = s.targets[0].id, s.value.id
            users = [j for j in range(i + 1, len(out)) if _mentions(out[j], a)]
            first = out[users[0]] if users else None
            if (isinstance(first, gast.Assign) and isinstance(first.targets[0], gast.Name)
                    and first.targets[0].id == b and isinstance(first.value, gast.Name)
                    and first.value.id == a
                    and not any(b in _stored(t) for t in out[i + 1:users[0]])):
                del out[users[0]]   # ``b = a`` right after ``a = b``: nothing changes
                loads[a] -= 1
                if not loads[a]:
                    del out[i]      # and ``a`` is read nowhere else
                continue
            outside = sum(_mentions(t, a) for t in out[:i])
            # (a read in another block: the copy sits in a branch or loop
            # whose later code reads it, a backward sweep's branch, say)
            inside = sum(_name_info(out[j])[1].get(a, 0) for j in users)
            if outside or not users or inside != loads.get(a, 0):
                i += 1
                continue
            last = users[-1]
            between = out[i + 1:last] + ([out[last]] if isinstance(out[last], (gast.If, gast.For, gast.While)) else [])
            if any(b in _stored(t) for t in between):
                if _sink_store(out, i, last, b):
                    continue    # ``b`` is now rebound after the last read: try again
                i += 1
                continue
            for j in users:
                for n in A.nodes(out[j]):
                    if isinstance(n, gast.Name) and n.id == a and isinstance(n.ctx, gast.Load):
                        n.id = b
            del out[i]
        return out

    _STORED_CACHE.clear()
    try:
        fn.body = block(fn.body)
    finally:
        _STORED_CACHE.clear()
    del block   # it refers to itself
    return fn


def _operators_only(node):
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.BinOp):
        return _operators_only(node.left) and _operators_only(node.right)
    if isinstance(node, gast.UnaryOp):
        return _operators_only(node.operand)
    return False


def _sink_store(out, i, last, b):
    """Move the one statement between ``i`` and ``last`` that rebinds ``b``
    (``d_s = d_t * a``, arithmetic only) to just after ``last``, when the
    statements it passes neither mention ``b`` nor rebind what it reads:
    ``d_t = d_s; d_s = d_t * a; d_a += d_t * s`` becomes
    ``d_t = d_s; d_a += d_t * s; d_s = d_t * a``, after which the copy can
    go."""
    ks = [k for k in range(i + 1, last) if b in _stored(out[k])]
    if len(ks) != 1:
        return False
    k = ks[0]
    st = out[k]
    if not (isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
            and st.targets[0].id == b and _operators_only(st.value)):
        return False
    reads = {n.id for n in A.nodes(st.value) if isinstance(n, gast.Name)}
    for t in out[k + 1:last + 1]:
        if _mentions(t, b) or _stored(t) & reads:
            return False
    out.insert(last, out.pop(k))
    return True


_LOOKAHEAD = 12


def _pure_load(node):
    """Arithmetic, comparisons and subscripts of names and literals: an
    expression that changes nothing when it runs."""
    cls = node.__class__
    if cls is gast.Name or cls is gast.Constant:
        return True
    if cls is gast.BinOp:
        return _pure_load(node.left) and _pure_load(node.right)
    if cls is gast.UnaryOp:
        return _pure_load(node.operand)
    if cls is gast.Subscript:
        return _pure_load(node.value) and _pure_load(node.slice)
    if cls is gast.Slice:
        return all(p is None or _pure_load(p) for p in (node.lower, node.upper, node.step))
    if cls is gast.Tuple:
        return all(_pure_load(e) for e in node.elts)
    return False


def _passable(stmt, reads):
    """Whether a value reading ``reads`` may move past ``stmt``: ``stmt``
    binds a name the value does not read, from an expression that changes
    nothing (no call; no ``+=``, which may write into an array in place)."""
    return (stmt.__class__ is gast.Assign and len(stmt.targets) == 1
            and stmt.targets[0].__class__ is gast.Name and stmt.targets[0].id not in reads
            and _pure_load(stmt.value))


def _is_tape_push(stmt, tapes):
    """``tape.append(...)`` on one of srcad's own tapes."""
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append"
            and isinstance(stmt.value.func.value, gast.Name) and stmt.value.func.value.id in tapes)


class _ReplaceFirstRead(A.Transformer):
    """Replaces the first read of ``name`` by ``value``; ``done`` says
    whether there was one."""

    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.done = False

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, gast.Load) and not self.done:
            self.done = True
            return self.value
        return node


def inline_single_use(fn, made_up=()):
    """Fold a made-up name (an ANF temporary, its adjoint or tangent) that
    is bound once and read once, by the next statement that mentions it,
    back into that statement: ``t = x @ W; h = np.tanh(t)`` becomes
    ``h = np.tanh(x @ W)``. The statements in between may only push onto
    srcad's tapes or, where the value is arithmetic on names (no call),
    bind other names by such arithmetic, rebinding none of the names the
    value reads (:func:`_passable`). Names the
    backward sweep reads again, saves or restores have more uses and
    stay."""
    made_up = set(made_up)
    if not made_up:
        return fn
    # how many times each name is bound and read; ``t += e`` reads ``t``
    stores, loads = {}, {}
    nodes_of, everything = _function_nodes(fn)
    for n in everything:
        cls = n.__class__
        if cls is gast.Name:
            ctx = n.ctx.__class__
            if ctx is gast.Store:
                stores[n.id] = stores.get(n.id, 0) + 1
            elif ctx is gast.Load:
                loads[n.id] = loads.get(n.id, 0) + 1
        elif cls is gast.AugAssign and n.target.__class__ is gast.Name:
            loads[n.target.id] = loads.get(n.target.id, 0) + 1

    def candidate(s):
        if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name)):
            return None
        name = s.targets[0].id
        if name in made_up and stores.get(name) == 1 and loads.get(name) == 1:
            return name
        return None

    def replace_in(stmt, name, value):
        sub = _ReplaceFirstRead(name, value)
        if isinstance(stmt, (gast.If, gast.While)):
            stmt.test = sub.visit(stmt.test)
        elif isinstance(stmt, gast.For):
            stmt.iter = sub.visit(stmt.iter)
        else:
            sub.visit(stmt)
        return sub.done

    def block(stmts, top=False):
        out = []
        for s in stmts:
            for field in ("body", "orelse"):
                if isinstance(getattr(s, field, None), list):
                    setattr(s, field, block(getattr(s, field)))
            out.append(s)
        backward = {id(s) for s in out[_backward_start(out):]} if top else set()
        i = 0
        while i < len(out) - 1:
            name = candidate(out[i])
            if name is None:
                i += 1
                continue
            # the use may come a few statements later, past pushes onto
            # srcad's own tapes (which nothing else reads or aliases) and
            # past arithmetic that rebinds none of the names the value
            # reads (forward mode puts each tangent between a value and
            # its use)
            nxt = None
            reads = None
            for j in range(i + 1, min(len(out), i + _LOOKAHEAD)):
                if name in _names_of(out[j]):
                    nxt = out[j]
                    break
                if _is_tape_push(out[j], tapes):
                    continue
                if reads is None:
                    # a value that calls something might change what the
                    # statements it would pass read: it stays in place
                    reads = _names_of(out[i].value) if _pure_load(out[i].value) else False
                if reads is False or not _passable(out[j], reads):
                    break
            if nxt is None or (top and _frees_before_call(out, i, j, freeable, backward)):
                i += 1
                continue
            if replace_in(nxt, name, out[i].value):
                if getattr(out[i], "lineno", None) is not None and getattr(nxt, "lineno", None) is not None:
                    nxt.lineno = min(nxt.lineno, out[i].lineno)
                del out[i]
                nxt.srcad_refold = True
                _NAMES_CACHE.pop(id(nxt), None)   # its names changed
                # a statement before may now be followed by its use
                i = max(i - 1, 0)
                while i > 0 and _is_tape_push(out[i], tapes):
                    i -= 1
                continue
            i += 1
        return out

    tapes = set(getattr(fn, "srcad_tapes", ()))
    freeable = _freeable(fn, nodes_of)
    fn.body = block(fn.body, top=True)
    del block, candidate, replace_in   # block refers to itself
    return fn


def _frees_before_call(body, i, j, freeable, backward):
    """Whether folding statement ``i`` into the call of statement ``j``
    would keep alive, through that call, a value the backward sweep could
    free after ``i`` (``d_t = d_h * (1 - h * h)`` before
    ``d_W = ad.matmul_adjoint_b(d_t, x, W)``: ``d_h`` and ``h`` go first).
    ``backward`` holds the ids of the statements of the backward sweep."""
    reads = _names_of(body[i]) & freeable
    reads.discard(body[i].targets[0].id)
    if not reads or id(body[i]) not in backward \
            or not any(isinstance(n, gast.Call) for n in A.walk(body[j])):
        return False
    for s in body[j:]:
        reads -= _names_of(s)
        if not reads:
            return False
    return True


def update_in_place(fn):
    """``d_t = d_h * (1 - h * h)`` becomes ``d_h *= 1 - h * h`` (and later
    reads of ``d_t`` read ``d_h``) when ``d_h`` is an array srcad made for
    this function (bound once, by arithmetic or a matrix-product adjoint),
    read for the last time here, the exact adjoint of ``h``, and the factor
    is built with operators from ``h`` and literals only, so it has ``h``'s
    shape. One array fewer is allocated: large fresh buffers cost page
    faults on every call, which a hand-written gradient avoids the same way.
    ``fn.srcad_exact`` maps such adjoints to their values' names."""
    exact = getattr(fn, "srcad_exact", None)
    if not exact:
        return fn
    body = fn.body
    stores, _ = A.name_counts(fn)
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    def made_here(value):
        # arithmetic makes a new array; so do the matrix-product adjoints, and
        # fitting one (ad.unbroadcast returns its argument or a sum of it)
        if isinstance(value, gast.BinOp):
            return True
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute):
            if value.func.attr in ("matmul_adjoint_a", "matmul_adjoint_b"):
                return True
            if value.func.attr == "unbroadcast" and value.args:
                return made_here(value.args[0])
        return False

    fresh = {s.targets[0].id for s in body
             if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and made_here(s.value)}

    def shaped_like(node, value):
        if isinstance(node, gast.Constant):
            return _num(node)
        if isinstance(node, gast.Name):
            return node.id == value
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div)):
            return shaped_like(node.left, value) and shaped_like(node.right, value)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return shaped_like(node.operand, value)
        return False

    start = _backward_start(body)
    i = start
    while i < len(body):
        s = body[i]
        v = s.value if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) else None
        if not (isinstance(v, gast.BinOp) and isinstance(v.op, (gast.Mult, gast.Add, gast.Sub, gast.Div))
                and isinstance(v.left, gast.Name)):
            i += 1
            continue
        a, y = v.left.id, s.targets[0].id
        if (a in params or a not in exact or a not in fresh or stores.get(a) != 1 or stores.get(y) != 1
                or y in params or not shaped_like(v.right, exact[a])
                or any(_mentions(t, a) for t in body[i + 1:])
                or any(_mentions(t, y) for t in body[:i])):
            i += 1
            continue
        update = gast.AugAssign(target=A.store(a), op=v.op, value=v.right)
        update.lineno = getattr(s, "lineno", None)
        body[i] = update
        for t in body[i + 1:]:
            for n in A.walk(t):
                if isinstance(n, gast.Name) and n.id == y:
                    n.id = a
        i += 1
    _NAMES_CACHE.clear()
    del made_here, shaped_like   # they refer to themselves
    return fn


def refold(fn):
    """:func:`fold_constants` once more, on the statements the passes since
    rewrote (``srcad_refold``): folding temporaries back into their use
    makes new chances (``-(d * 2 * t)`` once ``d_t = d * 2 * t`` is folded
    into ``-d_t``); the others were folded already."""
    for s in A.statements(fn):
        if not s.__dict__.pop("srcad_refold", False):
            continue
        header = A.HEADERS.get(s.__class__)
        if header is None:
            _Fold().visit(s)    # a simple statement: all of it
            continue
        fold = _Fold()          # a loop or branch: its header only
        fold.primal = bool(getattr(s, "srcad_primal", False))
        for field in header:
            setattr(s, field, fold.visit(getattr(s, field)))
    return fn


# runtime helpers whose result may be an array another name holds (their
# argument handed back unchanged, an item of a container's adjoint)
_MAY_SHARE = frozenset({"unbroadcast", "item_adjoint", "adjoint_at", "written_adjoint", "broadcast_like",
                        "inexact_only", "same_container", "fit", "seed"})
_WRITES_INTO_FIRST = frozenset({"add_at", "zero_at"})


def own_before_writes(fn):
    """``d = ad.add_at(d, ...)`` and ``d = ad.zero_at(d, ...)`` write into
    the array ``d`` when it is one of its own (no view of another). An
    adjoint bound to what another name holds (``d_b = d_t``, or
    ``ad.unbroadcast(d_t, b)``, which hands ``d_t`` back when the shapes
    agree, as for both operands of ``a + b``) is copied where it is bound,
    so that the write cannot change the other name's value."""
    written, runtime = set(), None
    for s in A.statements(fn):
        v = s.value if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) else None
        if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) \
                and v.func.attr in _WRITES_INTO_FIRST and isinstance(v.func.value, gast.Name) \
                and v.args and isinstance(v.args[0], gast.Name) and v.args[0].id == s.targets[0].id:
            written.add(s.targets[0].id)
            runtime = v.func.value.id
    if not written:
        return fn
    for s in A.statements(fn):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in written):
            continue
        v = s.value
        shared = isinstance(v, gast.Name) or (
            isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) and v.func.attr in _MAY_SHARE)
        if shared:
            s.value = A.call(A.attr(A.name(runtime), "copy"), [v])
    return fn


PASSES = [propagate_literals, fold_constants, dead_stores, first_write, loop_local_adjoints, propagate_copies,
          inplace_accumulate, inline_single_use, refold, update_in_place, own_before_writes, free_early]
"""The passes :func:`optimize` runs, in order (a list, so that tools such as
``benchmarks/optimizer_effect.py`` can measure each one's effect)."""


def optimize(fn, made_up=()):
    """Run every pass of :data:`PASSES` on a generated function. ``made_up``
    names the temporaries srcad introduced (those may be folded away)."""
    previous = None
    for p in PASSES:
        if p is not loop_local_adjoints or previous is not first_write:
            _NAMES_CACHE.clear()   # passes rewrite statements: names may change
        previous = p
        fn = p(fn, made_up) if p in (inline_single_use, propagate_copies, propagate_literals) else p(fn)
    _NAMES_CACHE.clear()
    return fn
