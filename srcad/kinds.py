"""Kinds of values: which names surely hold scalars (shape ``()``).

Assumes: a normalized body and the kinds of (some) parameters, read off the
arguments of a call (:func:`kind_of`). Guarantees: :func:`infer` returns the
names that hold a scalar (``"scalar"``), an integer (``"int"``) or a NumPy
array of a known rank (``("array", ndim)``, followed through arithmetic,
indexing, ufuncs, array creation and the user's own functions, see
:func:`return_kind`) every time they are bound; everything else is unknown.
Broadcasting never changes the shape of an operand combined only with
scalars, so derivative rules can skip summing over broadcast axes there.

>>> kind_of(1.5), kind_of(3), kind_of([1.0])
('scalar', 'int', None)
"""

from __future__ import annotations

import inspect
import math
import numbers
import threading
import weakref

import gast

from .analysis import walk_simple

SCALAR = "scalar"
INT = "int"
BOOL = "bool"     # a scalar too, but not an index: x[True] adds an axis
_SHAPE = "shape"         # a tuple of ints (x.shape)
_BOTTOM = object()
_UNKNOWN = None


def kind_of(value):
    """The kind of an argument: ``"int"``, ``"scalar"``, ``("array", ndim)``
    for NumPy arrays, or ``None``."""
    t = type(value)
    if t is float or t is complex:
        return SCALAR
    if t is bool:
        return BOOL
    if t is int:
        return INT
    if t is _ndarray:
        return ("array", value.ndim)
    ndim = getattr(value, "ndim", None)
    if ndim is not None and t.__module__ == "numpy":
        if ndim == 0:
            kind = getattr(value.dtype, "kind", "f")
            return BOOL if kind == "b" else INT if kind in "iu" else SCALAR
        return ("array", ndim)
    if isinstance(value, numbers.Integral):
        return INT
    if isinstance(value, numbers.Real):
        return SCALAR
    return None


try:
    from numpy import ndarray as _ndarray
except ImportError:  # pragma: no cover
    _ndarray = None


def _join(a, b):
    if a is _BOTTOM:
        return b
    if b is _BOTTOM or a == b:
        return a
    if _scalarish(a) and _scalarish(b):
        return SCALAR   # (an int or a bool: a scalar, though no index)
    return _UNKNOWN


def _scalarish(k):
    return k in (SCALAR, INT, BOOL)


_SCALAR_BUILTINS = {abs: None, float: SCALAR, min: None, max: None}
_INT_BUILTINS = {len, int}


def infer(body, param_kinds, resolve, callee=None):
    """``{name: kind}`` for the names of ``body`` whose kind is known.

    ``resolve(call)`` gives the object a call's function denotes (or
    ``None``); ``callee(obj, arg_kinds, keyword_kinds)`` the kind a user
    function returns for arguments of those kinds (or ``None``; see
    :func:`return_kind`)."""
    kinds = dict(param_kinds)
    assigned = set()
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            assigned.add(s.targets[0].id)
        elif isinstance(s, gast.For):
            assigned.add(s.target.id)
    state = {n: kinds.get(n, _BOTTOM) for n in assigned}
    # each pass reads the kinds found earlier in the same pass, so that
    # straight-line code settles in one pass and loops in a few
    for _ in range(50):
        new = {n: (kinds.get(n, _BOTTOM) if n in kinds else _BOTTOM) for n in assigned}
        for s, _ in walk_simple(body):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                k = _value_kind(s.value, lambda n: new[n] if new.get(n, _BOTTOM) is not _BOTTOM
                                else state.get(n, kinds.get(n, _UNKNOWN)), resolve, callee)
                name = s.targets[0].id
                new[name] = _join(new[name], k)
            elif isinstance(s, gast.For):
                # normalized loops run over a range
                new[s.target.id] = _join(new[s.target.id], INT)
        if new == state:
            break
        state = new
    out = {n: k for n, k in kinds.items() if n not in assigned}
    out.update({n: k for n, k in state.items() if k is not _BOTTOM and k is not _UNKNOWN})
    return out


def _value_kind(value, kind, resolve, callee=None):
    if isinstance(value, gast.Constant):
        v = value.value
        if isinstance(v, bool):
            return BOOL
        if isinstance(v, int):
            return INT
        if isinstance(v, (float, complex)):
            return SCALAR
        return _UNKNOWN
    if isinstance(value, gast.Name):
        return kind(value.id)
    if isinstance(value, gast.BinOp):
        a = _atom_kind(value.left, kind)
        b = _atom_kind(value.right, kind)
        if a is _BOTTOM or b is _BOTTOM:
            return _BOTTOM
        if _scalarish(a) and _scalarish(b):
            if a in (INT, BOOL) and b in (INT, BOOL) and not isinstance(value.op, (gast.Div, gast.Pow)):
                return INT
            return SCALAR
        if isinstance(value.op, gast.MatMult):
            return _matmul_kind(a, b)
        if isinstance(a, tuple) and _scalarish(b):
            return a
        if isinstance(b, tuple) and _scalarish(a):
            return b
        if isinstance(a, tuple) and isinstance(b, tuple):
            return ("array", max(a[1], b[1]))   # broadcasting: the larger rank
        return _UNKNOWN
    if isinstance(value, gast.UnaryOp):
        a = _atom_kind(value.operand, kind)
        if isinstance(value.op, gast.Not):
            return BOOL if _scalarish(a) else _UNKNOWN
        return a
    if isinstance(value, gast.Compare):
        a = _atom_kind(value.left, kind)
        b = _atom_kind(value.comparators[0], kind)
        if a is _BOTTOM or b is _BOTTOM:
            return _BOTTOM
        return BOOL if _scalarish(a) and _scalarish(b) else _UNKNOWN
    if isinstance(value, gast.Attribute):
        # of a NumPy array (a field of the same name of another object may
        # hold anything)
        base = _atom_kind(value.value, kind)
        if base is _BOTTOM:
            return _BOTTOM
        if not isinstance(base, tuple):
            return _UNKNOWN
        if value.attr in ("ndim", "size"):
            return INT
        return _SHAPE if value.attr == "shape" else _UNKNOWN
    if isinstance(value, gast.Subscript):
        base = _atom_kind(value.value, kind)
        if base is _BOTTOM:
            return _BOTTOM
        if base == _SHAPE:
            # x.shape[0]: an int (a slice of a shape is a shape)
            if isinstance(value.slice, gast.Slice):
                return _SHAPE
            return INT if _atom_kind(value.slice, kind) == INT else _UNKNOWN
        if isinstance(base, tuple):
            # integers drop an axis each, slices keep theirs (anything else,
            # None, an ellipsis or an array of indices: not known)
            idx = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
            ints = sum(1 for i in idx if _index_is_int(i, kind))
            slices = sum(1 for i in idx if isinstance(i, gast.Slice))
            if ints + slices == len(idx) and len(idx) <= base[1]:
                rest = base[1] - ints
                return SCALAR if rest == 0 else ("array", rest)
        return _UNKNOWN
    if isinstance(value, gast.Call):
        obj = resolve(value)
        args = [_atom_kind(a, kind) for a in value.args]
        if any(a is _BOTTOM for a in args):
            return _BOTTOM
        if obj is not None and getattr(obj, "__module__", None) == "math" or \
                (obj is not None and getattr(math, getattr(obj, "__name__", ""), None) is obj):
            return INT if getattr(obj, "__name__", "") in ("floor", "ceil", "trunc", "factorial",
                                                             "gcd", "comb", "perm") else SCALAR
        if obj is round:
            # round(x) of a number is an int, round(x, n) a float; of an
            # array, an array
            if not args or not all(_scalarish(a) for a in args):
                return _UNKNOWN
            return INT if len(args) == 1 else SCALAR
        if any(obj is b for b in _INT_BUILTINS):   # (obj may be unhashable)
            return INT
        if _is_ufunc(obj) and args and all(_scalarish(a) for a in args):
            return SCALAR
        if _is_ufunc(obj) and getattr(obj, "nout", 1) == 1 and args and not value.keywords \
                and all(_scalarish(a) or isinstance(a, tuple) for a in args):
            # elementwise: the broadcast rank of the arrays
            return ("array", max(a[1] for a in args if isinstance(a, tuple)))
        made = _created_kind(obj, value, args)
        if made is not None:
            return made
        if getattr(obj, "__name__", None) in _FULL_REDUCTIONS and _numpy_like(obj) \
                and len(value.args) == 1 and not value.keywords:
            return SCALAR
        if obj in (abs, float) and args and all(_scalarish(a) for a in args):
            return SCALAR if obj is float else args[0]
        if obj in (min, max) and len(args) >= 2 and all(_scalarish(a) for a in args):
            return SCALAR
        if callee is not None and inspect.isfunction(obj) and not _numpy_like(obj) \
                and not any(isinstance(a, gast.Starred) for a in value.args) \
                and all(k.arg is not None for k in value.keywords):
            keywords = {k.arg: _atom_kind(k.value, kind) for k in value.keywords}
            if any(k is _BOTTOM for k in keywords.values()):
                return _BOTTOM
            return callee(obj, args, keywords)
        return _UNKNOWN
    return _UNKNOWN


def _matmul_kind(a, b):
    """The kind of ``a @ b`` for arrays of known ranks (``None`` if not
    known): a 1-D operand loses its axis in the product."""
    if not (isinstance(a, tuple) and isinstance(b, tuple)) or a[1] == 0 or b[1] == 0:
        return _UNKNOWN
    if a[1] == 1 and b[1] == 1:
        return SCALAR
    if a[1] == 1 or b[1] == 1:
        return ("array", max(a[1], b[1]) - 1)
    return ("array", max(a[1], b[1]))


def _index_is_int(index, kind):
    """An integer index (not a bool: ``x[True]`` adds an axis)."""
    if isinstance(index, gast.Constant):
        return isinstance(index.value, int) and not isinstance(index.value, bool)
    if isinstance(index, gast.UnaryOp) and isinstance(index.op, gast.USub):
        return _index_is_int(index.operand, kind)
    return isinstance(index, gast.Name) and kind(index.id) == INT


_MADE_1D = frozenset({"zeros", "ones", "empty", "full", "arange"})
_MADE_LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like", "copy"})


def _created_kind(obj, call, args):
    """Arrays made by NumPy of a known rank: ``np.zeros(n)`` (an int
    length), ``np.arange(n)``, ``np.linspace(a, b, num)`` are 1-D,
    ``np.zeros_like(x)`` has ``x``'s rank; ``None`` for other calls."""
    name = getattr(obj, "__name__", None)
    if not _numpy_like(obj) or name is None:
        return None
    keywords = {k.arg for k in call.keywords}
    if name in _MADE_1D and args and args[0] == INT and "like" not in keywords and (
            name != "arange" or all(a == INT for a in args)):
        return ("array", 1)
    if name == "linspace" and 2 <= len(args) <= 4 and all(_scalarish(a) for a in args[:2]) \
            and keywords <= {"num", "endpoint", "dtype"}:
        return ("array", 1)
    if name in _MADE_LIKE and args and isinstance(args[0], tuple) and "shape" not in keywords \
            and "subok" not in keywords:
        return args[0]
    return None


_FULL_REDUCTIONS = frozenset({"sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var",
                              "median", "nansum", "nanmean", "average", "ptp", "trace", "vdot"})


def _is_ufunc(obj):
    return type(obj).__name__ == "ufunc"


def _numpy_like(obj):
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in ("numpy", "cupy")


def _atom_kind(atom, kind):
    if isinstance(atom, gast.Constant):
        return _value_kind(atom, kind, lambda c: None)
    if isinstance(atom, gast.Name):
        return kind(atom.id)
    return _UNKNOWN


def scalar_names(kinds):
    """The names known to hold scalars."""
    return {n for n, k in kinds.items() if _scalarish(k)}



_ELEMENTWISE_BINOPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod, gast.FloorDiv)


def _literal(node):
    """The int a slice bound spells (``None`` for none given), else ``"?"``."""
    if node is None:
        return 0
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _literal(node.operand)
        return -inner if isinstance(inner, int) and not isinstance(inner, bool) else "?"
    if isinstance(node, gast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return "?"


def _shrinks(index):
    """For slices that drop a fixed number of entries from each leading
    axis (``x[1:]``, ``x[:-1]``, ``u[1:-1, :]``): those numbers, trailing
    zeros removed; ``x[1:]`` and ``x[:-1]`` both drop one, so they have the
    same shape whatever ``x``'s. ``None`` for any other index."""
    items = index.elts if isinstance(index, gast.Tuple) else [index]
    out = []
    for it in items:
        if not isinstance(it, gast.Slice):
            return None
        if it.step is not None and not (isinstance(it.step, gast.Constant) and it.step.value == 1):
            return None
        lo, hi = _literal(it.lower), _literal(it.upper)
        if isinstance(lo, bool) or isinstance(hi, bool) or not isinstance(lo, int) \
                or not isinstance(hi, int) or lo < 0 or hi > 0:
            return None
        out.append(lo - hi)
    while out and out[-1] == 0:
        out.pop()
    return tuple(out)


# NumPy reductions whose ``keepdims=True`` result keeps every axis, with
# length one along the reduced ones
_KEEPDIMS_REDUCTIONS = frozenset({
    "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "nansum", "nanmean",
    "nanmax", "nanmin", "nanprod", "nanstd", "nanvar", "median", "nanmedian", "ptp",
    "logsumexp",
})
_REDUCTION_OPTIONS = frozenset({"axis", "keepdims", "ddof", "dtype"})


def _reduced_axes(call, resolve):
    """``(operand, axes)`` for ``np.sum(x, axis=A, keepdims=True)`` and the
    other reductions above with a literal axis (``axes``: a tuple of ints
    as written, or ``None`` for all axes), else ``None``."""
    if getattr(call, "is_method", False) or not call.args or not isinstance(call.args[0], gast.Name):
        return None
    obj = resolve(call)
    if getattr(obj, "__name__", None) not in _KEEPDIMS_REDUCTIONS or not _numpy_like(obj):
        return None
    options = {k.arg: k.value for k in call.keywords}
    if None in options or not set(options) <= _REDUCTION_OPTIONS or len(call.args) > 2:
        return None
    if len(call.args) == 2:
        if "axis" in options:
            return None
        options["axis"] = call.args[1]
    keep = options.get("keepdims")
    if not (isinstance(keep, gast.Constant) and keep.value is True):
        return None
    axis = options.get("axis")
    if axis is None or (isinstance(axis, gast.Constant) and axis.value is None):
        return call.args[0], None
    items = axis.elts if isinstance(axis, gast.Tuple) else [axis]
    axes = tuple(_literal(a) for a in items)
    if any(not isinstance(a, int) or isinstance(a, bool) for a in axes):
        return None
    return call.args[0], axes


def _bound_once(body, params):
    """The names bound by exactly one statement, an assignment directly in
    ``body`` (not in a loop or branch), and not parameters: each holds one
    value per call."""
    from .analysis import _bound_names
    counts = {}
    for name in _bound_names(body):
        counts[name] = counts.get(name, 0) + 1
    return {s.targets[0].id for s in body
            if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
            and counts.get(s.targets[0].id) == 1 and s.targets[0].id not in params}


def is_reduced(symbol):
    """Whether a shape class is that of a ``keepdims`` reduction
    (``("reduce", base, axes)``)."""
    return isinstance(symbol, tuple) and len(symbol) == 3 and symbol[0] == "reduce"


def shape_classes(body, params, scalars, resolve):
    """``{name: symbol}``: names with the same symbol surely have the same
    shape. Parameters start with their own symbol; elementwise operations
    of operands of one symbol (or with scalars and literals) keep it.
    Broadcasting cannot change the shape of an operand whose partners all
    share its shape, so its adjoint needs no summing back.

    A ``keepdims`` reduction of a name of symbol ``s`` over literal axes
    has symbol ``("reduce", s, axes)``; broadcast against ``s`` it gives
    ``s`` back (``x - np.max(x, axis=1, keepdims=True)`` has ``x``'s
    shape). A name bound once outside loops and branches to a value of no
    known symbol gets one of its own, ``("value", name)``."""
    def sym(atom, state):
        if isinstance(atom, gast.Constant):
            return "scalar"
        if isinstance(atom, gast.Name):
            if atom.id in scalars:
                return "scalar"
            return state.get(atom.id, _UNKNOWN)
        return _UNKNOWN

    def combine(symbols):
        arrays = {s for s in symbols if s != "scalar"}
        if _UNKNOWN in arrays or any(s is _BOTTOM for s in arrays):
            return _BOTTOM if any(s is _BOTTOM for s in arrays) and _UNKNOWN not in arrays else _UNKNOWN
        if not arrays:
            return "scalar"
        if len(arrays) == 1:
            return arrays.pop()
        # a keepdims reduction of x broadcasts back to x's shape
        full = {s for s in arrays if not is_reduced(s)}
        if len(full) == 1 and all(s[1] in full for s in arrays - full):
            return full.pop()
        return _UNKNOWN

    once = _bound_once(body, params)
    once = _bound_once(body, params)
    assigned = set()
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            assigned.add(s.targets[0].id)
    state = {p: p for p in params if p not in scalars}
    for n in assigned:
        state[n] = state.get(n, _BOTTOM) if n in params else _BOTTOM
    class Seen:
        """The symbols found earlier in this pass, else the last pass's."""
        def get(self, name, default):
            k = new.get(name, _BOTTOM)
            return k if k is not _BOTTOM else state.get(name, default)

    for _ in range(50):
        new = {n: (n if n in params and n not in scalars else _BOTTOM) for n in assigned}
        seen = Seen()
        for s, _ in walk_simple(body):
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
                continue
            v = s.value
            if isinstance(v, gast.Name) or isinstance(v, gast.Constant):
                k = sym(v, seen)
            elif isinstance(v, gast.BinOp) and isinstance(v.op, _ELEMENTWISE_BINOPS):
                k = combine([sym(v.left, seen), sym(v.right, seen)])
            elif isinstance(v, gast.UnaryOp) and isinstance(v.op, (gast.USub, gast.UAdd)):
                k = sym(v.operand, seen)
            elif isinstance(v, gast.Call) and not v.keywords and _is_ufunc(resolve(v)):
                k = combine([sym(a, seen) for a in v.args])
            elif isinstance(v, gast.Call) and _reduced_axes(v, resolve) is not None:
                operand, axes = _reduced_axes(v, resolve)
                base = sym(operand, seen)
                if base is _BOTTOM or base is _UNKNOWN or base == "scalar":
                    k = base if base is _BOTTOM else _UNKNOWN
                else:
                    k = ("reduce", base, axes)
            elif isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) \
                    and _shrinks(v.slice) is not None:
                base = sym(v.value, seen)
                shrinks = _shrinks(v.slice)
                if base is _BOTTOM or base is _UNKNOWN or base == "scalar":
                    k = base if base is _BOTTOM else _UNKNOWN
                else:
                    k = base if not shrinks else ("slice", base, shrinks)
            else:
                k = _UNKNOWN
            name = s.targets[0].id
            if k is _UNKNOWN and name in once:
                k = ("value", name)
            if k is _BOTTOM:
                continue
            new[name] = k if new.get(name, _BOTTOM) is _BOTTOM else (new[name] if new[name] == k else _UNKNOWN)
        new = {n: k for n, k in new.items()}
        if new == {n: state.get(n, _BOTTOM) for n in new}:
            break
        state.update(new)
    out = {}
    for n, k in state.items():
        if k is not _BOTTOM and k is not _UNKNOWN and k != "scalar":
            out[n] = k
    return out


_LOCAL = threading.local()   # the functions whose result kind is being inferred, per thread
_UNREADABLE = weakref.WeakKeyDictionary()


def return_kind(func, args, keywords, resolve_for):
    """The kind the user function ``func`` returns when called with
    positional arguments of kinds ``args`` and keyword arguments of kinds
    ``keywords`` (``None`` where unknown), or ``None``. It is inferred on
    ``func``'s normalized body as for the caller (``resolve_for(parsed,
    norm)`` gives that body's ``resolve``), its parameters taking the kinds
    given and literal defaults the kinds of their values. Recursion, nested
    functions and functions srcad cannot read give ``None``. Kept per
    parsed function (a rebound name makes a new one)."""
    from .errors import SrcadError
    from .normalize import normalized_view
    from .parse import parse_function
    in_progress = _LOCAL.__dict__.setdefault("functions", set())
    if func in in_progress or (getattr(func, "__module__", None) or "").split(".")[0] == "srcad":
        return _UNKNOWN   # (srcad's runtime helpers, in code generated before)
    try:
        if _UNREADABLE.get(func) is func.__code__:
            return _UNKNOWN
    except TypeError:
        return _UNKNOWN
    try:
        parsed = parse_function(func)
        norm = normalized_view(parsed)
        sig = inspect.signature(func)
    except (SrcadError, OSError, TypeError, ValueError, SyntaxError):
        _UNREADABLE[func] = func.__code__   # not tried again (until redefined)
        return _UNKNOWN
    if norm is None or norm.return_name is None:
        return _UNKNOWN
    params = list(norm.param_names)
    if len(args) > len(params):
        return _UNKNOWN
    key = (tuple(args), tuple(sorted(keywords.items(), key=lambda kv: kv[0])))
    memo = parsed.__dict__.setdefault("_return_kinds", {})
    if key in memo:
        return memo[key]
    given = dict(zip(params, args))
    for name, k in keywords.items():
        if name in params:
            given[name] = k
    for p in params:
        if p not in given and p in sig.parameters:
            default = sig.parameters[p].default
            if default is not inspect.Parameter.empty:
                given[p] = kind_of(default)
    given = {p: k for p, k in given.items() if k is not _UNKNOWN}
    in_progress.add(func)
    try:
        found = infer(norm.node.body, given, resolve_for(parsed, norm),
                      lambda f, a, kw: return_kind(f, a, kw, resolve_for))
    finally:
        in_progress.discard(func)
    out = found.get(norm.return_name, _UNKNOWN)
    memo[key] = out
    return out
