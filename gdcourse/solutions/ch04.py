"""Reference solutions for chapter 4, The learning rate."""

import numpy as np

from .. import schedules
from ..descent import gradient_descent
from ..objectives import Quadratic


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


def slowest_rate():
    """Which of four rates leaves the highest loss after 300 steps of gradient descent
    on the bowl of this chapter (eigenvalues 1 and 10, rotated), from (-4.5, -2.5)."""
    bowl = Quadratic.from_eigenvalues([1.0, 10.0], seed=1)
    rates = {"a": 0.02, "b": 0.1, "c": 0.18, "d": 0.199}
    losses = {}
    for label, lr in rates.items():
        run = gradient_descent(bowl, [-4.5, -2.5], lr=lr, max_iter=300, grad_tol=None)
        losses[label] = run.final_loss
    return max(losses, key=losses.get)


def sgd_schedule():
    """A schedule that brings SGD (one example per step) on this chapter's noisy least
    squares within 5e-4 of f* after 5 epochs, on average over shuffles."""
    # 1/t decay: 0.05 at first, where SGD is fast and stable, then a rate that falls
    # to 0.05 / 126 = 4e-4 by the end of the 2500 steps, taking the noise floor with it
    return schedules.InverseTimeDecay(0.05, k=0.05)


def warmup_cosine(lr0, warmup_steps, total_steps, t):
    """Linear warm-up from lr0 / 3 at t = 0 to lr0 at t = warmup_steps, then half a
    cosine from lr0 down to 0 at t = total_steps."""
    if t < warmup_steps:
        return lr0 * (1 / 3 + (2 / 3) * t / warmup_steps)
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return 0.5 * lr0 * (1 + np.cos(np.pi * progress))
