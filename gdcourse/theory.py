r"""What the theory guarantees, as numbers: the bounds, and the functions that attain them.

For an :math:`L`-smooth function :math:`f` with :math:`f^\star = \inf f`, gradient descent with
the step :math:`1/L` from :math:`w_0`, and :math:`R = \lVert w_0 - w^\star\rVert`:

* no convexity: :math:`\min_{t<T}\lVert\nabla f(w_t)\rVert^2 \le 2L(f(w_0)-f^\star)/T`
  (:func:`nonconvex_bound`); the exact worst case :func:`nonconvex_bound_sharp` is attained
  by :class:`ZigzagSlope`;
* convex: :math:`f(w_t) - f^\star \le LR^2/(2t)` (:func:`convex_bound`); the exact worst case
  :func:`convex_worst_case` is attained by :meth:`Huber.worst_case`;
* convex, accelerated (:func:`accelerated_gradient`): :math:`2LR^2/(t+1)^2`
  (:func:`accelerated_bound`); no first-order method beats :math:`3LR^2/(32(t+1)^2)`
  (:func:`lower_bound`) on :func:`nesterov_worst_quadratic`;
* :math:`\mu`-strongly convex: the distance shrinks by :func:`contraction_factor` per step;
* Polyak-Lojasiewicz: :math:`f - f^\star` shrinks by :func:`pl_factor` per step, also on the
  non-convex :class:`WavyValley`.

The bounds are functions of their constants (vectorised over the step count ``t``); the
functions are objectives with ``loss(w)`` and ``grad(w)`` like those of
:mod:`gdcourse.objectives`.

For stochastic gradient descent on least squares (one example per step, drawn with
replacement), :func:`sgd_ensemble` runs many independent copies at once,
:func:`sgd_expectations` computes the exact expected error curve, :func:`noise_floor` the
level at which a constant step leaves the loss (from :func:`stationary_second_moment`),
:func:`averaging_constant` the rate of the Polyak-Ruppert average, and
:func:`second_moment_rate` the exact rate of the noiseless (interpolation) case, whose
guarantee is :func:`interpolation_factor`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_lr, check_number, check_positive_int, lr_at
from .objectives import LinearRegression, Quadratic

__all__ = ["nonconvex_bound", "nonconvex_bound_sharp", "convex_bound", "convex_worst_case",
           "accelerated_bound", "lower_bound", "contraction_factor", "pl_factor",
           "interpolation_factor", "ZigzagSlope", "Huber", "nesterov_worst_quadratic",
           "best_first_order_gap", "accelerated_gradient", "WavyValley", "Ensemble",
           "sgd_ensemble", "gradient_noise_at_optimum", "stationary_second_moment",
           "noise_floor", "noise_floor_first_order", "averaging_constant", "sgd_expectations",
           "second_moment_rate"]


# ----------------------------------------------------------------------------- the bounds

def _steps(t, name="t", minimum=1):
    """Step counts as a float array (or a float), each a whole number >= minimum."""
    values = np.asarray(t, dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < minimum) \
            or np.any(values != np.round(values)):
        raise ValueError(f"{name} must be whole numbers >= {minimum}, got {t!r}")
    return values if values.ndim else float(values)


def _positive(value, name):
    return check_number(value, name, low=0.0, low_open=True)


def nonconvex_bound(L, gap, T):
    r"""Gradient descent with step :math:`1/L` on an :math:`L`-smooth function, after ``T`` steps:

    .. math:: \min_{0 \le t < T} \lVert\nabla f(w_t)\rVert^2 \le \frac{2L\,(f(w_0) - f^\star)}{T},

    where ``gap`` is :math:`f(w_0) - f^\star`.  No convexity is needed.
    """
    return 2 * _positive(L, "L") * check_number(gap, "gap", low=0.0) / _steps(T, "T")


def nonconvex_bound_sharp(L, gap, T):
    r"""The exact worst case of :func:`nonconvex_bound`, over the iterates :math:`w_0, \dots, w_T`:

    .. math:: \min_{0 \le t \le T} \lVert\nabla f(w_t)\rVert^2
              \le \frac{4L\,(f(w_0) - f^\star)}{3T + 2},

    attained with equality by :class:`ZigzagSlope`.
    """
    return 4 * _positive(L, "L") * check_number(gap, "gap", low=0.0) / (3 * _steps(T, "T") + 2)


def convex_bound(L, R, t):
    r"""Gradient descent with step :math:`1/L` on a convex :math:`L`-smooth function:
    :math:`f(w_t) - f^\star \le L R^2 / (2t)`, with :math:`R = \lVert w_0 - w^\star\rVert`."""
    return _positive(L, "L") * check_number(R, "R", low=0.0) ** 2 / (2 * _steps(t))


def convex_worst_case(L, R, t):
    r"""The exact worst case of gradient descent with step :math:`1/L` on convex :math:`L`-smooth
    functions after ``t`` steps, :math:`L R^2 / (4t + 2)` (Drori and Teboulle), attained by
    :meth:`Huber.worst_case`."""
    return _positive(L, "L") * check_number(R, "R", low=0.0) ** 2 / (4 * _steps(t) + 2)


def accelerated_bound(L, R, t):
    r"""Nesterov's accelerated gradient (:func:`accelerated_gradient`) on a convex
    :math:`L`-smooth function: :math:`f(x_t) - f^\star \le 2 L R^2 / (t + 1)^2`."""
    return 2 * _positive(L, "L") * check_number(R, "R", low=0.0) ** 2 / (_steps(t) + 1) ** 2


def lower_bound(L, R, t):
    r"""No first-order method can do better in general: for every ``t`` there is a convex
    :math:`L`-smooth quadratic (:func:`nesterov_worst_quadratic` with :math:`k = 2t+1`) on which
    every method whose iterates lie in :math:`x_0 + \operatorname{span}\{\nabla f(x_0), \dots,
    \nabla f(x_{t-1})\}` has

    .. math:: f(x_t) - f^\star \ge \frac{3 L R^2}{32\,(t + 1)^2}.
    """
    return 3 * _positive(L, "L") * check_number(R, "R", low=0.0) ** 2 / (32 * (_steps(t) + 1) ** 2)


def contraction_factor(L, mu, lr):
    r"""The factor by which one gradient step with step size ``lr`` = :math:`\eta` shrinks the
    distance to the minimiser of a :math:`\mu`-strongly convex, :math:`L`-smooth function:

    .. math:: \lVert w_{t+1} - w^\star\rVert \le \rho\,\lVert w_t - w^\star\rVert, \qquad
              \rho = \max\big(|1 - \eta\mu|,\ |1 - \eta L|\big).
    """
    L, mu, lr = _positive(L, "L"), _positive(mu, "mu"), _positive(lr, "lr")
    if mu > L:
        raise ValueError(f"mu must be <= L, got mu={mu!r} and L={L!r}")
    return max(abs(1 - lr * mu), abs(1 - lr * L))


def pl_factor(L, mu, lr):
    r"""The factor by which one gradient step shrinks :math:`f - f^\star` on an :math:`L`-smooth
    function satisfying the Polyak-Lojasiewicz inequality
    :math:`\lVert\nabla f(w)\rVert^2 \ge 2\mu\,(f(w) - f^\star)`, for a step :math:`0 < \eta < 2/L`:

    .. math:: f(w_{t+1}) - f^\star \le \big(1 - \mu\eta\,(2 - L\eta)\big)\,(f(w_t) - f^\star)

    (:math:`1 - \mu/L` at :math:`\eta = 1/L`).
    """
    L, mu = _positive(L, "L"), _positive(mu, "mu")
    lr = check_number(lr, "lr", low=0.0, high=2 / L, low_open=True, high_open=True)
    if mu > L:
        raise ValueError(f"mu must be <= L, got mu={mu!r} and L={L!r}")
    return 1 - mu * lr * (2 - L * lr)


def interpolation_factor(mu, R2, lr):
    r"""SGD on least squares without noise (every example fitted exactly by :math:`\theta^\star`),
    one example per step, constant step :math:`\eta < 2/R^2`:

    .. math:: \mathbb E\,\lVert\theta_{t+1} - \theta^\star\rVert^2
              \le \big(1 - \eta\mu\,(2 - \eta R^2)\big)\,
              \mathbb E\,\lVert\theta_t - \theta^\star\rVert^2,

    with :math:`\mu` the smallest eigenvalue of the Hessian and
    :math:`R^2 = \max_i \lVert z_i\rVert^2`.
    """
    mu, R2 = _positive(mu, "mu"), _positive(R2, "R2")
    lr = check_number(lr, "lr", low=0.0, high=2 / R2, low_open=True, high_open=True)
    return 1 - lr * mu * (2 - lr * R2)


# ----------------------------------------------------------------------------- tight functions

class ZigzagSlope:
    r"""A one-dimensional :math:`L`-smooth function on which gradient descent with step
    :math:`1/L` from :math:`w_0 = 0` meets the non-convex bound :func:`nonconvex_bound_sharp`
    with equality.

    With :math:`\delta = g/L`, the slope :math:`f'` zigzags between :math:`-g` and
    :math:`-g/2` (curvature :math:`+L`, then :math:`-L`) on each of the ``T`` intervals
    :math:`[k\delta, (k+1)\delta]`, so every iterate :math:`w_t = t\delta` has
    :math:`|f'(w_t)| = g` and each step lowers :math:`f` by :math:`\tfrac34 g^2/L`.  After
    :math:`T\delta` the slope rises with curvature :math:`L` to the minimiser
    :math:`w^\star = (T+1)\delta`, where :math:`f^\star = 0`; to the left of 0 the slope stays
    :math:`-g`.  So :math:`f(0) = (3T + 2)\,g^2/(4L)`.

    The iterates sit where the curvature switches from :math:`-L` to :math:`+L`: a rounding
    error that puts one slightly to the left doubles at every step.  With ``g`` and ``L``
    powers of two, every iterate of gradient descent is computed exactly.
    """

    def __init__(self, T, L=1.0, g=1.0):
        self.T = check_positive_int(T, "T")
        self.L, self.g = _positive(L, "L"), _positive(g, "g")
        self.delta = self.g / self.L
        self.minimizer = np.array([(self.T + 1) * self.delta])
        self.min_value = 0.0
        self.start = np.zeros(1)

    def f(self, x):
        """The function at the points ``x`` (any shape)."""
        x = np.asarray(x, dtype=float)
        g, delta, T = self.g, self.delta, self.T
        end = T * delta
        k = np.clip(np.floor(x / delta), 0, T - 1)
        s = np.clip(x / delta - k, 0.0, 1.0)
        area = np.where(s <= 0.5, s ** 2, 2 * s - s ** 2 - 0.5)   # integral of the zigzag
        f_end = g * delta / 2                                      # f(T delta) = g^2 / (2L)
        zigzag = f_end + 0.75 * (T - k) * g * delta - g * delta * s + g * delta / 2 * area
        left = f_end + 0.75 * T * g * delta - g * x
        right = f_end - g * (x - end) + self.L / 2 * (x - end) ** 2
        return np.where(x < 0, left, np.where(x > end, right, zigzag))

    def df(self, x):
        """The slope :math:`f'` at the points ``x`` (any shape)."""
        x = np.asarray(x, dtype=float)
        g, delta, T = self.g, self.delta, self.T
        end = T * delta
        s = x / delta - np.clip(np.floor(x / delta), 0, T - 1)
        zigzag = -g + g / 2 * (1 - np.abs(2 * np.clip(s, 0.0, 1.0) - 1))
        right = -g + self.L * (x - end)
        return np.where(x < 0, -g, np.where(x > end, right, zigzag))

    def loss(self, w):
        return float(self.f(np.asarray(w, dtype=float).reshape(-1)[0]))

    def grad(self, w):
        return np.array([float(self.df(np.asarray(w, dtype=float).reshape(-1)[0]))])

    def __repr__(self):
        return f"ZigzagSlope(T={self.T}, L={self.L:g}, g={self.g:g})"


class Huber:
    r"""The Huber function :math:`f(w) = \sum_j h(w_j)`, convex and :math:`L`-smooth:

    .. math:: h(x) = \begin{cases} \tfrac{L}{2} x^2 & |x| \le \tau \\
                                   L\tau\,|x| - \tfrac{L}{2}\tau^2 & |x| > \tau \end{cases},
              \qquad h'(x) = L \operatorname{clip}(x, -\tau, \tau).

    Its minimum is 0, at 0.  :meth:`worst_case` tunes :math:`\tau` so that gradient descent
    with step :math:`1/L` attains the worst case :func:`convex_worst_case` at a chosen step.
    """

    def __init__(self, L=1.0, tau=1.0):
        self.L, self.tau = _positive(L, "L"), _positive(tau, "tau")
        self.min_value = 0.0

    @classmethod
    def worst_case(cls, L, R, t):
        r"""The Huber function with :math:`\tau = R/(2t+1)`: from :math:`w_0 = R`, ``t`` steps of
        size :math:`1/L` each move by :math:`\tau`, and :math:`f(w_t) = LR^2/(4t+2)` exactly."""
        R, t = _positive(R, "R"), check_positive_int(t, "t")
        return cls(L, R / (2 * t + 1))

    def loss(self, w):
        x = np.abs(np.asarray(w, dtype=float))
        inside = self.L / 2 * x ** 2
        outside = self.L * self.tau * x - self.L / 2 * self.tau ** 2
        return float(np.sum(np.where(x <= self.tau, inside, outside)))

    def grad(self, w):
        return self.L * np.clip(np.asarray(w, dtype=float), -self.tau, self.tau)

    def __repr__(self):
        return f"Huber(L={self.L:g}, tau={self.tau:g})"


def nesterov_worst_quadratic(k, L=1.0):
    r"""Nesterov's worst function for first-order methods, in :math:`k` dimensions:

    .. math:: f(x) = \frac{L}{4}\Big[\frac12\Big(x_1^2 + \sum_{i=1}^{k-1}(x_i - x_{i+1})^2
              + x_k^2\Big) - x_1\Big],

    the :class:`~gdcourse.objectives.Quadratic` with
    :math:`A = \tfrac{L}{4}\,\mathrm{tridiag}(-1, 2, -1)` and :math:`b = \tfrac{L}{4} e_1`.
    It is :math:`L`-smooth (:math:`\lambda_{\max}(A) < L`), its minimiser is
    :math:`x^\star_i = 1 - i/(k+1)` and its minimum
    :math:`f^\star = -\tfrac{L}{8}\big(1 - \tfrac{1}{k+1}\big)`.  From :math:`x_0 = 0`, the
    :math:`t`-th gradient has non-zeros in the first :math:`t+1` coordinates only.
    """
    k = check_positive_int(k, "k")
    L = _positive(L, "L")
    A = L / 4 * (2 * np.eye(k) - np.eye(k, k=1) - np.eye(k, k=-1))
    b = np.zeros(k)
    b[0] = L / 4
    return Quadratic(A, b)


def best_first_order_gap(k, t, L=1.0):
    r"""The smallest :math:`f(x_t) - f^\star` any first-order method can reach after ``t`` steps
    from 0 on :func:`nesterov_worst_quadratic` (``k``, ``L``): its iterate can only use the
    first :math:`t` coordinates, and the minimum over those is
    :math:`-\tfrac{L}{8}(1 - \tfrac{1}{t+1})`, so

    .. math:: \min f(x_t) - f^\star = \frac{L}{8}\Big(\frac{1}{t+1} - \frac{1}{k+1}\Big),
              \qquad 0 \le t \le k.
    """
    k = check_positive_int(k, "k")
    t = _steps(t, "t", minimum=0)
    if np.any(np.asarray(t) > k):
        raise ValueError(f"t must be <= k = {k}, got {t!r}")
    return _positive(L, "L") / 8 * (1 / (t + 1) - 1 / (k + 1))


def accelerated_gradient(objective, w0, L, n_steps):
    r"""Nesterov's accelerated gradient method for a convex :math:`L`-smooth objective.

    With :math:`z_0 = x_0 = w_0` and :math:`\theta_k = 2/(k+2)`:

    .. math::
        y_k = (1 - \theta_k)\,x_k + \theta_k z_k, \qquad
        x_{k+1} = y_k - \tfrac1L \nabla f(y_k), \qquad
        z_{k+1} = z_k - \tfrac{1}{\theta_k L} \nabla f(y_k).

    Returns the iterates :math:`x_0, \dots, x_T`, shape ``(n_steps + 1, n)``; they
    satisfy :func:`accelerated_bound`.
    """
    x = z = as_float_array(w0, "w0", ndim=1, copy=True)
    L, n_steps = _positive(L, "L"), check_positive_int(n_steps, "n_steps", minimum=0)
    iterates = [x]
    for k in range(n_steps):
        theta = 2 / (k + 2)
        y = (1 - theta) * x + theta * z
        g = objective.grad(y)
        x, z = y - g / L, z - g / (theta * L)
        iterates.append(x)
    return np.array(iterates)


class WavyValley:
    r"""A non-convex function that satisfies the Polyak-Lojasiewicz inequality:

    .. math:: f(u, v) = \frac{\mu}{2} u^2 + v^2 + 3 \sin^2 v .

    The profile across the valley, :math:`v^2 + 3\sin^2 v`, has curvature
    :math:`2 + 6\cos 2v \in [-4, 8]` (so :math:`f` is not convex, and :math:`L = 8`) and
    satisfies :math:`h'(v)^2 \ge 2 \cdot 0.1755\,h(v)`; the valley floor satisfies it with
    :math:`\mu`, with equality.  So for :math:`\mu \le 0.175` the whole function satisfies
    :math:`\lVert\nabla f\rVert^2 \ge 2\mu\,(f - f^\star)`, with :math:`f^\star = 0` at the origin.
    """

    L = 8.0
    PROFILE_PL = 0.175         # a lower bound of min h'(v)^2 / (2 h(v)) = 0.17553...

    def __init__(self, mu=0.1):
        self.mu = check_number(mu, "mu", low=0.0, high=self.PROFILE_PL, low_open=True)
        self.minimizer = np.zeros(2)
        self.min_value = 0.0

    def loss(self, w):
        u, v = np.asarray(w, dtype=float)
        return float(self.mu / 2 * u ** 2 + v ** 2 + 3 * np.sin(v) ** 2)

    def grad(self, w):
        u, v = np.asarray(w, dtype=float)
        return np.array([self.mu * u, 2 * v + 3 * np.sin(2 * v)])

    def hessian(self, w):
        u, v = np.asarray(w, dtype=float)
        return np.diag([self.mu, 2 + 6 * np.cos(2 * v)])

    def __repr__(self):
        return f"WavyValley(mu={self.mu:g})"


# ----------------------------------------------------------------------------- SGD on least squares

def _least_squares(problem):
    """Design matrix, targets, minimiser, residuals y_i - z_i^T theta* and Hessian of a plain
    half-MSE least-squares problem (the setting of the SGD formulas)."""
    if not isinstance(problem, LinearRegression) or problem.alpha != 0 \
            or problem.convention != "half_mse":
        raise ValueError("problem must be a LinearRegression with alpha=0 and "
                         "convention='half_mse'")
    Z, y = problem.Z, problem.y
    theta_star = problem.solution()
    return Z, y, theta_star, y - Z @ theta_star, problem.hessian()


@dataclass
class Ensemble:
    """Independent SGD runs: ``params[k, r]`` is run ``r`` after ``steps[k]`` updates, and
    ``averages[k, r]`` its Polyak-Ruppert average (None when not asked for)."""

    steps: np.ndarray
    params: np.ndarray
    averages: np.ndarray | None


def sgd_ensemble(problem, w0, lr, n_steps, *, n_runs=1000, average_from=None, record_every=1,
                 random_state=None) -> Ensemble:
    r"""``n_runs`` independent runs of SGD on a least-squares ``problem``, side by side.

    Each run takes one example :math:`i_t`, drawn uniformly *with replacement*, per update:

    .. math:: \theta_{t+1} = \theta_t - \eta_t\, z_{i_t}\,(z_{i_t}^\top \theta_t - y_{i_t}).

    ``lr`` is a number or a schedule ``t -> eta_t``.  With ``average_from = s``, the runs also
    keep the Polyak-Ruppert average :math:`\bar\theta_t = \frac{1}{t - s + 1}\sum_{u=s}^{t}\theta_u`
    (for :math:`t \ge s`; before that, :math:`\theta_t` itself).  The state is recorded every
    ``record_every`` updates (and at 0 and ``n_steps``).
    """
    Z, y, _, _, _ = _least_squares(problem)
    lr = check_lr(lr)
    n_steps = check_positive_int(n_steps, "n_steps")
    n_runs = check_positive_int(n_runs, "n_runs")
    every = check_positive_int(record_every, "record_every")
    start = None if average_from is None else check_positive_int(average_from, "average_from",
                                                                  minimum=0)
    rng = np.random.default_rng(random_state)
    w = np.tile(as_float_array(w0, "w0", ndim=1), (n_runs, 1))
    total, count = np.zeros_like(w), 0
    steps, params, averages = [], [], []
    for t in range(n_steps + 1):
        if start is not None and t >= start:
            total += w
            count += 1
        if t % every == 0 or t == n_steps:
            steps.append(t)
            params.append(w.copy())
            averages.append(total / count if count else w.copy())
        if t == n_steps:
            break
        i = rng.integers(0, len(y), size=n_runs)           # one example per run
        residual = np.einsum("rj,rj->r", Z[i], w) - y[i]
        w = w - lr_at(lr, t) * residual[:, None] * Z[i]
    return Ensemble(np.array(steps), np.array(params),
                    np.array(averages) if start is not None else None)


def gradient_noise_at_optimum(problem):
    r"""The covariance of the per-example gradients at the minimiser,

    .. math:: \Sigma^\star = \frac1m \sum_i r_i^2\, z_i z_i^\top, \qquad
              r_i = y_i - z_i^\top\theta^\star

    (their mean, the full gradient, is zero there).  Zero when every example is fitted exactly.
    """
    Z, _, _, r, _ = _least_squares(problem)
    return (Z.T * r ** 2) @ Z / len(r)


def _outer_products(Z):
    """Row i: the matrix z_i z_i^T, flattened row by row (shape m x p^2)."""
    m, p = Z.shape
    return np.einsum("ij,ik->ijk", Z, Z).reshape(m, p * p)


def _moment_map(Z, H, lr):
    r"""The matrix of :math:`P \mapsto P - \eta(HP + PH) + \eta^2\,\frac1m\sum_i
    (z_i^\top P z_i)\, z_i z_i^\top` acting on :math:`P` flattened row by row."""
    m, p = Z.shape
    outer, eye = _outer_products(Z), np.eye(p)
    return (np.eye(p * p) - lr * (np.kron(H, eye) + np.kron(eye, H))
            + lr ** 2 * outer.T @ outer / m)


def stationary_second_moment(problem, lr):
    r"""The limit :math:`P` of :math:`\mathbb E\,[(\theta_t - \theta^\star)(\theta_t -
    \theta^\star)^\top]` for SGD with the constant step ``lr`` on least squares
    (one example per step, drawn with replacement).  It solves

    .. math:: HP + PH - \eta\,\frac1m\sum_i (z_i^\top P z_i)\, z_i z_i^\top
              = \eta\,\Sigma^\star .

    Raises ValueError when the step is too large for the second moment to settle.
    """
    Z, _, _, r, H = _least_squares(problem)
    lr = _positive(lr, "lr")
    if np.max(np.abs(np.linalg.eigvals(_moment_map(Z, H, lr)))) >= 1:
        raise ValueError(f"lr={lr!r} is too large: the second moment of SGD grows "
                         f"without bound")
    m, p = Z.shape
    outer, eye = _outer_products(Z), np.eye(p)
    Sigma = (Z.T * r ** 2) @ Z / m                        # the gradient noise at theta*
    # the equation as a linear system for the p^2 entries of P, flattened row by row
    K = np.kron(H, eye) + np.kron(eye, H) - lr * outer.T @ outer / m
    return np.linalg.solve(K, lr * Sigma.ravel()).reshape(p, p)


def noise_floor(problem, lr):
    r"""The expected excess loss :math:`\lim_t \mathbb E\,[f(\theta_t)] - f^\star` of SGD with
    a constant step ``lr`` on a least-squares ``problem``: :math:`\tfrac12\operatorname{tr}(HP)`
    with :math:`P` from :func:`stationary_second_moment` (about
    :func:`noise_floor_first_order` for a small step)."""
    P = stationary_second_moment(problem, lr)
    return 0.5 * float(np.sum(problem.hessian() * P))


def noise_floor_first_order(problem, lr):
    r"""The noise floor to first order in the step,
    :math:`\frac{\eta}{4}\operatorname{tr}\Sigma^\star
    = \frac{\eta}{4}\,\frac1m\sum_i r_i^2 \lVert z_i\rVert^2`."""
    return _positive(lr, "lr") / 4 * float(np.trace(gradient_noise_at_optimum(problem)))


def averaging_constant(problem, lr):
    r"""The constant :math:`c` in :math:`\mathbb E\,[f(\bar\theta_n)] - f^\star \approx c/n` for the
    Polyak-Ruppert average of :math:`n` iterates of constant-step SGD in its stationary state.

    Consecutive errors are correlated, :math:`\mathbb E\,[e_{t+k} e_t^\top] = (I - \eta H)^k P`;
    summing over all lags gives the covariance :math:`S/n` of the average, with

    .. math:: S = H^{-1}\big(\Sigma^\star + M(P)\big)H^{-1} - P, \qquad
              c = \tfrac12 \operatorname{tr}(HS),

    :math:`M(P) = \frac1m\sum_i (z_i^\top P z_i)\, z_i z_i^\top`.  As the step goes to 0,
    :math:`c \to \tfrac12\operatorname{tr}(H^{-1}\Sigma^\star)`, the excess loss of the exact
    least-squares fit to :math:`n` fresh examples.
    """
    Z, H = problem.Z, problem.hessian()
    P = stationary_second_moment(problem, lr)
    Sigma = gradient_noise_at_optimum(problem)
    M = (Z.T * np.einsum("ij,jk,ik->i", Z, P, Z)) @ Z / len(Z)
    H_inv = np.linalg.inv(H)
    S = H_inv @ (Sigma + M) @ H_inv - P
    return 0.5 * float(np.sum(H * S))


def sgd_expectations(problem, w0, lr, n_steps, *, batch_size=1):
    r"""The exact expectations :math:`\mathbb E\,[f(\theta_t)] - f^\star` and
    :math:`\mathbb E\,\lVert\theta_t - \theta^\star\rVert^2`, :math:`t = 0, \dots, n`, of the SGD
    runs of :func:`sgd_ensemble`, from the recursion of the first two moments of
    :math:`e_t = \theta_t - \theta^\star` (:math:`m_t = \mathbb E e_t`,
    :math:`P_t = \mathbb E e_t e_t^\top`):

    .. math::
        m_{t+1} = (I - \eta_t H)\, m_t, \qquad
        P_{t+1} = P_t - \eta_t (H P_t + P_t H) + \eta_t^2\,\frac1m \sum_i s_i\, z_i z_i^\top,

    with :math:`s_i = z_i^\top P_t z_i - 2 r_i\, z_i^\top m_t + r_i^2` the expected square of
    example :math:`i`'s residual; then
    :math:`\mathbb E f - f^\star = \tfrac12\operatorname{tr}(HP_t)`.

    With ``batch_size`` :math:`B`, each update averages the gradients of :math:`B` examples
    drawn independently (with replacement): the noise of the average is :math:`1/B` that of
    one example, and the last term becomes
    :math:`\eta_t^2 \big(\frac1B \frac1m \sum_i s_i z_i z_i^\top + (1 - \frac1B) H P_t H\big)`.
    """
    Z, _, theta_star, r, H = _least_squares(problem)
    lr = check_lr(lr)
    n_steps = check_positive_int(n_steps, "n_steps")
    B = check_positive_int(batch_size, "batch_size")
    m, p = Z.shape
    outer = _outer_products(Z)
    mean = as_float_array(w0, "w0", ndim=1) - theta_star
    P = np.outer(mean, mean)
    excess, distance = [0.5 * float(np.sum(H * P))], [float(np.trace(P))]
    for t in range(n_steps):
        eta = lr_at(lr, t)
        s = outer @ P.ravel() - 2 * r * (Z @ mean) + r ** 2
        noise = (outer.T @ s / m).reshape(p, p)
        if B > 1:
            noise = noise / B + (1 - 1 / B) * (H @ P @ H)
        P = P - eta * (H @ P + P @ H) + eta ** 2 * noise
        mean = mean - eta * (H @ mean)
        excess.append(0.5 * float(np.sum(H * P)))
        distance.append(float(np.trace(P)))
    return np.array(excess), np.array(distance)


def second_moment_rate(problem, lr):
    r"""The exact asymptotic factor per step of
    :math:`\mathbb E\,\lVert\theta_t - \theta^\star\rVert^2` for SGD with a constant step on
    noiseless least squares: the spectral radius of the map
    :math:`P \mapsto P - \eta(HP + PH) + \eta^2\frac1m\sum_i (z_i^\top P z_i)\, z_i z_i^\top`."""
    Z, _, _, _, H = _least_squares(problem)
    return float(np.max(np.abs(np.linalg.eigvals(_moment_map(Z, H, _positive(lr, "lr"))))))
