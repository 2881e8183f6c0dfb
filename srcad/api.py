"""The public API (see the project's API contract): ``grad``,
``value_and_grad``, ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``derivative``, ``source``, ``stop_gradient``, ``check_grads``.

Every derivative is generated once per function, mode and ``wrt`` and cached;
the functions returned here check the arguments, call the generated code and
give gradients the structure, shape and dtype of the arguments they belong to.
"""

from __future__ import annotations

import dataclasses
import copy
import functools
import inspect
import numbers
import weakref

from . import runtime
from .errors import CotangentError, Location, NonScalarOutputError, SrcadError, WrtError
from .runtime import AdjFields, _dataclass_fields
from .runtime import match, stop_gradient  # noqa: F401  (re-exported)
from .kinds import SCALAR, kind_of
from .transform import _cache as _transform_cache, _up_to_date, check, derive
from .variadic_api import Variadic, as_variadic, immediate, per_shape

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "derivative",
           "source", "stop_gradient", "check_grads"]


# ---------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------

def _defined_in_srcad(f):
    """Whether ``f``'s code is srcad's own (its wrappers copy the user's
    name and module, not the file)."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    filename = os.path.abspath(getattr(getattr(f, "__code__", None), "co_filename", "") or "")
    # (srcad/draws.py holds functions written to be differentiated by source)
    return filename.startswith(here + os.sep) and filename != os.path.join(here, "draws.py")


def callable_object_method(f):
    """For an object of a class of the user's defining ``__call__`` (a model
    called as ``model(x)``): that method, as a Python function; else
    ``None``. Library classes (``np.vectorize``...) are not transformed."""
    if isinstance(f, type):
        return None
    method = getattr(type(f), "__call__", None)
    if not inspect.isfunction(method):
        return None
    import os
    import sys
    module = sys.modules.get(getattr(type(f), "__module__", None) or "")
    filename = getattr(module, "__file__", None) or ""
    root = (type(f).__module__ or "").split(".")[0]
    if root in getattr(sys, "stdlib_module_names", ()) or root in ("numpy", "scipy", "srcad") \
            or any(part in ("site-packages", "dist-packages") for part in filename.split(os.sep)):
        return None
    code = method.__code__
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    return method


def _target(f):
    """The function srcad transforms for ``f``: generated code for srcad's
    own wrappers (so that derivatives compose), a small caller for library
    functions and functions with hand-written derivatives."""
    inner = getattr(f, "__srcad_function__", None)
    if inner is not None:
        return inner
    if getattr(f, "__srcad_custom__", None) is not None:
        return _caller(f, f.params)
    if callable_object_method(f) is not None:
        f = f.__call__   # an instance of a class defining __call__: that method, bound
    if inspect.ismethod(f) and inspect.isfunction(f.__func__):
        # model.loss: a caller of the bound method (the receiver is fixed)
        sig = inspect.signature(f).parameters.values()
        params = [p.name for p in sig if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        kwonly = [(p.name, p.default) for p in sig if p.kind is p.KEYWORD_ONLY]
        return _caller(f, params, kwonly)
    maker = getattr(f, "__srcad_target__", None)
    if maker is not None:
        made = maker()   # a Jacobian or Hessian written out as code srcad can transform
        if made is not None:
            return made
    if inspect.isfunction(f) and _defined_in_srcad(f):
        # what srcad.jacobian, hessian, jvp or vjp return: srcad's own code,
        # whose source is not the mathematics it computes
        from .errors import NonDifferentiableError
        raise NonDifferentiableError(
            f"cannot differentiate through {getattr(f, '__qualname__', f)!r}, a function made by "
            "srcad.jvp or srcad.vjp, or a Jacobian or Hessian of a function taking *args or "
            "**kwargs", None,
            construct="derivative of a derivative",
            hint="differentiate through srcad.grad (which composes), e.g. a Jacobian row by row "
                 "with srcad.grad of each output, or srcad.jvp(srcad.grad(f), ...)")
    if callable(f):
        from .ruleset import Template, get_rules
        ident, tpl = get_rules().lookup(f)
        if isinstance(tpl, Template):
            return _caller(f, _required_params(tpl))
        if ident is not None:
            from .errors import NonDifferentiableError
            raise NonDifferentiableError(
                f"{ident[0]}.{ident[1]} has no derivative rule", _def_location(f), construct=ident[1],
                hint="add a rule in rules/, or write the computation with covered functions")
    if not inspect.isfunction(inspect.unwrap(f)):
        from .errors import SourceUnavailableError
        raise SourceUnavailableError(
            f"{f!r} is not a Python function", construct="function",
            hint="pass a function defined with def or lambda")
    return f


def rule_caller(f, nargs, kw_names):
    """For a call of a function with a derivative rule given more than its
    required arguments (``trapezoid(y, dx=0.1)`` through a variable): a
    caller taking the first ``nargs`` of the rule's parameters and the
    keywords ``kw_names``, passing them on as given. ``None`` for other
    functions or calls (see :func:`_target`)."""
    if (getattr(f, "__srcad_function__", None) is not None or getattr(f, "__srcad_custom__", None) is not None
            or inspect.ismethod(f) or (inspect.isfunction(f) and _defined_in_srcad(f)) or not callable(f)):
        return None
    from .ruleset import Template, get_rules
    _, tpl = get_rules().lookup(f)
    if not isinstance(tpl, Template):
        return None
    params = list(tpl.params)
    if nargs > len(params) or any(k in params[:nargs] for k in kw_names):
        return None
    if nargs <= len(_required_params(tpl)) and not kw_names:
        return None   # the caller _target makes serves
    return _caller(f, params[:nargs], [(k, inspect.Parameter.empty) for k in kw_names])


def _required_params(tpl):
    """The parameters of a rule's template a call must give (no default)."""
    sig = tpl.signature.parameters
    return [p for p in tpl.params if sig[p].default is inspect.Parameter.empty
            and sig[p].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]


_CALLERS = {}


def _caller(fn, params, kwonly=()):
    """``def name(a, b, *, k=default): return fn(a, b, k=k)`` as real
    source, so that srcad can transform a call of ``fn`` (a library
    function, a bound method or a custom derivative). ``kwonly``: pairs of
    keyword-only parameter and default (``inspect.Parameter.empty``: none)."""
    from .codegen import function_from_source
    kwonly = tuple(kwonly)
    try:
        key = (fn, tuple(params), tuple(k for k, _ in kwonly))   # bound methods made anew compare equal
        hash(key)
    except TypeError:
        key = (id(fn), tuple(params), tuple(k for k, _ in kwonly))
    if key in _CALLERS and (_CALLERS[key][0] is fn or _CALLERS[key][0] == fn):
        return _CALLERS[key][1]
    name = "".join(c if c.isalnum() else "_" for c in getattr(fn, "__name__", "f")) or "f"
    args = ", ".join(params)
    namespace = {"__fn__": fn}
    if kwonly:
        decl, passed = [], []
        for i, (k, default) in enumerate(kwonly):
            if default is inspect.Parameter.empty:
                decl.append(k)
            else:
                namespace[f"__default{i}__"] = default
                decl.append(f"{k}=__default{i}__")
            passed.append(f"{k}={k}")
        signature = ", ".join([a for a in [args] if a] + ["*"] + decl)
        text = f"def {name}({signature}):\n    return __fn__({', '.join([a for a in [args] if a] + passed)})\n"
    else:
        text = f"def {name}({args}):\n    return __fn__({args})\n"
    made = function_from_source(name, text, namespace, f"<srcad caller of {name} #{len(_CALLERS)}>")
    _CALLERS[key] = (fn, made)
    return made


def _user_function(f):
    """The user's own function behind srcad's wrappers (for error locations)."""
    seen = 0
    while hasattr(f, "__wrapped_f__") and seen < 10:
        f = f.__wrapped_f__
        seen += 1
    return f


def _def_location(f):
    code = getattr(_user_function(f), "__code__", None)
    if code is None:
        return None
    return Location(code.co_filename, code.co_firstlineno)


def _return_location(f):
    """Where ``f`` returns its value (the last ``return``), else its def."""
    import gast
    from .parse import parse_function
    try:
        parsed = parse_function(_user_function(f))
    except SrcadError:
        return _def_location(f)
    returns = [n for n in gast.walk(parsed.node) if isinstance(n, gast.Return)]
    if not returns:
        return _def_location(f)
    return parsed.location(returns[-1])


def _relocated(exc, location):
    """``exc`` (raised where no source was at hand) at ``location``; an
    output that is no scalar is always shown where it is returned."""
    if location is None or (exc.location is not None and not isinstance(exc, NonScalarOutputError)):
        return exc
    return type(exc)(exc.message, location, exc.construct, exc.hint)


_PARAMS = {}


def _params(f):
    """The named parameters of what srcad transforms for ``f`` (cached: the
    signature of a function does not change)."""
    try:
        return _PARAMS[f]
    except (KeyError, TypeError):
        pass
    sig = inspect.signature(_target(f))
    out = [p for p in sig.parameters.values()
           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    try:
        _PARAMS[f] = out
    except TypeError:
        pass
    return out


def _resolve_wrt(f, wrt):
    """Parameter names for ``wrt`` (int, str or a tuple of those)."""
    params = _params(f)
    names = [p.name for p in params]
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    loc = _def_location(f)
    fname = getattr(_user_function(f), "__name__", "f")
    if not items:
        raise WrtError("wrt is empty", loc, construct="wrt",
                       hint="name at least one parameter, by position or by name")
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise WrtError(f"wrt must be an int, a str or a tuple of those, got {w!r}", loc,
                           construct="wrt", hint="name a parameter by position or by name")
        if isinstance(w, int):
            if not -len(names) <= w < len(names):
                count = f"{len(names)} parameter{'s' if len(names) != 1 else ''}"
                raise WrtError(
                    f"wrt={w} is out of range: {fname} has {count} ({', '.join(names)})", loc,
                    construct="wrt", hint="count parameters from 0, or name the parameter")
            out.append(names[w])
        else:
            if w not in names:
                raise WrtError(
                    f"{fname} has no parameter {w!r} (it has {', '.join(names)})", loc,
                    construct="wrt", hint="use one of the parameter names")
            out.append(w)
    return tuple(out), not isinstance(wrt, (tuple, list))


def _bind(f, args, kwargs):
    sig = inspect.signature(_target(f))
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _check_differentiable(name, value, f=None):
    """Integer and boolean arguments (or containers holding only those)
    cannot be differentiated."""
    leaves = _leaves(value)
    if leaves and all(_is_integer(v) for v in leaves):
        what = type(value).__name__
        if hasattr(value, "dtype"):
            what += f" of dtype {value.dtype}"
        elif isinstance(value, (list, tuple, dict)):
            what += " of integers"
        raise WrtError(
            f"cannot differentiate with respect to {name!r}: it holds an integer or boolean value ({what})",
            _def_location(f) if f is not None else None, construct="wrt",
            hint=f"pass {name} as floats (e.g. float({name}) or {name}.astype(float)), or "
                 f"differentiate with respect to another argument")


def _check_real(name, value, f):
    """Complex arguments are refused: srcad's rules do not yet follow one
    convention for non-holomorphic functions (abs, real, conj...), and a
    mixed convention would be a wrong answer."""
    for leaf in _leaves(value):
        if isinstance(leaf, complex) or getattr(getattr(leaf, "dtype", None), "kind", None) == "c":
            raise WrtError(
                f"cannot differentiate with respect to {name!r}: it holds complex numbers",
                _def_location(f), construct="wrt",
                hint="differentiate with respect to the real and imaginary parts as separate "
                     "real arguments (z = x + 1j * y)")


def _leaves(x):
    if isinstance(x, dict):
        return [v for e in x.values() for v in _leaves(e)]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _leaves(e)]
    return [x]


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

    def __init__(self, f, derived, call, kind, name=None):
        # derived: the generated derivative, or a function that makes it on
        # first use (a call runs code made for its arguments' kinds anyway)
        self.__wrapped_f__ = f
        self._make = derived if callable(derived) else None
        self._made = None if callable(derived) else derived
        self._call = call
        self.kind = kind
        functools.update_wrapper(self, f, updated=())
        self.__name__ = name or self._derived.name
        self.__qualname__ = self.__name__

    @property
    def _derived(self):
        if self._made is None:
            self._made = self._make()
        return self._made

    @property
    def __srcad_derived__(self):
        return self._derived

    @property
    def __srcad_function__(self):
        return self._derived.functions[0]

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def generated_for(self, *args):
        """The generated function this derivative runs for ``args`` (scalar
        arguments get a variant without broadcasting bookkeeping); its
        source is ``srcad.source`` of it."""
        pick = getattr(self, "_pick", None)
        return pick(args) if pick is not None else self.__srcad_function__

    def __repr__(self):
        return f"<srcad {self.kind} {self.__name__}>"

    @property
    def __signature__(self):
        return inspect.signature(self.__wrapped_f__)


def _forward_check_passes(target, names, fused):
    """Whether forward-mode code for ``target`` can be made."""
    try:
        check(target, "forward", names, fused=fused)
    except SrcadError:
        return False
    return True


def _gradient_function(f, wrt, with_value):
    if f is None:
        return lambda g: _gradient_function(g, wrt, with_value)
    v = as_variadic(f)
    if v is not None:
        # def f(x, *rest): made per number of extra arguments (srcad.variadic_api)
        return per_shape(v, wrt, lambda below, w: _gradient_function(below, w, with_value),
                         "value_and_grad" if with_value else "grad")
    names, single = _resolve_wrt(f, wrt)
    target = _target(f)
    fused = "value_and_grad" if with_value else "grad"
    # unsupported code fails here; the code that runs is made at the first
    # call, for the kinds of its arguments (the code for arguments of any
    # kind only when something asks for it)
    try:
        check(target, "reverse", names, fused=fused)
    except SrcadError:
        # the gradient of generated code (grad(grad(f))) with respect to one
        # scalar runs forward mode, which works where reverse mode over the
        # adjoint helpers does not: an array argument meets the error at
        # the call
        if len(names) != 1 or getattr(target, "__srcad_derived__", None) is None \
                or not _forward_check_passes(target, names, fused):
            raise

    def generic():
        return derive(target, "reverse", names, fused=fused)

    params = [p.name for p in _params(f)]
    positions = [params.index(n) for n in names]
    simple = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in _params(f))
    # One variant of the code per kinds of the arguments (scalar, int,
    # array rank): scalars need no broadcasting bookkeeping.
    variants = {}

    def specialised(values):
        key = tuple(map(kind_of, values))
        gen = variants.get(key)
        if gen is not None and getattr(gen, "__srcad_changeable__", True) \
                and not _up_to_date(gen.__srcad_derived__):
            # a helper it calls was redefined: every variant is stale
            variants.clear()
            gen = None
        if gen is None:
            kinds = tuple((p, k) for p, k in zip(params, key) if k is not None)
            if one_input and key[pos0] == SCALAR:
                gen = _forward_gradient(target, names, kinds, fused)
                if gen is not None:
                    variants[key] = gen
                    return gen
            derived = made._made   # the code for any kinds, if something asked for it
            scalars_for = getattr(derived, "scalars_for", None)
            if scalars_for is not None and scalars_for(kinds) == derived.scalars:
                gen = derived.functions[0]   # these kinds would change nothing
            else:
                gen = derive(target, "reverse", names, fused=fused, kinds=kinds).functions[0]
            variants[key] = gen
        return gen

    n_params = len(params)
    fast = simple and single and not with_value
    pos0 = positions[0]
    # the gradient with respect to one scalar is a single forward pass
    one_input = len(names) == 1

    def call(*args, **kwargs):
        if fast and not kwargs and len(args) == n_params:
            # the common case, kept short: one wrt, positional arguments
            x = args[pos0]
            if x.__class__ is not float:
                _check_differentiable(names[0], x, f)
                _check_real(names[0], x, f)
            key = tuple(map(kind_of, args))
            gen = variants.get(key)
            if gen is None or (getattr(gen, "__srcad_changeable__", True)
                               and not _up_to_date(gen.__srcad_derived__)):
                gen = specialised(args)
            try:
                return match(gen(*args), x)
            except NonScalarOutputError as exc:
                raise _relocated(exc, _return_location(f)) from None
        if simple and not kwargs and len(args) == len(params):
            values = args
        else:
            bound = _bind(f, args, kwargs)
            values = [bound[p] for p in params]
        for name, pos in zip(names, positions):
            x = values[pos]
            if x.__class__ is not float:
                _check_differentiable(name, x, f)
                _check_real(name, x, f)
        gen = specialised(values) if simple else made.__srcad_function__
        try:
            raw = gen(*values) if simple else gen(**bound)
        except NonScalarOutputError as exc:
            raise _relocated(exc, _return_location(f)) from None
        if with_value:
            value, raw = raw
        grads = raw if len(names) > 1 else (raw,)
        out = []
        for pos, g in zip(positions, grads):
            out.append(match(g, values[pos]))
        result = out[0] if single else tuple(out)
        return (value, result) if with_value else result

    from .transform import function_names
    made = _Derivative(f, generic, call, "value_and_grad" if with_value else "grad",
                       name=function_names(target, fused, names)[0])
    made._grad_positions = (positions, single)
    made._pick = lambda args: specialised(args) if simple and len(args) == n_params \
        else made.__srcad_function__
    return made


def _forward_gradient(target, names, kinds, fused):
    """The gradient of a scalar function with respect to its one scalar
    argument, made in forward mode (one pass alongside the function, no
    tape to record and replay), or ``None`` where reverse mode must make
    it: forward mode does not support the code, or it calls a hand-written
    vjp (``grad`` must run the user's rule, which may clip or otherwise
    change the gradient) or a function held in a variable."""
    from .transform import calls_opaque
    try:
        derived = derive(target, "forward", names, fused=fused, kinds=kinds)
    except SrcadError:
        return None
    if calls_opaque(derived):
        return None
    return derived.functions[0]


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


def _check_mode(mode):
    if mode not in ("reverse", "forward"):
        raise SrcadError(f"mode must be 'reverse' or 'forward', got {mode!r}", construct="mode",
                         hint="use mode='reverse' (one pass per output) or mode='forward' "
                              "(one pass per input)")


def derivative(f, mode="reverse", wrt=0):
    """The generated derivative function itself: for ``mode="reverse"`` the
    gradient function ``f_grad_x(*args, d_result=1.0)``, for ``"forward"``
    the JVP ``f_jvp(*args, x_dot=...)`` returning ``(value, tangent)``.

    >>> df = derivative(lambda x: x * x, mode="forward")
    >>> df(3.0, x_dot=1.0)
    (9.0, 6.0)
    """
    _check_mode(mode)
    if isinstance(f, Variadic):
        raise SrcadError(
            f"{f!r} has no one derivative function: it is made per number of extra arguments",
            _def_location(f), construct="derivative",
            hint="call it, or take srcad.source(df.generated_for(*args)) for the code a call runs")
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
    if isinstance(df, Variadic):
        raise SrcadError(
            f"{df!r} runs code made per number of extra arguments", _def_location(df),
            construct="source", hint="pass the arguments of a call: srcad.source(df.generated_for(*args))")
    derived = getattr(df, "__srcad_derived__", None)
    if derived is None and getattr(df, "__srcad_derive__", None) is not None:
        derived = df.__srcad_derive__()   # jacobian, hessian: the derivative they run
    if derived is not None:
        return derived.full_source()
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
    if isinstance(ct, (str, bytes)):
        raise CotangentError(f"the cotangent for {path} is a {type(ct).__name__}, not a number or array",
                             construct="cotangent", hint="pass a cotangent shaped like the output")
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
    if ct is None or isinstance(ct, (list, tuple, dict)):
        raise CotangentError(
            f"the cotangent for {path} is a {type(ct).__name__}, the output is an array of shape {oshape}",
            construct="cotangent", hint="pass a cotangent with the output's shape")
    if cshape != oshape:
        raise CotangentError(
            f"the cotangent for {path} has shape {cshape}, the output has shape {oshape}",
            construct="cotangent", hint="pass a cotangent with the output's shape "
                                        "(np.full(out.shape, c) for the same c everywhere)")
    if runtime._is_complex(ct) and not runtime._is_complex(out):
        raise CotangentError(
            f"the cotangent for {path} is complex, the output is real", construct="cotangent",
            hint="pass a real cotangent (the real and imaginary parts in two calls)")
    return runtime.copy(ct)   # generated code may accumulate into it in place


def vjp(f, *primals):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` returns one cotangent per
    primal (``None`` for integer primals).

    >>> out, pullback = vjp(lambda x, y: x * y, 2.0, 3.0)
    >>> out, pullback(1.0)
    (6.0, (3.0, 2.0))
    """
    v = as_variadic(f)
    if v is not None:
        fn, primals = immediate(v, primals)
        return vjp(fn, *primals)
    params = [p.name for p in _params(f)][: len(primals)]
    if len(params) < len(primals):
        raise SrcadError(f"{getattr(f, '__name__', 'f')} takes {len(params)} arguments, vjp was given "
                         f"{len(primals)} primals", _def_location(f), construct="vjp",
                         hint="pass the primals as separate arguments: vjp(f, x, y)")
    for name, p in zip(params, primals):
        _check_real(name, p, f)
    derived = derive(_target(f), "reverse", tuple(params))
    fwd, bwd = derived.functions
    # the pullback differentiates at these values, whatever the caller
    # writes into its arrays afterwards
    primals = copy.deepcopy(primals)
    out, saved = fwd(*primals)
    state = {"saved": saved}

    def vjp_fn(cotangent):
        try:
            ct = _to_adjoint(cotangent, out)
        except CotangentError as exc:
            raise _relocated(exc, _return_location(f)) from None
        saved_now = state.pop("saved", None)
        reentrant = _reentrant(derived)
        if saved_now is None or reentrant:
            saved_now = saved_now if saved_now is not None else fwd(*primals)[1]
            if reentrant:
                state["saved"] = saved_now
        grads = bwd(saved_now, ct)
        return tuple(match(g, x) for g, x in zip(grads, primals))

    vjp_fn.__srcad_derived__ = derived
    return out, vjp_fn


def _reentrant(derived, seen=None):
    """Whether a backward function may run again on the values its forward
    saved: neither it nor a derivative it calls writes into them."""
    seen = set() if seen is None else seen
    if id(derived) in seen:
        return True
    seen.add(id(derived))
    if not getattr(derived, "reentrant", True):
        return False
    return all(_reentrant(d, seen) for d in derived.deps)


def jvp(f, primals, tangents):
    """``(out, out_tangent)`` of ``f`` at ``primals`` along ``tangents``.

    >>> jvp(lambda x: x ** 3, (2.0,), (1.0,))
    (8.0, 12.0)
    """
    primals = tuple(primals)
    v = as_variadic(f)
    if v is not None:
        fn, primals = immediate(v, primals)
        return jvp(fn, primals, tangents)
    # (None stands for a zero tangent)
    tangents = tuple(0.0 if t is None else t for t in tangents)
    if len(primals) != len(tangents):
        raise SrcadError(
            f"primals and tangents must have the same length, got {len(primals)} and {len(tangents)}",
            _def_location(f), construct="jvp",
            hint="give one tangent per primal (zeros for the arguments that do not vary)")
    plan = _jvp_plan(f, len(primals))
    params = plan.params
    if len(params) < len(primals):
        raise SrcadError(f"{getattr(f, '__name__', 'f')} takes {len(params)} arguments, jvp was given "
                         f"{len(primals)} primals", _def_location(f), construct="jvp",
                         hint="pass a tuple with one primal per argument: jvp(f, (x, y), (tx, ty))")
    for name, p, t in zip(params, primals, tangents):
        _check_tangent(name, p, t, f)
        _check_real(name, p, f)
    key = tuple(map(kind_of, primals))
    derived = plan.made.get(key)
    if derived is None or _transform_cache.get(derived.key) is not derived or not _up_to_date(derived):
        target = plan.target
        derived = derive(target, "forward", params, kinds=_kinds(target, params, primals))
        plan.made[key] = derived
    fn = derived.functions[0]
    names = derived.tangent_names
    kwargs = {names[p]: t for p, t in zip(params, tangents)}
    out, tangent = fn(*primals, **kwargs)
    out = _as_output(f, out, primals)
    return out, match_tangent(tangent, out)


class _JvpPlan:
    """What :func:`jvp` works out once per function and number of primals:
    the function transformed, the parameters given tangents, and the code
    made per kinds of the primals (checked to be up to date at each call)."""

    def __init__(self, f, n):
        self.target = _target(f)
        self.params = tuple(p.name for p in _params(f))[:n]
        self.made = {}


_JVP_PLANS = weakref.WeakKeyDictionary()


def _jvp_plan(f, n):
    try:
        plans = _JVP_PLANS.get(f)
        if plans is None:
            plans = _JVP_PLANS[f] = {}
    except TypeError:   # not weakly referable: no plan kept
        return _JvpPlan(f, n)
    plan = plans.get(n)
    if plan is None:
        plan = plans[n] = _JvpPlan(f, n)
    return plan


def _kinds(target, params, primals):
    """The kinds of the arguments (and of the parameters left at a literal
    default, such as the seed of a gradient): scalars need no broadcasting
    bookkeeping in the generated code."""
    kinds = [(p, kind_of(v)) for p, v in zip(params, primals)]
    code = getattr(target, "__code__", None)
    defaults = getattr(target, "__defaults__", None) or ()
    if code is not None and defaults:
        positional = code.co_varnames[:code.co_argcount]
        for name, value in zip(positional[len(positional) - len(defaults):], defaults):
            if name not in params and isinstance(value, (int, float)):
                kinds.append((name, kind_of(value)))
    return tuple((p, k) for p, k in kinds if k is not None) or None


try:
    from numpy import ndarray as _NDARRAY
except ImportError:  # pragma: no cover - NumPy is a dependency
    _NDARRAY = None


def _check_tangent(name, primal, tangent, f, path=None):
    """A tangent must have its primal's structure and shape; an integer
    primal takes no (or a zero) tangent."""
    if tangent.__class__ is primal.__class__ and (
            primal.__class__ is float or (primal.__class__ is _NDARRAY and tangent.shape == primal.shape
                                          and primal.dtype.kind == "f" and tangent.dtype.kind != "c")):
        return   # the common case, checked first
    path = path or name
    loc = _def_location(f)
    if isinstance(primal, dict) or isinstance(primal, (list, tuple)):
        same = (isinstance(tangent, dict) and set(tangent) == set(primal)) if isinstance(primal, dict) \
            else (isinstance(tangent, (list, tuple)) and len(tangent) == len(primal))
        if not same:
            raise SrcadError(f"the tangent for {path} must be shaped like the primal "
                             f"({type(primal).__name__} of {len(primal)})", loc, construct="tangent",
                             hint="pass a tangent with the primal's structure")
        keys = primal.keys() if isinstance(primal, dict) else range(len(primal))
        for k in keys:
            _check_tangent(name, primal[k], tangent[k], f, f"{path}[{k!r}]")
        return
    if isinstance(tangent, (list, tuple, dict, str, bytes)):
        raise SrcadError(f"the tangent for {path} is a {type(tangent).__name__}, the primal is not",
                         loc, construct="tangent", hint="pass a tangent with the primal's shape")
    if _is_integer(primal):
        if tangent is not None and runtime.namespace_of(tangent).any(tangent != 0):
            raise WrtError(f"cannot differentiate with respect to {name!r}: it holds an integer "
                           f"or boolean value", loc, construct="wrt",
                           hint=f"pass {name} as floats, or give it a zero tangent")
        return
    if runtime._is_complex(tangent) and not runtime._is_complex(primal):
        raise SrcadError(f"the tangent for {path} is complex, the primal is real", loc,
                         construct="tangent",
                         hint="pass a real tangent (the real and imaginary parts in two calls)")
    pshape = getattr(primal, "shape", ())
    tshape = getattr(tangent, "shape", ())
    if tshape != pshape and tshape != ():
        raise SrcadError(f"the tangent for {path} has shape {tshape}, the primal has shape {pshape}",
                         loc, construct="tangent", hint="pass a tangent with the primal's shape")


def match_tangent(t, out):
    """A tangent with the structure, shape and dtype of the output."""
    if isinstance(out, (dict, list, tuple)) or hasattr(out, "shape") or _dataclass_fields(out) is not None:
        m = match(t, out)
        return m if m is not None else t
    if isinstance(out, float):
        # the tangent of a real value is real (complex values on the way
        # leave an imaginary part that is no part of it)
        if isinstance(t, complex) or (hasattr(t, "shape") and t.shape == ()):
            return float(t.real)
    return t


# ---------------------------------------------------------------------------
# jacobian / hessian
# ---------------------------------------------------------------------------

def _xp(x):
    return runtime.namespace_of(x)


def _tree_leaves(x):
    """The leaves of ``x`` (tuples, lists, dicts and dataclasses of values),
    in the order :func:`_tree_rebuild` puts them back."""
    if isinstance(x, dict):
        return [v for e in x.values() for v in _tree_leaves(e)]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _tree_leaves(e)]
    if _dataclass_fields(x) is not None:
        return [v for k in _dataclass_fields(x) for v in _tree_leaves(getattr(x, k))]
    return [x]


def _tree_rebuild(x, leaves):
    """``x``'s structure with its leaves taken from the iterator ``leaves``."""
    if isinstance(x, dict):
        return {k: _tree_rebuild(v, leaves) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        items = [_tree_rebuild(e, leaves) for e in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if _dataclass_fields(x) is not None:
        return dataclasses.replace(x, **{k: _tree_rebuild(getattr(x, k), leaves)
                                         for k in _dataclass_fields(x)})
    return next(leaves)


def _kind(leaf):
    """``"f"`` for a value with derivatives (float or complex, Python or
    array), ``"i"`` for integers and booleans (a zero derivative), ``None``
    for anything else (strings, None: no derivative at all)."""
    if isinstance(leaf, bool) or (isinstance(leaf, numbers.Integral) and not hasattr(leaf, "dtype")):
        return "i"
    if isinstance(leaf, (float, complex)):
        return "f"
    kind = getattr(getattr(leaf, "dtype", None), "kind", None)
    if kind in ("f", "c"):
        return "f"
    return "i" if kind in ("i", "u", "b") else None


def _one_hot(leaf, i):
    """The ``i``-th basis vector of ``leaf``'s space: shaped and typed like
    ``leaf`` (a NumPy scalar for a scalar leaf)."""
    xp = _xp(leaf)
    arr = xp.asarray(leaf)
    e = xp.zeros(int(arr.size), dtype=arr.dtype)
    e[i] = 1
    return xp.reshape(e, arr.shape) if arr.shape else e[0]


def _basis(x):
    """``(j, i, tangent)`` for each element ``i`` of each float leaf ``j`` of
    ``x``: the tangent (or cotangent) is one there and zero elsewhere."""
    leaves = _tree_leaves(x)
    for j, leaf in enumerate(leaves):
        if _kind(leaf) != "f":
            continue
        for i in range(int(_xp(leaf).asarray(leaf).size)):
            # zeros made anew for every call: generated code may update a
            # tangent in place
            parts = [_one_hot(leaf, i) if k == j else runtime.zeros_like(v) for k, v in enumerate(leaves)]
            yield j, i, _tree_rebuild(x, iter(parts))


def _as_output(f, out, values):
    """``f``'s output with the structure the user sees: the generated code
    of a gradient (or of value_and_grad) returns a lazy zero (``0.0``) where
    the gradient does not depend on the argument, srcad.grad turns it into
    zeros like the argument."""
    if isinstance(out, AdjFields):   # a gradient with respect to a dataclass
        out = match(out, out.like)
    grad_of = getattr(f, "_grad_positions", None)
    if grad_of is None or len(values) <= max(grad_of[0]):
        return out   # not a gradient, or (jvp) not given the argument to shape it like
    positions, single = grad_of
    if f.kind == "value_and_grad":
        value, grads = out
        return value, _as_gradients(grads, positions, single, values)
    return _as_gradients(out, positions, single, values)


def _as_gradients(grads, positions, single, values):
    if single:
        return match(grads, values[positions[0]])
    return tuple(match(g, values[p]) for g, p in zip(grads, positions))


def _block(rows, out_leaf, x_leaf, dtype, axis):
    """One Jacobian block, shaped ``out_leaf.shape + x_leaf.shape``, from its
    flattened rows (``axis=0``) or columns (``axis=-1``)."""
    xp = _xp(x_leaf)
    shape = tuple(getattr(out_leaf, "shape", ())) + tuple(getattr(x_leaf, "shape", ()))
    if not rows or _kind(out_leaf) == "i":
        return xp.zeros(shape, dtype=dtype)   # nothing to stack, or a constant integer output
    mat = xp.stack(rows, axis=axis)
    if mat.dtype != dtype:
        mat = mat.astype(dtype)
    return xp.reshape(mat, shape)


def _assemble(out, x, block):
    """The Jacobian as a pytree, as JAX's: the output's structure outside,
    the argument's inside, ``block(o, out_leaf, j, x_leaf)`` for output
    leaf ``o`` and argument leaf ``j`` (None where either has no
    derivative: strings, None, integer arguments)."""
    x_leaves = _tree_leaves(x)
    per_output = []
    for o, out_leaf in enumerate(_tree_leaves(out)):
        if _kind(out_leaf) is None:
            per_output.append(None)
            continue
        per_output.append(_tree_rebuild(x, iter(
            [block(o, out_leaf, j, leaf) if _kind(leaf) == "f" else None for j, leaf in enumerate(x_leaves)])))
    return _tree_rebuild(out, iter(per_output))


def _same_draws(values, kw):
    """A function that, called before each pass of a Jacobian, makes the
    random draws of every pass those of the first: random generators among
    the arguments are copied for each pass, NumPy's global state restored."""
    import copy
    import numpy
    state = numpy.random.get_state()
    kinds = (numpy.random.Generator, numpy.random.RandomState)
    has = [i for i, v in enumerate(values) if isinstance(v, kinds)]
    has_kw = [k for k, v in kw.items() if isinstance(v, kinds)]
    originals = [values[i] for i in has], [kw[k] for k in has_kw]

    def reset():
        numpy.random.set_state(state)
        for i, v in zip(has, originals[0]):
            values[i] = copy.deepcopy(v)
        for k, v in zip(has_kw, originals[1]):
            kw[k] = copy.deepcopy(v)
    return reset


def _jacobian_forward(f, fn, tname, values, x, kw):
    """The Jacobian one column (one forward pass) per element of ``x``
    (``values``: the positional arguments, ``kw`` the keyword-only ones)."""
    n_leaves = len(_tree_leaves(x))
    out, cols = None, None
    values, kw = list(values), dict(kw)
    reset = _same_draws(values, kw)

    def run(tangent):
        reset()
        o, t = fn(*values, **kw, **{tname: tangent})
        o = _as_output(f, o, values)
        return o, match_tangent(t, o)

    for j, _, tangent in _basis(x):
        o, t = run(tangent)
        if out is None:
            out = o
            cols = [[[] for _ in range(n_leaves)] for _ in _tree_leaves(out)]
        for k, (out_leaf, t_leaf) in enumerate(zip(_tree_leaves(out), _tree_leaves(t))):
            if _kind(out_leaf) == "f":
                xp = _xp(out_leaf)
                cols[k][j].append(xp.reshape(xp.asarray(t_leaf), (-1,)))
    if out is None:   # no element to differentiate: one pass for the output's structure
        out = run(runtime.zeros_like(x))[0]
        cols = [[[] for _ in range(n_leaves)] for _ in _tree_leaves(out)]
    return _assemble(out, x, lambda o, out_leaf, j, x_leaf: _block(
        cols[o][j], out_leaf, x_leaf, _forward_dtype(out_leaf, x_leaf), axis=-1))


def _forward_dtype(out_leaf, x_leaf):
    """A forward Jacobian block has the output's dtype (that of its
    tangents); outputs with none of their own (Python numbers, integers)
    take the argument's, as reverse mode gives."""
    kind = getattr(getattr(out_leaf, "dtype", None), "kind", None)
    if kind in ("f", "c"):
        return out_leaf.dtype
    if isinstance(out_leaf, complex):
        return _xp(x_leaf).complex128
    return _xp(x_leaf).asarray(x_leaf).dtype


def _jacobian_reverse(f, derived, values, x, kw):
    """The Jacobian one row (one backward pass) per element of the output."""
    fwd, bwd = derived.functions
    floats = [_kind(leaf) == "f" for leaf in _tree_leaves(x)]
    values, kw = list(values), dict(kw)
    reset = _same_draws(values, kw)
    reset()
    raw, saved = fwd(*values, **kw)
    out = _as_output(f, raw, values)
    fresh = not _reentrant(derived)
    rows = [[[] for _ in floats] for _ in _tree_leaves(out)]
    for count, (o, _, ct) in enumerate(_basis(_seeds(out))):
        if fresh and count:
            reset()
            saved = fwd(*values, **kw)[1]   # the backward function used up the last one
        (g,) = bwd(saved, _to_adjoint(ct, out))
        for j, g_leaf in enumerate(_tree_leaves(match(g, x))):
            if floats[j]:
                xp = _xp(g_leaf)
                rows[o][j].append(xp.reshape(xp.asarray(g_leaf), (-1,)))
    return _assemble(out, x, lambda o, out_leaf, j, x_leaf: _block(
        rows[o][j], out_leaf, x_leaf, _xp(x_leaf).asarray(x_leaf).dtype, axis=0))


def _seeds(out):
    """Values shaped like ``out`` whose basis vectors are the cotangents to
    pull back: real (a complex output is seeded along its real part) and
    none for integer outputs, whose Jacobian is zero."""
    def seed(leaf):
        if _kind(leaf) != "f":
            return None
        xp = _xp(leaf)
        arr = xp.asarray(leaf)
        return xp.real(arr) if arr.dtype.kind == "c" else arr
    return _tree_rebuild(out, iter([seed(v) for v in _tree_leaves(out)]))


def jacobian(f, wrt=0, mode="reverse"):
    """The Jacobian of ``f`` with respect to one argument, shaped
    ``out.shape + x.shape`` (a tuple ``wrt`` gives a tuple of Jacobians,
    one per argument).

    Containers give a pytree of Jacobians, as in JAX: for a tuple, list or
    dict argument each leaf's block is shaped ``out.shape + leaf.shape``;
    for a tuple output there is one Jacobian per output.

    >>> import numpy as np
    >>> jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    _check_mode(mode)
    v = as_variadic(f)
    if v is not None:
        return per_shape(v, wrt, lambda below, w: jacobian(below, w, mode), "jacobian")
    names, single = _resolve_wrt(f, wrt)
    if not single:
        # one Jacobian per argument, in the order of wrt
        parts = [jacobian(f, wrt=n, mode=mode) for n in names]

        def jacs(*args, **kwargs):
            return tuple(part(*args, **kwargs) for part in parts)

        functools.update_wrapper(jacs, f, updated=())
        jacs.__srcad_derive__ = parts[0].__srcad_derive__
        jacs.__srcad_target__ = _lazy_target(lambda: _nested_code(f, parts, "jacobian"))
        return jacs
    params = [p.name for p in _params(f)]
    positional = [p.name for p in _params(f) if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def derived():
        if mode == "forward":
            return derive(_target(f), "forward", names)
        return derive(_target(f), "reverse", names)

    def jac(*args, **kwargs):
        bound = _bind(f, args, kwargs)
        values = [bound[p] for p in positional]
        kw = {p: bound[p] for p in params if p not in positional}
        x = bound[names[0]]
        _check_differentiable(names[0], x, f)
        _check_real(names[0], x, f)
        try:
            d = derived()
            if mode == "forward":
                return _jacobian_forward(f, d.functions[0], d.tangent_names[names[0]], values, x, kw)
            return _jacobian_reverse(f, d, values, x, kw)
        except NonScalarOutputError as exc:
            raise _relocated(exc, _return_location(f)) from None

    functools.update_wrapper(jac, f, updated=())
    # srcad.source shows the generated derivative a jacobian runs (made
    # when asked for: a jacobian is made without transforming anything)
    jac.__srcad_derive__ = derived
    made = []

    def target():
        # called inside a function being differentiated: the Jacobian as
        # code (one forward-mode pass per input entry) that srcad transforms
        if not made:
            made.append(_jacobian_code(f, names[0]))
        return made[0]
    jac.__srcad_target__ = target
    return jac


def _lazy_target(make):
    made = []

    def target():
        if not made:
            made.append(make())
        return made[0]
    return target


def _nested_code(f, parts, what):
    """``def f_hessian(...)``: the tuple (of tuples, for ``hessian``) of the
    blocks ``parts`` made for several arguments, as source srcad can
    differentiate, or ``None`` where a block has no such code."""
    from .codegen import function_from_source
    flat = [p for row in parts for p in row] if what == "hessian" else list(parts)
    targets = [getattr(p, "__srcad_target__", lambda: None)() for p in flat]
    if any(t is None for t in targets):
        return None
    sig = inspect.signature(targets[0]).parameters.values()
    namespace = {f"__part{k}__": t for k, t in enumerate(targets)}
    decl, passed = _declared(sig, namespace)
    call = ", ".join(passed)
    calls = [f"__part{k}__({call})" for k in range(len(targets))]
    if what == "hessian":
        n = len(parts)
        rows = ["(" + "".join(c + ", " for c in calls[r * n:(r + 1) * n]) + ")" for r in range(n)]
        body = "(" + "".join(r + ", " for r in rows) + ")"
    else:
        body = "(" + "".join(c + ", " for c in calls) + ")"
    fname = "".join(c if c.isalnum() else "_" for c in getattr(f, "__name__", "f")) + f"_{what}"
    text = f"def {fname}({', '.join(decl)}):\n    return {body}\n"
    return function_from_source(fname, text, namespace, f"<srcad {what} of {fname} #{len(_CALLERS)}>")


def _declared(params, namespace):
    """``(declared, passed)``: the parameters ``params`` (of
    :func:`inspect.signature`) as a written ``def`` declares them, their
    defaults put into ``namespace``, and as a call passes them on."""
    decl, passed = [], []
    star = False
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star:
            decl.append("*")
            star = True
        if p.default is inspect.Parameter.empty:
            decl.append(p.name)
        else:
            namespace[f"__default{i}__"] = p.default
            decl.append(f"{p.name}=__default{i}__")
        passed.append(p.name if p.kind is not p.KEYWORD_ONLY else f"{p.name}={p.name}")
    return decl, passed


def _jacobian_code(f, name):
    """``def f_jacobian_x(...)``: the Jacobian of ``f`` with respect to its
    parameter ``name`` as source srcad can differentiate (a loop of
    forward-mode passes, one per entry of the argument, stacked), or
    ``None`` where the parameters or the output do not allow it (variadic
    parameters, several gradients)."""
    from .codegen import function_from_source

    import numpy

    sig = inspect.signature(_target(f)).parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig):
        return None
    like = "r"
    grad_of = getattr(f, "_grad_positions", None)
    if grad_of is not None:
        positions, single = grad_of
        if not single or getattr(f, "kind", None) != "grad":
            return None
        like = [p.name for p in _params(f)][positions[0]]
    fwd = derive(_target(f), "forward", (name,))
    namespace = {"__jvp__": fwd.functions[0], "__np__": numpy, "__ad__": runtime}
    decl, passed = _declared(sig, namespace)
    tangent = fwd.tangent_names[name]
    call = ", ".join(passed)
    fname = "".join(c if c.isalnum() else "_" for c in getattr(f, "__name__", "f")) + f"_jacobian_{name}"
    text = (f"def {fname}({', '.join(decl)}):\n"
            f"    if __np__.ndim({name}) == 0:\n"
            f"        r, t = __jvp__({call}, {tangent}=1.0)\n"
            f"        return __ad__.match(t, {like})\n"
            f"    n = __np__.size({name})\n"
            f"    basis = __np__.eye(n)\n"
            f"    cols = []\n"
            f"    for i in range(n):\n"
            f"        r, t = __jvp__({call}, {tangent}=__np__.reshape(basis[i], __np__.shape({name})))\n"
            f"        cols.append(__np__.ravel(__ad__.match(t, {like})))\n"
            f"    shape = __np__.shape(__ad__.match(r, {like})) + __np__.shape({name})\n"
            f"    return __np__.reshape(__np__.stack(cols, axis=-1), shape)\n")
    return function_from_source(fname, text, namespace, f"<srcad jacobian of {fname} #{len(_CALLERS)}>")


def hessian(f, wrt=0):
    """The Hessian of a scalar ``f`` (forward over reverse): shaped
    ``x.shape + x.shape``; for a container argument, nested like it
    (``H[k1][k2]`` for a dict, shaped ``leaf1.shape + leaf2.shape``). A
    tuple ``wrt`` gives a tuple of tuples of blocks, ``H[i][j]`` for the
    arguments ``wrt[i]`` and ``wrt[j]``.

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    v = as_variadic(f)
    if v is not None:
        return per_shape(v, wrt, lambda below, w: hessian(below, w), "hessian", nested=True)
    names, single = _resolve_wrt(f, wrt)
    if not single:
        # one block per pair of arguments: H[i][j] = d/d(wrt j) of d f/d(wrt i)
        rows = [[jacobian(grad(f, wrt=a), wrt=b, mode="forward") for b in names] for a in names]

        def blocks(*args, **kwargs):
            return tuple(tuple(h(*args, **kwargs) for h in row) for row in rows)

        functools.update_wrapper(blocks, f, updated=())
        blocks.__srcad_derive__ = rows[0][0].__srcad_derive__
        blocks.__srcad_target__ = _lazy_target(lambda: _nested_code(f, rows, "hessian"))
        return blocks
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
    also checks the derivatives of the gradient (forward over reverse,
    against finite differences of the gradient). For an output that is not
    a single number (an array, a tuple of differently shaped values, a dict,
    a dataclass) it is the gradient of the output's product with a random
    cotangent: a random weighting of every float output's second
    derivatives. Outputs that are not floats (integers, counts) are left
    out of the product.

    >>> import numpy as np
    >>> check_grads(lambda x: np.sum(np.sin(x)), (np.array([0.5, 1.0]),))
    """
    from .checking import check
    check(f, tuple(args), order=order, modes=tuple(modes), eps=eps, rtol=rtol, atol=atol)
