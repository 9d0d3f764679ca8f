"""Reference solutions for chapter 6, Advanced optimizers."""

import numpy as np


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
