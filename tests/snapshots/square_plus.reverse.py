def square_plus_grad_x(x, d_result=1.0):
    t = x * x  # catalogue.py:27
    t_1 = 3.0 * x
    t_2 = t + t_1
    result = t_2 - 1.0
    d_result = ad.seed(result, d_result)
    del result
    d_t_2 = d_result
    d_t = d_t_2
    d_t_1 = d_t_2
    del d_t_2
    d_x = d_t_1 * 3.0
    del d_t_1
    d_x = d_x + d_t * x
    d_x = d_x + d_t * x
    return d_x
