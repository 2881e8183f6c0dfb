def row_broadcast_grad_b(A, b, d_result=1.0):
    t = A + b  # catalogue.py:151
    t_1 = A - b
    t_4 = 2.0 + b * b
    t_5 = t * t_1 / t_4
    d_t_5 = ad.expand_to(d_result, t_5, None, False)
    d_t_2 = d_t_5 / t_4
    d_b = ad.unbroadcast(d_t_5 * t_5 / t_4, t_4) * b * -2
    del d_t_5, t_4, t_5
    d_t = d_t_2 * t_1
    del t_1
    d_t_1 = d_t_2 * t
    del d_t_2, t
    d_b = d_b - ad.unbroadcast(d_t_1, b)
    del d_t_1
    d_b = d_b + ad.unbroadcast(d_t, b)
    return d_b
