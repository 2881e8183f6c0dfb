"""More code as scientists write it, each checked with srcad.check_grads
(forward and reverse mode against central finite differences)."""

import pytest

import srcad
from more_cases import CASES


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_check_grads(fn, args):
    srcad.check_grads(fn, args)
