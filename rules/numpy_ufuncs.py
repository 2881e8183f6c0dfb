"""Rules for NumPy's elementwise functions (ufuncs and their array-API
spellings: ``asin`` is ``arcsin``...), beyond the arithmetic core in
``rules/numpy.py``. ``xp`` is the namespace of the call site.

Constants are Python floats so that float32 arguments keep float32
derivatives (a NumPy float64 scalar would promote them).
"""

import math

from srcad import rule_helpers as rh
from srcad.ruledef import RuleSet, ad, d, t, xp

rules = RuleSet("numpy")

LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEG = math.pi / 180.0       # radians per degree
RAD = 180.0 / math.pi       # degrees per radian

# -- inverse trigonometric and hyperbolic ------------------------------------------------


@rules.rule("arcsin", "asin")
def arcsin(result, x):
    s = xp.sqrt(1 - x * x)
    t[result] = t[x] / s
    d[x] += d[result] / s


@rules.rule("arccos", "acos")
def arccos(result, x):
    s = xp.sqrt(1 - x * x)
    t[result] = -t[x] / s
    d[x] -= d[result] / s


rules.alias("atan", "arctan")


@rules.rule("arcsinh", "asinh")
def arcsinh(result, x):
    s = xp.sqrt(x * x + 1)
    t[result] = t[x] / s
    d[x] += d[result] / s


@rules.rule("arccosh", "acosh")
def arccosh(result, x):
    s = xp.sqrt(x * x - 1)
    t[result] = t[x] / s
    d[x] += d[result] / s


@rules.rule("arctanh", "atanh")
def arctanh(result, x):
    t[result] = t[x] / (1 - x * x)
    d[x] += d[result] / (1 - x * x)


@rules.rule("arctan2", "atan2", broadcast=True)
def arctan2(result, x1, x2):
    s = x1 * x1 + x2 * x2
    t[result] = (x2 * t[x1] - x1 * t[x2]) / s
    d[x1] += d[result] * x2 / s
    d[x2] -= d[result] * x1 / s


@rules.rule("hypot", broadcast=True)
def hypot(result, x1, x2):
    t[result] = (x1 * t[x1] + x2 * t[x2]) / result
    d[x1] += d[result] * x1 / result
    d[x2] += d[result] * x2 / result


@rules.rule("sinc")
def sinc(result, x):
    s = rh.sinc_derivative(x, result)
    t[result] = s * t[x]
    d[x] += d[result] * s


# -- exponentials and logarithms -------------------------------------------------------------


@rules.rule("exp2")
def exp2(result, x):
    t[result] = result * LN2 * t[x]
    d[x] += d[result] * result * LN2


@rules.rule("log2")
def log2(result, x):
    t[result] = t[x] / (x * LN2)
    d[x] += d[result] / (x * LN2)


@rules.rule("log10")
def log10(result, x):
    t[result] = t[x] / (x * LN10)
    d[x] += d[result] / (x * LN10)


@rules.rule("logaddexp", broadcast=True)
def logaddexp(result, x1, x2):
    w1 = xp.exp(x1 - result)
    w2 = xp.exp(x2 - result)
    t[result] = w1 * t[x1] + w2 * t[x2]
    d[x1] += d[result] * w1
    d[x2] += d[result] * w2


@rules.rule("logaddexp2", broadcast=True)
def logaddexp2(result, x1, x2):
    w1 = xp.exp2(x1 - result)
    w2 = xp.exp2(x2 - result)
    t[result] = w1 * t[x1] + w2 * t[x2]
    d[x1] += d[result] * w1
    d[x2] += d[result] * w2


@rules.rule("cbrt")
def cbrt(result, x):
    t[result] = t[x] / (3 * result * result)
    d[x] += d[result] / (3 * result * result)


@rules.rule("float_power", broadcast=True)
def float_power(result, x1, x2):
    t[result] = x2 * xp.float_power(x1, x2 - 1) * t[x1] + ad.exponent_tangent(result, x1, t[x2])
    d[x1] += d[result] * x2 * xp.float_power(x1, x2 - 1)
    d[x2] += d[result] * ad.pow_log(result, x1)


rules.alias("pow", "power")

# -- angles ------------------------------------------------------------------------------------


@rules.rule("deg2rad", "radians")
def deg2rad(result, x):
    t[result] = t[x] * DEG
    d[x] += d[result] * DEG


@rules.rule("rad2deg", "degrees")
def rad2deg(result, x):
    t[result] = t[x] * RAD
    d[x] += d[result] * RAD


# -- piecewise -----------------------------------------------------------------------------------


@rules.rule("fabs")
def fabs(result, x):
    t[result] = xp.sign(x) * t[x]
    d[x] += d[result] * xp.sign(x)


@rules.rule("fmax", broadcast=True)
def fmax(result, x1, x2):
    pick = rh.fmax_select(x1, x2)
    t[result] = xp.where(pick, t[x1], t[x2])
    d[x1] += xp.where(pick, d[result], 0)
    d[x2] += xp.where(pick, 0, d[result])


@rules.rule("fmin", broadcast=True)
def fmin(result, x1, x2):
    pick = rh.fmin_select(x1, x2)
    t[result] = xp.where(pick, t[x1], t[x2])
    d[x1] += xp.where(pick, d[result], 0)
    d[x2] += xp.where(pick, 0, d[result])


@rules.rule("clip", broadcast=True)
def clip(result, a, a_min=None, a_max=None, out=None, min=None, max=None):
    """Ties (``a`` equal to a bound) share the derivative evenly between
    ``a`` and the bound; ``a_min > a_max`` picks ``a_max``."""
    pick = rh.clip_select(a, a_min, a_max, min, max)
    t[result] = pick[0] * t[a] + pick[1] * t[a_min] + pick[2] * t[a_max] + pick[1] * t[min] \
        + pick[2] * t[max]
    d[a] += pick[0] * d[result]
    d[a_min] += pick[1] * d[result]
    d[a_max] += pick[2] * d[result]
    d[min] += pick[1] * d[result]
    d[max] += pick[2] * d[result]


@rules.rule("copysign", broadcast=True)
def copysign(result, x1, x2):
    """Derivative with respect to ``x1`` only (the result is piecewise
    constant in ``x2``)."""
    same = xp.signbit(x1) == xp.signbit(x2)
    t[result] = xp.where(same, t[x1], -t[x1])
    d[x1] += xp.where(same, d[result], -d[result])


@rules.rule("fmod", broadcast=True)
def fmod(result, x1, x2):
    n = xp.round((x1 - result) / x2)
    t[result] = t[x1] - n * t[x2]
    d[x1] += d[result]
    d[x2] -= d[result] * n


@rules.rule("remainder", "mod", broadcast=True)
def remainder(result, x1, x2):
    n = xp.round((x1 - result) / x2)
    t[result] = t[x1] - n * t[x2]
    d[x1] += d[result]
    d[x2] -= d[result] * n


@rules.rule("ldexp", broadcast=True)
def ldexp(result, x1, x2):
    t[result] = xp.ldexp(t[x1], x2)
    d[x1] += xp.ldexp(d[result], x2)


@rules.rule("nan_to_num")
def nan_to_num(result, x, copy=True, nan=0.0, posinf=None, neginf=None):
    finite = xp.isfinite(x)
    t[result] = finite * t[x]
    d[x] += xp.where(finite, d[result], 0)


@rules.rule("unwrap")
def unwrap(result, p, discont=None, axis=-1, *, period=6.283185307179586):
    """The correction is piecewise constant: the derivative is the identity."""
    t[result] = t[p]
    d[p] += d[result]


# -- complex parts -------------------------------------------------------------------------------


@rules.rule("conjugate", "conj")
def conjugate(result, x):
    t[result] = xp.conj(t[x])
    d[x] += xp.conj(d[result])


@rules.rule("real")
def real(result, val):
    t[result] = xp.real(t[val])
    d[val] += ad.real_adjoint(d[result])


@rules.rule("imag")
def imag(result, val):
    t[result] = xp.imag(t[val])
    d[val] += rh.imag_adjoint(ad.real_adjoint(d[result]), val)


@rules.rule("angle")
def angle(result, z, deg=False):
    """Im(conj(z) dz) / |z|^2 (times 180/pi in degrees); zero for real z,
    where the angle is 0 or pi."""
    t[result] = rh.angle_tangent(z, t[z], deg)
    d[z] += rh.angle_adjoint(ad.real_adjoint(d[result]), z, deg)


rules.nondifferentiable(
    "fix", "around", "signbit", "spacing", "isreal", "iscomplex", "isrealobj",
    "isneginf", "isposinf", "isnat", "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_invert", "invert", "left_shift", "right_shift", "bitwise_left_shift",
    "bitwise_right_shift", "packbits", "unpackbits", "can_cast", "promote_types", "min_scalar_type",
    "finfo", "iinfo", "issubdtype", "isdtype",
)

# -- methods ---------------------------------------------------------------------------------------

methods = RuleSet("method")


@methods.rule("conj", "conjugate")
def conj_method(result, self):
    t[result] = t[self].conj()
    d[self] += xp.conj(d[result])


@methods.rule("attr:real")
def real_attr(result, self):
    t[result] = t[self].real
    d[self] += ad.real_adjoint(d[result])


@methods.rule("attr:imag")
def imag_attr(result, self):
    t[result] = t[self].imag
    d[self] += rh.imag_adjoint(ad.real_adjoint(d[result]), self)


@methods.rule("clip", broadcast=True)
def clip_method(result, self, min=None, max=None, out=None):
    pick = rh.clip_select(self, min, max)
    t[result] = pick[0] * t[self] + pick[1] * t[min] + pick[2] * t[max]
    d[self] += pick[0] * d[result]
    d[min] += pick[1] * d[result]
    d[max] += pick[2] * d[result]


methods.nondifferentiable("round", "all", "any", "searchsorted", "argpartition", "tobytes",
                          "attr:itemsize", "attr:nbytes", "attr:strides")
