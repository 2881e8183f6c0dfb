def horner_grad_x(x, d_result=1.0):
    tape = []
    coeffs = [1.0, -2.0, 3.0, 0.5, -1.0]  # catalogue.py:241
    p = 0.0  # catalogue.py:242
    seq = ad.sequence(coeffs)  # catalogue.py:243
    steps = range(len(seq))
    for i in steps:
        c = seq[i]
        tape.append(p)  # catalogue.py:244
        p = p * x + c
    d_x = 0.0
    d_result = ad.seed(p, d_result)
    d_p = d_result  # catalogue.py:245
    for i in reversed(steps):
        d_t = d_p
        p = tape.pop()
        d_p = ad.unbroadcast(d_t * x, p)
        d_x += ad.unbroadcast(d_t * p, x)
    return d_x
