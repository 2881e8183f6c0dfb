"""Each optimizer pass on its own: what it rewrites, and what it must leave
alone (so that a change to a pass shows here, not only as a snapshot diff)."""

import gast
import pytest

from srcad import astutil as A
from srcad import optimize as O


def fn(src):
    node = gast.parse(src).body[0]
    return node


def text(node):
    import ast
    return ast.unparse(ast.fix_missing_locations(gast.gast_to_ast(node)))


def body_lines(node):
    return [line.strip() for line in text(node).splitlines()[1:]]


def test_fold_constants_folds_literals_and_identities_in_generated_code():
    f = fn("def g(x, d_y):\n    d_x = d_y * 2 * x ** (2 - 1)\n    return d_x\n")
    assert body_lines(O.fold_constants(f))[0] == "d_x = d_y * 2 * x"


@pytest.mark.parametrize("before,after", [
    ("d_x = -(d_y * 2 * t)", "d_x = d_y * -2 * t"),
    ("d_x = -d_y * t * 2", "d_x = d_y * t * -2"),
    ("d_x = d_x + -d_y * t", "d_x = d_x - d_y * t"),
    ("d_x = d_x - -(d_y / t) * u", "d_x = d_x + d_y / t * u"),
    ("d_x = d_y * 100.0 * 2 * t", "d_x = d_y * 200.0 * t"),
    ("d_x = -d_y * t", "d_x = -d_y * t"),
    ("d_x = d_y * -t[:-1]", "d_x = -d_y * t[:-1]"),
    ("d_x = 2.0 * -t", "d_x = -2.0 * t"),
])
def test_fold_constants_moves_signs_and_literals_off_arrays(before, after):
    f = fn(f"def g(d_y, t, u, d_x):\n    {before}\n    return d_x\n")
    assert body_lines(O.fold_constants(f))[0] == after


def test_fold_constants_leaves_user_statements_alone():
    f = fn("def g(x):\n    y = x * 1.0\n    return y\n")
    f.body[0].srcad_primal = True          # x * 1.0 copies (and may cast) an array
    assert body_lines(O.fold_constants(f))[0] == "y = x * 1.0"


def test_fold_constants_never_leaves_a_bare_alias():
    f = fn("def g(x_dot):\n    y_dot = x_dot * 1.0\n    return y_dot\n")
    assert body_lines(O.fold_constants(f))[0] == "y_dot = x_dot * 1.0"


def test_dead_stores_drops_unread_constant_and_copy_assignments():
    f = fn("def g(x):\n    skip = False\n    y = x\n    z = x * 2\n    return z\n")
    assert body_lines(O.dead_stores(f)) == ["z = x * 2", "return z"]


def test_dead_stores_keeps_calls_and_read_names():
    f = fn("def g(x):\n    y = f(x)\n    k = 0.0\n    return k\n")
    assert body_lines(O.dead_stores(f)) == ["y = f(x)", "k = 0.0", "return k"]


def test_dead_stores_drops_effect_free_statements_nothing_reads():
    f = fn("def g(x):\n    t = x ** 2\n    r = np.sum(t)\n    d_x = 2 * x\n    return d_x\n")
    f.body[0].srcad_pure = f.body[1].srcad_pure = True    # the loss a gradient does not return
    assert body_lines(O.dead_stores(f)) == ["d_x = 2 * x", "return d_x"]


def test_dead_stores_keeps_unmarked_calls_even_if_unread():
    f = fn("def g(x):\n    r = np.random.normal(x)\n    return x\n")
    assert body_lines(O.dead_stores(f))[0] == "r = np.random.normal(x)"


def test_propagate_copies_reads_the_original():
    f = fn("def g(d_y, h):\n    d_t = d_y\n    d_a = d_t * h\n    d_b = d_t + 1\n    return (d_a, d_b)\n")
    assert body_lines(O.propagate_copies(f, {"d_t"}))[:2] == ["d_a = d_y * h", "d_b = d_y + 1"]


def test_propagate_copies_moves_a_rebinding_of_the_original_past_the_reads():
    f = fn("def g(d_y, h):\n    d_t = d_y\n    d_y = d_y * 2\n    d_a = d_t * h\n    return (d_a, d_y)\n")
    assert body_lines(O.propagate_copies(f, {"d_t"}))[:2] == ["d_a = d_y * h", "d_y = d_y * 2"]


def test_propagate_copies_stops_where_the_rebinding_cannot_move():
    f = fn("def g(d_y, h):\n    d_t = d_y\n    d_y += h\n    d_a = d_t * h\n    return d_a\n")
    assert body_lines(O.propagate_copies(f, {"d_t"}))[0] == "d_t = d_y"
    f = fn("def g(d_y, h):\n    d_t = d_y\n    d_y = d_y * h\n    h = h + 1\n    d_a = d_t * h\n"
           "    return d_a\n")
    assert body_lines(O.propagate_copies(f, {"d_t"}))[0] == "d_t = d_y"


def test_propagate_copies_leaves_user_names_alone():
    f = fn("def g(y):\n    x = y\n    return x * 2\n")
    assert body_lines(O.propagate_copies(f, set()))[0] == "x = y"


def test_propagate_copies_drops_a_copy_straight_back():
    f = fn("def g(d_s, x):\n    for i in r:\n        d_n = d_s\n        d_s = d_n\n        d_x = d_n * x\n"
           "    return d_x\n")
    assert body_lines(O.propagate_copies(f, {"d_n"}))[:2] == ["for i in r:", "d_x = d_s * x"]


def test_first_write_turns_init_and_add_into_assignment():
    f = fn("def g(d_y, b):\n    d_a = 0.0\n    d_a = d_a + d_y * b\n    return d_a\n")
    assert body_lines(O.first_write(f)) == ["d_a = d_y * b", "return d_a"]


def test_first_write_keeps_init_when_first_use_is_in_a_branch():
    f = fn("def g(c, d_y):\n    d_a = 0.0\n    if c:\n        d_a = d_a + d_y\n    return d_a\n")
    assert body_lines(O.first_write(f))[0] == "d_a = 0.0"


def test_loop_local_adjoints_drop_reset_and_init():
    f = fn("def g(steps, d_p, x):\n    d_t = 0.0\n    for i in steps:\n"
           "        d_t = d_t + d_p\n        d_p = d_t * x\n        d_t = 0.0\n    return d_p\n")
    assert body_lines(O.loop_local_adjoints(f)) == [
        "for i in steps:", "d_t = d_p", "d_p = d_t * x", "return d_p"]


def test_loop_local_adjoints_in_a_branch_of_a_loop():
    f = fn("def g(d_s, a, c, r):\n    d_t = 0.0\n    for i in r:\n        if c:\n"
           "            d_t = d_t + d_s\n            d_s = d_t * a\n            d_t = 0.0\n    return d_s\n")
    out = body_lines(O.loop_local_adjoints(f))
    assert out == ["for i in r:", "if c:", "d_t = d_s", "d_s = d_t * a", "return d_s"]


def test_loop_local_adjoints_keep_an_adjoint_read_after_the_loop():
    f = fn("def g(d_s, a, c, r):\n    d_t = 0.0\n    for i in r:\n        if c:\n"
           "            d_t = d_t + d_s\n            d_s = d_t * a\n            d_t = 0.0\n    return d_t\n")
    assert body_lines(O.loop_local_adjoints(f))[0] == "d_t = 0.0"


def test_inplace_accumulate_only_for_unaliased_adjoints():
    f = fn("def g(steps, e):\n    d_w = 0.0\n    for i in steps:\n        d_w = d_w + e\n    return d_w\n")
    assert "d_w += e" in body_lines(O.inplace_accumulate(f))
    g = fn("def g(steps, e):\n    d_w = 0.0\n    for i in steps:\n        d_w = d_w + e\n"
           "    d_v = d_w\n    return d_v\n")
    assert "d_w += e" not in body_lines(O.inplace_accumulate(g))


def test_inline_single_use_folds_made_up_names_only():
    f = fn("def g(x, W):\n    t = x @ W\n    h = tanh(t)\n    u = x + 1\n    v = u * 2\n    return h + v\n")
    out = body_lines(O.inline_single_use(f, made_up={"t"}))
    assert out[:3] == ["h = tanh(x @ W)", "u = x + 1", "v = u * 2"]


def test_inline_single_use_does_not_move_past_a_write():
    f = fn("def g(y, a):\n    t = y[0]\n    y[0] = a\n    z = t * 2\n    return z\n")
    assert body_lines(O.inline_single_use(f, made_up={"t"}))[0] == "t = y[0]"


def test_free_early_deletes_after_last_use_in_the_backward_sweep():
    f = fn("def g(x):\n    t = x * 2\n    d_t = t * 3\n    d_x = d_t * t\n    y = d_x + 1\n    return y\n")
    out = body_lines(O.free_early(f))
    assert "del d_t, t" in out and out.index("del d_t, t") == out.index("d_x = d_t * t") + 1


def test_propagate_literals_replaces_a_made_up_seed():
    f = fn("def g(x, y, d_result=1.0):\n    x_dot = 1.0\n    t_dot = x_dot * x + y\n    return d_result * t_dot\n")
    assert body_lines(O.propagate_literals(f, made_up={"x_dot"}))[0] == "x_dot = 1.0"  # not a seed
    f.srcad_seeds = {"x_dot"}
    out = body_lines(O.fold_constants(O.propagate_literals(f, made_up={"x_dot"})))
    assert out == ["t_dot = x + y", "return d_result * t_dot"]


def test_propagate_literals_keeps_names_bound_again_or_not_made_up():
    def seeded(src):
        f = fn(src)
        f.srcad_seeds = {"x_dot"}
        return f
    src = "def g(x):\n    x_dot = 1.0\n    for i in x:\n        x_dot = x_dot * 2\n    return x_dot\n"
    assert body_lines(O.propagate_literals(seeded(src), made_up={"x_dot"}))[0] == "x_dot = 1.0"
    src = "def g(x):\n    x_dot = 1.0\n    return x * x_dot\n"
    assert body_lines(O.propagate_literals(seeded(src), made_up=()))[0] == "x_dot = 1.0"
    src = "def g(x):\n    y = x_dot\n    x_dot = 1.0\n    return y\n"
    assert body_lines(O.propagate_literals(seeded(src), made_up={"x_dot"}))[1] == "x_dot = 1.0"


def test_inline_single_use_passes_arithmetic_that_rebinds_nothing_it_reads():
    src = ("def g(s, a, s_dot):\n    t = s * a\n    t_dot = s_dot * a + s\n    s = t - 0.1\n"
           "    s_dot = t_dot\n    return s_dot\n")
    out = body_lines(O.inline_single_use(fn(src), {"t", "t_dot"}))
    # t moves past t_dot's line; t_dot may not move past the rebinding of s
    assert out[:3] == ["t_dot = s_dot * a + s", "s = s * a - 0.1", "s_dot = t_dot"]


@pytest.mark.parametrize("between", [
    "u = np.sum(s)",        # a call
    "a = s * 2",            # rebinds what the value reads
    "u += s",               # may write into an array in place
    "w[0] = s",             # writes into an array
])
def test_inline_single_use_stops_at_statements_that_may_change_the_value(between):
    src = f"def g(s, a, w, u):\n    t = s * a\n    {between}\n    y = t + 1\n    return y\n"
    assert body_lines(O.inline_single_use(fn(src), {"t"}))[0] == "t = s * a"


def test_inline_single_use_keeps_a_call_in_place():
    src = "def g(s, a):\n    t = np.sum(s)\n    u = a * 2\n    y = t + u\n    return y\n"
    assert body_lines(O.inline_single_use(fn(src), {"t"}))[0] == "t = np.sum(s)"


def test_passes_are_listed_in_order():
    assert O.PASSES[:2] == [O.propagate_literals, O.fold_constants] and O.PASSES[-1] is O.free_early
    assert O.PASSES.index(O.refold) == O.PASSES.index(O.inline_single_use) + 1
    assert len(set(O.PASSES)) == len(O.PASSES)


def test_inline_single_use_keeps_a_line_that_frees_before_a_call():
    src = ("def g(x, W, d_y):\n    h = x * 2\n    d_h = d_y * 3\n    d_t = d_h * (1 - h * h)\n"
           "    d_W = ad.matmul_adjoint_b(d_t, x, W)\n    return d_W\n")
    out = body_lines(O.inline_single_use(fn(src), {"d_t"}))
    assert "d_t = d_h * (1 - h * h)" in out   # d_h and h can go before the product
    src = src.replace("ad.matmul_adjoint_b(d_t, x, W)", "d_t * W")
    out = body_lines(O.inline_single_use(fn(src), {"d_t"}))
    assert "d_W = d_h * (1 - h * h) * W" in out


def _in_place_case(factor="1 - h * h", later="", define="ad.matmul_adjoint_a(d_y, h, W)"):
    src = (f"def g(h, W, d_y):\n    d_q = d_y * 2\n    d_h = {define}\n    d_t = d_h * ({factor})\n"
           f"    d_W = ad.matmul_adjoint_b(d_t, h, W)\n{later}    return d_W\n")
    f = fn(src)
    f.srcad_exact = {"d_h": "h", "d_y": "y"}
    return body_lines(O.update_in_place(f))


def test_update_in_place_reuses_a_dead_fresh_adjoint():
    out = _in_place_case()
    assert "d_h *= 1 - h * h" in out and "d_W = ad.matmul_adjoint_b(d_h, h, W)" in out


@pytest.mark.parametrize("kw", [
    {"later": "    print(d_h)\n"},                 # read afterwards
    {"factor": "1 - W * W"},                         # factor of another shape
    {"factor": "np.cos(h)"},                         # a call: shape not known
    {"define": "ad.unbroadcast(d_y, h)"},            # may be the caller's array
])
def test_update_in_place_only_when_safe(kw):
    out = _in_place_case(**kw)
    assert not any("*=" in line for line in out), out


def test_update_in_place_never_writes_into_the_seed():
    f = fn("def g(h, d_h):\n    d_q = d_h * 2\n    d_t = d_h * (1 - h * h)\n    return d_t\n")
    f.srcad_exact = {"d_h": "h"}
    assert not any("*=" in line for line in body_lines(O.update_in_place(f)))
