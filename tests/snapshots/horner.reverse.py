def horner_grad_x(x, d_result=1.0):
    tape = []
    control = []
    t = None
    coeffs = [1.0, -2.0, 3.0, 0.5, -1.0]  # catalogue.py:234
    p = 0.0  # catalogue.py:235
    seq = ad.sequence(coeffs)  # catalogue.py:236
    steps = range(len(seq))
    for i in steps:
        c = seq[i]
        control.append(ad.shape_of(t))  # catalogue.py:237
        t = p * x
        tape.append(p)
        p = t + c
    result = p  # catalogue.py:238
    d_x = 0.0
    d_result = ad.seed(result, d_result)
    del result
    d_p = d_result
    for i in reversed(steps):
        d_t = ad.unbroadcast(d_p, t)
        p = tape.pop()
        d_p = ad.unbroadcast(d_t * x, p)
        d_x += ad.unbroadcast(d_t * p, x)
        t = control.pop()
    return d_x
