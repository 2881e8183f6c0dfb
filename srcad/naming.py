"""Fresh names for generated code, derived from the user's own names.

>>> n = Namer({"x", "d_x"})
>>> n.adjoint("x"), n.tangent("x"), n.new("t"), n.new("t")
('d_x_1', 'x_dot', 't', 't_1')
"""

from __future__ import annotations

import gast

from .astutil import nodes


class Namer:
    """Hands out names that collide neither with each other nor with the
    names already taken (the user's locals, globals and builtins used)."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self._next = {}
        self._adj = {}
        self._tan = {}

    @classmethod
    def for_function(cls, node, extra=()):
        taken = set(extra)
        for n in nodes(node):
            if isinstance(n, gast.Name):
                taken.add(n.id)
            elif isinstance(n, gast.FunctionDef):
                taken.add(n.name)
        return cls(taken)

    def copy(self):
        """An independent namer that has handed out the same names."""
        out = Namer(self.taken)
        out._next = dict(self._next)
        out._adj = dict(self._adj)
        out._tan = dict(self._tan)
        return out

    def reserve(self, name):
        self.taken.add(name)

    def new(self, base):
        base = base.strip("_") or "t"
        if base[0].isdigit():
            base = "v" + base
        candidate = base
        # numbered names are handed out in order: start after the last one
        i = self._next.get(base, 1)
        while candidate in self.taken:
            candidate = f"{base}_{i}"
            i += 1
        self._next[base] = i
        self.taken.add(candidate)
        return candidate

    def adjoint(self, var):
        """The adjoint (reverse-mode) name of ``var``: ``x`` -> ``d_x``."""
        if var not in self._adj:
            self._adj[var] = self.new("d_" + var.lstrip("_"))
        return self._adj[var]

    def tangent(self, var):
        """The tangent (forward-mode) name of ``var``: ``x`` -> ``x_dot``."""
        if var not in self._tan:
            self._tan[var] = self.new(var.lstrip("_") + "_dot")
        return self._tan[var]
