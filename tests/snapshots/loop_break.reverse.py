def loop_break_grad_x(x, d_result=1.0):
    control = []
    c = None
    t = None
    s = 0.0  # catalogue.py:350
    steps = range(100)  # catalogue.py:351
    broke = False
    n_i = 0
    for i in steps:
        n_i = n_i + 1
        control.append(ad.shape_of(t))  # catalogue.py:352
        t = x * i
        control.append(ad.shape_of(s))
        s = s + t
        control.append(c)  # catalogue.py:353
        c = s > 20.0
        if c:
            broke = True  # catalogue.py:354
        if broke:
            break  # catalogue.py:351
    d_x = 0.0
    d_result = ad.seed(s, d_result)
    d_s = d_result  # catalogue.py:355
    for i in reversed(steps[:n_i]):
        c = control.pop()  # catalogue.py:353
        d_s_new = d_s  # catalogue.py:352
        s = control.pop()
        d_s = ad.unbroadcast(d_s_new, s)
        d_x += ad.unbroadcast(d_s_new, t) * i
        t = control.pop()
    return d_x
