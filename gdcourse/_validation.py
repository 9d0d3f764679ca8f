"""Argument checks shared by the package: every bad argument raises a ValueError naming it."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, *, ndim: int | None = None, copy: bool = False) -> np.ndarray:
    """Return ``value`` as a finite float64 array, or raise ValueError naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers, got {type(value).__name__}") from exc
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinity")
    return array.copy() if copy else array


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float inside the given interval, or raise ValueError naming ``name``.

    ``low_open``/``high_open`` exclude the end point, so ``check_number(lr, "lr", low=0,
    low_open=True)`` demands ``lr > 0``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        relation = ">" if low_open else ">="
        raise ValueError(f"{name} must be {relation} {low:g}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        relation = "<" if high_open else "<="
        raise ValueError(f"{name} must be {relation} {high:g}, got {value!r}")
    return value


def check_positive_int(value, name: str, *, allow_none: bool = False, minimum: int = 1):
    """Return ``value`` as an int >= ``minimum`` (or None when allowed), else raise ValueError."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_optional_tol(value, name: str):
    """A tolerance is None (criterion off) or a finite number >= 0."""
    if value is None:
        return None
    return check_number(value, name, low=0.0)


def check_spd(A, name: str = "A"):
    """Return ``(A, eigenvalues)`` for a symmetric positive definite matrix, else raise ValueError.

    The eigenvalues come back sorted ascending (``numpy.linalg.eigvalsh``).
    """
    A = as_float_array(A, name, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be square, got shape {A.shape}")
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.abs(A).max()):
        raise ValueError(f"{name} must be symmetric")
    eigenvalues = np.linalg.eigvalsh(A)
    if eigenvalues[0] <= 0:
        raise ValueError(f"{name} must be positive definite (smallest eigenvalue {eigenvalues[0]:.3g})")
    return A, eigenvalues
