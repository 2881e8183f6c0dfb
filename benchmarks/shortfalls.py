"""Why a target is not reached, as found by profiling (cProfile, timing the
generated code line by line, and tracemalloc). RESULTS.md shows the reason
next to a target that fails; a target that passes shows none."""

REASONS = {
    ("small_chain", "NumPy primal"):
        "~30 tiny NumPy calls each way: dispatch (~0.5 us per call on 10 elements) dominates; "
        "the gradient makes about twice the primal's calls; JAX jit fuses all into one kernel",
    ("branchy", "NumPy primal"):
        "the gradient with respect to the one scalar a runs forward mode: one pass carrying "
        "ds/da beside s (1.3x to 1.7x in today's runs), so a miss here is the machine, not the code",
    ("logsumexp", "NumPy primal"):
        "the gradient is d_result / np.sum(t) * t (the max's adjoint cancels and is left "
        "out): 5 passes over the data against the primal's 4",
    ("mlp_w1", "JAX jit"):
        "on the line (0.95x to 1.18x across full runs, 0.96x in the last): the two 256x784x512 "
        "matrix products take nine tenths of the time and are the same calls in both (OpenBLAS "
        "against XLA's own kernels, about 4.2 to 4.6 ms each on this machine); srcad's gradient "
        "is within 1.00x to 1.10x of the hand-written NumPy one, which ties JAX jit too; XLA "
        "fuses the elementwise passes around the products that NumPy runs one by one",
    ("mlp_w1", "1.1x hand-written"):
        "on the line (0.90x to 1.10x across runs): the same three matrix products as the "
        "hand-written gradient, which take nine tenths of the time; the rest is the softmax's "
        "small 256x10 passes",
    ("mlp_w1", "autograd"):
        "on the line (1.00x to 1.06x across runs): autograd's own overhead is small next to the "
        "three matrix products both make",
    ("mlp_all", "JAX jit"):
        "on the line (0.92x to 1.25x across full runs, 0.96x in the last): the same matrix "
        "products, which the hand-written NumPy gradient ties JAX jit on too; XLA fuses the "
        "elementwise passes that NumPy runs one by one",
    ("rnn", "hand-written"):
        "on the line (0.98x to 1.17x across runs, the generated code unchanged between them): "
        "the generated gradient makes the same calls as the hand-written one, step by step; "
        "what differs is srcad's runtime helpers around the matrix products (about 3 us a "
        "step, 0.15 ms over 50 steps) and this shared machine's noise",
    ("rnn", "JAX jit"):
        "on the line (0.91x to 1.05x across runs): XLA compiles the unrolled loop into fused kernels; srcad runs 50 steps of NumPy calls",
    ("rosenbrock_hvp", "NumPy primal"):
        "on the line (3.4x to 5.4x across runs on this shared machine): forward over reverse makes about 25 passes over "
        "the 10,000 entries (the gradient's and their tangents, each its own NumPy call, about "
        "2.5 us apiece) against the primal's 8, and six scatter-adds (ad.add_at) for the slices; "
        "the hand-written HVP uses the tridiagonal Hessian, JAX jit fuses the passes",
    ("transform", "50-line"):
        "on the line (49 to 52 ms when measured alone in the last sessions, up to 90 ms in slow "
        "phases of this shared machine): pure-Python passes over trees, about 0.25 us per node "
        "visited, with no single hotspot left. The check at grad(f), so that unsupported code "
        "fails there: about 14 ms (parse 1, normalize 4, analyses 3, the backward sweep 4.5, and "
        "the helper's own derivative). The code for the first call's argument kinds: about 35 ms "
        "(the optimizer's passes 14.5, the reverse sweeps 10.5, analyses 3.5, compiling the tree "
        "5, name binding 1). The call itself: about 2.5 ms. What the last sessions added to catch "
        "wrong derivatives and support more code (alias and list analyses, reverse over reverse, "
        "closures handed to solvers) costs about 3 ms of it",
    ("mlp_w1", "peak memory"):
        "the adjoint of the first layer needs the activations and the incoming adjoint at once",
}


def reason(case, target):
    """The recorded reason for ``case`` missing ``target`` (or "")."""
    for (c, key), text in REASONS.items():
        if c == case and key in target:
            return text
    return ""
