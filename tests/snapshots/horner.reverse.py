def horner_grad_x(x, d_result=1.0):
    tape = []
    control = []
    t_2 = None
    t = -2.0  # catalogue.py:234
    t_1 = -1.0
    coeffs = [1.0, t, 3.0, 0.5, t_1]
    p = 0.0  # catalogue.py:235
    n = len(coeffs)  # catalogue.py:236
    steps = range(n)
    for i in steps:
        c = coeffs[i]
        control.append(ad.shape_of(t_2))  # catalogue.py:237
        t_2 = p * x
        tape.append(p)
        p = t_2 + c
    result = p  # catalogue.py:238
    d_x = 0.0
    d_result = ad.seed(result, d_result)
    del result
    d_p = d_result
    for i in reversed(steps):
        d_t_2 = ad.unbroadcast(d_p, t_2)
        p = tape.pop()
        d_p = ad.unbroadcast(d_t_2 * x, p)
        d_x = d_x + ad.unbroadcast(d_t_2 * p, x)
        t_2 = control.pop()
    del control, steps, tape
    return d_x
