r"""Proximal gradient methods for L1 and elastic-net penalties: exact zeros.

The objective is a smooth data term plus scikit-learn's elastic-net penalty on the weights
(never on the bias), with :math:`\alpha \ge 0` and :math:`\rho` = ``l1_ratio`` in
:math:`[0, 1]`:

.. math::
    F(w) = f(w) + \alpha\Big(\rho\,\lVert w\rVert_1 + \frac{1 - \rho}{2}\lVert w\rVert^2\Big),

the lasso for :math:`\rho = 1` and ridge regression for :math:`\rho = 0`.  The L1 term has
no gradient where a weight is zero, so instead of a gradient step on it, a proximal
gradient step takes a gradient step on :math:`f` and then solves the penalty's part
exactly (:func:`elastic_net_prox`):

.. math::
    w_{t+1} = \operatorname{prox}_{\eta h}\big(w_t - \eta\nabla f(w_t)\big), \qquad
    \operatorname{prox}_{\eta h}(v) = \operatorname*{argmin}_u\ h(u)
                                     + \frac{1}{2\eta}\lVert u - v\rVert^2 .

For the L1 norm the proximal map is the soft-thresholding :func:`soft_threshold`, which
sets small weights to exactly zero.  :func:`ista` iterates the step (rate :math:`1/t`,
linear under strong convexity), :func:`fista` adds Nesterov's momentum (rate
:math:`1/t^2`).

:class:`ProximalSGD` is the same step as an optimizer for
:func:`gdcourse.variants.minibatch_descent`, and :class:`L1Penalized` adds the L1 term to a
data objective; :class:`gdcourse.estimators.GDRegressor` uses both for its ``penalty``.
"""

from __future__ import annotations

import numpy as np

from ._validation import (Flag, InvalidParameterError, LearningRate, Real, as_float_array,
                          check_lr, check_number, check_positive_int)
from .descent import History, StoppingRule, _stop
from .optim import Optimizer

__all__ = ["soft_threshold", "elastic_net_prox", "elastic_net_penalty", "ista", "fista",
           "ProximalSGD", "L1Penalized"]


def soft_threshold(v, threshold):
    r"""The proximal map of :math:`\tau\lVert\cdot\rVert_1`, coordinate by coordinate:

    .. math:: S_\tau(v) = \operatorname{sign}(v)\,\max(|v| - \tau,\ 0),

    which moves every entry towards zero by :math:`\tau` and stops at zero.

    >>> soft_threshold(np.array([3.0, -0.5, 1.0, -2.0]), 1.0)
    array([ 2.,  0.,  0., -1.])
    """
    v = np.asarray(v, dtype=float)
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0) + 0.0    # + 0.0: no -0.0


def elastic_net_prox(v, lr, alpha, l1_ratio, penalized=None):
    r"""The proximal map of :math:`\eta h` for the elastic-net penalty
    :math:`h(w) = \alpha(\rho\lVert w\rVert_1 + \frac{1-\rho}{2}\lVert w\rVert^2)`:

    .. math:: \operatorname{prox}_{\eta h}(v) = \frac{S_{\eta\alpha\rho}(v)}
                                                 {1 + \eta\alpha(1 - \rho)} .

    ``penalized`` (a boolean mask, default all) selects the entries the penalty acts on;
    the others (the bias) are returned unchanged.
    """
    v = np.asarray(v, dtype=float)
    shrunk = soft_threshold(v, lr * alpha * l1_ratio) / (1 + lr * alpha * (1 - l1_ratio))
    return shrunk if penalized is None else np.where(penalized, shrunk, v)


def elastic_net_penalty(w, alpha, l1_ratio, penalized=None):
    r"""The penalty :math:`\alpha\,(\rho\lVert w\rVert_1 + \frac{1-\rho}{2}\lVert w\rVert^2)`
    on the entries selected by ``penalized`` (default all)."""
    w = np.asarray(w, dtype=float)
    if penalized is not None:
        w = w[penalized]
    return alpha * (l1_ratio * float(np.sum(np.abs(w))) + (1 - l1_ratio) / 2 * float(w @ w))


def _penalized(objective):
    """The entries of the parameters the penalty acts on: all but the bias (the first)."""
    mask = np.ones(objective.n_params, dtype=bool)
    if getattr(objective, "fit_intercept", False):
        mask[0] = False
    return mask


def ista(objective, w0, lr, *, alpha, l1_ratio=1.0, max_iter=1000, tol=1e-8,
         loss_tol=None, record_params=False) -> History:
    r"""Proximal gradient descent (ISTA) on :math:`F = f + h`, :math:`h` the elastic net:

    .. math:: w_{t+1} = \operatorname{prox}_{\eta h}\big(w_t - \eta\nabla f(w_t)\big).

    ``objective`` is the smooth part :math:`f` (a data objective without penalty, e.g.
    ``LinearRegression(X, y)``; its bias is not penalised), ``lr`` the step :math:`\eta`,
    at most :math:`1/L`.  The History records :math:`F(w_t)` as ``losses`` and, as
    ``grad_norms``, the norm of the gradient mapping
    :math:`G_t = (w_t - w_{t+1})/\eta`, which is zero exactly at a minimiser of :math:`F`;
    the run stops when it is at most ``tol`` (None: never), or when
    :math:`F(w_t) \le` ``loss_tol``.
    """
    lr, alpha, l1_ratio, w, penalized = _setup(objective, w0, lr, alpha, l1_ratio)
    rule = StoppingRule(grad_tol=tol, loss_tol=loss_tol)
    trace = _CompositeTrace(objective, lr, (alpha, l1_ratio, penalized), max_iter, rule,
                            record_params)
    while True:
        step = w - lr * objective.grad(w)
        w_next = elastic_net_prox(step, lr, alpha, l1_ratio, penalized)
        if trace.stops(w, (w - w_next) / lr):
            return trace.history(w)
        w = w_next


def fista(objective, w0, lr, *, alpha, l1_ratio=1.0, max_iter=1000, tol=1e-8,
          loss_tol=None, record_params=False) -> History:
    r"""FISTA (Beck and Teboulle, 2009): ISTA with Nesterov's momentum.

    From :math:`x_0 = y_0 = w_0` and :math:`s_0 = 1`:

    .. math::
        x_{k+1} = \operatorname{prox}_{\eta h}\big(y_k - \eta\nabla f(y_k)\big), \qquad
        s_{k+1} = \frac{1 + \sqrt{1 + 4 s_k^2}}{2}, \qquad
        y_{k+1} = x_{k+1} + \frac{s_k - 1}{s_{k+1}}\,(x_{k+1} - x_k).

    :math:`F(x_k) - F^\star \le 2\lVert x_0 - w^\star\rVert^2 / (\eta (k + 1)^2)` for
    :math:`\eta \le 1/L`.  The History records :math:`x_k`, :math:`F(x_k)` and the norm
    of the gradient mapping at :math:`y_k`, :math:`(y_k - x_{k+1})/\eta`, and the run
    stops, as for :func:`ista`.
    """
    lr, alpha, l1_ratio, x, penalized = _setup(objective, w0, lr, alpha, l1_ratio)
    rule = StoppingRule(grad_tol=tol, loss_tol=loss_tol)
    trace = _CompositeTrace(objective, lr, (alpha, l1_ratio, penalized), max_iter, rule,
                            record_params)
    y, s = x, 1.0
    while True:
        step = y - lr * objective.grad(y)
        x_next = elastic_net_prox(step, lr, alpha, l1_ratio, penalized)
        if trace.stops(x, (y - x_next) / lr):
            return trace.history(x)
        s_next = (1 + np.sqrt(1 + 4 * s * s)) / 2
        y = x_next + (s - 1) / s_next * (x_next - x)
        x, s = x_next, s_next


def _setup(objective, w0, lr, alpha, l1_ratio):
    lr = check_lr(lr, "lr", schedule=False)
    alpha = check_number(alpha, "alpha", low=0.0)
    l1_ratio = check_number(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    if getattr(objective, "alpha", 0.0):
        raise InvalidParameterError(
            "objective must be the smooth data term without its own penalty (alpha=0); give "
            "the penalty's strength to this function as alpha")
    w = as_float_array(w0, "w0", ndim=1, copy=True)
    return lr, alpha, l1_ratio, w, _penalized(objective)


class _CompositeTrace:
    """Records :math:`F(w_t)` and the gradient mapping's norm; stops by ``rule`` or budget."""

    def __init__(self, objective, lr, penalty, max_iter, rule, record_params):
        self.objective, self.lr, self.penalty, self.rule = objective, lr, penalty, rule
        self.max_iter = check_positive_int(max_iter, "max_iter", minimum=0)
        self.record_params = bool(record_params)
        self.losses, self.norms, self.params = [], [], []
        self.reason = self.message = None

    def stops(self, w, mapping):
        """Record the iterate ``w`` and its gradient mapping; say whether the run ends."""
        t = len(self.losses)
        loss = self.objective.loss(w) + elastic_net_penalty(w, *self.penalty)
        self.losses.append(loss)
        self.norms.append(float(np.linalg.norm(mapping)))
        if self.record_params:
            self.params.append(w.copy())
        self.reason, self.message = _stop(self.rule, t, self.max_iter, loss, self.norms[-1],
                                          None, self.lr)
        return self.reason is not None

    def history(self, w):
        n = len(self.losses)
        return History(losses=np.array(self.losses), grad_norms=np.array(self.norms),
                       params=np.array(self.params) if self.record_params else None,
                       lrs=np.full(n - 1, self.lr), w=w,
                       stop_reason=self.reason, message=self.message)


# ----------------------------------------------------------------------------- for the estimator

class ProximalSGD(Optimizer):
    r"""Stochastic proximal gradient steps for an L1 penalty, as an optimizer.

    With the learning rate :math:`\eta_t` and the (mini-batch) gradient :math:`g_t` of the
    smooth part:

    .. math:: w_t = S_{\eta_t \lambda_1}\big(w_{t-1} - \eta_t\,(g_t + \lambda w_{t-1})\big)

    on every entry but the first when ``intercept`` (the bias), where
    :math:`\lambda_1` = ``l1`` and :math:`S` is :func:`soft_threshold`.  ``weight_decay``
    :math:`\lambda` is :class:`~gdcourse.optim.SGD`'s coupled L2 penalty.  With full-batch
    gradients and a constant :math:`\eta \le 1/L` this is :func:`ista`.
    """

    _parameter_constraints = {"lr": LearningRate(), "l1": Real(low=0.0),
                              "weight_decay": Real(low=0.0), "intercept": Flag()}

    def __init__(self, lr=1e-3, l1=0.0, weight_decay=0.0, intercept=False):
        super().__init__(lr=lr, l1=l1, weight_decay=weight_decay, intercept=intercept)

    def update(self, params, grad, state, t, lr):
        """Step ``t``: ``(new params, state)``; the state is empty."""
        step = params - lr * self._with_weight_decay(params, grad)
        new = soft_threshold(step, lr * self.l1)
        if self.intercept and new.ndim == 1 and new.size:
            new[0] = step[0]
        return new, state


class L1Penalized:
    r"""A data objective plus an L1 penalty on its weights (never on the bias):
    :math:`F(\theta) = J(\theta) + \lambda_1 \lVert w\rVert_1`.

    ``loss``, ``loss_on`` and the other loss methods include the L1 term, so records and
    stopping criteria see :math:`F`.  The gradients are those of :math:`J` alone when
    ``subgradient`` is False (a proximal step, :class:`ProximalSGD`, takes care of the L1
    term); with ``subgradient=True`` they add the subgradient
    :math:`\lambda_1 \operatorname{sign}(w)` (0 at 0), for optimizers that only take
    gradients.  Everything else is the wrapped objective's.
    """

    def __init__(self, objective, l1, *, subgradient=False):
        self.objective = objective
        self.l1 = check_number(l1, "l1", low=0.0)
        self.subgradient = bool(subgradient)
        self.penalized = _penalized(objective)

    def __getattr__(self, name):
        # Only for attributes not found on the wrapper: Z, y, n_params, fit_intercept, ...
        if name == "objective":
            raise AttributeError(name)
        return getattr(self.objective, name)

    def l1_term(self, theta):
        r""":math:`\lambda_1 \lVert w\rVert_1`."""
        return self.l1 * float(np.sum(np.abs(np.asarray(theta)[self.penalized])))

    def _l1_grad(self, theta, g):
        if self.subgradient:
            g = g + self.l1 * np.sign(theta) * self.penalized
        return g

    def loss_sum_on(self, theta, Z, y):
        return self.objective.loss_sum_on(theta, Z, y)

    def loss_from_sum(self, theta, total, m):
        return self.objective.loss_from_sum(theta, total, m) + self.l1_term(theta)

    def loss_on(self, theta, Z, y):
        return self.objective.loss_on(theta, Z, y) + self.l1_term(theta)

    def grad_on(self, theta, Z, y):
        return self._l1_grad(theta, self.objective.grad_on(theta, Z, y))

    def loss_and_grad_on(self, theta, Z, y):
        loss, g = self.objective.loss_and_grad_on(theta, Z, y)
        return loss + self.l1_term(theta), self._l1_grad(theta, g)

    def loss(self, theta, rows=None):
        return self.objective.loss(theta, rows) + self.l1_term(theta)

    def grad(self, theta, rows=None):
        return self._l1_grad(theta, self.objective.grad(theta, rows))

    def loss_and_grad(self, theta, rows=None):
        loss, g = self.objective.loss_and_grad(theta, rows)
        return loss + self.l1_term(theta), self._l1_grad(theta, g)

    def __repr__(self):
        return (f"L1Penalized({self.objective!r}, l1={self.l1:g}, "
                f"subgradient={self.subgradient})")
