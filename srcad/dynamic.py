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
    fn, positions, args, kwargs, _ = _unpartial(fn, positions, args, kwargs)
    derived = _derived(fn, positions, "reverse", len(args), tuple(kwargs))
    fwd, bwd = derived.functions
    out, saved = fwd(*args, **kwargs)
    return out, (bwd, saved)


def call_bwd(tape, g):
    """Adjoints of the arguments at ``positions`` (as given to call_fwd)."""
    bwd, saved = tape
    return bwd(saved, g)


def call_jvp(fn, positions, args, tangents, kwargs=None):
    """``(out, out_tangent)`` of ``fn(*args)`` along ``tangents`` (one per
    entry of ``positions``)."""
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
    return derived.functions[0](*args, **(kwargs or {}), **extra)


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
    return (out, (bwd, saved)), (out_dot, (None, saved_dot))


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
