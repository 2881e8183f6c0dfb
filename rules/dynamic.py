"""Calls of functions held in variables (``srcad.dynamic``) find their
derivative at run time. Differentiating such generated code again (a second
derivative through a function passed as a value) has no rule yet: srcad
says so rather than guess."""

from srcad.ruledef import RuleSet

rules = RuleSet("dynamic")

# The helpers of rules/numpy_*.py (srcad/rule_helpers.py) appear in first
# derivatives; their own derivatives (for second derivatives) are not
# written yet, and a call of one on active values says so.
helpers = RuleSet("rule_helpers")


# Helpers that only reshape or place an adjoint (linear in it, needing only
# the shapes of the other arguments) have forward rules, so that
# Hessian-vector products (forward over reverse) go through them.
from srcad import rule_helpers as rh  # noqa: E402
from srcad.ruledef import ad, t  # noqa: E402


@helpers.rule("trace_adjoint")
def trace_adjoint(result, g, a, offset=0, axis1=0, axis2=1):
    t[result] = rh.trace_adjoint(t[g], a, offset, axis1, axis2)


@helpers.rule("take_adjoint")
def take_adjoint(result, g, a, indices, axis=None, mode="raise"):
    t[result] = rh.take_adjoint(t[g], a, indices, axis, mode)


@helpers.rule("array_adjoint")
def array_adjoint(result, g, obj):
    t[result] = rh.array_adjoint(t[g], obj)


@helpers.rule("split_pieces")
def split_pieces(result, g, arrays, axis=0):
    t[result] = rh.split_pieces(t[g], arrays, axis)


@helpers.rule("unstack_pieces")
def unstack_pieces(result, g, arrays, axis=0):
    t[result] = rh.unstack_pieces(t[g], arrays, axis)


@helpers.rule("centered")
def centered(result, a, axis=None):
    t[result] = rh.centered(t[a], axis)


helpers.nondifferentiable("clip_select", "is_zero", "var_dof", "nan_count", "tensordot_axes",
                          "last_two", "norm_axes", "inverse_permutation", "sort_permutation",
                          "partition_permutation", "select_default_mask")


@helpers.rule("norm_partials")
def norm_partials(out, x, ord=None, axis=None, keepdims=False, result=None):
    t[out] = ad.norm_partials_tangent_x(t[x], x, ord, axis, result) \
        + ad.norm_partials_tangent_r(t[result], x, ord, axis, result)


@helpers.rule("tolist_tangent")
def tolist_tangent(result, tx, a):
    t[result] = rh.tolist_tangent(t[tx], a)


@helpers.rule("tolist_adjoint")
def tolist_adjoint(result, g, a):
    t[result] = rh.tolist_adjoint(t[g], a)


# More adjoints that only reshape, reorder, gather or sum their adjoint
# argument (the other arguments give shapes, axes or indices).
@helpers.rule("cumsum_adjoint")
def cumsum_adjoint(result, g, a, axis=None):
    t[result] = rh.cumsum_adjoint(t[g], a, axis)


@helpers.rule("cumulative_sum_adjoint")
def cumulative_sum_adjoint(result, g, x, axis=None, include_initial=False):
    t[result] = rh.cumulative_sum_adjoint(t[g], x, axis, include_initial)


@helpers.rule("diagonal_adjoint")
def diagonal_adjoint(result, g, a, offset=0, axis1=0, axis2=1):
    t[result] = rh.diagonal_adjoint(t[g], a, offset, axis1, axis2)


@helpers.rule("diag_adjoint")
def diag_adjoint(result, g, v, k=0):
    t[result] = rh.diag_adjoint(t[g], v, k)


@helpers.rule("diagflat_adjoint")
def diagflat_adjoint(result, g, v, k=0):
    t[result] = rh.diagflat_adjoint(t[g], v, k)


@helpers.rule("unravel")
def unravel(result, g, a, order="C"):
    t[result] = rh.unravel(t[g], a, order)


@helpers.rule("rollaxis_adjoint")
def rollaxis_adjoint(result, g, a, axis, start=0):
    t[result] = rh.rollaxis_adjoint(t[g], a, axis, start)


@helpers.rule("repeat_adjoint")
def repeat_adjoint(result, g, a, repeats, axis=None):
    t[result] = rh.repeat_adjoint(t[g], a, repeats, axis)


@helpers.rule("tile_adjoint")
def tile_adjoint(result, g, A, reps):
    t[result] = rh.tile_adjoint(t[g], A, reps)


@helpers.rule("take_along_axis_adjoint")
def take_along_axis_adjoint(result, g, arr, indices, axis=-1):
    t[result] = rh.take_along_axis_adjoint(t[g], arr, indices, axis)


@helpers.rule("pad_adjoint")
def pad_adjoint(result, g, array, pad_width, mode="constant", reflect_type="even"):
    t[result] = rh.pad_adjoint(t[g], array, pad_width, mode, reflect_type)


@helpers.rule("unpermute")
def unpermute(result, g, perm, a, axis=-1):
    t[result] = rh.unpermute(t[g], perm, a, axis)


# Adjoints of linear solves and inverses: linear in the adjoint, and
# through the factors by the product rule.
@helpers.rule("solve_b_adjoint")
def solve_b_adjoint(result, g, a):
    t[result] = rh.solve_b_adjoint(t[g], a) + rh.solve_b_adjoint_ta(g, a, t[a])


@helpers.rule("solve_a_adjoint")
def solve_a_adjoint(result, g, a, x):
    t[result] = rh.solve_a_adjoint(t[g], a, x) + rh.solve_a_adjoint_ta(g, a, x, t[a]) \
        + rh.solve_a_adjoint_tx(g, a, t[x])


@helpers.rule("inv_adjoint")
def inv_adjoint(result, g, ainv):
    t[result] = rh.inv_adjoint(t[g], ainv) + rh.inv_adjoint_tangent(g, ainv, t[ainv])


@helpers.rule("det_adjoint")
def det_adjoint(result, g, a, d):
    t[result] = rh.det_adjoint(t[g], a, d) + rh.det_adjoint(g, a, t[d]) \
        + rh.det_adjoint_ta(g, a, d, t[a])


@helpers.rule("concat_pieces")
def concat_pieces(out, g, result, axis=0):
    t[out] = rh.concat_pieces(t[g], result, axis)


@helpers.rule("stack_pieces")
def stack_pieces(out, g, result, axis=0):
    t[out] = rh.stack_pieces(t[g], result, axis)
