"""More code as scientists write it, each checked with srcad.check_grads
(forward and reverse mode against central finite differences)."""

import pytest

import srcad
from more_cases import CASES, COMPLEX_CASES


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_check_grads(fn, args):
    srcad.check_grads(fn, args)


# Second derivatives through these rules' helpers are not written yet: srcad
# says so (NonDifferentiableError), never a wrong number; none here now.
NO_SECOND_ORDER = set()
NUMERIC = [c for c in CASES if all(hasattr(a, "shape") or isinstance(a, float) for a in c[1])]


@pytest.mark.parametrize("fn,args", NUMERIC, ids=[c[0].__name__ for c in NUMERIC])
def test_second_order(fn, args):
    if fn.__name__ in NO_SECOND_ORDER:
        with pytest.raises(srcad.NonDifferentiableError) as info:
            srcad.check_grads(fn, args, order=2)
        assert "not supported yet" in info.value.hint
        return
    srcad.check_grads(fn, args, order=2)


STRUCTURED = [c for c in CASES if c[0].__name__ in ("namedtuple_layer", "dataclass_oscillator", "nested_params")]


@pytest.mark.parametrize("fn,args", STRUCTURED, ids=[c[0].__name__ for c in STRUCTURED])
def test_second_order_through_fields(fn, args):
    srcad.check_grads(fn, args, order=2)


def test_gradient_keeps_the_parameter_types():
    import more_cases as m
    layer = m.Layer(m.np.ones((3, 2)), m.np.zeros(2))
    g = srcad.grad(m.namedtuple_layer)(layer, m.np.ones((4, 3)))
    assert type(g) is m.Layer and g.w.shape == (3, 2) and g.b.shape == (2,)
    osc = m.Oscillator(2.0, 0.3, m.np.zeros(4))
    g = srcad.grad(m.dataclass_oscillator)(osc)
    assert type(g) is m.Oscillator and isinstance(g.omega, float) and g.phase.shape == (4,)
    h = srcad.jvp(srcad.grad(m.dataclass_oscillator), (osc,), (m.Oscillator(1.0, 0.0, m.np.zeros(4)),))[1]
    assert type(h) is m.Oscillator


class _Plain:
    def __init__(self, w):
        self.w = w


def _plain_loss(p):
    return p.w * 2.0


def test_attribute_of_a_plain_object_is_refused():
    with pytest.raises(srcad.NonDifferentiableError, match="attribute .w of a _Plain"):
        srcad.grad(_plain_loss)(_Plain(1.0))


def test_dict_update_in_forward_mode_and_refused_in_reverse():
    import numpy as np
    from more_cases import dict_update_forward
    x = np.array([0.5, -1.0])
    srcad.check_grads(dict_update_forward, (x,), modes=("forward",))
    with pytest.raises(srcad.NonDifferentiableError, match=r"d\.update\(\) in reverse mode") as info:
        srcad.grad(dict_update_forward)
    assert "d[key] = v" in info.value.hint


@pytest.mark.parametrize("fn,args", COMPLEX_CASES, ids=[c[0].__name__ for c in COMPLEX_CASES])
def test_complex_intermediates(fn, args):
    srcad.check_grads(fn, args)


def _plain_complex(a, b):
    return (complex(a, b * b) ** 2).real


def test_second_order_through_complex_intermediates():
    srcad.check_grads(_plain_complex, (0.7, -1.3), order=2)
