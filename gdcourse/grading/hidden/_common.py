"""Helpers shared by the hidden tests of several chapters: random data, answers that do not
have the form an exercise asks for, and the verdicts of experiment exercises."""

from __future__ import annotations

import numpy as np

from ..outputs import is_number, output_problem, values_close
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


# ----------------------------------------------------------------------------- experiments
# An experiment exercise asks for settings (a learning rate and a number of steps, a
# schedule, ...) that reach a measurable target.  The answer is a function returning them;
# ``Exercise.run`` re-runs the experiment with them on each hidden case and returns a
# Verdict, one of the exercise's ``choices``: REACHED, or the word for what went wrong.
# ``Exercise.compare`` turns a Verdict into the explanation, and a catalogued mistake is a
# typical bad choice whose Verdict names the same failure.

REACHED = "reached"
INVALID = "invalid"


class Verdict(str):
    """What re-running a learner's settings gave: a word of the exercise's ``choices``
    (shown as itself) and, in ``message``, the sentences that explain it."""

    def __new__(cls, word: str, message: str = ""):
        verdict = super().__new__(cls, word)
        verdict.message = message
        return verdict

    def __repr__(self) -> str:
        return str.__str__(self)


def experiment(harness):
    """``Exercise.run`` for an answer that returns settings: call it, then let
    ``harness(settings, *case.args)`` re-run the experiment and return a Verdict."""
    def run(answer, case):
        return harness(answer(), *case.args, **case.kwargs)
    return run


def explain(got, expected, case) -> str | None:
    """``Exercise.compare`` of an experiment: None on target, else the Verdict's message."""
    return None if got == REACHED else got.message


def experiment_fields(harness, *failures: str) -> dict:
    """The fields of an experiment Exercise: the verdicts (REACHED, the words in
    ``failures``, INVALID), ``harness`` to run the experiment, and ``explain``."""
    return dict(output="choice", choices=(REACHED, *failures, INVALID),
                run=experiment(harness), compare=explain)


def _setting_problem(name: str, value, form) -> str | None:
    """Why ``value`` is not a valid setting ``name`` of the given form, or None."""
    if isinstance(form, tuple):
        if isinstance(value, str) and value in form:
            return None
        return f"{name} must be one of {', '.join(map(repr, form))}, got {value!r}"
    if form == "count":
        if isinstance(value, int) and not isinstance(value, bool):
            return None if value >= 1 else f"{name} must be at least 1, got {value}"
        return f"{name} must be a Python int, got {describe_type(value)}"
    if not is_number(value) or isinstance(value, np.ndarray):
        return f"{name} must be a number, got {describe_type(value)}"
    if not np.isfinite(value) or value <= 0:
        return f"{name} must be a number > 0, got {value!r}"
    return None


def unpack_settings(settings, forms: dict):
    """The settings as a tuple of plain values, or an INVALID Verdict saying what is wrong.

    ``forms`` maps each name, in the order of the tuple, to ``"rate"`` (a number > 0),
    ``"count"`` (a Python int >= 1) or a tuple of the strings allowed."""
    names = ", ".join(forms)
    if not isinstance(settings, (tuple, list)) or len(settings) != len(forms):
        got = describe_type(settings)
        if isinstance(settings, (tuple, list)):
            got += f" of {len(settings)} values"
        return Verdict(INVALID, f"Your settings are invalid: the function must return the "
                                f"tuple ({names}), but it returned {got}.")
    for (name, form), value in zip(forms.items(), settings):
        problem = _setting_problem(name, value, form)
        if problem:
            return Verdict(INVALID, f"Your settings are invalid: {problem}.")
    return tuple(float(v) if forms[n] == "rate" else v for n, v in zip(forms, settings))


def over_budget(name: str, value: int, budget: int) -> Verdict | None:
    """An "over budget" Verdict when ``value`` exceeds ``budget``, else None."""
    if value <= budget:
        return None
    return Verdict("over budget", f"Your settings are over budget: {name} = {value} is more "
                                  f"than the {budget} the goal allows.")


def sci(value: float) -> str:
    """A number to two significant digits, plainly written from 0.001 to 9999, else with a
    short exponent: 3.2e-5, 0.75, 3200, 1.2e6."""
    rounded = float(f"{value:.2g}")
    if not np.isfinite(rounded):
        return str(rounded)
    if 1e-3 <= abs(rounded) < 1e4 or rounded == 0:
        return f"{rounded:g}"
    mantissa, _, exponent = f"{rounded:.1e}".partition("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def missed_by(value: float, target: float) -> str:
    """'3.2e-5, 3200 times the target 1e-8': how far a measured value is from its goal."""
    return f"{sci(value)}, {sci(value / target)} times the target {sci(target)}"


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
