"""Helpers that generated derivative code calls (imported there as ``ad``).

They work on Python numbers, NumPy arrays and any array type following NumPy's
API (CuPy, array-API namespaces): nothing here converts an active value to a
NumPy array. Adjoints start as the Python float ``0.0`` (a *lazy zero*) and
take their shape from the first contribution.

>>> import numpy as np
>>> unbroadcast(np.ones((3, 4)), np.ones(4))
array([3., 3., 3., 3.])
"""

from __future__ import annotations

import dataclasses
import math
import numbers

__all__ = [
    "unbroadcast", "broadcast_like", "match", "zeros_like", "add_at",
    "adjoint_at", "zero_at", "copy", "deep_copy", "sequence", "apply_unpacked", "AdjList", "AdjDict", "scatter_add",
    "diagonal_index", "loc_scale_draw", "standardized_draw", "draw_tangent", "draw_adjoint", "scale_draw", "lognormal_draw", "same_lengths", "index_tuples", "along_axis_shape", "along_axis_axes", "record", "with_item", "inexact_only", "pow_log", "reshape_in_order", "concat",
    "pow_partial", "digamma", "trigamma", "running_extremum", "logaddexp_accumulate",
    "pow_log_tangent",
    "item_adjoint", "container_tangent", "namespace_of",
]

_SCALARS = (float, int, complex, bool)

try:
    from numpy import float64 as _FLOAT64, ndarray as _NDARRAY, zeros as _np_zeros
except ImportError:  # pragma: no cover - NumPy is a dependency
    _NDARRAY = _np_zeros = _FLOAT64 = None


def namespace_of(x):
    """The array namespace of ``x`` (``numpy`` for Python numbers)."""
    ns = getattr(x, "__array_namespace__", None)
    if ns is not None:
        try:
            found = ns()
            if found is not None:
                return found
        except Exception:
            pass
    mod = type(x).__module__.split(".")[0]
    if mod == "cupy":
        import cupy
        return cupy
    import numpy
    return numpy


def _shape(x):
    return getattr(x, "shape", ())


class Shape:
    """Stands in for a value whose shape (and dtype) is all the backward sweep
    needs: what :func:`shape_of` saves instead of the value itself."""

    __slots__ = ("shape", "dtype", "namespace")

    def __init__(self, shape, dtype, namespace):
        self.shape = shape
        self.dtype = dtype
        self.namespace = namespace

    def __array_namespace__(self, api_version=None):
        return self.namespace

    def __repr__(self):
        return f"Shape({self.shape}, {self.dtype})"


def shape_of(x):
    """What a saved value is needed for, when only its shape is: its shape.

    >>> shape_of(1.0).shape, shape_of(None)
    ((), None)
    """
    if x is None:
        return None
    if isinstance(x, (list, tuple, dict)):
        # the adjoint of a container (its structure is its shape), kept
        # whole: a cotangent that reaches it is split entry by entry
        return x
    if not hasattr(x, "shape"):
        return Shape((), None, None)
    return Shape(x.shape, getattr(x, "dtype", None), namespace_of(x))


def unbroadcast(g, like):
    """``g`` fitted to ``like``'s shape: summed over the axes broadcasting
    added, and broadcast back over the axes where ``g`` is narrower (an
    adjoint left unexpanded, such as the scalar adjoint of a full sum).

    >>> import numpy as np
    >>> float(unbroadcast(np.ones((2, 3)), 1.0))
    6.0
    >>> unbroadcast(2.0, np.zeros(3))
    array([2., 2., 2.])
    """
    lshape = _shape(like)
    if g.__class__ is float or g.__class__ is int:
        if not lshape or g == 0:
            return g
        return fit(g, lshape, getattr(like, "dtype", None), namespace_of(like))
    gshape = _shape(g)
    if gshape == lshape:
        return g
    if g.__class__ is _NDARRAY and len(gshape) > len(lshape) and like.__class__ is _NDARRAY \
            and gshape[len(gshape) - len(lshape):] == lshape:
        # the common case, kept short: broadcasting added leading axes only
        # (a bias added to a batch)
        extra = len(gshape) - len(lshape)
        return g.sum(axis=0 if extra == 1 else tuple(range(extra)))
    if isinstance(like, (list, tuple)) and not hasattr(like, "_fields"):
        if isinstance(g, (list, tuple)) and len(g) != len(like):
            raise _joined_lists_error()
        # a list NumPy turned into an array (x * C with x a list): the
        # array's adjoint, entry by entry
        import numpy
        return _entries(fit(g, numpy.shape(like), None, namespace_of(g)), like)
    return fit(g, lshape, getattr(like, "dtype", None), namespace_of(g))


def _joined_lists_error():
    """``a + b`` of lists srcad took for arrays (arguments, or entries of an
    argument): the adjoint of the joined list reached one of them whole."""
    from .errors import UnsupportedSyntaxError
    return UnsupportedSyntaxError(
        "a + b joins lists or tuples that srcad could not tell from arrays (arguments, or values "
        "read from one); reverse mode cannot split the joined list's derivative between them",
        construct="list concatenation",
        hint="join them as list(a) + list(b) or [*a, *b] in the function, or use forward mode")


def _entries(g, like):
    """The array adjoint ``g`` of the (nested) list ``like``, as a list."""
    if isinstance(like, (list, tuple)):
        return AdjList(_entries(g[i], v) for i, v in enumerate(like))
    return g


def fit(g, shape, dtype=None, xp=None):
    """``g`` summed or broadcast to ``shape`` (the two ways an adjoint's
    shape can differ from its value's under broadcasting)."""
    xp = xp or namespace_of(g)
    gshape = _shape(g)
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = xp.sum(g, axis=tuple(range(extra)))
        gshape = _shape(g)
    lead = len(shape) - len(gshape)
    axes = tuple(i for i, n in enumerate(shape)
                 if n == 1 and i >= lead and gshape[i - lead] != 1)
    if axes:
        g = xp.sum(g, axis=tuple(i - lead for i in axes), keepdims=True)
        gshape = _shape(g)
    if gshape == tuple(shape):
        return g
    if not hasattr(g, "shape"):
        return xp.full(shape, g, dtype=dtype)
    # a fresh array: adjoints are accumulated into in place
    out = xp.empty(shape, dtype=g.dtype if dtype is None else xp.result_type(g.dtype, dtype))
    out[...] = g
    return out


def broadcast_like(t, like):
    """``t`` broadcast to the shape of ``like`` (forward-mode counterpart of
    :func:`unbroadcast`; like it, it also sums a wider ``t`` down)."""
    lshape = _shape(like)
    if _shape(t) == lshape:
        return t
    xp = namespace_of(like)
    if not hasattr(t, "shape"):
        return xp.full(lshape, t, dtype=like.dtype)
    return fit(t, lshape, getattr(like, "dtype", None), xp)


def zeros_like(x):
    """A zero tangent or adjoint with the structure, shape and dtype of ``x``."""
    if x.__class__ is float:
        return 0.0
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(zeros_like(v) for v in x) if not hasattr(x, "_fields") else type(x)(*[zeros_like(v) for v in x])
    if isinstance(x, bool) or isinstance(x, numbers.Integral):
        return 0.0
    if isinstance(x, range):
        # (indexed and sliced as the range is, by code that takes it for a
        # value that may vary: generated loops differentiated again)
        return [0.0] * len(x)
    if _dataclass_fields(x) is not None:
        return dataclasses.replace(x, **{k: zeros_like(getattr(x, k)) for k in _dataclass_fields(x)})
    if isinstance(x, numbers.Number):
        return type(x)(0) if isinstance(x, (float, complex)) else 0.0
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        xp = namespace_of(x)
        return xp.zeros_like(x)
    return 0.0


class AdjList(list):
    """The adjoint of a tuple or list: elementwise addition, lazy zeros."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        out = AdjList(self)
        for i, v in enumerate(other):
            if i < len(out):
                out[i] = out[i] + v
            else:
                out.append(v)
        return out

    __radd__ = __add__
    __iadd__ = __add__      # list's own += would concatenate

    def __sub__(self, other):
        return self + [-v for v in other]

    def __neg__(self):
        return AdjList(-v for v in self)

    def __mul__(self, other):
        return AdjList(v * other for v in self)

    __rmul__ = __mul__


class AdjDict(dict):
    """The adjoint of a dict: keywise addition, lazy zeros."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        out = AdjDict(self)
        for k, v in other.items():
            out[k] = out[k] + v if k in out else v
        return out

    __radd__ = __add__

    def __neg__(self):
        return AdjDict({k: -v for k, v in self.items()})

    def __mul__(self, other):
        return AdjDict({k: v * other for k, v in self.items()})

    __rmul__ = __mul__


def _dataclass_fields(x):
    """The field names of a dataclass instance, None for anything else."""
    fields = getattr(type(x), "__dataclass_fields__", None)
    if fields is None or isinstance(x, type):
        return None
    return [name for name, f in fields.items() if f.init and getattr(f, "_field_type", None) is not None
            and f._field_type.name == "_FIELD"]


def field(tangent, x, name):
    """The tangent of ``x.name`` for a namedtuple or dataclass ``x`` whose
    tangent is ``tangent`` (an instance of the same type, or a lazy zero).

    >>> from collections import namedtuple
    >>> P = namedtuple("P", "w b")
    >>> field(P(1.0, 2.0), P(5.0, 6.0), "b")
    2.0
    """
    if not hasattr(x, "_fields") and _dataclass_fields(x) is None:
        _no_field_rule(x, name)
    if not _is_field(x, name):
        return 0.0   # a class constant (ClassVar): no tangent
    if isinstance(tangent, (int, float)) and not hasattr(tangent, "dtype") and tangent == 0:
        return 0.0
    if isinstance(tangent, dict):
        return tangent.get(name, 0.0)
    if isinstance(tangent, (list, tuple)) and hasattr(x, "_fields") and not hasattr(tangent, "_fields"):
        # a plain tuple of tangents (eigh's, slogdet's results) in field order
        return tangent[x._fields.index(name)]
    return getattr(tangent, name)


def field_adjoint(g, x, name):
    """The adjoint of a namedtuple or dataclass ``x`` from the adjoint ``g`` of
    ``x.name``: zero for the other fields.

    >>> from collections import namedtuple
    >>> P = namedtuple("P", "w b")
    >>> field_adjoint(3.0, P(5.0, 6.0), "b")
    [0.0, 3.0]
    """
    if (hasattr(x, "_fields") or _dataclass_fields(x) is not None) and not _is_field(x, name):
        return 0.0   # a class constant: nothing flows back
    if hasattr(x, "_fields"):
        out = AdjList([0.0] * len(x))
        out[x._fields.index(name)] = g
        return out
    if _dataclass_fields(x) is not None:
        return AdjFields({name: g}, x)
    _no_field_rule(x, name)


def _is_field(x, name):
    """Whether ``x.name`` is a field of the namedtuple or dataclass ``x``;
    a class constant is not, and a property or method is refused (its
    value is computed from the fields by code srcad does not see)."""
    fields = x._fields if hasattr(x, "_fields") else _dataclass_fields(x)
    if name in fields:
        return True
    attr = getattr(type(x), name, None)
    if isinstance(attr, (property, staticmethod, classmethod)) or callable(attr) or attr is None:
        from .errors import NonDifferentiableError
        raise NonDifferentiableError(
            f"{type(x).__name__}.{name} is not a field of the {type(x).__name__} being "
            f"differentiated (a property or method computes it)", construct="." + name,
            hint=f"compute it from the fields in the function (s.p ** 2 rather than a property)")
    return False


def record_fields(cls):
    """The fields of a namedtuple or dataclass type, in the order its
    constructor takes them; ``None`` for other types or for dataclasses
    whose constructor takes something else (``InitVar``, ``init=False``)."""
    if isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return list(cls._fields)
    fields = getattr(cls, "__dataclass_fields__", None)
    if not isinstance(cls, type) or fields is None:
        return None
    names = [n for n, f in fields.items() if getattr(f, "_field_type", None) is not None
             and f._field_type.name == "_FIELD"]
    if any(not fields[n].init for n in names) or any(
            f._field_type.name == "_FIELD_INITVAR" for f in fields.values()):
        return None
    return names


def record(cls, *values):
    """``cls(*values)`` for a namedtuple or dataclass type, fields in order.

    >>> from collections import namedtuple
    >>> record(namedtuple("P", "w b"), 1.0, 2.0)
    P(w=1.0, b=2.0)
    """
    return cls(*values)


def record_tangent(cls, *tangents):
    """The tangent of :func:`record`: an instance of ``cls`` holding the
    fields' tangents (lazy zeros stay ``0.0``), or a lazy zero."""
    if all(t.__class__ is float and t == 0.0 for t in tangents):
        return 0.0
    return cls(*tangents)


def record_adjoint(g, cls, n):
    """The adjoints of the ``n`` values a record of type ``cls`` was built
    from, given the record's adjoint ``g`` (a lazy zero, a list in field
    order, a dict of fields or an instance)."""
    if isinstance(g, (int, float)) and not hasattr(g, "dtype") and g == 0:
        return (0.0,) * n
    names = record_fields(cls)
    if isinstance(g, dict):
        return tuple(g.get(k, 0.0) for k in names)
    if isinstance(g, (list, tuple)):
        return tuple(g[i] if i < len(g) else 0.0 for i in range(n))
    return tuple(getattr(g, k) for k in names)


def _no_field_rule(x, name):
    from .errors import NonDifferentiableError
    raise NonDifferentiableError(
        f"the attribute .{name} of a {type(x).__name__} has no derivative rule",
        construct="." + name,
        hint="pass the values in a namedtuple, a dataclass, a dict or as arguments")


class AdjFields(AdjDict):
    """The adjoint of a dataclass instance ``like``: its fields as a dict, and
    ``like`` to turn it back into an instance (:func:`match`)."""

    def __init__(self, items, like):
        super().__init__(items)
        self.like = like

    def _same(self, items):
        return AdjFields(items, self.like)

    def __add__(self, other):
        return self._same(AdjDict.__add__(self, other))

    __radd__ = __add__

    def __neg__(self):
        return self._same(AdjDict.__neg__(self))

    def __mul__(self, other):
        return self._same(AdjDict.__mul__(self, other))

    __rmul__ = __mul__


def _is_basic_index(index):
    if isinstance(index, tuple):
        return all(_is_basic_index(i) for i in index)
    return index is None or index is Ellipsis or isinstance(index, (int, slice, numbers.Integral))


def _read_entry(x, index):
    """What ``x[index]`` reads, for a container ``x`` (its entry's own type
    decides whether its adjoint may be complex), else ``x``."""
    if isinstance(x, dict):
        return x.get(index)
    if isinstance(x, (list, tuple)) and not isinstance(index, slice):
        try:
            return x[index]
        except (IndexError, TypeError):
            return None
    return x


def add_at(adj, x, index, g):
    """Adjoint of ``y = x[index]``: ``adj`` plus ``g`` scattered into
    ``x[index]`` (repeated integer indices accumulate)."""
    if adj.__class__ is _NDARRAY and index.__class__ is int and (g.__class__ is float or g.__class__ is _FLOAT64) \
            and adj.base is None and adj.flags.writeable:
        adj[index] += g   # the commonest case, one real number into an array of its own
        return adj
    # the adjoint of a real value is real (a slice of a real signal times a
    # complex exponential): the imaginary part has no place
    if x.__class__ is _NDARRAY and (index.__class__ is slice or index.__class__ is int):
        # the common case, kept short: a NumPy array read with a slice or int
        real_x = x.dtype.kind != "c"
        if g.__class__ is _NDARRAY:
            if real_x and g.dtype.kind == "c":
                g = g.real
        elif real_x and g.__class__ is not float and g.__class__ is not _FLOAT64 and _is_complex(g):
            g = g.real
        if adj.__class__ is float and adj == 0.0:
            adj = _np_zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else _result_dtype(x, g))
            adj[index] += g
            return adj
        if adj.__class__ is _NDARRAY and adj.base is None and adj.flags.writeable:
            adj[index] += g
            return adj
    elif g.__class__ is not float and _is_complex(g) and not _is_complex(_read_entry(x, index)):
        g = g.real
    if isinstance(x, dict):
        out = AdjDict(adj) if isinstance(adj, dict) else AdjDict()
        out[index] = out[index] + g if index in out else g
        return out
    if isinstance(x, (list, tuple)):
        if isinstance(adj, list):
            out = AdjList(adj)
            while len(out) < len(x):
                out.append(0.0)
        else:
            out = AdjList([0.0] * len(x))
        if g.__class__ is float and g == 0.0:
            return out   # a lazy zero adds nothing
        if isinstance(index, slice):
            positions = range(len(x))[index]
            for p, v in zip(positions, g):
                out[p] = out[p] + v
        else:
            out[index] = out[index] + g
        return out
    if x.__class__ is range:
        return adj   # (an entry of a range is an integer: no derivative)
    if isinstance(adj, (int, float)) and adj == 0:
        xp = namespace_of(x)
        adj = xp.zeros(_shape(x), dtype=_result_dtype(x, g))
    elif isinstance(adj, numbers.Number) and hasattr(x, "shape"):
        # the adjoint of a NumPy scalar, still a Python number: an array now
        xp = namespace_of(x)
        adj = xp.full(_shape(x), adj, dtype=_result_dtype(x, g))
    else:
        adj = _owned(adj)
    if isinstance(g, list):  # one adjoint per unpacked row: CuPy takes only arrays
        g = _stacked(g, adj[index])
    return _add_into(adj, index, g)


def _add_into(out, index, v):
    """``out[index] += v`` in place, repeated indices adding up (``ufunc.at``
    where an advanced index needs it and the namespace has it)."""
    if not _is_basic_index(index):
        xp = namespace_of(out)
        if hasattr(xp, "add") and hasattr(xp.add, "at"):
            xp.add.at(out, index, v)
            return out
    out[index] += v   # basic indices do not repeat; array-API namespaces lack ufunc.at
    return out


def _stacked(rows, like):
    """The adjoints ``rows`` (arrays or lazy zeros) as one array shaped like ``like``."""
    xp = namespace_of(like)
    return xp.stack([xp.broadcast_to(xp.asarray(v, dtype=like.dtype), like.shape[1:]) for v in rows])


def _result_dtype(x, g):
    dt = getattr(x, "dtype", None)
    if dt is None or getattr(dt, "kind", "f") not in "fc":
        dt = getattr(g, "dtype", None)
    if dt is None or getattr(dt, "kind", "f") not in "fc":
        import numpy
        dt = numpy.float64
    return dt


def adjoint_at(adj, index):
    """``adj[index]`` where ``adj`` may still be a lazy zero."""
    if adj.__class__ is _NDARRAY and index.__class__ is int and adj.ndim == 1:
        return adj[index]   # one entry of a vector: a number, no view
    if isinstance(adj, (int, float)) and adj == 0:
        return 0.0
    if isinstance(adj, dict):
        return adj.get(index, 0.0)
    adj = _zero_dim(adj)
    out = adj[index]
    # a view would see the region being zeroed right after (zero_at)
    return out.copy() if getattr(out, "base", None) is not None else out


def zero_at(adj, index):
    """``adj`` with ``adj[index]`` set to zero (the adjoint of an overwritten
    region); a lazy zero stays lazy."""
    if adj.__class__ is _NDARRAY and adj.base is None and adj.flags.writeable:
        adj[index] = 0   # the common case, kept short: an array of its own
        return adj
    if isinstance(adj, (int, float)) and adj == 0:
        return adj
    if isinstance(adj, dict):
        out = AdjDict(adj)
        out.pop(index, None)
        return out
    if isinstance(adj, list):
        out = AdjList(adj)
        out[index] = 0.0 if not isinstance(index, slice) else out[index]
        if isinstance(index, slice):
            for p in range(len(out))[index]:
                out[p] = 0.0
        return out
    adj = _owned(_zero_dim(adj))
    adj[index] = 0
    return adj


def _zero_dim(adj):
    """A number standing for the adjoint of a 0-d array (the cotangent
    ``1.0`` of a 0-d result) as a 0-d array, which can be indexed."""
    if isinstance(adj, _SCALARS) and adj == 0:
        return adj   # a lazy zero stays lazy
    if isinstance(adj, _SCALARS) or (getattr(adj, "shape", None) == ()
                                     and not hasattr(adj, "__setitem__")):
        import numpy
        return numpy.asarray(adj)
    return adj


def added_at(adj, x, index, g):
    """:func:`add_at` into a new array, ``adj`` left as it was: for the
    forward sweep of a derivative of generated code, whose backward sweep
    may still read the value ``adj`` is (``ad.unbroadcast(t, x)`` returns
    ``t`` itself)."""
    if getattr(adj, "flags", None) is not None:
        adj = adj.copy()
    return add_at(adj, x, index, g)


def zeroed_at(adj, index):
    """:func:`zero_at` into a new array (see :func:`added_at`)."""
    if getattr(adj, "flags", None) is not None:
        adj = adj.copy()
    return zero_at(adj, index)


def _owned(adj):
    """``adj``, or a copy when writing into it could change another array
    (a view, a read-only broadcast; arrays that do not tell are copied)."""
    flags = getattr(adj, "flags", None)
    if flags is None:
        return copy(adj)
    # CuPy's flags have no ``writeable``: its arrays always are
    if getattr(adj, "base", None) is not None or not getattr(flags, "writeable", True):
        return adj.copy()
    return adj


def tangent_copy(t, x):
    """A copy of the tangent ``t`` of ``x`` that the code may write into: a
    zero tangent given as ``0.0`` becomes zeros shaped like ``x``."""
    if t.__class__ is float and t == 0.0 and hasattr(x, "shape"):
        return zeros_like(x)
    return copy(t)


def copy(x):
    """A copy of ``x`` that later mutations of ``x`` cannot change."""
    if isinstance(x, list):
        return list(x)
    if isinstance(x, dict):
        return dict(x)
    if hasattr(x, "shape"):
        if hasattr(x, "copy"):
            return x.copy()
        return namespace_of(x).asarray(x, copy=True)
    return x


def deep_copy(x):
    """``copy.deepcopy(x)``: nothing of ``x`` is shared (its derivative
    passes through as it does for :func:`copy`)."""
    import copy as _copy
    return _copy.deepcopy(x)


def scatter_add(a, index, v, like=None):
    """``a`` with ``v`` added at ``index``, repeated indices adding up: what
    ``np.add.at(a, index, v)`` leaves in ``a``, as a new array (``like``
    gives the shape when ``a`` is a lazy zero tangent).

    >>> import numpy as np
    >>> scatter_add(np.zeros(3), np.array([0, 1, 1]), np.array([1.0, 2.0, 3.0]))
    array([1., 5., 0.])
    """
    v_zero = isinstance(v, (int, float)) and v == 0
    if isinstance(a, (int, float)) and a == 0:
        if v_zero:
            return 0.0
        out = namespace_of(like).zeros(_shape(like), dtype=_result_dtype(like, v))
    elif v_zero:
        return a
    else:
        out = copy(a)
    return _add_into(out, index, v)


def running_extremum(x, largest, axis=0):
    """``np.maximum.accumulate(x, axis)`` (``largest``) or
    ``np.minimum.accumulate``: the running maximum or minimum.

    >>> import numpy as np
    >>> running_extremum(np.array([1.0, 3.0, 2.0, 5.0]), True)
    array([1., 3., 3., 5.])
    """
    xp = namespace_of(x)
    return (xp.maximum if largest else xp.minimum).accumulate(x, axis=axis)


def running_extremum_index(x, result, axis=0):
    """For each entry of a running extremum, the position along ``axis`` it
    was taken from (the first of ties)."""
    xp = namespace_of(x)
    r = xp.moveaxis(result, axis, -1)
    n = _shape(r)[-1]
    head = xp.ones(_shape(r)[:-1] + (1,), dtype=bool)
    new = xp.concatenate([head, r[..., 1:] != r[..., :-1]], axis=-1)
    positions = xp.where(new, xp.arange(n), 0)
    return xp.maximum.accumulate(positions, axis=-1)


def running_extremum_adjoint(g, x, result, axis=0):
    """Adjoint of :func:`running_extremum`: each entry's adjoint goes to the
    position its value was taken from."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    xp = namespace_of(x)
    idx = running_extremum_index(x, result, axis)
    gm = xp.moveaxis(xp.broadcast_to(g, _shape(result)), axis, -1)
    out = xp.zeros(_shape(gm), dtype=_result_dtype(x, g))
    lead = _shape(gm)[:-1]
    flat_out = xp.reshape(out, (-1, _shape(gm)[-1]))
    flat_idx = xp.reshape(idx, (-1, _shape(gm)[-1]))
    flat_g = xp.reshape(gm, (-1, _shape(gm)[-1]))
    rows = xp.arange(_shape(flat_out)[0])[:, None]
    xp.add.at(flat_out, (rows, flat_idx), flat_g)
    return xp.moveaxis(xp.reshape(flat_out, lead + (_shape(gm)[-1],)), -1, axis)


def running_extremum_tangent(t, x, result, axis=0):
    """Tangent of :func:`running_extremum`: the tangent at each entry's source."""
    if t.__class__ is float and t == 0.0:
        return 0.0
    xp = namespace_of(x)
    idx = running_extremum_index(x, result, axis)
    tm = xp.moveaxis(xp.broadcast_to(t, _shape(x)), axis, -1)
    return xp.moveaxis(xp.take_along_axis(tm, idx, axis=-1), -1, axis)


def logaddexp_accumulate(x, base2=False, axis=0):
    """``np.logaddexp.accumulate(x, axis)`` (``np.logaddexp2`` for
    ``base2``): the running log-sum-exp.

    >>> import numpy as np
    >>> logaddexp_accumulate(np.log(np.array([1.0, 2.0, 3.0])))
    array([0.        , 1.09861229, 1.79175947])
    """
    xp = namespace_of(x)
    return (xp.logaddexp2 if base2 else xp.logaddexp).accumulate(x, axis=axis)


def log_scale(base2):
    """The natural log of the base: 1 for e, log 2 for ``base2``."""
    return 0.6931471805599453 if base2 else 1.0


def _signed_running_lse(u, v, base2, axis, reverse):
    """``(P, N)``: the running log-sum-exp of ``u + log(v)`` over the entries
    where ``v > 0`` (``P``) and of ``u + log(-v)`` where ``v < 0`` (``N``),
    from the start along ``axis`` (or from the end, ``reverse``); ``-inf``
    where there is none yet. Sums of positive terms only: no cancellation,
    no overflow."""
    xp = namespace_of(u)
    log = xp.log2 if base2 else xp.log
    acc = (xp.logaddexp2 if base2 else xp.logaddexp).accumulate
    u = xp.broadcast_to(u, _shape(v)) if _shape(u) != _shape(v) else u
    ninf = xp.asarray(-xp.inf, dtype=u.dtype)
    out = []
    for mask, mag in ((v > 0, v), (v < 0, -v)):
        w = xp.where(mask, u + log(xp.where(mask, mag, 1)), ninf)
        if reverse:
            out.append(xp.flip(acc(xp.flip(w, axis=axis), axis=axis), axis=axis))
        else:
            out.append(acc(w, axis=axis))
    return out


def logaddexp_accumulate_apply(v, x, r, base2=False, axis=0):
    """``out[i] = sum over j <= i of B**(x[j] - r[i]) * v[j]`` along ``axis``
    (``B`` is e, or 2 for ``base2``), for ``r`` the running log-sum-exp of
    ``x``: the tangent of :func:`logaddexp_accumulate` for ``v = t[x]``."""
    if v.__class__ is float and v == 0.0:
        return 0.0
    xp = namespace_of(x)
    v = xp.broadcast_to(v, _shape(x)) if _shape(v) != _shape(x) else v
    p, n = _signed_running_lse(x, v, base2, axis, False)
    power = xp.exp2 if base2 else xp.exp
    return power(p - r) - power(n - r)


def logaddexp_accumulate_transpose(g, x, r, base2=False, axis=0):
    """``out[j] = sum over i >= j of B**(x[j] - r[i]) * g[i]``: the
    transpose of :func:`logaddexp_accumulate_apply`, the adjoint of
    :func:`logaddexp_accumulate`."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    xp = namespace_of(x)
    g = xp.broadcast_to(g, _shape(r)) if _shape(g) != _shape(r) else g
    p, n = _signed_running_lse(-r, g, base2, axis, True)
    power = xp.exp2 if base2 else xp.exp
    return power(x + p) - power(x + n)


def add_reduceat(x, indices, axis=0):
    """``np.add.reduceat(x, indices, axis)``: sums over the segments that
    start at ``indices``.

    >>> import numpy as np
    >>> add_reduceat(np.arange(5.0), [0, 2, 3])
    array([1., 2., 7.])
    """
    return namespace_of(x).add.reduceat(x, indices, axis=axis)


def add_reduceat_adjoint(g, x, indices, axis=0):
    """Adjoint of :func:`add_reduceat`: each segment's adjoint spread over
    the entries it sums (segment ``k`` covers ``indices[k]`` up to
    ``indices[k + 1]``, or the one entry ``indices[k]`` where the next index
    is not larger; the last runs to the end), by a running sum of
    differences."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    xp = namespace_of(g)
    n = _shape(x)[axis]
    start = xp.asarray(indices) % n if n else xp.asarray(indices)
    nxt = xp.concatenate([start[1:], xp.asarray([n], dtype=start.dtype)])
    stop = xp.where(nxt > start, nxt, start + 1)
    stop[-1] = n
    gm = xp.moveaxis(xp.broadcast_to(g, _shape(add_reduceat(x, indices, axis))), axis, 0)
    diff = xp.zeros((n + 1,) + _shape(gm)[1:], dtype=_result_dtype(x, g))
    xp.add.at(diff, start, gm)
    xp.subtract.at(diff, stop, gm)
    return xp.moveaxis(xp.cumsum(diff, axis=0)[:n], 0, axis)


def _along(x, indices, axis):
    """``(x, indices, axis, shape)`` with ``axis=None`` read as the flattened
    array along axis 0 (as ``put_along_axis`` and ``take_along_axis`` do)."""
    if axis is None:
        xp = namespace_of(x)
        return xp.reshape(x, (-1,)), indices, 0, _shape(x)
    return x, indices, axis, None


def put_along_axis_copy(arr, indices, values, axis):
    """A copy of ``arr`` after ``np.put_along_axis(arr, indices, values, axis)``:
    the write ``put_along_axis`` does in place, as a value.

    >>> import numpy as np
    >>> put_along_axis_copy(np.zeros((2, 2)), np.array([[1], [0]]), 5.0, 1)
    array([[0., 5.],
           [5., 0.]])
    """
    xp = namespace_of(arr)
    out = copy(arr)
    xp.put_along_axis(out, indices, values, axis)
    return out


def put_along_axis_cleared(v, indices, axis):
    """``v`` with zeros where ``put_along_axis`` writes: the part of the
    result that still comes from the array written into."""
    if v.__class__ is float and v == 0.0:
        return 0.0
    xp = namespace_of(v)
    out = copy(v)
    xp.put_along_axis(out, indices, 0, axis)
    return out


def put_along_axis_values(tv, arr, indices, values, axis):
    """Zeros shaped like ``arr`` with ``tv`` written where
    ``put_along_axis(arr, indices, values, axis)`` writes ``values``."""
    if tv.__class__ is float and tv == 0.0:
        return 0.0
    xp = namespace_of(arr)
    out = xp.zeros(_shape(arr), dtype=_result_dtype(arr, tv))
    xp.put_along_axis(out, indices, xp.broadcast_to(tv, _shape(values)), axis)
    return out


def put_along_axis_gather(g, arr, indices, values, axis):
    """Adjoint of :func:`put_along_axis_values` for ``tv``: ``g`` read where
    each value was written, zero for a value a later one with the same
    index overwrote, summed back to the shape of ``values``."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    xp = namespace_of(g)
    g = xp.broadcast_to(g, _shape(arr))
    flat, idx, ax, _ = _along(g, indices, axis)
    shape = xp.broadcast_shapes(_shape(idx), _shape(values))
    idx = xp.broadcast_to(xp.asarray(idx), shape)
    ids = xp.reshape(xp.arange(int(math.prod(shape))), shape)
    owner = xp.full(_shape(flat), -1, dtype=ids.dtype)
    xp.put_along_axis(owner, idx, ids, ax)
    won = xp.take_along_axis(owner, idx, ax) == ids
    got = xp.where(won, xp.take_along_axis(flat, idx, ax), 0)
    return unbroadcast(got, values)


def concat(a, b):
    """``a + b`` for lists or tuples (the concatenation).

    >>> concat([1.0], [2.0, 3.0])
    [1.0, 2.0, 3.0]
    """
    if isinstance(a, list) and isinstance(b, tuple):
        return a + list(b)   # lst += (v, w) extends a list with a tuple too
    return a + b   # (a list plus an array: NumPy adds them entry by entry)


def concat_tangent(ta, tb, a, b):
    """Tangent of :func:`concat`: the tangents of both, joined (lazy zeros
    become one zero per entry)."""
    za = ta.__class__ is float and ta == 0.0
    zb = tb.__class__ is float and tb == 0.0
    if za and zb:
        return 0.0
    if not _both_sequences(a, b):
        # an array plus a list: NumPy's elementwise sum
        return _sum_tangent(ta, a, b) if zb else (
            _sum_tangent(tb, b, a) if za else _sum_tangent(ta, a, b) + _sum_tangent(tb, b, a))
    left = _zero_entries(a) if za else list(ta)
    right = _zero_entries(b) if zb else list(tb)
    return AdjList(left + right)


def _zero_entries(seq):
    """One zero tangent per entry of ``seq``, nested like the rows it holds
    (``[[1.0, 2.0]]`` gets ``[[0.0, 0.0]]``, which NumPy can stack)."""
    return [zeros_like(v) if isinstance(v, (list, tuple)) else 0.0 for v in seq]


def concat_adjoint_transpose(h, a, b, which):
    """Transpose of :func:`concat_adjoint` (reverse mode over it): ``h`` as
    the part of the joined adjoint that belongs to ``a`` (``which=0``) or
    ``b`` (1), the other part zero."""
    x = a if which == 0 else b
    if isinstance(x, (list, tuple)) and not _both_sequences(a, b) and not _lazy(h):
        # the adjoint of a list NumPy added to an array: entries, some lazy
        import numpy
        from .rule_helpers import array_adjoint_transpose
        other = b if which == 0 else a
        h = array_adjoint_transpose(h, namespace_of(other).zeros(numpy.shape(x)), x)
    return concat_tangent(h, 0.0, a, b) if which == 0 else concat_tangent(0.0, h, a, b)


def concat_adjoint(g, a, b, which):
    """Adjoint of :func:`concat` for ``a`` (``which=0``) or ``b`` (1): its
    part of the joined adjoint."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    if not _both_sequences(a, b):
        # an array plus a list: NumPy's elementwise sum
        from .rule_helpers import array_adjoint
        x = a if which == 0 else b
        if isinstance(x, (list, tuple)):
            return array_adjoint(unbroadcast(g, namespace_of(g).asarray(x)), x)
        return unbroadcast(g, x)
    g = list(g) + [0.0] * (len(a) + len(b) - len(g))
    return AdjList(g[:len(a)] if which == 0 else g[len(a):])


def _both_sequences(a, b):
    """Whether ``a + b`` joins two lists or tuples (rather than NumPy adding
    an array and a list entry by entry)."""
    return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))


def _sum_tangent(t, x, other):
    """The tangent ``t`` of ``x`` as a term of the tangent of the NumPy sum
    ``x + other``, shaped like that sum."""
    import numpy
    from .rule_helpers import array_tangent
    xp = namespace_of(x if hasattr(x, "shape") else other)
    if isinstance(x, (list, tuple)):
        t = array_tangent(t, xp.asarray(x))
    shape = numpy.broadcast_shapes(numpy.shape(x), numpy.shape(other))
    return t if _shape(t) == shape else broadcast_like(t, xp.zeros(shape))


def with_item(seq, index, value, like=None):
    """A copy of ``seq`` (a list or an array) with ``value`` at ``index``:
    what ``seq[index] = value`` leaves, without writing into ``seq`` (which
    may be a row of something else). ``like`` gives the shape when ``seq``
    is a lazy zero tangent.

    >>> with_item([1.0, 2.0], 1, 5.0)
    [1.0, 5.0]
    """
    if isinstance(seq, (int, float)) and not hasattr(seq, "dtype") and seq == 0:
        if isinstance(value, (int, float)) and not hasattr(value, "dtype") and value == 0:
            return 0.0
        seq = AdjList([0.0] * len(like)) if isinstance(like, list) else \
            namespace_of(like).zeros(_shape(like), dtype=_result_dtype(like, value))
    out = copy(seq)
    if isinstance(out, list) and not isinstance(index, slice):
        out[index] = value
    else:
        out[index] = value
    return AdjList(out) if isinstance(seq, AdjList) else out


def without_item(g, index):
    """The adjoint ``g`` of :func:`with_item`'s result with the written
    entry zeroed: what flows back to the sequence."""
    if isinstance(g, (int, float)) and not hasattr(g, "dtype") and g == 0:
        return 0.0
    return zero_at(copy(g), index)


def along_axis_shape(moved, stacked):
    """The shape ``np.apply_along_axis`` gives its stacked results before
    their axes go where the axis was: ``moved``'s outer axes, then each
    result's.

    >>> import numpy as np
    >>> along_axis_shape(np.zeros((2, 3, 4)), np.zeros((6, 5)))
    (2, 3, 5)
    """
    return tuple(_shape(moved)[:-1]) + tuple(_shape(stacked)[1:])


def along_axis_axes(moved, shaped, axis):
    """``(source, destination)`` for ``np.moveaxis``: the axes of each
    result of ``np.apply_along_axis``, last in ``shaped``, go where ``axis``
    of the array was.

    >>> import numpy as np
    >>> along_axis_axes(np.zeros((2, 3, 4)), np.zeros((2, 3, 5)), 0)
    ((2,), (0,))
    """
    outer = len(_shape(moved)) - 1
    k = len(_shape(shaped)) - outer
    axis = axis % (outer + 1)
    return tuple(range(outer, outer + k)), tuple(range(axis, axis + k))


def diagonal_index(a):
    """The index of the entries ``np.fill_diagonal(a, v)`` writes
    (``a[i, i, ..., i]`` for ``i < min(a.shape)``).

    >>> import numpy as np
    >>> diagonal_index(np.zeros((2, 3)))
    (array([0, 1]), array([0, 1]))
    """
    i = namespace_of(a).arange(min(_shape(a)))
    return (i,) * len(_shape(a))


def deleted(seq, index):
    """What ``del seq[index]`` leaves of a list or dict, as a new one
    (``seq.pop(index)`` leaves the same).

    >>> deleted([1.0, 2.0, 3.0], 0), deleted({"a": 1.0, "b": 2.0}, "a")
    ([2.0, 3.0], {'b': 2.0})
    """
    if isinstance(seq, (int, float)) and not hasattr(seq, "dtype") and seq == 0:
        return seq   # a lazy zero tangent
    if isinstance(seq, dict):
        if isinstance(seq, AdjDict):
            out = AdjDict(seq)
            out.pop(index, None)   # (an adjoint leaves out what carries none)
            return out
        out = dict(seq)
        del out[index]
        return out
    if isinstance(seq, (list, tuple)):
        out = list(seq)
        del out[index]
        return AdjList(out) if isinstance(seq, AdjList) else out
    raise TypeError(f"cannot delete items of a {type(seq).__name__}")


def deleted_adjoint(g, seq, index):
    """Adjoint of :func:`deleted`: ``g`` with zeros put back where the items
    were taken out."""
    if isinstance(g, (int, float)) and not hasattr(g, "dtype") and g == 0:
        return 0.0
    if isinstance(seq, dict):
        return AdjDict(g)
    gone = set(range(len(seq))[index]) if isinstance(index, slice) else {index % len(seq)}
    rest = iter(g)
    return AdjList(0.0 if p in gone else next(rest) for p in range(len(seq)))


def repeated(seq, n):
    """``seq * n`` for a list or tuple (a lazy zero tangent stays one).

    >>> repeated([1.0, 2.0], 2)
    [1.0, 2.0, 1.0, 2.0]
    """
    if isinstance(seq, (int, float)) and not hasattr(seq, "dtype") and seq == 0:
        return seq
    if isinstance(seq, AdjList):
        return AdjList(list(seq) * n)   # (an AdjList's own * scales its entries)
    return seq * n


def repeated_adjoint_transpose(h, seq, n):
    """Transpose of :func:`repeated_adjoint` (reverse mode over it): ``h``,
    one adjoint per entry of ``seq`` (missing ones are lazy zeros), once per copy."""
    if isinstance(h, (int, float)) and not hasattr(h, "dtype") and h == 0:
        return 0.0
    h = list(h) + [0.0] * (len(seq) - len(h))
    return AdjList(h * n)


def repeated_adjoint(g, seq, n):
    """Adjoint of :func:`repeated`: the copies' adjoints added up."""
    if isinstance(g, (int, float)) and not hasattr(g, "dtype") and g == 0:
        return 0.0
    k = len(seq)
    out = [0.0] * k
    for i, v in enumerate(g):
        out[i % k] = out[i % k] + v
    return AdjList(out)


def inserted(seq, index, value):
    """What ``seq.insert(index, value)`` leaves of a list, as a new one.

    >>> inserted([1.0, 3.0], 1, 2.0)
    [1.0, 2.0, 3.0]
    """
    if isinstance(seq, (int, float)) and not hasattr(seq, "dtype") and seq == 0:
        if isinstance(value, (int, float)) and not hasattr(value, "dtype") and value == 0:
            return 0.0
        raise TypeError("a tangent list is needed to insert into")   # (rules pass one)
    out = list(seq)
    out.insert(index, value)
    return AdjList(out) if isinstance(seq, AdjList) else out


def inserted_tangent(tseq, index, tvalue, seq):
    """Tangent of :func:`inserted` (a lazy zero list becomes zeros)."""
    if isinstance(tseq, (int, float)) and not hasattr(tseq, "dtype") and tseq == 0:
        if isinstance(tvalue, (int, float)) and not hasattr(tvalue, "dtype") and tvalue == 0:
            return 0.0
        tseq = [0.0] * len(seq)
    return inserted(tseq, index, tvalue)


def inserted_position(seq, index):
    """Where ``seq.insert(index, v)`` puts ``v`` (Python clamps ``index``)."""
    n = len(seq)
    if index < 0:
        index += n
    return min(max(index, 0), n)


def keys(d):
    """The keys of the dict ``d``, as a list (a loop over ``d.items()``
    runs over them).

    >>> keys({"W": 1.0, "b": 2.0})
    ['W', 'b']
    """
    return list(d)


def apply_unpacked(fn, args, /, **kwargs):
    """``fn(*args, **kwargs)``: a call that unpacks a shape (``np.ndindex(*x.shape)``),
    whose number of arguments is only known when it runs."""
    return fn(*args, **kwargs)


def sequence(x):
    """``x`` if it can be indexed by position, else ``list(x)``."""
    if isinstance(x, (list, tuple, range)) or hasattr(x, "shape"):
        return x
    return list(x)


def sequence_adjoint(g, x):
    """Adjoint of :func:`sequence` for ``x``: ``g``, or none for a dict
    (its keys, which ``list(d)`` gives, carry no derivative)."""
    return 0.0 if isinstance(x, dict) else g


def shortest(rows):
    """The length of the shortest of ``rows`` (0 for no rows): how many
    items ``zip(*rows)`` yields.

    >>> shortest([[1, 2, 3], [4, 5]])
    2
    """
    return min((len(r) for r in rows), default=0)


def sort_order(seq, key=None, reverse=False):
    """The positions of ``seq``'s items in ``sorted(seq, key=key,
    reverse=reverse)`` order (stable, as ``sorted`` is).

    >>> sort_order([3.0, 1.0, 2.0])
    [1, 2, 0]
    """
    if key is None:
        return sorted(range(len(seq)), key=seq.__getitem__, reverse=reverse)
    return sorted(range(len(seq)), key=lambda i: key(seq[i]), reverse=reverse)


def item_adjoint(adj, key):
    """The adjoint of one element of a container whose adjoint is ``adj``."""
    if isinstance(adj, (int, float)) and adj == 0:
        return 0.0
    if isinstance(adj, dict):
        return adj.get(key, 0.0)
    return adj[key]


def container_tangent(values, like):
    """Build the tangent of a container from element tangents; ``None``
    entries (inactive elements) become zeros like the primal element."""
    if isinstance(like, dict):
        return {k: (zeros_like(like[k]) if v is None else v) for k, v in values.items()}
    out = [zeros_like(p) if v is None else v for v, p in zip(values, like)]
    return tuple(out) if isinstance(like, tuple) else out


def match(adj, x):
    """The final gradient for argument ``x``: same structure, shape and dtype
    as ``x`` (lazy zeros become real zeros, float32 stays float32)."""
    if adj.__class__ is _NDARRAY and x.__class__ is _NDARRAY and adj.shape == x.shape \
            and adj.dtype == x.dtype and x.shape:
        return adj   # the common case for arrays, already in shape
    if x.__class__ is float:
        if adj.__class__ is float:
            return adj
        if isinstance(adj, float):   # a NumPy float64 (a subclass of float)
            return float(adj)
    if isinstance(x, dict):
        adj = adj if isinstance(adj, dict) else {}
        return {k: match(adj.get(k, 0.0), v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if not isinstance(adj, (list, tuple)):
            adj = [0.0] * len(x)
        elif len(adj) > len(x):
            raise _joined_lists_error()
        items = [match(a, v) for a, v in zip(adj, x)]
        if hasattr(x, "_fields"):
            return type(x)(*items)
        return type(x)(items)
    if _dataclass_fields(x) is not None:
        if not isinstance(adj, dict):
            adj = {k: getattr(adj, k) for k in _dataclass_fields(x)} if type(adj) is type(x) else {}
        return dataclasses.replace(x, **{k: match(adj.get(k, 0.0), getattr(x, k))
                                         for k in _dataclass_fields(x)})
    if x is None or isinstance(x, (str, bytes)):
        return None
    if isinstance(x, bool):
        return None
    if isinstance(x, numbers.Integral) and not hasattr(x, "dtype"):
        return None
    if isinstance(x, (float, int)) and not hasattr(x, "dtype"):
        if hasattr(adj, "shape") and _shape(adj) == ():
            return float(namespace_of(adj).real(adj)) if _is_complex(adj) else float(adj)
        if isinstance(adj, (int, float)):
            return float(adj)
        if isinstance(adj, complex):
            return adj.real   # a real argument's share of a complex adjoint
        return adj
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        kind = getattr(x.dtype, "kind", "f")
        if kind not in "fc":
            return None
        if x.__class__ is not _NDARRAY and isinstance(x, numbers.Number) and not x.shape:
            # a NumPy scalar (np.float32(1.5)): a scalar of its type back
            if _shape(adj) != ():
                adj = unbroadcast(adj, x)
            if kind == "f" and _is_complex(adj):
                adj = adj.real
            return x.dtype.type(adj)
        xp = namespace_of(x)
        if isinstance(adj, (int, float)) and not hasattr(adj, "dtype"):
            if adj == 0:
                return xp.zeros_like(x)
            return xp.full(x.shape, adj, dtype=x.dtype)
        if _shape(adj) != x.shape:
            adj = unbroadcast(adj, x) if len(_shape(adj)) >= len(x.shape) else xp.broadcast_to(adj, x.shape)
        if getattr(adj, "dtype", None) != x.dtype:
            if kind == "f" and _is_complex(adj):
                adj = xp.real(adj)   # a real argument's share of a complex adjoint
            adj = adj.astype(x.dtype) if hasattr(adj, "astype") else xp.astype(xp.asarray(adj), x.dtype)
        if adj.__class__ is not x.__class__ and not x.shape and not isinstance(x, numbers.Number):
            adj = xp.asarray(adj)   # a 0-d array's gradient is a 0-d array, not a scalar
        return adj
    return adj


# -- helpers used by the rules in rules/ -------------------------------------------


def _is_complex(x):
    return isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", None) == "c"


def pair(g, v):
    """``Re(sum(g * v))`` over the entries of ``g`` and ``v`` (arrays, or
    tuples, lists and dicts of them, lazy zeros too): how a cotangent pairs
    with a tangent."""
    if _lazy(g) or _lazy(v) or g is None or v is None:
        return 0.0
    if isinstance(g, dict):
        return sum((pair(g[k], v[k]) for k in g if k in v), 0.0)
    if isinstance(g, (list, tuple)):
        return sum((pair(a, b) for a, b in zip(g, v)), 0.0)
    p = g * v
    if hasattr(p, "shape"):
        p = namespace_of(p).sum(p)
    return p.real if _is_complex(p) else p


def pair_adjoint(r, other):
    """The adjoint of one side of :func:`pair` from the adjoint ``r`` of
    the pairing: ``r`` times the other side, entry by entry."""
    if _lazy(r) or _lazy(other) or other is None:
        return 0.0
    if isinstance(other, dict):
        return AdjDict({k: pair_adjoint(r, e) for k, e in other.items()})
    if isinstance(other, (list, tuple)):
        return AdjList(pair_adjoint(r, e) for e in other)
    return r * other


def nones_as_zeros(values):
    """A tuple of cotangents with ``None`` (a zero, in a hand-written
    backward function) as ``0.0``."""
    return tuple(0.0 if v is None else v for v in values)


def real_adjoint(g):
    """The adjoint of a real value: ``g``'s real part. Multiplied by a
    complex factor, the adjoint of a real intermediate value picks up an
    imaginary part that pairs with no tangent; it is dropped where a complex
    value became real (``abs``, ``real``, ``imag``, ``angle``), before the
    adjoint meets a complex factor again."""
    if g.__class__ is float:
        return g
    if isinstance(g, complex):
        return g.real
    if getattr(getattr(g, "dtype", None), "kind", None) == "c":
        return namespace_of(g).real(g)
    return g


def sign(x):
    """The adjoint factor of ``abs`` at ``x``: its sign for real ``x``, and
    ``conj(x) / |x|`` (zero at zero) for complex ``x``, so that the adjoint of a
    complex argument pairs with its tangent as the real part of their product.

    >>> sign(-2.0), sign(3 + 4j)
    (-1.0, (0.6-0.8j))
    """
    if isinstance(x, (int, float)):
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    if isinstance(x, complex):
        m = abs(x)
        return x.conjugate() / m if m else 0j
    xp = namespace_of(x)
    if _is_complex(x):
        m = xp.abs(x)
        return xp.where(m == 0, 0, xp.conj(x) / xp.where(m == 0, 1, m))
    return xp.sign(x)


def sign_derivative(x, v):
    """The derivative of :func:`sign` at ``x`` along ``v``: zero for real
    ``x`` (the sign is constant almost everywhere); for complex ``x``, with
    ``m = |x|``, ``conj(v) / m - conj(x) Re(conj(x) v) / m**3``.

    >>> sign_derivative(-2.0, 1.0), sign_derivative(2j, 1.0)
    (0.0, (0.5-0j))
    """
    if not _is_complex(x):
        return 0.0
    if _lazy(v):
        return 0.0
    if isinstance(x, complex):
        m = abs(x)
        return (complex(v).conjugate() / m - x.conjugate() * (x.conjugate() * v).real / m ** 3) if m else 0j
    xp = namespace_of(x)
    m = xp.abs(x)
    safe = xp.where(m == 0, 1, m)
    out = xp.conj(v) / safe - xp.conj(x) * xp.real(xp.conj(x) * v) / safe ** 3
    return xp.where(m == 0, 0, out)


def sign_adjoint(x, g):
    """The transpose of :func:`sign_derivative` (the adjoint that reaches
    ``x`` from the adjoint ``g`` of ``sign(x)``): zero for real ``x``; for
    complex ``x``, ``conj(g) / m - Re(g conj(x)) conj(x) / m**3``."""
    if not _is_complex(x):
        return 0.0
    if _lazy(g):
        return 0.0
    if isinstance(x, complex):
        m = abs(x)
        return (complex(g).conjugate() / m - (g * x.conjugate()).real * x.conjugate() / m ** 3) if m else 0j
    xp = namespace_of(x)
    m = xp.abs(x)
    safe = xp.where(m == 0, 1, m)
    out = xp.conj(g) / safe - xp.real(g * xp.conj(x)) * xp.conj(x) / safe ** 3
    return xp.where(m == 0, 0, out)


def abs_tangent_dx(x, tx, v):
    """How :func:`abs_tangent` (``Re(sign(x) tx)``) moves with ``x`` along
    ``v``: ``Re(sign_derivative(x, v) tx)``, zero for real ``x``."""
    if not _is_complex(x) or _lazy(v) or _lazy(tx):
        return 0.0
    d = sign_derivative(x, v) * tx
    return d.real if isinstance(d, complex) else namespace_of(d).real(d)


def no_third_order(x, v):
    """A derivative of the helpers above: zero for real ``x`` (they are);
    for complex ``x`` refused rather than silently dropped."""
    if _is_complex(x) and not _lazy(v):
        from .errors import NonDifferentiableError
        raise NonDifferentiableError(
            "a third derivative through abs of a complex value is not supported",
            construct="abs", hint="take first or second derivatives only, or write abs(z) as "
            "sqrt(z.real**2 + z.imag**2)")
    return 0.0


def abs_tangent(x, tx):
    """The tangent of ``abs(x)`` for the tangent ``tx`` of ``x``: real even
    when ``x`` is complex.

    >>> abs_tangent(-2.0, 0.5), abs_tangent(3 + 4j, 1j)
    (-0.5, 0.8)
    """
    if _is_complex(x):
        v = sign(x) * tx
        return v.real if isinstance(v, complex) else namespace_of(v).real(v)
    return sign(x) * tx


def _picked(result, a, b, first):
    """Whether ``a`` is the argument ``max``/``min`` returned: on a tie the
    first argument is (as Python's max and min return it)."""
    if a != result:
        return False
    return first or b != result


def pick_tangent(result, a, b, ta, first=True):
    """Tangent of ``max(a, b)`` / ``min(a, b)`` contributed by ``a`` (or of
    ``max(seq)`` when ``b`` is ``None``): ``ta`` where ``a`` was picked."""
    if b is None:
        if not first:
            return 0.0
        seq = list(a)
        return ta[_first_index(seq, result)]
    return ta if _picked(result, a, b, first) else 0.0


def _first_index(seq, value):
    for i, v in enumerate(seq):
        if v == value:
            return i
    return 0


def pick_adjoint(g, result, a, b, first=True):
    """Adjoint of ``max``/``min`` for argument ``a``: ties go to the first."""
    if b is None:
        if not first:
            return 0.0
        seq = list(a)
        k = _first_index(seq, result)
        if _shape(a):   # an array: an adjoint of its shape
            out = namespace_of(a).zeros(_shape(a), dtype=_result_dtype(a, g))
            out[k] = g
            return out
        out = AdjList([0.0] * len(seq))
        out[k] = g
        return out
    return g if _picked(result, a, b, first) else 0.0


def sum_tangent(ts):
    """``sum`` of the tangents of a sequence's elements."""
    if ts.__class__ is float and ts == 0.0:
        return 0.0
    total = 0.0
    for v in ts:
        total = total + v
    return total


def sum_adjoint(g, seq):
    """Adjoint of ``sum(seq)``: ``g`` for every element."""
    if isinstance(seq, (list, tuple)):
        return AdjList([unbroadcast(g, e) for e in seq])
    xp = namespace_of(seq)
    return xp.broadcast_to(g, seq.shape) * 1


def dict_copy(x):
    """``dict(x)`` of a dict (or its tangent or adjoint; a lazy zero stays
    one)."""
    if isinstance(x, (int, float)) and not hasattr(x, "dtype") and x == 0:
        return x
    if isinstance(x, AdjDict):
        return AdjDict(x)
    if isinstance(x, dict):
        return dict(x)
    try:
        from .errors import NonDifferentiableError
    except ImportError:  # a copy of this module in an exported derivative
        raise TypeError("dict(...) is differentiated for a dict argument only") from None
    raise NonDifferentiableError("dict(...) is differentiated for a dict argument only",
                                 construct="dict", hint="build the dict from key-value pairs in a loop")


def same_container(x, like):
    """``x`` converted to the container type of ``like`` (``list(t)`` ...)."""
    if isinstance(x, (int, float)) and x == 0:
        return x
    # (an AdjList also for a list or tuple: two of them add entry by entry,
    # where plain lists or tuples would be joined)
    return AdjList(x)


def expand_to(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint ``g`` of a reduction of ``x`` over ``axis`` back
    to ``x``'s shape."""
    shape = _shape(x)
    if not shape:
        return g
    xp = namespace_of(x)
    if not hasattr(g, "shape"):
        return xp.full(shape, g, dtype=x.dtype)
    if axis is None and not g.shape and type(g).__module__ == "numpy" and _size(shape) <= 4096:
        # a small NumPy array is cheaper to fill than to broadcast into
        return xp.full(shape, g, dtype=getattr(x, "dtype", g.dtype))
    if axis is not None and not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        axes = tuple(a % len(shape) for a in axes)
        g = xp.reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return xp.broadcast_to(g, shape)


def _size(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def reduce_like(g, like, axis=None, keepdims=False):
    """Transpose of :func:`expand_to`: sum ``g`` over ``axis``."""
    if not _shape(g):
        return g
    return namespace_of(g).sum(g, axis=axis, keepdims=keepdims)


def count(x, axis=None):
    """Number of elements a reduction over ``axis`` combines."""
    shape = _shape(x)
    if axis is None:
        n = 1
        for s in shape:
            n *= s
        return n
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def inverse_axes(axes, x):
    """The permutation undoing ``transpose(x, axes)``."""
    if axes is None or axes == () or axes == (None,):
        return None
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    n = len(axes)
    inv = [0] * n
    for i, a in enumerate(axes):
        inv[a % n] = i
    return tuple(inv)


def _swap_last(x):
    xp = namespace_of(x)
    if hasattr(xp, "matrix_transpose"):
        return xp.matrix_transpose(x)
    return xp.swapaxes(x, -1, -2)


def _matmul_shape(a, b):
    """The shape of ``a @ b``."""
    ashape, bshape = _shape(a), _shape(b)
    if len(ashape) == 2 and len(bshape) == 2:
        return (ashape[0], bshape[1])
    if len(bshape) == 1:
        return ashape[:-1]
    if len(ashape) == 1:
        return bshape[:-2] + bshape[-1:]
    import numpy
    return numpy.broadcast_shapes(ashape[:-2], bshape[:-2]) + (ashape[-2], bshape[-1])


def _fit_result(g, a, b):
    """The adjoint ``g`` of ``a @ b`` fitted to the product's shape (the
    backward sweep may pass it on unsummed over broadcast axes)."""
    shape = _matmul_shape(a, b)
    if _shape(g) == shape:
        return g
    dtype = getattr(a, "dtype", None)
    return fit(g, shape, dtype, namespace_of(a) if hasattr(a, "shape") else namespace_of(b))


def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (any ndim >= 1); ``g``
    may be wider or narrower than the product (see :func:`fit`)."""
    if g.__class__ is _NDARRAY and a.__class__ is _NDARRAY and b.__class__ is _NDARRAY \
            and g.ndim == 2 and a.ndim == 2 and b.ndim == 2 \
            and g.shape[0] == a.shape[0] and g.shape[1] == b.shape[1]:
        return g @ b.T   # the common case, without the general bookkeeping
    if g.__class__ is float and g == 0.0:
        return 0.0
    g = _fit_result(g, a, b)
    xp = namespace_of(g)
    an, bn = len(_shape(a)), len(_shape(b))
    if bn == 1:
        if an == 1:
            return g * b
        return unbroadcast(xp.multiply(xp.expand_dims(g, -1), b), a)
    if an == 1:
        return unbroadcast(xp.matmul(b, xp.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(xp.matmul(g, _swap_last(b)), a)


def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b`` (any ndim >= 1); ``g``
    may be wider or narrower than the product (see :func:`fit`)."""
    if g.__class__ is _NDARRAY and a.__class__ is _NDARRAY and b.__class__ is _NDARRAY \
            and g.ndim == 2 and a.ndim == 2 and b.ndim == 2 \
            and g.shape[0] == a.shape[0] and g.shape[1] == b.shape[1]:
        return a.T @ g
    if g.__class__ is float and g == 0.0:
        return 0.0
    g = _fit_result(g, a, b)
    xp = namespace_of(g)
    an, bn = len(_shape(a)), len(_shape(b))
    if an == 1:
        if bn == 1:
            return g * a
        return unbroadcast(xp.multiply(xp.expand_dims(a, -1), xp.expand_dims(g, -2)), b)
    if bn == 1:
        return unbroadcast(xp.matmul(xp.expand_dims(g, -2), a)[..., 0, :], b)
    return unbroadcast(xp.matmul(_swap_last(a), g), b)


def dot_adjoint_a(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``a``."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    an, bn = len(_shape(a)), len(_shape(b))
    if an == 0 or bn == 0:
        return unbroadcast(g * b, a)
    if bn <= 2:
        return matmul_adjoint_a(g, a, b)
    xp = namespace_of(g)
    # dot(a, b)[..., j...] = sum_k a[..., k] b[..., k, :]
    g_axes = list(range(an - 1, len(_shape(g))))
    b_axes = list(range(bn - 2)) + [bn - 1]
    return xp.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_b(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``b``."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    an, bn = len(_shape(a)), len(_shape(b))
    if an == 0 or bn == 0:
        return unbroadcast(g * a, b)
    if bn <= 2:
        return matmul_adjoint_b(g, a, b)
    xp = namespace_of(g)
    out = xp.tensordot(a, g, axes=(list(range(an - 1)), list(range(an - 1))))
    # out axes: (k, b's leading axes..., n) -> b's layout (leading..., k, n)
    return xp.moveaxis(out, 0, -2)


def reshape_in_order(x, shape, order="C"):
    """``x`` reshaped to ``shape`` reading and writing entries in ``order``
    (``"F"``: first index fastest), the same order the primal reshape used.

    >>> import numpy as np
    >>> reshape_in_order(np.arange(4.0), (2, 2), "F")
    array([[0., 2.],
           [1., 3.]])
    """
    if x.__class__ is float or x.__class__ is int:
        # a lazy zero stays one; a scalar left unexpanded stands for all entries
        return x if x == 0 or not shape else namespace_of(x).full(shape, float(x))
    xp = namespace_of(x)
    if order != "F":
        return xp.reshape(x, shape)
    return xp.reshape(x, shape, order="F")


def inexact_only(g, value):
    """``g``, or a lazy zero where ``value`` holds integers or booleans:
    no derivative flows through a cast to an integer type (``x.astype(int)``).

    >>> import numpy as np
    >>> inexact_only(2.0, np.arange(3)), inexact_only(2.0, np.ones(3))
    (0.0, 2.0)
    """
    dt = getattr(value, "dtype", None)
    if dt is None:
        return 0.0 if isinstance(value, (bool, int)) else g
    return g if getattr(dt, "kind", "f") in "fc" else 0.0


def astype_like(x, like):
    """``x`` cast to the dtype of ``like`` (adjoints and tangents follow the
    primal's precision); a lazy zero when that dtype is not a floating one."""
    dt = getattr(like, "dtype", None)
    if dt is not None and getattr(dt, "kind", "f") not in "fc":
        return 0.0
    if dt is None or not hasattr(x, "shape"):
        return x
    if hasattr(x, "astype"):
        return x.astype(dt)
    return namespace_of(x).astype(x, dt)


def split_last(adj, lst):
    """Adjoint of ``lst.append(v)``: the list's adjoint without its last
    entry, and the last entry (the adjoint of ``v``)."""
    n = len(lst)
    if isinstance(adj, (int, float)) and adj == 0:
        return adj, 0.0
    adj = AdjList(adj)
    while len(adj) < n:
        adj.append(0.0)
    last = adj[n - 1]
    return AdjList(adj[: n - 1]), last


def seed(result, d_result):
    """The adjoint that starts a gradient: checks that ``result`` is a scalar."""
    shape = getattr(result, "shape", ())
    if shape != () or isinstance(result, (list, tuple, dict)) or not (
            isinstance(result, numbers.Number) or hasattr(result, "dtype")):
        try:
            from .errors import NonScalarOutputError
        except ImportError:  # a copy of this module in an exported derivative
            raise ValueError(f"grad needs a scalar output, got shape {shape}") from None
        raise NonScalarOutputError(
            f"grad needs a scalar output, got {type(result).__name__} with shape {shape}",
            construct="grad",
            hint="reduce the output (e.g. sum it), or use srcad.vjp / srcad.jacobian")
    return d_result


def stop_gradient(x):
    """``x`` unchanged; its derivative is zero.

    >>> stop_gradient(3.0)
    3.0
    """
    return x


def push_adjoint(adj, lst, g):
    """Adjoint of ``y = lst.pop()``: ``g`` (the adjoint of ``y``) becomes the
    adjoint of the entry that was popped, at position ``len(lst)``."""
    n = len(lst)
    out = AdjList(adj) if isinstance(adj, list) else AdjList()
    while len(out) < n + 1:
        out.append(0.0)
    out[n] = out[n] + g
    return out


def extremum_mask(x, result, axis=None, keepdims=False):
    """Where ``x`` attains its max/min ``result`` along ``axis``, as weights
    that share the derivative evenly between ties."""
    if not _shape(x):
        return 1.0
    xp = namespace_of(x)
    hit = xp.astype(x == expand_to(result, x, axis, keepdims), x.dtype) if hasattr(xp, "astype") \
        else (x == expand_to(result, x, axis, keepdims)).astype(x.dtype)
    return hit / xp.sum(hit, axis=axis, keepdims=True)


class _Missing:
    """The old value of a dict entry that did not exist."""

    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


def old_item(x, index):
    """What ``x[index]`` holds before it is overwritten (a copy), or
    :data:`MISSING` for a dict key not yet there."""
    if x.__class__ is _NDARRAY and index.__class__ is int and x.ndim == 1 and x.dtype.kind != "O":
        return x[index]   # a number: nothing can change it
    if isinstance(x, dict) and index not in x:
        return MISSING
    return copy(x[index])


def old_item_adjoint(g, x, index):
    """Adjoint of :func:`old_item` for ``x`` (reverse mode over code that
    saved an entry before overwriting it): ``g`` placed at ``index``."""
    if _lazy(g) or g is MISSING or (isinstance(x, dict) and index not in x):
        return 0.0
    return add_at(0.0, x, index, g)


def written_adjoint_transpose(g, adj, index):
    """Transpose of :func:`written_adjoint` (reverse mode over it): ``g``
    placed at ``index`` of an adjoint shaped like ``adj``, where a position
    written more than once takes the last write's part only."""
    if _lazy(g) or _lazy(adj):
        return 0.0
    if not (_is_basic_index(index) or isinstance(adj, (dict, list)) or not hasattr(g, "shape")):
        # the mask written_adjoint multiplied by: g is shaped like adj[index]
        xp = namespace_of(adj)
        n = 1
        for d in g.shape:
            n *= d
        owner = xp.full(adj.shape, -1)
        ids = xp.reshape(xp.arange(n), g.shape)
        owner[index] = ids
        g = g * (owner[index] == ids)
    return item_adjoint_transpose(g, adj, index)


def written_adjoint(adj, index):
    """The adjoint of the value written by ``x[index] = v``: ``adj[index]``,
    where a position written more than once counts for the last write only
    (the one NumPy keeps)."""
    if adj.__class__ is _NDARRAY and index.__class__ is int and adj.ndim == 1:
        return adj[index]   # one entry of a vector, written once
    adj = _zero_dim(adj)
    out = adjoint_at(adj, index)
    if _is_basic_index(index) or isinstance(adj, (dict, list)) or not hasattr(out, "shape"):
        return out
    xp = namespace_of(adj)
    n = 1
    for d in out.shape:
        n *= d
    owner = xp.full(adj.shape, -1)
    ids = xp.reshape(xp.arange(n), out.shape)
    owner[index] = ids
    keep = owner[index] == ids
    return out * keep


def dense(adj, like):
    """``adj`` as a real array shaped like ``like`` when it is still a lazy
    zero (what rules that reshape or transpose an adjoint need)."""
    if adj.__class__ is float and adj == 0.0 and hasattr(like, "shape"):
        return zeros_like(like)
    return adj


def log(x):
    """Natural logarithm that keeps Python numbers Python numbers (a NumPy
    float64 scalar would promote float32 arrays it meets)."""
    if x.__class__ is float or x.__class__ is int:
        import math
        return math.log(x) if x > 0 else (float("-inf") if x == 0 else float("nan"))
    return namespace_of(x).log(x)


def _extremum_hits(x, result, axis, keepdims):
    """Where ``x`` attains ``result`` (a max or min over ``axis``) and how
    many entries tie for it."""
    xp = namespace_of(x)
    hit = x == expand_to(result, x, axis, keepdims)
    try:
        ties = xp.count_nonzero(hit, axis=axis, keepdims=True)
    except (AttributeError, TypeError):  # no count_nonzero, or one without keepdims (CuPy)
        ties = xp.sum(astype_like(hit, x), axis=axis, keepdims=True)
    # counts are integers: divide in the array's own precision
    ties = astype_like(ties, x)
    return hit, ties


def extremum_adjoint(g, x, result, axis=None, keepdims=False):
    """Adjoint of ``max``/``min`` over ``axis``: ``g`` goes to the entries
    that attain the extremum, shared evenly between ties."""
    if not _shape(x):
        return g
    if g.__class__ is float and g == 0.0:
        return 0.0
    hit, ties = _extremum_hits(x, result, axis, keepdims)
    xp = namespace_of(x)
    # g in the reduced shape (kept axes), divided there: one pass over x
    if axis is not None and not keepdims and hasattr(g, "shape"):
        g = xp.reshape(g, _shape(ties))
    share = g / ties
    return xp.where(hit, share, xp.zeros_like(share))


def extremum_tangent(t, x, result, axis=None, keepdims=False):
    """Tangent of ``max``/``min`` over ``axis``: the mean of the tangents of
    the entries that attain the extremum."""
    if not _shape(x):
        return t
    hit, ties = _extremum_hits(x, result, axis, keepdims)
    xp = namespace_of(x)
    total = xp.sum(xp.where(hit, t, 0.0 * t), axis=axis, keepdims=keepdims)
    return total / (ties if keepdims or axis is None and not _shape(ties) else xp.reshape(ties, _shape(total)))


def item_adjoint_transpose(g, adj, key):
    """Transpose of :func:`item_adjoint` (for derivatives of derivatives):
    ``g`` placed at ``key`` of a container shaped like ``adj``."""
    if adj.__class__ is float and adj == 0.0:
        return 0.0
    return add_at(0.0, adj, key, g)


def length(x):
    """``len(x)`` (a helper so that generated code can say it in a rule)."""
    return len(x)


def join_last(g, lst):
    """Transpose of :func:`split_last`: the adjoint of the list prefix and of
    its last entry joined back into one list adjoint."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    head, last = item_adjoint(g, 0), item_adjoint(g, 1)
    n = len(lst)
    out = AdjList(head) if isinstance(head, list) else AdjList([0.0] * (n - 1))
    while len(out) < n - 1:
        out.append(0.0)
    out.append(last)
    return out


def truncate_adjoint(g, like):
    """The part of a list adjoint ``g`` that belongs to the entries ``like``
    has (transpose of growing an adjoint by :func:`push_adjoint`)."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    n = len(like) if isinstance(like, list) else 0
    return AdjList(list(g)[:n])


def pick_adjoint_transpose(g, result, a, b, first=True):
    """Transpose of :func:`pick_adjoint` in its adjoint argument."""
    if b is None:
        if not first or (g.__class__ is float and g == 0.0):
            return 0.0
        return item_adjoint(g, _first_index(list(a), result))
    return g if _picked(result, a, b, first) else 0.0


def pick_tangent_transpose(g, result, a, b, ta, first=True):
    """Transpose of :func:`pick_tangent` in its tangent argument."""
    if b is None:
        return add_at(0.0, ta, _first_index(list(a), result), g) if first else 0.0
    return g if _picked(result, a, b, first) else 0.0


# -- einsum in sublist form ----------------------------------------------------------


def einsum_subscripts(*sublists, output=None):
    """The subscripts string of ``np.einsum(a, sub_a, b, sub_b, ..., [output])``:
    ``einsum_subscripts([0, 1], [1, 2], output=[0, 2])`` is ``"AB,BC->AC"``.
    Labels 0-25 are ``A``-``Z`` and 26-51 ``a``-``z``, as NumPy spells them,
    so an implicit output keeps NumPy's order; ``...`` stays ``...``."""
    def spell(sublist):
        out = []
        for label in sublist:
            if label is Ellipsis:
                out.append("...")
            elif isinstance(label, numbers.Integral) and 0 <= label < 52:
                out.append(chr(ord("A") + label) if label < 26 else chr(ord("a") + label - 26))
            else:
                raise ValueError(f"einsum: subscript labels are integers in [0, 52), not {label!r}")
        return "".join(out)
    text = ",".join(spell(s) for s in sublists)
    return text if output is None else text + "->" + spell(output)


# -- zip, enumerate and reversed as values (a list of what they yield) ----------------


def zip_list(*seqs):
    """``list(zip(*seqs))``: what ``zip`` yields, as a list that can be
    indexed and differentiated."""
    return list(zip(*seqs))


def index_tuples(kind, lengths, r):
    """The index tuples ``itertools.<kind>`` yields for sequences of these
    lengths (``r`` items each, or ``repeat=r`` for ``product``), as a list.

    >>> index_tuples("combinations", [3], 2)
    [(0, 1), (0, 2), (1, 2)]
    """
    import itertools
    if kind == "product":
        return list(itertools.product(*[range(n) for n in lengths], repeat=r))
    return list(getattr(itertools, kind)(range(lengths[0]), r))


def loc_scale_draw(rng, method, loc, scale, size=None):
    """``rng.<method>(loc, scale, size)``: a draw of a location-scale
    family (``normal``, ``laplace``, ``logistic``, ``gumbel``; ``uniform``
    with ``low`` and ``high`` as ``loc + (high - low) * u``), differentiated
    in ``loc`` and ``scale`` as ``loc + scale * z`` with ``z`` held.

    >>> import numpy as np
    >>> float(loc_scale_draw(np.random.default_rng(0), "normal", 1.0, 0.0))
    1.0
    """
    draw = getattr(rng, method)
    return draw(loc, scale) if size is None else draw(loc, scale, size)


def standardized_draw(result, method, loc, scale):
    """The standard draw ``z`` behind :func:`loc_scale_draw`'s ``result``
    (``u`` in [0, 1) for ``uniform``, whose second parameter is ``high``)."""
    if method == "uniform":
        return (result - loc) / (scale - loc)
    return (result - loc) / scale


def draw_tangent(t_loc, t_scale, z, method):
    """Tangent of :func:`loc_scale_draw` for the standard draw ``z``:
    ``t_loc + t_scale * z`` (``t_low * (1 - u) + t_high * u`` for
    ``uniform``)."""
    if method == "uniform":
        return t_loc * (1.0 - z) + t_scale * z
    return t_loc + t_scale * z


def draw_adjoint(g, which, z, method):
    """Adjoint of :func:`loc_scale_draw` for its ``loc`` (``which=0``) or
    ``scale`` (1), not yet summed back to the parameter's shape."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    if method == "uniform":
        return g * (1.0 - z) if which == 0 else g * z
    return g if which == 0 else g * z


def scale_draw(rng, method, scale, size=None):
    """``rng.<method>(scale, size)`` (``exponential``), differentiated in
    ``scale`` as ``scale * e`` with ``e`` held."""
    return getattr(rng, method)(scale, size)


def lognormal_draw(rng, method, mean, sigma, size=None):
    """``rng.lognormal(mean, sigma, size)``, differentiated as
    ``exp(mean + sigma * z)`` with ``z`` held."""
    draw = getattr(rng, method)
    return draw(mean, sigma) if size is None else draw(mean, sigma, size)


def same_lengths(strict, *seqs):
    """What ``zip(*seqs, strict=strict)`` checks: with ``strict``, that
    every sequence is as long as the first (``ValueError`` as ``zip``
    raises, otherwise).

    >>> same_lengths(True, [1.0, 2.0], (3.0, 4.0))
    """
    if not strict or not seqs:
        return None
    n = len(seqs[0])
    for k, seq in enumerate(seqs[1:], start=2):
        if len(seq) != n:
            which = "shorter" if len(seq) < n else "longer"
            raise ValueError(f"zip() argument {k} is {which} than argument 1")
    return None


def enumerate_list(seq, start=0):
    """``list(enumerate(seq, start))``."""
    return list(enumerate(seq, start))


def reversed_list(seq):
    """``list(reversed(seq))``."""
    return list(reversed(list(seq) if not hasattr(seq, "__getitem__") else seq))


def enumerate_tangent(t, start=0):
    """Tangent of :func:`enumerate_list`: the counters do not vary."""
    if t.__class__ is float and t == 0.0:
        return 0.0
    return [(0.0, v) for v in t]


def _like(entries, seq):
    """Adjoint entries (one per element of ``seq``) shaped like ``seq``."""
    if isinstance(seq, range):
        return 0.0   # integers carry no derivative
    if isinstance(seq, (list, tuple)):
        return AdjList(entries)
    return _stacked(entries, seq) if len(entries) else namespace_of(seq).zeros_like(seq)


def unzip_adjoint(g, seqs):
    """Adjoint of :func:`zip_list`: one adjoint per zipped sequence."""
    if g.__class__ is float and g == 0.0:
        return tuple(0.0 for _ in seqs)
    n = len(g)
    out = []
    for j, seq in enumerate(seqs):
        entries = [item_adjoint(g[i], j) for i in range(n)]
        entries += [0.0] * (len(seq) - n)
        out.append(_like(entries, seq))
    return tuple(out)


def unzip_adjoint_transpose(h, seqs):
    """Transpose of :func:`unzip_adjoint` (reverse mode over it): the
    sequences' adjoints ``h`` zipped back into tuples."""
    if _lazy(h):
        return 0.0
    return AdjList(AdjList(e) for e in zip_tangent(seqs, *h))


def unenumerate_adjoint_transpose(h):
    """Transpose of :func:`unenumerate_adjoint` (reverse mode over it)."""
    if _lazy(h):
        return 0.0
    return AdjList(AdjList((0.0, v)) for v in h)


def unreverse_adjoint_transpose(h):
    """Transpose of :func:`unreverse_adjoint` (reverse mode over it)."""
    if _lazy(h):
        return 0.0
    return AdjList(reversed(list(h)))


def unenumerate_adjoint(g, seq):
    """Adjoint of :func:`enumerate_list` for the enumerated sequence."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    return _like([item_adjoint(e, 1) for e in g], seq)


def unreverse_adjoint(g, seq):
    """Adjoint of :func:`reversed_list`."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    return _like(list(reversed(list(g))), seq)


def exponent_tangent(result, a, tb):
    """The tangent ``a ** b`` gets from its exponent: ``a ** b * log(a) * tb``,
    and exactly zero when ``tb`` is a zero scalar (a negative base would
    otherwise give ``nan * 0``)."""
    if tb.__class__ in (float, int) and tb == 0:
        return 0.0
    return pow_log(result, a) * tb


def digamma(x):
    """The digamma function ``d lgamma(x) / dx`` of a Python number (the
    :mod:`math` module has none): recurrence up to 10, then the asymptotic
    series; the reflection formula below 0.

    >>> round(digamma(1.0), 12)   # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    x = float(x)
    if x <= 0 and x == math.floor(x):
        return math.nan
    if x < 0:
        return digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    r = 0.0
    while x < 10.0:
        r -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))))
    return r + math.log(x) - 0.5 / x + series


def trigamma(x):
    """The trigamma function ``d digamma(x) / dx`` of a Python number.

    >>> round(trigamma(1.0), 10)  # pi ** 2 / 6
    1.6449340668
    """
    x = float(x)
    if x <= 0 and x == math.floor(x):
        return math.nan
    if x < 0:
        return (math.pi / math.sin(math.pi * x)) ** 2 - trigamma(1.0 - x)
    r = 0.0
    while x < 10.0:
        r += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    return r + 1.0 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)))


def pow_partial(a, b):
    """``d(a ** b) / da = b * a ** (b - 1)``, zero where ``b`` is zero
    (``a ** 0`` is 1 everywhere, also at ``a = 0``, where ``a ** -1`` would
    be infinite). With a literal exponent the optimizer writes the formula
    itself (``2 * a``).

    >>> pow_partial(0.0, 0), pow_partial(3.0, 2)
    (0.0, 6.0)
    """
    if b.__class__ is int or b.__class__ is float:
        if b == 0:
            return 0.0
        if a.__class__ is float or a.__class__ is int:
            try:
                return b * a ** (b - 1)
            except ZeroDivisionError:   # 0.0 ** negative: the slope is infinite
                return math.inf if b > 0 else -math.inf
        return b * a ** (b - 1)
    xp = namespace_of(b)
    zero = b == 0
    if not xp.any(zero):
        return b * a ** (b - 1)
    return xp.where(zero, 0.0, b * a ** xp.where(zero, 1, b - 1))


def pow_partial_db(a, b):
    """``d(b * a ** (b - 1)) / db = a ** (b - 1) * (1 + b * log(a))``."""
    p = a ** (b - 1)
    return p + b * pow_log(p, a)


def pow_partial_tangent(a, b, ta, tb):
    """The tangent of :func:`pow_partial` (linear in ``ta`` and ``tb``)."""
    out = 0.0
    if not (ta.__class__ in (int, float) and ta == 0):
        out = out + b * pow_partial(a, b - 1) * ta
    if not (tb.__class__ in (int, float) and tb == 0):
        out = out + pow_partial_db(a, b) * tb
    return out


def pow_log(result, a):
    """``d(a ** b) / db = a ** b * log(a)``, taken as zero where ``a`` is
    zero (the limit for ``b > 0``; ``0 * log(0)`` would be NaN).

    >>> pow_log(0.0, 0.0), round(pow_log(8.0, 2.0), 4)
    (0.0, 5.5452)
    """
    if a.__class__ is float or a.__class__ is int:
        return 0.0 if a == 0 else result * log(a)
    xp = namespace_of(a)
    zero = a == 0
    if not xp.any(zero):
        return result * xp.log(a)
    return xp.where(zero, 0.0, result * xp.log(xp.where(zero, 1.0, a)))


def pow_log_tangent(tr, r, a, ta):
    """The tangent of :func:`pow_log` (``r * log(a)``, zero where ``a`` is)."""
    out = pow_log(tr, a) if not (tr.__class__ in (float, int) and tr == 0) else 0.0
    if ta.__class__ in (float, int) and ta == 0:
        return out
    if a.__class__ is float or a.__class__ is int:
        return out if a == 0 else out + r * ta / a
    xp = namespace_of(a)
    zero = a == 0
    return out + xp.where(zero, 0.0, r * ta / xp.where(zero, 1.0, a))


def _plain_norm(ord, axis):
    if ord is not None or axis is not None:
        from .errors import NonDifferentiableError
        raise NonDifferentiableError(
            "second derivatives of norm are written for the default 2-norm of all entries only",
            construct="norm", hint="write the norm as sqrt(sum(x ** 2)) to differentiate it twice")


def norm_partials_tangent_x(tx, x, ord, axis, result):
    """Tangent of ``x / norm(x)`` from the tangent of ``x``."""
    _plain_norm(ord, axis)
    return tx / result


def norm_partials_tangent_r(tr, x, ord, axis, result):
    """Tangent of ``x / norm(x)`` from the tangent of the norm."""
    _plain_norm(ord, axis)
    return -x * tr / (result * result)


def rebinding(x, name, other, filename=None, lineno=None):
    """Guard before ``x += v`` that srcad runs as ``x = x + v``: for an array
    that shares memory with ``other``, NumPy would change ``other`` too."""
    # (a 0-d array is written in place too; a NumPy scalar is not)
    if (hasattr(x, "shape") and hasattr(x, "__setitem__")) or isinstance(x, (list, dict)):
        from .errors import Location, UnsupportedSyntaxError
        raise UnsupportedSyntaxError(
            f"'{name} op= ...' on an array that may share memory with '{other}': NumPy writes "
            f"into that memory, srcad would only rebind '{name}'",
            Location(filename, lineno) if filename else None,
            construct="augmented assignment through an alias",
            hint=f"update the array you mean ('{other}[...] op= ...'), or copy first "
                 f"({name} = {name}.copy())")
    return x


def unshared(x, name, others, other_names, filename=None, lineno=None):
    """Guard before a write into ``x`` that reverse mode differentiates as a
    write into ``x`` alone: none of ``others`` (read afterwards) may share
    its memory, directly or as an item of a list, tuple or dict."""
    for other, other_name in zip(others, other_names):
        if _holds(other, x, 3):
            try:
                from .errors import Location, UnsupportedSyntaxError
            except ImportError:  # a copy of this module in an exported derivative
                raise ValueError(f"'{name}' is written in place but shares memory with "
                                 f"'{other_name}'") from None
            raise UnsupportedSyntaxError(
                f"'{name}' is written in place but shares memory with '{other_name}', which is "
                f"read afterwards; reverse mode cannot follow a write through an alias",
                Location(filename, lineno) if filename else None,
                construct="write through an alias",
                hint=f"make '{name}' its own array first ({name} = {name}.copy()), or use forward "
                     f"mode (srcad.jvp), which follows aliases")


def _holds(other, x, depth):
    """Whether ``other`` is ``x``, shares its memory, or holds such a value."""
    if other is x:
        return True
    if isinstance(other, (list, tuple)):
        return depth > 0 and any(_holds(o, x, depth - 1) for o in other)
    if isinstance(other, dict):
        return depth > 0 and any(_holds(o, x, depth - 1) for o in other.values())
    if getattr(other, "ndim", 0) and getattr(x, "ndim", None) is not None:
        xp = namespace_of(x)
        may_share = getattr(xp, "may_share_memory", None)
        if may_share is None:
            return other is x
        try:
            return bool(may_share(other, x))
        except TypeError:
            return False
    return False


def _lazy(t):
    return t.__class__ is float and t == 0.0


def reversed_tangent(t):
    """Tangent of :func:`reversed_list` (a lazy zero stays one)."""
    return 0.0 if _lazy(t) else reversed_list(t)


def zip_tangent(seqs, *ts):
    """Tangent of :func:`zip_list`: tuples of the tangents, zeros for
    sequences whose tangent is a lazy zero."""
    n = min(len(s) for s in seqs) if seqs else 0
    cols = [[0.0] * n if _lazy(t) else list(t) for t in ts]
    return [tuple(c[i] for c in cols) for i in range(n)]


def sequence_tangent(t, x):
    """Tangent of :func:`sequence`: a lazy zero becomes zeros, one per
    element of ``x``."""
    if _lazy(t):
        return [0.0] * len(sequence(x))
    return sequence(t)
