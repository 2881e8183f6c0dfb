def loop_carried_array_jvp_x(x, *, x_dot=0.0):
    h = x  # catalogue.py:267
    h_dot = x_dot
    for _ in range(4):
        t = h * 1.5  # catalogue.py:269
        t_dot = h_dot * 1.5
        t_1 = t + 0.1
        t_1_dot = t_dot
        h = np.tanh(t_1)
        h_dot = (1 - h * h) * t_1_dot
    return (np.sum(h), np.sum(h_dot, axis=None, keepdims=False))
