"""Reference solutions for chapter 5, Batch, stochastic and mini-batch gradient
descent."""

import numpy as np


def minibatch_indices(n_samples, batch_size, rng):
    """Row indices of the mini-batches of one epoch: shuffle once, then cut into
    chunks."""
    order = rng.permutation(n_samples)
    starts = range(0, n_samples, batch_size)
    return [order[start:start + batch_size] for start in starts]


def sgd_epoch(X, y, w, b, lr, order):
    """One epoch of SGD on the half squared error of y ~ X w + b, visiting the rows
    in `order`."""
    for i in order:
        r = X[i] @ w + b - y[i]          # residual of row i, before this update
        w, b = w - lr * r * X[i], b - lr * r
    return w, b


def minibatch_gradient(X, y, w, idx):
    """Mean gradient (1/B) X_B^T (X_B w - y_B) of the half squared error over the
    rows idx."""
    X_B, y_B = X[idx], y[idx]
    return X_B.T @ (X_B @ w - y_B) / len(idx)


def gradient_variance(G, batch_size):
    """E ||g_B - g||^2 for B rows drawn without replacement:
    sigma^2 / B * (m - B) / (m - 1)."""
    m = G.shape[0]
    sigma2 = np.sum((G - G.mean(axis=0)) ** 2) / m
    return float(sigma2 / batch_size * (m - batch_size) / (m - 1))
