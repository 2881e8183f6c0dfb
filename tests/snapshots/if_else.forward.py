def if_else_jvp_x(x, *, x_dot=0.0):
    c = x > 0.5  # catalogue.py:161
    if c:
        y = x * x  # catalogue.py:162
        y_dot = x_dot * x + x * x_dot
    else:
        y = -x  # catalogue.py:164
        y_dot = -x_dot
    result = y * 3.0  # catalogue.py:165
    result_dot = y_dot * 3.0
    return (result, result_dot)
