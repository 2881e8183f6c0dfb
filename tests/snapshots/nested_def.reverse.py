def nested_def_grad_x(x, d_result=1.0):
    a = x * 2.0  # catalogue.py:473
    t, inner_tape = inner_fwd_v_a(x, a=a)  # catalogue.py:478
    t_1, inner_tape_1 = inner_fwd_a(1.0, a=a)
    d_result = ad.seed(t + t_1, d_result)
    d_t = ad.unbroadcast(d_result, t)
    del t
    d_t_1 = ad.unbroadcast(d_result, t_1)
    del t_1
    inner_grads = inner_bwd_a(inner_tape_1, d_t_1)
    del d_t_1, inner_tape_1
    d_a = inner_grads[0]
    del inner_grads
    inner_grads_1 = inner_bwd_v_a(inner_tape, d_t)
    del d_t, inner_tape
    d_x = inner_grads_1[0]
    d_a = d_a + inner_grads_1[1]
    del inner_grads_1
    d_x = d_x + d_a * 2.0  # catalogue.py:473
    return d_x


def inner_fwd_a(v, *, a):
    return (v * a + a, (a, v))


def inner_bwd_a(saved, d_result):
    a, v = saved
    d_a = ad.unbroadcast(d_result, a)  # catalogue.py:476
    d_a = d_a + ad.unbroadcast(d_result * v, a)
    return (d_a,)


def inner_fwd_v_a(v, *, a):
    return (v * a + a, (a, v))


def inner_bwd_v_a(saved, d_result):
    a, v = saved
    d_a = ad.unbroadcast(d_result, a)  # catalogue.py:476
    d_v = ad.unbroadcast(d_result * a, v)
    d_a = d_a + ad.unbroadcast(d_result * v, a)
    return (d_v, d_a)
