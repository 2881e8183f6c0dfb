"""Calls that write into an array in place: the ones srcad differentiates
(``np.add.at``, ``np.fill_diagonal``, ``np.copyto``, ``np.put_along_axis``,
``np.putmask``, ``np.place``, ``out=``) are checked
against finite differences; the ones it cannot see into are refused, never
silently ignored."""

import numpy as np
import pytest

import srcad

R = np.random.default_rng(7)


def scatter_add(x, w):
    y = np.zeros((3, 2))
    np.add.at(y, (np.array([0, 2, 2]), np.array([1, 0, 0])), x * w)
    np.subtract.at(y, np.array([1, 1]), w[:2, None] * x[0])
    return np.sum(np.sin(y))


def histogram_weights(x):
    bins = np.zeros(4)
    np.add.at(bins, np.array([0, 1, 1, 3, 3, 3]), x ** 2)
    return np.sum(bins * np.arange(1.0, 5.0)) + bins[3] ** 2


def fill_diagonal(A, v):
    B = A @ A.T
    np.fill_diagonal(B, v * 2.0)
    return np.sum(B ** 2)


def fill_diagonal_scalar(A):
    D = np.sum((A[:, None, :] - A[None, :, :]) ** 2, axis=-1)
    np.fill_diagonal(D, 1.0)
    return np.sum(1.0 / D)


def copyto(x):
    y = np.zeros(3)
    np.copyto(y, np.tanh(x))
    return np.sum(y ** 3)


def ufunc_out(x):
    y = np.empty(3)
    np.exp(x, out=y)
    np.multiply(y, x, out=y)
    return np.sum(y)


def clip_out(x):
    y = x.copy()
    np.clip(y, -1.0, 1.0, out=y)
    return np.sum(y ** 2)


def cumsum_out_as_value(x):
    z = np.empty_like(x)
    w = np.cumsum(x * x, out=z)
    return np.sum(w * z)


def recurrence_by_entries(x):
    # one entry at a time, each written twice: the backward sweep's
    # shortcuts for one number in a vector of its own
    y = np.zeros_like(x)
    for i in range(1, x.shape[0]):
        y[i] = 0.7 * y[i - 1] + x[i] * x[i - 1]
        y[i - 1] = y[i - 1] * 0.5
    return np.sum(y ** 2)


def complex_recurrence_by_entries(x):
    y = np.zeros(x.shape[0], dtype=complex)
    for i in range(1, x.shape[0]):
        y[i] = 0.5j * y[i - 1] + x[i]
    return np.sum(np.abs(y) ** 2)


def place(x):
    y = np.zeros(3)
    np.place(y, np.array([True, False, True]), x[:2])
    return np.sum(y ** 2)


def putmask_repeating(x):
    y = np.ones(4)
    np.putmask(y, np.array([True, True, False, True]), x[:2] * x[2])
    return np.sum(y ** 3)


def put_along_axis_rows(A, v):
    B = A * 1.0
    np.put_along_axis(B, np.argmax(A, axis=1)[:, None], v[:, None], axis=1)
    return np.sum(B ** 2) + np.sum(B * A)


def fill(x):
    y = np.zeros(3)
    y.fill(x[0])
    return np.sum(y ** 2)


CASES = [
    (recurrence_by_entries, (R.standard_normal(6),)),
    (complex_recurrence_by_entries, (R.standard_normal(5),)),
    (place, (R.standard_normal(3),)),
    (putmask_repeating, (R.standard_normal(3),)),
    (put_along_axis_rows, (R.standard_normal((3, 3)), R.standard_normal(3))),
    (scatter_add, (R.standard_normal(3), R.standard_normal(3))),
    (histogram_weights, (R.standard_normal(6),)),
    (fill_diagonal, (R.standard_normal((3, 3)), R.standard_normal(3))),
    (fill_diagonal_scalar, (R.standard_normal((4, 2)),)),
    (copyto, (R.standard_normal(3),)),
    (ufunc_out, (R.standard_normal(3),)),
    (clip_out, (np.array([3.0, 0.5, -2.0]),)),
    (cumsum_out_as_value, (R.standard_normal(3),)),
    (fill, (R.standard_normal(3),)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
@pytest.mark.parametrize("order", [1, 2])
def test_inplace_writes_match_finite_differences(fn, args, order):
    before = [a.copy() for a in args]
    srcad.check_grads(fn, args, order=order)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_inplace_writes_keep_float32(fn, args):
    args32 = tuple(a.astype(np.float32) for a in args)
    g = srcad.grad(fn)(*args32)
    assert g.dtype == np.float32 and g.shape == args32[0].shape
    np.testing.assert_allclose(g, srcad.grad(fn)(*args), rtol=1e-3, atol=1e-3)


# -- refused: writes srcad cannot see ---------------------------------------------

def array_sort(x):
    y = x * 2.0
    y.sort()
    return np.sum(y * np.arange(3.0))


def list_sort(x):
    lst = [x[0], x[1], x[2]]
    lst.sort()
    return lst[0] * 2.0 + lst[2]


def list_reverse(x):
    lst = [x[0], x[1], x[2]]
    lst.reverse()
    return lst[0] * 2.0 + lst[1]


def put(x):
    y = np.zeros(4)
    np.put(y, [0, 2, 3], x)
    return np.sum(y ** 2)


def multiply_at(x):
    y = np.ones(3)
    np.multiply.at(y, np.array([0, 0]), x[:2])
    return np.sum(y)


def _scale(a):
    a *= 3.0


def helper_updates_argument(x):
    y = x.copy()
    _scale(y)
    return np.sum(y)


def _bump(a):
    a += 1.0
    return a


def helper_updates_argument_it_returns(x):
    y = x * 2.0
    z = _bump(y)
    return np.sum(z * y)


REFUSED = [array_sort, multiply_at, helper_updates_argument, helper_updates_argument_it_returns]


@pytest.mark.parametrize("fn", REFUSED, ids=[f.__name__ for f in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unseen_writes_are_refused(fn, mode):
    x = np.array([3.0, 1.0, 2.0])
    with pytest.raises(srcad.SrcadError) as info:
        if mode == "reverse":
            srcad.grad(fn)(x)
        else:
            srcad.jvp(fn, (x,), (np.ones(3),))
    assert "test_inplace.py" in str(info.value)


# -- np.put and .fill are the subscript assignments they make ---------------------------

def put_into_a_matrix(x):
    y = np.ones((2, 3))
    np.put(y, np.array([1, 4, 5]), x ** 2)
    return np.sum(np.sin(y))


def put_repeating_one_value(x):
    y = x * 1.0
    np.put(y, [0, 1, 2], x[1])
    return np.sum(y * np.arange(1.0, 4.0)) + x[0] ** 2


def fill_then_set(x):
    m = np.empty((2, 2))
    m.fill(x[2])
    m[0, 0] = x[0]
    m[1, 1] = x[1]
    return np.linalg.det(m + 2.0)


# -- list.sort() and list.reverse() on a list rebind it, sorted -------------------------

def nelder_mead_reflections(x0):
    f = lambda v: (v[0] - 1) ** 2 + 2 * (v[1] + 0.5) ** 2
    simplex = [x0, x0 + np.array([0.1, 0.0]), x0 + np.array([0.0, 0.1])]
    for it in range(3):
        simplex.sort(key=f)
        centroid = (simplex[0] + simplex[1]) / 2
        simplex[2] = centroid + (centroid - simplex[2])
    return sum(f(s) for s in simplex)


def sorted_descending(x):
    lst = [v * 1.0 for v in x]
    lst.sort(reverse=True)
    return lst[0] - 3 * lst[-1]


def list_sorted_through_two_names(x):
    a = [x[0], x[1], x[2]]
    b = a
    a.sort()
    return b[0] * 2.0 + b[2]


def test_list_sort_through_two_names_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="sort or reverse"):
        srcad.grad(list_sorted_through_two_names)(np.array([3.0, 1.0, 2.0]))


@pytest.mark.parametrize("fn", [put, put_into_a_matrix, put_repeating_one_value, fill, fill_then_set,
                                list_sort, list_reverse, nelder_mead_reflections, sorted_descending])
def test_put_fill_and_list_sort_are_writes(fn):
    x = np.array([3.0, 1.0, 2.0]) if fn is not nelder_mead_reflections else np.array([0.3, 0.2])
    srcad.check_grads(fn, (x,))
    srcad.check_grads(fn, (x,), order=2)
    kept = x.copy()
    value, _ = srcad.value_and_grad(fn)(x)
    assert np.isclose(value, fn(kept)) and np.array_equal(x, kept)


# -- harmless: effects on values without derivatives --------------------------------

def sort_an_index(x):
    idx = np.array([2, 0, 1])
    idx.sort()
    print_me = np.sum(x)
    print(print_me, end="\r")
    return np.sum(x[idx] ** 2)


def _step(s, v):
    s += 0.5 * v
    return s


def helper_rebinding_the_result(x):
    s = x * 1.0
    s = _step(s, x)
    t = 0.3
    t = _step(t, 2.0)
    return np.sum(s ** 2) * t


@pytest.mark.parametrize("fn", [sort_an_index, helper_rebinding_the_result])
def test_effects_without_derivatives_are_allowed(fn, capsys):
    srcad.check_grads(fn, (R.standard_normal(3),))


# -- helpers that copy first, hand-written backward functions ------------------------

def _set_edge(u, v):
    u = u.copy()
    u[0] = v
    return u


def copies_before_writing(v, u0):
    u = _set_edge(u0, v)
    return np.sum(u * u)


def test_a_helper_writing_into_its_own_copy_is_allowed():
    assert srcad.grad(copies_before_writing)(2.0, np.ones(3)) == pytest.approx(4.0)
    srcad.check_grads(copies_before_writing, (2.0, np.ones(3)))


@srcad.custom_vjp
def _mul(a, b):
    return a * b


_mul.defvjp(lambda a, b: (a * b, (a, b)), lambda res, g: (g * res[1], g * res[0]))


def broadcast_cotangent(a, y):
    return np.sum(_mul(a, y)) + 2.0 * a + np.sum(_mul(b=y, a=a))


def test_hand_written_cotangents_are_summed_to_their_argument_and_calls_may_name_arguments():
    y = np.array([1.0, 2.0, 3.0])
    g = srcad.grad(broadcast_cotangent)(0.5, y)
    assert np.ndim(g) == 0 and g == pytest.approx(2 * np.sum(y) + 2.0)
