def early_return_grad_x(x, d_result=1.0):
    c = x > 0.5  # catalogue.py:202
    if c:
        result = x * x  # catalogue.py:203
    else:
        result = x * 4.0  # catalogue.py:204
    d_x = 0.0
    d_result = ad.seed(result, d_result)
    if c:
        d_x += d_result * x * 2  # catalogue.py:203
        d_result = 0.0
    else:
        d_x += d_result * 4.0  # catalogue.py:204
        d_result = 0.0
    return d_x
