def setitem_in_loop_jvp_x(x, *, x_dot=0.0):
    y = x * 1.0  # catalogue.py:553
    y_dot = x_dot * 1.0
    for i in range(1, 3):
        t = i - 1  # catalogue.py:555
        t_1 = y[t]
        t_2 = y[i]
        t_3_dot = y_dot[t] * t_2 + t_1 * y_dot[i]
        y[i] = t_1 * t_2 + 1.0
        y_dot[i] = t_3_dot
    return (np.sum(y), np.sum(y_dot, axis=None, keepdims=False))
