def if_else_jvp_x(x, *, x_dot=0.0):
    if x > 0.5:
        y = x * x  # catalogue.py:169
        y_dot = x_dot * x + x * x_dot
    else:
        y = -x  # catalogue.py:171
        y_dot = -x_dot
    return (y * 3.0, y_dot * 3.0)
