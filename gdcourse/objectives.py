r"""Objective functions with their exact gradients.

Every objective has ``loss(w)`` and ``grad(w)``. Data objectives (linear and logistic
regression) also accept ``rows`` -- an index array or slice -- so that the stochastic and
mini-batch variants can ask for the loss or gradient of a subset of the examples, and
``loss_on(w, X, y)`` / ``grad_on(w, X, y)`` for rows the caller has already gathered.
``loss_and_grad_on(w, X, y)`` (and ``loss_and_grad(w, rows)``) returns both from one pass
over the rows: the mini-batch drivers record the loss of every update at the price of the
gradient alone.  ``loss_sum_on(w, X, y)`` sums the data term over the rows instead of
averaging it, so the full-data loss can be assembled from blocks of rows
(``loss_from_sum``).

Conventions used throughout the book
------------------------------------
* Parameters of a data objective are one flat vector.  With ``fit_intercept=True`` the
  **bias comes first**: :math:`\theta = (b, w_1, \dots, w_n)`, which is the same as
  prepending a column of ones to :math:`X`.
* Least squares uses the *half* mean squared error

  .. math:: J(\theta) = \frac{1}{2m}\lVert X\theta - y\rVert^2,
            \qquad \nabla J(\theta) = \frac{1}{m} X^\top (X\theta - y),

  so the factor 2 of the square cancels.  ``convention="mse"`` selects
  :math:`\frac{1}{m}\lVert X\theta - y\rVert^2` instead, whose gradient is twice as large.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_number, check_spd

__all__ = ["Quadratic", "LinearRegression", "LogisticRegression", "LinearSVM", "Rosenbrock",
           "Function", "sigmoid"]


class Quadratic:
    r"""The quadratic :math:`f(w) = \tfrac12 w^\top A w - b^\top w` with symmetric positive definite A.

    Gradient :math:`\nabla f(w) = A w - b`; minimiser :math:`w^\star = A^{-1} b`.
    Its smoothness constant ``L`` and strong-convexity constant ``mu`` are the largest and
    smallest eigenvalues of A, and ``kappa = L / mu`` is its condition number.
    """

    def __init__(self, A, b=None):
        A, eigenvalues = check_spd(A, "A")
        b = np.zeros(A.shape[0]) if b is None else as_float_array(b, "b", ndim=1)
        if b.shape[0] != A.shape[0]:
            raise ValueError(f"b must have length {A.shape[0]} to match A, got {b.shape[0]}")
        self.A, self.b = A, b
        self.eigenvalues = eigenvalues
        self.L, self.mu = float(eigenvalues[-1]), float(eigenvalues[0])

    @classmethod
    def from_eigenvalues(cls, eigenvalues, *, b=None, seed=None):
        """A quadratic with the given eigenvalues; axis-aligned unless ``seed`` asks for a random rotation."""
        eigenvalues = as_float_array(eigenvalues, "eigenvalues", ndim=1)
        if seed is None:
            return cls(np.diag(eigenvalues), b)
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((eigenvalues.size, eigenvalues.size)))
        return cls((Q * eigenvalues) @ Q.T, b)

    @property
    def dim(self) -> int:
        return self.A.shape[0]

    @property
    def kappa(self) -> float:
        """Condition number L / mu."""
        return self.L / self.mu

    @property
    def minimizer(self) -> np.ndarray:
        """:math:`w^\\star = A^{-1} b`."""
        return np.linalg.solve(self.A, self.b)

    @property
    def min_value(self) -> float:
        """:math:`f(w^\\star) = -\\tfrac12 b^\\top A^{-1} b`."""
        return float(-0.5 * self.b @ self.minimizer)

    def loss(self, w):
        w = np.asarray(w, dtype=float)
        return float(0.5 * w @ self.A @ w - self.b @ w)

    def grad(self, w):
        return self.A @ np.asarray(w, dtype=float) - self.b

    def hessian(self, w=None):
        return self.A

    def __repr__(self):
        return f"Quadratic(dim={self.dim}, L={self.L:.4g}, mu={self.mu:.4g}, kappa={self.kappa:.4g})"


def _design(X, fit_intercept: bool) -> np.ndarray:
    """Prepend a column of ones when the model has a bias: theta[0] is then the bias."""
    return np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else X


class _DataObjective:
    """Shared plumbing of the data objectives: stores the design matrix and selects rows."""

    def __init__(self, X, y, *, fit_intercept=True, alpha=0.0):
        X = as_float_array(X, "X", ndim=2)
        y = as_float_array(y, "y", ndim=1)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} entries")
        self.alpha = check_number(alpha, "alpha", low=0.0)
        self.fit_intercept = bool(fit_intercept)
        self.X, self.y = X, y
        self.Z = _design(X, self.fit_intercept)          # the design matrix the maths uses
        self._mask = None                                # built by _penalty_mask when needed

    @property
    def n_samples(self) -> int:
        return self.Z.shape[0]

    @property
    def n_params(self) -> int:
        return self.Z.shape[1]

    def unpack(self, theta):
        """Split a parameter vector into ``(weights, bias)``; the bias is 0.0 without intercept."""
        theta = np.asarray(theta, dtype=float)
        return (theta[1:], float(theta[0])) if self.fit_intercept else (theta, 0.0)

    def _rows(self, rows):
        return (self.Z, self.y) if rows is None else (self.Z[rows], self.y[rows])

    def _penalty_mask(self):
        """L2 acts on the weights only, never on the bias: 0 for the bias, 1 for each weight.

        Built once and cached; callers must not modify it.
        """
        if self._mask is None:
            mask = np.ones(self.n_params)
            if self.fit_intercept:
                mask[0] = 0.0
            self._mask = mask
        return self._mask

    def _penalty(self, theta):
        r"""The L2 penalty :math:`\frac{\alpha}{2}\lVert w\rVert^2` (0.0 if alpha = 0)."""
        if not self.alpha:
            return 0.0
        w = theta[1:] if self.fit_intercept else theta
        return 0.5 * self.alpha * float(w @ w)

    def _penalty_grad(self, theta):
        r"""The gradient of the penalty, :math:`\alpha\,(0, w)`; the scalar 0.0 when alpha = 0."""
        if not self.alpha:
            return 0.0
        return self.alpha * self._penalty_mask() * theta

    def loss_from_sum(self, theta, total, m):
        """The loss from its data term summed over ``m`` rows: ``total / m`` plus the penalty.

        With ``loss_sum_on`` (the sum over the rows given), ``loss_on(theta, Z, y)`` is
        ``loss_from_sum(theta, loss_sum_on(theta, Z, y), len(y))``, number for number; so the
        loss over many rows can also be assembled from sums over blocks of them.
        """
        return total / m + self._penalty(theta)

    def loss_on(self, theta, Z, y):
        return self.loss_from_sum(theta, self.loss_sum_on(theta, Z, y), len(y))

    def loss(self, theta, rows=None):
        Z, y = self._rows(rows)
        return self.loss_on(theta, Z, y)

    def grad(self, theta, rows=None):
        Z, y = self._rows(rows)
        return self.grad_on(theta, Z, y)

    def loss_and_grad(self, theta, rows=None):
        """``(loss(theta, rows), grad(theta, rows))``, computed together (``loss_and_grad_on``)."""
        Z, y = self._rows(rows)
        return self.loss_and_grad_on(theta, Z, y)


class LinearRegression(_DataObjective):
    r"""Least squares on data ``(X, y)``, with an optional bias and L2 penalty.

    With :math:`Z = [\mathbf 1, X]` (or :math:`Z = X` without intercept), :math:`r = Z\theta - y`
    and :math:`m` rows:

    .. math::
        J(\theta) = \frac{1}{2m}\lVert r\rVert^2 + \frac{\alpha}{2}\lVert w\rVert^2, \qquad
        \nabla J(\theta) = \frac{1}{m} Z^\top r + \alpha\,(0, w).

    ``convention="mse"`` drops the 1/2, giving :math:`\frac1m\lVert r\rVert^2` and the
    gradient :math:`\frac2m Z^\top r` (the penalty is unchanged).
    """

    _FACTORS = {"half_mse": 0.5, "mse": 1.0}

    def __init__(self, X, y, *, fit_intercept=True, alpha=0.0, convention="half_mse"):
        super().__init__(X, y, fit_intercept=fit_intercept, alpha=alpha)
        if convention not in self._FACTORS:
            raise ValueError(f"convention must be 'half_mse' or 'mse', got {convention!r}")
        self.convention = convention
        self._c = self._FACTORS[convention]
        self._grad_factors = {}                          # m -> 2c/m as a 0-d array

    def _grad_factor(self, m):
        """The factor :math:`2c/m` of the gradient as a 0-d array, cached per number of rows.

        NumPy multiplies a small array by a 0-d array about twice as fast as by a Python
        float (the same product): it matters on the batch of every update.
        """
        factor = self._grad_factors.get(m)
        if factor is None:
            factor = self._grad_factors[m] = np.array(2 * self._c / m)
        return factor

    def loss_sum_on(self, theta, Z, y):
        r"""The data term summed over the rows, :math:`c\,\lVert Z\theta - y\rVert^2` (c = 1/2 or 1)."""
        r = Z @ theta - y
        return self._c * float(r @ r)

    def grad_on(self, theta, Z, y):
        r"""The gradient on the rows: :math:`\frac1m Z^\top r + \alpha\,(0, w)`."""
        r = Z @ theta - y                   # the residuals
        g = (1 / len(y)) * (Z.T @ r)        # (1/m) Z^T r
        if self.convention == "mse":        # no 1/2 in the loss: the square's 2 stays
            g = 2 * g
        return g + self._penalty_grad(theta)

    def loss_and_grad_on(self, theta, Z, y):
        r"""``(loss_on(theta, Z, y), grad_on(theta, Z, y))`` from one residual.

        Both come from :math:`r = Z\theta - y`, with the same numbers as the two calls (the
        same operations, in the same order), for about the price of the gradient alone: the
        loss adds one dot product.  This is the per-update work of the mini-batch drivers, so
        the NumPy calls are kept few (``.dot``, in place): on a small batch each one costs
        about a microsecond of overhead.
        """
        m = len(y)
        r = Z.dot(theta)
        r -= y
        loss = self._c * float(r.dot(r)) / m
        g = r.dot(Z)                                    # r^T Z = (Z^T r)^T, no transposed view
        g *= self._grad_factor(m)                       # 2c / m
        if self.alpha:                                  # the L2 penalty
            loss += self._penalty(theta)
            g += self._penalty_grad(theta)
        return loss, g

    def hessian(self, theta=None):
        m = self.n_samples
        return (2 * self._c / m) * (self.Z.T @ self.Z) + self.alpha * np.diag(self._penalty_mask())

    @property
    def L(self) -> float:
        """Smoothness constant: the largest eigenvalue of the Hessian."""
        return float(np.linalg.eigvalsh(self.hessian())[-1])

    @property
    def mu(self) -> float:
        """Strong-convexity constant: the smallest eigenvalue of the Hessian (0 if singular)."""
        return max(float(np.linalg.eigvalsh(self.hessian())[0]), 0.0)

    def solution(self):
        """The exact minimiser, from a least-squares solve of the normal equations."""
        if self.alpha == 0:
            return np.linalg.lstsq(self.Z, self.y, rcond=None)[0]
        m = self.n_samples
        return np.linalg.solve(self.hessian(), (2 * self._c / m) * (self.Z.T @ self.y))

    def predict(self, theta, X):
        w, b = self.unpack(theta)
        return np.asarray(X, dtype=float) @ w + b

    def __repr__(self):
        return (f"LinearRegression(m={self.n_samples}, n_params={self.n_params}, "
                f"fit_intercept={self.fit_intercept}, convention={self.convention!r})")


def sigmoid(z):
    r"""The logistic function :math:`\sigma(z) = 1/(1+e^{-z})`, computed without overflow."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                      # never overflows: the exponent is <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class LogisticRegression(_DataObjective):
    r"""Binary logistic regression (labels 0/1) with the mean cross-entropy loss.

    With :math:`p = \sigma(Z\theta)`:

    .. math::
        J(\theta) = -\frac1m \sum_i \big[y_i \log p_i + (1-y_i)\log(1-p_i)\big]
                    + \frac{\alpha}{2}\lVert w\rVert^2, \qquad
        \nabla J(\theta) = \frac1m Z^\top (p - y) + \alpha\,(0, w).

    The loss is evaluated as :math:`\frac1m\sum_i [\log(1+e^{z_i}) - y_i z_i]` with a stable
    softplus, so it stays finite for any score :math:`z = Z\theta`.
    """

    def __init__(self, X, y, *, fit_intercept=True, alpha=0.0):
        super().__init__(X, y, fit_intercept=fit_intercept, alpha=alpha)
        if not np.all((self.y == 0) | (self.y == 1)):
            raise ValueError("y must contain only the labels 0 and 1")

    def loss_sum_on(self, theta, Z, y):
        r"""The data term summed over the rows, :math:`\sum_i [\log(1+e^{z_i}) - y_i z_i]`."""
        z = Z @ theta
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    def grad_on(self, theta, Z, y):
        p = sigmoid(Z @ theta)
        return Z.T @ (p - y) / len(y) + self._penalty_grad(theta)

    def loss_and_grad_on(self, theta, Z, y):
        r"""``(loss_on(theta, Z, y), grad_on(theta, Z, y))`` from one score :math:`z = Z\theta`.

        The same numbers as the two calls, with one product with ``Z`` fewer.
        """
        z = Z.dot(theta)
        loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
        g = (sigmoid(z) - y).dot(Z)                     # (p - y)^T Z = (Z^T (p - y))^T
        g /= len(y)
        if self.alpha:                                  # the L2 penalty
            loss += self._penalty(theta)
            g += self._penalty_grad(theta)
        return loss, g

    def predict_proba(self, theta, X):
        w, b = self.unpack(theta)
        return sigmoid(np.asarray(X, dtype=float) @ w + b)

    def __repr__(self):
        return (f"LogisticRegression(m={self.n_samples}, n_params={self.n_params}, "
                f"fit_intercept={self.fit_intercept})")


class LinearSVM(_DataObjective):
    r"""The hinge loss of a linear classifier (labels -1/+1): a soft-margin linear SVM.

    With the scores :math:`s = Z\theta` and the margins :math:`y_i s_i`:

    .. math::
        J(\theta) = \frac1m \sum_i \max(0,\, 1 - y_i s_i) + \frac{\alpha}{2}\lVert w\rVert^2 .

    The hinge has a kink at the margin 1, where it has no gradient; ``grad`` returns the
    subgradient scikit-learn uses (``SGDClassifier(loss="hinge")``, its default), which
    counts an example as active when its margin is *at most* 1:

    .. math::
        g(\theta) = -\frac1m \sum_{i:\; y_i s_i \le 1} y_i\, z_i + \alpha\,(0, w) ,

    :math:`z_i` the i-th row of :math:`Z`. Any vector of the subdifferential would do: at
    the kink every :math:`-c\, y_i z_i` with :math:`0 \le c \le 1` is a subgradient.

    >>> svm = LinearSVM([[2.0], [0.5]], [1.0, -1.0], fit_intercept=False)
    >>> svm.loss([1.0]), svm.grad([1.0])            # margins 2 (inactive) and -0.5
    (0.75, array([0.25]))
    """

    def __init__(self, X, y, *, fit_intercept=True, alpha=0.0):
        super().__init__(X, y, fit_intercept=fit_intercept, alpha=alpha)
        if not np.all((self.y == -1) | (self.y == 1)):
            raise ValueError("y must contain only the labels -1 and 1")

    def loss_sum_on(self, theta, Z, y):
        r"""The data term summed over the rows, :math:`\sum_i \max(0, 1 - y_i s_i)`."""
        return float(np.sum(np.maximum(0.0, 1.0 - y * (Z @ theta))))

    def grad_on(self, theta, Z, y):
        r"""The subgradient on the rows (the margin 1 counts as active):
        :math:`-\frac1m \sum_{y_i s_i \le 1} y_i z_i + \alpha\,(0, w)`."""
        active = y * (Z @ theta) <= 1.0             # margin at most 1: the hinge is on
        return -(Z.T @ (y * active)) / len(y) + self._penalty_grad(theta)

    def decision_function(self, theta, X):
        """The scores :math:`w^\\top x + b`; their sign is the predicted label."""
        w, b = self.unpack(theta)
        return np.asarray(X, dtype=float) @ w + b

    def predict(self, theta, X):
        """Labels -1/+1 (a score of exactly 0 gives -1, as scikit-learn)."""
        return np.where(self.decision_function(theta, X) > 0, 1.0, -1.0)

    def __repr__(self):
        return (f"LinearSVM(m={self.n_samples}, n_params={self.n_params}, "
                f"fit_intercept={self.fit_intercept})")


class Rosenbrock:
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`.

    Gradient :math:`\big(-2(a-x) - 4bx(y-x^2),\; 2b(y-x^2)\big)`; global minimum 0 at
    :math:`(a, a^2)`.  The curved, flat-bottomed valley makes it a classic stress test.
    """

    def __init__(self, a=1.0, b=100.0):
        self.a = check_number(a, "a")
        self.b = check_number(b, "b", low=0.0, low_open=True)

    @property
    def minimizer(self) -> np.ndarray:
        return np.array([self.a, self.a ** 2])

    def loss(self, w):
        x, y = np.asarray(w, dtype=float)
        return float((self.a - x) ** 2 + self.b * (y - x * x) ** 2)

    def grad(self, w):
        x, y = np.asarray(w, dtype=float)
        valley = y - x * x
        return np.array([-2 * (self.a - x) - 4 * self.b * x * valley, 2 * self.b * valley])

    def hessian(self, w):
        x, y = np.asarray(w, dtype=float)
        return np.array([[2 - 4 * self.b * (y - 3 * x * x), -4 * self.b * x],
                         [-4 * self.b * x, 2 * self.b]])

    def __repr__(self):
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class Function:
    """Any pair of callables ``loss(w)`` and ``grad(w)`` viewed as an objective.

    >>> parabola = Function(lambda w: float(w[0] ** 2), lambda w: 2 * w)
    """

    def __init__(self, loss, grad, name="f"):
        if not callable(loss) or not callable(grad):
            raise ValueError("loss and grad must both be callables")
        self._loss, self._grad, self.name = loss, grad, name

    def loss(self, w):
        return float(self._loss(np.asarray(w, dtype=float)))

    def grad(self, w):
        return np.asarray(self._grad(np.asarray(w, dtype=float)), dtype=float)

    def __repr__(self):
        return f"Function({self.name})"
