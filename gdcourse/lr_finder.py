r"""The learning-rate range test ("LR finder"): sweep the learning rate, watch the loss.

One short run of gradient descent whose learning rate grows geometrically, from
:math:`\eta_{\min}` at the first step to :math:`\eta_{\max}` at the last,

.. math::
    \eta_k = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{k/(K-1)},
    \qquad k = 0, 1, \dots, K-1,

    w_{k+1} = w_k - \eta_k\, g_k, \qquad \ell_k = f(w_{k+1}),

where :math:`g_k` is the gradient at :math:`w_k` (of the whole data, or of one mini-batch)
and :math:`\ell_k` the full loss *after* the step taken with :math:`\eta_k`.  While
:math:`\eta_k` is small the loss falls slowly; in the useful range it falls fast; once
:math:`\eta_k` is too large the loss stops falling and soon explodes.  A good learning rate
sits clearly below the explosion: the usual rule (Smith, 2017) takes the rate at which the
recorded loss was lowest and divides it by ten.

The test is deterministic: the mini-batches come from a seeded generator, and the run stops
early (``stop_factor``) once the loss exceeds a multiple of the best loss seen so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_lr, check_number, check_positive_int
from .variants import _rng, iterate_minibatches

__all__ = ["LRRangeResult", "lr_range_test", "geometric_rates"]


@dataclass
class LRRangeResult:
    """The outcome of :func:`lr_range_test`.

    ``lrs[k]`` is the learning rate of step ``k`` and ``losses[k]`` the full loss after that
    step; both stop where the run stopped.  ``lr_at_min`` is the rate whose step gave the
    lowest loss, ``suggestion`` that rate divided by ``safety``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    lr_at_min: float
    suggestion: float
    stopped_early: bool

    def __str__(self):
        end = "stopped when the loss exploded" if self.stopped_early else "ran every step"
        return (f"{len(self.lrs)} steps ({end}); lowest loss at lr = {self.lr_at_min:.4g}, "
                f"suggested lr = {self.suggestion:.4g}")


def geometric_rates(lr_min, lr_max, n_steps) -> np.ndarray:
    r"""The rates :math:`\eta_k = \eta_{\min} (\eta_{\max}/\eta_{\min})^{k/(K-1)}`, :math:`k < K`.

    The first is exactly ``lr_min`` and the last exactly ``lr_max``; consecutive rates have
    the constant ratio :math:`(\eta_{\max}/\eta_{\min})^{1/(K-1)}`.
    """
    lr_min = check_lr(lr_min, "lr_min", schedule=False)
    lr_max = check_number(lr_max, "lr_max", low=lr_min, low_open=True)
    n_steps = check_positive_int(n_steps, "n_steps", minimum=2)
    rates = lr_min * (lr_max / lr_min) ** (np.arange(n_steps) / (n_steps - 1))
    rates[-1] = lr_max
    return rates


def lr_range_test(objective, w0, lr_min=1e-5, lr_max=10.0, n_steps=100, *,
                  batch_size=None, random_state=0, stop_factor=4.0,
                  safety=10.0) -> LRRangeResult:
    r"""Run the learning-rate range test on ``objective`` from ``w0``.

    Parameters
    ----------
    objective : object with ``loss(w)`` and ``grad(w)``
        With ``batch_size``, a data objective whose ``grad(w, rows=...)`` accepts row
        indices (as those of :mod:`gdcourse.objectives`).
    w0 : array_like
        The starting point (not modified).
    lr_min, lr_max : float, default=1e-5 and 10.0
        The first and the last learning rate, ``0 < lr_min < lr_max``.
    n_steps : int, default=100
        Number of steps :math:`K \ge 2` (one pass over the data with mini-batches of
        size :math:`k` is :math:`\lceil m/k \rceil` steps).
    batch_size : int, optional
        ``None`` for the full gradient, else rows per step, drawn from seeded shuffles
        of the data (a new shuffle whenever a pass is used up).
    random_state : int, default=0
        Seed of the shuffles.
    stop_factor : float or None, default=4.0
        Stop once the loss exceeds ``stop_factor`` times the lowest loss so far (or is
        no longer finite); ``None`` runs every step.
    safety : float, default=10.0
        ``suggestion = lr_at_min / safety``.

    Returns
    -------
    LRRangeResult
        With :math:`\eta_k` from :func:`geometric_rates` and the losses
        :math:`\ell_k = f(w_{k+1})` after each step.
    """
    rates = geometric_rates(lr_min, lr_max, n_steps)
    w = as_float_array(w0, "w0", copy=True)
    if stop_factor is not None:
        stop_factor = check_number(stop_factor, "stop_factor", low=1.0, low_open=True)
    safety = check_number(safety, "safety", low=1.0)
    batches = _batches(objective, batch_size, random_state)

    losses, stopped = [], False
    best = np.inf
    with np.errstate(over="ignore", invalid="ignore"):   # an explosion is a result here
        for eta in rates:
            rows = next(batches)
            g = objective.grad(w) if rows is None else objective.grad(w, rows=rows)
            w = w - eta * np.asarray(g, dtype=float)
            loss = float(objective.loss(w))
            losses.append(loss)
            best = min(best, loss)
            if stop_factor is not None and not (np.isfinite(loss)
                                                and loss <= stop_factor * best):
                stopped = True
                break
    losses = np.array(losses)
    lrs = rates[:len(losses)]
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError(f"the loss was not finite even after the first step, with "
                         f"lr_min={lr_min!r}: choose a smaller lr_min")
    lr_at_min = float(lrs[np.argmin(np.where(finite, losses, np.inf))])
    return LRRangeResult(lrs=lrs, losses=losses, lr_at_min=lr_at_min,
                         suggestion=lr_at_min / safety, stopped_early=stopped)


def _batches(objective, batch_size, random_state):
    """An endless iterator of row indices (``None`` for every step without mini-batches)."""
    if batch_size is None:
        return iter(lambda: None, 0)                 # yields None forever
    batch_size = check_positive_int(batch_size, "batch_size")
    n_samples = getattr(objective, "n_samples", None)
    if n_samples is None:
        raise ValueError("batch_size needs a data objective (with n_samples and grad(w, rows=...))")
    return _shuffled_batches(n_samples, batch_size, _rng(random_state))


def _shuffled_batches(n_samples, batch_size, rng):
    """The mini-batches of one seeded epoch after another, without end."""
    while True:
        yield from iterate_minibatches(n_samples, batch_size, rng)
