"""What the forward and reverse transformations share: activity, the
classification of calls, and inlining rules at a statement."""

from __future__ import annotations

import inspect
import threading
import weakref

import gast
import numpy as np

from . import astutil as A
from .analysis import NONDIFF_ATTRS, activity
from .kinds import SCALAR, _value_kind, infer, is_reduced, return_kind, scalar_names, shape_classes
from .callsite import (_SPECIAL_CALLS, BINOPS, UNARYOPS, CallInfo, classify_call,
                       default_namespace, nondiff_error)
from .errors import NonDifferentiableError, UnsupportedSyntaxError
from .parse import _MISSING, resolve_static
from .ruleset import InlineContext, Template, get_rules



# Properties of arrays (x.flat, x.base, ...): an attribute read with one of
# these names is refused when it has no rule, rather than taken for a field.
_ARRAY_PROPERTIES = frozenset(
    name for name in dir(np.ndarray) if not name.startswith("_") and not callable(getattr(np.ndarray, name)))

def resolve_call(parsed, local_names, call):
    """The object a call's function denotes, when known before running
    (``np.sum`` for ``np.sum(x)``), else ``None``."""
    if getattr(call, "is_method", False):
        return None
    if isinstance(call.func, gast.Name) and call.func.id in _SPECIAL_CALLS:
        return _SPECIAL_CALLS[call.func.id]
    obj = resolve_static(parsed, call.func, local_names)
    return None if obj is _MISSING else obj


def _resolve_for(parsed, norm):
    return lambda call: resolve_call(parsed, norm.local_names, call)


_FRESH_BUILTINS = frozenset({float, int, len, range, sum, abs, bool, round, pow, divmod, complex,
                             isinstance, print, sorted, enumerate, zip})
_CONTAINER_ACCESSORS = frozenset({"pop", "get", "setdefault", "values", "items", "keys", "copy"})
_RETURNS_MEMORY = weakref.WeakKeyDictionary()
_ANALYZING = threading.local()


def _returns_argument_memory(func):
    """Whether the user function ``func`` may return memory of one of its
    arguments (``return M[0]``, ``return x``, through the calls it makes);
    ``True`` where that cannot be read from its source."""
    try:
        return _RETURNS_MEMORY[func]
    except (KeyError, TypeError):
        pass
    busy = _ANALYZING.__dict__.setdefault("busy", set())
    if id(func) in busy:
        return True   # recursion: assume the worst while it is being read
    busy.add(id(func))
    try:
        answer = _read_returns_memory(func)
    except Exception:   # no source, unsupported code: the transform says so when it matters
        answer = True
    finally:
        busy.discard(id(func))
    try:
        _RETURNS_MEMORY[func] = answer
    except TypeError:
        pass
    return answer


def _read_returns_memory(func):
    from .analysis import returns_argument_memory
    from .normalize import normalized_view
    from .parse import parse_function
    parsed = parse_function(func)
    norm = normalized_view(parsed)
    if norm is None:
        return True
    resolve = _resolve_for(parsed, norm)

    def call_may_alias(call):
        if getattr(call, "is_method", False):
            return call.func.attr in _CONTAINER_ACCESSORS and call.func.attr != "copy"
        if isinstance(call.func, gast.Name) and call.func.id.startswith("__srcad_"):
            return False   # (the analysis knows these)
        obj = resolve(call)
        if obj is None:
            return True
        if obj in _FRESH_BUILTINS if _hashable(obj) else False:
            return False
        module = (getattr(obj, "__module__", None) or "").split(".")[0]
        if module in ("numpy", "cupy", "math"):
            return False
        if inspect.isfunction(obj):
            return _returns_argument_memory(obj)
        return True

    return returns_argument_memory(norm.node.body, norm.param_names, norm.return_name, call_may_alias)


def _hashable(obj):
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def callee_kinds(func, args, keywords):
    """The kind a user function called with arguments of these kinds
    returns (:func:`srcad.kinds.return_kind`)."""
    return return_kind(func, args, keywords, _resolve_for)


class BaseTransform:
    """Holds one normalized function and what is known about it."""

    def __init__(self, norm, namer, env, wrt, derive, custom_rules, param_kinds=None, checked=False,
                 lazy_kinds=False):
        self.norm = norm
        self.namer = namer
        self.env = env
        self.wrt = list(wrt)
        self.derive = derive              # (target, mode, active positions) -> ref AST
        self.custom_rules = custom_rules
        self._calls = {}
        self.xp = default_namespace(env, norm)
        outputs = [norm.return_name] if norm.return_name else []
        nondiff = lambda call: self.info(call).kind == "nondiff"   # noqa: E731
        nondiff.flowing = self.flowing_args
        self._activity_calls = nondiff
        self._mark_calls_returning_memory()
        self.active = activity(norm.node.body, set(self.wrt), outputs, nondiff)
        if self._methods_of_other_objects():
            self._varied_names = None
            self.active = activity(norm.node.body, set(self.wrt), outputs, nondiff)
        from .arraylike import arrays_from_lists
        self._param_kinds = dict(param_kinds or {})
        arrays_from_lists(self)
        # ``checked``: the same derivative for other argument kinds passed
        # the checks that raise only (kinds change none of their answers)
        self.checked = checked
        # the checks below look through the same, no longer changing tree
        self._nodes = list(A.walk(norm.node)) if not checked else None
        if not checked:
            self._check_function_values()
        from .analysis import risky_rebinds
        self.risky = risky_rebinds(norm.node.body)
        self._param_kinds = dict(param_kinds or {})
        if not lazy_kinds:
            self._infer_kinds()
        if not checked:
            self._check_hidden_writes()
            self._check_nested_writes()
        del self._nodes

    def _infer_kinds(self):
        self._kinds = infer(self.norm.node.body, self._param_kinds, self._resolve, callee_kinds)
        self._scalars = scalar_names(self._kinds)
        self._shapes = shape_classes(self.norm.node.body, self.norm.param_names, self._scalars,
                                     self._resolve)

    # ``lazy_kinds``: the names known to hold scalars and the shape classes
    # are inferred when first asked for (a check may never ask); the tree
    # must not have changed since the transformation was made
    @property
    def scalars(self):
        if "_scalars" not in self.__dict__:
            self._infer_kinds()
        return self._scalars

    def entry_is_scalar(self, subscript):
        """Whether ``base[index]`` surely is one entry of an array (an
        integer index per axis of an array of known rank)."""
        if "_kinds" not in self.__dict__:
            self._infer_kinds()
        kinds = self._kinds
        return _value_kind(subscript, lambda n: kinds.get(n), self._resolve) == SCALAR

    @property
    def shapes(self):
        if "_shapes" not in self.__dict__:
            self._infer_kinds()
        return self._shapes

    def _methods_of_other_objects(self):
        """``obj.sum(x)`` reads like the array method ``sum`` of ``obj``, but
        when ``obj`` does not depend on the input and an argument does,
        ``obj`` is no array being differentiated (``xp = np``, a
        distribution object with a ``mean`` method): such calls are
        resolved when they run, like any method of an object. Returns
        whether any call was reclassified."""
        methods = [n for n in A.nodes(self.norm.node)
                   if isinstance(n, gast.Call) and getattr(n, "is_method", False)]
        if not methods:
            return False
        varied = self._varied()
        changed = False
        for n in methods:
            recv = n.func.value
            if not isinstance(recv, gast.Name) or recv.id in varied or self.info(n).kind != "rule":
                continue
            operands = list(n.args) + [k.value for k in n.keywords]
            flowing = self.flowing_args(n)
            # (arguments the array method's rule takes a derivative in, such
            # as the bounds of x.clip(lo, hi), are as the rule expects)
            if any(isinstance(a, gast.Name) and a.id in varied and (flowing is not None and a.id not in flowing)
                   for a in operands):
                self._calls[id(n)] = CallInfo("dynamic", method=n.func.attr)
                changed = True
        return changed

    def _varied(self):
        """Names that depend on the ``wrt`` arguments, useful or not (the
        active set keeps only those the output needs); computed once."""
        if getattr(self, "_varied_names", None) is None:
            everything = {n.id for n in A.nodes(self.norm.node) if isinstance(n, gast.Name)}
            self._varied_names = activity(self.norm.node.body, set(self.wrt), everything,
                                          self._activity_calls)
        return self._varied_names

    def _check_function_values(self):
        """A function made inside the function and used as a value (passed
        on, stored) is differentiated through its arguments only: it must not
        read variables that depend on what is being differentiated."""
        self._check_made_functions()
        opaque = [n for n in self._nodes
                  if getattr(n, "srcad_opaque", False) and n is not self.norm.node]
        if not opaque:
            return
        # a sort key orders values; no derivative flows through what it returns
        key_values = [k.value for n in self._nodes
                      if isinstance(n, gast.Call) and (
                          (isinstance(n.func, gast.Name) and n.func.id == "__srcad_sort_order__")
                          or (isinstance(n.func, gast.Attribute) and n.func.attr == "sort_order"))
                      for k in n.keywords if k.arg == "key"]
        keys = {v.id for v in key_values if isinstance(v, gast.Name)}
        loads = {}
        for n in self._nodes:
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                loads[n.id] = loads.get(n.id, 0) + 1
        sort_keys = {id(n.value) for n in self._nodes
                     if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name)
                     and n.targets[0].id in keys and loads.get(n.targets[0].id) == 1}
        sort_keys |= {id(v) for v in key_values if isinstance(v, gast.Lambda)}
        opaque = [fn for fn in opaque if id(fn) not in sort_keys]
        if not opaque:
            return
        varied = self._varied()
        for fn in opaque:
            params = {a.id for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
            inner = fn.body if isinstance(fn.body, list) else [fn.body]
            own = params | {n.id for b in inner for n in A.nodes(b)
                            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
            reads = {n.id for b in inner for n in A.nodes(b)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)} - own
            bad = sorted(reads & varied)
            if bad:
                what = "lambda" if isinstance(fn, gast.Lambda) else f"function {fn.name!r}"
                raise NonDifferentiableError(
                    f"the {what} is used as a value and reads {', '.join(bad)}, which depends on what "
                    f"is being differentiated", self.norm.parsed.location(fn), construct=what,
                    hint="pass those values to it as arguments, or call it directly instead of "
                         "passing it on")

    def _check_made_functions(self):
        """A function value made by a call (``g = make(s)``, then ``g(x)``)
        is differentiated through its own arguments only: what it was made
        from must not depend on what is being differentiated."""
        local = self.norm.local_names
        calls = [n for n in self._nodes
                 if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in local]
        called = {n.func.id for n in calls}
        if not called:
            return
        varied = None
        for n in self._nodes:
            if (isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name)
                    and n.targets[0].id in called and isinstance(n.value, gast.Call)):
                varied = self._varied() if varied is None else varied
                bad = sorted({a.id for a in self.call_operands(n.value)
                              if isinstance(a, gast.Name) and a.id in varied})
                if bad:
                    name = n.targets[0].id
                    raise NonDifferentiableError(
                        f"{name} is a function made from {', '.join(bad)}, which depends on what is "
                        f"being differentiated; a function value is differentiated through its "
                        f"arguments only", self.norm.parsed.location(n), construct="function value",
                        hint=f"pass {', '.join(bad)} to the function {name} as arguments instead")
        varied = self._varied()
        for n in calls:
            if n.func.id in varied:
                # m(x) with m an argument being differentiated (a callable
                # object): its own derivative would be dropped
                raise NonDifferentiableError(
                    f"{n.func.id} is called as a function and depends on what is being "
                    f"differentiated; a called value is differentiated through its arguments only",
                    self.norm.parsed.location(n), construct="call of a differentiated value",
                    hint=f"pass the values {n.func.id} uses as arguments (differentiate with "
                         f"respect to those), and compute with them in a plain function")

    def _resolve(self, call):
        return resolve_call(self.norm.parsed, self.norm.local_names, call)

    # -- calls ----------------------------------------------------------------
    def info(self, call):
        key = id(call)
        if key not in self._calls:
            self._calls[key] = classify_call(call, self.norm, self.env, self.norm.lifted,
                                             self.custom_rules)
        return self._calls[key]

    def rebinding_guard(self, s):
        """``ad.rebinding(x, 'x', 'y')`` before a risky ``x += v`` (see
        :func:`srcad.analysis.risky_rebinds`), or nothing."""
        other = self.risky.get(id(s))
        if other is None:
            return []
        name = s.targets[0].id
        loc = self.norm.parsed.location(s)
        guard = A.expr_stmt(A.call(A.attr(self.env.runtime(), "rebinding"),
                                   [A.name(name), A.const(name), A.const(other),
                                    A.const(loc.filename), A.const(loc.lineno)]))
        A.copy_lineno(guard, s)
        return [guard]

    def with_receiver(self, call):
        """For a bound method called as a function (``model.loss(x)``
        resolved statically): the same call with the receiver as explicit
        first argument, matching the method's function."""
        info = self.info(call)
        if info.receiver is None:
            return call
        key = ("receiver", id(call))
        if key not in self._calls:
            obj = info.receiver
            ref = self.env.ref(obj, type(obj).__name__.lower() or "obj")
            new = gast.Call(func=call.func, args=[ref] + list(call.args), keywords=list(call.keywords))
            self._calls[key] = new
        return self._calls[key]

    def nondiff_call(self, call):
        return self.info(call).kind == "nondiff"

    def flowing_args(self, call):
        """The names among a call's arguments that a derivative flows
        through, when its rule says some do not (``None``: all of them)."""
        info = self.info(call)
        if info.kind != "rule" or not isinstance(info.template, Template):
            return None
        tpl = info.template
        if tpl.flowing_params == frozenset(tpl.params):
            return None
        args = list(call.args)
        if info.method:
            args.insert(0, call.func.value)
        try:
            bound = tpl.bind(args, {k.arg: k.value for k in call.keywords})
        except TypeError:
            return None
        out = set()
        for p, v in bound.items():
            # options without a derivative still make the result depend on
            # them: reaching the rule, such a dependence is refused (bind)
            if p in tpl.flowing_params or (tpl.namespace == "numpy" and p in self.VALUE_OPTIONS) \
                    or p in tpl.options.get("constant", ()):
                # a *args parameter is bound to a tuple of the atoms
                for atom in (v.elts if isinstance(v, gast.Tuple) else [v]):
                    if isinstance(atom, gast.Name):
                        out.add(atom.id)
        return out

    def is_active(self, node):
        return isinstance(node, gast.Name) and node.id in self.active

    def any_active(self, nodes):
        return any(self.is_active(n) for n in nodes)

    def call_operands(self, call):
        """The atoms of a call through which derivatives flow, method
        receiver first."""
        ops = list(call.args) + [k.value for k in call.keywords]
        if getattr(call, "is_method", False):
            ops.insert(0, call.func.value)
        return ops

    # -- rules ----------------------------------------------------------------
    def rule_for_value(self, value):
        """``(template, args, keywords, xp)`` for a value that a rule handles,
        ``"nondiff"``, or ``None``."""
        rules = get_rules()
        if isinstance(value, gast.BinOp):
            tpl = rules.template("operator", BINOPS[type(value.op)])
            if tpl == "nondiff" or tpl is None:
                return "nondiff"
            return tpl, [value.left, value.right], {}, self.xp
        if isinstance(value, gast.UnaryOp):
            tpl = rules.template("operator", UNARYOPS[type(value.op)])
            if tpl == "nondiff" or tpl is None:
                return "nondiff"
            return tpl, [value.operand], {}, self.xp
        if isinstance(value, gast.Compare):
            return "nondiff"
        if isinstance(value, gast.Attribute):
            if value.attr in NONDIFF_ATTRS:
                return "nondiff"
            tpl = rules.template("method", "attr:" + value.attr)
            if tpl == "nondiff":
                return "nondiff"
            if tpl is None:
                if value.attr in _ARRAY_PROPERTIES:
                    return None
                # a field of a namedtuple or dataclass (checked at run time)
                return rules.template("runtime", "field"), [value.value, A.const(value.attr)], {}, self.xp
            return tpl, [value.value], {}, self.xp
        if isinstance(value, gast.Call):
            info = self.info(value)
            if info.kind == "nondiff":
                return "nondiff"
            if info.kind in ("rule", "custom") and isinstance(info.template, Template):
                args = list(value.args)
                if info.method:
                    args.insert(0, value.func.value)
                kws = {k.arg: k.value for k in value.keywords}
                return info.template, args, kws, info.xp or self.xp
        return None

    def require_mode(self, tpl, args, kws, stmt, mode):
        """A rule without a part for ``mode`` must not be used on active
        operands: that would be a silent zero derivative."""
        has = tpl.has_forward if mode == "forward" else tpl.has_reverse
        if has:
            return
        operands = list(args) + list(kws.values())
        if any(self.is_active(a) for a in operands if isinstance(a, gast.Name)):
            raise NonDifferentiableError(
                f"the derivative rule {tpl.namespace}.{tpl.name} has no {mode}-mode part",
                self.norm.parsed.location(stmt), construct=tpl.name,
                hint=f"add a {'t[result] = ...' if mode == 'forward' else 'd[x] += ...'} line to the "
                     f"rule, or use the other mode")

    # Options of NumPy functions that may hold a float the result depends
    # on, but that their rules give no derivative (q of quantile, ord of
    # norm, ddof of std...): a value depending on the input there is refused,
    # not treated as a constant.
    VALUE_OPTIONS = frozenset({"q", "ord", "p", "ddof", "correction", "initial", "nan", "posinf",
                               "neginf", "aweights", "fweights", "base", "period", "discont",
                               "rcond", "rtol", "atol", "decimals"})

    def bind(self, tpl, args, kws, stmt):
        try:
            bound = tpl.bind(args, kws)
        except TypeError as exc:
            raise NonDifferentiableError(
                f"cannot match this call to the derivative rule {tpl.namespace}.{tpl.name}: {exc}",
                self.norm.parsed.location(stmt), construct=tpl.name,
                hint="check the arguments of the call") from None
        flowing = tpl.flowing_params
        for param, atom in bound.items():
            # (forward mode checks a ``constant`` one when it runs: rh.constant_only)
            if ((tpl.namespace == "numpy" and param in self.VALUE_OPTIONS and param not in flowing
                 or param in tpl.options.get("constant", ()) and self.mode == "reverse")
                    and isinstance(atom, gast.Name)
                    and atom.id in self._varied()):
                raise NonDifferentiableError(
                    f"the derivative with respect to the argument {param}= of "
                    f"{tpl.namespace}.{tpl.name} is not implemented ({atom.id!r} depends on what "
                    f"is being differentiated)", self.norm.parsed.location(stmt),
                    construct=f"{tpl.name}({param}=...)",
                    hint=f"pass a value that does not depend on the input, or wrap it in "
                         f"srcad.stop_gradient to hold it constant")
        return bound

    def inline_ctx(self, xp, **kw):
        return InlineContext(
            namer=self.namer, xp=xp, ad=self.env.runtime(),
            active=lambda n: n in self.active,
            adjoint=kw.get("adjoint", lambda n: n),
            tangent=kw.get("tangent", lambda n: n),
            global_ref=lambda name, obj: self.env.ref(obj, name),
            result_adjoint=kw.get("result_adjoint"),
            scalar=lambda n: n in self.scalars,
            unfitted=lambda n, kind: self.unfitted(n, kind) if hasattr(self, "unfitted") else False,
            same_shape=self._same_shape, fits_in=self._fits_in)

    def _same_shape(self, a, b):
        """Whether names ``a`` and ``b`` surely hold arrays of one shape."""
        return a in self.shapes and self.shapes.get(a) == self.shapes.get(b)

    def _fits_in(self, a, b):
        """Whether ``a`` surely broadcasts to ``b``'s shape without widening
        it: the same shape, or a ``keepdims`` reduction of that shape."""
        if self._same_shape(a, b):
            return True
        sa, sb = self.shapes.get(a), self.shapes.get(b)
        return sb is not None and is_reduced(sa) and sa[1] == sb

    def _mark_calls_returning_memory(self):
        """Mark ``srcad_may_alias`` the calls whose result may share memory
        with their arguments (a user's ``first_row(M)`` returning ``M[0]``),
        for the alias analyses: a write through the result is a write into
        the argument. NumPy's functions other than views return new arrays;
        a user's function is read to see what it returns; any other call
        may return anything."""
        from .analysis import walk_simple
        # (only a call bound to a name makes an alias: the analyses look no deeper)
        for s, _ in walk_simple(self.norm.node.body):
            n = s.value if isinstance(s, gast.Assign) else None
            if isinstance(n, gast.Call) and not getattr(n, "srcad_may_alias", False):
                info = self.info(n)
                if info.kind in ("rule", "nondiff"):
                    continue
                if info.kind == "user" and not _returns_argument_memory(info.obj):
                    continue
                n.srcad_may_alias = True

    def _check_nested_writes(self):
        """``a[i][j] = v`` runs as ``a[i] = <a[i] with v at j>``: no alias of
        the item ``a[i]`` is written through. Where another name holding that
        item is read afterwards (``hist = [u]; hist[0][0] = c; u.sum()``),
        the value would differ from Python's, so it is refused."""
        if not any(getattr(n, "srcad_nested_store", False) or getattr(n, "srcad_list_rebind", False)
                   for n in self._nodes):
            return
        from .analysis import aliased_mutation
        hit = aliased_mutation(self.norm.node.body, only_nested=True)
        if hit is None:
            return
        stmt, mutated, other = hit
        if other == mutated:
            raise UnsupportedSyntaxError(
                f"an item of {mutated!r} is changed in place, but {mutated!r} may hold that item "
                f"at two places (made with * or listing one name twice), where Python changes both",
                self.norm.parsed.location(stmt), construct="list holding one item twice",
                hint=f"build {mutated!r} from separate items ([[0.0] * 2 for _ in range(2)])")
        if getattr(stmt, "srcad_list_rebind", False):
            raise UnsupportedSyntaxError(
                f"{mutated!r} is changed in place (del, pop, insert, extend, sort or reverse) "
                f"but {other!r} holds the same list or dict and is read afterwards",
                self.norm.parsed.location(stmt), construct="list changed through two names",
                hint=f"make {other!r} a copy ({other} = list({mutated})), or change it through "
                     f"one name only")
        raise UnsupportedSyntaxError(
            f"an item of {mutated!r} is changed in place ({mutated}[...][...] = ..., "
            f"{mutated}[...].append(...)) but may be "
            f"held by {other!r} too, which is read afterwards",
            self.norm.parsed.location(stmt), construct="write into an item held twice",
            hint=f"write through {other!r} itself, or put a copy into {mutated!r} "
                 f"({mutated}[...] = {other}.copy())")

    def _check_hidden_writes(self):
        """A user function that writes values depending on the arguments into
        a list, dict or array that does not (``push(acc, x)`` appending
        ``x ** 2`` to ``acc``) hides that dependence from activity analysis:
        the derivative would be lost, so such a call is refused."""
        from .transform import bind_call
        calls = []
        for n in self._nodes:
            if isinstance(n, gast.Call):
                info = self.info(n)
                if info.kind in ("user", "lifted"):
                    calls.append((n, info.unit if info.kind == "lifted" else info.obj))
        if not calls:
            return
        # the name each call's result is bound to (none for a bare call statement)
        bound_to = {id(n.value): n.targets[0].id for n in self._nodes
                    if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name)}
        self._check_inplace_updates(calls, bound_to)
        calls = [(c, t, w) for c, t in calls for w in [callee_written_params(t)] if w]
        if not calls:
            return
        varied = self._varied()
        for call, target, written in calls:
            try:
                mapping = bind_call(target, self.with_receiver(call))
            except Exception:
                continue
            if not any(isinstance(a, gast.Name) and a.id in varied for _, a in mapping):
                continue
            name = getattr(target, "__name__", None) or getattr(target, "name", "the function")
            for pname, atom in mapping:
                if pname in written and isinstance(atom, gast.Name) and atom.id in varied \
                        and bound_to.get(id(call)) not in self.active:
                    # only a call whose result carries a derivative is
                    # transformed, and with it the writes into its arguments
                    raise UnsupportedSyntaxError(
                        f"{name} is called for its writes into its argument {pname!r} "
                        f"({atom.id!r} here), whose derivative would be lost",
                        self.norm.parsed.location(call), construct="call that writes into an argument",
                        hint=f"return the new value from {name} and assign it in the caller "
                             f"({atom.id} = {name}(...))")
                if pname in written and isinstance(atom, gast.Name) and atom.id not in varied:
                    raise UnsupportedSyntaxError(
                        f"{name} writes into its argument {pname!r} ({atom.id!r} here), which holds "
                        f"no derivative before the call",
                        self.norm.parsed.location(call), construct="call that writes into an argument",
                        hint=f"return the new value from {name} and assign it in the caller "
                             f"({atom.id} = ...)")

    def _check_inplace_updates(self, calls, bound_to):
        """``a += v`` on a parameter writes into the caller's array (or list)
        in place, while the generated code rebinds ``a``: the caller would
        see different values. Refused unless the argument surely holds a
        number, the caller rebinds it to the result (``y = f(y)``), or
        nothing that may share its memory is read after the call."""
        from .analysis import _alias_groups, walk_simple
        from .transform import bind_call
        updating = [(call, target, callee_updated_params(target)) for call, target in calls]
        updating = [u for u in updating if u[2]]
        if not updating:
            return
        body = self.norm.node.body
        order = list(walk_simple(body))
        find = _alias_groups(body)

        def read_after(call, name):
            group = find(name)
            for i, (st, depth) in enumerate(order):
                if any(n is call for n in A.walk(st)) and not isinstance(st, (gast.If, gast.For, gast.While)):
                    if depth > 0:
                        return True   # a later iteration reads it
                    later = [n for st2, _ in order[i + 1:] for n in A.nodes(st2)]
                    return any(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                               and find(n.id) == group for n in later)
            return True

        for call, target, updated in updating:
            try:
                mapping = bind_call(target, self.with_receiver(call))
            except Exception:
                continue
            name = getattr(target, "__name__", None) or getattr(target, "name", "the function")
            for pname, atom in mapping:
                if (pname in updated and isinstance(atom, gast.Name) and atom.id not in self.scalars
                        and bound_to.get(id(call)) != atom.id and read_after(call, atom.id)):
                    raise UnsupportedSyntaxError(
                        f"{name} updates its argument {pname!r} in place ({pname} {updated[pname]}= ...), "
                        f"which changes {atom.id!r} here",
                        self.norm.parsed.location(call), construct="call that updates an argument in place",
                        hint=f"write {pname} = {pname} {updated[pname]} ... in {name} (a new value) "
                             f"and return it")

    # Methods that write into their receiver: on a value that carries a
    # derivative, a call to one made for its effect is refused.
    UPDATING_METHODS = frozenset({"sort", "fill", "put", "itemset", "partition", "resize",
                                  "reverse", "setfield", "byteswap", "remove", "clear"})

    def check_effect_call(self, s):
        """A call whose value is dropped is made for its effect: a library
        function or method without a rule (``np.put(a, i, v)``,
        ``a.sort()``, ``lst.reverse()``) may write into its operands in ways
        srcad cannot see. With an operand that carries a derivative it is
        refused rather than ignored; calls with rules or without
        derivatives (``print``) are harmless."""
        call = s.value
        varied = self._varied()   # not only the active: the write is what would make them so
        if not any(isinstance(a, gast.Name) and a.id in varied for a in self.call_operands(call)):
            return
        info = self.info(call)
        method = getattr(call, "is_method", False)
        if info.kind == "unknown" or (method and call.func.attr in self.UPDATING_METHODS
                                      and info.kind != "rule"):
            what = f".{call.func.attr}()" if method else f"{_call_name(call)}()"
            raise NonDifferentiableError(
                f"{what} is called for its effect on its arguments, which srcad cannot "
                "differentiate", self.norm.parsed.location(s), construct=what,
                hint="assign the new value instead (y = np.sort(y), y = sorted(y), "
                     "y[idx] = v, y = np.where(mask, v, y)), or wrap the operand in "
                     "srcad.stop_gradient if it needs no derivative")

    def receiver_as_argument(self, call):
        """``p.m(x)`` with no rule for ``m``, on a value being
        differentiated (a dataclass of parameters): called as the function
        of ``p``'s class with ``p`` first, ``dyn.method_of(p, 'm')(p, x)``,
        so that the derivative found when the call runs covers ``p`` too.
        Changes ``call`` in place (once)."""
        if not (getattr(call, "is_method", False) and isinstance(call.func, gast.Attribute)
                and isinstance(call.func.value, gast.Name)):
            return call
        receiver = call.func.value.id
        import numpy
        if hasattr(numpy.ndarray, call.func.attr):
            # an array method without a rule (x.choose(...)): no class of
            # the user's own to look into when the call runs
            if self.is_active(call.func.value):
                raise self.unknown_call(call)
            return call
        # (a parameter too: differentiating this code again, with respect
        # to that parameter, then finds the object among the arguments)
        if not (self.is_active(call.func.value) or (
                self.mode == "reverse" and receiver in self.norm.param_names)):
            return call
        from . import dynamic
        receiver, method = call.func.value, call.func.attr
        call.func = A.call(A.attr(self.env.ref(dynamic, "dyn"), "method_of"),
                           [A.clone(receiver), A.const(method)])
        call.func.srcad_label = method
        call.args = [A.clone(receiver)] + list(call.args)
        call.is_method = False
        return call

    def unknown_call(self, call):
        return nondiff_error(self.norm, call, self.info(call))

    def error_unsupported(self, stmt, what):
        value = getattr(stmt, "value", None)
        if isinstance(value, gast.Attribute):
            return NonDifferentiableError(
                f"the attribute .{value.attr} of an active value has no derivative rule",
                self.norm.parsed.location(value), construct="." + value.attr,
                hint="add a rule for it in rules/ (\"attr:NAME\" in the method rules), "
                     "or compute the value with a covered function")
        return NonDifferentiableError(
            f"cannot differentiate {what}", self.norm.parsed.location(stmt), construct=what,
            hint="rewrite the expression with supported operations or use srcad.custom_vjp")

    def zeros_like(self, node):
        return A.call(A.attr(self.env.runtime(), "zeros_like"), [A.clone(node)])


def lineno_of(stmt):
    return getattr(stmt, "lineno", None)


def _call_name(call):
    f = call.func
    parts = []
    while isinstance(f, gast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, gast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts)) or "call"


_OP_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
               gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def _function_node(target):
    from .normalize import LiftedUnit
    if isinstance(target, LiftedUnit):
        return target.node
    from .transform import _parsed_and_node
    try:
        return _parsed_and_node(target)[1]
    except Exception:
        return None


def callee_updated_params(target):
    """Parameters the function ``target`` updates with ``name op= v`` and
    never rebinds: in place when they hold arrays or lists. Maps each to
    the operator's symbol."""
    node = _function_node(target)
    if node is None or not hasattr(node, "args"):
        return {}
    params = {a.id for a in node.args.args + node.args.kwonlyargs if isinstance(a, gast.Name)}
    updated, rebound = {}, set()
    for n in A.walk(node):
        if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name) and n.target.id in params:
            updated.setdefault(n.target.id, _OP_SYMBOLS.get(type(n.op), "+"))
        elif isinstance(n, (gast.Assign, gast.For)) or isinstance(n, gast.AnnAssign):
            targets = n.targets if isinstance(n, gast.Assign) else [n.target]
            for t in targets:
                rebound |= {x.id for x in A.nodes(t) if isinstance(x, gast.Name)}
    return {p: op for p, op in updated.items() if p not in rebound}


def _makes_new_value(value):
    """Whether ``value`` surely makes a new array or list (``u.copy()``,
    ``np.array(u)``, ``list(u)``, arithmetic), not a view or alias of one."""
    if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.List, gast.ListComp, gast.Dict)):
        return True
    if isinstance(value, gast.Call):
        f = value.func
        name = f.attr if isinstance(f, gast.Attribute) else getattr(f, "id", "")
        return name in ("copy", "deepcopy", "array", "list", "dict", "zeros", "ones", "empty",
                        "zeros_like", "ones_like", "empty_like", "full", "full_like")
    return False


def callee_written_params(target):
    """Names the function ``target`` (a function or a lifted unit) writes into
    with ``name[...] = ...``, ``name[...] += ...`` or a mutating method."""
    from .analysis import MUTATING_METHODS
    from .normalize import LiftedUnit
    if isinstance(target, LiftedUnit):
        node = target.node
    else:
        from .transform import _parsed_and_node
        try:
            _, node = _parsed_and_node(target)
        except Exception:
            return set()
    first_write = {}
    for n in A.walk(node):
        if isinstance(n, (gast.Assign, gast.AugAssign)):
            for t in (n.targets if isinstance(n, gast.Assign) else [n.target]):
                if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                    name = t.value.id
                    first_write[name] = min(first_write.get(name, 1 << 30), getattr(n, "lineno", 0) or 0)
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and n.func.attr in MUTATING_METHODS and isinstance(n.func.value, gast.Name):
            name = n.func.value.id
            first_write[name] = min(first_write.get(name, 1 << 30), getattr(n, "lineno", 0) or 0)
    # u = u.copy() at the top of the function, before any write into u: the
    # writes go into the copy, not into the caller's argument
    rebound = {}
    for st in getattr(node, "body", []):
        if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name) \
                and _makes_new_value(st.value):
            rebound.setdefault(st.targets[0].id, getattr(st, "lineno", 1 << 30) or (1 << 30))
    return {n for n, line in first_write.items() if not (n in rebound and rebound[n] < line)}
