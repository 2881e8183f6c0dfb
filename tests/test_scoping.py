"""Names bound in less usual places: a loop target that reuses a name which
held a derivative, nested functions called without derivatives, functions
made by other functions. Each checked against finite differences in both
modes, or refused with a SrcadError where srcad would otherwise be wrong."""

import numpy as np
import pytest

import srcad


def loop_target_reuses_a_name(x):
    v = x * 2.0
    s = v
    for v in range(2):
        s = s + v
    return s


def loop_target_reuses_the_parameter(x):
    s = x * 3.0
    for x in range(2):
        s = s + x
    return s


def loop_target_reused_after_the_loop(x):
    v = np.sin(x)
    total = v
    for v in [0.5, 1.5]:
        total = total * v
    return total + v * x


def empty_loop_keeps_the_old_value(x):
    v = x * x
    for v in range(0):
        pass
    return v * 3.0


def nested_index_helper(x):
    def last(n):
        return n - 1
    k = last(3)
    return x[k] * 2.0 + np.sum(x)


def closure_factory_with_constants(x):
    def make(s):
        def inner(v):
            return s * v
        return inner
    g = make(3.0)
    return g(x) + x ** 2


CASES = [
    (loop_target_reuses_a_name, (0.7,)),
    (loop_target_reuses_the_parameter, (0.7,)),
    (loop_target_reused_after_the_loop, (0.4,)),
    (empty_loop_keeps_the_old_value, (0.4,)),
    (nested_index_helper, (np.array([0.3, -1.2, 2.0]),)),
    (closure_factory_with_constants, (0.9,)),
]


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_scoping_matches_finite_differences(fn, args):
    srcad.check_grads(fn, args, order=1)
    if fn is not closure_factory_with_constants:  # second derivatives through function values:
        srcad.check_grads(fn, args, order=2)       # see test_higher_order's _DYNAMIC_MARK


def test_a_loop_target_does_not_keep_an_old_derivative():
    assert srcad.grad(loop_target_reuses_a_name)(0.7) == pytest.approx(2.0)
    assert srcad.jvp(loop_target_reuses_the_parameter, (0.7,), (1.0,))[1] == pytest.approx(3.0)


def closure_factory_over_the_input(x):
    def make(s):
        return lambda v: s * v
    g = make(x)
    return g(x)


def _make_scaler(s):
    def scale(v):
        return s * v
    return scale


def module_factory_over_the_input(x):
    g = _make_scaler(x * 2.0)
    return g(1.5)


@pytest.mark.parametrize("fn", [closure_factory_over_the_input, module_factory_over_the_input])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_functions_made_from_the_input_are_refused(fn, mode):
    with pytest.raises(srcad.NonDifferentiableError, match="function value"):
        if mode == "reverse":
            srcad.grad(fn)(0.8)
        else:
            srcad.jvp(fn, (0.8,), (1.0,))


# -- a[i][j] = v: rows of arrays and inner lists ------------------------------------

def chained_array_writes(X):
    Y = X.copy()
    Y[1][2] = Y[0][0] * 3.0
    Y[0][1:] += np.sin(Y[1][:2])
    return np.sum(Y ** 2)


def nested_list_grid(x):
    grid = [[0.0, 0.0], [0.0, 0.0]]
    for i in range(2):
        for j in range(2):
            grid[i][j] = x[i] * (j + 1.0)
    grid[1][0] += x[0] ** 2
    return grid[0][0] * grid[1][1] + grid[1][0]


def three_deep(x):
    t = np.zeros((2, 2, 2))
    t[1][0][1] = x[0] * x[1]
    return np.sum(t * 2.0) + t[1, 0, 1] ** 2


@pytest.mark.parametrize("fn,args", [
    (chained_array_writes, (np.arange(6.0).reshape(2, 3) / 6.0 + 0.1,)),
    (nested_list_grid, (np.array([0.3, 0.7]),)),
    (three_deep, (np.array([0.3, 0.7]),)),
], ids=["array-rows", "list-of-lists", "three-deep"])
def test_chained_subscript_writes(fn, args):
    before = [a.copy() for a in args]
    srcad.check_grads(fn, args, order=2)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))
