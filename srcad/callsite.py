"""What the transformations share: the names generated code refers to, and
what each call in a normalized function resolves to.

:class:`Env` hands out names for objects the generated code needs (the
runtime module, rule namespaces, derived callees). A user's global that
already names the object is reused so the code reads as the user wrote it;
anything else becomes a closure cell of the generated function.

:func:`classify_call` tells whether a call is a rule, a non-differentiable
primitive, a user function to transform recursively, or unknown.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types

import gast
import numpy

from . import astutil as A
from . import runtime
from .errors import NonDifferentiableError
from .parse import _MISSING, resolve_static
from .ruleset import Template, get_rules

BINOPS = {
    gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "truediv",
    gast.Pow: "pow", gast.MatMult: "matmul", gast.Mod: "mod", gast.FloorDiv: "floordiv",
    gast.BitAnd: "and_", gast.BitOr: "or_", gast.BitXor: "xor", gast.LShift: "lshift",
    gast.RShift: "rshift",
}
UNARYOPS = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not_", gast.Invert: "invert"}
class _SpecialCalls(dict):
    """The functions normalized code calls by reserved names; also
    ``__srcad_special_<name>__`` for ``scipy.special.<name>`` once the user's
    code has imported SciPy (srcad never imports it)."""

    def _lazy(self, key):
        if not (isinstance(key, str) and key.startswith("__srcad_special_") and key.endswith("__")):
            return None
        fn = getattr(sys.modules.get("scipy.special"), key[len("__srcad_special_"):-2], None)
        if fn is not None:
            self[key] = fn
        return fn

    def __contains__(self, key):
        return dict.__contains__(self, key) or self._lazy(key) is not None

    def __missing__(self, key):
        fn = self._lazy(key)
        if fn is None:
            raise KeyError(key)
        return fn


_SPECIAL_CALLS = _SpecialCalls({
    "__srcad_np_prod__": numpy.prod,
    "__srcad_np_norm__": numpy.linalg.norm,
    "__srcad_np_subtract__": numpy.subtract,
    "__srcad_np_where__": numpy.where,
    "__srcad_np_solve__": numpy.linalg.solve,
    "__srcad_np_log__": numpy.log,
    "__srcad_np_exp__": numpy.exp,
    "__srcad_np_trapezoid__": getattr(numpy, "trapezoid", None) or getattr(numpy, "trapz", None),
    "__srcad_np_inv__": numpy.linalg.inv,
    "__srcad_np_det__": numpy.linalg.det,
    "__srcad_np_cholesky__": numpy.linalg.cholesky,
    "__srcad_np_tril__": numpy.tril,
    "__srcad_np_triu__": numpy.triu,
    "__srcad_len__": len,
    "__srcad_min__": min,
    "__srcad_range__": range,
    "__srcad_sequence__": runtime.sequence,
    "__srcad_apply_unpacked__": runtime.apply_unpacked,
    "__srcad_sort_order__": runtime.sort_order,
    "__srcad_shortest__": runtime.shortest,
    "__srcad_zip__": runtime.zip_list,
    "__srcad_enumerate__": runtime.enumerate_list,
    "__srcad_reversed__": runtime.reversed_list,
    "__srcad_scatter_add__": runtime.scatter_add,
    "__srcad_diagonal_index__": runtime.diagonal_index,
    "__srcad_record__": runtime.record,
    "__srcad_with_item__": runtime.with_item,
    "__srcad_concat__": runtime.concat,
    "__srcad_running_extremum__": runtime.running_extremum,
    "__srcad_logaddexp_accumulate__": runtime.logaddexp_accumulate,
    "__srcad_put_along_axis__": runtime.put_along_axis_copy,
    "__srcad_add_reduceat__": runtime.add_reduceat,
    "__srcad_np_resize__": numpy.resize,
    "__srcad_np_zeros_like__": numpy.zeros_like,
    "__srcad_np_logical_or__": numpy.logical_or,
    "__srcad_np_logical_not__": numpy.logical_not,
    "__srcad_np_moveaxis__": numpy.moveaxis,
    "__srcad_np_reshape__": numpy.reshape,
    "__srcad_np_stack__": numpy.stack,
    "__srcad_np_trunc__": numpy.trunc,
    "__srcad_np_log1p__": numpy.log1p,
    "__srcad_np_abs__": numpy.abs,
    "__srcad_copy__": runtime.copy,
    "__srcad_deep_copy__": runtime.deep_copy,
    "__srcad_loc_scale_draw__": runtime.loc_scale_draw,
    "__srcad_scale_draw__": runtime.scale_draw,
    "__srcad_lognormal_draw__": runtime.lognormal_draw,
    "__srcad_np_mean__": numpy.mean,
    "__srcad_np_median__": numpy.median,
    "__srcad_np_var__": numpy.var,
    "__srcad_np_std__": numpy.std,
    "__srcad_np_sin__": numpy.sin,
    "__srcad_np_cos__": numpy.cos,
    "__srcad_np_tan__": numpy.tan,
    "__srcad_np_sinh__": numpy.sinh,
    "__srcad_np_cosh__": numpy.cosh,
    "__srcad_np_tanh__": numpy.tanh,
    "__srcad_np_sqrt__": numpy.sqrt,
    "__srcad_np_log10__": numpy.log10,
    "__srcad_np_angle__": numpy.angle,
    "__srcad_same_lengths__": runtime.same_lengths,
    "__srcad_index_tuples__": runtime.index_tuples,
    "__srcad_np_asarray__": numpy.asarray,
    "__srcad_np_array__": numpy.array,
    "__srcad_np_ravel__": numpy.ravel,
    "__srcad_np_broadcast_arrays__": numpy.broadcast_arrays,
    "__srcad_along_axis_shape__": runtime.along_axis_shape,
    "__srcad_along_axis_axes__": runtime.along_axis_axes,
    "__srcad_np_shape__": numpy.shape,
    "__srcad_np_count_nonzero__": numpy.count_nonzero,
    "__srcad_np_unravel_index__": numpy.unravel_index,
    "__srcad_np_ndindex__": numpy.ndindex,
    "__srcad_np_broadcast_arrays__": numpy.broadcast_arrays,
    "__srcad_np_argsort__": numpy.argsort,
    "__srcad_np_concatenate__": numpy.concatenate,
    "__srcad_np_interp__": numpy.interp,
    "__srcad_np_asarray__": numpy.asarray,
    "__srcad_np_zeros_like__": numpy.zeros_like,
    "__srcad_np_logical_not__": numpy.logical_not,
    "__srcad_np_any__": numpy.any,
    "__srcad_einsum_subscripts__": runtime.einsum_subscripts,
    "__srcad_keys__": runtime.keys,
    "__srcad_deleted__": runtime.deleted,
    "__srcad_repeated__": runtime.repeated,
    "__srcad_inserted__": runtime.inserted,
})
_ARRAY_NAMESPACES = ("numpy", "cupy", "array_api_strict", "jax.numpy", "dask.array")


class Lazy:
    """A reference to a derived function that is still being generated
    (recursion): its cell is filled once it exists."""

    def __init__(self, derived):
        self.derived = derived


class Env:
    """Names of the objects generated code refers to."""

    def __init__(self, parsed, namer, local_names):
        self.parsed = parsed
        self.namer = namer
        self.locals = local_names
        self.cells = {}        # name -> object (or Lazy)
        self._by_id = {}
        self.own_names = set()  # names of the functions being generated

    def ref(self, obj, preferred):
        """A ``Name`` that evaluates to ``obj`` in the generated function."""
        key = id(obj)
        if key in self._by_id:
            return A.name(self._by_id[key])
        if preferred not in self.locals and self.parsed.lookup(preferred) is obj:
            self._by_id[key] = preferred
            return A.name(preferred)
        name = self.namer.new(preferred)
        self.cells[name] = obj
        self._by_id[key] = name
        return A.name(name)

    def runtime(self):
        return self.ref(runtime, "ad")

    def lazy(self, derived, preferred):
        # a function calling itself refers to itself by its own name
        name = preferred if preferred in self.own_names else self.namer.new(preferred)
        self.cells[name] = Lazy(derived)
        return A.name(name)


_LIST_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                           "update", "setdefault", "popitem", "keys", "values", "items", "get",
                           "index", "count"})


class CallInfo:
    __slots__ = ("kind", "template", "obj", "ident", "xp", "method", "unit", "receiver")

    def __init__(self, kind, template=None, obj=None, ident=None, xp=None, method=None, unit=None):
        self.kind = kind          # "rule" | "nondiff" | "user" | "lifted" | "unknown"
        self.template = template
        self.obj = obj
        self.ident = ident
        self.xp = xp              # AST of the array namespace at this call
        self.method = method      # method name for x.m(...)
        self.unit = unit
        self.receiver = None      # the object a bound method is called on


def default_namespace(env, norm):
    """The array namespace used for operators: the first array namespace the
    function refers to (``np``, ``cp``...), NumPy otherwise."""
    for n in A.walk(norm.node):
        if isinstance(n, gast.Name) and n.id not in norm.local_names:
            obj = norm.parsed.lookup(n.id)
            if inspect.ismodule(obj) and obj.__name__ in _ARRAY_NAMESPACES:
                return env.ref(obj, n.id)
    import numpy
    return env.ref(numpy, "np")


def _namespace_expr(env, func, obj):
    """For ``np.linalg.inv`` the expression for ``np``; for a bare name the
    module the function comes from."""
    node = func
    while isinstance(node, gast.Attribute):
        base = resolve_static(env.parsed, node.value, env.locals)
        if inspect.ismodule(base) and base.__name__ in _ARRAY_NAMESPACES:
            return A.load_copy(node.value)
        node = node.value
    modname = getattr(obj, "__module__", None) or ""
    root = modname.split(".")[0]
    for ns in _ARRAY_NAMESPACES:
        if ns.split(".")[0] == root and ns in sys.modules:
            return env.ref(sys.modules[ns], root if root != "numpy" else "np")
    import numpy
    return env.ref(numpy, "np")


def classify_call(call, norm, env, lifted, custom_rules):
    """Resolve a normalized ``Call`` node to a :class:`CallInfo`."""
    rules = get_rules()
    func = call.func
    if getattr(call, "is_method", False):
        tpl = rules.template("method", func.attr)
        if tpl == "nondiff":
            return CallInfo("nondiff", method=func.attr)
        if isinstance(tpl, Template):
            return CallInfo("rule", tpl, method=func.attr)
        if func.attr in _LIST_METHODS:
            return CallInfo("unknown", method=func.attr)
        # a method of some object (self.layer(x)): found when the call runs
        return CallInfo("dynamic", method=func.attr)
    if isinstance(func, gast.Name) and func.id in _SPECIAL_CALLS:
        obj = _SPECIAL_CALLS[func.id]
    elif isinstance(func, gast.Name) and func.id in lifted:
        return CallInfo("lifted", unit=lifted[func.id])
    elif isinstance(func, gast.Name) and func.id in norm.local_names:
        # a function held in a variable: its derivative is found at run time
        return CallInfo("dynamic")
    else:
        obj = resolve_static(norm.parsed, func, norm.local_names)
    if obj is _MISSING:
        return CallInfo("unknown")
    unit = getattr(obj, "__srcad_lifted__", None)
    if unit is not None:
        # a nested function's plain version, called by generated code
        return CallInfo("lifted", unit=unit)
    from . import dynamic
    from . import api
    if obj is api.jvp:
        # srcad.jvp inside a function being differentiated: the forward-mode
        # code of the function it is given, found when the call runs
        return CallInfo("dynamic")
    if obj is dynamic.call_fwd or obj is dynamic.call_bwd:
        # reverse-mode code's calls of a function held in a variable: in
        # reverse mode again, calls of their generated sweeps (found when
        # the call runs)
        return CallInfo("dynamic")
    custom = custom_rules(obj)
    if custom is not None:
        return CallInfo("custom", obj=obj, template=custom)
    if isinstance(obj, functools.partial) and len(obj.args) == 1 and not obj.keywords \
            and custom_rules(obj.func) is not None:
        # a method with a hand-written derivative, bound to its object
        info = CallInfo("custom", obj=obj.func, template=custom_rules(obj.func))
        info.receiver = obj.args[0]
        return info
    if isinstance(obj, functools.partial):
        # its bound arguments go in front when the call runs (srcad.dynamic)
        return CallInfo("dynamic")
    if inspect.ismethod(obj) and getattr(obj.__self__, "__srcad_custom__", None) is not None:
        # generated code calling a hand-written derivative (custom_vjp's
        # reverse_fwd...): differentiated again through the user's own
        # forward and backward functions, where they are Python functions
        target = obj.__self__.differentiable_part(obj.__name__)
        if target is not None:
            return CallInfo("user", obj=target)
        return CallInfo("unknown", obj=obj)
    if inspect.ismethod(obj) and isinstance(obj.__func__, types.FunctionType) and _in_scipy(obj.__func__):
        # a method of a SciPy object (scipy.stats.norm.logpdf): no rule
        return CallInfo("unknown", obj=obj, ident=("scipy", obj.__name__))
    if inspect.ismethod(obj) and isinstance(obj.__func__, types.FunctionType):
        # a bound method: its function, with the receiver as first argument
        info = CallInfo("user", obj=obj.__func__)
        info.receiver = obj.__self__
        return info
    ident, tpl = rules.lookup(obj)
    if ident is not None:
        if tpl == "nondiff":
            return CallInfo("nondiff", obj=obj, ident=ident)
        if isinstance(tpl, Template):
            return CallInfo("rule", tpl, obj=obj, ident=ident, xp=_namespace_expr(env, func, obj))
        # A library function without a rule: never transform the library's
        # own source (it is full of dispatch code), say it has no rule.
        return CallInfo("unknown", obj=obj, ident=ident)
    if isinstance(obj, type) and issubclass(obj, (int, bool, str)):
        return CallInfo("nondiff", obj=obj)
    from .api import callable_object_method
    call_method = callable_object_method(obj)
    if call_method is not None:
        # an instance of a class defining __call__ (model(x)): the method,
        # with the instance as first argument
        info = CallInfo("user", obj=call_method)
        info.receiver = obj
        return info
    target = getattr(obj, "__srcad_function__", None) or obj
    from .api import _defined_in_srcad
    if isinstance(target, types.FunctionType) and target is obj and _defined_in_srcad(obj):
        # srcad's own machinery (the function srcad.jacobian makes): its
        # source is not the mathematics it computes
        return CallInfo("unknown", obj=obj)
    if isinstance(target, types.FunctionType) and target is obj and _in_scipy(obj):
        # SciPy's own Python source is dispatch and LAPACK wrappers, not the
        # mathematics: say it has no rule rather than fail inside it
        return CallInfo("unknown", obj=obj, ident=("scipy", obj.__name__))
    if isinstance(target, types.FunctionType) or hasattr(obj, "__srcad_derivative__"):
        return CallInfo("user", obj=obj)
    return CallInfo("unknown", obj=obj, ident=ident)


def _in_scipy(fn):
    return (getattr(fn, "__module__", None) or "").split(".")[0] == "scipy"


def callee_ref(env, call, info):
    """The expression generated code uses to call the primal function."""
    func = call.func
    if isinstance(func, gast.Name) and func.id in _SPECIAL_CALLS:
        obj = _SPECIAL_CALLS[func.id]
        if getattr(obj, "__module__", None) == runtime.__name__:
            return A.attr(env.runtime(), obj.__name__)
        return env.ref(obj, obj.__name__)
    return A.load_copy(func)


def nondiff_error(norm, call, info):
    what = _describe(call.func)
    hint = ("add a rule in rules/ or wrap the function with srcad.custom_vjp; "
            "if its result does not need a derivative, wrap the argument in srcad.stop_gradient")
    near = _nearest_rule(info)
    if near:
        hint = f"did you mean {near}? " + hint
    owner = getattr(info.obj, "__self__", None)
    if getattr(owner, "__srcad_custom__", None) is not None:
        hint = ("this call is part of a derivative srcad generated from a hand-written one "
                f"({owner.__name__}); second derivatives through custom_vjp/custom_jvp functions "
                "are not supported yet")
    if info.ident and info.ident[0] in ("rule_helpers", "dynamic", "runtime"):
        what = f"ad.{info.ident[1]}" if info.ident[0] == "runtime" else what
        hint = ("this call is part of a derivative srcad generated; differentiating it again "
                "(a second derivative through this operation) is not supported yet: use "
                "finite differences of the first derivative, or another formulation")
    why = "no derivative rule" if info.ident else "no derivative rule and no Python source to transform"
    return NonDifferentiableError(
        f"{what} has {why}",
        norm.parsed.location(call), construct=what, hint=hint)


def _describe(node):
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        return _describe(node.value) + "." + node.attr
    return type(node).__name__


def _nearest_rule(info):
    import difflib
    rules = get_rules()
    name = info.method or (info.ident[1] if info.ident else getattr(info.obj, "__name__", None))
    if not name:
        return None
    ns = "method" if info.method else (info.ident[0] if info.ident else "numpy")
    rs = rules.sets.get(ns)
    if rs is None:
        return None
    matches = difflib.get_close_matches(name, list(rs.entries) + list(rs.aliases), n=1, cutoff=0.75)
    if matches:
        return ("." if info.method else f"{ns}.") + matches[0]
    return None
