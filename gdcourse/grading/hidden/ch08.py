"""Hidden tests for chapter 8, What the theory guarantees."""

import numpy as np

from ...solutions import ch08 as sol
from ..exercise import Case, Exercise, Mistake, register
from ._common import rotated


class _QuadraticGradient:
    """The gradient A w - b of the quadratic w^T A w / 2 - b^T w, as a callable."""

    def __init__(self, A, b):
        self.A, self.b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)

    def __call__(self, w):
        return self.A @ w - self.b


class _LogCoshGradient:
    """The gradient B^T tanh(B w - c) of sum_i log cosh((B w - c)_i), convex and not quadratic."""

    def __init__(self, B, c):
        self.B, self.c = np.asarray(B, dtype=float), np.asarray(c, dtype=float)

    def __call__(self, w):
        return self.B.T @ np.tanh(self.B @ w - self.c)


# --------------------------------------------------------------------------- accelerated_momentum
def _worst_function_gradient(k, L):
    A = L / 4 * (2 * np.eye(k) - np.eye(k, k=1) - np.eye(k, k=-1))
    b = np.zeros(k)
    b[0] = L / 4
    return _QuadraticGradient(A, b)


def _accelerated_cases(rng):
    for n, steps in ((2, 15), (5, 40), (12, 25)):
        eigenvalues = np.exp(rng.uniform(np.log(1e-3), 0.0, n))
        L = float(eigenvalues.max() * rng.uniform(1.0, 1.5))
        grad = _QuadraticGradient(rotated(rng, eigenvalues), rng.standard_normal(n))
        yield Case((grad, rng.standard_normal(n), L, steps),
                   label=f"a random {n}-dimensional convex quadratic")
    yield Case((_worst_function_gradient(21, 1.0), np.zeros(21), 1.0, 10),
               label="Nesterov's worst function from zero")
    for m, n in ((8, 3), (20, 6)):
        B = rng.standard_normal((m, n)) / np.sqrt(m)
        L = float(np.linalg.eigvalsh(B.T @ B)[-1])
        yield Case((_LogCoshGradient(B, 2 * rng.standard_normal(m)), 3 * rng.standard_normal(n),
                    L, 20), label=f"a {n}-dimensional sum of log cosh terms (not a quadratic)")


def _nesterov_variant(coefficient=lambda k: k / (k + 3), gradient_at_x=False, keep="x"):
    """The momentum loop with one thing changed: the coefficient, the point where the gradient
    is taken, or the points returned (the catalogued mistakes)."""
    def run(grad, w0, L, n_steps):
        x = y = np.asarray(w0, dtype=float)
        kept = [x]
        for k in range(n_steps):
            x_next = y - grad(x if gradient_at_x else y) / L
            y = x_next + coefficient(k) * (x_next - x)
            x = x_next
            kept.append(x if keep == "x" else y)
        return np.array(kept)
    return run


register(Exercise(
    id="ch08.accelerated_momentum",
    title="Nesterov's method as momentum",
    reference=sol.accelerated_momentum,
    what="the iterates x_0, ..., x_n on random convex quadratics of 2 to 12 dimensions, "
         "Nesterov's worst function, sums of log cosh terms, a one-dimensional problem, zero "
         "and one steps, and a start at the minimiser.",
    cases=_accelerated_cases,
    edge_cases=[
        Case((_QuadraticGradient([[2.0]], [1.0]), np.array([3.0]), 2.0, 6),
             label="a one-dimensional quadratic"),
        Case((_QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 1.0]), np.array([1.0, -1.0]), 4.0, 0),
             label="zero steps"),
        Case((_QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 1.0]), np.array([1.0, -1.0]), 4.0, 1),
             label="a single step"),
        Case((_QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 4.0]), np.array([1.0, 1.0]), 4.0, 5),
             label="a start at the minimiser"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("constant momentum", _nesterov_variant(coefficient=lambda k: 0.9),
                "Your momentum coefficient is constant. In Nesterov's method it grows with the "
                "step: k / (k + 3), which is 0 at k = 0 and tends to 1."),
        Mistake("gradient at x", _nesterov_variant(gradient_at_x=True),
                "Evaluate the gradient at the look-ahead point y_k, not at x_k: "
                "x_{k+1} = y_k - grad(y_k) / L."),
        Mistake("coefficient shifted",
                _nesterov_variant(coefficient=lambda k: (k + 1) / (k + 4)),
                "Your momentum coefficient is one step ahead: for the step from k to k + 1 it "
                "is k / (k + 3), so the very first step (k = 0) has no momentum."),
        Mistake("returns the look-ahead points", _nesterov_variant(keep="y"),
                "You returned the look-ahead points y_k. Return the iterates x_k, the points "
                "reached by the gradient steps."),
        Mistake("no momentum", _nesterov_variant(coefficient=lambda k: 0.0),
                "Your iterates are those of plain gradient descent: after each gradient step, "
                "add the momentum k / (k + 3) (x_{k+1} - x_k) to get the next look-ahead point."),
    ],
))


# --------------------------------------------------------------------------- pl_constant
def _pl_samples(rng, n, f_star, with_minimisers=False):
    """Gaps drawn over several orders of magnitude, gradients from PL ratios in [0.05, 3]."""
    gaps = np.exp(rng.uniform(np.log(1e-3), np.log(10.0), n))
    ratios = rng.uniform(0.05, 3.0, n)
    grad_norms = np.sqrt(2 * ratios * gaps)
    if with_minimisers:
        gaps[:2], grad_norms[:2] = 0.0, 0.0
    return f_star + gaps, grad_norms


def _pl_cases(rng):
    for n, f_star in ((10, 0.0), (50, float(rng.uniform(-5, 5))), (200, float(rng.uniform(1, 20)))):
        f_values, grad_norms = _pl_samples(rng, n, f_star)
        yield Case((f_values, grad_norms, f_star), label=f"{n} random samples")
    f_values, grad_norms = _pl_samples(rng, 30, float(rng.uniform(-3, 3)), with_minimisers=True)
    yield Case((f_values, grad_norms, float(f_values[0])),
               label="random samples, two of them at a minimiser")


register(Exercise(
    id="ch08.pl_constant",
    title="Estimating the PL constant",
    reference=sol.pl_constant,
    output="scalar",
    what="the largest mu for random samples with minimum values of zero, negative and positive, "
         "samples at a minimiser, a single sample, the quadratic 2 w^2 (ratio 2 everywhere) and "
         "large values.",
    cases=_pl_cases,
    edge_cases=[
        Case((np.array([3.0]), np.array([2.0]), 1.0), label="a single sample"),
        Case((2 * np.array([0.5, 1.0, 3.0]) ** 2, 4 * np.array([0.5, 1.0, 3.0]), 0.0),
             label="samples of 2 w^2, where the ratio is 2 everywhere"),
        Case((np.array([-1.0, 0.5, 2.0, -1.0]), np.array([0.0, 1.0, 3.0, 0.0]), -1.0),
             label="samples at a minimiser with f* = -1"),
        Case((np.array([4e9, 1e10]), np.array([1e5, 3e5]), 1e9), label="large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("no factor 2", lambda f, g, f_star: 2 * sol.pl_constant(f, g, f_star),
                "The PL inequality has a factor 1/2: mu is the smallest of "
                "|grad f|^2 / (2 (f - f*)), not of |grad f|^2 / (f - f*)."),
        Mistake("largest ratio",
                lambda f, g, f_star: np.max(g[f > f_star] ** 2 / (2 * (f[f > f_star] - f_star))),
                "The inequality must hold at every sample, so mu is the smallest ratio, not the "
                "largest."),
        Mistake("mean ratio",
                lambda f, g, f_star: np.mean(g[f > f_star] ** 2 / (2 * (f[f > f_star] - f_star))),
                "A mean of the ratios is too large wherever some sample has a smaller ratio: "
                "the inequality must hold at every sample, so take the smallest."),
        Mistake("norm not squared",
                lambda f, g, f_star: np.min(g[f > f_star] / (2 * (f[f > f_star] - f_star))),
                "Square the gradient norm: the inequality compares |grad f|^2 with f - f*."),
        Mistake("f* ignored",
                lambda f, g, f_star: np.min(g[f > f_star] ** 2 / (2 * np.abs(f[f > f_star]))),
                "Measure the loss from its minimum: the inequality uses f - f*, not f."),
    ],
))


# --------------------------------------------------------------------------- noise_floor_estimate
def _regression(rng, m, n, noise):
    X = rng.standard_normal((m, n)) * rng.uniform(0.3, 2.0, n)
    Z = np.column_stack([np.ones(m), X])
    y = Z @ rng.standard_normal(n + 1) + noise * rng.standard_normal(m)
    return Z, y


def _floor_cases(rng):
    for m, n in ((40, 1), (200, 3), (500, 6)):
        Z, y = _regression(rng, m, n, float(rng.uniform(0.2, 2.0)))
        yield Case((Z, y, float(rng.uniform(0.001, 0.1))),
                   label=f"{m} random examples, {n} features")
    Z, y = _regression(rng, 60, 2, 0.5)
    y = y + 3.0 * (np.abs(Z[:, 1]) > 1.0)                 # large residuals where |x| is large
    yield Case((Z, y, 0.02), label="residuals that grow with the size of the inputs")


register(Exercise(
    id="ch08.noise_floor_estimate",
    title="The noise floor, to first order",
    reference=sol.noise_floor_estimate,
    output="scalar",
    rtol=1e-7,
    what="eta / 4 times the mean of r_i^2 |z_i|^2 for random regressions of 40 to 500 examples, "
         "residuals correlated with the inputs, three examples with one feature, and large "
         "targets.",
    cases=_floor_cases,
    edge_cases=[
        Case((np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([0.0, 2.0, 1.0]), 0.1),
             label="three examples and one feature"),
        Case((np.column_stack([np.ones(5), np.arange(5.0)]), np.array([1e4, -2e4, 3e4, 0.0, 5e4]),
              0.01), label="large targets"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("eta / 2", lambda Z, y, lr: 2 * sol.noise_floor_estimate(Z, y, lr),
                "The first-order floor is (eta / 4) tr Sigma*: the stationary equation "
                "HP + PH = eta Sigma* has two P-terms, and f - f* is half of tr(HP)."),
        Mistake("product of means", lambda Z, y, lr: lr / 4 * np.mean(_residuals(Z, y) ** 2)
                * np.mean(np.sum(Z ** 2, axis=1)),
                "Average the products r_i^2 |z_i|^2, not the product of the averages: examples "
                "with large inputs and large residuals add more noise."),
        Mistake("residuals at zero",
                lambda Z, y, lr: lr / 4 * np.mean(y ** 2 * np.sum(Z ** 2, axis=1)),
                "The noise is measured at the minimiser: use the residuals y - Z theta* of the "
                "least-squares fit, not the targets y."),
        Mistake("without |z|^2", lambda Z, y, lr: lr / 4 * np.mean(_residuals(Z, y) ** 2),
                "Example i's gradient at the minimum is -r_i z_i, whose squared norm is "
                "r_i^2 |z_i|^2: you left out |z_i|^2."),
    ],
))


def _residuals(Z, y):
    return y - Z @ np.linalg.lstsq(Z, y, rcond=None)[0]


# --------------------------------------------------------------------------- polyak_ruppert
def _path(rng, T, n):
    """Iterates that approach a point and wander around it, like constant-step SGD."""
    target = rng.standard_normal(n)
    t = np.arange(T + 1)[:, None]
    return target + 3 * np.exp(-t / 10) + 0.3 * rng.standard_normal((T + 1, n))


def _average_cases(rng):
    for T, n in ((30, 2), (100, 5), (60, 1)):
        yield Case((_path(rng, T, n), int(rng.integers(5, T // 2))),
                   label=f"{T + 1} random iterates of {n} parameters")


register(Exercise(
    id="ch08.polyak_ruppert",
    title="Polyak-Ruppert averages",
    reference=sol.polyak_ruppert,
    what="the running averages from `start` on for random noisy paths of 1 to 5 parameters, a "
         "start at 0, a start at the last iterate, and large values.",
    cases=_average_cases,
    edge_cases=[
        Case((np.array([[1.0, 2.0], [3.0, 2.0], [5.0, -1.0], [7.0, 0.0]]), 0),
             label="a start at 0"),
        Case((np.array([[1.0, 2.0], [3.0, 2.0], [5.0, -1.0], [7.0, 0.0]]), 3),
             label="a start at the last iterate"),
        Case((np.array([[1e9], [3e9], [2e9], [4e9], [5e9]]), 1), label="large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("averaged from the first iterate",
                lambda iterates, start: (np.cumsum(iterates, axis=0)
                                         / np.arange(1, len(iterates) + 1)[:, None])[start:],
                "Average only the iterates from `start` on: the ones before it (the burn-in) "
                "must not enter the mean."),
        Mistake("divided by t + 1",
                lambda iterates, start: np.cumsum(iterates[start:], axis=0)
                / np.arange(start + 1, len(iterates) + 1)[:, None],
                "Divide each running sum by the number of iterates in it, t - start + 1, not "
                "by t + 1."),
        Mistake("running sums", lambda iterates, start: np.cumsum(iterates[start:], axis=0),
                "You returned the running sums: divide each by the number of iterates it adds "
                "up."),
        Mistake("one overall mean",
                lambda iterates, start: np.broadcast_to(np.mean(iterates[start:], axis=0),
                                                        iterates[start:].shape).copy(),
                "Return the running average at every t, not the mean of all iterates repeated."),
    ],
))


# --------------------------------------------------------------------------- robbins_monro
def _power_cases(rng):
    for low, high in ((-1.0, 0.5), (0.5, 1.0), (0.5, 1.0), (1.0, 3.0)):
        yield Case((float(rng.uniform(low, high)),), label="a random power")


register(Exercise(
    id="ch08.robbins_monro",
    title="The Robbins-Monro conditions",
    reference=sol.robbins_monro,
    output="bool",
    what="True or False for random powers in [-1, 3] and at and around the boundaries 1/2 and 1, "
         "for 0 and for negative powers.",
    cases=_power_cases,
    edge_cases=[Case((0.5,), label="p = 1/2"), Case((1.0,), label="p = 1"),
                Case((0.0,), label="p = 0 (a constant step)"), Case((2.0,), label="p = 2"),
                Case((0.75,), label="p = 3/4"), Case((0.5000001,), label="p just above 1/2"),
                Case((1.0000001,), label="p just above 1"), Case((-1.0,), label="a growing step")],
    mistakes=[
        Mistake("squares not checked", lambda p: p <= 1,
                "Also check the squares: sum of (t + 1)^(-2p) is finite only when 2p > 1."),
        Mistake("divergence not checked", lambda p: p > 0.5,
                "Also check that the steps add up to infinity: for p > 1 they add up to a "
                "finite distance."),
        Mistake("p = 1/2 included", lambda p: 0.5 <= p <= 1,
                "At p = 1/2 the squares are 1/(t + 1), the harmonic series, whose sum is "
                "infinite."),
        Mistake("p = 1 excluded", lambda p: 0.5 < p < 1,
                "At p = 1 the steps are 1/(t + 1), the harmonic series, whose sum is infinite, "
                "while their squares have a finite sum: p = 1 qualifies."),
    ],
))
