"""``*args`` / ``**kwargs``: unpacking in calls and variadic helpers, bound
when the function is transformed. Checked against finite differences in
both modes, forward against reverse, to second order; what cannot be bound
is refused at the call."""

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


def top_level_star_args(x, *rest):
    return x * rest[0]


def test_the_function_given_to_srcad_still_needs_named_parameters():
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(top_level_star_args)
    assert "def loss(x, a, b)" in info.value.hint
