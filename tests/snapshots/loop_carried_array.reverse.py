def loop_carried_array_grad_x(x, d_result=1.0):
    tape = []
    h = x  # catalogue.py:267
    steps = range(4)  # catalogue.py:268
    for _ in steps:
        t = h * 1.5  # catalogue.py:269
        t_1 = t + 0.1
        tape.append(h)
        h = np.tanh(t_1)
    result = np.sum(h)  # catalogue.py:270
    d_result = ad.seed(result, d_result)
    del result
    d_h = ad.expand_to(d_result, h, None, False)
    for _ in reversed(steps):
        d_t_1 = d_h * (1 - h * h)
        h = tape.pop()
        d_t = d_t_1
        d_h = d_t * 1.5
    del steps, tape
    d_x = d_h  # catalogue.py:267
    return d_x
