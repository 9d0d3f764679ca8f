r"""Stochastic gradients whose noise vanishes at the minimum: SVRG and SAGA.

For a data objective :math:`J(w) = \frac1m\sum_{i=1}^m f_i(w)` (:mod:`gdcourse.objectives`,
the penalty part of every :math:`f_i`), both methods correct the gradient of one example,
:math:`\nabla f_j(w)`, by a *control variate* whose mean is known:

.. math::
    \text{SVRG:}\quad g = \nabla f_j(w) - \nabla f_j(\tilde w) + \nabla J(\tilde w), \qquad
    \text{SAGA:}\quad g = \nabla f_j(w) - \phi_j + \frac1m\sum_{i} \phi_i .

Both are unbiased, :math:`\mathbb E_j\, g = \nabla J(w)`, and their variance vanishes as
:math:`w` and the reference points (the snapshot :math:`\tilde w`, the stored gradients
:math:`\phi_i`) approach the minimiser: a constant step converges linearly, where SGD with
a constant step stalls at its noise floor.

Work is counted in **passes**, gradients of single examples divided by :math:`m`: a step of
gradient descent costs one pass, a step of SGD or SAGA :math:`1/m`, an inner step of SVRG
:math:`2/m` and its snapshot one pass.  Each function returns a :class:`PassHistory`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (InvalidParameterError, as_float_array, check_lr,
                          check_positive_int, lr_at)
from .objectives import LinearRegression, LogisticRegression

__all__ = ["PassHistory", "svrg", "saga", "sgd_passes", "gd_passes", "max_example_smoothness"]


@dataclass
class PassHistory:
    """The full-data loss ``losses[k]`` after ``passes[k]`` passes over the data (gradients of
    single examples / m; ``passes[0] = 0`` at the start) and the final parameters ``w``."""

    passes: np.ndarray
    losses: np.ndarray
    w: np.ndarray


def _example_gradient(objective, w, i):
    r""":math:`\nabla f_i(w)`, the gradient of example ``i`` (with the penalty)."""
    return objective.grad_on(w, objective.Z[i:i + 1], objective.y[i:i + 1])


def svrg(objective, w0, lr, *, epochs=10, inner_steps=None,
         random_state=None) -> PassHistory:
    r"""Stochastic variance-reduced gradient (Johnson and Zhang, 2013).

    Each epoch takes a snapshot :math:`\tilde w` of the iterate and its full gradient
    :math:`\nabla J(\tilde w)` (one pass), then ``inner_steps`` steps (default
    :math:`m`)

    .. math:: w \leftarrow w - \eta\,\big(\nabla f_j(w) - \nabla f_j(\tilde w)
              + \nabla J(\tilde w)\big), \qquad j \text{ uniform in } \{1, \dots, m\},

    each costing two gradients of one example.  The last iterate is the next snapshot.
    The loss is recorded after every epoch.
    """
    w, m, rng, lr = _setup(objective, w0, lr, random_state)
    if inner_steps is None:
        inner_steps = m
    inner_steps = check_positive_int(inner_steps, "inner_steps")
    record = _Record(objective, w, m)
    for _ in range(check_positive_int(epochs, "epochs")):
        snapshot, full_gradient = w.copy(), objective.grad(w)
        for j in rng.integers(m, size=inner_steps):
            correction = _example_gradient(objective, snapshot, j) - full_gradient
            w = w - lr * (_example_gradient(objective, w, j) - correction)
        record.add(w, m + 2 * inner_steps)
    return record.history(w)


def saga(objective, w0, lr, *, epochs=10, random_state=None) -> PassHistory:
    r"""SAGA (Defazio, Bach and Lacoste-Julien, 2014).

    A table holds one gradient :math:`\phi_i` per example, filled at :math:`w_0` (one
    pass).  Each step draws :math:`j`, computes :math:`\nabla f_j(w)` and moves along

    .. math:: g = \nabla f_j(w) - \phi_j + \bar\phi, \qquad
              \bar\phi = \frac1m\sum_i \phi_i ,

    then stores :math:`\phi_j \leftarrow \nabla f_j(w)`.  One gradient per step: an
    epoch of :math:`m` steps costs one pass.  The loss is recorded after every epoch.
    """
    w, m, rng, lr = _setup(objective, w0, lr, random_state)
    record = _Record(objective, w, m)
    table = np.array([_example_gradient(objective, w, i) for i in range(m)])
    average = table.mean(axis=0)
    record.add(w, m)
    for _ in range(check_positive_int(epochs, "epochs")):
        for j in rng.integers(m, size=m):
            g = _example_gradient(objective, w, j)
            w = w - lr * (g - table[j] + average)
            average = average + (g - table[j]) / m
            table[j] = g
        record.add(w, m)
    return record.history(w)


def sgd_passes(objective, w0, lr, *, epochs=10, random_state=None) -> PassHistory:
    r"""Plain SGD, :math:`w \leftarrow w - \eta_t \nabla f_j(w)` with :math:`j` uniform (drawn
    with replacement, as SVRG and SAGA draw), ``lr`` a number or a schedule ``t -> eta_t``;
    the loss after every :math:`m` steps."""
    w, m, rng, lr = _setup(objective, w0, lr, random_state, schedule=True)
    record = _Record(objective, w, m)
    t = 0
    for _ in range(check_positive_int(epochs, "epochs")):
        for j in rng.integers(m, size=m):
            w = w - lr_at(lr, t) * _example_gradient(objective, w, j)
            t += 1
        record.add(w, m)
    return record.history(w)


def gd_passes(objective, w0, lr, *, epochs=10) -> PassHistory:
    r"""Full gradient descent :math:`w \leftarrow w - \eta \nabla J(w)`, one pass per step."""
    w, m, _, lr = _setup(objective, w0, lr, None)
    record = _Record(objective, w, m)
    for _ in range(check_positive_int(epochs, "epochs")):
        w = w - lr * objective.grad(w)
        record.add(w, m)
    return record.history(w)


def max_example_smoothness(objective) -> float:
    r"""The largest smoothness constant of one example's loss, :math:`L_{\max} = \max_i L_i`.

    For least squares (:math:`f_i = \frac12 (z_i^\top w - y_i)^2` plus the penalty)
    :math:`L_i = \lVert z_i\rVert^2 + \alpha`; for logistic regression
    :math:`\lVert z_i\rVert^2/4 + \alpha`.  The step sizes of SVRG and SAGA are fractions of
    :math:`1/L_{\max}`.
    """
    if isinstance(objective, LinearRegression):
        factor = 2.0 if objective.convention == "mse" else 1.0    # the square's 2 stays
    elif isinstance(objective, LogisticRegression):
        factor = 0.25                                            # sigma' <= 1/4
    else:
        raise InvalidParameterError(f"objective must be a LinearRegression or a "
                                    f"LogisticRegression, got {type(objective).__name__}")
    return factor * float(np.max(np.sum(objective.Z ** 2, axis=1))) + objective.alpha


# ----------------------------------------------------------------------------- plumbing

def _setup(objective, w0, lr, random_state, schedule=False):
    for name in ("Z", "y", "grad", "grad_on", "loss"):
        if not hasattr(objective, name):
            raise InvalidParameterError(f"objective must be a data objective, with {name}")
    w = as_float_array(w0, "w0", ndim=1, copy=True)
    if w.shape != (objective.Z.shape[1],):
        raise InvalidParameterError(f"w0 must have {objective.Z.shape[1]} entries, "
                                    f"got {w.size}")
    return (w, len(objective.y), np.random.default_rng(random_state),
            check_lr(lr, "lr", schedule=schedule))


class _Record:
    """Full-data losses against passes over the data."""

    def __init__(self, objective, w, m):
        self.objective, self.m = objective, m
        self.evaluations, self.passes, self.losses = 0, [0.0], [objective.loss(w)]

    def add(self, w, evaluations):
        """Record the loss at ``w`` after ``evaluations`` more gradients of single examples."""
        self.evaluations += evaluations
        self.passes.append(self.evaluations / self.m)
        self.losses.append(self.objective.loss(w))

    def history(self, w):
        return PassHistory(passes=np.array(self.passes), losses=np.array(self.losses), w=w)
