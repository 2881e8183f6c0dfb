def square_plus_jvp_x(x, *, x_dot=0.0):
    t = x * x  # catalogue.py:27
    t_dot = x_dot * x + x * x_dot
    t_1 = 3.0 * x
    t_1_dot = 3.0 * x_dot
    t_2 = t + t_1
    t_2_dot = t_dot + t_1_dot
    result = t_2 - 1.0
    result_dot = t_2_dot
    return (result, result_dot)
