def call_in_loop_jvp_x(x, w, *, x_dot=0.0):
    s = 0.0  # catalogue.py:419
    s_dot = 0.0
    for i in range(3):
        t, t_dot = loop_helper_jvp_h(x, w, h_dot=x_dot)  # catalogue.py:421
        t_1_dot = t_dot * i
        t_2 = np.sum(t * i)
        t_2_dot = np.sum(t_1_dot, axis=None, keepdims=False)
        s_1 = s + t_2
        s_1_dot = s_dot + t_2_dot
        s = s_1
        s_dot = s_1_dot
    return (s, s_dot)


def loop_helper_jvp_h(h, w, *, h_dot=0.0):
    for i in range(3):
        t = h * w  # catalogue.py:413
        t_dot = ad.broadcast_like(h_dot * w, t)
        h = np.tanh(t)
        h_dot = (1 - h * h) * t_dot
    return (h, h_dot)
