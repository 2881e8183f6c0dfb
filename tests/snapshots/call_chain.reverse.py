def call_chain_grad_x(x, y, d_result=1.0):
    t, helper2_tape = helper2_fwd_a(x, y)  # catalogue.py:408
    t_1, helper2_tape_1 = helper2_fwd_b(y, x)
    d_result = ad.seed(t * t_1, d_result)
    d_t = ad.unbroadcast(d_result * t_1, t)
    d_t_1 = ad.unbroadcast(d_result * t, t_1)
    del t, t_1
    helper2_grads = helper2_bwd_b(helper2_tape_1, d_t_1)
    del d_t_1, helper2_tape_1
    d_x = helper2_grads[0]
    del helper2_grads
    helper2_grads_1 = helper2_bwd_a(helper2_tape, d_t)
    del d_t, helper2_tape
    d_x = d_x + helper2_grads_1[0]
    return d_x


def helper2_fwd_b(a, b):
    c = a * b  # catalogue.py:397
    t, helper_tape = helper_fwd_u(c)  # catalogue.py:398
    return (t + a, (a, b, helper_tape, t))


def helper2_bwd_b(saved, d_result):
    a, b, helper_tape, t = saved
    d_t = ad.unbroadcast(d_result, t)  # catalogue.py:398
    del t
    helper_grads = helper_bwd_u(helper_tape, d_t)
    del d_t, helper_tape
    d_c = helper_grads[0]
    del helper_grads
    d_b = ad.unbroadcast(d_c * a, b)  # catalogue.py:397
    return (d_b,)


def helper_fwd_u(u, k=2.0):
    return (u ** k + 1.0, (k, u))


def helper_bwd_u(saved, d_result):
    k, u = saved
    d_u = ad.unbroadcast(d_result * ad.pow_partial(u, k), u)  # catalogue.py:393
    return (d_u,)


def helper2_fwd_a(a, b):
    c = a * b  # catalogue.py:397
    t, helper_tape = helper_fwd_u(c)  # catalogue.py:398
    return (t + a, (a, b, helper_tape, t))


def helper2_bwd_a(saved, d_result):
    a, b, helper_tape, t = saved
    d_t = ad.unbroadcast(d_result, t)  # catalogue.py:398
    del t
    d_a = ad.unbroadcast(d_result, a)
    helper_grads = helper_bwd_u(helper_tape, d_t)
    del d_t, helper_tape
    d_c = helper_grads[0]
    del helper_grads
    d_a = d_a + ad.unbroadcast(d_c * b, a)  # catalogue.py:397
    return (d_a,)
