"""Suite-wide settings."""

import pytest

from srcad import codegen


@pytest.fixture(autouse=True, scope="session")
def _check_generated_layout():
    """Code compiled from trees is checked against its written text: the
    same text, on the same lines (see ``codegen.VERIFY_LAYOUT``)."""
    codegen.VERIFY_LAYOUT = True
    yield
    codegen.VERIFY_LAYOUT = False
