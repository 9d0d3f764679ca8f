r"""Learning-rate schedules: callables ``t -> eta_t`` of the number of steps already taken.

``t = 0`` is the first step.  Any schedule can be the ``lr`` of an optimizer of
:mod:`gdcourse.optim`, which then uses ``schedule(t)`` for its step ``t + 1``; this is
what ``torch.optim.lr_scheduler`` does when ``scheduler.step()`` is called after every
``optimizer.step()``.

* :class:`Constant`: :math:`\eta_0`;
* :class:`StepDecay`: :math:`\eta_0\, \gamma^{\lfloor t / s \rfloor}` (torch ``StepLR``);
* :class:`ExponentialDecay`: :math:`\eta_0\, \gamma^t`, or :math:`\eta_0 e^{-kt}`
  (torch ``ExponentialLR``);
* :class:`InverseTimeDecay`: :math:`\eta_0 / (1 + k t)` (torch ``LambdaLR``);
* :class:`CosineAnnealing`: :math:`\eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t / T))`
  (torch ``CosineAnnealingLR``);
* :class:`LinearDecay`: :math:`\eta_{\min} + (\eta_0 - \eta_{\min})(1 - \min(t, T) / T)`
  (torch ``LinearLR``);
* :class:`WarmupThenDecay`: a linear warm-up, then another schedule (torch ``LinearLR``
  followed by another scheduler in ``SequentialLR``).

:func:`values` lists the first ``n`` rates of a schedule, e.g. to plot it.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import (InvalidParameterError, Integer, LearningRate, Real, check_number,
                          check_positive_int, validate)

__all__ = ["Schedule", "Constant", "StepDecay", "ExponentialDecay", "InverseTimeDecay",
           "CosineAnnealing", "LinearDecay", "WarmupThenDecay", "values"]


LR = LearningRate(schedule=False)             # a number > 0: the rate a schedule starts from
NONNEGATIVE = Real(low=0.0)
FACTOR = Real(low=0.0, high=1.0, low_open=True)   # in (0, 1]


class Schedule:
    """Base class: ``schedule(t)`` checks that ``t`` is an integer >= 0 and returns the rate.

    A subclass lists its parameters in ``_parameter_constraints``, checked by
    :meth:`_set_parameters`.
    """

    _parameter_constraints: dict = {}

    def _set_parameters(self, **parameters):
        vars(self).update(validate(self._parameter_constraints, parameters))

    def __call__(self, t) -> float:
        return float(self.rate(check_positive_int(t, "t", minimum=0)))

    def rate(self, t: int) -> float:
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    r"""The constant rate :math:`\eta_t = \eta_0`."""

    _parameter_constraints = {"lr": LR}

    def __init__(self, lr):
        self._set_parameters(lr=lr)

    def rate(self, t):
        return self.lr


class StepDecay(Schedule):
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps (torch ``StepLR``).

    .. math:: \eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor}, \qquad 0 < \gamma \le 1.
    """

    _parameter_constraints = {"lr": LR, "step_size": Integer(), "gamma": FACTOR}

    def __init__(self, lr, step_size, gamma=0.1):
        self._set_parameters(lr=lr, step_size=step_size, gamma=gamma)

    def rate(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


class ExponentialDecay(Schedule):
    r"""Multiply the rate by ``gamma`` at every step (torch ``ExponentialLR``).

    .. math:: \eta_t = \eta_0\, \gamma^t, \qquad 0 < \gamma \le 1.

    :meth:`from_rate` builds the continuous form :math:`\eta_0 e^{-kt}`, i.e.
    :math:`\gamma = e^{-k}`.
    """

    _parameter_constraints = {"lr": LR, "gamma": FACTOR}

    def __init__(self, lr, gamma):
        self._set_parameters(lr=lr, gamma=gamma)

    @classmethod
    def from_rate(cls, lr, k):
        r""":math:`\eta_t = \eta_0 e^{-kt}` with decay rate :math:`k \ge 0`."""
        return cls(lr, math.exp(-check_number(k, "k", low=0.0)))

    def rate(self, t):
        return self.lr * self.gamma ** t


class InverseTimeDecay(Schedule):
    r"""Decay as :math:`1/t` (the classic Robbins-Monro rate).

    .. math:: \eta_t = \frac{\eta_0}{1 + k t}, \qquad k \ge 0.
    """

    _parameter_constraints = {"lr": LR, "k": NONNEGATIVE}

    def __init__(self, lr, k):
        self._set_parameters(lr=lr, k=k)

    def rate(self, t):
        return self.lr / (1 + self.k * t)


class CosineAnnealing(Schedule):
    r"""Half a cosine from :math:`\eta_0` to :math:`\eta_{\min}` in ``T_max`` steps.

    .. math::
        \eta_t = \eta_{\min} + \tfrac12\, (\eta_0 - \eta_{\min})
                 \Big(1 + \cos\frac{\pi t}{T_{\max}}\Big).

    As torch's ``CosineAnnealingLR``, the formula is used as is past ``T_max``: the
    rate climbs back to :math:`\eta_0` at :math:`t = 2T_{\max}`.  With ``eta_min=0``
    the rate at :math:`t = T_{\max}` is exactly 0.
    """

    _parameter_constraints = {"lr": LR, "T_max": Integer(), "eta_min": NONNEGATIVE}

    def __init__(self, lr, T_max, eta_min=0.0):
        self._set_parameters(lr=lr, T_max=T_max, eta_min=eta_min)
        check_number(eta_min, "eta_min", high=self.lr)

    def rate(self, t):
        cosine = 1 + math.cos(math.pi * t / self.T_max)
        return self.eta_min + 0.5 * (self.lr - self.eta_min) * cosine


class LinearDecay(Schedule):
    r"""A straight line from :math:`\eta_0` down to :math:`\eta_{\min}` in ``T`` steps, then flat.

    .. math::
        \eta_t = \eta_{\min} + (\eta_0 - \eta_{\min}) \Big(1 - \frac{\min(t, T)}{T}\Big).
    """

    _parameter_constraints = {"lr": LR, "total_steps": Integer(), "eta_min": NONNEGATIVE}

    def __init__(self, lr, total_steps, eta_min=0.0):
        self._set_parameters(lr=lr, total_steps=total_steps, eta_min=eta_min)
        check_number(eta_min, "eta_min", high=self.lr)

    def rate(self, t):
        remaining = 1 - min(t, self.total_steps) / self.total_steps
        return self.eta_min + (self.lr - self.eta_min) * remaining


class WarmupThenDecay(Schedule):
    r"""A linear warm-up to :math:`\eta_0` during ``warmup_steps`` steps, then a decay.

    With warm-up length :math:`W` and start factor :math:`f`:

    .. math::
        \eta_t = \begin{cases}
            \eta_0 \big(f + (1 - f)\, t / W\big) & t < W, \\
            \text{then}(t - W) & t \ge W.
        \end{cases}

    ``then`` is any schedule (called with the steps taken since the warm-up ended), or
    ``"cosine"`` / ``"linear"`` for :class:`CosineAnnealing` / :class:`LinearDecay` from
    :math:`\eta_0` to ``eta_min``, reached at step ``total_steps`` (warm-up included).
    Torch: ``SequentialLR([LinearLR(start_factor=f, total_iters=W), decay],
    milestones=[W])``.
    """

    _parameter_constraints = {"lr": LR, "warmup_steps": Integer(), "start_factor": FACTOR}

    def __init__(self, lr, warmup_steps, then="cosine", *, total_steps=None, start_factor=1 / 3,
                 eta_min=0.0):
        self._set_parameters(lr=lr, warmup_steps=warmup_steps, start_factor=start_factor)
        self.then = self._decay(then, total_steps, eta_min)

    def _decay(self, then, total_steps, eta_min):
        if callable(then):
            if total_steps is not None:
                raise InvalidParameterError(
                    "total_steps is only used with then='cosine' or 'linear'")
            return then
        decays = {"cosine": CosineAnnealing, "linear": LinearDecay}
        if then not in decays:
            raise InvalidParameterError(
                f"then must be a schedule, 'cosine' or 'linear', got {then!r}")
        total_steps = check_positive_int(total_steps, "total_steps",
                                         minimum=self.warmup_steps + 1)
        return decays[then](self.lr, total_steps - self.warmup_steps, eta_min)

    def rate(self, t):
        if t < self.warmup_steps:
            f = self.start_factor
            return self.lr * (f + (1 - f) * t / self.warmup_steps)
        return self.then(t - self.warmup_steps)


def values(schedule, n) -> np.ndarray:
    """The first ``n`` rates :math:`\\eta_0, \\dots, \\eta_{n-1}` of ``schedule`` as an array."""
    if not callable(schedule):
        raise InvalidParameterError(f"schedule must be callable, got {schedule!r}")
    n = check_positive_int(n, "n", minimum=0)
    return np.array([schedule(t) for t in range(n)], dtype=float)
