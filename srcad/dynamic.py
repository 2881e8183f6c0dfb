"""Calls of functions known only when the code runs (a function passed as
an argument, taken from a list, or made by ``srcad.grad`` inside the
function): the derivative is looked up, generated on first use and cached,
at the call.

Generated code calls these helpers (as ``dyn``)::

    y, y_tape = dyn.call_fwd(act, (0,), h)      # forward sweep
    act_grads = dyn.call_bwd(y_tape, d_y)       # backward sweep
    y, y_dot = dyn.call_jvp(act, (0,), (h,), (h_dot,))   # forward mode
"""

from __future__ import annotations


def _derived(fn, positions, mode, nargs=0, kw_names=()):
    import inspect

    from .api import _params, _target, rule_caller
    from .transform import derive
    target = rule_caller(fn, nargs, tuple(kw_names))
    if target is not None:
        # a library function given optional arguments: a caller for this call
        names = list(inspect.signature(target).parameters)
    else:
        target = _target(fn)
        names = [p.name for p in _params(fn)]
    wrt = tuple(names[i] for i in positions)
    return derive(target, mode, wrt)


def call_fwd(fn, positions, *args, **kwargs):
    """``(out, tape)`` of ``fn(*args, **kwargs)`` for reverse mode, with the
    derivative taken with respect to the positional ``positions``."""
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
    derived = _derived(fn, positions, "forward", len(args), tuple(kwargs or ()))
    names = derived.tangent_names
    order = list(names)
    extra = {names[w]: t for w, t in zip(order, tangents)}
    return derived.functions[0](*args, **(kwargs or {}), **extra)
