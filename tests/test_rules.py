"""Every NumPy and ndarray-method derivative rule against central finite
differences.

``TABLE`` lists, per rule, a function that calls it and example arguments
(several shapes, axes and broadcasting cases). For each float argument of
each example: forward mode (``srcad.jvp``) against finite differences,
reverse mode (``srcad.vjp``) against finite differences and against forward
mode, and float32 arguments giving float32 tangents. ``test_every_rule_is_tested``
fails when a rule of the ``numpy`` or ``method`` namespaces has no entry.
"""

import inspect

import numpy as np
import pytest

import srcad
from srcad.ruleset import Template, get_rules

# numpy.row_stack is deprecated, and still has a rule to be tested
pytestmark = pytest.mark.filterwarnings("ignore:`row_stack` alias is deprecated:DeprecationWarning")

R = np.random.default_rng(0)


def rnd(*shape):
    return R.standard_normal(shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def unit(*shape):
    return R.uniform(-0.8, 0.8, shape)


def spd(n):
    a = rnd(n, n)
    return a @ a.T + n * np.eye(n)


V = unit(5)
P = pos(5)
M = rnd(3, 4)
PM = pos(3, 4)
T3 = rnd(2, 3, 4)
SQ = rnd(3, 3) + 3 * np.eye(3)

TABLE = []   # (rule key, function, example arguments)


def add(key, fn, *examples):
    """Register examples for one or more rule keys: ``"sin"`` is the NumPy
    rule, ``".max"`` the ndarray method, ``".attr:real"`` an attribute."""
    keys = key if isinstance(key, tuple) else (key,)
    for k in keys:
        for args in examples:
            TABLE.append((k, fn, args))


# -- elementwise: the arithmetic core ---------------------------------------------------------


def f_add(a, b): return np.add(a, b)
def f_subtract(a, b): return np.subtract(a, b)
def f_multiply(a, b): return np.multiply(a, b)
def f_divide(a, b): return np.divide(a, b)
def f_true_divide(a, b): return np.true_divide(a, b)
def f_power(a, b): return np.power(a, b)
def f_pow(a, b): return np.pow(a, b)
def f_float_power(a, b): return np.float_power(a, b)
def f_maximum(a, b): return np.maximum(a, b)
def f_minimum(a, b): return np.minimum(a, b)
def f_fmax(a, b): return np.fmax(a, b)
def f_fmin(a, b): return np.fmin(a, b)
def f_arctan2(a, b): return np.arctan2(a, b)
def f_atan2(a, b): return np.atan2(a, b)
def f_hypot(a, b): return np.hypot(a, b)
def f_logaddexp(a, b): return np.logaddexp(a, b)
def f_logaddexp2(a, b): return np.logaddexp2(a, b)
def f_fmod(a, b): return np.fmod(a, b)
def f_remainder(a, b): return np.remainder(a, b)
def f_mod(a, b): return np.mod(a, b)
def f_copysign(a, b): return np.copysign(a, b)


BINARY_EXAMPLES = [(rnd(3, 4), rnd(4)), (rnd(4), rnd(3, 1)), (0.7, rnd(3)), (rnd(3), 1.3)]
POS_EXAMPLES = [(pos(3, 4), pos(4)), (pos(4), pos(3, 1)), (1.3, pos(3)), (pos(3), 1.3)]
add("add", f_add, *BINARY_EXAMPLES)
add("subtract", f_subtract, *BINARY_EXAMPLES)
add("multiply", f_multiply, *BINARY_EXAMPLES)
add("divide", f_divide, *POS_EXAMPLES)
add("true_divide", f_true_divide, *POS_EXAMPLES)
add("power", f_power, *POS_EXAMPLES, (pos(3), 2.0))
add("pow", f_pow, *POS_EXAMPLES)
add("float_power", f_float_power, *POS_EXAMPLES)
add("maximum", f_maximum, *BINARY_EXAMPLES)
add("minimum", f_minimum, *BINARY_EXAMPLES)
add("fmax", f_fmax, *BINARY_EXAMPLES, (np.array([np.nan, 1.0, 2.0]), rnd(3)))
add("fmin", f_fmin, *BINARY_EXAMPLES, (rnd(3), np.array([np.nan, 1.0, 2.0])))
add("arctan2", f_arctan2, *BINARY_EXAMPLES)
add("atan2", f_atan2, *BINARY_EXAMPLES)
add("hypot", f_hypot, *BINARY_EXAMPLES)
add("logaddexp", f_logaddexp, *BINARY_EXAMPLES)
add("logaddexp2", f_logaddexp2, *BINARY_EXAMPLES)
add("fmod", f_fmod, (np.array([3.3, -2.6, 5.1]), np.array([1.3, 0.7, -1.9])), (rnd(2, 3) * 3, 1.3))
add("remainder", f_remainder, (np.array([3.3, -2.6, 5.1]), np.array([1.3, 0.7, -1.9])), (rnd(2, 3) * 3, 1.3))
add("mod", f_mod, (np.array([3.3, -2.6, 5.1]), np.array([1.3, 0.7, -1.9])))
add("copysign", f_copysign, (rnd(3, 4), rnd(4)), (rnd(3), -1.5))


def f_heaviside(x, h): return np.heaviside(x * np.array([0.0, 1.0, 0.0, -1.0]), h) * x


add("heaviside", f_heaviside, (rnd(4), 0.5), (rnd(4), rnd(4)), (rnd(2, 4), rnd(2, 1)))


def f_ldexp(x):
    return np.ldexp(x, np.array([1, -2, 3]))


add("ldexp", f_ldexp, (rnd(3),), (rnd(2, 3),))


def f_negative(x): return np.negative(x)
def f_positive(x): return np.positive(x)
def f_square(x): return np.square(x)
def f_reciprocal(x): return np.reciprocal(x)
def f_exp(x): return np.exp(x)
def f_expm1(x): return np.expm1(x)
def f_exp2(x): return np.exp2(x)
def f_log(x): return np.log(x)
def f_log1p(x): return np.log1p(x)
def f_log2(x): return np.log2(x)
def f_log10(x): return np.log10(x)
def f_sqrt(x): return np.sqrt(x)
def f_cbrt(x): return np.cbrt(x)
def f_sin(x): return np.sin(x)
def f_cos(x): return np.cos(x)
def f_tan(x): return np.tan(x)
def f_sinh(x): return np.sinh(x)
def f_cosh(x): return np.cosh(x)
def f_tanh(x): return np.tanh(x)
def f_arcsin(x): return np.arcsin(x)
def f_asin(x): return np.asin(x)
def f_arccos(x): return np.arccos(x)
def f_acos(x): return np.acos(x)
def f_arctan(x): return np.arctan(x)
def f_atan(x): return np.atan(x)
def f_arcsinh(x): return np.arcsinh(x)
def f_asinh(x): return np.asinh(x)
def f_arccosh(x): return np.arccosh(x + 1.0)
def f_acosh(x): return np.acosh(x + 1.0)
def f_arctanh(x): return np.arctanh(x)
def f_atanh(x): return np.atanh(x)
def f_abs(x): return np.abs(x)
def f_absolute(x): return np.absolute(x)
def f_fabs(x): return np.fabs(x)
def f_sinc(x): return np.sinc(x)
def f_deg2rad(x): return np.deg2rad(x)
def f_radians(x): return np.radians(x)
def f_rad2deg(x): return np.rad2deg(x)
def f_degrees(x): return np.degrees(x)
def f_conjugate(x): return np.conjugate(x)
def f_conj(x): return np.conj(x)
def f_real(x): return np.real(x)
def f_imag(x): return np.imag(x) + x
def f_nan_to_num(x): return np.nan_to_num(x * 2.0)


for _name, _fn, _examples in [
        ("negative", f_negative, "any"), ("positive", f_positive, "any"), ("square", f_square, "any"),
        ("reciprocal", f_reciprocal, "pos"), ("exp", f_exp, "any"), ("expm1", f_expm1, "any"),
        ("exp2", f_exp2, "any"), ("log", f_log, "pos"), ("log1p", f_log1p, "pos"),
        ("log2", f_log2, "pos"), ("log10", f_log10, "pos"), ("sqrt", f_sqrt, "pos"),
        ("cbrt", f_cbrt, "any"), ("sin", f_sin, "any"), ("cos", f_cos, "any"), ("tan", f_tan, "unit"),
        ("sinh", f_sinh, "any"), ("cosh", f_cosh, "any"), ("tanh", f_tanh, "any"),
        ("arcsin", f_arcsin, "unit"), ("asin", f_asin, "unit"), ("arccos", f_arccos, "unit"),
        ("acos", f_acos, "unit"), ("arctan", f_arctan, "any"), ("atan", f_atan, "any"),
        ("arcsinh", f_arcsinh, "any"), ("asinh", f_asinh, "any"), ("arccosh", f_arccosh, "pos"),
        ("acosh", f_acosh, "pos"), ("arctanh", f_arctanh, "unit"), ("atanh", f_atanh, "unit"),
        ("abs", f_abs, "any"), ("absolute", f_absolute, "any"), ("fabs", f_fabs, "any"),
        ("sinc", f_sinc, "any"), ("deg2rad", f_deg2rad, "any"), ("radians", f_radians, "any"),
        ("rad2deg", f_rad2deg, "any"), ("degrees", f_degrees, "any"),
        ("conjugate", f_conjugate, "any"), ("conj", f_conj, "any"), ("real", f_real, "any"),
        ("imag", f_imag, "any"), ("nan_to_num", f_nan_to_num, "any")]:
    _x = {"any": rnd(2, 3), "pos": pos(2, 3), "unit": unit(2, 3)}[_examples]
    _s = {"any": -0.4, "pos": 0.9, "unit": 0.3}[_examples]
    add(_name, _fn, (_x,), (_s,))

add("sinc", f_sinc, (np.array([0.0, 0.5, -1.2]),))


def f_clip(x, lo, hi):
    return np.clip(x, lo, hi)


def f_clip_none(x):
    return np.clip(x, None, 0.5)


def f_clip_kw(x):
    return np.clip(x, min=-0.3, max=0.4)


add("clip", f_clip, (rnd(3, 4), -0.5, 0.5), (rnd(3, 4), rnd(4) - 0.5, rnd(3, 1) + 0.5),
    (0.3, rnd(3) - 0.5, 0.6))
add("clip", f_clip_none, (rnd(3, 4),))
add("clip", f_clip_kw, (rnd(5),))


def f_where(c, x, y):
    return np.where(c > 0, x, y)


add("where", f_where, (rnd(3, 4), rnd(3, 4), rnd(4)), (rnd(3), 0.5, rnd(3)))

# -- reductions ---------------------------------------------------------------------------------


def r_sum(axis=None, keepdims=False):
    def f(x):
        return np.sum(x, axis=axis, keepdims=keepdims)
    return f


def r_mean(axis=None, keepdims=False):
    def f(x):
        return np.mean(x, axis=axis, keepdims=keepdims)
    return f


def r_prod(axis=None, keepdims=False):
    def f(x):
        return np.prod(x, axis=axis, keepdims=keepdims)
    return f


def r_nanprod(axis=None, keepdims=False):
    def f(x):
        return np.nanprod(x, axis=axis, keepdims=keepdims)
    return f


def r_max(axis=None, keepdims=False):
    def f(x):
        return np.max(x, axis=axis, keepdims=keepdims)
    return f


def r_amax(axis=None, keepdims=False):
    def f(x):
        return np.amax(x, axis=axis, keepdims=keepdims)
    return f


def r_min(axis=None, keepdims=False):
    def f(x):
        return np.min(x, axis=axis, keepdims=keepdims)
    return f


def r_amin(axis=None, keepdims=False):
    def f(x):
        return np.amin(x, axis=axis, keepdims=keepdims)
    return f


def r_nanmax(axis=None, keepdims=False):
    def f(x):
        return np.nanmax(x, axis=axis, keepdims=keepdims)
    return f


def r_nanmin(axis=None, keepdims=False):
    def f(x):
        return np.nanmin(x, axis=axis, keepdims=keepdims)
    return f


def r_ptp(axis=None, keepdims=False):
    def f(x):
        return np.ptp(x, axis=axis, keepdims=keepdims)
    return f


def r_var(axis=None, keepdims=False, ddof=0):
    def f(x):
        return np.var(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return f


def r_std(axis=None, keepdims=False, ddof=0):
    def f(x):
        return np.std(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return f


def r_nanvar(axis=None, keepdims=False, ddof=0):
    def f(x):
        return np.nanvar(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return f


def r_nanstd(axis=None, keepdims=False, ddof=0):
    def f(x):
        return np.nanstd(x, axis=axis, keepdims=keepdims, ddof=ddof)
    return f


def r_nansum(axis=None, keepdims=False):
    def f(x):
        return np.nansum(x, axis=axis, keepdims=keepdims)
    return f


def r_nanmean(axis=None, keepdims=False):
    def f(x):
        return np.nanmean(x, axis=axis, keepdims=keepdims)
    return f


def r_median(axis=None, keepdims=False):
    def f(x):
        return np.median(x, axis=axis, keepdims=keepdims)
    return f


def m_sum(axis=None, keepdims=False):
    def f(x):
        return x.sum(axis=axis, keepdims=keepdims)
    return f


def m_mean(axis=None, keepdims=False):
    def f(x):
        return x.mean(axis=axis, keepdims=keepdims)
    return f


def m_max(axis=None, keepdims=False):
    def f(x):
        return x.max(axis=axis, keepdims=keepdims)
    return f


def m_min(axis=None, keepdims=False):
    def f(x):
        return x.min(axis=axis, keepdims=keepdims)
    return f


def m_prod(axis=None, keepdims=False):
    def f(x):
        return x.prod(axis=axis, keepdims=keepdims)
    return f


def m_var(axis=None, keepdims=False, ddof=0):
    def f(x):
        return x.var(axis=axis, keepdims=keepdims, ddof=ddof)
    return f


def m_std(axis=None, keepdims=False, ddof=0):
    def f(x):
        return x.std(axis=axis, keepdims=keepdims, ddof=ddof)
    return f


AXES = [dict(), dict(axis=1), dict(axis=0, keepdims=True), dict(axis=(0, 2)), dict(axis=-1, keepdims=True)]
X3 = rnd(2, 3, 4)
for _key, _factory in [("sum", r_sum), ("mean", r_mean), ("prod", r_prod), ("nanprod", r_nanprod),
                       ("max", r_max), ("amax", r_amax), ("min", r_min), ("amin", r_amin),
                       ("nanmax", r_nanmax), ("nanmin", r_nanmin), ("ptp", r_ptp), ("var", r_var),
                       ("std", r_std), ("nanvar", r_nanvar), ("nanstd", r_nanstd),
                       ("nansum", r_nansum), ("nanmean", r_nanmean), ("median", r_median),
                       (".sum", m_sum), (".mean", m_mean), (".max", m_max), (".min", m_min),
                       (".prod", m_prod), (".var", m_var), (".std", m_std)]:
    for _static in AXES:
        add(_key, _factory(**_static), (X3,))
    add(_key, _factory(), (rnd(5),))

for _key, _factory in [("var", r_var), ("std", r_std), ("nanvar", r_nanvar), ("nanstd", r_nanstd),
                       (".var", m_var), (".std", m_std)]:
    add(_key, _factory(axis=1, ddof=1), (rnd(3, 4),))

# ties split evenly (central differences agree for two-way ties)
TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 0.5, 2.0, 2.5]])
for _key, _factory in [("max", r_max), ("amax", r_amax), (".max", m_max)]:
    add(_key, _factory(axis=1), (TIES,))
    add(_key, _factory(), (np.array([0.3, 2.0, 2.0]),))
for _key, _factory in [("min", r_min), ("amin", r_amin), (".min", m_min)]:
    add(_key, _factory(axis=1), (-TIES,))
# zeros in products
add("prod", r_prod(axis=1), (np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, -1.0]]),))
add(".prod", m_prod(), (np.array([0.0, 2.0, 3.0]),))
# NaNs skipped
XN = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan, 2.0, -1.0, 4.0], [0.3, 0.2, np.nan, 1.0]])
for _key, _factory in [("nansum", r_nansum), ("nanmean", r_nanmean), ("nanprod", r_nanprod),
                       ("nanmax", r_nanmax), ("nanmin", r_nanmin), ("nanvar", r_nanvar),
                       ("nanstd", r_nanstd)]:
    add(_key, _factory(), (XN,))
    add(_key, _factory(axis=1), (XN,))
add("median", r_median(axis=0), (rnd(4, 3),))


def f_average(x):
    return np.average(x)


def f_average_w(x, w):
    return np.average(x, axis=1, weights=w)


def f_average_full(x, w):
    return np.average(x, axis=0, weights=w, keepdims=True)


def f_arange(a, s):
    return np.arange(a, a + 1.0, s) ** 2


add("arange", f_arange, (0.3, 0.3))
add("average", f_average, (rnd(3, 4),))
add("average", f_average_w, (rnd(3, 4), pos(4)))
add("average", f_average_full, (rnd(3, 4), pos(3, 4)))


def f_quantile(x):
    return np.quantile(x, 0.3)


def f_quantile_axis(x):
    return np.quantile(x, np.array([0.1, 0.5, 0.75]), axis=1, keepdims=True)


def f_quantile_methods(x):
    return np.quantile(x, 0.4, axis=0, method="lower") + np.quantile(x, 0.4, axis=0, method="higher") \
        + np.quantile(x, 0.4, axis=0, method="midpoint") + np.quantile(x, 0.4, axis=0, method="nearest")


def f_percentile(x):
    return np.percentile(x, [20.0, 70.0], axis=-1)


add("quantile", f_quantile, (rnd(7),), (rnd(2, 5),))
add("quantile", f_quantile_axis, (rnd(3, 6),))
add("quantile", f_quantile_methods, (rnd(5, 2),))
add("percentile", f_percentile, (rnd(3, 5),))


HOLES = np.array([[True, False, True, True, True], [True, True, True, False, False]])


def f_nanmedian(x):
    return np.nanmedian(np.where(HOLES[:x.shape[0], :x.shape[-1]], x, np.nan), axis=-1)


def f_nanmedian_all(x):
    return np.nanmedian(np.where(HOLES[0, :x.size], x, np.nan)) + np.nanmedian(x, axis=0, keepdims=True)


def f_nanquantile(x):
    y = np.where(HOLES[:2], x, np.nan)
    return np.nanquantile(y, np.array([0.1, 0.5, 0.8]), axis=1, keepdims=True)


def f_nanquantile_methods(x):
    y = np.where(HOLES[:2], x, np.nan)
    return sum(np.nanquantile(y, 0.4, axis=1, method=m) for m in ("lower", "higher", "midpoint",
                                                                  "nearest", "linear"))


def f_nanpercentile(x):
    return np.nanpercentile(np.where(HOLES[:2], x, np.nan), [20.0, 70.0], axis=-1) \
        + np.nanpercentile(x, 35.0)


add("nanmedian", f_nanmedian, (rnd(2, 5),), (rnd(2, 4),))
add("nanmedian", f_nanmedian_all, (rnd(4),))
add("nanquantile", f_nanquantile, (rnd(2, 5),))
add("nanquantile", f_nanquantile_methods, (rnd(2, 5),))
add("nanpercentile", f_nanpercentile, (rnd(2, 5),))


def c_cumsum(axis=None):
    def f(x):
        return np.cumsum(x, axis=axis)
    return f


def c_nancumsum(axis=None):
    def f(x):
        return np.nancumsum(x, axis=axis)
    return f


def c_cumprod(axis=None):
    def f(x):
        return np.cumprod(x, axis=axis)
    return f


def c_nancumprod(axis=None):
    def f(x):
        return np.nancumprod(x, axis=axis)
    return f


def c_cumsum_m(axis=None):
    def f(x):
        return x.cumsum(axis=axis)
    return f


def c_cumprod_m(axis=None):
    def f(x):
        return x.cumprod(axis=axis)
    return f


def c_cumulative_sum(axis=None, include_initial=False):
    def f(x):
        return np.cumulative_sum(x, axis=axis, include_initial=include_initial)
    return f


def c_cumulative_prod(axis=None, include_initial=False):
    def f(x):
        return np.cumulative_prod(x, axis=axis, include_initial=include_initial)
    return f


for _key, _factory in [("cumsum", c_cumsum), ("nancumsum", c_nancumsum), ("cumprod", c_cumprod),
                       ("nancumprod", c_nancumprod), (".cumsum", c_cumsum_m), (".cumprod", c_cumprod_m)]:
    add(_key, _factory(), (rnd(2, 3),))
    add(_key, _factory(axis=1), (rnd(2, 3),))
    add(_key, _factory(axis=0), (rnd(3, 2),))
for _key, _factory in [("cumprod", c_cumprod), (".cumprod", c_cumprod_m)]:
    add(_key, _factory(axis=1), (np.array([[1.5, 0.0, 2.0, 3.0], [0.0, 0.0, 1.0, 2.0]]),))
for _key, _factory in [("nancumsum", c_nancumsum), ("nancumprod", c_nancumprod)]:
    add(_key, _factory(axis=1), (XN,))
for _key, _factory in [("cumulative_sum", c_cumulative_sum), ("cumulative_prod", c_cumulative_prod)]:
    add(_key, _factory(), (rnd(4),))
    add(_key, _factory(axis=1), (rnd(2, 3),))
    add(_key, _factory(axis=0, include_initial=True), (rnd(3, 2),))


def f_bincount(w):
    return np.bincount(np.array([0, 2, 2, 3, 0]), weights=w, minlength=6)


add("bincount", f_bincount, (rnd(5),))


def f_diff(x):
    return np.diff(x)


def f_diff2(x):
    return np.diff(x, n=2, axis=0)


def f_diff_ends(x, p, a):
    return np.diff(x, axis=1, prepend=p, append=a)


def f_gradient(x):
    return np.gradient(x, 0.5)


def f_gradient_2d(x):
    return np.gradient(x, axis=1, edge_order=2)


add("gradient", f_gradient, (rnd(5),))
add("gradient", f_gradient_2d, (rnd(3, 4),))
add("diff", f_diff, (rnd(5),), (rnd(2, 4),))
add("diff", f_diff2, (rnd(4, 3),))
add("diff", f_diff_ends, (rnd(2, 3), 0.5, rnd(2, 2)), (rnd(2, 3), rnd(2, 1), -1.0))


def f_ediff1d(x): return np.ediff1d(x)
def f_ediff1d_ends(x, e, b): return np.ediff1d(x, to_end=e, to_begin=b)
def f_ediff1d_list(x): return np.ediff1d(x, to_begin=[1.0, x[0, 1]])


add("ediff1d", f_ediff1d, (rnd(5),), (rnd(2, 3),))
add("ediff1d", f_ediff1d_ends, (rnd(4), 0.3, rnd(2)), (rnd(2, 2), rnd(3), -0.4))
add("ediff1d", f_ediff1d_list, (rnd(2, 3),))


def f_trapezoid(y):
    return np.trapezoid(y)


def f_trapezoid_x(y, x):
    return np.trapezoid(y, x, axis=0)


def f_trapezoid_dx(y, dx):
    return np.trapezoid(y, dx=dx)


add("trapezoid", f_trapezoid, (rnd(5),), (rnd(2, 4),))
add("trapezoid", f_trapezoid_x, (rnd(4, 2), np.cumsum(pos(4))), (rnd(4, 2), np.cumsum(pos(4, 2), axis=0)))
add("trapezoid", f_trapezoid_dx, (rnd(3, 4), 0.3))

# -- linear algebra -------------------------------------------------------------------------------


def f_matmul(a, b): return np.matmul(a, b)
def f_linalg_matmul(a, b): return np.linalg.matmul(a, b)
def f_dot(a, b): return np.dot(a, b)
def f_vdot(a, b): return np.vdot(a, b)
def f_inner(a, b): return np.inner(a, b)
def f_outer(a, b): return np.outer(a, b)
def f_linalg_outer(a, b): return np.linalg.outer(a, b)
def f_kron(a, b): return np.kron(a, b)
def f_cross(a, b): return np.cross(a, b)
def f_linalg_cross(a, b): return np.linalg.cross(a, b)
def f_vecdot(a, b): return np.vecdot(a, b)
def f_linalg_vecdot(a, b): return np.linalg.vecdot(a, b)
def f_matvec(a, b): return np.matvec(a, b)
def f_vecmat(a, b): return np.vecmat(a, b)


MATMUL = [(rnd(3, 4), rnd(4, 2)), (rnd(2, 3, 4), rnd(4, 2)), (rnd(4), rnd(4, 2)), (rnd(3, 4), rnd(4)),
          (rnd(4), rnd(4)), (rnd(2, 1, 3, 4), rnd(3, 4, 2))]
add("matmul", f_matmul, *MATMUL)
add("linalg.matmul", f_linalg_matmul, *MATMUL)
add("dot", f_dot, (rnd(3, 4), rnd(4, 2)), (rnd(4), rnd(4)), (rnd(2, 3, 4), rnd(4)), (rnd(3, 4), rnd(2, 4, 3)),
    (0.5, rnd(3)))
add("vdot", f_vdot, (rnd(4), rnd(4)), (rnd(2, 3), rnd(6)))
add("inner", f_inner, (rnd(4), rnd(4)), (rnd(2, 4), rnd(3, 4)), (rnd(2, 3, 4), rnd(4)), (0.5, rnd(3)))
add("outer", f_outer, (rnd(3), rnd(4)), (rnd(2, 2), rnd(3)))
add("linalg.outer", f_linalg_outer, (rnd(3), rnd(4)))
add("kron", f_kron, (rnd(2, 3), rnd(2, 2)), (rnd(3), rnd(2)), (rnd(2), rnd(2, 3)))
add("cross", f_cross, (rnd(3), rnd(3)), (rnd(4, 3), rnd(3)))
add("linalg.cross", f_linalg_cross, (rnd(2, 3), rnd(2, 3)))
add("vecdot", f_vecdot, (rnd(3, 4), rnd(4)), (rnd(4), rnd(2, 4)))
add("linalg.vecdot", f_linalg_vecdot, (rnd(3, 4), rnd(3, 4)))
add("matvec", f_matvec, (rnd(3, 4), rnd(4)), (rnd(2, 3, 4), rnd(4)))
add("vecmat", f_vecmat, (rnd(3), rnd(3, 4)), (rnd(2, 3), rnd(3, 4)))


def f_tensordot(a, b):
    return np.tensordot(a, b)


def f_tensordot_axes(a, b):
    return np.tensordot(a, b, axes=([0, 2], [2, 0]))


def f_tensordot_one(a, b):
    return np.tensordot(a, b, axes=1)


def f_linalg_tensordot(a, b):
    return np.linalg.tensordot(a, b, axes=([1], [0]))


add("tensordot", f_tensordot, (rnd(2, 3, 4), rnd(3, 4, 2)))
add("tensordot", f_tensordot_axes, (rnd(2, 3, 4), rnd(4, 5, 2)))
add("tensordot", f_tensordot_one, (rnd(3, 4), rnd(4, 2)))
add("linalg.tensordot", f_linalg_tensordot, (rnd(3, 4), rnd(4, 2)))


def f_einsum_mm(a, b): return np.einsum("ij,jk->ik", a, b)
def f_einsum_implicit(a, b): return np.einsum("ij,kj", a, b)
def f_einsum_trace(a): return np.einsum("ii", a)
def f_einsum_diag(a): return np.einsum("ii->i", a)
def f_einsum_sum(a): return np.einsum("ij->i", a)
def f_einsum_ellipsis(a, b): return np.einsum("...ij,...jk->...ik", a, b)
def f_einsum_three(a, b, c): return np.einsum("i,ij,j->", a, b, c)
def f_einsum_outer_bcast(a, b): return np.einsum("i,j->ij", a, b)
def f_einsum_five(a, b, c, d, e): return np.einsum("i,i,i,ij,j->j", a, b, c, d, e)
def f_einsum_sublist_mm(a, b): return np.einsum(a, [0, 1], b, [1, 2], [0, 2])
def f_einsum_sublist_implicit(a, b): return np.einsum(a, [30, 1], b, [2, 1])


def f_einsum_sublist_names(a, b):
    rows = [0, Ellipsis]
    return np.einsum(a, rows, b, (Ellipsis, 1), [1, 0], optimize=True)


add("einsum", f_einsum_mm, (rnd(2, 3), rnd(3, 4)))
add("einsum", f_einsum_implicit, (rnd(2, 3), rnd(4, 3)))
add("einsum", f_einsum_trace, (rnd(3, 3),))
add("einsum", f_einsum_diag, (rnd(3, 3),))
add("einsum", f_einsum_sum, (rnd(2, 3),))
add("einsum", f_einsum_ellipsis, (rnd(2, 2, 3), rnd(3, 2)), (rnd(3, 4), rnd(2, 4, 2)))
add("einsum", f_einsum_three, (rnd(2), rnd(2, 3), rnd(3)))
add("einsum", f_einsum_outer_bcast, (rnd(2), rnd(3)))
add("einsum", f_einsum_five, (rnd(2), rnd(2), rnd(2), rnd(2, 3), rnd(3)))
add("einsum", f_einsum_sublist_mm, (rnd(2, 3), rnd(3, 4)))
add("einsum", f_einsum_sublist_implicit, (rnd(2, 3), rnd(4, 3)))
add("einsum", f_einsum_sublist_names, (rnd(2, 3), rnd(3)))


def f_multi_dot(a, b, c):
    return np.linalg.multi_dot([a, b, c])


add("linalg.multi_dot", f_multi_dot, (rnd(2, 3), rnd(3, 4), rnd(4, 2)), (rnd(3), rnd(3, 4), rnd(4)))


def conv(mode):
    def f(a, v):
        return np.convolve(a, v, mode=mode)
    return f


def corr(mode):
    def f(a, v):
        return np.correlate(a, v, mode=mode)
    return f


for _mode in ("full", "same", "valid"):
    add("convolve", conv(_mode), (rnd(5), rnd(3)), (rnd(3), rnd(6)), (rnd(4), rnd(4)))
    add("correlate", corr(_mode), (rnd(5), rnd(3)), (rnd(3), rnd(6)), (rnd(4), rnd(4)))


def f_trace(a): return np.trace(a)
def f_trace_off(a): return np.trace(a, 1, 0, 2)
def f_linalg_trace(a): return np.linalg.trace(a, offset=-1)
def f_trace_m(a): return a.trace(offset=-1)
def f_diagonal(a): return np.diagonal(a)
def f_diagonal_off(a): return np.diagonal(a, 1, 2, 0)
def f_linalg_diagonal(a): return np.linalg.diagonal(a, offset=1)
def f_diagonal_m(a): return a.diagonal(-1)
def f_diag(v): return np.diag(v)
def f_diag_k(v): return np.diag(v, -1)
def f_diagflat(v): return np.diagflat(v, 1)
def f_triu(a): return np.triu(a)
def f_tril(a): return np.tril(a, -1)
def f_matrix_transpose(a): return np.matrix_transpose(a)
def f_linalg_matrix_transpose(a): return np.linalg.matrix_transpose(a)
def f_mT(a): return a.mT


add("trace", f_trace, (rnd(3, 3),), (rnd(3, 4),), (rnd(3, 3, 2),))
add("trace", f_trace_off, (rnd(3, 2, 4),))
add("linalg.trace", f_linalg_trace, (rnd(2, 3, 3),))
add(".trace", f_trace_m, (rnd(3, 4),))
add("diagonal", f_diagonal, (rnd(3, 4),), (rnd(3, 3, 2),))
add("diagonal", f_diagonal_off, (rnd(3, 2, 4),))
add("linalg.diagonal", f_linalg_diagonal, (rnd(2, 3, 3),))
add(".diagonal", f_diagonal_m, (rnd(3, 4),))
add("diag", f_diag, (rnd(3),), (rnd(3, 4),))
add("diag", f_diag_k, (rnd(3),), (rnd(4, 3),))
add("diagflat", f_diagflat, (rnd(3),), (rnd(2, 2),))
add("triu", f_triu, (rnd(3, 4),), (rnd(2, 3, 3),))
add("tril", f_tril, (rnd(3, 4),))
add("matrix_transpose", f_matrix_transpose, (rnd(2, 3, 4),))
add("linalg.matrix_transpose", f_linalg_matrix_transpose, (rnd(3, 4),))
add(".attr:mT", f_mT, (rnd(2, 3, 4),))


def f_inv(a): return np.linalg.inv(a)
def f_solve(a, b): return np.linalg.solve(a, b)
def f_det(a): return np.linalg.det(a)
def f_matrix_power(a): return np.linalg.matrix_power(a, 3)
def f_matrix_power_neg(a): return np.linalg.matrix_power(a, -2)
def f_pinv(a): return np.linalg.pinv(a)
def f_svdvals(a): return np.linalg.svdvals(a)
def f_eigvalsh(a): return np.linalg.eigvalsh(a)


def f_slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet * sign


def f_cholesky(a): return np.linalg.cholesky(a)
def f_cholesky_upper(a): return np.linalg.cholesky(a, upper=True)


def f_eigh(a):
    w, v = np.linalg.eigh(a)
    return w, v * np.sign(v[0])


def f_eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return w, v * np.sign(v[0])


def f_qr(a):
    q, r = np.linalg.qr(a)
    return q, r


def f_qr_r(a):
    return np.linalg.qr(a, mode="r")


def f_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    sg = np.sign(u[0])
    return u * sg, s, vh * sg[:, None]


def f_svd_square(a):
    u, s, vh = np.linalg.svd(a)
    sg = np.sign(u[0])
    return u * sg, s, vh * sg[:, None]


def f_svd_values(a):
    return np.linalg.svd(a, compute_uv=False)


def f_lstsq(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return x, res, s


add("linalg.inv", f_inv, (SQ,), (rnd(2, 3, 3) + 3 * np.eye(3),))
add("linalg.solve", f_solve, (SQ, rnd(3)), (SQ, rnd(3, 2)), (rnd(2, 3, 3) + 3 * np.eye(3), rnd(2, 3, 1)))
add("linalg.det", f_det, (SQ,), (rnd(2, 3, 3) + 3 * np.eye(3),))
add("linalg.slogdet", f_slogdet, (SQ,), (-SQ,))
add("linalg.matrix_power", f_matrix_power, (rnd(3, 3),))
add("linalg.matrix_power", f_matrix_power_neg, (SQ,))
add("linalg.pinv", f_pinv, (rnd(4, 3),), (rnd(2, 4),), (SQ,))
add("linalg.svdvals", f_svdvals, (rnd(4, 3),))
add("linalg.eigvalsh", f_eigvalsh, (spd(3),), (rnd(3, 3),))
add("linalg.cholesky", f_cholesky, (spd(3),), (spd(3) + 0.3 * rnd(3, 3),), (np.stack([spd(2), spd(2)]),))
add("linalg.cholesky", f_cholesky_upper, (spd(3) + 0.3 * rnd(3, 3),))
add("linalg.eigh", f_eigh, (spd(3),), (rnd(3, 3),))
add("linalg.eigh", f_eigh_upper, (rnd(3, 3),))
add("linalg.qr", f_qr, (rnd(4, 3),), (SQ,))
add("linalg.qr", f_qr_r, (rnd(4, 3),))
add("linalg.svd", f_svd, (rnd(4, 3),), (rnd(2, 4),))
add("linalg.svd", f_svd_square, (SQ,))
add("linalg.svd", f_svd_values, (rnd(3, 5),))
add("linalg.lstsq", f_lstsq, (rnd(5, 3), rnd(5)), (rnd(5, 2), rnd(5, 2)), (rnd(2, 4), rnd(2)))


def n_norm(ord=None, axis=None, keepdims=False):
    def f(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return f


def n_vector_norm(ord=2, axis=None, keepdims=False):
    def f(x):
        return np.linalg.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return f


def n_matrix_norm(ord="fro", keepdims=False):
    def f(x):
        return np.linalg.matrix_norm(x, ord=ord, keepdims=keepdims)
    return f


add("linalg.norm", n_norm(), (rnd(5),), (rnd(3, 4),))
for _ord in (1, 2, 3, 0.5, np.inf, -np.inf):
    add("linalg.norm", n_norm(_ord), (np.array([0.4, -1.3, 2.2, 0.7]),))
add("linalg.norm", n_norm(np.inf, axis=1, keepdims=True), (rnd(3, 4),))
add("linalg.norm", n_norm(None, axis=0), (rnd(3, 4),))
for _ord in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    add("linalg.norm", n_norm(_ord), (rnd(3, 4),))
add("linalg.norm", n_norm(2, axis=(2, 0)), (rnd(3, 2, 4),))
add("linalg.vector_norm", n_vector_norm(), (rnd(3, 4),))
add("linalg.vector_norm", n_vector_norm(1, axis=1, keepdims=True), (rnd(3, 4),))
add("linalg.vector_norm", n_vector_norm(3, axis=(0, 2)), (rnd(2, 3, 2),))
add("linalg.matrix_norm", n_matrix_norm(), (rnd(2, 3, 4),))
add("linalg.matrix_norm", n_matrix_norm("nuc", keepdims=True), (rnd(2, 3, 4),))

# -- shapes ----------------------------------------------------------------------------------------


def f_reshape(x): return np.reshape(x, (4, 3))
def f_reshape_m(x): return x.reshape(2, 6)
def f_reshape_m_tuple(x): return x.reshape((-1,))
def f_reshape_f(x): return np.reshape(x, (4, 3), order="F") * np.arange(12.0).reshape(4, 3)
def f_reshape_m_f(x): return x.reshape(-1, order="F") * np.arange(12.0)
def f_transpose(x): return np.transpose(x)
def f_transpose_axes(x): return np.transpose(x, (1, 2, 0))
def f_transpose_m(x): return x.transpose(2, 0, 1)
def f_T(x): return x.T
def f_ravel(x): return np.ravel(x)
def f_ravel_f(x): return np.ravel(x, order="F")
def f_ravel_m(x): return x.ravel()
def f_flatten_m(x): return x.flatten("F")
def f_squeeze(x): return np.squeeze(x)
def f_squeeze_axis(x): return np.squeeze(x, axis=0)
def f_squeeze_m(x): return x.squeeze()
def f_expand_dims(x): return np.expand_dims(x, (0, 2))
def f_atleast_1d(x): return np.atleast_1d(x)
def f_atleast_2d(x): return np.atleast_2d(x)
def f_atleast_3d(x): return np.atleast_3d(x)
def f_swapaxes(x): return np.swapaxes(x, 0, 2)
def f_swapaxes_m(x): return x.swapaxes(1, -1)
def f_moveaxis(x): return np.moveaxis(x, 0, -1)
def f_moveaxis_multi(x): return np.moveaxis(x, [0, 1], [2, 0])
def f_rollaxis(x): return np.rollaxis(x, 2)
def f_rollaxis_start(x): return np.rollaxis(x, 0, 2)
def f_permute_dims(x): return np.permute_dims(x, (2, 0, 1))
def f_broadcast_to(x): return np.broadcast_to(x, (2, 3, 4))


add("reshape", f_reshape, (rnd(3, 4),), (rnd(12),))
add("reshape", f_reshape_f, (rnd(3, 4),))
add(".reshape", f_reshape_m_f, (rnd(3, 4),))
add(".reshape", f_reshape_m, (rnd(3, 4),))
add(".reshape", f_reshape_m_tuple, (rnd(3, 4),))
add("transpose", f_transpose, (rnd(3, 4),))
add("transpose", f_transpose_axes, (rnd(2, 3, 4),))
add(".transpose", f_transpose_m, (rnd(2, 3, 4),))
add((".T", ".attr:T"), f_T, (rnd(3, 4),))
add("ravel", f_ravel, (rnd(3, 4),))
add("ravel", f_ravel_f, (rnd(3, 4),))
add(".ravel", f_ravel_m, (rnd(3, 4),))
add(".flatten", f_flatten_m, (rnd(3, 4),))
add("squeeze", f_squeeze, (rnd(1, 3, 1),))
add("squeeze", f_squeeze_axis, (rnd(1, 3, 1),))
add(".squeeze", f_squeeze_m, (rnd(3, 1),))
add("expand_dims", f_expand_dims, (rnd(3),))
add("atleast_1d", f_atleast_1d, (0.5,), (rnd(3),))
add("atleast_2d", f_atleast_2d, (rnd(3),), (0.5,))
add("atleast_3d", f_atleast_3d, (rnd(3),), (rnd(2, 3),))
add("swapaxes", f_swapaxes, (rnd(2, 3, 4),))
add(".swapaxes", f_swapaxes_m, (rnd(2, 3, 4),))
add("moveaxis", f_moveaxis, (rnd(2, 3, 4),))
add("moveaxis", f_moveaxis_multi, (rnd(2, 3, 4),))
add("rollaxis", f_rollaxis, (rnd(2, 3, 4),))
add("rollaxis", f_rollaxis_start, (rnd(2, 3, 4),))
add("permute_dims", f_permute_dims, (rnd(2, 3, 4),))
add("broadcast_to", f_broadcast_to, (rnd(4),), (rnd(3, 1),), (0.5,))


def f_concatenate(a, b): return np.concatenate([a, b * 2.0], axis=1)
def f_concatenate_none(a, b): return np.concatenate((a, b), axis=None)
def f_concat(a, b): return np.concat([b, a])
def f_stack(a, b): return np.stack([a, b], axis=1)
def f_hstack(a, b): return np.hstack([a, b])
def f_vstack(a, b): return np.vstack([a, b])
def f_row_stack(a, b): return np.row_stack([a, b])
def f_dstack(a, b): return np.dstack([a, b])
def f_column_stack(a, b): return np.column_stack([a, b])


def f_concatenate_list(xs):
    return np.concatenate(xs)


add("concatenate", f_concatenate, (rnd(2, 3), rnd(2, 2)))
add("concatenate", f_concatenate_none, (rnd(2, 3), rnd(4)))
add("concatenate", f_concatenate_list, ([rnd(2), rnd(3)],))
add("concat", f_concat, (rnd(2, 3), rnd(1, 3)))
add("stack", f_stack, (rnd(2, 3), rnd(2, 3)))
add("hstack", f_hstack, (rnd(2), rnd(3)), (rnd(2, 1), rnd(2, 3)))
add("vstack", f_vstack, (rnd(3), rnd(2, 3)))
if hasattr(np, "row_stack"):   # gone in NumPy 2.5
    add("row_stack", f_row_stack, (rnd(3), rnd(3)))
add("dstack", f_dstack, (rnd(3), rnd(3)), (rnd(2, 2), rnd(2, 2, 3)))
add("column_stack", f_column_stack, (rnd(3), rnd(3, 2)))


def f_split(x):
    a, b, c = np.split(x, 3)
    return a * 2.0 + c, b


def f_split_idx(x):
    parts = np.split(x, [1, 3], axis=1)
    return parts[0], parts[2]


def f_array_split(x):
    a, b = np.array_split(x, 2, axis=0)
    return b


def f_hsplit(x):
    a, b = np.hsplit(x, 2)
    return a - b


def f_vsplit(x):
    a, b = np.vsplit(x, 2)
    return a * b


def f_dsplit(x):
    a, b = np.dsplit(x, [1])
    return b


def f_unstack(x):
    a, b, c = np.unstack(x, axis=1)
    return a + c


add("split", f_split, (rnd(6),), (rnd(3, 2),))
add("split", f_split_idx, (rnd(2, 5),))
add("array_split", f_array_split, (rnd(5, 2),))
add("hsplit", f_hsplit, (rnd(4),), (rnd(2, 4),))
add("vsplit", f_vsplit, (rnd(4, 2),))
add("dsplit", f_dsplit, (rnd(2, 2, 3),))
add("unstack", f_unstack, (rnd(2, 3),))


def f_append(a, b): return np.append(a, b)
def f_append_axis(a, b): return np.append(a, b, axis=0)


add("append", f_append, (rnd(2, 2), rnd(3)), (rnd(3), 0.5))
add("append", f_append_axis, (rnd(2, 3), rnd(1, 3)))


def f_flip(x): return np.flip(x)
def f_flip_axis(x): return np.flip(x, axis=(0, 2))
def f_fliplr(x): return np.fliplr(x)
def f_flipud(x): return np.flipud(x)
def f_roll(x): return np.roll(x, 2)
def f_roll_axes(x): return np.roll(x, (1, -2), axis=(0, 2))
def f_rot90(x): return np.rot90(x)
def f_rot90_k(x): return np.rot90(x, 3, axes=(1, 2))
def f_tile(x): return np.tile(x, 3)
def f_tile_2d(x): return np.tile(x, (2, 1, 2))
def f_repeat(x): return np.repeat(x, 2)
def f_repeat_axis(x): return np.repeat(x, [1, 0, 3], axis=1)
def f_repeat_m(x): return x.repeat(2, axis=0)
def f_resize(x): return np.resize(x, (3, 5))


add("flip", f_flip, (rnd(2, 3),))
add("flip", f_flip_axis, (rnd(2, 3, 2),))
add("fliplr", f_fliplr, (rnd(2, 3),))
add("flipud", f_flipud, (rnd(2, 3),))
add("roll", f_roll, (rnd(2, 3),))
add("roll", f_roll_axes, (rnd(2, 3, 4),))
add("rot90", f_rot90, (rnd(2, 3),))
add("rot90", f_rot90_k, (rnd(2, 3, 4),))
add("tile", f_tile, (rnd(3),), (rnd(2, 2),))
add("tile", f_tile_2d, (rnd(2, 3),))
add("repeat", f_repeat, (rnd(2, 3),))
add("repeat", f_repeat_axis, (rnd(2, 3),))
add(".repeat", f_repeat_m, (rnd(2, 3),))
add("resize", f_resize, (rnd(2, 3),), (rnd(4),))


def pad_(width, mode="constant"):
    def f(x):
        return np.pad(x, width, mode=mode)
    return f


def f_pad_fill(x, c):
    return np.pad(x, 2, constant_values=c)


add("pad", pad_(1), (rnd(3),), (rnd(2, 3),))
add("pad", pad_(((1, 2), (0, 1))), (rnd(2, 3),))
for _mode in ("edge", "reflect", "symmetric", "wrap"):
    add("pad", pad_(((2, 1), (1, 3)), _mode), (rnd(3, 4),))
add("pad", f_pad_fill, (rnd(3), 0.7))


def f_pad_mean(x): return np.pad(x, ((1, 2), (2, 1)), mode="mean")
def f_pad_mean_stat(x): return np.pad(x, 3, mode="mean", stat_length=2)
def f_pad_ramp(x): return np.pad(x, ((2, 1), (0, 2)), mode="linear_ramp", end_values=((0.5, -1.0), (0.0, 2.0)))
def f_pad_odd(x): return np.pad(x, ((2, 1), (1, 3)), mode="reflect", reflect_type="odd")
def f_pad_symmetric_odd(x): return np.pad(x, (3, 2), mode="symmetric", reflect_type="odd")


add("pad", f_pad_mean, (rnd(3, 4),))
add("pad", f_pad_mean_stat, (rnd(5),))
add("pad", f_pad_ramp, (rnd(3, 4),))
add("pad", f_pad_odd, (rnd(3, 4),))
add("pad", f_pad_symmetric_odd, (rnd(4),))


IDX = np.array([[2, 0], [1, 2]])


def f_take(x): return np.take(x, IDX)
def f_take_axis(x): return np.take(x, [0, 2, 2], axis=1)
def f_take_wrap(x): return np.take(x, [5, -7, 1], mode="wrap")
def f_take_m(x): return x.take([1, 1, 0], axis=0)
def f_take_along_axis(x): return np.take_along_axis(x, np.argsort(x, axis=1), axis=1)
def f_take_along_axis0(x): return np.take_along_axis(x, np.array([[0, 1, 1, 0]]), axis=0)
def f_compress(x): return np.compress([True, False, True], x, axis=0)
def f_compress_m(x): return x.compress([False, True, True, False], axis=1)
def f_extract(x): return np.extract(x > 0, x)
def f_delete(x): return np.delete(x, [0, 2], axis=1)
def f_delete_flat(x): return np.delete(x, 1)


add("take", f_take, (rnd(3, 2),))
add("take", f_take_axis, (rnd(2, 3),))
add("take", f_take_wrap, (rnd(2, 3),))
add(".take", f_take_m, (rnd(2, 3),))
add("take_along_axis", f_take_along_axis, (rnd(3, 4),))
add("take_along_axis", f_take_along_axis0, (rnd(2, 4),))
add("compress", f_compress, (rnd(3, 2),))
add(".compress", f_compress_m, (rnd(2, 4),))
add("extract", f_extract, (rnd(3, 3),))
add("delete", f_delete, (rnd(2, 4),))
add("delete", f_delete_flat, (rnd(2, 2),))


def f_block(a, b): return np.block([[a, b], [b * 2.0, a]])
def f_block_mixed(a, c): return np.block([[a, np.zeros((2, 1))], [c * np.ones((1, 2)), c]])
def f_block_flat(v, w): return np.block([v, w, 1.0])


add("block", f_block, (rnd(2, 2), rnd(2, 3)[:, :2]), (rnd(2, 3), rnd(2, 3)))
add("block", f_block_mixed, (rnd(2, 2), 0.7))
add("block", f_block_flat, (rnd(3), rnd(2)))


def f_windows(x): return np.lib.stride_tricks.sliding_window_view(x, 3)
def f_windows_2d(x): return np.lib.stride_tricks.sliding_window_view(x, (2, 2)) * 1.5
def f_windows_axis(x): return np.lib.stride_tricks.sliding_window_view(x, 2, axis=0) ** 2


def f_moving_average(x):
    return np.mean(np.lib.stride_tricks.sliding_window_view(x, 4), axis=-1)


add("lib.stride_tricks.sliding_window_view", f_windows, (rnd(6),))
add("lib.stride_tricks.sliding_window_view", f_windows_2d, (rnd(3, 4),))
add("lib.stride_tricks.sliding_window_view", f_windows_axis, (rnd(3, 2),))
add("lib.stride_tricks.sliding_window_view", f_moving_average, (rnd(7),))


def f_sort(x): return np.sort(x)
def f_sort_axis(x): return np.sort(x, axis=0)
def f_sort_none(x): return np.sort(x, axis=None)
def f_partition(x): return np.partition(x, 2)
def f_partition_axis(x): return np.partition(x, (0, 2), axis=0)


add("sort", f_sort, (rnd(5),), (rnd(3, 4),))
add("sort", f_sort_axis, (rnd(3, 4),))
add("sort", f_sort_none, (rnd(3, 4),))
add("partition", f_partition, (rnd(5),))
add("partition", f_partition_axis, (rnd(4, 3),))


def f_array(a, b):
    return np.array([a, b * 2.0, 1.0])


def f_array_nested(a, b):
    return np.array([[a, b], [b, a]])


def f_array_of_arrays(x, y):
    return np.array([x, y])


def f_array_ndmin(x):
    return np.array(x, ndmin=3)


def f_asarray(x, y): return np.asarray((x, y))
def f_asanyarray(x): return np.asanyarray(x)
def f_ascontiguousarray(x): return np.ascontiguousarray(x.T)
def f_asfortranarray(x): return np.asfortranarray(x)
def f_copy(x): return np.copy(x)
def f_copy_m(x): return x.copy()
def f_astype_m(x): return x.astype(np.float64) * 2.0


def f_full(c):
    return np.full((2, 3), c)


def f_full_array(c):
    return np.full((2, 3), c)


def f_full_like(x, c):
    return np.full_like(x, c) * x


def f_linspace(a, b):
    return np.linspace(a, b, 5)


def f_linspace_axis(a, b):
    return np.linspace(a, b, 4, endpoint=False, axis=1)


add("array", f_array, (0.3, -1.2))
add("array", f_array_nested, (0.3, -1.2))
add("array", f_array_of_arrays, (rnd(3), rnd(3)))
add("array", f_array_ndmin, (rnd(2),))
add("asarray", f_asarray, (rnd(2), rnd(2)), (0.4, 0.5))
add("asanyarray", f_asanyarray, (rnd(2, 2),))
add("ascontiguousarray", f_ascontiguousarray, (rnd(2, 3),))
add("asfortranarray", f_asfortranarray, (rnd(2, 3),))
add("copy", f_copy, (rnd(2, 3),))
add(".copy", f_copy_m, (rnd(2, 3),))
add(".astype", f_astype_m, (rnd(2, 3),))
add("full", f_full, (0.5,))
add("full", f_full_array, (rnd(3),))
add("full_like", f_full_like, (rnd(2, 3), 0.4))
add("linspace", f_linspace, (0.5, 2.0), (rnd(3), 1.0))
add("linspace", f_linspace_axis, (rnd(2), rnd(2)))


def f_fftshift(x): return np.fft.fftshift(x)
def f_fftshift_axes(x): return np.fft.fftshift(x, axes=1)
def f_ifftshift(x): return np.fft.ifftshift(x)


add("fft.fftshift", f_fftshift, (rnd(5),), (rnd(3, 4),))
add("fft.fftshift", f_fftshift_axes, (rnd(3, 5),))
add("fft.ifftshift", f_ifftshift, (rnd(5),), (rnd(3, 4),))

def f_astype(x): return np.astype(x, np.float64) * 3.0
def f_asarray_chkfinite(x): return np.asarray_chkfinite(x)
def f_unwrap(x): return np.unwrap(x * 4.0)
def f_vander(x): return np.vander(x)
def f_vander_inc(x): return np.vander(x, 4, increasing=True)
def f_polyval(p, x): return np.polyval(p, x)
def f_cov(m): return np.cov(m)
def f_cov_y(m, y): return np.cov(m, y, rowvar=False, ddof=0)
def f_cov_1d(m): return np.cov(m, bias=True)
def f_corrcoef(x): return np.corrcoef(x)
def f_corrcoef_y(x, y): return np.corrcoef(x, y)
def f_cond(x): return np.linalg.cond(x)
def f_cond_fro(x): return np.linalg.cond(x, "fro")
def f_cond_1(x): return np.linalg.cond(x, 1)


add("astype", f_astype, (rnd(2, 3),))


def f_float64_cast(x): return np.float64(x[0]) * x + np.double(x[1] * 2.0)
def f_longdouble_cast(x): return np.longdouble(x[0]).astype(np.float64) * x


add(("float64", "double"), f_float64_cast, (rnd(3),))
add("longdouble", f_longdouble_cast, (rnd(3),))
add("asarray_chkfinite", f_asarray_chkfinite, (rnd(3),))
add("unwrap", f_unwrap, (np.linspace(0.0, 3.0, 6),))
add("vander", f_vander, (rnd(3),))
add("vander", f_vander_inc, (np.array([0.0, 1.5, -0.7]),))
add("polyval", f_polyval, (rnd(3), rnd(4)), (rnd(4), 0.7), (rnd(1), rnd(2)))


def f_polyadd(a, b): return np.polyadd(a, b)
def f_polysub(a, b): return np.polysub(a, b)
def f_polymul(a, b): return np.polymul(a, b)
def f_polyder(p): return np.polyder(p), np.polyder(p, 2)
def f_polyder_high(p): return np.polyder(p, 4)
def f_polyint(p): return np.polyint(p), np.polyint(p, 3)
def f_polyint_k(p, k): return np.polyint(p, 2, k)
def f_polyint_ks(p, k): return np.polyint(p, 2, [k, -2.0 * k])


add("polyadd", f_polyadd, (rnd(2), rnd(4)), (rnd(3), rnd(3)), (rnd(3), 0.6))
add("polysub", f_polysub, (rnd(4), rnd(2)), (0.5, rnd(3)))
add("polymul", f_polymul, (rnd(3), rnd(2)), (rnd(2), 1.5))
add("polyder", f_polyder, (rnd(4),))
add("polyder", f_polyder_high, (rnd(3),))
add("polyint", f_polyint, (rnd(3),))
add("polyint", f_polyint_k, (rnd(3), 0.8), (rnd(2), np.array([0.3, -1.1])))
add("polyint", f_polyint_ks, (rnd(3), 0.8))


def f_polyfit(x, y): return np.polyfit(x, y, 2)
def f_polyfit_columns(x, y): return np.polyfit(x, y, 1)
def f_polyfit_weighted(x, y, w): return np.polyfit(x, y, 2, w=w)


XS = np.linspace(-1.0, 1.0, 6) + 0.05 * rnd(6)
add("polyfit", f_polyfit, (XS, rnd(6)), (XS, rnd(6, 2)))
add("polyfit", f_polyfit_columns, (XS[:4], rnd(4, 3)))
add("polyfit", f_polyfit_weighted, (XS, rnd(6), pos(6)), (XS, rnd(6, 2), pos(6)))
add("cov", f_cov, (rnd(3, 5),))
add("cov", f_cov_y, (rnd(5, 2), rnd(5)))
add("cov", f_cov_1d, (rnd(4),))
add("corrcoef", f_corrcoef, (rnd(3, 5),))
add("corrcoef", f_corrcoef_y, (rnd(5), rnd(5)))
add("linalg.cond", f_cond, (SQ,), (rnd(2, 3, 3),))
add("linalg.cond", f_cond_fro, (SQ,))
add("linalg.cond", f_cond_1, (SQ,))


def f_logspace(a, b): return np.logspace(a, b, 4)
def f_logspace_base(a, b): return np.logspace(a, b, 3, base=2.0, endpoint=False, axis=1)
def f_geomspace(a, b): return np.geomspace(a, b, 4)
def f_geomspace_axis(a, b): return np.geomspace(a, b, 3, axis=1)


add("logspace", f_logspace, (0.5, 1.2), (rnd(2) * 0.3, 0.4))
add("logspace", f_logspace_base, (rnd(2), rnd(2)))
add("geomspace", f_geomspace, (0.5, 3.0), (pos(2), 1.5))
add("geomspace", f_geomspace_axis, (pos(2), pos(2)))


def f_meshgrid(x, y):
    a, b = np.meshgrid(x, y)
    return a * b + a


def f_meshgrid_ij(x, y, z):
    a, b, c = np.meshgrid(x, y, z, indexing="ij", sparse=True)
    return a * b * c


def f_broadcast_arrays(x, y):
    a, b = np.broadcast_arrays(x, y)
    return a * 2.0, b


add("meshgrid", f_meshgrid, (rnd(3), rnd(2)))
add("meshgrid", f_meshgrid_ij, (rnd(2), rnd(3), rnd(2)))
add("broadcast_arrays", f_broadcast_arrays, (rnd(3, 1), rnd(4)), (0.5, rnd(2)))


def f_insert(a, v): return np.insert(a, 1, v)
def f_insert_axis(a, v): return np.insert(a, [0, 2], v, axis=1)


add("insert", f_insert, (rnd(3), 0.5), (rnd(2, 2), rnd(2)))
add("insert", f_insert_axis, (rnd(2, 3), rnd(2, 1)))


def f_select(x, y, z):
    return np.select([x > 0.5, x < -0.2], [y, x * 2.0], z)


add("select", f_select, (rnd(4), rnd(4), rnd(4)), (rnd(2, 3), rnd(3), 0.7))


def f_choose(x, y):
    return np.choose(np.array([[0, 2, 1], [1, 0, 2]]), [x, y * x, 0.5])


def f_choose_wrap(x):
    return np.choose(np.array([0, 3, -1, 2]), (x, np.sin(x), x ** 2), mode="wrap")


add("choose", f_choose, (rnd(2, 3), rnd(3)))
add("choose", f_choose_wrap, (rnd(4),))


def f_interp(x, xs, fs):
    return np.interp(x, xs, fs)


def f_interp_bounds(x, fs, lo, hi):
    return np.interp(x, np.array([0.0, 1.0, 2.5]), fs, left=lo, right=hi)


add("interp", f_interp, (np.array([0.1, 1.3, 2.0, -0.5, 3.5]), np.array([0.0, 1.0, 1.7, 3.0]), rnd(4)),
    (0.6, np.array([0.0, 1.0, 1.7]), rnd(3)))
add("interp", f_interp_bounds, (np.array([-0.3, 0.4, 2.0, 2.8]), rnd(3), 0.3, -0.2))


def f_fft(x):
    y = np.fft.fft(x)
    return np.real(y), np.imag(y)


def f_fft_n(x):
    y = np.fft.fft(x, 6, axis=0, norm="ortho")
    return np.real(y) + np.imag(y) * 2.0


def f_fft_cut(x):
    y = np.fft.fft(x, 3)
    return np.imag(y)


def f_ifft(x):
    y = np.fft.ifft(x * 1.5)
    return np.real(y), np.imag(y)


def f_rfft(x):
    y = np.fft.rfft(x, norm="forward")
    return np.real(y), np.imag(y)


def f_rfft_n(x):
    y = np.fft.rfft(x, 7)
    return np.real(y), np.imag(y)


def f_fft2(x):
    y = np.fft.fft2(x)
    return np.real(y) - np.imag(y)


def f_ifft2(x):
    y = np.fft.ifft2(x, s=(3, 5))
    return np.real(y) - np.imag(y)


def f_rfft2(x):
    y = np.fft.rfft2(x)
    return np.real(y), np.imag(y)


def f_fftn(x):
    y = np.fft.fftn(x, axes=(0, 2))
    return np.real(y) * np.imag(y)


def f_ifftn(x):
    y = np.fft.ifftn(x)
    return np.real(y) + np.imag(y)


def f_rfftn(x):
    y = np.fft.rfftn(x, s=(2, 6), axes=(0, 1))
    return np.real(y), np.imag(y)


def f_angle(x):
    z = np.exp(1j * x) * (1.0 + 2.0j) + 0.5 * x
    return np.angle(z) + np.angle(z, deg=True) * 0.01


def f_angle_real(x):
    return np.angle(x - 0.5) * x   # 0 or pi: piecewise constant


add("angle", f_angle, (rnd(4),), (0.7,))
add("angle", f_angle_real, (np.array([0.1, 0.9, 1.7]),))
def f_irfft(x):
    z = np.fft.rfft(x) * np.array([1.0, 0.5 + 0.2j, -0.3j, 0.7])[: x.shape[-1] // 2 + 1]
    return np.fft.irfft(z, x.shape[-1])


def f_irfft_parts(x):
    z = x[:4] + 1j * x[4:]          # the zero and last frequencies' imaginary parts drop out
    return np.fft.irfft(z, 6, norm="ortho") ** 2


def f_irfft_cut(x):
    z = x[:4] - 0.5j * x[4:]
    return np.fft.irfft(z, 5, norm="forward"), np.fft.irfft(z, 3)


def f_irfft_axis(x):
    return np.fft.irfft(x * (1.0 + 0.5j), axis=0)


def f_irfft2(x):
    z = np.fft.rfft2(x) * np.array([1.0, 0.5 + 0.2j, -0.3j])[: x.shape[-1] // 2 + 1]
    return np.fft.irfft2(z, x.shape)


def f_irfft2_parts(x):
    z = x[:, :3] + 1j * x[:, 3:]    # not Hermitian: the parts irfft2 drops get no derivative
    return np.fft.irfft2(z, norm="ortho") ** 2


def f_irfft2_s(x):
    z = x[:, :3] * (0.5 - 1.0j)
    return np.fft.irfft2(z, s=(5, 3), norm="forward"), np.fft.irfft2(z, s=(2, 6))


def f_irfftn(x):
    z = np.fft.rfftn(x) * (1.0 + 0.3j)
    return np.fft.irfftn(z, x.shape, axes=tuple(range(x.ndim)))


def f_irfftn_axes(x):
    z = x[:, :, :2] - 0.5j * x[:, :, 2:]
    return np.fft.irfftn(z, s=(3, 4), axes=(0, 2)), np.fft.irfftn(z, axes=(2,), norm="ortho")


def f_hfft(x):
    z = x[:4] + 1j * x[4:]
    return np.fft.hfft(z), np.fft.hfft(z, 5, norm="ortho") * 2.0


def f_hfft_axis(x):
    return np.fft.hfft(x * (0.3 - 1.0j), axis=0, norm="forward")


def f_ihfft(x):
    y = np.fft.ihfft(x)
    return np.real(y), np.imag(y) * 3.0


def f_ihfft_n(x):
    y = np.fft.ihfft(x, 7, axis=0, norm="forward")
    return np.real(y) - np.imag(y)


add("fft.hfft", f_hfft, (rnd(8),))
add("fft.hfft", f_hfft_axis, (rnd(3, 2),))
add("fft.ihfft", f_ihfft, (rnd(6),), (rnd(5),))
add("fft.ihfft", f_ihfft_n, (rnd(4, 2),))
add("fft.irfft2", f_irfft2, (rnd(4, 5),), (rnd(3, 4),))
add("fft.irfft2", f_irfft2_parts, (rnd(4, 6),))
add("fft.irfft2", f_irfft2_s, (rnd(3, 6),))
add("fft.irfftn", f_irfftn, (rnd(2, 3, 4),), (rnd(5),))
add("fft.irfftn", f_irfftn_axes, (rnd(2, 3, 4),))
add("fft.irfft", f_irfft, (rnd(6),), (rnd(5),))
add("fft.irfft", f_irfft_parts, (rnd(8),))
add("fft.irfft", f_irfft_cut, (rnd(8),))
add("fft.irfft", f_irfft_axis, (rnd(3, 2),))
add("fft.fft", f_fft, (rnd(5),), (rnd(2, 4),))
add("fft.fft", f_fft_n, (rnd(4, 2),))
add("fft.fft", f_fft_cut, (rnd(5),))
add("fft.ifft", f_ifft, (rnd(4),))
add("fft.rfft", f_rfft, (rnd(6),), (rnd(2, 5),))
add("fft.rfft", f_rfft_n, (rnd(5),))
add("fft.fft2", f_fft2, (rnd(3, 4),))
add("fft.ifft2", f_ifft2, (rnd(2, 4),))
add("fft.rfft2", f_rfft2, (rnd(3, 4),))
add("fft.fftn", f_fftn, (rnd(2, 3, 4),))
add("fft.ifftn", f_ifftn, (rnd(3, 2),))
add("fft.rfftn", f_rfftn, (rnd(3, 5),))


ROTATE = np.array([[0.2, -1.5, 0.3], [1.1, 0.4, -0.2], [0.1, 0.3, 2.0]])   # a complex pair


def f_eigvals(a):
    w = np.linalg.eigvals(a)
    return np.sort(np.real(w))


def f_eigvals_complex(a):
    w = np.linalg.eigvals(a)
    return np.real(w) * np.imag(w) + np.abs(w) ** 2


add("linalg.eigvals", f_eigvals, (SPD3 := rnd(3, 3) + 3 * np.eye(3),), (np.stack([SPD3, SPD3.T + np.eye(3)]),))
add("linalg.eigvals", f_eigvals_complex, (ROTATE,))


# -- other methods and attributes --------------------------------------------------------------------


def f_dot_m(a, b): return a.dot(b)
def f_conj_m(x): return x.conj()
def f_conjugate_m(x): return x.conjugate()
def f_real_attr(x): return x.real * 2.0
def f_imag_attr(x): return x.imag + x
def f_clip_m(x, lo): return x.clip(lo, 0.5)
def f_clip_m_kw(x): return x.clip(max=0.2)
def f_tolist(a): return sum(a.tolist()) ** 2
def f_tolist_rows(a):
    rows = a.tolist()
    return rows[0][1] * rows[2][0] + sum(rows[1])


def f_item(x): return x.item(1) * x.item(0, 2)
def f_item0(x): return x.item()


add(".dot", f_dot_m, (rnd(3, 4), rnd(4)), (rnd(3, 4), rnd(4, 2)))
add(".conj", f_conj_m, (rnd(3),))
add(".conjugate", f_conjugate_m, (rnd(3),))
add(".attr:real", f_real_attr, (rnd(3),))
add(".attr:imag", f_imag_attr, (rnd(3),))
add(".clip", f_clip_m, (rnd(3, 4), -0.4), (rnd(3, 4), rnd(4) - 0.5))
add(".clip", f_clip_m_kw, (rnd(4),))
add(".tolist", f_tolist, (rnd(4),))
add(".tolist", f_tolist_rows, (rnd(3, 2),))
add(".item", f_item, (rnd(2, 3),))
add(".item", f_item0, (rnd(1, 1),))


# ---------------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------------

def leaves(x):
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in leaves(e)]
    return [x]


def is_float(x):
    return isinstance(x, float) or getattr(getattr(x, "dtype", None), "kind", "") == "f"


def float_positions(args):
    return [i for i, a in enumerate(args) if leaves(a) and all(is_float(v) for v in leaves(a))]


def flat(x):
    ls = leaves(x)
    if not ls:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in ls])


def rebuild(x, vec, dtype=None):
    pos_ = [0]

    def go(v):
        if isinstance(v, (list, tuple)):
            return type(v)(go(e) for e in v)
        n = int(np.size(v))
        chunk = vec[pos_[0]:pos_[0] + n]
        pos_[0] += n
        if isinstance(v, float):
            return float(chunk[0])
        if not is_float(v):
            return v
        return np.reshape(chunk, np.shape(v)).astype(dtype or np.asarray(v).dtype)
    return go(x)


def zeros_like(x):
    return rebuild(x, np.zeros(flat(x).size)) if all(is_float(v) for v in leaves(x)) else None


def finite_difference(fn, args, i, direction, eps=1e-6):
    base = flat(args[i])
    plus, minus = list(args), list(args)
    plus[i] = rebuild(args[i], base + eps * direction)
    minus[i] = rebuild(args[i], base - eps * direction)
    return (flat(fn(*plus)) - flat(fn(*minus))) / (2 * eps)


def _id(entry):
    key, fn, args = entry
    shapes = ",".join("x".join(map(str, np.shape(a))) if not isinstance(a, list) else "list" for a in args)
    return f"{key}-{fn.__qualname__.split('.')[0]}-{shapes}"


CASES = [pytest.param(fn, args, id=_id((key, fn, args))) for key, fn, args in TABLE]


def close(a, b, rtol=1e-5, atol=1e-6):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize("fn,args", CASES)
def test_rule(fn, args):
    """Forward and reverse mode against central differences, and against
    each other, for every float argument."""
    rng = np.random.default_rng(7)
    out = fn(*args)
    ct_vec = rng.standard_normal(flat(out).size)
    cotangent = rebuild(out, ct_vec) if not isinstance(out, float) else float(ct_vec[0])
    if isinstance(out, tuple):
        cotangent = tuple(c if is_float(o) or isinstance(o, np.ndarray) and o.dtype.kind == "f"
                          else 0 for c, o in zip(cotangent, out))
    vjp_out, pullback = srcad.vjp(fn, *args)
    grads = pullback(cotangent)
    for i in float_positions(args):
        direction = rng.standard_normal(flat(args[i]).size)
        numeric = finite_difference(fn, args, i, direction)
        tangents = [zeros_like(a) for a in args]
        tangents[i] = rebuild(args[i], direction)
        jvp_out, tangent = srcad.jvp(fn, args, tangents)
        close(flat(jvp_out), flat(out))
        close(flat(tangent), numeric)
        assert flat(grads[i]).shape == flat(args[i]).shape
        lhs = float(flat(grads[i]) @ direction)
        close(lhs, float(ct_vec @ numeric))
        close(lhs, float(ct_vec @ flat(tangent)), rtol=1e-8, atol=1e-10)


def _to32(a):
    if isinstance(a, np.ndarray) and a.dtype == np.float64:
        return a.astype(np.float32)
    if isinstance(a, (list, tuple)):
        return type(a)(_to32(v) for v in a)
    return a


FLOAT32_CASES = [c for c in CASES if any(isinstance(v, np.ndarray) for v in leaves(c.values[1]))]


@pytest.mark.parametrize("fn,args", FLOAT32_CASES)
def test_float32_stays_float32(fn, args):
    """Rules compute float32 tangents and gradients for float32 arguments
    (the generated code, before srcad casts results)."""
    args = tuple(_to32(a) for a in args)
    out = fn(*args)
    for i in float_positions(args):
        if not any(isinstance(v, np.ndarray) for v in leaves(args[i])):
            continue
        df = srcad.derivative(fn, mode="forward", wrt=i)
        name = [p for p in inspect.signature(df).parameters.values() if p.kind == p.KEYWORD_ONLY][0].name
        _, tangent = df(*args, **{name: rebuild(args[i], np.ones(flat(args[i]).size))})
        for o, tl in zip(leaves(out), leaves(tangent)):
            if getattr(o, "dtype", None) == np.float32 and hasattr(tl, "dtype"):
                assert tl.dtype == np.float32, f"tangent {tl.dtype} for a float32 result"


# ---------------------------------------------------------------------------------------------------
# arguments a rule cannot differentiate raise, they do not give wrong numbers
# ---------------------------------------------------------------------------------------------------


def u_pad_maximum(x): return np.sum(np.pad(x, 1, mode="maximum"))
def u_quantile_method(x): return np.quantile(x, 0.3, method="weibull")
def u_svd_full(x): return np.sum(np.linalg.svd(x)[0])
def u_qr_wide(x): return np.sum(np.linalg.qr(x)[1])
def u_var_where(x): return np.var(x, where=x > 0)
def u_average_returned(x): return np.average(x, returned=True)[0]
def u_linspace_retstep(x): return np.sum(np.linspace(x, 2.0, 4, retstep=True)[0])
def u_polyfit_full(x): return np.sum(np.polyfit(np.arange(4.0), x, 1, full=True)[0])
def u_polyfit_cov(x): return np.sum(np.polyfit(np.arange(4.0), x, 1, cov=True)[0])
def u_einsum_six(x): return np.einsum("i,i,i,i,i,i->", x, x, x, x, x, x)


def u_einsum_sublists_unseen(x):
    s = [0]
    return np.einsum(x, s, x, s)


@pytest.mark.parametrize("fn,x", [(u_pad_maximum, rnd(3)), (u_quantile_method, rnd(5)),
                                  (u_svd_full, rnd(3, 2)), (u_qr_wide, rnd(2, 3)),
                                  (u_var_where, rnd(4)), (u_average_returned, rnd(3)),
                                  (u_linspace_retstep, 0.5), (u_einsum_six, rnd(2)),
                                  (u_polyfit_full, rnd(4)), (u_polyfit_cov, rnd(4)),
                                  (u_einsum_sublists_unseen, rnd(2))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_unsupported_arguments_raise(fn, x):
    with pytest.raises(srcad.NonDifferentiableError):
        srcad.grad(fn)(x)
    with pytest.raises(srcad.NonDifferentiableError):
        srcad.jvp(fn, (x,), (x * 0.0 + 1.0,))


# ---------------------------------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------------------------------


def _rule_keys():
    keys = set()
    for ns, name, fwd, rev, kind in get_rules().all_entries():
        if kind == "rule" and ns in ("numpy", "method"):
            keys.add(name if ns == "numpy" else "." + name)
    return keys


def test_every_rule_is_tested():
    tested = {key for key, _, _ in TABLE}
    # (a rule for a name the installed NumPy no longer has cannot be called)
    missing = sorted(k for k in _rule_keys() - tested if k.startswith(".") or _numpy_object(k) is not None)
    assert not missing, f"rules without an entry in tests/test_rules.py TABLE: {missing}"
    unknown = sorted(tested - _rule_keys())
    assert not unknown, f"TABLE entries for rules that do not exist: {unknown}"


def test_every_rule_has_both_modes():
    rows = [(ns, name) for ns, name, fwd, rev, kind in get_rules().all_entries()
            if kind == "rule" and ns in ("numpy", "method") and not (fwd and rev)]
    assert not rows, f"rules missing a forward or reverse part: {rows}"


def _numpy_object(name):
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj


@pytest.mark.parametrize("key,fn", sorted({(k, f) for k, f, _ in TABLE}, key=lambda kf: (kf[0], kf[1].__qualname__)),
                         ids=lambda v: v if isinstance(v, str) else v.__qualname__.split(".")[0])
def test_entry_calls_its_rule(key, fn):
    """Each entry's function really calls what it is listed under, and that
    call resolves to the rule."""
    src = inspect.getsource(fn)
    rules = get_rules()
    if key.startswith(".attr:"):
        assert "." + key[6:] in src
        return
    if key.startswith("."):
        assert f".{key[1:]}" in src
        return
    assert f"np.{key}(" in src, f"{fn.__qualname__} does not call np.{key}"
    obj = _numpy_object(key)
    assert obj is not None, f"numpy has no {key}"
    ident, tpl = rules.lookup(obj)
    assert isinstance(tpl, Template)
    assert tpl.fn is rules.template("numpy", key).fn


# -- np.average with weights along a tuple of axes; np.arange; float options --------

def f_average_tuple_axis(a, w):
    return np.average(a, axis=(0, 1), weights=w)


def f_average_tuple_axis_reversed(a, w):
    return np.average(a, axis=(1, 0), weights=w.T)


def f_arange_moves_with_start_and_step(a, s):
    return np.sin(np.arange(a, a + 1.0, s))


@pytest.mark.parametrize("fn,args", [
    (f_average_tuple_axis, (rnd(2, 3, 2), np.abs(rnd(2, 3)) + 0.5)),
    (f_average_tuple_axis_reversed, (rnd(2, 3, 2), np.abs(rnd(2, 3)) + 0.5)),
    (f_arange_moves_with_start_and_step, (0.3, 0.3)),
], ids=["average-tuple-axis", "average-tuple-axis-reversed", "arange"])
def test_more_argument_forms(fn, args):
    srcad.check_grads(fn, args, order=1)
    srcad.check_grads(fn, args, order=2)


def _quantile_of(x, q):
    return np.quantile(x, q)


def _reshape_in_fortran_order(x):
    return np.sum(np.reshape(x, (4, 3), order="F") * np.arange(12.0).reshape(4, 3))


def test_a_float_option_that_depends_on_the_input_is_refused():
    with pytest.raises(srcad.NonDifferentiableError, match="q="):
        srcad.grad(_quantile_of, wrt=1)(np.array([0.3, 1.2, 0.7]), 0.4)
    # with respect to the values it still differentiates
    np.testing.assert_allclose(srcad.grad(_quantile_of)(np.array([0.3, 1.2, 0.7]), 0.4),
                               [0.2, 0.0, 0.8])


def test_reshape_in_fortran_order():
    g = srcad.grad(_reshape_in_fortran_order)(np.ones((3, 4)))
    np.testing.assert_allclose(g, np.arange(12.0).reshape(4, 3).reshape((3, 4), order="F"))
