def call_in_loop_grad_x(x, w, d_result=1.0):
    tape = []
    control = []
    t_1 = None
    s = 0.0  # catalogue.py:419
    steps = range(3)  # catalogue.py:420
    for i in steps:
        t, loop_helper_tape = loop_helper_fwd_h(x, w)  # catalogue.py:421
        tape.append(loop_helper_tape)
        control.append(ad.shape_of(t_1))
        t_1 = t * i
        s = s + np.sum(t_1)
    d_x = 0.0
    d_s = d_result  # catalogue.py:422
    for i in reversed(steps):
        d_t = ad.expand_to(d_s, t_1, None, False) * i
        t_1 = control.pop()
        loop_helper_tape = tape.pop()
        loop_helper_grads = loop_helper_bwd_h(loop_helper_tape, d_t)
        d_x += loop_helper_grads[0]
    return d_x


def loop_helper_fwd_h(h, w):
    tape = []
    steps = range(3)  # catalogue.py:412
    for i in steps:
        tape.append(h)  # catalogue.py:413
        h = np.tanh(h * w)
    return (h, (h, steps, tape, w))


def loop_helper_bwd_h(saved, d_result):
    h, steps, tape, w = saved
    tape = ad.copy(tape)
    d_h = d_result  # catalogue.py:414
    for i in reversed(steps):
        d_t = d_h * (1 - h * h)  # catalogue.py:413
        h = tape.pop()
        d_h = ad.unbroadcast(d_t * w, h)
    return (d_h,)
