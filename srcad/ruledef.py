"""The vocabulary derivative rules are written in.

A rule is a Python function used as a *template*: it is never called, its
source is parsed and inlined into generated code. Its first parameter is the
primal result, the others mirror the primitive's signature (defaults
included). In its body:

* ``t[v]`` is the tangent of ``v`` (forward mode); ``t[result] = expr``
  gives the result's tangent. Tangent expressions are linear in the tangents;
  a term whose tangent is zero (an inactive argument) is dropped, so write a
  term per argument (``t[a] * b + a * t[b]``).
* ``d[v]`` is the adjoint of ``v`` (reverse mode); ``d[x] += expr``
  accumulates into the adjoint of argument ``x`` (``-=`` subtracts);
  ``d[result]`` is the incoming adjoint. Statements for inactive arguments
  are dropped.
* ``xp`` is the array namespace of the call (``np``, ``cupy``...), ``ad`` is
  :mod:`srcad.runtime`; other names are the rule module's globals.
* any other assignment defines a temporary shared by the statements that use
  it, so a value both modes need is written once.

``broadcast=True`` marks elementwise operations whose operands broadcast:
reverse contributions are summed back to each argument's shape and a
forward tangent that lost a term is broadcast to the result's shape.

Example (``rules/numpy.py``)::

    @rules.rule("arctan2", broadcast=True)
    def arctan2(result, y, x):
        s = x * x + y * y
        t[result] = (x * t[y] - y * t[x]) / s
        d[y] += d[result] * x / s
        d[x] -= d[result] * y / s
"""

from __future__ import annotations

import importlib

__all__ = ["RuleSet", "LazyModule", "xp", "ad", "d", "t", "result"]


class _Placeholder:
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name

    def __getitem__(self, item):  # pragma: no cover - templates are not run
        raise RuntimeError("derivative rule templates are parsed, not executed")

    def __getattr__(self, item):  # pragma: no cover
        raise RuntimeError("derivative rule templates are parsed, not executed")


xp = _Placeholder("xp")
ad = _Placeholder("ad")
d = _Placeholder("d")
t = _Placeholder("t")
result = _Placeholder("result")


class LazyModule:
    """A module that rule templates name without the rule module importing
    it (``special = LazyModule("scipy.special")``): rules for its functions
    are only looked up once the user's code has imported it, and the
    generated code refers to the module itself."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"LazyModule({self.name!r})"

    def load(self):
        return importlib.import_module(self.name)


class RuleSet:
    """The rules of one namespace (``"numpy"``, ``"math"``, ``"method"``...).

    >>> rules = RuleSet("example")
    >>> @rules.rule("twice")
    ... def twice(result, x):
    ...     t[result] = 2 * t[x]
    ...     d[x] += 2 * d[result]
    >>> sorted(rules.entries)
    ['twice']
    """

    def __init__(self, namespace):
        self.namespace = namespace
        self.entries = {}       # name -> (template function, options)
        self.nondiff = set()    # names whose results are never differentiated
        self.aliases = {}       # name -> name of the rule it shares

    def rule(self, *names, broadcast=False, linear=False, fits_adjoint=False, constant=()):
        """Register a template for one or more primitive names.

        ``fits_adjoint=True`` says the reverse part brings the result's
        adjoint to the result's shape itself (as ``ad.matmul_adjoint_a``
        does), so the backward sweep may hand it an adjoint not yet summed
        over broadcast axes. ``constant`` names parameters the result
        depends on but the rule gives no derivative for (the order ``v`` of
        a Bessel function): reverse mode refuses a value there that depends
        on the input; the forward part passes its tangent to
        ``rh.constant_only``, which refuses one that is not zero when it
        runs (the saved values a second derivative reads back vary in name
        only)."""
        def register(fn):
            for n in names or (fn.__name__,):
                self.entries[n] = (fn, {"broadcast": broadcast, "linear": linear,
                                        "fits_adjoint": fits_adjoint,
                                        "constant": tuple(constant)})
            return fn
        return register

    def nondifferentiable(self, *names):
        """Declare primitives whose results carry no derivative (argmax,
        floor, comparisons, shape queries...)."""
        self.nondiff.update(names)

    def alias(self, name, target):
        """``name`` uses the rule registered for ``target``."""
        self.aliases[name] = target
