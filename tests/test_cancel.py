"""Adjoints that cancel exactly (srcad/cancel.py): the shift of a stable
logsumexp or softmax. Each function is checked against finite differences
to second order; the generated source shows what was left out, and the
near misses show what must stay."""

import numpy as np
import pytest

import srcad
from srcad.cancel import Poly

rng = np.random.default_rng(3)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax_cross_entropy(x, y):
    z = x - np.max(x)
    return -np.sum(y * (z - np.log(np.sum(np.exp(z)))))


def shifted_by_other_max(x, w):
    m = np.max(w)
    return m + np.log(np.sum(np.exp(x - m)))


def not_shift_invariant(x):
    m = np.max(x)
    return 1.1 * m + np.log(np.sum(np.exp(x - m)))


def twice_the_shift(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - 2.0 * m)))


def sum_of_other_array(x):
    m = np.max(x)
    e = np.exp(x - m)
    return m + np.log(np.sum(e * e))


# -- the same, row by row (keepdims reductions over an axis) -------------------------

def log_softmax_rows(x, y):
    m = np.max(x, axis=1, keepdims=True)
    z = x - m
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp)


def logsumexp_cols(x):
    m = np.max(x, axis=0, keepdims=True)
    return np.sum((m + np.log(np.sum(np.exp(x - m), axis=0, keepdims=True))) ** 2)


def softmax_rows_weighted(x, w):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    p = e / np.sum(e, axis=-1, keepdims=True)
    return np.sum(p * w)


def row_shift_summed_over_other_axis(x):
    # the max is per row but the sum runs down the columns: no cancellation
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=0, keepdims=True)))


def row_shift_not_invariant(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(1.1 * m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)))


def row_shift_of_a_square(x):
    m = np.max(x, axis=1, keepdims=True)
    e = np.exp(x - m)
    return np.sum(m + np.log(np.sum(e * e, axis=1, keepdims=True)))


def row_shift_all_axes_sum(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(m) + np.log(np.sum(np.exp(x - m)))


ROWS = [
    (log_softmax_rows, (rng.standard_normal((4, 5)), np.eye(5)[[0, 3, 1, 4]])),
    (logsumexp_cols, (rng.standard_normal((3, 4)),)),
    (softmax_rows_weighted, (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)))),
]
ROW_MISSES = [
    (row_shift_summed_over_other_axis, (rng.standard_normal((3, 4)),)),
    (row_shift_not_invariant, (rng.standard_normal((3, 4)),)),
    (row_shift_of_a_square, (rng.standard_normal((3, 4)),)),
    (row_shift_all_axes_sum, (rng.standard_normal((3, 4)),)),
]

CASES = ROWS + ROW_MISSES + [
    (logsumexp, (rng.standard_normal(7),)),
    (softmax_cross_entropy, (rng.standard_normal(6), np.eye(6)[2])),
    (shifted_by_other_max, (rng.standard_normal(5), rng.standard_normal(5))),
    (not_shift_invariant, (rng.standard_normal(5),)),
    (twice_the_shift, (rng.standard_normal(5),)),
    (sum_of_other_array, (rng.standard_normal(5),)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_gradients(fn, args):
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)


def test_the_shift_of_logsumexp_needs_no_max_adjoint():
    src = srcad.source(srcad.grad(logsumexp))
    assert "extremum_adjoint" not in src and "d_m" not in src, src


def test_a_shift_by_another_arrays_max_cancels_too():
    src = srcad.source(srcad.grad(shifted_by_other_max, wrt=(0, 1)))
    assert "extremum_adjoint" not in src, src
    g = srcad.grad(shifted_by_other_max, wrt=1)(*CASES[2][1])
    assert np.all(g == 0.0)


@pytest.mark.parametrize("fn", [not_shift_invariant, twice_the_shift, sum_of_other_array]
                         + [c[0] for c in ROW_MISSES])
def test_near_misses_keep_the_max_adjoint(fn):
    assert "extremum_adjoint" in srcad.source(srcad.grad(fn)), fn.__name__


@pytest.mark.parametrize("fn,args", ROWS, ids=[c[0].__name__ for c in ROWS])
def test_a_row_wise_shift_needs_no_max_adjoint(fn, args):
    src = srcad.source(srcad.grad(fn).generated_for(*args))
    assert "extremum_adjoint" not in src, src


def test_polynomials_cancel_and_sum():
    a, s = Poly.atom("a", True), Poly.atom("s", True)
    e = Poly.atom("e", False)
    assert (a * s / s - a).is_zero()
    assert not (a * s - a).is_zero()
    # sum(a / s * e) with s = sum(e) is a
    assert ((a / s * e).total({"e": "s"}) - a).is_zero()
    # an array with no known sum stays a sum of its own
    assert not ((a * e).total({}) - a).is_zero()
    # scalars broadcast are not multiplied by a size: only arrays are summed
    assert ((a * s).total({}) - a * s).is_zero()


def long_chain(x):
    # each step reads the last value twice: expanded as polynomials the
    # adjoints would double in size every step
    a0 = np.sin(x)
    a1 = np.tanh(a0 * 1.1 + x) - 0.5 * a0
    a2 = np.tanh(a1 * 1.1 + x) - 0.5 * a1
    a3 = np.tanh(a2 * 1.1 + x) - 0.5 * a2
    a4 = np.tanh(a3 * 1.1 + x) - 0.5 * a3
    a5 = np.tanh(a4 * 1.1 + x) - 0.5 * a4
    a6 = np.tanh(a5 * 1.1 + x) - 0.5 * a5
    a7 = np.tanh(a6 * 1.1 + x) - 0.5 * a6
    a8 = np.tanh(a7 * 1.1 + x) - 0.5 * a7
    a9 = np.tanh(a8 * 1.1 + x) - 0.5 * a8
    a10 = np.tanh(a9 * 1.1 + x) - 0.5 * a9
    a11 = np.tanh(a10 * 1.1 + x) - 0.5 * a10
    a12 = np.tanh(a11 * 1.1 + x) - 0.5 * a11
    a13 = np.tanh(a12 * 1.1 + x) - 0.5 * a12
    a14 = np.tanh(a13 * 1.1 + x) - 0.5 * a13
    a15 = np.tanh(a14 * 1.1 + x) - 0.5 * a14
    a16 = np.tanh(a15 * 1.1 + x) - 0.5 * a15
    a17 = np.tanh(a16 * 1.1 + x) - 0.5 * a16
    a18 = np.tanh(a17 * 1.1 + x) - 0.5 * a17
    a19 = np.tanh(a18 * 1.1 + x) - 0.5 * a18
    a20 = np.tanh(a19 * 1.1 + x) - 0.5 * a19
    return np.sum(a20 ** 2)


def test_long_chains_stay_small():
    x = np.linspace(0.1, 0.3, 4)
    srcad.check_grads(long_chain, (x,), rtol=1e-4)
