def math_chain_grad_x(x, d_result=1.0):
    t = math.exp(x)  # catalogue.py:37
    t_1 = math.sin(t)
    t_3 = 1.0 + x * x
    t_4 = math.log(t_3)
    t_5 = t_1 + t_4
    t_7 = math.sqrt(x + 2.0)
    d_result = ad.seed(t_5 + t_7, d_result)
    d_t_5 = ad.unbroadcast(d_result, t_5)
    del t_5
    d_t_7 = ad.unbroadcast(d_result, t_7)
    d_t_6 = d_t_7 / (2.0 * t_7)
    del d_t_7, t_7
    d_x = d_t_6
    del d_t_6
    d_t_1 = ad.unbroadcast(d_t_5, t_1)
    del t_1
    d_t_4 = ad.unbroadcast(d_t_5, t_4)
    del d_t_5, t_4
    d_t_3 = d_t_4 / (t_3 * math.log(2.718281828459045))
    del d_t_4, t_3
    d_t_2 = d_t_3
    del d_t_3
    d_x = d_x + d_t_2 * x
    d_x = d_x + d_t_2 * x
    del d_t_2
    d_t = d_t_1 * math.cos(t)
    del d_t_1
    d_x = d_x + d_t * t
    return d_x
