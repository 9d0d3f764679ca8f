r"""Measuring what a mini-batch costs and how noisy its gradient is.

A data objective is a mean over :math:`m` examples, :math:`J(\theta) = \frac1m\sum_i \ell_i(\theta)`,
so its gradient is the mean of the **per-sample gradients** :math:`g_i = \nabla\ell_i(\theta)`.
A mini-batch :math:`B` of :math:`k` distinct rows drawn uniformly at random estimates it by
:math:`g_B = \frac1k\sum_{i\in B} g_i`, an unbiased estimate whose expected squared error is

.. math::
    \mathbb E\,\lVert g_B - \nabla J(\theta)\rVert^2
        = \frac{\sigma^2}{k}\,\frac{m - k}{m - 1}, \qquad
    \sigma^2 = \frac1m\sum_{i=1}^m \lVert g_i - \nabla J(\theta)\rVert^2 .

The factor :math:`(m-k)/(m-1)` is the finite-population correction of sampling without
replacement: it is close to 1 for :math:`k \ll m` (the :math:`1/k` law) and makes the error
vanish for :math:`k = m` (the full batch).

* :func:`per_sample_gradients` -- the matrix of the :math:`g_i`;
* :func:`gradient_noise` -- the formula above, exactly;
* :func:`sampled_gradient_noise` -- the same quantity estimated by drawing batches;
* :class:`CountingObjective` -- a data objective that counts the rows its gradients touch.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_positive_int

__all__ = ["per_sample_gradients", "gradient_noise", "sampled_gradient_noise", "CountingObjective"]


def _data_objective(objective):
    needed = ("Z", "y", "grad_on")
    missing = [name for name in needed if not hasattr(objective, name)]
    if missing:
        raise ValueError(f"objective must be a data objective (with Z, y and grad_on); "
                         f"{type(objective).__name__} has no {', '.join(missing)}")
    return objective


def per_sample_gradients(objective, theta) -> np.ndarray:
    r"""The per-sample gradients :math:`g_i = \nabla\ell_i(\theta)`, one row per example.

    Returns an array of shape ``(m, n_params)`` whose mean over the rows is the full
    gradient :math:`\nabla J(\theta)` (an L2 penalty is part of every :math:`\ell_i`).
    """
    objective = _data_objective(objective)
    theta = as_float_array(theta, "theta", ndim=1)
    Z, y = objective.Z, objective.y
    return np.stack([objective.grad_on(theta, Z[i:i + 1], y[i:i + 1]) for i in range(len(y))])


def gradient_noise(G, batch_size) -> float:
    r"""Expected squared error of a mini-batch gradient drawn without replacement.

    For per-sample gradients ``G`` (shape ``(m, p)``, mean :math:`\bar g`) and batches of
    :math:`k` = ``batch_size`` distinct rows,

    .. math:: \mathbb E\lVert g_B - \bar g\rVert^2 = \frac{\sigma^2}{k}\,\frac{m-k}{m-1},
              \qquad \sigma^2 = \frac1m \sum_i \lVert g_i - \bar g\rVert^2 .
    """
    G = as_float_array(G, "G", ndim=2)
    m = G.shape[0]
    k = check_positive_int(batch_size, "batch_size")
    if k > m:
        raise ValueError(f"batch_size must be at most the number of rows of G ({m}), got {k}")
    if m == 1:
        return 0.0
    sigma2 = float(np.sum((G - G.mean(axis=0)) ** 2)) / m
    return sigma2 / k * (m - k) / (m - 1)


def sampled_gradient_noise(objective, theta, batch_size, n_draws=1000, random_state=None) -> float:
    r"""Estimate :math:`\mathbb E\lVert g_B - \nabla J(\theta)\rVert^2` by drawing batches.

    Draws ``n_draws`` batches of ``batch_size`` distinct rows (``rng.choice(m, k,
    replace=False)``), computes each mini-batch gradient with ``objective.grad_on`` and
    averages the squared distances to the full gradient.
    """
    objective = _data_objective(objective)
    theta = as_float_array(theta, "theta", ndim=1)
    Z, y = objective.Z, objective.y
    m = len(y)
    k = check_positive_int(batch_size, "batch_size")
    if k > m:
        raise ValueError(f"batch_size must be at most the number of examples ({m}), got {k}")
    n_draws = check_positive_int(n_draws, "n_draws")
    rng = np.random.default_rng(random_state)
    full = objective.grad_on(theta, Z, y)
    total = 0.0
    for _ in range(n_draws):
        rows = rng.choice(m, size=k, replace=False)
        error = objective.grad_on(theta, Z[rows], y[rows]) - full
        total += float(error @ error)
    return total / n_draws


class CountingObjective:
    """A data objective that counts the work of the gradients used for updates.

    Wraps any data objective of :mod:`gdcourse.objectives` and passes every call through.
    Each call of ``grad_on`` (the mini-batch gradient of an update) adds one to
    ``gradient_calls`` and the number of its rows to ``rows_touched``.  The full-data
    ``loss`` and ``grad`` that a driver uses for monitoring are not counted.
    """

    def __init__(self, objective):
        self.objective = _data_objective(objective)
        self.reset()

    def reset(self):
        """Set both counters back to zero."""
        self.gradient_calls = 0
        self.rows_touched = 0

    def grad_on(self, theta, Z, y):
        self.gradient_calls += 1
        self.rows_touched += len(y)
        return self.objective.grad_on(theta, Z, y)

    def __getattr__(self, name):
        # Only called for attributes not found on the wrapper: Z, y, loss, grad, loss_on, ...
        if name == "objective":
            raise AttributeError(name)
        return getattr(self.objective, name)

    def __repr__(self):
        return (f"CountingObjective({self.objective!r}, gradient_calls={self.gradient_calls}, "
                f"rows_touched={self.rows_touched})")
