"""Central finite differences and comparisons shared by the tests."""

import copy

import numpy as np

import srcad


def leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in leaves(e)]
    return [x]


def flat(x):
    ls = leaves(x)
    if not ls:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in ls])


def rebuild(x, vec):
    it = iter(range(len(vec)))
    pos = [0]

    def go(v):
        if isinstance(v, dict):
            return {k: go(v[k]) for k in sorted(v)}
        if isinstance(v, (list, tuple)):
            items = [go(e) for e in v]
            return type(v)(*items) if hasattr(v, "_fields") else type(v)(items)
        n = int(np.size(v))
        chunk = vec[pos[0]:pos[0] + n]
        pos[0] += n
        if isinstance(v, float):
            return float(chunk[0])
        return np.reshape(chunk, np.shape(v)).astype(np.asarray(v).dtype)

    del it
    return go(x)


def numeric_grad(f, args, i, eps=1e-6):
    """d f(args) / d args[i] by central differences: shape out.size x in.size."""
    x = args[i]
    base = flat(x)
    cols = []
    for k in range(base.size):
        e = np.zeros_like(base)
        e[k] = eps
        plus = list(args)
        minus = list(args)
        plus[i] = rebuild(x, base + e)
        minus[i] = rebuild(x, base - e)
        cols.append((flat(f(*plus)) - flat(f(*minus))) / (2 * eps))
    return np.stack(cols, axis=-1) if cols else np.zeros((flat(f(*args)).size, 0))


def float_positions(args):
    out = []
    for i, a in enumerate(args):
        ls = leaves(a)
        if ls and all(isinstance(v, float) or getattr(getattr(v, "dtype", None), "kind", "") == "f"
                      for v in ls):
            out.append(i)
    return out


def snapshot(args):
    return copy.deepcopy(args)


def same(a, b):
    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb))
