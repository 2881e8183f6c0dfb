"""Reverse mode: a forward sweep that saves what the backward sweep needs,
then the backward sweep in reverse statement order.

Assumes: a normalized function (:mod:`srcad.normalize`) and the parameters
to differentiate.

Guarantees:

* Invariant of the backward sweep: when the adjoint of statement ``s`` runs,
  every variable holds the value it had right after ``s`` ran in the
  forward sweep. Statements that overwrite a value the backward sweep reads
  push the old value on a tape in the forward sweep; the backward sweep pops
  it back after the statement's adjoint (a *restore*). Values never
  overwritten are simply read, so straight-line code needs no tape.
* Branches replay the recorded condition; loops run backwards over their
  recorded range or trip count.
* Adjoints start as ``0.0`` (a lazy zero) and accumulate contributions.

Two shapes of output: :meth:`ReverseTransform.fused` gives one function
computing the gradient, :meth:`ReverseTransform.split` a forward function
returning ``(result, tape)`` and a backward function ``(tape, d_result) ->
adjoints``, used by ``vjp`` and by calls between user functions.
"""

from __future__ import annotations


import gast

from . import astutil as A
from .analysis import (MUTATING_METHODS, aliased_mutation, is_list_pop, method_receiver,
                       mutated_params, overwritten, statement_order, walk_simple)
from . import dynamic
from .errors import NonDifferentiableError, UnsupportedSyntaxError
from .kinds import _is_ufunc, _numpy_like
from .cancel import without_zero_adjoints
from .recompute import recompute, recomputable
from .unfitted import unfitted_temps
from .ruleset import get_rules
from .transformer import BaseTransform, callee_written_params

_PUSH = "__srcad_push__"
_RESTORE = "__srcad_restore__"


def _func_label(func):
    """A name to derive generated names from: ``act`` for ``act(x)``,
    ``layer`` for ``self.layer(x)``."""
    if isinstance(func, gast.Attribute):
        return func.attr
    return getattr(func, "srcad_label", None) or getattr(func, "id", "call")


def _identifier(label):
    """``label`` as the start of a Python name: ``<lambda>`` gives
    ``lambda``, anything without letters ``call``."""
    word = "".join(ch for ch in label if ch.isalnum() or ch == "_").lstrip("_0123456789")
    return word or "call"


def _marker(kind, *args):
    return A.expr_stmt(A.call(A.name(kind), list(args)))


def _is_marker(s, kind=None):
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Name)
            and s.value.func.id in ((kind,) if kind else (_PUSH, _RESTORE)))


def _index_value(sl):
    """A subscript's index as an ordinary expression (slices as slice())."""
    if isinstance(sl, gast.Slice):
        parts = [A.clone(p) if p is not None else A.const(None)
                 for p in (sl.lower, sl.upper, sl.step)]
        return A.call(A.name("slice"), parts)
    if isinstance(sl, gast.Tuple):
        return A.tuple_([_index_value(e) for e in sl.elts])
    return A.clone(sl)


class ReverseTransform(BaseTransform):
    """Builds the reverse-mode derivative of one normalized function."""

    mode = "reverse"
    checking = False     # see check()

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        # Two tapes: values a derivative may flow through, and control
        # (ranges, trip counts, conditions) that stays inactive when the
        # generated code is differentiated again.
        self.tape = self.namer.new("tape")
        self.ctl = self.namer.new("control")
        self.used_tape = False
        self.used_ctl = False
        self.loop_depth = 0
        self.counters = []
        self.mutated_backward = set()   # saved objects the backward sweep writes into
        self.made_up = set()            # helper names the optimizer may fold away
        self.alias_guards = {}          # id(write) -> (name written, names to check)
        self.calls_dynamic = False      # a call of a function held in a variable
        self._slice_ref = self.env.ref(slice, "slice")
        body = self.norm.node.body
        self.primal = body[:-1] if body and isinstance(body[-1], gast.Return) else list(body)
        self._no_writes_into_saved_values()
        self.over = overwritten(self.primal, set(self.norm.param_names))
        # (the guards are needed again by code made after the check passed)
        self._check_aliasing(body)

    def _varies(self, call):
        """Whether a call's result can carry a derivative: an argument, the
        receiver or the function itself is active (``x = rng.normal(3)``
        starting a variable made active later does not)."""
        operands = self.call_operands(call) + [call.func]
        return any(isinstance(n, gast.Name) and n.id in self.active
                   for o in operands for n in A.nodes(o))

    def _no_writes_into_saved_values(self):
        """Generated code being differentiated again (a Hessian in reverse
        mode) writes adjoints in place with ``ad.add_at``/``ad.zero_at``,
        into arrays that may be values this forward sweep saves: those
        calls write into new arrays instead."""
        from . import runtime
        for s, _ in walk_simple(self.primal):
            v = s.value if isinstance(s, gast.Assign) else None
            if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) \
                    and v.func.attr in ("add_at", "zero_at") and not getattr(v, "is_method", False):
                obj = self._resolve(v)
                if obj is runtime.add_at or obj is runtime.zero_at:
                    v.func = A.attr(A.load_copy(v.func.value), "added_at" if obj is runtime.add_at
                                    else "zeroed_at")

    def adj(self, name):
        return self.namer.adjoint(name)

    def _helper(self, base):
        """A fresh name for a value the transformation sets aside."""
        name = self.namer.new(base)
        self.made_up.add(name)
        return name

    def _check_aliasing(self, body):
        """Writes into an array that another name read afterwards may share
        memory with: where every such name is bound when the write runs,
        the forward sweep checks that they do not (``ad.unshared``, as in a
        double buffer swapped by ``a, b = b, a``); otherwise the write is
        refused here."""
        hits = aliased_mutation(body, every=True)
        if hits is None:
            return
        from .analysis import surely_bound
        bound = None
        params = set(self.norm.param_names)
        for stmt, mutated, others in hits.values():
            others = [o for o in others if mutated in self.active or o in self.active]
            if not others:
                continue
            if bound is None:
                bound = surely_bound(body)
            here = bound.get(id(stmt), frozenset()) | params
            unbound = [o for o in others if o not in here]
            if not unbound:
                self.alias_guards[id(stmt)] = (mutated, others)
                continue
            self._refuse_alias(stmt, mutated, unbound[0])

    def alias_guard(self, s):
        """``ad.unshared(y, 'y', (a, b), ('a', 'b'), file, line)`` before a
        write into ``y`` that names read afterwards may see, or nothing."""
        hit = self.alias_guards.get(id(s))
        if hit is None:
            return []
        mutated, others = hit
        loc = self.norm.parsed.location(s)
        guard = A.expr_stmt(A.call(A.attr(self.env.runtime(), "unshared"), [
            A.name(mutated), A.const(self._shown(mutated)), A.tuple_([A.name(o) for o in others]),
            A.tuple_([A.const(self._shown(o)) for o in others]), A.const(loc.filename),
            A.const(loc.lineno)]))
        A.copy_lineno(guard, s)
        return [guard]

    def _shown(self, name):
        """How an alias check names ``name`` to the user."""
        if name in getattr(self.norm, "temps", ()):
            return "a row, item or view taken from it before"
        return name

    def _refuse_alias(self, stmt, mutated, other):
        temps = getattr(self.norm, "temps", set())
        if mutated in temps:
            what = "an array taken from another (a row the loop hands out, an item, a view)"
            fix = "write through the array it comes from (B[i, 0] = ... rather than row[0] = ...)"
        else:
            what = repr(mutated)
            fix = f"make {mutated!r} its own array first ({mutated} = {mutated}.copy())"
        held = repr(other)
        if other in temps:
            held = "a value taken from it before (a row, an item or a view)"
            fix = ("write into the array itself by index (B[i, 0] = ... rather than a row's "
                   "row[0] = ...; B[[0, 1]] = B[[1, 0]] to swap rows), or copy what is "
                   "taken from it (B[1].copy())")
        raise UnsupportedSyntaxError(
            f"{what} is written in place but may share memory with {held}, which is "
            f"read afterwards; reverse mode cannot follow a write through an alias",
            self.norm.parsed.location(stmt), construct="write through an alias",
            hint=f"{fix}, or use forward mode (srcad.jvp), which follows aliases")

    # ------------------------------------------------------------------------
    # backward statements (generated first: they decide what must be saved)
    # ------------------------------------------------------------------------
    def accumulate(self, name, expr, op="+="):
        d = self.adj(name)
        if op == "=":
            return A.assign(d, expr)
        binop = gast.Add() if op == "+=" else gast.Sub()
        return A.assign(d, A.binop(A.name(d), binop, expr))

    def bwd_block(self, stmts):
        out = []
        for s in reversed(stmts):
            new = self.bwd_stmt(s)
            for n in new:
                A.set_stmt_lineno(n, getattr(s, "lineno", None))
            out.extend(new)
        return out

    def bwd_stmt(self, s):
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            if isinstance(target, gast.Name):
                return self.bwd_assign(s, target.id, s.value)
            return self.bwd_store(s, target)
        if isinstance(s, gast.Expr):
            return self.bwd_expr(s)
        if isinstance(s, gast.If):
            body, orelse = self.bwd_block(s.body), self.bwd_block(s.orelse)
            if not body and not orelse:
                return []
            if not body:
                return [A.if_(A.not_(A.clone(s.test)), orelse)]
            return [A.if_(A.clone(s.test), body, orelse)]
        if isinstance(s, gast.For):
            return self.bwd_for(s)
        if isinstance(s, gast.While):
            return self.bwd_while(s)
        return []

    def bwd_assign(self, s, y, value):
        restore = [] if id(s) in self._first_defs else [_marker(_RESTORE, A.name(y))]
        if is_list_pop(value):
            return self.bwd_pop(y, value.func.value.id) + restore
        if y not in self.active:
            return restore
        if isinstance(value, gast.Call) and self.info(value).kind in ("user", "lifted", "custom", "dynamic"):
            args = list(value.args) + [k.value for k in value.keywords]
            if any(isinstance(a, gast.Name) and a.id == y for a in args):
                # y = f(y, ...): the new y's adjoint is set aside first
                d_new = self._helper(self.adj(y) + "_new")
                prologue = [A.assign(d_new, A.name(self.adj(y))), A.assign(self.adj(y), A.const(0.0))]
                # (the call's own saved values were pushed after y's: pop them first)
                return prologue + self.bwd_user_call(s, y, value, d_y=d_new, reset=False) + restore
            return self.bwd_user_call(s, y, value) + restore
        operands = self._operands(value)
        self_ref = any(isinstance(o, gast.Name) and o.id == y for o in operands)
        if self_ref:
            # y = f(y, ...): the adjoint of the new y is set aside, the old y
            # is restored, and the contributions go to the old y's adjoint.
            d_new = self._helper(self.adj(y) + "_new")
            prologue = [A.assign(d_new, A.name(self.adj(y))), A.assign(self.adj(y), A.const(0.0))]
            rule = self.rule_for_value(value)
            uses_result = (isinstance(rule, tuple) and rule[0].reads_result["reverse"])
            res_name = self.namer.new(y + "_new") if uses_result else None
            contribs = self.adjoint_of(s, y, value, d_new, result_name=lambda: res_name)
            if contribs is None:
                return prologue[1:] + restore
            if uses_result:
                prologue.insert(0, A.assign(res_name, A.name(y)))
            return prologue + restore + contribs
        contribs = self.adjoint_of(s, y, value, self.adj(y))
        out = contribs or []
        if y in self.over:
            out = out + [A.assign(self.adj(y), A.const(0.0))]
        return out + restore

    def bwd_pop(self, y, lst):
        """``y = lst.pop()``: the adjoint of ``y`` goes back on the list's
        adjoint, and the popped value back on the list."""
        out = []
        if lst in self.active:
            # (a value that carries no derivative still held a place)
            g = A.name(self.adj(y)) if y in self.active else A.const(0.0)
            out.append(A.assign(self.adj(lst), A.call(
                A.attr(self.env.runtime(), "push_adjoint"),
                [A.name(self.adj(lst)), A.name(lst), g])))
        if y in self.active and y in self.over:
            out.append(A.assign(self.adj(y), A.const(0.0)))
        out.append(_marker(_RESTORE, A.name(lst), A.const("pop"), A.name(y)))
        return out

    def _operands(self, value):
        if isinstance(value, gast.Name):
            return [value]
        if isinstance(value, gast.BinOp):
            return [value.left, value.right]
        if isinstance(value, gast.UnaryOp):
            return [value.operand]
        if isinstance(value, gast.Call):
            return self.call_operands(value)
        if isinstance(value, (gast.Attribute, gast.Subscript)):
            return [value.value]
        if isinstance(value, (gast.Tuple, gast.List)):
            return list(value.elts)
        if isinstance(value, gast.Dict):
            return list(value.values)
        return []

    def adjoint_of(self, s, y, value, d_y, result_name=None):
        """Statements adding the contributions of ``y = value`` (whose result
        adjoint is ``d_y``) to the adjoints of its operands."""
        ad = self.env.runtime()
        if isinstance(value, gast.Constant):
            return []
        if isinstance(value, gast.Name):
            if value.id in self.active:
                return [self.accumulate(value.id, A.name(d_y))]
            return []
        if isinstance(value, gast.Subscript):
            base = value.value
            if not self.is_active(base):
                return []
            call = A.call(A.attr(ad, "add_at"),
                          [A.name(self.adj(base.id)), A.name(base.id), _index_value(value.slice),
                           A.name(d_y)])
            return [A.assign(self.adj(base.id), call)]
        if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
            out = []
            items = (list(enumerate(value.elts)) if not isinstance(value, gast.Dict)
                     else list(zip(value.keys, value.values)))
            for key, elt in items:
                if self.is_active(elt):
                    k = A.const(key) if isinstance(key, int) else A.clone(key)
                    out.append(self.accumulate(
                        elt.id, A.call(A.attr(self.env.runtime(), "item_adjoint"), [A.name(d_y), k])))
            return out
        rule = self.rule_for_value(value)
        if rule == "nondiff":
            return []
        if rule is None:
            if isinstance(value, gast.Call):
                if not self.any_active(self.call_operands(value)):
                    return []
                raise self.unknown_call(value)
            raise self.error_unsupported(s, type(value).__name__)
        tpl, args, kws, xp = rule
        self.require_mode(tpl, args, kws, s, "reverse")
        bound = self.bind(tpl, args, kws, s)
        if self.checking:
            return []   # inlining the rule raises nothing a user could fix
        result = y
        if result_name is not None and result_name() is not None:
            result = result_name()
        ctx = self.inline_ctx(xp, adjoint=self.adj, result_adjoint=d_y)
        temps, main = get_rules().inline(tpl, "reverse", bound, result, ctx)
        out = list(temps)
        for _, name, op, expr in main:
            out.append(self.accumulate(name, expr, op))
        return out

    def _dynamic_positions(self, call):
        """Positions of the active arguments of a call resolved at run time
        (active keyword arguments cannot be matched to parameters here)."""
        self.receiver_as_argument(call)
        for k in call.keywords:
            if self.is_active(k.value):
                raise self.error_unsupported(call, "an active keyword argument to a function held in a variable")
        return tuple(i for i, a in enumerate(call.args) if self.is_active(a))

    def bwd_dynamic_call(self, s, y, call, d_y=None, reset=True):
        d_y = d_y or self.adj(y)
        positions = self._dynamic_positions(call)
        if not positions:
            return []
        tape_var = self._call_tapes[id(s)]
        grads = self.namer.new(_identifier(_func_label(call.func)) + "_grads")
        dyn = self.env.ref(dynamic, "dyn")
        out = []
        if self._in_loop(s):
            out.append(A.assign(tape_var, self.pop()))
        out.append(A.assign(grads, A.call(A.attr(dyn, "call_bwd"), [A.name(tape_var), A.name(d_y)])))
        for i, pos in enumerate(positions):
            atom = call.args[pos]
            out.append(self.accumulate(atom.id, gast.Subscript(value=A.name(grads), slice=A.const(i),
                                                               ctx=gast.Load())))
        if reset and y in self.over:
            out.append(A.assign(self.adj(y), A.const(0.0)))
        return out

    def _check_callee_writes(self, s, call, target, mapping):
        """A user function that writes into one of its array arguments: its
        derivative works on a copy, so the caller must not read that
        argument after the call (it would see the write in NumPy)."""
        written = callee_written_params(target)
        rebound = s.targets[0].id if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) else None
        for pname, atom in mapping:
            if atom is not None and isinstance(atom, gast.Name) and atom.id == rebound:
                continue   # buf = update(buf, ...): later reads see the returned array
            if pname in written and isinstance(atom, gast.Name) and self._read_after(s, atom.id):
                raise UnsupportedSyntaxError(
                    f"{getattr(target, '__name__', 'the function')} writes into its argument "
                    f"{pname!r} ({atom.id!r} here), which is read after the call",
                    self.norm.parsed.location(s), construct="call that writes into an argument",
                    hint=f"return the new value instead and assign it ({atom.id} = ...), or pass "
                         f"a copy ({atom.id}.copy()); forward mode (srcad.jvp) follows such writes")

    def _read_after(self, s, name):
        order = statement_order(self.norm.node.body)
        idx = next((i for i, (st, _) in enumerate(order) if st is s), None)
        if idx is None:
            return True
        loops = set(order[idx][1])
        for j, (st, tl) in enumerate(order):
            if st is s or isinstance(st, (gast.If, gast.For, gast.While)):
                continue
            if j > idx or loops & set(tl):
                if any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)
                       for n in A.walk(st)):
                    return True
        return False

    def bwd_user_call(self, s, y, call, d_y=None, reset=True):
        info = self.info(call)
        if info.kind == "dynamic":
            return self.bwd_dynamic_call(s, y, call, d_y, reset)
        d_y = d_y or self.adj(y)
        target = info.unit if info.kind == "lifted" else info.obj
        from .transform import bind_call
        call = self.with_receiver(call)
        mapping = bind_call(target, call, self.norm.parsed.location(call))
        if info.kind != "custom":
            self._check_callee_writes(s, call, target, mapping)
        active = [(p, a) for p, a in mapping if self.is_active(a)]
        if not active:
            return []
        positions = tuple(p for p, _ in active)
        tape_var = self._call_tapes[id(s)]
        grads = self.namer.new(_identifier(getattr(target, "__name__", "g")) + "_grads")
        if info.kind == "custom":
            # hand-written backward: one cotangent per parameter
            bwd_ref = A.attr(self.custom_ref(info), "reverse_bwd")
            params = info.template.params
            indices = [params.index(p) for p in positions]
        else:
            bwd_ref = self.derive(target, "reverse", positions).bwd_ref
            indices = list(range(len(active)))
        out = []
        if self._in_loop(s):
            out.append(A.assign(tape_var, self.pop()))  # a callee's saved values
        out.append(A.assign(grads, A.call(bwd_ref, [A.name(tape_var), A.name(d_y)])))
        for i, (_, atom) in zip(indices, active):
            g = gast.Subscript(value=A.name(grads), slice=A.const(i), ctx=gast.Load())
            if info.kind == "custom":
                # a hand-written backward may return a cotangent in the
                # broadcast shape (g * b for a scalar a): sum it to a's
                g = A.call(A.attr(self.env.runtime(), "unbroadcast"), [g, A.name(atom.id)])
            out.append(self.accumulate(atom.id, g))
        if reset and y in self.over:
            out.append(A.assign(self.adj(y), A.const(0.0)))
        return out

    def _in_loop(self, s):
        return id(s) in self._loop_stmts

    def bwd_store(self, s, target):
        base = target.value.id
        out = []
        ad = self.env.runtime()
        if base in self.active:
            d_base = A.name(self.adj(base))
            if self.is_active(s.value):
                region = A.call(A.attr(ad, "written_adjoint"), [d_base, _index_value(target.slice)])
                if self.checking or not (s.value.id in self.scalars and self.entry_is_scalar(target)):
                    # (a scalar written into one entry needs no summing down)
                    region = A.call(A.attr(ad, "unbroadcast"), [region, A.clone(s.value)])
                out.append(self.accumulate(s.value.id, region))
            out.append(A.assign(self.adj(base), A.call(A.attr(ad, "zero_at"),
                                                       [A.clone(d_base), _index_value(target.slice)])))
        out.append(_marker(_RESTORE, A.name(base), A.clone(target.slice)))
        return out

    def bwd_expr(self, s):
        call = s.value
        recv = method_receiver(call)
        if recv and call.func.attr in MUTATING_METHODS:
            base = next(iter(recv))
            out = []
            if call.func.attr != "append" and base in self.active:
                raise NonDifferentiableError(
                    f"cannot differentiate {base}.{call.func.attr}() in reverse mode",
                    self.norm.parsed.location(s), construct=f".{call.func.attr}()",
                    hint=f"write the entries one at a time ({base}.append(v) or {base}[key] = v), "
                         f"or use forward mode (srcad.jvp)")
            if base in self.active:
                item = self.namer.new("d_item")
                out.append(A.assign(A.tuple_([A.store(self.adj(base)), A.store(item)], gast.Store()),
                                    A.call(A.attr(self.env.runtime(), "split_last"),
                                           [A.name(self.adj(base)), A.name(base)])))
                if call.args and self.is_active(call.args[0]):
                    out.append(self.accumulate(call.args[0].id, A.name(item)))
            out.append(_marker(_RESTORE, A.name(base), A.const("append")))
            return out
        self.check_effect_call(s)
        return []

    def bwd_for(self, s):
        self.loop_depth += 1
        body = self.bwd_block(s.body)
        self.loop_depth -= 1
        has_break = bool(s.body) and isinstance(s.body[-1], gast.If) and any(
            isinstance(b, gast.Break) for b in s.body[-1].body)
        rng = A.clone(s.iter)
        out = []
        if has_break:
            counter = self.namer.new("n_" + s.target.id)
            s.counter = counter
            self.counters.append(counter)
            rng = gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=A.name(counter), step=None),
                                 ctx=gast.Load())
            if self.loop_depth > 0:
                out.append(A.assign(counter, self.pop(control=True)))
        if not body:
            return out if has_break and self.loop_depth > 0 else []
        if s.target.id in self.active:
            # the loop binds its target to a number of the sequence (range, a
            # list of constants): the adjoint gathered for it stops there and
            # must not reach an earlier value of the same name
            body.append(A.assign(self.adj(s.target.id), A.const(0.0)))
        rev = A.call(self.env.ref(reversed, "reversed"), [rng])
        out.append(gast.For(target=A.store(s.target.id), iter=rev, body=body, orelse=[],
                            type_comment=None))
        out.append(_marker(_RESTORE, A.name(s.target.id)))
        return out

    def bwd_while(self, s):
        self.loop_depth += 1
        body = self.bwd_block(s.body)
        self.loop_depth -= 1
        counter = self.namer.new("n_steps")
        s.counter = counter
        self.counters.append(counter)
        out = []
        if self.loop_depth > 0:
            out.append(A.assign(counter, self.pop(control=True)))
        if not body:
            return out if self.loop_depth > 0 else []
        loop_var = self.namer.new("step")
        out.append(gast.For(target=A.store(loop_var),
                            iter=A.call(self.env.ref(range, "range"), [A.name(counter)]),
                            body=body, orelse=[], type_comment=None))
        return out

    # ------------------------------------------------------------------------
    # forward sweep
    # ------------------------------------------------------------------------
    def fwd_block(self, stmts):
        out = []
        for s in stmts:
            new = self.rebinding_guard(s) + self.alias_guard(s) + self.fwd_stmt(s)
            for n in new:
                A.set_stmt_lineno(n, getattr(s, "lineno", None))
            out.extend(new)
        return out

    def push(self, value, control=False):
        if control:
            self.used_ctl = True
            return A.expr_stmt(A.call(A.attr(A.name(self.ctl), "append"), [value]))
        self.used_tape = True
        return A.expr_stmt(A.call(A.attr(A.name(self.tape), "append"), [value]))

    def pop(self, control=False):
        if control:
            self.used_ctl = True
            return A.call(A.attr(A.name(self.ctl), "pop"))
        self.used_tape = True
        return A.call(A.attr(A.name(self.tape), "pop"))

    def fwd_stmt(self, s):
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            if isinstance(target, gast.Name):
                y = target.id
                out = []
                if y in self.pushed and id(s) not in self._first_defs:
                    saved = A.name(y)
                    if y in self.shape_only:
                        saved = A.call(A.attr(self.env.runtime(), "shape_of"), [saved])
                    out.append(self.push(saved, control=y not in self.active or y in self.shape_only))
                value = s.value
                if (y in self.active and isinstance(value, gast.Call)
                        and self.info(value).kind in ("user", "lifted", "custom", "dynamic")
                        and id(s) in self._call_tapes):
                    out += self.fwd_user_call(s, y, value)
                else:
                    if self._pure(value):
                        s.srcad_pure = True
                    out.append(s)
                return out
            base = target.value.id
            out = []
            if base in self.pushed and base not in self.shape_only:
                old = A.call(A.attr(self.env.runtime(), "old_item"),
                             [A.name(base), _index_value(target.slice)])
                out.append(self.push(old, control=base not in self.active))
            out.append(s)
            return out
        if isinstance(s, gast.If):
            return [A.if_(s.test, self.fwd_block(s.body), self.fwd_block(s.orelse))]
        if isinstance(s, gast.For):
            return self.fwd_for(s)
        if isinstance(s, gast.While):
            return self.fwd_while(s)
        return [s]

    def _loss_is_free(self, ret):
        """Whether the statements that only compute the returned value (the
        backward sweep and the statements it needs read none of their
        results) are all free of effects and cannot raise (:meth:`_pure`):
        then the gradient may leave them out. Otherwise it computes the
        value, and fails where the function fails (``math.log`` of a
        negative number)."""
        live = set(self.tbr)
        for s in reversed(self.primal):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                y = s.targets[0].id
                if y not in live:
                    if not self._pure(s.value):
                        return False
                    continue        # computed for the returned value only
                live.discard(y)
            live |= {n.id for n in A.nodes(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        return True

    def _pure(self, value):
        """Whether computing ``value`` has no effect besides its result and
        cannot raise where the user's function would not have raised
        already, so that :func:`srcad.optimize.dead_stores` may drop it when
        nothing reads the result (the loss a gradient does not return):
        copies, negation, arithmetic or a NumPy ufunc whose array operands
        surely share a shape (no broadcasting to fail; no division by a
        Python zero), and full sums and means. Indexing, calls of other
        functions, max and min (which raise on empty arrays) stay."""
        def scalar(a):
            return isinstance(a, gast.Constant) or (isinstance(a, gast.Name) and a.id in self.scalars)

        def one_shape(operands):
            # arrays of one shape class broadcast without fail
            arrays = [a for a in operands if not scalar(a)]
            if len(arrays) <= 1:
                return True
            classes = {self.shapes.get(a.id) if isinstance(a, gast.Name) else None for a in arrays}
            return len(classes) == 1 and None not in classes

        if isinstance(value, (gast.Name, gast.Constant)):
            return True
        if isinstance(value, gast.UnaryOp):
            return True
        if isinstance(value, gast.BinOp):
            arrays = sum(not scalar(a) for a in (value.left, value.right))
            if isinstance(value.op, (gast.Div, gast.FloorDiv, gast.Mod, gast.Pow)) and arrays == 0:
                # Python numbers raise on a zero divisor; arrays do not
                return isinstance(value.right, gast.Constant) and bool(value.right.value)
            return one_shape([value.left, value.right])
        if isinstance(value, gast.Call) and not value.keywords and self.info(value).kind == "rule":
            obj = self._resolve(value)
            if _is_ufunc(obj):
                return one_shape(value.args)
            return (len(value.args) == 1 and _numpy_like(obj)
                    and getattr(obj, "__name__", None) in ("sum", "mean", "nansum", "nanmean"))
        return False

    def custom_ref(self, info):
        return self.env.ref(info.obj, getattr(info.obj, "__name__", "custom"))

    def fwd_user_call(self, s, y, call):
        info = self.info(call)
        if info.kind == "dynamic":
            positions = self._dynamic_positions(call)
            tape_var = self._call_tapes[id(s)]
            dyn = self.env.ref(dynamic, "dyn")
            new = A.call(A.attr(dyn, "call_fwd"),
                         [A.clone(call.func), A.tuple_([A.const(p) for p in positions])] + list(call.args),
                         list(call.keywords))
            out = [A.assign(A.tuple_([A.store(y), A.store(tape_var)], gast.Store()), new)]
            # (the callee found at run time may write into what it saved)
            self.calls_dynamic = True
            if self._in_loop(s):
                out.append(self.push(A.name(tape_var)))
            return out
        target = info.unit if info.kind == "lifted" else info.obj
        from .transform import bind_call
        call = self.with_receiver(call)
        mapping = bind_call(target, call, self.norm.parsed.location(call))
        positions = tuple(p for p, a in mapping if self.is_active(a))
        if info.kind == "custom":
            fwd_ref = A.attr(self.custom_ref(info), "reverse_fwd")
        else:
            fwd_ref = self.derive(target, "reverse", positions).fwd_ref
        tape_var = self._call_tapes[id(s)]
        new = gast.Call(func=fwd_ref, args=list(call.args), keywords=list(call.keywords))
        out = [A.assign(A.tuple_([A.store(y), A.store(tape_var)], gast.Store()), new)]
        if self._in_loop(s):
            out.append(self.push(A.name(tape_var)))
        return out

    def fwd_for(self, s):
        out = []
        body = self.fwd_block(s.body)
        counter = getattr(s, "counter", None)
        if s.target.id in self.pushed:
            out.append(self.push(A.name(s.target.id), control=True))
        if counter:
            out.append(A.assign(counter, A.const(0)))
            body = [A.assign(counter, A.binop(A.name(counter), gast.Add(), A.const(1)))] + body
        out.append(gast.For(target=s.target, iter=s.iter, body=body, orelse=[], type_comment=None))
        if counter and id(s) in self._loop_stmts:
            out.append(self.push(A.name(counter), control=True))
        return out

    def fwd_while(self, s):
        counter = s.counter
        body = [A.assign(counter, A.binop(A.name(counter), gast.Add(), A.const(1)))] + self.fwd_block(s.body)
        out = [A.assign(counter, A.const(0)), gast.While(test=s.test, body=body, orelse=[])]
        if id(s) in self._loop_stmts:
            out.append(self.push(A.name(counter), control=True))
        return out

    # ------------------------------------------------------------------------
    # putting it together
    # ------------------------------------------------------------------------
    def _prepare(self):
        """Note which statements sit inside loops and name call tapes."""
        self._loop_stmts = set()
        self._call_tapes = {}
        # Top-level first bindings of a name: nothing to save before them.
        self._first_defs = set()
        seen = set(self.norm.param_names)
        for st in self.primal:
            if (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)
                    and st.targets[0].id not in seen):
                self._first_defs.add(id(st))
            for n in A.walk(st):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    seen.add(n.id)

        def visit(stmts, depth):
            for s in stmts:
                if depth > 0:
                    self._loop_stmts.add(id(s))
                if isinstance(s, gast.If):
                    visit(s.body, depth)
                    visit(s.orelse, depth)
                elif isinstance(s, (gast.For, gast.While)):
                    visit(s.body, depth + 1)
                elif (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                      and s.targets[0].id in self.active and isinstance(s.value, gast.Call)
                      and self.info(s.value).kind in ("user", "lifted", "custom", "dynamic")
                      and self._varies(s.value)):
                    info = self.info(s.value)
                    name = (_func_label(s.value.func) if info.kind == "dynamic"
                            else getattr(info.unit or info.obj, "__name__", "call"))
                    self._call_tapes[id(s)] = self.namer.new(_identifier(name) + "_tape")
        visit(self.primal, 0)
        del visit   # it refers to itself

    def _backward(self):
        """The backward sweep as first built, and the name counts of the
        function."""
        self._prepare()
        # (a check inlines no rule: it asks nothing of the name counts)
        counts = A.name_counts(self.norm.node) if not self.checking else ({}, {})
        self.unfitted = unfitted_temps(self, counts)
        self._shape_only_reads = set()
        self._value_reads = set()
        return self.bwd_block(self.primal), counts

    def check(self):
        """Raise the error building this derivative would raise, and do no
        more: the backward sweep meets every statement and call the forward
        sweep does (and derives the same callees); what follows it only
        rewrites the two sweeps. The rules' statements are not inlined:
        once a call matches its rule, inlining it cannot fail."""
        self.checking = True
        try:
            self._backward()
        finally:
            self.checking = False

    def _sweeps(self):
        bwd, counts = self._backward()
        bwd = without_zero_adjoints(self, bwd)
        values = recomputable(self, counts)
        if values:
            bwd = recompute(bwd, values, keep=lambda st: _is_marker(st))
        # What the backward sweep reads decides what the forward sweep saves.
        marker_free_reads = set()
        shape_reads = set()
        for s in bwd:
            self._collect_reads(s, marker_free_reads, shape_reads)
        locals_ = self.norm.local_names
        self.tbr = (marker_free_reads & locals_) | set(self._call_tapes.values())
        # trip counts of loops outside any loop are read by the backward sweep
        self.tbr |= {c for c in self.counters if c in marker_free_reads}
        self.pushed = self.tbr & self.over
        # writing old entries back into an array reads the index the
        # forward sweep wrote at (``T[j] = control.pop()``), until no
        # more names are needed
        restores = [n for s in bwd for n in A.nodes(s)
                    if isinstance(n, gast.Expr) and _is_marker(n, _RESTORE) and len(n.value.args) == 2
                    and not isinstance(n.value.args[1], gast.Constant)]
        while restores:
            index_reads = set()
            for m in restores:
                if m.value.args[0].id in self.pushed:
                    self._collect_reads(m.value.args[1], index_reads, shape_reads)
            new = (index_reads & locals_) - self.tbr
            if not new:
                break
            marker_free_reads |= index_reads
            self.tbr |= new
            self.pushed = self.tbr & self.over
        # Names the backward sweep reads only for their shape: save the shape.
        self.shape_only = {n for n in self.pushed & shape_reads if n not in self._value_reads}
        bwd = self._finish_markers(bwd)
        fwd = self.fwd_block(self.primal)
        return fwd, bwd

    _SHAPE_ARGS = {"unbroadcast": 1, "broadcast_like": 1, "expand_to": 1, "count": 0}

    def _collect_reads(self, node, acc, shape_acc):
        """Names read in ``node`` into ``acc``; those read as the shape
        argument of a runtime helper also into ``shape_acc`` (a name read
        both ways ends up in ``acc`` through its other read)."""
        shape_args = self._SHAPE_ARGS
        value_reads = self._value_reads
        Name, Call, Expr, Load = gast.Name, gast.Call, gast.Expr, gast.Load
        stack = [node]
        while stack:
            node = stack.pop()
            cls = node.__class__
            if cls is Name:
                if node.ctx.__class__ is Load:
                    acc.add(node.id)
                    value_reads.add(node.id)
                continue
            if cls is Expr and _is_marker(node):
                args = node.value.args
                if (len(args) == 3 and isinstance(args[1], gast.Constant) and args[1].value == "pop"
                        and isinstance(args[2], Name)):
                    # undoing lst.pop() puts the popped value back: it is read
                    acc.add(args[2].id)
                    value_reads.add(args[2].id)
                continue
            if (cls is Call and isinstance(node.func, gast.Attribute)
                    and node.func.attr in shape_args and isinstance(node.func.value, Name)):
                k = shape_args[node.func.attr]
                for i, arg in enumerate(node.args):
                    if i == k and isinstance(arg, Name):
                        shape_acc.add(arg.id)
                        acc.add(arg.id)
                        self._shape_only_reads.add(id(arg))
                    else:
                        stack.append(arg)
                stack.extend(kw.value for kw in node.keywords)
                continue
            stack.extend(A.children(node))

    def _finish_markers(self, stmts):
        out = []
        for s in stmts:
            if _is_marker(s, _RESTORE):
                args = s.value.args
                name = args[0].id
                if name not in self.pushed:
                    continue
                if len(args) == 2 and name in self.shape_only and not (
                        isinstance(args[1], gast.Constant) and args[1].value in ("append", "pop")):
                    # a write into an array the backward sweep reads only the
                    # shape of: its old entries were not saved (fwd_stmt), and
                    # the saved shape is no array to write back into
                    continue
                start = len(out)
                if len(args) == 1:
                    control = name not in self.active or name in self.shape_only
                    out.append(A.assign(name, self.pop(control=control)))
                else:
                    self.mutated_backward.add(name)
                if len(args) == 1:
                    pass
                elif isinstance(args[1], gast.Constant) and args[1].value == "append":
                    out.append(A.expr_stmt(A.call(A.attr(A.name(name), "pop"))))
                elif isinstance(args[1], gast.Constant) and args[1].value == "pop":
                    out.append(A.expr_stmt(A.call(A.attr(A.name(name), "append"), [args[2]])))
                else:
                    out.append(A.assign(gast.Subscript(value=A.name(name), slice=args[1], ctx=gast.Store()),
                                        self.pop(control=name not in self.active)))
                for new in out[start:]:
                    A.set_stmt_lineno(new, getattr(s, "lineno", None))
                continue
            for field in ("body", "orelse"):
                if hasattr(s, field) and isinstance(getattr(s, field), list):
                    setattr(s, field, self._finish_markers(getattr(s, field)))
            # Blocks that only restored values nobody needs are now empty.
            if isinstance(s, gast.If):
                if not s.body and not s.orelse:
                    continue
                if not s.body:
                    s = A.if_(A.not_(s.test), s.orelse)
            elif isinstance(s, gast.For) and not s.body:
                continue
            out.append(s)
        return out

    def _prologue(self):
        """Statements opening the forward sweep: copies of parameters that
        are mutated, the tape, names that are pushed before first bound."""
        out = []
        for p in mutated_params(self.norm.node.body, self.norm.param_names):
            out.append(A.assign(p, A.call(A.attr(self.env.runtime(), "copy"), [A.name(p)])))
        return out

    def _tapes(self):
        out = []
        for used, name in ((self.used_tape, self.tape), (self.used_ctl, self.ctl)):
            if used:
                out.append(A.assign(name, gast.List(elts=[], ctx=gast.Load())))
        return out

    def _undefined_first(self, names):
        """``name = None`` for names saved (or handed to the backward sweep)
        before they are surely bound."""
        bound = set(self.norm.param_names)
        for st in self.primal:
            if id(st) in self._first_defs:
                bound.add(st.targets[0].id)
            if id(st) in self._call_tapes:
                bound.add(self._call_tapes[id(st)])
        return [A.assign(n, A.const(None)) for n in sorted(names) if n not in bound]

    def _adjoint_inits(self, seeded):
        names = sorted(self.active - {seeded})
        return [A.assign(self.adj(n), A.const(0.0)) for n in names]

    def fused(self, name, seed_param, with_value=False):
        """One function ``name(*params, seed_param=1.0)`` returning the
        adjoints of the ``wrt`` parameters (with the value first when
        ``with_value``)."""
        node = self.norm.node
        fwd, bwd = self._sweeps()
        ret = self.norm.return_name
        body = self._prologue()
        body += self._tapes()
        body += self._undefined_first(self.pushed)
        body += fwd
        value = None
        if with_value and ret is not None:
            # the value as the forward sweep leaves it: the backward sweep
            # may restore (or write into) the name on its way back
            value = self.namer.new("value")
            held = A.name(ret)
            if ret in self.mutated_backward:
                held = A.call(A.attr(self.env.runtime(), "copy"), [held])
            body.append(A.assign(value, held))
        body += self._adjoint_inits(ret)
        # the seed checks that the output is a scalar, unless it surely is
        # (and then computing it may be left out altogether)
        if ret is not None and not (ret in self.scalars and self._loss_is_free(ret)):
            seed = A.call(A.attr(self.env.runtime(), "seed"), [A.name(ret), A.name(seed_param)])
            body.append(A.assign(self.adj(ret), seed) if ret in self.active else A.expr_stmt(seed))
        body += bwd
        grads = [A.name(self.adj(w)) if w in self.active else A.const(0.0) for w in self.wrt]
        out = grads[0] if len(grads) == 1 else A.tuple_(grads)
        if with_value:
            out = A.tuple_([A.name(value) if value else A.const(None), out])
        body.append(gast.Return(value=out))
        args = A.clone(node.args)
        args.args.append(gast.Name(id=seed_param, ctx=gast.Param(), annotation=None, type_comment=None))
        args.defaults = list(args.defaults) + [A.const(1.0)]
        if args.kwonlyargs:
            # keep the seed positional: move it before keyword-only parameters
            pass
        fn = gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                              type_comment=None, type_params=[])
        fn.lineno = node.lineno
        fn.srcad_tapes = {self.tape, self.ctl}
        fn.srcad_exact = self._exact_adjoints()
        return fn

    def _exact_adjoints(self):
        """``{adjoint name: name}`` for adjoints that surely have their
        value's shape (all but those of temporaries, which may be left
        unfitted)."""
        temps = getattr(self.norm, "temps", set())
        return {self.adj(n): n for n in self.active if n not in temps}

    def split(self, fwd_name, bwd_name, tape_param, seed_param):
        """Two functions: ``fwd_name(*params) -> (result, saved)`` and
        ``bwd_name(saved, seed_param) -> adjoints``."""
        node = self.norm.node
        fwd, bwd = self._sweeps()
        ret = self.norm.return_name
        saved = sorted(self.tbr | ({self.tape} if self.used_tape else set())
                       | ({self.ctl} if self.used_ctl else set()))
        fbody = self._prologue()
        fbody += self._tapes()
        fbody += self._undefined_first((self.pushed | self.tbr))
        fbody += fwd
        saved_tuple = A.tuple_([A.name(n) for n in saved])
        result = A.name(ret) if ret else A.const(None)
        if ret and self.mutated_backward:
            # the backward sweep writes old entries back into what it saved:
            # the result handed to the caller must not be one of those arrays
            from .analysis import _alias_groups
            find = _alias_groups(self.primal)
            if any(find(ret) == find(m) for m in self.mutated_backward):
                result = A.call(A.attr(self.env.runtime(), "copy"), [result])
        fbody.append(gast.Return(value=A.tuple_([result, saved_tuple])))
        ffn = gast.FunctionDef(name=fwd_name, args=A.clone(node.args), body=fbody,
                               decorator_list=[], returns=None, type_comment=None, type_params=[])
        ffn.lineno = node.lineno
        ffn.srcad_tapes = {self.tape, self.ctl}
        bbody = []
        if saved:
            bbody.append(A.assign(A.tuple_([A.store(n) for n in saved] + ([] if len(saved) > 1 else []),
                                           gast.Store()) if len(saved) > 1 else A.store(saved[0]),
                                  A.name(tape_param) if len(saved) > 1 else
                                  gast.Subscript(value=A.name(tape_param), slice=A.const(0), ctx=gast.Load())))
        # The backward function may run many times on one forward's saved
        # values (vjp, jacobian): it works on copies of what it pops or undoes,
        # unless a copy would cut an array off from a view of it that is
        # saved too; then each pullback needs a fresh forward (reentrant=False).
        from .analysis import _alias_groups
        find = _alias_groups(self.primal)
        # (old values of an array the backward sweep writes into, popped off
        # a tape, are the forward's own objects: another pullback would see
        # them written)
        self.reentrant = not (self.mutated_backward & self.pushed)
        for n in saved:
            if n in (self.tape, self.ctl) or n in self.mutated_backward:
                if any(m != n and find(m) == find(n) for m in saved):
                    self.reentrant = False
                    continue
                bbody.append(A.assign(n, A.call(A.attr(self.env.runtime(), "copy"), [A.name(n)])))
        bbody += self._adjoint_inits(ret)
        if ret is not None and ret in self.active and self.adj(ret) != seed_param:
            bbody.append(A.assign(self.adj(ret), A.name(seed_param)))
        bbody += bwd
        grads = [A.name(self.adj(w)) if w in self.active else A.const(0.0) for w in self.wrt]
        bbody.append(gast.Return(value=A.tuple_(grads)))
        bargs = gast.arguments(
            args=[gast.Name(id=tape_param, ctx=gast.Param(), annotation=None, type_comment=None),
                  gast.Name(id=seed_param, ctx=gast.Param(), annotation=None, type_comment=None)],
            posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        bfn = gast.FunctionDef(name=bwd_name, args=bargs, body=bbody, decorator_list=[], returns=None,
                               type_comment=None, type_params=[])
        bfn.lineno = node.lineno
        bfn.srcad_exact = self._exact_adjoints()
        return ffn, bfn
