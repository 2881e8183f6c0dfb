def matvec_grad_A(A, v, d_result=1.0):
    t_1 = np.tanh(A @ v)  # catalogue.py:117
    d_t = d_result * (1 - t_1 * t_1)
    del t_1
    d_A = ad.matmul_adjoint_a(d_t, A, v)
    return d_A
