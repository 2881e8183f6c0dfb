"""The API for a function that itself takes ``*args`` or ``**kwargs``.

Its derivative depends on how many extra positional arguments and which
extra keywords a call passes, so srcad makes it per *shape* of call: for
``def f(x, *rest, **opts)`` called as ``f(x, a, b, k=c)`` it transforms the
caller ``def f(x, rest_0, rest_1, *, k): return f(x, rest_0, rest_1, k=k)``
(whose call of ``f`` is bound as any call of a variadic function is, see
:mod:`srcad.variadic`), once per shape, and keeps it.

``wrt`` counts positions over the call's positional arguments (``wrt=2`` is
``rest[1]`` above) or names a parameter; naming the ``*rest`` parameter
gives a tuple of gradients, one per extra positional argument, naming the
``**opts`` parameter a dict, one per extra keyword.
"""

from __future__ import annotations

import functools
import inspect

from .errors import SrcadError, WrtError

_P = inspect.Parameter


def variadic_signature(f):
    """The signature of ``f`` when it is a plain Python function taking
    ``*args`` or ``**kwargs`` (not one srcad made), else ``None``."""
    plain = f.__func__ if inspect.ismethod(f) else f
    if not inspect.isfunction(plain) or getattr(f, "__srcad_function__", None) is not None \
            or getattr(f, "__srcad_custom__", None) is not None:
        return None
    from .api import _defined_in_srcad
    if _defined_in_srcad(plain) or not plain.__code__.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    return inspect.signature(f)


def as_variadic(f):
    """``f`` as a :class:`Variadic` (itself if it is one), or ``None`` for
    functions with named parameters only."""
    if isinstance(f, Variadic):
        return f
    sig = variadic_signature(f)
    return None if sig is None else Variadic(f, sig)


class _Shape:
    """One shape of call: the caller transformed for it and its parameters."""

    def __init__(self, f, sig, extra, keys):
        params = list(sig.parameters.values())
        self.named = [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
        self.kwonly = [p.name for p in params if p.kind is _P.KEYWORD_ONLY]
        self.var = next((p.name for p in params if p.kind is _P.VAR_POSITIONAL), None)
        self.kw = next((p.name for p in params if p.kind is _P.VAR_KEYWORD), None)
        taken = {p.name for p in params} | {"__fn__"}

        def fresh(base):
            name, k = base, 1
            while name in taken or not name.isidentifier():
                name, k = f"{base}_{k}", k + 1
            taken.add(name)
            return name

        self.extra_names = [fresh(f"{self.var}_{i}") for i in range(extra)]
        # an extra keyword keeps its name unless a parameter has it
        # (def f(x, /, **kw) called as f(1.0, x=2.0))
        self.key_params = {}
        for k in keys:
            self.key_params[k] = k if k not in taken else fresh(f"{self.kw}_{k}")
            taken.add(self.key_params[k])
        self.keys = list(keys)
        self.positional = self.named + self.extra_names
        defaults = [(p.name, p.default) for p in params if p.kind is _P.KEYWORD_ONLY]
        self.caller = _shape_caller_function(f, self.positional, defaults, self.key_params)
        # errors about the values (an integer argument, an output that is no
        # scalar) point at the user's function, not at the caller
        self.caller.__wrapped_f__ = f


_CALLERS = {}


def _shape_caller_function(fn, positional, kwonly, key_params):
    """``def f(x, rest_0, *, scale=default, k): return f(x, rest_0,
    scale=scale, **{'k': k})`` as real source, for srcad to transform."""
    from .codegen import function_from_source
    key = (fn, tuple(positional), tuple(k for k, _ in kwonly), tuple(key_params.items()))
    made = _CALLERS.get(key)
    if made is not None:
        return made
    name = "".join(c if c.isalnum() else "_" for c in getattr(fn, "__name__", "f")) or "f"
    namespace = {"__fn__": fn}
    decl, passed = [], []
    for i, (k, default) in enumerate(kwonly):
        if default is _P.empty:
            decl.append(k)
        else:
            namespace[f"__default{i}__"] = default
            decl.append(f"{k}=__default{i}__")
        passed.append(f"{k}={k}")
    decl += list(key_params.values())
    if key_params:
        passed.append("**{" + ", ".join(f"{k!r}: {v}" for k, v in key_params.items()) + "}")
    signature = ", ".join(list(positional) + (["*"] + decl if decl else []))
    text = f"def {name}({signature}):\n    return __fn__({', '.join(list(positional) + passed)})\n"
    made = _CALLERS[key] = function_from_source(
        name, text, namespace, f"<srcad caller of {name} per shape of call #{len(_CALLERS)}>")
    return made


def shape_caller(f, nargs, kw_names):
    """``(caller, positional parameter names)`` for a call of ``f`` (taking
    ``*args`` or ``**kwargs``) with ``nargs`` positional arguments and the
    keywords ``kw_names``; ``None`` for other functions, or a call that
    leaves a named positional parameter to its default."""
    sig = variadic_signature(f)
    if sig is None:
        return None
    params = list(sig.parameters.values())
    named = [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
    if nargs < len(named):
        return None
    by_name = {p.name for p in params if p.kind in (_P.POSITIONAL_OR_KEYWORD, _P.KEYWORD_ONLY)}
    shape = _Shape(f, sig, nargs - len(named), tuple(k for k in kw_names if k not in by_name))
    if any(k != v for k, v in shape.key_params.items()):
        return None   # (the call passes its keywords as they are named)
    return shape.caller, shape.positional


class Variadic:
    """A variadic user function, or a derivative srcad makes of one: per
    shape of call, ``make(underlying)`` of the function below it (``None``:
    the caller of the user's function itself), with ``post(shape, result)``
    regrouping results where ``wrt`` named ``*args`` or ``**kwargs``."""

    def __init__(self, f, sig, below=None, make=None, post=None, kind="function"):
        self.f = f
        self.sig = sig
        self.below = below
        self.make = make
        self.post = post
        self.kind = kind
        self._shapes = {}
        self._made = {}
        self.regroups = lambda shape: False   # whether post regroups at calls of shape
        functools.update_wrapper(self, f, updated=())
        self.__wrapped_f__ = f

    @property
    def __signature__(self):
        return self.sig

    def __repr__(self):
        return f"<srcad {self.kind} of {getattr(self.f, '__name__', 'f')} (per shape of call)>"

    # -- shapes ----------------------------------------------------------------
    def shape(self, extra, keys):
        key = (extra, tuple(keys))
        shape = self._shapes.get(key)
        if shape is None:
            if self.below is not None:
                shape = self.below.shape(extra, keys)
            else:
                shape = _Shape(self.f, self.sig, extra, keys)
            self._shapes[key] = shape
        return shape

    def underlying(self, shape):
        """The function this stands for at calls of ``shape``; it takes the
        caller's arguments (:meth:`split`)."""
        made = self._made.get(id(shape))
        if made is None:
            if self.make is None:
                made = shape.caller
            else:
                made = self.make(self.below.underlying(shape), shape)
            self._made[id(shape)] = made
        return made

    def split(self, args, kwargs):
        """``(shape, positional arguments, keyword arguments)`` of a call,
        as the caller of that shape takes them."""
        bound = self.sig.bind(*args, **kwargs)
        params = self.sig.parameters
        var = next((p.name for p in params.values() if p.kind is _P.VAR_POSITIONAL), None)
        kw = next((p.name for p in params.values() if p.kind is _P.VAR_KEYWORD), None)
        extras = tuple(bound.arguments.get(var, ())) if var else ()
        more = dict(bound.arguments.get(kw, {})) if kw else {}
        shape = self.shape(len(extras), tuple(more))
        bound.apply_defaults()
        positional = [bound.arguments[p] for p in shape.named] + list(extras)
        keywords = {p: bound.arguments[p] for p in shape.kwonly}
        keywords.update((shape.key_params[k], v) for k, v in more.items())
        return shape, positional, keywords

    def __call__(self, *args, **kwargs):
        shape, positional, keywords = self.split(args, kwargs)
        try:
            out = self.underlying(shape)(*positional, **keywords)
        except WrtError as exc:
            raise _renamed(exc, shape) from None
        return self.post(shape, out) if self.post is not None else out

    def generated_for(self, *args, **kwargs):
        """The generated function a call with these arguments runs (its
        source is ``srcad.source`` of it)."""
        shape, positional, _ = self.split(args, kwargs)
        fn = self.underlying(shape)
        pick = getattr(fn, "generated_for", None)
        if pick is None:
            raise SrcadError(f"{self!r} runs no generated function of its own", construct="source",
                             hint="pass a function returned by srcad.grad or value_and_grad")
        return pick(*positional)


def _renamed(exc, shape):
    """``exc`` speaking of ``rest[1]`` where it said ``rest_1`` (the
    caller's name for the second extra positional argument)."""
    import re
    names = {n: f"{shape.var}[{i}]" for i, n in enumerate(shape.extra_names)}
    if not names:
        return exc
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

    def fix(text):
        return pattern.sub(lambda m: names[m.group(1)], text) if text else text

    return type(exc)(fix(exc.message), exc.location, exc.construct, fix(exc.hint))


# ---------------------------------------------------------------------------
# wrt over a shape of call
# ---------------------------------------------------------------------------

def _wrt_groups(v, shape, wrt):
    """``(flat, groups, single)``: the caller's parameter names ``wrt``
    denotes at calls of ``shape``, and how to regroup the results: a list
    of ``("one", name)``, ``("tuple", names)`` or ``("dict", [(key,
    name)])``."""
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    fname = getattr(v.f, "__name__", "f")
    from .api import _def_location
    loc = _def_location(v.f)
    if not items:
        raise WrtError("wrt is empty", loc, construct="wrt",
                       hint="name at least one parameter, by position or by name")
    named = shape.named + shape.kwonly
    groups = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise WrtError(f"wrt must be an int, a str or a tuple of those, got {w!r}", loc,
                           construct="wrt", hint="name a parameter by position or by name")
        if isinstance(w, int):
            pos = shape.positional
            if not -len(pos) <= w < len(pos):
                described = shape.named + [f"{shape.var}[{i}]" for i in range(len(shape.extra_names))]
                raise WrtError(
                    f"wrt={w} is out of range: {fname} was called with {len(pos)} positional "
                    f"argument{'s' if len(pos) != 1 else ''} ({', '.join(described)})", loc,
                    construct="wrt", hint="count the call's positional arguments from 0, or name "
                                          "the parameter")
            groups.append(("one", pos[w]))
        elif w in named:
            groups.append(("one", w))
        elif w == shape.var:
            groups.append(("tuple", list(shape.extra_names)))
        elif w == shape.kw:
            groups.append(("dict", [(k, shape.key_params[k]) for k in shape.keys]))
        else:
            names = named + [f"*{shape.var}"] * bool(shape.var) + [f"**{shape.kw}"] * bool(shape.kw)
            raise WrtError(f"{fname} has no parameter {w!r} (it has {', '.join(names)})", loc,
                           construct="wrt", hint="use one of the parameter names")
    flat = []
    for g in groups:
        if g[0] == "one":
            flat.append(g[1])
        elif g[0] == "tuple":
            flat.extend(g[1])
        else:
            flat.extend(name for _, name in g[1])
    if not flat:
        raise WrtError(f"wrt={wrt!r} names no argument of this call of {fname}", loc, construct="wrt",
                       hint=f"pass at least one argument for *{shape.var}" if shape.var else
                            "name an argument the call passes")
    return flat, groups, not isinstance(wrt, (tuple, list))


def _regroup(groups, single, values):
    """The results for the flat ``wrt`` names, grouped as ``wrt`` said."""
    it = iter(values)
    out = []
    for kind, what in groups:
        if kind == "one":
            out.append(next(it))
        elif kind == "tuple":
            out.append(tuple(next(it) for _ in what))
        else:
            out.append({k: next(it) for k, _ in what})
    return out[0] if single else tuple(out)


def _plain(groups):
    return all(kind == "one" for kind, _ in groups)


def per_shape(v, wrt, build, kind, nested=False):
    """A :class:`Variadic` that makes ``build(underlying, wrt names)`` per
    shape of call; ``nested``: the result is a tuple of tuples (Hessian
    blocks) to regroup on both levels."""
    def make(below, shape):
        if v.regroups(shape):
            raise _regrouped(v)
        flat, groups, single = _wrt_groups(v, shape, wrt)
        if _plain(groups):
            return build(below, flat[0] if single else tuple(flat))
        return build(below, tuple(flat))

    def post(shape, out):
        flat, groups, single = _wrt_groups(v, shape, wrt)
        if _plain(groups):
            return out
        if kind == "value_and_grad":
            value, grads = out
            return value, _regroup(groups, single, grads)
        if nested:
            return _regroup(groups, single, [_regroup(groups, single, row) for row in out])
        return _regroup(groups, single, out)

    made = Variadic(v.f, v.sig, below=v, make=make, post=post, kind=kind)
    made.regroups = lambda shape: not _plain(_wrt_groups(v, shape, wrt)[1])
    return made


def _regrouped(v):
    return SrcadError(
        f"cannot differentiate {v!r} again: its results are grouped by the *args or **kwargs "
        "parameter that wrt named", construct="wrt",
        hint="name the arguments by position (wrt=(1, 2)) in the inner derivative")


def immediate(v, primals):
    """The function ``v`` stands for at a call with these positional
    ``primals`` (for ``jvp`` and ``vjp``), and the primals as it takes
    them."""
    shape, positional, _ = v.split(tuple(primals), {})
    if v.regroups(shape):
        raise _regrouped(v)
    if len(positional) != len(primals):
        # (defaults filled in: jvp and vjp differentiate every argument given)
        raise SrcadError(
            f"{getattr(v.f, '__name__', 'f')} takes *args: jvp and vjp need a primal for each of "
            f"its named positional parameters ({', '.join(shape.named)})", construct="primals",
            hint="pass every named positional argument, then the extra ones")
    return v.underlying(shape), tuple(positional)
