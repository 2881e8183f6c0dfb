def square_plus_grad_x(x, d_result=1.0):
    d_result = ad.seed(x * x + 3.0 * x - 1.0, d_result)
    d_x = d_result * 3.0  # catalogue.py:34
    d_x = d_x + d_result * x * 2
    return d_x
