def two_args_grad_x_y(x, y, d_result=1.0):
    t = x / y  # catalogue.py:39
    t_1 = y ** 3
    t_3 = x ** y
    d_result = ad.seed(t - t_1 + t_3, d_result)
    d_x = ad.unbroadcast(d_result * ad.pow_partial(x, y), x)
    d_y = ad.unbroadcast(d_result * ad.pow_log(t_3, x), y)
    del t_3
    d_y = d_y + ad.unbroadcast(d_result, t_1) * -3 * y ** 2
    del t_1
    d_x = d_x + ad.unbroadcast(d_result / y, x)
    d_y = d_y - ad.unbroadcast(d_result * t / y, y)
    return (d_x, d_y)
