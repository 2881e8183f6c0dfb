"""A fifty-line function for the transform-time target: the kind of code
srcad is meant for (a loop with slices, a branch, a helper call, reductions),
not a benchmark of its derivative's speed."""

import numpy as np


def _spring(q, k):
    return 0.5 * k * np.sum(q ** 2)


def simulate(params, x0, v0, forcing):
    """A damped, forced chain of oscillators stepped with velocity Verlet:
    an energy budget, a data misfit and a smoothness penalty."""
    k = params[0]
    c = params[1]
    m = params[2]
    dt = 0.01
    x = x0 * 1.0
    v = v0 * 1.0
    n = x.shape[0]
    energy = 0.0
    misfit = 0.0
    peak = 0.0
    work = 0.0
    for step in range(forcing.shape[0]):
        lap = np.zeros(n)
        lap[1:-1] = x[:-2] - 2.0 * x[1:-1] + x[2:]
        lap[0] = x[1] - 2.0 * x[0]
        lap[-1] = x[-2] - 2.0 * x[-1]
        f = k * lap - c * v + forcing[step]
        a = f / m
        x = x + dt * v + 0.5 * dt * dt * a
        lap2 = np.zeros(n)
        lap2[1:-1] = x[:-2] - 2.0 * x[1:-1] + x[2:]
        a2 = (k * lap2 - c * v + forcing[step]) / m
        v = v + 0.5 * dt * (a + a2)
        kinetic = 0.5 * m * np.sum(v * v)
        potential = _spring(x, k)
        total = kinetic + potential
        if total > peak:
            peak = total
        energy = energy + dt * total
        target = np.sin(0.1 * step) * np.ones(n)
        r = x - target
        misfit = misfit + np.sum(r * r) / n
        power = np.sum(forcing[step] * v)
        work = work + dt * np.abs(power)
    smooth = np.sum(np.diff(x) ** 2)
    spread = np.std(x) + np.mean(np.abs(v))
    damping = np.log1p(c * c) - np.exp(-m)
    ratio = np.sqrt(k / m)
    if ratio > 2.0:
        penalty = (ratio - 2.0) ** 2
    else:
        penalty = 0.0
    loss = misfit + 1e-3 * energy + 0.1 * smooth + 0.01 * spread
    loss = loss + 0.5 * penalty + 1e-2 * damping + 1e-4 * peak
    if work > 1.0:
        loss = loss + 1e-3 * np.sqrt(work)
    return loss


def arguments():
    """Arguments for :func:`simulate` (20 steps of 8 masses)."""
    rng = np.random.default_rng(0)
    return (np.array([1.5, 0.1, 1.0]), np.linspace(0.0, 1.0, 8), np.zeros(8),
            rng.standard_normal((20, 8)) * 0.1)
