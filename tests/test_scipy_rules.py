"""Every ``scipy.special`` derivative rule (``rules/scipy.py``) against
central finite differences.

``TABLE`` lists, per rule, a function that calls it and example arguments
(several shapes, axes and broadcasting cases). Each example is checked with
``srcad.check_grads`` in forward and reverse mode and at order 2, and with
float32 arguments for float32 derivatives. ``test_every_rule_is_tested``
fails when a rule of the ``scipy`` namespace has no entry.
"""

import inspect
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("scipy")

from scipy import integrate  # noqa: E402
from scipy import linalg as scipy_linalg  # noqa: E402
from scipy import special  # noqa: E402
from scipy.special import logsumexp  # noqa: E402

import srcad  # noqa: E402
from srcad.ruleset import Template, get_rules  # noqa: E402

R = np.random.default_rng(11)


def rnd(*shape):
    return R.standard_normal(shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def prob(*shape):
    return R.uniform(0.1, 0.9, shape)


TABLE = []   # (rule key, function, example arguments)


def add(key, fn, *examples):
    for args in examples:
        TABLE.append((key, fn, args))


# -- elementwise, one argument ----------------------------------------------------------------


def f_expit(x): return special.expit(x)
def f_logit(p): return special.logit(p)
def f_log_expit(x): return special.log_expit(x)
def f_erf(x): return special.erf(x)
def f_erfc(x): return special.erfc(x)
def f_erfinv(p): return special.erfinv(p)
def f_erfcinv(p): return special.erfcinv(p)
def f_ndtr(x): return special.ndtr(x)
def f_log_ndtr(x): return special.log_ndtr(x)
def f_ndtri(p): return special.ndtri(p)
def f_gammaln(x): return special.gammaln(x)
def f_gamma(x): return special.gamma(x)
def f_digamma(x): return special.digamma(x)
def f_psi(x): return special.psi(x)
def f_entr(x): return special.entr(x)


def f_log_ndtr_tail(x):
    # far in the lower tail ndtr(x) underflows: the slope comes from the logs
    return special.log_ndtr(x - 30.0)


def f_gammaln_negative(x):
    # log|gamma| between the poles at -2 and -1
    return special.gammaln(x - 3.0)


add("expit", f_expit, (rnd(3, 4),), (0.7,))
add("logit", f_logit, (prob(5),), (0.3,))
add("log_expit", f_log_expit, (rnd(2, 3) * 3,), (-1.2,))
add("erf", f_erf, (rnd(3, 4),), (0.4,))
add("erfc", f_erfc, (rnd(5),))
add("erfinv", f_erfinv, (R.uniform(-0.8, 0.8, (2, 3)),))
add("erfcinv", f_erfcinv, (R.uniform(0.2, 1.8, 5),))
add("ndtr", f_ndtr, (rnd(3, 4),), (0.3,))
add("log_ndtr", f_log_ndtr, (rnd(5),), (0.6,))
add("log_ndtr", f_log_ndtr_tail, (rnd(3),))
add("ndtri", f_ndtri, (prob(2, 3),))
add("gammaln", f_gammaln, (pos(3, 4),), (2.5,))
add("gammaln", f_gammaln_negative, (R.uniform(1.2, 1.8, 3),))
add("gamma", f_gamma, (pos(5),))
add("digamma", f_digamma, (pos(2, 3),))
add("psi", f_psi, (pos(4),))
add("entr", f_entr, (pos(5),))


# -- elementwise, two arguments (broadcasting) -------------------------------------------------


def f_polygamma(x): return special.polygamma(1, x) + special.polygamma(np.array([0, 2, 3]), x)
def f_betaln(a, b): return special.betaln(a, b)
def f_xlogy(x, y): return special.xlogy(x, y)
def f_xlog1py(x, y): return special.xlog1py(x, y)
def f_rel_entr(x, y): return special.rel_entr(x, y)


def f_xlogy_zeros(x, y):
    # 0 * log(0) is 0: no NaN in the derivative in x, where y is not 0
    return special.xlogy(x * np.array([0.0, 1.0, 0.0]), y)


POS_PAIRS = [(pos(3, 4), pos(4)), (pos(4), pos(3, 1)), (1.3, pos(3)), (pos(3), 0.8)]
add("polygamma", f_polygamma, (pos(3),))
add("betaln", f_betaln, *POS_PAIRS)
add("xlogy", f_xlogy, *POS_PAIRS, (rnd(3), pos(3)))
add("xlogy", f_xlogy_zeros, (rnd(3), pos(3)))
add("xlog1py", f_xlog1py, *POS_PAIRS)
add("rel_entr", f_rel_entr, *POS_PAIRS)


# -- Bessel functions (the order is a constant) ---------------------------------------------------


def f_i0(x): return special.i0(x)
def f_i1(x): return special.i1(x)
def f_i0e(x): return special.i0e(x)
def f_i1e(x): return special.i1e(x)
def f_k0(x): return special.k0(x)
def f_k1(x): return special.k1(x)
def f_k0e(x): return special.k0e(x)
def f_k1e(x): return special.k1e(x)
def f_j0(x): return special.j0(x)
def f_j1(x): return special.j1(x)
def f_y0(x): return special.y0(x)
def f_y1(x): return special.y1(x)
def f_iv(x): return special.iv(1.5, x) + special.iv(np.array([0.0, 2.0, 3.0]), x)
def f_ive(x): return special.ive(0.5, x) * special.ive(np.array([1.0, 2.5, 4.0]), x)
def f_kv(x): return special.kv(0.3, x) + special.kv(np.array([1.0, 2.0, 0.5]), x)
def f_kve(x): return special.kve(1.5, x) + special.kve(np.array([0.0, 2.0, 3.0]), x)
def f_jv(x): return special.jv(2.5, x) + special.jv(np.array([0.0, 1.0, 3.0]), x)
def f_yv(x): return special.yv(1.5, x) + special.yv(np.array([0.0, 2.0, 3.0]), x)


def f_i1_at_zero(x):
    # i1'(0) = 1/2: the recurrence holds where i1(x) / x does not
    return special.i1(x * np.array([0.0, 1.0, 1.0])) + special.i1e(x * np.array([1.0, 0.0, 1.0]))


SIGNED = rnd(2, 3) * 2.0
add("i0", f_i0, (SIGNED,), (0.8,))
add("i1", f_i1, (SIGNED,), (-1.3,))
add("i1", f_i1_at_zero, (rnd(3),))
add("i1e", f_i1_at_zero, (rnd(3),))
add("i0e", f_i0e, (SIGNED,), (2.4,))
add("i1e", f_i1e, (SIGNED,), (-0.6,))
add("k0", f_k0, (pos(2, 3),))
add("k1", f_k1, (pos(4),))
add("k0e", f_k0e, (pos(4),))
add("k1e", f_k1e, (pos(2, 2),))
add("j0", f_j0, (SIGNED,), (3.1,))
add("j1", f_j1, (SIGNED,))
add("y0", f_y0, (pos(4),))
add("y1", f_y1, (pos(2, 3),))
add("iv", f_iv, (SIGNED[0],))
add("ive", f_ive, (pos(3),))   # (non-integer orders of negative z are complex)
add("kv", f_kv, (pos(3),))
add("kve", f_kve, (pos(3),))
add("jv", f_jv, (pos(3),))
add("yv", f_yv, (pos(3),))


# -- more elementary and special functions -----------------------------------------------------


def f_erfcx(x): return special.erfcx(x)
def f_erfi(x): return special.erfi(x)
def f_dawsn(x): return special.dawsn(x)
def f_exp1(x): return special.exp1(x)
def f_expi(x): return special.expi(x)
def f_log1p(x): return special.log1p(x)
def f_expm1(x): return special.expm1(x)
def f_exp2(x): return special.exp2(x)
def f_exp10(x): return special.exp10(x)
def f_cbrt(x): return special.cbrt(x)
def f_rgamma(x): return special.rgamma(x)
def f_beta(a, b): return special.beta(a, b)
def f_gammainc(x): return special.gammainc(2.5, x) + special.gammainc(np.array([0.5, 1.0, 3.0]), x)
def f_gammaincc(x): return special.gammaincc(1.5, x) * special.gammaincc(np.array([0.7, 2.0, 4.0]), x)
def f_betainc(x): return special.betainc(2.0, 3.5, x) + special.betainc(np.array([0.5, 1.0, 3.0]), 2.0, x)
def f_boxcox(x): return special.boxcox(x, 0.3) + special.boxcox(x, np.array([0.0, -1.5, 2.0]))
def f_boxcox1p(x): return special.boxcox1p(x, 0.3) + special.boxcox1p(x, np.array([0.0, -1.5, 2.0]))
def f_ellipk(m): return special.ellipk(m)
def f_ellipe(m): return special.ellipe(m)
def f_kl_div(x, y): return special.kl_div(x, y)
def f_huber(r): return special.huber(0.8, r) + special.huber(np.array([0.5, 1.0, 2.0]), r)
def f_pseudo_huber(r): return special.pseudo_huber(0.8, r) + special.pseudo_huber(np.array([0.5, 1.0, 2.0]), r)


add("erfcx", f_erfcx, (rnd(2, 3),))
add("erfi", f_erfi, (rnd(4),))
add("dawsn", f_dawsn, (rnd(2, 3) * 2,))
add("exp1", f_exp1, (pos(4),))
add("expi", f_expi, (pos(4) * np.array([1.0, -1.0, 1.0, -1.0]),))
add("log1p", f_log1p, (pos(4) - 0.4,))
add("expm1", f_expm1, (rnd(4),))
add("exp2", f_exp2, (rnd(4),))
add("exp10", f_exp10, (rnd(4) * 0.5,))
add("cbrt", f_cbrt, (pos(4),))
add("rgamma", f_rgamma, (pos(2, 3),), (-0.5,))
add("beta", f_beta, *POS_PAIRS)
add("gammainc", f_gammainc, (pos(3),))
add("gammaincc", f_gammaincc, (pos(3),))
add("betainc", f_betainc, (prob(3),))
add("boxcox", f_boxcox, (pos(3),))
add("boxcox1p", f_boxcox1p, (pos(3) - 0.4,))
add("ellipk", f_ellipk, (prob(4),), (-0.5,))
add("ellipe", f_ellipe, (prob(4),))
add("kl_div", f_kl_div, *POS_PAIRS)
add("huber", f_huber, (rnd(3) * 2,))
add("pseudo_huber", f_pseudo_huber, (rnd(3) * 2,))


# -- reductions ---------------------------------------------------------------------------------


def f_logsumexp(a): return logsumexp(a)
def f_logsumexp_axis(a): return special.logsumexp(a, axis=1)
def f_logsumexp_axes(a): return logsumexp(a, axis=(0, 2), keepdims=True)
def f_logsumexp_b(a, b): return logsumexp(a, axis=-1, b=b)
def f_logsumexp_b_keepdims(a, b): return logsumexp(a, axis=0, b=b, keepdims=True)
def f_softmax(x): return special.softmax(x)
def f_softmax_axis(x): return special.softmax(x, axis=1)
def f_log_softmax(x): return special.log_softmax(x)
def f_log_softmax_axis(x): return special.log_softmax(x, axis=0)


add("logsumexp", f_logsumexp, (rnd(5),), (rnd(2, 3),))
add("logsumexp", f_logsumexp_axis, (rnd(3, 4),))
add("logsumexp", f_logsumexp_axes, (rnd(2, 3, 2),))
add("logsumexp", f_logsumexp_b, (rnd(2, 3), pos(2, 3)), (rnd(3), pos(2, 3)), (rnd(2, 3), pos(3)))
add("logsumexp", f_logsumexp_b_keepdims, (rnd(3, 2), pos(3, 1)))
add("softmax", f_softmax, (rnd(4),), (rnd(2, 3),))
add("softmax", f_softmax_axis, (rnd(2, 3),))
add("log_softmax", f_log_softmax, (rnd(4),), (rnd(2, 3),))
add("log_softmax", f_log_softmax_axis, (rnd(3, 2),))


# -- scipy.linalg ------------------------------------------------------------------------------


def f_expm(a): return scipy_linalg.expm(a)
def f_expm_propagator(k): return scipy_linalg.expm(np.array([[0.0, 1.0], [-k[0], -k[1]]]) * 0.5) @ k


add("linalg.expm", f_expm, (0.5 * rnd(3, 3),), (0.5 * rnd(2, 2, 2),))
add("linalg.expm", f_expm_propagator, (pos(2),))


# -- scipy.integrate ---------------------------------------------------------------------------


UNEVEN = np.array([0.0, 0.1, 0.3, 0.35, 0.6, 1.0])


def f_simpson_x(y): return integrate.simpson(y, x=UNEVEN)
def f_simpson_dx_axis(y): return integrate.simpson(y ** 2, dx=0.1, axis=0)
def f_cumulative_trapezoid(y): return integrate.cumulative_trapezoid(y, UNEVEN)
def f_cumulative_trapezoid_initial(y): return integrate.cumulative_trapezoid(y, dx=0.5, axis=1, initial=0)
def f_cumulative_simpson(y): return integrate.cumulative_simpson(y, x=UNEVEN)
def f_cumulative_simpson_dx(y): return integrate.cumulative_simpson(np.sin(y), dx=0.2, initial=0)


add("integrate.simpson", f_simpson_x, (rnd(6),), (rnd(2, 6),))
add("integrate.simpson", f_simpson_dx_axis, (rnd(5, 2),))
add("integrate.cumulative_trapezoid", f_cumulative_trapezoid, (rnd(6),))
add("integrate.cumulative_trapezoid", f_cumulative_trapezoid_initial, (rnd(2, 4),))
add("integrate.cumulative_simpson", f_cumulative_simpson, (rnd(6),), (rnd(3, 6),))
add("integrate.cumulative_simpson", f_cumulative_simpson_dx, (rnd(5),))


def _id(entry):
    key, fn, args = entry
    return f"{key}-{fn.__name__}-" + ",".join("x".join(map(str, np.shape(a))) for a in args)


CASES = [pytest.param(fn, args, id=_id((key, fn, args))) for key, fn, args in TABLE]


@pytest.mark.parametrize("fn,args", CASES)
def test_rule(fn, args):
    """Forward and reverse mode against central differences."""
    srcad.check_grads(fn, args)


@pytest.mark.parametrize("fn,args", CASES)
def test_rule_second_order(fn, args):
    srcad.check_grads(fn, args, order=2)


FLOAT32_CASES = [c for c in CASES if any(isinstance(a, np.ndarray) for a in c.values[1])]


@pytest.mark.parametrize("fn,args", FLOAT32_CASES)
def test_float32_stays_float32(fn, args):
    args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    out = fn(*args)
    for i, a in enumerate(args):
        if not isinstance(a, np.ndarray):
            continue
        tangents = [np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0 for v in args]
        tangents[i] = np.ones_like(a)
        _, tangent = srcad.jvp(fn, args, tangents)
        _, pullback = srcad.vjp(fn, *args)
        grad = pullback(np.ones_like(out))[i]
        if out.dtype == np.float32:
            assert tangent.dtype == np.float32
            assert grad.dtype == np.float32


# -- what is refused -----------------------------------------------------------------------------


def u_logsumexp_sign(a):
    return np.sum(logsumexp(a, b=np.array([1.0, -2.0, 0.5]), return_sign=True)[0])


def u_factorial_float(x):
    return special.factorial(x) * 2.0


def test_logsumexp_return_sign_is_refused_naming_the_line():
    for run in (lambda: srcad.grad(u_logsumexp_sign)(rnd(3)),
                lambda: srcad.jvp(u_logsumexp_sign, (rnd(3),), (rnd(3),))):
        with pytest.raises(srcad.NonDifferentiableError, match="return_sign=True") as info:
            run()
        assert "u_logsumexp_sign" in str(info.value) or "return np.sum(logsumexp(" in str(info.value)
        assert "test_scipy_rules.py" in str(info.value)


def u_bessel_order(v, x):
    return np.sum(special.iv(v, x))


def u_polygamma_order(n, x):
    return np.sum(special.polygamma(n, x))


def u_gammainc_shape(a, x):
    return np.sum(special.gammainc(a, x))


@pytest.mark.parametrize("fn", [u_bessel_order, u_polygamma_order, u_gammainc_shape],
                         ids=lambda f: f.__name__)
def test_an_order_that_depends_on_the_input_is_refused(fn):
    # no derivative in the order: refused, not taken as zero
    x = pos(3)
    for run in (lambda: srcad.grad(fn)(1.0, x), lambda: srcad.vjp(fn, 1.0, x)[1](1.0),
                lambda: srcad.jvp(fn, (1.0, x), (1.0, np.zeros(3)))):
        with pytest.raises(srcad.NonDifferentiableError, match="order|shape|argument [nva]="):
            run()
    srcad.check_grads(lambda x: fn(1.0, x), (x,))  # noqa: E731  (with respect to x it works)


def test_a_function_without_a_rule_is_refused_not_transformed():
    # scipy.special.factorial is Python source: srcad says it has no rule
    # rather than differentiating SciPy's own code
    with pytest.raises(srcad.NonDifferentiableError, match="no derivative rule"):
        srcad.grad(u_factorial_float)(2.5)


def integer_valued(x):
    return x * special.factorial2(5) + x * special.stirling2(4, 2) + x * special.comb(5, 2)


def test_integer_valued_functions_carry_no_derivative():
    srcad.check_grads(integer_valued, (0.7,))


def logsumexp_of_scaled(x):
    # logsumexp's own source holds a `with` statement srcad would refuse
    return logsumexp(x * 2.0) + special.logsumexp(x, b=x * x)


def test_logsumexp_uses_its_rule_not_scipy_source():
    srcad.check_grads(logsumexp_of_scaled, (pos(4),), order=2)
    src = srcad.source(srcad.grad(logsumexp_of_scaled))
    assert "rh.logsumexp_weights(" in src


def test_generated_code_names_scipy_special():
    src = srcad.source(srcad.grad(lambda_free_gammaln))
    assert "special.digamma(" in src


def lambda_free_gammaln(x):
    return np.sum(special.gammaln(x * x + 1.0))


def _run_script(tmp_path, code):
    """Run ``code`` as a file (srcad reads its source) in a fresh interpreter."""
    import os
    script = tmp_path / "script.py"
    script.write_text(code)
    root = os.path.dirname(os.path.dirname(os.path.abspath(srcad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, str(script)], check=True, env=env)


def test_srcad_does_not_import_scipy(tmp_path):
    _run_script(tmp_path, (
        "import sys, numpy as np, srcad\n"
        "def f(x):\n    return np.sum(np.tanh(x))\n"
        "srcad.check_grads(f, (np.ones(3),), order=2)\n"
        "assert 'scipy' not in sys.modules, 'srcad imported scipy'\n"))


def test_rules_load_without_scipy(tmp_path):
    _run_script(tmp_path, (
        "import sys\n"
        "sys.modules['scipy'] = None   # as if SciPy were not installed\n"
        "import numpy as np, srcad\n"
        "from srcad.ruleset import get_rules\n"
        "def f(x):\n    return np.sum(np.tanh(x))\n"
        "srcad.check_grads(f, (np.ones(3),))\n"
        "assert 'logsumexp' in get_rules().sets['scipy'].entries\n"))


# -- coverage ---------------------------------------------------------------------------------------


def _rule_keys():
    return {name for ns, name, fwd, rev, kind in get_rules().all_entries()
            if kind == "rule" and ns == "scipy"}


def test_every_rule_is_tested():
    tested = {key for key, _, _ in TABLE}
    missing = sorted(_rule_keys() - tested)
    assert not missing, f"rules without an entry in tests/test_scipy_rules.py TABLE: {missing}"
    unknown = sorted(tested - _rule_keys())
    assert not unknown, f"TABLE entries for rules that do not exist: {unknown}"


def test_every_rule_has_both_modes():
    rows = [name for ns, name, fwd, rev, kind in get_rules().all_entries()
            if kind == "rule" and ns == "scipy" and not (fwd and rev)]
    assert not rows, f"rules missing a forward or reverse part: {rows}"


@pytest.mark.parametrize("key,fn", sorted({(k, f) for k, f, _ in TABLE}, key=lambda kf: (kf[0], kf[1].__name__)),
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_entry_calls_its_rule(key, fn):
    src = inspect.getsource(fn)
    prefix, _, name = key.rpartition(".")
    module = {"linalg": scipy_linalg, "integrate": integrate, "": special}[prefix]
    assert f".{name}(" in src or f" {name}(" in src, f"{fn.__name__} does not call {key}"
    ident, tpl = get_rules().lookup(getattr(module, name))
    assert isinstance(tpl, Template) and ident[0] == "scipy"


# -- scipy.linalg: solve_triangular, cholesky, cho_factor/cho_solve, solve, inv and det --------
# -- are the NumPy expressions with their values (Gaussian-process likelihoods) -----------------

import scipy.linalg as sla  # noqa: E402

_A = R.standard_normal((4, 4))
_SPD = _A @ _A.T + 4.0 * np.eye(4)


def _triangular_solves(A, b):
    return (np.sum(sla.solve_triangular(A, b, lower=True) ** 2) + np.sum(sla.solve_triangular(A, b))
            + np.sum(sla.solve_triangular(A, b, trans="T", lower=True) * b))


def _cholesky_factors(K):
    return np.sum(sla.cholesky(K)) + np.sum(sla.cholesky(K, lower=True) ** 2)


def _cholesky_solves(K, b):
    c = sla.cho_factor(K, lower=True)
    u, low = sla.cho_factor(K)
    return b @ sla.cho_solve(c, b) + np.sum(sla.cho_solve((u, low), b) ** 2)


def _general_linalg(K, b):
    return np.sum(sla.solve(K, b)) + sla.det(K) + np.sum(sla.inv(K))


def _gp_log_likelihood(theta, X):
    ls, sig = np.exp(theta)
    y = np.sin(X[:, 0])
    K = sig ** 2 * np.exp(-0.5 * (X - X.T) ** 2 / ls ** 2) + 1e-2 * np.eye(X.shape[0])
    L = sla.cholesky(K, lower=True)
    a = sla.solve_triangular(L, y, lower=True)
    return -0.5 * a @ a - np.sum(np.log(np.diag(L)))


@pytest.mark.parametrize("fn,args", [
    (_triangular_solves, (_SPD, R.standard_normal(4))),
    (_triangular_solves, (_SPD, R.standard_normal((4, 2)))),
    (_cholesky_factors, (_SPD,)),
    (_cholesky_solves, (_SPD, R.standard_normal(4))),
    (_general_linalg, (_SPD, R.standard_normal(4))),
    (_gp_log_likelihood, (np.array([0.5, 1.2]), R.standard_normal((6, 1)))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_scipy_linalg_as_numpy(fn, args):
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)


# -- scipy.stats.norm's densities and distribution functions, scipy.integrate.trapezoid and ------
# -- scipy.linalg.norm: the formulas with the same values ------------------------------------------

import scipy.integrate as si  # noqa: E402
import scipy.stats as st  # noqa: E402


def _normal_negative_log_likelihood(theta, data):
    mu, log_s = theta
    return -np.sum(st.norm.logpdf(data, mu, np.exp(log_s))) + np.sum(st.norm.logpdf(data))


def _normal_distribution_functions(x, mu, s):
    return (np.sum(st.norm.pdf(x, mu, s)) + np.sum(st.norm.cdf(x, loc=mu, scale=s))
            + np.sum(st.norm.logcdf(x)) + np.sum(st.norm.sf(x, loc=mu)) + np.sum(st.norm.logsf(x, scale=s)))


def _integral_and_norm(x):
    return si.trapezoid(x ** 2, dx=0.5) + sla.norm(x) + sla.norm(np.outer(x, x), "fro")


@pytest.mark.parametrize("fn,args", [
    (_normal_negative_log_likelihood, (np.array([0.1, 0.3]), R.standard_normal(6))),
    (_normal_distribution_functions, (R.standard_normal(5), 0.2, 1.5)),
    (_integral_and_norm, (R.standard_normal(5),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_scipy_functions_as_numpy_formulas(fn, args):
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)


def _integral_over_moving_points(a):
    return integrate.simpson(np.ones(5), x=np.linspace(0.0, a, 5))


def test_integral_in_its_sample_points_is_refused():
    with pytest.raises(srcad.NonDifferentiableError):
        srcad.grad(_integral_over_moving_points)(1.0)
    with pytest.raises(srcad.NonDifferentiableError):
        srcad.jvp(_integral_over_moving_points, (1.0,), (1.0,))


def _matrix_square_root(a):
    return np.sum(sla.sqrtm(a))


def test_scipy_function_without_a_rule_names_the_call():
    # not an error from inside SciPy's own source
    with pytest.raises(srcad.NonDifferentiableError) as info:
        srcad.grad(_matrix_square_root)(np.eye(2))
    assert "sla.sqrtm has no derivative rule" in info.value.message
    assert info.value.filename == __file__


# -- more scipy.stats densities, as the formulas of srcad/stats_formulas.py --------------------------

def _t_likelihood(x, df):
    return np.sum(st.t.logpdf(x, df, loc=0.2, scale=1.5))


def _heavy_tails(x):
    return np.sum(st.cauchy.logpdf(x, 0.1, 2.0) + st.laplace.pdf(x) + st.logistic.logpdf(x, scale=0.7))


def _positive_supports(x, a):
    return np.sum(st.gamma.logpdf(x, a, scale=2.0)) + np.sum(st.expon.logpdf(x, scale=0.5)) \
        + np.sum(st.chi2.logpdf(x, 3.0) + st.invgamma.logpdf(x, a) + st.weibull_min.pdf(x, 1.7)) \
        + np.sum(st.lognorm.logpdf(x, 0.8))


def _unit_interval(x, a, b):
    return np.sum(st.beta.logpdf(x / 3.0, a, b))


def _counts(mu, p):
    return np.sum(st.poisson.logpmf(np.array([0, 1, 3, 5]), mu)) \
        + np.sum(st.binom.logpmf(np.array([0, 2, 4]), 6, p)) + np.sum(st.nbinom.pmf(np.array([1, 4]), 3, p))


def _outside_the_support(x):
    # SciPy's -inf log-density outside the support, a density of 0
    return np.sum(st.gamma.pdf(np.array([-1.0, 0.5]) * x[:2], 2.0)) + st.beta.pdf(1.5 * x[2], 2.0, 2.0)


_POSITIVE = np.array([0.3, 1.2, 0.7, 2.1])


@pytest.mark.parametrize("fn,args", [
    (_t_likelihood, (R.standard_normal(5), 3.5)),
    (_heavy_tails, (R.standard_normal(4),)),
    (_positive_supports, (_POSITIVE, 2.2)),
    (_unit_interval, (_POSITIVE, 2.0, 3.0)),
    (_counts, (2.3, 0.4)),
    (_outside_the_support, (_POSITIVE,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_scipy_stats_densities_as_formulas(fn, args):
    value, _ = srcad.value_and_grad(fn)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)   # SciPy's own values
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)
