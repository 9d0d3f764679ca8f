r"""Newton's method, the second-order contrast to the first-order optimizers of :mod:`gdcourse.optim`.

Newton's method replaces the gradient step by a step to the minimiser of the local quadratic
model :math:`f(w_t) + \nabla f(w_t)^\top d + \tfrac12 d^\top H(w_t)\, d`:

.. math::
    w_{t+1} = w_t - H(w_t)^{-1} \nabla f(w_t).

On a quadratic with positive definite Hessian one step lands on the minimiser; near a
minimiser of a smooth function with positive definite Hessian the error is squared at every
step (quadratic convergence).  Each step solves an :math:`n \times n` linear system,
:math:`O(n^3)` work, which is why large models use first-order methods instead.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_number, check_positive_int
from .descent import History, StoppingRule

__all__ = ["newton_method"]


def newton_method(objective, w0, *, max_iter=50, grad_tol=1e-10) -> History:
    r"""Minimise ``objective`` with pure Newton steps.

    .. math:: w_{t+1} = w_t - H(w_t)^{-1}\nabla f(w_t)

    Parameters
    ----------
    objective : object with ``loss(w)``, ``grad(w)`` and ``hessian(w)``
        For example :class:`~gdcourse.objectives.Quadratic` or
        :class:`~gdcourse.objectives.Rosenbrock`.
    w0 : array_like
        The starting point (a 1-D vector; it is not modified).
    max_iter : int, default=50
        The budget of Newton steps (>= 0).
    grad_tol : float, default=1e-10
        Stop when :math:`\lVert\nabla f(w_t)\rVert \le` ``grad_tol`` (>= 0).

    Returns
    -------
    History
        One entry per iterate; ``lrs`` holds 1.0 for every (full) Newton step.  The run
        ends with ``stop_reason="diverged"`` and a message if the Hessian is singular or
        the loss stops being finite.  No line search is done: far from a minimiser, or
        where the Hessian is not positive definite, a pure Newton step can go uphill.
    """
    if not callable(getattr(objective, "hessian", None)):
        raise ValueError("objective must have a hessian(w) method for Newton's method")
    w = as_float_array(w0, "w0", ndim=1, copy=True)
    max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
    rule = StoppingRule(grad_tol=check_number(grad_tol, "grad_tol", low=0.0))

    losses, norms, params = [], [], []
    reason = message = None
    for t in range(max_iter + 1):
        loss, g = objective.loss(w), np.asarray(objective.grad(w), dtype=float)
        losses.append(loss)
        norms.append(float(np.linalg.norm(g)))
        params.append(w.copy())
        if not (np.isfinite(loss) and np.isfinite(norms[-1])):
            reason = "diverged"
            message = f"the loss or gradient became non-finite at step {t}"
            break
        reason = rule.reason(t, loss, norms[-1])
        if reason is None and t == max_iter:
            reason = "max_iter"
        if reason is not None:
            message = rule.message(reason, max_iter=max_iter)
            break
        try:
            step = np.linalg.solve(np.asarray(objective.hessian(w), dtype=float), g)
        except np.linalg.LinAlgError:
            reason = "diverged"
            message = f"the Hessian is singular at step {t}: no Newton step exists"
            break
        w = w - step
    return History(losses=np.array(losses), grad_norms=np.array(norms),
                   params=np.array(params), lrs=np.ones(len(losses) - 1), w=w,
                   stop_reason=reason, message=message)
