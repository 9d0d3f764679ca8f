"""Hidden tests for chapter 1, Basics."""

import numpy as np

from ...solutions import ch01 as sol
from ..exercise import Case, Exercise, Mistake, register
from ._common import (REACHED, Verdict, experiment_fields, missed_by, over_budget,
                      regression, samples_in, sci, spd, unpack_settings)


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


# --------------------------------------------------------------------------------- steps_with_lr_09
_FACTOR_WORDS = ("Each step multiplies the distance w_t - 3 by 1 - 2 lr, here 1 - 1.8 = -0.8: "
                 "the sign flips, the size shrinks by 0.8.")

register(Exercise(
    id="ch01.steps_with_lr_09",
    title="Predict: how many steps with lr = 0.9?",
    reference=sol.steps_with_lr_09(),
    kind="value",
    output="int",
    what="your prediction of the number of steps after which |w_t - 3| <= 1e-3 for the first "
         "time, compared exactly with the count of the run.",
    mistakes=[
        Mistake("nine times faster, rounded", 4,
                "A rate nine times larger than 0.1 is not nine times faster here. What sets "
                "the speed is the factor 1 - 2 lr by which each step multiplies the distance "
                "to 3: compare its size for lr = 0.9 and for lr = 0.1."),
        Mistake("nine times faster, rounded up", 5,
                "Nine times the rate does not make nine times fewer steps: with lr = 0.9 each "
                "step overshoots 3 and lands on the other side. " + _FACTOR_WORDS),
        Mistake("oscillation counted double", 76,
                "Overshooting does not cost twice the steps. " + _FACTOR_WORDS + " Count how "
                "many factors 0.8 bring the starting distance 4 down to 1e-3."),
        Mistake("starting distance left out", 31,
                "You left out the starting distance: |w_0 - 3| = 4, so after t steps the "
                "distance is 4 * 0.8^t, not 0.8^t."),
        Mistake("one step short", 37,
                "One step short: after that many steps the distance is still a little above "
                "1e-3. The question asks for the first t with 4 * 0.8^t <= 1e-3: round up."),
        Mistake("one jump", 1,
                "Only lr = 0.5 jumps to 3 in one step (then 1 - 2 lr = 0). With lr = 0.9 the "
                "first step lands at 6.2, beyond 3. " + _FACTOR_WORDS),
        Mistake("never", 0,
                "0 would mean that the start is already within 1e-3 of 3. If you meant that "
                "the run never gets there: it does, because |1 - 2 lr| = 0.8 < 1, so the "
                "swings shrink."),
    ],
))


# ------------------------------------------------------------------------------------ bowl_settings
_CURVATURES = np.array([1.0, 6.0])           # f(w) = (w_1^2 + 6 w_2^2) / 2
_BOWL_TARGET, _BOWL_BUDGET = 1e-8, 40


def _bowl_cases(rng):
    for _ in range(3):
        angle = rng.uniform(0.35, 1.2)          # error along both coordinates
        signs = rng.choice([-1.0, 1.0], size=2)
        w0 = signs * np.sqrt(40 / _CURVATURES) * np.array([np.cos(angle), np.sin(angle)])
        yield Case((w0,), label="a random start where f = 20")


def _bowl_failure(lr, n_steps, f, parts) -> Verdict:
    factors = 1 - lr * _CURVATURES
    more = f" You may also use up to {_BOWL_BUDGET} steps." if n_steps < _BOWL_BUDGET else ""
    if not np.isfinite(f) or f > 20 or abs(factors[1]) > 1:
        return Verdict("diverged", f"Your run diverged: in {n_steps} steps f went from 20 to "
                                   f"{sci(f)}. Each step multiplies w_2, the steep coordinate "
                                   f"(curvature 6), by 1 - 6 lr = {factors[1]:.3g}: larger "
                                   f"than 1 in size, so it grows.")
    if parts[0] >= parts[1]:
        return Verdict("too slow", f"Your run was too slow: after {n_steps} steps f = "
                                   f"{missed_by(f, _BOWL_TARGET)}. Most of what is left lies "
                                   f"along w_1, the gently curved coordinate (curvature 1), "
                                   f"which each step multiplies by only 1 - lr = "
                                   f"{factors[0]:.3g}.{more}")
    return Verdict("zig-zagging", f"Your run kept zig-zagging: after {n_steps} steps f = "
                                  f"{missed_by(f, _BOWL_TARGET)}. Most of what is left lies "
                                  f"along w_2, the steep coordinate (curvature 6): each step "
                                  f"overshoots it and multiplies it by 1 - 6 lr = "
                                  f"{factors[1]:.3g}, which flips its sign but shrinks it too "
                                  f"little.{more}")


def _bowl_verdict(settings, w0) -> Verdict:
    """Re-run gradient descent on the elongated bowl with the learner's settings."""
    unpacked = unpack_settings(settings, {"lr": "rate", "n_steps": "count"})
    if isinstance(unpacked, Verdict):
        return unpacked
    lr, n_steps = unpacked
    late = over_budget("n_steps", n_steps, _BOWL_BUDGET)
    if late:
        return late
    w = np.array(w0, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            w = w - lr * _CURVATURES * w
        parts = 0.5 * _CURVATURES * w ** 2      # the loss along w_1 and along w_2
    f = float(parts.sum())
    return Verdict(REACHED) if f < _BOWL_TARGET else _bowl_failure(lr, n_steps, f, parts)


def _bowl_diverging():
    return 0.35, 40


def _bowl_timid():
    return 0.15, 40


def _bowl_near_the_limit():
    return 0.32, 40


def _bowl_too_many_steps():
    return 0.15, 200


register(Exercise(
    id="ch01.bowl_settings",
    title="Experiment: reach the bottom of the bowl in 40 steps",
    reference=sol.bowl_settings,
    what="your settings, re-run from the start (-4, 2) and from three random starts where "
         "f = 20 as well: f(w_n) must fall below 1e-8 with n_steps <= 40.",
    cases=_bowl_cases,
    edge_cases=[Case((np.array([-4.0, 2.0]),), label="the start (-4, 2)")],
    **experiment_fields(_bowl_verdict, "diverged", "too slow", "zig-zagging", "over budget"),
    mistakes=[
        Mistake("diverging rate", _bowl_diverging,
                "Along each coordinate the bowl is a parabola, as (w - 3)^2 was: a step "
                "multiplies w_1 by 1 - lr and w_2 by 1 - 6 lr. Once |1 - 6 lr| > 1, that is "
                "lr > 1/3, w_2 grows at every step: stay below 1/3."),
        Mistake("timid rate", _bowl_timid,
                "Your lr is safe but small: w_1 shrinks by only 1 - lr per step. Raise lr, up "
                "to where the steep coordinate, multiplied by 1 - 6 lr, starts to be the "
                "slower one."),
        Mistake("rate near the limit", _bowl_near_the_limit,
                "Your lr is close to the limit 1/3: w_2 flips its sign at every step and "
                "shrinks by only |1 - 6 lr|. Lower lr a little; the two coordinates shrink "
                "equally fast where |1 - lr| = |1 - 6 lr|."),
        Mistake("over the budget", _bowl_too_many_steps,
                "The goal includes the budget: at most 40 steps. With a well-chosen lr, 40 "
                "steps are plenty."),
    ],
))


# ----------------------------------------------------------------------------------------- fit_line
def _line_cases(rng):
    for m in (4, 25, 60):
        x = rng.uniform(-2, 2, m)
        y = rng.uniform(-3, 3) * x + rng.uniform(-2, 2) + rng.normal(0, 0.3, m)
        yield Case((x, y, float(rng.uniform(0.02, 0.2)), int(rng.integers(5, 26))),
                   label=f"random data with {m} points, a random rate and number of steps")


def _line_losses(x, y, lr, n_steps, slope_grad, bias_grad):
    """fit_line with the gradients with respect to w and b as functions of (residual, x)."""
    w, b, losses = 0.0, 0.0, []
    for _ in range(n_steps):
        residual = w * x + b - y
        losses.append(np.mean(residual ** 2) / 2)
        w, b = w - lr * slope_grad(residual, x), b - lr * bias_grad(residual, x)
    losses.append(np.mean((w * x + b - y) ** 2) / 2)
    return np.array(losses)


def _line_as_given(x, y, lr, n_steps):
    return _line_losses(x, y, lr, n_steps, lambda r, x: np.sum(r * x),
                        lambda r, x: np.mean(r))


def _line_bias_divided_twice(x, y, lr, n_steps):
    return _line_losses(x, y, lr, n_steps, lambda r, x: np.sum(r * x) / len(x),
                        lambda r, x: np.mean(r) / len(x))


def _line_product_of_means(x, y, lr, n_steps):
    return _line_losses(x, y, lr, n_steps, lambda r, x: np.mean(r) * np.mean(x),
                        lambda r, x: np.mean(r))


register(Exercise(
    id="ch01.fit_line",
    title="Debug: a line that will not fit",
    reference=sol.fit_line,
    what="the n_steps + 1 losses of the repaired function on random data sets of 4 to 60 "
         "points with random rates and numbers of steps, one point, zero steps and points "
         "exactly on a line.",
    cases=_line_cases,
    edge_cases=[Case((np.array([1.5]), np.array([2.0]), 0.1, 6), label="a single point"),
                Case((np.array([0.5, 1.0, 2.0]), np.array([1.0, 2.0, 4.0]), 0.1, 0),
                     label="zero steps"),
                Case((np.linspace(-1, 1, 9), 3 * np.linspace(-1, 1, 9) - 1, 0.2, 15),
                     label="points exactly on a line")],
    samples=samples_in(0),
    mistakes=[
        Mistake("the planted bug", _line_as_given,
                "These are the losses of the code as given: the bug is still there. Run it on "
                "the data of the exercise and look at the losses: they grow, although lr = "
                "0.1 is a small rate for data like these. Then compare the two update lines: "
                "one takes steps m times too long."),
        Mistake("bias divided twice", _line_bias_divided_twice,
                "Now the bias moves m times too slowly: np.mean already divides by m, so its "
                "gradient needs no second division."),
        Mistake("product of means", _line_product_of_means,
                "The derivative of the half MSE with respect to w is the mean of residual * x, "
                "not the mean of the residuals times the mean of x."),
    ],
))
