def list_append_grad_x(x, d_result=1.0):
    acc = []  # catalogue.py:533
    v = x  # catalogue.py:534
    steps = range(4)  # catalogue.py:535
    for i in steps:
        v = v * 1.5 + 0.1  # catalogue.py:536
        acc.append(v)  # catalogue.py:537
    t_1 = acc[0]  # catalogue.py:538
    t_2 = acc[-1]
    t_3 = acc[2]
    d_acc = 0.0
    d_v = 0.0
    d_result = ad.seed(t_1 + t_2 * t_3, d_result)
    d_t_1 = ad.unbroadcast(d_result, t_1)
    del t_1
    d_t_2 = ad.unbroadcast(d_result * t_3, t_2)
    d_t_3 = ad.unbroadcast(d_result * t_2, t_3)
    del t_2, t_3
    d_acc = ad.add_at(d_acc, acc, 2, d_t_3)
    del d_t_3
    d_acc = ad.add_at(d_acc, acc, -1, d_t_2)
    del d_t_2
    d_acc = ad.add_at(d_acc, acc, 0, d_t_1)
    del d_t_1
    for i in reversed(steps):
        d_acc, d_item = ad.split_last(d_acc, acc)
        d_v = d_v + d_item
        acc.pop()
        d_v = d_v * 1.5  # catalogue.py:536
    del acc, steps
    d_x = d_v  # catalogue.py:534
    return d_x
