def reductions_grad_x(x, d_result=1.0):
    t = np.mean(x, axis=0)  # catalogue.py:105
    t_1 = t ** 2
    t_2 = np.sum(t_1)
    t_3 = x.sum(axis=1, keepdims=True)
    t_4 = t_3 * x
    t_5 = np.sum(t_4)
    d_result = ad.seed(t_2 + t_5, d_result)
    d_t_2 = ad.unbroadcast(d_result, t_2)
    del t_2
    d_t_5 = ad.unbroadcast(d_result, t_5)
    del t_5
    d_t_4 = ad.expand_to(d_t_5, t_4, None, False)
    del d_t_5, t_4
    d_t_3 = ad.unbroadcast(d_t_4 * x, t_3)
    d_x = ad.unbroadcast(d_t_4 * t_3, x)
    del d_t_4, t_3
    d_x = d_x + ad.expand_to(d_t_3, x, 1, True)
    del d_t_3
    d_t_1 = ad.expand_to(d_t_2, t_1, None, False)
    del d_t_2, t_1
    d_t = d_t_1 * 2 * t
    del d_t_1, t
    d_x = d_x + ad.expand_to(d_t, x, 0, False) / ad.count(x, 0)
    return d_x
