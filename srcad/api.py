"""The public API (see the project's API contract): ``grad``,
``value_and_grad``, ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``derivative``, ``source``, ``stop_gradient``, ``check_grads``.

Every derivative is generated once per function, mode and ``wrt`` and cached;
the functions returned here check the arguments, call the generated code and
give gradients the structure, shape and dtype of the arguments they belong to.
"""

from __future__ import annotations

import functools
import inspect
import numbers

from . import runtime
from .errors import CotangentError, SrcadError, WrtError
from .runtime import match, stop_gradient  # noqa: F401  (re-exported)
from .transform import derive

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "derivative",
           "source", "stop_gradient", "check_grads"]


# ---------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------

def _target(f):
    """The function srcad transforms for ``f`` (generated code for srcad's own
    wrappers, so that derivatives compose)."""
    return getattr(f, "__srcad_function__", f)


def _params(f):
    sig = inspect.signature(_target(f))
    return [p for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _resolve_wrt(f, wrt):
    """Parameter names for ``wrt`` (int, str or a tuple of those)."""
    params = _params(f)
    names = [p.name for p in params]
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise WrtError(f"wrt must be an int, a str or a tuple of those, got {w!r}",
                           construct="wrt", hint="name a parameter by position or by name")
        if isinstance(w, int):
            if not -len(names) <= w < len(names):
                raise WrtError(
                    f"wrt={w} is out of range: {getattr(f, '__name__', 'f')} has {len(names)} parameters "
                    f"({', '.join(names)})", construct="wrt",
                    hint="count parameters from 0")
            out.append(names[w])
        else:
            if w not in names:
                raise WrtError(
                    f"{getattr(f, '__name__', 'f')} has no parameter {w!r} (it has {', '.join(names)})",
                    construct="wrt", hint="use one of the parameter names")
            out.append(w)
    return tuple(out), not isinstance(wrt, (tuple, list))


def _bind(f, args, kwargs):
    sig = inspect.signature(_target(f))
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _check_differentiable(name, value):
    """Integer and boolean arguments cannot be differentiated."""
    if _is_integer(value):
        raise WrtError(
            f"cannot differentiate with respect to {name!r}: it holds an integer or boolean value "
            f"({type(value).__name__}{'' if not hasattr(value, 'dtype') else ' of dtype ' + str(value.dtype)})",
            construct="wrt",
            hint=f"pass {name} as a float (e.g. float({name}) or x.astype(float)), or differentiate "
                 f"with respect to another argument")


def _is_integer(value):
    if isinstance(value, bool):
        return True
    if isinstance(value, numbers.Integral) and not hasattr(value, "dtype"):
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind in ("i", "u", "b")


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------

class _Derivative:
    """A callable made by srcad: calls generated code, post-processes."""

    def __init__(self, f, derived, call, kind):
        self.__wrapped_f__ = f
        self._derived = derived
        self._call = call
        self.kind = kind
        self.__srcad_function__ = derived.functions[0]
        self.__srcad_source__ = derived.source
        functools.update_wrapper(self, f, updated=())
        self.__name__ = derived.name
        self.__qualname__ = derived.name

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __repr__(self):
        return f"<srcad {self.kind} {self.__name__}>"

    @property
    def __signature__(self):
        return inspect.signature(self.__wrapped_f__)


def _gradient_function(f, wrt, with_value):
    if f is None:
        return lambda g: _gradient_function(g, wrt, with_value)
    names, single = _resolve_wrt(f, wrt)
    derived = derive(_target(f), "reverse", names, fused="value_and_grad" if with_value else "grad")
    gen = derived.functions[0]
    params = [p.name for p in _params(f)]
    positions = [params.index(n) for n in names]
    simple = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in _params(f))

    def call(*args, **kwargs):
        if simple and not kwargs and len(args) == len(params):
            values = args
            raw = gen(*args)
        else:
            bound = _bind(f, args, kwargs)
            values = [bound[p] for p in params]
            raw = gen(*values) if simple else gen(**bound)
        if with_value:
            value, raw = raw
        grads = raw if len(names) > 1 else (raw,)
        out = []
        for name, pos, g in zip(names, positions, grads):
            x = values[pos]
            if _is_integer(x):
                _check_differentiable(name, x)
            out.append(match(g, x))
        result = out[0] if single else tuple(out)
        return (value, result) if with_value else result

    return _Derivative(f, derived, call, "value_and_grad" if with_value else "grad")


def grad(f=None, wrt=0):
    """The gradient of ``f``'s scalar output with respect to ``wrt``.

    >>> import numpy as np
    >>> def f(x):
    ...     return np.sum(x ** 2)
    >>> grad(f)(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    return _gradient_function(f, wrt, with_value=False)


def value_and_grad(f=None, wrt=0):
    """Like :func:`grad`, returning ``(value, gradient)``.

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    return _gradient_function(f, wrt, with_value=True)


def derivative(f, mode="reverse", wrt=0):
    """The generated derivative function itself: for ``mode="reverse"`` the
    gradient function ``f_grad_x(*args, d_result=1.0)``, for ``"forward"``
    the JVP ``f_jvp(*args, x_dot=...)`` returning ``(value, tangent)``.

    >>> df = derivative(lambda x: x * x, mode="forward")
    >>> df(3.0, x_dot=1.0)
    (9.0, 6.0)
    """
    if mode not in ("reverse", "forward"):
        raise SrcadError(f"mode must be 'reverse' or 'forward', got {mode!r}", construct="mode")
    names, _ = _resolve_wrt(f, wrt)
    if mode == "forward":
        return derive(_target(f), "forward", names).functions[0]
    return derive(_target(f), "reverse", names, fused="grad").functions[0]


def source(df):
    """The generated Python source of a function made by srcad.

    >>> print(source(grad(lambda x: x * 3.0)))   # doctest: +ELLIPSIS
    def f_grad_x(x, d_result=1.0):
    ...
    """
    text = getattr(df, "__srcad_source__", None)
    if text is None:
        raise SrcadError(f"{df!r} was not made by srcad", construct="source",
                         hint="pass a function returned by srcad.grad, jvp, vjp, derivative...")
    return text


# ---------------------------------------------------------------------------
# vjp / jvp
# ---------------------------------------------------------------------------

def _to_adjoint(ct, out, path="output"):
    """Check a cotangent against the output and turn containers into the
    adjoint containers generated code adds up."""
    if isinstance(out, dict):
        if not isinstance(ct, dict) or set(ct) != set(out):
            raise CotangentError(f"the cotangent for {path} must be a dict with keys {sorted(out)}",
                                 construct="cotangent", hint="pass a cotangent shaped like the output")
        return runtime.AdjDict({k: _to_adjoint(ct[k], out[k], f"{path}[{k!r}]") for k in out})
    if isinstance(out, (list, tuple)):
        if not isinstance(ct, (list, tuple)) or len(ct) != len(out):
            raise CotangentError(
                f"the cotangent for {path} must be a {type(out).__name__} of length {len(out)}",
                construct="cotangent", hint="pass a cotangent shaped like the output")
        return runtime.AdjList(_to_adjoint(c, o, f"{path}[{i}]") for i, (c, o) in enumerate(zip(ct, out)))
    oshape = getattr(out, "shape", ())
    cshape = getattr(ct, "shape", ())
    if ct is None or isinstance(ct, (list, tuple, dict)) or (cshape != oshape and cshape != ()):
        raise CotangentError(
            f"the cotangent for {path} has shape {cshape if not isinstance(ct, (list, tuple, dict)) else type(ct).__name__}, "
            f"the output has shape {oshape}", construct="cotangent",
            hint="pass a cotangent with the output's shape")
    return runtime.copy(ct)   # generated code may accumulate into it in place


def vjp(f, *primals):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` returns one cotangent per
    primal (``None`` for integer primals).

    >>> out, pullback = vjp(lambda x, y: x * y, 2.0, 3.0)
    >>> out, pullback(1.0)
    (6.0, (3.0, 2.0))
    """
    params = [p.name for p in _params(f)][: len(primals)]
    derived = derive(_target(f), "reverse", tuple(params))
    fwd, bwd = derived.functions
    out, saved = fwd(*primals)

    def vjp_fn(cotangent):
        grads = bwd(saved, _to_adjoint(cotangent, out))
        return tuple(match(g, x) for g, x in zip(grads, primals))

    vjp_fn.__srcad_source__ = derived.source
    return out, vjp_fn


def jvp(f, primals, tangents):
    """``(out, out_tangent)`` of ``f`` at ``primals`` along ``tangents``.

    >>> jvp(lambda x: x ** 3, (2.0,), (1.0,))
    (8.0, 12.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise SrcadError("primals and tangents must have the same length", construct="jvp")
    params = [p.name for p in _params(f)][: len(primals)]
    derived = derive(_target(f), "forward", tuple(params))
    fn = derived.functions[0]
    names = derived.tangent_names
    kwargs = {names[p]: t for p, t in zip(params, tangents)}
    out, tangent = fn(*primals, **kwargs)
    return out, match_tangent(tangent, out)


def match_tangent(t, out):
    """A tangent with the structure, shape and dtype of the output."""
    if isinstance(out, (dict, list, tuple)) or hasattr(out, "shape"):
        m = match(t, out)
        return m if m is not None else t
    if isinstance(out, float) and hasattr(t, "shape") and t.shape == ():
        return float(t)
    return t


# ---------------------------------------------------------------------------
# jacobian / hessian
# ---------------------------------------------------------------------------

def _xp(x):
    return runtime.namespace_of(x)


def jacobian(f, wrt=0, mode="reverse"):
    """The Jacobian of ``f`` with respect to one argument, shaped
    ``out.shape + x.shape``.

    >>> import numpy as np
    >>> jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("reverse", "forward"):
        raise SrcadError(f"mode must be 'reverse' or 'forward', got {mode!r}", construct="mode")
    names, single = _resolve_wrt(f, wrt)
    if not single:
        raise SrcadError("jacobian takes one wrt argument", construct="wrt")
    params = [p.name for p in _params(f)]
    pos = params.index(names[0])

    def jac(*args, **kwargs):
        bound = _bind(f, args, kwargs)
        values = [bound[p] for p in params]
        x = values[pos]
        _check_differentiable(names[0], x)
        xp = _xp(x)
        xarr = xp.asarray(x)
        if mode == "forward":
            derived = derive(_target(f), "forward", names)
            fn = derived.functions[0]
            tname = derived.tangent_names[names[0]]
            cols = []
            n = int(xarr.size)
            out = None
            for i in range(n):
                e = xp.zeros(n, dtype=xarr.dtype)
                e[i] = 1
                e = xp.reshape(e, xarr.shape) if xarr.shape else e[0]
                out, t = fn(*values, **{tname: e})
                cols.append(xp.reshape(xp.asarray(match_tangent(t, out)), (-1,)))
            oshape = tuple(xp.asarray(out).shape)
            mat = xp.stack(cols, axis=-1) if cols else xp.zeros((0,))
            return xp.reshape(mat, oshape + tuple(xarr.shape))
        derived = derive(_target(f), "reverse", names)
        fwd, bwd = derived.functions
        out, saved = fwd(*values)
        oarr = xp.asarray(out)
        rows = []
        m = int(oarr.size)
        for i in range(m):
            e = xp.zeros(m, dtype=oarr.dtype if oarr.dtype.kind == "f" else xarr.dtype)
            e[i] = 1
            e = xp.reshape(e, oarr.shape) if oarr.shape else e[0]
            (g,) = bwd(saved, e)
            rows.append(xp.reshape(xp.asarray(match(g, x)), (-1,)))
        mat = xp.stack(rows, axis=0)
        return xp.reshape(mat, tuple(oarr.shape) + tuple(xarr.shape))

    jac.__srcad_source__ = None
    functools.update_wrapper(jac, f, updated=())
    return jac


def hessian(f, wrt=0):
    """The Hessian of a scalar ``f`` (forward over reverse).

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    names, single = _resolve_wrt(f, wrt)
    g = grad(f, wrt=names[0])
    return jacobian(g, wrt=names[0], mode="forward")


# ---------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------

def _flat_leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x, key=repr) for v in _flat_leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _flat_leaves(e)]
    return [x]


def check_grads(f, args, order=1, modes=("forward", "reverse"), eps=1e-6, rtol=1e-5, atol=1e-6):
    """Compare ``f``'s derivatives with central finite differences.

    Raises :class:`AssertionError` naming the worst mismatch. ``order=2``
    also checks the derivatives of the gradient.

    >>> import numpy as np
    >>> check_grads(lambda x: np.sum(np.sin(x)), (np.array([0.5, 1.0]),))
    """
    from .checking import check
    check(f, tuple(args), order=order, modes=tuple(modes), eps=eps, rtol=rtol, atol=atol)
