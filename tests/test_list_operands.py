"""NumPy functions given Python lists and tuples, built-in max/min of arrays,
and other values NumPy converts on the fly: checked against finite
differences in both modes, and to second order."""

import numpy as np
import pytest

import srcad


def sum_of_comprehension(x):
    return np.sum([v ** 2 for v in x])


def sum_of_literal(x):
    return np.sum([x[0], x[1] ** 2, 3.0])


def sum_of_tuple(x):
    return np.sum((x, x ** 2))


def mean_of_rows(x):
    return np.sum(np.mean([x, 2.0 * x, np.sin(x)], axis=0) ** 2)


def max_of_rows(x):
    return np.sum(np.max([x, x ** 2], axis=0))


def min_of_scalars(x):
    return np.min([x[0], x[1] * 2.0, x[2] - 1.0])


def prod_of_scalars(x):
    return np.prod([x[0], x[1], x[2] + 1.0])


def dot_with_constants(x):
    return np.dot([1.0, 2.0, 3.0], x) + np.inner(x, [0.5, -1.0, 2.0]) ** 2


def matmul_with_constants(x):
    w = [[1.0, 2.0, 0.5], [0.0, -1.0, 1.5]]
    return np.sum(np.tanh(w @ x))


def norm_of_list(x):
    return np.linalg.norm([x[0], x[1], 2.0]) + np.exp(np.max([x[2], 0.1]))


def list_built_by_appends(x):
    terms = []
    for i in range(3):
        terms.append(x[i] * (i + 1.0))
    return np.sum(np.exp(terms)) + np.dot(terms, terms)


def builtin_max_of_array(x):
    return max(np.sin(x)) + min(x ** 2)


CASES = [sum_of_comprehension, sum_of_literal, sum_of_tuple, mean_of_rows, max_of_rows,
         min_of_scalars, prod_of_scalars, dot_with_constants, matmul_with_constants,
         norm_of_list, list_built_by_appends, builtin_max_of_array]
X = np.array([0.5, -0.3, 1.2])


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_list_operands_match_finite_differences(fn):
    srcad.check_grads(fn, (X.copy(),), order=1)


# second derivatives through np.prod's and np.inner's adjoints: not written yet
SECOND = [f for f in CASES if f not in (builtin_max_of_array, prod_of_scalars, dot_with_constants)]


@pytest.mark.parametrize("fn", SECOND, ids=[f.__name__ for f in SECOND])
def test_list_operands_to_second_order(fn):
    srcad.check_grads(fn, (X.copy(),), order=2)


def test_max_of_a_list_credits_the_largest_entry():
    def g(a, b):
        return np.max([a, b])
    assert srcad.jvp(g, (1.0, 2.0), (1.0, 0.0))[1] == 0.0
    assert srcad.grad(g, wrt=(0, 1))(1.0, 2.0) == (0.0, 1.0)
    assert srcad.grad(lambda a, b: np.prod([a, b]), wrt=(0, 1))(2.0, 3.0) == (3.0, 2.0)


# -- values that have no derivative to give ---------------------------------------

def no_return(x):
    y = np.sum(x ** 2)  # noqa: F841


def returns_text(x):
    return "done"


@pytest.mark.parametrize("fn", [no_return, returns_text])
def test_outputs_without_a_gradient_are_refused(fn):
    with pytest.raises(srcad.NonScalarOutputError):
        srcad.grad(fn)(X.copy())


class _Scale:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return self.w * x


def calls_its_argument(m, x):
    return np.sum(m(x) ** 2)


def test_a_called_argument_is_not_silently_constant():
    with pytest.raises(srcad.NonDifferentiableError, match="called"):
        srcad.grad(calls_its_argument)(_Scale(np.array([1.0, 2.0])), np.array([0.5, -1.0]))


# -- check_grads itself -------------------------------------------------------------

def _picks(x, kind):
    return np.sum(x ** 2) if kind == "l2" else np.sum(np.abs(x))


def test_check_grads_takes_float32_and_str_arguments():
    srcad.check_grads(lambda x: np.sum(x ** 3), (X.astype(np.float32),), order=2)
    srcad.check_grads(_picks, (X.copy(), "l2"))
    # single precision loosens the tolerance, not so much that an error of
    # a tenth goes unnoticed
    with pytest.raises(AssertionError):
        srcad.check_grads(_wrong_by_a_tenth, (X.astype(np.float32),), modes=("forward",))


@srcad.custom_jvp
def _wrong_by_a_tenth(x):
    return np.sum(x ** 2)


@_wrong_by_a_tenth.defjvp
def _wrong_by_a_tenth_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return np.sum(x ** 2), np.sum(2.2 * x * t)


# -- sequences returned by NumPy functions ----------------------------------------

def prod_over_split(a):
    return np.sum(np.prod(np.split(a, 2), axis=0))


def sum_over_meshgrid(a):
    return np.sum(np.sum(np.meshgrid(a, a[:3] * 2.0), axis=0) ** 2)


@pytest.mark.parametrize("fn", [prod_over_split, sum_over_meshgrid])
def test_reductions_over_returned_sequences(fn):
    srcad.check_grads(fn, (np.array([0.3, 0.4, 0.1, 0.2]),), order=1)


# -- casts to integers, and powers with a zero base ---------------------------------

TABLE = np.array([0.0, 1.0, 4.0, 9.0, 16.0])


def interpolate_table(t):
    i = t.astype(int)
    frac = t - i
    return np.sum(TABLE[i] * (1 - frac) + TABLE[i + 1] * frac)


def integer_part_times(x):
    return np.sum(x.astype(int) * x) + np.sum(np.asarray(x, dtype=int) * x ** 2)


def test_no_derivative_flows_through_a_cast_to_int():
    x = np.array([1.5, 2.25])
    np.testing.assert_allclose(srcad.grad(interpolate_table)(x), [3.0, 5.0])
    srcad.check_grads(interpolate_table, (x,))
    np.testing.assert_allclose(srcad.grad(integer_part_times)(x), [1.0 + 2 * 1.5, 2.0 + 4 * 2.25])
    srcad.check_grads(integer_part_times, (x,))


def power_sum(p, x):
    return np.sum(np.abs(x) ** p) + np.sum(np.float_power(np.abs(x), p))


def test_power_with_a_zero_base_has_a_finite_exponent_derivative():
    x = np.array([0.0, 1.0, 2.0])
    g = srcad.grad(power_sum)(2.5, x)
    assert np.isfinite(g)
    np.testing.assert_allclose(g, 2 * np.sum(x[1:] ** 2.5 * np.log(x[1:])))
    srcad.check_grads(power_sum, (2.5, x))
    srcad.check_grads(power_sum, (1.7, np.array([0.5, 1.0, 2.0])), order=2)


def builtin_pow(x):
    return np.sum(pow(x, 3)) + pow(2.0, x[0]) + x[1] * np.floor(x[2])


def test_builtin_pow():
    srcad.check_grads(builtin_pow, (X + 1.0,), order=2)
