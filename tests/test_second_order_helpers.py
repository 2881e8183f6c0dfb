"""Second derivatives through the helpers that first derivatives call
(``srcad/rule_helpers.py``): each helper's forward rule (``rules/dynamic.py``)
is exercised by forward-over-reverse, checked against finite differences of
the gradient (``check_grads(order=2)``, every float argument active) and by
``hessian`` (the first argument active, the others constants) against a
finite-difference Hessian."""

import numpy as np
import pytest

import srcad

rng = np.random.default_rng(1234)


def r(*shape):
    return rng.standard_normal(shape)


def spd(n, batch=()):
    m = rng.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


C3 = np.array([0.4, -1.3, 0.9])
C23 = r(2, 3)
W3 = r(3, 3)
W22 = r(2, 2)


# -- prod, cumprod ------------------------------------------------------------------------------

def prod_all(x):
    return np.prod(x)


def prod_axis(x):
    return np.sum(np.prod(x, axis=1) ** 2)


def prod_keepdims(x):
    return np.sum(np.prod(x, axis=0, keepdims=True) * x)


def prod_initial(x):
    return np.prod(x, initial=1.5) + np.sum(np.prod(x * C3, axis=-1))


def prod_of_two(x, y):
    return np.prod(x * y) + np.prod(x) * np.prod(y)


def nanprod_plain(x):
    return np.nanprod(x * x)


def prod_method(x):
    return x.prod() + np.sum(x.prod(axis=0))


def cumprod_sum(x):
    return np.sum(np.cumprod(x) * np.arange(1.0, 1.0 + x.size))


def cumprod_axis(x):
    return np.sum(np.cumprod(x, axis=1) ** 2)


def cumprod_flat(x):
    return np.sum(np.cumprod(x) * np.linspace(-1.0, 1.0, x.size))


def cumprod_method(x):
    return np.sum(x.cumprod(axis=0) ** 2)


# -- products -----------------------------------------------------------------------------------

def inner_self(x):
    return np.inner(x, x) ** 2


def inner_const(x):
    return np.inner(x, C3) ** 2 + np.sum(np.inner(C23, x) ** 3)


def inner_two(a, x):
    return np.sum(np.inner(a, x) ** 2) + np.inner(x, x) * np.sum(a)


def inner_scalar(x, s):
    return np.sum(np.inner(x, s) ** 2)


def vdot_two(a, b):
    return np.vdot(a, b) ** 2 + np.vdot(a, a * b)


def vdot_const(a):
    return np.vdot(a, C23) ** 2


def outer_two(u, v):
    return np.sum(np.outer(u, v) ** 2) + np.sum(np.outer(u, u) * W3)


def outer_const(u):
    return np.sum(np.outer(u, C3) ** 3)


def einsum_matvec(a, x):
    return np.sum(np.einsum("ij,j->i", a, x) ** 2)


def einsum_quadratic(a):
    return np.einsum("ij,ij->", a, a) ** 2 + np.einsum("ij,jk,ki->", a, a, a)


def einsum_batched(a, b):
    return np.sum(np.einsum("...ij,...jk->...ik", a, b) ** 2)


def einsum_diagonal(a, x):
    return np.sum(np.einsum("ii->i", a) ** 2 * x) + np.einsum("ii,i->", a, x) ** 2


def einsum_implicit(a):
    return np.sum(np.einsum("ij,jk", a, W3) ** 2)


def einsum_trace_of_outer(x):
    # the tangent of einsum's adjoint with a single operand is a lazy zero,
    # which reaches outer's adjoint
    return np.einsum("ii", np.outer(x, x))


def einsum_sum_of_inner(a):
    return np.einsum("ij->", np.inner(a, a))


def einsum_sublists(a, x):
    return np.sum(np.einsum(a, [0, 1], x, [1], [0]) ** 2) + np.einsum(a, [0, 1], a, [0, 1])


def tensordot_axes1(a, b):
    return np.sum(np.tensordot(a, b, axes=1) ** 2)


def tensordot_pairs(a, b):
    return np.tensordot(a, b, axes=([0, 1], [1, 0])) ** 2


def tensordot_self(a):
    return np.tensordot(a, a) ** 2 + np.sum(np.tensordot(a, W3, axes=([1], [0])) ** 3)


def kron_two(a, b):
    return np.sum(np.kron(a, b) ** 2)


def kron_const(x):
    return np.sum(np.kron(x, C3) ** 3) + np.sum(np.kron(W22, x * x))


def cross_broadcast(a, b):
    return np.sum(np.cross(a, b) ** 2)


def cross_axis(a, b):
    return np.sum(np.cross(a, b, axisa=0, axisb=0, axisc=0) ** 3)


def cross_const(a):
    return np.sum(np.cross(a, C3) ** 2 * np.cross(a, a * a))


def vecdot_two(a, b):
    return np.sum(np.vecdot(a, b) ** 2)


def matvec_two(a, v):
    return np.sum(np.matvec(a, v) ** 2)


def vecmat_two(v, a):
    return np.sum(np.vecmat(v, a) ** 2)


def convolve_two(a, v):
    return np.sum(np.convolve(a, v) ** 2) + np.sum(np.convolve(a, v, "same") ** 3)


def convolve_valid(a, v):
    return np.sum(np.convolve(a, v, "valid") ** 2)


def correlate_two(a, v):
    return np.sum(np.correlate(a, v, "full") ** 2) + np.sum(np.correlate(v, a) ** 2)


# -- reshaping and cutting ----------------------------------------------------------------------

def diff_plain(x):
    return np.sum(np.diff(x) ** 2 * np.arange(1.0, x.size))


def diff_n2_axis(a):
    return np.sum(np.diff(a, n=2, axis=0) ** 3)


def diff_prepend(x, p):
    return np.sum(np.diff(x, prepend=p, append=x[0] * 2.0) ** 3)


def hstack_mix(x, y):
    return np.sum(np.hstack([x, x * y, y]) ** 3)


def vstack_mix(x, a):
    return np.sum(np.vstack([x, a, x * x]) ** 3)


def column_stack_mix(x, y):
    return np.sum(np.column_stack([x, x * y]) ** 3)


def dstack_mix(a, b):
    return np.sum(np.dstack([a, a * b]) ** 3)


def meshgrid_two(x, y):
    gx, gy = np.meshgrid(x, y)
    return np.sum(gx ** 2 * gy)


def select_pieces(x):
    return np.sum(np.select([x > 0.5, x < -0.5], [x ** 2, x ** 3], default=np.sin(x)))


# -- linear algebra -------------------------------------------------------------------------------

def slogdet_log(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet ** 2 + sign * logdet


def slogdet_batched(a):
    return np.sum(np.linalg.slogdet(a)[1] ** 2)


def norm_ord3(x):
    return np.linalg.norm(x, 3) ** 2


def norm_axis(a):
    return np.sum(np.linalg.norm(a, axis=1) ** 3)


def norm_keepdims(a):
    return np.sum(np.linalg.norm(a, axis=0, keepdims=True) * a)


def norm_fro(a):
    return np.linalg.norm(a, "fro") ** 3 + np.linalg.norm(a)


def norm_piecewise(x):
    return np.linalg.norm(x, 1) * np.sum(x ** 2) + np.linalg.norm(x, np.inf) * x[0]


def norm_matrix_axes(a):
    return np.sum(np.linalg.norm(a, axis=(1, 2)) ** 3)


def vector_norm_p(x):
    return np.sum(np.linalg.vector_norm(x, ord=4, axis=-1) ** 2)


def matrix_norm_fro(a):
    return np.linalg.matrix_norm(a) ** 3


def pinv_weighted(a):
    return np.sum(np.sin(np.linalg.pinv(a * 1.5)) * np.arange(12.0).reshape(4, 3))


def cholesky_weighted(a):
    return np.sum(np.linalg.cholesky(a) ** 2 * W3)


def eigh_values_vectors(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w ** 3) + np.sum(v ** 4 * W3)


def eigvalsh_cubed(a):
    return np.sum(np.linalg.eigvalsh(a) ** 3)


# -- statistics, interpolation, polynomials ----------------------------------------------------------

def median_sq(x):
    return np.median(x * x) + np.percentile(x ** 3, 30.0)


def quantile_axis(a):
    return np.sum(np.quantile(a ** 2, 0.3, axis=0) ** 2)


def cov_rows(m):
    return np.sum(np.cov(m) ** 2)


def cov_xy(x, y):
    return np.sum(np.cov(x, y) * W22) + np.sum(np.cov(x, y, rowvar=False, bias=True) ** 2)


def average_weighted(a, w):
    return np.average(a ** 2, weights=w) ** 2


def average_axis(a, w):
    return np.sum(np.average(a, axis=1, weights=w) ** 3) + np.sum(np.average(a * a, axis=0))


def interp_x(x):
    return np.sum(np.interp(x * x, [0.0, 1.0, 2.0], [0.0, 1.0, 4.0]) ** 2)


def interp_all(x, xs, fs):
    return np.sum(np.interp(x, xs, fs) ** 2 * np.arange(1.0, 1.0 + x.size))


def trapezoid_y(y):
    return np.trapezoid(y ** 3) + np.trapezoid(y * y, dx=0.5)


def trapezoid_xy(y, x):
    return np.trapezoid(y ** 2, x) ** 2


def trapezoid_dx(y, dx):
    return np.trapezoid(y ** 2, dx=dx) ** 2


def polyval_px(p, x):
    return np.sum(np.polyval(p, x) ** 2)


def polyfit_fitted(x, y):
    return np.sum((np.polyval(np.polyfit(x, y, 2), x) - y) ** 2) + np.sum(np.polyfit(x, y, 1) ** 2)


def polyfit_weighted(x, y, w):
    return np.sum(np.polyfit(x, y, 2, w=w) ** 2)


def vander_sq(x):
    return np.sum(np.vander(x) ** 2) + np.sum(np.vander(x, 4, increasing=True) * np.arange(4.0))


# -- more: NaN-skipping reductions, extrema, creation, matrix powers, fft -----------------------------

def cumulative_prod_initial(x):
    return np.sum(np.cumulative_prod(x, include_initial=True) ** 2)


def cumulative_prod_axis(a):
    return np.sum(np.cumulative_prod(a, axis=1) ** 2)


def nancumprod_plain(x):
    return np.sum(np.nancumprod(x) ** 2)


def nanmean_sq(x):
    return np.nanmean(x ** 2) ** 2 + np.nansum(x ** 3)


def nan_spreads(a):
    return np.nanvar(a) + np.sum(np.nanstd(a, axis=1) ** 2) \
        + np.sum(np.nanvar(a, axis=0, ddof=1, keepdims=True) * np.nansum(a))


def sinc_of_values(x):
    return np.sum(np.sinc(x) ** 2) + np.sum(np.sinc(x * x))


XNAN = np.array([[0.3, -1.2, np.nan, 0.7], [1.1, np.nan, 0.4, -0.4], [0.2, 0.5, 0.9, -2.0]])


def extrema(x):
    return np.max(x) ** 2 + np.ptp(x) ** 2 + np.nanmax(x) * np.sum(x)


def linspace_ends(s, e):
    return np.sum(np.linspace(s, e * e, 5) ** 3) + np.sum(np.logspace(s, e, 4) ** 2)


def geomspace_ends(s):
    return np.sum(np.geomspace(s, 3.0 * s * s, 4) ** 2)


def insert_append(x):
    return np.sum(np.insert(x, 1, x[0] * 2.0) ** 3) + np.sum(np.append(x, x * x) ** 3)


def matrix_powers(a):
    return np.sum(np.linalg.matrix_power(a, 3) ** 2) + np.sum(np.linalg.matrix_power(a, -2))


def multi_dot_chain(a, x):
    return np.sum(np.linalg.multi_dot([x, a, a.T, x]) ** 2) + np.sum(np.linalg.multi_dot([a, a, a]))


def fft_parts(x):
    z = np.fft.rfft(x * x)
    return np.sum(z.real ** 2 + z.imag ** 3) + np.sum(np.real(np.fft.fft(x)) ** 3)


def nan_order_statistics(x):
    y = np.where(x > -1.0, x * x, np.nan)
    return np.sum(np.nanmedian(y, axis=0) ** 2) + np.nanquantile(y, 0.3) * np.sum(
        np.nanpercentile(y, [10.0, 60.0], axis=1, method="midpoint"))


def polynomial_algebra(p, q):
    s = np.polyadd(p * p, q) * np.polysub(q, 0.5)[0]
    return np.sum(np.polymul(s, q) ** 2) + np.sum(np.polyder(np.polymul(p, p), 2) ** 3) \
        + np.sum(np.polyint(p * q[1], 2, k=[q[0], 1.0]) ** 2) + np.sum(np.ediff1d(p * p, to_begin=q[0]) ** 3)


def pads_that_combine(x):
    return np.sum(np.pad(x * x, ((1, 2), (2, 0)), mode="mean") ** 2) \
        + np.sum(np.pad(x, 2, mode="linear_ramp", end_values=1.0) ** 3) \
        + np.sum(np.pad(x ** 2, ((2, 1), (1, 1)), mode="reflect", reflect_type="odd") ** 2)


def irfft2_parts(x):
    z = x[:, :3] + 1j * x[:, 3:]
    return np.sum(np.fft.hfft(z[0]) ** 3) + np.sum(np.abs(np.fft.ihfft(x[1] * x[2])) ** 2) \
        + np.sum(np.fft.irfft2(z, s=(3, 5)) ** 3) + np.sum(
        np.fft.irfftn(np.fft.rfftn(x * x), x.shape, axes=(0, 1)) * x)


def irfft_parts(x):
    z = x[:4] + 1j * x[4:]
    return np.sum(np.fft.irfft(z, 6) ** 3) + np.sum(np.fft.irfft(np.fft.rfft(x * x), 8) * x)


X4 = np.array([0.7, -1.1, 0.4, 1.6])
X4Z = np.array([0.7, 0.0, -1.3, 1.2])
SQ = spd(3)

def full_of_a_scalar(x, s0):
    paths = np.full(4, s0) * np.exp(x)
    return np.sum(paths ** 2) + np.sum(np.full((2, 2), s0 * x[1]))


def item_of_an_entry(x, s):
    return x[0].item() * s ** 2 + np.sum(x ** 2) * x.item(2)


def power_spectrum(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def complex_magnitudes(x):
    z = x[0] + 1j * x[1]
    return abs(z) ** 3 + np.sum(np.abs(np.fft.fft(x * x[2])))


def magnitude_and_phase(x, w):
    H = np.fft.fft(x) * w
    return np.sum(np.abs(H)) + np.sum(np.angle(H + 2.0) ** 2)


def solve_stack_with_one_vector(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


def singular_value_functions(a):
    s = np.linalg.svd(a, compute_uv=False)
    u, s_full, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 3) + np.sum(np.log(s_full[..., -1])) + np.sum(np.exp(np.linalg.svdvals(a)))


def spectral_norms(a):
    return (np.linalg.norm(a, 2) ** 2 + np.linalg.norm(a, "nuc") + np.linalg.norm(a, -2)
            + np.sum(np.linalg.norm(a[None] * np.array([1.0, 2.0])[:, None, None], 2, axis=(1, 2))))


def lstsq_solution_and_residuals(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + np.sum(res) ** 2


CASES = [
    (singular_value_functions, (r(3, 2),)),
    (singular_value_functions, (r(2, 3, 3),)),
    (spectral_norms, (r(3, 2),)),
    (lstsq_solution_and_residuals, (r(5, 3), r(5))),
    (lstsq_solution_and_residuals, (r(5, 2), r(5, 2))),
    (solve_stack_with_one_vector, (r(2, 3, 3) + 3 * np.eye(3), r(3))),
    (power_spectrum, (np.array([0.3, -0.7, 1.1, 0.5]),)),
    (complex_magnitudes, (np.array([0.3, -0.7, 1.1, 0.5]),)),
    (magnitude_and_phase, (np.array([0.3, -0.7, 1.1, 0.5]), np.array([0.5, 1.0, 1.5, 2.0]))),
    (full_of_a_scalar, (np.array([0.1, -0.2, 0.3, 0.05]), 1.5)),
    (item_of_an_entry, (np.array([0.7, -0.2, 1.1]), 1.3)),
    (prod_all, (X4,)),
    (prod_all, (X4Z,)),
    (prod_axis, (r(2, 3),)),
    (prod_axis, (np.array([[0.5, 0.0, -1.2], [0.0, 0.0, 0.8]]),)),
    (prod_keepdims, (r(3, 2),)),
    (prod_initial, (r(3),)),
    (prod_of_two, (r(3), r(3))),
    (nanprod_plain, (r(4),)),
    (prod_method, (r(2, 3),)),
    (cumprod_sum, (X4,)),
    (cumprod_sum, (X4Z,)),
    (cumprod_axis, (r(2, 3),)),
    (cumprod_axis, (np.array([[0.5, 0.0, -1.2], [1.1, 0.9, 0.0]]),)),
    (cumprod_flat, (r(2, 2),)),
    (cumprod_method, (r(3, 2),)),
    (inner_self, (r(3),)),
    (inner_const, (r(3),)),
    (inner_two, (r(2, 3), r(3))),
    (inner_scalar, (r(3), 0.7)),
    (vdot_two, (r(2, 3), r(2, 3))),
    (vdot_const, (r(2, 3),)),
    (outer_two, (r(3), r(2))),
    (outer_const, (r(2),)),
    (einsum_matvec, (r(2, 3), r(3))),
    (einsum_quadratic, (r(3, 3),)),
    (einsum_batched, (r(2, 2, 3), r(2, 3, 2))),
    (einsum_diagonal, (r(3, 3), r(3))),
    (einsum_implicit, (r(2, 3),)),
    (einsum_sublists, (r(2, 3), r(3))),
    (einsum_trace_of_outer, (r(3),)),
    (einsum_sum_of_inner, (r(2, 3),)),
    (tensordot_axes1, (r(2, 3), r(3, 2))),
    (tensordot_pairs, (r(2, 3), r(3, 2))),
    (tensordot_self, (r(3, 3),)),
    (kron_two, (r(2, 2), r(2, 3))),
    (kron_const, (r(2),)),
    (cross_broadcast, (r(2, 3), r(3))),
    (cross_axis, (r(3, 2), r(3, 2))),
    (cross_const, (r(3),)),
    (vecdot_two, (r(2, 3), r(3))),
    (matvec_two, (r(2, 3), r(3))),
    (vecmat_two, (r(2), r(2, 3))),
    (convolve_two, (r(4), r(3))),
    (convolve_valid, (r(2), r(4))),
    (correlate_two, (r(4), r(3))),
    (diff_plain, (r(4),)),
    (diff_n2_axis, (r(4, 2),)),
    (diff_prepend, (r(4), 0.3)),
    (hstack_mix, (r(3), r(3))),
    (vstack_mix, (r(3), r(2, 3))),
    (column_stack_mix, (r(3), r(3))),
    (dstack_mix, (r(2, 2), r(2, 2))),
    (meshgrid_two, (r(3), r(2))),
    (select_pieces, (np.array([1.2, -0.2, -1.7, 0.1]),)),
    (slogdet_log, (SQ,)),
    (slogdet_log, (np.array([[0.3, 1.2, 0.1], [1.1, -0.4, 0.2], [0.2, 0.5, 0.9]]),)),
    (slogdet_batched, (spd(3, (2,)),)),
    (norm_ord3, (r(4),)),
    (norm_axis, (r(2, 3),)),
    (norm_keepdims, (r(2, 3),)),
    (norm_fro, (r(2, 3),)),
    (norm_piecewise, (np.array([0.5, -1.4, 0.9]),)),
    (norm_matrix_axes, (r(2, 2, 3),)),
    (vector_norm_p, (r(2, 3),)),
    (matrix_norm_fro, (r(3, 2),)),
    (cholesky_weighted, (SQ,)),
    (pinv_weighted, (np.random.default_rng(3).standard_normal((3, 4)),)),
    (eigh_values_vectors, (SQ,)),
    (eigvalsh_cubed, (SQ,)),
    (median_sq, (np.array([0.3, -1.2, 0.8, 1.9, -0.5]),)),
    (quantile_axis, (np.array([[0.3, -1.2], [0.8, 1.9], [-0.5, 0.1], [1.3, -0.7]]),)),
    (cov_rows, (r(2, 5),)),
    (cov_xy, (r(4), r(4))),
    (average_weighted, (r(4), np.array([0.5, 1.2, 0.8, 2.0]))),
    (average_axis, (r(2, 3), np.array([0.5, 1.2, 0.8]))),
    (interp_x, (np.array([0.3, 1.1, -0.6, 1.3]),)),
    (interp_all, (np.array([0.3, 1.4, -0.5, 2.6]), np.array([0.0, 1.0, 2.0]), np.array([0.5, -1.0, 3.0]))),
    (trapezoid_y, (r(5),)),
    (trapezoid_xy, (r(4), np.array([0.0, 0.4, 1.1, 1.5]))),
    (trapezoid_dx, (r(4), 0.3)),
    (polyval_px, (r(3), r(4))),
    (vander_sq, (r(3),)),
    (polyfit_fitted, (np.array([-1.0, -0.4, 0.1, 0.5, 1.2]), r(5))),
    (polyfit_weighted, (np.array([-1.0, -0.4, 0.1, 0.5, 1.2]), r(5, 2), np.array([0.5, 1.2, 0.8, 2.0, 1.1]))),
    (cumulative_prod_initial, (r(4),)),
    (cumulative_prod_axis, (np.array([[0.5, 0.0, -1.2], [1.1, 0.9, 0.3]]),)),
    (nancumprod_plain, (r(4),)),
    (nanmean_sq, (r(4),)),
    (nan_spreads, (r(3, 4),)),
    (nan_spreads, (XNAN,)),
    (sinc_of_values, (np.array([0.3, -1.2, 0.7, 2.5]),)),
    (extrema, (np.array([0.3, -1.2, 0.8, 1.9]),)),
    (linspace_ends, (0.3, 0.9)),
    (geomspace_ends, (0.8,)),
    (insert_append, (r(3),)),
    (matrix_powers, (np.eye(3) * 2.0 + 0.3 * r(3, 3),)),
    (multi_dot_chain, (r(3, 3), r(3))),
    (fft_parts, (r(5),)),
    (irfft_parts, (r(8),)),
    (irfft2_parts, (r(3, 6),)),
    (polynomial_algebra, (r(3), r(2))),
    (pads_that_combine, (r(3, 4),)),
    (nan_order_statistics, (np.array([[0.3, -1.5, 0.8, 1.9], [2.1, 0.4, -1.2, -0.6], [1.1, -0.2, 0.5, -2.0]]),)),
]

IDS = [f"{fn.__name__}-{i}" for i, (fn, _) in enumerate(CASES)]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_check_grads_second_order(fn, args):
    srcad.check_grads(fn, args, order=2)


def _fd_hessian(fn, args, eps=1e-5):
    g = srcad.grad(fn)
    x = np.asarray(args[0], dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        plus = np.asarray(g(x + e, *args[1:]))
        minus = np.asarray(g(x - e, *args[1:]))
        cols.append(((plus - minus) / (2 * eps)).reshape(-1))
    return np.stack(cols, axis=-1).reshape(x.shape + x.shape)


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_hessian_matches_finite_differences(fn, args):
    h = srcad.hessian(fn)(*args)
    np.testing.assert_allclose(h, _fd_hessian(fn, args), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,args", [
    (prod_axis, (r(2, 3),)),
    (einsum_matvec, (r(2, 3), r(3))),
    (inner_two, (r(2, 3), r(3))),
    (cumprod_sum, (X4,)),
    (norm_axis, (r(2, 3),)),
    (slogdet_log, (SQ,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_float32_hessians_stay_float32(fn, args):
    args32 = tuple(np.asarray(a, dtype=np.float32) for a in args)
    h = srcad.hessian(fn)(*args32)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, srcad.hessian(fn)(*args), rtol=2e-3, atol=2e-3)


def test_hessian_vector_product_through_a_helper():
    x = r(2, 3)
    v = r(2, 3)
    _, hv = srcad.jvp(srcad.grad(prod_axis), (x,), (v,))
    h = srcad.hessian(prod_axis)(x)
    np.testing.assert_allclose(hv, np.tensordot(h, v, axes=2), rtol=1e-10, atol=1e-12)


def test_second_derivative_of_sinc_at_zero():
    # the finite differences of sinc's derivative lose their digits near 0
    np.testing.assert_allclose(srcad.hessian(np.sinc)(0.0), -np.pi ** 2 / 3)
    # sinc(x)**2 curves by 2 sinc''(0); sinc(x * x) by 2 sinc'(0) = 0
    np.testing.assert_allclose(srcad.hessian(sinc_of_values)(np.zeros(2)),
                               np.diag([-2 * np.pi ** 2 / 3] * 2), rtol=1e-12)


def test_second_derivatives_through_singular_vectors_still_refused():
    with pytest.raises(srcad.NonDifferentiableError) as info:
        srcad.hessian(first_left_singular_vector)(r(3, 3))
    assert "singular vectors" in str(info.value)


def first_left_singular_vector(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u[:, 0] ** 4)


def _det(a):
    return np.linalg.det(a)


def test_det_at_a_singular_matrix():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(srcad.grad(_det)(a), [[0.0, 0.0], [-2.0, 1.0]], atol=1e-12)
    _, t = srcad.jvp(_det, (a,), (np.ones((2, 2)),))
    assert np.isclose(t, -1.0)
    s = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [1.5, 1.0, 5.0]])   # rank 2
    with pytest.raises(srcad.NonDifferentiableError, match="singular"):
        srcad.hessian(_det)(s)
