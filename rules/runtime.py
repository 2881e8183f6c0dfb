"""Rules for srcad's own runtime helpers, so that generated code can be
differentiated again (``grad(grad(f))``, Hessian-vector products)."""

from srcad.ruledef import RuleSet, ad, d, t, xp

rules = RuleSet("runtime")


@rules.rule("unbroadcast")
def unbroadcast(result, g, like):
    t[result] = ad.unbroadcast(t[g], like)
    d[g] += ad.broadcast_like(d[result], g)


@rules.rule("broadcast_like")
def broadcast_like(result, g, like):
    t[result] = ad.broadcast_like(t[g], like)
    d[g] += ad.unbroadcast(d[result], g)


@rules.rule("match")
def match(result, adj, x):
    t[result] = ad.match(t[adj], x)
    d[adj] += d[result]


@rules.rule("expand_to")
def expand_to(result, g, x, axis=None, keepdims=False):
    t[result] = ad.expand_to(t[g], x, axis, keepdims)
    d[g] += ad.reduce_like(d[result], g, axis, keepdims)


@rules.rule("matmul_adjoint_a")
def matmul_adjoint_a(result, g, a, b):
    """Linear in ``g`` and ``b``: <r', adj_a(g, a, b)> = <g, r' @ b>."""
    t[result] = ad.matmul_adjoint_a(t[g], a, b) + ad.matmul_adjoint_a(g, a, t[b])
    d[g] += ad.unbroadcast(xp.matmul(ad.broadcast_like(d[result], a), b), g)
    d[b] += ad.matmul_adjoint_b(g, ad.broadcast_like(d[result], a), b)


@rules.rule("dot_adjoint_a")
def dot_adjoint_a(result, g, a, b):
    """Linear in ``g`` and ``b``: <r', adj_a(g, a, b)> = <g, dot(r', b)>."""
    t[result] = ad.dot_adjoint_a(t[g], a, b) + ad.dot_adjoint_a(g, a, t[b])
    d[g] += ad.unbroadcast(xp.dot(ad.broadcast_like(d[result], a), b), g)
    d[b] += ad.dot_adjoint_b(g, ad.broadcast_like(d[result], a), b)


@rules.rule("dot_adjoint_b")
def dot_adjoint_b(result, g, a, b):
    """Linear in ``g`` and ``a``: <r', adj_b(g, a, b)> = <g, dot(a, r')>."""
    t[result] = ad.dot_adjoint_b(t[g], a, b) + ad.dot_adjoint_b(g, t[a], b)
    d[g] += ad.unbroadcast(xp.dot(a, ad.broadcast_like(d[result], b)), g)
    d[a] += ad.dot_adjoint_a(g, a, ad.broadcast_like(d[result], b))


@rules.rule("matmul_adjoint_b")
def matmul_adjoint_b(result, g, a, b):
    """Linear in ``g`` and ``a``: <r', adj_b(g, a, b)> = <g, a @ r'>."""
    t[result] = ad.matmul_adjoint_b(t[g], a, b) + ad.matmul_adjoint_b(g, t[a], b)
    d[g] += ad.unbroadcast(xp.matmul(a, ad.broadcast_like(d[result], b)), g)
    d[a] += ad.matmul_adjoint_a(g, a, ad.broadcast_like(d[result], b))


@rules.rule("add_at")
def add_at(result, adj, x, index, g):
    t[result] = ad.add_at(t[adj], x, index, t[g])
    d[adj] += d[result]
    d[g] += ad.adjoint_at(d[result], index)


@rules.rule("dict_copy")
def dict_copy(result, x):
    t[result] = ad.dict_copy(t[x])
    d[x] += ad.dict_copy(d[result])


@rules.rule("deleted")
def deleted(result, seq, index):
    t[result] = ad.deleted(t[seq], index)
    d[seq] += ad.deleted_adjoint(d[result], seq, index)


@rules.rule("deleted_adjoint")
def deleted_adjoint(result, g, seq, index):
    t[result] = ad.deleted_adjoint(t[g], seq, index)
    d[g] += ad.deleted(d[result], index)


@rules.rule("repeated")
def repeated(result, seq, n):
    t[result] = ad.repeated(t[seq], n)
    d[seq] += ad.repeated_adjoint(d[result], seq, n)


@rules.rule("repeated_adjoint")
def repeated_adjoint(result, g, seq, n):
    t[result] = ad.repeated_adjoint(t[g], seq, n)
    d[g] += ad.repeated_adjoint_transpose(d[result], seq, n)


@rules.rule("inserted")
def inserted(result, seq, index, value):
    t[result] = ad.inserted_tangent(t[seq], index, t[value], seq)
    d[seq] += ad.deleted(d[result], ad.inserted_position(seq, index))
    d[value] += ad.adjoint_at(d[result], ad.inserted_position(seq, index))


@rules.rule("inserted_tangent")
def inserted_tangent(result, tseq, index, tvalue, seq):
    t[result] = ad.inserted_tangent(t[tseq], index, t[tvalue], seq)
    d[tseq] += ad.deleted(d[result], ad.inserted_position(seq, index))
    d[tvalue] += ad.adjoint_at(d[result], ad.inserted_position(seq, index))


rules.nondifferentiable("inserted_position", "unshared")


@rules.rule("added_at")
def added_at(result, adj, x, index, g):
    t[result] = ad.added_at(t[adj], x, index, t[g])
    d[adj] += d[result]
    d[g] += ad.adjoint_at(d[result], index)


@rules.rule("zeroed_at")
def zeroed_at(result, adj, index):
    t[result] = ad.zeroed_at(t[adj], index)
    d[adj] += ad.zero_at(ad.copy(d[result]), index)


@rules.rule("scatter_add")
def scatter_add(result, a, index, v, like=None):
    t[result] = ad.scatter_add(t[a], index, t[v], a)
    d[a] += d[result]
    d[v] += ad.unbroadcast(ad.adjoint_at(d[result], index), v)


rules.nondifferentiable("diagonal_index", "along_axis_shape", "along_axis_axes", "same_lengths",
                         "index_tuples")


@rules.rule("adjoint_at", "item_adjoint")
def adjoint_at(result, adj, index):
    t[result] = ad.adjoint_at(t[adj], index)
    d[adj] += ad.item_adjoint_transpose(d[result], adj, index)


@rules.rule("zero_at")
def zero_at(result, adj, index):
    t[result] = ad.zero_at(t[adj], index)
    d[adj] += ad.zero_at(ad.copy(d[result]), index)


# draws from NumPy's generators, differentiated in their parameters with the
# standard draw held (the reparameterization)
@rules.rule("loc_scale_draw", constant=("size",))
def loc_scale_draw(result, rng, method, loc, scale, size=None):
    t[result] = ad.draw_tangent(t[loc], t[scale], ad.standardized_draw(result, method, loc, scale), method)
    d[loc] += ad.unbroadcast(ad.draw_adjoint(d[result], 0, ad.standardized_draw(result, method, loc, scale),
                                             method), loc)
    d[scale] += ad.unbroadcast(ad.draw_adjoint(d[result], 1, ad.standardized_draw(result, method, loc, scale),
                                               method), scale)


@rules.rule("draw_tangent")
def draw_tangent(result, t_loc, t_scale, z, method):
    t[result] = ad.draw_tangent(t[t_loc], t[t_scale], z, method)
    d[t_loc] += ad.unbroadcast(ad.draw_adjoint(d[result], 0, z, method), t_loc)
    d[t_scale] += ad.unbroadcast(ad.draw_adjoint(d[result], 1, z, method), t_scale)


@rules.rule("draw_adjoint")
def draw_adjoint(result, g, which, z, method):
    t[result] = ad.draw_adjoint(t[g], which, z, method)
    d[g] += ad.draw_adjoint(d[result], which, z, method)


@rules.rule("scale_draw", constant=("size",))
def scale_draw(result, rng, method, scale, size=None):
    t[result] = t[scale] * result / scale
    d[scale] += ad.unbroadcast(d[result] * result / scale, scale)


@rules.rule("lognormal_draw", constant=("size",))
def lognormal_draw(result, rng, method, mean, sigma, size=None):
    t[result] = result * (t[mean] + t[sigma] * (xp.log(result) - mean) / sigma)
    d[mean] += ad.unbroadcast(d[result] * result, mean)
    d[sigma] += ad.unbroadcast(d[result] * result * (xp.log(result) - mean) / sigma, sigma)


rules.nondifferentiable("standardized_draw")


@rules.rule("copy")
def copy(result, x):
    t[result] = ad.copy(t[x])
    d[x] += d[result]


@rules.rule("deep_copy")
def deep_copy(result, x):
    t[result] = ad.deep_copy(t[x])
    d[x] += d[result]


@rules.rule("tangent_copy")
def tangent_copy(result, tx, x):
    t[result] = ad.tangent_copy(t[tx], x)
    d[tx] += d[result]


@rules.rule("sequence")
def sequence(result, x):
    t[result] = ad.sequence_tangent(t[x], x)
    d[x] += ad.sequence_adjoint(d[result], x)


@rules.rule("sequence_adjoint")
def sequence_adjoint(result, g, x):
    t[result] = ad.sequence_adjoint(t[g], x)
    d[g] += ad.sequence_adjoint(d[result], x)


@rules.rule("sum_adjoint")
def sum_adjoint(result, g, seq):
    t[result] = ad.sum_adjoint(t[g], seq)
    d[g] += ad.unbroadcast(ad.sum_tangent(d[result]), g)


@rules.rule("sum_tangent")
def sum_tangent(result, ts):
    t[result] = ad.sum_tangent(t[ts])
    d[ts] += ad.sum_adjoint(d[result], ts)


@rules.rule("same_container")
def same_container(result, x, like):
    t[result] = ad.same_container(t[x], like)
    d[x] += d[result]


@rules.rule("pick_tangent")
def pick_tangent(result, r, a, b, ta, first=True):
    t[result] = ad.pick_tangent(r, a, b, t[ta], first)
    d[ta] += ad.pick_tangent_transpose(d[result], r, a, b, ta, first)


@rules.rule("pick_adjoint")
def pick_adjoint(result, g, r, a, b, first=True):
    t[result] = ad.pick_adjoint(t[g], r, a, b, first)
    d[g] += ad.pick_adjoint_transpose(d[result], r, a, b, first)


@rules.rule("reduce_like")
def reduce_like(result, g, like, axis=None, keepdims=False):
    t[result] = ad.reduce_like(t[g], like, axis, keepdims)


@rules.rule("astype_like")
def astype_like(result, x, like):
    t[result] = ad.astype_like(t[x], like)
    d[x] += ad.astype_like(d[result], x)


@rules.rule("container_tangent")
def container_tangent(result, values, like):
    t[result] = ad.container_tangent(t[values], like)


@rules.rule("sign")
def sign(result, x):
    t[result] = ad.sign_derivative(x, t[x])
    d[x] += ad.sign_adjoint(x, d[result])


@rules.rule("pair")
def pair(result, g, v):
    t[result] = ad.pair(t[g], v) + ad.pair(g, t[v])
    d[g] += ad.pair_adjoint(d[result], v)
    d[v] += ad.pair_adjoint(d[result], g)


@rules.rule("pair_adjoint")
def pair_adjoint(result, r, other):
    t[result] = ad.pair_adjoint(t[r], other) + ad.pair_adjoint(r, t[other])
    d[r] += ad.pair(d[result], other)
    d[other] += ad.pair_adjoint(r, d[result])


@rules.rule("nones_as_zeros")
def nones_as_zeros(result, values):
    t[result] = ad.nones_as_zeros(t[values])
    d[values] += d[result]


@rules.rule("real_adjoint")
def real_adjoint(result, g):
    t[result] = ad.real_adjoint(t[g])
    d[g] += ad.real_adjoint(d[result])


@rules.rule("abs_tangent")
def abs_tangent(result, x, tx):
    t[result] = ad.abs_tangent(x, t[tx]) + ad.abs_tangent_dx(x, tx, t[x])
    d[tx] += d[result] * ad.sign(x)
    d[x] += ad.sign_adjoint(x, d[result] * tx)


@rules.rule("sign_derivative")
def sign_derivative(result, x, v):
    t[result] = ad.sign_derivative(x, t[v]) + ad.no_third_order(x, t[x])
    d[v] += ad.sign_adjoint(x, d[result])
    d[x] += ad.no_third_order(x, d[result])


@rules.rule("sign_adjoint")
def sign_adjoint(result, x, g):
    t[result] = ad.sign_adjoint(x, t[g]) + ad.no_third_order(x, t[x])
    d[g] += ad.sign_derivative(x, d[result])
    d[x] += ad.no_third_order(x, d[result])


@rules.rule("abs_tangent_dx")
def abs_tangent_dx(result, x, tx, v):
    t[result] = ad.abs_tangent_dx(x, t[tx], v) + ad.abs_tangent_dx(x, tx, t[v]) \
        + ad.no_third_order(x, t[x])


@rules.rule("reshape_in_order")
def reshape_in_order(result, x, shape, order="C"):
    t[result] = ad.reshape_in_order(t[x], shape, order)
    d[x] += ad.reshape_in_order(d[result], ad.shape_of(x).shape, order)


@rules.rule("inexact_only")
def inexact_only(result, g, value):
    t[result] = ad.inexact_only(t[g], value)
    d[g] += ad.inexact_only(d[result], value)


rules.nondifferentiable("no_third_order")
rules.nondifferentiable("sort_order", "shortest")
rules.nondifferentiable("count", "inverse_axes", "namespace_of", "zeros_like", "length")


@rules.rule("seed")
def seed(result, r, g):
    t[result] = t[g]
    d[g] += d[result]


@rules.rule("split_last_item")
def split_last_item(result, adj, lst):
    t[result] = ad.split_last(t[adj], lst)


rules.nondifferentiable("stop_gradient")


@rules.rule("push_adjoint")
def push_adjoint(result, adj, lst, g):
    t[result] = ad.push_adjoint(t[adj], lst, t[g])
    d[adj] += ad.truncate_adjoint(d[result], adj)
    d[g] += ad.item_adjoint(d[result], ad.length(lst))


@rules.rule("split_last")
def split_last(result, adj, lst):
    t[result] = ad.split_last(t[adj], lst)
    d[adj] += ad.join_last(d[result], lst)


rules.nondifferentiable("extremum_mask")


@rules.rule("old_item")
def old_item(result, x, index):
    t[result] = ad.old_item(t[x], index)
    d[x] += ad.old_item_adjoint(d[result], x, index)


@rules.rule("written_adjoint")
def written_adjoint(result, adj, index):
    t[result] = ad.written_adjoint(t[adj], index)
    d[adj] += ad.written_adjoint_transpose(d[result], adj, index)


rules.nondifferentiable("shape_of")


@rules.rule("written_adjoint_transpose")
def written_adjoint_transpose(result, g, adj, index):
    t[result] = ad.written_adjoint_transpose(t[g], adj, index)
    d[g] += ad.written_adjoint(d[result], index)


@rules.rule("dense")
def dense(result, adj, like):
    t[result] = ad.dense(t[adj], like)
    d[adj] += d[result]


@rules.rule("log")
def log(result, x):
    t[result] = t[x] / x
    d[x] += d[result] / x


@rules.rule("extremum_adjoint")
def extremum_adjoint(result, g, x, r, axis=None, keepdims=False):
    t[result] = ad.extremum_adjoint(t[g], x, r, axis, keepdims)
    d[g] += ad.unbroadcast(ad.extremum_tangent(d[result], x, r, axis, keepdims), g)


@rules.rule("extremum_tangent")
def extremum_tangent(result, tx, x, r, axis=None, keepdims=False):
    t[result] = ad.extremum_tangent(t[tx], x, r, axis, keepdims)
    d[tx] += ad.unbroadcast(ad.extremum_adjoint(d[result], x, r, axis, keepdims), tx)


@rules.rule("zip_list")
def zip_list(result, *seqs):
    t[result] = ad.zip_tangent(seqs, *t[seqs])
    d[seqs] += ad.unzip_adjoint(d[result], seqs)


@rules.rule("enumerate_list")
def enumerate_list(result, seq, start=0):
    t[result] = ad.enumerate_tangent(t[seq], start)
    d[seq] += ad.unenumerate_adjoint(d[result], seq)


@rules.rule("reversed_list")
def reversed_list(result, seq):
    t[result] = ad.reversed_tangent(t[seq])
    d[seq] += ad.unreverse_adjoint(d[result], seq)


@rules.rule("enumerate_tangent")
def enumerate_tangent(result, tt, start=0):
    t[result] = ad.enumerate_tangent(t[tt], start)


@rules.rule("unzip_adjoint")
def unzip_adjoint(result, g, seqs):
    t[result] = ad.unzip_adjoint(t[g], seqs)
    d[g] += ad.unzip_adjoint_transpose(d[result], seqs)


@rules.rule("unenumerate_adjoint")
def unenumerate_adjoint(result, g, seq):
    t[result] = ad.unenumerate_adjoint(t[g], seq)
    d[g] += ad.unenumerate_adjoint_transpose(d[result])


@rules.rule("unreverse_adjoint")
def unreverse_adjoint(result, g, seq):
    t[result] = ad.unreverse_adjoint(t[g], seq)
    d[g] += ad.unreverse_adjoint_transpose(d[result])


@rules.rule("exponent_tangent")
def exponent_tangent(result, r, a, tb):
    t[result] = ad.exponent_tangent(r, a, t[tb])
    d[tb] += d[result] * ad.pow_log(r, a)


@rules.rule("running_extremum")
def running_extremum(result, x, largest, axis=0):
    t[result] = ad.running_extremum_tangent(t[x], x, result, axis)
    d[x] += ad.running_extremum_adjoint(d[result], x, result, axis)


@rules.rule("running_extremum_adjoint")
def running_extremum_adjoint(out, g, x, result, axis=0):
    t[out] = ad.running_extremum_adjoint(t[g], x, result, axis)


@rules.rule("running_extremum_tangent")
def running_extremum_tangent(out, tx, x, result, axis=0):
    t[out] = ad.running_extremum_tangent(t[tx], x, result, axis)


@rules.rule("logaddexp_accumulate")
def logaddexp_accumulate(result, x, base2=False, axis=0):
    t[result] = ad.logaddexp_accumulate_apply(t[x], x, result, base2, axis)
    d[x] += ad.logaddexp_accumulate_transpose(d[result], x, result, base2, axis)


# out = A(v, x, r): sum over j <= i of B**(x[j] - r[i]) * v[j]; its transpose
# sums over i >= j. Linear in v (g), and in B**x, B**-r: k = log(B).
@rules.rule("logaddexp_accumulate_apply")
def logaddexp_accumulate_apply(out, v, x, r, base2=False, axis=0):
    k = ad.log_scale(base2)
    t[out] = ad.logaddexp_accumulate_apply(t[v] + k * v * t[x], x, r, base2, axis) - k * t[r] * out
    d[v] += ad.logaddexp_accumulate_transpose(d[out], x, r, base2, axis)
    d[x] += k * v * ad.logaddexp_accumulate_transpose(d[out], x, r, base2, axis)
    d[r] -= k * d[out] * out


@rules.rule("logaddexp_accumulate_transpose")
def logaddexp_accumulate_transpose(out, g, x, r, base2=False, axis=0):
    k = ad.log_scale(base2)
    t[out] = ad.logaddexp_accumulate_transpose(t[g] - k * g * t[r], x, r, base2, axis) + k * t[x] * out
    d[g] += ad.logaddexp_accumulate_apply(d[out], x, r, base2, axis)
    d[x] += k * d[out] * out
    d[r] -= k * g * ad.logaddexp_accumulate_apply(d[out], x, r, base2, axis)


@rules.rule("add_reduceat")
def add_reduceat(result, x, indices, axis=0):
    t[result] = ad.add_reduceat(t[x], indices, axis)
    d[x] += ad.add_reduceat_adjoint(d[result], x, indices, axis)


@rules.rule("add_reduceat_adjoint")
def add_reduceat_adjoint(out, g, x, indices, axis=0):
    t[out] = ad.add_reduceat_adjoint(t[g], x, indices, axis)
    d[g] += ad.add_reduceat(d[out], indices, axis)


@rules.rule("put_along_axis_copy")
def put_along_axis_copy(result, arr, indices, values, axis):
    t[result] = ad.put_along_axis_cleared(t[arr], indices, axis) \
        + ad.put_along_axis_values(t[values], arr, indices, values, axis)
    d[arr] += ad.put_along_axis_cleared(d[result], indices, axis)
    d[values] += ad.put_along_axis_gather(d[result], arr, indices, values, axis)


@rules.rule("put_along_axis_cleared")
def put_along_axis_cleared(out, v, indices, axis):
    t[out] = ad.put_along_axis_cleared(t[v], indices, axis)
    d[v] += ad.put_along_axis_cleared(d[out], indices, axis)


@rules.rule("put_along_axis_values")
def put_along_axis_values(out, tv, arr, indices, values, axis):
    t[out] = ad.put_along_axis_values(t[tv], arr, indices, values, axis)
    d[tv] += ad.put_along_axis_gather(d[out], arr, indices, values, axis)


@rules.rule("put_along_axis_gather")
def put_along_axis_gather(out, g, arr, indices, values, axis):
    t[out] = ad.put_along_axis_gather(t[g], arr, indices, values, axis)
    d[g] += ad.put_along_axis_values(d[out], arr, indices, values, axis)


rules.nondifferentiable("running_extremum_index", "einsum_subscripts", "keys")


@rules.rule("digamma")
def digamma(result, x):
    t[result] = ad.trigamma(x) * t[x]
    d[x] += d[result] * ad.trigamma(x)


@rules.rule("pow_partial")
def pow_partial(result, a, b):
    t[result] = ad.pow_partial_tangent(a, b, t[a], t[b])
    d[a] += d[result] * b * ad.pow_partial(a, b - 1)
    d[b] += d[result] * ad.pow_partial_db(a, b)


@rules.rule("pow_log")
def pow_log(result, r, a):
    t[result] = ad.pow_log_tangent(t[r], r, a, t[a])
    d[r] += ad.unbroadcast(ad.pow_log(d[result], a), r)
    d[a] += ad.unbroadcast(ad.pow_log_tangent(0.0, r, a, d[result]), a)


@rules.rule("rebinding")
def rebinding(result, x, name, other, filename=None, lineno=None):
    t[result] = t[x]
    d[x] += d[result]


@rules.rule("reversed_tangent")
def reversed_tangent(result, tt):
    t[result] = ad.reversed_tangent(t[tt])


@rules.rule("zip_tangent")
def zip_tangent(result, seqs, *ts):
    t[result] = ad.zip_tangent(seqs, *t[ts])


@rules.rule("sequence_tangent")
def sequence_tangent(result, tt, x):
    t[result] = ad.sequence_tangent(t[tt], x)


@rules.rule("field")
def field(result, obj, name):
    t[result] = ad.field(t[obj], obj, name)
    d[obj] += ad.field_adjoint(d[result], obj, name)



@rules.rule("concat")
def concat(result, a, b):
    t[result] = ad.concat_tangent(t[a], t[b], a, b)
    d[a] += ad.concat_adjoint(d[result], a, b, 0)
    d[b] += ad.concat_adjoint(d[result], a, b, 1)


@rules.rule("concat_adjoint")
def concat_adjoint(result, g, a, b, which):
    t[result] = ad.concat_adjoint(t[g], a, b, which)
    d[g] += ad.concat_adjoint_transpose(d[result], a, b, which)


@rules.rule("concat_tangent")
def concat_tangent(result, ta, tb, a, b):
    t[result] = ad.concat_tangent(t[ta], t[tb], a, b)
    d[ta] += ad.concat_adjoint(d[result], a, b, 0)
    d[tb] += ad.concat_adjoint(d[result], a, b, 1)


@rules.rule("with_item")
def with_item(result, seq, index, value, like=None):
    t[result] = ad.with_item(t[seq], index, t[value], seq)
    d[seq] += ad.without_item(d[result], index)
    d[value] += ad.unbroadcast(ad.adjoint_at(d[result], index), value)


@rules.rule("without_item")
def without_item(result, g, index):
    t[result] = ad.without_item(t[g], index)
    d[g] += ad.without_item(d[result], index)


@rules.rule("record")
def record(result, cls, *values):
    t[result] = ad.record_tangent(cls, *t[values])
    d[values] += ad.record_adjoint(d[result], cls, len(values))


@rules.rule("record_adjoint")
def record_adjoint(result, g, cls, n):
    t[result] = ad.record_adjoint(t[g], cls, n)


rules.nondifferentiable("record_fields")


@rules.rule("field_adjoint")
def field_adjoint(result, g, x, name):
    t[result] = ad.field_adjoint(t[g], x, name)
    d[g] += ad.field(d[result], x, name)
