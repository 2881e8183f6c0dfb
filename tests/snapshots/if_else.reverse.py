def if_else_grad_x(x, d_result=1.0):
    c = x > 0.5  # catalogue.py:168
    if c:
        y = x * x  # catalogue.py:169
    else:
        y = -x  # catalogue.py:171
    d_x = 0.0
    d_result = ad.seed(y * 3.0, d_result)
    d_y = d_result * 3.0  # catalogue.py:172
    if c:
        d_x += d_y * x * 2  # catalogue.py:169
        d_y = 0.0
    else:
        d_x -= d_y  # catalogue.py:171
        d_y = 0.0
    return d_x
