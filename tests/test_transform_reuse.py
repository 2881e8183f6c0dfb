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


def test_a_gradient_already_called_follows_a_redefined_helper():
    def uses_helper(x):
        return helper(x) * 1.0

    globals()["helper"] = np.sin
    try:
        g = srcad.grad(uses_helper)
        assert np.isclose(g(0.3), np.cos(0.3))
        assert np.isclose(g(np.array(0.3)), np.cos(0.3))
        globals()["helper"] = np.cos
        # the code made for each kind of argument is made again
        assert np.isclose(g(0.3), -np.sin(0.3))
        assert np.isclose(g(np.array(0.3)), -np.sin(0.3))
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


# -- reading a def from the lines its code spans ---------------------------------

def _decorated(f):
    return f


@_decorated
def decorated(x):
    return np.sum(x ** 2)


def ends_without_code(x):
    s = np.sum(x)
    if s > 0:
        return s * 2.0
    else:
        return s * 3.0
    pass   # no code: the line table ends above


def return_spans_lines(x):
    return (
        np.sum(x)
        * 3.0
    )


def trailing_comment(x):
    y = x + 1.0
    return np.sum(y * y)
    # nothing after this


def _inspect_parse(f):
    import textwrap
    import inspect
    import gast
    lines, _ = inspect.getsourcelines(f)
    node = gast.parse(textwrap.dedent("".join(lines))).body[0]
    node.decorator_list = []
    while isinstance(node.body[-1], gast.Pass):
        node.body.pop()   # a statement without code after the last one with code
    return gast.dump(node)


_LINE_TABLES = pytest.mark.skipif(not hasattr(cubic.__code__, "co_positions"),
                                  reason="code objects have no positions before Python 3.11")


@_LINE_TABLES
@pytest.mark.parametrize("f", [cubic, decorated, return_spans_lines, trailing_comment,
                               ends_without_code])
def test_a_def_read_from_its_line_table_is_the_def_inspect_finds(f):
    import gast
    from srcad.parse import _def_by_line_table
    quick = _def_by_line_table(f)
    assert quick is not None
    assert gast.dump(quick.node) == _inspect_parse(f)
    assert quick.line_offset + 1 == f.__code__.co_firstlineno


@_LINE_TABLES
def test_every_catalogue_function_reads_the_same_either_way():
    import gast
    from srcad.parse import _def_by_line_table
    import catalogue
    seen = 0
    for f in vars(catalogue).values():
        if getattr(f, "__module__", None) != catalogue.__name__ or not callable(f) \
                or getattr(f, "__name__", "") == "<lambda>" or not hasattr(f, "__code__"):
            continue
        quick = _def_by_line_table(f)
        if quick is not None:
            assert gast.dump(quick.node) == _inspect_parse(f), f.__name__
            seen += 1
    assert seen > 50


@pytest.mark.parametrize("f", [decorated, ends_without_code, return_spans_lines,
                               trailing_comment])
def test_gradients_of_defs_read_either_way(f):
    x = np.array([0.5, 1.5])
    srcad.check_grads(f, (x,), modes=("reverse",))


def test_a_transformation_leaves_next_to_no_cyclic_garbage():
    """The trees a transformation builds go by reference counting, not by
    the cycle collector (whose next run would otherwise scan them all, and
    the whole heap now and then)."""
    import gc

    from srcad import transform

    def helper(q, k):
        return 0.5 * k * np.sum(q ** 2)

    def energy(x, k):
        total = 0.0
        for i in range(3):
            if total > 1.0:
                total = total + helper(x * i, k)
            else:
                total = total - np.sum(np.sin(x)) * k
        return total

    x = np.linspace(0.0, 1.0, 5)
    srcad.grad(energy)(x, 2.0)   # rule tables and imports
    transform.clear_cache()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        df = srcad.grad(energy)
        df(x, 2.0)
        collected = gc.collect()
    finally:
        if was:
            gc.enable()
    # a few small cycles remain (classes made per call, the wrapper's own
    # closures); the trees (thousands of nodes) must not be among them
    assert collected < 500, collected
