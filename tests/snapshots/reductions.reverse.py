def reductions_grad_x(x, d_result=1.0):
    t = np.mean(x, axis=0)  # catalogue.py:112
    t_3 = x.sum(axis=1, keepdims=True)
    d_t_4 = ad.expand_to(d_result, t_3 * x, None, False)
    d_t_3 = ad.unbroadcast(d_t_4 * x, t_3)
    d_x = ad.unbroadcast(d_t_4 * t_3, x)
    del d_t_4, t_3
    d_x = d_x + ad.expand_to(d_t_3, x, 1, True)
    del d_t_3
    d_t = d_result * 2 * t
    del t
    d_x = d_x + ad.expand_to(d_t, x, 0, False) / ad.count(x, 0)
    return d_x
