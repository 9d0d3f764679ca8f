r"""Step sizes chosen while descending: Armijo backtracking, the Polyak step, Barzilai-Borwein.

Gradient descent :math:`w_{t+1} = w_t - \eta_t g_t`, :math:`g_t = \nabla f(w_t)`, with
:math:`\eta_t` computed at each step instead of fixed in advance:

==========================  ==============================================================
:func:`armijo_descent`      the first of :math:`\eta, \beta\eta, \beta^2\eta, \dots` with
                            :math:`f(w_t - \eta_t g_t) \le f(w_t) - c\,\eta_t\lVert g_t\rVert^2`
                            (:func:`armijo_backtracking`); the next search starts from
                            ``grow`` times the step accepted
:func:`polyak_descent`      :math:`\eta_t = (f(w_t) - f^\star)/\lVert g_t\rVert^2`, when
                            :math:`f^\star` is known
:func:`barzilai_borwein_descent`
                            :math:`\eta_t = s^\top s / s^\top y` (or :math:`s^\top y / y^\top y`)
                            with :math:`s = w_t - w_{t-1}`, :math:`y = g_t - g_{t-1}`
==========================  ==============================================================

Each returns a :class:`SearchHistory`: the :class:`~gdcourse.descent.History` of
:func:`~gdcourse.descent.gradient_descent` (``lrs`` holds the step sizes chosen) and how
many values and gradients of :math:`f` the method itself evaluated.  The losses recorded
for the history and the stopping criteria are not counted: a constant step or
Barzilai-Borwein never needs them.  :func:`constant_step_sweep` finds the best constant step
of a grid, the baseline these methods are compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (InvalidParameterError, as_float_array, check_lr, check_number,
                          check_positive_int)
from .descent import History, StoppingRule, _stop

__all__ = ["SearchHistory", "armijo_backtracking", "armijo_descent", "polyak_descent",
           "barzilai_borwein_step", "barzilai_borwein_descent", "constant_step_sweep"]


@dataclass
class SearchHistory(History):
    """A :class:`~gdcourse.descent.History` with the evaluations the method needed:
    ``loss_evals`` values of :math:`f` (the trial points of a line search, the values of the
    Polyak step) and ``grad_evals`` gradients."""

    loss_evals: int = 0
    grad_evals: int = 0


# ------------------------------------------------------------------------------ Armijo

def armijo_backtracking(objective, w, loss, g, lr, *, c=1e-4, shrink=0.5,
                        max_trials=60):
    r"""The first step size of :math:`\eta, \beta\eta, \beta^2\eta, \dots` that lowers
    :math:`f` enough along :math:`-g` (the Armijo condition):

    .. math:: f(w - \eta_t g) \le f(w) - c\,\eta_t \lVert g\rVert^2 .

    ``loss`` is :math:`f(w)`, ``g`` is :math:`\nabla f(w)`, ``lr`` the first trial
    :math:`\eta` and ``shrink`` the factor :math:`\beta`.  Returns ``(eta, w_new,
    loss_new, trials)``: the step accepted, the point it reaches, :math:`f` there, and
    how many values of :math:`f` the search computed.  A trial whose value is NaN or
    infinite is refused like any other.  Raises ``ArithmeticError`` when ``max_trials``
    steps all fail (``g`` is then not a descent direction of :math:`f`).
    """
    c, shrink = _armijo_constants(c, shrink)
    max_trials = check_positive_int(max_trials, "max_trials")
    decrease = c * float(g @ g)        # c |g|^2: the decrease asked for per unit step
    eta = lr
    for trial in range(1, max_trials + 1):
        w_new = w - eta * g
        loss_new = objective.loss(w_new)
        if loss_new <= loss - eta * decrease:
            return eta, w_new, loss_new, trial
        eta *= shrink
    raise ArithmeticError(f"no step in {max_trials} trials from lr={lr:g} lowered the "
                          f"loss enough: is g the gradient of the loss?")


def armijo_descent(objective, w0, lr0=1.0, *, c=1e-4, shrink=0.5, grow=2.0, max_iter=1000,
                   grad_tol=1e-6, loss_tol=None, record_params=True) -> SearchHistory:
    r"""Gradient descent with Armijo backtracking at every step.

    Step :math:`t` tries :math:`\eta = \gamma\,\eta_{t-1}` first (``grow`` :math:`= \gamma`;
    ``lr0`` at the first step) and shrinks it by ``shrink`` until the Armijo condition of
    :func:`armijo_backtracking` holds.  With :math:`\gamma > 1` the step can grow again
    where the function allows it; with :math:`\gamma = 1` it can only shrink.

    On an :math:`L`-smooth function the condition holds for every
    :math:`\eta \le 2(1 - c)/L`, so every accepted step is at least
    :math:`\min(\eta_{\text{first trial}},\ 2\beta(1 - c)/L)`, without knowing :math:`L`.
    """
    c, shrink = _armijo_constants(c, shrink)
    grow = check_number(grow, "grow", low=1.0)
    lr = check_lr(lr0, "lr0", schedule=False)
    trace = _Trace(objective, w0, max_iter, grad_tol, loss_tol, record_params)
    w, loss, g = trace.w, trace.loss, trace.g
    trace.loss_evals = 1                           # the first search needs f(w_0)
    while not trace.stops(w, loss, g):
        eta, w, loss, trials = armijo_backtracking(objective, w, loss, g, lr, c=c,
                                                   shrink=shrink)
        g = trace.step_to(w, eta, loss_evals=trials)
        lr = grow * eta
    return trace.history(w)


def _armijo_constants(c, shrink):
    """``c`` and ``shrink``, each a number strictly between 0 and 1."""
    return (check_number(c, "c", low=0.0, high=1.0, low_open=True, high_open=True),
            check_number(shrink, "shrink", low=0.0, high=1.0, low_open=True,
                         high_open=True))


# ------------------------------------------------------------------------------ Polyak

def polyak_descent(objective, w0, f_star, *, max_iter=1000, grad_tol=1e-6, loss_tol=None,
                   record_params=True) -> SearchHistory:
    r"""Gradient descent with the Polyak step, for a function whose minimum ``f_star`` is known:

    .. math:: \eta_t = \frac{f(w_t) - f^\star}{\lVert\nabla f(w_t)\rVert^2} .

    On a convex function it shrinks the distance to every minimiser:
    :math:`\lVert w_{t+1} - w^\star\rVert^2 \le \lVert w_t - w^\star\rVert^2
    - (f(w_t) - f^\star)^2 / \lVert\nabla f(w_t)\rVert^2`.  The run stops when
    :math:`f(w_t) \le f^\star` (there is nothing left to gain) and raises when
    :math:`f(w_t) < f^\star` by more than round-off: ``f_star`` is then too high.
    """
    f_star = check_number(f_star, "f_star")
    trace = _Trace(objective, w0, max_iter, grad_tol, loss_tol, record_params)
    w, loss, g = trace.w, trace.loss, trace.g
    trace.loss_evals = 1                           # the step needs f(w_0)
    while not trace.stops(w, loss, g, f_star=f_star):
        eta = (loss - f_star) / float(g @ g)       # the Polyak step
        w = w - eta * g
        loss = objective.loss(w)
        g = trace.step_to(w, eta, loss_evals=1)
    return trace.history(w)


# ------------------------------------------------------------------------------ Barzilai-Borwein

def barzilai_borwein_step(s, y, variant="long"):
    r"""The Barzilai-Borwein step from :math:`s = w_t - w_{t-1}` and
    :math:`y = \nabla f(w_t) - \nabla f(w_{t-1})`:

    .. math:: \eta^{\text{long}} = \frac{s^\top s}{s^\top y}, \qquad
              \eta^{\text{short}} = \frac{s^\top y}{y^\top y} .

    Both fit the secant equation :math:`y \approx \eta^{-1} s` of a Hessian
    :math:`\eta^{-1} I` in the least-squares sense (the first in :math:`\eta^{-1}`, the second
    in :math:`\eta`).  On a quadratic, :math:`y = A s`, and the long step is the exact line
    search step along :math:`s`, one step late.  Returns ``None`` when :math:`s^\top y \le 0`
    (no positive curvature along :math:`s`).
    """
    curvature = float(s @ y)
    if curvature <= 0:
        return None
    if variant == "long":
        return float(s @ s) / curvature
    if variant == "short":
        return curvature / float(y @ y)
    raise InvalidParameterError(f"variant must be 'long' or 'short', got {variant!r}")


def barzilai_borwein_descent(objective, w0, lr0, *, variant="long", max_iter=1000,
                             grad_tol=1e-6, loss_tol=None,
                             record_params=True) -> SearchHistory:
    r"""Gradient descent with the Barzilai-Borwein step :func:`barzilai_borwein_step`.

    The first step uses ``lr0``; each later one the step computed from the last move and
    the change of the gradient it caused (``lr0`` again where :math:`s^\top y \le 0`).
    The method never evaluates :math:`f` and does not lower it at every step: it is
    not a descent method, and on an ill-conditioned problem its loss goes up and down.
    """
    lr0 = check_lr(lr0, "lr0", schedule=False)
    barzilai_borwein_step(np.zeros(1), np.ones(1), variant)        # checks the variant
    trace = _Trace(objective, w0, max_iter, grad_tol, loss_tol, record_params)
    w, loss, g = trace.w, trace.loss, trace.g
    eta = lr0
    while not trace.stops(w, loss, g):
        w_new = w - eta * g
        g_new = trace.step_to(w_new, eta, loss_evals=0)
        s, y = w_new - w, g_new - g
        w, g, loss = w_new, g_new, objective.loss(w_new)     # the loss: for the record
        eta = barzilai_borwein_step(s, y, variant)
        if eta is None:                                         # no positive curvature
            eta = lr0
    return trace.history(w)


# ------------------------------------------------------------------------------ the baseline

@dataclass
class Sweep:
    """Gradient descent with each constant step of a grid, until the first run reached the
    target: ``best_lr`` did, in ``best_iterations`` steps; ``losses[k]`` is where the run with
    ``lrs[k]`` was then (infinite or NaN once it blew up)."""

    lrs: np.ndarray
    losses: np.ndarray
    best_lr: float
    best_iterations: int


def constant_step_sweep(objective, w0, lrs, *, loss_tol, max_iter=100_000) -> Sweep:
    r"""The best constant step of the grid ``lrs``: the one with which gradient descent from
    ``w0`` reaches :math:`f(w_t) \le` ``loss_tol`` in the fewest steps.

    All the runs advance together, one step each per round, and the sweep ends in the round
    where the first of them reaches the target: it costs ``len(lrs)`` times the best run.
    Of several runs that reach it in the same round, the one with the lowest loss wins.
    """
    lrs = as_float_array(lrs, "lrs", ndim=1)
    if np.any(lrs <= 0):
        raise InvalidParameterError("lrs must all be > 0")
    loss_tol = check_number(loss_tol, "loss_tol")
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    w = [as_float_array(w0, "w0", copy=True) for _ in lrs]
    losses = np.full(len(lrs), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(max_iter + 1):
            for k, lr in enumerate(lrs):
                if t == 0 or np.isfinite(losses[k]):
                    losses[k] = objective.loss(w[k])
            if np.nanmin(losses, initial=np.inf) <= loss_tol:
                best = int(np.nanargmin(losses))
                return Sweep(lrs=lrs, losses=losses, best_lr=float(lrs[best]),
                             best_iterations=t)
            for k, lr in enumerate(lrs):
                if np.isfinite(losses[k]):
                    w[k] = w[k] - lr * objective.grad(w[k])
    raise ValueError(f"no step of lrs reached loss_tol={loss_tol:g} within "
                     f"max_iter={max_iter}")


# ------------------------------------------------------------------------------ the records

class _Trace:
    """The records of a run and its stopping rule: :meth:`stops` at every iterate,
    :meth:`step_to` after every step, :meth:`history` at the end."""

    def __init__(self, objective, w0, max_iter, grad_tol, loss_tol, record_params):
        self.objective = objective
        self.max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
        self.rule = StoppingRule(grad_tol=grad_tol, loss_tol=loss_tol)
        self.record_params = bool(record_params)
        self.losses, self.grad_norms, self.lrs, self.params = [], [], [], []
        self.loss_evals, self.grad_evals = 0, 1
        self.w = as_float_array(w0, "w0", copy=True)
        self.loss, self.g = objective.loss(self.w), np.asarray(objective.grad(self.w), float)
        self.reason = self.message = None

    def step_to(self, w, eta, *, loss_evals):
        """Record a step of size ``eta`` to ``w`` and return the gradient there."""
        self.lrs.append(eta)
        self.loss_evals += loss_evals
        self.grad_evals += 1
        return np.asarray(self.objective.grad(w), dtype=float)

    def stops(self, w, loss, g, f_star=None):
        """Record the iterate ``w`` and say whether the run ends there."""
        t = len(self.losses)
        grad_norm = float(np.linalg.norm(g))
        self.losses.append(loss)
        self.grad_norms.append(grad_norm)
        if self.record_params:
            self.params.append(w.copy())
        eta = self.lrs[-1] if self.lrs else 0.0
        self.reason, self.message = _stop(self.rule, t, self.max_iter, loss, grad_norm, None,
                                          eta)
        if self.reason is None and f_star is not None and loss <= f_star:
            if f_star - loss > 1e-12 * max(1.0, abs(f_star)):
                raise ValueError(f"f_star={f_star!r} is above f(w_{t})={loss!r}: it cannot "
                                 f"be the minimum")
            self.reason, self.message = "f_star", f"reached f_star at step {t}"
        if self.reason is None and grad_norm == 0.0:
            self.reason, self.message = "grad_tol", f"the gradient is exactly 0 at step {t}"
        return self.reason is not None

    def history(self, w):
        return SearchHistory(losses=np.array(self.losses), grad_norms=np.array(self.grad_norms),
                             params=np.array(self.params) if self.record_params else None,
                             lrs=np.array(self.lrs), w=w, stop_reason=self.reason,
                             message=self.message, loss_evals=self.loss_evals,
                             grad_evals=self.grad_evals)
