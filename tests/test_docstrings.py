"""The runnable examples in srcad's docstrings run and print what they say
(``ruledef`` is left out: its placeholders refuse the attribute lookups the
doctest finder makes)."""

import doctest
import importlib
import pkgutil

import pytest

import srcad

MODULES = sorted(m.name for m in pkgutil.iter_modules(srcad.__path__)
                 if m.name not in ("__main__", "ruledef"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("srcad." + name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of srcad.{name} failed"
