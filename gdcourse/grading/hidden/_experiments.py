"""Helpers for the exercises that are not "implement this function": predictions (a value the
learner commits to before running an experiment) and experiments with a goal (settings that a
hidden harness runs).

An experiment with a goal is a function exercise whose answer takes no arguments and returns
its settings, a tuple of numbers.  The exercise's ``run`` hook (:func:`goal_run`) calls it,
checks the settings, and runs the chapter's experiment on a hidden case; the experiment
returns its outcome as a float array whose first entry is :data:`REACHED` when the goal was
met.  The ``compare`` hook (:func:`goal_compare`) passes that outcome, or turns it into words:
diverged, too slow, missed by how much.
"""

from __future__ import annotations

import numpy as np

from ..exercise import Mistake
from ..outputs import is_number
from ..sandbox import describe_type
from ._common import Invalid

REACHED = 0.0                     # first entry of an outcome that met the goal


def _settings_problem(settings, names) -> str | None:
    """Why ``settings`` is not a tuple of len(names) finite real numbers (None if it is)."""
    wanted = f"a tuple of {len(names)} numbers ({', '.join(names)})"
    if settings is None:
        return f"Your function returned None; it must return {wanted}. Did you forget `return`?"
    if not isinstance(settings, (tuple, list)) or len(settings) != len(names):
        return f"Your function returned {describe_type(settings)}; it must return {wanted}."
    for name, value in zip(names, settings):
        if not is_number(value) or not np.isfinite(float(value)):
            return f"Your {name} is {describe_type(value)}; it must be a finite number."
    return None


def goal_run(names, ranges, experiment):
    """A ``run`` hook: call the answer, check its settings, run ``experiment(settings, case)``.

    ``ranges`` maps a setting's name to ``(test, words)``: ``test(value)`` says whether the
    value is allowed, ``words`` say which values are (e.g. "a number in [0, 1)").
    """
    def run(answer, case):
        settings = answer()
        problem = _settings_problem(settings, names)
        if problem:
            return Invalid(problem)
        values = tuple(float(value) for value in settings)
        for name, value in zip(names, values):
            test, words = ranges[name]
            if not test(value):
                return Invalid(f"Your {name} is {value:g}; it must be {words}.")
        return experiment(values, case)
    return run


def goal_compare(explain):
    """A ``compare`` hook: None when the goal was met, else ``explain(outcome)`` in words."""
    def compare(got, expected, case):
        if isinstance(got, Invalid):
            return got.message
        if got[0] == REACHED:
            return None
        return explain(got)
    return compare


def positive(value) -> bool:
    return value > 0


def wrong_values(answer, values, hint):
    """The mistakes of an ``int`` prediction: one per value of ``values`` other than
    ``answer``, with the hint ``hint(value)`` (which must differ from value to value)."""
    return [Mistake(f"predicted {value}", value, hint(value))
            for value in values if value != answer]
