def loop_carried_array_jvp_x(x, *, x_dot=0.0):
    h = x  # catalogue.py:274
    h_dot = x_dot
    for _ in range(4):
        t_dot = h_dot * 1.5  # catalogue.py:276
        h = np.tanh(h * 1.5 + 0.1)
        h_dot = (1 - h * h) * t_dot
    return (np.sum(h), np.sum(h_dot, axis=None, keepdims=False))
