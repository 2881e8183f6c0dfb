def split_like(g, arrays, axis):
    import numpy as np
    sizes = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    return list(np.split(g, sizes, axis=axis))
