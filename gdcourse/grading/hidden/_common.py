"""Helpers shared by the hidden tests of several chapters: random data, and answers that do
not have the form an exercise asks for."""

from __future__ import annotations

import numpy as np

from ..outputs import output_problem, values_close
from ..sandbox import describe_type


def rotated(rng, eigenvalues) -> np.ndarray:
    """A symmetric matrix with the given eigenvalues and random eigenvectors (not the axes)."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    n = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * eigenvalues) @ Q.T
    return (A + A.T) / 2


def spd(rng, n: int, low: float = 0.5, high: float = 25.0) -> np.ndarray:
    """A random symmetric positive definite matrix with eigenvalues spread log-uniformly
    between ``low`` and ``high``."""
    return rotated(rng, np.exp(rng.uniform(np.log(low), np.log(high), n)))


def regression(rng, m: int, n: int, scale: float = 1.0, bias: float = 0.0):
    """Random features ``X`` (m x n) and noisy targets of a random linear model."""
    X = rng.standard_normal((m, n)) * scale
    return X, X @ rng.standard_normal(n) + bias + rng.normal(0, 0.5, m)


def samples_in(position: int):
    """``Exercise.samples`` for exercises that average over the rows of argument ``position``."""
    def samples(case) -> int:
        return len(case.args[position])
    return samples


class Invalid:
    """A learner's output that does not have the form the exercise asks for, and why (the
    ``run`` hook returns it; the ``compare`` hook reports ``message``)."""

    def __init__(self, message: str):
        self.message = message


class ArrayTuple:
    """The ``run`` and ``compare`` hooks of an exercise whose answer is a tuple of NumPy
    arrays, such as the gradients of several variables.

    ``shapes(case)`` gives the shape each array must have, ``shape_advice`` what to check
    when one has another shape.  ``run`` returns the arrays as one flat vector, or an
    :class:`Invalid` that says what is wrong with the tuple; ``compare`` names the arrays
    that are wrong."""

    def __init__(self, names, shapes, shape_advice, rtol=1e-9, atol=1e-12):
        self.names, self.shapes, self.shape_advice = tuple(names), shapes, shape_advice
        self.rtol, self.atol = rtol, atol

    def problem(self, out, case) -> Invalid | None:
        wanted = (f"a tuple of {len(self.names)} NumPy arrays "
                  f"({', '.join(self.names)})")
        if not isinstance(out, (tuple, list)) or len(out) != len(self.names):
            return Invalid(f"returned {describe_type(out)}; it must return {wanted}.")
        for name, array, shape in zip(self.names, out, self.shapes(case)):
            if not isinstance(array, np.ndarray):
                return Invalid(f"returned {name} as {describe_type(array)}; it must return "
                               f"{wanted}.")
            if array.shape != shape:
                return Invalid(f"returned {name} of shape {array.shape}; it must have shape "
                               f"{shape}, {self.shape_advice(name)}")
        return None

    def run(self, function, case):
        out = function(*case.args, **case.kwargs)
        return self.problem(out, case) or np.concatenate([a.ravel() for a in out])

    def compare(self, got, expected, case):
        if isinstance(got, Invalid):
            return f"Your function {got.message}"
        problem = output_problem("array", got, expected)
        if problem:
            return f"Your function {problem}"
        bounds = np.cumsum([0] + [int(np.prod(s)) for s in self.shapes(case)])
        wrong = [name for name, start, stop in zip(self.names, bounds[:-1], bounds[1:])
                 if not values_close(got[start:stop], expected[start:stop], self.rtol,
                                     self.atol)]
        return f"Your function returned a wrong {' and '.join(wrong)}." if wrong else None
