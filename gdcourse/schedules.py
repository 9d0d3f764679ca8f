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
  followed by another scheduler in ``SequentialLR``);
* :class:`CosineWarmRestarts`: cosine annealing that restarts from :math:`\eta_0`, every
  ``T_0`` steps or after periods growing by ``T_mult`` (torch
  ``CosineAnnealingWarmRestarts``);
* :class:`Cyclic`: triangles between ``base_lr`` and ``max_lr``, whose height may shrink
  (torch ``CyclicLR``);
* :class:`OneCycle`: one rise from ``max_lr / div_factor`` to ``max_lr`` and one fall far
  below the start (torch ``OneCycleLR``).

These schedules take torch's hyperparameter names and give torch's rates (the tests
compare them step for step; torch's momentum cycling is not part of them).
:class:`ReduceOnPlateau` is the one schedule that depends on the run: its ``step(metric)``
takes the validation loss after an epoch and returns the rate to use next (torch
``ReduceLROnPlateau``).

:func:`values` lists the first ``n`` rates of a schedule, e.g. to plot it.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import (Check, Flag, InvalidParameterError, Integer, LearningRate, OrNone,
                          Real, check_number, check_positive_int, validate)

__all__ = ["Schedule", "Constant", "StepDecay", "ExponentialDecay", "InverseTimeDecay",
           "CosineAnnealing", "LinearDecay", "WarmupThenDecay", "CosineWarmRestarts",
           "Cyclic", "OneCycle", "ReduceOnPlateau", "values"]


LR = LearningRate(schedule=False)             # a number > 0: the rate a schedule starts from
NONNEGATIVE = Real(low=0.0)
FACTOR = Real(low=0.0, high=1.0, low_open=True)   # in (0, 1]
POSITIVE = Real(low=0.0, low_open=True)


def one_of(*options):
    """A constraint: the value must be one of ``options`` (strings)."""
    def check(value, name):
        if not isinstance(value, str) or value not in options:
            raise InvalidParameterError(f"{name} must be one of {', '.join(map(repr, options))}, "
                                        f"got {value!r}")
        return value
    return Check(check)


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


class CosineWarmRestarts(Schedule):
    r"""Cosine annealing with warm restarts, SGDR (torch ``CosineAnnealingWarmRestarts``).

    The rate follows half a cosine from :math:`\eta_0` down towards :math:`\eta_{\min}`
    during a period of :math:`T_i` steps, then jumps back to :math:`\eta_0`. The first
    period has ``T_0`` steps and each one is ``T_mult`` times longer than the last:

    .. math::
        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                 \Big(1 + \cos\frac{\pi\, T_{\mathrm{cur}}}{T_i}\Big),

    where :math:`T_{\mathrm{cur}} = t - (T_0 + T_0 T_{\mathrm{mult}} + \dots
    + T_0 T_{\mathrm{mult}}^{i-1})` counts the steps since the last restart and
    :math:`T_i = T_0 T_{\mathrm{mult}}^{\,i}` for the period :math:`i` that contains
    :math:`t`. The rate never quite reaches :math:`\eta_{\min}`: the step after
    :math:`T_{\mathrm{cur}} = T_i - 1` restarts.
    """

    _parameter_constraints = {"lr": LR, "T_0": Integer(), "T_mult": Integer(),
                              "eta_min": NONNEGATIVE}

    def __init__(self, lr, T_0, T_mult=1, eta_min=0.0):
        self._set_parameters(lr=lr, T_0=T_0, T_mult=T_mult, eta_min=eta_min)
        check_number(eta_min, "eta_min", high=self.lr)

    def position(self, t):
        """``(T_cur, T_i)``: steps since the last restart, length of the period."""
        if self.T_mult == 1:
            return t % self.T_0, self.T_0
        T_cur, T_i = t, self.T_0
        while T_cur >= T_i:
            T_cur, T_i = T_cur - T_i, T_i * self.T_mult
        return T_cur, T_i

    def rate(self, t):
        T_cur, T_i = self.position(t)
        cosine = 1 + math.cos(math.pi * T_cur / T_i)
        return self.eta_min + (self.lr - self.eta_min) * cosine / 2


class Cyclic(Schedule):
    r"""Cyclical learning rates: triangles between two rates (torch ``CyclicLR``).

    Each cycle of :math:`S = s_{\mathrm{up}} + s_{\mathrm{down}}` steps climbs linearly from
    ``base_lr`` to the peak in :math:`s_{\mathrm{up}}` steps and comes back down in
    :math:`s_{\mathrm{down}}`. With the cycle number :math:`c = \lfloor 1 + t/S\rfloor`, the
    position :math:`x = 1 + t/S - c \in [0, 1)` in the cycle and :math:`r = s_{\mathrm{up}}/S`:

    .. math::
        \eta_t = \eta_{\mathrm{base}} + (\eta_{\max} - \eta_{\mathrm{base}})\, h\,
                 \begin{cases} x / r & x \le r, \\ (1 - x)/(1 - r) & x > r, \end{cases}

    where the height factor :math:`h` is 1 (``mode="triangular"``), halves with every cycle,
    :math:`h = 2^{-(c - 1)}` (``"triangular2"``), or decays with every step,
    :math:`h = \gamma^t` (``"exp_range"``). Torch's ``cycle_momentum`` (a momentum that
    cycles the other way) is not part of the schedule.
    """

    _parameter_constraints = {"base_lr": LR, "max_lr": LR, "step_size_up": Integer(),
                              "step_size_down": OrNone(Integer()),
                              "mode": one_of("triangular", "triangular2", "exp_range"),
                              "gamma": FACTOR}

    def __init__(self, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0):
        self._set_parameters(base_lr=base_lr, max_lr=max_lr, step_size_up=step_size_up,
                             step_size_down=step_size_down, mode=mode, gamma=gamma)
        check_number(max_lr, "max_lr", low=self.base_lr, low_open=True)

    def height(self, t, cycle):
        """The factor :math:`h` of the triangle's height at step ``t`` in cycle ``cycle``."""
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (cycle - 1))
        return self.gamma ** t

    def rate(self, t):
        up = float(self.step_size_up)
        down = up if self.step_size_down is None else float(self.step_size_down)
        total, ratio = up + down, up / (up + down)
        cycle = math.floor(1 + t / total)
        x = 1.0 + t / total - cycle                          # position in the cycle
        triangle = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        amplitude = (self.max_lr - self.base_lr) * triangle
        return self.base_lr + amplitude * self.height(t, cycle)


class OneCycle(Schedule):
    r"""The one-cycle policy: one rise, one long fall (torch ``OneCycleLR``).

    The rate starts at :math:`\eta_{\mathrm{start}} = \eta_{\max}/d` (``div_factor``
    :math:`d`), rises to ``max_lr`` during the first ``pct_start`` of the
    :math:`T` = ``total_steps`` steps, and then falls to
    :math:`\eta_{\mathrm{end}} = \eta_{\mathrm{start}}/d_f` (``final_div_factor``
    :math:`d_f`) at the last step. Each phase goes from a rate :math:`a` at the step
    :math:`t_0` to :math:`b` at :math:`t_1` by a half cosine or a straight line
    (``anneal_strategy``): with :math:`p = (t - t_0)/(t_1 - t_0)`,

    .. math::
        \eta_t = b + \frac{a - b}{2}\big(1 + \cos \pi p\big)
        \quad\text{or}\quad \eta_t = a + (b - a)\, p .

    The phases end at the steps :math:`\mathrm{pct}\, T - 1` and :math:`T - 1`, torch's
    boundaries. With ``three_phase=True`` the rise is followed by a symmetric descent to
    :math:`\eta_{\mathrm{start}}` (ending at :math:`2\,\mathrm{pct}\,T - 2`), and only the
    third phase goes down to :math:`\eta_{\mathrm{end}}`, as in Smith's paper.

    The schedule is defined for the steps :math:`t = 0, \dots, T - 1`; a later ``t`` raises
    ValueError. (Torch computes one more rate, after the last step, by extending the last
    phase beyond its end -- with the linear strategy and the default factors that rate is
    negative -- and raises from the step after.)
    """

    _parameter_constraints = {"max_lr": LR, "total_steps": Integer(minimum=2),
                              "pct_start": Real(low=0.0, high=1.0, low_open=True,
                                                high_open=True),
                              "anneal_strategy": one_of("cos", "linear"),
                              "div_factor": POSITIVE, "final_div_factor": POSITIVE,
                              "three_phase": Flag()}

    def __init__(self, max_lr, total_steps, pct_start=0.3, anneal_strategy="cos",
                 div_factor=25.0, final_div_factor=1e4, three_phase=False):
        self._set_parameters(max_lr=max_lr, total_steps=total_steps, pct_start=pct_start,
                             anneal_strategy=anneal_strategy, div_factor=div_factor,
                             final_div_factor=final_div_factor, three_phase=three_phase)
        ends = [0.0] + [end for end, _, _ in self.phases()]
        if any(later <= earlier for earlier, later in zip(ends, ends[1:])):
            raise InvalidParameterError(
                f"pct_start must leave every phase at least one step: with "
                f"total_steps={self.total_steps} and three_phase={self.three_phase}, "
                f"pct_start={self.pct_start!r} gives the phase ends {ends[1:]}")

    @property
    def initial_lr(self):
        r"""The first rate, :math:`\eta_{\max}/d`."""
        return self.max_lr / self.div_factor

    @property
    def min_lr(self):
        r"""The last rate, :math:`\eta_{\max}/(d\, d_f)`."""
        return self.initial_lr / self.final_div_factor

    def phases(self):
        """``(end_step, start_lr, end_lr)`` of each phase, with torch's end steps."""
        rise_end = float(self.pct_start * self.total_steps) - 1
        last_end = self.total_steps - 1
        if not self.three_phase:
            return [(rise_end, self.initial_lr, self.max_lr),
                    (last_end, self.max_lr, self.min_lr)]
        fall_end = float(2 * self.pct_start * self.total_steps) - 2
        return [(rise_end, self.initial_lr, self.max_lr),
                (fall_end, self.max_lr, self.initial_lr),
                (last_end, self.initial_lr, self.min_lr)]

    def anneal(self, start, end, p):
        """From ``start`` (at p = 0) to ``end`` (at p = 1): half a cosine or a line."""
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * p) + 1)
        return (end - start) * p + start

    def rate(self, t):
        if t >= self.total_steps:
            raise InvalidParameterError(
                f"t must be < total_steps={self.total_steps}, got {t}")
        phases, phase_start = self.phases(), 0.0
        for k, (end, start_lr, end_lr) in enumerate(phases):
            if t <= end or k == len(phases) - 1:
                return self.anneal(start_lr, end_lr, (t - phase_start) / (end - phase_start))
            phase_start = end


class ReduceOnPlateau(Schedule):
    r"""Divide the rate when a monitored metric stops improving (torch ``ReduceLROnPlateau``).

    Call ``step(metric)`` once per epoch with, say, the validation loss; it returns the rate
    to use next. The best value so far counts as beaten only by a clear margin: in
    ``mode="min"`` a metric :math:`m` improves on the best :math:`m^\star` when

    .. math::
        m < m^\star (1 - \theta) \;\; (\text{threshold\_mode}=\text{"rel"})
        \qquad\text{or}\qquad m < m^\star - \theta \;\; (\text{"abs"}),

    with :math:`\theta` = ``threshold`` (in ``mode="max"``: :math:`m > m^\star (1 + \theta)`
    or :math:`m > m^\star + \theta`). After more than ``patience`` epochs in a row without
    improvement, the rate becomes :math:`\max(\text{factor}\cdot\eta, \eta_{\min})` -- unless
    that changes it by no more than ``eps`` -- and the count restarts; during the
    ``cooldown`` epochs after a reduction, epochs without improvement are not counted.

    As the other schedules it can be an optimizer's ``lr``: ``schedule(t)`` is the current
    rate, whatever ``t``, so that each ``step(metric)`` changes the rate of the updates that
    follow.
    """

    _parameter_constraints = {"lr": LR, "mode": one_of("min", "max"),
                              "factor": Real(low=0.0, high=1.0, low_open=True,
                                             high_open=True),
                              "patience": Integer(minimum=0), "threshold": NONNEGATIVE,
                              "threshold_mode": one_of("rel", "abs"),
                              "cooldown": Integer(minimum=0), "min_lr": NONNEGATIVE,
                              "eps": NONNEGATIVE}

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        self._set_parameters(lr=lr, mode=mode, factor=factor, patience=patience,
                             threshold=threshold, threshold_mode=threshold_mode,
                             cooldown=cooldown, min_lr=min_lr, eps=eps)
        check_number(min_lr, "min_lr", high=self.lr)
        self.current_lr = self.lr
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def improves(self, metric):
        """Whether ``metric`` beats the best value so far by the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return metric < self.best * (1.0 - self.threshold)
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (self.threshold + 1.0)
        return metric > self.best + self.threshold

    def step(self, metric) -> float:
        """Take the metric of the epoch just finished; return the next rate."""
        metric = check_number(metric, "metric")
        if self.improves(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0                # epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            reduced = max(self.current_lr * self.factor, self.min_lr)
            if self.current_lr - reduced > self.eps:
                self.current_lr = reduced
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.current_lr

    def rate(self, t):
        return self.current_lr

    def __repr__(self):
        args = ", ".join(f"{name}={getattr(self, name)!r}"
                         for name in self._parameter_constraints)
        return f"{type(self).__name__}({args})"


def values(schedule, n) -> np.ndarray:
    """The first ``n`` rates :math:`\\eta_0, \\dots, \\eta_{n-1}` of ``schedule`` as an array."""
    if not callable(schedule):
        raise InvalidParameterError(f"schedule must be callable, got {schedule!r}")
    n = check_positive_int(n, "n", minimum=0)
    return np.array([schedule(t) for t in range(n)], dtype=float)
