"""Hidden tests for chapter 1, Basics."""

import numpy as np

from ...solutions import ch01 as sol
from ..exercise import Case, Exercise, Mistake, register
from ._common import regression, samples_in, spd


# ------------------------------------------------------------------------------------------ gd_step
def _gd_step_cases(rng):
    for n in (1, 3, 10):
        yield Case((rng.standard_normal(n), rng.standard_normal(n),
                    float(rng.uniform(0.01, 0.9))),
                   label=f"a random {n}-dimensional point, gradient and learning rate")
    yield Case((rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), 0.3),
               label="matrix-shaped parameters")


def _step_uphill(w, grad, lr):
    return w + lr * grad


def _step_without_lr(w, grad, lr):
    return w - grad


def _step_divided_by_lr(w, grad, lr):
    return w - grad / lr


register(Exercise(
    id="ch01.gd_step",
    title="One gradient-descent step",
    reference=sol.gd_step,
    what="that w, grad and lr give the point one step downhill, for vectors of several sizes, "
         "matrix-shaped parameters, a zero gradient and large values; the input w must not be "
         "changed.",
    cases=_gd_step_cases,
    edge_cases=[Case((np.array([1.5, -2.0]), np.zeros(2), 0.1), label="a zero gradient"),
                Case((np.array([1e8, -3e7]), np.array([2e9, 5e8]), 1e-3),
                     label="large values")],
    mistakes=[
        Mistake("plus sign", _step_uphill,
                "You moved up the slope. The gradient points uphill, so the step subtracts "
                "lr * grad."),
        Mistake("forgot lr", _step_without_lr,
                "The step ignores the learning rate: multiply the gradient by lr before "
                "subtracting."),
        Mistake("divided by lr", _step_divided_by_lr,
                "You divided the gradient by the learning rate; the step is lr times the "
                "gradient."),
    ],
    forbid_mutation=True,
))


# --------------------------------------------------------------------------------- parabola_descent
def _parabola_cases(rng):
    for _ in range(4):
        yield Case((float(rng.uniform(-10, 10)), float(rng.uniform(0.01, 0.45)),
                    int(rng.integers(3, 25))),
                   label="a random start, learning rate and number of steps")
    yield Case((float(rng.uniform(-5, 5)), 1.05, 6),
               label="a learning rate above 1, where the path oscillates outwards")


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
         "learning rates and step counts, a start at the minimum, zero steps, and a learning "
         "rate that overshoots.",
    cases=_parabola_cases,
    edge_cases=[Case((3.0, 0.1, 5), label="a start exactly at the minimum"),
                Case((-4.0, 0.2, 0), label="zero steps")],
    mistakes=[
        Mistake("derivative without the 2", _parabola_mistake_no_two,
                "Your steps are half as long as they should be: the derivative of (w - 3)^2 is "
                "2 (w - 3)."),
        Mistake("derivative with the wrong sign", _parabola_mistake_wrong_sign,
                "Your path walks away from the minimum at w = 3: check the sign of the "
                "derivative."),
        Mistake("gradient computed once", _parabola_mistake_stale_gradient,
                "Every step uses the same gradient. Recompute the derivative at the current w "
                "inside the loop."),
    ],
))


# ----------------------------------------------------------------------------------- quadratic_grad
def _quadratic_cases(rng):
    for n in (2, 3, 6):
        yield Case((spd(rng, n), rng.standard_normal(n), rng.standard_normal(n)),
                   label=f"a random {n}-dimensional quadratic and point")


def _quadratic_plus_b(A, b, w):
    return A @ w + b


def _quadratic_negative(A, b, w):
    return b - A @ w


def _quadratic_half(A, b, w):
    return 0.5 * A @ w - b


def _quadratic_elementwise(A, b, w):
    return A * w - b


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
        Mistake("plus b", _quadratic_plus_b,
                "The linear term -b^T w contributes -b to the gradient, not +b."),
        Mistake("b minus Aw", _quadratic_negative,
                "You computed the negative gradient (the descent direction). Return the "
                "gradient itself: A w - b."),
        Mistake("half of Aw", _quadratic_half,
                "The 1/2 in front of w^T A w cancels when you differentiate: the gradient of "
                "0.5 w^T A w is A w."),
        Mistake("elementwise product", _quadratic_elementwise,
                "A * w multiplies entry by entry (it scales each column j of A by w[j]) and "
                "gives a matrix; the matrix-vector product A w is A @ w (or np.dot(A, w))."),
    ],
))


# ----------------------------------------------------------------------------------------- mse_loss
def _mse_cases(rng):
    for m, n in ((20, 3), (7, 1), (50, 5)):
        X, y = regression(rng, m, n)
        yield Case((X, y, rng.standard_normal(n), float(rng.standard_normal())),
                   label=f"random data with {m} samples and {n} features")


def _mse_no_half(X, y, w, b):
    return np.mean((X @ w + b - y) ** 2)


def _mse_sum(X, y, w, b):
    return 0.5 * np.sum((X @ w + b - y) ** 2)


def _mse_no_bias(X, y, w, b):
    return np.mean((X @ w - y) ** 2) / 2


def _mse_root(X, y, w, b):
    return np.sqrt(np.mean((X @ w + b - y) ** 2)) / 2


register(Exercise(
    id="ch01.mse_loss",
    title="The half mean squared error",
    reference=sol.mse_loss,
    output="scalar",
    what="the loss (1/2m) ||X w + b - y||^2 as one number for random data sets of several "
         "sizes, a single sample, one feature, a perfect fit (loss 0) and a non-zero bias.",
    cases=_mse_cases,
    edge_cases=[Case((np.array([[2.0, -1.0]]), np.array([3.0]), np.array([0.5, 0.25]), 1.0),
                     label="a single sample"),
                Case((np.array([[1.0], [2.0]]), np.array([3.0, 5.0]), np.array([2.0]), 1.0),
                     label="a perfect fit")],
    samples=samples_in(1),
    mistakes=[
        Mistake("no one half", _mse_no_half,
                "This is the plain mean squared error; the course's loss has an extra 1/2 in "
                "front: (1/2m) * sum."),
        Mistake("sum instead of mean", _mse_sum,
                "You summed the squared errors without dividing by the number of samples m."),
        Mistake("forgot the bias", _mse_no_bias,
                "The prediction is X w + b: your loss does not depend on the bias b."),
        Mistake("root of the mean", _mse_root,
                "You took a square root: the loss is the mean of the squared errors, not its "
                "root."),
    ],
))


# ---------------------------------------------------------------------------------- linreg_gradient
def _linreg_cases(rng):
    for m, n in ((30, 2), (12, 4), (200, 8)):
        X, y = regression(rng, m, n, scale=float(rng.uniform(0.5, 3)))
        yield Case((X, y, rng.standard_normal(n + 1)),
                   label=f"random data with {m} samples and {n} features")


def _residual(X, y, theta):
    return X @ theta[1:] + theta[0] - y


def _linreg_wrong_sign(X, y, theta):
    return -sol.linreg_gradient(X, y, theta)


def _linreg_sum(X, y, theta):
    r = _residual(X, y, theta)
    return np.concatenate([[r.sum()], X.T @ r])


def _linreg_factor_two(X, y, theta):
    return 2 * sol.linreg_gradient(X, y, theta)


def _linreg_no_bias_gradient(X, y, theta):
    return np.concatenate([[0.0], X.T @ _residual(X, y, theta) / len(y)])


def _linreg_bias_last(X, y, theta):
    r = _residual(X, y, theta)
    return np.concatenate([X.T @ r / len(y), [r.mean()]])


def _linreg_residual_without_bias(X, y, theta):
    r = X @ theta[1:] - y
    return np.concatenate([[r.mean()], X.T @ r / len(y)])


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
                Case((np.array([[1.0], [2.0], [4.0]]), np.array([3.0, 5.0, 9.0]),
                      np.array([1.0, 2.0])),
                     label="one feature at the exact solution")],
    samples=samples_in(1),
    mistakes=[
        Mistake("wrong sign", _linreg_wrong_sign,
                "Your gradient has the opposite sign: the residual is prediction minus target, "
                "X w + b - y."),
        Mistake("sum instead of mean", _linreg_sum,
                "You summed over the samples: divide by the number of samples m."),
        Mistake("factor two", _linreg_factor_two,
                "Your gradient is twice too large: with the 1/(2m) convention the 2 from the "
                "square cancels."),
        Mistake("bias gradient forgotten", _linreg_no_bias_gradient,
                "The bias entry theta[0] needs its own gradient: the mean of the residuals."),
        Mistake("bias entry last", _linreg_bias_last,
                "Your bias entry is at the end. theta = (b, w_1, ..., w_n) has the bias first, "
                "so the gradient starts with the mean residual, followed by X^T r / m."),
        Mistake("bias missing from the residual", _linreg_residual_without_bias,
                "Your residuals leave out the bias: with theta = (b, w) they are "
                "X @ theta[1:] + theta[0] - y."),
    ],
))
