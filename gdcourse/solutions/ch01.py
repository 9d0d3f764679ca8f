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
