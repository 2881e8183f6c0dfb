"""``check_grads``: derivatives against central finite differences."""

from __future__ import annotations

import copy
import dataclasses
import itertools

import numpy as np

from . import api
from .runtime import _dataclass_fields


def _leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x, key=repr) for v in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _leaves(e)]
    if _dataclass_fields(x) is not None:
        return [v for k in _dataclass_fields(x) for v in _leaves(getattr(x, k))]
    return [x]


def _rebuild(x, leaves):
    """``x`` with its leaves replaced from the iterator ``leaves``."""
    if isinstance(x, dict):
        out = dict(x)
        for k in sorted(x, key=repr):
            out[k] = _rebuild(x[k], leaves)
        return out
    if isinstance(x, (list, tuple)):
        items = [_rebuild(e, leaves) for e in x]
        return type(x)(items) if not hasattr(x, "_fields") else type(x)(*items)
    if _dataclass_fields(x) is not None:
        return dataclasses.replace(x, **{k: _rebuild(getattr(x, k), leaves) for k in _dataclass_fields(x)})
    return next(leaves)


def _leaf_paths(x, path=""):
    """The expression reaching each leaf of ``x`` from ``x`` (``[0]``,
    ``['k']``, ``.field``), in :func:`_leaves`' order."""
    if isinstance(x, dict):
        return [p for k in sorted(x, key=repr) for p in _leaf_paths(x[k], f"{path}[{k!r}]")]
    if isinstance(x, (list, tuple)):
        return [p for i, e in enumerate(x) for p in _leaf_paths(e, f"{path}[{i}]")]
    if _dataclass_fields(x) is not None:
        return [p for k in _dataclass_fields(x) for p in _leaf_paths(getattr(x, k), f"{path}.{k}")]
    return [path]


def _dot_cotangent(f, n, out, ct):
    """``def f_dot_cotangent(a0, ..., a{n-1})``: the sum of ``f``'s float
    outputs times the cotangent ``ct`` (shaped like ``out``), as real source
    srcad can differentiate twice. Its gradient is the vector-Jacobian
    product with ``ct``; its second derivatives are those of every output,
    weighted by ``ct``."""
    params = ", ".join(f"a{k}" for k in range(n))
    terms = [f"__np__.sum(out{p} * __ct__{p})" for p, leaf in zip(_leaf_paths(out), _leaves(out))
             if _is_float(leaf)]
    text = (f"def f_dot_cotangent({params}):\n    out = __fn__({params})\n"
            f"    return {' + '.join(terms) or '0.0'}\n")
    from .codegen import function_from_source
    return function_from_source("f_dot_cotangent", text, {"__fn__": f, "__ct__": ct, "__np__": np},
                                f"<srcad check_grads of {getattr(f, '__name__', 'f')} #{next(_COUNTER)}>")


_COUNTER = itertools.count()


def _is_float(x):
    if isinstance(x, bool):
        return False
    if isinstance(x, float):
        return True
    return getattr(getattr(x, "dtype", None), "kind", None) == "f"


def _flatten(x):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in _leaves(x)]) \
        if _leaves(x) else np.zeros(0)


def _flatten_tangent(t, out):
    """:func:`_flatten` of a tangent whose integer outputs have ``None``
    tangents (zeros of their size here, as finite differences give)."""
    t_leaves, o_leaves = _leaves(t), _leaves(out)
    if len(t_leaves) != len(o_leaves):
        return _flatten(t)
    return np.concatenate([np.zeros(int(np.size(o))) if v is None else np.ravel(np.asarray(v, dtype=float))
                           for v, o in zip(t_leaves, o_leaves)]) if t_leaves else np.zeros(0)


def _unflatten(x, vec):
    pieces = []
    i = 0
    for leaf in _leaves(x):
        n = int(np.size(leaf))
        chunk = vec[i:i + n]
        i += n
        if isinstance(leaf, float) or np.ndim(leaf) == 0 and not hasattr(leaf, "shape"):
            pieces.append(float(chunk[0]))
        else:
            pieces.append(np.reshape(chunk, np.shape(leaf)).astype(np.asarray(leaf).dtype))
    return _rebuild(x, iter(pieces))


def _fresh(f):
    """``f`` called on deep copies of its arguments: a function that updates
    an argument in place must neither change the caller's values nor see
    the changes an earlier call made (every evaluation starts afresh)."""
    def call(*args):
        return f(*copy.deepcopy(args))
    return call


def _numeric_jvp(f, args, i, direction, eps):
    plus = list(args)
    minus = list(args)
    base = _flatten(args[i])
    plus[i] = _unflatten(args[i], base + eps * direction)
    minus[i] = _unflatten(args[i], base - eps * direction)
    return (_flatten(f(*plus)) - _flatten(f(*minus))) / (2 * eps)


def _is_numeric(x):
    return isinstance(x, (bool, int, float, complex)) or hasattr(x, "dtype")


def _in_float64(x):
    """``x`` with its float32 (and float16) leaves as float64: finite
    differences with a step of 1e-6 need the precision."""
    pieces = [np.asarray(v, dtype=np.float64) if _is_float(v) and hasattr(v, "dtype")
              and np.asarray(v).dtype.itemsize < 8 else v for v in _leaves(x)]
    return _rebuild(x, iter(pieces))


def _has_single_precision(args):
    return any(_is_float(v) and hasattr(v, "dtype") and np.asarray(v).dtype.itemsize < 8
               for a in args for v in _leaves(a))


def check(f, args, order=1, modes=("forward", "reverse"), eps=1e-6, rtol=1e-5, atol=1e-6):
    unknown = [m for m in modes if m not in ("forward", "reverse")]
    if unknown or not modes:
        raise ValueError(f"check_grads modes are 'forward' and 'reverse', got {tuple(modes)!r}")
    # f and its derivatives run on copies: the caller's arguments stay as they are
    call = _fresh(f)
    rng = np.random.default_rng(0)
    positions = [i for i, a in enumerate(args) if all(_is_float(v) for v in _leaves(a)) and _leaves(a)]
    if _has_single_precision(args):
        # the derivatives are computed in single precision, the finite
        # differences in double
        rtol, atol = max(rtol, 2e-3), max(atol, 1e-4)
    args64 = [_in_float64(a) for a in args]
    worst = (0.0, None)
    for i in positions:
        x = args[i]
        direction = rng.standard_normal(_flatten(x).size)
        numeric = _numeric_jvp(call, args64, i, direction, eps)
        if "forward" in modes:
            tangents = [_unflatten(x, direction) if j == i else
                        _unflatten(a, np.zeros(_flatten(a).size))
                        if all(_is_numeric(v) for v in _leaves(a)) else 0.0
                        for j, a in enumerate(args)]
            out, t = api.jvp(f, copy.deepcopy(args), tangents)
            err = _err(_flatten_tangent(t, out), numeric, rtol, atol)
            worst = max(worst, (err, f"forward mode, argument {i}"), key=lambda w: w[0])
        if "reverse" in modes:
            out = call(*args)
            ct_vec = rng.standard_normal(_flatten(out).size)
            ct = _unflatten(out, ct_vec) if not isinstance(out, float) else float(ct_vec[0])
            _, pullback = api.vjp(f, *copy.deepcopy(args))
            g = pullback(ct)[i]
            lhs = float(np.dot(_flatten(g), direction))
            rhs = float(np.dot(ct_vec, numeric))
            err = abs(lhs - rhs) / (atol + rtol * max(abs(lhs), abs(rhs)))
            if not np.isfinite(err):
                err = float("inf")
            worst = max(worst, (err, f"reverse mode, argument {i}: {lhs} vs {rhs}"), key=lambda w: w[0])
    if worst[0] > 1.0:
        raise AssertionError(f"derivative disagrees with finite differences ({worst[1]}): "
                             f"error {worst[0]:.3g} times the tolerance")
    if order >= 2 and positions:
        # the derivatives of the gradient; for an output that is not one
        # number (an array, a tuple...), of the gradient of its product with
        # a random cotangent
        out = call(*args)
        leaves = _leaves(out)
        scalar = len(leaves) == 1 and leaves[0] is out and np.ndim(out) == 0
        if not scalar:
            ct = _unflatten(out, rng.standard_normal(_flatten(out).size))
            f = _dot_cotangent(f, len(args), out, ct)
        for i in positions:
            check(api.grad(f, wrt=i), args, order=order - 1, modes=("forward",), eps=eps,
                  rtol=max(rtol, 1e-4), atol=max(atol, 1e-5))


def _err(a, b, rtol, atol):
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    err = float(np.max(np.abs(a - b) / (atol + rtol * np.maximum(np.abs(a), np.abs(b)))))
    # (a NaN or an infinity disagrees with everything, a number included)
    return err if np.isfinite(err) else float("inf")
