"""Reference solutions for chapter 8, What the theory guarantees."""

import numpy as np

from gdcourse import theory
from gdcourse.theory import sgd_ensemble


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


def floor_ratio(noisy, theta0):
    """The experiment: the noise floors of the constant steps 0.08 and 0.04, measured
    (mean excess of 500 runs over steps 1500-3000) and from the exact formula; prints
    both ratios and returns the measured one, rounded."""
    floors = []
    for lr in (0.08, 0.04):
        runs = sgd_ensemble(noisy, theta0, lr, 3000, n_runs=500, record_every=20,
                            random_state=5)
        error = runs.params[runs.steps >= 1500] - noisy.solution()
        floors.append(0.5 * np.mean(np.sum((error @ noisy.hessian()) * error, axis=2)))
    exact = theory.noise_floor(noisy, 0.08) / theory.noise_floor(noisy, 0.04)
    print(f"measured ratio {floors[0] / floors[1]:.3f}, exact {exact:.3f}")
    return round(floors[0] / floors[1])


def decreasing_steps():
    """c = 1.5: above 1, so that the error along the flattest direction falls faster
    than the 1/t of the noise; k = 1: the first step is 1.5/R^2, below the 2/R^2 at
    which a step on the largest example overshoots."""
    return 1.5, 1.0


def sgd_iterates(Z, y, theta0, lr, n_steps, rng):
    """Single-example SGD, examples drawn with replacement:
    theta <- theta - lr (z_i^T theta - y_i) z_i; returns theta_0, ..., theta_n."""
    theta = np.array(theta0, dtype=float)
    iterates = [theta]
    for _ in range(n_steps):
        i = rng.integers(len(y))
        theta = theta - lr * (Z[i] @ theta - y[i]) * Z[i]    # one example's gradient
        iterates.append(theta)
    return np.array(iterates)
