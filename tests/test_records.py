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


# -- methods of a record that is itself differentiated -------------------------------------------


@dataclass
class Layer:
    w: np.ndarray
    b: float

    def __call__(self, x):
        return np.tanh(self.w * x + self.b)

    def predict(self, x):
        return self.activation(self.w * x) + self.b

    def activation(self, z):
        return np.sin(z) * z


class Spring:
    """A plain class: its fields are read and its methods called."""

    def __init__(self, k, rest):
        self.k = k
        self.rest = rest

    def energy(self, x):
        return 0.5 * self.k * np.sum((x - self.rest) ** 2)


def _layer_loss(layer, x):
    return np.sum(layer.predict(x) ** 2) + np.sum(layer.activation(x) * layer.b)


def _two_layers(first, second, x):
    return np.sum(second.predict(first.predict(x)))


_X4 = np.array([0.3, 1.2, -0.7, 2.1])


def _spring_energy(spring, x):
    return spring.energy(x) * np.sum(x)


def test_methods_of_a_plain_object_passed_in():
    # with respect to x; the object's own fields are constants (a plain
    # object is not differentiated itself)
    spring = Spring(2.0, np.array([0.1, 0.2, 0.0, -0.3]))
    g = srcad.grad(_spring_energy, wrt=1)(spring, _X4)
    eps = 1e-6
    fd = [(_spring_energy(spring, _X4 + eps * e) - _spring_energy(spring, _X4 - eps * e)) / (2 * eps)
          for e in np.eye(4)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    _, t = srcad.jvp(lambda_free_spring_energy, (spring, _X4), (0.0, np.ones(4)))
    assert t == pytest.approx(float(np.sum(fd)), rel=1e-6)


def lambda_free_spring_energy(spring, x):
    return _spring_energy(spring, x)


@pytest.mark.parametrize("fn,args", [
    (_layer_loss, (Layer(np.array([0.5, -0.2, 0.1, 0.3]), 0.4), _X4)),
    (_two_layers, (Layer(np.array([0.5, -0.2, 0.1, 0.3]), 0.4), Layer(np.array([1.1, 0.3, -0.6, 0.2]), -0.2),
                   _X4)),
], ids=["methods", "two-records"])
def test_methods_of_a_differentiated_record(fn, args):
    # (p.predict(x) runs its class's function with p first, so the
    # derivative reaches p's fields)
    srcad.check_grads(fn, args)
    srcad.check_grads(fn, args, order=2)
    g = srcad.grad(fn)(*args)
    assert isinstance(g, Layer)
