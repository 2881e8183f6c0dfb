def setitem_in_loop_grad_x(x, d_result=1.0):
    tape = []
    control = []
    t = None
    t_1 = None
    t_2 = None
    t_4 = None
    y = x * 1.0  # catalogue.py:553
    steps = range(1, 3)  # catalogue.py:554
    for i in steps:
        control.append(t)  # catalogue.py:555
        t = i - 1
        tape.append(t_1)
        t_1 = y[t]
        tape.append(t_2)
        t_2 = y[i]
        control.append(ad.shape_of(t_4))
        t_4 = t_1 * t_2 + 1.0
        tape.append(ad.old_item(y, i))
        y[i] = t_4
    d_y = ad.expand_to(d_result, y, None, False)  # catalogue.py:556
    for i in reversed(steps):
        d_t_4 = ad.unbroadcast(ad.written_adjoint(d_y, i), t_4)
        d_y = ad.zero_at(d_y, i)
        y[i] = tape.pop()
        t_4 = control.pop()
        d_t_1 = ad.unbroadcast(d_t_4 * t_2, t_1)
        d_y = ad.add_at(d_y, y, i, ad.unbroadcast(d_t_4 * t_1, t_2))
        t_2 = tape.pop()
        d_y = ad.add_at(d_y, y, t, d_t_1)
        t_1 = tape.pop()
        t = control.pop()
    del control, steps, tape, y
    d_x = d_y  # catalogue.py:553
    return d_x
