"""``scipy.stats`` densities as the formulas with the same values.

Assumes: a call whose function resolves to a method of one of SciPy's
distribution objects (``scipy.stats.t.logpdf``), found by normalization.
Guarantees: :func:`as_formula` returns an expression that computes the same
values from NumPy and ``scipy.special`` functions, which have derivative
rules, or ``None`` for a call it does not cover (which then has no rule).

Each entry is data, written as Python: the log-density in terms of the
standardized ``z = (x - loc) / scale`` (``k`` for counts), the
distribution's shape parameters by their SciPy names, and the support, out
of which SciPy gives ``-inf`` (a density of 0).
"""

from __future__ import annotations

import math
import sys

import gast

from . import astutil as A

# name: (shape parameters, discrete, log-density, support or None)
DISTRIBUTIONS = {
    "t": (("df",), False,
          "gammaln((df + 1.0) / 2.0) - gammaln(df / 2.0) - 0.5 * log(df * pi)"
          " - (df + 1.0) / 2.0 * log1p(z * z / df)", None),
    "cauchy": ((), False, "-log(pi) - log1p(z * z)", None),
    "laplace": ((), False, "-abs(z) - log(2.0)", None),
    "logistic": ((), False, "-z - 2.0 * log1p(exp(-z))", None),
    "expon": ((), False, "-z", "z >= 0.0"),
    "gamma": (("a",), False, "(a - 1.0) * log(z) - z - gammaln(a)", "z > 0.0"),
    "beta": (("a", "b"), False, "(a - 1.0) * log(z) + (b - 1.0) * log1p(-z) - betaln(a, b)",
             "(z > 0.0) & (z < 1.0)"),
    "lognorm": (("s",), False, "-log(z * s) - 0.5 * log(2.0 * pi) - 0.5 * (log(z) / s) ** 2", "z > 0.0"),
    "chi2": (("df",), False, "(df / 2.0 - 1.0) * log(z) - z / 2.0 - df / 2.0 * log(2.0) - gammaln(df / 2.0)",
             "z > 0.0"),
    "invgamma": (("a",), False, "-(a + 1.0) * log(z) - 1.0 / z - gammaln(a)", "z > 0.0"),
    "weibull_min": (("c",), False, "log(c) + (c - 1.0) * log(z) - z ** c", "z > 0.0"),
    "poisson": (("mu",), True, "xlogy(k, mu) - mu - gammaln(k + 1.0)", "k >= 0.0"),
    "binom": (("n", "p"), True,
              "gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) + xlogy(k, p) + xlog1py(n - k, -p)",
              "(k >= 0.0) & (k <= n)"),
    "nbinom": (("n", "p"), True,
               "gammaln(k + n) - gammaln(n) - gammaln(k + 1.0) + n * log(p) + xlog1py(k, -p)", "k >= 0.0"),
}

# the functions the formulas call, as normalized code names them
_NUMPY = {"log": "log", "log1p": "log1p", "exp": "exp", "abs": "abs"}
_SPECIAL = {"gammaln", "betaln", "xlogy", "xlog1py"}

_PARSED = {}


def _parsed(text):
    """The expression ``text`` as a gast tree (parsed once, cloned per use)."""
    tree = _PARSED.get(text)
    if tree is None:
        tree = _PARSED[text] = gast.parse(text, mode="eval").body
    return A.clone(tree)


class _Substitute(A.Transformer):
    """The formula's names replaced: its variables by the call's
    arguments, ``pi`` by its value, functions by the names normalized code
    calls them by."""

    def __init__(self, values):
        self.values = values

    def visit_Call(self, node):
        name = node.func.id
        if name in _NUMPY:
            node.func = A.name(f"__srcad_np_{_NUMPY[name]}__")
        elif name in _SPECIAL:
            node.func = A.name(f"__srcad_special_{name}__")
        else:  # pragma: no cover - the table names only these
            raise ValueError(f"unknown function {name} in a formula")
        node.args = [self.visit(a) for a in node.args]
        return node

    def visit_Name(self, node):
        if node.id == "pi":
            return A.const(math.pi)
        return A.clone(self.values[node.id])


def _bind(call, names, defaults):
    """``{parameter: expression}`` for SciPy's ``(x, *shapes, loc, scale)``
    signature, or ``None`` for arguments this cannot match."""
    if any(isinstance(a, gast.Starred) for a in call.args) or len(call.args) > len(names):
        return None
    bound = dict(zip(names, call.args))
    for k in call.keywords:
        if k.arg not in names or k.arg in bound:
            return None
        bound[k.arg] = k.value
    for n in names:
        if n not in bound:
            if n not in defaults:
                return None
            bound[n] = A.const(defaults[n])
    return bound


def as_formula(call, target):
    """The formula for ``scipy.stats.<dist>.logpdf/pdf`` (``logpmf/pmf``
    for counts) called as ``call``, or ``None``."""
    stats = sys.modules.get("scipy.stats")
    method = getattr(target, "__name__", None)
    owner = getattr(target, "__self__", None)
    if stats is None or owner is None:
        return None
    name = next((n for n in DISTRIBUTIONS if getattr(stats, n, None) is owner), None)
    if name is None:
        return None
    shapes, discrete, text, support = DISTRIBUTIONS[name]
    wanted = ("logpmf", "pmf") if discrete else ("logpdf", "pdf")
    if method not in wanted:
        return None
    first = "k" if discrete else "x"
    names = (first,) + shapes + (("loc",) if discrete else ("loc", "scale"))
    bound = _bind(call, names, {"loc": 0.0, "scale": 1.0})
    if bound is None:
        return None
    loc_given = not (isinstance(bound["loc"], gast.Constant) and bound["loc"].value == 0.0)
    point = A.clone(bound[first])
    if loc_given:
        point = A.binop(point, gast.Sub(), A.clone(bound["loc"]))
    values = {s: bound[s] for s in shapes}
    if discrete:
        values["k"] = point
        log_density = _Substitute(values).visit(_parsed(text))
    else:
        scale = bound["scale"]
        scaled = not (isinstance(scale, gast.Constant) and scale.value == 1.0)
        values["z"] = A.binop(point, gast.Div(), A.clone(scale)) if scaled else point
        log_density = _Substitute(values).visit(_parsed(text))
        if scaled:
            log_density = A.binop(log_density, gast.Sub(),
                                  gast.Call(func=A.name("__srcad_np_log__"), args=[A.clone(scale)], keywords=[]))
    if support is not None:
        inside = _Substitute(values).visit(_parsed(support))
        log_density = gast.Call(func=A.name("__srcad_np_where__"),
                                args=[inside, log_density, A.const(-math.inf)], keywords=[])
    if method in ("pdf", "pmf"):
        return gast.Call(func=A.name("__srcad_np_exp__"), args=[log_density], keywords=[])
    return log_density
