"""In-place writes: subscript assignment, augmented assignment on slices,
writes in loops, through views, into lists and dicts. Checked against finite
differences; arguments are never modified; writes that reverse mode cannot
follow (through an alias read afterwards) are refused, never wrong."""

import numpy as np
import pytest

import srcad
from fd import flat, numeric_grad, same, snapshot

X = np.array([0.3, -0.7, 1.1, 0.5])
M = np.arange(1.0, 7.0).reshape(2, 3) / 7.0


def slice_writes(x):
    y = np.zeros(4)
    y[::2] = x[1::2] * 3.0
    y[1::2] = np.sin(x[::2])
    y[-1] += x[0] * x[1]
    return np.sum(y * x)


def aug_slices(x):
    y = x * 1.0
    y[1:3] *= x[:2]
    y[0] -= x[3] ** 2
    y[2:] /= 1.0 + x[:2] ** 2
    return np.sum(y ** 2)


def fancy_index_writes(x):
    y = np.zeros(6)
    idx = np.array([0, 2, 5])
    y[idx] = x[:3] * 2.0
    y[np.array([1, 1])] = x[3]
    mask = y > 0.4
    z = x[np.array([0, 0, 3])]
    return np.sum(y * y) + np.sum(z) + np.sum(y[mask])


def loop_recurrence(x):
    y = np.zeros(5)
    y[0] = x[0]
    for i in range(1, 5):
        y[i] = np.tanh(y[i - 1] * x[i % 4] + 0.1)
    return np.sum(y)


def matrix_rows(m):
    out = m * 0.0
    for i in range(m.shape[0]):
        out[i, :] = m[i, :] * m[i, ::-1]
        out[i, 0] += np.sum(out[i, :])
    return np.sum(out ** 2)


def mutate_parameter(x):
    x[1:] = x[1:] * x[:-1]
    x[0] = 2.0
    return np.sum(x ** 2)


def view_of_parameter_written(x):
    tail = x[2:]
    tail[0] = tail[1] * 3.0
    return np.sum(tail ** 2)


def dict_writes(x):
    d = {}
    d["a"] = x * 2.0
    d["b"] = d["a"] ** 2
    d["a"] = d["b"] + x
    return np.sum(d["a"] * d["b"])


def list_writes(x):
    xs = [x, x * 2.0, x * 3.0]
    xs[1] = xs[0] * xs[2]
    acc = []
    for v in xs:
        acc.append(np.sum(v ** 2))
    acc[0] = acc[0] * 0.5
    return acc[0] + acc[1] + acc[2]


CASES = [slice_writes, aug_slices, fancy_index_writes, loop_recurrence, mutate_parameter,
         view_of_parameter_written, dict_writes, list_writes]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_writes_match_finite_differences(fn, mode):
    x = X.copy()
    before = snapshot(x)
    expected = numeric_grad(lambda v: fn(v.copy()), (x,), 0)[0]
    if mode == "reverse":
        got = flat(srcad.grad(fn)(x))
    else:
        got = np.array([float(srcad.jvp(fn, (x,), (e,))[1]) for e in np.eye(4)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    assert same(x, before), "the argument was modified"


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_matrix_rows(mode):
    expected = numeric_grad(matrix_rows, (M,), 0)[0]
    if mode == "reverse":
        got = flat(srcad.grad(matrix_rows)(M))
    else:
        got = np.array([float(srcad.jvp(matrix_rows, (M,), (e.reshape(2, 3),))[1]) for e in np.eye(6)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def write_through_view(x):
    y = x * 1.0
    head = y[:2]
    head[0] = 5.0 * head[1]
    return np.sum(y ** 2)


def test_write_through_a_view_read_later_is_refused_in_reverse_mode():
    # (checked when the code runs: whether 'head' shares 'y's memory is
    # known then; the error names the line of the write)
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(write_through_view)(X)
    assert "head" in info.value.message and "y" in info.value.message
    assert ".copy()" in info.value.hint
    assert info.value.location.source_line.strip() == "head[0] = 5.0 * head[1]"


def test_write_through_a_view_is_followed_in_forward_mode():
    expected = numeric_grad(write_through_view, (X,), 0)[0]
    got = np.array([float(srcad.jvp(write_through_view, (X,), (e,))[1]) for e in np.eye(4)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_tangents_are_not_modified():
    t = np.ones(4)
    srcad.jvp(mutate_parameter, (X.copy(),), (t,))
    srcad.jvp(view_of_parameter_written, (X.copy(),), (t,))
    assert np.array_equal(t, np.ones(4))


def augmented_through_a_view(x):
    y = x * 1.0
    head = y[:2]
    head *= 3.0                # NumPy writes into y here
    return np.sum(y ** 2)


def augmented_scalar_alias(x):
    a = x
    b = a
    b += 1.0                   # floats: b is rebound, a is unchanged
    return a * b


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_augmented_assignment_through_an_alias_is_refused_for_arrays(mode):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        if mode == "reverse":
            srcad.grad(augmented_through_a_view)(X)
        else:
            srcad.jvp(augmented_through_a_view, (X,), (np.ones(4),))
    assert "head" in info.value.message and "'y'" in info.value.message
    assert info.value.lineno is not None and ".copy()" in info.value.hint


def test_augmented_assignment_on_scalar_aliases_is_fine():
    assert srcad.grad(augmented_scalar_alias)(2.0) == pytest.approx(5.0)
    assert srcad.jvp(augmented_scalar_alias, (2.0,), (1.0,))[1] == pytest.approx(5.0)


def _scale_into(buf, v):
    buf[:] = buf * v
    return buf


def call_writes_into_argument(x):
    b = x * 1.0
    c = _scale_into(b, 2.0)
    return np.sum(c * x) + np.sum(b)       # b was scaled by the call


def test_a_callee_writing_into_an_argument_is_followed_in_forward_mode():
    expected = numeric_grad(call_writes_into_argument, (X,), 0)[0]
    got = np.array([float(srcad.jvp(call_writes_into_argument, (X,), (e,))[1]) for e in np.eye(4)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_a_callee_writing_into_an_argument_read_later_is_refused_in_reverse_mode():
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(call_writes_into_argument)
    assert "_scale_into" in info.value.message and "'b'" in info.value.message
    assert "copy" in info.value.hint


def _bump_first(buf, v):
    buf[0] += v


def call_for_its_writes_only(x):
    buf = x * 1.0
    _bump_first(buf, x[1] ** 2)          # the result is discarded
    return np.sum(buf ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_call_made_only_for_its_writes_is_refused(mode):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        if mode == "reverse":
            srcad.grad(call_for_its_writes_only)
        else:
            srcad.jvp(call_for_its_writes_only, (X,), (np.ones(4),))
    assert "_bump_first" in info.value.message and "'buf'" in info.value.message
    assert "buf = _bump_first(...)" in info.value.hint


# -- writes at an index the function computes, with the two halves of vjp ----------------

def write_at_argument_index(Z, j):
    T = np.zeros(Z.shape)
    T[j] = 1.0
    return np.sum(T * Z)


def write_at_fancy_index(Z, y):
    T = np.full(Z.shape, 0.1)
    T[np.arange(Z.shape[0]), y] = 1.0
    return np.sum(T * Z ** 2)


def write_at_loop_index(Z, y):
    T = np.zeros(Z.shape)
    for i in range(Z.shape[0]):
        k = y[i]
        T[i, k] = Z[i, k] ** 2
    return np.sum(T * Z)


@pytest.mark.parametrize("fn,extra", [(write_at_argument_index, 1),
                                      (write_at_fancy_index, np.array([1, 0, 1])),
                                      (write_at_loop_index, np.array([1, 0, 1]))],
                         ids=["argument", "fancy", "loop"])
def test_the_backward_half_has_the_index_it_writes_back_at(fn, extra):
    Z = np.arange(1.0, 7.0).reshape(3, 2) / 7.0
    expected = numeric_grad(lambda v: fn(v, extra), (Z,), 0)[0]
    out, pull = srcad.vjp(fn, Z, extra)
    np.testing.assert_allclose(flat(pull(1.0)[0]), expected, rtol=1e-6, atol=1e-8)
    srcad.check_grads(lambda v: fn(v, extra), (Z,))


# -- aliases made by tuples, loops over rows, helpers and containers --------------------

W2 = np.array([[1.0, 2.0], [3.0, 4.0]])


def swap_rows_by_tuple(A):
    B = A.copy()
    B[0], B[1] = B[1], B[0]     # NumPy: the second write reads the new first row
    return np.sum(B * W2)


def write_through_loop_rows(A):
    B = A.copy()
    for row in B:
        row[0] = row[1] ** 2
    return np.sum(B * W2)


def _first_row(M):
    return M[0]


def _scaled(M):
    return 2.0 * M


def view_from_a_helper(A):
    B = A.copy()
    r = _first_row(B)
    B[0] = A[1]
    return np.sum(r * W2[0])


def fresh_array_from_a_helper(A):
    B = _scaled(A)
    B[0] = A[1] ** 2
    return np.sum(B * W2) + np.sum(A)


def array_held_by_a_list(A, c):
    u = A[0] * 1.0
    hist = [u]
    u[0] = u[0] + c
    return np.sum(hist[0])


def item_of_a_list_written(A, c):
    u = A[0] * 1.0
    hist = [u]
    hist[0][0] = c
    return np.sum(u)


ALIASED = [swap_rows_by_tuple, write_through_loop_rows, view_from_a_helper, array_held_by_a_list]


@pytest.mark.parametrize("fn", ALIASED, ids=[f.__name__ for f in ALIASED])
def test_aliases_made_without_a_view_call_are_refused_in_reverse_mode(fn):
    A = np.array([[1.0, 0.3], [0.1, 0.8]])
    args = (A, 0.7) if fn is array_held_by_a_list else (A,)
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(fn)(*args)
    assert "written in place" in info.value.message


@pytest.mark.parametrize("fn", [swap_rows_by_tuple, write_through_loop_rows, view_from_a_helper])
def test_forward_mode_follows_those_aliases(fn):
    A = np.array([[1.0, 0.3], [0.1, 0.8]])
    expected = numeric_grad(lambda v: fn(v.copy()), (A,), 0)[0]
    got = srcad.jacobian(fn, mode="forward")(A)
    np.testing.assert_allclose(flat(got), expected, rtol=1e-6, atol=1e-8)


def test_a_helper_returning_a_new_array_is_no_alias():
    A = np.array([[1.0, 0.3], [0.1, 0.8]])
    srcad.check_grads(fresh_array_from_a_helper, (A,))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_writing_an_item_another_name_holds_is_refused(mode):
    A = np.array([[1.0, 0.3], [0.1, 0.8]])
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        if mode == "reverse":
            srcad.grad(item_of_a_list_written, wrt=(0, 1))(A, 0.7)
        else:
            srcad.jvp(item_of_a_list_written, (A, 0.7), (np.zeros_like(A), 1.0))
    assert "'hist'" in info.value.message and "'u'" in info.value.message


# -- a name bound to a new array before the write holds no older alias -------------------

def double_buffer(u0):
    u = u0 * 1.0
    for _ in range(3):
        un = np.zeros(3)
        un[0] = u[0]
        un[1] = 0.5 * (u[0] + u[2])
        un[2] = u[1] ** 2
        u = un
    return u @ u


def copy_written_then_rebound(u):
    new = u.copy()
    new[0] = 2.0 * u[1]
    new[1] = 2.0 * u[2]
    u = new
    return np.sum(u ** 2)


def scalar_temp_reused(b):
    y = np.zeros(3)
    for i in range(3):
        s = b[i]
        y[i] = s * s
    x = np.zeros(3)
    for i in range(3):
        s = y[i]
        x[i] = s
    return np.sum(x ** 2)


def copies_swapped_after_the_write(u0):
    a = u0.copy()
    b = u0.copy()
    b[0] = 2.0 * b[0]
    a, b = b, a
    return a @ (b ** 2)


def alias_carried_into_the_next_iteration(x):
    y = np.zeros(3)
    s = np.ones(3)
    u = s
    for i in range(3):
        y[i] = x[i] ** 2
        u = s * 2.0        # in the next iteration s is y, written just before
        s = y
    return np.sum(u)


FRESH = [double_buffer, copy_written_then_rebound, scalar_temp_reused, copies_swapped_after_the_write]


@pytest.mark.parametrize("fn", FRESH, ids=[f.__name__ for f in FRESH])
def test_a_new_array_written_before_any_alias_is_fine(fn):
    srcad.check_grads(fn, (np.array([0.3, -0.7, 1.1]),))


def test_an_alias_carried_around_a_loop_is_still_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError):
        srcad.grad(alias_carried_into_the_next_iteration)(np.array([0.3, -0.7, 1.1]))


def list_changed_through_two_names(x):
    a = [x, 2.0 * x]
    b = a
    a.pop(0)
    return b[0] * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_list_changed_while_another_name_holds_it_is_refused(mode):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        if mode == "reverse":
            srcad.grad(list_changed_through_two_names)(1.3)
        else:
            srcad.jvp(list_changed_through_two_names, (1.3,), (1.0,))
    assert "'b'" in info.value.message


def test_a_zero_tangent_for_an_array_written_into():
    P = np.array([[1.0, 0.2], [0.2, 2.0]])

    def f(P, q):
        P[0, 0] += q
        return np.sum(P ** 2)

    _, t = srcad.jvp(f, (P.copy(), 0.5), (0.0, 1.0))
    assert np.isclose(t, 2 * (1.0 + 0.5))


def argument_written_then_read(P, q):
    P[0, 0] += q
    P[1] = P[1] * q
    return np.sum(P ** 2)


@pytest.mark.parametrize("wrt", [0, 1])
def test_an_argument_written_into_with_the_derivative_taken_for_another(wrt):
    # the gradient with respect to the scalar q runs forward mode, which
    # copies P (and no tangent of P) to write into it
    P = np.array([[1.0, 0.2], [0.2, 2.0]])
    before = P.copy()
    expected = numeric_grad(lambda *a: argument_written_then_read(a[0].copy(), a[1]), (P, 0.5), wrt)[0]
    got = srcad.grad(argument_written_then_read, wrt=wrt)(P, 0.5)
    np.testing.assert_allclose(flat(got), expected, rtol=1e-6, atol=1e-8)
    H = srcad.hessian(argument_written_then_read, wrt=1)(P, 0.5)
    assert np.isclose(H, numeric_grad(lambda *a: srcad.grad(argument_written_then_read, wrt=1)(
        a[0].copy(), a[1]), (P, 0.5), 1)[0][0], rtol=1e-5)
    assert np.array_equal(P, before)


# -- names that never share memory at run time, though the code cannot show it ------------

def two_tap_filter(x, a):
    y = np.zeros_like(x)
    y1 = y2 = 0.0
    for n in range(x.shape[0]):
        y[n] = x[n] + a * y1 - 0.1 * y2
        y2 = y1
        y1 = y[n]          # an entry: a number, no view
    return np.sum(y ** 2)


def ping_pong(u0, alpha):
    a = u0.copy()
    b = np.zeros_like(a)
    for _ in range(3):
        b[1:-1] = a[1:-1] + alpha * (a[2:] - 2 * a[1:-1] + a[:-2])
        a, b = b, a        # two buffers swapped: never the same array
    return np.sum(a ** 2)


@pytest.mark.parametrize("fn,args", [
    (two_tap_filter, (np.array([1.0, -0.5, 0.3, 0.8]), 0.5)),
    (ping_pong, (np.array([0.1, 0.6, 0.9, 0.7, 0.2]), 0.2)),
], ids=["two_tap_filter", "ping_pong"])
def test_buffers_that_never_share_memory_are_checked_when_the_code_runs(fn, args):
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)
    assert "ad.unshared(" in srcad.source(srcad.grad(fn).generated_for(*args))


def list_extended_through_another_name(a, b, c):
    y = [a, b]
    z = y
    y += [c]          # list += extends in place: z holds c too
    return sum(z)


def test_a_list_extended_in_place_while_another_name_holds_it_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError):
        srcad.grad(list_extended_through_another_name)(1.0, 2.0, 3.0)


def rows_repeated_by_star(a, b):
    m = [[0.0] * 2] * 2        # both rows are one list
    m[0][0] = a
    return m[1][0] * b


def one_row_listed_twice(a, b):
    row = [0.0, 0.0]
    m = [row, row]
    m[0][1] = a
    return m[1][1] * b


@pytest.mark.parametrize("fn", [rows_repeated_by_star, one_row_listed_twice])
def test_an_item_a_list_holds_twice_is_not_written_through_one_place(fn):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.jvp(fn, (1.3, 0.4), (1.0, 0.0))
    assert "two places" in info.value.message


def dict_held_by_a_list_changed(W, s):
    d = {"W": W}
    ps = [d]
    d["W"] = d["W"] * s          # ps[0] is d: it sees the change
    return np.sum(ps[0]["W"])


def item_of_a_shallow_copy_changed(W, s):
    ps = [{"W": W}]
    qs = list(ps)                # qs[0] is ps[0]
    qs[0]["W"] = qs[0]["W"] * s
    return np.sum(ps[0]["W"])


def dict_entry_read_then_replaced(W, s):
    params = {"W": W}
    old = params["W"]
    params["W"] = old * s        # old keeps the array it held
    return np.sum(params["W"] * old)


@pytest.mark.parametrize("fn,mode", [(dict_held_by_a_list_changed, "reverse"),
                                     (item_of_a_shallow_copy_changed, "reverse"),
                                     (item_of_a_shallow_copy_changed, "forward")])
def test_a_dict_changed_while_a_list_holds_it_is_refused(fn, mode):
    W = np.array([1.0, 2.0])
    with pytest.raises(srcad.UnsupportedSyntaxError):
        if mode == "reverse":
            srcad.vjp(fn, W, 0.5)[1](1.0)
        else:
            srcad.jvp(fn, (W, 0.5), (np.ones(2), 1.0))


def test_forward_mode_follows_a_dict_a_list_holds():
    # the write goes into the dict itself, and into its tangent dict
    W = np.array([1.0, 2.0])
    _, t = srcad.jvp(dict_held_by_a_list_changed, (W, 0.5), (np.ones(2), 1.0))
    assert np.isclose(t, 0.5 * 2 + 3.0)


def test_an_entry_read_before_it_is_replaced_keeps_its_value():
    srcad.check_grads(dict_entry_read_then_replaced, (np.array([1.0, 2.0]), 0.5))


def zero_d_array_updated_in_place(x):
    s = np.array(0.0)
    t = s
    s += x[0]              # NumPy writes into the array t holds too
    return s * 2 + t


def test_an_in_place_update_of_a_shared_0d_array_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError):
        srcad.grad(zero_d_array_updated_in_place)(np.array([0.3, -1.2]))
