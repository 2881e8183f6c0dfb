"""Values the backward sweep indexes again instead of saving.

Assumes: a :class:`srcad.reverse.ReverseTransform` whose backward sweep is
built but not yet used to decide what the forward sweep saves. Guarantees:
:func:`recomputable` names only temporaries bound to an item of a container
that nothing rebinds or writes (``x_t = xs[t]``, read once, by a statement of
the same block before anything rebinds a name of the index). By the
invariant of the backward sweep (every variable holds the value it had right
after the statement whose adjoint runs) the index names hold the same values
there, so ``xs[t]`` is the same item, and the forward sweep need not push an
item per iteration: the backward sweep reads ``t`` instead, which the loop
restores anyway.
"""

from __future__ import annotations

import gast

from . import astutil as A
from .analysis import _alias_groups, _mutated_names


def _simple_index(node):
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.Slice):
        return all(p is None or _simple_index(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, gast.Tuple):
        return all(_simple_index(e) for e in node.elts)
    return False


def recomputable(tr, counts):
    """``{temporary: its value}`` for the transformation ``tr`` (see the
    module docstring). ``counts`` is :func:`srcad.astutil.name_counts` of
    the normalized function."""
    temps = getattr(tr.norm, "temps", set())
    stores, loads = counts
    find = _alias_groups(tr.primal)
    written = {find(m) for m in _mutated_names(tr.primal)}
    out = {}

    def visit(block):
        for i, s in enumerate(block):
            for field in ("body", "orelse"):
                if isinstance(getattr(s, field, None), list):
                    visit(getattr(s, field))
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                    and isinstance(s.value, gast.Subscript) and isinstance(s.value.value, gast.Name)
                    and _simple_index(s.value.slice)):
                continue
            y, base = s.targets[0].id, s.value.value.id
            if y not in temps or loads.get(y) != 1 or stores.get(y) != 1 or base in tr.over \
                    or find(base) in written:
                continue
            names = {base} | {n.id for n in A.nodes(s.value.slice) if isinstance(n, gast.Name)}
            for later in block[i + 1:]:
                if any(isinstance(n, gast.Name) and n.id == y for n in A.walk(later)):
                    if isinstance(later, gast.Assign):
                        out[y] = s.value
                    break
                if any(isinstance(n, gast.Name) and n.id in names and not isinstance(n.ctx, gast.Load)
                       for n in A.walk(later)):
                    break

    visit(tr.primal)
    del visit   # it refers to itself
    return out


def recompute(stmts, values, keep=lambda stmt: False):
    """``stmts`` with reads of the temporaries in ``values`` replaced by
    their values (statements for which ``keep`` is true stay as they are)."""
    class Sub(A.Transformer):
        def visit_Name(self, node):
            if node.id in values and isinstance(node.ctx, gast.Load):
                return A.clone(values[node.id])
            return node

        def visit_Expr(self, node):
            return node if keep(node) else self.generic_visit(node)

    sub = Sub()

    def rewrite(block):
        # statement by statement, into loops and branches: most statements
        # read none of the temporaries, and looking through a list of
        # nodes is cheaper than a visit that rebuilds nothing
        out = []
        for st in block:
            header = A.HEADERS.get(st.__class__)
            if header is not None:
                for field in header:
                    setattr(st, field, sub.visit(getattr(st, field)))
                st.body = rewrite(st.body)
                st.orelse = rewrite(st.orelse)
                out.append(st)
            elif any(n.__class__ is gast.Name and n.id in values and isinstance(n.ctx, gast.Load)
                     for n in A.nodes(st)):
                out.append(sub.visit(st))
            else:
                out.append(st)
        return out

    out = rewrite(stmts)
    del rewrite   # it refers to itself
    return out
