"""Calls of functions known only when the code runs (a function passed as
an argument, taken from a list, or made by ``srcad.grad`` inside the
function): the derivative is looked up, generated on first use and cached,
at the call.

Generated code calls these helpers (as ``dyn``)::

    y, y_tape = dyn.call_fwd(act, (0,), h)      # forward sweep
    act_grads = dyn.call_bwd(y_tape, d_y)       # backward sweep
    y, y_dot = dyn.call_jvp(act, (0,), (h,), (h_dot,))   # forward mode

and, where that reverse-mode code is differentiated again in forward mode
(Hessians, Hessian-vector products)::

    t, t_dot = dyn.call_fwd_jvp(act, (0,), (h,), (h_dot,))
    act_grads, act_grads_dot = dyn.call_bwd_jvp(y_tape, y_tape_dot, d_y, d_y_dot)
"""

from __future__ import annotations


def _derived(fn, positions, mode, nargs=0, kw_names=()):
    return _derived_wrt(fn, positions, mode, nargs, kw_names)[0]


def _derived_wrt(fn, positions, mode, nargs=0, kw_names=()):
    """``(derived, wrt)``: the derivative of ``fn`` for a call with ``nargs``
    positional arguments and keywords ``kw_names``, with respect to the
    parameters ``wrt`` the ``positions`` name."""
    import inspect

    from .api import _params, _target, rule_caller
    from .transform import derive
    from .variadic_api import shape_caller
    target = rule_caller(fn, nargs, tuple(kw_names))
    shaped = shape_caller(fn, nargs, tuple(kw_names)) if target is None else None
    if shaped is not None:
        # a function taking *args or **kwargs: a caller for this shape of call
        target, names = shaped
    elif target is not None:
        # a library function given optional arguments: a caller for this call
        names = list(inspect.signature(target).parameters)
    else:
        target = _target(fn)
        names = [p.name for p in _params(fn)]
    wrt = tuple(names[i] for i in positions)
    return derive(target, mode, wrt), wrt


def _unpartial(fn, positions, args, kwargs, tangents=None):
    """A ``functools.partial`` called as the function it wraps, with its
    bound arguments in front (they carry no derivative)."""
    import functools
    if isinstance(fn, _BoundCall):
        # obj.name(*args) where obj does not vary: the bound function itself
        if 0 in positions or (tangents is not None and tangents and not _is_zero(tangents[0])):
            raise _refused(fn)
        fn, args = getattr(args[0], fn.name), tuple(args[1:])
        positions = tuple(p - 1 for p in positions)
        if tangents is not None:
            tangents = tuple(tangents[1:])
    from .draws import draw_function
    found = draw_function(fn)
    if found is not None:
        # rng.normal(mu, s) of a generator passed in: its draw function,
        # with the generator first, differentiated by its source
        fn, owner = found
        args = (owner,) + tuple(args)
        positions = tuple(p + 1 for p in positions)
        if tangents is not None and len(tangents) == len(args) - 1:
            tangents = (0.0,) + tuple(tangents)
    while isinstance(fn, functools.partial):
        bound = len(fn.args)
        positions = tuple(p + bound for p in positions)
        args = tuple(fn.args) + tuple(args)
        kwargs = {**fn.keywords, **(kwargs or {})}
        if tangents is not None and len(tangents) == len(args) - bound:
            tangents = (0.0,) * bound + tuple(tangents)
        fn = fn.func
    return fn, positions, args, kwargs, tangents


def method_of(obj, name):
    """The function behind ``obj.name(...)``: a method of ``obj``'s class
    written in Python, to be called with ``obj`` first (generated code
    calls it so where ``obj`` itself is differentiated).

    >>> class Line:
    ...     def at(self, x):
    ...         return 2.0 * x
    >>> method_of(Line(), "at").__name__
    'at'
    """
    import inspect
    import types

    from . import draws
    if name in draws.__all__ and draws._is_generator(obj):
        return getattr(draws, name)   # (random.Random's own draws are Python, with state)
    found = inspect.getattr_static(type(obj), name, None)
    if isinstance(found, types.FunctionType) and name not in getattr(obj, "__dict__", {}):
        return found
    if callable(getattr(obj, name, None)):
        # (a method of a built-in type, a function held in an attribute: the
        # object is not differentiated through it, which _refused says)
        return _BoundCall(name)
    from .errors import NonDifferentiableError
    raise NonDifferentiableError(
        f"{type(obj).__name__}.{name} is called on a value being differentiated, and is not a "
        f"method written in Python that srcad can differentiate through its object",
        construct=f".{name}",
        hint="differentiate a plain function of the object's arrays instead, or give the method "
             "a rule (srcad.custom_vjp)")


class _BoundCall:
    """``obj.name(*args)`` called as ``f(obj, *args)`` (see :func:`method_of`)."""

    def __init__(self, name):
        self.name = name
        self.__name__ = name

    def __call__(self, obj, *args, **kwargs):
        return getattr(obj, self.name)(*args, **kwargs)


def _refused(fn):
    """The error for differentiating through a :class:`_BoundCall`."""
    from .errors import NonDifferentiableError
    return NonDifferentiableError(
        f".{fn.name}(...) is called on a value being differentiated, and is not a method written "
        f"in Python that srcad can differentiate through its object",
        construct=f".{fn.name}",
        hint="differentiate a plain function of the object's arrays instead, or give the method "
             "a rule (srcad.custom_vjp)")


def call_fwd(fn, positions, *args, **kwargs):
    """``(out, tape)`` of ``fn(*args, **kwargs)`` for reverse mode, with the
    derivative taken with respect to the positional ``positions``."""
    if fn is call_fwd or fn is call_bwd:
        return _sweep_fwd(fn, positions, args, kwargs)
    if _is_api_jvp(fn) and len(args) == 3 and not kwargs:
        return _jvp_call_fwd(positions, args)
    fn, positions, args, kwargs, _ = _unpartial(fn, positions, args, kwargs)
    derived = _derived(fn, positions, "reverse", len(args), tuple(kwargs))
    fwd, bwd = derived.functions
    out, saved = fwd(*args, **kwargs)
    return _shaped(fn, out, args), (bwd, saved)


def _shaped(fn, out, args):
    """The output of ``fn`` as the caller sees it: a gradient made by
    srcad.grad shaped like its argument (the generated code may hand back
    the adjoint of an array as a list of its entries, or a lazy zero)."""
    if getattr(fn, "_grad_positions", None) is None:
        return out
    from .api import _as_output
    return _as_output(fn, out, args)


# -- reverse mode over reverse-mode code's calls of functions held in variables ------------------
# ``t, tape = dyn.call_fwd(fn, positions, *args)`` and ``grads = dyn.call_bwd(tape, g)`` in
# generated code are themselves calls resolved at run time: reverse mode over them derives the
# generated sweeps of ``fn`` in turn, through small functions with source that call them.

_SWEEPS = {}


def _source_function(name, text, namespace):
    from .codegen import function_from_source
    return function_from_source(name, text, namespace, f"<srcad {name} #{len(_SWEEPS)}>")


def _fwd_sweep_target(fn, positions, nargs, kw_names):
    """``def f_forward_sweep(a0, ..., *, k...): return fn's forward sweep``,
    with the tape as ``(backward sweep, saved values)``, as call_fwd gives it."""
    key = ("fwd", fn, positions, nargs, kw_names)
    try:
        hit = _SWEEPS.get(key)
    except TypeError:
        key = ("fwd", id(fn), positions, nargs, kw_names)
        hit = _SWEEPS.get(key)
    if hit is not None and hit[0] is fn:
        return hit[1]
    derived = _derived(fn, positions, "reverse", nargs, kw_names)
    fwd, bwd = derived.functions
    params = [f"a{i}" for i in range(nargs)]
    call = ", ".join(params + [f"{k}={k}" for k in kw_names])
    decl = ", ".join(params + (["*"] + list(kw_names) if kw_names else []))
    out = "out"
    grad_of = getattr(fn, "_grad_positions", None)
    if grad_of is not None:
        # shaped as _shaped shapes them: each gradient like its argument
        gpos, single = grad_of
        if max(gpos) >= nargs:
            return None
        with_value = getattr(fn, "kind", None) == "value_and_grad"
        grads = "out[1]" if with_value else "out"
        if single:
            shaped = f"__ad__.match({grads}, a{gpos[0]})"
        else:
            shaped = "(" + "".join(f"__ad__.match({grads}[{k}], a{p}), " for k, p in enumerate(gpos)) + ")"
        out = f"(out[0], {shaped})" if with_value else shaped
    from . import runtime
    name = "".join(c if c.isalnum() else "_" for c in getattr(fn, "__name__", "f")) + "_forward_sweep"
    text = (f"def {name}({decl}):\n"
            f"    out, saved = __fwd__({call})\n"
            f"    return {out}, (__bwd__, saved)\n")
    made = _source_function(name, text, {"__fwd__": fwd, "__bwd__": bwd, "__ad__": runtime})
    _SWEEPS[key] = (fn, made)
    return made


def _bwd_sweep_target(bwd):
    """``def f_backward_sweep(tape, g): return bwd(tape[1], g)``."""
    key = ("bwd", id(bwd))
    hit = _SWEEPS.get(key)
    if hit is not None and hit[0] is bwd:
        return hit[1]
    name = "".join(c if c.isalnum() else "_" for c in getattr(bwd, "__name__", "f")) + "_sweep"
    text = f"def {name}(tape, g):\n    return __bwd__(tape[1], g)\n"
    made = _source_function(name, text, {"__bwd__": bwd})
    _SWEEPS[key] = (bwd, made)
    return made


def _sweep_fwd(which, positions, args, kwargs):
    """call_fwd of ``dyn.call_fwd`` or ``dyn.call_bwd`` itself (reverse mode
    over generated reverse-mode code): ``(out, tape)``."""
    from .errors import NonDifferentiableError
    from .transform import derive
    if which is call_fwd:
        fn, inner_positions = args[0], args[1]
        fn, inner_positions, rest, kwargs, _ = _unpartial(fn, inner_positions, args[2:], kwargs)
        shift = len(rest) - (len(args) - 2)   # arguments a partial bound, in front
        target = _fwd_sweep_target(fn, tuple(inner_positions), len(rest), tuple(kwargs))
        wrt_positions = [p - 2 + shift for p in positions if p >= 2]
        call_args = rest
    else:
        tape, g = args
        target = _bwd_sweep_target(tape[0])
        wrt_positions = list(positions)
        call_args = args
        shift = 0
    if target is None:
        raise NonDifferentiableError(
            "reverse mode over a call of a gradient held in a variable, given fewer arguments than "
            "it is taken with respect to, is not supported", construct="call_fwd",
            hint="pass the arguments the gradient is taken with respect to by position")
    import inspect
    names = list(inspect.signature(target).parameters)
    derived = derive(target, "reverse", tuple(names[p] for p in wrt_positions))
    fwd, bwd = derived.functions
    out, saved = fwd(*call_args, **kwargs)
    slots = [None if (which is call_fwd and p < 2) else wrt_positions.index(p - 2 + shift if which is call_fwd
                                                                           else p)
             for p in positions]

    def backward(saved, g):
        grads = bwd(saved, g)
        return tuple(0.0 if k is None else grads[k] for k in slots)
    return out, (backward, saved)


# -- srcad.jvp called inside a function being differentiated -------------------------------------

def _is_api_jvp(fn):
    from . import api
    return fn is api.jvp


def derive_forward(target, wrt):
    from .transform import derive
    return derive(target, "forward", wrt)


def _jvp_target(fn, n):
    """``def f_jvp_call(primals, tangents)``: ``srcad.jvp(fn, primals,
    tangents)`` as a call of ``fn``'s generated forward-mode code, which
    srcad can differentiate again."""
    key = ("jvp", id(fn), n)
    hit = _SWEEPS.get(key)
    if hit is not None and hit[0] is fn:
        return hit[1]
    from .api import _params, _target
    names = [p.name for p in _params(fn)][:n]
    derived = derive_forward(_target(fn), tuple(names))
    args = [f"primals[{i}]" for i in range(n)]
    args += [f"{derived.tangent_names[nm]}=tangents[{i}]" for i, nm in enumerate(names)]
    name = "".join(c if c.isalnum() else "_" for c in getattr(fn, "__name__", "f")) + "_jvp_call"
    text = f"def {name}(primals, tangents):\n    return __jvp__({', '.join(args)})\n"
    made = _source_function(name, text, {"__jvp__": derived.functions[0]})
    _SWEEPS[key] = (fn, made)
    return made


def _jvp_call_fwd(positions, args):
    """call_fwd of ``srcad.jvp(fn, primals, tangents)``: reverse mode over
    ``fn``'s forward-mode code."""
    from .transform import derive
    fn, primals, tangents = args
    target = _jvp_target(fn, len(primals))
    wrt = [p for p in positions if p >= 1]
    derived = derive(target, "reverse", tuple(("primals", "tangents")[p - 1] for p in wrt))
    fwd, bwd = derived.functions
    out, saved = fwd(primals, tangents)
    slots = [None if p < 1 else wrt.index(p) for p in positions]

    def backward(saved, g):
        grads = bwd(saved, g)
        return tuple(0.0 if k is None else grads[k] for k in slots)
    return out, (backward, saved)


def call_bwd(tape, g):
    """Adjoints of the arguments at ``positions`` (as given to call_fwd)."""
    bwd, saved = tape
    return bwd(saved, g)


def call_jvp(fn, positions, args, tangents, kwargs=None):
    """``(out, out_tangent)`` of ``fn(*args)`` along ``tangents`` (one per
    entry of ``positions``)."""
    if _is_api_jvp(fn) and len(args) == 3 and not kwargs:
        target = _jvp_target(args[0], len(args[1]))
        wrt = tuple(("primals", "tangents")[p - 1] for p in positions if p >= 1)
        derived = derive_forward(target, wrt)
        names = derived.tangent_names
        ts = [t for p, t in zip(positions, tangents) if p >= 1]
        return derived.functions[0](args[1], args[2], **{names[w]: t for w, t in zip(wrt, ts)})
    if any(_is_zero(t) for t in tangents):
        # (an object passed along, its tangent a zero: a plain object whose
        # method is called, which need not be differentiated through)
        kept = [(p, t) for p, t in zip(positions, tangents) if not _is_zero(t)]
        positions, tangents = tuple(p for p, _ in kept), tuple(t for _, t in kept)
        if not positions:
            from .runtime import zeros_like
            fn, _, args, kwargs, _ = _unpartial(fn, (), args, kwargs)
            out = fn(*args, **(kwargs or {}))
            return out, zeros_like(out)
    fn, positions, args, kwargs, _ = _unpartial(fn, positions, args, kwargs)
    derived = _derived(fn, positions, "forward", len(args), tuple(kwargs or ()))
    names = derived.tangent_names
    order = list(names)
    extra = {names[w]: t for w, t in zip(order, tangents)}
    out, out_dot = derived.functions[0](*args, **(kwargs or {}), **extra)
    return _shaped(fn, out, args), _shaped(fn, out_dot, args)


def call_fwd_jvp(fn, positions, args, tangents, kwargs=None):
    """Forward mode of :func:`call_fwd`: ``((out, tape), (out_tangent,
    tape_tangent))``, from the JVP of the generated forward sweep of
    ``fn`` (``tangents``: one per argument; those at ``positions`` vary)."""
    import inspect

    fn, positions, args, kwargs, tangents = _unpartial(fn, positions, args, kwargs, tangents)

    from .transform import derive
    kwargs = kwargs or {}
    derived, wrt = _derived_wrt(fn, positions, "reverse", len(args), tuple(kwargs))
    fwd, bwd = derived.functions
    # The tape varies with every argument that has a tangent, not only with
    # those the first derivative is taken for: a Hessian's mixed block
    # moves the saved ``p`` of ``p * y`` differentiated in ``y``.
    params = list(inspect.signature(fwd).parameters)
    varying = [i for i in range(min(len(args), len(params)))
               if i in positions or not _is_zero(tangents[i])]
    jvp = derive(fwd, "forward", tuple(params[i] for i in varying))
    names = jvp.tangent_names
    extra = {names[params[i]]: tangents[i] for i in varying}
    (out, saved), (out_dot, saved_dot) = jvp.functions[0](*args, **kwargs, **extra)
    return (_shaped(fn, out, args), (bwd, saved)), (_shaped(fn, out_dot, args), (None, saved_dot))


def _is_zero(tangent):
    """Whether a tangent is the literal zero of a value that does not vary."""
    return tangent is None or (tangent.__class__ in (int, float) and tangent == 0)


def call_bwd_jvp(tape, tape_dot, g, g_dot):
    """Forward mode of :func:`call_bwd`: ``(adjoints, their tangents)``,
    from the JVP of the generated backward sweep in both its saved values
    (``tape_dot``, as :func:`call_fwd_jvp` gave it, or a zero) and the
    cotangent ``g``."""
    import inspect

    from .runtime import zeros_like
    from .transform import derive
    bwd, saved = tape
    saved_dot = tape_dot[1] if isinstance(tape_dot, tuple) and len(tape_dot) == 2 else zeros_like(saved)
    tape_param, seed_param = list(inspect.signature(bwd).parameters)[:2]
    jvp = derive(bwd, "forward", (tape_param, seed_param))
    names = jvp.tangent_names
    return jvp.functions[0](saved, g, **{names[tape_param]: saved_dot, names[seed_param]: g_dot})
