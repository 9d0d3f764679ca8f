"""Argument checks shared by the package: a bad argument raises an error naming it.

The error is :class:`InvalidParameterError`, both a ValueError and a TypeError (as
scikit-learn's error of the same name), so a wrong value and a wrong type are caught by
either ``except`` clause; its message starts with the parameter's name.

A class declares its hyperparameters once, in a table ``_parameter_constraints`` that maps
each name to a constraint (:class:`Real`, :class:`Integer`, :class:`Flag`,
:class:`LearningRate`, ...), and checks them with :func:`validate`; rules that tie two
parameters together follow in the class's own code.  The learning rate has one definition
for the whole package, :func:`check_lr`: a finite number > 0, or a schedule ``t -> lr``
whose values (:func:`lr_at`) are finite numbers >= 0.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A bad argument (wrong value or wrong type); the message starts with its name."""


def as_float_array(value, name: str, *, ndim: int | None = None, copy: bool = False) -> np.ndarray:
    """Return ``value`` as a finite float64 array, or raise naming ``name``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{name} must be an array of numbers, got {type(value).__name__}") from exc
    if ndim is not None and array.ndim != ndim:
        raise InvalidParameterError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise InvalidParameterError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise InvalidParameterError(f"{name} contains NaN or infinity")
    return array.copy() if copy else array


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float inside the given interval, or raise naming ``name``.

    ``low_open``/``high_open`` exclude the end point, so ``check_number(x, "x", low=0,
    low_open=True)`` demands ``x > 0``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise InvalidParameterError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        relation = ">" if low_open else ">="
        raise InvalidParameterError(f"{name} must be {relation} {low:g}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        relation = "<" if high_open else "<="
        raise InvalidParameterError(f"{name} must be {relation} {high:g}, got {value!r}")
    return value


def check_positive_int(value, name: str, *, allow_none: bool = False, minimum: int = 1):
    """Return ``value`` as an int >= ``minimum`` (or None when allowed), else raise."""
    if value is None and allow_none:
        return None
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or value < minimum):
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_optional_tol(value, name: str):
    """A tolerance is None (criterion off) or a finite number >= 0."""
    if value is None:
        return None
    return check_number(value, name, low=0.0)


def check_flag(value, name: str) -> bool:
    """Return ``value`` as a bool; only True and False are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_lr(lr, name: str = "lr", *, schedule: bool = True):
    """A learning rate: a finite number > 0 or, when ``schedule``, a callable ``t -> lr``.

    >>> check_lr(1), callable(check_lr(lambda t: 0.1 / (1 + t)))
    (1.0, True)
    >>> for bad in (0, "fast"):
    ...     try:
    ...         check_lr(bad)
    ...     except (ValueError, TypeError) as error:
    ...         print(error)
    lr must be a number > 0 or a schedule t -> lr, got 0
    lr must be a number > 0 or a schedule t -> lr, got 'fast'
    """
    if schedule and callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0 or math.isinf(lr):
        kind = "a number > 0 or a schedule t -> lr" if schedule else "a finite number > 0"
        raise InvalidParameterError(f"{name} must be {kind}, got {lr!r}")
    return float(lr)


def lr_at(lr, t: int) -> float:
    """The learning rate of the step taken after ``t`` steps: ``lr``, or ``lr(t)`` for a schedule.

    A schedule may return 0 (the end of a cosine) but never less, nor infinity or NaN.
    """
    if not callable(lr):
        return lr
    value = lr(t)
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < 0):
        raise InvalidParameterError(f"lr schedule returned {value!r} at t={t}; "
                                    f"it must be a finite number >= 0")
    return float(value)


def check_spd(A, name: str = "A"):
    """Return ``(A, eigenvalues)`` for a symmetric positive definite matrix, else raise.

    The eigenvalues come back sorted ascending (``numpy.linalg.eigvalsh``).
    """
    A = as_float_array(A, name, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise InvalidParameterError(f"{name} must be square, got shape {A.shape}")
    if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.abs(A).max()):
        raise InvalidParameterError(f"{name} must be symmetric")
    eigenvalues = np.linalg.eigvalsh(A)
    if eigenvalues[0] <= 0:
        raise InvalidParameterError(
            f"{name} must be positive definite (smallest eigenvalue {eigenvalues[0]:.3g})")
    return A, eigenvalues


# --------------------------------------------------------------------------- constraint tables

@dataclass(frozen=True)
class Real:
    """A finite real number in ``[low, high]``; ``low_open``/``high_open`` exclude an end."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def check(self, value, name):
        return check_number(value, name, low=self.low, high=self.high,
                            low_open=self.low_open, high_open=self.high_open)


@dataclass(frozen=True)
class Integer:
    """An integer >= ``minimum``, or None when ``allow_none``."""

    minimum: int = 1
    allow_none: bool = False

    def check(self, value, name):
        return check_positive_int(value, name, allow_none=self.allow_none, minimum=self.minimum)


@dataclass(frozen=True)
class Flag:
    """True or False."""

    def check(self, value, name):
        return check_flag(value, name)


@dataclass(frozen=True)
class LearningRate:
    """A learning rate (:func:`check_lr`): a number > 0, or also a schedule when ``schedule``."""

    schedule: bool = True

    def check(self, value, name):
        return check_lr(value, name, schedule=self.schedule)


@dataclass(frozen=True)
class OrNone:
    """None, or a value accepted by ``constraint``."""

    constraint: object

    def check(self, value, name):
        return None if value is None else self.constraint.check(value, name)


@dataclass(frozen=True)
class Pair:
    """Two values, each accepted by ``constraint`` (named ``name[0]`` and ``name[1]``)."""

    constraint: object

    def check(self, value, name):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
            raise InvalidParameterError(f"{name} must be a pair of numbers, got {value!r}")
        return tuple(self.constraint.check(item, f"{name}[{i}]") for i, item in enumerate(value))


@dataclass(frozen=True)
class Check:
    """A value accepted by ``function(value, name)``, which returns it or raises."""

    function: object

    def check(self, value, name):
        return self.function(value, name)


def validate(constraints: dict, values: dict) -> dict:
    """Check every value against the constraint of the same name; return the checked values.

    >>> validate({"lr": LearningRate(), "momentum": Real(low=0.0)},
    ...          {"lr": 1, "momentum": 0.9})
    {'lr': 1.0, 'momentum': 0.9}
    """
    if set(values) != set(constraints):
        raise TypeError(f"expected the parameters {sorted(constraints)}, got {sorted(values)}")
    return {name: constraints[name].check(values[name], name) for name in constraints}
