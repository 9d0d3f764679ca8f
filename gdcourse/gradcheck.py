r"""Gradient checking: compare a hand-written gradient with finite differences.

A finite difference estimates a partial derivative from two function values.  The
**central difference**

.. math:: \frac{\partial f}{\partial w_i}(w) \approx \frac{f(w + \varepsilon e_i) - f(w - \varepsilon e_i)}{2\varepsilon}

has a truncation error of order :math:`\varepsilon^2`; the **forward difference**
:math:`\big(f(w + \varepsilon e_i) - f(w)\big)/\varepsilon` only of order :math:`\varepsilon`.
Both also suffer round-off of order :math:`\epsilon_{\text{mach}}\,|f| / \varepsilon`, so
making :math:`\varepsilon` smaller helps only down to a point.

:func:`check_gradient` compares an analytic gradient :math:`g` with the central-difference
estimate :math:`\hat g` component by component, each error relative to the size of the
gradient,

.. math:: e_i = \frac{|g_i - \hat g_i|}{\max(\lVert g\rVert_\infty,\, \lVert\hat g\rVert_\infty,\, \text{floor})},

and passes when the largest :math:`e_i` is at most ``tol``.  Measuring against the largest
component (rather than each component's own size) keeps components that are nearly zero --
whose finite-difference estimate is mostly round-off -- from raising false alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_number

__all__ = ["numerical_gradient", "relative_errors", "check_gradient", "GradientCheck"]

_METHODS = ("central", "forward")


def _scalar_value(f, w, what="f") -> float:
    """``f(w)`` as a finite float, or a ValueError that says what came back."""
    value = f(w)
    array = np.asarray(value, dtype=float) if np.ndim(value) == 0 else None
    if array is None:
        raise ValueError(f"{what} must return a single number, got an array of shape {np.shape(value)}")
    if not np.isfinite(array):
        raise ValueError(f"{what} returned {float(array)!r} at the point being checked")
    return float(array)


def numerical_gradient(f, w, eps=1e-6, method="central") -> np.ndarray:
    r"""Finite-difference estimate of :math:`\nabla f(w)`, one coordinate at a time.

    ``method="central"``: :math:`\hat g_i = \big(f(w + \varepsilon e_i) - f(w - \varepsilon e_i)\big) / 2\varepsilon`
    (error :math:`O(\varepsilon^2)`, 2 evaluations per coordinate).

    ``method="forward"``: :math:`\hat g_i = \big(f(w + \varepsilon e_i) - f(w)\big) / \varepsilon`
    (error :math:`O(\varepsilon)`, 1 evaluation per coordinate plus one for :math:`f(w)`).

    ``w`` may have any shape (a matrix of weights, say); the result has the same shape.
    ``f`` receives arrays of that shape and must return one number.  ``w`` is not modified.
    """
    if not callable(f):
        raise ValueError(f"f must be a callable returning a number, got {type(f).__name__}")
    w = as_float_array(w, "w", copy=True)
    eps = check_number(eps, "eps", low=0.0, low_open=True)
    if method not in _METHODS:
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    f_w = _scalar_value(f, w.copy()) if method == "forward" else None
    estimate = np.empty_like(w)
    for i in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[i] = eps
        f_plus = _scalar_value(f, w + step)
        f_minus = _scalar_value(f, w - step) if method == "central" else f_w
        estimate[i] = (f_plus - f_minus) / (2 * eps if method == "central" else eps)
    return estimate


def relative_errors(analytic, numeric, floor=1e-8) -> np.ndarray:
    r"""Component-wise errors relative to the gradient's size.

    .. math:: e_i = |g_i - \hat g_i| / \max(\lVert g\rVert_\infty, \lVert\hat g\rVert_\infty, \text{floor})

    The floor only matters where the whole gradient (nearly) vanishes: there the error is
    measured in absolute terms, in units of ``floor``.
    """
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    floor = check_number(floor, "floor", low=0.0, low_open=True)
    scale = max(np.abs(analytic).max(), np.abs(numeric).max(), floor)
    return np.abs(analytic - numeric) / scale


@dataclass(repr=False)
class GradientCheck:
    """The outcome of :func:`check_gradient`.

    ``analytic`` and ``numeric`` are the two gradients, ``errors`` the relative error of each
    component (same shape as ``w``), ``max_error`` the largest of them and ``worst`` its
    index; ``passed`` is True when ``max_error <= tol``.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    errors: np.ndarray
    tol: float
    eps: float

    @property
    def max_error(self) -> float:
        return float(self.errors.max())

    @property
    def worst(self) -> tuple:
        """Index of the component with the largest relative error."""
        return tuple(int(i) for i in np.unravel_index(int(np.argmax(self.errors)), self.errors.shape))

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tol

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        where = self.worst[0] if self.errors.ndim == 1 else self.worst
        return (f"GradientCheck({verdict}: max relative error {self.max_error:.1e} "
                f"at component {where} of {self.errors.size}, tol={self.tol:g}, eps={self.eps:g})")


def check_gradient(f, grad, w, eps=1e-6, *, tol=1e-6, floor=1e-8) -> GradientCheck:
    r"""Compare the gradient ``grad`` of ``f`` at ``w`` with central differences.

    ``grad`` is a callable returning :math:`\nabla f(w)` (or the gradient array itself).
    Each component gets the relative error

    .. math:: e_i = \frac{|g_i - \hat g_i|}
                        {\max(\lVert g\rVert_\infty, \lVert\hat g\rVert_\infty,
                               \text{floor})},

    where :math:`\hat g` is :func:`numerical_gradient` with step ``eps``.  The check
    passes when :math:`\max_i e_i \le` ``tol``.  With ``eps=1e-6`` a correct gradient
    of a smooth function typically shows errors between 1e-10 and 1e-7 (round-off grows
    with :math:`|f|`); a wrong one rarely gets below 1e-3.

    Check at a random point rather than a special one (zero, a symmetric point, the
    minimum), where a wrong formula can agree with the right one by accident.
    """
    w = as_float_array(w, "w", copy=True)
    tol = check_number(tol, "tol", low=0.0, low_open=True)
    analytic = grad(w.copy()) if callable(grad) else grad
    try:
        analytic = np.asarray(analytic, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"grad must return an array of numbers, "
                         f"got {type(analytic).__name__}") from exc
    if analytic.shape != w.shape:
        raise ValueError(f"grad must return an array of the shape of w {w.shape}, "
                         f"got shape {analytic.shape}")
    if not np.all(np.isfinite(analytic)):
        raise ValueError("grad returned NaN or infinity")
    numeric = numerical_gradient(f, w, eps)
    errors = relative_errors(analytic, numeric, floor)
    return GradientCheck(analytic, numeric, errors, tol, float(eps))
