"""More code as scientists write it, each checked with srcad.check_grads
(forward and reverse mode against central finite differences)."""

import pytest

import srcad
from more_cases import CASES


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_check_grads(fn, args):
    srcad.check_grads(fn, args)


# Second derivatives through these rules' helpers are not written yet: srcad
# says so (NonDifferentiableError), never a wrong number.
NO_SECOND_ORDER = {"cumulative", "linalg_mix", "einsum_mix", "outer_products", "stats", "interp_poly",
                   "sort_based", "uses_custom", "complex_modulus", "phasor_power", "spectrum_energy"}
NUMERIC = [c for c in CASES if all(hasattr(a, "shape") or isinstance(a, float) for a in c[1])]


@pytest.mark.parametrize("fn,args", NUMERIC, ids=[c[0].__name__ for c in NUMERIC])
def test_second_order(fn, args):
    if fn.__name__ in NO_SECOND_ORDER:
        with pytest.raises(srcad.NonDifferentiableError) as info:
            srcad.check_grads(fn, args, order=2)
        assert "not supported yet" in info.value.hint
        return
    srcad.check_grads(fn, args, order=2)
