def loop_carried_array_jvp_x(x, *, x_dot=0.0):
    h = x  # catalogue.py:267
    h_dot = x_dot
    steps = range(4)  # catalogue.py:268
    for _ in steps:
        t = h * 1.5  # catalogue.py:269
        t_dot = h_dot * 1.5
        t_1 = t + 0.1
        t_1_dot = t_dot
        h = np.tanh(t_1)
        h_dot = (1 - h * h) * t_1_dot
    result = np.sum(h)  # catalogue.py:270
    result_dot = np.sum(h_dot, axis=None, keepdims=False)
    return (result, result_dot)
