"""Derivative rules, one module per namespace, written as Python templates.

See :mod:`srcad.ruledef` for the template language. Each module defines a
``rules`` :class:`srcad.ruledef.RuleSet`; ``EXTRA_MODULES`` lists modules
that add to a namespace defined elsewhere.
"""

EXTRA_MODULES = ("numpy_ufuncs", "numpy_reductions", "numpy_linalg", "numpy_shapes")
