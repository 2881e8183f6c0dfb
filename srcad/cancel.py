"""Adjoints that cancel exactly, found by simplifying the backward sweep's
straight-line code as sums of products, and left out.

Assumes: the backward sweep of :class:`srcad.reverse.ReverseTransform`
(before optimization), the names known to hold scalars, and the forward
sweep's full sums (``s = np.sum(e)``). Guarantees: a statement is removed
only when the adjoint it adds is zero for every input, by the rules of
real arithmetic; the numbers that remain are computed as before.

The case that matters is the shift a stable ``logsumexp`` or ``softmax``
makes: the result does not depend on ``m`` at all, so its adjoint cancels::

    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))

    d_m = d_result - sum(d_result / s * e)      (s = np.sum(e))
        = d_result - d_result / s * s = 0

and the backward sweep need not find where ``x`` attains its maximum.
Each expression becomes a polynomial over atoms (names, and anything else as
an opaque atom of its own); a sum of scalar factors times one array whose
full sum the forward sweep computed is that sum.

The same holds row by row: with ``m = np.max(x, axis=1, keepdims=True)`` and
``s = np.sum(e, axis=1, keepdims=True)`` the adjoint of ``m`` sums over axis 1
only. Atoms then carry the shape class of their value (see
:func:`srcad.kinds.shape_classes`): a factor of the reduced class is
constant along the summed axes and comes out of the sum, and
``ad.expand_to(g, e, 1, True)`` is ``g`` times an atom standing for ones of
``e``'s shape.

>>> p = Poly.atom("a", True) * Poly.atom("s", True) / Poly.atom("s", True)
>>> (p - Poly.atom("a", True)).is_zero()
True
"""

from __future__ import annotations

import itertools

import gast

from . import astutil as A
from .kinds import is_reduced

# Runtime helpers whose result is zero when their first argument (an
# adjoint) is zero.
LINEAR_IN_ADJOINT = frozenset({
    "unbroadcast", "broadcast_like", "expand_to", "reduce_like", "matmul_adjoint_a",
    "matmul_adjoint_b", "dot_adjoint_a", "dot_adjoint_b", "extremum_adjoint", "pick_adjoint",
    "truncate_adjoint",
})

_fresh = itertools.count()


class Poly:
    """A sum of terms ``coefficient * prod(atom ** exponent)``; atoms are
    keys with a flag saying whether they surely hold scalars."""

    __slots__ = ("terms", "scalar_atoms")

    def __init__(self, terms=None, scalar_atoms=frozenset()):
        self.terms = {m: c for m, c in (terms or {}).items() if c != 0}
        self.scalar_atoms = frozenset(scalar_atoms)

    @classmethod
    def const(cls, c):
        return cls({(): float(c)})

    @classmethod
    def atom(cls, key, scalar):
        return cls({((key, 1),): 1.0}, {key} if scalar else ())

    @classmethod
    def opaque(cls):
        return cls.atom(f"opaque:{next(_fresh)}", False)

    def is_zero(self):
        return not self.terms

    def _merge(self, other, terms):
        return Poly(terms, self.scalar_atoms | other.scalar_atoms)

    def __add__(self, other):
        terms = dict(self.terms)
        for m, c in other.terms.items():
            terms[m] = terms.get(m, 0.0) + c
        return self._merge(other, terms)

    def __neg__(self):
        return Poly({m: -c for m, c in self.terms.items()}, self.scalar_atoms)

    def __sub__(self, other):
        return self + (-other)

    def __mul__(self, other):
        terms = {}
        for (m1, c1), (m2, c2) in itertools.product(self.terms.items(), other.terms.items()):
            powers = dict(m1)
            for k, e in m2:
                powers[k] = powers.get(k, 0) + e
            m = tuple(sorted((k, e) for k, e in powers.items() if e != 0))
            terms[m] = terms.get(m, 0.0) + c1 * c2
        return self._merge(other, terms)

    def inverse(self):
        """``1 / self`` for a single term (else ``None``)."""
        if len(self.terms) != 1:
            return None
        (m, c), = self.terms.items()
        if c == 0:
            return None
        return Poly({tuple((k, -e) for k, e in m): 1.0 / c}, self.scalar_atoms)

    def __truediv__(self, other):
        inv = other.inverse()
        return None if inv is None else self * inv

    def key(self):
        return repr(sorted(self.terms.items()))

    def total(self, sums):
        """The sum of all entries (the adjoint of a scalar operand that was
        broadcast): scalar factors come out of the sum, and an array whose
        full sum the forward sweep computed is that sum (``sums``: atom key
        -> key of the scalar holding its sum)."""
        out = Poly()
        for m, c in self.terms.items():
            scalar = tuple((k, e) for k, e in m if k in self.scalar_atoms)
            array = tuple((k, e) for k, e in m if k not in self.scalar_atoms)
            if not array:
                out = out + Poly({m: c}, self.scalar_atoms)
                continue
            if len(array) == 1 and array[0][1] == 1 and array[0][0] in sums:
                total = sums[array[0][0]]
            else:
                total = "sum:" + repr(array)
            out = out + Poly({scalar: c}, self.scalar_atoms) * Poly.atom(total, True)
        return out


class ZeroAdjoints:
    """Finds and removes contributions of adjoints that cancel (see the
    module docstring)."""

    def __init__(self, scalars, sums, unstable, adjoint_names, runtime_name,
                 classes=None, axis_sums=None, call_class=None):
        self.scalars = set(scalars)      # names surely holding scalars
        self.sums = dict(sums)           # array name -> name of its full sum
        self.unstable = set(unstable)    # names whose value changes in the sweep
        self.adjoints = set(adjoint_names)
        self.ad = runtime_name
        self.env = {}
        # name -> shape class of every value it holds in the sweep
        self.classes = dict(classes or {})
        # (array name, axes) -> name of its keepdims sum over those axes
        self.axis_sums = dict(axis_sums or {})
        self.atom_class = {}             # atom key -> shape class
        # call -> shape class of its result, or None
        self.call_class = call_class or (lambda call: None)

    # -- expressions ---------------------------------------------------------------
    def _name(self, name):
        if name in self.env:
            return self.env[name]
        if name in self.unstable:
            return Poly.opaque()
        key = "name:" + name
        if name in self.classes:
            self.atom_class[key] = self.classes[name]
        return Poly.atom(key, name in self.scalars)

    def _class_of(self, node):
        return self.classes.get(node.id) if isinstance(node, gast.Name) and node.id not in self.unstable \
            else None

    def _reduce(self, p, target):
        """``p`` summed over the axes of the keepdims reduction class
        ``target`` (``("reduce", full, axes)``), or an opaque atom where a
        term is not known to have the full shape."""
        _, full_class, axes = target
        out = Poly()
        for m, c in p.terms.items():
            factors, full = [], []
            for k, e in m:
                cls = self.atom_class.get(k)
                if k in p.scalar_atoms or cls == target:
                    factors.append((k, e))
                elif cls == full_class:
                    full.append((k, e))
                else:
                    return Poly.opaque()
            if not full:
                # (a reduced value broadcast back has no atom saying so)
                return Poly.opaque()
            # ones of the full shape times a value of that shape is the value
            full = [f for f in full if not f[0].startswith("ones:")] or full
            if len(full) == 1 and full[0][1] == 1 and (full[0][0], axes) in self.axis_sums:
                key = self.axis_sums[(full[0][0], axes)]
            else:
                key = f"sum{axes!r}:{full!r}"
            self.atom_class[key] = target
            out = out + Poly({tuple(factors): c}, p.scalar_atoms) * Poly.atom(key, False)
        return out

    def _is_runtime(self, call, names):
        f = call.func
        return (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name)
                and f.value.id == self.ad and f.attr in names)

    # Expressions whose expansion grows past this many terms are left
    # opaque: a chain of products (each step reading the last twice) would
    # otherwise grow exponentially, and cancellations worth finding are small.
    MAX_TERMS = 32

    def poly(self, node):
        p = self._poly(node)
        return p if len(p.terms) <= self.MAX_TERMS else Poly.opaque()

    def _poly(self, node):
        if isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return Poly.const(node.value)
        if isinstance(node, gast.Name):
            return self._name(node.id)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            p = self.poly(node.operand)
            return -p if isinstance(node.op, gast.USub) else p
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div)):
            a, b = self.poly(node.left), self.poly(node.right)
            if isinstance(node.op, gast.Add):
                return a + b
            if isinstance(node.op, gast.Sub):
                return a - b
            if isinstance(node.op, gast.Mult):
                return a * b
            out = a / b
            return out if out is not None else Poly.opaque()
        if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Pow) \
                and isinstance(node.right, gast.Constant) and node.right.value in (2, 3):
            # a small power is a product (more would only grow the terms)
            base = self.poly(node.left)
            out = base
            for _ in range(int(node.right.value) - 1):
                out = out * base
            return out
        if (isinstance(node, gast.Call) and self._is_runtime(node, {"unbroadcast"}) and len(node.args) == 2
                and isinstance(node.args[1], gast.Name) and node.args[1].id in self.scalars):
            # the adjoint of a scalar operand: everything summed
            sums = {"name:" + k: "name:" + v for k, v in self.sums.items()}
            return self.poly(node.args[0]).total(sums)
        if not isinstance(node, gast.Call):
            return Poly.opaque()
        if self._is_runtime(node, {"unbroadcast"}) and len(node.args) == 2 and not node.keywords:
            target = self._class_of(node.args[1])
            if is_reduced(target):
                return self._reduce(self.poly(node.args[0]), target)
        if self._is_runtime(node, {"expand_to"}) and len(node.args) == 4 and not node.keywords:
            # broadcasting a keepdims reduction (or a scalar) back multiplies
            # it by ones of the full shape
            like, axis, keepdims = node.args[1:]
            like_class = self._class_of(like)
            if like_class is not None and isinstance(axis, gast.Constant) and isinstance(keepdims, gast.Constant) \
                    and (keepdims.value is True or axis.value is None):
                key = f"ones:{like_class!r}"
                self.atom_class[key] = like_class
                return self.poly(node.args[0]) * Poly.atom(key, False)
        p = Poly.opaque()
        if self._is_runtime(node, {"pow_partial"}) and len(node.args) == 2 \
                and isinstance(node.args[1], gast.Constant):
            # b * a ** (b - 1), elementwise (a zero scalar for b = 0)
            cls = self._class_of(node.args[0])
        else:
            cls = self.call_class(node)
        if cls is not None:
            (m, _), = p.terms.items()
            self.atom_class[m[0][0]] = cls
        return p

    def zero(self, node):
        """Whether ``node`` is zero given what is known of the names it reads."""
        if isinstance(node, gast.Name):
            return node.id in self.adjoints and self._name(node.id).is_zero()
        if isinstance(node, gast.Constant):
            return node.value == 0 and not isinstance(node.value, bool)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return self.zero(node.operand)
        if isinstance(node, gast.BinOp):
            if isinstance(node.op, (gast.Add, gast.Sub)):
                return self.zero(node.left) and self.zero(node.right)
            if isinstance(node.op, gast.Mult):
                return self.zero(node.left) or self.zero(node.right)
            if isinstance(node.op, gast.Div):
                return self.zero(node.left)
        if isinstance(node, gast.Call) and self._is_runtime(node, LINEAR_IN_ADJOINT) and node.args:
            return self.zero(node.args[0])
        return False

    # -- statements -------------------------------------------------------------
    def run(self, stmts, keep=()):
        """The top-level statements of a backward sweep without the
        contributions of adjoints that cancel (``keep``: adjoints read
        after the sweep, the gradients it returns)."""
        out = []
        dropped = False
        for s in stmts:
            if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                name = s.targets[0].id
                value = s.value
                if name in self.adjoints and self._adds_zero(name, value):
                    dropped = True
                    continue
                p = self.poly(value)
                if name in self.classes and len(p.terms) == 1:
                    # an opaque value has the shape of the name it is bound to
                    (m, c), = p.terms.items()
                    if c == 1.0 and len(m) == 1 and m[0][1] == 1 and m[0][0].startswith("opaque:"):
                        self.atom_class[m[0][0]] = self.classes[name]
                self.env[name] = p
                out.append(s)
                continue
            # anything else (loops, branches, restores): the names it binds
            # or restores are no longer known
            forgotten = {}   # in order of appearance, each once
            for n in A.nodes(s):
                if isinstance(n, gast.Name) and (not isinstance(n.ctx, gast.Load) or not isinstance(s, gast.Assign)):
                    if n.id in self.env or n.id in self.adjoints:
                        forgotten[n.id] = None
                    elif not isinstance(n.ctx, gast.Load):
                        self.unstable.add(n.id)
            for name in forgotten:
                self.env[name] = Poly.opaque()
            out.append(s)
        if not dropped:
            return stmts
        return self._without_unread(out, set(keep))

    def _adds_zero(self, name, value):
        """``d = d + z`` or ``d = d - z`` with ``z`` zero."""
        if (isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub))
                and isinstance(value.left, gast.Name) and value.left.id == name):
            return self.zero(value.right)
        return False

    def _without_unread(self, stmts, keep):
        """Adjoint assignments whose value nothing reads any more go too
        (liveness, backwards over the straight-line statements)."""
        live = set(keep)
        out = []
        for s in reversed(stmts):
            reads = {n.id for n in A.nodes(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
            if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                target = s.targets[0].id
                if target in self.adjoints and target not in live:
                    continue
                live.discard(target)
            live |= reads
            out.append(s)
        return out[::-1]


def without_zero_adjoints(tr, bwd):
    """The backward sweep ``bwd`` of the transformation ``tr`` without the
    contributions of adjoints that cancel exactly."""
    from .kinds import _numpy_like, _reduced_axes
    ret = tr.norm.return_name
    scalars = set(tr.scalars)
    if ret in tr.scalars:
        scalars.add(tr.adj(ret))
    sums, axis_sums = {}, {}
    for s in tr.primal:
        v = s.value if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) else None
        if not isinstance(v, gast.Call) or getattr(v, "is_method", False) or not v.args \
                or not isinstance(v.args[0], gast.Name) or v.args[0].id in tr.over \
                or s.targets[0].id in tr.over:
            continue
        obj = tr._resolve(v)
        if getattr(obj, "__name__", None) != "sum" or not _numpy_like(obj):
            continue
        if len(v.args) == 1 and not v.keywords:
            sums[v.args[0].id] = s.targets[0].id
            scalars.add(s.targets[0].id)
        else:
            reduced = _reduced_axes(v, tr._resolve)
            if reduced is not None:
                axis_sums[("name:" + v.args[0].id, reduced[1])] = "name:" + s.targets[0].id
    runtime = tr.env.runtime()
    if not isinstance(runtime, gast.Name):
        return bwd
    # the shape class of each name, and of the adjoints that surely have
    # their value's shape (an unfitted one may be wider or narrower)
    classes = {}
    if axis_sums:
        shapes = tr.shapes
        classes = {n: k for n, k in shapes.items() if n not in tr.over}
        for n in tr.active:
            if n in classes and not tr.unfitted(n, "wide") and not tr.unfitted(n, "narrow"):
                classes[tr.adj(n)] = classes[n]
    z = ZeroAdjoints(scalars, sums, tr.over, {tr.adj(n) for n in tr.active}, runtime.id,
                     classes, axis_sums, lambda call: _ufunc_class(tr, classes, scalars, call))
    z.env = {tr.adj(n): Poly() for n in tr.active if n != ret}
    if axis_sums:
        # a value defined by arithmetic is that arithmetic of its operands
        # (``p = e / s``), for names bound once
        for s in tr.primal:
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                    and isinstance(s.value, (gast.BinOp, gast.UnaryOp)) and s.targets[0].id in classes:
                z.env[s.targets[0].id] = z.poly(s.value)
    return z.run(bwd, keep={tr.adj(w) for w in tr.wrt})


def _ufunc_class(tr, classes, scalars, call):
    """The shape class of a NumPy ufunc's result whose array operands all
    have one class (or are keepdims reductions of it), else ``None``."""
    from .kinds import _is_ufunc
    if call.keywords or any(not isinstance(a, (gast.Name, gast.Constant)) for a in call.args):
        return None
    try:
        obj = tr._resolve(call)
    except Exception:   # a call the sweep made up
        return None
    if not _is_ufunc(obj):
        return None
    arrays = set()
    for a in call.args:
        if isinstance(a, gast.Name) and a.id not in scalars:
            if a.id not in classes:
                return None
            arrays.add(classes[a.id])
    full = {c for c in arrays if not is_reduced(c)}
    if len(full) == 1 and all(c[1] in full for c in arrays - full):
        return full.pop()
    return arrays.pop() if len(arrays) == 1 else None
