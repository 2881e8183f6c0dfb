"""Normalize: rewrite a parsed function into the small language the
transformations understand.

Assumes: a :class:`srcad.parse.Parsed` function.

Guarantees: the returned ``FunctionDef`` body holds only these statements, every
operand being an *atom* (a local ``Name`` or a ``Constant``):

* ``x = atom | a op b | op a | a cmp b | f(atoms, k=atom) | a.attr |
  a[index] | (atoms) | [atoms] | {atom: atom}`` where ``f`` is a static
  path (``np.linalg.norm``, a global function) or a method ``a.name``;
* ``a[index] = atom`` (subscript store) and ``f(...)`` for its side effects;
* ``if atom: ... else: ...``;
* ``for i in atom: ...`` where the atom is a ``range`` built just before it
  (sequences are iterated by index), optionally ending in ``if atom: break``;
* ``while atom: ...`` whose condition is recomputed as the body's last
  statements (no ``break`` or ``continue`` inside);
* exactly one ``return atom`` as the last statement (or none).

Nested ``def``s and lambdas bound to names are lifted out as separate units
that receive the outer variables they read as keyword-only parameters.
Unsupported constructs raise :class:`srcad.UnsupportedSyntaxError`.
"""

from __future__ import annotations

import builtins
import functools
import itertools

import numpy

import gast

from . import astutil as A
from .errors import UnsupportedSyntaxError
from .naming import Namer
from .parse import _MISSING, resolve_static

_UNSUPPORTED = {
    gast.Yield: ("yield", "generators cannot be differentiated; return a list or array instead"),
    gast.YieldFrom: ("yield from", "generators cannot be differentiated; return a list or array instead"),
    gast.Await: ("await", "make the function synchronous"),
    gast.AsyncFor: ("async for", "make the function synchronous"),
    gast.AsyncWith: ("async with", "make the function synchronous"),
    gast.AsyncFunctionDef: ("async def", "make the function synchronous"),
    gast.Global: ("global", "pass the value as an argument and return the new value instead of assigning a global"),
    gast.Nonlocal: ("nonlocal", "pass the value as an argument and return the new value instead of rebinding an outer variable"),
    gast.ClassDef: ("class definition", "define the class outside the differentiated function"),
    gast.Try: ("try", "move the try statement outside the differentiated function, or wrap the code in a srcad.custom_vjp"),
    gast.With: ("with", "move the with statement outside the differentiated function"),
    gast.Import: ("import", "import modules at module level"),
    gast.ImportFrom: ("import", "import modules at module level"),
    gast.SetComp: ("set comprehension", "use a for loop"),
    gast.Set: ("set literal", "use a list or tuple"),
}
if hasattr(gast, "Match"):
    _UNSUPPORTED[gast.Match] = ("match", "use if/elif/else")
if hasattr(gast, "TryStar"):
    _UNSUPPORTED[gast.TryStar] = ("try", "move the try statement outside the differentiated function")

_FORBIDDEN_CALLS = {
    "exec": "exec runs code srcad cannot see; write the code in the function",
    "eval": "eval runs code srcad cannot see; write the expression in the function",
    "globals": "reading globals() dynamically cannot be differentiated",
    "locals": "reading locals() dynamically cannot be differentiated",
}


_MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem",
    "add", "discard", "sort", "reverse", "fill", "put", "resize", "itemset"})


def _refuse_writes_to_free_variables(parsed, fn, free):
    """A nested function that changes a list, dict or array of the enclosing
    function (``acc.append(v)``, ``out[i] = v``) would hide that write from the
    derivative of the enclosing function: refuse it."""
    for n in A.walk(fn):
        spot = None
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and isinstance(n.func.value, gast.Name) and n.func.value.id in free \
                and n.func.attr in _MUTATING_METHODS:
            spot, what = n, f"{n.func.value.id}.{n.func.attr}(...)"
        elif isinstance(n, (gast.Assign, gast.AugAssign)):
            for t in (n.targets if isinstance(n, gast.Assign) else [n.target]):
                for sub in A.walk(t):
                    if isinstance(sub, gast.Subscript) and isinstance(sub.value, gast.Name) \
                            and sub.value.id in free:
                        spot, what = sub, f"{sub.value.id}[...] = ..."
        if spot is not None:
            raise UnsupportedSyntaxError(
                f"the nested function {fn.name} changes {what.split('[')[0].split('.')[0]} of the "
                f"enclosing function ({what})",
                parsed.location(spot), construct="write to an enclosing variable",
                hint="return the new value from the nested function and update the variable "
                     "in the enclosing function")


def _joined_display(expr, cls):
    """``(*a, b, *c)`` as ``tuple(a) + (b,) + tuple(c)`` (``list`` for a
    list display): the concatenation the unpacking makes."""
    convert = "tuple" if cls is gast.Tuple else "list"
    parts, run = [], []
    for e in expr.elts:
        if isinstance(e, gast.Starred):
            if run:
                parts.append(cls(elts=run, ctx=gast.Load()))
                run = []
            parts.append(gast.Call(func=A.name(convert), args=[e.value], keywords=[]))
        else:
            run.append(e)
    if run:
        parts.append(cls(elts=run, ctx=gast.Load()))
    joined = parts[0]
    for part in parts[1:]:
        joined = A.binop(joined, gast.Add(), part)
    return A.copy_lineno(joined, expr) if getattr(expr, "lineno", None) else joined


# methods that take their integers either one by one or as one tuple
_VARIADIC_SHAPE_METHODS = frozenset({"reshape", "transpose"})


_PLAIN_EXPRESSIONS = (gast.Constant, gast.Name, gast.Attribute, gast.Subscript, gast.Slice,
                      gast.BinOp, gast.UnaryOp, gast.Compare, gast.Tuple, gast.List, gast.Call,
                      gast.keyword, gast.Load, gast.operator, gast.unaryop, gast.cmpop)


def _call_vectorized_in_place(parsed, node):
    """A local bound once to ``np.vectorize(f)`` and only called
    (``vf = np.vectorize(f); vf(x)``): each call made of the ``np.vectorize``
    call itself (``np.vectorize(f)(x)``, see ``ANF._vectorized``), and the
    binding dropped, in place."""
    binds, loads, calls = {}, {}, {}
    for n in A.walk(node):
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Load):
                loads[n.id] = loads.get(n.id, 0) + 1
            else:
                binds[n.id] = binds.get(n.id, 0) + 1
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name):
            calls.setdefault(n.func.id, []).append(n)
    if not calls:
        return
    made = {}
    for st in node.body:
        if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
                and isinstance(st.value, gast.Call) and isinstance(st.value.func, (gast.Name, gast.Attribute)):
            name = st.targets[0].id
            if binds.get(name) == 1 and loads.get(name, 0) == len(calls.get(name, ())) > 0 \
                    and resolve_static(parsed, st.value.func, set(binds)) is numpy.vectorize:
                made[name] = st
    if not made:
        return
    for name, st in made.items():
        for c in calls[name]:
            c.func = A.clone(st.value)
    node.body = [st for st in node.body if not any(st is m for m in made.values())] or [gast.Pass()]


_SINGULAR_UFUNCS = frozenset({
    "sqrt", "log", "log2", "log10", "log1p", "reciprocal", "power", "float_power", "divide",
    "true_divide", "arcsin", "arccos", "arctanh", "arccosh", "tan", "cbrt"})


def _singular_elementwise(node, anf):
    """Whether ``node`` is made of arithmetic and NumPy ufuncs only (so it
    may be computed entry by entry on other values) and has one whose
    derivative can be infinite or undefined (see ``ANF._where_guarded``)."""
    singular = False
    for n in A.walk(node):
        if isinstance(n, (gast.Constant, gast.Name, gast.Load, gast.operator, gast.unaryop,
                          gast.keyword)):
            continue
        if isinstance(n, gast.BinOp):
            if isinstance(n.op, (gast.FloorDiv, gast.Mod, gast.MatMult, gast.LShift, gast.RShift,
                                 gast.BitAnd, gast.BitOr, gast.BitXor)):
                return False
            if isinstance(n.op, gast.Div) and not isinstance(n.right, gast.Constant):
                singular = True
            if isinstance(n.op, gast.Pow) and not (isinstance(n.right, gast.Constant)
                                                   and isinstance(n.right.value, int)
                                                   and n.right.value >= 0):
                singular = True
            continue
        if isinstance(n, gast.UnaryOp):
            if isinstance(n.op, gast.Not):
                return False
            continue
        if isinstance(n, gast.Attribute):
            continue   # the function of a call (np.sqrt), or a module constant (np.pi)
        if isinstance(n, gast.Call):
            if n.keywords or not anf.is_static(n.func):
                return False
            fn = resolve_static(anf.parsed, n.func, anf.locals)
            if not isinstance(fn, numpy.ufunc) or fn.nout != 1:
                return False
            singular = singular or fn.__name__ in _SINGULAR_UFUNCS
            continue
        return False
    # (an attribute read of a local, x.T, is not elementwise)
    if any(isinstance(n, gast.Attribute) and not anf.is_static(n) for n in A.walk(node)):
        return False
    return singular


class _GuardNames(A.Transformer):
    """Reads of the function's own names replaced by ``guard(name)``."""

    def __init__(self, guard, local_names):
        self.guard, self.local_names = guard, local_names

    def visit_Call(self, node):
        # (the function called stays as it is; its arguments are guarded)
        node.args = [self.visit(a) for a in node.args]
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.local_names:
            return self.guard(node.id)
        return node


# draws of NumPy's generators differentiated in their parameters:
# method: (helper, parameters, defaults)
_DRAWS = {
    "normal": ("loc_scale_draw", ("loc", "scale", "size"), {"loc": 0.0, "scale": 1.0, "size": None}),
    "laplace": ("loc_scale_draw", ("loc", "scale", "size"), {"loc": 0.0, "scale": 1.0, "size": None}),
    "logistic": ("loc_scale_draw", ("loc", "scale", "size"), {"loc": 0.0, "scale": 1.0, "size": None}),
    "gumbel": ("loc_scale_draw", ("loc", "scale", "size"), {"loc": 0.0, "scale": 1.0, "size": None}),
    "uniform": ("loc_scale_draw", ("low", "high", "size"), {"low": 0.0, "high": 1.0, "size": None}),
    "exponential": ("scale_draw", ("scale", "size"), {"scale": 1.0, "size": None}),
    "lognormal": ("lognormal_draw", ("mean", "sigma", "size"), {"mean": 0.0, "sigma": 1.0, "size": None}),
    # Python's random module (and random.Random instances)
    "gauss": ("loc_scale_draw", ("mu", "sigma"), {"mu": 0.0, "sigma": 1.0}),
    "normalvariate": ("loc_scale_draw", ("mu", "sigma"), {"mu": 0.0, "sigma": 1.0}),
    "lognormvariate": ("lognormal_draw", ("mu", "sigma"), {}),
}


def _generator_locals(parsed, node):
    """Names bound once in ``node`` to ``np.random.default_rng(...)``,
    ``RandomState(...)`` or ``Generator(...)``."""
    makers = (numpy.random.default_rng, numpy.random.RandomState, numpy.random.Generator)
    stores, found = {}, set()
    for n in A.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
        if isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name) \
                and isinstance(n.value, gast.Call) and isinstance(n.value.func, (gast.Name, gast.Attribute)):
            obj = resolve_static(parsed, n.value.func, set())
            if any(obj is m for m in makers):
                found.add(n.targets[0].id)
    return frozenset(n for n in found if stores.get(n) == 1)


def _stdlib_tables():
    import cmath
    import statistics
    # statistics.<name>(data) as a NumPy reduction (the same value, within
    # rounding: statistics sums exactly), by (function, ddof)
    stats = {statistics.mean: ("mean", None), statistics.fmean: ("mean", None),
             statistics.median: ("median", None), statistics.pvariance: ("var", 0),
             statistics.variance: ("var", 1), statistics.pstdev: ("std", 0), statistics.stdev: ("std", 1)}
    # cmath.<name>(z) as the NumPy ufunc of complex values
    complex_fns = {getattr(cmath, n): n for n in ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh",
                                                 "cosh", "tanh", "log10")}
    complex_fns[cmath.phase] = "angle"
    return stats, complex_fns


_STDLIB = None


def _stdlib_as_numpy(call, target, kws):
    """``statistics.mean(xs)`` (``median``, ``pvariance``, ``variance``,
    ``pstdev``, ``stdev``, ``fmean``) as ``np.mean(xs)`` and the like, and
    ``cmath.exp(z)`` (and its relatives, ``cmath.phase``) as the NumPy
    function of complex values, which have rules; ``None`` for other calls.
    (The ``statistics`` module's own source works with exact fractions,
    which srcad does not differentiate.)"""
    global _STDLIB
    if _STDLIB is None:
        _STDLIB = _stdlib_tables()
    stats, complex_fns = _STDLIB
    if getattr(target, "__hash__", None) is None or kws or len(call.args) != 1 \
            or isinstance(call.args[0], gast.Starred):
        return None
    import copy
    if target is copy.copy or target is copy.deepcopy:
        helper = "__srcad_copy__" if target is copy.copy else "__srcad_deep_copy__"
        return gast.Call(func=A.name(helper), args=list(call.args), keywords=[])
    if target in stats:
        name, ddof = stats[target]
        data = _np_call("asarray", call.args[0])
        return _np_call(name, data) if ddof is None else _np_call(name, data, ddof=A.const(ddof))
    if target in complex_fns:
        return _np_call(complex_fns[target], call.args[0])
    return None


def _inlined_lambda(fn, args, keywords=()):
    """The body of ``lambda t: body`` with its parameters read as ``args``
    (atoms: names or constants), or ``None`` where ``fn`` is no such
    lambda (defaults, ``*args``, keywords, a body that binds names of its
    own). A lambda applied where it is written needs no function value,
    and reads the enclosing names as any expression there does."""
    a = getattr(fn, "args", None)
    if not isinstance(fn, gast.Lambda) or keywords or a.defaults or a.kwonlyargs or a.vararg \
            or a.kwarg or a.posonlyargs or len(a.args) != len(args):
        return None
    bound = {p.id: v for p, v in zip(a.args, args)}
    body = A.clone(fn.body)
    if any(isinstance(n, (gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp,
                          gast.NamedExpr)) for n in A.walk(body)):
        return None
    if isinstance(body, gast.Name) and body.id in bound:
        return A.clone(bound[body.id])

    class _Bind(A.Transformer):
        def visit_Name(self, node):
            return A.clone(bound[node.id]) if node.id in bound else node
    return _Bind().visit(body)


def _parallel_assignment(target, value):
    """Whether ``a, b = e0, e1`` means ``a = e0; b = e1``: plain names on the
    left, as many plain values on the right, no value reading a target (as
    ``a, b = b, a`` does), and no call that could see the targets change
    (only module functions and methods, builtins: not a nested function)."""
    if not isinstance(value, (gast.Tuple, gast.List)) or len(value.elts) != len(target.elts) \
            or not all(isinstance(t, gast.Name) for t in target.elts):
        return False
    names = {t.id for t in target.elts}
    for e in value.elts:
        for n in A.walk(e):
            if not isinstance(n, _PLAIN_EXPRESSIONS) or isinstance(n, gast.Starred):
                return False
            if isinstance(n, gast.Name) and n.id in names:
                return False
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) \
                    and not hasattr(builtins, n.func.id):
                return False
    return True


def _is_shape_unpacking(call):
    """``x.reshape(*shape)``, ``x.transpose(*axes)``: the same as passing
    the tuple itself."""
    return (isinstance(call.func, gast.Attribute) and call.func.attr in _VARIADIC_SHAPE_METHODS
            and len(call.args) == 1 and isinstance(call.args[0], gast.Starred) and not call.keywords)


def _is_transpose_zip(call, parsed):
    """``zip(*rows)``: the columns of a list of rows."""
    return (isinstance(call.func, gast.Name) and len(call.args) == 1 and not call.keywords
            and isinstance(call.args[0], gast.Starred)
            and resolve_static(parsed, call.func, set()) is zip)


def _enumerate_start(call):
    """The start of ``enumerate(seq)`` (None), ``enumerate(seq, k)`` or
    ``enumerate(seq, start=k)`` (the expression ``k``); _MISSING for other
    argument lists."""
    if len(call.args) == 1 and not call.keywords:
        return None
    if len(call.args) == 2 and not call.keywords:
        return call.args[1]
    if len(call.args) == 1 and len(call.keywords) == 1 and call.keywords[0].arg == "start":
        return call.keywords[0].value
    return _MISSING


def _out_keyword(call):
    """The array named by ``out=`` in ``call`` (unwrapped from a 1-tuple), or
    ``None`` where there is none."""
    for k in call.keywords:
        if k.arg == "out":
            v = k.value
            if isinstance(v, gast.Constant) and v.value is None:
                return None
            if isinstance(v, gast.Tuple) and len(v.elts) == 1:
                v = v.elts[0]
            return v
    return None


def _index_expr(sl):
    """A subscript's index as an expression (slices as ``slice(...)``)."""
    if isinstance(sl, gast.Slice):
        parts = [A.const(None) if p is None else p for p in (sl.lower, sl.upper, sl.step)]
        return gast.Call(func=A.name("slice"), args=parts, keywords=[])
    if isinstance(sl, gast.Tuple):
        return gast.Tuple(elts=[_index_expr(e) for e in sl.elts], ctx=gast.Load())
    return sl


def _from_array_library(obj):
    """Whether ``obj`` is a function of NumPy or CuPy (whose ``out=`` writes in place)."""
    module = getattr(obj, "__module__", None) or type(obj).__module__ or ""
    return module.split(".")[0] in ("numpy", "cupy")


def _whole(name):
    """``name[...]`` as an assignment target: the whole array, written in place."""
    return gast.Subscript(value=A.clone(name), slice=gast.Constant(value=Ellipsis, kind=None),
                          ctx=gast.Store())


class Normalized:
    """The result of normalization: a ``FunctionDef`` in normal form plus the
    units lifted out of it."""

    def __init__(self, node, parsed, local_names, lifted, return_name, param_names):
        self.node = node
        self.parsed = parsed
        self.local_names = local_names
        self.lifted = lifted          # name -> LiftedUnit
        self.return_name = return_name
        self.param_names = param_names


class LiftedUnit:
    """A nested function lifted to the outer level: its node gets the outer
    variables it reads as keyword-only parameters ``free``."""

    def __init__(self, name, node, parsed, free, siblings):
        self.name = name
        self.node = node
        self.parsed = parsed
        self.free = free
        self.siblings = siblings   # name -> LiftedUnit (shared dict)
        self.__qualname__ = name
        self.__name__ = name
        self.source = A.clone(node)  # as lifted, before its own normalization
        self._primal = None

    def primal(self):
        """The function itself, compiled as lifted (free variables as
        keyword-only parameters), for calls that need no derivative. The
        units lifted beside it are compiled together, so they can call each
        other."""
        if self._primal is None:
            import ast as _ast
            namespace = dict(self.parsed.globals)
            namespace.update({k: c.cell_contents for k, c in self.parsed.cells.items()})
            for unit in self.siblings.values():
                tree = gast.gast_to_ast(gast.Module(body=[A.clone(unit.source)], type_ignores=[]))
                _ast.increment_lineno(tree, self.parsed.line_offset)
                _ast.fix_missing_locations(tree)
                for n in _ast.walk(tree):
                    # a lambda made a def keeps its line but may lack its end
                    if getattr(n, "end_lineno", None) is not None and n.end_lineno < n.lineno:
                        n.end_lineno = n.lineno
                        n.end_col_offset = max(n.end_col_offset or 0, n.col_offset or 0)
                exec(compile(tree, self.parsed.filename, "exec"), namespace)
            for unit in self.siblings.values():
                unit._primal = namespace[unit.name]
                # (differentiating code that calls it, a second derivative,
                # derives the unit, whose source has its free variables)
                unit._primal.__srcad_lifted__ = unit
        return self._primal


def _param_names(args):
    names = [a.id for a in args.posonlyargs + args.args]
    if args.vararg is not None:
        names.append(args.vararg.id)
    names += [a.id for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append(args.kwarg.id)
    return names


def _stored_names(body):
    """Names bound anywhere in ``body`` (not descending into nested defs)."""
    out = set()
    stack = list(body)
    Name, FunctionDef, Lambda = gast.Name, gast.FunctionDef, gast.Lambda
    binds = (gast.Store, gast.Del)
    while stack:
        node = stack.pop()
        cls = node.__class__
        if cls is Name:
            if node.ctx.__class__ in binds:
                out.add(node.id)
        elif cls is FunctionDef:
            out.add(node.name)
        elif cls is not Lambda:
            stack.extend(A.children(node))
    return out


def _list_names(fn, params):
    """Names that ``fn`` binds to lists only: every binding a list display,
    a list comprehension, ``list(...)`` or ``sorted(...)`` (or ``+=``), and
    not a parameter."""
    bound, other = set(), set(params)
    seen = set()    # the targets looked at with their assignment
    for n in A.walk(fn):
        if isinstance(n, gast.Assign):
            lists = isinstance(n.value, (gast.List, gast.ListComp)) or (
                isinstance(n.value, gast.Call) and isinstance(n.value.func, gast.Name)
                and n.value.func.id in ("list", "sorted"))
            for t in n.targets:
                if isinstance(t, gast.Name):
                    seen.add(id(t))
                    (bound if lists and len(n.targets) == 1 else other).add(t.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            seen.add(id(n.target))
        elif isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)) \
                and id(n) not in seen:
            other.add(n.id)
        elif isinstance(n, gast.FunctionDef) and n is not fn:
            other.add(n.name)
    return bound - other


def _loaded_names(node):
    return {n.id for n in A.nodes(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _prescan(node):
    """``(loop_else, draws, vectorize, unpacking)``: whether ``node`` has a
    loop with an ``else``, a method call that may be a random draw, a
    mention of ``vectorize``, a call unpacking ``*`` or ``**``; the passes
    for those run only where they have work."""
    loop_else = draws = vectorize = unpacking = False
    For, While, Attribute, Name = gast.For, gast.While, gast.Attribute, gast.Name
    Starred, keyword_ = gast.Starred, gast.keyword
    for n in A.nodes(node):
        cls = n.__class__
        if cls is Starred or (cls is keyword_ and n.arg is None):
            unpacking = True
        elif cls is Attribute:
            if n.attr in _DRAWS:
                draws = True
            elif n.attr == "vectorize":
                vectorize = True
        elif cls is Name:
            if n.id == "vectorize":
                vectorize = True
        elif (cls is For or cls is While) and n.orelse:
            loop_else = True
    return loop_else, draws, vectorize, unpacking


def _loop_else_as_flags(node, namer):
    """``for ...: body else: rest`` (and ``while``) as the loop, with
    ``flag = True`` before each of its own ``break``, then ``if not
    flag: rest`` (just ``rest`` where the loop has no ``break``), in place
    and in nested functions too."""
    for n in list(A.walk(node)):
        for field in ("body", "orelse"):
            stmts = getattr(n, field, None)
            if not isinstance(stmts, list) or not any(
                    isinstance(st, (gast.For, gast.While)) and st.orelse for st in stmts):
                continue
            new = []
            for st in stmts:
                if not (isinstance(st, (gast.For, gast.While)) and st.orelse):
                    new.append(st)
                    continue
                rest, st.orelse = st.orelse, []
                flag = namer.new("broke")
                if _mark_own_breaks(st.body, flag):
                    new.append(A.copy_lineno(A.assign(flag, A.const(False)), st))
                    new.append(st)
                    new.append(A.copy_lineno(A.if_(A.not_(A.name(flag)), rest), rest[0]))
                else:
                    new.append(st)
                    new.extend(rest)
            setattr(n, field, new)


def _mark_own_breaks(stmts, flag):
    """Put ``flag = True`` before each ``break`` of the loop whose body is
    ``stmts`` (not of loops inside it), in place; whether there was one."""
    found = False
    i = 0
    while i < len(stmts):
        st = stmts[i]
        if isinstance(st, gast.Break):
            stmts.insert(i, A.copy_lineno(A.assign(flag, A.const(True)), st))
            found = True
            i += 1
        elif isinstance(st, (gast.If, gast.With, gast.Try)):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(st, field, None)
                if isinstance(inner, list):
                    found = _mark_own_breaks(inner, flag) or found
            for h in getattr(st, "handlers", ()):
                found = _mark_own_breaks(h.body, flag) or found
        i += 1
    return found


# the classes check_syntax looks at, and those with nothing under them to look at
_SYNTAX_CHECKED = frozenset(set(_UNSUPPORTED) | {gast.Call, gast.For, gast.While, gast.AugAssign, gast.Assign,
                                                 gast.Lambda, gast.FunctionDef})
_SYNTAX_LEAVES = frozenset({gast.Name, gast.Constant, gast.Load, gast.Store, gast.Del, gast.Param})


def check_syntax(parsed, node):
    """Raise :class:`UnsupportedSyntaxError` for constructs srcad rejects."""
    top = node

    checked = _SYNTAX_CHECKED
    leaves = _SYNTAX_LEAVES

    def visit(n, in_nested):
        cls = n.__class__
        if cls in leaves:
            return
        if cls not in checked:
            for child in A.children(n):
                visit(child, in_nested)
            return
        unsupported = _UNSUPPORTED.get(cls)
        if unsupported is not None:
            what, hint = unsupported
            raise UnsupportedSyntaxError(
                f"{what} is not supported in a differentiated function",
                parsed.location(n), construct=what, hint=hint)
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in _FORBIDDEN_CALLS:
            obj = parsed.lookup(n.func.id)
            if obj is getattr(builtins, n.func.id):
                raise UnsupportedSyntaxError(
                    f"{n.func.id}() is not supported in a differentiated function",
                    parsed.location(n), construct=n.func.id,
                    hint=_FORBIDDEN_CALLS[n.func.id])
        if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Attribute):
            raise UnsupportedSyntaxError(
                "assigning to an attribute is not supported",
                parsed.location(n.target), construct="attribute assignment",
                hint="keep the value in a local variable or a dict")
        if isinstance(n, gast.Assign):
            for t in n.targets:
                for sub in A.walk(t):
                    if isinstance(sub, gast.Attribute) and isinstance(sub.ctx, gast.Store):
                        raise UnsupportedSyntaxError(
                            "assigning to an attribute is not supported",
                            parsed.location(sub), construct="attribute assignment",
                            hint="keep the value in a local variable or a dict")
        # (* and ** in calls: srcad.variadic binds them where it can)
        if isinstance(n, gast.Lambda) and n is not top:
            pass  # handled where it is bound to a name; elsewhere rejected below
        for child in A.children(n):
            visit(child, in_nested or isinstance(n, gast.FunctionDef) and n is not top)

    a = node.args
    if a.vararg is not None or a.kwarg is not None:
        # (the functions it calls may take them: each call is bound where
        # it is made, see srcad.variadic)
        raise UnsupportedSyntaxError(
            f"{node.name} takes *args or **kwargs, so its derivative depends on the arguments "
            "of each call, and there is no call here to bind them",
            parsed.location(node), construct="variadic parameters",
            hint="use srcad.grad, value_and_grad, jvp, vjp, jacobian or hessian, which make the "
                 f"derivative for the arguments of each call, or call {node.name} from a function "
                 f"with named parameters (def loss(x, a, b): return {node.name}(x, a, b))")
    visit(node, False)
    del visit   # it refers to itself


# ---------------------------------------------------------------------------
# Lifting nested functions
# ---------------------------------------------------------------------------

def lift_nested(parsed, node, namer):
    """Remove nested ``def``s (and lambdas bound to names) from ``node``'s body
    and return them as :class:`LiftedUnit`s keyed by name."""
    lifted = {}
    if not any(isinstance(s, gast.FunctionDef) or (isinstance(s, gast.Assign)
                                                  and isinstance(s.value, gast.Lambda))
               for s in A.statements(node) if s is not node):
        return lifted   # no nested def, no lambda bound to a name
    outer_locals = set(_param_names(node.args)) | _stored_names(node.body)

    def convert_lambda(target, lam, stmt):
        ret = gast.Return(value=lam.body)
        A.copy_lineno(ret, stmt)
        fn = gast.FunctionDef(name=target, args=lam.args, body=[ret], decorator_list=[],
                              returns=None, type_comment=None, type_params=[])
        A.copy_lineno(fn, stmt)
        return fn

    # Functions used as values (passed on, stored) stay where they are and
    # are called through their runtime derivative; the others are lifted.
    as_value = set()
    from .closures import passed_to_a_caller
    # (the names lifting may give a function: given to a call, the callee is
    # looked at for whether it only calls them)
    nested = {s.name if isinstance(s, gast.FunctionDef) else s.targets[0].id
              for s in A.statements(node) if s is not node and (
                  isinstance(s, gast.FunctionDef) or (isinstance(s, gast.Assign) and isinstance(s.value, gast.Lambda)
                                                      and isinstance(s.targets[0], gast.Name)))}
    for n in A.walk(node):
        for child in A.children(n):
            if (isinstance(child, gast.Name) and isinstance(child.ctx, gast.Load)
                    and not (isinstance(n, gast.Call) and n.func is child)
                    and not (isinstance(n, gast.Call) and child.id in nested
                             and passed_to_a_caller(parsed, n, child, outer_locals))):
                as_value.add(child.id)

    call_defaults = {}   # name -> [(position, parameter, value at the def)]

    def collect(stmts):
        out = []
        for s in stmts:
            if (isinstance(s, gast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda)):
                if s.targets[0].id in as_value:
                    out.append(s)
                    continue
                s = convert_lambda(s.targets[0].id, s.value, s)
            if isinstance(s, gast.FunctionDef) and s.name in as_value:
                s.srcad_opaque = True
                out.append(s)
                continue
            if isinstance(s, gast.FunctionDef):
                if s.decorator_list:
                    raise UnsupportedSyntaxError(
                        "decorated nested functions are not supported",
                        parsed.location(s), construct="decorator",
                        hint="define the function at module level")
                lifted[s.name] = s
                # Defaults reading the enclosing function's locals are
                # evaluated where the def stands, as Python does; calls that
                # leave such a parameter out pass that value.
                positional = list(s.args.posonlyargs) + list(s.args.args)
                first = len(positional) - len(s.args.defaults)
                for k, default in enumerate(s.args.defaults):
                    if _loaded_names(default) & outer_locals:
                        param = positional[first + k].id
                        held = namer.new(f"{s.name}_{param}_default")
                        assign = A.assign(held, default)
                        A.copy_lineno(assign, s)
                        out.append(assign)
                        outer_locals.add(held)
                        call_defaults.setdefault(s.name, []).append((first + k, param, A.name(held)))
                        s.args.defaults[k] = A.const(None)
                continue
            for field in ("body", "orelse"):
                if hasattr(s, field) and isinstance(getattr(s, field), list):
                    setattr(s, field, collect(getattr(s, field)))
            out.append(s)
        return out

    node.body = collect(node.body)
    units = {}
    # Free variables: outer locals a nested function reads (transitively through
    # the nested functions it calls).
    direct = {}
    for fname, fn in lifted.items():
        own = set(_param_names(fn.args)) | _stored_names(fn.body)
        used = _loaded_names(fn) - own
        direct[fname] = {u for u in used if u in outer_locals and u not in lifted}, \
            {u for u in used if u in lifted}
    for fname, fn in lifted.items():
        _refuse_writes_to_free_variables(parsed, fn, direct[fname][0])
    free = {k: set(v[0]) for k, v in direct.items()}
    changed = True
    while changed:
        changed = False
        for k, (_, calls) in direct.items():
            for c in calls:
                if not free[c] <= free[k]:
                    free[k] |= free[c]
                    changed = True
    for fname, fn in lifted.items():
        fv = sorted(free[fname])
        fn.args.kwonlyargs = list(fn.args.kwonlyargs) + [
            gast.Name(id=v, ctx=gast.Param(), annotation=None, type_comment=None) for v in fv]
        fn.args.kw_defaults = list(fn.args.kw_defaults) + [None] * len(fv)
        units[fname] = LiftedUnit(fname, fn, parsed, fv, units)
    # Call sites (in the outer function and in the lifted ones) pass the free
    # variables along.
    for tree in [node] + list(lifted.values()):
        for n in A.walk(tree):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in units:
                unit = units[n.func.id]
                given = {k.arg for k in n.keywords}
                extra = [gast.keyword(arg=name, value=A.clone(default))
                         for pos, name, default in call_defaults.get(n.func.id, ())
                         if pos >= len(n.args) and name not in given]
                n.keywords = list(n.keywords) + extra + [
                    gast.keyword(arg=v, value=A.name(v)) for v in unit.free]
    for fname in units:
        for tree in [node] + list(lifted.values()):
            for n in A.walk(tree):
                if isinstance(n, gast.Call):
                    continue
                for child in A.children(n):
                    if (isinstance(child, gast.Name) and child.id == fname
                            and isinstance(child.ctx, gast.Load)
                            and not (isinstance(n, gast.Call) and n.func is child)):
                        raise UnsupportedSyntaxError(
                            f"the nested function {fname!r} is used as a value",
                            parsed.location(child), construct="nested function value",
                            hint="call nested functions directly, or define the function at module level")
    return units


# ---------------------------------------------------------------------------
# Structuring exits: return / break / continue become assignments and guards
# ---------------------------------------------------------------------------

def _contains(stmts, kinds, into_loops):
    for s in stmts:
        for n in _walk_stmts(s, into_loops):
            if isinstance(n, kinds):
                return True
    return False


def _walk_stmts(s, into_loops):
    yield s
    if isinstance(s, gast.If):
        for c in s.body + s.orelse:
            yield from _walk_stmts(c, into_loops)
    elif isinstance(s, (gast.For, gast.While)):
        # (a break or continue in a loop's else belongs to the enclosing loop)
        for c in (s.body + s.orelse if into_loops else s.orelse):
            yield from _walk_stmts(c, into_loops)


def _always_exits(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Break, gast.Continue, gast.Raise)):
        return True
    if isinstance(last, gast.If):
        return _always_exits(last.body) and _always_exits(last.orelse)
    return False


class _Loop:
    def __init__(self):
        self.brk = None
        self.cont = None


def _always_returns(stmts):
    """Whether every path through ``stmts`` ends in a ``return`` (or a
    ``raise``)."""
    for st in stmts:
        if isinstance(st, (gast.Return, gast.Raise)):
            return True
        if isinstance(st, gast.If) and _always_returns(st.body) and _always_returns(st.orelse):
            return True
    return False


class Structurer:
    """Remove early ``return``, ``break`` and ``continue`` by flags and
    guards, so that every block runs to its end (see module docstring)."""

    def __init__(self, namer):
        self.namer = namer
        self.ret = None
        self.returned = None
        self.prelude = []

    def run(self, body):
        always = _always_returns(body)
        body = self.block(body, None, tail=True)
        if self.returned:
            body = [A.assign(self.returned, A.const(False))] + body
        if self.ret is not None:
            if not always:
                # a path that ends without return returns None
                body = [A.assign(self.ret, A.const(None))] + body
            body = body + [gast.Return(value=A.name(self.ret))]
        return body

    def _ret_name(self):
        if self.ret is None:
            self.ret = self.namer.new("result")
        return self.ret

    def _flags_set(self, stmts, loop):
        """Names of the flags that ``stmts`` may set (as a guard condition)."""
        flags = []
        if self.returned and _contains(stmts, gast.Return, True):
            flags.append(self.returned)
        if loop is not None:
            if loop.brk and _contains(stmts, gast.Break, False):
                flags.append(loop.brk)
            if loop.cont and _contains(stmts, gast.Continue, False):
                flags.append(loop.cont)
        return flags

    def _guard(self, flags, body, lineno):
        test = A.name(flags[0])
        if len(flags) > 1:
            test = gast.BoolOp(op=gast.Or(), values=[A.name(f) for f in flags])
        g = A.if_(A.not_(test), body)
        g.lineno = lineno
        return g

    def block(self, stmts, loop, tail):
        """Rewrite ``stmts``; ``tail``: nothing follows this block in the
        function (a return here needs no flag)."""
        out = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1:]
            if isinstance(s, gast.Return):
                value = s.value if s.value is not None else A.const(None)
                st = A.copy_lineno(A.assign(self._ret_name(), value), s)
                out.append(st)
                if not (tail and loop is None):
                    out.append(A.copy_lineno(A.assign(self._need_returned(), A.const(True)), s))
                return out
            if isinstance(s, gast.Break):
                out.append(A.copy_lineno(A.assign(loop.brk, A.const(True)), s))
                return out
            if isinstance(s, gast.Continue):
                out.append(A.copy_lineno(A.assign(loop.cont, A.const(True)), s))
                return out
            if isinstance(s, gast.If):
                exits = (gast.Return, gast.Break, gast.Continue)
                b_may = _contains(s.body, exits, False) or _contains(s.body, gast.Return, True)
                o_may = _contains(s.orelse, exits, False) or _contains(s.orelse, gast.Return, True)
                if not (b_may or o_may):
                    s.body = self.block(s.body, loop, False)
                    s.orelse = self.block(s.orelse, loop, False)
                    out.append(s)
                    continue
                b_all, o_all = _always_exits(s.body), _always_exits(s.orelse)
                if b_all and not o_may:
                    s.body = self.block(s.body, loop, tail)
                    s.orelse = self.block(s.orelse + rest, loop, tail)
                    out.append(s)
                    return out
                if o_all and not b_may:
                    s.body = self.block(s.body + rest, loop, tail)
                    s.orelse = self.block(s.orelse, loop, tail)
                    out.append(s)
                    return out
                if b_all and o_all:
                    s.body = self.block(s.body, loop, tail)
                    s.orelse = self.block(s.orelse, loop, tail)
                    out.append(s)
                    return out
                # General case: flags, then the rest under a guard.
                self._prepare_flags(s, loop)
                flags = self._flags_set([s], loop)
                s.body = self.block(s.body, loop, False)
                s.orelse = self.block(s.orelse, loop, False)
                out.append(s)
                if rest:
                    out.append(self._guard(flags, self.block(rest, loop, tail), s.lineno))
                return out
            if isinstance(s, (gast.For, gast.While)):
                has_return = _contains(s.body, gast.Return, True)
                orelse, s.orelse = s.orelse, []
                out.append(self.loop(s))
                if orelse:
                    # the else block runs when the loop ends without break:
                    # after it, under the break flag (a return in the loop
                    # skips it as it skips the rest)
                    if s.break_flag:
                        orelse = [A.copy_lineno(A.if_(A.not_(A.name(s.break_flag)), orelse), orelse[0])]
                    rest = orelse + rest
                    if not rest:
                        continue
                    if self.returned and has_return:
                        out.append(self._guard([self.returned], self.block(rest, loop, tail), s.lineno))
                    else:
                        out.extend(self.block(rest, loop, tail))
                    return out
                if rest and self.returned and has_return:
                    out.append(self._guard([self.returned], self.block(rest, loop, tail), s.lineno))
                    return out
                continue
            out.append(s)
        return out

    def _need_returned(self):
        if self.returned is None:
            self.returned = self.namer.new("returned")
        return self.returned

    def _prepare_flags(self, s, loop):
        if _contains([s], gast.Return, True):
            self._need_returned()

    def loop(self, s):
        lp = _Loop()
        if _contains(s.body, gast.Break, False):
            lp.brk = self.namer.new("broke")
        if _contains(s.body, gast.Continue, False):
            lp.cont = self.namer.new("skip")
        has_return = _contains(s.body, gast.Return, True)
        if has_return:
            self._need_returned()
        body = self.block(s.body, lp, False)
        if lp.cont:
            body = [A.copy_lineno(A.assign(lp.cont, A.const(False)), s)] + body
        stop = [f for f in (lp.brk, self.returned if has_return else None) if f]
        s.body = body
        s.stop_flags = stop          # consumed by the ANF pass
        s.break_flag = lp.brk
        return s


# ---------------------------------------------------------------------------
# A-normal form
# ---------------------------------------------------------------------------

_STATIC = (gast.Name, gast.Attribute)


class ANF:
    """One operation per statement (see the module docstring)."""

    def __init__(self, parsed, namer, local_names, lifted_names):
        self.parsed = parsed
        self.namer = namer
        self.locals = local_names
        self.lifted = lifted_names
        self.lineno = None
        self.temps = set()       # names this pass made up
        self.lists = set()       # names bound to lists only (see _list_names)

    # -- helpers ---------------------------------------------------------------
    def tmp(self, base="t"):
        name = self.namer.new(base)
        self.locals.add(name)
        self.temps.add(name)
        return name

    def emit(self, out, stmt):
        if getattr(stmt, "lineno", None) is None and self.lineno is not None:
            stmt.lineno = self.lineno
        out.append(stmt)
        return stmt

    def is_static(self, expr):
        """``np.linalg.norm`` or a global name: resolved at transform time."""
        if isinstance(expr, gast.Name):
            return expr.id not in self.locals
        if isinstance(expr, gast.Attribute):
            return self.is_static(expr.value)
        return False

    def atom(self, expr, out, base="t"):
        """Evaluate ``expr`` into an atom, emitting statements into ``out``."""
        if isinstance(expr, gast.Constant):
            return expr
        if (isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd))
                and isinstance(expr.operand, gast.Constant)
                and isinstance(expr.operand.value, (int, float, complex))
                and not isinstance(expr.operand.value, bool)):
            # a negative literal is a literal
            v = expr.operand.value
            return A.const(-v if isinstance(expr.op, gast.USub) else v)
        if isinstance(expr, gast.Name):
            if expr.id in self.locals or isinstance(expr.ctx, gast.Param):
                return A.name(expr.id)
            return A.name(expr.id)  # a global read is an atom as well
        value = self.simple(expr, out)
        name = self.tmp(base)
        self.emit(out, A.assign(name, value))
        return A.name(name)

    def index(self, sl, out):
        if isinstance(sl, gast.Slice):
            parts = [None if p is None else self.atom(p, out) for p in (sl.lower, sl.upper, sl.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(sl, gast.Tuple):
            return A.tuple_([self.index(e, out) for e in sl.elts])
        return self.atom(sl, out)

    def callee(self, func, out):
        if self.is_static(func) or isinstance(func, gast.Name):
            return A.load_copy(func)
        if isinstance(func, gast.Attribute):
            return A.attr(self.atom(func.value, out), func.attr)
        # table[0](x), (lambda v: v)(x): the function value gets a name
        return self.atom(func, out, "fn")

    def simple(self, expr, out):
        """Evaluate ``expr`` into a simple expression over atoms."""
        node = self._simple(expr, out)
        if getattr(node, "lineno", None) is None and getattr(expr, "lineno", None) is not None:
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                setattr(node, attr, getattr(expr, attr, None))
        return node

    def _simple(self, expr, out):
        if isinstance(expr, (gast.Constant, gast.Name)):
            return self.atom(expr, out)
        if isinstance(expr, gast.BinOp):
            left = self.atom(expr.left, out)
            right = self.atom(expr.right, out)
            return gast.BinOp(left=left, op=expr.op, right=right)
        if isinstance(expr, gast.UnaryOp):
            if isinstance(expr.op, gast.UAdd):
                return self.atom(expr.operand, out)
            return gast.UnaryOp(op=expr.op, operand=self.atom(expr.operand, out))
        if isinstance(expr, gast.Compare):
            if len(expr.ops) == 1:
                left = self.atom(expr.left, out)
                right = self.atom(expr.comparators[0], out)
                return gast.Compare(left=left, ops=expr.ops, comparators=[right])
            # a < b < c  ->  t = a < b; if t: t = b < c
            left = self.atom(expr.left, out)
            result = self.tmp("c")
            operands = expr.comparators
            right = self.atom(operands[0], out)
            self.emit(out, A.assign(result, gast.Compare(left=left, ops=[expr.ops[0]], comparators=[right])))
            rest = gast.Compare(left=right, ops=expr.ops[1:], comparators=operands[1:])
            inner = []
            self.emit(inner, A.assign(result, self.simple(rest, inner)))
            self.emit(out, A.if_(A.name(result), inner))
            return A.name(result)
        if isinstance(expr, gast.BoolOp):
            result = self.tmp("b")
            first = self.atom(expr.values[0], out)
            self.emit(out, A.assign(result, first))
            rest = expr.values[1:]
            target_out = out
            for v in rest:
                inner = []
                self.emit(inner, A.assign(result, self.simple(v, inner)))
                test = A.name(result)
                if isinstance(expr.op, gast.Or):
                    test_name = self.tmp("c")
                    self.emit(target_out, A.assign(test_name, A.not_(A.name(result))))
                    test = A.name(test_name)
                guard = A.if_(test, inner)
                self.emit(target_out, guard)
                # (the if holds a copy of the list: the next operand goes there)
                target_out = guard.body
            return A.name(result)
        if isinstance(expr, gast.IfExp):
            test = self.atom(expr.test, out)
            result = self.tmp("v")
            body, orelse = [], []
            self.emit(body, A.assign(result, self.simple(expr.body, body)))
            self.emit(orelse, A.assign(result, self.simple(expr.orelse, orelse)))
            self.emit(out, A.if_(test, body, orelse))
            return A.name(result)
        if isinstance(expr, gast.Call):
            if _is_shape_unpacking(expr):
                expr = gast.Call(func=expr.func, keywords=[], args=[
                    gast.Call(func=A.name("tuple"), args=[expr.args[0].value], keywords=[])])
            target = self._resolve(expr.func) if self.is_static(expr.func) else _MISSING
            if any(target is f for f in (sorted, min, max)) and len(expr.args) == 1 and (
                    target is sorted or any(k.arg == "key" for k in expr.keywords)) and all(
                    k.arg in ("key", "reverse") for k in expr.keywords) and (
                    target is sorted or all(k.arg == "key" for k in expr.keywords)):
                return self._sorted_by_position(target, expr, out)
            wrapped = self._periodic_interp(expr, target, out)
            if wrapped is not None:
                return wrapped
            ufunc_call = self._ufunc_method_as_function(expr, target)
            if ufunc_call is not None:
                return self._simple(ufunc_call, out)
            outer = self._ufunc_outer(expr, target, out)
            if outer is not None:
                return self._simple(outer, out)
            spelled = self._math_as_numpy(expr, target) or self._dict_get(expr)
            if spelled is not None:
                return self._simple(spelled, out)
            if target is numpy.where and len(expr.args) == 3 and not expr.keywords:
                guarded = self._where_guarded(expr, out)
                if guarded is not None:
                    return self._simple(guarded, out)
            if isinstance(expr.func, gast.Attribute) and expr.func.attr in _DRAWS:
                draw = self._random_draw(expr)
                if draw is not None:
                    return self._simple(draw, out)
            if target is numpy.piecewise:
                spelled = self._piecewise(expr, out)
                if spelled is not None:
                    return spelled
            if isinstance(target, numpy.vectorize) or (
                    isinstance(expr.func, gast.Call) and self.is_static(expr.func.func)
                    and self._resolve(expr.func.func) is numpy.vectorize):
                spelled = self._vectorized(expr, target, out)
                if spelled is not None:
                    return spelled
            if target is functools.reduce:
                spelled = self._reduce(expr, out)
                if spelled is not None:
                    return spelled
            if target is itertools.accumulate:
                spelled = self._accumulate(expr, out)
                if spelled is not None:
                    return spelled
            if getattr(target, "__hash__", None) is not None and target in _INDEX_TUPLES:
                spelled = self._index_tuples(expr, target, out)
                if spelled is not None:
                    return spelled
            if target is numpy.fromiter and 1 <= len(expr.args) + len(expr.keywords) <= 3 \
                    and not any(isinstance(a, gast.Starred) for a in expr.args) \
                    and all(k.arg in ("dtype", "count") for k in expr.keywords):
                # the iterable's items in a list, then an array of them
                it = expr.args[0]
                items = gast.Call(func=A.name("list"), args=[it], keywords=[])
                dtype = expr.args[1] if len(expr.args) > 1 else next(
                    (k.value for k in expr.keywords if k.arg == "dtype"), None)
                count = expr.args[2] if len(expr.args) > 2 else next(
                    (k.value for k in expr.keywords if k.arg == "count"), None)
                if count is not None and not (isinstance(count, gast.Constant) and count.value == -1):
                    items = gast.Subscript(value=items, slice=gast.Slice(lower=None, upper=count, step=None),
                                           ctx=gast.Load())
                made = _np_call("array", items, **({"dtype": dtype} if dtype is not None else {}))
                A.fill_location(made, expr)
                return self._simple(made, out)
            if target is numpy.modf and len(expr.args) == 1 and not expr.keywords:
                # (x - trunc(x), trunc(x)): the fraction carries the derivative
                xa = self.atom(expr.args[0], out)
                whole = self.atom(_np_call("trunc", A.clone(xa)), out)
                frac = self.atom(A.binop(A.clone(xa), gast.Sub(), A.clone(whole)), out)
                return A.tuple_([frac, A.clone(whole)])
            if target is numpy.apply_along_axis:
                spelled = self._along_axis(expr, out)
                if spelled is not None:
                    return spelled
            view = self._dict_view(expr)
            if view is not None:
                return self.listcomp(view, out)
            masked = self._masked_reduction(expr, target)
            if masked is not None:
                return self._simple(masked, out)
            spelled = self._einsum_sublists(expr, target)
            if spelled is not None:
                return self._simple(spelled, out)
            if any(target is f for f in (min, max)) and len(expr.args) > 2 and not expr.keywords \
                    and not any(isinstance(a, gast.Starred) for a in expr.args):
                # max(a, b, c) is max(max(a, b), c): the first of the largest, as Python's
                nested = expr.args[0]
                for a in expr.args[1:]:
                    nested = gast.Call(func=A.clone(expr.func), args=[nested, a], keywords=[])
                    A.copy_lineno(nested, expr)
                return self._simple(nested, out)
            if target is zip and any(k.arg == "strict" for k in expr.keywords):
                return self._simple(self._zip_checked(expr, out), out)
            if target is zip and len(expr.args) == 1 and isinstance(expr.args[0], gast.Starred):
                return self._columns(expr, out)
            if target is map and not expr.keywords and len(expr.args) >= 2:
                return self.listcomp(self._map_as_listcomp(expr), out)
            as_list = next((v for k, v in _AS_LISTS.items() if k is target), None)
            if as_list is not None and not expr.keywords:
                # zip/enumerate/reversed as values: the list of what they yield
                # (found by identity: a callable object may be unhashable)
                expr = gast.Call(func=A.name(as_list), args=expr.args, keywords=[])
            record = self._record_call(expr, target)
            if record is not None:
                expr = record
            dest = _out_keyword(expr) if _from_array_library(target) else None
            if dest is not None:
                # f(x, out=y) is y[...] = f(x), and its value is y
                if not isinstance(dest, gast.Name):
                    raise UnsupportedSyntaxError(
                        "out= must name an array", self.parsed.location(expr), construct="out=",
                        hint="write y[...] = f(x) instead of f(x, out=...)")
                call = gast.Call(func=expr.func, args=expr.args,
                                 keywords=[k for k in expr.keywords if k.arg != "out"])
                A.copy_lineno(call, expr)
                self.assign_to(_whole(dest), call, out)
                return A.name(dest.id)
            func = self.callee(expr.func, out)
            args = [self.atom(a, out) for a in expr.args]
            kws = [gast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in expr.keywords]
            node = gast.Call(func=func, args=args, keywords=kws)
            node.is_method = isinstance(expr.func, gast.Attribute) and not self.is_static(expr.func)
            return node
        if isinstance(expr, gast.Attribute):
            if self.is_static(expr):
                return A.load_copy(expr)
            return A.attr(self.atom(expr.value, out), expr.attr)
        if isinstance(expr, gast.Subscript):
            value = self.atom(expr.value, out)
            return gast.Subscript(value=value, slice=self.index(expr.slice, out), ctx=gast.Load())
        if isinstance(expr, (gast.Tuple, gast.List)):
            cls = gast.Tuple if isinstance(expr, gast.Tuple) else gast.List
            if any(isinstance(e, gast.Starred) for e in expr.elts):
                return self._simple(_joined_display(expr, cls), out)
            elts = [self.atom(e, out) for e in expr.elts]
            return cls(elts=elts, ctx=gast.Load())
        if isinstance(expr, gast.Dict):
            if any(k is None for k in expr.keys):
                raise UnsupportedSyntaxError(
                    "dict unpacking (**) is not supported", self.parsed.location(expr),
                    construct="dict unpacking", hint="build the dict key by key")
            keys = [self.atom(k, out) for k in expr.keys]
            values = [self.atom(v, out) for v in expr.values]
            return gast.Dict(keys=keys, values=values)
        if isinstance(expr, (gast.ListComp, gast.GeneratorExp)):
            # a generator is consumed where it is made (sum(...), max(...)):
            # a list holds the same values
            return self.listcomp(expr, out)
        if isinstance(expr, gast.DictComp):
            return self.listcomp(expr, out)
        if isinstance(expr, gast.Slice):
            raise UnsupportedSyntaxError("unexpected slice", self.parsed.location(expr), construct="slice")
        if isinstance(expr, gast.NamedExpr):
            # (n := e) is n = e, then n
            self.assign_to(expr.target, expr.value, out)
            return A.name(expr.target.id)
        if isinstance(expr, gast.JoinedStr):
            return A.load_copy(expr)   # text: never differentiated
        if isinstance(expr, gast.Lambda):
            node = A.load_copy(expr)   # a function value, called at run time
            node.srcad_opaque = True
            return node
        raise UnsupportedSyntaxError(
            f"{type(expr).__name__} expressions are not supported",
            self.parsed.location(expr), construct=type(expr).__name__,
            hint="rewrite the expression with simpler operations")

    def _function_value(self, node):
        """Whether ``node``, an item of ``np.piecewise``'s function list, is
        a function (``True``), a value (``False``) or cannot be told
        (``None``: a local name)."""
        if isinstance(node, gast.Lambda):
            return True
        if isinstance(node, gast.Constant) or (isinstance(node, gast.UnaryOp)
                                               and isinstance(node.operand, gast.Constant)):
            return False
        if self.is_static(node):
            obj = resolve_static(self.parsed, node, self.locals)
            if obj is _MISSING or obj is None:
                return None
            return callable(obj)
        return None

    def _piecewise(self, call, out):
        """``np.piecewise(x, [c0, c1], [f0, f1, f_else])`` as the writes
        NumPy makes: zeros like ``x``, then for each condition in turn
        ``y[c] = f(x[c])`` (or the value given instead of a function),
        written as new arrays (``__srcad_with_item__``) so that each
        function is differentiated on the entries it is given. The
        conditions must be a list display (or one condition), the functions
        a list display of lambdas, functions and numbers; ``None`` for other
        calls (which then have no rule)."""
        if len(call.args) < 3 or any(isinstance(a, gast.Starred) for a in call.args) \
                or any(k.arg is None for k in call.keywords):
            return None
        x, conds, funcs = call.args[:3]
        if not isinstance(funcs, (gast.List, gast.Tuple)):
            return None
        if isinstance(conds, (gast.List, gast.Tuple)):
            conds = list(conds.elts)
        elif isinstance(conds, gast.Compare) or (isinstance(conds, gast.BinOp) and isinstance(
                conds.op, (gast.BitAnd, gast.BitOr))) or (isinstance(conds, gast.UnaryOp)
                                                          and isinstance(conds.op, gast.Invert)):
            conds = [conds]   # one condition, as NumPy reads an array of booleans
        else:
            return None
        kinds = [self._function_value(f) for f in funcs.elts]
        if not conds or None in kinds or len(funcs.elts) not in (len(conds), len(conds) + 1):
            return None
        xa = self.atom(_np_call("asarray", x), out, "x")   # (a number too, as NumPy does)
        ca = [self.atom(c, out, "c") for c in conds]
        extra = [self.atom(a, out) for a in call.args[3:]]
        kws = [gast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in call.keywords]
        if len(funcs.elts) == len(ca) + 1:
            # where no condition holds
            anyc = ca[0]
            for c in ca[1:]:
                anyc = self.atom(_np_call("logical_or", A.clone(anyc), A.clone(c)), out, "c")
            ca.append(self.atom(_np_call("logical_not", A.clone(anyc)), out, "c"))
        y = self.atom(_np_call("zeros_like", A.clone(xa)), out, "y")
        for c, f, is_function in zip(ca, funcs.elts, kinds):
            if is_function:
                part = self.atom(gast.Subscript(value=A.clone(xa), slice=A.clone(c), ctx=gast.Load()), out)
                value = _inlined_lambda(f, [part] + extra, kws) or gast.Call(
                    func=f, args=[part] + [A.clone(a) for a in extra],
                    keywords=[gast.keyword(arg=k.arg, value=A.clone(k.value)) for k in kws])
                A.fill_location(value, call)
            else:
                value = f
            written = gast.Call(func=A.name("__srcad_with_item__"), args=[A.clone(y), A.clone(c), value],
                                keywords=[])
            A.fill_location(written, call)
            y = self.atom(written, out, "y")
        return y

    def _fold_loop(self, call, fn, seq, init, out, collect):
        """``acc = init`` (or the first item), then ``acc = fn(acc, item)``
        for each further item of ``seq``, as a loop emitted into ``out``;
        with ``collect``, every value of ``acc`` also goes into a list.
        Returns the name of ``acc`` (or of the list)."""
        seq_a = self.atom(gast.Call(func=A.name("__srcad_sequence__"), args=[seq], keywords=[]), out, "seq")
        if not isinstance(fn, gast.Lambda) and fn is not None and not self.is_static(fn):
            fn = self.atom(fn, out, "fn")
        acc, item = self.tmp("acc"), self.tmp("item")
        if init is not None:
            first, it = init, A.clone(seq_a)
        else:
            first = gast.Subscript(value=A.clone(seq_a), slice=A.const(0), ctx=gast.Load())
            it = gast.Subscript(value=A.clone(seq_a), slice=gast.Slice(lower=A.const(1), upper=None, step=None),
                                ctx=gast.Load())
        prologue = [A.assign(acc, first)]
        if fn is None:
            step = A.binop(A.name(acc), gast.Add(), A.name(item))
        else:
            step = _inlined_lambda(fn, [A.name(acc), A.name(item)]) or gast.Call(
                func=A.clone(fn), args=[A.name(acc), A.name(item)], keywords=[])
        body = [A.assign(acc, step)]
        if collect:
            kept = self.tmp("acc_list")
            prologue.append(A.assign(kept, gast.List(elts=[A.name(acc)], ctx=gast.Load())))
            body.append(A.expr_stmt(gast.Call(func=A.attr(A.name(kept), "append"), args=[A.name(acc)],
                                              keywords=[])))
        loop = gast.For(target=A.store(item), iter=it, body=body, orelse=[], type_comment=None)
        for st in prologue + [loop]:
            A.fill_location(st, call)
            self.stmt(st, out)
        return A.name(kept if collect else acc)

    def _periodic_interp(self, expr, target, out):
        """``np.interp(x, xp, fp, period=p)`` as NumPy computes it: the points
        taken modulo the period, the samples sorted and extended by one on
        each side, then ``np.interp`` without a period. ``None`` for other
        calls."""
        import numpy
        kws = {k.arg: k.value for k in expr.keywords}
        names = ("x", "xp", "fp", "left", "right", "period")
        if target is not numpy.interp or None in kws or len(expr.args) > len(names) \
                or any(isinstance(a, gast.Starred) for a in expr.args):
            return None
        bound = dict(zip(names, expr.args))
        for k, v in kws.items():
            if k in bound or k not in names:
                return None
            bound[k] = v
        if not all(k in bound for k in ("x", "xp", "fp", "period")) or (
                isinstance(bound["period"], gast.Constant) and bound["period"].value is None):
            return None
        names = {k: self.tmp(k) for k in ("period", "x", "xp", "order", "fp", "ends", "fends", "wrapped")}

        def n(k):
            return A.name(names[k])

        def sub(v, sl):
            return gast.Subscript(value=v, slice=sl, ctx=gast.Load())

        def span(lo, hi):
            return gast.Slice(lower=A.const(lo) if lo is not None else None,
                              upper=A.const(hi) if hi is not None else None, step=None)

        stmts = [
            A.assign(names["period"], gast.Call(func=A.name("abs"), args=[bound["period"]], keywords=[])),
            A.assign(names["x"], A.binop(_np_call("asarray", bound["x"]), gast.Mod(), n("period"))),
            A.assign(names["xp"], A.binop(_np_call("asarray", bound["xp"]), gast.Mod(), n("period"))),
            A.assign(names["order"], _np_call("argsort", n("xp"))),
            A.assign(names["fp"], sub(_np_call("asarray", bound["fp"]), n("order"))),
            A.assign(names["xp"], sub(n("xp"), n("order"))),
            A.assign(names["ends"], _np_call("concatenate", gast.Tuple(elts=[
                A.binop(sub(n("xp"), span(-1, None)), gast.Sub(), n("period")), n("xp"),
                A.binop(sub(n("xp"), span(0, 1)), gast.Add(), n("period"))], ctx=gast.Load()))),
            A.assign(names["fends"], _np_call("concatenate", gast.Tuple(elts=[
                sub(n("fp"), span(-1, None)), n("fp"), sub(n("fp"), span(0, 1))], ctx=gast.Load()))),
            A.assign(names["wrapped"], _np_call("interp", n("x"), n("ends"), n("fends"))),
        ]
        for st in stmts:
            A.fill_location(st, expr)
            self.stmt(st, out)
        return n("wrapped")

    def _reduce(self, call, out):
        """``functools.reduce(f, seq[, init])`` as the loop it runs (see
        :meth:`_fold_loop`), so that ``f`` is differentiated."""
        if call.keywords or len(call.args) not in (2, 3) or any(isinstance(a, gast.Starred) for a in call.args):
            return None
        init = self.atom(call.args[2], out) if len(call.args) == 3 else None
        return self._fold_loop(call, call.args[0], call.args[1], init, out, collect=False)

    def _accumulate(self, call, out):
        """``itertools.accumulate(seq, f, initial=v)`` as the list of the
        running values, made by a loop (see :meth:`_fold_loop`)."""
        kws = {k.arg: k.value for k in call.keywords}
        if not 1 <= len(call.args) <= 2 or set(kws) - {"func", "initial"} or None in kws \
                or any(isinstance(a, gast.Starred) for a in call.args):
            return None
        fn = call.args[1] if len(call.args) == 2 else kws.get("func")
        if isinstance(fn, gast.Constant) and fn.value is None:
            fn = None
        init = kws.get("initial")
        if isinstance(init, gast.Constant) and init.value is None:
            init = None
        if init is not None:
            init = self.atom(init, out)
        return self._fold_loop(call, fn, call.args[0], init, out, collect=True)

    def _index_tuples(self, call, target, out):
        """``itertools.combinations(seq, 2)`` (and ``permutations``,
        ``combinations_with_replacement``, ``product``) over values that
        may carry derivatives, as ``[(seq[i], seq[j]) for i, j in index
        tuples]``: the items are read by index, which differentiates.
        Ranges are left to ``itertools`` (their items are plain ints);
        ``None`` where the tuple width is not a literal."""
        args = list(call.args)
        kws = {k.arg: k.value for k in call.keywords}
        if any(isinstance(a, gast.Starred) for a in args) or None in kws or not args:
            return None
        if all(isinstance(a, gast.Call) and isinstance(a.func, gast.Name) and a.func.id == "range"
               for a in args):
            return None
        kind = _INDEX_TUPLES[target]
        if kind == "product":
            if set(kws) - {"repeat"}:
                return None
            r = kws.get("repeat", A.const(1))
            seqs = args
        else:
            if len(args) + len(kws) != 2 or set(kws) - {"r"}:
                return None
            r = args[1] if len(args) == 2 else kws["r"]
            seqs = args[:1]
        if not (isinstance(r, gast.Constant) and isinstance(r.value, int) and not isinstance(r.value, bool)
                and r.value >= 0):
            return None
        seq_atoms = [self.atom(gast.Call(func=A.name("__srcad_sequence__"), args=[a], keywords=[]), out, "seq")
                     for a in seqs]
        width = len(seq_atoms) * r.value if kind == "product" else r.value
        lengths = gast.List(elts=[gast.Call(func=A.name("len"), args=[A.clone(a)], keywords=[])
                                  for a in seq_atoms], ctx=gast.Load())
        index = gast.Call(func=A.name("__srcad_index_tuples__"), args=[A.const(kind), lengths, A.const(r.value)],
                          keywords=[])
        names = [self.tmp("i") for _ in range(width)]
        elt = gast.Tuple(elts=[gast.Subscript(value=A.clone(seq_atoms[k % len(seq_atoms)]), slice=A.name(n),
                                              ctx=gast.Load()) for k, n in enumerate(names)], ctx=gast.Load())
        target_ = gast.Tuple(elts=[A.store(n) for n in names], ctx=gast.Store())
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(target=target_, iter=index, ifs=[],
                                                                     is_async=0)])
        A.fill_location(comp, call)
        return self.listcomp(comp, out)

    def _where_guarded(self, call, out):
        """``np.where(c, np.sqrt(x), 0.0)`` as ``np.where(c,
        np.sqrt(np.where(c, x, 0.5)), 0.0)``: a branch that is elementwise
        and has a derivative that can be infinite (roots, logarithms,
        quotients, powers) is computed on the entries it gives, a harmless
        0.5 elsewhere, so that the derivative of the entries the other
        branch gives is 0 rather than ``0 * inf``, NaN. The values are the
        same. ``None`` where no branch needs it."""
        cond, *branches = call.args
        singular = [_singular_elementwise(b, self) for b in branches]
        if not any(singular):
            return None
        c = self.atom(cond, out, "c")
        new = []
        for k, b in enumerate(branches):
            if singular[k]:
                def guard(name, k=k):
                    pick = [A.name(name), A.const(0.5)] if k == 0 else [A.const(0.5), A.name(name)]
                    return _np_call("where", A.clone(c), *pick)
                b = _GuardNames(guard, self.locals).visit(A.clone(b))
            new.append(b)
        out_call = _np_call("where", A.clone(c), *new)
        A.fill_location(out_call, call)
        return out_call

    generators = frozenset()   # locals bound once to np.random.default_rng(...)

    def _random_draw(self, call):
        """``rng.normal(mu, sigma, size)`` (and the other draws of
        :data:`_DRAWS`) from a NumPy generator as ``ad.<helper>(rng,
        'normal', mu, sigma, size)``: the same draw, differentiated in its
        parameters as ``mu + sigma * z`` (the reparameterization), ``None``
        where the receiver is not known to be a NumPy generator, the global
        ``np.random`` or ``RandomState``."""
        recv = call.func.value
        if isinstance(recv, gast.Name) and recv.id in self.generators:
            pass
        elif self.is_static(recv):
            obj = resolve_static(self.parsed, recv, self.locals)
            import random
            if not (obj is numpy.random or isinstance(obj, (numpy.random.Generator, numpy.random.RandomState))
                    or obj is random or isinstance(obj, random.Random)):
                return None
        else:
            return None
        method = call.func.attr
        helper, names, defaults = _DRAWS[method]
        if any(isinstance(a, gast.Starred) for a in call.args) or len(call.args) > len(names):
            return None
        bound = dict(zip(names, call.args))
        for k in call.keywords:
            if k.arg not in names or k.arg in bound:
                return None
            bound[k.arg] = k.value
        args = [A.load_copy(recv), A.const(method)]
        if any(n not in bound and n not in defaults for n in names):
            return None
        args += [bound[n] if n in bound else A.const(defaults[n]) for n in names]
        new = gast.Call(func=A.name(f"__srcad_{helper}__"), args=args, keywords=[])
        A.fill_location(new, call)
        return new

    def _zip_checked(self, it, out):
        """``zip(a, b, strict=True)`` as a check that the lengths agree
        (``__srcad_same_lengths__``, which raises as ``zip`` would) and
        ``zip(a, b)``; ``it`` itself for anything else."""
        if not (isinstance(it, gast.Call) and any(k.arg == "strict" for k in it.keywords)
                and len(it.keywords) == 1 and not any(isinstance(a, gast.Starred) for a in it.args)
                and self.is_static(it.func) and self._resolve(it.func) is zip):
            return it
        args = [self.atom(a, out, "seq") for a in it.args]
        strict = self.atom(it.keywords[0].value, out)
        check = gast.Call(func=A.name("__srcad_same_lengths__"), args=[strict] + [A.clone(a) for a in args],
                          keywords=[])
        self.emit(out, A.copy_lineno(A.expr_stmt(check), it) if getattr(it, "lineno", None) else A.expr_stmt(check))
        new = gast.Call(func=A.load_copy(it.func), args=args, keywords=[])
        A.fill_location(new, it)
        return new

    def _vectorized(self, call, target, out):
        """``np.vectorize(f)(a, b)`` (or a function decorated with
        ``@np.vectorize``) as ``f`` applied to each entry of the broadcast
        arguments, in a list the derivative follows, shaped as the
        arguments broadcast: ``np.reshape(np.array([f(u, v) for u, v in
        zip(ravel(a'), ravel(b'))]), shape)``. ``None`` where ``excluded``,
        ``signature`` or keyword arguments are used."""
        if call.keywords or not call.args or any(isinstance(a, gast.Starred) for a in call.args):
            return None
        if isinstance(target, numpy.vectorize):
            if target.excluded or target.signature is not None:
                return None
            fn = gast.Attribute(value=A.load_copy(call.func), attr="pyfunc", ctx=gast.Load())
        else:
            made = call.func
            if len(made.args) != 1 or any(k.arg != "otypes" for k in made.keywords):
                return None
            fn = made.args[0]
        args = [self.atom(a, out) for a in call.args]
        if len(args) == 1:
            arrays = [self.atom(_np_call("asarray", A.clone(args[0])), out)]
        else:
            both = self.atom(_np_call("broadcast_arrays", *[A.clone(a) for a in args]), out)
            arrays = [self.atom(gast.Subscript(value=A.clone(both), slice=A.const(i), ctx=gast.Load()), out)
                      for i in range(len(args))]
        flats = [self.atom(_np_call("ravel", A.clone(a)), out) for a in arrays]
        names = [self.tmp("v") for _ in flats]
        elt = _inlined_lambda(fn, [A.name(n) for n in names]) or gast.Call(
            func=fn, args=[A.name(n) for n in names], keywords=[])
        if len(flats) == 1:
            target_, it = A.store(names[0]), A.clone(flats[0])
        else:
            target_ = gast.Tuple(elts=[A.store(n) for n in names], ctx=gast.Store())
            it = gast.Call(func=A.name("zip"), args=[A.clone(f) for f in flats], keywords=[])
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(target=target_, iter=it, ifs=[],
                                                                     is_async=0)])
        A.fill_location(comp, call)
        values = self.atom(_np_call("array", self.listcomp(comp, out)), out)
        shape = _np_call("shape", A.clone(arrays[0]))
        return _np_call("reshape", A.clone(values), shape)

    def _along_axis(self, call, out):
        """``np.apply_along_axis(f, axis, a)`` as ``f`` applied to the rows
        of ``a`` moved to its last axis, in a list the derivative follows:
        ``np.stack([f(r) for r in rows])`` put back in NumPy's shape (the
        result's own axes where ``axis`` was). ``None`` for calls that
        unpack arguments."""
        if len(call.args) < 3 or any(isinstance(a, gast.Starred) for a in call.args) \
                or any(k.arg is None for k in call.keywords):
            return None
        f, axis, a = call.args[:3]
        axis_a = self.atom(axis, out, "axis")
        moved = self.atom(_np_call("moveaxis", a, A.clone(axis_a), A.const(-1)), out, "moved")
        last = gast.Subscript(value=_np_call("shape", A.clone(moved)), slice=A.const(-1), ctx=gast.Load())
        rows = self.atom(_np_call("reshape", A.clone(moved), A.tuple_([A.const(-1), last])), out, "rows")
        r = self.tmp("row")
        extra = [self.atom(e, out) for e in call.args[3:]]
        kws = [gast.keyword(arg=k.arg, value=self.atom(k.value, out)) for k in call.keywords]
        elt = _inlined_lambda(f, [A.name(r)] + extra, kws) or gast.Call(
            func=f, args=[A.name(r)] + [A.clone(e) for e in extra],
            keywords=[gast.keyword(arg=k.arg, value=A.clone(k.value)) for k in kws])
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(
            target=A.store(r), iter=A.clone(rows), ifs=[], is_async=0)])
        A.fill_location(comp, call)
        each = self.listcomp(comp, out)
        stacked = self.atom(_np_call("stack", each), out, "stacked")
        shape = gast.Call(func=A.name("__srcad_along_axis_shape__"),
                          args=[A.clone(moved), A.clone(stacked)], keywords=[])
        shaped = self.atom(_np_call("reshape", A.clone(stacked), shape), out, "shaped")
        axes = gast.Call(func=A.name("__srcad_along_axis_axes__"),
                         args=[A.clone(moved), A.clone(shaped), A.clone(axis_a)], keywords=[])
        src = self.atom(gast.Subscript(value=axes, slice=A.const(0), ctx=gast.Load()), out, "axes")
        axes = gast.Call(func=A.name("__srcad_along_axis_axes__"),
                         args=[A.clone(moved), A.clone(shaped), A.clone(axis_a)], keywords=[])
        dst = self.atom(gast.Subscript(value=axes, slice=A.const(1), ctx=gast.Load()), out, "axes")
        return _np_call("moveaxis", A.clone(shaped), A.clone(src), A.clone(dst))

    def _sorted_by_position(self, target, expr, out):
        """``sorted(seq, key=k)`` as ``[seq[i] for i in order]`` and
        ``min(seq, key=k)`` as ``seq[order[0]]``, with the order computed on
        the values (it has no derivative): the items then carry theirs."""
        seq = self.atom(gast.Call(func=A.name("__srcad_sequence__"), args=[expr.args[0]], keywords=[]),
                        out, "seq")
        kws = list(expr.keywords)
        if target is max:
            kws.append(gast.keyword(arg="reverse", value=A.const(True)))
        order = gast.Call(func=A.name("__srcad_sort_order__"), args=[A.clone(seq)], keywords=kws)
        if target is not sorted:
            first = self.atom(gast.Subscript(value=order, slice=A.const(0), ctx=gast.Load()), out, "pick")
            return gast.Subscript(value=A.clone(seq), slice=first, ctx=gast.Load())
        i = self.tmp("i")
        comp = gast.ListComp(elt=gast.Subscript(value=A.clone(seq), slice=A.name(i), ctx=gast.Load()),
                             generators=[gast.comprehension(target=A.store(i), iter=order, ifs=[],
                                                            is_async=0)])
        A.fill_location(comp, expr)
        return self.listcomp(comp, out)

    def _columns(self, expr, out):
        """``zip(*rows)`` as ``[[row[j] for row in rows] for j in range(n)]``
        with ``n`` the shortest row's length (columns are lists, not tuples)."""
        rows = self.atom(gast.Call(func=A.name("__srcad_sequence__"), args=[expr.args[0].value],
                                   keywords=[]), out, "rows")
        n = self.atom(gast.Call(func=A.name("__srcad_shortest__"), args=[A.clone(rows)], keywords=[]),
                      out, "n")
        j, row = self.tmp("j"), self.tmp("row")
        inner = gast.ListComp(
            elt=gast.Subscript(value=A.name(row), slice=A.name(j), ctx=gast.Load()),
            generators=[gast.comprehension(target=A.store(row), iter=A.clone(rows), ifs=[], is_async=0)])
        comp = gast.ListComp(elt=inner, generators=[gast.comprehension(
            target=A.store(j), iter=gast.Call(func=A.name("range"), args=[A.clone(n)], keywords=[]),
            ifs=[], is_async=0)])
        A.fill_location(comp, expr)
        return self.listcomp(comp, out)

    def _map_as_listcomp(self, expr):
        """``map(f, a, b)`` as ``[f(u, v) for u, v in zip(a, b)]`` (consumed
        where it is made, as a generator is); ``map(lambda v: body, a)`` as
        ``[body for v in a]``."""
        fn, seqs = expr.args[0], expr.args[1:]
        if isinstance(fn, gast.Lambda) and not fn.args.defaults and not fn.args.kwonlyargs \
                and fn.args.vararg is None and fn.args.kwarg is None and len(fn.args.args) == len(seqs):
            names = [a.id for a in fn.args.args]
            elt = A.clone(fn.body)
        else:
            names = [self.tmp("v") for _ in seqs]
            elt = gast.Call(func=A.clone(fn), args=[A.name(n) for n in names], keywords=[])
        if len(seqs) == 1:
            target, it = A.store(names[0]), seqs[0]
        else:
            target = gast.Tuple(elts=[A.store(n) for n in names], ctx=gast.Store())
            it = gast.Call(func=A.name("zip"), args=list(seqs), keywords=[])
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(
            target=target, iter=it, ifs=[], is_async=0)])
        A.fill_location(comp, expr)
        return comp

    def listcomp(self, expr, out):
        """``[e for x in xs if c]`` -> a loop appending to a fresh list;
        ``{k: v for ...}`` -> a loop filling a fresh dict."""
        is_dict = isinstance(expr, gast.DictComp)
        result = self.tmp("entries" if is_dict else "items")
        empty = gast.Dict(keys=[], values=[]) if is_dict else gast.List(elts=[], ctx=gast.Load())
        self.emit(out, A.assign(result, empty))
        # Comprehension variables live in their own scope: rename them.
        renames = {}
        for gen in expr.generators:
            for n in A.walk(gen.target):
                if isinstance(n, gast.Name):
                    renames[n.id] = self.tmp(n.id)
        expr = A.clone(expr)
        # (the first iterable is evaluated in the enclosing scope: [x for x in x])
        outer = {id(n) for n in A.walk(expr.generators[0].iter)}
        for n in A.walk(expr):
            if isinstance(n, gast.Name) and n.id in renames and id(n) not in outer:
                n.id = renames[n.id]
        if is_dict:
            append = A.assign(gast.Subscript(value=A.name(result), slice=expr.key, ctx=gast.Store()),
                              expr.value)
        else:
            append = A.expr_stmt(A.call(A.attr(A.name(result), "append"), [expr.elt]))
        inner = [append]
        for gen in reversed(expr.generators):
            for cond in reversed(gen.ifs):
                inner = [A.if_(cond, inner)]
            loop = gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[], type_comment=None)
            loop.stop_flags = []
            loop.break_flag = None
            inner = [loop]
        for s in inner:
            A.set_lineno(s, self.lineno)
        out.extend(self.stmts(inner))
        return A.name(result)

    # -- statements --------------------------------------------------------------
    def stmts(self, stmts):
        out = []
        for s in stmts:
            saved = self.lineno
            self.lineno = getattr(s, "lineno", None) or self.lineno
            self.stmt(s, out)
            self.lineno = saved
        return out

    def check_unpack_count(self, target, value_expr):
        """Refuse `a, b = x, y, z`: Python raises ValueError there, and indexing
        the values one by one would silently drop or invent one."""
        if not isinstance(value_expr, (gast.Tuple, gast.List)) or any(
                isinstance(v, gast.Starred) for v in value_expr.elts):
            return
        starred = any(isinstance(t, gast.Starred) for t in target.elts)
        needed, given = len(target.elts) - starred, len(value_expr.elts)
        if given == needed or (starred and given > needed):
            return
        raise UnsupportedSyntaxError(
            f"cannot unpack {given} values into {needed}{' or more' if starred else ''} targets",
            self.parsed.location(target), construct="unpacking",
            hint="Python raises ValueError here: give as many targets as values")

    def assign_to(self, target, value_expr, out):
        """Assign an arbitrary expression to an arbitrary target."""
        if isinstance(target, gast.Name):
            simple = self.simple(value_expr, out)
            self.emit(out, A.assign(target.id, simple))
            return
        if isinstance(target, (gast.Tuple, gast.List)):
            self.check_unpack_count(target, value_expr)
            if _parallel_assignment(target, value_expr):
                # `mean, m2 = 0.0, 0.0` as two assignments: no tuple whose
                # items the alias analyses would take for one another
                for elt, v in zip(target.elts, value_expr.elts):
                    self.assign_to(elt, v, out)
                return
            src = self.atom(value_expr, out)
            if isinstance(src, gast.Name) and any(
                    isinstance(n, gast.Name) and n.id == src.id for n in A.walk(target)):
                tmp = self.tmp("t")
                self.emit(out, A.assign(tmp, src))
                src = A.name(tmp)
            starred = [i for i, elt in enumerate(target.elts) if isinstance(elt, gast.Starred)]
            if not starred:
                for i, elt in enumerate(target.elts):
                    item = gast.Subscript(value=src, slice=A.const(i), ctx=gast.Load())
                    self.assign_to(elt, item, out)
                return
            # `a, *rest, z = seq` is `a = seq[0]; rest = list(seq[1:-1]); z = seq[-1]`
            k, n = starred[0], len(target.elts)
            after = n - k - 1
            for i, elt in enumerate(target.elts):
                if i == k:
                    part = gast.Subscript(value=A.clone(src), ctx=gast.Load(), slice=gast.Slice(
                        lower=A.const(k) if k else None, upper=A.const(-after) if after else None,
                        step=None))
                    item = gast.Call(func=A.name("list"), args=[part], keywords=[])
                    self.assign_to(elt.value, item, out)
                    continue
                index = A.const(i) if i < k else A.const(i - n)
                self.assign_to(elt, gast.Subscript(value=A.clone(src), slice=index, ctx=gast.Load()), out)
            return
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Subscript):
            # a[i][j] = v: a[i] = a[i] with v at j (a row of an array, or an
            # inner list), so that no alias of a[i] is written through
            inner = target.value
            idx = self.atom(_index_expr(target.slice), out)
            row = gast.Subscript(value=A.clone(inner.value), slice=A.clone(inner.slice), ctx=gast.Load())
            value = gast.Call(func=A.name("__srcad_with_item__"), args=[row, idx, value_expr],
                              keywords=[])
            A.copy_lineno(value, target)
            self.assign_to(gast.Subscript(value=inner.value, slice=inner.slice, ctx=gast.Store()),
                           value, out)
            # (an inner list or array put back into a list changes the
            # object other names may hold: the alias checks look for them)
            out[-1].srcad_nested_store = True
            return
        if isinstance(target, gast.Subscript):
            base = self.atom(target.value, out)
            idx = self.index(target.slice, out)
            value = self.atom(value_expr, out)
            self.emit(out, A.assign(gast.Subscript(value=base, slice=idx, ctx=gast.Store()), value))
            return
        raise UnsupportedSyntaxError(
            f"cannot assign to {type(target).__name__}", self.parsed.location(target),
            construct="assignment target")

    def stmt(self, s, out):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and self._list_edit(s.value, out, s.targets[0]):
            return
        if isinstance(s, gast.Assign):
            if len(s.targets) == 1:
                self.assign_to(s.targets[0], s.value, out)
            else:
                value = self.atom(s.value, out)
                for t in s.targets:
                    self.assign_to(t, value, out)
        elif isinstance(s, gast.AnnAssign):
            if s.value is not None:
                self.assign_to(s.target, s.value, out)
        elif isinstance(s, gast.AugAssign):
            target = s.target
            if isinstance(target, gast.Name):
                value = gast.BinOp(left=A.name(target.id), op=s.op, right=s.value)
                start = len(out)
                self.assign_to(target, value, out)
                # x += v rebinds x here; NumPy would write into x's memory
                for st in out[start:]:
                    if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) \
                            and st.targets[0].id == target.id:
                        st.srcad_inplace = True
            elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Subscript):
                # a[i][j] += v is a[i][j] = a[i][j] + v (see assign_to)
                current = gast.Subscript(value=A.load_copy(target.value), slice=A.load_copy(target.slice),
                                         ctx=gast.Load())
                self.assign_to(target, gast.BinOp(left=current, op=s.op, right=s.value), out)
            elif isinstance(target, gast.Subscript):
                base = self.atom(target.value, out)
                idx = self.index(target.slice, out)
                old = self.tmp("t")
                self.emit(out, A.assign(old, gast.Subscript(value=base, slice=A.clone(idx), ctx=gast.Load())))
                rhs = self.atom(s.value, out)
                new = self.tmp("t")
                self.emit(out, A.assign(new, gast.BinOp(left=A.name(old), op=s.op, right=rhs)))
                self.emit(out, A.assign(gast.Subscript(value=base, slice=idx, ctx=gast.Store()), A.name(new)))
            else:
                raise UnsupportedSyntaxError(
                    "augmented assignment to this target is not supported",
                    self.parsed.location(target), construct="augmented assignment")
        elif isinstance(s, gast.Expr):
            if isinstance(s.value, gast.Constant):
                return   # docstring or bare constant
            write = self._inplace_call_as_write(s.value)
            if write is not None:
                self.assign_to(*write, out)
                return
            if self._list_edit(s.value, out) or self._item_list_edit(s.value, out) \
                    or self._list_reorder(s.value, out):
                return
            value = self.simple(s.value, out)
            if (isinstance(value, gast.Call) and getattr(value, "is_method", False)
                    and value.func.attr == "pop"):
                # the popped value is kept: undoing the pop needs it
                self.emit(out, A.assign(self.tmp("popped"), value))
            elif isinstance(value, gast.Call):
                self.emit(out, A.expr_stmt(value))
        elif isinstance(s, gast.If):
            test = self.atom(s.test, out, "c")
            node = A.if_(test, self.stmts(s.body), self.stmts(s.orelse))
            self.emit(out, node)
        elif isinstance(s, gast.For):
            self.for_(s, out)
        elif isinstance(s, gast.While):
            self.while_(s, out)
        elif isinstance(s, gast.Return):
            value = self.atom(s.value, out, "result") if s.value is not None else A.const(None)
            self.emit(out, gast.Return(value=value))
        elif isinstance(s, gast.Pass):
            return
        elif isinstance(s, gast.Delete):
            # ``del x`` only unbinds; ``del c[i]`` takes an item out of a list or dict
            for t in s.targets:
                if isinstance(t, gast.Subscript):
                    base = self.atom(t.value, out)
                    idx = self.atom(_index_expr(t.slice), out)
                    self._rebind_edited(base, "__srcad_deleted__", [idx], out, s)
            return
        elif isinstance(s, (gast.Raise, gast.Assert)):
            self.emit(out, s)
        elif isinstance(s, gast.FunctionDef) and getattr(s, "srcad_opaque", False):
            self.emit(out, s)
        else:
            raise UnsupportedSyntaxError(
                f"{type(s).__name__} statements are not supported",
                self.parsed.location(s), construct=type(s).__name__)

    def _record_call(self, call, target):
        """``P(a, b=v)`` for a namedtuple or dataclass type ``P``, as
        ``__srcad_record__(P, a, v)`` (fields in order, literal defaults
        filled in), whose rule differentiates each field; ``None`` for other
        calls or where a default is not a literal."""
        from .runtime import record_fields
        if target is _MISSING or not isinstance(target, type) or call.keywords is None:
            return None
        names = record_fields(target)
        if names is None or any(isinstance(a, gast.Starred) for a in call.args) \
                or any(k.arg is None for k in call.keywords) or len(call.args) > len(names):
            return None
        given = dict(zip(names, call.args))
        for k in call.keywords:
            if k.arg not in names or k.arg in given:
                return None
            given[k.arg] = k.value
        defaults = getattr(target, "_field_defaults", None)
        if defaults is None:
            fields = target.__dataclass_fields__
            import dataclasses
            defaults = {n: fields[n].default for n in names
                        if fields[n].default is not dataclasses.MISSING}
        values = []
        for n in names:
            if n in given:
                values.append(given[n])
            elif n in defaults and (defaults[n] is None or isinstance(defaults[n], (bool, int, float, str))):
                values.append(A.const(defaults[n]))
            else:
                return None
        out = gast.Call(func=A.name("__srcad_record__"), args=[call.func] + values, keywords=[])
        A.copy_lineno(out, call)
        return out

    def _masked_reduction(self, call, target):
        """``np.sum(x, where=m)`` as ``np.sum(np.where(m, x, 0))`` and
        ``np.mean(x, where=m)`` as that sum over ``np.sum(m * ones_like(x))``
        (axis and keepdims kept): functions with rules. ``None`` for other
        calls."""
        import numpy
        names = {numpy.sum: 0.0, numpy.nansum: 0.0, numpy.mean: None}
        if target is _MISSING or not any(target is f for f in names) or len(call.args) != 1:
            return None
        kws = {k.arg: k.value for k in call.keywords}
        if "where" not in kws or not set(kws) <= {"where", "axis", "keepdims"} \
                or not isinstance(call.func, gast.Attribute):
            return None
        module = call.func.value

        def np_call(name, args, keywords=()):
            return gast.Call(func=gast.Attribute(value=A.clone(module), attr=name, ctx=gast.Load()),
                             args=args, keywords=list(keywords))

        rest = [gast.keyword(arg=k, value=A.clone(v)) for k, v in kws.items() if k != "where"]
        x, mask = call.args[0], kws["where"]
        kept = np_call("where", [A.clone(mask), A.clone(x), A.const(0.0)])
        total = np_call("sum", [kept], rest)
        if target is numpy.mean:
            ones = np_call("ones_like", [A.clone(x)])
            count = np_call("sum", [gast.BinOp(left=A.clone(mask), op=gast.Mult(), right=ones)],
                            [gast.keyword(arg=k.arg, value=A.clone(k.value)) for k in rest])
            total = gast.BinOp(left=total, op=gast.Div(), right=count)
        A.copy_lineno(total, call)
        return total

    def _einsum_sublists(self, call, target):
        """``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` (sublist form) as
        ``np.einsum("AB,BC->AC", a, b)``, the form the rule reads. The call
        is in sublist form when a list or tuple display follows an operand;
        sublists held in variables are spelled when the call runs. ``None``
        for other calls."""
        if target is _MISSING or getattr(target, "__name__", None) != "einsum" \
                or not _from_array_library(target):
            return None
        args = call.args
        if len(args) < 2 or any(isinstance(a, gast.Starred) for a in args) or (
                isinstance(args[0], gast.Constant) and isinstance(args[0].value, str)):
            return None
        if not any(isinstance(a, (gast.List, gast.Tuple)) for a in args[1::2]):
            return None
        operands, sublists = args[0::2], args[1::2]
        output = None
        if len(args) % 2:
            operands, output = operands[:-1], operands[-1]

        def literal(e):
            if not isinstance(e, (gast.List, gast.Tuple)):
                return _MISSING
            labels = []
            for x in e.elts:
                if not (isinstance(x, gast.Constant) and (x.value is Ellipsis or (
                        isinstance(x.value, int) and not isinstance(x.value, bool)))):
                    return _MISSING
                labels.append(x.value)
            return labels

        from .runtime import einsum_subscripts
        spelled = [literal(e) for e in sublists + ([output] if output is not None else [])]
        if all(s is not _MISSING for s in spelled):
            try:
                subscripts = A.const(einsum_subscripts(*spelled[:len(sublists)], output=(
                    spelled[-1] if output is not None else None)))
            except ValueError as e:
                raise UnsupportedSyntaxError(str(e), self.parsed.location(call),
                                             construct="einsum") from None
        else:
            kws = [] if output is None else [gast.keyword(arg="output", value=A.clone(output))]
            subscripts = gast.Call(func=A.name("__srcad_einsum_subscripts__"),
                                   args=[A.clone(s) for s in sublists], keywords=kws)
        new = gast.Call(func=A.clone(call.func), args=[subscripts] + [A.clone(a) for a in operands],
                        keywords=[A.clone(k) for k in call.keywords])
        A.copy_lineno(new, call)
        return new

    def _ufunc_method_as_function(self, call, target):
        """``np.add.reduce(x, axis)`` as ``np.sum(x, axis=axis)`` (and
        ``add.accumulate`` as ``cumsum``, ``multiply`` as ``prod`` and
        ``cumprod``, ``maximum``/``minimum.reduce`` as ``max``/``min``,
        ``maximum``/``minimum.accumulate`` as a running extremum,
        ``logaddexp``/``logaddexp2.accumulate`` as a running log-sum-exp): functions
        with rules. The ufunc must be an attribute of a module (``np.add``);
        ``None`` for other calls."""
        import numpy
        owner = getattr(target, "__self__", None)
        method = getattr(target, "__name__", None)
        if not isinstance(owner, numpy.ufunc) or method not in ("reduce", "accumulate", "reduceat"):
            return None
        func = call.func
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Attribute)):
            return None
        module = func.value.value
        if method == "reduceat":
            if owner is not numpy.add or not 2 <= len(call.args) <= 3 \
                    or any(k.arg != "axis" for k in call.keywords):
                return None
            new = gast.Call(func=A.name("__srcad_add_reduceat__"), args=list(call.args),
                            keywords=list(call.keywords))
            A.copy_lineno(new, call)
            return new
        names = {("add", "reduce"): "sum", ("multiply", "reduce"): "prod",
                 ("maximum", "reduce"): "max", ("minimum", "reduce"): "min",
                 ("add", "accumulate"): "cumsum", ("multiply", "accumulate"): "cumprod",
                 ("fmax", "reduce"): "nanmax", ("fmin", "reduce"): "nanmin"}
        kws = [k for k in call.keywords]
        if len(call.args) > 2 or any(k.arg not in ("axis", "keepdims") for k in kws) \
                or (method == "accumulate" and any(k.arg == "keepdims" for k in kws)):
            return None
        args = list(call.args)
        if len(args) == 2:
            kws = kws + [gast.keyword(arg="axis", value=args.pop())]
        if not any(k.arg == "axis" for k in kws):
            kws = kws + [gast.keyword(arg="axis", value=A.const(0))]   # the ufunc methods' default
        key = (owner.__name__, method)
        if key in names:
            new = gast.Call(func=gast.Attribute(value=A.clone(module), attr=names[key], ctx=gast.Load()),
                            args=args, keywords=kws)
        elif key in (("maximum", "accumulate"), ("minimum", "accumulate")):
            new = gast.Call(func=A.name("__srcad_running_extremum__"),
                            args=args + [A.const(owner.__name__ == "maximum")], keywords=kws)
        elif key in (("logaddexp", "accumulate"), ("logaddexp2", "accumulate")):
            new = gast.Call(func=A.name("__srcad_logaddexp_accumulate__"),
                            args=args + [A.const(owner.__name__ == "logaddexp2")], keywords=kws)
        elif key == ("logaddexp", "reduce") and len(args) == 1:
            # log(sum(exp(x - m))) + m with m the max along the axis: stable
            def np_call(name, a, extra=()):
                return gast.Call(func=gast.Attribute(value=A.clone(module), attr=name, ctx=gast.Load()),
                                 args=a, keywords=[A.clone(k) for k in kws] + list(extra))
            keep = [gast.keyword(arg="keepdims", value=A.const(True))]
            shift = np_call("max", [A.clone(args[0])], keep) if not any(k.arg == "keepdims" for k in kws) \
                else gast.Call(func=gast.Attribute(value=A.clone(module), attr="max", ctx=gast.Load()),
                               args=[A.clone(args[0])],
                               keywords=[A.clone(k) for k in kws if k.arg != "keepdims"] + keep)
            exp = gast.Call(func=gast.Attribute(value=A.clone(module), attr="exp", ctx=gast.Load()),
                            args=[A.binop(A.clone(args[0]), gast.Sub(), shift)], keywords=[])
            total = np_call("sum", [exp])
            log = gast.Call(func=gast.Attribute(value=A.clone(module), attr="log", ctx=gast.Load()),
                            args=[total], keywords=[])
            new = A.binop(log, gast.Add(), np_call("max", [A.clone(args[0])]))
        else:
            return None
        A.copy_lineno(new, call)
        return new

    def _ufunc_outer(self, call, target, out):
        """``np.multiply.outer(a, b)`` (any binary ufunc of a module) as
        ``np.multiply(np.reshape(a, np.shape(a) + (1,) * np.ndim(b)), b)``:
        the ufunc itself, which has a rule, on ``a`` with an axis of length
        one for each of ``b``'s. ``None`` for other calls."""
        import numpy
        owner = getattr(target, "__self__", None)
        if not (isinstance(owner, numpy.ufunc) and getattr(target, "__name__", None) == "outer"
                and owner.nin == 2 and len(call.args) == 2 and not call.keywords
                and not any(isinstance(a, gast.Starred) for a in call.args)):
            return None
        func = call.func
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Attribute)):
            return None
        module = func.value.value

        def np_call(name, args):
            return gast.Call(func=gast.Attribute(value=A.clone(module), attr=name, ctx=gast.Load()),
                             args=args, keywords=[])

        a = self.atom(call.args[0], out)
        b = self.atom(call.args[1], out)
        ones = gast.BinOp(left=gast.Tuple(elts=[A.const(1)], ctx=gast.Load()), op=gast.Mult(),
                          right=np_call("ndim", [A.clone(b)]))
        shape = gast.BinOp(left=np_call("shape", [A.clone(a)]), op=gast.Add(), right=ones)
        widened = np_call("reshape", [A.clone(a), shape])
        new = np_call(owner.__name__, [widened, A.clone(b)])
        A.copy_lineno(new, call)
        return new

    def _refuse_growing_iteration(self, s):
        """A loop over a list its body changes (``for y in ys: ...
        ys.append(v)``) visits the items appended as it goes; the loop srcad
        makes runs over the items there were: refused."""
        it = s.iter
        if isinstance(it, gast.Call) and it.args and isinstance(it.func, gast.Name) \
                and it.func.id in ("enumerate", "reversed"):
            it = it.args[0]
        if not isinstance(it, gast.Name) or it.id not in self.locals:
            return
        for n in A.nodes(gast.Module(body=s.body, type_ignores=[])):
            grows = (isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                     and isinstance(n.func.value, gast.Name) and n.func.value.id == it.id
                     and n.func.attr in ("append", "extend", "insert", "pop", "remove", "clear"))
            deletes = (isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Del)
                       and isinstance(n.value, gast.Name) and n.value.id == it.id)
            if grows or deletes:
                raise UnsupportedSyntaxError(
                    f"the loop runs over {it.id!r}, which its body changes in length; Python would "
                    "visit the items as they change, srcad only those there were",
                    self.parsed.location(n), construct="loop over a list it changes",
                    hint=f"loop over a copy (for v in list({it.id}):) or use a while loop with an index")

    def _dict_get(self, call):
        """``d.get(k, v)`` on a local as ``d[k] if k in d else v`` (``None``
        without ``v``), which indexing differentiates; ``None`` for other
        calls."""
        f = call.func
        if not (isinstance(f, gast.Attribute) and f.attr == "get" and isinstance(f.value, gast.Name)
                and f.value.id in self.locals and 1 <= len(call.args) <= 2 and not call.keywords
                and not any(isinstance(a, gast.Starred) for a in call.args)):
            return None
        key = call.args[0]
        default = call.args[1] if len(call.args) == 2 else A.const(None)
        test = gast.Compare(left=A.clone(key), ops=[gast.In()], comparators=[A.load_copy(f.value)])
        item = gast.Subscript(value=A.load_copy(f.value), slice=A.clone(key), ctx=gast.Load())
        return gast.IfExp(test=test, body=item, orelse=default)

    def _dict_view(self, call):
        """``d.values()`` and ``d.items()`` on a local, used as values
        (``sum(d.values())``, ``list(d.items())``), as the lists
        ``[d[k] for k in keys(d)]`` and ``[(k, d[k]) for k in keys(d)]``,
        which indexing differentiates; ``None`` for other calls. (A loop
        over them is rewritten by :meth:`_dict_view_loop`.)"""
        f = call.func
        if not (isinstance(f, gast.Attribute) and f.attr in ("values", "items")
                and isinstance(f.value, gast.Name) and f.value.id in self.locals
                and not call.args and not call.keywords):
            return None
        key = self.tmp("key")
        item = gast.Subscript(value=A.load_copy(f.value), slice=A.name(key), ctx=gast.Load())
        elt = item if f.attr == "values" else gast.Tuple(elts=[A.name(key), item], ctx=gast.Load())
        keys = gast.Call(func=A.name("__srcad_keys__"), args=[A.load_copy(f.value)], keywords=[])
        comp = gast.ListComp(elt=elt, generators=[gast.comprehension(
            target=A.store(key), iter=keys, ifs=[], is_async=0)])
        A.fill_location(comp, call)
        return comp

    def _math_as_numpy(self, call, target):
        """``math.prod(xs, start=s)`` as ``s * np.prod(xs)`` and
        ``math.dist(p, q)`` as ``np.linalg.norm(np.subtract(p, q))``, whose
        rules take the sequences as arrays; ``None`` for other calls."""
        import math
        if any(isinstance(a, gast.Starred) for a in call.args):
            return None
        kws = {k.arg: k.value for k in call.keywords}
        if target is getattr(math, "prod", None) and len(call.args) == 1 and set(kws) <= {"start"}:
            prod = gast.Call(func=A.name("__srcad_np_prod__"), args=list(call.args), keywords=[])
            return A.binop(kws["start"], gast.Mult(), prod) if "start" in kws else prod
        import numpy
        if (target is divmod or target is numpy.divmod) and len(call.args) == 2 and not kws:
            # the quotient carries no derivative, the remainder a - q * b
            a, b = call.args
            return gast.Tuple(elts=[A.binop(A.clone(a), gast.FloorDiv(), A.clone(b)),
                                    A.binop(A.clone(a), gast.Mod(), A.clone(b))], ctx=gast.Load())
        spelled = _stdlib_as_numpy(call, target, kws)
        if spelled is not None:
            return spelled
        if target is getattr(math, "dist", None) and len(call.args) == 2 and not kws:
            diff = gast.Call(func=A.name("__srcad_np_subtract__"), args=list(call.args), keywords=[])
            return gast.Call(func=A.name("__srcad_np_norm__"), args=[diff], keywords=[])
        return _scipy_linalg_as_numpy(call, target)

    def _list_edit(self, call, out, target=None):
        """``lst.pop(i)``, ``d.pop(k)``, ``lst.insert(i, v)`` and
        ``lst.extend(xs)`` on a local, as the new list or dict they leave
        bound to the same name (``lst = __srcad_deleted__(lst, i)``), the
        popped item read first. Returns whether ``call`` was one (``target``:
        where a popped item goes)."""
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and isinstance(call.func.value, gast.Name) and not call.keywords
                and not any(isinstance(a, gast.Starred) for a in call.args)
                and call.func.value.id in self.locals):
            return False
        method, n = call.func.attr, len(call.args)
        if not ((method == "pop" and n == 1) or (target is None and (
                (method == "insert" and n == 2) or (method == "extend" and n == 1)))):
            return False
        base = call.func.value
        args = [self.atom(a, out) for a in call.args]
        if method == "pop":
            if target is not None:
                item = gast.Subscript(value=A.clone(base), slice=A.clone(args[0]), ctx=gast.Load())
                self.assign_to(target, item, out)
            self._rebind_edited(base, "__srcad_deleted__", args, out, call)
        elif method == "insert":
            self._rebind_edited(base, "__srcad_inserted__", args, out, call)
        else:
            items = self.atom(gast.Call(func=A.name("list"), args=args, keywords=[]), out)
            self._rebind_edited(base, "__srcad_concat__", [items], out, call)
        return True

    def _list_reorder(self, call, out):
        """``lst.sort(key=k, reverse=r)`` and ``lst.reverse()`` on a name
        bound to lists only, as ``lst = sorted(lst, key=k, reverse=r)`` and
        ``lst = lst[::-1]`` (marked as a change of the list itself, for the
        alias checks). Returns whether ``call`` was one."""
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and isinstance(call.func.value, gast.Name) and call.func.value.id in self.lists
                and not call.args and call.func.attr in ("sort", "reverse")):
            return False
        base = call.func.value
        if call.func.attr == "sort":
            if any(k.arg not in ("key", "reverse") for k in call.keywords) \
                    or self._resolve(A.name("sorted")) is not sorted:
                return False
            value = gast.Call(func=A.name("sorted"), args=[A.clone(base)], keywords=list(call.keywords))
        else:
            if call.keywords:
                return False
            value = gast.Subscript(value=A.clone(base), slice=gast.Slice(
                lower=None, upper=None, step=A.const(-1)), ctx=gast.Load())
        A.fill_location(value, call)
        new = self.atom(value, out, "reordered")
        stmt = A.copy_lineno(A.assign(base.id, new), call)
        stmt.srcad_list_rebind = True
        self.emit(out, stmt)
        return True

    def _item_list_edit(self, call, out):
        """``d["E"].append(v)`` (and ``extend``, ``insert``, ``pop(i)``) on a
        list held in a list or dict, as ``d["E"] = <the list with v
        appended>``, as ``a[i][j] = v`` is lowered: returns whether ``call``
        was one. On an attribute (``r.a.append(v)``) it is refused."""
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr in ("append", "extend", "insert", "pop") and not call.keywords
                and isinstance(call.func.value, (gast.Subscript, gast.Attribute))
                and not self.is_static(call.func)):
            return False
        recv, method, n = call.func.value, call.func.attr, len(call.args)
        if not {"append": n == 1, "extend": n == 1, "insert": n == 2, "pop": n == 1}[method] \
                or any(isinstance(a, gast.Starred) for a in call.args):
            return False
        if isinstance(recv, gast.Attribute):
            raise UnsupportedSyntaxError(
                f"{method} on a list held in an attribute changes it in place, which srcad "
                "cannot follow", self.parsed.location(call), construct=f"{method} on an attribute",
                hint="keep the list in a local variable or a dict while it grows")
        current = gast.Subscript(value=A.clone(recv.value), slice=A.clone(recv.slice), ctx=gast.Load())
        args = list(call.args)
        if method == "append":
            value = gast.Call(func=A.name("__srcad_concat__"),
                              args=[current, gast.List(elts=args, ctx=gast.Load())], keywords=[])
        elif method == "extend":
            value = gast.Call(func=A.name("__srcad_concat__"), args=[
                current, gast.Call(func=A.name("list"), args=args, keywords=[])], keywords=[])
        elif method == "insert":
            value = gast.Call(func=A.name("__srcad_inserted__"), args=[current] + args, keywords=[])
        else:
            value = gast.Call(func=A.name("__srcad_deleted__"), args=[current] + args, keywords=[])
        A.copy_lineno(value, call)
        self.assign_to(gast.Subscript(value=recv.value, slice=recv.slice, ctx=gast.Store()), value, out)
        # (the list is put back as a new one: the alias checks look for
        # other names holding the old one)
        out[-1].srcad_nested_store = True
        return True

    def _rebind_edited(self, base, helper, args, out, where):
        """``base = helper(base, *args)``, marked as a change of the list or
        dict itself (the alias checks look for other names holding it)."""
        value = gast.Call(func=A.name(helper), args=[A.clone(base)] + list(args), keywords=[])
        stmt = A.assign(base.id, value)
        A.copy_lineno(stmt, where)
        stmt.srcad_list_rebind = True
        self.emit(out, stmt)

    def _inplace_call_as_write(self, call):
        """NumPy functions that write into their first argument, as the
        subscript assignment they amount to (``(target, value)``), so that
        the write is differentiated like any other; ``None`` for other calls.

        ``np.copyto(y, x)`` is ``y[...] = x``; ``np.fill_diagonal(a, v)`` is
        ``a[diagonal] = v``; ``np.add.at(a, i, v)`` is ``a[...] = a`` with
        ``v`` added at ``i`` (repeated indices adding up); ``np.put_along_axis``,
        ``np.putmask``, ``np.place`` and ``np.put`` write their values where they
        say; ``y.fill(v)`` is ``y[...] = v``."""
        if not isinstance(call, gast.Call) or any(isinstance(a, gast.Starred) for a in call.args):
            return None
        f = call.func
        if isinstance(f, gast.Attribute) and f.attr == "fill" and isinstance(f.value, gast.Name) \
                and f.value.id in self.locals and len(call.args) == 1 and not call.keywords:
            # a.fill(v) is a[...] = v (lists have no fill: an array)
            return _whole(A.name(f.value.id)), call.args[0]
        target = self._resolve(call.func)
        if target is _MISSING:
            return None
        import numpy
        args = list(call.args)
        kws = {k.arg: k.value for k in call.keywords}
        where = self.parsed.location(call)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, numpy.ufunc) and getattr(target, "__name__", "") == "at":
            if owner not in (numpy.add, numpy.subtract) or len(args) != 3 or kws:
                raise UnsupportedSyntaxError(
                    f"np.{owner.__name__}.at writes into its first argument in place, which srcad "
                    "differentiates only for np.add.at and np.subtract.at", where,
                    construct=f"{owner.__name__}.at",
                    hint="write the update as an assignment (a = ...) instead")
            a, index, v = args
            if owner is numpy.subtract:
                v = gast.UnaryOp(op=gast.USub(), operand=v)
            value = gast.Call(func=A.name("__srcad_scatter_add__"), args=[A.clone(a), index, v],
                              keywords=[])
            return _whole(a), value
        if target is numpy.copyto and len(args) == 2 and set(kws) <= {"casting"}:
            return _whole(args[0]), args[1]
        if target is numpy.copyto and len(args) == 2 and set(kws) <= {"casting", "where"} and "where" in kws:
            # the entries where the mask holds take the new values
            value = gast.Call(func=A.name("__srcad_np_where__"),
                              args=[kws["where"], args[1], A.clone(args[0])], keywords=[])
            return _whole(args[0]), value
        if target is numpy.put_along_axis and len(args) + len(kws) == 4 \
                and set(kws) <= {"indices", "values", "axis"}:
            names = ("indices", "values", "axis")
            rest = args[1:] + [kws[n] for n in names[len(args) - 1:]]
            value = gast.Call(func=A.name("__srcad_put_along_axis__"),
                              args=[A.clone(args[0])] + rest, keywords=[])
            return _whole(args[0]), value
        if target is numpy.putmask and len(args) == 3 and not kws:
            # the values repeat over the flat positions: np.resize lays them out
            shape = gast.Call(func=A.name("__srcad_np_shape__"), args=[A.clone(args[0])], keywords=[])
            laid = gast.Call(func=A.name("__srcad_np_resize__"), args=[args[2], shape], keywords=[])
            value = gast.Call(func=A.name("__srcad_np_where__"),
                              args=[args[1], laid, A.clone(args[0])], keywords=[])
            return _whole(args[0]), value
        if target is numpy.place and len(args) == 3 and not kws:
            # (an int: CuPy counts into a 0-d array, which np.resize refuses)
            count = gast.Call(func=A.name("int"), args=[gast.Call(
                func=A.name("__srcad_np_count_nonzero__"), args=[A.clone(args[1])], keywords=[])],
                keywords=[])
            value = gast.Call(func=A.name("__srcad_np_resize__"), args=[args[2], count], keywords=[])
            return gast.Subscript(value=args[0], slice=args[1], ctx=gast.Store()), value
        if target is numpy.put and len(args) == 3 and (not kws or (
                set(kws) == {"mode"} and isinstance(kws["mode"], gast.Constant)
                and kws["mode"].value == "raise")):
            # flat positions, the values repeating over them as np.put repeats them
            a, ind, v = args
            shape = gast.Call(func=A.name("__srcad_np_shape__"), args=[A.clone(a)], keywords=[])
            index = gast.Call(func=A.name("__srcad_np_unravel_index__"), args=[ind, shape], keywords=[])
            laid = gast.Call(func=A.name("__srcad_np_resize__"), args=[v, gast.Call(
                func=A.name("__srcad_np_shape__"), args=[A.clone(ind)], keywords=[])], keywords=[])
            return gast.Subscript(value=a, slice=index, ctx=gast.Store()), laid
        if target is numpy.fill_diagonal and len(args) == 2 and not kws:
            index = gast.Call(func=A.name("__srcad_diagonal_index__"), args=[A.clone(args[0])],
                              keywords=[])
            return gast.Subscript(value=args[0], slice=index, ctx=gast.Store()), args[1]
        return None

    def _resolve(self, func):
        if self.is_static(func):
            return resolve_static(self.parsed, func, self.locals)
        return _MISSING

    def _array_entries_loop(self, s, out):
        """``for idx, v in np.ndenumerate(a)`` as ``for idx in np.ndindex(a.shape)``
        reading ``v = a[idx]``, and ``for v in a.flat`` as ``for v in
        a.ravel()``: the entries carry their derivatives. Returns the loop
        rewritten, or ``s`` itself."""
        import numpy
        it = s.iter

        def raveled(e):
            if isinstance(e, gast.Attribute) and e.attr == "flat" and not self.is_static(e):
                return A.fill_location(gast.Call(func=gast.Attribute(
                    value=e.value, attr="ravel", ctx=gast.Load()), args=[], keywords=[]), e)
            return e

        s.iter = it = raveled(it)
        if isinstance(it, gast.Call) and any(self._resolve(it.func) is f
                                             for f in (enumerate, zip, reversed)):
            it.args = [raveled(a) for a in it.args]
        if not (isinstance(it, gast.Call) and len(it.args) == 1 and not it.keywords
                and not isinstance(it.args[0], gast.Starred)
                and self._resolve(it.func) is numpy.ndenumerate
                and isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
            return s
        arr = self.atom(it.args[0], out, "entries")
        index, item = s.target.elts
        shape = gast.Call(func=A.name("__srcad_np_shape__"), args=[A.clone(arr)], keywords=[])
        s.iter = A.fill_location(gast.Call(func=A.name("__srcad_np_ndindex__"), args=[shape],
                                           keywords=[]), it)
        s.target = index
        load = A.clone(index)
        for n in A.walk(load):
            if hasattr(n, "ctx"):
                n.ctx = gast.Load()
        read = gast.Assign(targets=[item], value=gast.Subscript(value=A.clone(arr), slice=load,
                                                                ctx=gast.Load()), type_comment=None)
        s.body = [A.fill_location(read, s)] + s.body
        return s

    def _dict_view_loop(self, s, out):
        """``for k, v in d.items()`` (and ``.values()``, ``.keys()``) as a loop
        over the keys reading ``d[k]``: dict views have no rule, indexing
        has. Returns the loop rewritten, or ``s`` itself."""
        it = s.iter
        if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) and not it.args
                and not it.keywords and it.func.attr in ("items", "values", "keys")
                and not self.is_static(it.func)):
            return s
        view = it.func.attr
        if view == "items" and not (isinstance(s.target, gast.Tuple) and len(s.target.elts) == 2):
            return s
        d = self.atom(it.func.value, out, "d")
        if view == "keys":
            prefix, target = [], s.target
        else:
            key = self.tmp("key")
            target = A.store(key)
            item = gast.Subscript(value=A.clone(d), slice=A.name(key), ctx=gast.Load())
            if view == "values":
                prefix = [A.assign(s.target, item)]
            else:
                prefix = [A.assign(s.target.elts[0], A.name(key)), A.assign(s.target.elts[1], item)]
        for st in prefix:
            A.set_lineno(st, s.lineno)
        # (the keys carry no derivative, also once the code is differentiated again)
        keys = gast.Call(func=A.name("__srcad_keys__"), args=[A.clone(d)], keywords=[])
        loop = gast.For(target=target, iter=keys, body=prefix + s.body, orelse=s.orelse,
                        type_comment=None)
        for attr in ("stop_flags", "break_flag"):
            if hasattr(s, attr):
                setattr(loop, attr, getattr(s, attr))
        A.copy_lineno(loop, s)
        return loop

    def for_(self, s, out):
        self._refuse_growing_iteration(s)
        s = self._dict_view_loop(s, out)
        s = self._array_entries_loop(s, out)
        it = self._zip_checked(s.iter, out)
        body_prefix = []
        target = s.target
        loop_var = None
        fn = self._resolve(it.func) if isinstance(it, gast.Call) else _MISSING
        assigned_in_body = _stored_names(s.body)
        if fn is range and not it.keywords:
            rng_args = [self.atom(a, out) for a in it.args]
            rng = self.tmp("steps")
            self.emit(out, A.assign(rng, A.call(A.load_copy(it.func), rng_args)))
            if isinstance(target, gast.Name) and target.id not in assigned_in_body:
                loop_var = target.id
            else:
                loop_var = self.tmp("i")
                body_prefix = [A.assign(target, A.name(loop_var))]
        else:
            def pinned(seq):
                # the loop runs over the object there is at its start, also
                # where the body rebinds the name (for i, v in enumerate(x): x = ...)
                atom = self.atom(seq, out, "seq")
                if isinstance(atom, gast.Name) and atom.id in assigned_in_body:
                    tmp = self.tmp("seq")
                    self.emit(out, A.assign(tmp, atom))
                    return A.name(tmp)
                return atom

            seqs = []
            start = _enumerate_start(it) if fn is enumerate else _MISSING
            if fn is enumerate and isinstance(target, gast.Tuple) and len(target.elts) == 2 \
                    and start is not _MISSING:
                inner = it.args[0]
                inner_fn = self._resolve(inner.func) if isinstance(inner, gast.Call) else _MISSING
                item_target = target.elts[1]
                if (inner_fn is zip and isinstance(item_target, gast.Tuple) and not inner.keywords
                        and len(item_target.elts) == len(inner.args)):
                    # enumerate(zip(a, b)): index every sequence in step
                    seqs = [(t, pinned(a)) for t, a in zip(item_target.elts, inner.args)]
                else:
                    seqs = [(item_target, pinned(inner))]
                idx_target = target.elts[0]
                if start is not None:
                    # enumerate(seq, start): the index is the step plus start
                    first = self.atom(start, out, "start")
                    loop_var = self.tmp("i")
                    index = self.tmp("index")
                    body_prefix.append(A.assign(index, gast.BinOp(
                        left=A.name(loop_var), op=gast.Add(), right=first)))
                    body_prefix.append(A.assign(idx_target, A.name(index)))
                elif isinstance(idx_target, gast.Name) and idx_target.id not in assigned_in_body:
                    loop_var = idx_target.id
                else:
                    loop_var = self.tmp("i")
                    body_prefix.append(A.assign(idx_target, A.name(loop_var)))
            elif fn is zip and isinstance(target, gast.Tuple) and len(target.elts) == len(it.args) and not it.keywords:
                seqs = [(t, pinned(a)) for t, a in zip(target.elts, it.args)]
                loop_var = self.tmp("i")
            else:
                # (a dict or a generator iterates differently from how it indexes)
                keys = isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
                    and it.func.id == "__srcad_keys__"
                seq = self.atom(it if keys else A.call(A.name("__srcad_sequence__"), [it]), out, "seq")
                seqs = [(target, seq)]
                loop_var = self.tmp("i")
            lengths = []
            for _, seq in seqs:
                n = self.tmp("n")
                self.emit(out, A.assign(n, A.call(A.name("__srcad_len__"), [seq])))
                lengths.append(A.name(n))
            if len(lengths) > 1:
                n = self.tmp("n")
                self.emit(out, A.assign(n, A.call(A.name("__srcad_min__"), lengths)))
                lengths = [A.name(n)]
            rng = self.tmp("steps")
            self.emit(out, A.assign(rng, A.call(A.name("__srcad_range__"), lengths)))
            for tgt, seq in seqs:
                item = gast.Subscript(value=seq, slice=A.name(loop_var), ctx=gast.Load())
                body_prefix.append(A.assign(tgt, item))
        for st in body_prefix:
            A.set_lineno(st, s.lineno)
        body = self.stmts(body_prefix + s.body)
        stop = getattr(s, "stop_flags", [])
        if stop:
            test = self.atom(A.name(stop[0]) if len(stop) == 1 else
                             gast.BoolOp(op=gast.Or(), values=[A.name(f) for f in stop]), body, "stop")
            self.emit(body, A.if_(test, [gast.Break()]))
        brk = getattr(s, "break_flag", None)
        if brk:
            self.emit(out, A.assign(brk, A.const(False)))
        loop = gast.For(target=A.store(loop_var), iter=A.name(rng), body=body or [gast.Pass()],
                        orelse=[], type_comment=None)
        self.emit(out, loop)

    def while_(self, s, out):
        brk = getattr(s, "break_flag", None)
        if brk:
            self.emit(out, A.assign(brk, A.const(False)))
        cond = self.tmp("running")
        self.emit(out, A.assign(cond, self.simple(s.test, out)))
        body = self.stmts(s.body)
        stop = getattr(s, "stop_flags", [])
        recompute = []
        self.emit(recompute, A.assign(cond, self.simple(A.clone(s.test), recompute)))
        if stop:
            test = self.atom(A.name(stop[0]) if len(stop) == 1 else
                             gast.BoolOp(op=gast.Or(), values=[A.name(f) for f in stop]), body, "stop")
            halt = [A.assign(cond, A.const(False))]
            self.emit(body, A.if_(test, halt, recompute))
        else:
            body.extend(recompute)
        self.emit(out, gast.While(test=A.name(cond), body=body, orelse=[]))


_INDEX_TUPLES = {itertools.combinations: "combinations", itertools.permutations: "permutations",
                 itertools.combinations_with_replacement: "combinations_with_replacement",
                 itertools.product: "product"}
_AS_LISTS = {zip: "__srcad_zip__", enumerate: "__srcad_enumerate__", reversed: "__srcad_reversed__"}



def normalize(parsed, node=None, extra_reserved=(), siblings=None):
    """Normalize ``parsed`` (or a lifted ``node`` in its context).

    Returns ``(normalized, namer)``, both the caller's to change: a
    function without nested functions is normalized once per
    :class:`srcad.parse.Parsed` and each call gets a copy (the transformation
    rewrites the tree it is given)."""
    whole = (node is None or node is parsed.node) and not extra_reserved and not siblings
    kept = parsed.__dict__.get("_normalized") if whole else None
    if kept is None:
        out, namer = _normalize(parsed, node, extra_reserved, siblings)
        if not whole or out.lifted:
            return out, namer
        kept = parsed._normalized = (out, namer)
    out, namer = kept
    copy = Normalized(A.clone(out.node), parsed, set(out.local_names), {}, out.return_name,
                      list(out.param_names))
    copy.temps = set(out.temps)
    return copy, namer.copy()


def normalized_view(parsed):
    """The normalized tree of a whole function, as :func:`normalize` keeps
    it, *not* a copy: to read only (the kind of a callee's result), never
    to change. ``None`` where normalization keeps no tree (nested
    functions)."""
    kept = parsed.__dict__.get("_normalized")
    if kept is None:
        normalize(parsed)
        kept = parsed.__dict__.get("_normalized")
    return kept[0] if kept is not None else None


def _stable_tests(body, anf):
    """Give each ``if`` whose test name its branches rebind a test of its
    own (``if b: b = v < 1.0`` becomes ``c = b; if c: b = v < 1.0``, as
    ``v > 0 and v < 1`` is lowered), in place: the backward sweep replays a
    branch by its test, which must still hold the value it had when the
    branch was chosen."""
    for i in range(len(body) - 1, -1, -1):
        s = body[i]
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list):
                _stable_tests(inner, anf)
        if isinstance(s, gast.If) and isinstance(s.test, gast.Name):
            name = s.test.id
            branches = gast.Module(body=s.body + s.orelse, type_ignores=[])
            if any(isinstance(n, gast.Name) and n.id == name and not isinstance(n.ctx, gast.Load)
                   for n in A.nodes(branches)):
                flag = anf.tmp("c")
                body.insert(i, A.copy_lineno(A.assign(flag, A.name(name)), s))
                s.test = A.name(flag)


def _np_call(name, *args, **keywords):
    return gast.Call(func=A.name(f"__srcad_np_{name}__"), args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords.items()])


def _transposed(node):
    return gast.Attribute(value=node, attr="T", ctx=gast.Load())


def _scipy_linalg_as_numpy(call, target):
    """``scipy.linalg``'s ``solve_triangular``, ``cholesky``, ``cho_factor``,
    ``cho_solve``, ``solve``, ``inv`` and ``det`` as the NumPy expressions
    with the same values (``solve_triangular(a, b, lower=True)`` is
    ``np.linalg.solve(np.tril(a), b)``), whose rules differentiate them
    (only in the triangle SciPy reads); ``None`` for other calls, and for
    options these cannot spell (``unit_diagonal``, ``assume_a``...)."""
    import sys
    normal = _scipy_normal_as_numpy(call, target)
    if normal is not None:
        return normal
    from .stats_formulas import as_formula
    formula = as_formula(call, target)
    if formula is not None:
        return formula
    integrate = sys.modules.get("scipy.integrate")
    if integrate is not None and target is getattr(integrate, "trapezoid", None) and target is not None:
        # the same function as NumPy's, which has a rule
        return gast.Call(func=A.name("__srcad_np_trapezoid__"), args=list(call.args),
                         keywords=list(call.keywords))
    linalg = sys.modules.get("scipy.linalg")
    if linalg is not None and target is getattr(linalg, "norm", None) and target is not None \
            and not any(isinstance(a, gast.Starred) for a in call.args) \
            and all(k.arg not in (None, "check_finite") for k in call.keywords):
        return gast.Call(func=A.name("__srcad_np_norm__"), args=list(call.args),
                         keywords=list(call.keywords))
    if linalg is None or target is None or not callable(target) \
            or any(isinstance(a, gast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return None
    name = next((n for n in ("solve_triangular", "cholesky", "cho_factor", "cho_solve", "solve",
                             "inv", "det") if getattr(linalg, n, None) is target), None)
    if name is None:
        return None
    params = {"solve_triangular": ("a", "b", "trans", "lower"), "cholesky": ("a", "lower"),
              "cho_factor": ("a", "lower"), "cho_solve": ("c_and_lower", "b"), "solve": ("a", "b"),
              "inv": ("a",), "det": ("a",)}[name]
    ignored = {"overwrite_a", "overwrite_b", "check_finite"}
    if len(call.args) > len(params):
        return None
    bound = dict(zip(params, call.args))
    for k in call.keywords:
        if k.arg in ignored:
            continue
        if k.arg not in params or k.arg in bound:
            return None
        bound[k.arg] = k.value
    if any(p not in bound for p in params if p in ("a", "b", "c_and_lower")):
        return None
    lower = bound.get("lower", A.const(False))

    def triangle(m, low):
        return gast.IfExp(test=A.clone(low), body=_np_call("tril", A.clone(m)),
                          orelse=_np_call("triu", A.clone(m)))

    def factor(a, low):
        return gast.IfExp(test=A.clone(low), body=_np_call("cholesky", A.clone(a)),
                          orelse=_np_call("cholesky", A.clone(a), upper=A.const(True)))

    if name == "solve_triangular":
        trans = bound.get("trans", A.const(0))
        if not (isinstance(trans, gast.Constant) and trans.value in (0, 1, 2, "N", "T", "C")):
            return None
        tri = triangle(bound["a"], lower)
        if trans.value not in (0, "N"):
            tri = _transposed(tri)
        return _np_call("solve", tri, bound["b"])
    if name == "cholesky":
        return factor(bound["a"], lower)
    if name == "cho_factor":
        return gast.Tuple(elts=[factor(bound["a"], lower), A.clone(lower)], ctx=gast.Load())
    if name == "cho_solve":
        cl = bound["c_and_lower"]
        if isinstance(cl, gast.Tuple) and len(cl.elts) == 2:
            c, low = cl.elts
        else:
            c = gast.Subscript(value=A.clone(cl), slice=A.const(0), ctx=gast.Load())
            low = gast.Subscript(value=A.clone(cl), slice=A.const(1), ctx=gast.Load())
        lo, up = _np_call("tril", A.clone(c)), _np_call("triu", A.clone(c))
        m = gast.IfExp(test=A.clone(low),
                       body=A.binop(lo, gast.MatMult(), _transposed(A.clone(lo))),
                       orelse=A.binop(_transposed(up), gast.MatMult(), A.clone(up)))
        return _np_call("solve", m, bound["b"])
    return _np_call(name, *[bound[p] for p in params])


def _scipy_normal_as_numpy(call, target):
    """``scipy.stats.norm.logpdf(x, loc, scale)`` (and ``pdf``, ``cdf``,
    ``logcdf``, ``sf``, ``logsf``) as the formula with the same value,
    written with NumPy and ``scipy.special.ndtr``/``log_ndtr``, which have
    rules; ``None`` for other calls."""
    import math
    import sys
    stats = sys.modules.get("scipy.stats")
    kind = getattr(target, "__name__", None)
    if stats is None or getattr(target, "__self__", None) is not getattr(stats, "norm", None) \
            or kind not in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf") \
            or len(call.args) > 3 or any(isinstance(a, gast.Starred) for a in call.args):
        return None
    bound = dict(zip(("x", "loc", "scale"), call.args))
    for k in call.keywords:
        if k.arg not in ("x", "loc", "scale") or k.arg in bound:
            return None
        bound[k.arg] = k.value
    if "x" not in bound:
        return None
    z = A.clone(bound["x"])
    if "loc" in bound:
        z = A.binop(z, gast.Sub(), A.clone(bound["loc"]))
    if "scale" in bound:
        z = A.binop(z, gast.Div(), A.clone(bound["scale"]))
    if kind in ("logpdf", "pdf"):
        value = A.binop(A.binop(A.const(-0.5), gast.Mult(), A.binop(z, gast.Pow(), A.const(2))),
                        gast.Sub(), A.const(0.5 * math.log(2.0 * math.pi)))
        if "scale" in bound:
            value = A.binop(value, gast.Sub(), _np_call("log", A.clone(bound["scale"])))
        return value if kind == "logpdf" else _np_call("exp", value)
    if kind in ("sf", "logsf"):
        z = gast.UnaryOp(op=gast.USub(), operand=z)
    fn = "ndtr" if kind in ("cdf", "sf") else "log_ndtr"
    return gast.Call(func=A.name(f"__srcad_special_{fn}__"), args=[z], keywords=[])


def _quiet_contexts():
    """Context managers that only change how floating-point problems are
    reported (``np.errstate``, ``warnings.catch_warnings``): a ``with``
    over them computes what its body computes."""
    import warnings
    import numpy
    return (numpy.errstate, warnings.catch_warnings)


def _unwrap_quiet_with(parsed, node):
    """``with np.errstate(...):`` (and ``warnings.catch_warnings()``) around
    code: the body in its place, since the values it computes are the same
    (any other ``with`` is refused by :func:`check_syntax`)."""
    quiet = _quiet_contexts()
    params = set(_param_names(node.args))

    def harmless(item):
        call = item.context_expr
        return (item.optional_vars is None and isinstance(call, gast.Call)
                and resolve_static(parsed, call.func, params) in quiet)

    def block(stmts):
        out = []
        for s in stmts:
            if isinstance(s, gast.With) and s.items and all(harmless(i) for i in s.items):
                out.extend(block(s.body))
                continue
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and not isinstance(s, (gast.FunctionDef, gast.ClassDef)):
                    setattr(s, field, block(inner))
            if isinstance(s, gast.FunctionDef):
                s.body = block(s.body)
            out.append(s)
        return out

    node.body = block(node.body)


def _drop_bound_imports(parsed, node):
    """Remove the ``import`` statements whose names the function's
    :class:`srcad.parse.Parsed` binds (it imported them when the function was
    parsed; the code refers to the objects)."""
    bound = getattr(parsed, "local_imports", None)
    if not bound:
        return

    def binds(s):
        if isinstance(s, gast.Import):
            names = [a.asname or a.name.split(".")[0] for a in s.names]
        elif isinstance(s, gast.ImportFrom):
            names = [a.asname or a.name for a in s.names]
        else:
            return False
        return all(n in bound for n in names)

    def block(stmts):
        out = []
        for s in stmts:
            if binds(s):
                continue
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    setattr(s, field, block(inner) or ([gast.Pass()] if field == "body" else []))
            out.append(s)
        return out

    node.body = block(node.body) or [gast.Pass()]


def _normalize(parsed, node=None, extra_reserved=(), siblings=None):
    from .variadic import Specialized, specialize_calls, unpack_calls
    node = A.clone(node if node is not None else parsed.node)
    _unwrap_quiet_with(parsed, node)
    _drop_bound_imports(parsed, node)
    namer = Namer.for_function(node, extra_reserved)
    loop_else, draws, vectorize, unpacking = _prescan(node)
    if loop_else:
        _loop_else_as_flags(node, namer)
    check_syntax(parsed, node)
    # f(*pair, **options) as f(pair[0], pair[1], k=options['k']) (before
    # lifting, which counts the arguments calls of nested functions pass)
    if unpacking or any(getattr(st, "srcad_variadic_prologue", False) for st in node.body):
        unpack_calls(parsed, node, set(_param_names(node.args)) | _stored_names(node.body))
    if vectorize:
        _call_vectorized_in_place(parsed, node)
    lifted = lift_nested(parsed, node, namer)
    params = _param_names(node.args)
    local_names = set(params) | _stored_names(node.body)
    for n in lifted:
        local_names.discard(n)
    # calls of functions taking *args or **kwargs, bound for their shape
    # (the units lifted beside this one are called by name)
    known = {**(siblings or {}), **lifted}
    specialize_calls(parsed, node, namer, known, local_names)
    lifted = dict(lifted)
    from .closures import ClosureSpecialized, specialize_closure_calls
    specialize_closure_calls(parsed, node, namer, known, local_names)
    lifted.update({k: u for k, u in known.items() if isinstance(u, (Specialized, ClosureSpecialized))})
    for st in node.body:
        if isinstance(st, gast.FunctionDef):
            local_names.add(st.name)
    structurer = Structurer(namer)
    body = structurer.run(node.body)
    local_names |= {structurer.ret, structurer.returned} - {None}
    anf = ANF(parsed, namer, local_names, set(lifted))
    anf.generators = _generator_locals(parsed, node) if draws else frozenset()
    anf.lists = _list_names(node, params)
    anf.lineno = node.lineno
    # Default values are evaluated where the function is defined: keep them.
    body = anf.stmts(body)
    _stable_tests(body, anf)
    if body and isinstance(body[-1], gast.Return):
        ret = body[-1]
        return_name = ret.value.id if isinstance(ret.value, gast.Name) else None
        if return_name is None:
            # return a constant: bind it so it can be seeded like any value
            tmp = anf.tmp("result")
            body[-1:] = [A.copy_lineno(A.assign(tmp, ret.value), ret),
                         A.copy_lineno(gast.Return(value=A.name(tmp)), ret)]
            return_name = tmp
    else:
        return_name = None
    for stmt in A.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(stmt, gast.stmt):
            stmt.srcad_primal = True
    node.body = body or [gast.Pass()]
    out = Normalized(node, parsed, local_names, lifted, return_name, params)
    out.temps = anf.temps | {structurer.ret} - {None}
    return out, namer
