def matvec_grad_A(A, v, d_result=1.0):
    t_1 = np.tanh(A @ v)  # catalogue.py:110
    d_result = ad.seed(np.sum(t_1), d_result)
    d_t_1 = ad.expand_to(d_result, t_1, None, False)
    d_t = d_t_1 * (1 - t_1 * t_1)
    del d_t_1, t_1
    d_A = ad.matmul_adjoint_a(d_t, A, v)
    return d_A
