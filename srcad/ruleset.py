"""The rule table: loads the templates in ``srcad.rules`` (the top-level
``rules/`` folder), finds the rule for a called object, and inlines a rule's
template into generated code.

A rule is looked up by the object a call resolves to: ``numpy.sin``,
``cupy.sin`` and ``array_api_strict.sin`` share the ``numpy`` rule ``sin``;
methods (``x.sum()``) use the ``method`` rules; Python operators use the
``operator`` rules.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import inspect
import os
import sys
import textwrap

import gast

from . import astutil as A
from .ruledef import LazyModule

RULE_MODULES = ("operator", "builtins", "math", "numpy", "runtime", "dynamic", "scipy")

# Namespace key -> modules whose attributes are looked up by name.
_NAMESPACE_MODULES = {
    "numpy": ["numpy", "cupy", "array_api_strict", "numpy.linalg:linalg", "cupy.linalg:linalg",
              "array_api_strict.linalg:linalg", "numpy.fft:fft", "cupy.fft:fft",
              "array_api_strict.fft:fft", "numpy.lib.stride_tricks:lib.stride_tricks",
              "cupy.lib.stride_tricks:lib.stride_tricks"],
    "math": ["math"],
    "scipy": ["scipy.special", "scipy.linalg:linalg", "scipy.integrate:integrate"],
    "builtins": ["builtins"],
    "operator": ["operator"],
    "runtime": ["srcad.runtime"],
    "dynamic": ["srcad.dynamic"],
    "rule_helpers": ["srcad.rule_helpers"],
}


# Libraries srcad never imports itself (importing them is slow, or they may
# be absent): their functions are indexed once the user's code has imported
# them.
_OPTIONAL_MODULES = ("cupy", "array_api_strict", "scipy.special", "scipy.linalg", "scipy.integrate")


def _optional_root(modname):
    """The optional library ``modname`` belongs to, as it must be imported
    (``cupy`` for ``cupy.linalg``, ``scipy.special``), or ``None``."""
    if modname in _OPTIONAL_MODULES:
        return modname
    return next((m for m in _OPTIONAL_MODULES if modname.split(".")[0] == m.split(".")[0]), None)


class _Zero(gast.AST):
    """A structurally zero tangent inside a forward template expression."""

    _fields = ()

    def __repr__(self):
        return "ZERO"


ZERO = _Zero()


def _load_rule_package():
    """Import ``srcad.rules``; from a source checkout, the top-level
    ``rules/`` folder stands in for the installed package."""
    try:
        return importlib.import_module("srcad.rules")
    except ModuleNotFoundError:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        path = os.path.join(here, "rules", "__init__.py")
        spec = importlib.util.spec_from_file_location(
            "srcad.rules", path, submodule_search_locations=[os.path.dirname(path)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["srcad.rules"] = module
        spec.loader.exec_module(module)
        return module


class Template:
    """A parsed rule template (see :mod:`srcad.ruledef`)."""

    def __init__(self, namespace, name, fn, options):
        self.namespace = namespace
        self.name = name
        self.fn = fn
        self.options = options
        self.signature = inspect.signature(fn)
        params = list(self.signature.parameters)
        self.result = params[0]
        self.params = params[1:]
        self.globals = fn.__globals__
        source = textwrap.dedent(inspect.getsource(fn))
        node = gast.parse(source).body[0]
        self.node = node
        self.forward, self.reverse, self.temps = [], [], {}
        for s in node.body:
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant):
                continue
            kind = self._kind(s)
            if kind == "forward":
                self.forward.append(s)
            elif kind == "reverse":
                self.reverse.append(s)
            else:
                self.temps[s.targets[0].id] = s
        self.has_forward = bool(self.forward)
        self.has_reverse = bool(self.reverse)
        self.reads_result = {mode: self._reads_result(mode) for mode in ("forward", "reverse")}

    @property
    def flowing_params(self):
        """The parameters a derivative flows through: those with a tangent
        (``t[p]``) in the forward part or an adjoint (``d[p]``) in the
        reverse part. ``ad.seed(r, g)`` passes ``g`` on and only checks
        ``r``; ``ad.unbroadcast(g, like)`` reads ``like`` for its shape."""
        cache = self.__dict__.get("_flowing")
        if cache is None:
            found = set()
            for st in self.forward + self.reverse:
                for n in gast.walk(st):
                    if (isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
                            and n.value.id in ("t", "d") and isinstance(n.slice, gast.Name)):
                        found.add(n.slice.id)
            cache = self.__dict__["_flowing"] = frozenset(found & set(self.params))
        return cache

    @property
    def elementwise_reverse(self):
        """Whether every reverse contribution is built from ``d[result]``
        with operators and elementwise functions only (NumPy ufuncs,
        ``xp.where``, ``ad.log``): then an adjoint of another broadcast
        shape passes through it as through a product. ``cross`` or
        ``vecdot`` contributions mix entries along an axis and do not."""
        cache = self.__dict__.get("_elementwise")
        if cache is None:
            ok = True
            for st in self.reverse:
                for n in gast.walk(st.value):
                    if not isinstance(n, gast.Call):
                        continue
                    f = n.func
                    ok = ok and (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and (
                        (f.value.id == "xp" and (f.attr == "where" or _is_numpy_ufunc(f.attr)))
                        or (f.value.id == "ad" and f.attr in ("log", "pow_log", "pow_partial"))))
            cache = self.__dict__["_elementwise"] = ok
        return cache

    def restores_shape(self, param, full=()):
        """Whether the reverse contribution to ``param`` multiplies
        ``d[result]`` by a factor built with operators (and NumPy ufuncs)
        from the result or from the names in ``full``, which the caller
        knows to have the result's shape (``d[result] * 2 * a`` for
        ``a ** 2``): then the contribution has that shape even if
        ``d[result]`` is a scalar standing for an array of it."""
        mine = [s for s in self.reverse
                if isinstance(s, gast.AugAssign) and isinstance(s.target.slice, gast.Name)
                and s.target.slice.id == param]
        if len(mine) != 1:
            return False
        factors = []

        def flatten(e):
            if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
                flatten(e.left)
                flatten(e.right)
            elif isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
                flatten(e.operand)
            else:
                factors.append(e)

        def shaped(e):
            if isinstance(e, gast.Name):
                return e.id == self.result or e.id in full
            if isinstance(e, gast.BinOp):
                return shaped(e.left) or shaped(e.right)
            if isinstance(e, gast.UnaryOp):
                return shaped(e.operand)
            if (isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute)
                    and isinstance(e.func.value, gast.Name) and e.func.value.id == "xp"
                    and _is_numpy_ufunc(e.func.attr) and not e.keywords):
                return any(shaped(a) for a in e.args)   # xp.cos(x): elementwise
            if (isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute)
                    and isinstance(e.func.value, gast.Name) and e.func.value.id == "ad"
                    and e.func.attr in ("pow_partial", "pow_log") and not e.keywords):
                return any(shaped(a) for a in e.args)   # elementwise as well
            return False

        def is_seed(e):
            return (isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name) and e.value.id == "d"
                    and isinstance(e.slice, gast.Name) and e.slice.id == self.result)

        flatten(mine[0].value)
        out = any(is_seed(f) for f in factors) and any(shaped(f) for f in factors if not is_seed(f))
        del flatten, shaped   # they refer to themselves
        return out

    def _reads_result(self, mode):
        """Whether the primal result's *value* is used (``d[result]`` and
        ``t[result]`` name its adjoint and tangent, not its value)."""
        def visit(node):
            if (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
                    and node.value.id in ("d", "t")):
                return False
            if isinstance(node, gast.Name) and node.id == self.result:
                return True
            return any(visit(c) for c in gast.iter_child_nodes(node))
        out = False
        for s in self._mode_stmts(mode):
            value = s.value
            out = out or visit(value)
        return out

    def _kind(self, s):
        target = s.target if isinstance(s, gast.AugAssign) else (s.targets[0] if isinstance(s, gast.Assign) else None)
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            if target.value.id == "t":
                return "forward"
            if target.value.id == "d":
                return "reverse"
        if isinstance(s, gast.Assign) and isinstance(target, gast.Name):
            return "temp"
        raise SyntaxError(f"rule {self.namespace}.{self.name}: cannot read statement "
                          f"{gast.dump(s)[:80]}")

    def mode_stmts(self, mode):
        """The statements of ``mode`` (with the temporaries they use)."""
        cache = self.__dict__.setdefault("_mode_cache", {})
        if mode not in cache:
            cache[mode] = self._mode_stmts(mode)
        return cache[mode]

    def _mode_stmts(self, mode):
        main = self.forward if mode == "forward" else self.reverse
        used = set()
        for s in main:
            used |= set(A.names_in(s))
        # the temporaries used, directly or through later ones, in their order
        picked = set()
        for name, s in reversed(list(self.temps.items())):
            if name in used:
                picked.add(name)
                used |= set(A.names_in(s.value))
        return [s for name, s in self.temps.items() if name in picked] + main

    def bind(self, args, keywords):
        """Map parameter name -> AST for a call site (defaults filled in)."""
        simple = self.__dict__.get("_simple")
        if simple is None:
            # positional-or-keyword parameters only: most rules (operators,
            # ufuncs) are called with positional arguments and bound here
            # without inspect's general binding
            kinds = [self.signature.parameters[p].kind for p in self.params]
            simple = self._simple = all(k is inspect.Parameter.POSITIONAL_OR_KEYWORD for k in kinds)
        if simple and not keywords and len(args) <= len(self.params):
            out = dict(zip(self.params, args))
            for pname in self.params[len(args):]:
                default = self.signature.parameters[pname].default
                if default is inspect.Parameter.empty:
                    break   # inspect says what is missing
                out[pname] = _const_ast(default)
            else:
                return out
        bound = self.signature.bind(None, *args, **keywords)
        out = {}
        for pname in self.params:
            kind = self.signature.parameters[pname].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:
                out[pname] = A.tuple_(bound.arguments.get(pname, ()))
            elif kind is inspect.Parameter.VAR_KEYWORD:
                raise TypeError("rules cannot take **kwargs")
            elif pname in bound.arguments:
                out[pname] = bound.arguments[pname]
            else:
                default = self.signature.parameters[pname].default
                if default is inspect.Parameter.empty:
                    raise TypeError(f"missing argument {pname!r}")
                out[pname] = _const_ast(default)
        return out


def _const_ast(value):
    if isinstance(value, tuple):
        return A.tuple_([_const_ast(v) for v in value])
    return A.const(value)


class InlineContext:
    """What a transformation tells the inliner about a call site."""

    def __init__(self, namer, xp, ad, active, adjoint, tangent, global_ref,
                 result_adjoint=None, accumulate=None, scalar=None, same_shape=None,
                 unfitted=None, fits_in=None):
        self.namer = namer
        self.xp = xp                  # AST of the array namespace
        self.ad = ad                  # AST of the runtime module
        self.active = active          # name -> bool
        self.adjoint = adjoint        # name -> adjoint name
        self.tangent = tangent        # name -> tangent name
        self.global_ref = global_ref  # (name, object) -> AST
        self.result_adjoint = result_adjoint
        self.accumulate = accumulate  # (target adjoint name, expr, op) -> stmt
        self.scalar = scalar or (lambda name: False)   # name surely holds a scalar
        self.same_shape = same_shape or (lambda a, b: False)   # surely equal shapes
        # (a, b) -> whether a surely broadcasts to b's shape without widening it
        self.fits_in = fits_in or self.same_shape
        # (name, "wide" or "narrow") -> whether its adjoint may be left
        # unfitted to its shape: not summed over broadcast axes, or a
        # scalar standing for a constant array of its shape
        self.unfitted = unfitted or (lambda name, kind: False)


def _slice_to_value(node):
    if isinstance(node, gast.Slice):
        parts = [p if p is not None else A.const(None) for p in (node.lower, node.upper, node.step)]
        return A.call(A.name("slice"), parts)
    if isinstance(node, gast.Tuple):
        return A.tuple_([_slice_to_value(e) for e in node.elts])
    return node


class _Substitute:
    """A copy of a template expression with the call site filled in: the
    template's own nodes are never changed (so it need not be copied
    first), every node of the result is new."""

    dense_depth = 0

    def __init__(self, template, bound, result, ctx, renames, mode):
        self.tpl = template
        self.bound = bound
        self.result = result
        self.ctx = ctx
        self.renames = renames
        self.mode = mode

    def visit(self, node):
        method = _SUBSTITUTIONS.get(node.__class__)
        return method(self, node) if method is not None else self.copy(node)

    def copy(self, node):
        """``node`` copied, with its children substituted."""
        cls = node.__class__
        if not cls._fields and not cls._attributes:
            return node     # context and operator markers hold nothing
        new = cls.__new__(cls)
        d = new.__dict__
        for key, value in node.__dict__.items():
            if value.__class__ is list:
                d[key] = [self.visit(x) if isinstance(x, gast.AST) else x for x in value]
            elif isinstance(value, gast.AST):
                d[key] = self.visit(value)
            else:
                d[key] = value
        return new

    def visit_Call(self, node):
        """``d[result]`` handed to an ``xp`` function or used as a method
        receiver must be a real array, not a lazy zero."""
        f = node.func
        wants_dense = (isinstance(f, gast.Attribute) and (
            (isinstance(f.value, gast.Name) and f.value.id == "xp")
            or (isinstance(f.value, gast.Subscript) and isinstance(f.value.value, gast.Name)
                and f.value.value.id == "d")))
        if wants_dense:
            self.dense_depth += 1
        node = self.copy(node)
        if wants_dense:
            self.dense_depth -= 1
        return node

    def visit_Attribute(self, node):
        if isinstance(node.value, gast.Subscript) and isinstance(node.value.value, gast.Name) \
                and node.value.value.id == "d":
            self.dense_depth += 1
            node = self.copy(node)
            self.dense_depth -= 1
            return node
        return self.copy(node)

    def _bound_name(self, node):
        """The call-site atom a ``t[...]``/``d[...]`` subscript refers to."""
        if isinstance(node, gast.Name):
            if node.id == self.tpl.result:
                return A.name(self.result)
            if node.id in self.bound:
                return self.bound[node.id]
        raise SyntaxError(f"rule {self.tpl.name}: t[] and d[] take a parameter name")

    def visit_Subscript(self, node):
        if isinstance(node.value, gast.Name) and node.value.id in ("t", "d"):
            atom = self._bound_name(node.slice)
            if node.value.id == "t" and isinstance(atom, gast.Tuple):
                # *args: a tuple of tangents, explicit zeros for inactive ones
                return A.tuple_([
                    A.name(self.ctx.tangent(e.id)) if isinstance(e, gast.Name) and self.ctx.active(e.id)
                    else A.call(A.attr(A.clone(self.ctx.ad), "zeros_like"), [A.clone(e)])
                    for e in atom.elts])
            if node.value.id == "t":
                if isinstance(atom, gast.Name) and self.ctx.active(atom.id):
                    return A.name(self.ctx.tangent(atom.id))
                return ZERO
            if isinstance(atom, gast.Name) and atom.id == self.result and self.ctx.result_adjoint:
                adj = A.name(self.ctx.result_adjoint)
            else:
                adj = A.name(self.ctx.adjoint(atom.id))
            if self.dense_depth and isinstance(atom, gast.Name) and atom.id == self.result:
                # a lazy-zero adjoint (0.0) cannot go through reshape & co.
                return A.call(A.attr(A.clone(self.ctx.ad), "dense"), [adj, A.name(self.result)])
            return adj
        if isinstance(node.slice, gast.Name) and node.slice.id in self.bound:
            new = gast.Subscript(value=self.visit(node.value), slice=A.clone(self.bound[node.slice.id]),
                                 ctx=node.ctx)
            return gast.copy_location(new, node)
        return self.copy(node)

    def visit_Name(self, node):
        nid = node.id
        if nid == self.tpl.result:
            return A.name(self.result)
        if nid in self.bound:
            return _slice_to_value(A.clone(self.bound[nid]))
        if nid in self.renames:
            return A.name(self.renames[nid])
        if nid == "xp":
            return A.clone(self.ctx.xp)
        if nid == "ad":
            return A.clone(self.ctx.ad)
        if nid in self.tpl.globals:
            obj = self.tpl.globals[nid]
            if isinstance(obj, LazyModule):
                obj = obj.load()
            return self.ctx.global_ref(nid, obj)
        if hasattr(builtins, nid):
            return self.ctx.global_ref(nid, getattr(builtins, nid))
        raise NameError(f"rule {self.tpl.name}: unknown name {nid!r}")


_SUBSTITUTIONS = {gast.Call: _Substitute.visit_Call, gast.Attribute: _Substitute.visit_Attribute,
                  gast.Subscript: _Substitute.visit_Subscript, gast.Name: _Substitute.visit_Name}


def _has_zero(node):
    return any(n is ZERO for n in _iter_nodes(node))


def _iter_nodes(node):
    if node is ZERO:
        yield node
        return
    yield node
    for field, value in gast.iter_fields(node):
        if isinstance(value, list):
            for v in value:
                if v is ZERO or isinstance(v, gast.AST):
                    yield from _iter_nodes(v)
        elif value is ZERO or isinstance(value, gast.AST):
            yield from _iter_nodes(value)


# Runtime helpers linear in two tangent arguments at once (their positions).
_ACCUMULATORS = {"add_at": (0, 3), "push_adjoint": (0, 2), "pow_log_tangent": (0, 3),
                 "scatter_add": (0, 2), "with_item": (0, 2), "gradient_tangent": (0, 1),
                 "gradient_adjoint_tangent": (0, 1), "arange_tangent": (0, 1),
                 "concat_tangent": (0, 1), "inserted_tangent": (0, 2), "added_at": (0, 3),
                 "det_adjoint_tangent": (3, 4), "draw_tangent": (0, 1),
                 "pow_partial_tangent": (2, 3)}


def simplify_zero(expr):
    """Drop the terms of a tangent expression that contain a zero tangent.

    Tangent expressions are linear in the tangents, so a product, quotient
    or call with a zero tangent operand is zero; sums lose their zero terms.
    Returns ``(expr or ZERO, dropped_any)``.
    """
    if expr is ZERO:
        return ZERO, True
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub)):
        left, dl = simplify_zero(expr.left)
        right, dr = simplify_zero(expr.right)
        if left is ZERO and right is ZERO:
            return ZERO, True
        if right is ZERO:
            return left, True
        if left is ZERO:
            if isinstance(expr.op, gast.Sub):
                return gast.UnaryOp(op=gast.USub(), operand=right), True
            return right, True
        expr.left, expr.right = left, right
        return expr, dl or dr
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        inner, dropped = simplify_zero(expr.operand)
        if inner is ZERO:
            return ZERO, True
        expr.operand = inner
        return expr, dropped
    if isinstance(expr, gast.IfExp) or (
            isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
            and expr.func.attr == "where"):
        # Selections are linear in each branch: a zero branch is a literal 0.
        fields = ("body", "orelse") if isinstance(expr, gast.IfExp) else None
        parts = [getattr(expr, f) for f in fields] if fields else expr.args[1:]
        simplified = [simplify_zero(p) for p in parts]
        if all(p is ZERO or (isinstance(p, gast.Constant) and p.value == 0) for p, _ in simplified):
            return ZERO, True
        new = [A.const(0.0) if p is ZERO else p for p, _ in simplified]
        if fields:
            expr.body, expr.orelse = new
        else:
            expr.args[1:] = new
        return expr, any(d for _, d in simplified)
    if isinstance(expr, gast.BinOp):
        left, dl = simplify_zero(expr.left)
        right, dr = simplify_zero(expr.right)
        if left is ZERO or right is ZERO:
            return ZERO, True
        expr.left, expr.right = left, right
        return expr, dl or dr
    if (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
            and expr.func.attr in _ACCUMULATORS):
        # linear in two tangents at once (``ad.add_at(t[adj], x, i, t[g])``):
        # zero only when both are; a single zero one is a literal 0.0
        positions = _ACCUMULATORS[expr.func.attr]
        parts = {i: simplify_zero(expr.args[i]) for i in positions if i < len(expr.args)}
        if all(p is ZERO for p, _ in parts.values()):
            return ZERO, True
        for i, (p, _) in parts.items():
            expr.args[i] = A.const(0.0) if p is ZERO else p
        return expr, any(p is ZERO or d for p, d in parts.values())
    if isinstance(expr, gast.Call):
        dropped = False
        if isinstance(expr.func, gast.Attribute):
            # a method of a tangent: ``t[x].dot(b)``
            recv, d = simplify_zero(expr.func.value)
            if recv is ZERO:
                return ZERO, True
            expr.func.value = recv
            dropped = d
        new_args = []
        for a in expr.args:
            v, d = simplify_zero(a) if isinstance(a, gast.AST) or a is ZERO else (a, False)
            if v is ZERO:
                return ZERO, True
            new_args.append(v)
            dropped = dropped or d
        for k in expr.keywords:
            v, d = simplify_zero(k.value)
            if v is ZERO:
                return ZERO, True
            k.value = v
            dropped = dropped or d
        expr.args = new_args
        return expr, dropped
    if isinstance(expr, (gast.Subscript, gast.Attribute, gast.Starred)):
        v, d = simplify_zero(expr.value)
        if v is ZERO:
            return ZERO, True
        expr.value = v
        return expr, d
    if _has_zero(expr):
        return ZERO, True
    return expr, False


class Rules:
    """The loaded rule table."""

    def __init__(self):
        self.sets = {}
        self._templates = {}
        self._index = None
        pkg = _load_rule_package()
        from .ruledef import RuleSet
        for modname in RULE_MODULES + tuple(getattr(pkg, "EXTRA_MODULES", ())):
            mod = importlib.import_module(f"{pkg.__name__}.{modname}")
            for rs in vars(mod).values():
                if isinstance(rs, RuleSet):
                    self._add(rs)

    def _add(self, rs):
        if True:
            if rs.namespace in self.sets:
                base = self.sets[rs.namespace]
                base.entries.update(rs.entries)
                base.nondiff |= rs.nondiff
                base.aliases.update(rs.aliases)
            else:
                self.sets[rs.namespace] = rs

    # -- lookup -----------------------------------------------------------------
    def template(self, namespace, name):
        """The :class:`Template` for ``namespace.name``, ``None`` if there is no
        rule, or the string ``"nondiff"``."""
        key = (namespace, name)
        if key in self._templates:
            return self._templates[key]
        rs = self.sets.get(namespace)
        out = None
        if rs is not None:
            target = rs.aliases.get(name, name)
            if target in rs.nondiff or name in rs.nondiff:
                out = "nondiff"
            elif target in rs.entries:
                fn, options = rs.entries[target]
                out = Template(namespace, target, fn, options)
        self._templates[key] = out
        return out

    def _build_index(self):
        index = {}
        for ns, modules in _NAMESPACE_MODULES.items():
            for spec in modules:
                modname, _, prefix = spec.partition(":")
                mod = sys.modules.get(modname)
                if mod is None:
                    root = _optional_root(modname)
                    if root is not None and root not in sys.modules:
                        continue
                    try:
                        mod = importlib.import_module(modname)
                    except Exception:
                        continue
                for attr in dir(mod):
                    try:
                        obj = getattr(mod, attr)
                    except Exception:
                        continue
                    if isinstance(obj, (int, float, str, bool, type(None))) or inspect.ismodule(obj):
                        continue
                    key = f"{prefix}.{attr}" if prefix else attr
                    index.setdefault(id(obj), []).append((ns, key, obj))
        self._index = index
        self._seen_modules = set(sys.modules)

    def identify(self, obj):
        """Every ``(namespace, name)`` a callable is known by (``np.pow`` is
        also ``np.power``)."""
        if self._index is None or any(m in sys.modules and m not in self._seen_modules
                                      for m in _OPTIONAL_MODULES):
            self._build_index()
        hits = self._index.get(id(obj), [])
        return [(ns, key) for ns, key, o in hits if o is obj]

    def lookup(self, obj):
        """``((namespace, name), template)`` for a callable: the first name
        with a rule, else the first name known to be non-differentiable."""
        idents = self.identify(obj)
        if not idents:
            return None, None
        found = [(ident, self.template(*ident)) for ident in idents]
        for ident, tpl in found:
            if isinstance(tpl, Template):
                return ident, tpl
        for ident, tpl in found:
            if tpl == "nondiff":
                return ident, tpl
        return idents[0], None

    def all_entries(self):
        """``[(namespace, name, has_forward, has_reverse, kind)]`` for the
        coverage table."""
        rows = []
        for ns, rs in sorted(self.sets.items()):
            for name in sorted(set(rs.entries) | set(rs.aliases)):
                tpl = self.template(ns, name)
                if isinstance(tpl, Template):
                    rows.append((ns, name, tpl.has_forward, tpl.has_reverse, "rule"))
            for name in sorted(rs.nondiff):
                rows.append((ns, name, True, True, "nondifferentiable"))
        return rows

    # -- inlining -----------------------------------------------------------------
    def inline(self, tpl, mode, bound, result, ctx):
        """Statements computing the tangent (``mode="forward"``) or the
        adjoint contributions (``"reverse"``) of one call."""
        stmts = tpl.mode_stmts(mode)   # read, never changed: the values are copied
        renames = {name: ctx.namer.new(name) for name in tpl.temps}
        sub = _Substitute(tpl, bound, result, ctx, renames, mode)
        out = []
        defined = {}
        for s in stmts:
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                value = sub.visit(s.value)
                defined[s.targets[0].id] = value
                out.append(("temp", renames[s.targets[0].id], value))
                continue
            target = s.target if isinstance(s, gast.AugAssign) else s.targets[0]
            which = target.slice
            atom = sub._bound_name(which)
            value = sub.visit(s.value)
            op = "="
            if isinstance(s, gast.AugAssign):
                op = "+=" if isinstance(s.op, gast.Add) else "-="
            if mode == "forward":
                out.append(("tangent", op, value))
            elif isinstance(atom, gast.Tuple):
                # *args: the template gives a tuple, one adjoint per argument
                active = [(i, e) for i, e in enumerate(atom.elts)
                          if isinstance(e, gast.Name) and ctx.active(e.id)]
                if not active:
                    continue
                tmp = ctx.namer.new("d_args")
                out.append(("temp", tmp, value))
                for i, e in active:
                    item = gast.Subscript(value=A.name(tmp), slice=A.const(i), ctx=gast.Load())
                    out.append(("adjoint", e.id, op, item))
            else:
                if not (isinstance(atom, gast.Name) and ctx.active(atom.id)):
                    continue
                out.append(("adjoint", atom.id, op, value))
        return self._finish(tpl, mode, out, result, ctx, bound)

    @staticmethod
    def _dropped_name(tpl, bound, ctx):
        """Whether an inactive operand that is a variable (possibly an array
        that widens the result) lost its tangent term."""
        return any(isinstance(v, gast.Name) and not ctx.active(v.id) and not ctx.scalar(v.id)
                   and not any(isinstance(o, gast.Name) and o.id != v.id and ctx.same_shape(o.id, v.id)
                               for o in bound.values())
                   for k, v in bound.items() if k in tpl.params)

    @staticmethod
    def _may_broadcast(name, bound, ctx):
        """Whether an operand other than ``name`` may widen the result's
        shape (literals and scalars never do)."""
        return any(isinstance(v, gast.Name) and v.id != name and not ctx.scalar(v.id)
                   and not ctx.fits_in(v.id, name)
                   for v in bound.values())

    def _finish(self, tpl, mode, items, result, ctx, bound):
        broadcast = tpl.options.get("broadcast")
        body = []
        if mode == "forward":
            terms = []
            dropped = False
            for item in items:
                if item[0] != "tangent":
                    continue
                _, op, value = item
                value, dr = simplify_zero(value)
                dropped = dropped or dr
                if value is ZERO:
                    continue
                if op == "-=":
                    value = gast.UnaryOp(op=gast.USub(), operand=value)
                terms.append(value)
            if not terms:
                expr = None
            else:
                expr = terms[0]
                for term in terms[1:]:
                    if isinstance(term, gast.UnaryOp) and isinstance(term.op, gast.USub):
                        expr = A.binop(expr, gast.Sub(), term.operand)
                    else:
                        expr = A.binop(expr, gast.Add(), term)
                if broadcast and dropped and self._dropped_name(tpl, bound, ctx):
                    expr = A.call(A.attr(A.clone(ctx.ad), "broadcast_like"), [expr, A.name(result)])
            main = [("tangent", expr)]
        else:
            main = []
            for item in items:
                if item[0] != "adjoint":
                    continue
                _, name, op, value = item
                if broadcast and op != "=" and self._may_broadcast(name, bound, ctx):
                    if not ctx.unfitted(name, "wide"):
                        value = A.call(A.attr(A.clone(ctx.ad), "unbroadcast"), [value, A.name(name)])
                elif ctx.unfitted(name, "narrow"):
                    value = _unexpanded(value, name)
                main.append(("adjoint", name, op, value))
            main = _merge_contributions(main)
        # temporaries used by what remains
        used = set()
        for m in main:
            if m[-1] is not None:
                used |= set(A.names_in(m[-1]))
        temps = []
        for item in reversed(items):
            if item[0] == "temp" and item[1] in used:
                temps.append(A.assign(item[1], item[2]))
                used |= set(A.names_in(item[2]))
        body.extend(reversed(temps))
        return body, main


def _merge_contributions(main):
    """Two contributions of one call to the same adjoint (``x * x``) as one:
    ``d_x += e + e`` is ``d_x += e * 2``."""
    out = []
    for item in main:
        _, name, op, value = item
        prev = next((i for i, m in enumerate(out) if m[1] == name), None)
        if prev is None or op == "=" or out[prev][2] == "=":
            out.append(item)
            continue
        _, _, pop, pvalue = out[prev]
        if pop == op and gast.dump(pvalue) == gast.dump(value):
            merged = A.binop(pvalue, gast.Mult(), A.const(2))
        else:
            merged = A.binop(pvalue, gast.Add() if pop == op else gast.Sub(), value)
        out[prev] = ("adjoint", name, pop, merged)
    return out


def _is_numpy_ufunc(name):
    import numpy
    return isinstance(getattr(numpy, name, None), numpy.ufunc)


def _unexpanded(value, name):
    """``ad.expand_to(g, name)`` (the adjoint of a full reduction) as just
    ``g``, for an operand whose adjoint need not have its shape."""
    if (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr == "expand_to" and not value.keywords and 2 <= len(value.args) <= 4
            and isinstance(value.args[1], gast.Name) and value.args[1].id == name
            and all(isinstance(a, gast.Constant) and a.value in (None, False) for a in value.args[2:])):
        return value.args[0]
    return value


_RULES = None


def get_rules():
    """The process-wide :class:`Rules` table (loaded on first use)."""
    global _RULES
    if _RULES is None:
        _RULES = Rules()
    return _RULES
