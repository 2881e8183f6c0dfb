"""Rules for NumPy's shape, joining, selection and array-creation functions
and the matching ndarray methods.

These are linear in their array arguments: the tangent is the same
operation applied to the tangent; the adjoint undoes it (a reshape, a
transpose, a split), or, for selections that copy entries (``take``,
``repeat``, ``tile``, ``pad``, ``sort``...), adds the adjoint back up at the
positions each entry was read from. ``sort``/``partition`` ties pick one
entry (the values are equal, so any choice gives the same result).
"""

from srcad import rule_helpers as rh
from srcad.ruledef import RuleSet, ad, d, t, xp

rules = RuleSet("numpy")

# -- reshaping and transposing -------------------------------------------------------------


@rules.rule("ravel")
def ravel(result, a, order="C"):
    t[result] = xp.ravel(t[a], order)
    d[a] += rh.unravel(d[result], a, order)


@rules.rule("squeeze")
def squeeze(result, a, axis=None):
    t[result] = xp.squeeze(t[a], axis)
    d[a] += xp.reshape(d[result], xp.shape(a))


@rules.rule("expand_dims")
def expand_dims(result, a, axis):
    t[result] = xp.expand_dims(t[a], axis)
    d[a] += xp.reshape(d[result], xp.shape(a))


@rules.rule("atleast_1d", "atleast_2d", "atleast_3d")
def atleast_nd(result, ary):
    """One argument (several arguments give a tuple: not supported)."""
    t[result] = xp.reshape(t[ary], xp.shape(result))
    d[ary] += xp.reshape(d[result], xp.shape(ary))


@rules.rule("swapaxes")
def swapaxes(result, a, axis1, axis2):
    t[result] = xp.swapaxes(t[a], axis1, axis2)
    d[a] += xp.swapaxes(d[result], axis1, axis2)


@rules.rule("moveaxis")
def moveaxis(result, a, source, destination):
    t[result] = xp.moveaxis(t[a], source, destination)
    d[a] += xp.moveaxis(d[result], destination, source)


@rules.rule("rollaxis")
def rollaxis(result, a, axis, start=0):
    t[result] = xp.rollaxis(t[a], axis, start)
    d[a] += rh.rollaxis_adjoint(d[result], a, axis, start)


rules.alias("permute_dims", "transpose")     # the same function as numpy.transpose


@rules.rule("broadcast_to")
def broadcast_to(result, array, shape, subok=False):
    t[result] = xp.broadcast_to(t[array], shape)
    d[array] += ad.unbroadcast(d[result], array)


# -- joining and splitting -------------------------------------------------------------------


@rules.rule("concatenate", "concat")
def concatenate(result, arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    t[result] = xp.concatenate(t[arrays], axis=axis)
    d[arrays] += rh.split_pieces(d[result], arrays, axis)


@rules.rule("stack")
def stack(result, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    t[result] = xp.stack(t[arrays], axis=axis)
    d[arrays] += rh.unstack_pieces(d[result], arrays, axis)


@rules.rule("hstack")
def hstack(result, tup, *, dtype=None, casting="same_kind"):
    t[result] = xp.hstack(t[tup])
    d[tup] += rh.join_adjoint(d[result], tup, "hstack")


@rules.rule("vstack", "row_stack")
def vstack(result, tup, *, dtype=None, casting="same_kind"):
    t[result] = xp.vstack(t[tup])
    d[tup] += rh.join_adjoint(d[result], tup, "vstack")


@rules.rule("dstack")
def dstack(result, tup):
    t[result] = xp.dstack(t[tup])
    d[tup] += rh.join_adjoint(d[result], tup, "dstack")


@rules.rule("column_stack")
def column_stack(result, tup):
    t[result] = xp.column_stack(t[tup])
    d[tup] += rh.join_adjoint(d[result], tup, "column_stack")


@rules.rule("block")
def block(result, arrays):
    t[result] = rh.block_tangent(t[arrays], arrays)
    d[arrays] += rh.block_adjoint(d[result], arrays)


@rules.rule("split", "array_split")
def split(result, ary, indices_or_sections, axis=0):
    t[result] = xp.array_split(t[ary], indices_or_sections, axis=axis)
    d[ary] += rh.concat_pieces(d[result], result, axis)


@rules.rule("hsplit")
def hsplit(result, ary, indices_or_sections):
    t[result] = xp.hsplit(t[ary], indices_or_sections)
    d[ary] += rh.concat_pieces(d[result], result, rh.hsplit_axis(ary))


@rules.rule("vsplit")
def vsplit(result, ary, indices_or_sections):
    t[result] = xp.vsplit(t[ary], indices_or_sections)
    d[ary] += rh.concat_pieces(d[result], result, 0)


@rules.rule("dsplit")
def dsplit(result, ary, indices_or_sections):
    t[result] = xp.dsplit(t[ary], indices_or_sections)
    d[ary] += rh.concat_pieces(d[result], result, 2)


@rules.rule("unstack")
def unstack(result, x, /, *, axis=0):
    t[result] = xp.unstack(t[x], axis=axis)
    d[x] += rh.stack_pieces(d[result], result, axis)


@rules.rule("append")
def append(result, arr, values, axis=None):
    t[result] = rh.append_tangent(t[arr], 0, arr, values, axis) + rh.append_tangent(t[values], 1, arr, values, axis)
    d[arr] += rh.append_adjoint(d[result], 0, arr, values, axis)
    d[values] += rh.append_adjoint(d[result], 1, arr, values, axis)


# -- rearranging and selecting ----------------------------------------------------------------------


@rules.rule("flip")
def flip(result, m, axis=None):
    t[result] = xp.flip(t[m], axis=axis)
    d[m] += xp.flip(d[result], axis=axis)


@rules.rule("fliplr")
def fliplr(result, m):
    t[result] = xp.fliplr(t[m])
    d[m] += xp.fliplr(d[result])


@rules.rule("flipud")
def flipud(result, m):
    t[result] = xp.flipud(t[m])
    d[m] += xp.flipud(d[result])


@rules.rule("roll")
def roll(result, a, shift, axis=None):
    t[result] = xp.roll(t[a], shift, axis)
    d[a] += xp.roll(d[result], rh.negate_shift(shift), axis)


@rules.rule("rot90")
def rot90(result, m, k=1, axes=(0, 1)):
    t[result] = xp.rot90(t[m], k, axes)
    d[m] += xp.rot90(d[result], -k, axes)


@rules.rule("tile")
def tile(result, A, reps):
    t[result] = xp.tile(t[A], reps)
    d[A] += rh.tile_adjoint(d[result], A, reps)


@rules.rule("repeat")
def repeat(result, a, repeats, axis=None):
    t[result] = xp.repeat(t[a], repeats, axis)
    d[a] += rh.repeat_adjoint(d[result], a, repeats, axis)


@rules.rule("resize")
def resize(result, a, new_shape):
    t[result] = xp.resize(t[a], new_shape)
    d[a] += rh.resize_adjoint(d[result], a, new_shape)


@rules.rule("pad", constant=("end_values",))
def pad(result, array, pad_width, mode="constant", constant_values=0, reflect_type="even",
        stat_length=None, end_values=0):
    """Modes 'constant' (a scalar fill value), 'edge', 'reflect', 'symmetric'
    (either ``reflect_type``), 'wrap', 'mean' and 'linear_ramp' (its
    ``end_values`` constants)."""
    t[result] = rh.pad_tangent(t[array], array, pad_width, mode, reflect_type, stat_length) \
        + rh.pad_fill_tangent(t[constant_values], array, pad_width, constant_values) \
        + rh.constant_only(t[end_values], "numpy.pad with end_values that depend on the input")
    d[array] += rh.pad_adjoint(d[result], array, pad_width, mode, reflect_type, stat_length)
    d[constant_values] += rh.pad_fill_adjoint(d[result], array, pad_width, constant_values)


@rules.rule("take")
def take(result, a, indices, axis=None, out=None, mode="raise"):
    t[result] = xp.take(t[a], indices, axis=axis, mode=mode)
    d[a] += rh.take_adjoint(d[result], a, indices, axis, mode)


@rules.rule("take_along_axis")
def take_along_axis(result, arr, indices, axis=-1):
    t[result] = xp.take_along_axis(t[arr], indices, axis)
    d[arr] += rh.take_along_axis_adjoint(d[result], arr, indices, axis)


@rules.rule("compress")
def compress(result, condition, a, axis=None, out=None):
    t[result] = xp.compress(condition, t[a], axis)
    d[a] += rh.compress_adjoint(d[result], condition, a, axis)


@rules.rule("extract")
def extract(result, condition, arr):
    t[result] = xp.extract(condition, t[arr])
    d[arr] += rh.extract_adjoint(d[result], condition, arr)


@rules.rule("delete")
def delete(result, arr, obj, axis=None):
    t[result] = xp.delete(t[arr], obj, axis)
    d[arr] += rh.delete_adjoint(d[result], arr, obj, axis)


@rules.rule("lib.stride_tricks.sliding_window_view")
def sliding_window_view(result, x, window_shape, axis=None, *, subok=False, writeable=False):
    """The windows are a view of ``x``: its tangent is the same view of the
    tangent; the adjoint adds each window's adjoint back where it was read."""
    t[result] = xp.lib.stride_tricks.sliding_window_view(t[x], window_shape, axis)
    d[x] += rh.sliding_window_adjoint(d[result], x, window_shape, axis)


@rules.rule("sort")
def sort(result, a, axis=-1, kind=None, order=None, *, stable=None):
    p = rh.sort_permutation(a, axis)
    t[result] = rh.permute(t[a], p, axis)
    d[a] += rh.unpermute(d[result], p, a, axis)


@rules.rule("partition")
def partition(result, a, kth, axis=-1, kind="introselect", order=None):
    p = rh.partition_permutation(a, kth, axis)
    t[result] = rh.permute(t[a], p, axis)
    d[a] += rh.unpermute(d[result], p, a, axis)


# -- array creation from values ----------------------------------------------------------------


@rules.rule("array")
def array(result, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, ndmax=0,
          like=None):
    """From an active array, or from (nested) lists and tuples of active values."""
    t[result] = ad.inexact_only(rh.array_tangent(t[object], result), result)
    d[object] += rh.array_adjoint(ad.inexact_only(d[result], result), object)


@rules.rule("asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "asarray_chkfinite")
def asarray(result, a, dtype=None, order=None, *, device=None, copy=None, like=None):
    t[result] = ad.inexact_only(rh.array_tangent(t[a], result), result)
    d[a] += rh.array_adjoint(ad.inexact_only(d[result], result), a)


@rules.rule("astype")
def astype(result, x, dtype, /, *, copy=True, device=None):
    t[result] = ad.astype_like(t[x], result)
    d[x] += ad.astype_like(ad.inexact_only(d[result], result), x)


@rules.rule("copy")
def copy(result, a, order="K", subok=False):
    t[result] = xp.copy(t[a])
    d[a] += d[result]


@rules.rule("full")
def full(result, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    t[result] = rh.full_tangent(t[fill_value], result)
    d[fill_value] += rh.full_adjoint(d[result], fill_value)


@rules.rule("full_like")
def full_like(result, a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    """Differentiable in ``fill_value`` (``a`` only gives the shape)."""
    t[result] = rh.full_tangent(t[fill_value], result)
    d[fill_value] += rh.full_adjoint(d[result], fill_value)


@rules.rule("linspace", broadcast=True)
def linspace(result, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    t[result] = rh.linspace_tangent(t[start], result, num, endpoint, axis, 0, retstep) \
        + rh.linspace_tangent(t[stop], result, num, endpoint, axis, 1, retstep)
    d[start] += rh.linspace_adjoint(d[result], result, num, endpoint, axis, 0, retstep)
    d[stop] += rh.linspace_adjoint(d[result], result, num, endpoint, axis, 1, retstep)


@rules.rule("logspace", broadcast=True)
def logspace(result, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    t[result] = rh.logspace_tangent(t[start], result, num, endpoint, base, axis, 0) \
        + rh.logspace_tangent(t[stop], result, num, endpoint, base, axis, 1)
    d[start] += rh.logspace_adjoint(d[result], result, num, endpoint, base, axis, 0)
    d[stop] += rh.logspace_adjoint(d[result], result, num, endpoint, base, axis, 1)


@rules.rule("geomspace", broadcast=True)
def geomspace(result, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t[result] = rh.geomspace_tangent(t[start], start, result, num, endpoint, axis, 0) \
        + rh.geomspace_tangent(t[stop], stop, result, num, endpoint, axis, 1)
    d[start] += rh.geomspace_adjoint(d[result], start, result, num, endpoint, axis, 0)
    d[stop] += rh.geomspace_adjoint(d[result], stop, result, num, endpoint, axis, 1)


@rules.rule("meshgrid")
def meshgrid(result, x0, x1=None, x2=None, x3=None, *, copy=True, sparse=False, indexing="xy"):
    """Up to four coordinate arrays."""
    xs = (x0, x1, x2, x3)
    t[result] = rh.meshgrid_tangent(t[x0], 0, xs, sparse, indexing) \
        + rh.meshgrid_tangent(t[x1], 1, xs, sparse, indexing) \
        + rh.meshgrid_tangent(t[x2], 2, xs, sparse, indexing) \
        + rh.meshgrid_tangent(t[x3], 3, xs, sparse, indexing)
    d[x0] += rh.meshgrid_adjoint(d[result], 0, xs, sparse, indexing)
    d[x1] += rh.meshgrid_adjoint(d[result], 1, xs, sparse, indexing)
    d[x2] += rh.meshgrid_adjoint(d[result], 2, xs, sparse, indexing)
    d[x3] += rh.meshgrid_adjoint(d[result], 3, xs, sparse, indexing)


@rules.rule("broadcast_arrays")
def broadcast_arrays(result, a0, a1=None, a2=None, a3=None, *, subok=False):
    """Up to four arrays."""
    t[result] = rh.broadcast_arrays_tangent(t[a0], 0, result) \
        + rh.broadcast_arrays_tangent(t[a1], 1, result) \
        + rh.broadcast_arrays_tangent(t[a2], 2, result) \
        + rh.broadcast_arrays_tangent(t[a3], 3, result)
    d[a0] += rh.broadcast_arrays_adjoint(d[result], 0, a0)
    d[a1] += rh.broadcast_arrays_adjoint(d[result], 1, a1)
    d[a2] += rh.broadcast_arrays_adjoint(d[result], 2, a2)
    d[a3] += rh.broadcast_arrays_adjoint(d[result], 3, a3)


@rules.rule("insert")
def insert(result, arr, obj, values, axis=None):
    t[result] = rh.insert_tangent(t[arr], 0, arr, obj, values, axis) \
        + rh.insert_tangent(t[values], 1, arr, obj, values, axis)
    d[arr] += rh.insert_adjoint(d[result], 0, arr, obj, values, axis)
    d[values] += rh.insert_adjoint(d[result], 1, arr, obj, values, axis)


@rules.rule("select")
def select(result, condlist, choicelist, default=0):
    t[result] = xp.select(condlist, t[choicelist]) + rh.select_default_mask(condlist) * t[default]
    d[choicelist] += rh.select_adjoint(d[result], condlist, choicelist)
    d[default] += ad.unbroadcast(xp.where(rh.select_default_mask(condlist), d[result], 0), default)


@rules.rule("choose")
def choose(result, a, choices, out=None, mode="raise"):
    """``choices[a[i]][i]`` (the choices broadcast against ``a``)."""
    t[result] = rh.choose_tangent(a, t[choices], choices, mode)
    d[choices] += rh.choose_adjoint(d[result], a, choices, mode)


@rules.rule("interp")
def interp(result, x, xp, fp, left=None, right=None, period=None):
    """Derivatives in all of ``x``, ``xp``, ``fp``, ``left``, ``right`` (not ``period``).
    (This template's ``xp`` is the sample points, not the array namespace.)"""
    t[result] = rh.interp_tangent(t[x], "x", x, xp, fp, left, right, period) \
        + rh.interp_tangent(t[xp], "xp", x, xp, fp, left, right, period) \
        + rh.interp_tangent(t[fp], "fp", x, xp, fp, left, right, period) \
        + rh.interp_tangent(t[left], "left", x, xp, fp, left, right, period) \
        + rh.interp_tangent(t[right], "right", x, xp, fp, left, right, period)
    d[x] += rh.interp_adjoint(d[result], "x", x, xp, fp, left, right, period)
    d[xp] += rh.interp_adjoint(d[result], "xp", x, xp, fp, left, right, period)
    d[fp] += rh.interp_adjoint(d[result], "fp", x, xp, fp, left, right, period)
    d[left] += rh.interp_adjoint(d[result], "left", x, xp, fp, left, right, period)
    d[right] += rh.interp_adjoint(d[result], "right", x, xp, fp, left, right, period)


# -- numpy.fft: real shifts --------------------------------------------------------------------


@rules.rule("fft.fftshift")
def fftshift(result, x, axes=None):
    t[result] = xp.fft.fftshift(t[x], axes)
    d[x] += xp.fft.ifftshift(d[result], axes)


@rules.rule("fft.ifftshift")
def ifftshift(result, x, axes=None):
    t[result] = xp.fft.ifftshift(t[x], axes)
    d[x] += xp.fft.fftshift(d[result], axes)


rules.nondifferentiable("ravel_multi_index", "unravel_index", "indices", "ix_", "may_share_memory",
                        "shares_memory", "isin", "array_equiv", "iterable", "isfortran",
                        "typename", "mintypecode", "common_type")

# -- methods ------------------------------------------------------------------------------------------

methods = RuleSet("method")


@methods.rule("ravel")
def ravel_method(result, self, order="C"):
    t[result] = t[self].ravel(order)
    d[self] += rh.unravel(d[result], self, order)


@methods.rule("flatten")
def flatten_method(result, self, order="C"):
    t[result] = t[self].flatten(order)
    d[self] += rh.unravel(d[result], self, order)


@methods.rule("squeeze")
def squeeze_method(result, self, axis=None):
    t[result] = t[self].squeeze(axis)
    d[self] += xp.reshape(d[result], self.shape)


@methods.rule("swapaxes")
def swapaxes_method(result, self, axis1, axis2):
    t[result] = t[self].swapaxes(axis1, axis2)
    d[self] += xp.swapaxes(d[result], axis1, axis2)


@methods.rule("repeat")
def repeat_method(result, self, repeats, axis=None):
    t[result] = t[self].repeat(repeats, axis)
    d[self] += rh.repeat_adjoint(d[result], self, repeats, axis)


@methods.rule("take")
def take_method(result, self, indices, axis=None, out=None, mode="raise"):
    t[result] = t[self].take(indices, axis=axis, mode=mode)
    d[self] += rh.take_adjoint(d[result], self, indices, axis, mode)


@methods.rule("compress")
def compress_method(result, self, condition, axis=None, out=None):
    t[result] = t[self].compress(condition, axis)
    d[self] += rh.compress_adjoint(d[result], condition, self, axis)


@methods.rule("tolist")
def tolist_method(result, self):
    t[result] = rh.tolist_tangent(t[self], self)
    d[self] += rh.tolist_adjoint(d[result], self)


@methods.rule("item")
def item_method(result, self, *args):
    t[result] = t[self].item(*args)
    d[self] += rh.item_adjoint(d[result], self, args)
