"""srcad: source-to-source automatic differentiation for Python and NumPy.

>>> import numpy as np, srcad
>>> def loss(w):
...     return np.sum(np.tanh(w) ** 2)
>>> g = srcad.grad(loss)
>>> g(np.zeros(3))
array([0., 0., 0.])
"""

from .api import (check_grads, derivative, grad, hessian, jacobian, jvp, source,
                  stop_gradient, value_and_grad, vjp)
from .custom import custom_jvp, custom_vjp
from .errors import (CotangentError, NonDifferentiableError, NonScalarOutputError,
                     SourceUnavailableError, SrcadError, UnsupportedSyntaxError, WrtError)

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "derivative", "source",
    "stop_gradient", "check_grads", "custom_vjp", "custom_jvp", "SrcadError", "UnsupportedSyntaxError",
    "NonDifferentiableError", "SourceUnavailableError", "WrtError", "CotangentError",
    "NonScalarOutputError",
]
