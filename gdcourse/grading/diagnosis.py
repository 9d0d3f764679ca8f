"""Hints for wrong numbers that no catalogued mistake explains: a stray factor, a flipped sign,
a sum where a mean belongs.

A hint is given only when it holds on every failing test, and only in words that fit the
exercise: the words about samples and 1/(2m) appear only for exercises that average over
samples (those that say how many with ``Exercise.samples``).
"""

from __future__ import annotations

import numpy as np

from .outputs import real_arrays

_EVERY = "on every failing test"


def _factor_words(with_samples: bool) -> list[tuple[float, str]]:
    if with_samples:
        twice = ("check the factor in front of the sum (a stray 2, or 1/m where 1/(2m) "
                 "belongs)")
        half = "check the factor in front of the sum (a missing 2, or 1/(2m) where 1/m belongs)"
    else:
        twice = "look for a stray factor 2"
        half = "look for a factor 1/2 (or a division by 2) that does not belong there"
    return [(2.0, f"exactly twice the expected one {_EVERY}: {twice}"),
            (0.5, f"exactly half the expected one {_EVERY}: {half}"),
            (-1.0, f"the expected one with the opposite sign {_EVERY}: check the order of "
                   f"each subtraction and the sign in front of each term")]


def _as_floats(got, expected):
    pair = real_arrays(got, expected)
    return pair if pair is not None and np.any(pair[1]) else None


def _constant_ratio(got, expected) -> float | None:
    """got / expected when it is one positive number other than 1 on every non-zero entry."""
    mask = np.abs(expected) > 1e-12
    if not mask.any():
        return None
    ratios = got[mask] / expected[mask]
    if np.allclose(ratios, ratios[0], rtol=1e-9) and ratios[0] > 0 and not np.isclose(ratios[0], 1):
        return float(ratios[0])
    return None


def generic_hint(failures, samples=None) -> str | None:
    """A hint that explains every failure ``(case, got, expected)``, or None.

    ``samples(case)`` is the number of samples a case averages over, for exercises that have
    samples; without it no hint speaks of samples.
    """
    pairs = [_as_floats(got, expected) for _, got, expected in failures]
    if not pairs or any(pair is None for pair in pairs):
        return None
    for factor, words in _factor_words(samples is not None):
        if all(np.allclose(g, factor * e, rtol=1e-7, atol=1e-12) for g, e in pairs):
            return f"Your result is {words}."
    ratios = [_constant_ratio(g, e) for g, e in pairs]
    if any(r is None for r in ratios):
        return None
    if samples is not None:
        counts = [samples(case) for case, _, _ in failures]
        if all(np.isclose(r, m) for r, m in zip(ratios, counts)):
            return (f"Your result is m times the expected one {_EVERY}, m the number of "
                    f"samples: did you sum where a mean was needed?")
        if all(np.isclose(r, 1 / m) for r, m in zip(ratios, counts)):
            return (f"Your result is 1/m of the expected one {_EVERY}, m the number of samples: "
                    f"did you divide by m twice, or take a mean where a sum was needed?")
    if np.allclose(ratios, ratios[0], rtol=1e-9):
        return (f"Your result is exactly {ratios[0]:.6g} times the expected one {_EVERY}: look "
                f"for a stray constant factor.")
    return None
