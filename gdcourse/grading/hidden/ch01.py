"""Hidden tests for chapter 1, Basics."""

import numpy as np

from ...solutions import ch01 as sol
from ..core import Case, Exercise, Mistake, register


def _spd(rng, n):
    """A random symmetric positive definite matrix with condition number below ~50."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * rng.uniform(0.5, 25.0, n)) @ Q.T


def _regression(rng, m, n, scale=1.0):
    X = rng.standard_normal((m, n)) * scale
    return X, X @ rng.standard_normal(n) + rng.normal(0, 0.5, m)


# --------------------------------------------------------------------------- gd_step
def _gd_step_cases(rng):
    for n in (1, 3, 10):
        yield Case((rng.standard_normal(n), rng.standard_normal(n), float(rng.uniform(0.01, 0.9))),
                   label=f"a random {n}-dimensional point, gradient and learning rate")
    yield Case((rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), 0.3),
               label="matrix-shaped parameters")


register(Exercise(
    id="ch01.gd_step",
    title="One gradient-descent step",
    reference=sol.gd_step,
    what="that w, grad and lr give the point one step downhill, for vectors of several sizes, "
         "matrix-shaped parameters, a zero gradient and large values; the input w must not be "
         "changed.",
    cases=_gd_step_cases,
    edge_cases=[Case((np.array([1.5, -2.0]), np.zeros(2), 0.1), label="a zero gradient"),
                Case((np.array([1e8, -3e7]), np.array([2e9, 5e8]), 1e-3), label="large values")],
    mistakes=[
        Mistake("plus sign", lambda w, grad, lr: w + lr * grad,
                "You moved up the slope. The gradient points uphill, so the step subtracts lr * grad."),
        Mistake("forgot lr", lambda w, grad, lr: w - grad,
                "The step ignores the learning rate: multiply the gradient by lr before subtracting."),
        Mistake("divided by lr", lambda w, grad, lr: w - grad / lr,
                "You divided the gradient by the learning rate; the step is lr times the gradient."),
    ],
    forbid_mutation=True,
))


# --------------------------------------------------------------------------- parabola_descent
def _parabola_cases(rng):
    for _ in range(4):
        yield Case((float(rng.uniform(-10, 10)), float(rng.uniform(0.01, 0.45)), int(rng.integers(3, 25))),
                   label="a random start, learning rate and number of steps")
    yield Case((float(rng.uniform(-5, 5)), 1.05, 6), label="a learning rate above 1, where the path oscillates outwards")


def _parabola_mistake_no_two(w0, lr, n_steps):
    path = [w0]
    for _ in range(n_steps):
        path.append(path[-1] - lr * (path[-1] - 3))
    return np.array(path)


def _parabola_mistake_wrong_sign(w0, lr, n_steps):
    path = [w0]
    for _ in range(n_steps):
        path.append(path[-1] - lr * 2 * (3 - path[-1]))
    return np.array(path)


def _parabola_mistake_stale_gradient(w0, lr, n_steps):
    """Uses the gradient at the starting point for every step."""
    g = 2 * (w0 - 3)
    return np.array([w0 - k * lr * g for k in range(n_steps + 1)])


register(Exercise(
    id="ch01.parabola_descent",
    title="Gradient descent on a parabola",
    reference=sol.parabola_descent,
    what="the whole path w_0, ..., w_n (the start included, n + 1 values) from random starts, "
         "learning rates and step counts, a start at the minimum, zero steps, and a learning rate "
         "that overshoots.",
    cases=_parabola_cases,
    edge_cases=[Case((3.0, 0.1, 5), label="a start exactly at the minimum"),
                Case((-4.0, 0.2, 0), label="zero steps")],
    mistakes=[
        Mistake("derivative without the 2", _parabola_mistake_no_two,
                "Your steps are half as long as they should be: the derivative of (w - 3)^2 is 2 (w - 3)."),
        Mistake("derivative with the wrong sign", _parabola_mistake_wrong_sign,
                "Your path walks away from the minimum at w = 3: check the sign of the derivative."),
        Mistake("gradient computed once", _parabola_mistake_stale_gradient,
                "Every step uses the same gradient. Recompute the derivative at the current w inside the loop."),
    ],
))


# --------------------------------------------------------------------------- quadratic_grad
def _quadratic_cases(rng):
    for n in (2, 3, 6):
        yield Case((_spd(rng, n), rng.standard_normal(n), rng.standard_normal(n)),
                   label=f"a random {n}-dimensional quadratic and point")


register(Exercise(
    id="ch01.quadratic_grad",
    title="Gradient of a quadratic",
    reference=sol.quadratic_grad,
    what="the gradient A w - b of 0.5 w^T A w - b^T w for random symmetric positive definite A "
         "in 1, 2, 3 and 6 dimensions, at the minimiser (gradient zero) and at random points.",
    cases=_quadratic_cases,
    edge_cases=[Case((np.array([[2.0]]), np.array([4.0]), np.array([2.0])),
                     label="a one-dimensional quadratic at its minimum"),
                Case((np.diag([1.0, 100.0]), np.array([1.0, 1.0]), np.array([0.5, -0.25])),
                     label="a diagonal, badly conditioned quadratic")],
    mistakes=[
        Mistake("plus b", lambda A, b, w: A @ w + b,
                "The linear term -b^T w contributes -b to the gradient, not +b."),
        Mistake("b minus Aw", lambda A, b, w: b - A @ w,
                "You computed the negative gradient (the descent direction). Return the gradient itself: A w - b."),
        Mistake("half of Aw", lambda A, b, w: 0.5 * A @ w - b,
                "The 1/2 in front of w^T A w cancels when you differentiate: the gradient of 0.5 w^T A w is A w."),
    ],
))


# --------------------------------------------------------------------------- mse_loss
def _mse_cases(rng):
    for m, n in ((20, 3), (7, 1), (50, 5)):
        X, y = _regression(rng, m, n)
        yield Case((X, y, rng.standard_normal(n), float(rng.standard_normal())),
                   label=f"random data with {m} samples and {n} features")


def _one_sample():
    return Case((np.array([[2.0, -1.0]]), np.array([3.0]), np.array([0.5, 0.25]), 1.0), label="a single sample")


register(Exercise(
    id="ch01.mse_loss",
    title="The half mean squared error",
    reference=sol.mse_loss,
    output="scalar",
    what="the loss (1/2m) ||X w + b - y||^2 as one number for random data sets of several sizes, "
         "a single sample, one feature, a perfect fit (loss 0) and a non-zero bias.",
    cases=_mse_cases,
    edge_cases=[_one_sample(),
                Case((np.array([[1.0], [2.0]]), np.array([3.0, 5.0]), np.array([2.0]), 1.0),
                     label="a perfect fit")],
    mistakes=[
        Mistake("no one half", lambda X, y, w, b: np.mean((X @ w + b - y) ** 2),
                "This is the plain mean squared error; the course's loss has an extra 1/2 in front: (1/2m) * sum."),
        Mistake("sum instead of mean", lambda X, y, w, b: 0.5 * np.sum((X @ w + b - y) ** 2),
                "You summed the squared errors without dividing by the number of samples m."),
        Mistake("forgot the bias", lambda X, y, w, b: np.mean((X @ w - y) ** 2) / 2,
                "The prediction is X w + b: your loss does not depend on the bias b."),
        Mistake("root of the mean", lambda X, y, w, b: np.sqrt(np.mean((X @ w + b - y) ** 2)) / 2,
                "You took a square root: the loss is the mean of the squared errors, not its root."),
    ],
))


# --------------------------------------------------------------------------- linreg_gradient
def _linreg_cases(rng):
    for m, n in ((30, 2), (12, 4), (200, 8)):
        X, y = _regression(rng, m, n, scale=float(rng.uniform(0.5, 3)))
        yield Case((X, y, rng.standard_normal(n + 1)), label=f"random data with {m} samples and {n} features")


def _residual(X, y, theta):
    return X @ theta[1:] + theta[0] - y


register(Exercise(
    id="ch01.linreg_gradient",
    title="The gradient of linear regression",
    reference=sol.linreg_gradient,
    what="the gradient of the half MSE with respect to theta = (b, w_1, ..., w_n), bias first, "
         "for random data sets, a single sample, one feature, and the least-squares solution "
         "(where the gradient is zero).",
    cases=_linreg_cases,
    edge_cases=[Case((np.array([[2.0, -1.0]]), np.array([3.0]), np.array([1.0, 0.5, 0.25])),
                     label="a single sample"),
                Case((np.array([[1.0], [2.0], [4.0]]), np.array([3.0, 5.0, 9.0]), np.array([1.0, 2.0])),
                     label="one feature at the exact solution")],
    mistakes=[
        Mistake("wrong sign", lambda X, y, t: -sol.linreg_gradient(X, y, t),
                "Your gradient has the opposite sign: the residual is prediction minus target, X w + b - y."),
        Mistake("sum instead of mean",
                lambda X, y, t: np.concatenate([[_residual(X, y, t).sum()], X.T @ _residual(X, y, t)]),
                "You summed over the samples: divide by the number of samples m."),
        Mistake("factor two", lambda X, y, t: 2 * sol.linreg_gradient(X, y, t),
                "Your gradient is twice too large: with the 1/(2m) convention the 2 from the square cancels."),
        Mistake("bias gradient forgotten", lambda X, y, t: np.concatenate([[0.0], X.T @ _residual(X, y, t) / len(y)]),
                "The bias entry theta[0] needs its own gradient: the mean of the residuals."),
    ],
))
