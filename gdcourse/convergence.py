r"""Convergence theory made measurable: condition numbers, linear rates and early stopping.

For an :math:`L`-smooth, :math:`\mu`-strongly convex function (for a quadratic: the largest
and smallest eigenvalues of its Hessian), gradient descent with the step
:math:`\eta = 2/(L+\mu)` contracts the distance to the minimiser by at least

.. math:: q = \frac{\kappa - 1}{\kappa + 1}, \qquad \kappa = \frac{L}{\mu},

every step, :math:`\lVert w_t - w^\star\rVert \le q^t \lVert w_0 - w^\star\rVert`.
:func:`condition_number`, :func:`linear_rate` and :func:`iterations_to_reach` compute these
quantities; :func:`early_stopping_descent` runs gradient descent on a training objective while
watching a validation objective, and keeps the parameters of the best validation epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_lr, check_number, check_positive_int, check_spd

__all__ = ["condition_number", "linear_rate", "iterations_to_reach", "contraction_ratios",
           "EarlyStoppingHistory", "early_stopping_descent"]


def condition_number(A) -> float:
    r"""Condition number :math:`\kappa = \lambda_{\max}(A) / \lambda_{\min}(A)`.

    ``A`` is a symmetric positive definite matrix (for example a Hessian);
    :math:`\kappa` comes from its eigenvalues.

    Raises ValueError when ``A`` is not square and symmetric, or not positive definite
    (then :math:`\kappa` is infinite: the function is not strongly convex).
    """
    _, eigenvalues = check_spd(A, "A")
    return float(eigenvalues[-1] / eigenvalues[0])


def linear_rate(kappa) -> float:
    r"""The contraction factor :math:`q = (\kappa - 1)/(\kappa + 1)` of gradient descent with the
    step :math:`2/(L+\mu)` on a function with condition number ``kappa`` (:math:`\ge 1`)."""
    kappa = check_number(kappa, "kappa", low=1.0)
    return (kappa - 1) / (kappa + 1)


def iterations_to_reach(kappa, eps) -> int:
    r"""The number of steps after which :math:`q^t \le \varepsilon`.

    That is the guaranteed reduction of the distance to the minimiser by the factor
    ``eps``:

    .. math:: T = \left\lceil \frac{\ln \varepsilon}{\ln q} \right\rceil,
              \qquad q = \frac{\kappa - 1}{\kappa + 1}
              \quad\Big(\approx \frac{\kappa}{2}\ln\frac{1}{\varepsilon}
              \text{ for large } \kappa\Big).

    ``kappa = 1`` gives 1: a single step of length :math:`1/L` lands on the minimiser.
    """
    kappa = check_number(kappa, "kappa", low=1.0)
    eps = check_number(eps, "eps", low=0.0, high=1.0, low_open=True, high_open=True)
    q = linear_rate(kappa)
    if q == 0.0:
        return 1
    return math.ceil(math.log(eps) / math.log(q))


def contraction_ratios(params, w_star) -> np.ndarray:
    r"""Measured per-step ratios :math:`\lVert w_{t+1} - w^\star\rVert / \lVert w_t - w^\star\rVert`
    of a sequence of iterates ``params`` (shape ``(T + 1, n)``), one per step."""
    params = as_float_array(params, "params", ndim=2)
    w_star = as_float_array(w_star, "w_star", ndim=1)
    if params.shape[1] != w_star.shape[0]:
        raise ValueError(f"w_star must have length {params.shape[1]} to match params, got {w_star.shape[0]}")
    errors = np.linalg.norm(params - w_star, axis=1)
    if np.any(errors[:-1] == 0):
        raise ValueError("params reaches w_star exactly; the ratio after that point is undefined")
    return errors[1:] / errors[:-1]


@dataclass
class EarlyStoppingHistory:
    """A run of :func:`early_stopping_descent`: one loss pair per epoch, and the best epoch.

    ``train_losses[t]`` and ``val_losses[t]`` belong to the iterate after ``t`` updates;
    ``best_w`` are the parameters of epoch ``best_epoch`` (the lowest validation loss seen
    before the run stopped) and ``w`` the last iterate.
    """

    train_losses: np.ndarray
    val_losses: np.ndarray
    best_epoch: int
    best_w: np.ndarray
    w: np.ndarray
    stop_reason: str
    message: str

    @property
    def n_epochs(self) -> int:
        return len(self.val_losses) - 1

    def __repr__(self):
        return (f"EarlyStoppingHistory(n_epochs={self.n_epochs}, best_epoch={self.best_epoch}, "
                f"stop_reason={self.stop_reason!r})")

    def __str__(self):
        return f"{self.n_epochs} epochs, best epoch {self.best_epoch}: {self.message}"


def early_stopping_descent(train, val, w0, lr, *, max_epochs=1000, patience=10,
                           min_delta=0.0) -> EarlyStoppingHistory:
    r"""Gradient descent on ``train``, stopped when the loss on ``val`` stops improving.

    Every epoch is one full-batch step
    :math:`w_{t+1} = w_t - \eta \nabla J_{\text{train}}(w_t)`.  Epoch :math:`t` improves
    when :math:`J_{\text{val}}(w_t) < J_{\text{val}}(w_b) - \delta`, where :math:`b` is
    the best epoch so far and :math:`\delta` = ``min_delta``; the run stops at the first
    epoch with :math:`t - b \ge` ``patience`` and returns the parameters of epoch
    :math:`b`, not the last ones.

    ``train`` and ``val`` are objectives with ``loss(w)`` (and ``train`` with
    ``grad(w)``), for example two :class:`~gdcourse.objectives.LinearRegression` on
    disjoint rows.
    """
    w = as_float_array(w0, "w0", copy=True)
    lr = check_lr(lr, schedule=False)
    max_epochs = check_positive_int(max_epochs, "max_epochs", minimum=0)
    patience = check_positive_int(patience, "patience")
    min_delta = check_number(min_delta, "min_delta", low=0.0)

    train_losses, val_losses = [], []
    best_epoch, best_w, best_val = 0, w.copy(), np.inf
    for t in range(max_epochs + 1):
        train_losses.append(float(train.loss(w)))
        val_losses.append(float(val.loss(w)))
        if val_losses[-1] < best_val - min_delta:
            best_epoch, best_w, best_val = t, w.copy(), val_losses[-1]
        if t - best_epoch >= patience:
            reason = "patience"
            message = (f"validation loss did not improve by more than "
                       f"min_delta={min_delta:g} for {patience} epochs (stopped at "
                       f"epoch {t}); best epoch {best_epoch}, "
                       f"validation loss {best_val:.6g}")
            break
        if t == max_epochs:
            reason = "max_epochs"
            message = (f"reached max_epochs={max_epochs}; best epoch {best_epoch}, "
                       f"validation loss {best_val:.6g}")
            break
        w = w - lr * np.asarray(train.grad(w), dtype=float)
    return EarlyStoppingHistory(train_losses=np.array(train_losses),
                                val_losses=np.array(val_losses), best_epoch=best_epoch,
                                best_w=best_w, w=w, stop_reason=reason, message=message)
