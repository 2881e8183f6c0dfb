"""Rules for :mod:`scipy.special`, :mod:`scipy.linalg` and :mod:`scipy.integrate`
(namespace ``scipy``).

SciPy is optional and slow to import: srcad never imports it. These rules
are looked up only once the user's code has imported ``scipy.special``, and
the templates name that module through ``special`` (a
:class:`srcad.ruledef.LazyModule`), so this file loads without SciPy.

Derivatives are written with ``special``'s own functions where they need one
(``digamma`` for ``gammaln``, ``polygamma`` for ``digamma``), so that second
derivatives go through the same rules. Constants are Python floats: float32
arguments keep float32 derivatives.
"""

import math

from srcad import rule_helpers as rh
from srcad.ruledef import LazyModule, RuleSet, ad, d, t, xp

special = LazyModule("scipy.special")
linalg = LazyModule("scipy.linalg")
integrate = LazyModule("scipy.integrate")

rules = RuleSet("scipy")

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)    # erf'(0)
HALF_SQRT_PI = math.sqrt(math.pi) / 2.0
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)  # the normal density at 0
SQRT_2PI = math.sqrt(2.0 * math.pi)
LN2 = math.log(2.0)
LN10 = math.log(10.0)

# -- logistic ---------------------------------------------------------------------------------


@rules.rule("expit")
def expit(result, x):
    s = result * (1.0 - result)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("logit")
def logit(result, x):
    s = 1.0 / (x * (1.0 - x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("log_expit")
def log_expit(result, x):
    """The slope ``1 - expit(x)`` is ``expit(-x)``, exact for large ``x``."""
    s = special.expit(-x)
    t[result] = s * t[x]
    d[x] += d[result] * s


# -- error function and the normal distribution -----------------------------------------------


@rules.rule("erf")
def erf(result, x):
    s = TWO_OVER_SQRT_PI * xp.exp(-x * x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("erfc")
def erfc(result, x):
    s = TWO_OVER_SQRT_PI * xp.exp(-x * x)
    t[result] = -s * t[x]
    d[x] -= d[result] * s


@rules.rule("erfinv")
def erfinv(result, y):
    s = HALF_SQRT_PI * xp.exp(result * result)
    t[result] = s * t[y]
    d[y] += d[result] * s


@rules.rule("erfcinv")
def erfcinv(result, y):
    s = HALF_SQRT_PI * xp.exp(result * result)
    t[result] = -s * t[y]
    d[y] -= d[result] * s


@rules.rule("ndtr")
def ndtr(result, x):
    s = INV_SQRT_2PI * xp.exp(-0.5 * x * x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("log_ndtr")
def log_ndtr(result, x):
    """The density over the distribution function, taken in logs so that it
    holds far in the lower tail."""
    s = INV_SQRT_2PI * xp.exp(-0.5 * x * x - result)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("ndtri")
def ndtri(result, y):
    s = SQRT_2PI * xp.exp(0.5 * result * result)
    t[result] = s * t[y]
    d[y] += d[result] * s


# -- gamma and beta functions -------------------------------------------------------------------


@rules.rule("gammaln")
def gammaln(result, x):
    """``log|gamma(x)|``: its slope is ``digamma(x)`` on both signs of gamma."""
    s = special.digamma(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("gamma")
def gamma(result, x):
    s = result * special.digamma(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("digamma", "psi")
def digamma(result, x):
    s = special.polygamma(1, x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("polygamma", broadcast=True, constant=("n",))
def polygamma(result, n, x):
    """The order ``n`` is an integer."""
    s = special.polygamma(n + 1, x)
    t[result] = s * t[x] + rh.constant_only(t[n], "scipy.special.polygamma with an order n that depends on the input")
    d[x] += d[result] * s


@rules.rule("betaln", broadcast=True)
def betaln(result, a, b):
    c = special.digamma(a + b)
    t[result] = (special.digamma(a) - c) * t[a] + (special.digamma(b) - c) * t[b]
    d[a] += d[result] * (special.digamma(a) - c)
    d[b] += d[result] * (special.digamma(b) - c)


# -- Bessel functions -------------------------------------------------------------------------------
# The order ``v`` is a constant: a ``v`` that depends on the input is refused.
# The recurrences I'(v) = (I(v-1) + I(v+1)) / 2 and the like hold at x = 0
# too, where forms like i0(x) - i1(x) / x divide by zero.


@rules.rule("i0")
def i0(result, x):
    s = special.i1(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("i1")
def i1(result, x):
    s = 0.5 * (special.i0(x) + special.iv(2.0, x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("i0e")
def i0e(result, x):
    """``exp(-|x|) i0(x)``."""
    s = special.i1e(x) - xp.sign(x) * result
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("i1e")
def i1e(result, x):
    """``exp(-|x|) i1(x)``."""
    s = 0.5 * (special.i0e(x) + special.ive(2.0, x)) - xp.sign(x) * result
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("k0")
def k0(result, x):
    s = -special.k1(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("k1")
def k1(result, x):
    s = -0.5 * (special.k0(x) + special.kv(2.0, x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("k0e")
def k0e(result, x):
    """``exp(x) k0(x)``."""
    s = result - special.k1e(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("k1e")
def k1e(result, x):
    """``exp(x) k1(x)``."""
    s = result - 0.5 * (special.k0e(x) + special.kve(2.0, x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("j0")
def j0(result, x):
    s = -special.j1(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("j1")
def j1(result, x):
    s = 0.5 * (special.j0(x) - special.jv(2.0, x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("y0")
def y0(result, x):
    s = -special.y1(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("y1")
def y1(result, x):
    s = 0.5 * (special.y0(x) - special.yv(2.0, x))
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("iv", broadcast=True, constant=("v",))
def iv(result, v, z):
    s = 0.5 * (special.iv(v - 1.0, z) + special.iv(v + 1.0, z))
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.iv with an order v that depends on the input")
    d[z] += d[result] * s


@rules.rule("ive", broadcast=True, constant=("v",))
def ive(result, v, z):
    """``exp(-|z|) iv(v, z)``."""
    s = 0.5 * (special.ive(v - 1.0, z) + special.ive(v + 1.0, z)) - xp.sign(z) * result
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.ive with an order v that depends on the input")
    d[z] += d[result] * s


@rules.rule("kv", broadcast=True, constant=("v",))
def kv(result, v, z):
    s = -0.5 * (special.kv(v - 1.0, z) + special.kv(v + 1.0, z))
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.kv with an order v that depends on the input")
    d[z] += d[result] * s


@rules.rule("kve", broadcast=True, constant=("v",))
def kve(result, v, z):
    """``exp(z) kv(v, z)``."""
    s = result - 0.5 * (special.kve(v - 1.0, z) + special.kve(v + 1.0, z))
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.kve with an order v that depends on the input")
    d[z] += d[result] * s


@rules.rule("jv", broadcast=True, constant=("v",))
def jv(result, v, z):
    s = 0.5 * (special.jv(v - 1.0, z) - special.jv(v + 1.0, z))
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.jv with an order v that depends on the input")
    d[z] += d[result] * s


@rules.rule("yv", broadcast=True, constant=("v",))
def yv(result, v, z):
    s = 0.5 * (special.yv(v - 1.0, z) - special.yv(v + 1.0, z))
    t[result] = s * t[z] + rh.constant_only(t[v], "scipy.special.yv with an order v that depends on the input")
    d[z] += d[result] * s


# -- more elementary and special functions ----------------------------------------------------------


@rules.rule("erfcx")
def erfcx(result, x):
    """``exp(x**2) erfc(x)``."""
    s = 2.0 * x * result - TWO_OVER_SQRT_PI
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("erfi")
def erfi(result, x):
    s = TWO_OVER_SQRT_PI * xp.exp(x * x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("dawsn")
def dawsn(result, x):
    s = 1.0 - 2.0 * x * result
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("exp1")
def exp1(result, x):
    s = -xp.exp(-x) / x
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("expi")
def expi(result, x):
    s = xp.exp(x) / x
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("log1p")
def log1p(result, x):
    t[result] = t[x] / (1.0 + x)
    d[x] += d[result] / (1.0 + x)


@rules.rule("expm1")
def expm1(result, x):
    t[result] = (result + 1.0) * t[x]
    d[x] += d[result] * (result + 1.0)


@rules.rule("exp2")
def exp2(result, x):
    t[result] = result * LN2 * t[x]
    d[x] += d[result] * result * LN2


@rules.rule("exp10")
def exp10(result, x):
    t[result] = result * LN10 * t[x]
    d[x] += d[result] * result * LN10


@rules.rule("cbrt")
def cbrt(result, x):
    t[result] = t[x] / (3.0 * result * result)
    d[x] += d[result] / (3.0 * result * result)


@rules.rule("rgamma")
def rgamma(result, x):
    """``1 / gamma(x)``."""
    s = -result * special.digamma(x)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("beta", broadcast=True)
def beta(result, a, b):
    c = special.digamma(a + b)
    t[result] = result * ((special.digamma(a) - c) * t[a] + (special.digamma(b) - c) * t[b])
    d[a] += d[result] * result * (special.digamma(a) - c)
    d[b] += d[result] * result * (special.digamma(b) - c)


@rules.rule("gammainc", broadcast=True, constant=("a",))
def gammainc(result, a, x):
    """The regularized lower incomplete gamma function, in ``x`` (the shape
    ``a`` is a constant)."""
    s = xp.exp((a - 1.0) * xp.log(x) - x - special.gammaln(a))
    t[result] = s * t[x] + rh.constant_only(t[a], "scipy.special.gammainc with a shape a that depends on the input")
    d[x] += d[result] * s


@rules.rule("gammaincc", broadcast=True, constant=("a",))
def gammaincc(result, a, x):
    s = -xp.exp((a - 1.0) * xp.log(x) - x - special.gammaln(a))
    t[result] = s * t[x] + rh.constant_only(t[a], "scipy.special.gammaincc with a shape a that depends on the input")
    d[x] += d[result] * s


@rules.rule("betainc", broadcast=True, constant=("a", "b"))
def betainc(result, a, b, x):
    """The regularized incomplete beta function, in ``x`` (``a``, ``b`` constants)."""
    s = xp.exp((a - 1.0) * xp.log(x) + (b - 1.0) * xp.log1p(-x) - special.betaln(a, b))
    t[result] = s * t[x] + rh.constant_only(t[a], "scipy.special.betainc with a that depends on the input") \
        + rh.constant_only(t[b], "scipy.special.betainc with b that depends on the input")
    d[x] += d[result] * s


@rules.rule("boxcox", broadcast=True, constant=("lmbda",))
def boxcox(result, x, lmbda):
    s = xp.power(x, lmbda - 1.0)
    t[result] = s * t[x] + rh.constant_only(t[lmbda], "scipy.special.boxcox with a lmbda that depends on the input")
    d[x] += d[result] * s


@rules.rule("boxcox1p", broadcast=True, constant=("lmbda",))
def boxcox1p(result, x, lmbda):
    s = xp.power(1.0 + x, lmbda - 1.0)
    t[result] = s * t[x] + rh.constant_only(t[lmbda], "scipy.special.boxcox1p with a lmbda that depends on the input")
    d[x] += d[result] * s


@rules.rule("ellipk")
def ellipk(result, m):
    """The complete elliptic integral of the first kind, parameter ``m``."""
    s = (special.ellipe(m) - (1.0 - m) * result) / (2.0 * m * (1.0 - m))
    t[result] = s * t[m]
    d[m] += d[result] * s


@rules.rule("ellipe")
def ellipe(result, m):
    s = (result - special.ellipk(m)) / (2.0 * m)
    t[result] = s * t[m]
    d[m] += d[result] * s


@rules.rule("kl_div", broadcast=True)
def kl_div(result, x, y):
    """``x log(x / y) - x + y``."""
    t[result] = xp.log(x / y) * t[x] + (1.0 - x / y) * t[y]
    d[x] += d[result] * xp.log(x / y)
    d[y] += d[result] * (1.0 - x / y)


@rules.rule("huber", broadcast=True, constant=("delta",))
def huber(result, delta, r):
    s = xp.clip(r, -delta, delta)
    t[result] = s * t[r] + rh.constant_only(t[delta], "scipy.special.huber with a delta that depends on the input")
    d[r] += d[result] * s


@rules.rule("pseudo_huber", broadcast=True, constant=("delta",))
def pseudo_huber(result, delta, r):
    s = r / xp.sqrt(1.0 + (r / delta) ** 2)
    t[result] = s * t[r] + rh.constant_only(t[delta], "scipy.special.pseudo_huber with a delta that depends on the input")
    d[r] += d[result] * s


# -- information theory -----------------------------------------------------------------------


@rules.rule("xlogy", broadcast=True)
def xlogy(result, x, y):
    """``xlogy(t, y)`` is ``t * log(y)``, and 0 where ``t`` is 0 (``y = 0``)."""
    t[result] = special.xlogy(t[x], y) + x / y * t[y]
    d[x] += special.xlogy(d[result], y)
    d[y] += d[result] * x / y


@rules.rule("xlog1py", broadcast=True)
def xlog1py(result, x, y):
    t[result] = special.xlog1py(t[x], y) + x / (1.0 + y) * t[y]
    d[x] += special.xlog1py(d[result], y)
    d[y] += d[result] * x / (1.0 + y)


@rules.rule("entr")
def entr(result, x):
    """``-x log x``: the slope ``-(log x + 1)`` is infinite at 0."""
    s = -(xp.log(x) + 1.0)
    t[result] = s * t[x]
    d[x] += d[result] * s


@rules.rule("rel_entr", broadcast=True)
def rel_entr(result, x, y):
    """``x log(x / y)``; at ``x = 0`` its slope in ``x`` is infinite."""
    t[result] = (xp.log(x / y) + 1.0) * t[x] - x / y * t[y]
    d[x] += d[result] * (xp.log(x / y) + 1.0)
    d[y] -= d[result] * x / y


# -- reductions -----------------------------------------------------------------------------------


@rules.rule("logsumexp")
def logsumexp(result, a, axis=None, b=None, keepdims=False, return_sign=False):
    """``return_sign=True`` is refused; ``b`` may broadcast against ``a``."""
    w = rh.logsumexp_weights(a, b, result, axis, keepdims, return_sign)
    e = rh.logsumexp_terms(a, b, result, axis, keepdims, return_sign)
    t[result] = xp.sum(w * t[a], axis=axis, keepdims=keepdims) \
        + xp.sum(e * t[b], axis=axis, keepdims=keepdims)
    d[a] += ad.unbroadcast(ad.expand_to(d[result], w, axis, keepdims) * w, a)
    d[b] += ad.unbroadcast(ad.expand_to(d[result], w, axis, keepdims) * e, b)


@rules.rule("softmax")
def softmax(result, x, axis=None):
    t[result] = result * (t[x] - xp.sum(result * t[x], axis=axis, keepdims=True))
    d[x] += result * (d[result] - xp.sum(d[result] * result, axis=axis, keepdims=True))


@rules.rule("log_softmax")
def log_softmax(result, x, axis=None):
    p = xp.exp(result)
    t[result] = t[x] - xp.sum(p * t[x], axis=axis, keepdims=True)
    d[x] += d[result] - p * xp.sum(d[result], axis=axis, keepdims=True)


# Integer-valued for integer arguments (and refused for non-integer ones
# without ``extend="complex"``). ``factorial``, ``comb`` and ``perm`` of
# floats go through the gamma function and have no rule yet: a call on a
# value that carries a derivative is refused rather than given none.
rules.nondifferentiable("factorial2", "factorialk", "stirling2")


# -- scipy.linalg -------------------------------------------------------------------------------


@rules.rule("linalg.expm")
def expm(result, A):
    """The Frechet derivative ``L(A, E)`` is the top right block of
    ``expm([[A, E], [0, A]])`` (batches too); the adjoint is ``L(A^T, G)``.
    Written with ``expm`` itself, so second derivatives go through this rule."""
    n = A.shape[-1]
    AT = xp.swapaxes(A, -1, -2)
    t[result] = linalg.expm(xp.block([[A, t[A]], [xp.zeros_like(A), A]]))[..., :n, n:]
    d[A] += linalg.expm(xp.block([[AT, d[result]], [xp.zeros_like(AT), AT]]))[..., :n, n:]


# -- scipy.integrate: sampled integrals, linear in the samples ------------------------------------


@rules.rule("integrate.simpson", constant=("x", "dx"))
def simpson(result, y, x=None, *, dx=1.0, axis=-1):
    """In the samples ``y`` (the points ``x`` or spacing ``dx`` constant)."""
    t[result] = integrate.simpson(t[y], x=x, dx=dx, axis=axis) \
        + rh.constant_only(t[x], "scipy.integrate.simpson in x") \
        + rh.constant_only(t[dx], "scipy.integrate.simpson in dx")
    d[y] += rh.integral_adjoint(d[result], y, integrate.simpson, x, dx, axis, None)


@rules.rule("integrate.cumulative_trapezoid", constant=("x", "dx"))
def cumulative_trapezoid(result, y, x=None, dx=1.0, axis=-1, initial=None):
    t[result] = integrate.cumulative_trapezoid(t[y], x=x, dx=dx, axis=axis, initial=initial) \
        + rh.constant_only(t[x], "scipy.integrate.cumulative_trapezoid in x") \
        + rh.constant_only(t[dx], "scipy.integrate.cumulative_trapezoid in dx")
    d[y] += rh.integral_adjoint(d[result], y, integrate.cumulative_trapezoid, x, dx, axis, initial)


@rules.rule("integrate.cumulative_simpson", constant=("x", "dx"))
def cumulative_simpson(result, y, *, x=None, dx=1.0, axis=-1, initial=None):
    t[result] = integrate.cumulative_simpson(t[y], x=x, dx=dx, axis=axis, initial=initial) \
        + rh.constant_only(t[x], "scipy.integrate.cumulative_simpson in x") \
        + rh.constant_only(t[dx], "scipy.integrate.cumulative_simpson in dx")
    d[y] += rh.integral_adjoint(d[result], y, integrate.cumulative_simpson, x, dx, axis, initial)
