"""Rules for NumPy's reductions, cumulative operations and order statistics
(``prod``, ``max``/``min``, ``var``/``std``, the ``nan*`` variants,
``cumsum``/``cumprod``, ``average``, ``median``/``quantile``, ``diff``...).

Conventions: where an extremum is attained several times (``max``, ``min``,
``ptp``, the ``inf`` norms) the derivative is split evenly between the tied
entries; NaNs skipped by a ``nan*`` reduction get a zero derivative;
``median``/``quantile`` differentiate the order statistics they interpolate.
Arguments ``where=`` and ``mean=`` are not supported (the call is reported as
not matching the rule).
"""

from srcad import rule_helpers as rh
from srcad.ruledef import RuleSet, ad, d, t, xp

rules = RuleSet("numpy")


@rules.rule("prod")
def prod(result, a, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    p = rh.prod_partials(a, axis, initial)
    t[result] = xp.sum(p * t[a], axis=axis, keepdims=keepdims)
    d[a] += ad.expand_to(d[result], a, axis, keepdims) * p


@rules.rule("nanprod")
def nanprod(result, a, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    p = rh.prod_partials(a, axis, initial, True)
    t[result] = xp.sum(p * t[a], axis=axis, keepdims=keepdims)
    d[a] += ad.expand_to(d[result], a, axis, keepdims) * p


@rules.rule("nanmax", "nanmin")
def nanmax(result, a, axis=None, out=None, keepdims=False, initial=None):
    """Ties split the derivative evenly; NaNs get none. (``max``/``min`` are
    in ``rules/numpy.py``.)"""
    w = rh.extremum_weights(a, result, axis, keepdims)
    t[result] = xp.sum(w * t[a], axis=axis, keepdims=keepdims)
    d[a] += ad.expand_to(d[result], a, axis, keepdims) * w


@rules.rule("ptp")
def ptp(result, a, axis=None, out=None, keepdims=False):
    w = rh.ptp_weights(a, axis, keepdims)
    t[result] = xp.sum(w * t[a], axis=axis, keepdims=keepdims)
    d[a] += ad.expand_to(d[result], a, axis, keepdims) * w


@rules.rule("var")
def var(result, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = rh.centered(a, axis)
    k = 2 / rh.var_dof(a, axis, ddof, correction)
    t[result] = xp.sum(c * t[a], axis=axis, keepdims=keepdims) * k
    d[a] += ad.expand_to(d[result], a, axis, keepdims) * (c * k)


@rules.rule("std")
def std(result, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = rh.centered(a, axis)
    n = rh.var_dof(a, axis, ddof, correction)
    t[result] = xp.sum(c * t[a], axis=axis, keepdims=keepdims) / (n * result)
    d[a] += ad.expand_to(d[result] / (n * result), a, axis, keepdims) * c


@rules.rule("nanvar")
def nanvar(result, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = rh.nan_centered(a, axis)
    n = rh.nan_count(a, axis, keepdims, ddof, correction)
    t[result] = 2 * xp.sum(c * t[a], axis=axis, keepdims=keepdims) / n
    d[a] += ad.expand_to(2 * d[result] / n, a, axis, keepdims) * c


@rules.rule("nanstd")
def nanstd(result, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = rh.nan_centered(a, axis)
    n = rh.nan_count(a, axis, keepdims, ddof, correction)
    t[result] = xp.sum(c * t[a], axis=axis, keepdims=keepdims) / (n * result)
    d[a] += ad.expand_to(d[result] / (n * result), a, axis, keepdims) * c


@rules.rule("nansum")
def nansum(result, a, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    t[result] = xp.sum(rh.nan_zero(t[a], a), axis=axis, keepdims=keepdims)
    d[a] += rh.nan_zero(ad.expand_to(d[result], a, axis, keepdims), a)


@rules.rule("nanmean")
def nanmean(result, a, axis=None, dtype=None, out=None, keepdims=False):
    n = rh.nan_count(a, axis, True)
    t[result] = xp.sum(rh.nan_zero(t[a], a) / n, axis=axis, keepdims=keepdims)
    d[a] += rh.nan_zero(ad.expand_to(d[result], a, axis, keepdims) / n, a)


@rules.rule("average")
def average(result, a, axis=None, weights=None, returned=False, *, keepdims=False):
    t[result] = rh.average_jvp_a(t[a], a, weights, axis, keepdims, returned) \
        + rh.average_jvp_w(t[weights], a, weights, result, axis, keepdims, returned)
    d[a] += rh.average_vjp_a(d[result], a, weights, axis, keepdims, returned)
    d[weights] += rh.average_vjp_w(d[result], a, weights, result, axis, keepdims, returned)


# -- cumulative ---------------------------------------------------------------------------


@rules.rule("cumsum")
def cumsum(result, a, axis=None, dtype=None, out=None):
    t[result] = xp.cumsum(t[a], axis=axis)
    d[a] += rh.cumsum_adjoint(d[result], a, axis)


@rules.rule("nancumsum")
def nancumsum(result, a, axis=None, dtype=None, out=None):
    t[result] = xp.cumsum(rh.nan_zero(t[a], a), axis=axis)
    d[a] += rh.nan_zero(rh.cumsum_adjoint(d[result], a, axis), a)


@rules.rule("cumprod")
def cumprod(result, a, axis=None, dtype=None, out=None):
    """Exact where ``a`` has zeros (no division)."""
    t[result] = rh.cumprod_jvp(t[a], a, result, axis)
    d[a] += rh.cumprod_vjp(d[result], a, result, axis)


@rules.rule("nancumprod")
def nancumprod(result, a, axis=None, dtype=None, out=None):
    b = rh.nan_to(a, 1)
    t[result] = rh.cumprod_jvp(rh.nan_zero(t[a], a), b, result, axis)
    d[a] += rh.nan_zero(rh.cumprod_vjp(d[result], b, result, axis), a)


@rules.rule("cumulative_sum")
def cumulative_sum(result, x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    t[result] = rh.cumulative_sum_tangent(t[x], x, axis, include_initial)
    d[x] += rh.cumulative_sum_adjoint(d[result], x, axis, include_initial)


@rules.rule("cumulative_prod")
def cumulative_prod(result, x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    t[result] = rh.cumulative_prod_tangent(t[x], x, result, axis, include_initial)
    d[x] += rh.cumulative_prod_adjoint(d[result], x, result, axis, include_initial)


@rules.rule("gradient")
def gradient(result, f, *varargs, axis=None, edge_order=1):
    t[result] = rh.gradient_tangent(t[f], t[varargs], f, varargs, result, axis, edge_order)
    d[f] += rh.gradient_adjoint(d[result], f, varargs, axis, edge_order)
    d[varargs] += rh.gradient_spacing_adjoint(d[result], f, varargs, result, axis, edge_order)


@rules.rule("diff")
def diff(result, a, n=1, axis=-1, prepend=None, append=None):
    t[result] = rh.diff_jvp(t[a], 0, a, n, axis, prepend, append) \
        + rh.diff_jvp(t[prepend], 1, a, n, axis, prepend, append) \
        + rh.diff_jvp(t[append], 2, a, n, axis, prepend, append)
    d[a] += rh.diff_vjp(d[result], 0, a, n, axis, prepend, append)
    d[prepend] += rh.diff_vjp(d[result], 1, a, n, axis, prepend, append)
    d[append] += rh.diff_vjp(d[result], 2, a, n, axis, prepend, append)


@rules.rule("ediff1d")
def ediff1d(result, ary, to_end=None, to_begin=None):
    t[result] = rh.ediff1d_tangent(t[ary], 0, ary, to_end, to_begin) \
        + rh.ediff1d_tangent(t[to_end], 1, ary, to_end, to_begin) \
        + rh.ediff1d_tangent(t[to_begin], 2, ary, to_end, to_begin)
    d[ary] += rh.ediff1d_adjoint(d[result], 0, ary, to_end, to_begin)
    d[to_end] += rh.ediff1d_adjoint(d[result], 1, ary, to_end, to_begin)
    d[to_begin] += rh.ediff1d_adjoint(d[result], 2, ary, to_end, to_begin)


@rules.rule("trapezoid")
def trapezoid(result, y, x=None, dx=1.0, axis=-1):
    t[result] = rh.trapezoid_jvp_y(t[y], y, x, dx, axis) + rh.trapezoid_jvp_x(t[x], y, x, axis) \
        + rh.trapezoid_dx_partial(y, x, axis) * t[dx]
    d[y] += rh.trapezoid_vjp_y(d[result], y, x, dx, axis)
    d[x] += rh.trapezoid_vjp_x(d[result], y, x, axis)
    d[dx] += xp.sum(d[result] * rh.trapezoid_dx_partial(y, x, axis))


# -- order statistics -----------------------------------------------------------------------


@rules.rule("median")
def median(result, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The derivative of the middle order statistic(s); ties pick one entry."""
    t[result] = rh.quantile_jvp(t[a], a, 0.5, result, axis)
    d[a] += rh.quantile_vjp(d[result], a, 0.5, axis)


@rules.rule("quantile")
def quantile(result, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False):
    """Methods 'linear', 'lower', 'higher', 'midpoint', 'nearest'; ``q`` is a constant."""
    t[result] = rh.quantile_jvp(t[a], a, q, result, axis, method)
    d[a] += rh.quantile_vjp(d[result], a, q, axis, method)


@rules.rule("percentile")
def percentile(result, a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False):
    t[result] = rh.quantile_jvp(t[a], a, rh.percent(q), result, axis, method)
    d[a] += rh.quantile_vjp(d[result], a, rh.percent(q), axis, method)


@rules.rule("nanmedian")
def nanmedian(result, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the non-NaN entries; NaNs get no derivative."""
    t[result] = rh.nan_quantile_jvp(t[a], a, 0.5, result, axis)
    d[a] += rh.nan_quantile_vjp(d[result], a, 0.5, axis)


@rules.rule("nanquantile")
def nanquantile(result, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False):
    t[result] = rh.nan_quantile_jvp(t[a], a, q, result, axis, method)
    d[a] += rh.nan_quantile_vjp(d[result], a, q, axis, method)


@rules.rule("nanpercentile")
def nanpercentile(result, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    t[result] = rh.nan_quantile_jvp(t[a], a, rh.percent(q), result, axis, method)
    d[a] += rh.nan_quantile_vjp(d[result], a, rh.percent(q), axis, method)


@rules.rule("bincount")
def bincount(result, x, /, weights=None, minlength=0):
    """Linear in ``weights`` (``x`` holds indices)."""
    t[result] = xp.bincount(x, weights=t[weights], minlength=minlength)
    d[weights] += ad.unbroadcast(d[result][x], weights)


rules.nondifferentiable("digitize", "nanargmax", "nanargmin", "argwhere", "argpartition", "lexsort")

# -- methods ----------------------------------------------------------------------------------

methods = RuleSet("method")


@methods.rule("prod")
def prod_method(result, self, axis=None, dtype=None, out=None, keepdims=False, initial=None):
    p = rh.prod_partials(self, axis, initial)
    t[result] = xp.sum(p * t[self], axis=axis, keepdims=keepdims)
    d[self] += ad.expand_to(d[result], self, axis, keepdims) * p


@methods.rule("var")
def var_method(result, self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
               correction=None):
    c = rh.centered(self, axis)
    k = 2 / rh.var_dof(self, axis, ddof, correction)
    t[result] = xp.sum(c * t[self], axis=axis, keepdims=keepdims) * k
    d[self] += ad.expand_to(d[result], self, axis, keepdims) * (c * k)


@methods.rule("std")
def std_method(result, self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
               correction=None):
    c = rh.centered(self, axis)
    n = rh.var_dof(self, axis, ddof, correction)
    t[result] = xp.sum(c * t[self], axis=axis, keepdims=keepdims) / (n * result)
    d[self] += ad.expand_to(d[result] / (n * result), self, axis, keepdims) * c


@methods.rule("cumsum")
def cumsum_method(result, self, axis=None, dtype=None, out=None):
    t[result] = t[self].cumsum(axis=axis)
    d[self] += rh.cumsum_adjoint(d[result], self, axis)


@methods.rule("cumprod")
def cumprod_method(result, self, axis=None, dtype=None, out=None):
    t[result] = rh.cumprod_jvp(t[self], self, result, axis)
    d[self] += rh.cumprod_vjp(d[result], self, result, axis)
