"""Hand-written derivatives for user functions: ``custom_vjp`` and
``custom_jvp``.

A function decorated with one of them is called as usual; inside a function
srcad differentiates, its own source is not transformed: the derivative the
user attached is called instead.

>>> import numpy as np, srcad
>>> @srcad.custom_vjp
... def relu(x):
...     return np.maximum(x, 0.0)
>>> def relu_fwd(x):
...     y = relu(x)
...     return y, y > 0          # output and what the backward pass needs
>>> def relu_bwd(mask, g):
...     return (g * mask,)       # one cotangent per argument
>>> _ = relu.defvjp(relu_fwd, relu_bwd)
>>> srcad.grad(lambda x: np.sum(relu(x) * 3.0))(np.array([-1.0, 2.0]))
array([0., 3.])
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["custom_vjp", "custom_jvp"]


class _Custom:
    """Common part of :class:`custom_vjp` and :class:`custom_jvp`."""

    kind = "custom"

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vjp_fwd = None
        self.vjp_bwd = None
        self.jvp = None
        self.__srcad_custom__ = self
        self.params = [p.name for p in inspect.signature(fun).parameters.values()]

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    # -- what generated code calls ---------------------------------------------
    def forward_call(self, args, tangents):
        """``(out, out_tangent)`` for a call in forward mode; ``tangents``
        holds ``None`` for arguments that do not vary."""
        from .runtime import zeros_like
        if self.jvp is None:
            if self.vjp_bwd is not None:
                return self._transposed_vjp(args, tangents)
            raise _missing(self, "custom_jvp", "forward mode (jvp, hessian, jacobian with "
                           "mode='forward')", "defjvp")
        tangents = tuple(zeros_like(a) if t is None else t for a, t in zip(args, tangents))
        return self.jvp(tuple(args), tangents)

    def _transposed_vjp(self, args, tangents):
        """``(out, out_tangent)`` from a hand-written vjp alone: its backward
        function is linear in the cotangent ``g``, so the vjp of ``g ->
        bwd(residuals, g)`` with the tangents as cotangent (srcad's reverse
        mode of the backward function, at ``g = 0``) is the derivative
        applied to the tangents."""
        from .runtime import zeros_like
        from .transform import derive
        out, residuals = self.vjp_fwd(*args)
        if all(t is None for t in tangents):
            return out, zeros_like(out)
        fwd, bwd = derive(_cotangent_part, "reverse", ("g",)).functions
        _, saved = fwd(self.vjp_bwd, residuals, zeros_like(out))
        ct = tuple(0.0 if t is None else t for t in tangents)
        (t_out,) = bwd(saved, ct)
        return out, t_out

    def _positional(self, args, kwargs):
        """The arguments of a call in parameter order (a call may name them)."""
        if not kwargs:
            return args
        bound = inspect.signature(self.fun).bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments[p] for p in self.params)

    def reverse_fwd(self, *args, **kwargs):
        """``(out, residuals)`` for the forward sweep of reverse mode."""
        args = self._positional(args, kwargs)
        if self.vjp_fwd is None:
            if self.jvp is not None:
                return self.fun(*args), args   # reverse mode from the jvp (see reverse_bwd)
            raise _missing(self, "custom_vjp", "reverse mode (grad, vjp, jacobian)", "defvjp")
        return self.vjp_fwd(*args)

    def reverse_bwd(self, residuals, g):
        """One cotangent per argument (``None`` means zero)."""
        if self.vjp_fwd is None:
            return self._transposed_jvp(residuals, g)
        grads = self.vjp_bwd(residuals, g)
        if not isinstance(grads, tuple):
            from .errors import SrcadError
            where = _where(self.vjp_bwd)
            raise SrcadError(f"the backward function of {self.__name__} must return a tuple with one "
                             f"cotangent per argument, got {type(grads).__name__}", where,
                             construct="custom_vjp",
                             hint="return (g_x,) for one argument, (g_x, g_y) for two; None for zero")
        return tuple(0.0 if v is None else v for v in grads)


    def differentiable_part(self, name):
        """What srcad transforms for a call of ``reverse_fwd`` or
        ``reverse_bwd`` (``name``) in generated code differentiated again (a
        second derivative through a hand-written vjp): the user's forward
        function, and a caller of the backward one that turns ``None``
        cotangents into zeros; ``None`` where there is no such code (the
        vjp is derived from a jvp)."""
        if self.vjp_fwd is None:
            return self._from_jvp(name) if inspect.isfunction(self.jvp) else None
        if not (inspect.isfunction(self.vjp_fwd) and inspect.isfunction(self.vjp_bwd)):
            return None
        if name == "reverse_fwd":
            return self.vjp_fwd
        if name != "reverse_bwd":
            return None
        made = self.__dict__.get("_bwd_caller")
        if made is None:
            from .codegen import function_from_source

            from . import runtime
            fname = "".join(c if c.isalnum() else "_" for c in self.__name__) + "_backward"
            text = f"def {fname}(residuals, g):\n    return __ad__.nones_as_zeros(__bwd__(residuals, g))\n"
            made = self.__dict__["_bwd_caller"] = function_from_source(
                fname, text, {"__bwd__": self.vjp_bwd, "__ad__": runtime},
                f"<srcad backward of {fname} #{id(self)}>")
        return made

    def _from_jvp(self, name):
        """The code srcad differentiates for ``reverse_fwd`` / ``reverse_bwd``
        of a function with a hand-written jvp alone: the call itself with
        its arguments as residuals, and the gradient in the tangents of
        ``<g, jvp(primals, tangents)[1]>`` (the transposed jvp), made with
        srcad.grad inside code srcad can differentiate again."""
        key = "_jvp_" + name
        made = self.__dict__.get(key)
        if made is not None:
            return made
        from .codegen import function_from_source

        from . import api, runtime
        base = "".join(c if c.isalnum() else "_" for c in self.__name__)
        params = ", ".join(self.params)
        if name == "reverse_fwd":
            fname = f"{base}_forward"
            text = f"def {fname}({params}):\n    return __custom__({params}), ({params}{',' if len(self.params) == 1 else ''})\n"
            namespace = {"__custom__": self}
        elif name == "reverse_bwd":
            pairing = self._jvp_pairing(base)
            fname = f"{base}_backward"
            text = (f"def {fname}(residuals, g):\n"
                    f"    zeros = __ad__.zeros_like(residuals)\n"
                    f"    return __ad__.nones_as_zeros(__grad__(__pairing__, wrt=1)(residuals, zeros, g))\n")
            namespace = {"__grad__": api.grad, "__pairing__": pairing, "__ad__": runtime}
        else:
            return None
        made = self.__dict__[key] = function_from_source(fname, text, namespace, f"<srcad {fname} #{id(self)}>")
        return made

    def _jvp_pairing(self, base):
        from .codegen import function_from_source
        fname = f"{base}_jvp_pairing"
        text = (f"def {fname}(primals, tangents, g):\n"
                f"    out, t = __jvp__(primals, tangents)\n"
                f"    return __ad__.pair(g, t)\n")
        from . import runtime
        return function_from_source(fname, text, {"__jvp__": self.jvp, "__ad__": runtime},
                                    f"<srcad {fname} #{id(self)}>")

    def _transposed_jvp(self, args, g):
        """The cotangents of ``args`` from a hand-written jvp alone: the
        tangent it returns is linear in the tangents it is given, so its
        vjp with respect to them (srcad's reverse mode of the jvp function,
        at zero tangents) is the transposed derivative, as JAX derives it."""
        from .runtime import zeros_like
        from .transform import derive
        if (g.__class__ is float and g == 0.0) or self in _transposing:
            # a call of the function inside its own jvp computes the primal
            # output, which the tangent does not depend on
            return (0.0,) * len(args)
        fwd, bwd = derive(_linear_part, "reverse", ("tangents",)).functions
        _transposing.add(self)
        try:
            _, saved = fwd(self.jvp, tuple(args), tuple(zeros_like(a) for a in args))
            (grads,) = bwd(saved, g)
        finally:
            _transposing.discard(self)
        grads = list(grads) if isinstance(grads, (list, tuple)) else [0.0] * len(args)
        grads += [0.0] * (len(args) - len(grads))
        return tuple(0.0 if v is None else v for v in grads)


_transposing = set()


def _cotangent_part(bwd, residuals, g):
    """The cotangents a hand-written backward function gives (linear in ``g``)."""
    return bwd(residuals, g)


def _linear_part(jvp, primals, tangents):
    """The tangent part of a hand-written jvp (linear in ``tangents``)."""
    out = jvp(primals, tangents)
    return out[1]


def _where(fn):
    """The :class:`srcad.errors.Location` of ``fn``'s definition, if known."""
    from .errors import Location
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    try:
        return Location(code.co_filename, code.co_firstlineno)
    except TypeError:
        return None


def _missing(obj, kind, what, method):
    from .errors import NonDifferentiableError
    return NonDifferentiableError(
        f"{obj.__name__} has a hand-written derivative that does not cover {what}",
        construct=obj.__name__,
        hint=f"attach one with {obj.__name__}.{method}(...)")


class custom_vjp(_Custom):
    """Give a function a hand-written reverse-mode derivative.

    ``f.defvjp(fwd, bwd)``: ``fwd(*args)`` returns ``(out, residuals)``,
    ``bwd(residuals, cotangent)`` returns a tuple with one cotangent per
    argument (``None`` for zero). ``defjvp`` may add a forward-mode rule;
    without one, forward mode transposes ``bwd`` (linear in the cotangent)
    by differentiating it.
    """

    def defvjp(self, fwd, bwd):
        self.vjp_fwd = fwd
        self.vjp_bwd = bwd
        return self

    def defjvp(self, jvp):
        self.jvp = jvp
        return jvp


class custom_jvp(_Custom):
    """Give a function a hand-written forward-mode derivative.

    ``@f.defjvp`` decorates ``jvp(primals, tangents) -> (out, out_tangent)``
    where ``primals`` and ``tangents`` are tuples (tangents of arguments that
    do not vary are zeros). ``defvjp`` may add a reverse-mode rule; without
    one, reverse mode transposes ``jvp`` (linear in the tangents) by
    differentiating it, as JAX does.
    """

    def defjvp(self, jvp):
        self.jvp = jvp
        return jvp

    def defvjp(self, fwd, bwd):
        self.vjp_fwd = fwd
        self.vjp_bwd = bwd
        return self
