"""Rules for NumPy (and the NumPy-compatible namespaces that share them:
CuPy, array-API namespaces). ``xp`` is the namespace of the call site."""

from srcad import rule_helpers as rh
from srcad.ruledef import RuleSet, ad, d, t, xp

from . import operator as operator_rules

rules = RuleSet("numpy")

# -- elementwise arithmetic ---------------------------------------------------


# np.add and a + b are one operation: the operator rules serve both.
rules.rule("add", broadcast=True)(operator_rules.add)
rules.rule("subtract", broadcast=True)(operator_rules.sub)
rules.rule("multiply", broadcast=True)(operator_rules.mul)
rules.rule("divide", "true_divide", broadcast=True)(operator_rules.truediv)
rules.rule("power", broadcast=True)(operator_rules.pow)
rules.rule("negative")(operator_rules.neg)
rules.rule("positive")(operator_rules.pos)


@rules.rule("square")
def square(result, x):
    t[result] = 2 * x * t[x]
    d[x] += d[result] * 2 * x


@rules.rule("reciprocal")
def reciprocal(result, x):
    t[result] = -(result * result) * t[x]
    d[x] -= d[result] * result * result


# -- exponentials, logarithms, roots ----------------------------------------------


@rules.rule("exp")
def exp(result, x):
    t[result] = result * t[x]
    d[x] += d[result] * result


@rules.rule("expm1")
def expm1(result, x):
    t[result] = (result + 1) * t[x]
    d[x] += d[result] * (result + 1)


@rules.rule("log")
def log(result, x):
    t[result] = t[x] / x
    d[x] += d[result] / x


@rules.rule("log1p")
def log1p(result, x):
    t[result] = t[x] / (1 + x)
    d[x] += d[result] / (1 + x)


@rules.rule("sqrt")
def sqrt(result, x):
    t[result] = t[x] / (2 * result)
    d[x] += d[result] / (2 * result)


# -- trigonometric and hyperbolic ---------------------------------------------------


@rules.rule("sin")
def sin(result, x):
    t[result] = xp.cos(x) * t[x]
    d[x] += d[result] * xp.cos(x)


@rules.rule("cos")
def cos(result, x):
    t[result] = -xp.sin(x) * t[x]
    d[x] -= d[result] * xp.sin(x)


@rules.rule("tan")
def tan(result, x):
    t[result] = (1 + result * result) * t[x]
    d[x] += d[result] * (1 + result * result)


@rules.rule("tanh")
def tanh(result, x):
    t[result] = (1 - result * result) * t[x]
    d[x] += d[result] * (1 - result * result)


@rules.rule("sinh")
def sinh(result, x):
    t[result] = xp.cosh(x) * t[x]
    d[x] += d[result] * xp.cosh(x)


@rules.rule("cosh")
def cosh(result, x):
    t[result] = xp.sinh(x) * t[x]
    d[x] += d[result] * xp.sinh(x)


@rules.rule("arctan")
def arctan(result, x):
    t[result] = t[x] / (1 + x * x)
    d[x] += d[result] / (1 + x * x)


# -- piecewise ----------------------------------------------------------------------


@rules.rule("abs", "absolute")
def absolute(result, x):
    t[result] = ad.abs_tangent(x, t[x])
    d[x] += ad.real_adjoint(d[result]) * ad.sign(x)


@rules.rule("maximum", broadcast=True)
def maximum(result, a, b):
    """Ties (``a == b``) share the derivative evenly, as central differences
    (and JAX) do: ``np.maximum(x, 0.0)`` at ``x == 0`` has derivative 1/2."""
    w = rh.tie_weights(a, b)
    t[result] = w[0] * t[a] + w[1] * t[b]
    d[a] += w[0] * d[result]
    d[b] += w[1] * d[result]


@rules.rule("minimum", broadcast=True)
def minimum(result, a, b):
    """Ties share the derivative evenly (see ``maximum``)."""
    w = rh.tie_weights(b, a)
    t[result] = w[0] * t[a] + w[1] * t[b]
    d[a] += w[0] * d[result]
    d[b] += w[1] * d[result]


@rules.rule("where", broadcast=True)
def where(result, condition, x, y):
    t[result] = xp.where(condition, t[x], t[y])
    d[x] += xp.where(condition, d[result], 0)
    d[y] += xp.where(condition, 0, d[result])


@rules.rule("heaviside", broadcast=True)
def heaviside(result, x1, x2):
    """A step in ``x1`` (no derivative) whose value at ``x1 == 0`` is ``x2``."""
    t[result] = xp.where(x1 == 0, t[x2], 0)
    d[x2] += xp.where(x1 == 0, d[result], 0)


# -- reductions -----------------------------------------------------------------------


@rules.rule("sum")
def sum(result, x, axis=None, dtype=None, out=None, keepdims=False):
    t[result] = xp.sum(t[x], axis=axis, keepdims=keepdims)
    d[x] += ad.expand_to(d[result], x, axis, keepdims)


@rules.rule("mean")
def mean(result, x, axis=None, dtype=None, out=None, keepdims=False):
    t[result] = xp.mean(t[x], axis=axis, keepdims=keepdims)
    d[x] += ad.expand_to(d[result], x, axis, keepdims) / ad.count(x, axis)


@rules.rule("max", "amax", "min", "amin")
def max(result, a, axis=None, out=None, keepdims=False):
    # ties share the derivative evenly
    t[result] = ad.extremum_tangent(t[a], a, result, axis, keepdims)
    d[a] += ad.extremum_adjoint(d[result], a, result, axis, keepdims)


# -- linear algebra ---------------------------------------------------------------------


@rules.rule("matmul", fits_adjoint=True)
def matmul(result, a, b):
    t[result] = xp.matmul(t[a], b) + xp.matmul(a, t[b])
    d[a] += ad.matmul_adjoint_a(d[result], a, b)
    d[b] += ad.matmul_adjoint_b(d[result], a, b)


@rules.rule("dot")
def dot(result, a, b):
    t[result] = xp.dot(t[a], b) + xp.dot(a, t[b])
    d[a] += ad.dot_adjoint_a(d[result], a, b)
    d[b] += ad.dot_adjoint_b(d[result], a, b)


# -- shapes ---------------------------------------------------------------------------------


@rules.rule("reshape")
def reshape(result, a, shape=None, order="C", newshape=None):
    t[result] = ad.reshape_in_order(t[a], xp.shape(result), order)
    d[a] += ad.reshape_in_order(d[result], xp.shape(a), order)


@rules.rule("transpose")
def transpose(result, a, axes=None):
    t[result] = xp.transpose(t[a], axes)
    d[a] += xp.transpose(d[result], ad.inverse_axes(axes, a))


rules.nondifferentiable(
    "argmax", "argmin", "argsort", "floor", "ceil", "round", "rint", "trunc", "sign",
    "shape", "ndim", "size", "zeros", "ones", "empty", "eye", "identity",
    "zeros_like", "ones_like", "empty_like", "isnan", "isinf", "isfinite", "isclose",
    "allclose", "array_equal", "greater", "greater_equal", "less", "less_equal", "equal",
    "not_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "floor_divide",
    "count_nonzero", "nonzero", "flatnonzero", "searchsorted", "result_type",
    "broadcast_shapes", "iscomplexobj", "isscalar", "any", "all",
)

# -- methods and attributes of arrays (``x.sum()``, ``x.T``) --------------------------------
methods = RuleSet("method")


@methods.rule("sum")
def sum_method(result, self, axis=None, dtype=None, out=None, keepdims=False):
    t[result] = t[self].sum(axis=axis, keepdims=keepdims)
    d[self] += ad.expand_to(d[result], self, axis, keepdims)


@methods.rule("mean")
def mean_method(result, self, axis=None, dtype=None, out=None, keepdims=False):
    t[result] = t[self].mean(axis=axis, keepdims=keepdims)
    d[self] += ad.expand_to(d[result], self, axis, keepdims) / ad.count(self, axis)


@methods.rule("max", "min")
def max_method(result, self, axis=None, out=None, keepdims=False):
    t[result] = ad.extremum_tangent(t[self], self, result, axis, keepdims)
    d[self] += ad.extremum_adjoint(d[result], self, result, axis, keepdims)


@methods.rule("dot")
def dot_method(result, self, b):
    t[result] = t[self].dot(b) + self.dot(t[b])
    d[self] += ad.dot_adjoint_a(d[result], self, b)
    d[b] += ad.dot_adjoint_b(d[result], self, b)


@methods.rule("reshape")
def reshape_method(result, self, *shape, order="C"):
    t[result] = ad.reshape_in_order(t[self], result.shape, order)
    d[self] += ad.reshape_in_order(d[result], self.shape, order)


@methods.rule("transpose")
def transpose_method(result, self, *axes):
    t[result] = t[self].transpose(*axes)
    d[self] += d[result].transpose(ad.inverse_axes(axes, self))


@methods.rule("T", "attr:T")
def T(result, self):
    t[result] = t[self].T
    d[self] += d[result].T


@methods.rule("copy")
def copy_method(result, self, order="K"):
    t[result] = ad.copy(t[self])
    d[self] += d[result]


@methods.rule("astype")
def astype(result, self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    t[result] = ad.astype_like(t[self], result)
    d[self] += ad.astype_like(ad.inexact_only(d[result], result), self)


methods.nondifferentiable("argmax", "argmin", "argsort", "nonzero", "tolist_index",
                          "attr:shape", "attr:ndim", "attr:dtype", "attr:size")


@rules.rule("float64", "double", "longdouble")
def float_type(result, x=0.0):
    # np.float64(x): a cast to double precision; derivatives follow each side's
    # precision (casts down to float32/float16 have no rule: their rounding
    # makes finite-difference checks meaningless)
    t[result] = ad.astype_like(t[x], result)
    d[x] += ad.astype_like(d[result], x)


@rules.rule("arange")
def arange(result, start, stop=None, step=None, dtype=None, *, device=None, like=None):
    """``start + k * step``: its entries move with ``start`` and ``step``
    (``stop`` only decides how many there are)."""
    t[result] = ad.inexact_only(rh.arange_tangent(t[start], t[step], stop, result), result)
    d[start] += rh.arange_adjoint(ad.inexact_only(d[result], result), 0, stop)
    d[step] += rh.arange_adjoint(ad.inexact_only(d[result], result), 2, stop)
