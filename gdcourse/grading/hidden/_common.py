"""Helpers shared by the hidden tests of several chapters: random data, and answers that do
not have the form an exercise asks for."""

from __future__ import annotations

import numpy as np


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


class QuadraticGradient:
    """The gradient A w - b of the quadratic w^T A w / 2 - b^T w, as a callable."""

    def __init__(self, A, b):
        self.A, self.b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)

    def __call__(self, w):
        return self.A @ w - self.b


class LogCoshGradient:
    """The gradient B^T tanh(B w - c) of sum_i log cosh((B w - c)_i), convex and not quadratic."""

    def __init__(self, B, c):
        self.B, self.c = np.asarray(B, dtype=float), np.asarray(c, dtype=float)

    def __call__(self, w):
        return self.B.T @ np.tanh(self.B @ w - self.c)
