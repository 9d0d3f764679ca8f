"""Reference solutions for chapter 10, Schedules and hyperparameters at scale."""

import numpy as np


def warm_restart_lr(t, lr, T_0, T_mult, eta_min):
    """Cosine annealing with warm restarts: periods T_0, T_0 T_mult, ... steps long."""
    T_cur, T_i = t, T_0
    while T_cur >= T_i:                  # skip the periods that are over
        T_cur, T_i = T_cur - T_i, T_i * T_mult
    return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2


def plateau_rates(metrics, lr, factor, patience):
    """The rate after each epoch: divided by factor after more than patience epochs
    in a row without a new best (lowest) metric."""
    best, bad, rates = np.inf, 0, []
    for metric in metrics:
        if metric < best:
            best, bad = metric, 0
        else:
            bad += 1
        if bad > patience:
            lr, bad = lr * factor, 0
        rates.append(lr)
    return np.array(rates)


def trials_needed(q, p):
    """The fewest random trials n with 1 - (1 - q)^n >= p, that is
    n >= log(1 - p) / log(1 - q)."""
    return int(np.ceil(np.log(1 - p) / np.log(1 - q)))


def gd_limit(X, y, w0):
    """Where gradient descent on the least squares |X w - y|^2 / (2m) ends from w0
    when it has many solutions: w0 + X^+ (y - X w0)."""
    return w0 + np.linalg.pinv(X) @ (y - X @ w0)


def hinge_subgradient(theta, X, y, alpha):
    """scikit-learn's subgradient of mean_i max(0, 1 - y_i s_i) + alpha / 2 |w|^2,
    theta = (b, w), s_i = b + x_i^T w; margin y_i s_i <= 1 counts as active."""
    Z = np.column_stack([np.ones(len(y)), X])
    active = y * (Z @ theta) <= 1
    g = -(Z.T @ (y * active)) / len(y)
    g[1:] += alpha * theta[1:]                       # no penalty on the bias
    return g
