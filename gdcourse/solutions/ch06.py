"""Reference solutions for chapter 6, Advanced optimizers."""

import numpy as np

from gdcourse.optim import SGD


def momentum_step(w, v, grad, lr, beta):
    """Momentum in the EMA form: v_new = beta v + (1 - beta) grad,
    w_new = w - lr v_new."""
    v_new = beta * v + (1 - beta) * grad
    w_new = w - lr * v_new
    return w_new, v_new


def nesterov_step(w, b, grad, lr, momentum):
    """Nesterov momentum as torch.optim.SGD: b_new = beta b + grad,
    w_new = w - lr (grad + beta b_new), with beta = momentum."""
    b_new = momentum * b + grad
    w_new = w - lr * (grad + momentum * b_new)
    return w_new, b_new


def rmsprop_step(w, v, grad, lr, beta, eps):
    """RMSprop with eps outside the root: v_new = beta v + (1 - beta) grad^2,
    w_new = w - lr grad / (sqrt(v_new) + eps)."""
    v_new = beta * v + (1 - beta) * grad ** 2
    w_new = w - lr * grad / (np.sqrt(v_new) + eps)
    return w_new, v_new


def adam_step(w, m, v, grad, t, lr, beta1, beta2, eps):
    """Adam step number t (t = 1 for the first step), with bias correction:
    m_hat = m_new / (1 - beta1^t), v_hat = v_new / (1 - beta2^t),
    w_new = w - lr m_hat / (sqrt(v_hat) + eps)."""
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m_new / (1 - beta1 ** t)
    v_hat = v_new / (1 - beta2 ** t)
    w_new = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w_new, m_new, v_new


def polyak_parameters(L, mu):
    """Polyak's optimal heavy ball for a quadratic with eigenvalues in [mu, L]:
    lr = 4 / (sqrt(L) + sqrt(mu))^2,
    momentum = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2."""
    sqrt_kappa = np.sqrt(L / mu)
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    momentum = ((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2
    return float(lr), float(momentum)


def best_momentum(valley, start):
    """The experiment: the heavy ball with lr = 1/L from `start`, for each momentum of
    the question; prints the steps each needs to reach f < 1e-8, returns the fastest."""
    steps = {}
    for momentum in ("0", "0.5", "0.8", "0.9", "0.99"):
        optimizer = SGD(lr=1 / valley.L, momentum=float(momentum))
        w, t = np.array(start, dtype=float), 0
        while valley.loss(w) >= 1e-8:
            w, t = optimizer.step(w, valley.grad(w)), t + 1
        steps[momentum] = t
        print(f"momentum {momentum:>4}: {t:5d} steps")
    return min(steps, key=steps.get)


def valley_settings():
    """Polyak's optimal heavy ball for the valley's eigenvalues mu = 1 and L = 50."""
    L, mu = 50.0, 1.0
    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    momentum = ((np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1)) ** 2
    return lr, momentum


def adam_iterates(grad, w0, lr, n_steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam from w0, t = 1, 2, ... counting the steps so that the first one is bias
    corrected too; returns w_0, ..., w_n, one per row."""
    w = np.array(w0, dtype=float)
    m, v = np.zeros_like(w), np.zeros_like(w)
    iterates = [w]
    for t in range(1, n_steps + 1):
        g = grad(w)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        iterates.append(w)
    return np.array(iterates)
