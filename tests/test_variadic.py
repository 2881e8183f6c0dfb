"""``*args`` / ``**kwargs``: unpacking in calls and variadic helpers, bound
when the function is transformed. Checked against finite differences in
both modes, forward against reverse, to second order; what cannot be bound
is refused at the call."""

import functools

import numpy as np
import pytest

import srcad
from catalogue import CATALOGUE

VARIADIC = [(fn, args) for group, fn, args in CATALOGUE if group == "variadic"]


@pytest.mark.parametrize("fn,args", VARIADIC, ids=[fn.__name__ for fn, _ in VARIADIC])
def test_check_grads_in_both_modes(fn, args):
    srcad.check_grads(fn, args, modes=("forward", "reverse"))


def _poly(x, *coeffs, **opts):
    y = 0.0
    for c in reversed(coeffs):
        y = y * x + c
    return y * opts.get("gain", 1.0)


def poly_loss(x, a):
    return _poly(x, a, 2.0 * a, a * a, gain=np.cos(a))


def kwargs_loss(x, w):
    opts = {"scale": w, "weight": x}
    return _affine_sum(x, **opts)


def _affine_sum(x, scale=1.0, **rest):
    return np.sum((x * scale) ** 2 * rest["weight"])


@pytest.mark.parametrize("fn,args", [(poly_loss, (0.4, 1.3)),
                                     (kwargs_loss, (np.array([0.2, -0.6, 1.1]), 0.7))],
                         ids=["star-args", "kwargs"])
def test_second_order(fn, args):
    srcad.check_grads(fn, args, order=2, modes=("forward", "reverse"))
    h = srcad.hessian(fn, wrt=1)(*args)
    eps = 1e-5
    g = srcad.grad(fn, wrt=1)
    plus = list(args)
    minus = list(args)
    plus[1] = args[1] + eps
    minus[1] = args[1] - eps
    expected = (g(*plus) - g(*minus)) / (2 * eps)
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-8)


def test_gradients_with_respect_to_every_argument():
    x, a = 0.4, 1.3
    gx, ga = srcad.grad(poly_loss, wrt=(0, 1))(x, a)
    eps = 1e-6
    assert gx == pytest.approx((poly_loss(x + eps, a) - poly_loss(x - eps, a)) / (2 * eps), rel=1e-6)
    assert ga == pytest.approx((poly_loss(x, a + eps) - poly_loss(x, a - eps)) / (2 * eps), rel=1e-6)


_calls = []


def _logged(tag, v):
    _calls.append(tag)
    return v


def _three(a, b, c, *, k=0.0, m=0.0):
    return a * 1.0 + b * 2.0 + c * 3.0 + k * 5.0 + m * 7.0


def evaluation_order(x):
    return _three(_logged("a", x), *(_logged("b", x * 2.0), _logged("c", x * 3.0)),
                  k=_logged("k", x), **{"m": _logged("m", x * x)})


def test_unpacked_arguments_are_evaluated_once_in_order():
    expected = evaluation_order(0.5)
    _calls.clear()
    value, g = srcad.value_and_grad(evaluation_order)(0.5)
    assert value == pytest.approx(expected)
    assert _calls == ["a", "b", "c", "k", "m"]
    assert g == pytest.approx(1.0 + 4.0 + 9.0 + 5.0 + 14.0 * 0.5)
    _calls.clear()
    _, t = srcad.jvp(evaluation_order, (0.5,), (1.0,))
    assert _calls == ["a", "b", "c", "k", "m"]
    assert t == pytest.approx(g)


def _counting(x, *args, **kwargs):
    return x * len(args) + len(kwargs) + sum(args)


def shapes_of_calls(x):
    # the same helper bound for three shapes of call
    return _counting(x) + _counting(x, x, 2.0) + _counting(x, x, k=1, j=2)


def test_one_helper_called_with_several_shapes():
    assert srcad.grad(shapes_of_calls)(0.3) == pytest.approx(0.0 + (2.0 + 1.0) + (1.0 + 1.0))
    srcad.check_grads(shapes_of_calls, (0.3,), modes=("forward", "reverse"))
    source = srcad.source(srcad.derivative(shapes_of_calls, mode="reverse"))
    # the derivatives of the three shapes have names of their own
    assert "def _counting_0_fwd" in source or "def counting_0_fwd" in source
    assert "counting_2_fwd" in source and "counting_1_k_j_fwd" in source


def inactive_variadic_call(x, n):
    # needs no derivative: called as written
    return x * _counting(2.0, n, k=n)


def test_a_call_needing_no_derivative_calls_the_function_as_written():
    assert srcad.grad(inactive_variadic_call)(0.5, 3) == pytest.approx(2.0 * 1 + 1 + 3)
    source = srcad.source(srcad.grad(inactive_variadic_call))
    assert "_counting(2.0, n, k=n)" in source


def test_the_exported_module_runs(tmp_path):
    from srcad.export import export
    path = tmp_path / "d_shapes.py"
    name = export(shapes_of_calls, str(path))
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert namespace[name](0.3) == pytest.approx(srcad.grad(shapes_of_calls)(0.3))


def reads_kwargs_in_every_way(x, **kw):
    return x


def _reads(x, **kw):
    total = x * kw["a"] + kw.get("b", 0.0) + kw.get("z", 1.0)
    for key in kw:
        total = total + kw[key]
    for key, v in kw.items():
        total = total * 1.0 + v
    if "b" in kw and "z" not in kw:
        total = total * 2.0
    return total + len(kw)


def kwargs_read_in_every_way(x):
    return _reads(x, a=x * x, b=np.sin(x))


def test_kwargs_read_in_every_way():
    srcad.check_grads(kwargs_read_in_every_way, (0.7,), modes=("forward", "reverse"))


def unpacks_a_parameter(x, xs):
    return np.add(*xs) * x


def unpacks_a_list_that_grows(x):
    xs = [x, x]
    xs.append(x)
    return np.sum(np.stack(xs)) + np.add(*xs)


def unpacks_a_dict_it_changes(x):
    o = {"k": 1.0}
    o["m"] = x
    return _three(x, x, x, **o)


def unpacks_a_tuple_bound_twice(x, flag):
    t = (x, x)
    if flag:
        t = (x, x, x)
    return _three(*t, x)


@pytest.mark.parametrize("fn,args,at", [
    (unpacks_a_parameter, (0.5, (1.0, 2.0)), "*xs"),
    (unpacks_a_list_that_grows, (0.5,), "*xs"),
    (unpacks_a_dict_it_changes, (0.5,), "o"),
    (unpacks_a_tuple_bound_twice, (0.5, False), "*t"),
], ids=["parameter", "list-appended-to", "dict-written", "tuple-bound-twice"])
def test_unpacking_what_may_change_is_refused_at_the_call(fn, args, at):
    for make in (lambda: srcad.grad(fn)(*args), lambda: srcad.derivative(fn, mode="forward")):
        with pytest.raises(srcad.UnsupportedSyntaxError) as info:
            make()
        exc = info.value
        assert exc.filename.endswith("test_variadic.py")
        assert "unpacking" in exc.message and exc.hint
        line = exc.location.source_line
        assert line[exc.location.col:].startswith(at)


def _needs_two(a, b):
    return a * b


def too_many_unpacked(x):
    return _needs_two(*(x, x, x))


def test_too_many_unpacked_arguments_are_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="too many positional arguments"):
        srcad.grad(too_many_unpacked)(0.5)


def duplicate_keyword(x):
    return _three(x, x, x, k=x, **{"k": 2.0})


def test_a_keyword_given_twice_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="given twice"):
        srcad.grad(duplicate_keyword)(0.5)


def model(x, *params, **opts):
    s = 0.0
    for k, p in enumerate(params):
        s = s + p * x ** (k + 1)
    return np.sum(s * s) * opts.get("gain", 1.0)


X = np.array([0.3, -0.2, 0.5])


def _numeric(fn, args, i, eps=1e-6):
    plus, minus = list(args), list(args)
    plus[i] = args[i] + eps
    minus[i] = args[i] - eps
    return (fn(*plus) - fn(*minus)) / (2 * eps)


def test_a_variadic_function_given_to_srcad_is_derived_per_shape_of_call():
    args = (X, 1.0, 2.0, 0.5)
    # wrt counts the call's positional arguments
    for i in (1, 2, 3, -1):
        assert srcad.grad(model, wrt=i)(*args) == pytest.approx(_numeric(model, args, i))
    by_name = srcad.grad(model, wrt="params")(*args)
    assert isinstance(by_name, tuple) and len(by_name) == 3
    assert by_name == pytest.approx([_numeric(model, args, i) for i in (1, 2, 3)])
    np.testing.assert_allclose(srcad.grad(model)(*args), srcad.grad(model, wrt="x")(*args))
    # fewer extra arguments: another shape, made on its first call
    assert srcad.grad(model, wrt="params")(X, 1.0) == pytest.approx((_numeric(model, (X, 1.0), 1),))


def test_the_keywords_collected_by_kwargs():
    g = srcad.grad(model, wrt=(1, "opts"))(X, 1.0, 2.0, gain=1.5)
    assert set(g[1]) == {"gain"}
    eps = 1e-6
    expected = (model(X, 1.0, 2.0, gain=1.5 + eps) - model(X, 1.0, 2.0, gain=1.5 - eps)) / (2 * eps)
    assert g[1]["gain"] == pytest.approx(expected)
    value, grads = srcad.value_and_grad(model, wrt="params")(X, 1.0, 2.0, gain=1.5)
    assert value == pytest.approx(model(X, 1.0, 2.0, gain=1.5))
    assert grads == pytest.approx(srcad.grad(model, wrt=(1, 2))(X, 1.0, 2.0, gain=1.5))


def test_jvp_vjp_jacobian_hessian_and_check_grads():
    args = (X, 1.0, 2.0, 0.5)
    srcad.check_grads(model, args, modes=("forward", "reverse"))
    srcad.check_grads(model, args, order=2, modes=("forward", "reverse"))
    out, t = srcad.jvp(model, args, (np.zeros(3), 0.0, 1.0, 0.0))
    assert out == pytest.approx(model(*args))
    assert t == pytest.approx(_numeric(model, args, 2))
    out, pullback = srcad.vjp(model, *args)
    cts = pullback(1.0)
    assert len(cts) == 4 and cts[3] == pytest.approx(_numeric(model, args, 3))
    jac = srcad.jacobian(model, wrt="params")(*args)
    assert [float(j) for j in jac] == pytest.approx([_numeric(model, args, i) for i in (1, 2, 3)])
    h = srcad.hessian(model, wrt=(1, 2))(*args)
    g2 = srcad.grad(model, wrt=2)
    assert float(h[0][1]) == pytest.approx(_numeric(g2, args, 1), rel=1e-5)
    hp = srcad.hessian(model, wrt="params")(X, 1.0, 2.0)
    assert len(hp) == 2 and len(hp[0]) == 2


def test_the_code_a_call_runs_can_be_read():
    g = srcad.grad(model, wrt=2)
    text = srcad.source(g.generated_for(X, 1.0, 2.0))
    assert "def model_grad_params_1(x, params_0, params_1" in text
    with pytest.raises(srcad.SrcadError) as info:
        srcad.source(g)
    assert "generated_for" in info.value.hint


def test_wrt_past_the_call_s_arguments_is_refused():
    with pytest.raises(srcad.WrtError) as info:
        srcad.grad(model, wrt=3)(X, 1.0)
    assert "called with 2 positional arguments (x, params[0])" in info.value.message
    with pytest.raises(srcad.WrtError, match="no parameter 'y'"):
        srcad.grad(model, wrt="y")(X, 1.0)
    with pytest.raises(srcad.WrtError, match="names no argument"):
        srcad.grad(model, wrt="params")(X)


def test_a_derivative_grouped_by_args_is_not_differentiated_again():
    g = srcad.grad(model, wrt="params")
    with pytest.raises(srcad.SrcadError, match="grouped"):
        srcad.jvp(g, (X, 1.0, 2.0), (np.ones(3), 0.0, 0.0))
    # by position it is: a Hessian-vector product
    gp = srcad.grad(model, wrt=1)
    _, t = srcad.jvp(gp, (X, 1.0, 2.0), (np.zeros(3), 1.0, 0.0))
    assert t == pytest.approx(_numeric(gp, (X, 1.0, 2.0), 1), rel=1e-5)
    assert srcad.grad(gp, wrt=2)(X, 1.0, 2.0) == pytest.approx(_numeric(gp, (X, 1.0, 2.0), 2), rel=1e-5)


def _first_times(x, *ws, **kw):
    return x * ws[0] + kw.get("b", 0.0) * x


def _count_times(x, *ws):
    return np.sum(x) * len(ws) * ws[-1]


def calls_variadic_functions_held_in_a_list(x, a):
    fns = [_first_times, _count_times]
    total = 0.0
    for fn in fns:
        total = total + np.sum(fn(x, a, 2.0, *[a * a]))
    return total + np.sum(fns[0](x, a, b=3.0))


def test_variadic_functions_held_in_variables():
    args = (np.array([0.2, 0.4]), 0.7)
    srcad.check_grads(calls_variadic_functions_held_in_a_list, args, modes=("forward", "reverse"))
    srcad.check_grads(calls_variadic_functions_held_in_a_list, args, order=2, modes=("forward",))


_SCALES = (0.5, 2.0)


def _scaled_sum(x, *scales):
    return sum(s * x for s in scales)


def module_tuple_and_lambda(x, a):
    weigh = lambda *ws: ws[0] * ws[-1] * a  # noqa: E731
    return _scaled_sum(x, *_SCALES) + weigh(x, a, *_SCALES) + np.add(*_SCALES) * x


def test_a_module_level_tuple_and_a_variadic_lambda():
    srcad.check_grads(module_tuple_and_lambda, (0.3, 1.7), modes=("forward", "reverse"))
    srcad.check_grads(module_tuple_and_lambda, (0.3, 1.7), order=2, modes=("forward", "reverse"))


_HALF_SUM = functools.partial(_scaled_sum, 0.5)


def partial_of_a_variadic_function(x, a):
    f = functools.partial(_scaled_sum, 2.0)
    return f(a, x) + f(x) + _HALF_SUM(a, x, 3.0)


def test_a_partial_of_a_variadic_function():
    srcad.check_grads(partial_of_a_variadic_function, (0.3, 1.7), modes=("forward", "reverse"))


class _Model:
    gain = 3.0

    def predict(self, x, *ws, **kw):
        return x * ws[0] * self.gain + kw.get("bias", 0.0)

    def loss(self, x, a):
        return self.predict(x, a, 2.0, bias=2.0) ** 2


_MODEL = _Model()


def calls_a_variadic_method(x, a):
    return _MODEL.predict(x, a, 2.0, bias=a) * _MODEL.predict(x, 1.0)


def test_variadic_methods():
    srcad.check_grads(calls_a_variadic_method, (1.0, 0.5), modes=("forward", "reverse"))
    srcad.check_grads(calls_a_variadic_method, (1.0, 0.5), order=2, modes=("forward", "reverse"))
    # a bound method given to srcad, and one calling another through self
    srcad.check_grads(_MODEL.predict, (1.0, 0.5, 2.0), modes=("forward", "reverse"))
    assert srcad.grad(_MODEL.predict, wrt="ws")(1.0, 0.5, 2.0) == pytest.approx((3.0, 0.0))
    srcad.check_grads(_MODEL.loss, (1.0, 0.5), modes=("forward", "reverse"))


@srcad.custom_vjp
def _custom_varargs(x, *ws):
    return x * ws[0]


_custom_varargs.defvjp(lambda x, *ws: (_custom_varargs(x, *ws), ws), lambda res, g: (g * res[0],))


def calls_a_custom_varargs_function(x):
    return _custom_varargs(x, 2.0)


def test_varargs_of_a_hand_written_derivative_are_refused_at_the_call():
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(calls_a_custom_varargs_function)(1.0)
    assert "hand-written derivative" in info.value.message and info.value.hint
    assert "_custom_varargs(x, 2.0)" in info.value.location.source_line


def _times_first(x, *rest):
    return x * rest[0]  # <- returned


def test_errors_about_the_values_point_at_the_user_s_function():
    with pytest.raises(srcad.NonScalarOutputError) as info:
        srcad.grad(_times_first)(np.ones(2), 2.0)
    assert info.value.filename.endswith("test_variadic.py")
    assert "# <- returned" in info.value.location.source_line
    with pytest.raises(srcad.WrtError) as info:
        srcad.grad(_times_first, wrt=1)(1.0, 2)
    assert "'rest[0]'" in info.value.message and "rest_0" not in str(info.value)
    assert info.value.filename.endswith("test_variadic.py")


_W = np.array([0.5, 1.5])


def _everything(x, /, y=_W, *args, scale=np.float64(2.0), **kw):
    s = np.sum(x * y) * scale
    for a in args:
        s = s + a
    return s * kw.get("g", 1.0) + kw.get("x", 0.0)


def calls_with_every_kind_of_parameter(x, a):
    # defaults, a positional-only parameter, keyword-only ones, and a
    # keyword named like the positional-only parameter (it goes to **kw)
    return _everything(x) + _everything(x, x * a) + _everything(x, _W, a, 2.0, scale=a, g=a) \
        + _everything(x, scale=3.0, x=a)


def test_every_kind_of_parameter():
    args = (np.array([0.3, 0.7]), 1.1)
    srcad.check_grads(calls_with_every_kind_of_parameter, args, modes=("forward", "reverse"))
    srcad.check_grads(calls_with_every_kind_of_parameter, args, order=2, modes=("forward", "reverse"))
    srcad.check_grads(_everything, (args[0], _W, 1.0), modes=("forward", "reverse"))
    gx, gkw = srcad.grad(_everything, wrt=(0, "kw"))(args[0], _W, 1.0, g=2.0, x=3.0)
    assert set(gkw) == {"g", "x"} and gkw["x"] == pytest.approx(1.0)
    np.testing.assert_allclose(gx, _W * 2.0 * 2.0)


def unpacked_into_a_nested_function_with_a_default(x, a):
    w = a * 2.0

    def g(u, v=w):
        return u * v
    pair: tuple = (x, a)
    # (the default is passed where the call leaves v out, counted after unpacking)
    return g(*pair) + g(*(x,)) + g(**{"u": x, "v": a})


def test_unpacked_into_a_nested_function_with_a_default():
    assert srcad.grad(unpacked_into_a_nested_function_with_a_default, wrt=(0, 1))(0.4, 1.3) \
        == pytest.approx((4 * 1.3, 4 * 0.4))
    srcad.check_grads(unpacked_into_a_nested_function_with_a_default, (0.4, 1.3),
                      modes=("forward", "reverse"))
