"""Reference solutions for chapter 5, Batch, stochastic and mini-batch gradient
descent."""

import numpy as np

from gdcourse.variants import minibatch_descent


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


def interpolation_race(noiseless, theta0):
    """The experiment: SGD (B = 1, lr = 0.03) against batch gradient descent
    (lr = 0.3) on the noiseless targets; prints both losses along the way and returns
    the first epoch at which batch gradient descent is ahead, as one of the answers."""
    sgd = minibatch_descent(noiseless, theta0, lr=0.03, batch_size=1, epochs=200,
                            random_state=0)
    batch = minibatch_descent(noiseless, theta0, lr=0.3, epochs=200)
    for epoch in (1, 10, 100, 200):
        print(f"epoch {epoch:3d}: SGD {sgd.epoch_losses[epoch]:.1e}, "
              f"batch {batch.epoch_losses[epoch]:.1e}")
    ahead = np.flatnonzero(batch.epoch_losses[1:] < sgd.epoch_losses[1:]) + 1
    if ahead.size == 0:
        return "never within 200 epochs"
    if ahead[0] < 10:
        return "before epoch 10"
    if ahead[0] < 100:
        return "between epochs 10 and 100"
    return "between epochs 100 and 200"


def one_pass_settings():
    """Batches of 4 rows with lr = 0.02: for batches much smaller than the data set only
    lr / B matters, and 0.005 is large enough to reach the minimum within the pass and
    small enough for a tight noise cloud."""
    return 4, 0.02


def sgd_epochs(Z, y, theta0, lr, epochs, rng):
    """Per-example SGD on the half squared error of y ~ Z theta; every epoch visits the
    rows in a new random order, one permutation for Z and y together."""
    theta = np.array(theta0, dtype=float)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for z_i, y_i in zip(Z[order], y[order]):
            theta = theta - lr * (z_i @ theta - y_i) * z_i
    return theta
