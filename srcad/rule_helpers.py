"""Helpers that the NumPy derivative rules in ``rules/numpy_*.py`` call
(imported in those templates as ``rh``).

Each helper computes one piece of a rule that does not fit in a line of
template: the partial derivatives of a reduction, the transpose of a shape
operation, the pushforward or pullback of a matrix factorization. They work
on any array type with NumPy's API (NumPy, CuPy): the namespace is taken from
the arguments, never hard-wired, and results keep the dtype of the primal
(float32 stays float32).

An adjoint that is still a *lazy zero* (the Python number ``0``) is passed
through as ``0.0`` by the helpers that receive adjoints.

>>> import numpy as np
>>> extremum_weights(np.array([1.0, 3.0, 3.0]), 3.0)
array([0. , 0.5, 0.5])
"""

from __future__ import annotations

import functools
import inspect
import math
import string
from builtins import sum as builtins_sum

from .runtime import AdjList, _is_complex, namespace_of, unbroadcast

__all__ = []  # used through the module object by rule templates

_ns = namespace_of


def _shape(x):
    return tuple(getattr(x, "shape", ()))


def _ndim(x):
    return len(_shape(x))


def _operand_shape(x):
    """The shape NumPy gives an operand: a Python list or tuple of numbers
    (``[1.0, x[0]]``) counts as the array it makes."""
    if isinstance(x, (list, tuple)) and not isinstance(x, AdjList):
        import numpy
        return numpy.shape(x)
    return _shape(x)


def _size(x):
    n = 1
    for s in _shape(x):
        n *= s
    return n


def _unsupported(what, hint):
    """Raise the error for an argument combination a rule cannot differentiate."""
    from .errors import NonDifferentiableError
    raise NonDifferentiableError(f"no derivative rule for {what}", construct=what.split("(")[0],
                                 hint=hint)


def constant_only(t, what):
    """0 for the tangent ``t`` of an argument a rule has no derivative for
    (``what``) when it is zero; a refusal otherwise, never a silent zero."""
    if is_zero(t):
        return 0.0
    if bool(_ns(t).any(t != 0)):
        _unsupported(what, "pass a value that does not depend on the input, or wrap it in "
                           "srcad.stop_gradient to hold it constant")
    return 0.0


def _real_only(what, *values):
    """Refuse complex operands where a rule's formula assumes real ones
    (NumPy conjugates in ``var``, ``cov`` and ``correlate``)."""
    for v in values:
        dt = getattr(v, "dtype", None)
        if isinstance(v, complex) or getattr(dt, "kind", None) == "c":
            _unsupported(f"{what} of complex values",
                         "differentiate the real and imaginary parts separately, or write the "
                         "formula with np.abs / np.conj")


def is_zero(g):
    """Whether ``g`` is a lazy zero adjoint (a Python ``0``/``0.0``)."""
    return (g.__class__ is float or g.__class__ is int) and g == 0


class Parts(tuple):
    """The tangent of a tuple result built from one term per argument:
    ``+`` adds entrywise (a lazy zero ``0`` adds nothing)."""

    def __add__(self, other):
        if is_zero(other):
            return self
        return Parts(a if is_zero(b) else (b if is_zero(a) else a + b)
                     for a, b in zip(self, other))

    __radd__ = __add__


def _dtype_of(x):
    dt = getattr(x, "dtype", None)
    if dt is None or getattr(dt, "kind", "f") not in "fc":
        return None
    return dt


def _float_dtype(*xs):
    """The floating dtype derivatives of ``xs`` are computed in."""
    for x in xs:
        dt = _dtype_of(x)
        if dt is not None:
            return dt
    import numpy
    return numpy.float64


def _cast(x, dtype):
    """``x`` as an array of ``dtype`` (no copy if it already is one)."""
    if getattr(x, "dtype", None) == dtype:
        return x
    if hasattr(x, "astype"):
        return x.astype(dtype)
    xp = _ns(x)
    if hasattr(x, "shape") and hasattr(xp, "astype"):
        return xp.astype(x, dtype)
    return xp.asarray(x, dtype=dtype)


# NumPy, CuPy and array-API spellings of the few functions whose names differ


def _permute(x, axes):
    xp = _ns(x)
    fn = getattr(xp, "permute_dims", None) or xp.transpose
    return fn(x, tuple(axes))


def _concat(parts, axis=0):
    xp = _ns(parts[0])
    fn = getattr(xp, "concat", None) or xp.concatenate
    return fn(parts, axis=axis)


def _cumsum(x, axis):
    xp = _ns(x)
    fn = getattr(xp, "cumsum", None) or xp.cumulative_sum
    return fn(x, axis=axis)


def _asarray(x, like):
    xp = _ns(like)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return x
    return xp.asarray(x, dtype=_float_dtype(like))


def _axes(axis, ndim):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim for a in axis)) if ndim else ()
    return (axis % ndim,) if ndim else ()


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def keep(v, like, axis=None, keepdims=False):
    """``v``, the result of a reduction of ``like`` over ``axis``, with the
    reduced axes kept (size 1) so that it broadcasts against ``like``."""
    shape = _shape(like)
    if keepdims or not shape:
        return v
    xp = _ns(like)
    return xp.reshape(v, _kept_shape(shape, _axes(axis, len(shape))))


def _to_end(x, axes):
    """Move ``axes`` of ``x`` to the end and flatten them into one axis.
    Returns the array and what :func:`_from_end` needs to undo it."""
    xp = _ns(x)
    shape = _shape(x)
    nd = len(shape)
    rest = [i for i in range(nd) if i not in axes]
    perm = rest + list(axes)
    y = _permute(x, perm) if perm != list(range(nd)) else x
    y = xp.reshape(y, tuple(shape[i] for i in rest) + (-1,))
    return y, (shape, perm)


def _from_end(y, info):
    shape, perm = info
    xp = _ns(y)
    y = xp.reshape(y, tuple(shape[i] for i in perm))
    if perm != list(range(len(shape))):
        inv = [0] * len(perm)
        for i, p in enumerate(perm):
            inv[p] = i
        y = _permute(y, inv)
    return y


# -- elementwise ---------------------------------------------------------------------


def sinc_derivative(x, result):
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    xp = _ns(x)
    zero = x == 0
    safe = xp.where(zero, 1, x)
    return xp.where(zero, 0, (xp.cos(math.pi * x) - result) / safe)


def sinc_second_derivative(x, first):
    """d^2 sinc(x) / dx^2 = -(pi sin(pi x) + 2 sinc'(x)) / x from the first
    derivative ``first``, and -pi^2 / 3 at x = 0."""
    xp = _ns(x)
    zero = x == 0
    safe = xp.where(zero, 1, x)
    return xp.where(zero, -math.pi ** 2 / 3, -(math.pi * xp.sin(math.pi * x) + 2 * first) / safe)


def tie_weights(a, b):
    """The shares ``(of a, of b)`` of the derivative of ``maximum(a, b)``,
    elementwise: 1 and 0 where ``a > b``, 0 and 1 where ``a < b``, 1/2 each
    at a tie (the mean of the one-sided derivatives, which central
    differences measure). In the floating type of ``a`` and ``b``, so
    float32 stays float32."""
    gt = a > b
    if not hasattr(gt, "shape"):
        wa = 1.0 if gt else (0.5 if a == b else 0.0)
        return wa, 1.0 - wa
    xp = _ns(a) if hasattr(a, "shape") else _ns(b)
    wa = xp.where(gt, 1.0, xp.where(a == b, 0.5, 0.0))
    dtype = _float_dtype(a, b)
    if dtype is not None:
        wa = _cast(wa, dtype)
    return wa, 1.0 - wa


def clip_select(a, a_min=None, a_max=None, min=None, max=None):
    """The shares ``(of a, of a_min, of a_max)`` of the derivative of
    ``clip``, elementwise. ``clip`` is ``minimum(maximum(a, a_min), a_max)``;
    ties share evenly (see :func:`tie_weights`), and ``a_min > a_max``
    picks ``a_max``."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is None:
        m, w_a, w_lo = a, 1.0, 0.0
    else:
        xp = _ns(a) if hasattr(a, "shape") else _ns(lo)
        w_a, w_lo = tie_weights(a, lo)
        m = xp.maximum(a, lo)
    if hi is None:
        return w_a, w_lo, 0.0
    w_hi, w_m = tie_weights(m, hi)
    return w_m * w_a, w_m * w_lo, w_hi


def imag_adjoint(g, x):
    """Adjoint of ``imag(x)``: ``-1j * g`` for complex ``x``, zero for real."""
    if _is_complex(x):
        return -1j * g
    return 0.0 * g


def angle_tangent(z, tz, deg=False):
    """Tangent of ``np.angle(z, deg)``: ``Im(conj(z) * tz) / |z|**2``, zero
    where ``z`` and ``tz`` are real.

    >>> float(angle_tangent(1j, 1.0))
    -1.0
    """
    xp = _ns(z)
    out = xp.imag(xp.conj(z) * tz) / (xp.real(z) ** 2 + xp.imag(z) ** 2)
    return out * (180.0 / math.pi) if deg else out


def angle_adjoint(g, z, deg=False):
    """Adjoint of ``np.angle(z, deg)``: ``-1j * g * conj(z) / |z|**2`` for
    complex ``z`` (the adjoint pairs with a tangent as the real part of
    their product), zero for real ``z``."""
    if deg:
        g = g * (180.0 / math.pi)
    if _is_complex(z):
        xp = _ns(z)
        return -1j * g * xp.conj(z) / (xp.real(z) ** 2 + xp.imag(z) ** 2)
    return 0.0 * g


def angle_adjoint_dz(g, z, v, deg=False):
    """How :func:`angle_adjoint` moves with ``z`` along ``v``:
    ``-1j g (conj(v) / |z|**2 - 2 conj(z) Re(conj(z) v) / |z|**4)``, zero
    for real ``z``."""
    if not _is_complex(z) or is_zero(v) or is_zero(g):
        return 0.0
    if deg:
        g = g * (180.0 / math.pi)
    xp = _ns(z)
    m2 = xp.real(z) ** 2 + xp.imag(z) ** 2
    return -1j * g * (xp.conj(v) / m2 - 2 * xp.conj(z) * xp.real(xp.conj(z) * v) / m2 ** 2)


def real_like(v, like):
    """``v``, or its real part when ``like`` is real (adjoints of real primals)."""
    if _is_complex(like):
        return v
    if _is_complex(v):
        return _ns(v).real(v)
    return v


def fmax_select(a, b):
    """Where ``fmax``/``fmin`` returns ``a`` given ``a >= b`` (``a <= b``):
    NaNs are ignored."""
    xp = _ns(a) if hasattr(a, "shape") else _ns(b)
    return xp.logical_or(xp.isnan(b), xp.logical_and(xp.logical_not(xp.isnan(a)), a >= b))


def fmin_select(a, b):
    """Where ``fmin`` returns ``a``: ``a <= b``, NaNs ignored."""
    xp = _ns(a) if hasattr(a, "shape") else _ns(b)
    return xp.logical_or(xp.isnan(b), xp.logical_and(xp.logical_not(xp.isnan(a)), a <= b))


# -- reductions ----------------------------------------------------------------------


def extremum_weights(a, result, axis=None, keepdims=False):
    """d max(a) / d a (or min): ``1/k`` at each of the ``k`` entries equal to
    the extremum (ties split evenly), 0 elsewhere. NaNs get no weight."""
    xp = _ns(a)
    if not _shape(a):
        return xp.ones_like(a) if hasattr(a, "shape") else 1.0
    mask = _cast(a == keep(result, a, axis, keepdims), _float_dtype(a))
    count = xp.sum(mask, axis=axis, keepdims=True)
    return mask / xp.where(count == 0, 1, count)


def ptp_weights(a, axis=None, keepdims=False):
    """d ptp(a) / d a: the weights of the maximum minus those of the minimum."""
    xp = _ns(a)
    hi = xp.max(a, axis=axis, keepdims=True)
    lo = xp.min(a, axis=axis, keepdims=True)
    return extremum_weights(a, hi, axis, True) - extremum_weights(a, lo, axis, True)


def prod_partials(a, axis=None, initial=None, nan=False):
    """d prod(a) / d a over ``axis``: the product of all the other entries
    (computed without dividing, so zeros are exact). ``nan=True``: NaNs count
    as ones and get no weight (``nanprod``)."""
    xp = _ns(a)
    if nan:
        isnan = xp.isnan(a)
        a = xp.where(isnan, 1, a)
    if not _shape(a):
        p = xp.ones_like(a)
    else:
        b, info = _to_end(a, _axes(axis, _ndim(a)))
        ones = xp.ones_like(b[..., :1])
        left = xp.cumprod(_concat([ones, b[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.flip(_concat([b[..., 1:], ones], axis=-1), axis=-1),
                                   axis=-1), axis=-1)
        p = _from_end(left * right, info)
    if initial is not None:
        p = p * initial
    if nan:
        p = xp.where(isnan, 0, p)
    return p


def var_dof(a, axis=None, ddof=0, correction=None):
    """``N - ddof`` of ``var``/``std`` over ``axis`` (a Python number)."""
    if correction is not None:
        ddof = correction
    return _count(a, axis) - ddof


def centered(a, axis=None):
    """``a`` minus its mean over ``axis``."""
    _real_only("numpy.var / numpy.std", a)
    xp = _ns(a)
    return a - xp.mean(a, axis=axis, keepdims=True)


def nan_centered(a, axis=None):
    """``a`` minus its ``nanmean`` over ``axis``, 0 where ``a`` is NaN."""
    xp = _ns(a)
    isnan = xp.isnan(a)
    return xp.where(isnan, 0, a - xp.nanmean(a, axis=axis, keepdims=True))


def nan_centered_tangent(t, a, axis=None):
    """Tangent of :func:`nan_centered`: ``t`` minus its mean over the
    entries where ``a`` is not NaN, 0 where ``a`` is NaN."""
    xp = _ns(a)
    isnan = xp.isnan(a)
    t = xp.where(isnan, 0, t)
    n = xp.sum(xp.logical_not(isnan), axis=axis, keepdims=True)
    return xp.where(isnan, 0, t - xp.sum(t, axis=axis, keepdims=True) / n)


def nan_count(a, axis=None, keepdims=False, ddof=0, correction=None):
    """Number of non-NaN entries over ``axis`` minus ``ddof``, in ``a``'s dtype."""
    xp = _ns(a)
    if correction is not None:
        ddof = correction
    n = xp.sum(xp.logical_not(xp.isnan(a)), axis=axis, keepdims=keepdims)
    return _cast(n - ddof, _float_dtype(a))


def _flip_cumsum(g, axis):
    xp = _ns(g)
    return xp.flip(_cumsum(xp.flip(g, axis=axis), axis=axis), axis=axis)


def cumsum_adjoint_transpose(h, axis=None):
    """Transpose of :func:`cumsum_adjoint` (reverse mode over it): the
    cumulative sums of ``h``."""
    if is_zero(h):
        return 0.0
    return _ns(h).cumsum(h, axis=axis)


def cumsum_adjoint(g, a, axis=None):
    """Adjoint of ``cumsum(a, axis)``: reversed cumulative sums, in ``a``'s shape."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if axis is None:
        return xp.reshape(_flip_cumsum(xp.reshape(g, (-1,)), 0), _shape(a))
    return _flip_cumsum(g, axis)


def cumulative_sum_adjoint(g, x, axis=None, include_initial=False):
    """Adjoint of the array-API ``cumulative_sum``."""
    if is_zero(g):
        return 0.0
    if axis is None:
        axis = 0
    if include_initial:
        g = _take_range(g, 1, None, axis)
    return _flip_cumsum(g, axis)


def _prepend_zero(v, axis):
    xp = _ns(v)
    shape = list(_shape(v))
    shape[axis] = 1
    return _concat([xp.zeros(tuple(shape), dtype=v.dtype), v], axis=axis)


def cumulative_sum_tangent(t, x, axis=None, include_initial=False):
    """Tangent of ``cumulative_sum`` (``include_initial`` prepends a zero)."""
    xp = _ns(t)
    if axis is None:
        axis = 0
    out = _cumsum(xp.broadcast_to(t, _shape(x)), axis=axis)
    return _prepend_zero(out, axis) if include_initial else out


def cumulative_prod_tangent(t, x, result, axis=None, include_initial=False):
    """Tangent of ``cumulative_prod``."""
    if axis is None:
        axis = 0
    if include_initial:
        result = _take_range(result, 1, None, axis)
    out = cumprod_jvp(t, x, result, axis)
    return _prepend_zero(out, axis) if include_initial else out


def _cumulative_prod_parts(g, result, axis, include_initial):
    """``(g, result, axis)`` of ``cumulative_prod`` as ``cumprod``'s (the
    leading initial entry dropped)."""
    if axis is None:
        axis = 0
    if include_initial:
        result = _take_range(result, 1, None, axis)
        g = _take_range(g, 1, None, axis)
    return g, result, axis


def cumulative_prod_adjoint(g, x, result, axis=None, include_initial=False):
    """Adjoint of the array-API ``cumulative_prod``."""
    if is_zero(g):
        return 0.0
    g, result, axis = _cumulative_prod_parts(g, result, axis, include_initial)
    return cumprod_vjp(g, x, result, axis)


def _take_range(x, start, stop, axis):
    idx = [slice(None)] * _ndim(x)
    idx[axis] = slice(start, stop)
    return x[tuple(idx)]


def _cumprod_matrix(b):
    """M[..., i, j] = d cumprod(b)[..., i] / d b[..., j] (b's last axis),
    without division (exact with zeros)."""
    xp = _ns(b)
    n = _shape(b)[-1]
    cols = []
    for j in range(n):
        onehot = xp.arange(n) == j
        bj = xp.where(onehot, xp.ones_like(b), b)
        cols.append(xp.cumprod(bj, axis=-1) * (xp.arange(n) >= j))
    return xp.stack(cols, axis=-1)


def _cumprod_prepare(a, axis):
    xp = _ns(a)
    if axis is None:
        return xp.reshape(a, (-1,)), 0
    return a, axis


def cumprod_jvp(t, a, result, axis=None):
    """Tangent of ``cumprod(a, axis)``."""
    xp = _ns(a)
    a2, ax = _cumprod_prepare(a, axis)
    t2 = xp.reshape(t, _shape(a2)) if axis is None else xp.broadcast_to(t, _shape(a2))
    r2 = xp.reshape(result, _shape(a2))
    if bool(xp.all(a2 != 0)):
        out = r2 * _cumsum(t2 / a2, axis=ax)
    else:
        b = xp.moveaxis(a2, ax, -1)
        m = _cumprod_matrix(b)
        out = xp.moveaxis(xp.matmul(m, xp.moveaxis(t2, ax, -1)[..., None])[..., 0], -1, ax)
    return out


def cumprod_vjp(g, a, result, axis=None):
    """Adjoint of ``cumprod(a, axis)`` for ``a``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    a2, ax = _cumprod_prepare(a, axis)
    g2 = xp.reshape(g, _shape(a2))
    r2 = xp.reshape(result, _shape(a2))
    if bool(xp.all(a2 != 0)):
        out = _flip_cumsum(g2 * r2, ax) / a2
    else:
        b = xp.moveaxis(a2, ax, -1)
        m = _cumprod_matrix(b)
        gm = xp.moveaxis(g2, ax, -1)
        out = xp.moveaxis(xp.matmul(gm[..., None, :], m)[..., 0, :], -1, ax)
    return xp.reshape(out, _shape(a))


def nan_to(a, value):
    """``a`` with NaNs replaced by ``value``."""
    xp = _ns(a)
    return xp.where(xp.isnan(a), value, a)


def nan_zero(t, a):
    """``t`` with zeros where ``a`` is NaN."""
    xp = _ns(a)
    return xp.where(xp.isnan(a), 0, t)


def _count(a, axis):
    shape = _shape(a)
    n = 1
    for i in _axes(axis, len(shape)):
        n *= shape[i]
    return n


def _no_returned(returned):
    if returned:
        _unsupported("numpy.average(returned=True)", "compute the sum of weights separately")


def _average_weights(a, weights, axis):
    """``weights`` broadcast against ``a`` (1-D weights lie along ``axis``)."""
    xp = _ns(a)
    if weights is None:
        return None
    w = _asarray(weights, a)
    axes = _weight_axes(a, w, axis)
    if axes is not None:
        # weights along the axes (in the order given): placed there, ones elsewhere
        order = sorted(range(len(axes)), key=lambda i: axes[i])
        w = xp.permute_dims(w, tuple(order)) if hasattr(xp, "permute_dims") else xp.transpose(w, order)
        shape = [1] * _ndim(a)
        for ax in sorted(axes):
            shape[ax] = _shape(a)[ax]
        w = xp.reshape(w, tuple(shape))
    return w


def _weight_axes(a, w, axis):
    """The axes of ``a`` that weights shaped for the reduced axes lie along
    (``None`` when they are shaped like ``a``)."""
    if _shape(w) == _shape(a) or axis is None:
        return None
    axes = [ax % _ndim(a) for ax in (axis if isinstance(axis, tuple) else (axis,))]
    if _ndim(w) != len(axes):
        return None
    return axes


def _unaverage_weights(g, a, weights, axis):
    """Transpose of :func:`_average_weights`."""
    xp = _ns(g)
    axes = _weight_axes(a, weights, axis)
    if axes is not None:
        g = xp.sum(g, axis=tuple(i for i in range(_ndim(a)) if i not in axes))
        # g's axes are now the weight axes in increasing order: back to the given order
        ranks = sorted(axes)
        g = xp.transpose(g, [ranks.index(ax) for ax in axes])
    return xp.reshape(g, _shape(weights))


def average_jvp_a(t, a, weights=None, axis=None, keepdims=False, returned=False):
    """The part of ``average``'s tangent that comes from ``a``."""
    _no_returned(returned)
    xp = _ns(a)
    w = _average_weights(a, weights, axis)
    if w is None:
        return xp.mean(t, axis=axis, keepdims=keepdims)
    w = xp.broadcast_to(w, _shape(a))
    return xp.sum(w * t, axis=axis, keepdims=keepdims) / xp.sum(w, axis=axis, keepdims=keepdims)


def average_vjp_a(g, a, weights=None, axis=None, keepdims=False, returned=False):
    """Adjoint of ``average`` for ``a``."""
    _no_returned(returned)
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    w = _average_weights(a, weights, axis)
    ge = xp.broadcast_to(keep(g, a, axis, keepdims), _shape(a))
    if w is None:
        return ge / _count(a, axis)
    w = xp.broadcast_to(w, _shape(a))
    return ge * w / xp.sum(w, axis=axis, keepdims=True)


def average_jvp_w(tw, a, weights, result, axis=None, keepdims=False, returned=False):
    """The part of ``average``'s tangent that comes from ``weights``."""
    _no_returned(returned)
    xp = _ns(a)
    w = xp.broadcast_to(_average_weights(a, weights, axis), _shape(a))
    tw = xp.broadcast_to(_average_weights(a, tw, axis), _shape(a))
    r = keep(result, a, axis, keepdims)
    return xp.sum(tw * (a - r), axis=axis, keepdims=keepdims) / xp.sum(w, axis=axis, keepdims=keepdims)


def average_vjp_w(g, a, weights, result, axis=None, keepdims=False, returned=False):
    """Adjoint of ``average`` for ``weights``."""
    _no_returned(returned)
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    w = xp.broadcast_to(_average_weights(a, weights, axis), _shape(a))
    r = keep(result, a, axis, keepdims)
    ge = keep(g, a, axis, keepdims) / xp.sum(w, axis=axis, keepdims=True)
    return _unaverage_weights(xp.broadcast_to(ge * (a - r), _shape(a)), a, _asarray(weights, a), axis)


# order statistics (median, quantile, percentile)

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_positions(q, n, method):
    """Indices and interpolation weights of the order statistics a quantile
    combines: ``(lo, hi, frac)`` as NumPy arrays shaped like ``q``."""
    import numpy
    if method not in _QUANTILE_METHODS:
        _unsupported(f"numpy.quantile(method={method!r})",
                     f"use one of the methods {', '.join(_QUANTILE_METHODS)}")
    q = numpy.asarray(q, dtype=numpy.float64)
    pos = q * (n - 1)
    lo = numpy.floor(pos).astype(numpy.intp)
    lo = numpy.clip(lo, 0, n - 1)
    hi = numpy.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        frac = numpy.zeros_like(frac)
    elif method == "higher":
        lo = numpy.clip(numpy.ceil(pos).astype(numpy.intp), 0, n - 1)
        frac = numpy.zeros_like(frac)
    elif method == "midpoint":
        frac = numpy.where(hi > lo, 0.5, 0.0) * (pos != lo)
    elif method == "nearest":
        lo = numpy.clip(numpy.around(pos).astype(numpy.intp), 0, n - 1)
        frac = numpy.zeros_like(frac)
    return lo, hi, frac


def _order_setup(a, axis):
    xp = _ns(a)
    b, info = _to_end(a, _axes(axis, _ndim(a)))
    perm = xp.argsort(b, axis=-1)
    return b, info, perm


def quantile_jvp(t, a, q, result, axis=None, method="linear"):
    """Tangent of ``quantile(a, q, axis, method=method)`` (shaped like ``result``)."""
    xp = _ns(a)
    b, info, perm = _order_setup(a, axis)
    tb, _ = _to_end(xp.broadcast_to(t, _shape(a)), _axes(axis, _ndim(a)))
    ts = xp.take_along_axis(tb, perm, axis=-1)
    lo, hi, frac = _quantile_positions(q, _shape(b)[-1], method)
    f = _cast(xp.asarray(frac.reshape(-1)), _float_dtype(a))
    out = ts[..., lo.reshape(-1)] * (1 - f) + ts[..., hi.reshape(-1)] * f   # (..., Q)
    out = xp.moveaxis(out, -1, 0)
    return _cast(xp.reshape(out, _shape(result)), result.dtype)


def quantile_vjp(g, a, q, axis=None, method="linear"):
    """Adjoint of ``quantile`` for ``a``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    b, info, perm = _order_setup(a, axis)
    lo, hi, frac = _quantile_positions(q, _shape(b)[-1], method)
    nq = lo.size
    gq = xp.reshape(g, (nq,) + _shape(b)[:-1])        # (Q, ...)
    f = _cast(xp.asarray(frac.reshape(-1)), _float_dtype(a))
    gs = xp.zeros(_shape(b), dtype=_float_dtype(a, g))
    for k in range(nq):
        gs[..., int(lo.reshape(-1)[k])] += gq[k] * (1 - f[k])
        gs[..., int(hi.reshape(-1)[k])] += gq[k] * f[k]
    inv = xp.argsort(perm, axis=-1)
    gb = xp.take_along_axis(gs, inv, axis=-1)
    return _from_end(gb, info)


def _nan_quantile_weights(b_sorted, q, method):
    """The weights ``(Q, ..., n)`` that ``nanquantile`` gives the sorted
    entries of each slice of ``b_sorted`` (NaNs sorted last): those of
    :func:`_quantile_positions` over the slice's ``n`` non-NaN entries,
    which differ from slice to slice. All-NaN slices get none."""
    import numpy
    if method not in _QUANTILE_METHODS:
        _unsupported(f"numpy.nanquantile(method={method!r})",
                     f"use one of the methods {', '.join(_QUANTILE_METHODS)}")
    xp = _ns(b_sorted)
    dtype = _float_dtype(b_sorted)
    n = xp.sum(~xp.isnan(b_sorted), axis=-1)                   # (...)
    last = xp.maximum(n - 1, 0)
    idx = xp.arange(_shape(b_sorted)[-1])
    out = []
    for qk in numpy.asarray(q, dtype=numpy.float64).reshape(-1).tolist():
        pos = qk * _cast(last, dtype)
        lo = xp.minimum(xp.floor(pos), _cast(last, dtype))
        hi = xp.minimum(lo + 1, _cast(last, dtype))
        frac = pos - lo
        if method == "lower":
            frac = frac * 0
        elif method == "higher":
            lo = xp.minimum(xp.ceil(pos), _cast(last, dtype))
            frac = frac * 0
        elif method == "midpoint":
            frac = xp.where((hi > lo) & (pos != lo), 0.5, 0.0)
        elif method == "nearest":
            lo = xp.minimum(xp.round(pos), _cast(last, dtype))
            frac = frac * 0
        valid = _cast(n > 0, dtype)[..., None]
        w = (_cast(idx == lo[..., None], dtype) * (1 - frac)[..., None]
             + _cast(idx == hi[..., None], dtype) * frac[..., None]) * valid
        out.append(w)
    return xp.stack(out)


def nan_quantile_jvp(t, a, q, result, axis=None, method="linear"):
    """Tangent of ``nanquantile(a, q, axis, method=method)``: that of the
    order statistics of the non-NaN entries (NaNs get no derivative)."""
    xp = _ns(a)
    b, info, perm = _order_setup(a, axis)
    bs = xp.take_along_axis(b, perm, axis=-1)
    tb, _ = _to_end(xp.broadcast_to(t, _shape(a)), _axes(axis, _ndim(a)))
    ts = xp.take_along_axis(tb, perm, axis=-1)
    ts = xp.where(xp.isnan(bs), 0, ts)
    out = xp.sum(_nan_quantile_weights(bs, q, method) * ts, axis=-1)   # (Q, ...)
    return _cast(xp.reshape(out, _shape(result)), result.dtype)


def nan_quantile_vjp(g, a, q, axis=None, method="linear"):
    """Adjoint of ``nanquantile`` for ``a``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    b, info, perm = _order_setup(a, axis)
    bs = xp.take_along_axis(b, perm, axis=-1)
    w = _nan_quantile_weights(bs, q, method)                        # (Q, ..., n)
    gq = xp.reshape(g, (_shape(w)[0],) + _shape(b)[:-1])
    gs = _cast(xp.sum(w * gq[..., None], axis=0), _float_dtype(a, g))
    inv = xp.argsort(perm, axis=-1)
    return _from_end(xp.take_along_axis(gs, inv, axis=-1), info)


def percent(q):
    """``q`` percent as a fraction."""
    import numpy
    return numpy.asarray(q, dtype=numpy.float64) / 100


# differences and integrals


def _diff_parts(x, prepend, append, axis):
    """The pieces ``diff`` concatenates along ``axis`` (prepend and append
    broadcast as NumPy does)."""
    xp = _ns(x)
    parts = []
    nd = _ndim(x)
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = _asarray(extra, x)
        if _ndim(e) == 0:
            shape = list(_shape(x))
            shape[axis % nd] = 1
            e = xp.broadcast_to(e, tuple(shape))
        parts.append(e)
    return parts


_DIFF_PIECE = {0: 1, 1: 0, 2: 2}   # a, prepend, append -> position in the concatenation


def diff_jvp(t, which, a, n=1, axis=-1, prepend=None, append=None):
    """The part of ``diff``'s tangent from ``a`` (``which=0``), ``prepend``
    (1) or ``append`` (2): ``diff`` of the concatenation with the other
    pieces' tangents zero."""
    xp = _ns(a)
    pre, app = _diff_parts(a, prepend, append, axis)
    pieces = [pre, a, app]
    k = _DIFF_PIECE[which]
    parts = []
    for j, piece in enumerate(pieces):
        if piece is None:
            continue
        if j == k:
            parts.append(xp.broadcast_to(t, _shape(piece)))
        else:
            parts.append(xp.zeros(_shape(piece), dtype=_float_dtype(t, a)))
    return xp.diff(_concat(parts, axis=axis), n=n, axis=axis)


def diff_vjp(g, which, a, n=1, axis=-1, prepend=None, append=None):
    """Adjoint of ``diff`` for ``a`` (``which=0``), ``prepend`` (1) or ``append`` (2)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    pre, app = _diff_parts(a, prepend, append, axis)
    for _ in range(n):
        # transpose of y_i = x_{i+1} - x_i
        shape = list(_shape(g))
        shape[axis] = 1
        z = xp.zeros(tuple(shape), dtype=g.dtype)
        g = _concat([z, g], axis=axis) - _concat([g, z], axis=axis)
    sizes = [0 if p is None else _shape(p)[axis] for p in (pre, a, app)]
    k = _DIFF_PIECE[which]
    start = builtins_sum(sizes[:k])
    part = _take_range(g, start, start + sizes[k], axis)
    like = (a, prepend, append)[which]
    if _shape(like) != _shape(part):
        part = unbroadcast(part, like) if _ndim(like) else xp.sum(part)
    return part


def trapezoid_jvp_y(t, y, x=None, dx=1.0, axis=-1):
    """The part of ``trapezoid``'s tangent from ``y`` (it is linear in ``y``)."""
    xp = _ns(y)
    return xp.trapezoid(xp.broadcast_to(t, _shape(y)), x, dx=dx, axis=axis)


def _trapezoid_weights(y, x, dx, axis):
    """w such that trapezoid(y) = sum(w * y, axis)."""
    xp = _ns(y)
    nd = _ndim(y)
    axis = axis % nd
    n = _shape(y)[axis]
    if x is None:
        h = dx
        shape = [1] * nd
        shape[axis] = n
        w = xp.full((n,), 1.0, dtype=_float_dtype(y))
        w[0] = 0.5
        w[-1] = 0.5
        return xp.reshape(w, tuple(shape)) * h
    xa = _asarray(x, y)
    if _ndim(xa) == 1:
        shape = [1] * nd
        shape[axis] = n
        xa = xp.reshape(xa, tuple(shape))
    d = xp.diff(xa, axis=axis)
    zshape = list(_shape(d))
    zshape[axis] = 1
    z = xp.zeros(tuple(zshape), dtype=_float_dtype(y))
    return 0.5 * (_concat([z, d], axis=axis) + _concat([d, z], axis=axis))


def trapezoid_vjp_y(g, y, x=None, dx=1.0, axis=-1):
    """Adjoint of ``trapezoid`` for ``y``."""
    if is_zero(g):
        return 0.0
    xp = _ns(y)
    w = _trapezoid_weights(y, x, dx, axis)
    ge = xp.expand_dims(g, axis % _ndim(y)) if _ndim(g) < _ndim(y) else g
    return xp.broadcast_to(ge * w, _shape(y))


def _trapezoid_x_coeffs(y, x, axis):
    """c such that d trapezoid / d x = c (summed against dx along axis)."""
    xp = _ns(y)
    nd = _ndim(y)
    axis = axis % nd
    s = _take_range(y, 1, None, axis) + _take_range(y, None, -1, axis)   # y_{i+1} + y_i
    zshape = list(_shape(s))
    zshape[axis] = 1
    z = xp.zeros(tuple(zshape), dtype=_float_dtype(y))
    # trapezoid = sum_i (x_{i+1} - x_i) s_i / 2  ->  d/dx_j = (s_{j-1} - s_j) / 2
    return 0.5 * (_concat([z, s], axis=axis) - _concat([s, z], axis=axis))


def trapezoid_jvp_x(t, y, x, axis=-1):
    """The part of ``trapezoid``'s tangent from the sample points ``x``."""
    xp = _ns(y)
    c = _trapezoid_x_coeffs(y, x, axis)
    ta = xp.asarray(t)
    if _ndim(ta) == 1 and _ndim(y) > 1:
        shape = [1] * _ndim(y)
        shape[axis % _ndim(y)] = _shape(ta)[0]
        ta = xp.reshape(ta, tuple(shape))
    return xp.sum(c * ta, axis=axis)


def trapezoid_dx_partial(y, x=None, axis=-1):
    """d trapezoid(y, dx=dx) / d dx (0 when sample points ``x`` are given)."""
    if x is not None:
        return 0.0
    return _ns(y).trapezoid(y, axis=axis)


def trapezoid_vjp_x(g, y, x, axis=-1):
    """Adjoint of ``trapezoid`` for the sample points ``x``."""
    if is_zero(g):
        return 0.0
    xp = _ns(y)
    c = _trapezoid_x_coeffs(y, x, axis)
    ax = axis % _ndim(y)
    full = xp.expand_dims(g, ax) * c
    if _ndim(x) == 1 and _ndim(y) > 1:
        return xp.sum(full, axis=tuple(i for i in range(_ndim(y)) if i != ax))
    return unbroadcast(full, x)


# -- linear algebra ----------------------------------------------------------------------


def mT(x):
    """Transpose of the last two axes."""
    if hasattr(x, "mT"):
        return x.mT
    return _ns(x).swapaxes(x, -1, -2)


def vdot_adjoint(g, other, like, conj_other=False):
    """Adjoint of ``vdot`` for one argument: ``g * other`` in ``like``'s shape."""
    xp = _ns(other)
    v = xp.conj(other) if conj_other else other
    return xp.reshape(g * v, _shape(like))


def inner_adjoint(g, a, b, which):
    """Adjoint of ``inner(a, b)`` for ``a`` (``which=0``) or ``b`` (1)."""
    xp = _ns(a) if hasattr(a, "shape") else _ns(b)
    if _ndim(a) == 0 or _ndim(b) == 0:
        other = b if which == 0 else a
        like = a if which == 0 else b
        return unbroadcast(g * other, like)
    na, nb = _ndim(a) - 1, _ndim(b) - 1
    if which == 0:
        # g: a.shape[:-1] + b.shape[:-1]; contract g's b-part with b's leading axes
        return xp.tensordot(g, b, axes=(list(range(na, na + nb)), list(range(nb))))
    out = xp.tensordot(g, a, axes=(list(range(na)), list(range(na))))   # b.shape[:-1] + (k,)
    return out


def outer_adjoint(g, a, b, which):
    """Adjoint of ``outer(a, b)`` for ``a`` (0) or ``b`` (1)."""
    xp = _ns(g)
    av = xp.reshape(a, (-1,))
    bv = xp.reshape(b, (-1,))
    if which == 0:
        return xp.reshape(xp.matmul(g, bv), _shape(a))
    return xp.reshape(xp.matmul(av, g), _shape(b))


def tensordot_axes(a, b, axes):
    """``tensordot``'s ``axes`` as two lists of non-negative axes."""
    if isinstance(axes, int):
        na = _ndim(a)
        return list(range(na - axes, na)), list(range(axes))
    ax_a, ax_b = axes
    if isinstance(ax_a, int):
        ax_a = [ax_a]
    if isinstance(ax_b, int):
        ax_b = [ax_b]
    return [x % _ndim(a) for x in ax_a], [x % _ndim(b) for x in ax_b]


def tensordot_adjoint(g, a, b, axes, which):
    """Adjoint of ``tensordot(a, b, axes)`` for ``a`` (0) or ``b`` (1)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    ax_a, ax_b = tensordot_axes(a, b, axes)
    free_a = [i for i in range(_ndim(a)) if i not in ax_a]
    free_b = [i for i in range(_ndim(b)) if i not in ax_b]
    nfa = len(free_a)
    if which == 0:
        # contract g's b-part with b's free axes: left with free_a + the
        # contracted axes of b in increasing order, each matching an axis of a
        out = xp.tensordot(g, b, axes=(list(range(nfa, nfa + len(free_b))), free_b))
        pos = free_a + [ax_a[ax_b.index(j)] for j in sorted(ax_b)]
    else:
        out = xp.tensordot(a, g, axes=(free_a, list(range(nfa))))
        pos = [ax_b[ax_a.index(i)] for i in sorted(ax_a)] + free_b
    inv = [0] * len(pos)
    for k, p in enumerate(pos):
        inv[p] = k
    return _permute(out, inv)


def kron_adjoint(g, a, b, which):
    """Adjoint of ``kron(a, b)`` for ``a`` (0) or ``b`` (1)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    a_ = _asarray(a, g)
    b_ = _asarray(b, g)
    nd = max(_ndim(a_), _ndim(b_))
    sa = (1,) * (nd - _ndim(a_)) + _shape(a_)
    sb = (1,) * (nd - _ndim(b_)) + _shape(b_)
    inter = []
    for i in range(nd):
        inter += [sa[i], sb[i]]
    gi = xp.reshape(g, tuple(inter))
    ra = xp.reshape(a_, tuple(v for i in range(nd) for v in (sa[i], 1)))
    rb = xp.reshape(b_, tuple(v for i in range(nd) for v in (1, sb[i])))
    if which == 0:
        out = xp.sum(gi * rb, axis=tuple(range(1, 2 * nd, 2)))
        return xp.reshape(out, _shape(a_))
    out = xp.sum(gi * ra, axis=tuple(range(0, 2 * nd, 2)))
    return xp.reshape(out, _shape(b_))


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``diagonal(a, offset, axis1, axis2)``: ``g`` placed on that
    diagonal of a zero array shaped like ``a``."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    shape = _shape(a)
    nd = len(shape)
    ax1, ax2 = axis1 % nd, axis2 % nd
    rest = [i for i in range(nd) if i not in (ax1, ax2)]
    n1, n2 = shape[ax1], shape[ax2]
    out = xp.zeros(tuple(shape[i] for i in rest) + (n1, n2), dtype=_float_dtype(g, a))
    k = _shape(g)[-1] if _ndim(g) else 0
    if k:
        i = xp.arange(k)
        rows = i + max(-offset, 0)
        cols = i + max(offset, 0)
        out[..., rows, cols] = g
    perm = rest + [ax1, ax2]
    inv = [0] * nd
    for j, p in enumerate(perm):
        inv[p] = j
    return _permute(out, inv)


def trace_adjoint_transpose(h, a, offset=0, axis1=0, axis2=1):
    """Transpose of :func:`trace_adjoint` (reverse mode over it): the trace
    of ``h``."""
    if is_zero(h):
        return 0.0
    return _ns(h).trace(h, offset, axis1, axis2)


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``trace``: ``g`` on the diagonal."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    shape = _shape(a)
    nd = len(shape)
    n1, n2 = shape[axis1 % nd], shape[axis2 % nd]
    k = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    gv = xp.asarray(g)
    gk = xp.broadcast_to(gv[..., None], _shape(gv) + (k,))
    return diagonal_adjoint(gk, a, offset, axis1, axis2)


def diag_adjoint(g, v, k=0):
    """Adjoint of ``diag(v, k)``: the diagonal of ``g`` (1-D ``v``) or ``g``
    placed on the diagonal (2-D ``v``)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if _ndim(v) == 1:
        return xp.diagonal(g, k)
    return diagonal_adjoint(g, v, k, 0, 1)


def diagflat_adjoint(g, v, k=0):
    """Adjoint of ``diagflat(v, k)``: diagonal ``k`` of ``g`` in ``v``'s shape."""
    xp = _ns(g)
    if is_zero(g):
        return 0.0
    return xp.reshape(xp.diagonal(g, k), _shape(v))


def cross_adjoint(g, a, b, which, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``cross(a, b)`` for ``a`` (0) or ``b`` (1) (3-vectors)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if axis is not None:
        axisa = axisb = axisc = axis
    gm = xp.moveaxis(g, axisc, -1)
    am = xp.moveaxis(a, axisa, -1)
    bm = xp.moveaxis(b, axisb, -1)
    if _shape(am)[-1] != 3 or _shape(bm)[-1] != 3:
        _unsupported("numpy.cross of 2-vectors", "pad the vectors with a zero third component")
    if which == 0:
        out = xp.cross(bm, gm)
        like = am
        ax = axisa
    else:
        out = xp.cross(gm, am)
        like = bm
        ax = axisb
    return xp.moveaxis(unbroadcast(out, like), -1, ax)


def vecdot_adjoint(g, x1, x2, which, axis=-1):
    """Adjoint of ``vecdot(x1, x2, axis=axis)`` (= sum(conj(x1) * x2, axis))."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    nd = max(_ndim(x1), _ndim(x2))
    ge = xp.expand_dims(g, axis % nd if axis < 0 else axis)
    if which == 0:
        return unbroadcast(xp.conj(ge * x2), x1)
    return unbroadcast(ge * xp.conj(x1), x2)


def matvec_adjoint(g, a, v, which):
    """Adjoint of ``matvec(a, v)`` (``a @ v`` on stacks)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if which == 0:
        return unbroadcast(g[..., :, None] * v[..., None, :], a)
    return unbroadcast(xp.matmul(mT(a), g[..., :, None])[..., 0], v)


def vecmat_adjoint(g, v, a, which):
    """Adjoint of ``vecmat(v, a)`` (``conj(v) @ a`` on stacks)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if which == 0:
        return unbroadcast(xp.conj(xp.matmul(a, g[..., :, None])[..., 0]), v)
    return unbroadcast(xp.conj(v)[..., :, None] * g[..., None, :], a)


def _full_adjoint(g, n, m, mode):
    """``g``, the adjoint of ``convolve(a, v, mode)`` (``len(a) = n``,
    ``len(v) = m``), embedded in the adjoint of the full convolution."""
    xp = _ns(g)
    if mode == "full":
        return g
    start = {"same": (min(n, m) - 1) // 2, "valid": min(n, m) - 1}[mode]
    full = xp.zeros(n + m - 1, dtype=_float_dtype(g))
    full[start:start + _size(g)] = g
    return full


def convolve_adjoint(g, a, v, which, mode="full"):
    """Adjoint of ``convolve(a, v, mode)`` for ``a`` (0) or ``v`` (1):
    the full adjoint correlated with the other argument."""
    _real_only("numpy.convolve", a, v)
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    full = _full_adjoint(g, _size(a), _size(v), mode)
    return xp.correlate(full, v if which == 0 else a, "valid")


def correlate_adjoint(g, a, v, which, mode="valid"):
    """Adjoint of ``correlate(a, v, mode)`` for ``a`` (0) or ``v`` (1). For
    real arguments ``correlate(a, v) = convolve(a, v[::-1])``; when ``v`` is
    longer NumPy swaps the arguments and reverses the result."""
    _real_only("numpy.correlate", a, v)
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if _size(v) > _size(a):
        return correlate_adjoint(xp.flip(g), v, a, 1 - which, mode)
    if which == 0:
        return convolve_adjoint(g, a, xp.flip(v), 0, mode)
    return xp.flip(convolve_adjoint(g, a, xp.flip(v), 1, mode))


# solvers and factorizations


def _solve(a, v):
    """``solve(a, v)`` with ``v`` a (stack of) vector(s) when it has one axis
    less than ``a`` (as the result of ``solve(a, b)`` for a vector ``b``
    broadcast against a stack of matrices), else a (stack of) matrix."""
    xp = _ns(a)
    if _ndim(v) == _ndim(a) - 1:
        return xp.linalg.solve(a, v[..., None])[..., 0]
    return xp.linalg.solve(a, v)


def _matvec(m, v, like):
    """``m @ v``, ``v`` a (stack of) vector(s) where ``like`` is one."""
    xp = _ns(m)
    if _ndim(like) == _ndim(m) - 1:
        return xp.matmul(m, v[..., None])[..., 0]
    return xp.matmul(m, v)


def solve_b_adjoint(g, a):
    """Adjoint of ``solve(a, b)`` for ``b``: ``solve(a^T, g)``."""
    if is_zero(g):
        return 0.0
    return _solve(mT(a), g)


def solve_a_adjoint(g, a, x):
    """Adjoint of ``solve(a, b)`` for ``a``: ``-solve(a^T, g) x^T``."""
    if is_zero(g):
        return 0.0
    gb = _solve(mT(a), g)
    return unbroadcast(-_outer_last(gb, x, a), a)


def solve_b_tangent(a, tb):
    """The part of ``solve(a, b)``'s tangent from ``b``: ``solve(a, tb)``."""
    return _ns(a).linalg.solve(a, tb)


def solve_a_tangent(a, ta, x):
    """The part of ``solve(a, b)``'s tangent from ``a``: ``-solve(a, ta @ x)``."""
    return -_solve(a, _matvec(ta, x, x if _ndim(x) == _ndim(a) - 1 else a))


def _outer_last(u, x, a=None):
    """``u x^T`` over the last axes (``u`` and ``x`` vectors, stacks of
    vectors beside the matrices ``a``, or matrices)."""
    if _ndim(x) == 1 or (a is not None and _ndim(x) == _ndim(a) - 1):
        return u[..., :, None] * x[..., None, :]
    return _ns(u).matmul(u, mT(x))


def solve_b_adjoint_ta(g, a, ta):
    """The part of ``solve_b_adjoint(g, a)``'s tangent from ``a``'s:
    ``-solve(a^T, ta^T solve(a^T, g))``."""
    if is_zero(g):
        return 0.0
    u = _solve(mT(a), g)
    return -_solve(mT(a), _matvec(mT(ta), u, u))


def solve_a_adjoint_ta(g, a, x, ta):
    """The part of ``solve_a_adjoint(g, a, x)``'s tangent from ``a``'s."""
    if is_zero(g):
        return 0.0
    u = _solve(mT(a), g)
    du = -_solve(mT(a), _matvec(mT(ta), u, u))
    return unbroadcast(-_outer_last(du, x, a), a)


def solve_a_adjoint_tx(g, a, tx):
    """The part of ``solve_a_adjoint(g, a, x)``'s tangent from ``x``'s."""
    if is_zero(g):
        return 0.0
    u = _solve(mT(a), g)
    return unbroadcast(-_outer_last(u, tx, a), a)


def inv_adjoint_tangent(g, ainv, tainv):
    """The part of ``inv_adjoint(g, ainv)``'s tangent from ``ainv``'s:
    ``-(tainv^T g ainv^T + ainv^T g tainv^T)``."""
    if is_zero(g):
        return 0.0
    xp = _ns(ainv)
    return -(xp.matmul(xp.matmul(mT(tainv), g), mT(ainv)) + xp.matmul(xp.matmul(mT(ainv), g), mT(tainv)))


def inv_adjoint(g, ainv):
    """Adjoint of ``inv(a)``: ``-inv(a)^T g inv(a)^T``."""
    if is_zero(g):
        return 0.0
    xp = _ns(ainv)
    it = mT(ainv)
    return -xp.matmul(xp.matmul(it, g), it)


def cofactors(a, d):
    """The cofactor matrix of ``a`` (whose determinant is ``d``), the
    derivative of ``det``: ``d * inv(a)^T``, or from the singular value
    decomposition ``a = u diag(s) vh`` where ``a`` is (nearly) singular:
    ``det(u) det(vh) u diag(prod of the other s) vh``, which stays finite
    (the cofactors of a singular matrix need not vanish)."""
    xp = _ns(a)
    d = xp.asarray(d)
    # Hadamard's bound: |det a| <= the product of the row norms
    scale = xp.prod(xp.sqrt(xp.sum(a * a, axis=-1)), axis=-1)
    if bool(xp.all(xp.abs(d) > 1e-8 * scale)):
        return d[..., None, None] * mT(xp.linalg.inv(a))
    u, sv, vh = xp.linalg.svd(a)
    n = sv.shape[-1]
    others = xp.stack([xp.prod(xp.concatenate([sv[..., :i], sv[..., i + 1:]], axis=-1), axis=-1)
                       for i in range(n)], axis=-1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    return sign[..., None, None] * xp.matmul(u * others[..., None, :], vh)


def det_jvp(t, a, d):
    """Tangent of ``det(a)``: the cofactors times ``t``, summed
    (``det(a) * trace(solve(a, t))`` for an invertible ``a``)."""
    xp = _ns(a)
    return xp.sum(cofactors(a, d) * t, axis=(-2, -1))


def det_adjoint(g, a, d):
    """Adjoint of ``det(a)``: ``g`` times the cofactors (``g * det(a) *
    inv(a)^T`` for an invertible ``a``)."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    s = xp.asarray(g)
    return s[..., None, None] * cofactors(a, d)


def det_adjoint_ta(g, a, d, ta):
    """The part of ``det_adjoint(g, a, d)``'s tangent from ``a``'s:
    ``-g d (inv(a) ta inv(a))^T``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    ainv = xp.linalg.inv(a)
    s = xp.asarray(g * d)
    return -s[..., None, None] * mT(xp.matmul(xp.matmul(ainv, ta), ainv))


def det_adjoint_tangent(g, a, d, ta, td):
    """The tangent of ``det_adjoint(g, a, d)`` from those of ``a`` and of
    ``d = det(a)``: ``g (td inv(a)^T - d (inv(a) ta inv(a))^T)``. Where
    ``a`` is (nearly) singular, those terms cancel to what the formula
    cannot give accurately: refused there."""
    if is_zero(g) or (is_zero(ta) and is_zero(td)):
        return 0.0
    xp = _ns(a)
    scale = xp.prod(xp.sqrt(xp.sum(a * a, axis=-1)), axis=-1)
    if not bool(xp.all(xp.abs(xp.asarray(d)) > 1e-8 * scale)):
        _unsupported("second derivatives of numpy.linalg.det at a singular matrix",
                     "take them away from singular matrices, or write the determinant out "
                     "for a small fixed size")
    out = 0.0
    if not is_zero(td):
        out = xp.asarray(g * td)[..., None, None] * mT(xp.linalg.inv(a))
    if not is_zero(ta):
        out = out + det_adjoint_ta(g, a, d, ta)
    return out


def slogdet_jvp(result, a, t):
    """Tangent of ``slogdet(a)``: a zero sign and ``trace(solve(a, t))``."""
    xp = _ns(a)
    sign = result[0]
    return (xp.zeros_like(sign), xp.trace(xp.linalg.solve(a, t), axis1=-2, axis2=-1))


def item(g, i):
    """Entry ``i`` of a tuple adjoint (0 when the adjoint is a lazy zero)."""
    if is_zero(g):
        return 0.0
    return g[i]


def slogdet_adjoint(g, a):
    """Adjoint of ``slogdet(a)``: ``g[1] * inv(a)^T`` (the sign is piecewise constant)."""
    gl = item(g, 1)
    if is_zero(gl):
        return 0.0
    xp = _ns(a)
    gl = xp.asarray(gl)
    return gl[..., None, None] * mT(xp.linalg.inv(a))


def matrix_power_jvp(t, a, n):
    """Tangent of ``matrix_power(a, n)``."""
    xp = _ns(a)
    if n == 0:
        return xp.zeros_like(a)
    if n < 0:
        b = xp.linalg.inv(a)
        tb = -xp.matmul(xp.matmul(b, t), b)
        return matrix_power_jvp(tb, b, -n)
    powers = [None] * n
    p = None
    for k in range(n):
        powers[k] = p
        p = a if p is None else xp.matmul(p, a)
    out = 0.0
    for k in range(n):
        left = powers[k]
        right = powers[n - 1 - k]
        term = t if left is None else xp.matmul(left, t)
        term = term if right is None else xp.matmul(term, right)
        out = out + term
    return out


def matrix_power_adjoint(g, a, n):
    """Adjoint of ``matrix_power(a, n)``."""
    if is_zero(g) or n == 0:
        return 0.0
    xp = _ns(a)
    if n < 0:
        b = xp.linalg.inv(a)
        gb = matrix_power_adjoint(g, b, -n)
        return inv_adjoint(gb, b)
    return matrix_power_jvp(g, mT(a), n)


def multi_dot_jvp(tangents, arrays):
    """Tangent of ``multi_dot(arrays)``: one product per factor's tangent."""
    xp = _ns(arrays[0])
    out = 0.0
    for i, t in enumerate(tangents):
        if is_zero(t) and not hasattr(t, "shape"):
            continue
        factors = list(arrays)
        factors[i] = t
        out = out + xp.linalg.multi_dot(factors)
    return out


def multi_dot_adjoint(g, arrays):
    """Adjoint of ``multi_dot(arrays)``: a list, one adjoint per factor."""
    if is_zero(g):
        return 0.0
    xp = _ns(arrays[0])
    mats = [_asarray(x, arrays[0]) for x in arrays]
    first_vec = _ndim(mats[0]) == 1
    last_vec = _ndim(mats[-1]) == 1
    if first_vec:
        mats[0] = mats[0][None, :]
    if last_vec:
        mats[-1] = mats[-1][:, None]
    g2 = xp.asarray(g)
    g2 = xp.reshape(g2, (_shape(mats[0])[0], _shape(mats[-1])[1]))
    n = len(mats)
    left = [None] * n
    acc = None
    for i in range(n):
        left[i] = acc
        acc = mats[i] if acc is None else xp.matmul(acc, mats[i])
    right = [None] * n
    acc = None
    for i in range(n - 1, -1, -1):
        right[i] = acc
        acc = mats[i] if acc is None else xp.matmul(mats[i], acc)
    out = AdjList()
    for i in range(n):
        gi = g2
        if left[i] is not None:
            gi = xp.matmul(mT(left[i]), gi)
        if right[i] is not None:
            gi = xp.matmul(gi, mT(right[i]))
        out.append(xp.reshape(gi, _shape(arrays[i])))
    return out


def _diag_part(s):
    xp = _ns(s)
    n = _shape(s)[-1]
    return s * xp.eye(n, dtype=s.dtype)


def _lower_read(t, uplo="L"):
    """The symmetric matrix a routine reading one triangle of ``t`` sees."""
    xp = _ns(t)
    if uplo.upper() == "U":
        u = xp.triu(t, 1)
        return u + mT(u) + _diag_part(t)
    l = xp.tril(t, -1)
    return l + mT(l) + _diag_part(t)


def _sym_adjoint(s, uplo="L"):
    """Adjoint with respect to the raw argument of a routine reading the
    ``uplo`` triangle, given the adjoint ``s`` of the symmetric matrix it sees."""
    xp = _ns(s)
    full = s + mT(s)
    tri = xp.triu(full, 1) if uplo.upper() == "U" else xp.tril(full, -1)
    return tri + _diag_part(s)


def _phi(x):
    """Lower triangle with the diagonal halved."""
    xp = _ns(x)
    return xp.tril(x, -1) + 0.5 * _diag_part(x)


def cholesky_jvp(L, t, upper=False):
    """Tangent of ``cholesky(a)``. NumPy reads the lower triangle of ``a``
    (the upper one for ``upper=True``, which returns ``L^T``)."""
    xp = _ns(L)
    if upper:
        L = mT(L)
    s = _lower_read(t, "U" if upper else "L")
    linv_s = xp.linalg.solve(L, s)                 # L^-1 S
    x = mT(xp.linalg.solve(L, mT(linv_s)))         # L^-1 S L^-T
    out = xp.matmul(L, _phi(x))
    return mT(out) if upper else out


def cholesky_adjoint(g, L, upper=False):
    """Adjoint of ``cholesky(a)`` (in the triangle NumPy reads)."""
    if is_zero(g):
        return 0.0
    xp = _ns(L)
    if upper:
        L = mT(L)
        g = mT(g)
    p = _phi(xp.matmul(mT(L), g))
    # S = L^-T P L^-1
    s = xp.linalg.solve(mT(L), p)
    s = mT(xp.linalg.solve(mT(L), mT(s)))
    s = 0.5 * (s + mT(s))
    return _sym_adjoint(s, "U" if upper else "L")


def _eig_f(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    xp = _ns(w)
    diff = w[..., None, :] - w[..., :, None]
    n = _shape(w)[-1]
    eye = xp.eye(n, dtype=bool)
    return xp.where(eye, 0, 1 / xp.where(eye, 1, diff))


def eigh_jvp(result, t, UPLO="L"):
    """Tangent of ``eigh(a)``: ``(dw, dv)``."""
    xp = _ns(t)
    w, v = result
    s = _lower_read(t, UPLO)
    p = xp.matmul(xp.matmul(mT(v), s), v)
    dw = xp.diagonal(p, axis1=-2, axis2=-1)
    dv = xp.matmul(v, _eig_f(w) * p)
    return (dw, dv)


def eigh_adjoint(g, result, UPLO="L"):
    """Adjoint of ``eigh(a)`` for ``a`` (distinct eigenvalues)."""
    gw, gv = item(g, 0), item(g, 1)
    if is_zero(gw) and is_zero(gv):
        return 0.0
    xp = _ns(result[1])
    w, v = result
    inner = 0.0
    if not is_zero(gw):
        inner = xp.asarray(gw)[..., :, None] * xp.eye(_shape(w)[-1], dtype=v.dtype)
    if not is_zero(gv):
        inner = inner + _eig_f(w) * xp.matmul(mT(v), gv)
    s = xp.matmul(xp.matmul(v, inner), mT(v))
    s = 0.5 * (s + mT(s))
    return _sym_adjoint(s, UPLO)


def eigvalsh_jvp(a, w, t, UPLO="L"):
    """Tangent of ``eigvalsh(a)`` (distinct eigenvalues)."""
    xp = _ns(a)
    _, v = xp.linalg.eigh(a, UPLO=UPLO)
    return eigh_jvp((w, v), t, UPLO)[0]


def eigvalsh_adjoint(g, a, w, UPLO="L"):
    """Adjoint of ``eigvalsh(a)``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    _, v = xp.linalg.eigh(a, UPLO=UPLO)
    return eigh_adjoint((g, 0.0), (w, v), UPLO)


def _qr_check(a, mode):
    m, n = _shape(a)[-2:]
    if m < n:
        _unsupported("numpy.linalg.qr of a wide matrix", "factor the transpose instead (an LQ decomposition)")
    if mode not in ("reduced", "r"):
        _unsupported(f"numpy.linalg.qr(mode={mode!r})", "use mode='reduced' or mode='r'")


def qr_jvp(a, result, t, mode="reduced"):
    """Tangent of ``qr(a, mode)`` (``m >= n``): ``(dq, dr)`` or ``dr``."""
    xp = _ns(a)
    _qr_check(a, mode)
    if mode == "r":
        q, r = xp.linalg.qr(a)
    else:
        q, r = result
    # dA R^-1 via a triangular solve on the transposes
    dar = mT(xp.linalg.solve(mT(r), mT(t)))
    c = xp.matmul(mT(q), dar)
    low = xp.tril(c, -1)
    omega = low - mT(low)
    dr = xp.matmul(c - omega, r)
    if mode == "r":
        return dr
    dq = dar - xp.matmul(q, c - omega)
    return (dq, dr)


def qr_adjoint(g, a, result, mode="reduced"):
    """Adjoint of ``qr(a, mode)`` (``m >= n``)."""
    xp = _ns(a)
    _qr_check(a, mode)
    if mode == "r":
        q, r = xp.linalg.qr(a)
        gq, gr = 0.0, g
    else:
        q, r = result
        gq, gr = item(g, 0), item(g, 1)
    if is_zero(gq) and is_zero(gr):
        return 0.0
    if is_zero(gq):
        gq = xp.zeros_like(q)
    if is_zero(gr):
        gr = xp.zeros_like(r)
    m_ = xp.matmul(r, mT(gr)) - xp.matmul(mT(gq), q)
    low = xp.tril(m_, -1)
    copyltu = low + mT(low) + _diag_part(m_)
    b = gq + xp.matmul(q, copyltu)
    # B R^-T
    return mT(xp.linalg.solve(r, mT(b)))


def _svd_check(a, full_matrices):
    m, n = _shape(a)[-2:]
    if full_matrices and m != n:
        _unsupported("numpy.linalg.svd(full_matrices=True) of a non-square matrix",
                     "the extra singular vectors are not unique: use full_matrices=False")


def _svd_f(s):
    xp = _ns(s)
    s2 = s * s
    diff = s2[..., None, :] - s2[..., :, None]     # s_j^2 - s_i^2
    n = _shape(s)[-1]
    eye = xp.eye(n, dtype=bool)
    return xp.where(eye, 0, 1 / xp.where(eye, 1, diff))


def svd_jvp(a, result, t, full_matrices=True, compute_uv=True):
    """Tangent of ``svd(a)`` (distinct, nonzero singular values)."""
    xp = _ns(a)
    _svd_check(a, full_matrices and compute_uv)
    if compute_uv:
        u, s, vh = result
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        s = result
    k = _shape(s)[-1]
    u_ = u[..., :, :k]
    v_ = mT(vh[..., :k, :])
    dp = xp.matmul(xp.matmul(mT(u_), t), v_)
    ds = xp.diagonal(dp, axis1=-2, axis2=-1)
    if not compute_uv:
        return ds
    f = _svd_f(s)
    sm = s[..., None, :]                  # multiplies columns by s
    du = xp.matmul(u_, f * (dp * sm + mT(dp) * s[..., :, None]))
    dv = xp.matmul(v_, f * (s[..., :, None] * dp + mT(dp) * sm) * 1)
    # components outside the span (non-square)
    m, n = _shape(a)[-2:]
    if m > k:
        du = du + xp.matmul(t - xp.matmul(u_, xp.matmul(mT(u_), t)), v_) / sm
    if n > k:
        dv = dv + xp.matmul(mT(t) - xp.matmul(v_, xp.matmul(mT(v_), mT(t))), u_) / sm
    return (du, ds, mT(dv))


def svd_adjoint(g, a, result, full_matrices=True, compute_uv=True):
    """Adjoint of ``svd(a)`` for ``a``."""
    xp = _ns(a)
    _svd_check(a, full_matrices and compute_uv)
    if compute_uv:
        u, s, vh = result
        gu, gs, gvh = item(g, 0), item(g, 1), item(g, 2)
    else:
        if is_zero(g):
            return 0.0
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        gu, gs, gvh = 0.0, g, 0.0
    if is_zero(gu) and is_zero(gs) and is_zero(gvh):
        return 0.0
    k = _shape(s)[-1]
    u_ = u[..., :, :k]
    v_ = mT(vh[..., :k, :])
    m, n = _shape(a)[-2:]
    inner = 0.0
    out = 0.0
    if not is_zero(gs):
        inner = xp.asarray(gs)[..., :, None] * xp.eye(k, dtype=u.dtype)
    sm = s[..., None, :]
    sc = s[..., :, None]
    f = _svd_f(s)
    if not is_zero(gu):
        gu_ = gu[..., :, :k]
        j = f * (xp.matmul(mT(u_), gu_) - xp.matmul(mT(gu_), u_))
        inner = inner + j * sm
        if m > k:
            proj = gu_ - xp.matmul(u_, xp.matmul(mT(u_), gu_))
            out = out + xp.matmul(proj / sm, mT(v_))
    if not is_zero(gvh):
        gv_ = mT(gvh[..., :k, :])
        kk = f * (xp.matmul(mT(v_), gv_) - xp.matmul(mT(gv_), v_))
        inner = inner + sc * kk
        if n > k:
            proj = gv_ - xp.matmul(v_, xp.matmul(mT(v_), gv_))
            out = out + xp.matmul(u_ / sm, mT(proj))
    if not (isinstance(inner, float) and inner == 0.0):
        out = out + xp.matmul(xp.matmul(u_, inner), mT(v_))
    return out


def svd_adjoint_tangent(g, a, result, full_matrices, compute_uv, ta):
    """Part of the tangent of ``svd_adjoint(g, a, result, ...)`` from the
    tangent of ``a``, where ``g`` is an adjoint of the singular values only
    (``u diag(g) vh``); through ``u`` and ``vh`` it is refused."""
    if compute_uv:
        if not (is_zero(item(g, 0)) and is_zero(item(g, 2))):
            _unsupported("second derivatives through the singular vectors of numpy.linalg.svd",
                         "use only the singular values (np.linalg.svd(a, compute_uv=False)), "
                         "or np.linalg.eigh for a symmetric matrix")
        g = item(g, 1)
    if is_zero(g) or is_zero(ta):
        return 0.0
    xp = _ns(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    du, _, dvh = svd_jvp(a, (u, s, vh), _like(ta, a), full_matrices=False)
    gs = xp.asarray(g)[..., None, :]
    return xp.matmul(du * gs, vh) + xp.matmul(u * gs, dvh)


def pinv_jvp(a, p, t):
    """Tangent of ``pinv(a)`` (constant rank)."""
    xp = _ns(a)
    m, n = _shape(a)[-2:]
    im = xp.eye(m, dtype=p.dtype)
    i_n = xp.eye(n, dtype=p.dtype)
    tt = mT(t)
    out = -xp.matmul(xp.matmul(p, t), p)
    out = out + xp.matmul(xp.matmul(xp.matmul(p, mT(p)), tt), im - xp.matmul(a, p))
    out = out + xp.matmul(xp.matmul(i_n - xp.matmul(p, a), tt), xp.matmul(mT(p), p))
    return out


def pinv_adjoint(g, a, p):
    """Adjoint of ``pinv(a)`` (constant rank)."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    m, n = _shape(a)[-2:]
    im = xp.eye(m, dtype=p.dtype)
    i_n = xp.eye(n, dtype=p.dtype)
    pt = mT(p)
    gt = mT(g)
    out = -xp.matmul(xp.matmul(pt, g), pt)
    out = out + xp.matmul(xp.matmul(im - xp.matmul(a, p), gt), xp.matmul(p, pt))
    out = out + xp.matmul(xp.matmul(xp.matmul(pt, p), gt), i_n - xp.matmul(p, a))
    return out


def pinv_adjoint_tangent(g, a, p, ta, tp):
    """Part of the tangent of ``pinv_adjoint(g, a, p)`` from the tangents of
    ``a`` and ``p``: the adjoint is a sum of matrix products, each linear in
    every factor."""
    if is_zero(g) or (is_zero(ta) and is_zero(tp)):
        return 0.0
    xp = _ns(a)
    mm = xp.matmul
    m, n = _shape(a)[-2:]
    im = xp.eye(m, dtype=p.dtype)
    i_n = xp.eye(n, dtype=p.dtype)
    ta = xp.zeros_like(a) if is_zero(ta) else _like(ta, a)
    tp = xp.zeros_like(p) if is_zero(tp) else _like(tp, p)
    pt, gt, tpt = mT(p), mT(g), mT(tp)
    # -(p^T g p^T)
    out = -(mm(mm(tpt, g), pt) + mm(mm(pt, g), tpt))
    # (I - a p) g^T (p p^T)
    out = out - mm(mm(mm(ta, p) + mm(a, tp), gt), mm(p, pt))
    out = out + mm(mm(im - mm(a, p), gt), mm(tp, pt) + mm(p, tpt))
    # (p^T p) g^T (I - p a)
    out = out + mm(mm(mm(tpt, p) + mm(pt, tp), gt), i_n - mm(p, a))
    out = out - mm(mm(mm(pt, p), gt), mm(tp, a) + mm(p, ta))
    return out


def lstsq_jvp(a, b, result, ta, tb):
    """Tangent of ``lstsq(a, b)``: ``(dx, dresiduals, 0, ds)`` (full rank)."""
    xp = _ns(a)
    x, res, rank, s = result
    p = xp.linalg.pinv(a)
    dx = 0.0
    dres = xp.zeros_like(res)
    ds = xp.zeros_like(s)
    r = b - xp.matmul(a, x)
    if tb is not None:
        dx = dx + xp.matmul(p, tb)
        if _size(res):
            dres = dres + 2 * xp.sum(r * tb, axis=0)
    if ta is not None:
        dx = dx + xp.matmul(pinv_jvp(a, p, ta), b)
        if _size(res):
            dres = dres - 2 * xp.sum(r * xp.matmul(ta, x), axis=0)
        u, _, vh = xp.linalg.svd(a, full_matrices=False)
        ds = svd_jvp(a, (u, s, vh), ta, full_matrices=False)[1]
    return Parts((dx, dres, 0, ds))


def lstsq_adjoint(g, a, b, result, which):
    """Adjoint of ``lstsq(a, b)`` for ``a`` (0) or ``b`` (1), full rank."""
    gx, gres, gs = item(g, 0), item(g, 1), item(g, 3)
    if is_zero(gx) and is_zero(gres) and is_zero(gs):
        return 0.0
    xp = _ns(a)
    x, res, rank, s = result
    p = xp.linalg.pinv(a)
    r = b - xp.matmul(a, x)
    out = 0.0
    if which == 1:
        if not is_zero(gx):
            out = out + xp.matmul(mT(p), gx)
        if not is_zero(gres) and _size(res):
            out = out + 2 * r * gres
        return out
    if not is_zero(gx):
        gp = gx[:, None] * b[None, :] if _ndim(b) == 1 else xp.matmul(gx, mT(b))
        out = out + pinv_adjoint(gp, a, p)
    if not is_zero(gres) and _size(res):
        if _ndim(b) == 1:
            out = out - 2 * gres * r[:, None] * x[None, :]
        else:
            out = out - 2 * xp.matmul(r * gres, mT(x))
    if not is_zero(gs):
        u, _, vh = xp.linalg.svd(a, full_matrices=False)
        out = out + svd_adjoint(gs, a, s, full_matrices=False, compute_uv=False)
    return out


def integral_adjoint(g, y, fn, x, dx, axis, initial=None):
    """Adjoint in ``y`` of ``fn(y, x=x, dx=dx, axis=axis)`` (and
    ``initial=initial`` unless None): a map linear in the samples along
    ``axis`` (``scipy.integrate.simpson``, ``cumulative_trapezoid``...),
    whose matrix is ``fn`` of the identity."""
    if is_zero(g):
        return 0.0
    xp = _ns(y)
    nd = _ndim(y)
    ax = axis % nd
    n = _shape(y)[ax]
    if x is not None and _ndim(x) > 1:
        shape = list(_shape(x))
        if shape[ax] != n or any(s != 1 for i, s in enumerate(shape) if i != ax):
            _unsupported(f"{getattr(fn, '__name__', 'the integral')} with sample points x of "
                         "more than one dimension", "pass the sample points as a 1-D array")
        x = xp.reshape(x, (n,))
    extra = {} if initial is None else {"initial": initial}
    m = xp.asarray(fn(xp.eye(n, dtype=y.dtype), x=x, dx=dx, axis=-1, **extra))  # row i: fn(e_i)
    g = xp.asarray(g, dtype=m.dtype)
    if m.ndim == 1:
        # the axis is reduced: g has y's shape without it
        return xp.moveaxis(xp.broadcast_to(g[..., None] * m, _shape(y)[:ax] + _shape(y)[ax + 1:] + (n,)),
                           -1, ax)
    return xp.moveaxis(xp.matmul(xp.moveaxis(g, ax, -1), mT(m)), -1, ax)


def lstsq_adjoint_tangent(g, a, b, result, which, ta, tb):
    """Part of the tangent of ``lstsq_adjoint(g, a, b, result, which)`` from
    the tangents of ``a`` and ``b`` (``result`` is ``lstsq(a, b)``; ``None``
    for one that is left out): the adjoints of the solution and the
    residuals (full rank); through the singular values it is refused."""
    ta = 0.0 if ta is None else ta
    tb = 0.0 if tb is None else tb
    gx, gres = item(g, 0), item(g, 1)
    if not is_zero(item(g, 3)):
        _unsupported("second derivatives through the singular values of numpy.linalg.lstsq",
                     "use np.linalg.svd(a, compute_uv=False) for the singular values")
    if (is_zero(gx) and is_zero(gres)) or (is_zero(ta) and is_zero(tb)):
        return 0.0
    xp = _ns(a)
    mm = xp.matmul
    x, res, rank, s = result
    p = xp.linalg.pinv(a)
    ta = xp.zeros_like(a) if is_zero(ta) else _like(ta, a)
    tb = xp.zeros_like(b) if is_zero(tb) else _like(tb, b)
    tp = pinv_jvp(a, p, ta)
    tx = mm(tp, b) + mm(p, tb)
    r = b - mm(a, x)
    tr = tb - mm(ta, x) - mm(a, tx)
    with_res = not is_zero(gres) and _size(res)
    vector = _ndim(b) == 1

    def outer(u, v):   # u v^T, columns of b side by side
        return u[:, None] * v[None, :] if vector else mm(u, mT(v))

    out = 0.0
    if which == 1:
        if not is_zero(gx):
            out = out + mm(mT(tp), gx)
        if with_res:
            out = out + 2 * tr * gres
        return out
    if not is_zero(gx):
        out = out + pinv_adjoint(outer(gx, tb), a, p) \
            + pinv_adjoint_tangent(outer(gx, b), a, p, ta, tp)
    if with_res:
        out = out - 2 * (outer(tr * gres, x) + outer(r * gres, tx))
    return out


# norms


def _vector_norm_partials(x, ord, axis, result, keepdims):
    """d ||x||_ord / d x over ``axis`` (a vector norm)."""
    xp = _ns(x)
    r = keep(result, x, axis, keepdims)
    if ord is None or ord == 2:
        return x / xp.where(r == 0, 1, r)
    ax = xp.abs(x)
    sgn = xp.sign(x)
    if ord == 1:
        return sgn
    if ord == math.inf:
        return sgn * extremum_weights(ax, r, axis, True)
    if ord == -math.inf:
        return sgn * extremum_weights(ax, r, axis, True)
    if ord == 0:
        return xp.zeros_like(x)
    p = ord
    return sgn * (ax / xp.where(r == 0, 1, r)) ** (p - 1)


def _matrix_norm_partials(x, ord, axes, result, keepdims):
    xp = _ns(x)
    r = keep(result, x, axes, keepdims)
    row, col = axes
    if ord is None or ord == "fro":
        return x / xp.where(r == 0, 1, r)
    if ord in (2, -2, "nuc"):
        xm = xp.moveaxis(x, (row, col), (-2, -1))
        u, s, vh = xp.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            gm = xp.matmul(u, vh)
        else:
            k = 0 if ord == 2 else -1
            gm = u[..., :, k, None] * vh[..., k, None, :]
        return xp.moveaxis(gm, (-2, -1), (row, col))
    ax = xp.abs(x)
    sgn = xp.sign(x)
    if ord in (1, -1):
        sums = xp.sum(ax, axis=row, keepdims=True)     # column sums
        return sgn * extremum_weights(sums, r, col, True)
    if ord in (math.inf, -math.inf):
        sums = xp.sum(ax, axis=col, keepdims=True)     # row sums
        w = extremum_weights(sums, r, row, True)
        return sgn * w
    _unsupported(f"numpy.linalg.norm(ord={ord!r})", "use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")


def norm_partials(x, ord=None, axis=None, keepdims=False, result=None):
    """d norm(x, ord, axis) / d x, shaped like ``x`` (``numpy.linalg.norm``)."""
    xp = _ns(x)
    nd = _ndim(x)
    if axis is None and ord is None:
        r = result
        return x / xp.where(r == 0, 1, r)
    if axis is None:
        axis = tuple(range(nd))
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        axes = tuple(a % nd for a in axis)
        return _matrix_norm_partials(x, ord, axes, result, keepdims)
    if isinstance(axis, (tuple, list)):
        axis = axis[0]
    return _vector_norm_partials(x, ord, axis, result, keepdims)


def vector_norm_partials(x, axis=None, ord=2, keepdims=False, result=None):
    """d vector_norm(x, axis, ord) / d x (``numpy.linalg.vector_norm``)."""
    return _vector_norm_partials(x, ord, axis, result, keepdims)


def matrix_norm_partials(x, ord="fro", keepdims=False, result=None):
    """d matrix_norm(x, ord) / d x (``numpy.linalg.matrix_norm``)."""
    nd = _ndim(x)
    return _matrix_norm_partials(x, ord, (nd - 2, nd - 1), result, keepdims)


def norm_axes(x, axis):
    """The axes ``norm`` reduces (all of them for ``axis=None``)."""
    if axis is None:
        return tuple(range(_ndim(x)))
    return axis


def last_two(x):
    """The last two axes of ``x`` (the matrices of a stack)."""
    nd = _ndim(x)
    return (nd - 2, nd - 1)


# einsum

_LETTERS = string.ascii_letters


def _einsum_parse(subscripts, shapes):
    """Explicit subscripts (no ellipsis) for ``einsum``: (inputs, output)."""
    sub = subscripts.replace(" ", "")
    if "->" in sub:
        ins, out = sub.split("->")
    else:
        ins, out = sub, None
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise ValueError("einsum: number of subscripts does not match the operands")
    used = set(c for c in sub if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for s, shape in zip(ins, shapes):
        if "..." in s:
            ell_nd = max(ell_nd, len(shape) - (len(s) - 3))
    ell = "".join(free[:ell_nd])
    new_ins = []
    for s, shape in zip(ins, shapes):
        if "..." in s:
            k = len(shape) - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        new_ins.append(s)
    if out is None:
        counts = {}
        for s in ins:
            for c in s.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_ops(operands):
    return [op for op in operands if op is not None]


def _einsum_spelled(subscripts):
    """Refuse ``einsum`` in sublist form whose sublists normalization could
    not see (``np.einsum(a, sa, b, sb)`` with the sublists in variables):
    the first operand would pass for the subscripts."""
    if not isinstance(subscripts, str):
        _unsupported("numpy.einsum(operand, sublist, ...)",
                     "write the sublists as list displays in the call "
                     "(np.einsum(a, [0, 1], b, [1, 2])) or pass a subscripts string")


def einsum_jvp(subscripts, operands, i, t, optimize=False):
    """The part of ``einsum``'s tangent from operand ``i``: the same
    contraction with that operand replaced by its tangent (``i = -1``, the
    subscripts, only refuses the sublist form)."""
    _einsum_spelled(subscripts)
    if i < 0:
        return 0.0
    ops = _einsum_ops(operands)
    xp = _ns(ops[i])
    ops[i] = xp.broadcast_to(t, _shape(ops[i]))
    return xp.einsum(subscripts, *ops, optimize=optimize)


def einsum_adjoint(g, subscripts, operands, i):
    """Adjoint of ``einsum`` for operand ``i`` (``i = -1``, the subscripts,
    only refuses the sublist form)."""
    _einsum_spelled(subscripts)
    if is_zero(g) or i < 0:
        return 0.0
    ops = _einsum_ops(operands)
    xp = _ns(g)
    shapes = [_shape(op) for op in ops]
    ins, out = _einsum_parse(subscripts, shapes)
    sizes = {}
    for s, shape in zip(ins, shapes):
        for c, n in zip(s, shape):
            if n != 1 or c not in sizes:
                sizes[c] = max(sizes.get(c, 1), n)
    target = ins[i]
    used = set("".join(ins) + out)
    fresh = iter(c for c in _LETTERS if c not in used)
    # repeated letters in the target (diagonals): give each repeat a new
    # letter tied to the first by an identity matrix
    uniq = []
    extra_subs, extra_ops = [], []
    seen = {}
    for c, n in zip(target, shapes[i]):
        if c in seen:
            nc = next(fresh)
            extra_subs.append(c + nc)
            extra_ops.append(xp.eye(sizes[c], dtype=_float_dtype(g)))
            uniq.append(nc)
        else:
            seen[c] = True
            uniq.append(c)
    # letters of the target that are broadcast (size 1 here, larger elsewhere)
    # or appear nowhere else are summed afterwards / broadcast by a ones vector
    others = "".join(s for k, s in enumerate(ins) if k != i) + out
    final = []
    sum_axes = []
    for pos, (c, n) in enumerate(zip(uniq, shapes[i])):
        base = target[pos]
        if n == 1 and sizes.get(base, 1) != 1:
            sum_axes.append(pos)
        if base not in others and base == c:
            extra_subs.append(c)
            extra_ops.append(xp.ones(sizes[c], dtype=_float_dtype(g)))
        final.append(c)
    subs = [out] + [s for k, s in enumerate(ins) if k != i] + extra_subs
    args = [g] + [op for k, op in enumerate(ops) if k != i] + extra_ops
    res = xp.einsum(",".join(subs) + "->" + "".join(final), *args, optimize=True)
    if sum_axes:
        res = xp.sum(res, axis=tuple(sum_axes), keepdims=True)
    return res


# -- shapes --------------------------------------------------------------------------------


def unravel_transpose(h, g, order="C"):
    """Transpose of :func:`unravel` (reverse mode over it): ``h`` flat again."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(h)
    if order == "F":
        return xp.reshape(h, (-1,), order="F")
    return xp.reshape(h, (-1,))


def unravel(g, a, order="C"):
    """Adjoint of ``ravel(a, order)``: ``g`` back in ``a``'s shape."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if order in ("F", "A") and order == "F":
        return xp.reshape(g, _shape(a), order="F")
    return xp.reshape(g, _shape(a))


def inverse_permutation(axes, ndim):
    """The axes that undo ``transpose(x, axes)``."""
    if axes is None:
        return None
    axes = [a % ndim for a in axes]
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


def rollaxis_adjoint(g, a, axis, start=0):
    """Adjoint of ``rollaxis(a, axis, start)``."""
    if is_zero(g):
        return 0.0
    nd = _ndim(a)
    ax = axis % nd
    st = start + nd + 1 if start < 0 else start
    order = list(range(nd))
    order.remove(ax)
    if st > ax:
        st -= 1
    order.insert(st, ax)
    return _permute(g, inverse_permutation(order, nd))


def negate_shift(shift):
    """``-shift`` for an int or a tuple of ints."""
    if isinstance(shift, (tuple, list)):
        return tuple(-s for s in shift)
    return -shift


def _hsplit_axis(x):
    return 0 if _ndim(x) <= 1 else 1


def split_pieces(g, arrays, axis=0):
    """Adjoint of a concatenation along ``axis``: ``g`` cut into pieces
    shaped like ``arrays``."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    out = AdjList()
    if axis is None:
        flat = xp.reshape(g, (-1,))
        start = 0
        for x in arrays:
            shape = _operand_shape(x)
            n = 1
            for k in shape:
                n *= k
            out.append(xp.reshape(flat[start:start + n], shape))
            start += n
        return out
    start = 0
    for x in arrays:
        shape = _operand_shape(x)
        n = shape[axis] if shape else 1
        out.append(_take_range(g, start, start + n, axis))
        start += n
    return out


def join_adjoint(g, arrays, kind):
    """Adjoint of ``hstack``/``vstack``/``dstack``/``column_stack`` (``kind``):
    ``g`` cut into pieces, each reshaped to its array's shape."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    promoted = [_promote(x, kind) for x in arrays]
    axis = {"vstack": 0, "dstack": 2, "column_stack": 1}.get(kind)
    if kind == "hstack":
        axis = 0 if all(len(p) == 1 for p in promoted) else 1
    out = AdjList()
    start = 0
    for x, p in zip(arrays, promoted):
        n = p[axis]
        out.append(xp.reshape(_take_range(g, start, start + n, axis), _operand_shape(x)))
        start += n
    return out


def _promote(x, kind):
    """The shape ``x`` takes inside ``kind`` (``atleast_1d/2d/3d`` rules)."""
    s = _operand_shape(x)
    if kind == "hstack":
        return s if s else (1,)
    if kind == "vstack":
        return s if len(s) >= 2 else ((1,) + s if s else (1, 1))
    if kind == "column_stack":
        if len(s) < 2:
            return (s[0] if s else 1, 1)
        return s
    if kind == "dstack":
        if len(s) == 0:
            return (1, 1, 1)
        if len(s) == 1:
            return (1, s[0], 1)
        if len(s) == 2:
            return s + (1,)
        return s
    raise ValueError(kind)


def _dense_piece(h, shape, like):
    xp = _ns(like)
    if is_zero(h):
        return xp.zeros(shape, dtype=like.dtype)
    return xp.broadcast_to(h, shape) if _shape(h) != tuple(shape) else h


def split_pieces_transpose(h, g, arrays, axis=0):
    """Transpose of :func:`split_pieces` (reverse mode over it): the
    pieces' adjoints ``h`` joined back into ``g``'s shape."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    parts = []
    for k, x in enumerate(arrays):
        shape = _operand_shape(x)
        hk = h[k] if k < len(h) else 0.0
        if axis is None:
            n = 1
            for m in shape:
                n *= m
            parts.append(xp.reshape(_dense_piece(hk, shape, g), (n,)))
        else:
            shape = list(_shape(g))
            shape[axis] = _operand_shape(x)[axis] if _operand_shape(x) else 1
            parts.append(_dense_piece(hk, tuple(shape), g))
    return xp.reshape(xp.concatenate(parts, axis=0 if axis is None else axis), _shape(g))


def unstack_pieces_transpose(h, g, arrays, axis=0):
    """Transpose of :func:`unstack_pieces` (reverse mode over it): the
    slices' adjoints ``h`` stacked back along ``axis``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    shape = list(_shape(g))
    del shape[axis]
    return xp.stack([_dense_piece(h[k] if k < len(h) else 0.0, tuple(shape), g)
                     for k in range(len(arrays))], axis=axis)


def unstack_pieces(g, arrays, axis=0):
    """Adjoint of ``stack(arrays, axis)``: one slice of ``g`` per array."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    out = AdjList()
    for k in range(len(arrays)):
        out.append(xp.take(g, k, axis=axis))
    return out


def stack_pieces(g, result, axis=0):
    """Adjoint of ``unstack(x, axis)``: the slices stacked back (lazy zeros
    become zeros)."""
    return _join(g, result, lambda parts: _ns(parts[0]).stack(parts, axis=axis))


def _join(g, parts, fn):
    if is_zero(g):
        return 0.0
    pieces = []
    for k, p in enumerate(parts):
        gk = g[k] if k < len(g) else 0.0
        if is_zero(gk):
            gk = _ns(p).zeros_like(p)
        pieces.append(gk)
    return fn(pieces)


def concat_pieces(g, result, axis=0):
    """Adjoint of ``split``: the pieces' adjoints concatenated along ``axis``."""
    return _join(g, result, lambda parts: _ns(parts[0]).concatenate(parts, axis=axis))


def hsplit_axis(ary):
    """The axis ``hsplit`` splits ``ary`` along."""
    return _hsplit_axis(ary)


def _gather_transpose(g, x, op):
    """Adjoint of a selection ``y = op(x)`` that only copies entries of ``x``
    (some possibly several times, some possibly never): ``g`` added up at the
    positions each entry of ``y`` was read from. ``op`` is applied to an
    array of flat indices; an index of -1 marks a constant entry."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    n = _size(x)
    idx = xp.reshape(xp.arange(n), _shape(x))
    j = xp.reshape(op(idx), (-1,))
    gv = xp.reshape(xp.broadcast_to(g, _shape(op(idx))), (-1,))
    if bool(xp.any(j < 0)):
        keep_ = j >= 0
        j = j[keep_]
        gv = gv[keep_]
    dtype = _float_dtype(g, x)
    if getattr(dtype, "kind", "f") == "c":
        out = (xp.bincount(j, weights=xp.real(gv), minlength=n)
               + 1j * xp.bincount(j, weights=xp.imag(gv), minlength=n))
    else:
        out = xp.bincount(j, weights=gv, minlength=n)
    return xp.reshape(_cast(out, dtype), _shape(x))


def repeat_adjoint(g, a, repeats, axis=None):
    """Adjoint of ``repeat(a, repeats, axis)``."""
    return _gather_transpose(g, a, lambda i: _ns(i).repeat(i, repeats, axis=axis))


def tile_adjoint(g, A, reps):
    """Adjoint of ``tile(A, reps)``."""
    return _gather_transpose(g, A, lambda i: _ns(i).tile(i, reps))


def take_adjoint(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``take(a, indices, axis, mode=mode)``."""
    return _gather_transpose(g, a, lambda i: _ns(i).take(i, indices, axis=axis, mode=mode))


def take_along_axis_adjoint(g, arr, indices, axis=-1):
    """Adjoint of ``take_along_axis(arr, indices, axis)``."""
    return _gather_transpose(g, arr, lambda i: _ns(i).take_along_axis(i, indices, axis=axis))


def resize_adjoint(g, a, new_shape):
    """Adjoint of ``resize(a, new_shape)``."""
    return _gather_transpose(g, a, lambda i: _ns(i).resize(i, new_shape))


def delete_adjoint(g, arr, obj, axis=None):
    """Adjoint of ``delete(arr, obj, axis)``."""
    return _gather_transpose(g, arr, lambda i: _ns(i).delete(i, obj, axis=axis))


def compress_adjoint(g, condition, a, axis=None):
    """Adjoint of ``compress(condition, a, axis)``."""
    return _gather_transpose(g, a, lambda i: _ns(i).compress(condition, i, axis=axis))


def extract_adjoint(g, condition, arr):
    """Adjoint of ``extract(condition, arr)``."""
    return _gather_transpose(g, arr, lambda i: _ns(i).extract(condition, i))


def sliding_window_adjoint(g, x, window_shape, axis=None):
    """Adjoint of ``sliding_window_view(x, window_shape, axis)``: each
    window's adjoint added back at the entries it shows (an entry seen by
    several windows gets their sum)."""
    return _gather_transpose(g, x, lambda i: _ns(i).lib.stride_tricks.sliding_window_view(
        i, window_shape, axis=axis))


def tolist_tangent(t, a):
    """Tangent of ``a.tolist()``: nested lists of floats, zeros for a lazy zero."""
    if is_zero(t):
        return _ns(a).zeros(_shape(a), dtype=_float_dtype(a)).tolist()
    return t.tolist()


def tolist_adjoint(g, a):
    """Adjoint of ``a.tolist()`` from the adjoint of the nested lists (whose
    entries may be lazy zeros, even whole rows)."""
    if is_zero(g):
        return 0.0
    shape = _shape(a)

    def dense(v, dims):
        if not dims:
            return float(v)
        if is_zero(v):
            return [dense(0.0, dims[1:]) for _ in range(dims[0])]
        return [dense(e, dims[1:]) for e in v]
    xp = _ns(a)
    return xp.asarray(dense(g, shape), dtype=_float_dtype(a))


def _adj_nested(v):
    """Nested lists as nested :class:`AdjList` (adjoints of lists add entry
    by entry)."""
    if isinstance(v, (list, tuple)):
        return AdjList(_adj_nested(e) for e in v)
    return v


def tolist_adjoint_transpose(h, a):
    """Transpose of :func:`tolist_adjoint` (reverse mode over it): ``h``,
    shaped like ``a``, as nested lists."""
    if is_zero(h):
        return 0.0
    return _adj_nested(h.tolist() if hasattr(h, "tolist") else h)


def item_adjoint(g, a, args):
    """Adjoint of ``a.item(*args)``."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    out = xp.zeros(_shape(a), dtype=_float_dtype(a))
    if not args:
        out[...] = g
    elif len(args) == 1 and not isinstance(args[0], tuple):
        xp.reshape(out, (-1,))[args[0]] = g
    else:
        index = args[0] if len(args) == 1 else tuple(args)
        out[index] = g
    return out


_PAD_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_check(mode, reflect_type):
    if mode != "constant" and mode not in _PAD_GATHER_MODES and mode not in _PAD_LINEAR_MODES:
        _unsupported(f"numpy.pad(mode={mode!r})",
                     f"use mode 'constant', "
                     f"{', '.join(map(repr, _PAD_GATHER_MODES + _PAD_LINEAR_MODES))}")


# modes whose padded entries combine several entries (a mean, a ramp, an odd
# reflection 2 * edge - mirror): linear maps along each axis
_PAD_LINEAR_MODES = ("mean", "linear_ramp")


def _pad_is_linear(mode, reflect_type):
    return mode in _PAD_LINEAR_MODES or (mode in ("reflect", "symmetric") and reflect_type != "even")


def _pad_options(mode, reflect_type, stat_length):
    if mode in ("reflect", "symmetric"):
        return {"reflect_type": reflect_type}
    if mode == "mean":
        return {"stat_length": stat_length}
    if mode == "linear_ramp":
        return {"end_values": 0}     # the ramp's ends are constants: its linear part
    return {}


def _pad_axis_maps(array, pad_width, mode, reflect_type, stat_length):
    """Per axis, the matrix ``(n + before + after, n)`` of the linear map
    ``pad`` applies along it (``pad`` works axis by axis): the identity
    padded along its rows."""
    import numpy
    nd = _ndim(array)
    xp = _ns(array)
    pw = numpy.broadcast_to(numpy.asarray(pad_width), (nd, 2))
    sl = None if stat_length is None else numpy.broadcast_to(numpy.asarray(stat_length), (nd, 2))
    maps = []
    for ax in range(nd):
        n = _shape(array)[ax]
        opts = _pad_options(mode, reflect_type, None if sl is None else (tuple(sl[ax]), (1, 1)))
        eye = xp.eye(n, dtype=_float_dtype(array))
        maps.append(xp.pad(eye, ((int(pw[ax, 0]), int(pw[ax, 1])), (0, 0)), mode=mode, **opts))
    return maps


def _apply_along(m, v, ax):
    xp = _ns(v)
    return xp.moveaxis(xp.tensordot(m, v, axes=([1], [ax])), 0, ax)


def pad_tangent(t, array, pad_width, mode="constant", reflect_type="even", stat_length=None):
    """Tangent of ``pad(array, pad_width, mode)``: the tangent padded the same
    way (with zeros in constant mode, a ramp to zero in 'linear_ramp')."""
    _pad_check(mode, reflect_type)
    xp = _ns(array) if hasattr(array, "shape") else _ns(t)
    t = xp.broadcast_to(t, _shape(array))
    if mode == "constant":
        return xp.pad(t, pad_width)
    return xp.pad(t, pad_width, mode=mode, **_pad_options(mode, reflect_type, stat_length))


def pad_adjoint(g, array, pad_width, mode="constant", reflect_type="even", stat_length=None):
    """Adjoint of ``pad`` for ``array``: in the modes that copy entries, each
    padded entry's adjoint goes back to the entry it copies; in the others,
    the transposes of the per-axis maps, last axis first."""
    _pad_check(mode, reflect_type)
    if mode == "constant":
        return _gather_transpose(g, array, lambda i: _ns(i).pad(i, pad_width, constant_values=-1))
    if not _pad_is_linear(mode, reflect_type):
        return _gather_transpose(g, array, lambda i: _ns(i).pad(i, pad_width, mode=mode))
    if is_zero(g):
        return 0.0
    maps = _pad_axis_maps(array, pad_width, mode, reflect_type, stat_length)
    for ax in reversed(range(len(maps))):
        g = _apply_along(maps[ax].T, g, ax)
    return _cast(g, _float_dtype(g, array))


def _pad_mask(array, pad_width, constant_values):
    if _ndim(constant_values):
        _unsupported("numpy.pad with an array of constant_values", "pad with a scalar fill value")
    xp = _ns(array)
    return xp.pad(xp.zeros(_shape(array), dtype=bool), pad_width, constant_values=True)


def pad_fill_tangent(t, array, pad_width, constant_values):
    """The part of ``pad``'s tangent from a scalar ``constant_values``."""
    return _pad_mask(array, pad_width, constant_values) * t


def pad_fill_adjoint(g, array, pad_width, constant_values):
    """Adjoint of ``pad`` for a scalar ``constant_values``."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    return xp.sum(xp.where(_pad_mask(array, pad_width, constant_values), g, 0))


def sort_permutation(a, axis=-1):
    """The permutation ``sort`` applies along ``axis`` (``axis=None``: flattened)."""
    xp = _ns(a)
    if axis is None:
        return xp.argsort(xp.reshape(a, (-1,)), kind="stable")
    return xp.argsort(a, axis=axis, kind="stable")


def partition_permutation(a, kth, axis=-1):
    """The permutation ``partition`` applies along ``axis``."""
    xp = _ns(a)
    if axis is None:
        return xp.argpartition(xp.reshape(a, (-1,)), kth)
    return xp.argpartition(a, kth, axis=axis)


def permute(t, perm, axis=-1):
    """``t`` reordered by ``perm`` along ``axis`` (flattened for ``None``)."""
    xp = _ns(t)
    if axis is None:
        return xp.take(xp.reshape(t, (-1,)), perm)
    return xp.take_along_axis(t, perm, axis=axis)


def unpermute(g, perm, a, axis=-1):
    """Adjoint of :func:`permute`: ``g`` put back where the entries came from."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if axis is None:
        out = xp.zeros(_size(a), dtype=_float_dtype(g, a))
        out[perm] = g
        return xp.reshape(out, _shape(a))
    inv = xp.argsort(perm, axis=axis)
    return xp.take_along_axis(g, inv, axis=axis)


def _block_leaves(arrays):
    """The arrays of a (nested) ``block`` argument, in order."""
    if isinstance(arrays, (list, tuple)):
        return [leaf for a in arrays for leaf in _block_leaves(a)]
    return [arrays]


def _block_rebuild(arrays, leaves, make):
    """``arrays``' nesting with leaf ``k`` replaced by ``make(leaves[k])``
    (lists of AdjList for adjoints)."""
    it = iter(leaves)

    def go(a):
        if isinstance(a, (list, tuple)):
            return AdjList(go(e) for e in a)
        return make(next(it))
    return go(arrays)


def block_tangent(t, arrays):
    """Tangent of ``block(arrays)``: ``block`` of the tangents, a zero for
    the entries that carry none."""
    xp = _ns(next((x for x in _block_leaves(arrays) if hasattr(x, "shape")), 0.0))

    def go(tv, a):
        if isinstance(a, (list, tuple)):
            return [go(tv[k] if isinstance(tv, (list, tuple)) else 0.0, e) for k, e in enumerate(a)]
        if is_zero(tv):
            return xp.zeros(_shape(a), dtype=_float_dtype(a))
        return tv
    return xp.block(go(t, arrays))


def block_adjoint(g, arrays):
    """Adjoint of ``block(arrays)``: each entry's part of ``g``, found by
    ``block``-ing the entries' flat positions."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    leaves = _block_leaves(arrays)
    sizes = [_size(x) for x in leaves]
    starts, total = [], 0
    for n in sizes:
        starts.append(total)
        total += n
    def positions(k):
        return xp.reshape(xp.arange(starts[k], starts[k] + sizes[k]), _shape(leaves[k]))
    where = xp.block(_as_lists(_block_rebuild(arrays, list(range(len(leaves))), positions)))
    flat = xp.zeros((total,), dtype=_float_dtype(g, *leaves))
    flat[xp.reshape(where, (-1,))] = xp.reshape(g, (-1,))
    parts = [xp.reshape(flat[s0:s0 + n], _shape(x)) for s0, n, x in zip(starts, sizes, leaves)]
    return _block_rebuild(arrays, list(range(len(leaves))), lambda k: parts[k])


def _as_lists(v):
    if isinstance(v, (list, tuple)):
        return [_as_lists(e) for e in v]
    return v


def array_tangent(t, result):
    """Tangent of ``array(obj)`` from the tangent of ``obj`` (nested
    sequences of tangents are stacked like ``obj``)."""
    xp = _ns(result)
    return xp.reshape(xp.asarray(t, dtype=result.dtype), _shape(result))


def array_adjoint_transpose(h, g, obj):
    """Transpose of :func:`array_adjoint` (reverse mode over it): the nested
    adjoints ``h`` (lazy zeros too) stacked into ``g``'s shape."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)

    def dense(v, o):
        if isinstance(o, (list, tuple)):
            if is_zero(v):
                v = [0.0] * len(o)
            return xp.stack([dense(v[k] if k < len(v) else 0.0, e) for k, e in enumerate(o)]) \
                if len(o) else xp.zeros((0,), dtype=g.dtype)
        shape = _operand_shape(o)
        if is_zero(v):
            return xp.zeros(shape, dtype=g.dtype)
        return xp.reshape(xp.asarray(v), shape)
    return xp.reshape(_cast(dense(h, obj), g.dtype), _shape(g))


def array_adjoint(g, obj):
    """Adjoint of ``array(obj)`` for ``obj``: nested sequences get a nested
    adjoint, an array gets ``g`` in its shape."""
    if is_zero(g):
        return 0.0
    if isinstance(obj, (list, tuple)):
        xp = _ns(g)
        g = xp.reshape(g, (len(obj),) + _shape(g)[_ndim(g) - _nested_ndim(obj):]) \
            if _ndim(g) > _nested_ndim(obj) else g
        return AdjList(array_adjoint(g[k], o) for k, o in enumerate(obj))
    xp = _ns(g)
    out = xp.reshape(g, _shape(obj))
    dt = _dtype_of(obj)
    if dt is not None and getattr(out, "dtype", None) != dt:
        out = _cast(out, dt)
    return out


def _nested_ndim(obj):
    if isinstance(obj, (list, tuple)):
        return 1 + (_nested_ndim(obj[0]) if obj else 0)
    return _ndim(obj)


def full_tangent(t, result):
    """Tangent of ``full(shape, fill_value)`` from ``fill_value``'s tangent."""
    xp = _ns(result)
    return xp.broadcast_to(_cast(xp.asarray(t), result.dtype), _shape(result)) * 1


def full_adjoint(g, fill_value):
    """Adjoint of ``full`` for ``fill_value``: ``g`` summed to its shape."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if _ndim(fill_value) == 0:
        return xp.sum(g)
    return unbroadcast(g, fill_value)


def linspace_weights(result, num, endpoint=True, axis=0, which=1):
    """d linspace / d stop (``which=1``) or d start (``which=0``): the fraction
    of the way each sample lies, along ``axis``."""
    xp = _ns(result)
    div = (num - 1) if endpoint else num
    frac = xp.arange(num, dtype=result.dtype) / (div if div > 0 else 1)
    if num == 1:
        frac = xp.zeros(1, dtype=result.dtype)
    if which == 0:
        frac = 1 - frac
    nd = _ndim(result)
    shape = [1] * nd
    shape[axis % nd] = num
    return xp.reshape(frac, tuple(shape))


def _no_retstep(retstep):
    if retstep:
        _unsupported("numpy.linspace(retstep=True)", "compute the step as (stop - start) / (num - 1)")


def linspace_tangent(t, result, num, endpoint=True, axis=0, which=1, retstep=False):
    """The part of ``linspace``'s tangent from ``start`` (``which=0``) or ``stop`` (1)."""
    _no_retstep(retstep)
    xp = _ns(result)
    w = linspace_weights(result, num, endpoint, axis, which)
    ta = xp.asarray(t)
    return xp.expand_dims(ta, axis % _ndim(result)) * w if _ndim(ta) else ta * w


def linspace_adjoint(g, result, num, endpoint=True, axis=0, which=1, retstep=False):
    """Adjoint of ``linspace`` for ``start`` (``which=0``) or ``stop`` (1)."""
    _no_retstep(retstep)
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    w = linspace_weights(result, num, endpoint, axis, which)
    return xp.sum(g * w, axis=axis % _ndim(result))


def append_tangent(t, which, arr, values, axis=None):
    """The part of ``append(arr, values, axis)``'s tangent from ``arr``
    (``which=0``) or ``values`` (1)."""
    xp = _ns(t)
    a = _asarray(arr, t)
    v = _asarray(values, t)
    dtype = _float_dtype(t, arr, values)
    if which == 0:
        return xp.append(xp.broadcast_to(t, _shape(a)), xp.zeros(_shape(v), dtype=dtype), axis=axis)
    return xp.append(xp.zeros(_shape(a), dtype=dtype), xp.broadcast_to(t, _shape(v)), axis=axis)


def append_adjoint(g, which, arr, values, axis=None):
    """Adjoint of ``append`` for ``arr`` (``which=0``) or ``values`` (1)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    if axis is None:
        g = xp.reshape(g, (-1,))
        na = _size(arr)
        part = g[:na] if which == 0 else g[na:]
        return xp.reshape(part, _shape(arr if which == 0 else values))
    na = _shape(arr)[axis]
    part = _take_range(g, 0, na, axis) if which == 0 else _take_range(g, na, None, axis)
    return part




# -- fft ----------------------------------------------------------------------------------


def _fit_length(v, n, axis):
    """``v`` cut or zero-padded to length ``n`` along ``axis`` (the transpose
    of the cut/pad an FFT's ``n`` applies to its input)."""
    xp = _ns(v)
    m = _shape(v)[axis]
    if m == n:
        return v
    if m > n:
        return _take_range(v, 0, n, axis)
    shape = list(_shape(v))
    shape[axis] = n - m
    return _concat([v, xp.zeros(tuple(shape), dtype=v.dtype)], axis=axis)


_DUAL_NORM = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def dual_norm(norm):
    """The normalisation of the transform in the other direction
    (``hfft`` is ``irfft`` of the conjugate with it)."""
    return _DUAL_NORM[norm]


def irfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """Adjoint of ``numpy.fft.irfft(a, n, axis, norm)`` for its input ``a``.

    The output is real: ``y = s * Re(sum_k c_k a_k w^(jk))`` over the
    ``m = n // 2 + 1`` frequencies, with ``c_k = 2`` for the frequencies that
    stand for a conjugate pair and 1 for the zero (and, for even ``n``, the
    last) frequency, whose imaginary parts are dropped. Its adjoint is
    ``c_k * s * sum_j g_j w^(jk)``: the conjugate of ``rfft(g)`` with the
    dual normalisation, times ``c``, fitted to ``a``'s length (the input is
    cut or zero-padded to ``m``). Real inputs get the real part.
    """
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    ax = axis % _ndim(a)
    m_in = _shape(a)[ax]
    length = 2 * (m_in - 1) if n is None else n
    out = xp.conj(xp.fft.rfft(g, length, axis=ax, norm=_DUAL_NORM[norm]))
    m = length // 2 + 1
    c = xp.full((m,), 2.0)
    c[0] = 1.0
    if length % 2 == 0:
        c[-1] = 1.0
    shape = [1] * _ndim(out)
    shape[ax] = m
    out = out * xp.reshape(c, tuple(shape))
    return real_like(_fit_length(out, m_in, ax), a)


def _eig_vectors(a):
    """The eigenvectors ``V`` of ``a`` and ``V^-1`` (distinct eigenvalues)."""
    xp = _ns(a)
    _, v = xp.linalg.eig(a)
    return v, xp.linalg.inv(v)


def eigvals_jvp(ta, a, result):
    """Tangent of ``eigvals(a)``: ``diag(V^-1 ta V)`` (real where the
    eigenvalues are)."""
    if is_zero(ta):
        return 0.0
    xp = _ns(a)
    v, vi = _eig_vectors(a)
    out = xp.einsum("...ij,...jk,...ki->...i", vi, ta, v)
    return xp.real(out) if getattr(result.dtype, "kind", "f") != "c" else out


def eigvals_adjoint(g, a, result):
    """Adjoint of ``eigvals`` for ``a``: ``V^-T diag(g) V^T``, the transpose
    of :func:`eigvals_jvp` (its real part for real ``a``)."""
    if is_zero(g):
        return 0.0
    xp = _ns(a)
    v, vi = _eig_vectors(a)
    out = xp.einsum("...ij,...i,...ki->...jk", vi, g, v)
    return real_like(out, a)


def irfftn_adjoint(g, a, s=None, axes=None, norm=None, default_last=0):
    """Adjoint of ``numpy.fft.irfftn(a, s, axes, norm)`` (``irfft2`` for
    ``default_last=2``) for its input ``a``.

    ``irfftn`` is ``ifft`` along all its axes but the last (the input cut or
    padded to ``s``), then ``irfft`` along the last. The adjoint takes them
    in turn from the end: that of ``irfft`` (see :func:`irfft_adjoint`),
    then the transposes of the ``ifft`` steps, which are ``ifft`` again (the
    DFT matrix is symmetric), fitted back to ``a``'s lengths."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    axs = _fft_axes(a, s, axes, default_last)
    last = axs[-1]
    m_in = _shape(a)[last]
    length = 2 * (m_in - 1) if s is None else s[-1]
    out = xp.conj(xp.fft.rfft(g, length, axis=last, norm=_DUAL_NORM[norm]))
    m = length // 2 + 1
    c = xp.full((m,), 2.0)
    c[0] = 1.0
    if length % 2 == 0:
        c[-1] = 1.0
    shape = [1] * _ndim(out)
    shape[last] = m
    out = _fit_length(out * xp.reshape(c, tuple(shape)), m_in, last)
    if len(axs) > 1:
        out = xp.fft.ifftn(out, axes=axs[:-1], norm=norm)
        for ax in axs[:-1]:
            out = _fit_length(out, _shape(a)[ax], ax)
    return real_like(out, a)


def _fft_axes(a, s, axes, default_last):
    nd = _ndim(a)
    if axes is None:
        if s is not None:
            axes = tuple(range(nd - len(s), nd))
        else:
            axes = tuple(range(nd - default_last, nd)) if default_last else tuple(range(nd))
    return tuple(ax % nd for ax in axes)


def fft_adjoint(g, a, kind, n=None, axis=-1, norm=None, s=None, axes=None):
    """Adjoint of ``numpy.fft.<kind>`` (``fft``, ``ifft``, ``fft2``, ``ifft2``,
    ``fftn``, ``ifftn``, ``rfft``, ``rfft2``, ``rfftn``) for its input ``a``.

    The DFT matrix is symmetric, so the transpose of a transform along some
    axes is the same transform; ``n``/``s`` cut or pad the input, which the
    transpose undoes; ``rfft*`` keep the first half of the last axis, which
    the transpose pads back with zeros. Real inputs get the real part."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    fft = xp.fft
    if kind in ("fft", "ifft", "rfft"):
        ax = axis % _ndim(a)
        m = _shape(a)[ax]
        length = m if n is None else n
        if kind == "rfft":
            g = _fit_length(g, length, ax)
            out = fft.fft(g, axis=ax, norm=norm)
        else:
            out = getattr(fft, kind)(g, axis=ax, norm=norm)
        return real_like(_fit_length(out, m, ax), a)
    default_last = 2 if kind.endswith("2") else 0
    axs = _fft_axes(a, s, axes, default_last)
    lengths = [(_shape(a)[ax] if s is None else s[k]) for k, ax in enumerate(axs)]
    base = kind.rstrip("2n")
    if base == "rfft":
        g = _fit_length(g, lengths[-1], axs[-1])
        out = fft.fftn(g, axes=axs, norm=norm)
    else:
        out = getattr(fft, base + "n")(g, axes=axs, norm=norm)
    for k, ax in enumerate(axs):
        out = _fit_length(out, _shape(a)[ax], ax)
    return real_like(out, a)


# -- more creation and interpolation helpers -------------------------------------------------------


def poly_pad(t, result):
    """A polynomial's coefficients (highest power first) with zeros in front
    to the length of ``result``: how ``polyadd`` lines them up."""
    if is_zero(t):
        return 0.0
    xp = _ns(result)
    t = xp.reshape(_asarray(t, result), (-1,))
    n = _shape(result)[0] - _shape(t)[0]
    if n == 0:
        return t
    return _concat([xp.zeros((n,), dtype=t.dtype), t], axis=0)


def poly_tail(g, p):
    """Adjoint of :func:`poly_pad` for ``p``: the last entries of ``g``."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    n = _size(p)
    return xp.reshape(g[_shape(g)[0] - n:], _shape(p))


def polymul_tangent(ta, b, result):
    """The part of ``polymul(a, b)``'s tangent from ``a``'s tangent ``ta``:
    the convolution, cut to ``result``'s length (``polymul`` drops the
    leading zeros of its operands)."""
    if is_zero(ta) or is_zero(b):
        return 0.0
    xp = _ns(result)
    c = xp.convolve(xp.reshape(_asarray(ta, result), (-1,)), xp.reshape(_asarray(b, result), (-1,)))
    return c[_shape(c)[0] - _shape(result)[0]:]


def polymul_adjoint(g, a, b):
    """Adjoint of ``polymul(a, b)`` for ``a``: ``g`` (padded in front to
    the full length) correlated with ``b``."""
    if is_zero(g) or is_zero(b):
        return 0.0
    xp = _ns(g)
    _real_only("numpy.polymul", a, b)
    bb = xp.reshape(_asarray(b, g), (-1,))
    full = _size(a) + _shape(bb)[0] - 1
    if _shape(g)[0] < full:
        g = _concat([xp.zeros((full - _shape(g)[0],), dtype=g.dtype), g], axis=0)
    return xp.reshape(xp.correlate(g, bb, "valid"), _shape(a))


def _poly_basis_map(kind, p, m, which):
    """The matrix of the linear map ``polyder(., m)`` / ``polyint(., m)`` of
    the coefficients (``which="p"``) or of ``polyint``'s constants ``k``
    (``which="k"``, for ``m`` constants), one column per input entry."""
    xp = _ns(p)
    n = _size(p)
    dtype = _float_dtype(p)
    if which == "k":
        zero = xp.zeros((n,), dtype=dtype)
        cols = [xp.polyint(zero, m, k=list(e)) for e in xp.eye(m, dtype=dtype)]
    else:
        fn = xp.polyder if kind == "polyder" else xp.polyint
        cols = [fn(e, m) for e in xp.eye(n, dtype=dtype)]
    return xp.stack(cols, axis=1)


def poly_linear_adjoint(g, p, kind, m=1):
    """Adjoint of ``polyder(p, m)`` or ``polyint(p, m)`` (linear in ``p``)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    return xp.reshape(_poly_basis_map(kind, p, m, "p").T @ g, _shape(p))


def polyint_k_tangent(tk, p, m=1):
    """The part of ``polyint(p, m, k)``'s tangent from the constants ``k``."""
    if is_zero(tk):
        return 0.0
    xp = _ns(p)
    return xp.polyint(xp.zeros((_size(p),), dtype=_float_dtype(p, tk)), m, k=tk)


def polyint_k_adjoint(g, p, k, m=1):
    """Adjoint of ``polyint(p, m, k)`` for ``k`` (one number or ``m``)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    dk = _poly_basis_map("polyint", p, m, "k").T @ g
    if _ndim(k) == 0 and not isinstance(k, (list, tuple)):
        return xp.sum(dk)
    return xp.reshape(dk, _shape(k)) if hasattr(k, "shape") else AdjList(dk[i] for i in range(m))


def ediff1d_tangent(t, which, ary, to_end=None, to_begin=None):
    """The part of ``ediff1d(ary, to_end, to_begin)``'s tangent from
    ``ary`` (0), ``to_end`` (1) or ``to_begin`` (2)."""
    if is_zero(t):
        return 0.0
    xp = _ns(ary)
    dtype = _float_dtype(ary, t)
    ne = 0 if to_end is None else _size(to_end)
    nb = 0 if to_begin is None else _size(to_begin)
    nd = max(_size(ary) - 1, 0)
    flat = xp.reshape(xp.asarray(t, dtype=dtype), (-1,))
    pieces = [xp.zeros((nb,), dtype=dtype), xp.zeros((nd,), dtype=dtype), xp.zeros((ne,), dtype=dtype)]
    pieces[{0: 1, 1: 2, 2: 0}[which]] = flat[1:] - flat[:-1] if which == 0 else flat
    return _concat(pieces, axis=0)


def ediff1d_adjoint(g, which, ary, to_end=None, to_begin=None):
    """Adjoint of ``ediff1d`` for ``ary`` (0), ``to_end`` (1) or ``to_begin`` (2)."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    ne = 0 if to_end is None else _size(to_end)
    nb = 0 if to_begin is None else _size(to_begin)
    n = _size(ary)
    if which == 2:
        return xp.reshape(g[:nb], _shape(to_begin))
    if which == 1:
        return xp.reshape(g[_shape(g)[0] - ne:], _shape(to_end))
    d = g[nb:nb + n - 1]
    z = xp.zeros((1,), dtype=d.dtype)
    return xp.reshape(_concat([z, d], axis=0) - _concat([d, z], axis=0), _shape(ary))


def vander_partials(x, N=None, increasing=False):
    """d vander(x, N, increasing) / d x, entry by entry (shaped like the result)."""
    xp = _ns(x)
    n = _shape(x)[0] if N is None else N
    powers = xp.vander(x, n, increasing=True)          # x**0 ... x**(n-1)
    k = xp.arange(n)
    lower = _concat([xp.zeros_like(powers[:, :1]), powers[:, :-1]], axis=1)
    out = lower * _cast(k, powers.dtype)
    return out if increasing else xp.flip(out, axis=1)


def polyfit_column(y, full=False, cov=False):
    """The shape that puts a vector along ``y``'s rows (``(-1,)`` for one
    column, ``(-1, 1)`` for several); refuses ``polyfit``'s extra outputs."""
    if full or cov:
        _unsupported(f"numpy.polyfit({'full' if full else 'cov'}=True)",
                     "differentiate the coefficients alone (the residuals are "
                     "np.sum((np.polyval(p, x) - y) ** 2))")
    return (-1,) if _ndim(y) == 1 else (-1, 1)


def polyfit_square_weights(w, x):
    """The squared weights of ``polyfit``'s least squares (ones for ``w=None``)."""
    xp = _ns(x)
    if w is None:
        return xp.ones(_shape(x), dtype=_float_dtype(x))
    return w * w


def polyval_slope(p, x):
    """d polyval(p, x) / d x."""
    xp = _ns(x) if hasattr(x, "shape") else _ns(p)
    p = _asarray(p, x if hasattr(x, "shape") else p)
    if _shape(p)[0] <= 1:
        return xp.zeros_like(xp.asarray(x, dtype=_float_dtype(x, p)))
    return xp.polyval(_cast(xp.polyder(p), _float_dtype(p)), x)


def polyval_p_adjoint(g, p, x):
    """Adjoint of ``polyval(p, x)`` for the coefficients ``p``."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    n = _shape(p)[0]
    xa = xp.asarray(x)
    ga = xp.broadcast_to(g, _shape(xa))
    powers = [xp.ones_like(ga)]
    for _ in range(n - 1):
        powers.append(powers[-1] * xa)
    return xp.stack([xp.sum(ga * powers[n - 1 - i]) for i in range(n)])


def _interp_setup(x, xp_, fp, left=None, right=None, period=None):
    if period is not None:
        _unsupported("numpy.interp(period=...)", "map x into one period first")
    xp = _ns(xp_)
    xa = xp.asarray(x)
    xs = xp.asarray(xp_)
    n = _shape(xs)[0]
    j = xp.clip(xp.searchsorted(xs, xa, side="right") - 1, 0, n - 2)
    h = xs[j + 1] - xs[j]
    fpa = xp.asarray(fp)
    slope = (fpa[j + 1] - fpa[j]) / h
    w = (xa - xs[j]) / h
    below = xa < xs[0]
    above = xa > xs[-1]
    inside = xp.logical_not(xp.logical_or(below, above))
    return j, w, slope, below, above, inside


def interp_tangent(t, which, x, xp_, fp, left=None, right=None, period=None):
    """The part of ``interp``'s tangent from ``x`` ("x"), the sample points
    ("xp"), the values ("fp") or the fill values ("left", "right")."""
    _real_only("numpy.interp", fp)
    xp = _ns(xp_)
    j, w, slope, below, above, inside = _interp_setup(x, xp_, fp, left, right, period)
    if which == "x":
        return xp.where(inside, slope * t, 0)
    if which == "fp":
        ta = xp.asarray(t)
        out = xp.where(inside, (1 - w) * ta[j] + w * ta[j + 1], 0)
        if left is None:
            out = out + xp.where(below, ta[0], 0)
        if right is None:
            out = out + xp.where(above, ta[-1], 0)
        return out
    if which == "xp":
        ta = xp.asarray(t)
        return xp.where(inside, slope * ((w - 1) * ta[j] - w * ta[j + 1]), 0)
    mask = below if which == "left" else above
    return xp.where(mask, t, 0)


def interp_adjoint(g, which, x, xp_, fp, left=None, right=None, period=None):
    """Adjoint of ``interp`` for the argument named by ``which``."""
    _real_only("numpy.interp", fp)
    if is_zero(g):
        return 0.0
    xp = _ns(xp_)
    j, w, slope, below, above, inside = _interp_setup(x, xp_, fp, left, right, period)
    ga = xp.broadcast_to(g, _shape(j))
    if which == "x":
        out = xp.where(inside, slope * ga, 0)
        return out if _ndim(x) else xp.sum(out)
    if which in ("fp", "xp"):
        n = _shape(xp.asarray(xp_))[0]
        dtype = _float_dtype(ga, fp)
        out = xp.zeros(n, dtype=dtype)
        gi = xp.where(inside, ga, 0)
        if which == "fp":
            lo, hi = gi * (1 - w), gi * w
        else:
            lo, hi = gi * slope * (w - 1), -gi * slope * w
        jj = xp.reshape(j, (-1,))
        out = out + _cast(xp.bincount(jj, weights=xp.reshape(lo, (-1,)), minlength=n), dtype)
        out = out + _cast(xp.bincount(jj + 1, weights=xp.reshape(hi, (-1,)), minlength=n), dtype)
        if which == "fp":
            if left is None:
                out[0] += xp.sum(xp.where(below, ga, 0))
            if right is None:
                out[-1] += xp.sum(xp.where(above, ga, 0))
        return out
    mask = below if which == "left" else above
    return xp.sum(xp.where(mask, ga, 0))


def logspace_tangent(t, result, num, endpoint=True, base=10.0, axis=0, which=1):
    """The part of ``logspace``'s tangent from ``start`` (0) or ``stop`` (1)."""
    return result * math.log(base) * linspace_tangent(t, result, num, endpoint, axis, which)


def logspace_adjoint(g, result, num, endpoint=True, base=10.0, axis=0, which=1):
    """Adjoint of ``logspace`` for ``start`` (``which=0``) or ``stop`` (1)."""
    if is_zero(g):
        return 0.0
    return linspace_adjoint(g * result * math.log(base), result, num, endpoint, axis, which)


def geomspace_tangent(t, value, result, num, endpoint=True, axis=0, which=1):
    """The part of ``geomspace``'s tangent from ``start`` (0) or ``stop`` (1):
    ``result * frac / stop`` (``(1 - frac) / start``) times its tangent."""
    xp = _ns(result)
    return result * linspace_tangent(xp.asarray(t) / value, result, num, endpoint, axis, which)


def geomspace_adjoint(g, value, result, num, endpoint=True, axis=0, which=1):
    """Adjoint of ``geomspace`` for ``start`` (``which=0``) or ``stop`` (1)."""
    if is_zero(g):
        return 0.0
    return linspace_adjoint(g * result, result, num, endpoint, axis, which) / value


def _meshgrid_axis(i, n, indexing):
    if indexing == "xy" and n >= 2 and i < 2:
        return 1 - i
    return i


def meshgrid_tangent(t, i, xs, sparse=False, indexing="xy"):
    """The part of ``meshgrid``'s tangent from input ``i``: output ``i``
    varies with it, the others do not."""
    xs = [x for x in xs if x is not None]
    xp = _ns(xs[i]) if hasattr(xs[i], "shape") else _ns(t)
    args = [xp.zeros(_size(x), dtype=_float_dtype(t, x)) for x in xs]
    args[i] = xp.reshape(xp.asarray(t), (-1,))
    return Parts(xp.meshgrid(*args, sparse=sparse, indexing=indexing))


def meshgrid_adjoint(g, i, xs, sparse=False, indexing="xy"):
    """Adjoint of ``meshgrid`` for input ``i``: output ``i`` summed over the other axes."""
    gi = item(g, i)
    if is_zero(gi):
        return 0.0
    xs = [x for x in xs if x is not None]
    xp = _ns(gi)
    ax = _meshgrid_axis(i, len(xs), indexing)
    other = tuple(k for k in range(_ndim(gi)) if k != ax)
    return xp.reshape(xp.sum(gi, axis=other), _shape(xs[i]))


def broadcast_arrays_tangent(t, i, result):
    """The part of ``broadcast_arrays``' tangent from argument ``i``."""
    parts = []
    for k, r in enumerate(result):
        xp = _ns(r)
        if k == i:
            parts.append(xp.broadcast_to(t, _shape(r)))
        else:
            parts.append(xp.zeros(_shape(r), dtype=_float_dtype(r, t)))
    return Parts(parts)


def broadcast_arrays_adjoint(g, i, x):
    """Adjoint of ``broadcast_arrays`` for argument ``i``."""
    gi = item(g, i)
    if is_zero(gi):
        return 0.0
    return unbroadcast(gi, x)


def insert_tangent(t, which, arr, obj, values, axis=None):
    """The part of ``insert``'s tangent from ``arr`` (0) or ``values`` (1)."""
    xp = _ns(t)
    dtype = _float_dtype(t, arr, values)
    a = xp.zeros(_shape(arr), dtype=dtype)
    v = xp.zeros(_shape(values), dtype=dtype)
    if which == 0:
        a = a + t
    else:
        v = v + t
    return xp.insert(a, obj, v, axis=axis)


def insert_adjoint(g, which, arr, obj, values, axis=None):
    """Adjoint of ``insert`` for ``arr`` (``which=0``) or ``values`` (1)."""
    if which == 0:
        fill = _ns(g).full(_shape(values), -1)
        return _gather_transpose(g, arr, lambda i: _ns(i).insert(i, obj, fill, axis=axis))
    xp = _ns(g)
    holes = xp.full(_shape(arr), -1)
    return _gather_transpose(g, values, lambda i: _ns(i).insert(holes, obj, i, axis=axis))


def select_adjoint(g, condlist, choicelist):
    """Adjoint of ``select(condlist, choicelist)`` for the choices: each gets
    ``g`` where its condition is the first that holds."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    taken = False
    out = AdjList()
    for cond, choice in zip(condlist, choicelist):
        pick = xp.logical_and(cond, xp.logical_not(taken))
        taken = xp.logical_or(taken, cond)
        out.append(unbroadcast(xp.where(pick, g, 0), choice))
    return out


def _chosen(a, n, mode):
    """The index ``np.choose(a, choices, mode=mode)`` reads for ``n`` choices."""
    xp = _ns(a)
    a = xp.asarray(a)
    if mode == "wrap":
        return a % n
    if mode == "clip":
        return xp.clip(a, 0, n - 1)
    return a


def choose_tangent(a, tangents, choices, mode="raise"):
    """Tangent of ``np.choose(a, choices)``: the choices' tangents chosen
    alike (a lazy zero tangent as zeros)."""
    if all(is_zero(v) for v in tangents):
        return 0.0
    xp = _ns(next((v for v in tangents if hasattr(v, "shape")), a))
    # (a plain 0.0 where a tangent is zero: it broadcasts, and keeps float32)
    parts = [0.0 if is_zero(v) else v for v in tangents]
    return xp.choose(a, parts, mode=mode)


def choose_adjoint(g, a, choices, mode="raise"):
    """Adjoint of ``np.choose(a, choices)`` for the choices: each gets ``g``
    where it was chosen, summed back to its own shape."""
    if is_zero(g):
        return 0.0
    xp = _ns(g)
    index = _chosen(a, len(choices), mode)
    out = AdjList()
    for k, choice in enumerate(choices):
        out.append(unbroadcast(xp.where(index == k, g, 0), choice))
    return out


def select_default_mask(condlist):
    """Where ``select`` falls back to its default."""
    xp = _ns(condlist[0])
    none = True
    for cond in condlist:
        none = xp.logical_and(none, xp.logical_not(cond))
    return none


# -- covariance ------------------------------------------------------------------------------------


def _cov_setup(m, y, rowvar, bias, ddof, fweights=None, aweights=None):
    if fweights is not None or aweights is not None:
        _unsupported("numpy.cov with fweights or aweights", "weight the observations explicitly")
    xp = _ns(m)
    x = xp.asarray(m)
    x = x[None, :] if _ndim(x) == 1 else x
    if not rowvar and _shape(x)[0] != 1:
        x = mT(x)
    parts = [x]
    if y is not None:
        ya = xp.asarray(y)
        ya = ya[None, :] if _ndim(ya) == 1 else ya
        if not rowvar and _shape(ya)[0] != 1:
            ya = mT(ya)
        parts.append(ya)
    full = _concat(parts, axis=0) if len(parts) > 1 else x
    if ddof is None:
        ddof = 0 if bias else 1
    f = _shape(full)[1] - ddof
    xc = full - xp.mean(full, axis=1, keepdims=True)
    return xc, f, _shape(x)[0]


def _cov_rows(t, like, rowvar):
    """A tangent of ``m`` or ``y`` laid out as (variables, observations)."""
    xp = _ns(t)
    ta = xp.broadcast_to(t, _shape(like))
    ta = ta[None, :] if _ndim(ta) == 1 else ta
    if not rowvar and _shape(ta)[0] != 1:
        ta = mT(ta)
    return ta


def cov_tangent(t, which, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """The part of ``cov``'s tangent from ``m`` (0) or ``y`` (1)."""
    _real_only("numpy.cov", m, y)
    xp = _ns(m)
    xc, f, nm = _cov_setup(m, y, rowvar, bias, ddof, fweights, aweights)
    tr = _cov_rows(t, m if which == 0 else y, rowvar)
    zeros = xp.zeros_like(xc)
    if which == 0:
        dx = _concat([tr, zeros[nm:]], axis=0) if y is not None else xp.broadcast_to(tr, _shape(xc))
    else:
        dx = _concat([zeros[:nm], tr], axis=0)
    dxc = dx - xp.mean(dx, axis=1, keepdims=True)
    dc = (xp.matmul(dxc, mT(xc)) + xp.matmul(xc, mT(dxc))) / f
    return xp.squeeze(dc) if _shape(dc) == (1, 1) else dc


def cov_adjoint(g, which, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """Adjoint of ``cov`` for ``m`` (``which=0``) or ``y`` (1)."""
    _real_only("numpy.cov", m, y)
    if is_zero(g):
        return 0.0
    xp = _ns(m)
    xc, f, nm = _cov_setup(m, y, rowvar, bias, ddof, fweights, aweights)
    ga = xp.reshape(xp.asarray(g), (_shape(xc)[0],) * 2)
    gx = xp.matmul(ga + mT(ga), xc) / f
    part = gx[:nm] if which == 0 else gx[nm:]
    like = m if which == 0 else y
    if _ndim(like) == 1:
        return xp.reshape(part, _shape(like))
    if not rowvar and _shape(part)[0] != 1:
        part = mT(part)
    return xp.reshape(part, _shape(like))


def corrcoef_tangent(t, which, x, y, result, rowvar=True):
    """The part of ``corrcoef``'s tangent from ``x`` (0) or ``y`` (1)."""
    xp = _ns(x)
    xc, f, nm = _cov_setup(x, y, rowvar, False, None)
    c = xp.matmul(xc, mT(xc)) / f
    dc = xp.atleast_2d(cov_tangent(t, which, x, y, rowvar))
    dvec = xp.sqrt(xp.diagonal(c))
    r = c / (dvec[:, None] * dvec[None, :])
    dd = xp.diagonal(dc) / (2 * dvec)
    out = dc / (dvec[:, None] * dvec[None, :]) - r * (dd[:, None] / dvec[:, None] + dd[None, :] / dvec[None, :])
    return xp.reshape(out, _shape(result))


def corrcoef_adjoint(g, which, x, y, result, rowvar=True):
    """Adjoint of ``corrcoef`` for ``x`` (``which=0``) or ``y`` (1)."""
    if is_zero(g):
        return 0.0
    xp = _ns(x)
    xc, f, nm = _cov_setup(x, y, rowvar, False, None)
    c = xp.matmul(xc, mT(xc)) / f
    n = _shape(c)[0]
    ga = xp.reshape(xp.asarray(g), (n, n))
    dvec = xp.sqrt(xp.diagonal(c))
    outer = dvec[:, None] * dvec[None, :]
    r = c / outer
    gc = ga / outer
    gd = -(xp.sum(ga * r, axis=1) + xp.sum(ga * r, axis=0)) / dvec
    gc = gc + xp.eye(n, dtype=gc.dtype) * (gd / (2 * dvec))[:, None]
    return cov_adjoint(gc, which, x, y, rowvar)


def cond_partials(x, p=None):
    """d cond(x, p) / d x (``cond = norm(x, p) * norm(inv(x), p)``)."""
    xp = _ns(x)
    ord_ = 2 if p is None else p
    xi = xp.linalg.inv(x)
    n1 = xp.linalg.norm(x, ord_, axis=(-2, -1))
    n2 = xp.linalg.norm(xi, ord_, axis=(-2, -1))
    p1 = _matrix_norm_partials(x, ord_, (_ndim(x) - 2, _ndim(x) - 1), n1, False)
    p2 = _matrix_norm_partials(xi, ord_, (_ndim(x) - 2, _ndim(x) - 1), n2, False)
    inner = xp.matmul(xp.matmul(mT(xi), p2), mT(xi))
    return n2[..., None, None] * p1 - n1[..., None, None] * inner


# -- tangents of the helpers above (second derivatives) ---------------------------
#
# Second derivatives transform first-derivative code again in forward mode,
# so each helper that first derivatives call needs a tangent. The helpers
# below give the part of a helper's tangent that comes from one argument's
# tangent (linear in it; a lazy zero gives a lazy zero). The part from the
# adjoint ``g`` is the helper itself applied to ``t[g]`` when the helper is
# linear in ``g``. Most adjoints of products depend on the values of the
# *other* operand only (the one differentiated gives its shape): the part
# from the differentiated operand's own tangent is zero.


def _like(t, like):
    """A tangent ``t`` with the shape of its primal ``like``."""
    if not hasattr(like, "shape"):
        return t
    xp = _ns(like)
    return xp.broadcast_to(xp.asarray(t, dtype=_float_dtype(t, like)), _shape(like))


def _swap_operand(fn, g, operands, k, tk, which, rest=()):
    """``fn(g, *operands, which, *rest)`` with operand ``k`` replaced by its
    tangent: the part of the tangent of an adjoint that is linear in each
    operand other than ``which`` (and depends on ``which``'s shape only)."""
    if k == which or is_zero(g) or is_zero(tk):
        return 0.0
    ops = list(operands)
    ops[k] = _like(tk, ops[k])
    return fn(g, *ops, which, *rest)


def inner_adjoint_tangent(g, a, b, which, k, tk):
    """Part of the tangent of ``inner_adjoint(g, a, b, which)`` from the
    tangent ``tk`` of ``a`` (``k=0``) or ``b`` (1)."""
    return _swap_operand(inner_adjoint, g, (a, b), k, tk, which)


def outer_adjoint_tangent(g, a, b, which, k, tk):
    """Part of the tangent of ``outer_adjoint(g, a, b, which)`` from operand ``k``."""
    return _swap_operand(outer_adjoint, g, (a, b), k, tk, which)


def tensordot_adjoint_tangent(g, a, b, axes, which, k, tk):
    """Part of the tangent of ``tensordot_adjoint(g, a, b, axes, which)`` from operand ``k``."""
    if k == which or is_zero(g) or is_zero(tk):
        return 0.0
    ops = [a, b]
    ops[k] = _like(tk, ops[k])
    return tensordot_adjoint(g, ops[0], ops[1], axes, which)


def kron_adjoint_tangent(g, a, b, which, k, tk):
    """Part of the tangent of ``kron_adjoint(g, a, b, which)`` from operand ``k``."""
    return _swap_operand(kron_adjoint, g, (a, b), k, tk, which)


def cross_adjoint_tangent(g, a, b, which, k, tk, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Part of the tangent of ``cross_adjoint(g, a, b, which, ...)`` from operand ``k``."""
    return _swap_operand(cross_adjoint, g, (a, b), k, tk, which, (axisa, axisb, axisc, axis))


def vecdot_adjoint_tangent(g, x1, x2, which, k, tk, axis=-1):
    """Part of the tangent of ``vecdot_adjoint(g, x1, x2, which, axis)`` from operand ``k``."""
    return _swap_operand(vecdot_adjoint, g, (x1, x2), k, tk, which, (axis,))


def matvec_adjoint_tangent(g, a, v, which, k, tk):
    """Part of the tangent of ``matvec_adjoint(g, a, v, which)`` from operand ``k``."""
    return _swap_operand(matvec_adjoint, g, (a, v), k, tk, which)


def vecmat_adjoint_tangent(g, v, a, which, k, tk):
    """Part of the tangent of ``vecmat_adjoint(g, v, a, which)`` from operand ``k``."""
    return _swap_operand(vecmat_adjoint, g, (v, a), k, tk, which)


def convolve_adjoint_tangent(g, a, v, which, k, tk, mode="full"):
    """Part of the tangent of ``convolve_adjoint(g, a, v, which, mode)`` from operand ``k``."""
    return _swap_operand(convolve_adjoint, g, (a, v), k, tk, which, (mode,))


def correlate_adjoint_tangent(g, a, v, which, k, tk, mode="valid"):
    """Part of the tangent of ``correlate_adjoint(g, a, v, which, mode)`` from operand ``k``."""
    return _swap_operand(correlate_adjoint, g, (a, v), k, tk, which, (mode,))


def vdot_adjoint_tangent(g, t_other, other, like, conj_other=False):
    """Part of the tangent of ``vdot_adjoint(g, other, like, conj_other)``
    from the tangent of ``other``."""
    if is_zero(g) or is_zero(t_other):
        return 0.0
    return vdot_adjoint(g, _like(t_other, other), like, conj_other)


def einsum_adjoint_tangent(g, subscripts, operands, i, t_operands):
    """Part of the tangent of ``einsum_adjoint(g, subscripts, operands, i)``
    from the operands' tangents: one term per operand other than ``i`` (the
    contraction is linear in each)."""
    if is_zero(g) or is_zero(t_operands):
        return 0.0
    pairs = [(op, tp) for op, tp in zip(operands, t_operands) if op is not None]
    ops = [op for op, _ in pairs]
    out = 0.0
    for j, (op, tp) in enumerate(pairs):
        if j == i or is_zero(tp):
            continue
        swapped = list(ops)
        swapped[j] = _like(tp, op)
        out = out + einsum_adjoint(g, subscripts, swapped, i)
    return out


def prod_partials_tangent(t, a, axis=None, initial=None, nan=False):
    """Tangent of ``prod_partials(a, axis, initial, nan)`` from the tangent of
    ``a``: the tangents of the products of the entries before and after each
    entry (no division, exact with zeros)."""
    if is_zero(t):
        return 0.0
    xp = _ns(a)
    t = _like(t, a)
    if nan:
        isnan = xp.isnan(a)
        a = xp.where(isnan, 1, a)
        t = xp.where(isnan, 0, t)
    if not _shape(a):
        return xp.zeros_like(t)
    axes = _axes(axis, _ndim(a))
    b, info = _to_end(a, axes)
    tb, _ = _to_end(t, axes)
    ones = xp.ones_like(b[..., :1])
    zeros = xp.zeros_like(tb[..., :1])
    lin = _concat([ones, b[..., :-1]], axis=-1)
    tlin = _concat([zeros, tb[..., :-1]], axis=-1)
    left = xp.cumprod(lin, axis=-1)
    dleft = cumprod_jvp(tlin, lin, left, -1)
    rin = xp.flip(_concat([b[..., 1:], ones], axis=-1), axis=-1)
    trin = xp.flip(_concat([tb[..., 1:], zeros], axis=-1), axis=-1)
    rc = xp.cumprod(rin, axis=-1)
    right = xp.flip(rc, axis=-1)
    dright = xp.flip(cumprod_jvp(trin, rin, rc, -1), axis=-1)
    dp = _from_end(dleft * right + left * dright, info)
    if initial is not None:
        dp = dp * initial
    if nan:
        dp = xp.where(isnan, 0, dp)
    return dp


def cumprod_vjp_tangent(g, a, result, axis, ta):
    """Part of the tangent of ``cumprod_vjp(g, a, result, axis)`` from the
    tangent of ``a``, ``result = cumprod(a, axis)`` moving with it (the
    tangent of ``result`` is not used: it is the one that ``ta`` gives)."""
    if is_zero(g) or is_zero(ta):
        return 0.0
    xp = _ns(a)
    a2, ax = _cumprod_prepare(a, axis)
    g2 = xp.reshape(g, _shape(a2))
    r2 = xp.reshape(result, _shape(a2))
    t2 = xp.reshape(_like(ta, a), _shape(a2))
    if bool(xp.all(a2 != 0)):
        tr = cumprod_jvp(t2, a2, r2, ax)
        out = (_flip_cumsum(g2 * tr, ax) - _flip_cumsum(g2 * r2, ax) * t2 / a2) / a2
    else:
        # d/da of sum_i g_i M[i, j], column j of M being cumprod(b with b_j = 1)
        b = xp.moveaxis(a2, ax, -1)
        tb = xp.moveaxis(t2, ax, -1)
        n = _shape(b)[-1]
        cols = []
        for j in range(n):
            onehot = xp.arange(n) == j
            bj = xp.where(onehot, xp.ones_like(b), b)
            tj = xp.where(onehot, xp.zeros_like(tb), tb)
            cols.append(cumprod_jvp(tj, bj, xp.cumprod(bj, axis=-1), -1) * (xp.arange(n) >= j))
        dm = xp.stack(cols, axis=-1)
        gm = xp.moveaxis(g2, ax, -1)
        out = xp.moveaxis(xp.matmul(gm[..., None, :], dm)[..., 0, :], -1, ax)
    return xp.reshape(out, _shape(a))


def cumulative_prod_adjoint_tangent(g, x, result, axis=None, include_initial=False, tx=0.0):
    """Part of the tangent of ``cumulative_prod_adjoint`` from the tangent of ``x``."""
    if is_zero(g) or is_zero(tx):
        return 0.0
    g, result, axis = _cumulative_prod_parts(g, result, axis, include_initial)
    return cumprod_vjp_tangent(g, x, result, axis, tx)


def slogdet_adjoint_tangent(g, a, ta):
    """Part of the tangent of ``slogdet_adjoint(g, a)`` from the tangent of
    ``a``: ``-g[1] * (inv(a) ta inv(a))^T``."""
    gl = item(g, 1)
    if is_zero(gl) or is_zero(ta):
        return 0.0
    xp = _ns(a)
    gl = xp.asarray(gl)
    ainv = xp.linalg.inv(a)
    return -gl[..., None, None] * mT(xp.matmul(xp.matmul(ainv, _like(ta, a)), ainv))


def _norm_kind(x, ord, axis):
    """``norm(x, ord, axis)`` as ``(matrix?, ord, axes)``, as ``norm_partials`` reads it."""
    nd = _ndim(x)
    if axis is None and ord is None:
        return False, None, tuple(range(nd))
    if axis is None:
        axis = tuple(range(nd))
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return True, ord, tuple(a % nd for a in axis)
    if isinstance(axis, (tuple, list)):
        axis = axis[0]
    return False, ord, axis


def _norm_partials_tangent(tx, tr, x, ord, matrix, axes, keepdims, result):
    """Tangent of the partials of a norm from ``tx`` (the tangent of ``x``)
    or ``tr`` (that of the norm ``result``); one of them is None."""
    xp = _ns(x)
    if matrix:
        if ord in (1, -1, math.inf, -math.inf):
            return 0.0          # piecewise constant (sign times a selection)
        if ord in (2, -2, "nuc"):
            # the partials u diag(w) vh (w: ones, or the largest or smallest
            # singular value picked out) move with the singular vectors only
            if tx is None:
                return 0.0
            row, col = axes
            xm = xp.moveaxis(x, (row, col), (-2, -1))
            u, s, vh = xp.linalg.svd(xm, full_matrices=False)
            k = _shape(s)[-1]
            w = xp.ones(k, dtype=u.dtype) if ord == "nuc" else \
                xp.eye(k, dtype=u.dtype)[0 if ord == 2 else k - 1]
            du, _, dvh = svd_jvp(xm, (u, s, vh), xp.moveaxis(_like(tx, x), (row, col), (-2, -1)),
                                 full_matrices=False)
            out = xp.matmul(du * w, vh) + xp.matmul(u * w, dvh)
            return xp.moveaxis(out, (-2, -1), (row, col))
        if ord not in (None, "fro"):
            _unsupported(f"second derivatives of numpy.linalg.norm(ord={ord!r}) of matrices",
                         "use ord='fro', 1, -1, inf or -inf, or write the norm out")
        p = 2
    else:
        if ord in (1, 0, math.inf, -math.inf):
            return 0.0          # piecewise constant
        p = 2 if ord is None else ord
    r = keep(result, x, axes, keepdims)
    rs = xp.where(r == 0, 1, r)
    if p == 2:
        if tr is None:
            return _like(tx, x) / rs
        return -x * keep(tr, x, axes, keepdims) / (rs * rs)
    u = xp.abs(x) / rs
    c = (p - 1) * u ** (p - 2) / rs
    if tr is None:
        return c * _like(tx, x)
    return -c * x * keep(tr, x, axes, keepdims) / rs


def norm_partials_tangent_x(tx, x, ord=None, axis=None, keepdims=False, result=None):
    """Part of the tangent of ``norm_partials(x, ord, axis, keepdims, result)``
    from the tangent of ``x`` (``result`` held fixed)."""
    if is_zero(tx):
        return 0.0
    matrix, o, axes = _norm_kind(x, ord, axis)
    return _norm_partials_tangent(tx, None, x, o, matrix, axes, keepdims, result)


def norm_partials_tangent_r(tr, x, ord=None, axis=None, keepdims=False, result=None):
    """Part of the tangent of ``norm_partials`` from the tangent of the norm ``result``."""
    if is_zero(tr):
        return 0.0
    matrix, o, axes = _norm_kind(x, ord, axis)
    return _norm_partials_tangent(None, tr, x, o, matrix, axes, keepdims, result)


def vector_norm_partials_tangent(tx, tr, x, axis=None, ord=2, keepdims=False, result=None):
    """Part of the tangent of ``vector_norm_partials`` from ``tx`` or ``tr`` (the other None)."""
    if is_zero(tx if tr is None else tr):
        return 0.0
    if axis is None:
        axis = tuple(range(_ndim(x)))
    return _norm_partials_tangent(tx, tr, x, ord, False, axis, keepdims, result)


def matrix_norm_partials_tangent(tx, tr, x, ord="fro", keepdims=False, result=None):
    """Part of the tangent of ``matrix_norm_partials`` from ``tx`` or ``tr`` (the other None)."""
    if is_zero(tx if tr is None else tr):
        return 0.0
    nd = _ndim(x)
    return _norm_partials_tangent(tx, tr, x, ord, True, (nd - 2, nd - 1), keepdims, result)


def trapezoid_vjp_y_tangent(g, y, x, dx, axis, wrt, t):
    """Part of the tangent of ``trapezoid_vjp_y(g, y, x, dx, axis)`` from the
    tangent ``t`` of ``x`` (``wrt="x"``) or ``dx`` ("dx"): the weights are
    linear in each."""
    if is_zero(g) or is_zero(t):
        return 0.0
    if wrt == "x":
        if x is None:
            return 0.0
        return trapezoid_vjp_y(g, y, _like(t, x), dx, axis)
    if x is not None:
        return 0.0
    return trapezoid_vjp_y(g, y, None, t, axis)


def trapezoid_vjp_x_tangent(g, ty, y, x, axis=-1):
    """Part of the tangent of ``trapezoid_vjp_x(g, y, x, axis)`` from the
    tangent of ``y`` (linear in ``y``; the points ``x`` give shapes only)."""
    if is_zero(g) or is_zero(ty):
        return 0.0
    return trapezoid_vjp_x(g, _like(ty, y), x, axis)


def trapezoid_dx_partial_tangent(ty, y, x=None, axis=-1):
    """Tangent of ``trapezoid_dx_partial(y, x, axis)`` (linear in ``y``)."""
    if is_zero(ty) or x is not None:
        return 0.0
    return trapezoid_dx_partial(_like(ty, y), x, axis)


def average_vjp_a_tangent(g, a, weights, tw, axis=None, keepdims=False, returned=False):
    """Part of the tangent of ``average_vjp_a`` from the tangent of ``weights``."""
    _no_returned(returned)
    if is_zero(g) or is_zero(tw) or weights is None:
        return 0.0
    xp = _ns(a)
    w = xp.broadcast_to(_average_weights(a, weights, axis), _shape(a))
    dw = xp.broadcast_to(_average_weights(a, _like(tw, weights), axis), _shape(a))
    s = xp.sum(w, axis=axis, keepdims=True)
    ds = xp.sum(dw, axis=axis, keepdims=True)
    ge = xp.broadcast_to(keep(g, a, axis, keepdims), _shape(a))
    return ge * (dw / s - w * ds / (s * s))


def average_vjp_w_tangent(g, a, weights, result, wrt, t, axis=None, keepdims=False):
    """Part of the tangent of ``average_vjp_w(g, a, weights, result, ...)``
    from the tangent ``t`` of ``a``, ``weights`` or ``result`` (``wrt``)."""
    if is_zero(g) or is_zero(t):
        return 0.0
    xp = _ns(a)
    w = xp.broadcast_to(_average_weights(a, weights, axis), _shape(a))
    s = xp.sum(w, axis=axis, keepdims=True)
    gk = keep(g, a, axis, keepdims)
    if wrt == "a":
        full = gk / s * _like(t, a)
    elif wrt == "result":
        full = -gk / s * keep(t, a, axis, keepdims)
    else:
        dw = xp.broadcast_to(_average_weights(a, _like(t, weights), axis), _shape(a))
        ds = xp.sum(dw, axis=axis, keepdims=True)
        full = -gk * ds / (s * s) * (a - keep(result, a, axis, keepdims))
    return _unaverage_weights(xp.broadcast_to(full, _shape(a)), a, _asarray(weights, a), axis)


def cov_adjoint_tangent(g, which, k, tk, m, y=None, rowvar=True, bias=False, ddof=None,
                        fweights=None, aweights=None):
    """Part of the tangent of ``cov_adjoint(g, which, m, y, ...)`` from the
    tangent ``tk`` of ``m`` (``k=0``) or ``y`` (1): the centred data are
    linear in ``(m, y)`` together, so this is the adjoint with the data
    replaced by their tangent (the other array's tangent zero)."""
    if is_zero(g) or is_zero(tk):
        return 0.0
    xp = _ns(m)
    dtype = _float_dtype(m, y, tk)
    tm = _like(tk, m) if k == 0 else xp.zeros(_shape(m), dtype=dtype)
    ty = None
    if y is not None:
        ty = _like(tk, y) if k == 1 else xp.zeros(_shape(y), dtype=dtype)
    return cov_adjoint(g, which, tm, ty, rowvar, bias, ddof, fweights, aweights)


def polyval_p_adjoint_tangent(g, p, x, tx):
    """Part of the tangent of ``polyval_p_adjoint(g, p, x)`` from the tangent of ``x``."""
    if is_zero(g) or is_zero(tx):
        return 0.0
    xp = _ns(g)
    n = _shape(p)[0]
    xa = xp.asarray(x)
    ga = xp.broadcast_to(g, _shape(xa))
    ta = _like(tx, xa)
    powers = [xp.ones_like(ga)]
    for _ in range(n - 1):
        powers.append(powers[-1] * xa)
    # d x**e = e * x**(e - 1) * tx
    parts = []
    for i in range(n):
        e = n - 1 - i
        parts.append(xp.sum(ga * e * powers[e - 1] * ta) if e > 0 else xp.sum(ga * 0 * ta))
    return xp.stack(parts)


def polyval_slope_tangent(p, x, wrt, t):
    """Part of the tangent of ``polyval_slope(p, x)`` from the tangent of
    ``p`` (``wrt="p"``, linear) or ``x`` ("x": the second derivative)."""
    if is_zero(t):
        return 0.0
    if wrt == "p":
        return polyval_slope(_like(t, p), x)
    xp = _ns(x) if hasattr(x, "shape") else _ns(p)
    pa = _asarray(p, x if hasattr(x, "shape") else p)
    if _shape(pa)[0] <= 1:
        return 0.0
    return polyval_slope(_cast(xp.polyder(pa), _float_dtype(pa)), x) * t


def vander_partials_tangent(t, x, N=None, increasing=False):
    """Tangent of ``vander_partials(x, N, increasing)``: ``k (k - 1) x**(k-2) t``
    in column ``k`` (of the increasing layout)."""
    if is_zero(t):
        return 0.0
    xp = _ns(x)
    n = _shape(x)[0] if N is None else N
    powers = xp.vander(x, n, increasing=True)
    k = _cast(xp.arange(n), powers.dtype)
    z = xp.zeros_like(powers[:, :2])[:, :min(2, n)]
    lower2 = _concat([z, powers[:, :max(n - 2, 0)]], axis=1)
    out = lower2 * k * (k - 1) * xp.reshape(_like(t, x), (-1, 1))
    return out if increasing else xp.flip(out, axis=1)


def cholesky_adjoint_tangent(g, L, tL, upper=False):
    """Part of the tangent of ``cholesky_adjoint(g, L, upper)`` from the
    tangent of the factor ``L``."""
    if is_zero(g) or is_zero(tL):
        return 0.0
    xp = _ns(L)
    tL = _like(tL, L)
    if upper:
        L, g, tL = mT(L), mT(g), mT(tL)
    p = _phi(xp.matmul(mT(L), g))
    dp = _phi(xp.matmul(mT(tL), g))

    def sandwich(m):            # L^-T m L^-1
        s = xp.linalg.solve(mT(L), m)
        return mT(xp.linalg.solve(mT(L), mT(s)))

    s0 = sandwich(p)
    linv_t = mT(xp.linalg.solve(mT(L), mT(tL)))          # tL L^-1
    ds = sandwich(dp) - xp.linalg.solve(mT(L), xp.matmul(mT(tL), s0)) - xp.matmul(s0, linv_t)
    ds = 0.5 * (ds + mT(ds))
    return _sym_adjoint(ds, "U" if upper else "L")


def _eigh_adjoint_tangent(gw, gv, w, v, tw, tv, UPLO):
    xp = _ns(v)
    n = _shape(w)[-1]
    inner = 0.0
    if not is_zero(gw):
        inner = xp.asarray(gw)[..., :, None] * xp.eye(n, dtype=v.dtype)
    f = _eig_f(w)
    dinner = 0.0
    if not is_zero(gv):
        vg = xp.matmul(mT(v), gv)
        inner = inner + f * vg
        if not is_zero(tw):
            tw = xp.broadcast_to(xp.asarray(tw), _shape(w))
            dw = tw[..., None, :] - tw[..., :, None]
            dinner = dinner - f * f * dw * vg
        if not is_zero(tv):
            dinner = dinner + f * xp.matmul(mT(_like(tv, v)), gv)
    ds = 0.0
    if not is_zero(tv):
        tv = _like(tv, v)
        if not is_zero(inner):
            ds = xp.matmul(xp.matmul(tv, inner), mT(v)) + xp.matmul(xp.matmul(v, inner), mT(tv))
    if not is_zero(dinner):
        ds = ds + xp.matmul(xp.matmul(v, dinner), mT(v))
    if is_zero(ds):
        return 0.0
    ds = 0.5 * (ds + mT(ds))
    return _sym_adjoint(ds, UPLO)


def eigh_adjoint_tangent(g, result, t_result, UPLO="L"):
    """Part of the tangent of ``eigh_adjoint(g, result, UPLO)`` from the
    tangent ``(tw, tv)`` of ``result = (w, v)``."""
    gw, gv = item(g, 0), item(g, 1)
    tw, tv = item(t_result, 0), item(t_result, 1)
    if (is_zero(gw) and is_zero(gv)) or (is_zero(tw) and is_zero(tv)):
        return 0.0
    w, v = result
    return _eigh_adjoint_tangent(gw, gv, w, v, tw, tv, UPLO)


def eigvalsh_adjoint_tangent(g, a, w, ta, UPLO="L"):
    """Part of the tangent of ``eigvalsh_adjoint(g, a, w, UPLO)`` from the
    tangent of ``a`` (through the eigenvectors it computes; ``w`` enters
    only through them)."""
    if is_zero(g) or is_zero(ta):
        return 0.0
    xp = _ns(a)
    _, v = xp.linalg.eigh(a, UPLO=UPLO)
    tv = eigh_jvp((w, v), _like(ta, a), UPLO)[1]
    return _eigh_adjoint_tangent(g, 0.0, w, v, 0.0, tv, UPLO)


def interp_adjoint_tangent(g, which, wrt, t, x, xp_, fp, left=None, right=None, period=None):
    """Part of the tangent of ``interp_adjoint(g, which, x, xp_, fp, ...)``
    from the tangent ``t`` of ``x``, ``xp`` or ``fp`` (``wrt``). The segment
    each point falls in and the masks are piecewise constant; the fill values
    ``left``/``right`` enter no adjoint."""
    if is_zero(g) or is_zero(t) or wrt in ("left", "right") or which in ("left", "right"):
        return 0.0
    xp = _ns(xp_)
    j, w, slope, below, above, inside = _interp_setup(x, xp_, fp, left, right, period)
    xs = xp.asarray(xp_)
    h = xs[j + 1] - xs[j]
    ga = xp.broadcast_to(g, _shape(j))
    gi = xp.where(inside, ga, 0)
    dslope = dw = 0.0
    if wrt == "x":
        dw = xp.broadcast_to(xp.asarray(t), _shape(j)) / h
    elif wrt == "fp":
        ta = _like(t, xp.asarray(fp))
        dslope = (ta[j + 1] - ta[j]) / h
    else:
        ta = _like(t, xs)
        dh = ta[j + 1] - ta[j]
        dslope = -slope * dh / h
        dw = (-ta[j] - w * dh) / h
    if which == "x":
        out = xp.where(inside, dslope * ga, 0)
        return out if _ndim(x) else xp.sum(out)
    if which == "fp":
        lo, hi = -gi * dw, gi * dw
    else:
        lo = gi * (dslope * (w - 1) + slope * dw)
        hi = -gi * (dslope * w + slope * dw)
    n = _shape(xs)[0]
    dtype = _float_dtype(ga, fp)
    lo = xp.broadcast_to(lo, _shape(j))
    hi = xp.broadcast_to(hi, _shape(j))
    jj = xp.reshape(j, (-1,))
    out = _cast(xp.bincount(jj, weights=xp.reshape(lo, (-1,)), minlength=n), dtype)
    return out + _cast(xp.bincount(jj + 1, weights=xp.reshape(hi, (-1,)), minlength=n), dtype)


def nan_to_value_tangent(tv, a):
    """Part of the tangent of ``nan_to(a, value)`` from the tangent of ``value``."""
    if is_zero(tv):
        return 0.0
    xp = _ns(a)
    return xp.where(xp.isnan(a), tv, 0)


def logspace_adjoint_tangent(g, tr, result, num, endpoint=True, base=10.0, axis=0, which=1):
    """Part of the tangent of ``logspace_adjoint(g, result, ...)`` from the tangent of ``result``."""
    if is_zero(g) or is_zero(tr):
        return 0.0
    return linspace_adjoint(g * tr * math.log(base), result, num, endpoint, axis, which)


def geomspace_adjoint_tangent(g, value, result, wrt, t, num, endpoint=True, axis=0, which=1):
    """Part of the tangent of ``geomspace_adjoint(g, value, result, ...)``
    from the tangent ``t`` of ``value`` or ``result`` (``wrt``)."""
    if is_zero(g) or is_zero(t):
        return 0.0
    if wrt == "result":
        return linspace_adjoint(g * t, result, num, endpoint, axis, which) / value
    return -linspace_adjoint(g * result, result, num, endpoint, axis, which) * t / (value * value)


def _matrix_power_adjoint_tangent(g, a, n, ta):
    xp = _ns(a)
    if n == 0:
        return 0.0
    if n < 0:
        b = xp.linalg.inv(a)
        tb = -xp.matmul(xp.matmul(b, ta), b)
        gb = matrix_power_adjoint(g, b, -n)
        tgb = _matrix_power_adjoint_tangent(g, b, -n, tb)
        return inv_adjoint(tgb, b) + inv_adjoint_tangent(gb, b, tb)
    p, tp = mT(a), mT(ta)
    out = 0.0
    for k in range(n):
        m = n - 1 - k
        pk = xp.linalg.matrix_power(p, k)
        pm = xp.linalg.matrix_power(p, m)
        if k:
            out = out + xp.matmul(xp.matmul(matrix_power_jvp(tp, p, k), g), pm)
        if m:
            out = out + xp.matmul(xp.matmul(pk, g), matrix_power_jvp(tp, p, m))
    return out


def matrix_power_adjoint_tangent(g, a, n, ta):
    """Part of the tangent of ``matrix_power_adjoint(g, a, n)`` from the tangent of ``a``."""
    if is_zero(g) or is_zero(ta) or n == 0:
        return 0.0
    return _matrix_power_adjoint_tangent(g, a, n, _like(ta, a))


def multi_dot_adjoint_tangent(g, arrays, t_arrays):
    """Part of the tangent of ``multi_dot_adjoint(g, arrays)`` from the
    arrays' tangents: each factor's adjoint is linear in every other factor."""
    if is_zero(g) or is_zero(t_arrays):
        return 0.0
    n = len(arrays)
    out = [0.0] * n
    for j in range(n):
        tj = t_arrays[j]
        if is_zero(tj):
            continue
        swapped = list(arrays)
        swapped[j] = _like(tj, arrays[j])
        part = multi_dot_adjoint(g, swapped)
        for k in range(n):
            if k != j:
                out[k] = out[k] + part[k]
    return AdjList(out)


# -- np.gradient ----------------------------------------------------------------------

def _gradient_setup(f, varargs, axis):
    """``(axes, spacings, several)``: the axes ``np.gradient`` differentiates
    along, the (scalar) spacing of each, and whether it returns a list."""
    nd = _ndim(f)
    if axis is None:
        axes = list(range(nd))
    elif isinstance(axis, (tuple, list)):
        axes = [a % nd for a in axis]
    else:
        axes = [axis % nd]
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1:
        spacings = [varargs[0]] * len(axes)
    else:
        spacings = list(varargs)
    return axes, spacings, len(axes) > 1


def _coordinates_held(spacings, tangents=None):
    """Refuse to differentiate coordinate arrays (uneven spacing): only the
    values and scalar spacings have derivatives. ``tangents``: the
    spacings' tangents (zeros for constant coordinates), or ``None`` where
    any array among the spacings is differentiated."""
    for k, h in enumerate(spacings):
        if _ndim(h) > 0 and (tangents is None or not (
                is_zero(tangents[k]) or not _ns(h).any(tangents[k]))):
            _unsupported("numpy.gradient(f, coordinates) with respect to the coordinates",
                         "hold the coordinate array constant (srcad.stop_gradient(x)) or pass "
                         "a scalar spacing; the derivative with respect to the values is supported")


def _gradient_transpose(g, h, edge_order):
    """The transpose of ``np.gradient`` along the last axis (spacing ``h``,
    a number or an array of coordinates)."""
    if _ndim(h) > 0:
        return _gradient_transpose_coordinates(g, h, edge_order)
    xp = _ns(g)
    n = _shape(g)[-1]
    a = xp.zeros(_shape(g), dtype=_float_dtype(g))
    if edge_order == 1:
        c = g[..., 0] / h
        a[..., 1] += c
        a[..., 0] -= c
        c = g[..., n - 1] / h
        a[..., n - 1] += c
        a[..., n - 2] -= c
    else:
        c = g[..., 0] / (2 * h)
        a[..., 0] -= 3 * c
        a[..., 1] += 4 * c
        a[..., 2] -= c
        c = g[..., n - 1] / (2 * h)
        a[..., n - 1] += 3 * c
        a[..., n - 2] -= 4 * c
        a[..., n - 3] += c
    m = g[..., 1:n - 1] / (2 * h)
    a[..., 2:] += m
    a[..., :n - 2] -= m
    return a


def _gradient_transpose_coordinates(g, x, edge_order):
    """The transpose of ``np.gradient`` along the last axis at the
    coordinates ``x``. Its stencils (three neighbours inside, two or three
    points at each end) take entries of distinct residues modulo 3, so
    NumPy's gradient of the indicator of each residue gives every row's
    coefficients: ``w[j % 3][i]`` is that of entry ``j`` in row ``i``."""
    xp = _ns(g)
    n = _shape(g)[-1]
    idx = xp.arange(n)
    w = xp.stack([xp.gradient(xp.asarray(idx % 3 == k, dtype=_float_dtype(g)), x,
                              edge_order=edge_order) for k in range(3)])
    a = xp.zeros(_shape(g), dtype=_float_dtype(g))
    rows = idx[1:n - 1]
    for s in (-1, 0, 1):
        cols = rows + s
        a[..., cols] += w[cols % 3, rows] * g[..., rows]
    for j in range(edge_order + 1):
        a[..., j] += w[j % 3, 0] * g[..., 0]
        a[..., n - 1 - j] += w[(n - 1 - j) % 3, n - 1] * g[..., n - 1]
    return a


def _gradient_parts(value, several):
    return list(value) if several else [value]


def gradient_adjoint(g, f, varargs, axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, *varargs)`` for ``f`` (scalar spacings
    or coordinate arrays)."""
    if is_zero(g):
        return 0.0
    xp = _ns(f)
    axes, spacings, several = _gradient_setup(f, varargs, axis)
    out = None
    for ax, h, gk in zip(axes, spacings, _gradient_parts(g, several)):
        if is_zero(gk):
            continue
        gk = xp.moveaxis(xp.asarray(gk), ax, -1)
        part = xp.moveaxis(_gradient_transpose(gk, h, edge_order), -1, ax)
        out = part if out is None else out + part
    return 0.0 if out is None else out


def gradient_spacing_adjoint(g, f, varargs, result, axis=None, edge_order=1):
    """Adjoints of the spacings of ``np.gradient``: each part is ``D f / h``,
    so its derivative with respect to ``h`` is ``-part / h``."""
    if is_zero(g) or not varargs:
        return tuple(0.0 for _ in varargs)
    xp = _ns(f)
    axes, spacings, several = _gradient_setup(f, varargs, axis)
    _coordinates_held(spacings)
    terms = [0.0 if is_zero(gk) else -xp.sum(gk * yk) / h
             for gk, yk, h in zip(_gradient_parts(g, several), _gradient_parts(result, several),
                                  spacings)]
    if len(varargs) == 1:
        return (builtins_sum(terms),)
    return tuple(terms)


def gradient_tangent(tf, tvarargs, f, varargs, result, axis=None, edge_order=1):
    """Tangent of ``np.gradient(f, *varargs)``: linear in ``f``, and each
    part ``D f / h`` moves by ``-part * dh / h`` with its spacing."""
    xp = _ns(f)
    axes, spacings, several = _gradient_setup(f, varargs, axis)
    kw = {} if axis is None else {"axis": axis}
    parts = [0.0] * len(axes)
    if not is_zero(tf):
        parts = _gradient_parts(xp.gradient(xp.asarray(tf), *varargs, edge_order=edge_order, **kw),
                                several)
    tsp = [0.0] * len(axes)
    if tvarargs:
        tsp = [tvarargs[0]] * len(axes) if len(tvarargs) == 1 else list(tvarargs)
    _coordinates_held(spacings, tsp)
    ys = _gradient_parts(result, several)
    out = [p if is_zero(th) or _ndim(h) > 0 else p - yk * th / h
           for p, yk, th, h in zip(parts, ys, tsp, spacings)]
    if all(is_zero(o) for o in out):
        return 0.0
    out = [xp.zeros_like(yk) if is_zero(o) else o for o, yk in zip(out, ys)]
    return AdjList(out) if several else out[0]


def gradient_adjoint_tangent(tg, tvarargs, g, f, varargs, axis=None, edge_order=1):
    """Tangent of :func:`gradient_adjoint`: linear in ``g``; each axis's
    part scales with ``1 / h`` of its spacing."""
    xp = _ns(f)
    axes, spacings, several = _gradient_setup(f, varargs, axis)
    out = gradient_adjoint(tg, f, varargs, axis, edge_order) if not is_zero(tg) else 0.0
    if tvarargs and not all(is_zero(th) for th in tvarargs) and not is_zero(g):
        tsp = [tvarargs[0]] * len(axes) if len(tvarargs) == 1 else list(tvarargs)
        _coordinates_held(spacings, tsp)
        for ax, h, th, gk in zip(axes, spacings, tsp, _gradient_parts(g, several)):
            if is_zero(th) or is_zero(gk) or _ndim(h) > 0:
                continue   # coordinates: held constant (checked above)
            gk = xp.moveaxis(xp.asarray(gk), ax, -1)
            part = xp.moveaxis(_gradient_transpose(gk, h, edge_order), -1, ax)
            out = out - part * th / h
    return out


# -- np.arange -------------------------------------------------------------------------

def arange_tangent(tstart, tstep, stop, result):
    """Tangent of ``arange(start, stop, step) = start + k * step`` (with one
    argument, ``arange(stop)``, the entries do not move)."""
    xp = _ns(result)
    if stop is None:
        return 0.0
    out = 0.0
    if not is_zero(tstart):
        out = out + xp.zeros_like(result) + tstart
    if not is_zero(tstep):
        out = out + xp.arange(_shape(result)[0]) * tstep
    return out


def arange_adjoint(g, which, stop):
    """Adjoint of ``arange`` for ``start`` (``which=0``) or ``step`` (2)."""
    if is_zero(g) or stop is None:
        return 0.0
    xp = _ns(g)
    if which == 0:
        return xp.sum(g)
    return xp.sum(g * xp.arange(_shape(g)[0]))


# -- scipy.special.logsumexp -----------------------------------------------------------

def logsumexp_terms(a, b, result, axis=None, keepdims=False, return_sign=False):
    """``exp(a - result)``, with ``result`` the ``logsumexp`` of ``a`` (and
    of the scale ``b``, which gives the shape it broadcasts to) over
    ``axis`` put back along the reduced axes: the partial derivatives of the
    result in ``b``."""
    if return_sign:
        _unsupported("scipy.special.logsumexp(return_sign=True)",
                     "the sign is piecewise constant: differentiate logsumexp of the "
                     "absolute weighted sum, or split the positive and negative terms")
    import numpy
    xp = _ns(a)
    shape = _shape(a) if b is None else numpy.broadcast_shapes(_shape(a), _shape(b))
    if not keepdims and shape:
        result = xp.reshape(result, _kept_shape(shape, _axes(axis, len(shape))))
    return xp.exp(a - result)


def logsumexp_weights(a, b, result, axis=None, keepdims=False, return_sign=False):
    """``b * exp(a - result)``: the partial derivatives of ``logsumexp``'s
    result in ``a``."""
    e = logsumexp_terms(a, b, result, axis, keepdims, return_sign)
    return e if b is None else e * b


# -- adjoints given a Python number ------------------------------------------------
#
# The adjoint of a scalar output starts as a Python float (a weak scalar, so
# that float32 stays float32). NumPy's functions take such a number where they
# expect an array; CuPy's do not. Every helper whose first parameter is an
# adjoint ``g`` therefore turns a number into a 0-d array of the namespace of
# the arrays it is given, when that namespace is not NumPy.
#
# A lazy zero ``g`` (no adjoint reached the value, or the tangent of an adjoint
# that does not move) gives a lazy zero: the helpers are linear in ``g``, and
# those written for arrays (``outer_adjoint``'s matmul) cannot take a number.
# ``is_zero``, the test itself, is left as it is.

def _array_adjoint(fn):
    def wrapper(g, *args, **kwargs):
        if type(g) in (float, int):
            if g == 0:
                return 0.0
            for a in args:
                xp = _ns(a) if hasattr(a, "shape") else None
                if xp is not None and xp.__name__ != "numpy":
                    g = xp.asarray(g, dtype=_float_dtype(a))
                    break
        return fn(g, *args, **kwargs)
    functools.update_wrapper(wrapper, fn)
    return wrapper


def _wrap_adjoint_helpers(namespace):
    for name, fn in list(namespace.items()):
        if (inspect.isfunction(fn) and fn.__module__ == __name__ and not name.startswith("_")
                and name != "is_zero" and fn.__code__.co_argcount and fn.__code__.co_varnames[0] == "g"):
            namespace[name] = _array_adjoint(fn)


if __name__ == "srcad.rule_helpers":  # an exported copy runs on NumPy alone
    _wrap_adjoint_helpers(globals())


# -- reverse mode over the adjoints of products ------------------------------------------------
# An adjoint ``adj(g, a, b, which)`` of a bilinear product ``op(a, b)`` is
# linear in ``g`` and in the operand other than ``which``. Its transposes are
# the product itself and the other operand's adjoint, with the adjoint ``h``
# reaching the result in place of operand ``which``:
#   <h, adj_a(g, a, b)> = <g, op(h, b)>   (so d g = op(h, b), d b = adj_b(g, h, b)).

def _product(name, ops, rest):
    xp = _ns(next((op for op in ops if hasattr(op, "shape")), ops[0]))
    a, b = ops
    if name == "inner":
        return xp.inner(a, b)
    if name == "outer":
        return xp.outer(a, b)
    if name == "tensordot":
        return xp.tensordot(a, b, axes=rest[0])
    if name == "kron":
        return xp.kron(a, b)
    if name == "cross":
        axisa, axisb, axisc, axis = rest
        return xp.cross(a, b, axisa, axisb, axisc, axis)
    if name == "matvec":
        return xp.matmul(a, b[..., :, None])[..., 0]
    if name == "convolve":
        return xp.convolve(a, b, rest[0])
    return xp.correlate(a, b, rest[0])


_PRODUCT_ADJOINTS = {"inner": lambda: inner_adjoint, "outer": lambda: outer_adjoint,
                     "tensordot": lambda: tensordot_adjoint, "kron": lambda: kron_adjoint,
                     "cross": lambda: cross_adjoint, "matvec": lambda: matvec_adjoint,
                     "convolve": lambda: convolve_adjoint, "correlate": lambda: correlate_adjoint}


def product_adjoint_transpose(name, h, g, a, b, which, k=None, *rest):
    """Reverse mode over ``{name}_adjoint(g, a, b, which, *rest)``: the
    adjoint reaching ``g`` (``k=None``) or operand ``k`` from the adjoint
    ``h`` of its result."""
    if is_zero(h) or is_zero(g) or k == which:
        return 0.0
    ops = [a, b]
    ops[which] = _like(h, ops[which])
    if k is None:
        return unbroadcast(_product(name, ops, rest), g)
    adjoint = _PRODUCT_ADJOINTS[name]()
    if name == "tensordot":
        return adjoint(g, ops[0], ops[1], rest[0], k)
    return adjoint(g, ops[0], ops[1], k, *rest)


def einsum_adjoint_transpose(h, g, subscripts, operands, i):
    """Reverse mode over ``einsum_adjoint(g, subscripts, operands, i)``:
    the adjoint reaching ``g``."""
    if is_zero(h) or is_zero(g) or i < 0:
        return 0.0
    ops = [op for op in operands if op is not None]
    ops[i] = _like(h, ops[i])
    return unbroadcast(_ns(g).einsum(subscripts, *ops), g)


def einsum_adjoint_operands(h, g, subscripts, operands, i):
    """Reverse mode over ``einsum_adjoint(g, subscripts, operands, i)``:
    the adjoints reaching the operands (one per entry of ``operands``)."""
    if is_zero(h) or is_zero(g) or i < 0:
        return 0.0
    ops = [op for op in operands if op is not None]
    ops[i] = _like(h, ops[i])
    out = AdjList()
    j = 0
    for op in operands:
        if op is None or j == i:
            out.append(0.0)
        else:
            out.append(einsum_adjoint(g, subscripts, ops, j))
        j += op is not None
    return out


# -- reverse mode over more adjoints and partials (reverse over reverse) -----------------------

def diag_adjoint_transpose(h, g, k=0):
    """Transpose of :func:`diag_adjoint`: ``diag(h, k)`` (a diagonal taken
    back out of, or put back into, a matrix)."""
    if is_zero(h) or is_zero(g):
        return 0.0
    return unbroadcast(_ns(g).diag(h, k), g)


def inv_adjoint_transpose(h, g, ainv, which):
    """Reverse mode over ``inv_adjoint(g, ainv) = -M^T g M^T`` (``M = ainv``):
    the adjoint reaching ``g`` (``which="g"``) or ``ainv``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(ainv)
    h = _like(h, ainv)
    if which == "g":
        return unbroadcast(-xp.matmul(xp.matmul(ainv, h), ainv), g)
    mt = mT(ainv)
    return -(xp.matmul(xp.matmul(g, mt), mT(h)) + xp.matmul(xp.matmul(mT(h), mt), g))


def det_adjoint_transpose(h, g, a, d, which):
    """Reverse mode over ``det_adjoint(g, a, d) = g * C`` with ``C`` the
    cofactors of ``a`` (``d`` is ``det(a)``, a function of ``a``: all of
    ``C``'s derivative goes to ``a``)."""
    if is_zero(h) or is_zero(g) or which == "d":
        return 0.0
    xp = _ns(a)
    c = cofactors(a, d)
    h = _like(h, a)
    if which == "g":
        return unbroadcast(xp.sum(h * c, axis=(-2, -1)), g)
    mt = mT(xp.linalg.inv(a))
    s = xp.asarray(g)[..., None, None]
    return s * (xp.sum(h * c, axis=(-2, -1))[..., None, None] * mt - xp.matmul(xp.matmul(c, mT(h)), mt))


def norm_partials_result_adjoint(h, x, ord=None, axis=None, keepdims=False, result=None):
    """Reverse mode over :func:`norm_partials` for the norm ``result`` it is
    given: the tangent part from ``result`` scales a fixed array (shaped
    like ``x``), summed over the reduced axes."""
    if is_zero(h):
        return 0.0
    xp = _ns(x)
    c = norm_partials_tangent_r(xp.ones_like(xp.asarray(result)), x, ord, axis, keepdims, result)
    if is_zero(c):
        return 0.0
    prod = h * c
    if axis is None or not _shape(result):
        return unbroadcast(xp.sum(prod), result)
    return unbroadcast(xp.sum(prod, axis=axis, keepdims=keepdims), result)


def solve_b_adjoint_transpose(h, g, a, r, which):
    """Reverse mode over ``solve_b_adjoint(g, a) = r = solve(a^T, g)``: the
    adjoint reaching ``g`` (``solve(a, h)``) or ``a`` (``-r solve(a, h)^T``)."""
    if is_zero(h) or is_zero(g):
        return 0.0
    u = _solve(a, _like(h, r))
    if which == "g":
        return unbroadcast(u, g)
    return unbroadcast(-_outer_last(r, u, a), a)


def solve_a_adjoint_transpose(h, g, a, x, which):
    """Reverse mode over ``solve_a_adjoint(g, a, x) = -gb x^T`` with
    ``gb = solve(a^T, g)``: the adjoint reaching ``g``, ``a`` or ``x``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    h = _like(h, a)
    gb = _solve(mT(a), g)
    if which == "x":
        return unbroadcast(-_matvec(mT(h), gb, x), x)
    w = _solve(a, _matvec(h, x, x))     # solve(a, h x)
    if which == "g":
        return unbroadcast(-w, g)
    return unbroadcast(_outer_last(gb, w, a), a)


def quantile_vjp_transpose(h, g, a, q, axis=None, method="linear"):
    """Transpose of :func:`quantile_vjp` in ``g`` (the sort order is fixed
    almost everywhere): the quantile's tangent map applied to ``h``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(a)
    like = xp.zeros(_shape(g), dtype=_float_dtype(a, g)) if _shape(g) else xp.zeros((), dtype=_float_dtype(a))
    return unbroadcast(quantile_jvp(_like(h, a), a, q, like, axis, method), g)


def join_adjoint_transpose(h, g, arrays, kind):
    """Transpose of :func:`join_adjoint`: the pieces' adjoints ``h`` joined
    again by ``hstack``/``vstack``/``dstack``/``column_stack`` (``kind``)."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    pieces = []
    for k, x in enumerate(arrays):
        hk = h[k] if k < len(h) else 0.0
        pieces.append(_dense_piece(hk, _operand_shape(x), g))
    return xp.reshape(getattr(xp, kind)(pieces), _shape(g))


def resize_adjoint_transpose(h, g, a, new_shape):
    """Transpose of :func:`resize_adjoint`: ``resize`` of ``h``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    return unbroadcast(xp.resize(_dense_piece(h, _shape(a), g), new_shape), g)


def polyval_slope_p_adjoint(h, p, x):
    """Transpose of ``tp -> polyval_slope(tp, x)`` (the derivative of
    ``polyval`` in ``x`` is linear in the coefficients): ``(n-1-k)`` times
    the adjoint of the derivative's coefficient ``k``."""
    if is_zero(h):
        return 0.0
    n = _shape(p)[0] if hasattr(p, "shape") else len(p)
    if n <= 1:
        return 0.0
    xp = _ns(h)
    dq = polyval_p_adjoint(h, xp.zeros(n - 1), x)
    scale = xp.asarray([float(n - 1 - k) for k in range(n - 1)] + [0.0])
    return xp.concatenate([dq, xp.zeros(1, dtype=dq.dtype)]) * scale


def polyval_p_adjoint_transpose(h, g, p, x, which):
    """Reverse mode over ``polyval_p_adjoint(g, p, x)`` (the powers of ``x``
    weighted by ``g``, summed): ``polyval(h, x)`` for ``g``, ``g`` times the
    derivative of that polynomial for ``x``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(h)
    hp = _like(h, p) if hasattr(p, "shape") else xp.asarray(h)
    if which == "g":
        return xp.polyval(hp, x)
    return g * polyval_slope(hp, x)


def _dense_like(h, like):
    xp = _ns(like)
    if is_zero(h):
        return xp.zeros(_shape(like), dtype=_float_dtype(like))
    return xp.broadcast_to(h, _shape(like)) if _shape(h) != _shape(like) else h


def gather_adjoint_transpose(kind, h, g, a, *args):
    """Transpose of the adjoint of a linear rearrangement of ``a``
    (``take``, ``take_along_axis``, ``item``, ``diagonal``, ``repeat``,
    ``tile``, ``pad``): the rearrangement itself applied to ``h`` (shaped
    like ``a``), fitted to ``g``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(a) if hasattr(a, "shape") else _ns(g)
    H = _dense_like(h, a)
    if kind == "take":
        indices, axis, mode = args
        out = xp.take(H, indices, axis=axis, mode=mode)
    elif kind == "take_along_axis":
        indices, axis = args
        out = xp.take_along_axis(H, indices, axis)
    elif kind == "item":
        out = H.item(*args[0])
    elif kind == "diagonal":
        offset, axis1, axis2 = args
        out = xp.diagonal(H, offset, axis1, axis2)
    elif kind == "repeat":
        repeats, axis = args
        out = xp.repeat(H, repeats, axis)
    elif kind == "tile":
        out = xp.tile(H, args[0])
    elif kind == "delete":
        obj, axis = args
        out = xp.delete(H, obj, axis)
    elif kind == "compress":
        condition, axis = args
        out = xp.compress(condition, H, axis)
    elif kind == "extract":
        out = xp.extract(args[0], H)
    elif kind == "sliding_window":
        window_shape, axis = args
        out = xp.lib.stride_tricks.sliding_window_view(H, window_shape, axis) * 1
    else:   # pad
        out = pad_tangent(H, a, *args)
    return unbroadcast(out, g)


def joined_adjoint_transpose(kind, h, g, which, arr, other, *args):
    """Transpose of ``append_adjoint`` / ``insert_adjoint`` in ``g``: the
    join's tangent map from the piece ``which`` applied to ``h``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    piece = arr if which == 0 else other
    H = _like(h, piece) if hasattr(piece, "shape") else h
    if kind == "append":
        return unbroadcast(append_tangent(H, which, arr, other, *args), g)
    obj, axis = args
    return unbroadcast(insert_tangent(H, which, arr, obj, other, axis), g)


def block_adjoint_transpose(h, g, arrays):
    """Transpose of :func:`block_adjoint`: ``block`` of the pieces' adjoints."""
    if is_zero(h) or is_zero(g):
        return 0.0
    return unbroadcast(block_tangent(h, arrays), g)


def diff_vjp_transpose(h, g, which, a, n=1, axis=-1, prepend=None, append=None):
    """Transpose of :func:`diff_vjp`: ``diff``'s tangent map from the piece
    ``which`` (``a``, ``prepend`` or ``append``) applied to ``h``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    piece = (a, prepend, append)[which]
    H = _like(h, piece) if hasattr(piece, "shape") else h
    return unbroadcast(diff_jvp(H, which, a, n, axis, prepend, append), g)


def slogdet_adjoint_transpose(h, g, a, which):
    """Reverse mode over ``slogdet_adjoint(g, a) = g[1] inv(a)^T``: the
    adjoint reaching ``g`` (for its log-determinant entry) or ``a``."""
    gl = item(g, 1) if not is_zero(g) else 0.0
    if is_zero(h) or is_zero(gl):
        return 0.0
    xp = _ns(a)
    mt = mT(xp.linalg.inv(a))
    h = _like(h, a)
    if which == "g":
        return AdjList([0.0, unbroadcast(xp.sum(h * mt, axis=(-2, -1)), gl)])
    return -xp.asarray(gl)[..., None, None] * xp.matmul(xp.matmul(mt, mT(h)), mt)


def fft_adjoint_transpose(h, g, a, kind, n=None, axis=-1, norm=None, s=None, axes=None):
    """Transpose of :func:`fft_adjoint` in ``g``: the transform itself applied
    to ``h`` (shaped like ``a``; its real part for a real ``a``, whose
    adjoint is real)."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    H = _dense_like(h, a)
    if not _is_complex(a) and _is_complex(H):
        H = xp.real(H)
    if kind in ("fft", "ifft", "rfft"):
        out = getattr(xp.fft, kind)(H, n, axis, norm)
    else:
        out = getattr(xp.fft, kind)(H, s, axes if axes is not None else
                                    ((-2, -1) if kind.endswith("2") else None), norm)
    return unbroadcast(out, g)


def irfft_adjoint_transpose(h, g, a, n=None, axis=-1, norm=None, s=None, axes=None, default_last=None):
    """Transpose of :func:`irfft_adjoint` (``default_last=None``) or
    :func:`irfftn_adjoint` in ``g``: ``irfft`` (``irfftn``) of ``h``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    H = _dense_like(h, a)
    if default_last is None:
        out = xp.fft.irfft(H, n, axis, norm)
    else:
        if axes is None and default_last:
            axes = tuple(range(-default_last, 0))
        out = xp.fft.irfftn(H, s, axes, norm)
    return unbroadcast(out, g)


def vdot_adjoint_transpose(h, g, other, like, conj_other, which):
    """Reverse mode over ``vdot_adjoint(g, other, like, conj_other) = g *
    v`` (``v`` is ``other``, conjugated when ``conj_other``): the adjoint
    reaching ``g`` or ``other``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(other)
    hv = xp.reshape(_like(h, like), _shape(other))
    if which == "g":
        v = xp.conj(other) if conj_other else other
        return unbroadcast(xp.sum(hv * v), g)
    out = hv * g
    return xp.conj(out) if conj_other else out


def select_adjoint_transpose(h, g, condlist, choicelist):
    """Transpose of :func:`select_adjoint`: ``select`` of the choices'
    adjoints (a zero for the default)."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(g)
    pieces = [0.0 if k >= len(h) or is_zero(h[k]) else h[k] for k in range(len(choicelist))]
    pieces = [xp.zeros(_shape(g), dtype=_float_dtype(g)) + p for p in pieces]
    return unbroadcast(xp.select(condlist, pieces), g)


def broadcast_arrays_adjoint_transpose(h, g, i):
    """Transpose of :func:`broadcast_arrays_adjoint`: ``h`` broadcast back
    as the adjoint of result ``i``."""
    gi = item(g, i) if not is_zero(g) else 0.0
    if is_zero(h) or is_zero(gi):
        return 0.0
    out = AdjList([0.0] * len(g))
    out[i] = _ns(gi).broadcast_to(h, _shape(gi)) * 1
    return out


def trapezoid_dx_partial_adjoint(h, y, x=None, axis=-1):
    """Adjoint of :func:`trapezoid_dx_partial` (``trapezoid(y)`` with unit
    spacing, linear in ``y``; zero when sample points are given)."""
    if is_zero(h) or x is not None:
        return 0.0
    return trapezoid_vjp_y(h, y, None, 1.0, axis)


def keep_transpose(v, result, axis=None, keepdims=False):
    """Transpose of :func:`keep` (the reduced axes kept, to broadcast): ``v``
    summed over them, shaped like ``result``."""
    if is_zero(v):
        return 0.0
    xp = _ns(v)
    if axis is None or not _shape(result):
        return unbroadcast(xp.sum(v), result)
    return unbroadcast(xp.sum(v, axis=axis, keepdims=keepdims), result)


def dense_entries(h, arrays):
    """The adjoints ``h`` of a list of arrays, lazy zeros made zeros like
    their arrays."""
    if is_zero(h):
        h = [0.0] * len(arrays)
    out = []
    for k, x in enumerate(arrays):
        v = h[k] if k < len(h) else 0.0
        out.append(_ns(x).zeros(_shape(x), dtype=_float_dtype(x)) if is_zero(v) else v)
    return out


def product_tangent_transpose(name, h, g, a, b, which, k, tk, target, *rest):
    """Reverse mode over ``{name}_adjoint_tangent(g, a, b, which, k, tk)``
    (the adjoint with operand ``k`` replaced by its tangent ``tk``; bilinear
    in ``g`` and ``tk``): the adjoint reaching ``g`` (``target="g"``) or
    ``tk`` (``"t"``)."""
    if k == which or is_zero(tk) or is_zero(g) or is_zero(h):
        return 0.0
    ops = [a, b]
    ops[k] = _like(tk, ops[k])
    return product_adjoint_transpose(name, h, g, ops[0], ops[1], which, None if target == "g" else k, *rest)


def cholesky_adjoint_transpose(h, g, L, upper, which):
    """Reverse mode over ``cholesky_adjoint(g, L) = J^T g`` (``J`` the
    tangent map of ``cholesky`` at ``a = L L^T``, in the triangle NumPy
    reads): ``J h`` for ``g``; for the factor ``L``, the ``L``-adjoint whose
    pullback through ``cholesky`` is ``W``, the Hessian of ``<g, cholesky(a)>``
    applied to ``h`` (self-adjoint): ``tril((W + W^T) L)``."""
    if is_zero(h) or is_zero(g):
        return 0.0
    xp = _ns(L)
    h = _like(h, L)
    if which == "g":
        return unbroadcast(cholesky_jvp(L, h, upper), g)
    w = cholesky_adjoint_tangent(g, L, cholesky_jvp(L, h, upper), upper)
    if is_zero(w):
        return 0.0
    if upper:
        lo, w = mT(L), mT(w)
        return mT(xp.tril(xp.matmul(w + mT(w), lo)))
    return xp.tril(xp.matmul(w + mT(w), L))


def average_second(which, h, g, a, weights, result=None, axis=None, keepdims=False, returned=False):
    """Reverse mode over the adjoints of ``average`` (``<g, average(a, w)>``
    is linear in ``a``; its second derivatives are symmetric): the adjoint
    reaching ``w`` from ``average_vjp_a`` (``which="a_w"``), or ``a`` / ``w``
    from ``average_vjp_w`` (``"w_a"`` / ``"w_w"``). The average moves with
    ``a`` and ``w``: its tangent is added where the adjoint reads it."""
    if is_zero(h) or is_zero(g) or weights is None:
        return 0.0
    if returned:
        _unsupported("reverse mode over the adjoint of numpy.average(returned=True)",
                     "use returned=False and sum the weights apart")
    xp = _ns(a)
    if result is None:
        result = xp.average(a, axis=axis, weights=weights, keepdims=keepdims)
    if which == "a_w":
        ha = _like(h, a)
        moved = average_jvp_a(ha, a, weights, axis, keepdims, returned)
        return average_vjp_w_tangent(g, a, weights, result, "a", ha, axis, keepdims) \
            + average_vjp_w_tangent(g, a, weights, result, "result", moved, axis, keepdims)
    hw = _like(h, weights)
    if which == "w_a":
        return average_vjp_a_tangent(g, a, weights, hw, axis, keepdims, returned)
    moved = average_jvp_w(hw, a, weights, result, axis, keepdims, returned)
    return average_vjp_w_tangent(g, a, weights, result, "weights", hw, axis, keepdims) \
        + average_vjp_w_tangent(g, a, weights, result, "result", moved, axis, keepdims)


def einsum_adjoint_tangent_transpose(h, g, subscripts, operands, i, t_operands, target):
    """Reverse mode over :func:`einsum_adjoint_tangent` (one
    ``einsum_adjoint`` per operand ``j != i`` with that operand replaced by
    its tangent; multilinear): the adjoint reaching ``g`` (``target="g"``),
    the tangents (``"t"``, one per operand) or the operands (``"ops"``)."""
    if is_zero(h) or is_zero(g) or is_zero(t_operands) or i < 0:
        return 0.0
    present = [k for k, op in enumerate(operands) if op is not None]
    ops = [operands[k] for k in present]
    tans = [t_operands[k] if k < len(t_operands) else 0.0 for k in present]
    total = 0.0 if target == "g" else [0.0] * len(operands)
    for j, tj in enumerate(tans):
        if j == i or is_zero(tj):
            continue
        swapped = list(ops)
        swapped[j] = _like(tj, ops[j])
        if target == "g":
            total = total + einsum_adjoint_transpose(h, g, subscripts, swapped, i)
            continue
        parts = einsum_adjoint_operands(h, g, subscripts, swapped, i)
        for m, k in enumerate(present):
            if is_zero(parts[k]) or (target == "t") != (m == j):
                continue
            total[k] = total[k] + parts[k]
    return total if target == "g" else AdjList(total)


def einsum_jvp_transpose(h, subscripts, operands, i, t, target, optimize=False):
    """Reverse mode over :func:`einsum_jvp` (multilinear in the tangent
    ``t`` of operand ``i`` and the other operands): the adjoint reaching
    ``t`` (``target="t"``) or the operands (``"ops"``, one per entry)."""
    if is_zero(h) or is_zero(t) or i < 0:
        return 0.0
    present = [k for k, op in enumerate(operands) if op is not None]
    ops = [operands[k] for k in present]
    ops[i] = _like(t, ops[i])
    if target == "t":
        return unbroadcast(einsum_adjoint(h, subscripts, ops, i), t)
    out = AdjList([0.0] * len(operands))
    for m, k in enumerate(present):
        if m != i:
            out[k] = einsum_adjoint(h, subscripts, ops, m)
    return out


def einsum_jvp_operands_tangent(subscripts, operands, i, t, t_operands, optimize=False):
    """Part of the tangent of :func:`einsum_jvp` from the other operands'
    tangents."""
    if is_zero(t) or is_zero(t_operands) or i < 0:
        return 0.0
    present = [k for k, op in enumerate(operands) if op is not None]
    ops = [operands[k] for k in present]
    out = 0.0
    for m, k in enumerate(present):
        tm = t_operands[k] if k < len(t_operands) else 0.0
        if m == i or is_zero(tm):
            continue
        swapped = list(ops)
        swapped[m] = _like(tm, ops[m])
        out = out + einsum_jvp(subscripts, swapped, i, t, optimize)
    return out
