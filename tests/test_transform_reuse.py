"""What the pipeline keeps between the check at ``grad(f)`` and the code made
at the first call: the parsed function, its normalized tree (a fresh copy for
each use), and the state of Python's cycle collector around a transformation."""

import gc

import numpy as np
import pytest

import srcad
from srcad import transform
from srcad.normalize import normalize
from srcad.parse import parse_function


def cubic(x):
    y = x * x
    return np.sum(y * x)


def no_rule(x):
    return np.sum(np.frompyfunc(lambda v: v, 1, 1)(x))


def test_a_function_is_parsed_once_until_the_cache_is_cleared():
    first = parse_function(cubic)
    assert parse_function(cubic) is first
    transform.clear_cache()
    again = parse_function(cubic)
    assert again is not first
    assert again.node is not first.node


def test_a_rebound_global_makes_a_new_parse():
    def uses_helper(x):
        return helper(x)

    globals()["helper"] = np.sin
    try:
        x = np.array([0.3, 0.7])
        g = srcad.grad(lambda v: np.sum(uses_helper(v)))
        np.testing.assert_allclose(g(x), np.cos(x))
        first = parse_function(uses_helper)
        globals()["helper"] = np.cos
        assert parse_function(uses_helper) is not first
        np.testing.assert_allclose(srcad.grad(lambda v: np.sum(uses_helper(v)))(x), -np.sin(x))
    finally:
        globals().pop("helper", None)


def test_each_normalization_is_a_copy_of_its_own():
    parsed = parse_function(cubic)
    a, namer_a = normalize(parsed)
    b, namer_b = normalize(parsed)
    assert a.node is not b.node
    assert a.node.body[0] is not b.node.body[0]
    # a transformation rewrites its copy; the next one starts from the original
    a.node.body.clear()
    namer_a.new("t")
    c, namer_c = normalize(parsed)
    assert c.node.body
    assert namer_c.new("t") == namer_b.new("t")


def test_normalized_copies_give_the_same_code():
    g = srcad.grad(cubic)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(g(x), 3 * x ** 2)
    np.testing.assert_allclose(srcad.grad(cubic)(x), 3 * x ** 2)


def test_the_cycle_collector_is_restored_after_a_transformation():
    transform.clear_cache()
    assert gc.isenabled()
    srcad.grad(cubic)(np.array([1.0, 2.0]))
    assert gc.isenabled()


def test_the_cycle_collector_is_restored_after_an_error():
    transform.clear_cache()
    with pytest.raises(srcad.SrcadError):
        srcad.grad(no_rule)(np.array([1.0, 2.0]))
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled():
    transform.clear_cache()
    gc.disable()
    try:
        srcad.grad(cubic)(np.array([1.0, 2.0]))
        assert not gc.isenabled()
    finally:
        gc.enable()
