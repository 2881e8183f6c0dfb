def math_chain_grad_x(x, d_result=1.0):
    t = math.exp(x)  # catalogue.py:44
    t_1 = math.sin(t)
    t_3 = 1.0 + x * x
    t_5 = t_1 + math.log(t_3)
    t_7 = math.sqrt(x + 2.0)
    d_result = ad.seed(t_5 + t_7, d_result)
    del t_5
    d_x = d_result / (2.0 * t_7)
    del t_7
    d_x = d_x + d_result / (t_3 * math.log(2.718281828459045)) * x * 2
    del t_3
    d_x = d_x + d_result * math.cos(t) * t
    return d_x
