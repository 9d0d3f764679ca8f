"""Reference solutions for chapter 8, What the theory guarantees."""

import numpy as np


def accelerated_momentum(grad, w0, L, n_steps):
    """Nesterov's method as momentum: x_{k+1} = y_k - grad(y_k) / L,
    y_{k+1} = x_{k+1} + k / (k + 3) * (x_{k+1} - x_k), from x_0 = y_0 = w0."""
    x = y = np.asarray(w0, dtype=float)
    iterates = [x]
    for k in range(n_steps):
        x_next = y - grad(y) / L
        y = x_next + k / (k + 3) * (x_next - x)
        x = x_next
        iterates.append(x)
    return np.array(iterates)


def pl_constant(f_values, grad_norms, f_star):
    """The largest mu with |grad f|^2 / 2 >= mu (f - f*) at every sample above f*."""
    gap = f_values - f_star
    above = gap > 0
    return np.min(grad_norms[above] ** 2 / (2 * gap[above]))


def noise_floor_estimate(Z, y, lr):
    """First-order noise floor of single-example SGD: lr / 4 * mean_i r_i^2 |z_i|^2."""
    theta_star = np.linalg.lstsq(Z, y, rcond=None)[0]
    residuals = y - Z @ theta_star
    return lr / 4 * np.mean(residuals ** 2 * np.sum(Z ** 2, axis=1))


def polyak_ruppert(iterates, start):
    """Running means of iterates[start], ..., iterates[t] for t = start, ..., T."""
    tail = iterates[start:]
    counts = np.arange(1, len(tail) + 1)
    return np.cumsum(tail, axis=0) / counts[:, None]


def robbins_monro(p):
    """Do the steps 1 / (t + 1)^p satisfy sum eta_t = inf and sum eta_t^2 < inf?"""
    return 0.5 < p <= 1
