r"""Matrix factorization for recommendations: a generated ratings matrix, the biased
low-rank model, its loss and gradient, SGD over the observed ratings, alternating least
squares, and the bias baseline.

**The model.**  User :math:`u` rates item :math:`i` with

.. math::
    \hat r_{ui} = \bar r + b_u + c_i + p_u^\top q_i ,

a global mean :math:`\bar r`, a user bias :math:`b_u`, an item bias :math:`c_i`, and the dot
product of a user's and an item's **factors** :math:`p_u, q_i \in \mathbb R^k`, the rows of
:math:`P` (users :math:`\times k`) and :math:`Q` (items :math:`\times k`); the rank-:math:`k`
part of the matrix of predictions is :math:`P Q^\top`.  With :math:`k = 0` the model is the
**bias baseline** :math:`\bar r + b_u + c_i`.

**The loss.**  Only the ratings :math:`(u, i) \in \Omega` that were observed count.  With
:math:`e_{ui} = r_{ui} - \hat r_{ui}`, :math:`N = |\Omega|` and :math:`n_u`, :math:`n_i`
the numbers of ratings of user :math:`u` and of item :math:`i`,

.. math::
    J = \frac1N \sum_{(u,i) \in \Omega} \Big(\tfrac12 e_{ui}^2
        + \tfrac\lambda2 \big(\lVert p_u\rVert^2 + b_u^2 + \lVert q_i\rVert^2 + c_i^2\big)\Big),

the mean over the ratings of the per-rating loss that SGD descends (Koren, Bell and
Volinsky, 2009): a user with many ratings has its penalty counted many times, the
"weighted-:math:`\lambda`" regularisation of Zhou et al. (2008).  :math:`\bar r` is the mean of
the training ratings and is not trained.  The gradient, for a user (items alike):

.. math::
    \frac{\partial J}{\partial p_u} = \frac1N \Big(-\sum_{i:(u,i)\in\Omega} e_{ui}\, q_i
        + \lambda n_u p_u\Big), \qquad
    \frac{\partial J}{\partial b_u} = \frac1N \Big(-\sum_{i:(u,i)\in\Omega} e_{ui}
        + \lambda n_u b_u\Big).

**SGD** (:func:`sgd_epoch`) visits the ratings one at a time and steps down the per-rating
loss; **ALS** (:func:`als_sweep`) solves for all users' :math:`(b_u, p_u)` with the items
fixed -- a ridge regression per user, exact -- then for all items; :func:`fit_sgd` and
:func:`fit_als` run them with a validation set and keep the best epoch.

**The data** (:func:`low_rank_ratings`): no ratings data set ships with the course's
offline environment, so the ratings come from the model itself, with a known rank and
Gaussian noise, and only a random fraction of the entries observed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ._validation import (InvalidParameterError, check_lr, check_number,
                          check_positive_int, lr_at)

__all__ = ["Ratings", "Factors", "low_rank_ratings", "split_ratings", "init_factors",
           "rmse", "mf_loss", "mf_gradient", "MFObjective", "sgd_epoch", "als_sweep",
           "FitResult", "fit_sgd", "fit_als", "fit_baseline"]


# --------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Ratings:
    """Observed ratings as three aligned arrays: ``values[t]`` is the rating that user
    ``users[t]`` gave item ``items[t]``; ``n_users`` and ``n_items`` size the matrix."""

    users: np.ndarray
    items: np.ndarray
    values: np.ndarray
    n_users: int
    n_items: int

    def __len__(self) -> int:
        return len(self.values)

    def subset(self, index) -> "Ratings":
        """The ratings at positions ``index`` (same matrix size)."""
        return replace(self, users=self.users[index], items=self.items[index],
                       values=self.values[index])

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """:math:`n_u` and :math:`n_i`: the number of ratings of each user and item."""
        return (np.bincount(self.users, minlength=self.n_users),
                np.bincount(self.items, minlength=self.n_items))

    def dense(self) -> np.ndarray:
        """The matrix with NaN where no rating was observed."""
        R = np.full((self.n_users, self.n_items), np.nan)
        R[self.users, self.items] = self.values
        return R


@dataclass
class Factors:
    """The parameters of the model :math:`\\bar r + b_u + c_i + p_u^\\top q_i`."""

    mean: float
    b_user: np.ndarray
    b_item: np.ndarray
    P: np.ndarray
    Q: np.ndarray

    @property
    def rank(self) -> int:
        return self.P.shape[1]

    def predict(self, users, items) -> np.ndarray:
        r""":math:`\hat r_{ui} = \bar r + b_u + c_i + p_u^\top q_i` for each pair."""
        dots = np.einsum("tk,tk->t", self.P[users], self.Q[items])
        return self.mean + self.b_user[users] + self.b_item[items] + dots

    def matrix(self) -> np.ndarray:
        """The whole matrix of predictions, :math:`\\bar r + b 1^T + 1 c^T + P Q^T`."""
        return self.mean + self.b_user[:, None] + self.b_item[None, :] + self.P @ self.Q.T

    def copy(self) -> "Factors":
        return Factors(self.mean, self.b_user.copy(), self.b_item.copy(), self.P.copy(),
                       self.Q.copy())


def _check_rank(rank):
    return check_positive_int(rank, "rank", minimum=0)


def low_rank_ratings(n_users=400, n_items=250, rank=3, *, noise=0.5, density=0.1,
                     mean=3.5, bias_std=(0.4, 0.6), signal_std=1.0, random_state=0):
    r"""A ratings matrix from the model itself, with noise and missing entries.

    .. math::
        r_{ui} = \bar r + b_u + c_i + p_u^\top q_i + \varepsilon_{ui}, \qquad
        b_u \sim N(0, s_b^2),\ c_i \sim N(0, s_c^2),\
        p_u, q_i \sim N(0, s^2 I_k),\ \varepsilon_{ui} \sim N(0, \sigma^2),

    with :math:`(s_b, s_c)` = ``bias_std``, :math:`\sigma` = ``noise`` and
    :math:`s = (\text{signal\_std}^2 / k)^{1/4}`, so that :math:`p_u^\top q_i` has standard
    deviation ``signal_std``.  Each entry is observed with probability ``density``,
    independently (missing completely at random); ratings are real numbers, not rounded to
    stars.  Returns ``(ratings, truth)``: the observed :class:`Ratings` (in row-major order)
    and the true :class:`Factors`.
    """
    n_users = check_positive_int(n_users, "n_users")
    n_items = check_positive_int(n_items, "n_items")
    rank = check_positive_int(rank, "rank")
    noise = check_number(noise, "noise", low=0.0)
    density = check_number(density, "density", low=0.0, high=1.0, low_open=True)
    mean = check_number(mean, "mean")
    s_b = check_number(bias_std[0], "bias_std[0]", low=0.0)
    s_c = check_number(bias_std[1], "bias_std[1]", low=0.0)
    signal_std = check_number(signal_std, "signal_std", low=0.0)
    rng = np.random.default_rng(random_state)
    s = (signal_std ** 2 / rank) ** 0.25
    truth = Factors(mean, rng.normal(0.0, s_b, n_users), rng.normal(0.0, s_c, n_items),
                    rng.normal(0.0, s, (n_users, rank)), rng.normal(0.0, s, (n_items, rank)))
    observed = rng.random((n_users, n_items)) < density
    users, items = np.nonzero(observed)
    values = truth.predict(users, items) + rng.normal(0.0, noise, len(users))
    return Ratings(users, items, values, n_users, n_items), truth


def split_ratings(ratings, fractions=(0.8, 0.1, 0.1), *, random_state=0):
    """Split the ratings at random into parts of the given ``fractions`` (summing to 1)."""
    fractions = np.array([check_number(f, f"fractions[{k}]", low=0.0, low_open=True)
                          for k, f in enumerate(fractions)])
    if abs(fractions.sum() - 1.0) > 1e-12:
        raise InvalidParameterError(f"fractions must sum to 1, got {fractions.sum():g}")
    order = np.random.default_rng(random_state).permutation(len(ratings))
    cuts = np.round(np.cumsum(fractions)[:-1] * len(ratings)).astype(int)
    return tuple(ratings.subset(np.sort(part)) for part in np.split(order, cuts))


def init_factors(n_users, n_items, rank, mean, *, scale=0.1, random_state=0) -> Factors:
    """Zero biases and factors drawn from :math:`N(0, \\text{scale}^2)`."""
    rank = _check_rank(rank)
    scale = check_number(scale, "scale", low=0.0)
    rng = np.random.default_rng(random_state)
    return Factors(float(mean), np.zeros(n_users), np.zeros(n_items),
                   rng.normal(0.0, scale, (n_users, rank)),
                   rng.normal(0.0, scale, (n_items, rank)))


def rmse(factors, ratings) -> float:
    """Root mean square error :math:`\\sqrt{\\frac1N \\sum (r_{ui} - \\hat r_{ui})^2}`."""
    errors = ratings.values - factors.predict(ratings.users, ratings.items)
    return float(np.sqrt(np.mean(errors ** 2)))


# --------------------------------------------------------------------------- loss, gradient

def _sum_by(index, values, n):
    """Row ``j`` of the result is the sum of the rows ``values[t]`` with ``index[t] == j``."""
    total = np.zeros((n,) + values.shape[1:])
    np.add.at(total, index, values)
    return total


def mf_loss(factors, ratings, lam) -> float:
    """The regularised loss :math:`J` of the module docstring."""
    lam = check_number(lam, "lam", low=0.0)
    f, u, i = factors, ratings.users, ratings.items
    e = ratings.values - f.predict(u, i)
    penalty = (np.sum(f.P[u] ** 2) + np.sum(f.b_user[u] ** 2)
               + np.sum(f.Q[i] ** 2) + np.sum(f.b_item[i] ** 2))
    return float((0.5 * np.sum(e ** 2) + 0.5 * lam * penalty) / len(ratings))


def mf_gradient(factors, ratings, lam) -> Factors:
    r"""The gradient of :math:`J` as a :class:`Factors` (its ``mean`` is 0: not trained).

    .. math::
        \frac{\partial J}{\partial p_u}
        = \frac1N \Big(-\sum_{i:(u,i)\in\Omega} e_{ui}\, q_i + \lambda n_u p_u\Big),

    and alike for :math:`b_u` (with 1 for :math:`q_i`), :math:`q_i` and :math:`c_i`.
    """
    lam = check_number(lam, "lam", low=0.0)
    f, u, i = factors, ratings.users, ratings.items
    e = ratings.values - f.predict(u, i)
    n_u, n_i = ratings.counts()
    N = len(ratings)
    return Factors(0.0,
                   (lam * n_u * f.b_user - _sum_by(u, e, ratings.n_users)) / N,
                   (lam * n_i * f.b_item - _sum_by(i, e, ratings.n_items)) / N,
                   (lam * n_u[:, None] * f.P - _sum_by(u, e[:, None] * f.Q[i],
                                                       ratings.n_users)) / N,
                   (lam * n_i[:, None] * f.Q - _sum_by(i, e[:, None] * f.P[u],
                                                       ratings.n_items)) / N)


class MFObjective:
    """:math:`J` and its gradient as functions of one flat vector
    :math:`\\theta = (b, c, P, Q)` (C order), for the course's tools such as
    :func:`~gdcourse.gradcheck.check_gradient`; ``mean`` stays fixed."""

    def __init__(self, ratings, rank, lam, mean=None):
        self.ratings, self.rank = ratings, _check_rank(rank)
        self.lam = check_number(lam, "lam", low=0.0)
        self.mean = float(np.mean(ratings.values)) if mean is None else float(mean)
        n_u, n_i, k = ratings.n_users, ratings.n_items, self.rank
        self._sizes = [n_u, n_i, n_u * k, n_i * k]

    @property
    def n_params(self) -> int:
        return sum(self._sizes)

    def unpack(self, theta) -> Factors:
        b, c, P, Q = np.split(np.asarray(theta, dtype=float), np.cumsum(self._sizes)[:-1])
        return Factors(self.mean, b, c, P.reshape(len(b), self.rank),
                       Q.reshape(len(c), self.rank))

    @staticmethod
    def pack(factors) -> np.ndarray:
        return np.concatenate([factors.b_user, factors.b_item, factors.P.ravel(),
                               factors.Q.ravel()])

    def loss(self, theta) -> float:
        return mf_loss(self.unpack(theta), self.ratings, self.lam)

    def grad(self, theta) -> np.ndarray:
        return self.pack(mf_gradient(self.unpack(theta), self.ratings, self.lam))


# --------------------------------------------------------------------------- SGD

def sgd_epoch(f, ratings, order, lr, lam):
    r"""One epoch of SGD: for each rating, in the given ``order``, one step down its
    per-rating loss :math:`\frac12 e_{ui}^2 + \frac\lambda2 (\lVert p_u\rVert^2 + b_u^2
    + \lVert q_i\rVert^2 + c_i^2)`.  Updates the :class:`Factors` ``f`` in place."""
    for t in order:
        u, i, r = ratings.users[t], ratings.items[t], ratings.values[t]
        e = r - (f.mean + f.b_user[u] + f.b_item[i] + f.P[u] @ f.Q[i])
        f.b_user[u] += lr * (e - lam * f.b_user[u])
        f.b_item[i] += lr * (e - lam * f.b_item[i])
        p_u = f.P[u].copy()                  # the old p_u, for the step of q_i
        f.P[u] += lr * (e * f.Q[i] - lam * p_u)
        f.Q[i] += lr * (e * p_u - lam * f.Q[i])


def _conflict_free_runs(users, items, order):
    """Cut ``order`` into consecutive runs in which no user and no item occurs twice.
    Within such a run the steps of :func:`sgd_epoch` touch disjoint rows, so they can be
    taken all at once with the same result.  Returns the start of every run and the end."""
    starts, seen_users, seen_items = [0], set(), set()
    for position, (u, i) in enumerate(zip(users[order].tolist(), items[order].tolist())):
        if u in seen_users or i in seen_items:
            starts.append(position)
            seen_users.clear()
            seen_items.clear()
        seen_users.add(u)
        seen_items.add(i)
    return starts + [len(order)]


def _sgd_epoch_fast(f, ratings, order, lr, lam):
    """:func:`sgd_epoch`, the steps of each conflict-free run taken at once (vectorised);
    the same arithmetic, so the same result (tests/test_factorization.py)."""
    bounds = _conflict_free_runs(ratings.users, ratings.items, order)
    for start, stop in zip(bounds[:-1], bounds[1:]):
        t = order[start:stop]
        u, i, r = ratings.users[t], ratings.items[t], ratings.values[t]
        p_u, q_i = f.P[u], f.Q[i]                  # copies (fancy indexing)
        e = r - (f.mean + f.b_user[u] + f.b_item[i] + np.einsum("tk,tk->t", p_u, q_i))
        f.b_user[u] += lr * (e - lam * f.b_user[u])
        f.b_item[i] += lr * (e - lam * f.b_item[i])
        f.P[u] = p_u + lr * (e[:, None] * q_i - lam * p_u)
        f.Q[i] = q_i + lr * (e[:, None] * p_u - lam * q_i)


# --------------------------------------------------------------------------- ALS

def _ridge_by_group(group, Z, y, n_groups, lam):
    r"""For every group :math:`g`: :math:`x_g = (\sum z_t z_t^\top + \lambda n_g I)^{-1}
    \sum z_t y_t` over the rows :math:`t` of the group.  A group without rows gets 0."""
    d = Z.shape[1]
    A = _sum_by(group, Z[:, :, None] * Z[:, None, :], n_groups)
    rhs = _sum_by(group, Z * y[:, None], n_groups)
    n = np.bincount(group, minlength=n_groups)
    A += lam * np.maximum(n, 1)[:, None, None] * np.eye(d)
    return np.linalg.solve(A, rhs[:, :, None])[:, :, 0]


def als_sweep(f, ratings, lam):
    r"""One sweep of alternating least squares, in place: every user's
    :math:`(b_u, p_u)` minimises :math:`J` with the items fixed (a ridge regression
    on the features :math:`(1, q_i)` of the items it rated, penalty
    :math:`\lambda n_u`), then every item's :math:`(c_i, q_i)` with the users fixed."""
    u, i, r = ratings.users, ratings.items, ratings.values - f.mean
    ones = np.ones((len(r), 1))
    x = _ridge_by_group(u, np.hstack([ones, f.Q[i]]), r - f.b_item[i],
                        ratings.n_users, lam)                 # rows (b_u, p_u)
    f.b_user, f.P = x[:, 0].copy(), x[:, 1:].copy()
    x = _ridge_by_group(i, np.hstack([ones, f.P[u]]), r - f.b_user[u],
                        ratings.n_items, lam)                 # rows (c_i, q_i)
    f.b_item, f.Q = x[:, 0].copy(), x[:, 1:].copy()


# --------------------------------------------------------------------------- training

@dataclass
class FitResult:
    """A training run: the RMSE after every epoch (index 0: before training), the final
    and the best factors (lowest validation RMSE, or the last without validation)."""

    factors: Factors
    best_factors: Factors
    train_rmse: np.ndarray
    val_rmse: np.ndarray | None
    losses: np.ndarray
    best_epoch: int
    stopped_early: bool = False
    lrs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_epochs(self) -> int:
        return len(self.train_rmse) - 1

    @property
    def diverged(self) -> bool:
        return not np.all(np.isfinite(self.train_rmse))


def _check_fit(train, validation, epochs, patience, epochs_name="epochs"):
    if not isinstance(train, Ratings):
        raise InvalidParameterError(f"train must be Ratings, got {type(train).__name__}")
    if validation is not None and not isinstance(validation, Ratings):
        raise InvalidParameterError(f"validation must be Ratings or None, "
                                    f"got {type(validation).__name__}")
    epochs = check_positive_int(epochs, epochs_name)
    patience = check_positive_int(patience, "patience", allow_none=True)
    if patience is not None and validation is None:
        raise InvalidParameterError("patience needs a validation set")
    return epochs, patience


def _run(f, train, validation, epochs, patience, lam, step):
    """The shared loop: ``step(f, epoch)`` trains one epoch in place; records, keeps the
    best factors, stops ``patience`` epochs after the best or when the RMSE is not finite."""
    train_rmse, val_rmse, losses = [], [], []
    watched = val_rmse if validation is not None else train_rmse
    best_epoch, stopped = 0, False

    def record():
        with np.errstate(over="ignore", invalid="ignore"):
            train_rmse.append(rmse(f, train))
            losses.append(mf_loss(f, train, lam))
            if validation is not None:
                val_rmse.append(rmse(f, validation))

    record()
    best = f.copy()
    for epoch in range(1, epochs + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            step(f, epoch - 1)
        record()
        if not math.isfinite(watched[-1]):
            break
        if watched[-1] < watched[best_epoch]:
            best, best_epoch = f.copy(), epoch
        if patience is not None and epoch - best_epoch >= patience:
            stopped = True
            break
    return FitResult(f, best, np.array(train_rmse),
                     None if validation is None else np.array(val_rmse),
                     np.array(losses), best_epoch, stopped)


def fit_sgd(train, rank, *, lr, lam, epochs, validation=None, patience=None,
            init_scale=0.1, random_state=0, init=None) -> FitResult:
    """SGD over the observed ratings (:func:`sgd_epoch`), reshuffled every epoch.

    ``lr`` is a number or a schedule ``epoch -> lr`` (one rate per epoch, from epoch 0).
    The factors start from :func:`init_factors` (``init_scale``, ``random_state``), or
    from a copy of ``init``; the same ``random_state`` shuffles the epochs.
    """
    epochs, patience = _check_fit(train, validation, epochs, patience)
    lr = check_lr(lr)
    lam = check_number(lam, "lam", low=0.0)
    rng = np.random.default_rng(random_state)
    f = (init.copy() if init is not None else
         init_factors(train.n_users, train.n_items, rank, np.mean(train.values),
                      scale=init_scale, random_state=rng))
    rates = []

    def step(f, epoch):
        rates.append(lr_at(lr, epoch))
        _sgd_epoch_fast(f, train, rng.permutation(len(train)), rates[-1], lam)

    result = _run(f, train, validation, epochs, patience, lam, step)
    result.lrs = np.array(rates)
    return result


def fit_als(train, rank, *, lam, sweeps, validation=None, patience=None, init_scale=0.1,
            random_state=0, init=None) -> FitResult:
    """Alternating least squares (:func:`als_sweep`), from :func:`init_factors` or
    ``init``; one sweep per epoch.  With ``lam = 0`` every user and item needs at least
    ``rank + 1`` ratings."""
    sweeps, patience = _check_fit(train, validation, sweeps, patience, "sweeps")
    lam = check_number(lam, "lam", low=0.0)
    f = (init.copy() if init is not None else
         init_factors(train.n_users, train.n_items, rank, np.mean(train.values),
                      scale=init_scale, random_state=random_state))
    return _run(f, train, validation, sweeps, patience, lam,
                lambda f, epoch: als_sweep(f, train, lam))


def fit_baseline(train, *, lam, sweeps=20, validation=None) -> FitResult:
    """The bias baseline :math:`\\bar r + b_u + c_i`: the model of rank 0, fitted by ALS
    (a convex problem: it converges to the one minimum)."""
    return fit_als(train, 0, lam=lam, sweeps=sweeps, validation=validation)
