"""Reference solutions for chapter 9, When the step is not fixed."""

import numpy as np


def soft_threshold(v, tau):
    """Move every entry of v towards 0 by tau, stopping at 0."""
    return np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)


def elastic_net_prox(v, lr, alpha, l1_ratio):
    """prox of lr * alpha * (l1_ratio |w|_1 + (1 - l1_ratio) / 2 |w|^2) at v."""
    shrunk = np.sign(v) * np.maximum(np.abs(v) - lr * alpha * l1_ratio, 0.0)
    return shrunk / (1 + lr * alpha * (1 - l1_ratio))


def armijo_step(f, w, g, lr0, c, shrink):
    """The first of lr0, lr0 * shrink, lr0 * shrink^2, ... with enough decrease."""
    f_w, slope = f(w), g @ g
    lr = lr0
    while f(w - lr * g) > f_w - c * lr * slope:
        lr = lr * shrink
    return lr


def barzilai_borwein_step(w_prev, w, g_prev, g):
    """The long Barzilai-Borwein step s^T s / s^T y."""
    s, y = w - w_prev, g - g_prev
    return (s @ s) / (s @ y)


def saga_step(w, table, j, grad_j, lr):
    """One SAGA step with example j; returns the new w and the new table."""
    direction = grad_j - table[j] + table.mean(axis=0)
    new_table = table.copy()
    new_table[j] = grad_j
    return w - lr * direction, new_table
