def loop_carried_array_grad_x(x, d_result=1.0):
    tape = []
    h = x  # catalogue.py:274
    steps = range(4)  # catalogue.py:275
    for _ in steps:
        tape.append(h)  # catalogue.py:276
        h = np.tanh(h * 1.5 + 0.1)
    d_h = ad.expand_to(d_result, h, None, False)  # catalogue.py:277
    for _ in reversed(steps):
        d_t_1 = d_h * (1 - h * h)
        h = tape.pop()
        d_h = d_t_1 * 1.5
    del steps, tape
    d_x = d_h  # catalogue.py:274
    return d_x
