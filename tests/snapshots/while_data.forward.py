def while_data_jvp_x(x, *, x_dot=0.0):
    y = x  # catalogue.py:340
    y_dot = x_dot
    running = y > 0.5  # catalogue.py:341
    while running:
        y_1 = y * 0.7  # catalogue.py:342
        y_1_dot = y_dot * 0.7
        y = y_1
        y_dot = y_1_dot
        running = y > 0.5  # catalogue.py:341
    return (y * x, y_dot * x + y * x_dot)
