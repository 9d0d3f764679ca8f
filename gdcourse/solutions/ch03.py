"""Reference solutions for chapter 3, Convergence."""

import numpy as np


def should_stop(losses, grad_norm, max_iter, loss_tol, grad_tol, patience):
    """The stopping criterion met by iterate t = len(losses) - 1, or None to keep going.

    Checked in order: grad_tol (|grad| <= grad_tol), loss_tol (loss <= loss_tol),
    patience (the best loss is at least `patience` iterations old), max_iter
    (t >= max_iter).
    """
    t = len(losses) - 1
    if grad_norm <= grad_tol:
        return "grad_tol"
    if losses[-1] <= loss_tol:
        return "loss_tol"
    if t - np.argmin(losses) >= patience:
        return "patience"
    if t >= max_iter:
        return "max_iter"
    return None


def condition_number(A):
    """kappa = lambda_max / lambda_min of a symmetric positive definite matrix."""
    eigenvalues = np.linalg.eigvalsh(A)          # sorted in ascending order
    return eigenvalues[-1] / eigenvalues[0]


def predicted_iterations(kappa, eps):
    """Smallest T with q^T <= eps, where q = (kappa - 1) / (kappa + 1)."""
    q = (kappa - 1) / (kappa + 1)
    return int(np.ceil(np.log(eps) / np.log(q)))


def early_stopping(val_losses, patience):
    """The best epoch (strictly lowest validation loss) when patience runs out, or at
    the end."""
    best = 0
    for t, loss in enumerate(val_losses):
        if loss < val_losses[best]:
            best = t
        if t - best >= patience:
            break
    return best


def classify_stationary_point(H):
    """Second-derivative test from the signs of the Hessian's eigenvalues.

    An eigenvalue counts as zero when |lambda| <= 1e-9 max |lambda_i|: round-off leaves
    the zero eigenvalues of a rotated matrix at about 1e-16 times the largest, of either
    sign.
    """
    eigenvalues = np.linalg.eigvalsh(H)
    tolerance = 1e-9 * np.max(np.abs(eigenvalues))
    positive = eigenvalues > tolerance
    negative = eigenvalues < -tolerance
    if np.all(positive):
        return "minimum"
    if np.all(negative):
        return "maximum"
    if np.any(positive) and np.any(negative):
        return "saddle"
    return "degenerate"


def slowest_start():
    """Which start needs the most steps of gradient descent with lr = 1/L on the bowl
    f(w) = (w_1^2 + 100 w_2^2) / 2 to come within 1e-6 of its minimiser w* = 0."""
    A = np.diag([1.0, 100.0])                       # mu = 1, L = 100
    starts = {"flat": [1.0, 0.0], "steep": [0.0, 1.0],
              "diagonal": [0.5 ** 0.5, 0.5 ** 0.5]}   # all at distance 1 from w*
    steps = {}
    for name, w in starts.items():
        w, t = np.array(w), 0
        while np.linalg.norm(w) > 1e-6:
            w = w - (1 / 100) * (A @ w)
            t += 1
        steps[name] = t
    if len(set(steps.values())) == 1:
        return "same"
    return max(steps, key=steps.get)


def scaling_settings():
    """Features, learning rate and number of steps that bring gradient descent on the
    diabetes features s4 and s5 to 1e-6 of its initial distance from the solution
    within 40 steps."""
    # standardized, the Hessian has the eigenvalues 1 - c, 1 and 1 + c (c = 0.6179):
    # the step 2 / (L + mu) is 1, and it shrinks the error by 0.62 per step
    return "standardized", 1.0, 40


def standardize(X):
    """Each column of X centred to mean 0 and scaled to standard deviation 1."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    return (X - mean) / std
