"""Nested functions that read the outer function's variables, passed to a
function of the user's (an ODE right-hand side handed to an integrator).

Assumes: the outer function's nested functions are lifted
(:func:`srcad.normalize.lift_nested`), each reading the outer variables it
uses as keyword-only parameters. Guarantees: a call ``solve(rhs, y0)`` of a
user's function whose parameter ``f`` is only ever called (``f(y)``), with
``rhs`` a lifted function reading outer variables ``p``, becomes a call of
a copy of ``solve`` that calls ``rhs`` itself, the outer variables passed
in: ``solve_rhs(y0, p=p)``. The derivative then reaches ``p`` through the
calls, as it does for a nested function called directly. Other calls are
left as they are (and a closure passed on as a value is refused later, as
before, with its hint).
"""

from __future__ import annotations

import functools
import keyword
import types

import gast

from . import astutil as A
from .normalize import LiftedUnit
from .parse import _MISSING, parse_function, resolve_static


class _Clash(Exception):
    """An outer variable's name is taken in the function it is passed to."""


class ClosureSpecialized(LiftedUnit):
    """``original`` (a user's function) with its parameter at ``index``
    replaced by calls of the lifted closure ``unit``, whose outer
    variables become keyword-only parameters of the copy."""

    def __init__(self, original, fdef, parsed, index, unit, alias):
        node = A.clone(fdef)
        a = node.args
        fparam = a.args[index].id
        taken = {n.id for n in A.walk(node) if isinstance(n, gast.Name)} | {node.name, alias}

        def fresh(base):
            name, i = base, 1
            while name in taken or keyword.iskeyword(name):
                name = f"{base}_{i}"
                i += 1
            taken.add(name)
            return name

        self.free_params = {v: fresh(v) for v in unit.free}
        # (defaults belong to the last positional parameters)
        n_defaults = len(a.defaults)
        first_default = len(a.args) - n_defaults
        if index >= first_default:
            a.defaults = [d for i, d in enumerate(a.defaults) if first_default + i != index]
        a.args = [p for i, p in enumerate(a.args) if i != index]
        a.kwonlyargs = list(a.kwonlyargs) + [
            gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None)
            for p in self.free_params.values()]
        a.kw_defaults = list(a.kw_defaults) + [None] * len(self.free_params)
        node.name = fresh(f"{fdef.name}_{unit.name}")
        passed_on = False
        for n in A.walk(node):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id == fparam:
                n.func = A.name(alias)
                n.keywords = list(n.keywords) + [gast.keyword(arg=v, value=A.name(p))
                                                 for v, p in self.free_params.items()]
            elif isinstance(n, gast.Call):
                for i, x in enumerate(n.args):
                    if isinstance(x, gast.Name) and x.id == fparam:
                        # passed on (rk4(f, y, t, h)): the closure by its name,
                        # specialized in turn where this copy is normalized
                        n.args[i] = A.name(alias)
                        passed_on = True
        if passed_on and any(v != p for v, p in self.free_params.items()):
            raise _Clash()
        super().__init__(node.name, node, parsed, [], {alias: unit})
        self.original = original
        self.index = index
        self.unit = unit
        from .transform import _target_key
        self.spec_key = ("closure", _target_key(original), index, _target_key(unit), alias)
        self.function = original

    def primal(self):
        raise AssertionError("calls of a specialized unit are restored, not compiled")

    def restore(self, call, env):
        """``call`` (of this copy) as the call of the user's function, given
        the closure as ``functools.partial`` of the lifted function with its
        outer variables."""
        params = set(self.free_params.values())
        given = {k.arg: k.value for k in call.keywords if k.arg in params}
        closure = gast.Call(
            func=env.ref(functools.partial, "partial"),
            args=[env.ref(self.unit.primal(), self.unit.name)],
            keywords=[gast.keyword(arg=v, value=given[p]) for v, p in self.free_params.items()])
        call.func = env.ref(self.original, self.original.__name__)
        call.args = list(call.args[:self.index]) + [closure] + list(call.args[self.index:])
        call.keywords = [k for k in call.keywords if k.arg not in params]
        return call


def _only_called(fdef, name, parsed=None, depth=0):
    """Whether the parameter ``name`` of ``fdef`` is never rebound and only
    ever called with plain arguments (``name(y, t)``), or passed on as a
    positional argument to a function of the user's that does the same
    (``rk4(name, y, t, h)``, two levels at most)."""
    for n in A.walk(fdef):
        if isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not fdef:
            if any(isinstance(m, gast.Name) and m.id == name for m in A.walk(n)):
                return False
    fine = set()
    for n in A.walk(fdef):
        if not isinstance(n, gast.Call):
            continue
        if isinstance(n.func, gast.Name) and n.func.id == name:
            if any(isinstance(x, gast.Starred) for x in n.args) or any(k.arg is None for k in n.keywords):
                return False
            fine.add(id(n.func))
        for i, x in enumerate(n.args):
            if isinstance(x, gast.Name) and x.id == name and parsed is not None and depth < 2 \
                    and _callee_slot(parsed, n, i, set(), depth + 1) is not None:
                fine.add(id(x))
    for n in A.walk(fdef):
        if isinstance(n, gast.Name) and n.id == name and id(n) not in fine \
                and not isinstance(n.ctx, gast.Param):
            return False
    return True


def _callee_slot(parsed, call, index, local_names, depth=0):
    """``(function, parsed, definition)`` where ``call`` calls a user's
    function whose parameter at ``index`` is only ever called, else ``None``."""
    if any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords) \
            or not isinstance(call.func, (gast.Name, gast.Attribute)) \
            or (isinstance(call.func, gast.Name) and call.func.id in local_names):
        return None
    obj = resolve_static(parsed, call.func, local_names)
    if obj is _MISSING or not isinstance(obj, types.FunctionType) \
            or getattr(obj, "__srcad_custom__", None) is not None \
            or getattr(obj, "__srcad_derived__", None) is not None:
        return None
    from .api import _defined_in_srcad
    if _defined_in_srcad(obj):
        return None
    try:
        callee = parse_function(obj)
    except Exception:  # no source: left as it is
        return None
    fdef = callee.node
    a = fdef.args
    if a.vararg is not None or a.posonlyargs or index >= len(a.args) \
            or not _only_called(fdef, a.args[index].id, callee, depth):
        return None
    return obj, callee, fdef


def passed_to_a_caller(parsed, call, child, local_names):
    """Whether the name ``child`` is given to ``call`` as a positional
    argument that the called function (a user's) only ever calls: a nested
    function passed so is lifted, and the call specialized."""
    spots = [i for i, a in enumerate(call.args) if a is child]
    return len(spots) == 1 and _callee_slot(parsed, call, spots[0], local_names) is not None


def specialize_closure_calls(parsed, node, namer, known, local_names):
    """Point calls of user functions given a lifted closure at copies that
    call it (see the module docstring), added to ``known`` under fresh
    names. In place."""
    closures = {k: u for k, u in known.items()
                if isinstance(u, LiftedUnit) and not isinstance(u, ClosureSpecialized) and u.free}
    if not closures:
        return
    from .variadic import _walk_own
    made = {}
    for call in list(_walk_own(node.body)):
        if not isinstance(call, gast.Call) or call.keywords and any(k.arg is None for k in call.keywords):
            continue
        spots = [i for i, a in enumerate(call.args) if isinstance(a, gast.Name) and a.id in closures]
        if len(spots) != 1 or (isinstance(call.func, gast.Name) and call.func.id in known):
            continue
        index = spots[0]
        found = _callee_slot(parsed, call, index, local_names)
        if found is None:
            continue
        obj, callee, fdef = found
        alias = call.args[index].id
        unit = closures[alias]
        key = (id(obj), index, alias)
        spec = made.get(key)
        if spec is None:
            try:
                spec = ClosureSpecialized(obj, fdef, callee, index, unit, alias)
            except _Clash:
                continue
            name = namer.new(spec.name)
            made[key] = (spec, name)
        else:
            spec, name = spec
        call.func = A.fill_location(A.name(name), call.func)
        call.args = [x for i, x in enumerate(call.args) if i != index]
        call.keywords = list(call.keywords) + [gast.keyword(arg=p, value=A.name(v))
                                               for v, p in spec.free_params.items()]
    for spec, name in made.values():
        known[name] = spec
