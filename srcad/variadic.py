"""Variadic calls and parameters, bound when the function is transformed.

Assumes: a function's tree after its nested functions were lifted out
(:func:`srcad.normalize.lift_nested`), before the other normalization passes.

Guarantees, for every call the function makes:

* ``*seq`` where ``seq`` is a tuple or list display, or a local bound once
  to one (whose length nothing can change), is replaced by the items
  (``seq[0], seq[1]``...), and ``**mapping`` where ``mapping`` is a dict
  display with constant string keys, or a local bound once to one, by one
  keyword argument per key, in the order Python evaluates them;
* a call of a user function that takes ``*args`` or ``**kwargs`` calls a
  :class:`Specialized` unit instead: the function for that call's number of
  extra positional arguments and its extra keyword names, whose extra
  parameters are named (``args_0``, ``kwargs_k``) and whose body starts by
  building ``args`` as a tuple and ``kwargs`` as a dict of them. The
  derivative is made for that unit; calls that need no derivative call the
  user's function as written (:meth:`Specialized.restore`);
* ``*`` of a shape (``np.ndindex(*u.shape)``, ``np.random.randn(*x.shape)``)
  in a call of a function that is not the user's calls it through
  ``runtime.apply_unpacked`` with the arguments as one tuple (integers, no
  derivative), and ``x.reshape(-1, *x.shape[2:])`` passes the shape as one
  tuple;
* any other ``*``/``**`` in a call raises :class:`UnsupportedSyntaxError`
  (``zip(*rows)`` and ``x.reshape(*shape)`` are left to the passes that know
  them).
"""

from __future__ import annotations

import inspect
import keyword
import types
import weakref

import gast

from . import astutil as A
from .errors import UnsupportedSyntaxError
from .normalize import LiftedUnit
from .parse import _MISSING, resolve_static

# calls that read a list or dict without changing it (or keeping it)
_READING_BUILTINS = frozenset({len, tuple, list, dict, sorted, sum, min, max, zip, enumerate,
                               reversed, any, all, isinstance, float, int, bool, abs, str, repr})
_READING_METHODS = frozenset({"get", "keys", "values", "items", "count", "index", "copy"})
_STAR_HINT = ("srcad binds the arguments when it transforms the function, so it needs their "
              "number: unpack a tuple or list display (f(*(a, b))), a name bound once to one "
              "that nothing changes (args = (a, b); f(*args)) or a module-level tuple, or pass "
              "the arguments one by one")
_DOUBLE_STAR_HINT = ("srcad binds the arguments when it transforms the function, so it needs "
                     "their names: unpack a dict display with constant string keys "
                     "(f(**{'k': v})) or a name bound once to one that nothing changes "
                     "(options = {'k': v}; f(**options)), or pass the keyword arguments one by one")


def _parents(body):
    """``{id(node): parent}`` for the nodes of ``body``, not entering nested
    functions or lambdas (their names are their own)."""
    parent = {}
    stack = list(body)
    for s in body:
        parent[id(s)] = None
    while stack:
        n = stack.pop()
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            continue
        for c in A.children(n):
            parent[id(c)] = n
            stack.append(c)
    return parent


def _walk_own(body):
    """The nodes of ``body``, not entering nested functions or lambdas."""
    stack = list(body)
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            continue
        stack.extend(A.children(n))


def _is_display(value):
    if isinstance(value, (gast.Tuple, gast.List)):
        return not any(isinstance(e, gast.Starred) for e in value.elts)
    if isinstance(value, gast.Dict):
        return all(isinstance(k, gast.Constant) and isinstance(k.value, str) for k in value.keys)
    return False


def display_bindings(parsed, node, params):
    """``{name: display}`` for the locals of ``node`` bound exactly once, to
    a tuple, list or dict display whose length (keys) nothing can change:
    a tuple, or a list or dict that is only read (indexed, measured,
    iterated, unpacked in a call) where it is used."""
    stores, candidates = {}, {}
    own = list(_walk_own(node.body))
    for n in own:
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            stores[n.id] = stores.get(n.id, 0) + 1
        if isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name) \
                and _is_display(n.value):
            candidates[n.targets[0].id] = n.value
        elif isinstance(n, gast.AnnAssign) and isinstance(n.target, gast.Name) \
                and n.value is not None and _is_display(n.value):
            candidates[n.target.id] = n.value
    out = {k: v for k, v in candidates.items() if stores.get(k) == 1 and k not in params}
    changeable = [k for k, v in out.items() if not isinstance(v, gast.Tuple)]
    if not changeable:
        return out
    parent = _parents(node.body)
    local_names = set(params) | set(stores)
    for n in own:
        if not (isinstance(n, gast.Name) and n.id in changeable and n.id in out
                and isinstance(n.ctx, gast.Load)):
            continue
        if not _only_read(parsed, n, parent.get(id(n)), local_names):
            del out[n.id]
    return out


def _only_read(parsed, name, up, local_names):
    """Whether this use of the list or dict ``name`` leaves it as it is."""
    if isinstance(up, gast.Starred) or (isinstance(up, gast.keyword) and up.arg is None):
        return True
    if isinstance(up, gast.Subscript) and up.value is name:
        return isinstance(up.ctx, gast.Load)
    if isinstance(up, gast.Attribute) and up.value is name:
        return up.attr in _READING_METHODS
    if isinstance(up, gast.Compare):
        return True
    if isinstance(up, (gast.For, gast.comprehension)) and up.iter is name:
        return True
    if isinstance(up, gast.Call) and name in up.args:
        target = resolve_static(parsed, up.func, local_names)
        try:
            if target in _READING_BUILTINS:
                return True
        except TypeError:
            pass
        module = (getattr(target, "__module__", None) or "").split(".")[0]
        return module in ("numpy", "math", "cupy")
    return False


def _unpack_error(parsed, node, star):
    what = "*args" if star else "**kwargs"
    known = "the number of arguments" if star else "the names of the keyword arguments"
    return UnsupportedSyntaxError(
        f"argument unpacking ({what}) in calls is supported only where {known} can be read "
        "from the code (a display, or a name bound once to one)",
        parsed.location(node), construct=what, hint=_STAR_HINT if star else _DOUBLE_STAR_HINT)


def _positional(parsed, call, displays, local_names=frozenset()):
    """The call's positional arguments with every ``*`` unpacked, or
    ``None`` where one cannot be."""
    out = []
    for a in call.args:
        if not isinstance(a, gast.Starred):
            out.append(a)
            continue
        v = a.value
        if isinstance(v, (gast.Tuple, gast.List)):
            inner = _positional(parsed, gast.Call(func=None, args=v.elts, keywords=[]), displays,
                                local_names)
            if inner is None:
                return None
            out.extend(inner)
        elif isinstance(v, gast.Name) and isinstance(displays.get(v.id), (gast.Tuple, gast.List)):
            for i in range(len(displays[v.id].elts)):
                item = gast.Subscript(value=A.name(v.id), slice=A.const(i), ctx=gast.Load())
                out.append(A.fill_location(item, v))
        elif isinstance(v, gast.Name) and v.id not in local_names \
                and isinstance(parsed.lookup(v.id), tuple):
            # a module-level tuple: its length is known (and the derivative
            # is made again if the name comes to denote another object)
            for i in range(len(parsed.lookup(v.id))):
                item = gast.Subscript(value=A.name(v.id), slice=A.const(i), ctx=gast.Load())
                out.append(A.fill_location(item, v))
        elif _constant_slice_of_display(v, displays) is not None:
            # *args[1:]: the items the slice takes, known from the length
            for i in _constant_slice_of_display(v, displays):
                item = gast.Subscript(value=A.name(v.value.id), slice=A.const(i), ctx=gast.Load())
                out.append(A.fill_location(item, v))
        else:
            return None
    return out


def _constant_slice_of_display(v, displays):
    """The indices ``seq[a:b:c]`` takes, for ``seq`` bound to a tuple or
    list display and constant integer bounds; ``None`` otherwise."""
    if not (isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name)
            and isinstance(displays.get(v.value.id), (gast.Tuple, gast.List))
            and isinstance(v.slice, gast.Slice)):
        return None
    bounds = []
    for b in (v.slice.lower, v.slice.upper, v.slice.step):
        if b is None:
            bounds.append(None)
            continue
        if isinstance(b, gast.UnaryOp) and isinstance(b.op, gast.USub) \
                and isinstance(b.operand, gast.Constant):
            b = A.const(-b.operand.value) if isinstance(b.operand.value, int) else b
        if not (isinstance(b, gast.Constant) and type(b.value) is int):
            return None
        bounds.append(b.value)
    if bounds[2] == 0:
        return None
    return list(range(len(displays[v.value.id].elts)))[slice(*bounds)]


def _keywords(parsed, call, displays):
    """The call's keyword arguments with every ``**`` unpacked, or ``None``
    where one cannot be."""
    out = []
    for k in call.keywords:
        if k.arg is not None:
            out.append(k)
            continue
        v = k.value
        if isinstance(v, gast.Dict) and _is_display(v):
            pairs = [(key.value, value) for key, value in zip(v.keys, v.values)]
        elif isinstance(v, gast.Name) and isinstance(displays.get(v.id), gast.Dict):
            pairs = [(key.value, A.fill_location(gast.Subscript(
                value=A.name(v.id), slice=A.const(key.value), ctx=gast.Load()), v))
                for key in displays[v.id].keys]
        else:
            return None
        for key, value in pairs:
            if not key.isidentifier() or keyword.iskeyword(key):
                raise UnsupportedSyntaxError(
                    f"the key {key!r} unpacked with ** is not a parameter name",
                    parsed.location(v), construct="**kwargs",
                    hint="use keys that are Python identifiers")
            out.append(gast.keyword(arg=key, value=value))
    seen = set()
    for k in out:
        if k.arg in seen:
            raise UnsupportedSyntaxError(
                f"keyword argument {k.arg!r} is given twice", parsed.location(call),
                construct="**kwargs", hint="Python raises TypeError here: give each keyword once")
        seen.add(k.arg)
    return out


def _left_for_later(call, parsed, local_names):
    """``zip(*rows)`` and ``x.reshape(*shape)`` / ``x.transpose(*axes)``,
    which normalization spells itself."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], gast.Starred):
        return False
    if isinstance(call.func, gast.Attribute) and call.func.attr in ("reshape", "transpose"):
        return True
    return isinstance(call.func, gast.Name) and resolve_static(parsed, call.func, local_names) is zip


def _unpacks_shapes(call, parsed, local_names):
    """Whether every ``*`` of ``call`` unpacks a shape (``*x.shape``,
    ``*x.shape[1:]``, ``*np.shape(x)``), integers with no derivative, and
    ``call`` has no ``**`` and calls no function of the user's (whose
    parameters are bound when it is transformed)."""
    import numpy
    if any(k.arg is None for k in call.keywords):
        return False

    def shape_like(v):
        while isinstance(v, gast.Subscript) and isinstance(v.slice, gast.Slice):
            v = v.value
        if isinstance(v, gast.Attribute):
            return v.attr == "shape"
        return isinstance(v, gast.Call) and resolve_static(parsed, v.func, local_names) is numpy.shape

    if not all(shape_like(a.value) for a in call.args if isinstance(a, gast.Starred)):
        return False
    target = resolve_static(parsed, call.func, local_names) \
        if isinstance(call.func, (gast.Name, gast.Attribute)) else _MISSING
    return not isinstance(target, types.FunctionType) and not (
        isinstance(call.func, gast.Name) and call.func.id in local_names)


def unpack_calls(parsed, node, local_names):
    """Unpack ``*``/``**`` in the calls of ``node``'s own body (see the
    module docstring), in place. Runs before nested functions are lifted
    out, so that the arguments their calls are given are counted as they
    are passed."""
    params = _param_ids(node.args)
    displays = None
    for n in list(_walk_own(node.body)):
        if not isinstance(n, gast.Call) or not (
                any(isinstance(a, gast.Starred) for a in n.args) or any(k.arg is None for k in n.keywords)):
            continue
        if displays is None:
            displays = display_bindings(parsed, node, params)
        args = _positional(parsed, n, displays, local_names)
        if args is None:
            if _left_for_later(n, parsed, local_names):
                continue
            if _unpacks_shapes(n, parsed, local_names):
                # f(*x.shape): called as it runs, with the shape's integers
                from .normalize import _joined_display
                joined = _joined_display(gast.Tuple(elts=list(n.args), ctx=gast.Load()), gast.Tuple)
                if isinstance(n.func, gast.Attribute) and n.func.attr in ("reshape", "transpose"):
                    n.args = [joined]   # x.reshape(-1, *x.shape[2:]): the shape as one tuple
                    continue
                n.args = [n.func, joined]
                n.func = A.fill_location(A.name("__srcad_apply_unpacked__"), n)
                continue
            star = next(a for a in n.args if isinstance(a, gast.Starred))
            raise _unpack_error(parsed, star, True)
        kws = _keywords(parsed, n, displays)
        if kws is None:
            bad = next(k for k in n.keywords if k.arg is None)
            raise _unpack_error(parsed, bad.value, False)
        n.args, n.keywords = args, kws
    if any(getattr(st, "srcad_variadic_prologue", False) for st in node.body):
        # args = () that nothing reads once *args is unpacked: not the user's
        read = {n.id for n in A.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        node.body = [st for st in node.body if not getattr(st, "srcad_variadic_prologue", False)
                     or st.targets[0].id in read] or [gast.Pass()]


def specialize_calls(parsed, node, namer, lifted, local_names):
    """Point the calls of variadic user functions in ``node``'s own body at
    their :class:`Specialized` units, added to ``lifted`` under fresh names
    (see the module docstring), in place."""
    specialized = {}   # id(unit) -> the name it is called by here
    for n in list(_walk_own(node.body)):
        if isinstance(n, gast.Call):
            _specialize_call(parsed, n, namer, lifted, local_names, specialized)


def _param_ids(args):
    names = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.append(extra.id)
    return set(names)


# ---------------------------------------------------------------------------
# Specialized units
# ---------------------------------------------------------------------------

_CO_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
_specs = weakref.WeakKeyDictionary()   # function or lifted unit -> {(n, keys): Specialized}


def _variadic_callee(parsed, call, lifted, local_names):
    """``(original, function definition, parsed)`` for a call of a user
    function that takes ``*args`` or ``**kwargs``, else ``None``."""
    func = call.func
    if isinstance(func, gast.Name) and func.id in lifted:
        unit = lifted[func.id]
        if isinstance(unit, Specialized):
            return None
        a = unit.node.args
        return (unit, unit.node, unit.parsed) if a.vararg is not None or a.kwarg is not None else None
    if isinstance(func, gast.Name) and func.id in local_names:
        return None
    if not isinstance(func, (gast.Name, gast.Attribute)):
        return None
    obj = resolve_static(parsed, func, local_names)
    if obj is _MISSING:
        return None
    if inspect.ismethod(obj) and isinstance(obj.__func__, types.FunctionType) \
            and getattr(obj.__self__, "__srcad_custom__", None) is None:
        # model.predict(x, *params): the function, given the object first
        found = _variadic_function(obj.__func__)
        if found is None:
            return None
        if isinstance(func, gast.Attribute) and resolve_static(parsed, func.value, local_names) \
                is obj.__self__:
            receiver = A.load_copy(func.value)
        else:
            receiver = gast.Attribute(value=A.load_copy(func), attr="__self__", ctx=gast.Load())
        return found + (A.fill_location(receiver, func),)
    unit = getattr(obj, "__srcad_lifted__", None)
    if isinstance(unit, LiftedUnit) and not isinstance(unit, Specialized):
        a = unit.node.args
        return (unit, unit.node, unit.parsed) if a.vararg is not None or a.kwarg is not None else None
    return _variadic_function(obj)


def _variadic_function(obj):
    """``(obj, definition, parsed)`` for a user's function taking ``*args``
    or ``**kwargs`` that srcad transforms (no rule, no hand-written
    derivative, not srcad's own), else ``None``."""
    if not isinstance(obj, types.FunctionType) or not obj.__code__.co_flags & _CO_VARIADIC:
        return None
    if getattr(obj, "__srcad_custom__", None) is not None or getattr(obj, "__srcad_function__", None) \
            is not None or getattr(obj, "__srcad_derived__", None) is not None:
        return None
    from .api import _defined_in_srcad
    from .ruleset import get_rules
    if _defined_in_srcad(obj) or get_rules().lookup(obj)[0] is not None:
        return None
    if (getattr(obj, "__module__", None) or "").split(".")[0] in ("numpy", "scipy", "cupy"):
        return None
    from .parse import parse_function
    callee = parse_function(obj)
    if callee.node.args.vararg is None and callee.node.args.kwarg is None:
        return None
    return obj, callee.node, callee


def _specialize_call(parsed, call, namer, lifted, local_names, specialized):
    found = _variadic_callee(parsed, call, lifted, local_names)
    if found is None:
        return
    original, fdef, callee_parsed = found[:3]
    if len(found) > 3:
        # (a bound method: its object goes first, as the function takes it)
        call.args = [found[3]] + list(call.args)
    a = fdef.args
    pos = [p.id for p in a.posonlyargs + a.args]
    by_name = {p.id for p in a.args + a.kwonlyargs}
    extra = len(call.args) - len(pos)
    if (extra > 0 and a.vararg is None) or any(isinstance(x, gast.Starred) for x in call.args):
        return   # (too many arguments: reported where the call is bound)
    keys = tuple(k.arg for k in call.keywords if k.arg not in by_name)
    if keys and a.kwarg is None:
        return   # (an unknown keyword: Python's TypeError)
    unit = specialize(original, fdef, callee_parsed, max(extra, 0), keys)
    name = specialized.get(id(unit))
    if name is None:
        name = namer.new(unit.name)
        specialized[id(unit)] = name
        lifted[name] = unit
    call.func = A.fill_location(A.name(name), call.func)
    call.keywords = [gast.keyword(arg=unit.keyword_params.get(k.arg, k.arg)
                                  if k.arg not in by_name else k.arg, value=k.value)
                     for k in call.keywords]


def specialize(original, fdef, parsed, extra, keys):
    """The :class:`Specialized` unit of ``original`` (a function, or a
    lifted unit) for ``extra`` positional arguments past its named ones and
    the extra keyword names ``keys`` (one unit per such shape)."""
    try:
        table = _specs.setdefault(original, {})
    except TypeError:
        table = {}
    unit = table.get((extra, keys))
    if unit is None or unit.parsed is not parsed:
        unit = table[(extra, keys)] = Specialized(original, fdef, parsed, extra, keys)
    return unit


def _specialized_node(fdef, extra, keys):
    """``fdef`` with ``*args`` as ``extra`` named positional parameters and
    ``**kwargs`` as one keyword-only parameter per key, the body starting
    by building ``args`` and ``kwargs`` from them. Returns the node and
    ``{key: parameter}``."""
    fn = A.clone(fdef)
    a = fn.args
    taken = {n.id for n in A.walk(fn) if isinstance(n, gast.Name)} | {fn.name}

    def fresh(base):
        base = base if base.isidentifier() else "arg"
        name, i = base, 1
        while name in taken or keyword.iskeyword(name):
            name = f"{base}_{i}"
            i += 1
        taken.add(name)
        return name

    def param(name):
        return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)

    prologue, keyword_params = [], {}
    if a.vararg is not None:
        names = [fresh(f"{a.vararg.id}_{i}") for i in range(extra)]
        a.args = list(a.args) + [param(n) for n in names]
        if names:
            # (every named positional parameter is given at such a call)
            a.defaults = []
        prologue.append(A.assign(a.vararg.id, gast.Tuple(elts=[A.name(n) for n in names],
                                                          ctx=gast.Load())))
        a.vararg = None
    if a.kwarg is not None:
        for k in keys:
            keyword_params[k] = fresh(f"{a.kwarg.id}_{k}")
        a.kwonlyargs = list(a.kwonlyargs) + [param(keyword_params[k]) for k in keys]
        a.kw_defaults = list(a.kw_defaults) + [None] * len(keys)
        prologue.append(A.assign(a.kwarg.id, gast.Dict(
            keys=[A.const(k) for k in keys], values=[A.name(keyword_params[k]) for k in keys])))
        a.kwarg = None
    for st in prologue:
        A.set_lineno(st, fdef.lineno)
        st.srcad_variadic_prologue = True
    fn.body = prologue + list(fn.body)
    return fn, keyword_params


class Specialized(LiftedUnit):
    """A variadic user function (or lifted nested function) for one shape
    of call: ``extra`` positional arguments past its named ones and the
    extra keywords ``keys``, as named parameters."""

    def __init__(self, original, fdef, parsed, extra, keys):
        node, keyword_params = _specialized_node(fdef, extra, keys)
        siblings = getattr(original, "siblings", None)
        free = list(getattr(original, "free", ()))
        super().__init__(node.name, node, parsed, free, siblings if siblings is not None else {})
        self.original = original
        self.extra = extra
        self.keys = keys
        self.keyword_params = keyword_params
        self._keys_of = {v: k for k, v in keyword_params.items()}
        # (a lifted function is lifted anew each time its outer function is
        # normalized: its key, not the object, tells the derivatives apart)
        from .transform import _target_key
        self.spec_key = ("specialized", _target_key(original), extra, keys)
        # the derivatives' names tell the shapes apart (model_2_fwd_x,
        # h_k_m_fwd_x): one module may hold several
        parts = [node.name] + ([str(extra)] if fdef.args.vararg is not None else []) + list(keys)
        self.__name__ = self.__qualname__ = "_".join(parts)
        # the function whose default values the derivative takes
        self.function = original if isinstance(original, types.FunctionType) else None

    def primal(self):
        raise AssertionError("calls of a specialized unit are restored, not compiled")

    def restore(self, call, env):
        """``call`` (of this unit) as the call of the user's function it
        stands for: its name and keyword names as written."""
        if isinstance(self.original, types.FunctionType):
            call.func = env.ref(self.original, self.original.__name__)
        else:
            call.func = env.ref(self.original.primal(), self.original.name)
        call.keywords = [gast.keyword(arg=self._keys_of.get(k.arg, k.arg), value=k.value)
                         for k in call.keywords]
        return call

