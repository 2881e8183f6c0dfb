"""Namedtuples and dataclasses built inside the differentiated code: a step
function returning a state, records with defaults, records in loops. Each
checked against finite differences in both modes and to second order."""

from collections import namedtuple
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import srcad

State = namedtuple("State", "q p")


class Pair(NamedTuple):
    a: float
    b: float = 0.5


@dataclass
class Params:
    w: np.ndarray
    scale: float
    shift: float = 0.1


def _step(s, dt):
    p = s.p - dt * np.sin(s.q)
    q = s.q + dt * p
    return State(q, p)


def pendulum(q0, p0):
    s = State(q0, p0)
    for _ in range(5):
        s = _step(s, 0.1)
    return s.q ** 2 + 0.5 * s.p ** 2


def pair_with_default(x):
    r = Pair(x * 2.0)
    t = Pair(b=x ** 2, a=np.sin(x))
    return r.a * r.b + t.a * t.b


def dataclass_built_inside(x):
    prm = Params(np.tanh(x), scale=np.sum(x ** 2))
    return np.sum(prm.w * prm.scale) + prm.shift * np.sum(x)


def records_in_a_list(x):
    states = []
    for i in range(3):
        states.append(State(x[i] * 2.0, np.cos(x[i])))
    return sum(s.q * s.p for s in states)


def record_returned_and_unpacked(x):
    q, p = _step(State(x[0], x[1]), 0.2)
    return q * p


CASES = [(pendulum, (0.3, -0.4)), (pair_with_default, (0.7,)),
         (dataclass_built_inside, (np.array([0.2, -0.5, 1.1]),)),
         (records_in_a_list, (np.array([0.2, -0.5, 1.1]),)),
         (record_returned_and_unpacked, (np.array([0.4, 0.9]),))]


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_records_built_inside(fn, args):
    srcad.check_grads(fn, args, order=1)
    srcad.check_grads(fn, args, order=2)


def test_a_record_as_output():
    def make(x):
        return State(x * 2.0, np.sin(x))
    out, t = srcad.jvp(make, (0.4,), (1.0,))
    assert out == State(0.8, np.sin(0.4))
    assert t.q == pytest.approx(2.0) and t.p == pytest.approx(np.cos(0.4))
    _, pullback = srcad.vjp(make, 0.4)
    assert pullback(State(1.0, 1.0))[0] == pytest.approx(2.0 + np.cos(0.4))
