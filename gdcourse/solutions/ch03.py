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
