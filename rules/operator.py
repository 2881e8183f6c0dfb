"""Rules for Python's operators (``a + b``, ``-a``, ``a @ b``...) and the
functions of the :mod:`operator` module."""

from srcad.ruledef import RuleSet, ad, d, t

rules = RuleSet("operator")


@rules.rule("add", "iadd", broadcast=True)
def add(result, a, b):
    t[result] = t[a] + t[b]
    d[a] += d[result]
    d[b] += d[result]


@rules.rule("sub", "isub", broadcast=True)
def sub(result, a, b):
    t[result] = t[a] - t[b]
    d[a] += d[result]
    d[b] -= d[result]


@rules.rule("mul", "imul", broadcast=True)
def mul(result, a, b):
    t[result] = t[a] * b + a * t[b]
    d[a] += d[result] * b
    d[b] += d[result] * a


@rules.rule("truediv", "itruediv", broadcast=True)
def truediv(result, a, b):
    t[result] = t[a] / b - result * t[b] / b
    d[a] += d[result] / b
    d[b] -= d[result] * result / b


@rules.rule("pow", "ipow", broadcast=True)
def pow(result, a, b):
    t[result] = ad.pow_partial(a, b) * t[a] + ad.exponent_tangent(result, a, t[b])
    d[a] += d[result] * ad.pow_partial(a, b)
    d[b] += d[result] * ad.pow_log(result, a)


@rules.rule("mod", "imod", broadcast=True)
def mod(result, a, b):
    t[result] = t[a] - (a // b) * t[b]
    d[a] += d[result]
    d[b] -= d[result] * (a // b)


@rules.rule("neg")
def neg(result, a):
    t[result] = -t[a]
    d[a] -= d[result]


@rules.rule("pos")
def pos(result, a):
    t[result] = t[a]
    d[a] += d[result]


@rules.rule("matmul", "imatmul", fits_adjoint=True)
def matmul(result, a, b):
    t[result] = t[a] @ b + a @ t[b]
    d[a] += ad.matmul_adjoint_a(d[result], a, b)
    d[b] += ad.matmul_adjoint_b(d[result], a, b)


rules.nondifferentiable(
    "floordiv", "ifloordiv", "lt", "le", "eq", "ne", "gt", "ge", "not_", "truth",
    "is_", "is_not", "and_", "or_", "xor", "invert", "inv", "lshift", "rshift",
    "contains", "index", "length_hint",
)
