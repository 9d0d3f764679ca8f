r"""Scikit-learn estimators trained by the gradient-descent variants of the course.

:class:`GDRegressor` minimises the half mean squared error and :class:`GDClassifier` the
mean cross-entropy, both with an optional L2 penalty on the weights (never on the bias):

.. math::
    J_{\text{reg}}(b, w) = \frac1{2m}\sum_i (x_i^\top w + b - y_i)^2
                           + \frac\alpha2 \lVert w\rVert^2, \qquad
    J_{\text{clf}}(B, W) = \frac1m\sum_i \Big[\log\sum_k e^{s_{ik}} - s_{i,y_i}\Big]
                           + \frac\alpha2 \lVert W\rVert^2,

where :math:`s_i = W^\top x_i + B` are the class scores (softmax regression).  With two
classes the classifier uses the equivalent sigmoid model, one score per sample.  The
regressor's ``penalty`` can also be scikit-learn's L1 or elastic net,
:math:`\alpha(\rho\lVert w\rVert_1 + \frac{1-\rho}{2}\lVert w\rVert^2)` with
:math:`\rho` = ``l1_ratio``, minimised by proximal steps (:mod:`gdcourse.proximal`).

Training is :func:`gdcourse.variants.minibatch_descent`: ``batch_size=None`` is batch
gradient descent, ``1`` stochastic, ``k`` mini-batch; ``max_iter`` counts epochs, and the
run stops once the full-data loss has not improved by ``tol`` for ``n_iter_no_change``
epochs in a row, as scikit-learn's ``SGDRegressor`` and ``MLPRegressor`` do.  Any optimizer
of :mod:`gdcourse.optim` can be used, by name or as an instance.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import (Check, Flag, Integer, InvalidParameterError, LearningRate, OrNone,
                          Real, validate)
from .objectives import LinearRegression, LogisticRegression, _design
from .optim import SGD, Adadelta, Adagrad, Adam, AdamW, NAdam, RMSprop
from .proximal import L1Penalized, ProximalSGD
from .variants import minibatch_descent

__all__ = ["GDRegressor", "GDClassifier", "OPTIMIZERS"]

OPTIMIZERS = {
    "sgd": lambda lr: SGD(lr=lr),
    "momentum": lambda lr: SGD(lr=lr, momentum=0.9),
    "nesterov": lambda lr: SGD(lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda lr: Adagrad(lr=lr),
    "rmsprop": lambda lr: RMSprop(lr=lr),
    "adam": lambda lr: Adam(lr=lr),
    "adamw": lambda lr: AdamW(lr=lr),
    "nadam": lambda lr: NAdam(lr=lr),
    "adadelta": lambda lr: Adadelta(lr=lr),
}
"""The optimizer names accepted by the estimators, each a function ``lr -> optimizer``
(torch's defaults otherwise; ``"momentum"`` and ``"nesterov"`` use momentum 0.9)."""


SCALING_HINT = "Scaling the features (e.g. with StandardScaler) often helps."


class _SoftmaxRegression:
    r"""Softmax regression (multinomial cross-entropy) on a flat parameter vector.

    The parameters are the matrix :math:`\Theta` of shape ``(n_z, K)`` flattened row by row,
    its first row being the biases when ``fit_intercept``.  With scores :math:`S = Z\Theta`
    and :math:`P = \operatorname{softmax}(S)` row by row, :math:`Y` the one-hot labels:

    .. math::
        J(\Theta) = \frac1m\sum_i\Big[\log\sum_k e^{S_{ik}} - S_{i,y_i}\Big]
                    + \frac\alpha2\lVert W\rVert^2, \qquad
        \nabla J(\Theta) = \frac1m Z^\top (P - Y) + \alpha\,(0, W).

    Labels ``y`` are class indices ``0 .. K-1``.  Same interface as the data objectives of
    :mod:`gdcourse.objectives`.
    """

    def __init__(self, X, y, n_classes, *, fit_intercept=True, alpha=0.0):
        self.fit_intercept, self.alpha, self.n_classes = fit_intercept, alpha, n_classes
        self.Z, self.y = _design(X, fit_intercept), np.asarray(y, dtype=np.intp)
        self._mask = np.ones((self.Z.shape[1], n_classes))
        if fit_intercept:
            self._mask[0] = 0.0

    @property
    def n_params(self) -> int:
        return self.Z.shape[1] * self.n_classes

    def _matrix(self, theta):
        return np.asarray(theta, dtype=float).reshape(self.Z.shape[1], self.n_classes)

    def loss_on(self, theta, Z, y):
        Theta = self._matrix(theta)
        log_p = log_softmax(Z @ Theta, axis=1)
        penalty = 0.5 * self.alpha * float(np.sum((self._mask * Theta) ** 2))
        return -float(np.mean(log_p[np.arange(len(y)), y])) + penalty

    def grad_on(self, theta, Z, y):
        Theta = self._matrix(theta)
        residual = softmax(Z @ Theta, axis=1)                  # P - Y
        residual[np.arange(len(y)), y] -= 1.0
        G = Z.T @ residual / len(y) + self.alpha * self._mask * Theta
        return G.ravel()

    def loss(self, theta):
        return self.loss_on(theta, self.Z, self.y)

    def grad(self, theta):
        return self.grad_on(theta, self.Z, self.y)


def _check_optimizer(optimizer, name):
    """A name of :data:`OPTIMIZERS`, or an optimizer of :mod:`gdcourse.optim`."""
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise InvalidParameterError(f"{name} must be one of {sorted(OPTIMIZERS)} or an "
                                        f"optimizer instance, got {optimizer!r}")
    elif not (callable(getattr(optimizer, "step", None))
              and callable(getattr(optimizer, "reset", None))):
        raise InvalidParameterError(f"{name} must be a name or an optimizer of gdcourse.optim, "
                                    f"got {optimizer!r}")
    return optimizer


def _check_random_state(random_state, name):
    """None, an integer or a RandomState, as scikit-learn's ``random_state``."""
    try:
        return check_random_state(random_state)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{name} must be None, an integer or a RandomState, "
                                    f"got {random_state!r}") from exc


class _GDEstimator(BaseEstimator):
    """What the regressor and the classifier share: parameters, training loop, attributes."""

    _parameter_constraints = {
        "optimizer": Check(_check_optimizer),
        "lr": LearningRate(),
        "batch_size": Integer(allow_none=True),
        "max_iter": Integer(),
        "tol": OrNone(Real(low=0.0)),
        "n_iter_no_change": Integer(),
        "alpha": Real(low=0.0),
        "shuffle": Flag(),
        "random_state": Check(_check_random_state),
        "fit_intercept": Flag(),
        "warm_start": Flag(),
    }

    def __init__(self, optimizer="sgd", lr=0.01, batch_size=None, max_iter=1000, tol=1e-4,
                 n_iter_no_change=5, alpha=0.0, shuffle=True, random_state=None,
                 fit_intercept=True, warm_start=False):
        self.optimizer = optimizer
        self.lr = lr
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept
        self.warm_start = warm_start

    # -- the parts each estimator defines -------------------------------------------------

    def _objective(self, X, y):
        """The data objective of ``(X, y)`` (``y`` already encoded)."""
        raise NotImplementedError

    def _theta(self):
        """The fitted coefficients as the objective's parameter vector."""
        raise NotImplementedError

    def _set_theta(self, theta):
        """Store a parameter vector of the objective as ``coef_`` and ``intercept_``."""
        raise NotImplementedError

    # -- training ---------------------------------------------------------------------------

    def _validate_params(self):
        """Check every parameter against ``_parameter_constraints`` (at each fit)."""
        validate(self._parameter_constraints, self.get_params(deep=False))

    def _new_optimizer(self):
        """A fresh optimizer: built from its name, or a reset deep copy of the instance."""
        if isinstance(self.optimizer, str):
            return OPTIMIZERS[self.optimizer](self.lr)
        optimizer = copy.deepcopy(self.optimizer)
        optimizer.reset()
        return optimizer

    def _start(self, objective, warm):
        """Zeros, or the current coefficients when continuing."""
        if not warm:
            return np.zeros(objective.n_params)
        theta = self._theta()
        if theta.shape != (objective.n_params,):
            raise ValueError(f"warm_start: the fitted coefficients ({theta.size} values) do not "
                             f"match this data ({objective.n_params} are needed); refit with "
                             f"warm_start=False")
        return theta

    def _train(self, objective, theta, epochs, stop_early):
        """Run ``epochs`` epochs of the variants driver with the estimator's optimizer."""
        stopping = {}
        if stop_early and self.tol is not None:
            stopping = dict(patience=self.n_iter_no_change, min_delta=self.tol)
        history = minibatch_descent(objective, theta, self.optimizer_,
                                    batch_size=self.batch_size, epochs=epochs,
                                    shuffle=self.shuffle, random_state=self._rng,
                                    record="epoch", **stopping)
        if history.diverged:
            raise ValueError(f"{type(self).__name__} diverged: {history.message}. {SCALING_HINT}")
        self._set_theta(history.w)
        return history

    def _fit(self, X, y):
        self._validate_params()
        objective = self._objective(X, y)
        warm = self.warm_start and hasattr(self, "coef_")
        theta = self._start(objective, warm)
        self.optimizer_ = self._new_optimizer()
        self._rng = _generator(self.random_state)
        history = self._train(objective, theta, self.max_iter, stop_early=True)
        self.n_iter_ = len(history.epoch_losses) - 1
        self.loss_curve_ = history.epoch_losses[1:].tolist()
        first, last = history.epoch_losses[0], history.epoch_losses[-1]
        if last > first:
            warnings.warn(f"{type(self).__name__} did not converge: the training loss grew from "
                          f"{first:.6g} to {last:.6g} in {self.n_iter_} epochs with "
                          f"lr={self.optimizer_.current_lr:g}; the learning rate is probably too "
                          f"large for this problem. {SCALING_HINT}", ConvergenceWarning)
        elif history.stop_reason == "max_iter" and self.tol is not None:
            warnings.warn(f"{type(self).__name__}: maximum number of epochs (max_iter="
                          f"{self.max_iter}) reached before convergence; increase max_iter or "
                          f"the learning rate.", ConvergenceWarning)
        return self

    def _partial_fit(self, X, y, first):
        self._validate_params()
        objective = self._objective(X, y)
        theta = self._start(objective, warm=not first)
        if first:
            self.optimizer_ = self._new_optimizer()
            self._rng = _generator(self.random_state)
            self.n_iter_, self.loss_curve_ = 0, []
        history = self._train(objective, theta, 1, stop_early=False)
        self.n_iter_ += 1
        self.loss_curve_.append(float(history.epoch_losses[-1]))
        return self


_L1_SHARE = {"l2": 0.0, "l1": 1.0, "elasticnet": None}
"""The L1 share of each ``penalty`` of :class:`GDRegressor` (``"elasticnet"``: ``l1_ratio``)."""


def _check_penalty(penalty, name):
    """None or one of "l2", "l1", "elasticnet", as scikit-learn's ``penalty``."""
    if not (penalty is None or (isinstance(penalty, str) and penalty in _L1_SHARE)):
        raise InvalidParameterError(f"{name} must be 'l2', 'l1', 'elasticnet' or None, "
                                    f"got {penalty!r}")
    return penalty


def _generator(random_state):
    """A numpy Generator seeded from a scikit-learn ``random_state`` (None, int, RandomState)."""
    seed = _check_random_state(random_state, "random_state").randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


class GDRegressor(RegressorMixin, _GDEstimator):
    r"""Linear regression fitted by batch, stochastic or mini-batch gradient descent.

    Minimises :math:`\frac1{2m}\lVert Xw + b - y\rVert^2 + R(w)`, with scikit-learn's
    penalties :math:`R` (those of ``SGDRegressor`` and ``ElasticNet``):

    ==================  ==================================================================
    ``penalty``         :math:`R(w)`
    ==================  ==================================================================
    None                0
    ``"l2"``            :math:`\frac\alpha2\lVert w\rVert^2`
    ``"l1"``            :math:`\alpha\lVert w\rVert_1`
    ``"elasticnet"``    :math:`\alpha\big(\rho\lVert w\rVert_1
                        + \frac{1-\rho}{2}\lVert w\rVert^2\big)`, :math:`\rho` = ``l1_ratio``
    ==================  ==================================================================

    With an L1 part and plain SGD (``optimizer="sgd"``, or an :class:`~gdcourse.optim.SGD`
    without momentum) every update is a proximal step (:class:`~gdcourse.proximal.ProximalSGD`):
    a gradient step on the rest, then soft-thresholding, which sets weights to exactly zero.
    With ``batch_size=None`` this is proximal gradient descent (ISTA), which converges to the
    minimiser of the penalised loss for ``lr`` :math:`\le 1/L`, zeros included.  The other
    optimizers add the subgradient :math:`\alpha\rho\operatorname{sign}(w)` to the
    gradient: they approach the same minimum, but their weights hover around zero instead of
    reaching it.

    Parameters
    ----------
    optimizer : str or optimizer, default="sgd"
        A name of :data:`OPTIMIZERS` (``"sgd"``, ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``, ``"nadam"``, ``"adadelta"``)
        built with ``lr``, or an optimizer of :mod:`gdcourse.optim`, which is deep-copied
        (never modified) and used with its own learning rate.
    lr : float or callable, default=0.01
        Learning rate of a named optimizer, or a schedule ``t -> lr`` over the steps.
    batch_size : int or None, default=None
        Rows per update: None for batch gradient descent, 1 for SGD.
    max_iter : int, default=1000
        Maximum number of epochs of :meth:`fit`.
    tol : float or None, default=1e-4
        Stop when the full-data loss has not improved by more than ``tol`` for
        ``n_iter_no_change`` consecutive epochs; None runs all ``max_iter`` epochs.
    n_iter_no_change : int, default=5
    alpha : float, default=0.0
        Strength :math:`\alpha` of the penalty.
    shuffle : bool, default=True
        Reshuffle the rows every epoch.
    random_state : None, int or RandomState, default=None
        Seed of the shuffles.
    fit_intercept : bool, default=True
    warm_start : bool, default=False
        :meth:`fit` starts from the previous coefficients (with a fresh optimizer).
    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        The penalty :math:`R` of the table above; the bias is never penalised.
    l1_ratio : float, default=0.15
        The L1 share :math:`\rho \in [0, 1]` of ``"elasticnet"`` (unused by the others).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Epochs run (by :meth:`fit`, plus one per :meth:`partial_fit`).
    loss_curve_ : list of float
        The full-data training loss after each epoch.
    optimizer_ : the optimizer used, with its state (continued by :meth:`partial_fit`)
    n_features_in_ : int
    """

    _parameter_constraints = {
        **_GDEstimator._parameter_constraints,
        "penalty": Check(_check_penalty),
        "l1_ratio": Real(low=0.0, high=1.0),
    }

    def __init__(self, optimizer="sgd", lr=0.01, batch_size=None, max_iter=1000, tol=1e-4,
                 n_iter_no_change=5, alpha=0.0, shuffle=True, random_state=None,
                 fit_intercept=True, warm_start=False, penalty="l2", l1_ratio=0.15):
        super().__init__(optimizer=optimizer, lr=lr, batch_size=batch_size,
                         max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
                         alpha=alpha, shuffle=shuffle, random_state=random_state,
                         fit_intercept=fit_intercept, warm_start=warm_start)
        self.penalty = penalty
        self.l1_ratio = l1_ratio

    def fit(self, X, y):
        """Fit from zero (or from the current coefficients with ``warm_start``)."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        return self._fit(X, y)

    def partial_fit(self, X, y):
        """One epoch over ``(X, y)``, continuing from the current coefficients and optimizer."""
        first = not hasattr(self, "coef_")
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, reset=first)
        return self._partial_fit(X, y, first)

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_

    def _strengths(self):
        r"""``(l2, l1)``: the penalty as
        :math:`\frac{l_2}{2}\lVert w\rVert^2 + l_1\lVert w\rVert_1`."""
        if self.penalty is None:
            return 0.0, 0.0
        rho = self.l1_ratio if self.penalty == "elasticnet" else _L1_SHARE[self.penalty]
        return self.alpha * (1 - rho), self.alpha * rho

    def _proximal(self):
        """Whether updates are proximal steps: an L1 part, and plain SGD."""
        optimizer = self.optimizer
        plain = optimizer == "sgd" or (isinstance(optimizer, SGD) and not optimizer.momentum)
        return plain and self._strengths()[1] > 0

    def _new_optimizer(self):
        if not self._proximal():
            return super()._new_optimizer()
        sgd = SGD(lr=self.lr) if isinstance(self.optimizer, str) else self.optimizer
        return ProximalSGD(lr=sgd.lr, l1=self._strengths()[1], weight_decay=sgd.weight_decay,
                           intercept=self.fit_intercept)

    def _objective(self, X, y):
        l2, l1 = self._strengths()
        smooth = LinearRegression(X, y, fit_intercept=self.fit_intercept, alpha=l2)
        if not l1:
            return smooth
        return L1Penalized(smooth, l1, subgradient=not self._proximal())

    def _theta(self):
        return np.r_[self.intercept_, self.coef_] if self.fit_intercept else self.coef_.copy()

    def _set_theta(self, theta):
        if self.fit_intercept:
            self.coef_, self.intercept_ = theta[1:].copy(), float(theta[0])
        else:
            self.coef_, self.intercept_ = theta.copy(), 0.0


class GDClassifier(ClassifierMixin, _GDEstimator):
    r"""Logistic (softmax) regression fitted by batch, stochastic or mini-batch gradient descent.

    With :math:`K > 2` classes it minimises the mean multinomial cross-entropy of the
    softmax of the scores :math:`s = W^\top x + B`; with two classes the mean logistic loss
    of one score :math:`s = w^\top x + b` and :math:`P(\text{classes\_}[1]) = \sigma(s)`.
    The L2 penalty :math:`\frac\alpha2\lVert W\rVert^2` spares the biases.

    Parameters are those of :class:`GDRegressor`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_, loss_curve_, optimizer_, n_features_in_ : as for :class:`GDRegressor`
    """

    def fit(self, X, y):
        """Fit from zero (or from the current coefficients with ``warm_start``)."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes, "
                             f"got only one class: {classes[0]!r}")
        refit = self.warm_start and hasattr(self, "classes_")
        if refit and not np.array_equal(classes, self.classes_):
            raise ValueError(f"warm_start: the classes {classes} differ from the fitted "
                             f"classes_ {self.classes_}")
        self.classes_ = classes
        return self._fit(X, np.searchsorted(classes, y))

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing from the current coefficients and optimizer.

        ``classes`` (every class of the stream) is required on the first call.
        """
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least 2 classes, got {classes}")
            self.classes_ = classes
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={classes} differs from classes_={self.classes_} "
                             f"of the first call to partial_fit")
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels {unknown} that are not in classes_ "
                             f"{self.classes_}")
        return self._partial_fit(X, np.searchsorted(self.classes_, y), first)

    def decision_function(self, X):
        """Scores :math:`XW + B`: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        return softmax(scores, axis=1)

    def predict(self, X):
        scores = self.decision_function(X)
        best = (scores > 0).astype(int) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes_[best]

    def _objective(self, X, y):
        if len(self.classes_) == 2:
            return LogisticRegression(X, y.astype(float), fit_intercept=self.fit_intercept,
                                      alpha=self.alpha)
        return _SoftmaxRegression(X, y, len(self.classes_), fit_intercept=self.fit_intercept,
                                  alpha=self.alpha)

    def _theta(self):
        """Binary: :math:`(b, w)`; else :math:`\\Theta` with rows ``(B, W^T)``, flattened."""
        Theta = np.vstack([self.intercept_, self.coef_.T]) if self.fit_intercept else self.coef_.T
        return Theta.ravel()

    def _set_theta(self, theta):
        n_scores = 1 if len(self.classes_) == 2 else len(self.classes_)
        Theta = theta.reshape(-1, n_scores)
        if self.fit_intercept:
            self.intercept_, self.coef_ = Theta[0].copy(), Theta[1:].T.copy()
        else:
            self.intercept_, self.coef_ = np.zeros(n_scores), Theta.T.copy()
