"""Temporaries whose adjoint need not have their shape.

Assumes: a :class:`srcad.reverse.ReverseTransform` before its backward sweep
is built (activity, temporaries, rules and shape facts known). Guarantees:
``unfitted_temps(tr)(name, kind)`` is true only for a temporary bound once
and read once whose own rule brings any adjoint of that ``kind`` back to an
exact adjoint on the way to its operands, so that the statement reading it
may hand it one:

* ``"wide"``: not summed over the axes broadcasting added. ``t = x @ W;
  h = t + b`` passes ``d_h`` to the matmul rule unsummed, and
  ``ad.matmul_adjoint_b`` fits it to the product itself: neither ``t`` nor
  its shape is needed in the backward sweep.
* ``"narrow"``: a full sum's scalar adjoint, not expanded to an array of
  ones. ``np.sum(x ** 2)`` gives ``d_x = d_result * 2 * x``: the factor
  ``x`` has the full shape.

An elementwise rule passes a wide adjoint on when each contribution is
summed back to its operand (or goes to a temporary that accepts it in turn);
it passes a narrow one when each contribution is multiplied by a value of
the full shape before any sum (or goes, unsummed, to an operand of the
result's shape that accepts it). Rules with ``fits_adjoint=True`` take both.
"""

from __future__ import annotations

import gast

from .analysis import walk_simple
from .kinds import _is_ufunc
from .ruleset import Rules


def unfitted_temps(tr, counts):
    """``accepts(name, kind)`` for the transformation ``tr`` (see the module
    docstring); memoised. ``counts`` is :func:`srcad.astutil.name_counts`
    of the normalized function."""
    temps = getattr(tr.norm, "temps", set()) - {tr.norm.return_name}
    stores, loads = counts
    defs = {}
    for s, _ in walk_simple(tr.primal):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            y = s.targets[0].id
            if y in temps and y in tr.active and loads.get(y) == 1 and stores.get(y) == 1:
                defs[y] = s
    return _Accepts(tr, defs)


class _Accepts:
    """``accepts(name, kind)``, memoised (an object rather than a closure
    that refers to itself, so that it goes with the transformation)."""

    def __init__(self, tr, defs):
        self.tr, self.defs, self.memo = tr, defs, {}

    def __call__(self, y, kind):
        memo = self.memo
        key = (y, kind)
        if key not in memo:
            memo[key] = False    # a cycle accepts nothing
            memo[key] = _accepts(self.tr, self.defs.get(y), kind, self)
        return memo[key]


def _accepts(tr, s, kind, accepts):
    rule = tr.rule_for_value(s.value) if s is not None else None
    if not isinstance(rule, tuple):
        return False
    tpl, args, kws, xp = rule
    if tpl.options.get("fits_adjoint"):
        return True
    try:
        bound = tpl.bind(args, kws)
    except TypeError:
        return False
    operands = [(k, v) for k, v in bound.items() if k in tpl.params]
    if not tpl.options.get("broadcast"):
        # a ufunc of one array (np.tanh(t)): the result has the operand's
        # shape, so a narrow adjoint passes as it does for ``t * 2``
        if not (kind == "narrow" and isinstance(s.value, gast.Call) and not s.value.keywords
                and len(s.value.args) == 1 and _is_ufunc(tr._resolve(s.value)) and operands):
            return False
        k, v = operands[0]
        return (isinstance(v, gast.Name) and v.id in tr.active
                and (tpl.restores_shape(k, {k}) or accepts(v.id, "narrow")))
    if not tpl.elementwise_reverse:
        return False
    ctx = tr.inline_ctx(xp)

    def passes(k, v):
        widens = Rules._may_broadcast(v.id, bound, ctx)
        if kind == "wide":
            # summed back to the operand, or passed on unsummed
            return widens or accepts(v.id, "wide")
        # a scalar standing for the full array is multiplied out before any
        # sum; with no widening partner the operand (and partners of its
        # shape) have the result's shape and may take it as it is
        if widens:
            return tpl.restores_shape(k)
        full = {p for p, o in operands if isinstance(o, gast.Name)
                and (o.id == v.id or ctx.same_shape(o.id, v.id))}
        return tpl.restores_shape(k, full) or accepts(v.id, "narrow")

    return all(passes(k, v) for k, v in operands if isinstance(v, gast.Name) and v.id in tr.active)
