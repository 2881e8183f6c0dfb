"""Rules for NumPy's products, contractions and ``numpy.linalg``.

The ``numpy.linalg`` functions are looked up as ``"linalg.NAME"``.
Factorizations assume what makes them differentiable: ``eigh`` and ``svd``
distinct (and, for ``svd``, nonzero) eigen/singular values, ``pinv`` and
``lstsq`` a constant (full) rank, ``qr`` at least as many rows as columns.
``cholesky``, ``eigh`` and ``eigvalsh`` read one triangle of their argument,
and so do their derivatives: the adjoint lies in that triangle.
"""

from srcad import rule_helpers as rh
from srcad.ruledef import RuleSet, ad, d, t, xp

rules = RuleSet("numpy")

# -- products ---------------------------------------------------------------------------------


@rules.rule("vdot")
def vdot(result, a, b):
    t[result] = xp.vdot(t[a], b) + xp.vdot(a, t[b])
    d[a] += rh.vdot_adjoint(xp.conj(d[result]), b, a, True)
    d[b] += rh.vdot_adjoint(d[result], a, b, True)


@rules.rule("inner")
def inner(result, a, b):
    t[result] = xp.inner(t[a], b) + xp.inner(a, t[b])
    d[a] += rh.inner_adjoint(d[result], a, b, 0)
    d[b] += rh.inner_adjoint(d[result], a, b, 1)


@rules.rule("outer", "linalg.outer")
def outer(result, a, b, out=None):
    t[result] = xp.outer(t[a], b) + xp.outer(a, t[b])
    d[a] += rh.outer_adjoint(d[result], a, b, 0)
    d[b] += rh.outer_adjoint(d[result], a, b, 1)


@rules.rule("tensordot", "linalg.tensordot")
def tensordot(result, a, b, axes=2):
    t[result] = xp.tensordot(t[a], b, axes) + xp.tensordot(a, t[b], axes)
    d[a] += rh.tensordot_adjoint(d[result], a, b, axes, 0)
    d[b] += rh.tensordot_adjoint(d[result], a, b, axes, 1)


@rules.rule("kron")
def kron(result, a, b):
    t[result] = xp.kron(t[a], b) + xp.kron(a, t[b])
    d[a] += rh.kron_adjoint(d[result], a, b, 0)
    d[b] += rh.kron_adjoint(d[result], a, b, 1)


@rules.rule("einsum")
def einsum(result, subscripts, op0, op1=None, op2=None, op3=None, op4=None, *, out=None,
           dtype=None, order="K", casting="safe", optimize=False):
    """Up to five operands, subscripts given as a string (ellipses and
    repeated indices supported); normalization spells the sublist form as
    one. A differentiated ``subscripts`` is a first operand it could not
    spell: the helpers refuse it."""
    ops = (op0, op1, op2, op3, op4)
    t[result] = rh.einsum_jvp(subscripts, ops, -1, t[subscripts], optimize) \
        + rh.einsum_jvp(subscripts, ops, 0, t[op0], optimize) \
        + rh.einsum_jvp(subscripts, ops, 1, t[op1], optimize) \
        + rh.einsum_jvp(subscripts, ops, 2, t[op2], optimize) \
        + rh.einsum_jvp(subscripts, ops, 3, t[op3], optimize) \
        + rh.einsum_jvp(subscripts, ops, 4, t[op4], optimize)
    d[subscripts] += rh.einsum_adjoint(d[result], subscripts, ops, -1)
    d[op0] += rh.einsum_adjoint(d[result], subscripts, ops, 0)
    d[op1] += rh.einsum_adjoint(d[result], subscripts, ops, 1)
    d[op2] += rh.einsum_adjoint(d[result], subscripts, ops, 2)
    d[op3] += rh.einsum_adjoint(d[result], subscripts, ops, 3)
    d[op4] += rh.einsum_adjoint(d[result], subscripts, ops, 4)


@rules.rule("cross", broadcast=True)
def cross(result, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """3-vectors."""
    t[result] = xp.cross(t[a], b, axisa, axisb, axisc, axis) + xp.cross(a, t[b], axisa, axisb, axisc, axis)
    d[a] += rh.cross_adjoint(d[result], a, b, 0, axisa, axisb, axisc, axis)
    d[b] += rh.cross_adjoint(d[result], a, b, 1, axisa, axisb, axisc, axis)


@rules.rule("linalg.cross", broadcast=True)
def linalg_cross(result, x1, x2, /, *, axis=-1):
    t[result] = xp.linalg.cross(t[x1], x2, axis=axis) + xp.linalg.cross(x1, t[x2], axis=axis)
    d[x1] += rh.cross_adjoint(d[result], x1, x2, 0, axis=axis)
    d[x2] += rh.cross_adjoint(d[result], x1, x2, 1, axis=axis)


@rules.rule("vecdot", broadcast=True)
def vecdot(result, x1, x2, /, out=None, *, axis=-1):
    t[result] = xp.vecdot(t[x1], x2, axis=axis) + xp.vecdot(x1, t[x2], axis=axis)
    d[x1] += rh.vecdot_adjoint(d[result], x1, x2, 0, axis)
    d[x2] += rh.vecdot_adjoint(d[result], x1, x2, 1, axis)


@rules.rule("linalg.vecdot", broadcast=True)
def linalg_vecdot(result, x1, x2, /, *, axis=-1):
    t[result] = xp.linalg.vecdot(t[x1], x2, axis=axis) + xp.linalg.vecdot(x1, t[x2], axis=axis)
    d[x1] += rh.vecdot_adjoint(d[result], x1, x2, 0, axis)
    d[x2] += rh.vecdot_adjoint(d[result], x1, x2, 1, axis)


@rules.rule("matvec")
def matvec(result, x1, x2, /, out=None):
    t[result] = xp.matvec(t[x1], x2) + xp.matvec(x1, t[x2])
    d[x1] += rh.matvec_adjoint(d[result], x1, x2, 0)
    d[x2] += rh.matvec_adjoint(d[result], x1, x2, 1)


@rules.rule("vecmat")
def vecmat(result, x1, x2, /, out=None):
    t[result] = xp.vecmat(t[x1], x2) + xp.vecmat(x1, t[x2])
    d[x1] += rh.vecmat_adjoint(d[result], x1, x2, 0)
    d[x2] += rh.vecmat_adjoint(d[result], x1, x2, 1)


@rules.rule("linalg.matmul", fits_adjoint=True)
def linalg_matmul(result, x1, x2, /):
    t[result] = xp.matmul(t[x1], x2) + xp.matmul(x1, t[x2])
    d[x1] += ad.matmul_adjoint_a(d[result], x1, x2)
    d[x2] += ad.matmul_adjoint_b(d[result], x1, x2)


@rules.rule("linalg.multi_dot")
def multi_dot(result, arrays, *, out=None):
    t[result] = rh.multi_dot_jvp(t[arrays], arrays)
    d[arrays] += rh.multi_dot_adjoint(d[result], arrays)


@rules.rule("convolve")
def convolve(result, a, v, mode="full"):
    t[result] = xp.convolve(t[a], v, mode) + xp.convolve(a, t[v], mode)
    d[a] += rh.convolve_adjoint(d[result], a, v, 0, mode)
    d[v] += rh.convolve_adjoint(d[result], a, v, 1, mode)


@rules.rule("correlate")
def correlate(result, a, v, mode="valid"):
    t[result] = xp.correlate(t[a], v, mode) + xp.correlate(a, t[v], mode)
    d[a] += rh.correlate_adjoint(d[result], a, v, 0, mode)
    d[v] += rh.correlate_adjoint(d[result], a, v, 1, mode)


# -- diagonals and triangles ------------------------------------------------------------------


@rules.rule("trace")
def trace(result, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    t[result] = xp.trace(t[a], offset, axis1, axis2)
    d[a] += rh.trace_adjoint(d[result], a, offset, axis1, axis2)


@rules.rule("linalg.trace")
def linalg_trace(result, x, /, *, offset=0, dtype=None):
    t[result] = xp.trace(t[x], offset, -2, -1)
    d[x] += rh.trace_adjoint(d[result], x, offset, -2, -1)


@rules.rule("diagonal")
def diagonal(result, a, offset=0, axis1=0, axis2=1):
    t[result] = xp.diagonal(t[a], offset, axis1, axis2)
    d[a] += rh.diagonal_adjoint(d[result], a, offset, axis1, axis2)


@rules.rule("linalg.diagonal")
def linalg_diagonal(result, x, /, *, offset=0):
    t[result] = xp.diagonal(t[x], offset, -2, -1)
    d[x] += rh.diagonal_adjoint(d[result], x, offset, -2, -1)


@rules.rule("diag")
def diag(result, v, k=0):
    t[result] = xp.diag(t[v], k)
    d[v] += rh.diag_adjoint(d[result], v, k)


@rules.rule("diagflat")
def diagflat(result, v, k=0):
    t[result] = xp.diagflat(t[v], k)
    d[v] += rh.diagflat_adjoint(d[result], v, k)


@rules.rule("triu")
def triu(result, m, k=0):
    t[result] = xp.triu(t[m], k)
    d[m] += xp.triu(d[result], k)


@rules.rule("tril")
def tril(result, m, k=0):
    t[result] = xp.tril(t[m], k)
    d[m] += xp.tril(d[result], k)


@rules.rule("matrix_transpose", "linalg.matrix_transpose")
def matrix_transpose(result, x, /):
    t[result] = xp.swapaxes(t[x], -1, -2)
    d[x] += xp.swapaxes(d[result], -1, -2)


# -- numpy.linalg ---------------------------------------------------------------------------------


@rules.rule("linalg.inv")
def inv(result, a):
    t[result] = -(result @ t[a] @ result)
    d[a] += rh.inv_adjoint(d[result], result)


@rules.rule("linalg.solve")
def solve(result, a, b):
    t[result] = rh.solve_b_tangent(a, t[b]) + rh.solve_a_tangent(a, t[a], result)
    d[a] += rh.solve_a_adjoint(d[result], a, result)
    d[b] += ad.unbroadcast(rh.solve_b_adjoint(d[result], a), b)


@rules.rule("linalg.det")
def det(result, a):
    t[result] = rh.det_jvp(t[a], a, result)
    d[a] += rh.det_adjoint(d[result], a, result)


@rules.rule("linalg.slogdet")
def slogdet(result, a):
    """Sign and log|det|: the sign's derivative is zero."""
    t[result] = rh.slogdet_jvp(result, a, t[a])
    d[a] += rh.slogdet_adjoint(d[result], a)


@rules.rule("linalg.matrix_power")
def matrix_power(result, a, n):
    t[result] = rh.matrix_power_jvp(t[a], a, n)
    d[a] += rh.matrix_power_adjoint(d[result], a, n)


@rules.rule("linalg.norm")
def norm(result, x, ord=None, axis=None, keepdims=False):
    """Vector norms (any ``ord``), matrix norms ('fro', 'nuc', 1, -1, 2, -2,
    inf, -inf); ties in max/min based norms split evenly."""
    p = rh.norm_partials(x, ord, axis, keepdims, result)
    t[result] = xp.sum(p * t[x], axis=rh.norm_axes(x, axis), keepdims=keepdims)
    d[x] += ad.expand_to(d[result], x, rh.norm_axes(x, axis), keepdims) * p


@rules.rule("linalg.vector_norm")
def vector_norm(result, x, /, *, axis=None, keepdims=False, ord=2):
    p = rh.vector_norm_partials(x, axis, ord, keepdims, result)
    t[result] = xp.sum(p * t[x], axis=axis, keepdims=keepdims)
    d[x] += ad.expand_to(d[result], x, axis, keepdims) * p


@rules.rule("linalg.matrix_norm")
def matrix_norm(result, x, /, *, keepdims=False, ord="fro"):
    p = rh.matrix_norm_partials(x, ord, keepdims, result)
    t[result] = xp.sum(p * t[x], axis=rh.last_two(x), keepdims=keepdims)
    d[x] += ad.expand_to(d[result], x, rh.last_two(x), keepdims) * p


@rules.rule("linalg.cholesky")
def cholesky(result, a, /, *, upper=False):
    t[result] = rh.cholesky_jvp(result, t[a], upper)
    d[a] += rh.cholesky_adjoint(d[result], result, upper)


@rules.rule("linalg.eigh")
def eigh(result, a, UPLO="L"):
    """Distinct eigenvalues; the result is ``(eigenvalues, eigenvectors)``."""
    t[result] = rh.eigh_jvp(result, t[a], UPLO)
    d[a] += rh.eigh_adjoint(d[result], result, UPLO)


@rules.rule("linalg.eigvalsh")
def eigvalsh(result, a, UPLO="L"):
    t[result] = rh.eigvalsh_jvp(a, result, t[a], UPLO)
    d[a] += rh.eigvalsh_adjoint(d[result], a, result, UPLO)


@rules.rule("linalg.eigvals")
def eigvals(result, a):
    """Eigenvalues of a general square matrix (distinct eigenvalues);
    complex ones are differentiated as the transposes of their tangents,
    as the fft rules are."""
    t[result] = rh.eigvals_jvp(t[a], a, result)
    d[a] += rh.eigvals_adjoint(d[result], a, result)


@rules.rule("linalg.qr")
def qr(result, a, mode="reduced"):
    """Modes 'reduced' and 'r', at least as many rows as columns."""
    t[result] = rh.qr_jvp(a, result, t[a], mode)
    d[a] += rh.qr_adjoint(d[result], a, result, mode)


@rules.rule("linalg.svd")
def svd(result, a, full_matrices=True, compute_uv=True, hermitian=False):
    """Distinct nonzero singular values; ``full_matrices=True`` only for square ``a``."""
    t[result] = rh.svd_jvp(a, result, t[a], full_matrices, compute_uv)
    d[a] += rh.svd_adjoint(d[result], a, result, full_matrices, compute_uv)


@rules.rule("linalg.svdvals")
def svdvals(result, x, /):
    t[result] = rh.svd_jvp(x, result, t[x], False, False)
    d[x] += rh.svd_adjoint(d[result], x, result, False, False)


@rules.rule("linalg.pinv")
def pinv(result, a, rcond=None, hermitian=False, *, rtol=None):
    """Constant rank (the derivative of the pseudo-inverse jumps where the rank does)."""
    t[result] = rh.pinv_jvp(a, result, t[a])
    d[a] += rh.pinv_adjoint(d[result], a, result)


@rules.rule("linalg.lstsq")
def lstsq(result, a, b, rcond=None):
    """Derivatives of the solution, residuals and singular values (full rank)."""
    t[result] = rh.lstsq_jvp(a, b, result, t[a], None) + rh.lstsq_jvp(a, b, result, None, t[b])
    d[a] += rh.lstsq_adjoint(d[result], a, b, result, 0)
    d[b] += rh.lstsq_adjoint(d[result], a, b, result, 1)


@rules.rule("linalg.cond")
def cond(result, x, p=None):
    g = rh.cond_partials(x, p)
    t[result] = xp.sum(g * t[x], axis=(-2, -1))
    d[x] += xp.asarray(d[result])[..., None, None] * g


@rules.rule("cov")
def cov(result, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    t[result] = rh.cov_tangent(t[m], 0, m, y, rowvar, bias, ddof, fweights, aweights) \
        + rh.cov_tangent(t[y], 1, m, y, rowvar, bias, ddof, fweights, aweights)
    d[m] += rh.cov_adjoint(d[result], 0, m, y, rowvar, bias, ddof, fweights, aweights)
    d[y] += rh.cov_adjoint(d[result], 1, m, y, rowvar, bias, ddof, fweights, aweights)


@rules.rule("corrcoef")
def corrcoef(result, x, y=None, rowvar=True, *, dtype=None):
    t[result] = rh.corrcoef_tangent(t[x], 0, x, y, result, rowvar) \
        + rh.corrcoef_tangent(t[y], 1, x, y, result, rowvar)
    d[x] += rh.corrcoef_adjoint(d[result], 0, x, y, result, rowvar)
    d[y] += rh.corrcoef_adjoint(d[result], 1, x, y, result, rowvar)


@rules.rule("polyval")
def polyval(result, p, x):
    t[result] = xp.polyval(t[p], x) + rh.polyval_slope(p, x) * t[x]
    d[p] += rh.polyval_p_adjoint(d[result], p, x)
    d[x] += ad.unbroadcast(d[result] * rh.polyval_slope(p, x), x)


@rules.rule("polyadd")
def polyadd(result, a1, a2):
    t[result] = rh.poly_pad(t[a1], result) + rh.poly_pad(t[a2], result)
    d[a1] += rh.poly_tail(d[result], a1)
    d[a2] += rh.poly_tail(d[result], a2)


@rules.rule("polysub")
def polysub(result, a1, a2):
    t[result] = rh.poly_pad(t[a1], result) - rh.poly_pad(t[a2], result)
    d[a1] += rh.poly_tail(d[result], a1)
    d[a2] -= rh.poly_tail(d[result], a2)


@rules.rule("polymul")
def polymul(result, a1, a2):
    """The convolution of the coefficients."""
    t[result] = rh.polymul_tangent(t[a1], a2, result) + rh.polymul_tangent(t[a2], a1, result)
    d[a1] += rh.polymul_adjoint(d[result], a1, a2)
    d[a2] += rh.polymul_adjoint(d[result], a2, a1)


@rules.rule("polyder")
def polyder(result, p, m=1):
    t[result] = xp.polyder(t[p], m)
    d[p] += rh.poly_linear_adjoint(d[result], p, "polyder", m)


@rules.rule("polyint")
def polyint(result, p, m=1, k=None):
    """Linear in the coefficients ``p`` and the integration constants ``k``."""
    t[result] = xp.polyint(t[p], m) + rh.polyint_k_tangent(t[k], p, m)
    d[p] += rh.poly_linear_adjoint(d[result], p, "polyint", m)
    d[k] += rh.polyint_k_adjoint(d[result], p, k, m)


@rules.rule("polyfit")
def polyfit(result, x, y, deg, rcond=None, full=False, w=None, cov=False):
    """The weighted least-squares solution ``p`` (the Vandermonde matrix
    ``V`` of full column rank), for ``y`` of one or several columns:
    linear in ``y``; ``x`` moves ``V`` (by its slopes ``Vd``) and ``w`` the
    weights. ``full=True`` and ``cov=True`` are refused."""
    col = rh.polyfit_column(y, full, cov)
    ww = rh.polyfit_square_weights(w, x)
    V = xp.vander(x, deg + 1)
    Vd = rh.vander_partials(x, deg + 1)
    G = V.T @ (ww[:, None] * V)
    q = xp.reshape(ww, col)
    e = y - V @ result
    s = Vd @ result
    u = xp.linalg.solve(G, d[result])
    t[result] = xp.linalg.solve(G, V.T @ (q * t[y]) + Vd.T @ (q * e * xp.reshape(t[x], col))
                                - V.T @ (q * s * xp.reshape(t[x], col))
                                + 2.0 * V.T @ (e * xp.reshape(w * t[w], col)))
    d[y] += q * (V @ u)
    d[x] += xp.sum(xp.reshape(q * (e * (Vd @ u) - s * (V @ u)), (x.shape[0], -1)), axis=1)
    d[w] += 2.0 * w * xp.sum(xp.reshape(e * (V @ u), (x.shape[0], -1)), axis=1)


@rules.rule("vander")
def vander(result, x, N=None, increasing=False):
    g = rh.vander_partials(x, N, increasing)
    t[result] = g * t[x][:, None]
    d[x] += xp.sum(d[result] * g, axis=1)


# -- numpy.fft: complex transforms (adjoints are transposes, as in JAX) ------------------------------


@rules.rule("fft.fft")
def fft(result, a, n=None, axis=-1, norm=None, out=None):
    t[result] = xp.fft.fft(t[a], n, axis, norm)
    d[a] += rh.fft_adjoint(d[result], a, "fft", n, axis, norm)


@rules.rule("fft.ifft")
def ifft(result, a, n=None, axis=-1, norm=None, out=None):
    t[result] = xp.fft.ifft(t[a], n, axis, norm)
    d[a] += rh.fft_adjoint(d[result], a, "ifft", n, axis, norm)


@rules.rule("fft.rfft")
def rfft(result, a, n=None, axis=-1, norm=None, out=None):
    t[result] = xp.fft.rfft(t[a], n, axis, norm)
    d[a] += rh.fft_adjoint(d[result], a, "rfft", n, axis, norm)


@rules.rule("fft.irfft")
def irfft(result, a, n=None, axis=-1, norm=None, out=None):
    t[result] = xp.fft.irfft(t[a], n, axis, norm)
    d[a] += rh.irfft_adjoint(d[result], a, n, axis, norm)


@rules.rule("fft.fft2")
def fft2(result, a, s=None, axes=(-2, -1), norm=None, out=None):
    t[result] = xp.fft.fft2(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "fft2", None, -1, norm, s, axes)


@rules.rule("fft.ifft2")
def ifft2(result, a, s=None, axes=(-2, -1), norm=None, out=None):
    t[result] = xp.fft.ifft2(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "ifft2", None, -1, norm, s, axes)


@rules.rule("fft.rfft2")
def rfft2(result, a, s=None, axes=(-2, -1), norm=None, out=None):
    t[result] = xp.fft.rfft2(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "rfft2", None, -1, norm, s, axes)


@rules.rule("fft.fftn")
def fftn(result, a, s=None, axes=None, norm=None, out=None):
    t[result] = xp.fft.fftn(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "fftn", None, -1, norm, s, axes)


@rules.rule("fft.ifftn")
def ifftn(result, a, s=None, axes=None, norm=None, out=None):
    t[result] = xp.fft.ifftn(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "ifftn", None, -1, norm, s, axes)


@rules.rule("fft.rfftn")
def rfftn(result, a, s=None, axes=None, norm=None, out=None):
    t[result] = xp.fft.rfftn(t[a], s, axes, norm)
    d[a] += rh.fft_adjoint(d[result], a, "rfftn", None, -1, norm, s, axes)


@rules.rule("fft.hfft")
def hfft(result, a, n=None, axis=-1, norm=None, out=None):
    """``irfft`` of the conjugate, with the dual normalisation."""
    t[result] = xp.fft.hfft(t[a], n, axis, norm)
    d[a] += xp.conj(rh.irfft_adjoint(d[result], a, n, axis, rh.dual_norm(norm)))


@rules.rule("fft.ihfft")
def ihfft(result, a, n=None, axis=-1, norm=None, out=None):
    """The conjugate of ``rfft``, with the dual normalisation."""
    t[result] = xp.fft.ihfft(t[a], n, axis, norm)
    d[a] += rh.fft_adjoint(xp.conj(d[result]), a, "rfft", n, axis, rh.dual_norm(norm))


@rules.rule("fft.irfft2")
def irfft2(result, a, s=None, axes=(-2, -1), norm=None, out=None):
    t[result] = xp.fft.irfft2(t[a], s, axes, norm)
    d[a] += rh.irfftn_adjoint(d[result], a, s, axes, norm, 2)


@rules.rule("fft.irfftn")
def irfftn(result, a, s=None, axes=None, norm=None, out=None):
    t[result] = xp.fft.irfftn(t[a], s, axes, norm)
    d[a] += rh.irfftn_adjoint(d[result], a, s, axes, norm)


rules.nondifferentiable("linalg.matrix_rank", "tri", "tril_indices", "triu_indices",
                        "diag_indices", "tril_indices_from", "triu_indices_from",
                        "diag_indices_from", "mask_indices", "einsum_path")

# -- methods ---------------------------------------------------------------------------------------

methods = RuleSet("method")


@methods.rule("trace")
def trace_method(result, self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    t[result] = t[self].trace(offset, axis1, axis2)
    d[self] += rh.trace_adjoint(d[result], self, offset, axis1, axis2)


@methods.rule("diagonal")
def diagonal_method(result, self, offset=0, axis1=0, axis2=1):
    t[result] = t[self].diagonal(offset, axis1, axis2)
    d[self] += rh.diagonal_adjoint(d[result], self, offset, axis1, axis2)


@methods.rule("attr:mT")
def mT_attr(result, self):
    t[result] = t[self].mT
    d[self] += xp.swapaxes(d[result], -1, -2)
