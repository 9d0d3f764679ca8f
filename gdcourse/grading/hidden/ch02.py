"""Hidden tests for chapter 2, Deriving the gradient."""

import numpy as np

from ...objectives import sigmoid
from ...solutions import ch02 as sol
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import is_number, output_problem, values_close
from ..sandbox import describe_type
from ._common import (REACHED, Invalid, Verdict, experiment_fields, missed_by, regression,
                      samples_in, sci, unpack_settings)


def _classification(rng, m, n, scale=1.0):
    X = rng.standard_normal((m, n)) * scale
    w_true = rng.standard_normal(n)
    y = (rng.random(m) < 0.5 * (1 + np.tanh(0.5 * X @ w_true))).astype(float)
    return X, y


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --------------------------------------------------------------------------- directional_derivative
def _directional_cases(rng):
    for n in (2, 3, 7):
        yield Case((rng.standard_normal(n) * 3,
                    rng.standard_normal(n) * float(rng.uniform(0.2, 5))),
                   label=f"a random {n}-dimensional gradient and direction")


def _directional_unnormalised(grad, d):
    return float(grad @ d)


def _directional_squared_length(grad, d):
    return float(grad @ d / (d @ d))


def _directional_cosine(grad, d):
    return float(grad @ d / (np.linalg.norm(grad) * np.linalg.norm(d)))


def _directional_absolute(grad, d):
    return abs(float(grad @ d / np.linalg.norm(d)))


register(Exercise(
    id="ch02.directional_derivative",
    title="A directional derivative",
    reference=sol.directional_derivative,
    output="scalar",
    what="grad^T d / ||d|| for random gradients and directions of any length, a direction "
         "along the gradient, against it, at right angles to it, a long direction vector and "
         "one dimension.",
    cases=_directional_cases,
    edge_cases=[Case((np.array([3.0, 4.0]), np.array([0.6, 0.8])),
                     label="a unit direction along the gradient"),
                Case((np.array([3.0, 4.0]), np.array([-6.0, -8.0])),
                     label="a long direction against the gradient"),
                Case((np.array([1.0, -2.0, 0.5]), np.array([2.0, 1.0, 0.0])),
                     label="a direction at right angles to the gradient"),
                Case((np.array([-1.5]), np.array([4.0])), label="one dimension")],
    mistakes=[
        Mistake("direction not normalised", _directional_unnormalised,
                "Your rate grows with the length of d. Only the direction counts: divide d by "
                "its length before taking the dot product."),
        Mistake("divided by the squared length", _directional_squared_length,
                "You divided by the squared length of d. A unit vector is d divided by its "
                "length ||d||, the square root of d . d."),
        Mistake("cosine only", _directional_cosine,
                "You returned only the cosine of the angle. The rate of change also scales with "
                "the length of the gradient: ||grad|| cos(angle)."),
        Mistake("absolute value", _directional_absolute,
                "Your rate is never negative, but moving against the gradient makes f "
                "decrease: keep the sign of the dot product."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------- mse_gradient
def _mse_gradient_cases(rng):
    for m, n in ((20, 3), (9, 1), (60, 5)):
        X, y = regression(rng, m, n, scale=float(rng.uniform(0.5, 3)))
        yield Case((X, y, rng.standard_normal(n)),
                   label=f"random data with {m} samples and {n} features")


def _mse_factor_two(X, y, w):
    return 2 * X.T @ (X @ w - y) / len(y)


def _mse_gradient_sum(X, y, w):
    return X.T @ (X @ w - y)


def _mse_wrong_sign(X, y, w):
    return X.T @ (y - X @ w) / len(y)


def _mse_per_feature(X, y, w):
    return X.T @ (X @ w - y) / X.shape[1]


register(Exercise(
    id="ch02.mse_gradient",
    title="The gradient of the half MSE",
    reference=sol.mse_gradient,
    what="the gradient of (1/2m) ||X w - y||^2 (no bias) for random data sets of several sizes, "
         "a single sample, one feature, an exact fit (gradient zero) and large values.",
    cases=_mse_gradient_cases,
    edge_cases=[Case((np.array([[2.0, -1.0, 0.5]]), np.array([3.0]), np.array([0.5, 0.25, -1.0])),
                     label="a single sample"),
                Case((np.array([[1.0], [2.0], [4.0]]), np.array([2.0, 4.0, 8.0]), np.array([2.0])),
                     label="one feature at an exact fit (gradient zero)"),
                Case((np.array([[1e3, -2e3], [3e3, 5e2], [-4e3, 1e3], [2e3, 2e3]]),
                      np.array([1e6, -2e6, 5e5, 3e6]), np.array([150.0, -250.0])),
                     label="large values")],
    samples=samples_in(1),
    mistakes=[
        Mistake("factor two", _mse_factor_two,
                "Your gradient is twice too large. That is the gradient of the plain MSE (1/m); "
                "with the 1/(2m) convention the 2 from the square cancels."),
        Mistake("sum instead of mean", _mse_gradient_sum,
                "You summed over the samples: the loss is a mean, so its gradient keeps the 1/m."),
        Mistake("wrong sign", _mse_wrong_sign,
                "Your gradient points the wrong way: differentiate the residual X w - y "
                "(prediction minus target), not y - X w."),
        Mistake("divided by the number of features", _mse_per_feature,
                "You divided by the wrong count: m is the number of samples (rows of X), not of "
                "features."),
    ],
    forbid_mutation=True,
))


# -------------------------------------------------------------------------------- logistic_gradient
def _logistic_cases(rng):
    for m, n in ((25, 2), (8, 1), (80, 6)):
        X, y = _classification(rng, m, n, scale=float(rng.uniform(0.5, 2)))
        yield Case((X, y, rng.standard_normal(n)),
                   label=f"random data with {m} samples and {n} features")


def _logistic_wrong_sign(X, y, w):
    return X.T @ (y - _sigmoid(X @ w)) / len(y)


def _logistic_sum(X, y, w):
    return X.T @ (_sigmoid(X @ w) - y)


def _logistic_extra_derivative(X, y, w):
    p = _sigmoid(X @ w)
    return X.T @ ((p - y) * p * (1 - p)) / len(y)


def _logistic_no_sigmoid(X, y, w):
    return X.T @ (X @ w - y) / len(y)


register(Exercise(
    id="ch02.logistic_gradient",
    title="The gradient of logistic regression",
    reference=sol.logistic_gradient,
    what="the gradient (1/m) X^T (sigmoid(X w) - y) of the mean cross-entropy (no bias) for "
         "random data sets, a single sample, one feature, w = 0 (every probability 1/2) and "
         "large scores where the sigmoid saturates.",
    cases=_logistic_cases,
    edge_cases=[Case((np.array([[1.5, -0.5]]), np.array([1.0]), np.array([0.4, 0.8])),
                     label="a single sample"),
                Case((np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0]]), np.array([1.0, 0.0, 1.0]),
                      np.zeros(2)), label="w = 0, where every probability is 1/2"),
                Case((np.array([[30.0, -10.0], [-25.0, 40.0], [8.0, 12.0], [-3.0, -15.0]]),
                      np.array([1.0, 1.0, 0.0, 0.0]), np.array([2.0, 1.5])),
                     label="large scores, where the sigmoid saturates")],
    samples=samples_in(1),
    mistakes=[
        Mistake("wrong sign", _logistic_wrong_sign,
                "Your gradient has the opposite sign: the derivative of the loss with respect "
                "to the score is p - y (probability minus label)."),
        Mistake("sum instead of mean", _logistic_sum,
                "You summed over the samples: the loss is the mean cross-entropy, so keep the "
                "1/m."),
        Mistake("extra sigmoid derivative", _logistic_extra_derivative,
                "You multiplied by sigma'(z) = p (1 - p) once too often. With the cross-entropy "
                "loss that factor cancels against the derivative of the logarithm."),
        Mistake("forgot the sigmoid", _logistic_no_sigmoid,
                "You used the raw score X w as the prediction. In logistic regression the "
                "prediction is the probability sigma(X w)."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------- numerical_gradient
def _quadratic(A, b):
    return lambda w: 0.5 * w @ A @ w - b @ w


def _sine_wave(w):
    return float(np.sum(np.sin(w) * w))


def _rosenbrock(w):
    return float(np.sum(100.0 * (w[1:] - w[:-1] ** 2) ** 2 + (1.0 - w[:-1]) ** 2))


def _log_sum_exp(w):
    top = np.max(w)
    return float(top + np.log(np.sum(np.exp(w - top))))


def _cubic(w):
    return float(np.sum(w ** 3) / 3 + w[0] * w[-1])


def _numerical_cases(rng):
    n = int(rng.integers(2, 6))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * rng.uniform(0.5, 10, n)) @ Q.T
    yield Case((_quadratic(A, rng.standard_normal(n)), rng.standard_normal(n), 1e-4),
               label=f"a random {n}-dimensional quadratic")
    yield Case((_sine_wave, rng.uniform(-3, 3, 4), 1e-3),
               label="the function sum(w sin(w)) in 4 dimensions")
    yield Case((_rosenbrock, rng.uniform(-1.5, 1.5, 3), 1e-5),
               label="a 3-dimensional Rosenbrock function")
    yield Case((_log_sum_exp, rng.standard_normal(5) * 2, 1e-2),
               label="log-sum-exp in 5 dimensions")
    yield Case((_cubic, rng.uniform(-2, 2, 3), 1e-3),
               label="a cubic with a coupling term, in 3 dimensions")


def _unit_steps(w, eps):
    return [eps * e for e in np.eye(len(w))]


def _numerical_forward(f, w, eps):
    return np.array([(f(w + step) - f(w)) / eps for step in _unit_steps(w, eps)])


def _numerical_over_eps(f, w, eps):
    return np.array([(f(w + step) - f(w - step)) / eps for step in _unit_steps(w, eps)])


def _numerical_wrong_sign(f, w, eps):
    return np.array([(f(w - step) - f(w + step)) / (2 * eps) for step in _unit_steps(w, eps)])


def _numerical_all_at_once(f, w, eps):
    return np.full(len(w), (f(w + eps) - f(w - eps)) / (2 * eps))


register(Exercise(
    id="ch02.numerical_gradient",
    title="A numerical gradient by central differences",
    reference=sol.numerical_gradient,
    what="central differences of several functions (quadratics, a sine wave, Rosenbrock, "
         "log-sum-exp, a cubic) in 1 to 5 dimensions and with steps eps from 1e-2 to 1e-6, "
         "including a one-dimensional w and a point where the gradient is zero; w must hold "
         "exactly its old values afterwards.",
    cases=_numerical_cases,
    edge_cases=[Case((_sine_wave, np.array([1.2]), 1e-3), label="a one-dimensional w"),
                Case((_quadratic(np.diag([2.0, 5.0]), np.array([2.0, -5.0])),
                      np.array([1.0, -1.0]), 1e-6),
                     label="the minimum of a quadratic (gradient zero)")],
    rtol=1e-7,
    atol=1e-9,
    forbid_mutation=True,
    mistakes=[
        Mistake("forward difference", _numerical_forward,
                "This is a forward difference (f(w + eps e_i) - f(w)) / eps. Step to both sides "
                "of w: a central difference is much more accurate."),
        Mistake("divided by eps", _numerical_over_eps,
                "The two evaluation points are 2 eps apart, so divide their difference by "
                "2 eps."),
        Mistake("wrong sign", _numerical_wrong_sign,
                "Your estimate has the opposite sign: subtract f(w - eps e_i) from "
                "f(w + eps e_i), not the other way round."),
        Mistake("all coordinates at once", _numerical_all_at_once,
                "You moved every coordinate at once, which measures one directional "
                "derivative. A partial derivative moves one coordinate e_i at a time and keeps "
                "the others fixed."),
    ],
))


# ------------------------------------------------------------------------------ backprop_one_hidden
_NAMES = ("dW1", "db1", "dW2", "db2")


def _tuple_problem(grads) -> Invalid | None:
    if isinstance(grads, (tuple, list)) and len(grads) == 4:
        return None
    length = f" of length {len(grads)}" if isinstance(grads, (tuple, list)) else ""
    return Invalid("must return the four gradients as a tuple (dW1, db1, dW2, db2); "
                   f"it returned {describe_type(grads)}{length}.")


def _gradient_problem(name, grad, param) -> Invalid | None:
    if not isinstance(grad, np.ndarray) and not is_number(grad):
        return Invalid(f"returned {name} as {describe_type(grad)}; each gradient must be a "
                       f"NumPy array (db2 may be a number).")
    grad = np.asarray(grad)
    if grad.shape != np.shape(param) and not (name == "db2" and grad.size == 1):
        return Invalid(f"returned {name} with shape {grad.shape}, but its parameter has shape "
                       f"{np.shape(param)}. Each gradient has the shape of its parameter: "
                       f"check which axis you sum over and the order of the matrix product.")
    return None


def _pack(grads, case):
    """The four gradients as one vector, or an Invalid saying what is wrong with them."""
    problem = _tuple_problem(grads)
    if problem:
        return problem
    for name, grad, param in zip(_NAMES, grads, case.args[2:]):
        problem = _gradient_problem(name, grad, param)
        if problem:
            return problem
    return np.concatenate([np.ravel(grad) for grad in grads])


def _run_backprop(function, case):
    return _pack(function(*case.args, **case.kwargs), case)


def _wrong_parts(got, expected, case) -> list[str]:
    """The names of the gradients that differ from the reference's."""
    sizes = [np.size(param) for param in case.args[2:]]
    bounds = np.cumsum([0] + sizes)
    return [name for name, start, stop in zip(_NAMES, bounds[:-1], bounds[1:])
            if not values_close(got[start:stop], expected[start:stop], 1e-9, 1e-12)]


def _compare_backprop(got, expected, case):
    if isinstance(got, Invalid):
        return f"Your function {got.message}"
    problem = output_problem("array", got, expected)
    if problem:
        return f"Your function {problem}"
    wrong = _wrong_parts(got, expected, case)
    if not wrong:
        return None
    right = [name for name in _NAMES if name not in wrong]
    also = f" ({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right)" if right else ""
    return f"Your function returned a wrong {' and '.join(wrong)}{also}."


def _network(rng, m, n, h, scale=1.0):
    X = rng.standard_normal((m, n)) * scale
    y = np.sin(X.sum(axis=1)) + rng.normal(0, 0.1, m)
    return (X, y, rng.normal(0, 1 / np.sqrt(n), (n, h)), rng.normal(0, 0.3, h),
            rng.normal(0, 1 / np.sqrt(h), h), float(rng.normal()))


def _backprop_cases(rng):
    for m, n, h in ((10, 2, 3), (30, 4, 5), (6, 1, 8)):
        yield Case(_network(rng, m, n, h),
                   label=f"a random network with {n} inputs, {h} hidden units and {m} samples")


def _backprop_mistake(tanh_prime=lambda H, Z: 1 - H ** 2, mean=True, sign=1.0):
    def wrong(X, y, W1, b1, W2, b2):
        m = len(y) if mean else 1
        Z = X @ W1 + b1
        H = np.tanh(Z)
        d_yhat = sign * (H @ W2 + b2 - y) / m
        d_Z = np.outer(d_yhat, W2) * tanh_prime(H, Z)
        return X.T @ d_Z, d_Z.sum(axis=0), H.T @ d_yhat, d_yhat.sum()
    return wrong


register(Exercise(
    id="ch02.backprop_one_hidden",
    title="Backpropagation through one hidden layer",
    reference=sol.backprop_one_hidden,
    what="the four gradients (dW1, db1, dW2, db2) of the half MSE of a tanh network, each with "
         "the shape of its parameter, for random networks, a single sample, one hidden unit, "
         "zero output weights and saturated hidden units.",
    output="any",
    cases=_backprop_cases,
    edge_cases=[Case((np.array([[0.5, -1.0]]), np.array([0.3]), np.array([[0.2, -0.4], [0.7, 0.1]]),
                      np.array([0.1, -0.2]), np.array([0.5, -0.3]), 0.2), label="a single sample"),
                Case((np.array([[1.0], [-0.5], [2.0]]), np.array([0.5, -0.2, 0.9]),
                      np.array([[0.8]]), np.array([0.1]), np.array([1.2]), -0.1),
                     label="one input and one hidden unit"),
                Case((np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]]), np.array([1.0, 0.0, -1.0]),
                      np.array([[0.3, -0.6, 0.2], [0.5, 0.4, -0.1]]), np.zeros(3), np.zeros(3),
                      0.5), label="zero output weights"),
                Case((np.array([[20.0, -30.0], [-25.0, 40.0], [30.0, 10.0]]),
                      np.array([1.0, -1.0, 0.5]), np.array([[2.0, -1.5], [1.0, 2.5]]),
                      np.array([0.5, -0.5]), np.array([0.7, -0.4]), 0.1),
                     label="saturated hidden units")],
    run=_run_backprop,
    compare=_compare_backprop,
    mistakes=[
        Mistake("tanh derivative forgotten", _backprop_mistake(tanh_prime=lambda H, Z: 1.0),
                "The hidden gradients skip the derivative of tanh. On the way back through "
                "H = tanh(Z) multiply by the local derivative tanh'(Z)."),
        Mistake("derivative of the wrong variable",
                _backprop_mistake(tanh_prime=lambda H, Z: 1 - Z ** 2),
                "tanh'(z) = 1 - tanh(z)^2 needs the activation H = tanh(Z); you squared the "
                "pre-activation Z instead."),
        Mistake("sum instead of mean", _backprop_mistake(mean=False),
                "Every gradient is m times too large: the loss has the factor 1/(2m), so "
                "dJ/dy_hat = (y_hat - y) / m."),
        Mistake("wrong sign", _backprop_mistake(sign=-1.0),
                "All your gradients have the opposite sign: start the backward pass from "
                "y_hat - y (prediction minus target)."),
    ],
))


# -------------------------------------------------------------------------------- factor_two_error
_RELATIVE = ("check_gradient divides |g_i - g^_i| by the larger of the two gradients' largest "
             "components, max(||g||_inf, ||g^||_inf), not by |g_i|.")

register(Exercise(
    id="ch02.factor_two_error",
    title="Predict: the error of a gradient twice too large",
    reference=sol.factor_two_error(),
    kind="value",
    output="choice",
    choices=("0", "1e-6", "0.5", "1", "2"),
    what="your prediction of the largest relative error that check_gradient reports, "
         "compared with the nearest of the five choices to what it does report.",
    mistakes=[
        Mistake("no error", "0",
                "A gradient twice too large is wrong, and check_gradient sees it: it compares "
                "the formula with central differences of the loss itself, which estimate the "
                "true gradient g, while the formula returns 2 g."),
        Mistake("the tolerance", "1e-6",
                "1e-6 is the tolerance of check_gradient, and errors of that size come from "
                "finite differences. A wrong formula is off by a fixed fraction of the "
                "gradient, whatever the step: work out |2 g_i - g_i| relative to the scale "
                "check_gradient uses."),
        Mistake("relative to each component", "1",
                "|2 g_i - g_i| / |g_i| = 1 would be the error relative to each component's own "
                "size. " + _RELATIVE),
        Mistake("the ratio", "2",
                "2 is the ratio of the two gradients, not the relative error. " + _RELATIVE),
    ],
))


# ----------------------------------------------------------------------------- difference_settings
_FD_TARGET = 1e-10
_FD_FORMS = {"method": ("central", "forward"), "h": "rate"}


def _runge(w):
    return 1 / (1 + w * w)


def _fd_cases(rng):
    for low, high in ((0.2, 0.45), (0.2, 0.45), (1.3, 2.0), (1.3, 2.0)):
        w = float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))
        yield Case((w,), label="a random point of [-2, 2]")


def _fd_failure(method, h, w, error) -> Verdict:
    where = f"at w = {w:.3g} the {method} difference with h = {h:g} is off by " \
            f"{missed_by(error, _FD_TARGET)}."
    if method == "forward":
        return Verdict("forward", f"The forward difference cannot get there: {where} Its "
                                  f"truncation error, about h |f''(w)| / 2, falls only in "
                                  f"proportion to h, and long before it is below 1e-10 the "
                                  f"round-off, about 1e-16 / h, has grown above it.")
    truncation = h * h * abs(24 * w * (1 - w * w) / (1 + w * w) ** 4) / 6
    round_off = 2.2e-16 * _runge(w) / h
    if truncation >= round_off:
        return Verdict("too large", f"Your step is too large: {where} That is the truncation "
                                    f"error, about h^2 |f'''(w)| / 6 = {sci(truncation)} here; "
                                    f"it falls a hundredfold when h is ten times smaller.")
    return Verdict("too small", f"Your step is too small: {where} That is round-off: f is "
                                f"computed to about 1e-16 of its size, and the division by "
                                f"2h magnifies that to about {sci(round_off)} here.")


def _fd_verdict(settings, w) -> Verdict:
    """Estimate f'(w) of f(w) = 1 / (1 + w^2) with the learner's method and step, in Python
    floats (whose arithmetic is the same on every CPU)."""
    unpacked = unpack_settings(settings, _FD_FORMS)
    if isinstance(unpacked, Verdict):
        return unpacked
    method, h = unpacked
    if method == "central":
        estimate = (_runge(w + h) - _runge(w - h)) / (2 * h)
    else:
        estimate = (_runge(w + h) - _runge(w)) / h
    error = abs(estimate - (-2 * w / (1 + w * w) ** 2))
    return Verdict(REACHED) if error <= _FD_TARGET else _fd_failure(method, h, w, error)


def _fd_large_step():
    return "central", 1e-3


def _fd_tiny_step():
    return "central", 1e-9


def _fd_forward():
    return "forward", 1e-8


register(Exercise(
    id="ch02.difference_settings",
    title="Experiment: a derivative to ten digits",
    reference=sol.difference_settings,
    what="your method and step, used to estimate f'(w) for f(w) = 1/(1 + w^2) at w = 0.7 and "
         "at four random points of [-2, 2]: each estimate must be within 1e-10 of the exact "
         "derivative.",
    cases=_fd_cases,
    edge_cases=[Case((0.7,), label="the point w = 0.7 of this chapter")],
    **experiment_fields(_fd_verdict, "too large", "too small", "forward"),
    mistakes=[
        Mistake("step too large", _fd_large_step,
                "Your step leaves a truncation error: the central difference is off by about "
                "h^2 |f'''| / 6. Make h smaller, but not so small that round-off, about "
                "1e-16 / h, takes over: aim for the bottom of the V in this chapter's figure."),
        Mistake("step too small", _fd_tiny_step,
                "Your step is so small that round-off dominates: f is only known to about "
                "1e-16 of its size, and the division by 2h magnifies that. Take a larger h, "
                "near the bottom of the V."),
        Mistake("forward difference", _fd_forward,
                "No step makes a forward difference accurate enough here: its truncation "
                "error falls only like h, so by the time it is below 1e-10 the round-off has "
                "grown far above it. Use the central difference."),
    ],
))


# ----------------------------------------------------------------------------- ridge_logistic_grad
def _ridge_cases(rng):
    for m, n in ((30, 2), (12, 4), (80, 6)):
        X, y = _classification(rng, m, n)
        yield Case((X, y, rng.standard_normal(n + 1), float(rng.uniform(0.05, 2.0))),
                   label=f"random data with {m} samples and {n} features, a random theta and "
                         f"alpha")


def _ridge_gradient(X, y, theta, penalty):
    """The gradient of the mean cross-entropy of sigmoid(b + X w), plus ``penalty``."""
    residual = sigmoid(X @ theta[1:] + theta[0]) - y
    return np.concatenate([[residual.mean()], X.T @ residual / len(y)]) + penalty


def _ridge_as_given(X, y, theta, alpha):
    return _ridge_gradient(X, y, theta, alpha * theta)


def _ridge_no_penalty(X, y, theta, alpha):
    return _ridge_gradient(X, y, theta, 0.0)


def _ridge_penalty_doubled(X, y, theta, alpha):
    return _ridge_gradient(X, y, theta, np.concatenate([[0.0], 2 * alpha * theta[1:]]))


def _ridge_penalty_subtracted(X, y, theta, alpha):
    return _ridge_gradient(X, y, theta, np.concatenate([[0.0], -alpha * theta[1:]]))


register(Exercise(
    id="ch02.ridge_logistic_grad",
    title="Debug: a penalised logistic regression",
    reference=sol.ridge_logistic_grad,
    what="the repaired gradient (bias entry first) on random data sets with random theta and "
         "alpha, alpha = 0, one feature, a single sample and scores so large that the "
         "sigmoid saturates.",
    cases=_ridge_cases,
    edge_cases=[Case((np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.3]]), np.array([1.0, 0, 1]),
                      np.array([0.2, -0.4, 0.7]), 0.0), label="alpha = 0 (no penalty)"),
                Case((np.array([[2.0], [-1.0], [0.5], [1.5]]), np.array([1.0, 0, 0, 1]),
                      np.array([-0.3, 1.2]), 0.5), label="one feature"),
                Case((np.array([[0.4, -1.1, 2.0]]), np.array([1.0]),
                      np.array([0.1, 0.5, -0.2, 0.3]), 1.5), label="a single sample"),
                Case((np.array([[40.0, -30.0], [-25.0, 35.0], [30.0, 20.0]]),
                      np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, -1.5]), 0.3),
                     label="large scores (a saturated sigmoid)")],
    samples=samples_in(1),
    mistakes=[
        Mistake("the planted bug", _ridge_as_given,
                "This is still the code as given. Compare it with the loss "
                "LogisticRegression(X, y, alpha=alpha).loss using check_gradient at a random "
                "theta: the `worst` attribute of its report names the component that "
                "disagrees, and `errors` shows whether the others agree."),
        Mistake("penalty removed", _ridge_no_penalty,
                "Your gradient has lost the penalty altogether. The loss still contains "
                "(alpha / 2) ||w||^2, whose gradient, alpha w, belongs to the weights."),
        Mistake("penalty doubled", _ridge_penalty_doubled,
                "Your penalty gradient is twice too large: the derivative of "
                "(alpha / 2) ||w||^2 is alpha w, the 1/2 cancels the 2 of the square."),
        Mistake("penalty subtracted", _ridge_penalty_subtracted,
                "Your penalty gradient has the wrong sign: the penalty grows with ||w||, so "
                "its gradient alpha w points away from zero and is added."),
    ],
))
