"""Rules for Python's builtins (``abs``, ``min``, ``max``, ``sum``, ``float``)."""

from srcad.ruledef import RuleSet, ad, d, t

rules = RuleSet("builtins")


@rules.rule("abs")
def abs(result, x):
    t[result] = ad.abs_tangent(x, t[x])
    d[x] += ad.real_adjoint(d[result]) * ad.sign(x)


@rules.rule("float")
def float(result, x=0.0):
    t[result] = t[x]
    d[x] += d[result]


@rules.rule("complex")
def complex(result, real=0.0, imag=0.0):
    """``real + 1j * imag``, with the adjoints the operators give."""
    t[result] = t[real] + 1j * t[imag]
    d[real] += d[result]
    d[imag] += d[result] * 1j


@rules.rule("max")
def max(result, a, b=None):
    t[result] = ad.pick_tangent(result, a, b, t[a], True) + ad.pick_tangent(result, b, a, t[b], False)
    d[a] += ad.pick_adjoint(d[result], result, a, b, True)
    d[b] += ad.pick_adjoint(d[result], result, b, a, False)


rules.alias("min", "max")


@rules.rule("sum")
def sum(result, seq, start=0):
    t[result] = ad.sum_tangent(t[seq]) + t[start]
    d[seq] += ad.sum_adjoint(d[result], seq)
    d[start] += d[result]


@rules.rule("list", "tuple")
def list(result, seq=()):
    t[result] = ad.same_container(t[seq], result)
    d[seq] += ad.same_container(d[result], seq)


@rules.rule("dict")
def dict(result, mapping):
    t[result] = ad.dict_copy(t[mapping])
    d[mapping] += ad.dict_copy(d[result])


@rules.rule("pow", broadcast=True)
def pow(result, base, exp, mod=None):
    t[result] = exp * base ** (exp - 1) * t[base] + ad.exponent_tangent(result, base, t[exp])
    d[base] += d[result] * exp * base ** (exp - 1)
    d[exp] += d[result] * ad.pow_log(result, base)


rules.nondifferentiable(
    "len", "range", "int", "bool", "round", "isinstance", "print", "type", "str",
    "repr", "id", "hash", "any", "all",
    "callable", "format", "ord", "chr",
)
