"""Rules for the :mod:`math` module (Python floats)."""

import math

from srcad.ruledef import RuleSet, ad, d, t

rules = RuleSet("math")

LN2 = math.log(2.0)
DEG = math.pi / 180.0       # radians per degree
RAD = 180.0 / math.pi       # degrees per radian


@rules.rule("sin")
def sin(result, x):
    t[result] = math.cos(x) * t[x]
    d[x] += d[result] * math.cos(x)


@rules.rule("cos")
def cos(result, x):
    t[result] = -math.sin(x) * t[x]
    d[x] -= d[result] * math.sin(x)


@rules.rule("tan")
def tan(result, x):
    t[result] = (1.0 + result * result) * t[x]
    d[x] += d[result] * (1.0 + result * result)


@rules.rule("exp")
def exp(result, x):
    t[result] = result * t[x]
    d[x] += d[result] * result


@rules.rule("expm1")
def expm1(result, x):
    t[result] = (result + 1.0) * t[x]
    d[x] += d[result] * (result + 1.0)


@rules.rule("log")
def log(result, x, base=math.e):
    t[result] = t[x] / (x * math.log(base)) - result * t[base] / (base * math.log(base))
    d[x] += d[result] / (x * math.log(base))
    d[base] -= d[result] * result / (base * math.log(base))


@rules.rule("log1p")
def log1p(result, x):
    t[result] = t[x] / (1.0 + x)
    d[x] += d[result] / (1.0 + x)


@rules.rule("log2")
def log2(result, x):
    t[result] = t[x] / (x * math.log(2.0))
    d[x] += d[result] / (x * math.log(2.0))


@rules.rule("log10")
def log10(result, x):
    t[result] = t[x] / (x * math.log(10.0))
    d[x] += d[result] / (x * math.log(10.0))


@rules.rule("sqrt")
def sqrt(result, x):
    t[result] = t[x] / (2.0 * result)
    d[x] += d[result] / (2.0 * result)


@rules.rule("tanh")
def tanh(result, x):
    t[result] = (1.0 - result * result) * t[x]
    d[x] += d[result] * (1.0 - result * result)


@rules.rule("sinh")
def sinh(result, x):
    t[result] = math.cosh(x) * t[x]
    d[x] += d[result] * math.cosh(x)


@rules.rule("cosh")
def cosh(result, x):
    t[result] = math.sinh(x) * t[x]
    d[x] += d[result] * math.sinh(x)


@rules.rule("asin")
def asin(result, x):
    t[result] = t[x] / math.sqrt(1.0 - x * x)
    d[x] += d[result] / math.sqrt(1.0 - x * x)


@rules.rule("acos")
def acos(result, x):
    t[result] = -t[x] / math.sqrt(1.0 - x * x)
    d[x] -= d[result] / math.sqrt(1.0 - x * x)


@rules.rule("atan")
def atan(result, x):
    t[result] = t[x] / (1.0 + x * x)
    d[x] += d[result] / (1.0 + x * x)


@rules.rule("asinh")
def asinh(result, x):
    t[result] = t[x] / math.sqrt(x * x + 1.0)
    d[x] += d[result] / math.sqrt(x * x + 1.0)


@rules.rule("acosh")
def acosh(result, x):
    t[result] = t[x] / math.sqrt(x * x - 1.0)
    d[x] += d[result] / math.sqrt(x * x - 1.0)


@rules.rule("atanh")
def atanh(result, x):
    t[result] = t[x] / (1.0 - x * x)
    d[x] += d[result] / (1.0 - x * x)


@rules.rule("atan2")
def atan2(result, y, x):
    s = x * x + y * y
    t[result] = (x * t[y] - y * t[x]) / s
    d[y] += d[result] * x / s
    d[x] -= d[result] * y / s


@rules.rule("hypot")
def hypot(result, x, y=0.0, z=0.0, u=0.0, v=0.0):
    """Up to five coordinates (``math.hypot(*coordinates)``)."""
    t[result] = (x * t[x] + y * t[y] + z * t[z] + u * t[u] + v * t[v]) / result
    d[x] += d[result] * x / result
    d[y] += d[result] * y / result
    d[z] += d[result] * z / result
    d[u] += d[result] * u / result
    d[v] += d[result] * v / result


@rules.rule("pow")
def pow(result, x, y):
    t[result] = y * math.pow(x, y - 1.0) * t[x] + result * math.log(x) * t[y]
    d[x] += d[result] * y * math.pow(x, y - 1.0)
    d[y] += d[result] * result * math.log(x)


@rules.rule("fmod", "remainder")
def fmod(result, x, y):
    """``x - n * y`` with ``n`` an integer (truncated or nearest) that is
    piecewise constant."""
    n = round((x - result) / y)
    t[result] = t[x] - n * t[y]
    d[x] += d[result]
    d[y] -= d[result] * n


@rules.rule("ldexp")
def ldexp(result, x, i):
    t[result] = math.ldexp(t[x], i)
    d[x] += math.ldexp(d[result], i)


@rules.rule("radians")
def radians(result, x):
    t[result] = t[x] * DEG
    d[x] += d[result] * DEG


@rules.rule("degrees")
def degrees(result, x):
    t[result] = t[x] * RAD
    d[x] += d[result] * RAD


if hasattr(math, "cbrt"):   # Python 3.11
    @rules.rule("cbrt")
    def cbrt(result, x):
        t[result] = t[x] / (3.0 * result * result)
        d[x] += d[result] / (3.0 * result * result)


if hasattr(math, "exp2"):   # Python 3.11
    @rules.rule("exp2")
    def exp2(result, x):
        t[result] = result * LN2 * t[x]
        d[x] += d[result] * result * LN2


@rules.rule("copysign")
def copysign(result, x, y):
    """|x| with the sign of y: a slope of +-1 in x, none in y (almost everywhere)."""
    t[result] = math.copysign(1.0, x) * math.copysign(1.0, y) * t[x]
    d[x] += d[result] * math.copysign(1.0, x) * math.copysign(1.0, y)


@rules.rule("fabs")
def fabs(result, x):
    t[result] = math.copysign(1.0, x) * t[x]
    d[x] += d[result] * math.copysign(1.0, x)


@rules.rule("lgamma")
def lgamma(result, x):
    t[result] = ad.digamma(x) * t[x]
    d[x] += d[result] * ad.digamma(x)


@rules.rule("gamma")
def gamma(result, x):
    t[result] = result * ad.digamma(x) * t[x]
    d[x] += d[result] * result * ad.digamma(x)


@rules.rule("erf")
def erf(result, x):
    g = 2.0 / math.sqrt(math.pi) * math.exp(-x * x)
    t[result] = g * t[x]
    d[x] += d[result] * g


@rules.rule("erfc")
def erfc(result, x):
    g = -2.0 / math.sqrt(math.pi) * math.exp(-x * x)
    t[result] = g * t[x]
    d[x] += d[result] * g


rules.nondifferentiable(
    "floor", "ceil", "trunc", "isnan", "isinf", "isfinite", "isclose", "factorial",
    "gcd", "comb", "perm", "copysign_sign", "isqrt", "lcm", "ulp",
)


@rules.rule("fsum")
def fsum(result, seq):
    t[result] = ad.sum_tangent(t[seq])
    d[seq] += ad.sum_adjoint(d[result], seq)
