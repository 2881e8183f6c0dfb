def math_chain_grad_x(x, d_result=1.0):
    t = math.exp(x)  # catalogue.py:37
    t_3 = 1.0 + x * x
    d_x = d_result / (2.0 * math.sqrt(x + 2.0))
    d_x = d_x + d_result / (t_3 * math.log(2.718281828459045)) * x * 2
    del t_3
    d_x = d_x + d_result * math.cos(t) * t
    return d_x
