"""Random draws of a generator passed in as a value (``rng.normal(mu, s)``
with ``rng`` an argument), as functions srcad differentiates by their
source: each calls the runtime helper whose rule holds the standard draw
(see ``rules/runtime.py``), so the derivative is the reparameterization's.
:mod:`srcad.dynamic` calls these in place of a generator's own methods.

>>> import numpy as np
>>> float(normal(np.random.default_rng(0), 2.0, 0.0))
2.0
"""


from .runtime import lognormal_draw as __srcad_lognormal_draw__  # noqa: E402
from .runtime import loc_scale_draw as __srcad_loc_scale_draw__  # noqa: E402
from .runtime import scale_draw as __srcad_scale_draw__  # noqa: E402

# (the names normalized code gives these helpers, so that the functions
# below also run as plain Python)


def _is_generator(obj):
    """Whether ``obj`` draws as NumPy's generators or Python's ``random`` do."""
    import random

    import numpy
    return obj is numpy.random or obj is random or isinstance(
        obj, (numpy.random.Generator, numpy.random.RandomState, random.Random))


def draw_function(fn):
    """The function of this module for ``fn``, a generator's bound draw
    method (``rng.normal``), or ``None``."""
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__name__", None)
    if owner is None or name not in __all__ or not _is_generator(owner):
        return None
    return globals()[name], owner


__all__ = ["normal", "laplace", "logistic", "gumbel", "uniform", "exponential", "lognormal",
           "gauss", "normalvariate", "lognormvariate"]


def normal(rng, loc=0.0, scale=1.0, size=None):
    return __srcad_loc_scale_draw__(rng, "normal", loc, scale, size)


def laplace(rng, loc=0.0, scale=1.0, size=None):
    return __srcad_loc_scale_draw__(rng, "laplace", loc, scale, size)


def logistic(rng, loc=0.0, scale=1.0, size=None):
    return __srcad_loc_scale_draw__(rng, "logistic", loc, scale, size)


def gumbel(rng, loc=0.0, scale=1.0, size=None):
    return __srcad_loc_scale_draw__(rng, "gumbel", loc, scale, size)


def uniform(rng, low=0.0, high=1.0, size=None):
    return __srcad_loc_scale_draw__(rng, "uniform", low, high, size)


def exponential(rng, scale=1.0, size=None):
    return __srcad_scale_draw__(rng, "exponential", scale, size)


def lognormal(rng, mean=0.0, sigma=1.0, size=None):
    return __srcad_lognormal_draw__(rng, "lognormal", mean, sigma, size)


def gauss(rng, mu=0.0, sigma=1.0):
    return __srcad_loc_scale_draw__(rng, "gauss", mu, sigma, None)


def normalvariate(rng, mu=0.0, sigma=1.0):
    return __srcad_loc_scale_draw__(rng, "normalvariate", mu, sigma, None)


def lognormvariate(rng, mu, sigma):
    return __srcad_lognormal_draw__(rng, "lognormvariate", mu, sigma, None)
