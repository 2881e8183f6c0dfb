"""Calls of functions held in variables (``srcad.dynamic``) find their
derivative at run time. Differentiating such generated code again (a second
derivative through a function passed as a value) has no rule yet: srcad
says so rather than guess."""

from srcad.ruledef import RuleSet

rules = RuleSet("dynamic")

# the method of a differentiated object's class, looked up when the call runs
rules.nondifferentiable("method_of")

# The helpers of rules/numpy_*.py (srcad/rule_helpers.py) appear in first
# derivatives; second derivatives (forward over reverse) need their forward
# rules, given below. A call of a helper that has none (qr_adjoint,
# svd_adjoint, ...) on active values says so.
helpers = RuleSet("rule_helpers")


# Helpers that only reshape or place an adjoint (linear in it, needing only
# the shapes of the other arguments) have forward rules, so that
# Hessian-vector products (forward over reverse) go through them.
from srcad import rule_helpers as rh  # noqa: E402
from srcad.ruledef import ad, d, t  # noqa: E402


@helpers.rule("arange_adjoint")
def arange_adjoint(result, g, which, stop):
    t[result] = rh.arange_adjoint(t[g], which, stop)


@helpers.rule("arange_tangent")
def arange_tangent(result, tstart, tstep, stop, r):
    t[result] = rh.arange_tangent(t[tstart], t[tstep], stop, r)


@helpers.rule("gradient_adjoint")
def gradient_adjoint(result, g, f, varargs, axis=None, edge_order=1):
    t[result] = rh.gradient_adjoint_tangent(t[g], t[varargs], g, f, varargs, axis, edge_order)


@helpers.rule("angle_adjoint")
def angle_adjoint(result, g, z, deg=False):
    t[result] = rh.angle_adjoint(t[g], z, deg) + rh.angle_adjoint_dz(g, z, t[z], deg)
    # g is real; -1j g conj(z) / |z|**2 is -1j g / z, holomorphic in z
    d[g] += ad.real_adjoint(rh.angle_adjoint(d[result], z, deg))
    d[z] += rh.angle_adjoint_dz(g, z, d[result], deg)


@helpers.rule("full_adjoint")
def full_adjoint(result, g, fill_value):
    t[result] = rh.full_adjoint(t[g], fill_value)
    d[g] += ad.broadcast_like(d[result], g)


@helpers.rule("item_adjoint")
def item_adjoint(result, g, a, args):
    t[result] = rh.item_adjoint(t[g], a, args)
    d[g] += rh.gather_adjoint_transpose("item", d[result], g, a, args)


@helpers.rule("trace_adjoint")
def trace_adjoint(result, g, a, offset=0, axis1=0, axis2=1):
    t[result] = rh.trace_adjoint(t[g], a, offset, axis1, axis2)
    d[g] += ad.unbroadcast(rh.trace_adjoint_transpose(d[result], a, offset, axis1, axis2), g)


@helpers.rule("take_adjoint")
def take_adjoint(result, g, a, indices, axis=None, mode="raise"):
    t[result] = rh.take_adjoint(t[g], a, indices, axis, mode)
    d[g] += rh.gather_adjoint_transpose("take", d[result], g, a, indices, axis, mode)


@helpers.rule("constant_only")
def constant_only(result, tv, what):
    t[result] = rh.constant_only(t[tv], what)


@helpers.rule("resize_adjoint")
def resize_adjoint(result, g, a, new_shape):
    t[result] = rh.resize_adjoint(t[g], a, new_shape)
    d[g] += rh.resize_adjoint_transpose(d[result], g, a, new_shape)


@helpers.rule("delete_adjoint")
def delete_adjoint(result, g, arr, obj, axis=None):
    t[result] = rh.delete_adjoint(t[g], arr, obj, axis)
    d[g] += rh.gather_adjoint_transpose("delete", d[result], g, arr, obj, axis)


@helpers.rule("compress_adjoint")
def compress_adjoint(result, g, condition, a, axis=None):
    t[result] = rh.compress_adjoint(t[g], condition, a, axis)
    d[g] += rh.gather_adjoint_transpose("compress", d[result], g, a, condition, axis)


@helpers.rule("extract_adjoint")
def extract_adjoint(result, g, condition, arr):
    t[result] = rh.extract_adjoint(t[g], condition, arr)
    d[g] += rh.gather_adjoint_transpose("extract", d[result], g, arr, condition)


@helpers.rule("sliding_window_adjoint")
def sliding_window_adjoint(result, g, x, window_shape, axis=None):
    t[result] = rh.sliding_window_adjoint(t[g], x, window_shape, axis)
    d[g] += rh.gather_adjoint_transpose("sliding_window", d[result], g, x, window_shape, axis)


@helpers.rule("array_adjoint")
def array_adjoint(result, g, obj):
    t[result] = rh.array_adjoint(t[g], obj)
    d[g] += rh.array_adjoint_transpose(d[result], g, obj)


@helpers.rule("block_adjoint")
def block_adjoint(result, g, arrays):
    t[result] = rh.block_adjoint(t[g], arrays)
    d[g] += rh.block_adjoint_transpose(d[result], g, arrays)


@helpers.rule("block_tangent")
def block_tangent(result, tv, arrays):
    t[result] = rh.block_tangent(t[tv], arrays)


@helpers.rule("poly_pad")
def poly_pad(result, tv, r):
    t[result] = rh.poly_pad(t[tv], r)


@helpers.rule("poly_tail")
def poly_tail(result, g, p):
    t[result] = rh.poly_tail(t[g], p)


@helpers.rule("polymul_tangent")
def polymul_tangent(result, ta, b, r):
    t[result] = rh.polymul_tangent(t[ta], b, r) + rh.polymul_tangent(t[b], ta, r)


@helpers.rule("polymul_adjoint")
def polymul_adjoint(result, g, a, b):
    t[result] = rh.polymul_adjoint(t[g], a, b) + rh.polymul_adjoint(g, a, t[b])


@helpers.rule("poly_linear_adjoint")
def poly_linear_adjoint(result, g, p, kind, m=1):
    t[result] = rh.poly_linear_adjoint(t[g], p, kind, m)


@helpers.rule("polyint_k_tangent")
def polyint_k_tangent(result, tk, p, m=1):
    t[result] = rh.polyint_k_tangent(t[tk], p, m)


@helpers.rule("polyint_k_adjoint")
def polyint_k_adjoint(result, g, p, k, m=1):
    t[result] = rh.polyint_k_adjoint(t[g], p, k, m)


@helpers.rule("ediff1d_tangent")
def ediff1d_tangent(result, tv, which, ary, to_end=None, to_begin=None):
    t[result] = rh.ediff1d_tangent(t[tv], which, ary, to_end, to_begin)


@helpers.rule("ediff1d_adjoint")
def ediff1d_adjoint(result, g, which, ary, to_end=None, to_begin=None):
    t[result] = rh.ediff1d_adjoint(t[g], which, ary, to_end, to_begin)


@helpers.rule("broadcast_arrays_adjoint")
def broadcast_arrays_adjoint(result, g, i, x):
    t[result] = rh.broadcast_arrays_adjoint(t[g], i, x)
    d[g] += rh.broadcast_arrays_adjoint_transpose(d[result], g, i)


@helpers.rule("split_pieces")
def split_pieces(result, g, arrays, axis=0):
    t[result] = rh.split_pieces(t[g], arrays, axis)
    d[g] += rh.split_pieces_transpose(d[result], g, arrays, axis)


@helpers.rule("unstack_pieces")
def unstack_pieces(result, g, arrays, axis=0):
    t[result] = rh.unstack_pieces(t[g], arrays, axis)
    d[g] += rh.unstack_pieces_transpose(d[result], g, arrays, axis)


@helpers.rule("centered")
def centered(result, a, axis=None):
    t[result] = rh.centered(t[a], axis)
    d[a] += ad.unbroadcast(rh.centered(ad.dense(d[result], a), axis), a)


@helpers.rule("nan_centered")
def nan_centered(result, a, axis=None):
    t[result] = rh.nan_centered_tangent(t[a], a, axis)
    d[a] += rh.nan_centered_tangent(d[result], a, axis)


@helpers.rule("nan_centered_tangent")
def nan_centered_tangent(result, ta, a, axis=None):
    t[result] = rh.nan_centered_tangent(t[ta], a, axis)
    d[ta] += rh.nan_centered_tangent(d[result], a, axis)


@helpers.rule("sinc_derivative")
def sinc_derivative(out, x, result):
    """Along ``x``, with ``result`` the ``sinc(x)`` it moves with."""
    t[out] = rh.sinc_second_derivative(x, out) * t[x]
    d[x] += ad.unbroadcast(d[out] * rh.sinc_second_derivative(x, out), x)


helpers.nondifferentiable("extremum_weights", "ptp_weights", "clip_select", "tie_weights", "is_zero", "var_dof", "nan_count", "tensordot_axes",
                          "last_two", "norm_axes", "inverse_permutation", "sort_permutation",
                          "partition_permutation", "select_default_mask", "polyfit_column")


@helpers.rule("norm_partials")
def norm_partials(out, x, ord=None, axis=None, keepdims=False, result=None):
    t[out] = rh.norm_partials_tangent_x(t[x], x, ord, axis, keepdims, result) \
        + rh.norm_partials_tangent_r(t[result], x, ord, axis, keepdims, result)
    # with the norm held fixed, the partials' derivative in x is the norm's
    # Hessian there, self-adjoint
    d[x] += rh.norm_partials_tangent_x(d[out], x, ord, axis, keepdims, result)
    d[result] += rh.norm_partials_result_adjoint(d[out], x, ord, axis, keepdims, result)


@helpers.rule("vector_norm_partials")
def vector_norm_partials(out, x, axis=None, ord=2, keepdims=False, result=None):
    t[out] = rh.vector_norm_partials_tangent(t[x], None, x, axis, ord, keepdims, result) \
        + rh.vector_norm_partials_tangent(None, t[result], x, axis, ord, keepdims, result)


@helpers.rule("matrix_norm_partials")
def matrix_norm_partials(out, x, ord="fro", keepdims=False, result=None):
    t[out] = rh.matrix_norm_partials_tangent(t[x], None, x, ord, keepdims, result) \
        + rh.matrix_norm_partials_tangent(None, t[result], x, ord, keepdims, result)


@helpers.rule("tolist_tangent")
def tolist_tangent(result, tx, a):
    t[result] = rh.tolist_tangent(t[tx], a)


@helpers.rule("tolist_adjoint")
def tolist_adjoint(result, g, a):
    t[result] = rh.tolist_adjoint(t[g], a)
    d[g] += rh.tolist_adjoint_transpose(d[result], a)


# More adjoints that only reshape, reorder, gather or sum their adjoint
# argument (the other arguments give shapes, axes or indices).
@helpers.rule("cumsum_adjoint")
def cumsum_adjoint(result, g, a, axis=None):
    t[result] = rh.cumsum_adjoint(t[g], a, axis)
    d[g] += ad.unbroadcast(rh.cumsum_adjoint_transpose(d[result], axis), g)


@helpers.rule("cumulative_sum_adjoint")
def cumulative_sum_adjoint(result, g, x, axis=None, include_initial=False):
    t[result] = rh.cumulative_sum_adjoint(t[g], x, axis, include_initial)


@helpers.rule("diagonal_adjoint")
def diagonal_adjoint(result, g, a, offset=0, axis1=0, axis2=1):
    t[result] = rh.diagonal_adjoint(t[g], a, offset, axis1, axis2)
    d[g] += rh.gather_adjoint_transpose("diagonal", d[result], g, a, offset, axis1, axis2)


@helpers.rule("diag_adjoint")
def diag_adjoint(result, g, v, k=0):
    t[result] = rh.diag_adjoint(t[g], v, k)
    d[g] += rh.diag_adjoint_transpose(d[result], g, k)


@helpers.rule("diagflat_adjoint")
def diagflat_adjoint(result, g, v, k=0):
    t[result] = rh.diagflat_adjoint(t[g], v, k)


@helpers.rule("unravel")
def unravel(result, g, a, order="C"):
    t[result] = rh.unravel(t[g], a, order)
    d[g] += rh.unravel_transpose(d[result], g, order)


@helpers.rule("rollaxis_adjoint")
def rollaxis_adjoint(result, g, a, axis, start=0):
    t[result] = rh.rollaxis_adjoint(t[g], a, axis, start)


@helpers.rule("repeat_adjoint")
def repeat_adjoint(result, g, a, repeats, axis=None):
    t[result] = rh.repeat_adjoint(t[g], a, repeats, axis)
    d[g] += rh.gather_adjoint_transpose("repeat", d[result], g, a, repeats, axis)


@helpers.rule("tile_adjoint")
def tile_adjoint(result, g, A, reps):
    t[result] = rh.tile_adjoint(t[g], A, reps)
    d[g] += rh.gather_adjoint_transpose("tile", d[result], g, A, reps)


@helpers.rule("take_along_axis_adjoint")
def take_along_axis_adjoint(result, g, arr, indices, axis=-1):
    t[result] = rh.take_along_axis_adjoint(t[g], arr, indices, axis)
    d[g] += rh.gather_adjoint_transpose("take_along_axis", d[result], g, arr, indices, axis)


@helpers.rule("pad_adjoint")
def pad_adjoint(result, g, array, pad_width, mode="constant", reflect_type="even", stat_length=None):
    t[result] = rh.pad_adjoint(t[g], array, pad_width, mode, reflect_type, stat_length)
    d[g] += rh.gather_adjoint_transpose("pad", d[result], g, array, pad_width, mode, reflect_type, stat_length)


@helpers.rule("unpermute")
def unpermute(result, g, perm, a, axis=-1):
    t[result] = rh.unpermute(t[g], perm, a, axis)
    d[g] += ad.unbroadcast(rh.permute(ad.dense(d[result], a), perm, axis), g)


# Adjoints of linear solves and inverses: linear in the adjoint, and
# through the factors by the product rule.
@helpers.rule("solve_b_adjoint")
def solve_b_adjoint(result, g, a):
    t[result] = rh.solve_b_adjoint(t[g], a) + rh.solve_b_adjoint_ta(g, a, t[a])
    d[g] += rh.solve_b_adjoint_transpose(d[result], g, a, result, "g")
    d[a] += rh.solve_b_adjoint_transpose(d[result], g, a, result, "a")


@helpers.rule("solve_a_adjoint")
def solve_a_adjoint(result, g, a, x):
    t[result] = rh.solve_a_adjoint(t[g], a, x) + rh.solve_a_adjoint_ta(g, a, x, t[a]) \
        + rh.solve_a_adjoint_tx(g, a, t[x])
    d[g] += rh.solve_a_adjoint_transpose(d[result], g, a, x, "g")
    d[a] += rh.solve_a_adjoint_transpose(d[result], g, a, x, "a")
    d[x] += rh.solve_a_adjoint_transpose(d[result], g, a, x, "x")


@helpers.rule("inv_adjoint")
def inv_adjoint(result, g, ainv):
    t[result] = rh.inv_adjoint(t[g], ainv) + rh.inv_adjoint_tangent(g, ainv, t[ainv])
    d[g] += rh.inv_adjoint_transpose(d[result], g, ainv, "g")
    d[ainv] += rh.inv_adjoint_transpose(d[result], g, ainv, "ainv")


@helpers.rule("det_adjoint")
def det_adjoint(result, g, a, d):
    t[result] = rh.det_adjoint(t[g], a, d) + rh.det_adjoint_tangent(g, a, d, t[a], t[d])
    d[g] += rh.det_adjoint_transpose(d[result], g, a, d, "g")
    d[a] += rh.det_adjoint_transpose(d[result], g, a, d, "a")


@helpers.rule("concat_pieces")
def concat_pieces(out, g, result, axis=0):
    t[out] = rh.concat_pieces(t[g], result, axis)


@helpers.rule("stack_pieces")
def stack_pieces(out, g, result, axis=0):
    t[out] = rh.stack_pieces(t[g], result, axis)


# Adjoints of products: linear in the adjoint, and linear in each operand
# other than the one they belong to (whose values they do not read), so the
# operand tangents enter through ``X_tangent(..., k, t[operand_k])``, which is
# zero for ``k == which``.
@helpers.rule("inner_adjoint")
def inner_adjoint(result, g, a, b, which):
    t[result] = rh.inner_adjoint(t[g], a, b, which) \
        + rh.inner_adjoint_tangent(g, a, b, which, 0, t[a]) \
        + rh.inner_adjoint_tangent(g, a, b, which, 1, t[b])
    d[g] += rh.product_adjoint_transpose("inner", d[result], g, a, b, which)
    d[a] += rh.product_adjoint_transpose("inner", d[result], g, a, b, which, 0)
    d[b] += rh.product_adjoint_transpose("inner", d[result], g, a, b, which, 1)


@helpers.rule("vdot_adjoint")
def vdot_adjoint(result, g, other, like, conj_other=False):
    t[result] = rh.vdot_adjoint(t[g], other, like, conj_other) \
        + rh.vdot_adjoint_tangent(g, t[other], other, like, conj_other)
    d[g] += rh.vdot_adjoint_transpose(d[result], g, other, like, conj_other, "g")
    d[other] += rh.vdot_adjoint_transpose(d[result], g, other, like, conj_other, "other")


@helpers.rule("outer_adjoint")
def outer_adjoint(result, g, a, b, which):
    t[result] = rh.outer_adjoint(t[g], a, b, which) \
        + rh.outer_adjoint_tangent(g, a, b, which, 0, t[a]) \
        + rh.outer_adjoint_tangent(g, a, b, which, 1, t[b])
    d[g] += rh.product_adjoint_transpose("outer", d[result], g, a, b, which)
    d[a] += rh.product_adjoint_transpose("outer", d[result], g, a, b, which, 0)
    d[b] += rh.product_adjoint_transpose("outer", d[result], g, a, b, which, 1)


@helpers.rule("tensordot_adjoint")
def tensordot_adjoint(result, g, a, b, axes, which):
    t[result] = rh.tensordot_adjoint(t[g], a, b, axes, which) \
        + rh.tensordot_adjoint_tangent(g, a, b, axes, which, 0, t[a]) \
        + rh.tensordot_adjoint_tangent(g, a, b, axes, which, 1, t[b])
    d[g] += rh.product_adjoint_transpose("tensordot", d[result], g, a, b, which, None, axes)
    d[a] += rh.product_adjoint_transpose("tensordot", d[result], g, a, b, which, 0, axes)
    d[b] += rh.product_adjoint_transpose("tensordot", d[result], g, a, b, which, 1, axes)


@helpers.rule("kron_adjoint")
def kron_adjoint(result, g, a, b, which):
    t[result] = rh.kron_adjoint(t[g], a, b, which) \
        + rh.kron_adjoint_tangent(g, a, b, which, 0, t[a]) \
        + rh.kron_adjoint_tangent(g, a, b, which, 1, t[b])
    d[g] += rh.product_adjoint_transpose("kron", d[result], g, a, b, which)
    d[a] += rh.product_adjoint_transpose("kron", d[result], g, a, b, which, 0)
    d[b] += rh.product_adjoint_transpose("kron", d[result], g, a, b, which, 1)


@helpers.rule("cross_adjoint")
def cross_adjoint(result, g, a, b, which, axisa=-1, axisb=-1, axisc=-1, axis=None):
    t[result] = rh.cross_adjoint(t[g], a, b, which, axisa, axisb, axisc, axis) \
        + rh.cross_adjoint_tangent(g, a, b, which, 0, t[a], axisa, axisb, axisc, axis) \
        + rh.cross_adjoint_tangent(g, a, b, which, 1, t[b], axisa, axisb, axisc, axis)
    d[g] += rh.product_adjoint_transpose("cross", d[result], g, a, b, which, None, axisa, axisb, axisc, axis)
    d[a] += rh.product_adjoint_transpose("cross", d[result], g, a, b, which, 0, axisa, axisb, axisc, axis)
    d[b] += rh.product_adjoint_transpose("cross", d[result], g, a, b, which, 1, axisa, axisb, axisc, axis)


@helpers.rule("vecdot_adjoint")
def vecdot_adjoint(result, g, x1, x2, which, axis=-1):
    t[result] = rh.vecdot_adjoint(t[g], x1, x2, which, axis) \
        + rh.vecdot_adjoint_tangent(g, x1, x2, which, 0, t[x1], axis) \
        + rh.vecdot_adjoint_tangent(g, x1, x2, which, 1, t[x2], axis)


@helpers.rule("matvec_adjoint")
def matvec_adjoint(result, g, a, v, which):
    t[result] = rh.matvec_adjoint(t[g], a, v, which) \
        + rh.matvec_adjoint_tangent(g, a, v, which, 0, t[a]) \
        + rh.matvec_adjoint_tangent(g, a, v, which, 1, t[v])
    d[g] += rh.product_adjoint_transpose("matvec", d[result], g, a, v, which)
    d[a] += rh.product_adjoint_transpose("matvec", d[result], g, a, v, which, 0)
    d[v] += rh.product_adjoint_transpose("matvec", d[result], g, a, v, which, 1)


@helpers.rule("vecmat_adjoint")
def vecmat_adjoint(result, g, v, a, which):
    t[result] = rh.vecmat_adjoint(t[g], v, a, which) \
        + rh.vecmat_adjoint_tangent(g, v, a, which, 0, t[v]) \
        + rh.vecmat_adjoint_tangent(g, v, a, which, 1, t[a])


@helpers.rule("convolve_adjoint")
def convolve_adjoint(result, g, a, v, which, mode="full"):
    t[result] = rh.convolve_adjoint(t[g], a, v, which, mode) \
        + rh.convolve_adjoint_tangent(g, a, v, which, 0, t[a], mode) \
        + rh.convolve_adjoint_tangent(g, a, v, which, 1, t[v], mode)
    d[g] += rh.product_adjoint_transpose("convolve", d[result], g, a, v, which, None, mode)
    d[a] += rh.product_adjoint_transpose("convolve", d[result], g, a, v, which, 0, mode)
    d[v] += rh.product_adjoint_transpose("convolve", d[result], g, a, v, which, 1, mode)


@helpers.rule("correlate_adjoint")
def correlate_adjoint(result, g, a, v, which, mode="valid"):
    t[result] = rh.correlate_adjoint(t[g], a, v, which, mode) \
        + rh.correlate_adjoint_tangent(g, a, v, which, 0, t[a], mode) \
        + rh.correlate_adjoint_tangent(g, a, v, which, 1, t[v], mode)
    d[g] += rh.product_adjoint_transpose("correlate", d[result], g, a, v, which, None, mode)
    d[a] += rh.product_adjoint_transpose("correlate", d[result], g, a, v, which, 0, mode)
    d[v] += rh.product_adjoint_transpose("correlate", d[result], g, a, v, which, 1, mode)


@helpers.rule("einsum_adjoint")
def einsum_adjoint(result, g, subscripts, operands, i):
    t[result] = rh.einsum_adjoint(t[g], subscripts, operands, i) \
        + rh.einsum_adjoint_tangent(g, subscripts, operands, i, t[operands])
    d[g] += rh.einsum_adjoint_transpose(d[result], g, subscripts, operands, i)
    d[operands] += rh.einsum_adjoint_operands(d[result], g, subscripts, operands, i)


# Reductions and cumulative products.
@helpers.rule("prod_partials")
def prod_partials(result, a, axis=None, initial=None, nan=False):
    t[result] = rh.prod_partials_tangent(t[a], a, axis, initial, nan) \
        + rh.prod_partials(a, axis, t[initial], nan)
    # the partials of a product are its gradient: their derivative, its
    # Hessian, is self-adjoint
    d[a] += rh.prod_partials_tangent(d[result], a, axis, initial, nan)
    d[initial] += ad.unbroadcast(d[result] * rh.prod_partials(a, axis, None, nan), initial)


@helpers.rule("cumprod_vjp")
def cumprod_vjp(out, g, a, result, axis=None):
    """``result`` is ``cumprod(a)``: its tangent is the one ``t[a]`` gives,
    which ``cumprod_vjp_tangent`` accounts for."""
    t[out] = rh.cumprod_vjp(t[g], a, result, axis) + rh.cumprod_vjp_tangent(g, a, result, axis, t[a])
    # the transpose in g is cumprod's tangent map; in a, the Hessian of
    # <g, cumprod(a)>, self-adjoint (all of it through a: result moves with a)
    d[g] += ad.unbroadcast(rh.cumprod_jvp(ad.dense(d[out], a), a, result, axis), g)
    d[a] += rh.cumprod_vjp_tangent(g, a, result, axis, d[out])


@helpers.rule("cumulative_prod_adjoint")
def cumulative_prod_adjoint(out, g, x, result, axis=None, include_initial=False):
    t[out] = rh.cumulative_prod_adjoint(t[g], x, result, axis, include_initial) \
        + rh.cumulative_prod_adjoint_tangent(g, x, result, axis, include_initial, t[x])


# Adjoints that only cut, place or reorder their adjoint argument (the others
# give shapes, or select by order: piecewise constant).
@helpers.rule("diff_vjp")
def diff_vjp(result, g, which, a, n=1, axis=-1, prepend=None, append=None):
    t[result] = rh.diff_vjp(t[g], which, a, n, axis, prepend, append)
    d[g] += rh.diff_vjp_transpose(d[result], g, which, a, n, axis, prepend, append)


@helpers.rule("join_adjoint")
def join_adjoint(result, g, arrays, kind):
    t[result] = rh.join_adjoint(t[g], arrays, kind)
    d[g] += rh.join_adjoint_transpose(d[result], g, arrays, kind)


@helpers.rule("nan_quantile_vjp")
def nan_quantile_vjp(result, g, a, q, axis=None, method="linear"):
    t[result] = rh.nan_quantile_vjp(t[g], a, q, axis, method)


@helpers.rule("nan_quantile_jvp")
def nan_quantile_jvp(result, ta, a, q, r, axis=None, method="linear"):
    t[result] = rh.nan_quantile_jvp(t[ta], a, q, r, axis, method)


@helpers.rule("quantile_vjp")
def quantile_vjp(result, g, a, q, axis=None, method="linear"):
    t[result] = rh.quantile_vjp(t[g], a, q, axis, method)
    d[g] += rh.quantile_vjp_transpose(d[result], g, a, q, axis, method)


@helpers.rule("slogdet_adjoint")
def slogdet_adjoint(result, g, a):
    t[result] = rh.slogdet_adjoint(t[g], a) + rh.slogdet_adjoint_tangent(g, a, t[a])
    d[g] += rh.slogdet_adjoint_transpose(d[result], g, a, "g")
    d[a] += rh.slogdet_adjoint_transpose(d[result], g, a, "a")


@helpers.rule("meshgrid_adjoint")
def meshgrid_adjoint(result, g, i, xs, sparse=False, indexing="xy"):
    t[result] = rh.meshgrid_adjoint(t[g], i, xs, sparse, indexing)


@helpers.rule("select_adjoint")
def select_adjoint(result, g, condlist, choicelist):
    t[result] = rh.select_adjoint(t[g], condlist, choicelist)
    d[g] += rh.select_adjoint_transpose(d[result], g, condlist, choicelist)


@helpers.rule("choose_adjoint")
def choose_adjoint(result, g, a, choices, mode="raise"):
    t[result] = rh.choose_adjoint(t[g], a, choices, mode)


@helpers.rule("choose_tangent")
def choose_tangent(result, a, tangents, choices, mode="raise"):
    t[result] = rh.choose_tangent(a, t[tangents], choices, mode)


@helpers.rule("trapezoid_vjp_y")
def trapezoid_vjp_y(result, g, y, x=None, dx=1.0, axis=-1):
    t[result] = rh.trapezoid_vjp_y(t[g], y, x, dx, axis) \
        + rh.trapezoid_vjp_y_tangent(g, y, x, dx, axis, "x", t[x]) \
        + rh.trapezoid_vjp_y_tangent(g, y, x, dx, axis, "dx", t[dx])
    # <h, vjp_y(g)> = <g, trapezoid(h)>: the tangent map in g, the points'
    # and the spacing's adjoints with h in place of y
    d[g] += ad.unbroadcast(rh.trapezoid_jvp_y(ad.dense(d[result], y), y, x, dx, axis), g)
    d[x] += rh.trapezoid_vjp_x(g, ad.dense(d[result], y), x, axis)
    d[dx] += xp.sum(g * rh.trapezoid_dx_partial(ad.dense(d[result], y), x, axis))


@helpers.rule("trapezoid_vjp_x")
def trapezoid_vjp_x(result, g, y, x, axis=-1):
    t[result] = rh.trapezoid_vjp_x(t[g], y, x, axis) + rh.trapezoid_vjp_x_tangent(g, t[y], y, x, axis)
    # bilinear in g and y: <h, vjp_x(g, y)> = <g, trapezoid(y, x=h)>
    d[g] += ad.unbroadcast(rh.trapezoid_jvp_x(ad.dense(d[result], x), y, x, axis), g)
    d[y] += rh.trapezoid_vjp_y(g, y, ad.dense(d[result], x), 1.0, axis)


@helpers.rule("trapezoid_dx_partial")
def trapezoid_dx_partial(result, y, x=None, axis=-1):
    t[result] = rh.trapezoid_dx_partial_tangent(t[y], y, x, axis)
    d[y] += rh.trapezoid_dx_partial_adjoint(d[result], y, x, axis)


@helpers.rule("average_vjp_a")
def average_vjp_a(result, g, a, weights=None, axis=None, keepdims=False, returned=False):
    t[result] = rh.average_vjp_a(t[g], a, weights, axis, keepdims, returned) \
        + rh.average_vjp_a_tangent(g, a, weights, t[weights], axis, keepdims, returned)
    d[g] += ad.unbroadcast(rh.average_jvp_a(ad.dense(d[result], a), a, weights, axis, keepdims, returned), g)
    d[weights] += rh.average_second("a_w", d[result], g, a, weights, None, axis, keepdims, returned)


@helpers.rule("average_vjp_w")
def average_vjp_w(out, g, a, weights, result, axis=None, keepdims=False, returned=False):
    t[out] = rh.average_vjp_w(t[g], a, weights, result, axis, keepdims) \
        + rh.average_vjp_w_tangent(g, a, weights, result, "a", t[a], axis, keepdims) \
        + rh.average_vjp_w_tangent(g, a, weights, result, "weights", t[weights], axis, keepdims) \
        + rh.average_vjp_w_tangent(g, a, weights, result, "result", t[result], axis, keepdims)
    d[g] += ad.unbroadcast(rh.average_jvp_w(ad.dense(d[out], weights), a, weights, result, axis, keepdims,
                                            returned), g)
    d[a] += rh.average_second("w_a", d[out], g, a, weights, result, axis, keepdims, returned)
    d[weights] += rh.average_second("w_w", d[out], g, a, weights, result, axis, keepdims, returned)


@helpers.rule("cov_adjoint")
def cov_adjoint(result, g, which, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
                aweights=None):
    t[result] = rh.cov_adjoint(t[g], which, m, y, rowvar, bias, ddof, fweights, aweights) \
        + rh.cov_adjoint_tangent(g, which, 0, t[m], m, y, rowvar, bias, ddof, fweights, aweights) \
        + rh.cov_adjoint_tangent(g, which, 1, t[y], m, y, rowvar, bias, ddof, fweights, aweights)
    # the gradient in operand `which` of <g, cov(m, y)> (quadratic): its
    # derivatives are mixed second derivatives, symmetric in the operands
    d[g] += ad.unbroadcast(rh.cov_tangent(d[result], which, m, y, rowvar, bias, ddof, fweights, aweights), g)
    d[m] += rh.cov_adjoint_tangent(g, 0, which, d[result], m, y, rowvar, bias, ddof, fweights, aweights)
    d[y] += rh.cov_adjoint_tangent(g, 1, which, d[result], m, y, rowvar, bias, ddof, fweights, aweights)


@helpers.rule("polyval_p_adjoint")
def polyval_p_adjoint(result, g, p, x):
    t[result] = rh.polyval_p_adjoint(t[g], p, x) + rh.polyval_p_adjoint_tangent(g, p, x, t[x])
    d[g] += ad.unbroadcast(rh.polyval_p_adjoint_transpose(d[result], g, p, x, "g"), g)
    d[x] += ad.unbroadcast(rh.polyval_p_adjoint_transpose(d[result], g, p, x, "x"), x)


@helpers.rule("polyval_slope")
def polyval_slope(result, p, x):
    t[result] = rh.polyval_slope_tangent(p, x, "p", t[p]) + rh.polyval_slope_tangent(p, x, "x", t[x])
    d[p] += rh.polyval_slope_p_adjoint(d[result], p, x)
    d[x] += ad.unbroadcast(rh.polyval_slope_tangent(p, x, "x", d[result]), x)


@helpers.rule("polyfit_square_weights")
def polyfit_square_weights(result, w, x):
    t[result] = 2.0 * w * t[w]


@helpers.rule("vander_partials")
def vander_partials(result, x, N=None, increasing=False):
    t[result] = rh.vander_partials_tangent(t[x], x, N, increasing)


@helpers.rule("interp_adjoint")
def interp_adjoint(result, g, which, x, xp_, fp, left=None, right=None, period=None):
    """The segments and masks are piecewise constant; ``left``/``right`` enter no adjoint."""
    t[result] = rh.interp_adjoint(t[g], which, x, xp_, fp, left, right, period) \
        + rh.interp_adjoint_tangent(g, which, "x", t[x], x, xp_, fp, left, right, period) \
        + rh.interp_adjoint_tangent(g, which, "xp", t[xp_], x, xp_, fp, left, right, period) \
        + rh.interp_adjoint_tangent(g, which, "fp", t[fp], x, xp_, fp, left, right, period)
    # the gradient in `which` of <g, interp(...)>: second derivatives,
    # symmetric in the two arguments they are taken in
    d[g] += ad.unbroadcast(rh.interp_tangent(d[result], which, x, xp_, fp, left, right, period), g)
    d[x] += rh.interp_adjoint_tangent(g, "x", which, d[result], x, xp_, fp, left, right, period)
    d[xp_] += rh.interp_adjoint_tangent(g, "xp", which, d[result], x, xp_, fp, left, right, period)
    d[fp] += rh.interp_adjoint_tangent(g, "fp", which, d[result], x, xp_, fp, left, right, period)


# Factorizations: the adjoint through the factor (or the eigenvectors).
@helpers.rule("cholesky_adjoint")
def cholesky_adjoint(result, g, L, upper=False):
    t[result] = rh.cholesky_adjoint(t[g], L, upper) + rh.cholesky_adjoint_tangent(g, L, t[L], upper)
    d[g] += rh.cholesky_adjoint_transpose(d[result], g, L, upper, "g")
    d[L] += rh.cholesky_adjoint_transpose(d[result], g, L, upper, "L")


@helpers.rule("eigh_adjoint")
def eigh_adjoint(out, g, result, UPLO="L"):
    t[out] = rh.eigh_adjoint(t[g], result, UPLO) + rh.eigh_adjoint_tangent(g, result, t[result], UPLO)


@helpers.rule("eigvalsh_adjoint")
def eigvalsh_adjoint(result, g, a, w, UPLO="L"):
    """``w`` enters only through the eigenvectors, which are recomputed from ``a``."""
    t[result] = rh.eigvalsh_adjoint(t[g], a, w, UPLO) + rh.eigvalsh_adjoint_tangent(g, a, w, t[a], UPLO)
    d[g] += ad.unbroadcast(rh.eigvalsh_jvp(a, w, ad.dense(d[result], a), UPLO), g)
    d[a] += rh.eigvalsh_adjoint_tangent(g, a, w, d[result], UPLO)


@helpers.rule("nan_to")
def nan_to(result, a, value):
    t[result] = rh.nan_zero(t[a], a) + rh.nan_to_value_tangent(t[value], a)


@helpers.rule("nan_zero")
def nan_zero(result, tx, a):
    t[result] = rh.nan_zero(t[tx], a)
    d[tx] += rh.nan_zero(d[result], a)


@helpers.rule("linspace_adjoint")
def linspace_adjoint(out, g, result, num, endpoint=True, axis=0, which=1, retstep=False):
    t[out] = rh.linspace_adjoint(t[g], result, num, endpoint, axis, which, retstep)


@helpers.rule("logspace_adjoint")
def logspace_adjoint(out, g, result, num, endpoint=True, base=10.0, axis=0, which=1):
    t[out] = rh.logspace_adjoint(t[g], result, num, endpoint, base, axis, which) \
        + rh.logspace_adjoint_tangent(g, t[result], result, num, endpoint, base, axis, which)


@helpers.rule("geomspace_adjoint")
def geomspace_adjoint(out, g, value, result, num, endpoint=True, axis=0, which=1):
    t[out] = rh.geomspace_adjoint(t[g], value, result, num, endpoint, axis, which) \
        + rh.geomspace_adjoint_tangent(g, value, result, "value", t[value], num, endpoint, axis, which) \
        + rh.geomspace_adjoint_tangent(g, value, result, "result", t[result], num, endpoint, axis, which)


@helpers.rule("insert_adjoint")
def insert_adjoint(result, g, which, arr, obj, values, axis=None):
    t[result] = rh.insert_adjoint(t[g], which, arr, obj, values, axis)
    d[g] += rh.joined_adjoint_transpose("insert", d[result], g, which, arr, values, obj, axis)


@helpers.rule("append_adjoint")
def append_adjoint(result, g, which, arr, values, axis=None):
    t[result] = rh.append_adjoint(t[g], which, arr, values, axis)
    d[g] += rh.joined_adjoint_transpose("append", d[result], g, which, arr, values, axis)


@helpers.rule("fft_adjoint")
def fft_adjoint(result, g, a, kind, n=None, axis=-1, norm=None, s=None, axes=None):
    t[result] = rh.fft_adjoint(t[g], a, kind, n, axis, norm, s, axes)
    d[g] += rh.fft_adjoint_transpose(d[result], g, a, kind, n, axis, norm, s, axes)


@helpers.rule("irfftn_adjoint")
def irfftn_adjoint(result, g, a, s=None, axes=None, norm=None, default_last=0):
    t[result] = rh.irfftn_adjoint(t[g], a, s, axes, norm, default_last)
    d[g] += rh.irfft_adjoint_transpose(d[result], g, a, None, -1, norm, s, axes, default_last)


@helpers.rule("irfft_adjoint")
def irfft_adjoint(result, g, a, n=None, axis=-1, norm=None):
    t[result] = rh.irfft_adjoint(t[g], a, n, axis, norm)
    d[g] += rh.irfft_adjoint_transpose(d[result], g, a, n, axis, norm)


@helpers.rule("pinv_adjoint")
def pinv_adjoint(result, g, a, p):
    t[result] = rh.pinv_adjoint(t[g], a, p) + rh.pinv_adjoint_tangent(g, a, p, t[a], t[p])
    # the gradient of <g, pinv(a)> (p is pinv(a), moving with a): the
    # tangent map for g; its derivative in a (all of it: p follows a), a
    # Hessian, self-adjoint
    d[g] += ad.unbroadcast(rh.pinv_jvp(a, p, ad.dense(d[result], a)), g)
    d[a] += rh.pinv_adjoint_tangent(g, a, p, ad.dense(d[result], a), rh.pinv_jvp(a, p, ad.dense(d[result], a)))


@helpers.rule("svd_adjoint")
def svd_adjoint(result, g, a, factors, full_matrices=True, compute_uv=True):
    t[result] = rh.svd_adjoint(t[g], a, factors, full_matrices, compute_uv) \
        + rh.svd_adjoint_tangent(g, a, factors, full_matrices, compute_uv, t[a])


@helpers.rule("integral_adjoint")
def integral_adjoint(result, g, y, fn, x, dx, axis, initial=None):
    t[result] = rh.integral_adjoint(t[g], y, fn, x, dx, axis, initial)


@helpers.rule("lstsq_adjoint")
def lstsq_adjoint(result, g, a, b, solution, which):
    t[result] = rh.lstsq_adjoint(t[g], a, b, solution, which) \
        + rh.lstsq_adjoint_tangent(g, a, b, solution, which, t[a], None) \
        + rh.lstsq_adjoint_tangent(g, a, b, solution, which, None, t[b])


@helpers.rule("matrix_power_adjoint")
def matrix_power_adjoint(result, g, a, n):
    t[result] = rh.matrix_power_adjoint(t[g], a, n) + rh.matrix_power_adjoint_tangent(g, a, n, t[a])
    # the gradient of <g, matrix_power(a, n)>: its derivative in a is a
    # Hessian, self-adjoint; in g, the tangent map
    d[g] += ad.unbroadcast(rh.matrix_power_jvp(ad.dense(d[result], a), a, n), g)
    d[a] += rh.matrix_power_adjoint_tangent(g, a, n, d[result])


@helpers.rule("multi_dot_adjoint")
def multi_dot_adjoint(result, g, arrays):
    t[result] = rh.multi_dot_adjoint(t[g], arrays) + rh.multi_dot_adjoint_tangent(g, arrays, t[arrays])
    d[g] += ad.unbroadcast(rh.multi_dot_jvp(rh.dense_entries(d[result], arrays), arrays), g)
    d[arrays] += rh.multi_dot_adjoint_tangent(g, arrays, rh.dense_entries(d[result], arrays))


@helpers.rule("imag_adjoint")
def imag_adjoint(result, g, x):
    t[result] = rh.imag_adjoint(t[g], x)
    d[g] += ad.real_adjoint(rh.imag_adjoint(d[result], x))


@helpers.rule("logsumexp_terms")
def logsumexp_terms(out, a, b, result, axis=None, keepdims=False, return_sign=False):
    """``out`` is ``exp(a - result)``, ``result`` kept along the reduced axes."""
    t[out] = out * (t[a] - rh.keep(t[result], out, axis, keepdims))
    d[a] += ad.unbroadcast(d[out] * out, a)
    d[result] -= rh.keep_transpose(d[out] * out, result, axis, keepdims)


@helpers.rule("logsumexp_weights")
def logsumexp_weights(out, a, b, result, axis=None, keepdims=False, return_sign=False):
    """``out`` is ``b * exp(a - result)``."""
    t[out] = out * (t[a] - rh.keep(t[result], out, axis, keepdims)) \
        + rh.logsumexp_terms(a, b, result, axis, keepdims, return_sign) * t[b]
    d[a] += ad.unbroadcast(d[out] * out, a)
    d[result] -= rh.keep_transpose(d[out] * out, result, axis, keepdims)
    d[b] += ad.unbroadcast(d[out] * rh.logsumexp_terms(a, b, result, axis, keepdims, return_sign), b)


# Forward over reverse mode code differentiated again in reverse mode (a
# Hessian inside a function being differentiated): the tangents of the
# adjoints of products, bilinear in the adjoint and the operand's tangent.
@helpers.rule("permute")
def permute(result, v, perm, axis=-1):
    t[result] = rh.permute(t[v], perm, axis)
    d[v] += rh.unpermute(d[result], perm, v, axis)


@helpers.rule("inner_adjoint_tangent")
def inner_adjoint_tangent(result, g, a, b, which, k, tk):
    t[result] = rh.inner_adjoint_tangent(t[g], a, b, which, k, tk) \
        + rh.inner_adjoint_tangent(g, a, b, which, k, t[tk])
    d[g] += rh.product_tangent_transpose("inner", d[result], g, a, b, which, k, tk, "g")
    d[tk] += rh.product_tangent_transpose("inner", d[result], g, a, b, which, k, tk, "t")


@helpers.rule("outer_adjoint_tangent")
def outer_adjoint_tangent(result, g, a, b, which, k, tk):
    t[result] = rh.outer_adjoint_tangent(t[g], a, b, which, k, tk) \
        + rh.outer_adjoint_tangent(g, a, b, which, k, t[tk])
    d[g] += rh.product_tangent_transpose("outer", d[result], g, a, b, which, k, tk, "g")
    d[tk] += rh.product_tangent_transpose("outer", d[result], g, a, b, which, k, tk, "t")


@helpers.rule("kron_adjoint_tangent")
def kron_adjoint_tangent(result, g, a, b, which, k, tk):
    t[result] = rh.kron_adjoint_tangent(t[g], a, b, which, k, tk) \
        + rh.kron_adjoint_tangent(g, a, b, which, k, t[tk])
    d[g] += rh.product_tangent_transpose("kron", d[result], g, a, b, which, k, tk, "g")
    d[tk] += rh.product_tangent_transpose("kron", d[result], g, a, b, which, k, tk, "t")


@helpers.rule("matvec_adjoint_tangent")
def matvec_adjoint_tangent(result, g, a, b, which, k, tk):
    t[result] = rh.matvec_adjoint_tangent(t[g], a, b, which, k, tk) \
        + rh.matvec_adjoint_tangent(g, a, b, which, k, t[tk])
    d[g] += rh.product_tangent_transpose("matvec", d[result], g, a, b, which, k, tk, "g")
    d[tk] += rh.product_tangent_transpose("matvec", d[result], g, a, b, which, k, tk, "t")


@helpers.rule("tensordot_adjoint_tangent")
def tensordot_adjoint_tangent(result, g, a, b, axes, which, k, tk):
    t[result] = rh.tensordot_adjoint_tangent(t[g], a, b, axes, which, k, tk) \
        + rh.tensordot_adjoint_tangent(g, a, b, axes, which, k, t[tk])
    d[g] += rh.product_tangent_transpose("tensordot", d[result], g, a, b, which, k, tk, "g", axes)
    d[tk] += rh.product_tangent_transpose("tensordot", d[result], g, a, b, which, k, tk, "t", axes)


@helpers.rule("cross_adjoint_tangent")
def cross_adjoint_tangent(result, g, a, b, which, k, tk, axisa=-1, axisb=-1, axisc=-1, axis=None):
    t[result] = rh.cross_adjoint_tangent(t[g], a, b, which, k, tk, axisa, axisb, axisc, axis) \
        + rh.cross_adjoint_tangent(g, a, b, which, k, t[tk], axisa, axisb, axisc, axis)
    d[g] += rh.product_tangent_transpose("cross", d[result], g, a, b, which, k, tk, "g",
                                        axisa, axisb, axisc, axis)
    d[tk] += rh.product_tangent_transpose("cross", d[result], g, a, b, which, k, tk, "t",
                                        axisa, axisb, axisc, axis)


@helpers.rule("convolve_adjoint_tangent")
def convolve_adjoint_tangent(result, g, a, b, which, k, tk, mode="full"):
    t[result] = rh.convolve_adjoint_tangent(t[g], a, b, which, k, tk, mode) \
        + rh.convolve_adjoint_tangent(g, a, b, which, k, t[tk], mode)
    d[g] += rh.product_tangent_transpose("convolve", d[result], g, a, b, which, k, tk, "g", mode)
    d[tk] += rh.product_tangent_transpose("convolve", d[result], g, a, b, which, k, tk, "t", mode)


@helpers.rule("correlate_adjoint_tangent")
def correlate_adjoint_tangent(result, g, a, b, which, k, tk, mode="valid"):
    t[result] = rh.correlate_adjoint_tangent(t[g], a, b, which, k, tk, mode) \
        + rh.correlate_adjoint_tangent(g, a, b, which, k, t[tk], mode)
    d[g] += rh.product_tangent_transpose("correlate", d[result], g, a, b, which, k, tk, "g", mode)
    d[tk] += rh.product_tangent_transpose("correlate", d[result], g, a, b, which, k, tk, "t", mode)


@helpers.rule("einsum_adjoint_tangent")
def einsum_adjoint_tangent(result, g, subscripts, operands, i, t_operands):
    t[result] = rh.einsum_adjoint_tangent(t[g], subscripts, operands, i, t_operands) \
        + rh.einsum_adjoint_tangent(g, subscripts, operands, i, t[t_operands])
    d[g] += rh.einsum_adjoint_tangent_transpose(d[result], g, subscripts, operands, i, t_operands, "g")
    d[t_operands] += rh.einsum_adjoint_tangent_transpose(d[result], g, subscripts, operands, i, t_operands, "t")
    d[operands] += rh.einsum_adjoint_tangent_transpose(d[result], g, subscripts, operands, i, t_operands, "ops")


@helpers.rule("einsum_jvp")
def einsum_jvp(result, subscripts, operands, i, v, optimize=False):
    t[result] = rh.einsum_jvp(subscripts, operands, i, t[v], optimize) \
        + rh.einsum_jvp_operands_tangent(subscripts, operands, i, v, t[operands], optimize)
    d[v] += rh.einsum_jvp_transpose(d[result], subscripts, operands, i, v, "t", optimize)
    d[operands] += rh.einsum_jvp_transpose(d[result], subscripts, operands, i, v, "ops", optimize)
