"""The generated gradient against a hand-written one: same numbers, and not
much more code than a careful person writes by hand.

The hand-written adjoints live in ``handwritten_adjoints.py``. Lines are
counted the same way on both sides: non-blank lines that are not comments
(trailing ``# file:line`` comments do not matter) and not docstrings.
"""

import ast
import inspect
import io
import tokenize

import numpy as np
import pytest

import handwritten_adjoints as hw
import srcad
from fd import numeric_grad

MAX_RATIO = 1.5

MLP_WRT = (0, 1, 2, 3)      # W1, b1, W2, b2
RNN_WRT = (0, 1, 2)         # Wx, Wh, b


def _mlp_args(rng, batch=4, n_in=3, n_hidden=5, n_out=2):
    return (0.5 * rng.standard_normal((n_in, n_hidden)), 0.1 * rng.standard_normal(n_hidden),
            0.5 * rng.standard_normal((n_hidden, n_out)), 0.1 * rng.standard_normal(n_out),
            rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out)))


def _rnn_args(rng, steps=4, batch=2, n_in=3, n_hidden=4):
    return (0.5 * rng.standard_normal((n_in, n_hidden)), 0.5 * rng.standard_normal((n_hidden, n_hidden)),
            0.1 * rng.standard_normal(n_hidden), rng.standard_normal((steps, batch, n_in)),
            0.1 * rng.standard_normal((batch, n_hidden)))


MODELS = {
    "mlp": (hw.mlp_loss, hw.mlp_loss_grad, MLP_WRT, _mlp_args),
    "rnn": (hw.rnn_loss, hw.rnn_loss_grad, RNN_WRT, _rnn_args),
}


def code_lines(source):
    """The number of non-blank, non-comment, non-docstring lines."""
    source = inspect.cleandoc(source) if source.startswith((" ", "\t")) else source
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER}
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in ignored:
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - docstrings)


def test_code_lines_counts_code_only():
    text = '''def f(x):
    """Doc
    string."""
    # a comment

    y = x * 2.0  # trailing comment
    return (y +
            1.0)
'''
    assert code_lines(text) == 4


# -- the numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(MODELS))
def test_handwritten_matches_srcad(model):
    loss, hand, wrt, make = MODELS[model]
    args = make(np.random.default_rng(0))
    expected = hand(*args)
    got = srcad.grad(loss, wrt=wrt)(*args)
    assert len(got) == len(expected)
    for g, e, i in zip(got, expected, wrt):
        assert g.shape == args[i].shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_handwritten_matches_finite_differences(model):
    loss, hand, wrt, make = MODELS[model]
    args = make(np.random.default_rng(1))
    grads = hand(*args)
    for g, i in zip(grads, wrt):
        expected = numeric_grad(loss, args, i)[0]
        np.testing.assert_allclose(np.ravel(g), expected, rtol=1e-5, atol=1e-7)


# -- the amount of code --------------------------------------------------------------------

def _lengths(model):
    loss, hand, wrt, _ = MODELS[model]
    generated = srcad.source(srcad.grad(loss, wrt=wrt))
    written = inspect.getsource(hand)
    return code_lines(generated), code_lines(written), generated


@pytest.mark.parametrize("model", sorted(MODELS))
def test_generated_gradient_is_not_much_longer_than_handwritten(model):
    generated_lines, written_lines, generated = _lengths(model)
    ratio = generated_lines / written_lines
    assert ratio <= MAX_RATIO, (
        f"{model}: the generated gradient has {generated_lines} lines of code, the hand-written "
        f"one {written_lines} (ratio {ratio:.2f} > {MAX_RATIO}):\n\n{generated}")


def test_generated_mlp_gradient_updates_the_hidden_adjoint_in_place():
    # as the hand-written one would: one array fewer per call
    generated = _lengths("mlp")[2]
    assert "d_h *= 1 - h * h" in generated
