"""The pipeline for one function: parse -> normalize -> analyze -> transform
-> generate code, with a cache per function, mode and ``wrt``.

Calls between user functions are derived recursively; a function that is
being derived when it is called again (recursion) is referenced through a
closure cell filled in once its code exists.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import threading

import gast

from . import astutil as A
from .callsite import Env, Lazy
from .codegen import compile_functions
from .errors import SrcadError, UnsupportedSyntaxError
from .forward import ForwardTransform
from .normalize import LiftedUnit, normalize
from .parse import parse_function, still_resolves
from .reverse import ReverseTransform

_lock = threading.RLock()
_cache = {}


@contextlib.contextmanager
def _no_cycle_collection():
    """Hold Python's cycle collector while a function is transformed: the
    transformation makes tens of thousands of short-lived tree nodes, which
    reference counting frees, and the collections their allocation would
    set off find nothing to collect but scan the young objects (and now and
    then the whole heap, which is large with NumPy and friends loaded). The
    collector runs again, as it was, once the transformation is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def custom_rule_for(obj):
    """The custom derivative registered on ``obj`` (``srcad.custom_vjp``)."""
    return getattr(obj, "__srcad_custom__", None)


def _func_of(target):
    """The Python function behind ``target`` (a srcad wrapper is replaced by
    the generated function it calls)."""
    inner = getattr(target, "__srcad_function__", None)
    return inner if inner is not None else target


def _signature_params(target):
    if isinstance(target, LiftedUnit):
        args = target.node.args
        return [a.id for a in args.posonlyargs + args.args], [a.id for a in args.kwonlyargs]
    sig = inspect.signature(_func_of(target))
    pos = [p.name for p in sig.parameters.values()
           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kw = [p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]
    return pos, kw


def bind_call(target, call, where=None):
    """``[(parameter name, atom)]`` for a call of a user function
    (``where``: the call's location, for errors)."""
    pos, kw = _signature_params(target)
    out = []
    for name, atom in zip(pos, call.args):
        out.append((name, atom))
    if len(call.args) > len(pos):
        name = getattr(target, "__name__", target)
        try:
            variadic = any(p.kind is p.VAR_POSITIONAL
                           for p in inspect.signature(_func_of(target)).parameters.values())
        except (TypeError, ValueError):
            variadic = False
        if variadic:
            # (calls of functions taking *args are bound per shape of call,
            # see srcad.variadic; those with a custom derivative are not)
            raise UnsupportedSyntaxError(
                f"{name} takes *args, which srcad binds in calls of functions it transforms, "
                "not of functions with a hand-written derivative",
                where, construct="*args",
                hint=f"name the parameters of {name} (def {name}(x, a, b)), or pass a tuple")
        raise UnsupportedSyntaxError(
            f"too many positional arguments in a call of {name}", where, construct="call",
            hint=f"check the call against the parameters of {name}")
    for k in call.keywords:
        out.append((k.arg, k.value))
    return out


class Derived:
    """One derivative of one function: code, source and the functions."""

    def __init__(self, key, target, mode, wrt):
        self.key = key
        self.target = target
        self.mode = mode
        self.wrt = wrt
        self.functions = None
        self.compiled = None       # the srcad.codegen.Compiled the functions come from
        self.pending = []          # cells waiting for self.functions
        self.tangent_names = {}
        self.name = None
        self.deps = []             # derived callees this code calls
        self.reentrant = True      # the backward function may reuse saved values

    @property
    def source(self):
        """The generated source text (None before the code is compiled)."""
        return self.compiled.source if self.compiled is not None else None

    def full_source(self):
        """This derivative's source followed by that of every derived
        callee it calls (transitively), each once."""
        seen, parts = set(), []

        def visit(d):
            if id(d) in seen or d.source is None:
                return
            seen.add(id(d))
            parts.append(d.source)
            for dep in d.deps:
                visit(dep)

        visit(self)
        return "\n\n".join(parts)

    def fill(self):
        for cell, index in self.pending:
            cell.cell_contents = self.functions[index]
        self.pending = []


class Handle:
    """How generated code refers to a derived callee."""

    def __init__(self, derived, refs):
        self.derived = derived
        self.refs = refs

    @property
    def ref(self):
        return self.refs[0]

    @property
    def fwd_ref(self):
        return self.refs[0]

    @property
    def bwd_ref(self):
        return self.refs[1]

    @property
    def tangent_names(self):
        return self.derived.tangent_names


def _target_key(target):
    spec_key = getattr(target, "spec_key", None)
    if spec_key is not None:
        return spec_key
    if isinstance(target, LiftedUnit):
        return ("lifted", id(target.parsed.func), target.name)
    return ("func", _func_of(target))


def _parsed_and_node(target):
    if isinstance(target, LiftedUnit):
        return target.parsed, target.node
    parsed = parse_function(_func_of(target))
    return parsed, parsed.node


def tangent_param_names(target, positions):
    derived = _cache.get((_target_key(target), "forward", tuple(positions), ()))
    if derived is not None:
        return derived.tangent_names
    return {p: p + "_dot" for p in positions}


def derive(target, mode, wrt, fused=None, kinds=None, copy_arguments=True):
    """The :class:`Derived` for ``target`` (generating it if needed).

    ``mode`` is ``"forward"`` or ``"reverse"``; ``fused`` (``"grad"`` or
    ``"value_and_grad"``) asks for the one-function gradient instead of the
    split forward/backward pair. ``kinds`` (``((param, kind), ...)`` from
    :func:`srcad.kinds.kind_of`) lets the code skip broadcasting bookkeeping
    for values known to be scalars.
    """
    kinds = tuple(sorted(kinds)) if kinds else ()
    key = (_target_key(target), _kind_key(mode, fused), tuple(wrt), kinds)
    if not copy_arguments:
        key += ("shared arguments",)
    with _lock:
        derived = _cache.get(key)
        if derived is not None and _up_to_date(derived):
            return derived
        with _no_cycle_collection():
            return _derive(key, target, mode, wrt, fused, kinds, copy_arguments)


def _kind_key(mode, fused):
    """What a cache key says of the kind of code: the mode, or the fused
    function (a gradient made in forward mode is told apart)."""
    if fused is None:
        return mode
    return fused if mode == "reverse" else f"{mode} {fused}"


def _derive(key, target, mode, wrt, fused, kinds, copy_arguments):
    """Generate the :class:`Derived` for ``key`` and cache it (``derive``
    holds the lock)."""
    derived = Derived(key, target, mode, tuple(wrt))
    derived.kinds = dict(kinds)
    derived.copy_arguments = copy_arguments
    _cache[key] = derived
    try:
        _generate(derived, fused)
    except BaseException:
        _cache.pop(key, None)
        raise
    return derived


_checked = {}


def check(target, mode, wrt, fused=None):
    """Raise the error that generating ``derive(target, mode, wrt, fused)``
    would raise, without optimizing or compiling anything: parse,
    normalize, analyze and transform (callees are derived as usual). What
    ``srcad.grad(f)`` runs so that unsupported code fails where the
    gradient is made, while the code that runs is made for the argument
    kinds of the first call."""
    key = (_target_key(target), _kind_key(mode, fused), tuple(wrt), ())
    with _lock:
        done = _cache.get(key) or _checked.get(key)
        if done is not None and _up_to_date(done):
            return
        derived = Derived(key, target, mode, tuple(wrt))
        derived.kinds = {}
        derived.copy_arguments = True
        with _no_cycle_collection():
            _generate(derived, fused, check_only=True)
        _checked[key] = derived


def calls_opaque(derived, seen=None):
    """Whether forward-mode code ``derived`` or a derivative it calls runs a
    hand-written vjp or a function held in a variable (see
    ``ForwardTransform.opaque_calls``)."""
    seen = set() if seen is None else seen
    if id(derived) in seen:
        return False
    seen.add(id(derived))
    if getattr(derived, "opaque_calls", False):
        return True
    return any(calls_opaque(d, seen) for d in derived.deps)


def _up_to_date(derived, seen=None):
    """Whether ``derived`` and the derived callees it calls were made from
    names that still denote the same objects (a helper redefined in a
    notebook, a global rebound from np.tanh to np.sin make it stale)."""
    parsed = getattr(derived, "parsed", None)
    if parsed is not None and not still_resolves(parsed):
        return False
    if not derived.deps:
        return True
    seen = set() if seen is None else seen
    if id(derived) in seen:
        return True
    seen.add(id(derived))
    return all(_up_to_date(d, seen) for d in derived.deps)


def _derive_for_call(env):
    """The callback transformations use to reference a callee's derivative."""

    handles = {}

    def callback(target, mode, positions):
        # a callee in forward mode writes into its caller's arrays as NumPy
        # would (the caller's tangents follow); only the API copies arguments
        derived = derive(target, mode, positions, copy_arguments=(mode != "forward"))
        if id(derived) not in handles:
            refs = [env.lazy(derived, n) for n in function_names(target, mode, positions)]
            for i, r in enumerate(refs):
                env.cells[r.id] = Lazy((derived, i))
            handles[id(derived)] = Handle(derived, refs)
        return handles[id(derived)]

    return callback


def function_names(target, mode, wrt):
    """Names of the functions derived from ``target``: ``f_jvp_x``,
    ``f_fwd_x`` / ``f_bwd_x``, ``f_grad_x``... (``wrt`` in the name keeps
    derivatives with respect to different parameters apart)."""
    base = getattr(target, "__name__", "f").strip("<>").lstrip("_") or "f"
    if base == "lambda":
        # a lambda bound to a module-level name goes by that name
        glb = getattr(target, "__globals__", None) or {}
        base = next((k for k, v in glb.items() if v is target and k.isidentifier()), "f").lstrip("_") or "f"
    suffix = "_" + "_".join(wrt) if wrt else ""
    if mode == "forward":
        return [f"{base}_jvp{suffix}"]
    if mode == "reverse":
        return [f"{base}_fwd{suffix}", f"{base}_bwd{suffix}"]
    return [f"{base}_{mode}{suffix}"]


def _generate(derived, fused, check_only=False):
    target = derived.target
    parsed, node = _parsed_and_node(target)
    derived.parsed = parsed
    norm, namer = normalize(parsed, node, siblings=getattr(target, "siblings", None))
    if isinstance(target, LiftedUnit):
        # a lifted function may call itself and the functions lifted beside it
        norm.lifted = {**target.siblings, **norm.lifted}
    for w in derived.wrt:
        if w not in norm.param_names:
            raise SrcadError(f"{getattr(target, '__name__', target)} has no parameter {w!r}")
    env = Env(parsed, namer, norm.local_names)
    callback = _derive_for_call(env)
    names = function_names(target, fused or derived.mode, derived.wrt)
    for n in names:
        namer.reserve(n)
    # a recursive call reaches the split functions under these names
    env.own_names = set(function_names(target, derived.mode, derived.wrt))
    # the seed is the adjoint of the returned name itself
    seed = namer.adjoint(norm.return_name) if norm.return_name else namer.new("d_result")
    if fused is not None and not derived.kinds and not check_only:
        # what argument kinds would change: the names known to hold scalars
        # (srcad.grad reuses this code for kinds that change none)
        _note_scalars(derived, norm)
    if fused is not None and norm.return_name is None:
        from .errors import NonScalarOutputError
        raise NonScalarOutputError(
            f"{node.name} returns no value, so it has no gradient", parsed.location(node),
            construct="return", hint="return the scalar to differentiate (return loss)")
    if derived.mode == "forward":
        for w in derived.wrt:
            derived.tangent_names[w] = namer.tangent(w)
        tr = ForwardTransform(norm, namer, env, derived.wrt, callback, custom_rule_for, derived.kinds)
        tr.copy_arguments = derived.copy_arguments
        if fused is not None:
            nodes = [tr.grad(names[0], seed, with_value=(fused == "value_and_grad"))]
        else:
            nodes = [tr.run(names[0])]
        derived.opaque_calls = tr.opaque_calls
    elif check_only:
        # (the check asks for the scalar names only where a call writes
        # into its arguments; the tree does not change while it runs)
        tr = ReverseTransform(norm, namer, env, derived.wrt, callback, custom_rule_for, derived.kinds,
                              lazy_kinds=True)
        try:
            tr.check()
        finally:
            _release(tr)
        return
    elif fused is not None:
        # the check at grad(f) ran the checks that raise only
        done = _checked.get((derived.key[0], _kind_key(derived.mode, fused), derived.wrt, ()))
        checked = done is not None and _up_to_date(done)
        tr = ReverseTransform(norm, namer, env, derived.wrt, callback, custom_rule_for, derived.kinds,
                              checked=checked)
        nodes = [tr.fused(names[0], seed, with_value=(fused == "value_and_grad"))]
    else:
        tr = ReverseTransform(norm, namer, env, derived.wrt, callback, custom_rule_for, derived.kinds)
        saved = namer.new("saved")
        nodes = list(tr.split(names[0], names[1], saved, seed))
        derived.reentrant = tr.reentrant and not tr.calls_dynamic
    if check_only:
        return
    from .optimize import optimize
    # names made up by srcad (temporaries, their adjoints and tangents, values
    # set aside) may be folded back into the expression that uses them
    made_up = set(getattr(norm, "temps", ()))
    # transforming generated code (a Hessian-vector product): the names the
    # first derivative made up are made up here too
    made_up |= getattr(getattr(target, "__srcad_derived__", None), "made_up", set())
    made_up |= {namer._tan[t] for t in list(made_up) if t in namer._tan}
    made_up |= {namer._adj[t] for t in list(made_up) if t in namer._adj}
    made_up |= getattr(tr, "made_up", set())
    _release(tr)
    nodes = [optimize(_bind_names(n, env, norm.lifted), made_up)
             for n in nodes]
    derived.made_up = made_up
    _bind_defaults(nodes, target, env)
    cells = {}
    lazy = []
    for name, obj in env.cells.items():
        if isinstance(obj, Lazy):
            lazy.append((name, obj.derived))
            cells[name] = None
        else:
            cells[name] = obj
    compiled = compile_functions(nodes, cells, parsed.globals, parsed.cells,
                                 label=f"{nodes[0].name}",
                                 origin=(parsed.filename, parsed.line_offset))
    derived.functions = compiled.functions
    derived.compiled = compiled
    derived.name = nodes[0].name
    for _, (callee, _) in lazy:
        if callee not in derived.deps:
            derived.deps.append(callee)
    # whether a name the code was made from may come to denote something
    # else (a helper redefined; modules are taken to stay), checked at calls
    changeable = bool(derived.deps) or any(
        not inspect.ismodule(v) for v in getattr(parsed, "resolved", {}).values())
    for fn in compiled.functions:
        fn.__srcad_derived__ = derived
        fn.__srcad_changeable__ = changeable
    # Fill the cells that refer to derived callees (now or when they exist).
    for fn in compiled.functions:
        code = fn.__code__
        for cell_name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            for lname, (callee, index) in lazy:
                if lname == cell_name:
                    if callee.functions is not None:
                        cell.cell_contents = callee.functions[index]
                    else:
                        callee.pending.append((cell, index))
    derived.fill()


def _release(tr):
    """Drop what a finished transformation holds. Its state refers back to
    itself (callbacks bound to it), so without this the trees it holds
    would wait for the cycle collector, whose next run then scans them all;
    emptied, they go as soon as the last name for them does."""
    tr.__dict__.clear()


def _note_scalars(derived, norm):
    """``derived.scalars_for(kinds)``: the names that hold scalars given the
    kinds of some parameters, on a copy of the normalized body (the
    transformation rewrites the original); ``derived.scalars`` for none."""
    from .kinds import infer, scalar_names
    from .transformer import callee_kinds, resolve_call
    body = [A.clone(s) for s in norm.node.body]
    parsed, local_names = norm.parsed, norm.local_names

    def scalars_for(kinds):
        return frozenset(scalar_names(infer(body, dict(kinds), lambda c: resolve_call(parsed, local_names, c),
                                            callee_kinds)))

    derived.scalars_for = scalars_for
    derived.scalars = scalars_for(())


def _bind_defaults(nodes, target, env):
    """Default values that are not literals (``w=np.ones(3)``) refer to the
    objects the user's function holds, not to a new evaluation of their
    expression (which may read names the generated code cannot see)."""
    func = getattr(target, "function", None) if isinstance(target, LiftedUnit) else _func_of(target)
    if func is None or not hasattr(func, "__code__"):
        return
    code = func.__code__
    positional = code.co_varnames[:code.co_argcount]
    defaults = dict(zip(positional[len(positional) - len(func.__defaults__ or ()):],
                        func.__defaults__ or ()))
    defaults.update(func.__kwdefaults__ or {})

    def cell(obj, param):
        # always a closure cell: defaults are evaluated where the generated
        # function is defined, which does not see the user's globals
        name = env.namer.new("default_" + param)
        env.cells[name] = obj
        return A.name(name)

    for fn in nodes:
        args = fn.args
        pos = args.posonlyargs + args.args
        pairs = list(zip(pos[len(pos) - len(args.defaults):], range(len(args.defaults))))
        for param, i in pairs:
            if param.id in defaults and not isinstance(args.defaults[i], gast.Constant):
                args.defaults[i] = cell(defaults[param.id], param.id)
        for k, (param, value) in enumerate(zip(args.kwonlyargs, args.kw_defaults)):
            if value is not None and param.id in defaults and not isinstance(value, gast.Constant):
                args.kw_defaults[k] = cell(defaults[param.id], param.id)


def _numpy_spelling(obj, env):
    """``np.where`` (``np.linalg.solve``) for a NumPy function the
    normalized code calls by a placeholder name, as the user would write
    it; ``None`` for anything else."""
    import numpy
    name = getattr(obj, "__name__", None)
    if name is None:
        return None
    if getattr(numpy, name, None) is obj:
        return A.attr(env.ref(numpy, "np"), name)
    if getattr(numpy.linalg, name, None) is obj:
        return A.attr(A.attr(env.ref(numpy, "np"), "linalg"), name)
    return None


def _bind_names(fn, env, lifted):
    """Replace the placeholder names normalization uses for ``len``,
    ``range``... by references to the real objects; and calls of lifted
    nested functions that need no derivative (``k = index_of(3)``), left by
    name, by references to the function itself. One walk does both."""
    from . import runtime
    from .callsite import _SPECIAL_CALLS
    Name, Call = gast.Name, gast.Call
    # (the placeholders stand only for the function a call calls: ANF
    # makes them call targets); the nodes as they are now: the references
    # put in hold neither
    for n in A.nodes(fn):
        if n.__class__ is not Call or n.func.__class__ is not Name:
            continue
        name = n.func.id
        if name in _SPECIAL_CALLS:
            obj = _SPECIAL_CALLS[name]
            if getattr(obj, "__module__", None) == runtime.__name__:
                n.func = A.attr(env.runtime(), obj.__name__)
            else:
                n.func = _numpy_spelling(obj, env) or env.ref(obj, obj.__name__)
        elif name in lifted:
            unit = lifted[name]
            if hasattr(unit, "restore"):
                # a variadic function bound for this call: called as written
                unit.restore(n, env)
            else:
                n.func = env.ref(unit.primal(), unit.name)
    return fn


def clear_cache():
    """Forget every generated derivative (they are regenerated on demand),
    and every parsed and normalized function."""
    from .parse import forget_parsed
    with _lock:
        _cache.clear()
        _checked.clear()
        forget_parsed()
