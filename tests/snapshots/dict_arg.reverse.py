def dict_arg_grad_p(p, d_result=1.0):
    t_1 = p['w'] * 2.0  # catalogue.py:514
    t_4 = np.tanh(t_1 + p['b'])
    d_p = 0.0
    d_t_3 = d_result * (1 - t_4 * t_4)
    del t_4
    d_t_1 = ad.unbroadcast(d_t_3, t_1)
    del t_1
    d_t_2 = ad.unbroadcast(d_t_3, p['b'])
    del d_t_3
    d_p = ad.add_at(d_p, p, 'b', d_t_2)
    del d_t_2
    d_t = d_t_1 * 2.0
    del d_t_1
    d_p = ad.add_at(d_p, p, 'w', d_t)
    return d_p
