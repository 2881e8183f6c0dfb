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


CASES = [
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


@pytest.mark.parametrize("fn", [not_shift_invariant, twice_the_shift, sum_of_other_array])
def test_near_misses_keep_the_max_adjoint(fn):
    assert "extremum_adjoint" in srcad.source(srcad.grad(fn)), fn.__name__


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
