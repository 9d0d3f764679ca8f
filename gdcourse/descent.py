r"""Plain gradient descent, :math:`w_{t+1} = w_t - \eta_t \nabla f(w_t)`, with stopping criteria.

The run ends at the first of these (each can be switched off with ``None``):

=================  =====================================================================
``max_iter``       :math:`t` reached the iteration budget
``grad_tol``       :math:`\lVert\nabla f(w_t)\rVert \le` ``grad_tol`` (a stationary point)
``loss_tol``       :math:`f(w_t) \le` ``loss_tol`` (good enough)
``param_tol``      :math:`\lVert w_{t} - w_{t-1}\rVert \le` ``param_tol`` (steps became tiny)
``patience``       the best loss did not improve by more than ``min_delta`` for
                   ``patience`` consecutive iterations
(divergence)       the loss or the gradient is no longer a finite number
=================  =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import (as_float_array, check_lr, check_number, check_optional_tol,
                          check_positive_int, lr_at)

__all__ = ["History", "gradient_descent", "StoppingRule"]

STOP_MESSAGES = {
    "max_iter": "reached the iteration budget max_iter={max_iter}",
    "grad_tol": "gradient norm {grad_norm:.3e} <= grad_tol={grad_tol:g} at step {t}",
    "loss_tol": "loss {loss:.6g} <= loss_tol={loss_tol:g} at step {t}",
    "param_tol": "parameter change {step:.3e} <= param_tol={param_tol:g} at step {t}",
    "patience": "no improvement larger than min_delta={min_delta:g} for {patience} iterations "
                "(stopped at step {t})",
}


@dataclass
class History:
    """What a run did: one entry per iterate :math:`w_0, w_1, \\dots, w_T`, and why it stopped.

    ``losses[t]`` and ``grad_norms[t]`` belong to ``params[t]``; ``lrs[t]`` is the step size
    used to go from ``params[t]`` to ``params[t+1]``.  Runs over data (see
    :mod:`gdcourse.variants`) also fill the per-epoch fields.
    """

    losses: np.ndarray
    grad_norms: np.ndarray
    params: np.ndarray | None
    lrs: np.ndarray
    w: np.ndarray
    stop_reason: str
    message: str
    epoch_losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    epoch_steps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))

    @property
    def n_iter(self) -> int:
        """Number of updates performed."""
        return len(self.losses) - 1

    @property
    def converged(self) -> bool:
        """True when a tolerance fired (not the budget, not divergence)."""
        return self.stop_reason in {"grad_tol", "loss_tol", "param_tol", "patience"}

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "diverged"

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def __repr__(self):
        return (f"History(n_iter={self.n_iter}, final_loss={self.final_loss:.6g}, "
                f"stop_reason={self.stop_reason!r})")

    def __str__(self):
        return f"{self.n_iter} iterations, final loss {self.final_loss:.6g}: {self.message}"


class StoppingRule:
    """The tolerance-based stopping criteria, shared by every driver in the package.

    Call :meth:`reason` once per iterate; it returns the name of the criterion that fired
    (a key of ``STOP_MESSAGES``) or None.  :meth:`message` turns that name into words.
    """

    def __init__(self, *, grad_tol=1e-6, loss_tol=None, param_tol=None, patience=None, min_delta=0.0):
        self.grad_tol = check_optional_tol(grad_tol, "grad_tol")
        self.loss_tol = None if loss_tol is None else check_number(loss_tol, "loss_tol")
        self.param_tol = check_optional_tol(param_tol, "param_tol")
        self.patience = check_positive_int(patience, "patience", allow_none=True)
        self.min_delta = check_number(min_delta, "min_delta", low=0.0)
        self.best, self.since_best = np.inf, 0
        self.context = {}

    def reason(self, t, loss, grad_norm, step=None):
        """The criterion met by iterate ``t``, reached by a move of size ``step``."""
        self.context = dict(t=t, loss=loss, grad_norm=grad_norm, step=step)
        if self.grad_tol is not None and grad_norm <= self.grad_tol:
            return "grad_tol"
        if self.loss_tol is not None and loss <= self.loss_tol:
            return "loss_tol"
        if self.param_tol is not None and step is not None and step <= self.param_tol:
            return "param_tol"
        if self.patience is not None and self._stalled(loss):
            return "patience"
        return None

    def _stalled(self, loss):
        if loss < self.best - self.min_delta:
            self.best, self.since_best = loss, 0
        else:
            self.since_best += 1
        return self.since_best >= self.patience

    def message(self, reason, **extra):
        values = {**vars(self), **self.context, **extra}
        return STOP_MESSAGES[reason].format(**values)


def divergence_message(t, eta, what="loss"):
    """The words used by every driver when a run blows up.

    At step 0 no update has happened yet, so the learning rate cannot be the cause: the
    starting point, the data or the loss code produced the non-finite value.
    """
    if t == 0:
        return (f"the {what} is NaN or infinite at the starting point (step 0, before any "
                f"update with lr={eta:g}): check w0, the data and the loss code")
    return (f"the {what} became NaN or infinite at step {t} with lr={eta:g}: "
            f"the learning rate is probably too large for this problem -- try a smaller one")


def gradient_descent(objective, w0, lr=0.1, *, max_iter=1000, grad_tol=1e-6, loss_tol=None,
                     param_tol=None, patience=None, min_delta=0.0, record_params=True,
                     callback=None) -> History:
    r"""Minimise ``objective`` from ``w0`` with :math:`w_{t+1} = w_t - \eta_t \nabla f(w_t)`.

    Parameters
    ----------
    objective : object with ``loss(w)`` and ``grad(w)``
        The function to minimise and its gradient.
    w0 : array_like
        The starting point (any shape; it is not modified).
    lr : float or callable, default=0.1
        The step size :math:`\eta > 0`, or a schedule ``t -> eta_t``.
    max_iter : int, default=1000
        The iteration budget (number of updates).
    grad_tol, loss_tol, param_tol, patience, min_delta
        Stopping criteria, see the module docstring; ``None`` switches one off.
    record_params : bool, default=True
        Keep every iterate in ``History.params`` (memory ``max_iter * w.size``).
    callback : callable, optional
        ``callback(t, w, loss, grad)``, called for every iterate.

    Returns
    -------
    History
        Losses, gradient norms, iterates, step sizes and the reason the run stopped.  A
        non-finite loss or gradient ends the run with ``stop_reason="diverged"`` and a
        message naming the step and the learning rate.

    Examples
    --------
    >>> from gdcourse.objectives import Function
    >>> parabola = Function(lambda w: float((w[0] - 3) ** 2), lambda w: 2 * (w - 3))
    >>> run = gradient_descent(parabola, [0.0], lr=0.25, grad_tol=1e-9)
    >>> print(run)
    33 iterations, final loss 1.21973e-19: gradient norm 6.985e-10 <= grad_tol=1e-09 at step 33
    """
    w0 = as_float_array(w0, "w0", copy=True)
    lr = check_lr(lr)
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    rule = StoppingRule(grad_tol=grad_tol, loss_tol=loss_tol, param_tol=param_tol,
                        patience=patience, min_delta=min_delta)
    with np.errstate(over="ignore", invalid="ignore"):   # divergence is reported, not warned
        return _descend(objective, w0, lr=lr, max_iter=max_iter, rule=rule,
                        record_params=bool(record_params), callback=callback)


def _descend(objective, w, *, lr, max_iter, rule, record_params=True, callback=None):
    """The loop of :func:`gradient_descent`: step downhill until a rule says stop."""
    losses, grad_norms, lrs, params = [], [], [], []
    step = None                          # |w_t - w_{t-1}|: none before the first step
    for t in range(max_iter + 1):
        loss, g = objective.loss(w), np.asarray(objective.grad(w), dtype=float)
        losses.append(loss)
        grad_norms.append(float(np.linalg.norm(g)))
        if record_params:
            params.append(w.copy())
        if callback is not None:
            callback(t, w, loss, g)
        reason, message = _stop(rule, t, max_iter, loss, grad_norms[-1], step, lr)
        if reason is not None:
            break
        eta = lr_at(lr, t)               # the step size eta_t
        update = eta * g
        w = w - update                   # w_{t+1} = w_t - eta_t grad f(w_t)
        step = float(np.linalg.norm(update))
        lrs.append(eta)
    return History(losses=np.array(losses), grad_norms=np.array(grad_norms),
                   params=np.array(params) if record_params else None,
                   lrs=np.array(lrs), w=w, stop_reason=reason, message=message)


def _stop(rule, t, max_iter, loss, grad_norm, step, lr):
    """Why the run stops at iterate ``t``, as ``(reason, message)``; ``(None, None)`` if not.

    A NaN or infinity stops it first (naming the rate of the step that led there), then a
    criterion of ``rule``, then the budget.
    """
    if not (np.isfinite(loss) and np.isfinite(grad_norm)):
        what = "loss" if not np.isfinite(loss) else "gradient"
        return "diverged", divergence_message(t, lr_at(lr, max(t - 1, 0)), what)
    reason = rule.reason(t, loss, grad_norm, step)
    if reason is None and t == max_iter:
        reason = "max_iter"
    if reason is None:
        return None, None
    return reason, rule.message(reason, max_iter=max_iter)
