def while_data_grad_x(x, d_result=1.0):
    tape = []
    y = x  # catalogue.py:340
    running = y > 0.5  # catalogue.py:341
    n_steps = 0
    while running:
        n_steps = n_steps + 1
        tape.append(y)  # catalogue.py:342
        y = y * 0.7
        running = y > 0.5  # catalogue.py:341
    d_result = ad.seed(y * x, d_result)
    d_y = d_result * x  # catalogue.py:343
    d_x = d_result * y
    for step in range(n_steps):
        y = tape.pop()  # catalogue.py:342
        d_y = d_y * 0.7
    del tape
    d_x = d_x + d_y  # catalogue.py:340
    return d_x
