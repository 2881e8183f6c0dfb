def square_plus_jvp_x(x, *, x_dot=0.0):
    return (x * x + 3.0 * x - 1.0, x_dot * x + x * x_dot + 3.0 * x_dot)
