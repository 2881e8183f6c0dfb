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


def _relu_at_zero(x):
    return np.sum(np.maximum(x, 0.0) * np.arange(1.0, 4.0)) + np.sum(np.minimum(1.0, x) ** 2)


def _clipped_at_bounds(x, lo):
    return np.sum(np.clip(x, lo, 1.0) * np.arange(1.0, 4.0)) + np.sum(x.clip(lo, 1.0) ** 2)


def test_numpy_maximum_minimum_and_clip_share_ties_evenly():
    # at a tie the one-sided derivatives differ; central differences (and
    # JAX) take their mean
    x = np.array([0.0, 1.0, -0.5])
    srcad.check_grads(_relu_at_zero, (x,))
    np.testing.assert_allclose(srcad.grad(_relu_at_zero)(x), [0.5, 2.0 + 1.0, -1.0])
    srcad.check_grads(_clipped_at_bounds, (np.array([0.5, 1.0, 2.0]), 0.5))
    g = srcad.grad(_relu_at_zero)(x.astype(np.float32))
    assert g.dtype == np.float32


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


def _force(x):
    f = np.zeros_like(x)
    f[1:] -= x[:-1] * x[1:]
    return f


def stepped_with_a_helper(x, dt):
    for _ in range(2):
        x = x + dt * _force(x)
    return x


def fresh_array_filled_in_a_loop(y):
    for _ in range(2):
        c = np.zeros(2)
        c[0] = 2.0
        c[1] = 1.0
        y = y / c
    return y


@pytest.mark.parametrize("fn,args", [(trajectory, (0.4, -0.2)), (overwrite_in_loop, (X,)),
                                     (stepped_with_a_helper, (np.array([0.5, 1.0, 1.5]), 0.1)),
                                     (fresh_array_filled_in_a_loop, (np.array([1.0, 2.0]),)),
                                     (_force, (np.array([0.5, 1.0, 1.5]),))])
def test_a_pullback_can_be_called_many_times(fn, args):
    """vjp_fn and reverse-mode jacobian run the backward function again and
    again on one forward's saved values: it must not use them up."""
    out, pullback = srcad.vjp(fn, *args)
    kept = np.copy(out)
    ct = np.linspace(0.5, 1.5, np.size(out)).reshape(np.shape(out))
    first = pullback(ct)
    second = pullback(ct)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b)
    np.testing.assert_array_equal(out, kept)   # the output given back stays as it was
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


def test_grad_makes_code_once_per_kinds_of_arguments():
    import srcad
    from srcad import transform
    transform.clear_cache()
    g = srcad.grad(_sum_of_squares)
    # grad(f) checks the function (unsupported code fails there) but makes
    # no code yet: the first call makes it for its arguments' kinds
    assert len(transform._cache) == 0
    x = np.arange(3.0)
    np.testing.assert_allclose(g(x), 2 * x)
    assert len(transform._cache) == 1
    np.testing.assert_allclose(g(x + 1.0), 2 * (x + 1.0))
    assert len(transform._cache) == 1 and g.generated_for(x) is g.generated_for(x + 1.0)
    # a float argument makes other names scalars (no broadcasting bookkeeping)
    assert g(1.5) == 3.0
    assert g.generated_for(1.5) is not g.generated_for(x)
    # the code for arguments of any kind is made when something asks for it
    assert "def sum_of_squares_grad_x" in srcad.source(g)
    # a second srcad.grad(f) neither checks nor makes anything again
    checked = dict(transform._checked)
    srcad.grad(_sum_of_squares)(x)
    assert transform._checked == checked


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


# -- jacobian and hessian of containers ---------------------------------------------

Y = np.array([0.4, -1.2])


def _fd_jacobian(fn, x, eps=1e-6):
    """d fn(x) / d x by central differences, for an array ``x``: shaped
    ``out.shape + x.shape``."""
    x = np.asarray(x, dtype=float)
    cols = []
    for e in np.eye(x.size):
        step = eps * e.reshape(x.shape)
        cols.append(np.ravel((np.asarray(fn(x + step)) - np.asarray(fn(x - step))) / (2 * eps)))
    out = np.asarray(fn(x))
    return np.stack(cols, axis=-1).reshape(out.shape + x.shape)


def _mixes_dict(p):
    return np.sin(p["a"]) * np.sum(p["b"] ** 2)


def _mixes_pair(p):
    return np.sin(p[0]) * np.sum(p[1] ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("kind", ["dict", "tuple", "list"])
def test_jacobian_of_a_container_argument(mode, kind):
    # as in JAX: the argument's structure, each leaf's block shaped out.shape + leaf.shape
    if kind == "dict":
        fn, p, keys = _mixes_dict, {"a": X, "b": Y}, ("a", "b")
    else:
        fn, p, keys = _mixes_pair, (X, Y) if kind == "tuple" else [X, Y], (0, 1)
    J = srcad.jacobian(fn, mode=mode)(p)
    assert type(J) is type(p)
    a, b = keys

    def with_a(v):
        return fn({a: v, b: Y} if kind == "dict" else type(p)([v, Y]))

    def with_b(v):
        return fn({a: X, b: v} if kind == "dict" else type(p)([X, v]))

    assert J[a].shape == (3, 3) and J[b].shape == (3, 2)
    np.testing.assert_allclose(J[a], _fd_jacobian(with_a, X), atol=1e-6)
    np.testing.assert_allclose(J[b], _fd_jacobian(with_b, Y), atol=1e-6)
    np.testing.assert_allclose(J[b], 2 * np.outer(np.sin(X), Y))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_container_argument_keeps_dtypes_and_skips_integers(mode):
    p = {"w": X.astype(np.float32), "n": 3, "s": 1.5}
    J = srcad.jacobian(lambda q: q["w"] * q["n"] * q["s"], mode=mode)(p)
    assert set(J) == {"w", "n", "s"}
    assert J["n"] is None   # integers are not differentiated (as grad gives None)
    assert J["w"].dtype == np.float32 and J["w"].shape == (3, 3)
    np.testing.assert_allclose(J["w"], 4.5 * np.eye(3))
    assert np.shape(J["s"]) == (3,)
    np.testing.assert_allclose(J["s"], 3 * X, rtol=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_tuple_output(mode):
    # one Jacobian per output, each shaped out_i.shape + x.shape
    J = srcad.jacobian(pair, mode=mode)(X, W)
    assert isinstance(J, tuple) and len(J) == 2
    assert J[0].shape == (3,) and J[1].shape == (3, 3)
    np.testing.assert_allclose(J[0], W)
    np.testing.assert_allclose(J[1], np.diag((1 - np.tanh(X) ** 2) * W))
    np.testing.assert_allclose(J[1], _fd_jacobian(lambda v: pair(v, W)[1], X), atol=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_dict_output_with_integer_and_none_entries(mode):
    def fn(x):
        return {"sq": x ** 2, "count": 3, "none": None}

    J = srcad.jacobian(fn, mode=mode)(X.astype(np.float32))
    np.testing.assert_allclose(J["sq"], np.diag(2 * X), rtol=1e-6)
    # an integer output does not change: a zero Jacobian, typed like x
    assert J["count"].shape == (3,) and J["count"].dtype == np.float32
    assert not np.any(J["count"])
    assert J["none"] is None


def _hess_dict(p):
    return np.sum(p["a"] ** 2 * p["b"][0]) + np.sum(np.sin(p["b"]))


def _hess_pair(p):
    return np.sum(p[0] ** 3) * p[1]


def test_hessian_of_a_dict_argument_is_a_dict_of_dicts():
    p = {"a": X, "b": Y}
    H = srcad.hessian(_hess_dict)(p)
    assert set(H) == {"a", "b"} and all(set(row) == {"a", "b"} for row in H.values())
    shapes = {"a": (3,), "b": (2,)}
    g = srcad.grad(_hess_dict)
    for k1 in "ab":
        for k2 in "ab":
            assert H[k1][k2].shape == shapes[k1] + shapes[k2]

            def moved(v, k2=k2, k1=k1):
                return g({**p, k2: v})[k1]

            np.testing.assert_allclose(H[k1][k2], _fd_jacobian(moved, p[k2]), atol=1e-6)
    np.testing.assert_allclose(H["a"]["a"], 2 * Y[0] * np.eye(3))
    np.testing.assert_allclose(H["b"]["b"], np.diag(-np.sin(Y)))   # b[0] enters linearly
    np.testing.assert_allclose(H["a"]["b"], H["b"]["a"].T)


def test_hessian_of_a_tuple_argument_with_a_float():
    H = srcad.hessian(_hess_pair)((X, 1.5))
    assert isinstance(H, tuple) and all(isinstance(row, tuple) for row in H)
    np.testing.assert_allclose(H[0][0], np.diag(6 * X * 1.5))
    np.testing.assert_allclose(H[0][1], 3 * X ** 2)
    np.testing.assert_allclose(H[1][0], 3 * X ** 2)
    assert np.shape(H[1][1]) == () and H[1][1] == 0.0


def test_hessian_of_a_float32_dict_argument_stays_float32():
    p = {"a": X.astype(np.float32), "b": Y.astype(np.float32)}
    H = srcad.hessian(_hess_dict)(p)
    assert all(H[k1][k2].dtype == np.float32 for k1 in "ab" for k2 in "ab")
    np.testing.assert_allclose(H["a"]["a"], 2 * Y[0] * np.eye(3), rtol=1e-6)


# -- check_grads leaves the arguments alone -----------------------------------------

def _updates_in_place(x):
    x += 1.0
    return np.sum(x ** 2)


def _updates_the_other_argument(x, buf):
    buf *= 2.0
    return np.sum(x * buf)


def _updates_a_dict(p):
    p["w"] *= 2.0
    return np.sum(p["w"] ** 2) * p["b"]


def test_check_grads_does_not_mutate_the_arguments():
    x = np.array([0.5, -1.0, 2.0])
    x0 = x.copy()
    srcad.check_grads(_updates_in_place, (x,), order=2)
    np.testing.assert_array_equal(x, x0)
    buf = np.array([1.0, 2.0, 3.0])
    srcad.check_grads(_updates_the_other_argument, (x, buf))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(buf, [1.0, 2.0, 3.0])
    p = {"w": x.copy(), "b": 0.5}
    srcad.check_grads(_updates_a_dict, (p,))
    np.testing.assert_array_equal(p["w"], x0)


def test_check_grads_still_finds_a_wrong_derivative_of_an_updating_function():
    @srcad.custom_jvp
    def wrong(x):
        x += 1.0
        return np.sum(x ** 2)

    @wrong.defjvp
    def wrong_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return np.sum((x + 1.0) ** 2), np.sum(3 * (x + 1.0) * t)

    with pytest.raises(AssertionError):
        srcad.check_grads(wrong, (np.array([0.5, -1.0, 2.0]),), modes=("forward",))


# -- check_grads at order 2 on outputs that are not one number ------------------------

def _tuple_of_shapes(y0, k):
    y = y0 * k
    return y, np.sum(y ** 2)


def _dict_output(x):
    return {"square": x ** 2, "total": np.sum(np.sin(x)), "steps": 3}


def _array_and_singular_values(x):
    return np.sin(x), np.linalg.svd(x, compute_uv=False)


def _array_and_singular_vectors(x):
    return np.sin(x), np.linalg.svd(x)[0]


def test_check_grads_second_order_of_structured_outputs():
    x = np.array([[1.0, 0.5], [-0.3, 0.8]])
    srcad.check_grads(_tuple_of_shapes, (np.array([1.0, 0.5]), 0.3), order=2)
    srcad.check_grads(_dict_output, (x,), order=2)
    srcad.check_grads(_array_and_singular_values, (x,), order=2)
    # the second derivatives of every output are taken: here the singular
    # vectors', which srcad does not have
    srcad.check_grads(_array_and_singular_vectors, (x,))
    with pytest.raises(srcad.NonDifferentiableError):
        srcad.check_grads(_array_and_singular_vectors, (x,), order=2)


# -- srcad.source of jacobian and hessian ---------------------------------------------

def _sin_squared(x):
    return np.sum(np.sin(x) ** 2)


def _run_source(text, generated):
    """``text`` executed with the environment ``generated`` sees: the
    function of that name it defines."""
    ns = dict(generated.__globals__)
    for name, cell in zip(generated.__code__.co_freevars, generated.__closure__ or ()):
        ns[name] = cell.cell_contents
    ns.pop(generated.__name__, None)
    exec(compile(text, f"<source of {generated.__name__}>", "exec"), ns)
    return ns[generated.__name__]


def test_source_of_a_hessian_is_the_forward_over_reverse_code_it_runs():
    text = srcad.source(srcad.hessian(_sin_squared))
    fo_r = srcad.derivative(srcad.grad(_sin_squared), mode="forward")
    assert text == srcad.source(fo_r)
    assert text.startswith(f"def {fo_r.__name__}(")
    # runnable as it stands: one column of the Hessian
    run = _run_source(text, fo_r)
    _, column = run(X.copy(), x_dot=np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(column, srcad.hessian(_sin_squared)(X)[:, 0])
    np.testing.assert_allclose(column, [2 * np.cos(2 * X[0]), 0.0, 0.0])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_source_of_a_jacobian_is_the_derivative_it_runs(mode):
    text = srcad.source(srcad.jacobian(vec, mode=mode))
    assert isinstance(text, str)
    compile(text, "<jacobian source>", "exec")
    if mode == "forward":
        jvp_fn = srcad.derivative(vec, mode="forward")
        assert text == srcad.source(jvp_fn)
        _, column = _run_source(text, jvp_fn)(X.copy(), x_dot=np.array([0.0, 1.0, 0.0]))
        np.testing.assert_allclose(column, srcad.jacobian(vec)(X)[:, 1])
    else:
        # the split forward and backward sweeps a vjp runs
        _, pullback = srcad.vjp(vec, X)
        assert text == srcad.source(pullback)
        assert "def vec_fwd_x(" in text and "def vec_bwd_x(" in text


# -- derivatives that do not depend on the argument --------------------------------

def _constant(x):
    return np.sum(x) * 0.0 + 1.0


def _stopped(x):
    return np.sum(srcad.stop_gradient(x) ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [_constant, _stopped])
def test_hessian_of_a_function_with_a_constant_gradient(fn, dtype):
    x = np.arange(3.0, dtype=dtype)
    H = srcad.hessian(fn)(x)
    assert H.shape == (3, 3) and H.dtype == dtype
    assert not np.any(H)
    for mode in ("reverse", "forward"):
        J = srcad.jacobian(srcad.grad(fn), mode=mode)(x)
        assert J.shape == (3, 3) and J.dtype == dtype and not np.any(J)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,shape", [(lambda x: 2.0, (3,)), (lambda x: 3, (3,)),
                                      (lambda x: srcad.stop_gradient(x) ** 2, (3, 3)),
                                      (lambda x: np.floor(x).astype(int), (3, 3))],
                         ids=["float", "int", "stopped", "int-array"])
def test_jacobian_of_an_output_that_does_not_depend_on_the_argument(fn, shape, mode):
    x = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    J = srcad.jacobian(fn, mode=mode)(x)
    assert J.shape == shape and J.dtype == np.float32
    assert not np.any(J)


def test_hessian_of_a_constant_dict_argument():
    p = {"a": X.astype(np.float32), "b": 2.0}
    H = srcad.hessian(lambda q: np.sum(q["a"]) * 0.0 + q["b"])(p)
    assert H["a"]["a"].shape == (3, 3) and H["a"]["a"].dtype == np.float32
    assert H["a"]["b"].shape == (3,) and H["b"]["a"].shape == (3,)
    assert not any(np.any(H[k1][k2]) for k1 in "ab" for k2 in "ab")


def test_jvp_of_value_and_grad():
    # a pair (value, gradient): the gradient alone is shaped like the argument
    (value, g), (dvalue, dg) = srcad.jvp(srcad.value_and_grad(_sin_squared), (X,), (np.ones(3),))
    np.testing.assert_allclose(value, _sin_squared(X))
    np.testing.assert_allclose(g, np.sin(2 * X))
    np.testing.assert_allclose(dvalue, np.sum(np.sin(2 * X)))
    np.testing.assert_allclose(dg, 2 * np.cos(2 * X))


def test_jacobian_with_respect_to_several_arguments():
    def f(x, A):
        return A @ np.sin(x)
    x, A = np.array([0.1, 0.2]), np.arange(6.0).reshape(3, 2)
    for mode in ("reverse", "forward"):
        jx, ja = srcad.jacobian(f, wrt=(0, "A"), mode=mode)(x, A)
        np.testing.assert_allclose(jx, A * np.cos(x))
        assert ja.shape == (3, 3, 2)
        np.testing.assert_allclose(ja[1, 1], np.sin(x))
        np.testing.assert_allclose(ja[1, 0], 0.0)


def test_a_redefined_helper_or_rebound_global_function_is_seen(tmp_path):
    import importlib.util
    src = tmp_path / "notebook_cell.py"
    src.write_text("import numpy as np\n"
                   "act = np.tanh\n"
                   "def helper(x):\n    return 2.0 * x\n"
                   "def outer(x):\n    return np.sum(helper(x)) + np.sum(act(x))\n")
    spec = importlib.util.spec_from_file_location("notebook_cell", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x = np.array([0.3, -0.4])
    np.testing.assert_allclose(srcad.grad(mod.outer)(x), 2.0 + 1 - np.tanh(x) ** 2)
    # the cell is edited and run again: a new helper, another activation
    edited = tmp_path / "edited_cell.py"
    edited.write_text("def helper(x):\n    return 7.0 * x\n")
    spec2 = importlib.util.spec_from_file_location("edited_cell", edited)
    mod2 = importlib.util.module_from_spec(spec2)
    spec2.loader.exec_module(mod2)
    mod.helper = mod2.helper
    mod.act = np.sin
    np.testing.assert_allclose(srcad.grad(mod.outer)(x), 7.0 + np.cos(x))
    np.testing.assert_allclose(srcad.jacobian(mod.outer, mode="forward")(x), 7.0 + np.cos(x))


def _cube(v):
    return v ** 3


def _sum_of_jacobian(w):
    return np.sum(srcad.jacobian(_cube)(w))


def test_differentiating_through_a_jacobian_is_right():
    # the function srcad.jacobian makes is srcad's own code: transforming
    # its source gave a wrong gradient; srcad differentiates a Jacobian
    # written out as forward-mode passes instead
    w = np.array([1.0, 2.0])
    np.testing.assert_allclose(srcad.grad(_sum_of_jacobian)(w), 6.0 * w)
    np.testing.assert_allclose(srcad.grad(lambda v: np.sum(srcad.jacobian(_cube)(v)))(w), 6.0 * w)
    with pytest.raises(srcad.SrcadError, match="scalar output"):
        srcad.grad(srcad.jacobian(_cube))(w)


def _xy2(x, y):
    return np.sum(x * y ** 2)


def test_hessian_with_respect_to_several_arguments():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    (hxx, hxy), (hyx, hyy) = srcad.hessian(_xy2, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(hxx, np.zeros((2, 2)))
    np.testing.assert_allclose(hxy, np.diag(2 * y))
    np.testing.assert_allclose(hyx, np.diag(2 * y))
    np.testing.assert_allclose(hyy, np.diag(2 * x))
    ((h,),) = srcad.hessian(_xy2, wrt=(1,))(x, y)
    np.testing.assert_allclose(h, np.diag(2 * x))


def _scaled_cube(x, *, s=1.0):
    return s * np.sum(x ** 3)


def _scaled_square(x, *, s=1.0):
    return s * x ** 2


def test_jacobian_and_hessian_with_keyword_only_parameters():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(srcad.hessian(_scaled_cube)(x, s=2.0), np.diag(12.0 * x))
    np.testing.assert_allclose(srcad.hessian(_scaled_cube)(x), np.diag(6.0 * x))
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcad.jacobian(_scaled_square, mode=mode)(x, s=3.0),
                                   np.diag(6.0 * x))


def _squares_by_loop(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] ** 2
    return y


def test_vjp_differentiates_where_it_was_taken_and_checks_scalar_cotangents():
    x = np.array([0.5, -0.3, 1.0])
    out, pullback = srcad.vjp(_squares_by_loop, x)
    x[:] = 5.0   # the caller reuses its array
    np.testing.assert_allclose(pullback(np.array([1.0, 2.0, 3.0]))[0], [1.0, -1.2, 6.0])
    with pytest.raises(srcad.CotangentError):
        pullback(1.0)


def test_the_gradient_of_a_numpy_scalar_is_a_numpy_scalar_of_its_type():
    import srcad

    def f(x, y=2.0):
        return x * x * y

    def linear(x, y=2.0):
        return x * y        # a gradient that is a Python float in the generated code

    for x in (np.float32(1.5), np.float64(1.5)):
        for g in (srcad.grad(f)(x, 2.0), srcad.grad(f)(x), srcad.grad(f)(x, y=2.0),
                  srcad.value_and_grad(f)(x)[1]):
            assert type(g) is type(x) and g == 6.0
        for g in (srcad.grad(linear)(x), srcad.grad(linear)(x, 2.0)):
            assert type(g) is type(x) and g == 2.0
    g = srcad.grad(f)(np.array(1.5), 2.0)
    assert isinstance(g, np.ndarray) and g.shape == ()   # a 0-d array stays one


# -- tangents and cotangents that do not fit ---------------------------------------------

def test_none_is_a_zero_tangent():
    out, t = srcad.jvp(lambda a, n: a ** n, (np.array([1.0, 2.0]), 2), (np.ones(2), None))
    np.testing.assert_allclose(t, [2.0, 4.0])
    _, t = srcad.jvp(lambda a, b: a * b, (np.array([1.0, 2.0]), 3.0), (None, 1.0))
    np.testing.assert_allclose(t, [1.0, 2.0])


def test_complex_tangents_and_cotangents_of_real_values_are_refused():
    x = np.array([1.0, 2.0])
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.jvp(lambda a: a * a, (x,), (1j * np.ones(2),))
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.jvp(lambda a: a * a, (2.0,), (1j,))
    _, pull = srcad.vjp(lambda a: a * a, x)
    with pytest.raises(srcad.CotangentError, match="complex"):
        pull(1j * np.ones(2))


def test_a_custom_backward_returning_no_tuple_is_a_srcad_error():
    @srcad.custom_vjp
    def doubled(a):
        return a * 2.0

    doubled.defvjp(lambda a: (a * 2.0, None), lambda r, g: g * 2.0)
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(lambda a: np.sum(doubled(a)))(np.ones(3))
    assert "tuple" in info.value.message and info.value.lineno is not None


def _returns_an_array(x):
    y = x * 2.0
    return y


def test_a_non_scalar_output_is_shown_where_it_is_returned():
    with pytest.raises(srcad.NonScalarOutputError) as info:
        srcad.grad(_returns_an_array)(np.ones(3))
    assert info.value.location.source_line.strip() == "return y"


class _Scaler:
    k = 3.0

    @srcad.custom_vjp
    def apply(self, a):
        return a * self.k


_Scaler.apply.defvjp(lambda s, a: (a * s.k, s), lambda s, g: (None, g * s.k))
_SCALER = _Scaler()


def _through_a_custom_method(a):
    return np.sum(_SCALER.apply(a) ** 2)


def test_a_method_with_a_custom_vjp_is_differentiated_with_it():
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(srcad.grad(_through_a_custom_method)(x), 2 * 9.0 * x)
    _, t = srcad.jvp(_through_a_custom_method, (x,), (np.ones(2),))
    assert np.isclose(t, np.sum(2 * 9.0 * x))


def _square_sum(a):
    return np.sum(a ** 2)


def test_more_primals_than_parameters_and_unknown_modes_are_told():
    with pytest.raises(srcad.SrcadError, match="takes 1 arguments"):
        srcad.jvp(_square_sum, (np.ones(2), 1.0), (np.ones(2), 1.0))
    with pytest.raises(srcad.SrcadError, match="takes 1 arguments"):
        srcad.vjp(_square_sum, np.ones(2), 1.0)
    with pytest.raises(ValueError, match="modes"):
        srcad.check_grads(_square_sum, (np.ones(2),), modes=("sideways",))


@srcad.custom_vjp
def _clipped_sine(a):
    return np.sin(a)


_clipped_sine.defvjp(lambda a: (np.sin(a), a), lambda a, g: (np.clip(g, -0.1, 0.1),))


def test_cli_show_shows_the_hand_written_derivative_a_function_carries():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "srcad", "show", f"{os.path.abspath(__file__)}::_clipped_sine"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "reverse_bwd" in proc.stdout and "np.cos" not in proc.stdout
