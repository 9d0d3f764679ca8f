"""Reference solutions for chapter 1, Basics."""

import numpy as np


def gd_step(w, grad, lr):
    """One gradient-descent update: w - lr * grad (a new array; w is unchanged)."""
    return w - lr * grad


def parabola_descent(w0, lr, n_steps):
    """Iterates w_0, ..., w_n of gradient descent on f(w) = (w - 3)^2."""
    path = [w0]
    w = w0
    for _ in range(n_steps):
        w = w - lr * 2 * (w - 3)
        path.append(w)
    return np.array(path)


def quadratic_grad(A, b, w):
    """Gradient of f(w) = 0.5 w^T A w - b^T w for symmetric A."""
    return A @ w - b


def mse_loss(X, y, w, b):
    """Half mean squared error (1 / 2m) * ||X w + b - y||^2."""
    residual = X @ w + b - y
    return residual @ residual / (2 * len(y))


def linreg_gradient(X, y, theta):
    """Gradient of the half MSE with respect to theta = (b, w_1, ..., w_n)."""
    residual = X @ theta[1:] + theta[0] - y
    m = len(y)
    return np.concatenate([[residual.sum() / m], X.T @ residual / m])


def steps_with_lr_09():
    """Steps of gradient descent on (w - 3)^2 from w0 = -1 with lr = 0.9 until the
    distance |w_t - 3| is at most 1e-3 for the first time."""
    w, t = -1.0, 0
    while abs(w - 3) > 1e-3:
        w = w - 0.9 * 2 * (w - 3)
        t += 1
    return t


def bowl_settings():
    """A learning rate and a number of steps that bring f(w) = (w_1^2 + 6 w_2^2) / 2
    below 1e-8 within 40 steps, from any start where f = 20."""
    lr = 2 / 7          # then 1 - lr = 5/7 and 1 - 6 lr = -5/7: both shrink alike
    n_steps = 40
    return lr, n_steps


def fit_line(x, y, lr, n_steps):
    """Gradient descent on the half MSE of the line y = w x + b, from w = b = 0.
    Returns the losses J_0, ..., J_n as a NumPy array (n = n_steps)."""
    w, b = 0.0, 0.0
    losses = []
    for _ in range(n_steps):
        residual = w * x + b - y
        losses.append(np.mean(residual ** 2) / 2)
        w = w - lr * np.mean(residual * x)
        b = b - lr * np.mean(residual)
    residual = w * x + b - y
    losses.append(np.mean(residual ** 2) / 2)
    return np.array(losses)
