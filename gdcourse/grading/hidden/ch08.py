"""Hidden tests for chapter 8, What the theory guarantees."""

import numpy as np

from ... import theory
from ...objectives import LinearRegression
from ...solutions import ch08 as sol
from ...theory import sgd_expectations
from ..exercise import Case, Exercise, Mistake, register
from ._common import LogCoshGradient, QuadraticGradient, regression, rotated
from ._experiments import REACHED, goal_compare, goal_run, positive, wrong_values


# --------------------------------------------------------------------------- accelerated_momentum
def _worst_function_gradient(k, L):
    A = L / 4 * (2 * np.eye(k) - np.eye(k, k=1) - np.eye(k, k=-1))
    b = np.zeros(k)
    b[0] = L / 4
    return QuadraticGradient(A, b)


def _accelerated_cases(rng):
    for n, steps in ((2, 15), (5, 40), (12, 25)):
        eigenvalues = np.exp(rng.uniform(np.log(1e-3), 0.0, n))
        L = float(eigenvalues.max() * rng.uniform(1.0, 1.5))
        grad = QuadraticGradient(rotated(rng, eigenvalues), rng.standard_normal(n))
        yield Case((grad, rng.standard_normal(n), L, steps),
                   label=f"a random {n}-dimensional convex quadratic")
    yield Case((_worst_function_gradient(21, 1.0), np.zeros(21), 1.0, 10),
               label="Nesterov's worst function from zero")
    for m, n in ((8, 3), (20, 6)):
        B = rng.standard_normal((m, n)) / np.sqrt(m)
        L = float(np.linalg.eigvalsh(B.T @ B)[-1])
        yield Case((LogCoshGradient(B, 2 * rng.standard_normal(m)), 3 * rng.standard_normal(n),
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
        Case((QuadraticGradient([[2.0]], [1.0]), np.array([3.0]), 2.0, 6),
             label="a one-dimensional quadratic"),
        Case((QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 1.0]), np.array([1.0, -1.0]), 4.0, 0),
             label="zero steps"),
        Case((QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 1.0]), np.array([1.0, -1.0]), 4.0, 1),
             label="a single step"),
        Case((QuadraticGradient(np.diag([1.0, 4.0]), [1.0, 4.0]), np.array([1.0, 1.0]), 4.0, 5),
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


# ------------------------------------------------------------------------------------ floor_ratio
def _floor_ratio_hint(value):
    """The explanation shown for a wrong factor ``value``."""
    specific = {
        1: "The floor is not set by the data alone: it balances the pull towards the "
           "minimum, proportional to eta, against the kicks of the noise, proportional to "
           "eta squared. What is that balance proportional to?",
        3: "Close, but too much: to first order the floor is (eta / 4) tr Sigma*, and the "
           "second-order term of the exact formula changes the factor only a little.",
        4: "You scaled the floor like eta squared, perhaps because the noise enters each "
           "step as eta squared Sigma*. But the pull back towards the minimum is "
           "proportional to eta, and the floor is the balance of the two.",
    }
    return specific.get(value, f"A factor of {value} is far from what happens: to first "
                               f"order the floor is (eta / 4) tr Sigma*, proportional to the "
                               f"step.")


register(Exercise(
    id="ch08.floor_ratio",
    title="Predict: halve the step, and the noise floor falls by ...",
    reference=2,
    kind="value",
    output="int",
    what="your prediction, compared with what the experiment gives: the noise floors of the "
         "constant steps 0.08 and 0.04 on the chapter's noisy data, their ratio rounded to a "
         "whole number.",
    mistakes=wrong_values(2, range(0, 17), _floor_ratio_hint),
))


# ------------------------------------------------------------------------------- decreasing_steps
STEPS_HORIZON = 500


def _steps_cases(rng):
    for k in (1, 2, 3):
        X, y = regression(rng, 200, 3, scale=np.array([1.0, 0.7, 0.4]), bias=0.5)
        problem = LinearRegression(X, y)
        mu = float(np.linalg.eigvalsh(problem.hessian())[0])
        R2 = float(np.max(np.sum(problem.Z ** 2, axis=1)))
        yield Case((problem, mu, R2, theory.noise_floor(problem, 0.04)),
                   label=f"hidden data set {k} (200 examples drawn like the chapter's)")


def _mean_excess(problem, steps):
    """The excess of the mean iterate, E theta_T - theta*, after the steps ``steps`` from 0:
    (1/2) sum_i lambda_i prod_t (1 - eta_t lambda_i)^2 e_i^2 (the part of E f - f* that
    comes from the start; the noise adds the rest)."""
    eigenvalues, vectors = np.linalg.eigh(problem.hessian())
    error = vectors.T @ (0 - problem.solution())
    shrink = np.prod(1 - np.outer(steps, eigenvalues), axis=0)
    return 0.5 * float(np.sum(eigenvalues * (shrink * error) ** 2))


def _steps_experiment(settings, case):
    """[verdict, E f - f* at step 500 / target, largest E f - f* / its start, the mean
    iterate's share, first step * R^2, last step, c] with the verdicts 1 blew up, 2 the
    approach is too slow, 3 the noise is not averaged down enough."""
    c, k = settings
    problem, mu, R2, target = case.args
    steps = c / (mu * np.arange(STEPS_HORIZON) + k * R2)
    with np.errstate(all="ignore"):
        excess, _ = sgd_expectations(problem, np.zeros(4), lambda t: steps[t], STEPS_HORIZON)
        start = _mean_excess(problem, steps)
    growth = np.max(excess) / excess[0]
    if not np.isfinite(excess[-1]) or growth > 10:
        verdict = 1.0
    elif excess[-1] < target:
        verdict = REACHED
    else:
        verdict = 2.0 if start > target / 2 else 3.0
    return np.array([verdict, min(excess[-1] / target, 1e300), min(growth, 1e300),
                     start / target, steps[0] * R2, steps[-1], c])


def _steps_explain(outcome):
    verdict, ratio, growth, start, first, last, c = outcome
    if verdict == 1:
        return (f"Your first steps are too long: the expected excess grew to {growth:.2g} "
                f"times its start before the steps became short enough. Your first step is "
                f"c / (k R^2) = {first:.2g} / R^2, and a step on an example with |z_i|^2 near "
                f"R^2 overshoots once it passes 2 / R^2: keep c / k at most about 2.")
    missed = (f"After {STEPS_HORIZON} steps E f - f* is {ratio:.2g} times the target (the "
              f"floor of the constant step 0.04).")
    if verdict == 2:
        timid = (f" With c = {c:.2g} below 1 the flattest direction shrinks only like "
                 f"t^(-c)." if c < 1 else
                 f" Your steps start at {first:.2g} / R^2 and stay short for long: lower k.")
        return (f"{missed} The approach is too slow: the mean of the iterates alone still has "
                f"an excess of {start:.2g} times the target.{timid}")
    return (f"{missed} The approach is fine (the mean of the iterates has an excess of only "
            f"{start:.2g} times the target), but the noise is not averaged down: your last "
            f"steps are still "
            f"{last:.2g} long, and a constant step of that size levels off at its own floor. "
            f"Let the steps fall faster (c closer to 1).")


def _steps_timid():
    return 0.1, 4.0


def _steps_no_offset():
    return 2.0, 0.1


def _steps_late():
    return 10.0, 10.0


def _steps_theorem():
    return 2.0, 4.0


register(Exercise(
    id="ch08.decreasing_steps",
    title="Experiment: below the floor of the step 0.04 in 500 steps",
    reference=sol.decreasing_steps,
    what="your (c, k) in the steps c / (mu t + k R^2), t = 0, 1, ..., on three hidden data "
         "sets of 200 examples drawn like the chapter's: the exact expectation of f - f* "
         "after 500 steps of SGD from 0 below the noise floor of the constant step 0.04 on "
         "each.",
    output="any",
    cases=_steps_cases,
    run=goal_run(("c", "k"), {"c": (positive, "a positive number"),
                              "k": (positive, "a positive number")}, _steps_experiment),
    compare=goal_compare(_steps_explain),
    mistakes=[
        Mistake("the theorem's schedule", _steps_theorem,
                "These are the theorem's constants, 2 / (mu (t + t0)) with t0 = 4 R^2 / mu: "
                "safe, and right in the long run, but the offset keeps the first steps at "
                "0.5 / R^2, and 500 steps are not enough to make up for the slow start. A "
                "smaller k starts faster; keep c / k small enough for the first steps."),
        Mistake("the timid schedule", _steps_timid,
                "This is the chapter's timid schedule, 0.1 / (mu (t + t0)): its steps satisfy "
                "the Robbins-Monro conditions, but they shrink so fast that the flattest "
                "direction barely moves: with c below 1 it shrinks only like t^(-c)."),
        Mistake("no offset", _steps_no_offset,
                "With k this small the first steps are 20 / R^2, ten times the 2 / R^2 at "
                "which single-example steps start to overshoot: the theorem's offset "
                "t0 = 4 R^2 / mu is there to keep them short."),
        Mistake("late steps too long", _steps_late,
                "With c = 10 the steps are still about 0.05 long at the end of the run, longer "
                "than the constant step 0.04, so the excess is still at that step's floor."),
    ],
))


# ----------------------------------------------------------------------------------- sgd_iterates
def _sgd_iterates_cases(rng):
    for m, n, steps in ((30, 2, 40), (100, 3, 60), (12, 1, 25)):
        Z, y = _regression(rng, m, n, 0.5)
        yield Case((Z, y, rng.standard_normal(n + 1), float(rng.uniform(0.01, 0.05)), steps,
                    np.random.default_rng(int(rng.integers(2**31)))),
                   label=f"{m} random examples, {n} features, {steps} steps")


def _sgd_wrong(*, over_m=False, full=False, cyclic=False):
    """SGD with the planted bug (the step divided by m) or a wrong fix: the gradient of all
    the data, the examples taken in turn instead of at random."""
    def sgd_iterates(Z, y, theta0, lr, n_steps, rng):
        theta = np.array(theta0, dtype=float)
        iterates = [theta]
        for t in range(n_steps):
            i = t % len(y) if cyclic else rng.integers(len(y))
            if full:
                gradient = Z.T @ (Z @ theta - y) / len(y)
            else:
                gradient = (Z[i] @ theta - y[i]) * Z[i] / (len(y) if over_m else 1)
            theta = theta - lr * gradient
            iterates.append(theta)
        return np.array(iterates)
    return sgd_iterates


register(Exercise(
    id="ch08.sgd_iterates",
    title="Debug: SGD that crawls",
    reference=sol.sgd_iterates,
    what="the iterates theta_0, ..., theta_n of single-example SGD with examples drawn by "
         "rng.integers(m), for random regressions, one example, a single step and no step.",
    cases=_sgd_iterates_cases,
    edge_cases=[
        Case((np.array([[1.0, 2.0]]), np.array([1.0]), np.zeros(2), 0.1, 5,
              np.random.default_rng(31)), label="one example"),
        Case((np.array([[1.0, 0.5], [1.0, -1.0], [1.0, 2.0]]), np.array([1.0, 0.0, 3.0]),
              np.array([0.5, 0.5]), 0.2, 1, np.random.default_rng(32)), label="a single step"),
        Case((np.array([[1.0, 0.5], [1.0, -1.0]]), np.array([1.0, 0.0]), np.array([0.5, 0.5]),
              0.2, 0, np.random.default_rng(33)), label="no step (n_steps = 0)"),
    ],
    mistakes=[
        Mistake("the code as given", _sgd_wrong(over_m=True),
                "This still behaves like the code you were given. Measure the level it "
                "settles at, as the chapter did, and compare it with theory.noise_floor: is "
                "each step as long as one of single-example SGD should be?"),
        Mistake("the full gradient", _sgd_wrong(full=True),
                "You replaced the stochastic gradient by the gradient of all the data: that "
                "is gradient descent, which has no noise floor. Keep one example per step, "
                "and its own gradient (z_i^T theta - y_i) z_i."),
        Mistake("examples in turn", _sgd_wrong(cyclic=True),
                "You take the examples in turn; the theory of the chapter draws each one at "
                "random, with replacement, as the code you were given did with "
                "rng.integers(m)."),
    ],
))
