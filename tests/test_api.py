"""The public API's calling conventions (shared/API.md): decorators, wrt,
jacobian in both modes, vjp of tuple outputs, lambdas, dtypes."""

import math

import numpy as np
import pytest

import srcad

X = np.array([0.3, -0.7, 1.1])
W = np.array([0.5, 1.5, -1.0])


def vec(x, a=2.0):
    y = np.sin(x) * a
    return np.concatenate([y, x[:1] ** 2])


def pair(x, w):
    return np.sum(x * w), np.tanh(x) * w


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian(mode):
    J = srcad.jacobian(vec, mode=mode)(X)
    eps = 1e-6
    expected = np.stack([(vec(X + eps * e) - vec(X - eps * e)) / (2 * eps) for e in np.eye(3)], axis=1)
    assert J.shape == (4, 3)
    np.testing.assert_allclose(J, expected, atol=1e-6)


def test_vjp_of_a_tuple_output():
    out, pullback = srcad.vjp(pair, X, W)
    gx, gw = pullback((1.0, np.ones(3)))
    np.testing.assert_allclose(gx, W + W * (1 - np.tanh(X) ** 2))
    np.testing.assert_allclose(gw, X + np.tanh(X))


def test_decorators():
    @srcad.grad
    def f(z):
        return np.sum(z ** 2)

    @srcad.grad(wrt=1)
    def g(a, b):
        return a * b ** 2

    np.testing.assert_allclose(f(X), 2 * X)
    assert g(2.0, 3.0) == 12.0


def test_wrt_by_name_and_tuple():
    g = srcad.grad(lambda x, w: np.sum(x * w), wrt=("w", 0))(X, W)
    np.testing.assert_allclose(g[0], X)
    np.testing.assert_allclose(g[1], W)


def test_lambdas_on_one_line_and_on_continuation_lines():
    r = (srcad.grad(lambda z: np.sum(z * 2.0))(X),
         srcad.grad(lambda z: np.sum(z ** 2))(X), srcad.grad(lambda z: np.sum(z ** 3))(X))
    np.testing.assert_allclose(r[0], 2.0 * np.ones(3))
    np.testing.assert_allclose(r[1], 2 * X)
    np.testing.assert_allclose(r[2], 3 * X ** 2)


LAMBDA_TABLE = {
    "cube": (lambda z: np.sum(z ** 3), 3.0),
    "twice": (lambda z: np.sum(z * 2.0), 2.0),
}


def test_lambdas_inside_a_table():
    # each lambda sits on a line that does not parse on its own
    np.testing.assert_allclose(srcad.grad(LAMBDA_TABLE["cube"][0])(X), 3 * X ** 2)
    np.testing.assert_allclose(srcad.grad(LAMBDA_TABLE["twice"][0])(X), 2.0 * np.ones(3))


def test_float32_everywhere():
    x32 = X.astype(np.float32)
    assert srcad.grad(lambda z: np.sum(np.exp(z) / (1 + z ** 2)))(x32).dtype == np.float32
    assert srcad.jvp(lambda z: np.exp(z) * z, (x32,), (np.ones(3, np.float32),))[1].dtype == np.float32
    assert srcad.jacobian(lambda z: z * 2.0)(x32).dtype == np.float32


def test_containers_as_arguments():
    assert srcad.grad(lambda xs: xs[0] * xs[1] + xs[2])([1.0, 2.0, 3.0]) == [2.0, 1.0, 1.0]
    out, t = srcad.jvp(lambda d: d["a"] * d["b"], ({"a": 2.0, "b": 3.0},), ({"a": 1.0, "b": 0.0},))
    assert (out, t) == (6.0, 3.0)


def test_value_and_grad_and_hessian():
    v, g = srcad.value_and_grad(lambda z: np.sum(z ** 3 * W))(X)
    assert v == pytest.approx(np.sum(X ** 3 * W))
    np.testing.assert_allclose(g, 3 * X ** 2 * W)
    np.testing.assert_allclose(srcad.hessian(lambda z: np.sum(z ** 3 * W))(X), np.diag(6 * X * W))


def test_stop_gradient():
    np.testing.assert_allclose(srcad.grad(lambda z: np.sum(srcad.stop_gradient(z) * z))(X), X)


def with_array_default(x, w=np.array([1.0, -1.0, 2.0])):
    return np.sum(x * w)


def test_array_defaults_are_the_function_s_own():
    np.testing.assert_allclose(srcad.grad(with_array_default)(X), [1.0, -1.0, 2.0])
    _, t = srcad.jvp(with_array_default, (X,), (np.ones(3),))
    assert t == pytest.approx(2.0)


SCALE = 2.0


def uses_a_global(x):
    return np.sum((x * SCALE) ** 2)


def test_globals_stay_live():
    global SCALE
    g = srcad.grad(uses_a_global)
    np.testing.assert_allclose(g(X), 2 * X * 4.0)
    SCALE = 3.0
    try:
        np.testing.assert_allclose(g(X), 2 * X * 9.0)
    finally:
        SCALE = 2.0


def test_builtin_max_and_min_give_ties_to_the_first_argument():
    g = srcad.grad(lambda a, b: max(a, b) * 3.0, wrt=(0, 1))(2.0, 2.0)
    assert g == (3.0, 0.0)
    assert srcad.jvp(lambda a, b: max(a, b) * 3.0, (2.0, 2.0), (1.0, 1.0))[1] == 3.0
    assert srcad.grad(lambda a, b: min(a * 1.0, b) + max([a, b, a]), wrt=(0, 1))(1.0, 1.0) == (2.0, 0.0)


def trajectory(x0, v0):
    xs = []
    x, v = x0, v0
    for _ in range(5):
        v = v - 0.1 * np.sin(x)
        x = x + 0.1 * v
        xs.append(x)
    return np.array(xs)


def overwrite_in_loop(x):
    y = x * 1.0
    for i in range(1, 3):
        y[i] = y[i - 1] * y[i] + 1.0
    return y


@pytest.mark.parametrize("fn,args", [(trajectory, (0.4, -0.2)), (overwrite_in_loop, (X,))])
def test_a_pullback_can_be_called_many_times(fn, args):
    """vjp_fn and reverse-mode jacobian run the backward function again and
    again on one forward's saved values: it must not use them up."""
    out, pullback = srcad.vjp(fn, *args)
    ct = np.linspace(0.5, 1.5, np.size(out)).reshape(np.shape(out))
    first = pullback(ct)
    second = pullback(ct)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b)
    J = srcad.jacobian(fn)(*args)
    Jf = srcad.jacobian(fn, mode="forward")(*args)
    np.testing.assert_allclose(J, Jf, rtol=1e-10, atol=1e-12)


def test_gradient_has_the_argument_type_for_scalars_and_0d_arrays():
    def cube(x):
        return x ** 3
    for v in (np.array(0.4), np.float64(0.4), np.float32(0.4), 0.4, np.array(0.4, np.float32)):
        g = srcad.grad(cube)(v)
        assert type(g) is type(v)
        assert np.isclose(g, 3 * 0.4 ** 2, rtol=1e-6)


def _sum_of_squares(x):
    return np.sum(x ** 2)


def test_argument_kinds_that_change_nothing_reuse_the_generated_code():
    import srcad
    g = srcad.grad(_sum_of_squares)
    x = np.arange(3.0)
    np.testing.assert_allclose(g(x), 2 * x)
    # an array argument makes no name a scalar here: the code made for any
    # kind of argument is the one that runs
    assert g.generated_for(x) is g.__srcad_function__
    # a float argument does (no broadcasting bookkeeping): its own variant
    assert g(1.5) == 3.0
    assert g.generated_for(1.5) is not g.__srcad_function__


def _reads_past_the_end(x):
    unused = x[10]
    return np.sum(x ** 2)


def _mismatched_product(x, a, b):
    unused = np.dot(a, b)
    return np.sum(x)


def _divides_by_zero(x, b):
    unused = 1.0 / b
    return np.sum(x * 2.0)


def _log_of(x):
    return math.log(x) + x


@pytest.mark.parametrize("fn,args,error", [
    (_log_of, (-1.0,), ValueError),
    (_reads_past_the_end, (np.arange(3.0),), IndexError),
    (_mismatched_product, (np.arange(3.0), np.ones(3), np.ones(4)), ValueError),
    (_divides_by_zero, (np.arange(3.0), 0.0), ZeroDivisionError),
])
def test_a_gradient_raises_where_the_function_raises(fn, args, error):
    # values nothing reads are left out of a gradient only when computing
    # them cannot fail
    import srcad
    with pytest.raises(error):
        fn(*args)
    with pytest.raises(error):
        srcad.grad(fn)(*args)


def _returns_in_branches(a, b):
    if a > b:
        return a * a - b
    c = a * b
    if c > 0.1:
        return c ** 2
    return math.exp(c)    # its adjoint reads the returned value


@pytest.mark.parametrize("args", [(0.3, 0.9), (0.9, 0.3), (0.5, 0.6)])
def test_value_and_grad_returns_the_value_the_backward_sweep_restores(args):
    import srcad
    value, grads = srcad.value_and_grad(_returns_in_branches, wrt=(0, 1))(*args)
    assert value == _returns_in_branches(*args)
    assert grads == srcad.grad(_returns_in_branches, wrt=(0, 1))(*args)
