"""Forward mode: every active statement is followed by its tangent.

Assumes: a normalized function (:mod:`srcad.normalize`) and the parameters
to differentiate. Guarantees: a ``FunctionDef`` with the primal parameters
followed by keyword-only tangent parameters (``x`` -> ``x_dot``) that returns
``(result, result_dot)``. Calls to user functions call their own JVPs.
"""

from __future__ import annotations


import gast

from . import astutil as A
from .analysis import MUTATING_METHODS, is_list_pop, method_receiver, mutated_params
from .transformer import BaseTransform


class ForwardTransform(BaseTransform):
    """Builds the JVP of one normalized function."""

    mode = "forward"
    # whether the code calls a function held in a variable or a function with
    # a hand-written vjp: its forward mode then is not the reverse mode's
    # transpose by construction, and srcad.grad must run the user's rule
    # (which may clip or otherwise change the gradient) in reverse mode
    opaque_calls = False

    def tan(self, name):
        return self.namer.tangent(name)

    def tangent_of(self, node):
        """The tangent expression of an atom (``None`` if inactive)."""
        if self.is_active(node):
            return A.name(self.tan(node.id))
        return None

    def zeros_like(self, node):
        # a value known to be a scalar has the zero 0.0 (no call at run time)
        if isinstance(node, gast.Name) and node.id in self.scalars:
            return A.const(0.0)
        return super().zeros_like(node)

    def tangent_or_zero(self, node):
        t = self.tangent_of(node)
        return t if t is not None else self.zeros_like(node)

    # -- statements -----------------------------------------------------------
    def run(self, name):
        node = self.norm.node
        body = []
        # Mutated parameters are copied so that the caller's arrays stay intact.
        mutated = self._mutated_params()
        for p in mutated:
            body.append(A.assign(p, A.call(A.attr(self.env.runtime(), "copy"), [A.name(p)])))
            if p in self.active and p in self.wrt:
                # (a zero tangent given as 0.0 becomes an array to write into)
                body.append(A.assign(self.tan(p), A.call(A.attr(self.env.runtime(), "tangent_copy"),
                                                         [A.name(self.tan(p)), A.name(p)])))
        # parameters that become active later (rebound from active values)
        # start with a zero tangent
        for p in self.norm.param_names:
            if p in self.active and p not in self.wrt:
                body.append(A.assign(self.tan(p), self.zeros_like(A.name(p))))
        body += self.stmts(node.body)
        if not body or not isinstance(body[-1], gast.Return):
            body.append(gast.Return(value=A.tuple_([A.const(None), A.const(None)])))
        args = A.clone(node.args)
        for w in self.wrt:
            args.kwonlyargs.append(gast.Name(id=self.tan(w), ctx=gast.Param(), annotation=None,
                                             type_comment=None))
            args.kw_defaults.append(A.const(0.0))
        fn = gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                              type_comment=None, type_params=[])
        fn.lineno = node.lineno
        return fn

    def grad(self, name, seed_param, with_value=False):
        """The gradient of a scalar output with respect to the one scalar
        ``wrt`` parameter, in one forward pass: ``name(*params,
        seed_param=1.0)`` with the signature of the reverse-mode gradient
        (:meth:`ReverseTransform.fused`), returning ``seed_param`` times the
        output's tangent. One input means one pass and no tape, which makes
        it cheaper than the reverse sweep; ``srcad.grad`` picks it for a
        scalar argument. ``with_value`` returns ``(value, gradient)``.

        ``x_dot = 1.0`` starts the tangent; the optimizer folds it into the
        statements that read it (:func:`srcad.optimize.propagate_literals`)."""
        (w,) = self.wrt
        self.grad_seed = seed_param
        self.with_value = with_value
        self.made_up = {self.tan(w)}
        fn = self.run(name)
        fn.body.insert(0, A.assign(self.tan(w), A.const(1.0)))
        fn.args.kwonlyargs, fn.args.kw_defaults = [], []
        fn.args.args.append(gast.Name(id=seed_param, ctx=gast.Param(), annotation=None,
                                      type_comment=None))
        fn.args.defaults = list(fn.args.defaults) + [A.const(1.0)]
        fn.srcad_seeds = {self.tan(w)}
        return fn

    def _grad_return(self, value):
        """``return d_result * y_dot`` (after checking that ``y`` is a
        scalar, unless it surely is)."""
        out = []
        if not (isinstance(value, gast.Name) and value.id in self.scalars):
            out.append(A.expr_stmt(A.call(A.attr(self.env.runtime(), "seed"),
                                          [A.clone(value), A.name(self.grad_seed)])))
        tangent = self.tangent_of(value) if isinstance(value, gast.Name) else None
        if tangent is None:
            grad = A.const(0.0)
        else:
            grad = A.binop(A.name(self.grad_seed), gast.Mult(), tangent)
        out.append(gast.Return(value=A.tuple_([A.clone(value), grad]) if self.with_value else grad))
        return out

    def _mutated_params(self):
        if not getattr(self, "copy_arguments", True):
            return []
        return mutated_params(self.norm.node.body, self.norm.param_names)

    def stmts(self, stmts):
        out = []
        for s in stmts:
            new = self.rebinding_guard(s) + self.stmt(s)
            for n in new:
                A.set_stmt_lineno(n, getattr(s, "lineno", None))
            out.extend(new)
        return out

    def stmt(self, s):
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            if isinstance(target, gast.Name):
                return self.assign(s, target.id, s.value)
            return self.store(s, target)
        if isinstance(s, gast.Expr):
            return self.expr(s)
        if isinstance(s, gast.If):
            return [A.if_(s.test, self.stmts(s.body), self.stmts(s.orelse))]
        if isinstance(s, gast.For):
            body = self.stmts(s.body)
            if s.target.id in self.active:
                # bound to a number of the sequence: no tangent, whatever the
                # name held before the loop
                body.insert(0, A.assign(self.tan(s.target.id), A.const(0.0)))
            return [gast.For(target=s.target, iter=s.iter, body=body, orelse=[], type_comment=None)]
        if isinstance(s, gast.While):
            return [gast.While(test=s.test, body=self.stmts(s.body), orelse=[])]
        if isinstance(s, gast.Return) and getattr(self, "grad_seed", None) is not None:
            return self._grad_return(s.value if s.value is not None else A.const(None))
        if isinstance(s, gast.Return):
            value = s.value
            tangent = self.tangent_or_zero(value) if value is not None else A.const(None)
            return [gast.Return(value=A.tuple_([value, tangent]))]
        return [s]

    def assign(self, s, y, value):
        if y not in self.active:
            if is_list_pop(value) and self.is_active(value.func.value):
                # the list carries tangents: its tangent list pops too, to
                # stay in step (the value popped carries no derivative)
                lst = value.func.value
                return [s, A.expr_stmt(A.call(A.attr(A.name(self.tan(lst.id)), "pop")))]
            return [s]
        if is_list_pop(value):
            lst = value.func.value
            if self.is_active(lst):
                return [s, A.assign(self.tan(y), A.call(A.attr(A.name(self.tan(lst.id)), "pop")))]
            return [s, A.assign(self.tan(y), self.zeros_like(A.name(y)))]
        if not isinstance(value, gast.Name) and y in {
                n.id for n in A.walk(value) if isinstance(n, gast.Name)}:
            # y = f(y): the tangent needs the old y, so the new value goes
            # to a fresh name first.
            fresh = self.namer.new(y)
            self.active.add(fresh)
            inner = A.copy_lineno(A.assign(fresh, value), s)
            return self.assign(inner, fresh, value) + [
                A.assign(y, A.name(fresh)), A.assign(self.tan(y), A.name(self.tan(fresh)))]
        ty = self.tan(y)
        if isinstance(value, gast.Name):
            t = self.tangent_of(value)
            return [s, A.assign(ty, t if t is not None else self.zeros_like(value))]
        if isinstance(value, gast.Constant):
            return [s, A.assign(ty, self.zeros_like(A.name(y)))]
        sweep = self._dynamic_sweep(value) if isinstance(value, gast.Call) else None
        if sweep is not None:
            return self.dynamic_sweep_call(y, value, sweep)
        if isinstance(value, gast.Call) and self.info(value).kind in ("user", "lifted"):
            return self.user_call(s, y, value)
        if isinstance(value, gast.Call) and self.info(value).kind == "custom":
            return self.custom_call(s, y, value)
        if isinstance(value, gast.Call) and self.info(value).kind == "dynamic":
            return self.dynamic_call(s, y, value)
        if isinstance(value, gast.Subscript):
            t = self.tangent_of(value.value)
            if t is None:
                return [s, A.assign(ty, self.zeros_like(A.name(y)))]
            return [s, A.assign(ty, gast.Subscript(value=t, slice=A.clone(value.slice),
                                                   ctx=gast.Load()))]
        if isinstance(value, (gast.Tuple, gast.List)):
            elts = [self.tangent_or_zero(e) for e in value.elts]
            cls = type(value)
            return [s, A.assign(ty, cls(elts=elts, ctx=gast.Load()))]
        if isinstance(value, gast.Dict):
            vals = [self.tangent_or_zero(v) for v in value.values]
            return [s, A.assign(ty, gast.Dict(keys=A.clone(value.keys), values=vals))]
        rule = self.rule_for_value(value)
        if rule == "nondiff":
            return [s, A.assign(ty, self.zeros_like(A.name(y)))]
        if rule is None:
            if isinstance(value, gast.Call):
                if not self.any_active(self.call_operands(value)):
                    return [s, A.assign(ty, self.zeros_like(A.name(y)))]
                raise self.unknown_call(value)
            raise self.error_unsupported(s, type(value).__name__)
        tpl, args, kws, xp = rule
        self.require_mode(tpl, args, kws, s, "forward")
        bound = self.bind(tpl, args, kws, s)
        ctx = self.inline_ctx(xp, tangent=self.tan)
        temps, main = get_rules_inline(tpl, "forward", bound, y, ctx)
        expr = main[0][1]
        if expr is None:
            expr = self.zeros_like(A.name(y))
        return [s] + temps + [A.assign(ty, expr)]

    def user_call(self, s, y, call):
        from .transform import bind_call  # avoids an import cycle
        info = self.info(call)
        target = info.unit if info.kind == "lifted" else info.obj
        call = self.with_receiver(call)
        mapping = bind_call(target, call, self.norm.parsed.location(call))
        active = [(p, a) for p, a in mapping if self.is_active(a)]
        if not active:
            return [s, A.assign(self.tan(y), self.zeros_like(A.name(y)))]
        handle = self.derive(target, "forward", tuple(p for p, _ in active))
        names = handle.tangent_names
        kws = list(call.keywords) + [gast.keyword(arg=names[p], value=A.name(self.tan(a.id)))
                                     for p, a in active]
        new_call = gast.Call(func=handle.ref, args=list(call.args), keywords=kws)
        return [A.assign(A.tuple_([A.store(y), A.store(self.tan(y))], gast.Store()), new_call)]

    def dynamic_call(self, s, y, call):
        """``y, y_dot = dyn.call_jvp(f, positions, (args), (tangents))`` for a
        function held in a variable."""
        from . import dynamic
        self.opaque_calls = True
        self.receiver_as_argument(call)
        for k in call.keywords:
            if self.is_active(k.value):
                raise self.error_unsupported(s, "an active keyword argument to a function held in a variable")
        positions = [i for i, a in enumerate(call.args) if self.is_active(a)]
        if not positions:
            return [s, A.assign(self.tan(y), self.zeros_like(A.name(y)))]
        dyn = self.env.ref(dynamic, "dyn")
        kwargs = gast.Dict(keys=[A.const(k.arg) for k in call.keywords],
                           values=[k.value for k in call.keywords])
        new = A.call(A.attr(dyn, "call_jvp"), [
            A.clone(call.func), A.tuple_([A.const(p) for p in positions]), A.tuple_(list(call.args)),
            A.tuple_([A.name(self.tan(call.args[p].id)) for p in positions]), kwargs])
        return [A.assign(A.tuple_([A.store(y), A.store(self.tan(y))], gast.Store()), new)]

    def _dynamic_sweep(self, call):
        """``"call_fwd"`` or ``"call_bwd"`` for the calls of functions held in
        variables that reverse-mode code makes (``dyn.call_fwd``), else
        ``None``."""
        from . import dynamic
        from .transformer import resolve_call
        if not isinstance(call.func, gast.Attribute) or call.func.attr not in ("call_fwd", "call_bwd"):
            return None
        obj = resolve_call(self.norm.parsed, self.norm.local_names, call)
        if obj is dynamic.call_fwd or obj is dynamic.call_bwd:
            return obj.__name__
        return None

    def dynamic_sweep_call(self, y, call, which):
        """Forward mode of reverse-mode code's calls of a function held in a
        variable: ``dyn.call_fwd_jvp`` / ``dyn.call_bwd_jvp``, which
        differentiate the generated sweeps of that function in turn."""
        from . import dynamic
        self.opaque_calls = True
        dyn = self.env.ref(dynamic, "dyn")
        if which == "call_fwd":
            fn, positions, args = call.args[0], call.args[1], call.args[2:]
            if any(isinstance(a, gast.Starred) for a in args) or any(
                    k.arg is None or self.is_active(k.value) for k in call.keywords):
                raise self.unknown_call(call)
            kwargs = gast.Dict(keys=[A.const(k.arg) for k in call.keywords],
                               values=[k.value for k in call.keywords])
            new = A.call(A.attr(dyn, "call_fwd_jvp"), [
                A.clone(fn), A.clone(positions), A.tuple_([A.clone(a) for a in args]),
                A.tuple_([self.tangent_or_zero(a) for a in args]), kwargs])
        else:
            tape, g = call.args
            new = A.call(A.attr(dyn, "call_bwd_jvp"), [
                A.clone(tape), self.tangent_or_zero(tape), A.clone(g), self.tangent_or_zero(g)])
        return [A.assign(A.tuple_([A.store(y), A.store(self.tan(y))], gast.Store()), new)]

    def custom_call(self, s, y, call):
        """``y, y_dot = f.forward_call((args), (tangents))`` for a function
        with a hand-written JVP."""
        from .transform import bind_call
        info = self.info(call)
        if getattr(info.obj, "jvp", None) is None or getattr(info.obj, "vjp_bwd", None) is not None:
            self.opaque_calls = True   # a hand-written vjp: grad must run it
        call = self.with_receiver(call)
        mapping = dict(bind_call(info.obj, call, self.norm.parsed.location(call)))
        params = info.template.params
        args, tangents = [], []
        for p in params:
            if p not in mapping:
                break
            atom = mapping[p]
            args.append(atom)
            t = self.tangent_of(atom)
            tangents.append(t if t is not None else A.const(None))
        ref = self.env.ref(info.obj, getattr(info.obj, "__name__", "custom"))
        new = A.call(A.attr(ref, "forward_call"), [A.tuple_(args), A.tuple_(tangents)])
        return [A.assign(A.tuple_([A.store(y), A.store(self.tan(y))], gast.Store()), new)]

    def store(self, s, target):
        base = target.value.id
        if base not in self.active:
            return [s]
        value = s.value
        t = self.tangent_of(value)
        if t is None:
            # a value that does not vary put into a container that does: its
            # tangent entry is read like the value (x @ q_dot["W"]), so it is
            # zeros of its shape rather than a bare 0.0
            t = self.zeros_like(value) if isinstance(value, gast.Name) else A.const(0.0)
        store = A.assign(gast.Subscript(value=A.name(self.tan(base)), slice=A.clone(target.slice),
                                        ctx=gast.Store()), t)
        return [s, store]

    def expr(self, s):
        call = s.value
        recv = method_receiver(call)
        if recv and call.func.attr in MUTATING_METHODS:
            base = next(iter(recv))
            if base in self.active:
                args = [self.tangent_or_zero(a) for a in call.args]
                if call.func.attr in ("insert", "setdefault") and call.args:
                    args[0] = A.clone(call.args[0])   # the position or key, not a value
                new = A.expr_stmt(A.call(A.attr(A.name(self.tan(base)), call.func.attr), args))
                new.value.keywords = [gast.keyword(arg=k.arg, value=self.tangent_or_zero(k.value))
                                      for k in call.keywords]
                return [s, new]
            return [s]
        self.check_effect_call(s)
        return [s]


def get_rules_inline(tpl, mode, bound, result, ctx):
    from .ruleset import get_rules
    return get_rules().inline(tpl, mode, bound, result, ctx)
