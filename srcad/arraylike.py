"""Lists and tuples among array code: NumPy functions given Python lists
(``np.sum([a, b])``, ``np.max([x, y], axis=0)``, ``np.dot([1.0, 2.0], x)``,
``[1.0, 2.0] @ x``), and lists joined with ``+`` (``[x] + [x * x]``).

NumPy turns such a list into an array before it computes anything; the
derivative rules are written for arrays. This pass makes the conversion
explicit, so that the ``np.asarray`` rule carries derivatives between the
list's entries and the array, and the function's own rule sees an array.
``a + b`` of lists or tuples becomes ``ad.concat(a, b)``
(``__srcad_concat__``), whose rule splits the adjoint between them.

Assumes: a normalized body (operands are atoms) and the activity of its
names. Guarantees: where a call with a NumPy rule has an operand that
carries a derivative, each operand that surely holds a list or tuple (bound
only to list or tuple displays, comprehensions, ``list(...)``,
``tuple(...)`` or ``sorted(...)``) and that a derivative flows through is
replaced by ``t = np.asarray(that)``, computed just before; the same for
the operands of ``@``. Parameters that take sequences of arrays by design
(``np.stack``'s ``arrays``...) and the conversion functions themselves are
left alone.

>>> import numpy as np, srcad
>>> srcad.grad(lambda a, b: np.prod([a, b]), wrt=(0, 1))(2.0, 3.0)
(3.0, 2.0)
"""

from __future__ import annotations

import gast

from . import astutil as A
from .analysis import walk_simple
from .kinds import _numpy_like

# Parameters of NumPy rules that take a sequence of arrays on purpose.
SEQUENCE_PARAMS = frozenset({"arrays", "tup", "object", "condlist", "choicelist", "choices", "subscripts"})
# NumPy functions whose result is a list or tuple of arrays.
SEQUENCE_FUNCTIONS = frozenset({"split", "array_split", "hsplit", "vsplit", "dsplit", "meshgrid",
                                "broadcast_arrays", "unstack"})
# Rules that convert (nested) lists themselves.
CONVERTERS = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
                        "asarray_chkfinite"})


def list_names(body, params, resolve, param_kinds=None):
    """Names bound only to lists or tuples in ``body`` (never parameters):
    displays, comprehensions, ``list(...)``, ``tuple(...)``, ``sorted(...)``,
    another such name, a slice of one, or ``x.tolist()``."""
    sequences = (list, tuple, sorted)

    def makes_sequence(call):
        obj = resolve(call)
        if obj in sequences:
            return True
        # NumPy functions that return a list or tuple of arrays
        return getattr(obj, "__name__", None) in SEQUENCE_FUNCTIONS and _numpy_like(obj)

    bindings = {}
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            bindings.setdefault(s.targets[0].id, []).append(s.value)
        elif isinstance(s, gast.For):
            bindings.setdefault(s.target.id, []).append(None)
    found = set(bindings) - set(params)
    # (the integers repeating a list are looked for only where a product is)
    ints = int_names(body, params, param_kinds or {}) if any(
        isinstance(v, gast.BinOp) and isinstance(v.op, gast.Mult)
        for vs in bindings.values() for v in vs) else frozenset()
    changed = True
    while changed:
        changed = False
        for name in list(found):
            for v in bindings[name]:
                ok = isinstance(v, (gast.List, gast.Tuple)) or (
                    isinstance(v, gast.Name) and v.id in found) or (
                    # a slice of a list is a list
                    isinstance(v, gast.Subscript) and isinstance(v.slice, gast.Slice)
                    and isinstance(v.value, gast.Name) and v.value.id in found) or (
                    # x.tolist() (of a 0-d array a number: ad.concat adds those)
                    isinstance(v, gast.Call) and getattr(v, "is_method", False)
                    and v.func.attr == "tolist" and not v.args and not v.keywords) or (
                    _is_concat(v, found)) or _is_repeat(v, found, ints) or (
                    isinstance(v, gast.Call) and not getattr(v, "is_method", False)
                    and makes_sequence(v))
                if not ok:
                    found.discard(name)
                    changed = True
                    break
    return found


def _is_concat(value, lists):
    """``a + b`` with a list or tuple operand: a concatenation."""
    return (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)
            and any(isinstance(v, gast.Name) and v.id in lists for v in (value.left, value.right)))


def _is_repeat(value, lists, ints=frozenset()):
    """``a * n`` or ``n * a`` with a list or tuple ``a`` and an integer
    ``n`` (a literal or a name in ``ints``): a repetition. (A list times an
    array is NumPy's elementwise product.)"""
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Mult)):
        return False
    left, right = value.left, value.right
    if isinstance(right, gast.Name) and right.id in lists:
        left, right = right, left
    if not (isinstance(left, gast.Name) and left.id in lists):
        return False
    if isinstance(right, gast.Constant):
        return isinstance(right.value, int) and not isinstance(right.value, bool)
    return isinstance(right, gast.Name) and right.id in ints


def int_names(body, params, param_kinds):
    """Names surely holding Python integers: parameters of kind int, and
    names bound only to integer literals, ``len(...)``, ``int(...)`` or
    such names, or looping over ``range``."""
    bindings = {}
    for s, _ in walk_simple(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            bindings.setdefault(s.targets[0].id, []).append(s.value)
    found = {p for p in params if param_kinds.get(p) == "int"}
    found |= {n for n in bindings if n not in params}
    changed = True
    while changed:
        changed = False
        for name in list(found - set(params)):
            for v in bindings.get(name, [None]):
                ok = (isinstance(v, gast.Constant) and isinstance(v.value, int)
                      and not isinstance(v.value, bool)) or (
                    isinstance(v, gast.Name) and v.id in found) or (
                    isinstance(v, gast.Call) and isinstance(v.func, gast.Name)
                    and v.func.id in ("len", "int", "__srcad_len__"))
                if not ok:
                    found.discard(name)
                    changed = True
                    break
    return found


def arrays_from_lists(tr):
    """Rewrite ``tr.norm``'s body as the module docstring says; names made
    for converted operands that carry a derivative join ``tr.active``.
    Runs inside :class:`srcad.transformer.BaseTransform` once activity is
    known (only calls with an operand carrying a derivative change)."""
    kinds = getattr(tr, "_param_kinds", {})
    lists = list_names(tr.norm.node.body, tr.norm.param_names, tr._resolve, kinds)
    if not lists:
        return
    ints = int_names(tr.norm.node.body, tr.norm.param_names, kinds) if any(
        isinstance(s, gast.Assign) and isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Mult)
        and any(isinstance(v, gast.Name) and v.id in lists for v in (s.value.left, s.value.right))
        for s, _ in walk_simple(tr.norm.node.body)) else frozenset()
    tr.norm.node.body = _block(tr, tr.norm.node.body, lists, ints)


def _block(tr, stmts, lists, ints):
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list):
                setattr(s, field, _block(tr, inner, lists, ints))
        if isinstance(s, gast.Assign) and _is_concat(s.value, lists):
            # [a] + [b]: a concatenation, not an addition of arrays
            s.value = A.call(A.name("__srcad_concat__"), [s.value.left, s.value.right])
        elif isinstance(s, gast.Assign) and _is_repeat(s.value, lists, ints):
            # [b] * 2: the list repeated, not its items doubled
            v = s.value
            seq, n = (v.left, v.right) if isinstance(v.left, gast.Name) and v.left.id in lists \
                else (v.right, v.left)
            s.value = A.call(A.name("__srcad_repeated__"), [seq, n])
        if isinstance(s, gast.Assign):
            for name, replace in _list_operands(tr, s.value, lists):
                new = tr.namer.new(name + "_array")
                conv = A.assign(new, A.call(A.attr(A.clone(tr.xp), "asarray"), [A.name(name)]))
                A.copy_lineno(conv, s)
                conv.srcad_primal = True
                tr.norm.local_names.add(new)
                getattr(tr.norm, "temps", set()).add(new)
                out.append(conv)
                replace(A.name(new))
                if name in tr.active:
                    tr.active.add(new)
        out.append(s)
    return out


def _list_operands(tr, value, lists):
    """``(name, replace)`` for each list operand of ``value`` to convert;
    ``replace(node)`` puts ``node`` in its place."""
    def slot(container, key):
        def replace(node):
            container[key] = node
        return replace

    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.MatMult):
        operands = [value.left, value.right]
        if not tr.any_active(operands):
            return []
        out = []
        for side in ("left", "right"):
            node = getattr(value, side)
            if isinstance(node, gast.Name) and node.id in lists:
                out.append((node.id, lambda n, side=side: setattr(value, side, n)))
        return out
    if not isinstance(value, gast.Call) or getattr(value, "is_method", False):
        return []
    info = tr.info(value)
    tpl = info.template
    if info.kind != "rule" or tpl is None or isinstance(tpl, str) or tpl.name in CONVERTERS \
            or tpl.namespace not in ("numpy", "ufunc"):
        return []
    if not tr.any_active(tr.call_operands(value)):
        return []
    try:
        bound = tpl.bind(list(value.args), {k.arg: k.value for k in value.keywords})
    except TypeError:
        return []
    flowing = tpl.flowing_params
    out = []
    for param, atom in bound.items():
        if not (isinstance(atom, gast.Name) and atom.id in lists and param in flowing
                and param not in SEQUENCE_PARAMS):
            continue
        for i, a in enumerate(value.args):
            if a is atom:
                out.append((atom.id, slot(value.args, i)))
        for k in value.keywords:
            if k.value is atom:
                out.append((atom.id, lambda n, k=k: setattr(k, "value", n)))
    return out
