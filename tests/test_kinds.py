"""What srcad knows of values before running them: which names surely hold
scalars (srcad/kinds.py), and which surely share a shape. Both decide how
much broadcasting bookkeeping the generated code carries, so a wrong answer
here would be a wrong gradient: each inference is checked directly, and the
functions built on it against finite differences."""

import gast
import numpy as np
import pytest

import srcad
from srcad.kinds import infer, scalar_names, shape_classes


def _body(src):
    return gast.parse(src).body[0].body


def _resolve(call):
    f = call.func
    if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == "np":
        return getattr(np, f.attr, None)
    return None


def test_a_long_chain_settles():
    # sixty temporaries in a row: each pass sees what it found earlier
    lines = ["    t0 = x * 2.0"] + [f"    t{i} = t{i - 1} + 1.0" for i in range(1, 60)]
    src = "def f(x):\n" + "\n".join(lines) + "\n    r = np.sum(t59)\n    return r\n"
    kinds = infer(_body(src), {"x": ("array", 1)}, _resolve)
    assert "r" in scalar_names(kinds)


def test_shape_entries_of_arrays_are_ints():
    # (normalized code: one operation per statement)
    src = "def f(X, p):\n    s = X.shape\n    n = s[0]\n    k = X.ndim\n    m = p.size\n    return n\n"
    kinds = infer(_body(src), {"X": ("array", 2)}, _resolve)
    assert kinds.get("n") == "int" and kinds.get("k") == "int"
    assert "m" not in kinds          # p may be any object with a field named size


@pytest.mark.parametrize("line,kind", [
    ("y = x + u", ("array", 2)),              # broadcasting: the larger rank
    ("y = u @ v", ("array", 1)),              # a 1-D operand loses its axis
    ("y = v @ v", "scalar"),
    ("y = u @ u", ("array", 2)),
    ("y = u[1:, 0]", ("array", 1)),           # a slice keeps its axis, an int drops one
    ("y = u[0, n]", "scalar"),
    ("y = x[-1]", "scalar"),
    ("y = np.sin(u)", ("array", 2)),
    ("y = np.arctan2(x, 2.0)", ("array", 1)),
    ("y = np.zeros(n)", ("array", 1)),
    ("y = np.zeros_like(u)", ("array", 2)),
    ("y = np.linspace(0.0, 1.0, n)", ("array", 1)),
    ("y = np.arange(n)", ("array", 1)),
])
def test_ranks_of_arrays_follow_operations(line, kind):
    # (normalized code: one operation per statement)
    src = f"def f(x, u, v):\n    s = x.shape\n    n = s[0]\n    {line}\n    return y\n"
    kinds = infer(_body(src), {"x": ("array", 1), "u": ("array", 2), "v": ("array", 1)}, _resolve)
    assert kinds.get("y") == kind


@pytest.mark.parametrize("line", [
    "y = x[True]",                # a bool index adds an axis
    "y = x[None, 0]",             # so does None
    "y = x[..., 0]",
    "y = x[u]",                   # an array of indices
    "y = np.zeros(x.shape)",      # a shape of unknown length
    "y = np.modf(x)",             # two outputs
    "y = np.linspace(0.0, 1.0, n, True, True)",   # retstep: a tuple
    "y = np.add(x, x, out=x)",
])
def test_ranks_not_claimed_where_unsure(line):
    src = f"def f(x, u):\n    s = x.shape\n    n = s[0]\n    {line}\n    return y\n"
    kinds = infer(_body(src), {"x": ("array", 1), "u": ("array", 2)}, _resolve)
    assert kinds.get("y") not in ("scalar", "int", ("array", 0), ("array", 1))


def stencil_of_a_copy(x0, k):
    x = x0 * 1.0
    for _ in range(3):
        lap = np.zeros(x.shape[0])
        lap[1:-1] = x[:-2] - 2.0 * x[1:-1] + x[2:]
        lap[0] = x[1] - 2.0 * x[0]
        x = x + k * lap
    return np.sum(x ** 2) + x[0] * x[-1]


def test_ranks_through_a_loop_make_entries_scalars():
    args = (np.linspace(0.0, 1.0, 6), 0.2)
    srcad.check_grads(stencil_of_a_copy, args)
    code = srcad.source(srcad.grad(stencil_of_a_copy).generated_for(*args))
    # x keeps rank 1 through the loop: x[0] * x[-1] and the loss are scalars
    assert "ad.seed" not in code and "ad.unbroadcast(d_result * t" not in code


def test_full_reductions_are_scalars_without_argument_kinds():
    src = "def f(x):\n    s = np.sum(x)\n    return s\n"
    assert "s" in scalar_names(infer(_body(src), {}, _resolve))


@pytest.mark.parametrize("a,b,same", [
    ("x[1:]", "x[:-1]", True),
    ("x[2:]", "x[1:-1]", True),
    ("u[1:, :]", "u[:-1]", True),
    ("x[1:]", "x[2:]", False),
    ("x[1:3]", "x[:2]", False),       # bounds, not drops
    ("x[::2]", "x[1::2]", False),     # steps
    ("x[1:]", "y[1:]", False),
])
def test_slices_that_drop_as_many_entries_share_a_shape(a, b, same):
    src = f"def f(x, y, u):\n    p = {a}\n    q = {b}\n    return p\n"
    classes = shape_classes(_body(src), ["x", "y", "u"], set(), _resolve)
    assert (classes.get("p") is not None and classes.get("p") == classes.get("q")) is same


def batch_mean(X, w):
    n = X.shape[0]
    return np.sum((X @ w) ** 2) * (0.5 * n)


def test_functions_using_shapes():
    args = (np.random.default_rng(0).standard_normal((5, 3)), np.ones(3))
    srcad.check_grads(batch_mean, args)
    srcad.check_grads(batch_mean, args, order=2)
    assert "seed" not in srcad.source(srcad.grad(batch_mean, wrt=1).generated_for(*args))


# -- the kinds of what user functions return ------------------------------------------

def _energy(q, k=0.5):
    return k * np.sum(q ** 2)


def _scaled(v, s):
    return v * s


def _countdown(n, x):
    if n <= 0:
        return x
    return _countdown(n - 1, x * 0.9)


def uses_helpers(x, s):
    e = _energy(x)                 # a full reduction: a scalar
    a = _scaled(x, s)              # an array for an array
    b = _scaled(s, 2.0)            # a scalar for a scalar
    return e * b + np.sum(a)


def test_the_kind_a_user_function_returns():
    from srcad.kinds import return_kind
    from srcad.transformer import _resolve_for
    assert return_kind(_energy, [("array", 1)], {}, _resolve_for) == "scalar"
    assert return_kind(_energy, [("array", 1)], {"k": "scalar"}, _resolve_for) == "scalar"
    assert return_kind(_scaled, [("array", 2), "scalar"], {}, _resolve_for) == ("array", 2)
    assert return_kind(_scaled, ["scalar", "scalar"], {}, _resolve_for) == "scalar"
    assert return_kind(_scaled, [None, "scalar"], {}, _resolve_for) is None
    # recursion: not known (and no endless inference)
    assert return_kind(_countdown, ["int", "scalar"], {}, _resolve_for) is None


def test_results_of_helpers_need_no_broadcasting_bookkeeping():
    args = (np.array([0.3, -1.2, 0.8]), 1.5)
    srcad.check_grads(uses_helpers, args)
    code = srcad.source(srcad.grad(uses_helpers).generated_for(*args))
    caller = code.split("\ndef ")[0]
    # e and b are known scalars: their adjoints need no summing down
    assert "d_e = d_result * b" in caller and "unbroadcast" not in caller


def fill_entries(x, s):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = x[i] * s + 1.0        # a scalar into one entry
    y[:1] = s * 2.0                  # a scalar spread over a slice: summed down
    return np.sum(y ** 2)


def test_a_scalar_written_into_one_entry_needs_no_summing_down():
    args = (np.array([0.3, -1.2, 0.8]), 1.5)
    srcad.check_grads(fill_entries, args)
    code = srcad.source(srcad.grad(fill_entries, wrt=(0, 1)).generated_for(*args))
    assert code.count("ad.unbroadcast(ad.written_adjoint") == 1   # the slice's only


def bool_scalar_index(x, z):
    c = x[0] > 0
    y = x[c]                 # x[True] is all of x under a new axis: shape (1, 3)
    return np.sum((y + z) ** 2)


def test_a_bool_is_no_integer_index():
    src = "def f(x):\n    t = x[0]\n    c = t > 0\n    y = x[c]\n    n = x[1]\n    return y\n"
    kinds = infer(_body(src), {"x": ("array", 1)}, _resolve)
    assert kinds.get("c") == "bool" and "y" not in kinds and kinds.get("n") == "scalar"
    args = (np.array([0.5, -0.3, 1.2]), np.arange(12.0).reshape(4, 3) * 0.1)
    srcad.check_grads(bool_scalar_index, args)


def test_round_of_an_array_is_no_int():
    import builtins

    def resolve(call):
        f = call.func
        return getattr(builtins, f.id, None) if isinstance(f, gast.Name) else _resolve(call)

    src = "def f(x, s):\n    y = round(x)\n    k = round(s)\n    r = round(s, 2)\n    return y\n"
    kinds = infer(_body(src), {"x": ("array", 1), "s": "scalar"}, resolve)
    assert "y" not in kinds and kinds.get("k") == "int" and kinds.get("r") == "scalar"
