"""Reference solutions for chapter 4, The learning rate."""

import numpy as np


def largest_stable_lr(A):
    """The stability threshold 2 / lambda_max(A) of gradient descent on
    0.5 w^T A w - b^T w."""
    eigenvalues = np.linalg.eigvalsh(A)
    return 2 / eigenvalues[-1]


def optimal_constant_lr(A):
    """The constant step 2 / (L + mu) that minimises the worst contraction factor
    max |1 - lr * lambda|."""
    eigenvalues = np.linalg.eigvalsh(A)
    L, mu = eigenvalues[-1], eigenvalues[0]
    return 2 / (L + mu)


def step_decay(lr0, gamma, step_size, t):
    """Step decay: lr0 * gamma ** floor(t / step_size), for t = 0, 1, 2, ... steps
    taken."""
    return lr0 * gamma ** (t // step_size)


def cosine_annealing(lr0, eta_min, T_max, t):
    """eta_min + (lr0 - eta_min) * (1 + cos(pi t / T_max)) / 2."""
    return eta_min + 0.5 * (lr0 - eta_min) * (1 + np.cos(np.pi * t / T_max))


def lr_range_test(objective, w0, lr_min, lr_max, n_steps):
    """Losses f(w_{k+1}) of one run whose rate grows geometrically from lr_min to
    lr_max."""
    k = np.arange(n_steps)
    lrs = lr_min * (lr_max / lr_min) ** (k / (n_steps - 1))
    w = np.array(w0, dtype=float)
    losses = []
    for lr in lrs:
        w = w - lr * objective.grad(w)
        losses.append(objective.loss(w))
    return np.array(losses)
