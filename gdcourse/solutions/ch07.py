"""Reference solutions for chapter 7, Pitfalls and how to diagnose them."""

import numpy as np


def clip_by_norm(grad, max_norm):
    """Rescale grad to Euclidean norm at most max_norm:
    grad * min(1, max_norm / ||grad||)."""
    norm = np.linalg.norm(grad)
    if norm <= max_norm:
        return grad.copy()
    return grad * (max_norm / norm)


def standardize_train_test(X_train, X_test):
    """Standardise both splits with the mean and standard deviation of the training
    split."""
    mean = X_train.mean(axis=0)
    # np.std of equal values may be 1e-17, not 0: test the range instead
    constant = np.ptp(X_train, axis=0) == 0
    std = np.where(constant, 1.0, X_train.std(axis=0))  # constant: only centred
    return (X_train - mean) / std, (X_test - mean) / std


def log_sum_exp(z):
    """log(sum(exp(z))) computed as m + log(sum(exp(z - m))) with m = max(z): no
    overflow."""
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))))


def stable_logistic_loss(z, y):
    """Mean cross-entropy (1/m) sum [log(1 + e^z) - y z], with a softplus that never
    overflows."""
    softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(softplus - y * z))


def diagnose_run(losses):
    """One of 'nan', 'diverging', 'oscillating', 'too slow', 'converging' (rules in
    the text)."""
    losses = np.asarray(losses, dtype=float)
    steps = len(losses) - 1
    if not np.all(np.isfinite(losses)):
        return "nan"
    if losses[-1] > losses[0]:
        return "diverging"
    if np.count_nonzero(np.diff(losses) > 0) >= 0.25 * steps:
        return "oscillating"
    if losses[len(losses) // 2] - losses[-1] >= 0.25 * (losses[0] - losses[-1]):
        return "too slow"
    return "converging"


def chain_fate(chain, w_start):
    """The experiment: 500 steps of plain gradient descent at lr = 1e-4 on the chain;
    prints where the product of the weights went, returns it as one of the answers."""
    path = [np.array(w_start, dtype=float)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(500):
            path.append(path[-1] - 1e-4 * chain.grad(path[-1]))
    products = np.prod(path, axis=1)
    print("product after 0, 1, 2, 100, 500 steps:", products[[0, 1, 2, 100, 500]])
    if not np.isfinite(products[-1]):
        return "overflow"
    if products[-1] > 50:
        return "still above 50"
    return "close to 2" if abs(products[-1] - 2) < 0.01 else "close to 0"


def chain_rescue():
    """The rate near 1/C, C = |grad p|^2 = 75 the curvature near the solutions, and
    clipped steps of lr * max_norm = 0.13, about a tenth of the way to them."""
    return 0.013, 10.0


def early_stopping_gd(grad, val_loss, w0, lr, max_epochs, patience):
    """Gradient descent that keeps the parameters with the lowest validation loss and
    stops after `patience` epochs without improvement; returns those parameters."""
    w = np.array(w0, dtype=float)
    best_w, best_epoch, best_loss = w, 0, val_loss(w)
    for epoch in range(1, max_epochs + 1):
        w = w - lr * grad(w)             # a new array: best_w keeps its own
        loss = val_loss(w)
        if loss < best_loss:
            best_w, best_epoch, best_loss = w, epoch, loss
        elif epoch - best_epoch >= patience:
            break
    return best_w
