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
