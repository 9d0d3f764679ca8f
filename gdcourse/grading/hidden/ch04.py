"""Hidden tests for chapter 4, The learning rate."""

import functools

import numpy as np

from ... import schedules
from ...objectives import Quadratic
from ...solutions import ch04 as sol
from ..exercise import Case, Exercise, Mistake, read_only, register
from ..outputs import is_number
from ..sandbox import describe_type
from ._common import (INVALID, REACHED, Verdict, experiment_fields, missed_by, sci, spd)


def _extremes(A):
    """(L, mu): the largest and the smallest eigenvalue of A."""
    eigenvalues = np.linalg.eigvalsh(A)
    return eigenvalues[-1], eigenvalues[0]


def _matrix_cases(rng):
    for n in (2, 3, 5, 8):
        yield Case((spd(rng, n, 0.2, 30.0),),
                   label=f"a random {n} x {n} symmetric positive definite matrix")
    yield Case((spd(rng, 4, 50.0, 2000.0),), label="a matrix with large eigenvalues")


_MATRIX_EDGES = [
    Case((np.array([[4.0]]),), label="a 1 x 1 matrix"),
    Case((np.diag([0.5, 3.0, 12.0]),), label="a diagonal matrix"),
    Case((np.array([[2.0, 1.0], [1.0, 2.0]]) * 1e6,), label="large values"),
]

_USE_EIGENVALUES = ("You used the diagonal of A. Its entries are the eigenvalues only when A is "
                    "diagonal: compute the eigenvalues (np.linalg.eigvalsh).")


# -------------------------------------------------------------------------------- largest_stable_lr
def _stable_one_over_L(A):
    return 1 / _extremes(A)[0]


def _stable_smallest(A):
    return 2 / _extremes(A)[1]


def _stable_diagonal(A):
    return 2 / np.max(np.diag(A))


def _stable_frobenius(A):
    return 2 / np.linalg.norm(A)


def _stable_optimal_step(A):
    return 2 / sum(_extremes(A))


register(Exercise(
    id="ch04.largest_stable_lr",
    title="The largest stable learning rate",
    reference=sol.largest_stable_lr,
    output="scalar",
    what="the threshold 2 / L, L the largest eigenvalue of A, for a 1 x 1 matrix, a diagonal "
         "matrix, large values and random symmetric positive definite matrices whose "
         "eigenvectors are not the axes.",
    cases=_matrix_cases,
    edge_cases=_MATRIX_EDGES,
    mistakes=[
        Mistake("one over L", _stable_one_over_L,
                "You returned the safe rule of thumb 1/L. The question asks for the threshold "
                "itself: for which lr does |1 - lr * L| reach 1, with L the largest "
                "eigenvalue?"),
        Mistake("smallest eigenvalue", _stable_smallest,
                "You used the smallest eigenvalue. Stability is decided by the steepest "
                "direction, the one with the largest curvature."),
        Mistake("largest diagonal entry", _stable_diagonal, _USE_EIGENVALUES),
        Mistake("Frobenius norm", _stable_frobenius,
                "np.linalg.norm(A) is the Frobenius norm, which is larger than the largest "
                "eigenvalue as soon as A has more than one non-zero eigenvalue."),
        Mistake("the optimal step", _stable_optimal_step,
                "2 / (L + mu) is the best constant step, which balances the steepest and the "
                "flattest direction. The largest stable step is larger: the threshold 2 / L, "
                "beyond which the steepest direction diverges."),
    ],
))


# ------------------------------------------------------------------------------ optimal_constant_lr
def _optimal_without_2(A):
    return 1 / sum(_extremes(A))


def _optimal_threshold(A):
    return 2 / _extremes(A)[0]


def _optimal_contraction(A):
    L, mu = _extremes(A)
    return (L - mu) / (L + mu)


def _optimal_diagonal(A):
    return 2 / (np.max(np.diag(A)) + np.min(np.diag(A)))


register(Exercise(
    id="ch04.optimal_constant_lr",
    title="The best constant learning rate",
    reference=sol.optimal_constant_lr,
    output="scalar",
    what="the step 2 / (L + mu) for a 1 x 1 matrix, a diagonal matrix, large values and random "
         "symmetric positive definite matrices whose eigenvectors are not the axes.",
    cases=_matrix_cases,
    edge_cases=_MATRIX_EDGES,
    mistakes=[
        Mistake("forgot the 2", _optimal_without_2,
                "Your step is half of the optimal one: balance |1 - lr * mu| against "
                "|1 - lr * L| again and check the numerator."),
        Mistake("stability threshold", _optimal_threshold,
                "You returned the stability threshold 2/L, where the steepest direction stops "
                "shrinking at all. The best step also takes the flattest direction, mu, into "
                "account."),
        Mistake("contraction factor", _optimal_contraction,
                "You returned the contraction factor (L - mu)/(L + mu) that the best step "
                "achieves, not the step itself."),
        Mistake("diagonal entries", _optimal_diagonal, _USE_EIGENVALUES),
    ],
))


# --------------------------------------------------------------------------------------- step_decay
def _step_decay_cases(rng):
    for _ in range(8):
        step_size = int(rng.integers(2, 15))
        yield Case((float(rng.uniform(0.01, 1.0)), float(rng.uniform(0.1, 0.9)), step_size,
                    int(rng.integers(0, 8 * step_size))),
                   label="a random rate, decay factor, step size and step")
    step_size = int(rng.integers(3, 10))
    yield Case((0.5, 0.5, step_size, step_size - 1), label="the last step before the first decay")
    yield Case((0.3, 0.2, step_size, 3 * step_size), label="a step where a decay happens")


def _decay_early(lr0, gamma, step_size, t):
    return lr0 * gamma ** ((t + 1) // step_size)


def _decay_rounded(lr0, gamma, step_size, t):
    return lr0 * gamma ** round(t / step_size)


def _decay_smooth(lr0, gamma, step_size, t):
    return lr0 * gamma ** (t / step_size)


def _decay_from_start(lr0, gamma, step_size, t):
    return lr0 * gamma ** (t // step_size + 1)


register(Exercise(
    id="ch04.step_decay",
    title="Step decay",
    reference=sol.step_decay,
    output="scalar",
    what="lr0 * gamma ** floor(t / step_size) at the first step t = 0, just before and exactly "
         "at a decay, with step_size = 1, and at random steps.",
    cases=_step_decay_cases,
    edge_cases=[Case((0.1, 0.5, 10, 0), label="the first step, t = 0"),
                Case((0.2, 0.9, 1, 7), label="step_size = 1 (a decay at every step)")],
    mistakes=[
        Mistake("t off by one", _decay_early,
                "Your decays come one step early: t counts the steps already taken, so t = 0 "
                "is the first step and the first decay happens at t = step_size."),
        Mistake("round instead of floor", _decay_rounded,
                "You rounded t / step_size to the nearest integer; the number of decays so far "
                "is t / step_size rounded down."),
        Mistake("no floor", _decay_smooth,
                "Your rate decays smoothly at every step. Step decay keeps the rate constant "
                "within each block of step_size steps: the exponent must be a whole number."),
        Mistake("decayed from the start", _decay_from_start,
                "Your rate is already decayed at the first step: at t = 0 it must be lr0 "
                "itself."),
    ],
))


# --------------------------------------------------------------------------------- cosine_annealing
def _cosine_cases(rng):
    for _ in range(8):
        T_max = int(rng.integers(5, 200))
        lr0 = float(rng.uniform(0.01, 1.0))
        yield Case((lr0, float(rng.uniform(0.01, 0.5)) * lr0, T_max, int(rng.integers(1, T_max))),
                   label="a random rate, floor, period and step")
    yield Case((0.4, 0.01, 50, 25), label="half-way through the period")


def _cosine(lr0, eta_min, T_max, t, *, floor=True, sign=1.0, turns=1.0, half=0.5):
    """The cosine schedule, with one typical mistake switched on by the keywords."""
    cosine = 1 + sign * np.cos(turns * np.pi * t / T_max)
    return (eta_min if floor else 0.0) + half * (lr0 - eta_min) * cosine


def _cosine_no_floor(lr0, eta_min, T_max, t):
    return _cosine(lr0, eta_min, T_max, t, floor=False)


def _cosine_rising(lr0, eta_min, T_max, t):
    return _cosine(lr0, eta_min, T_max, t, sign=-1.0)


def _cosine_full_period(lr0, eta_min, T_max, t):
    return _cosine(lr0, eta_min, T_max, t, turns=2.0)


def _cosine_no_half(lr0, eta_min, T_max, t):
    return _cosine(lr0, eta_min, T_max, t, half=1.0)


register(Exercise(
    id="ch04.cosine_annealing",
    title="Cosine annealing",
    reference=sol.cosine_annealing,
    output="scalar",
    what="the cosine schedule at t = 0, at t = T_max, half-way, with eta_min = 0 and at random "
         "steps with a positive floor eta_min.",
    cases=_cosine_cases,
    edge_cases=[Case((0.1, 0.001, 100, 0), label="the first step, t = 0"),
                Case((0.1, 0.001, 100, 100), label="the last step, t = T_max"),
                Case((0.5, 0.0, 30, 11), label="eta_min = 0")],
    mistakes=[
        Mistake("floor not added", _cosine_no_floor,
                "Your rate ends at 0 instead of eta_min: the cosine part is added on top of the "
                "floor."),
        Mistake("rising cosine", _cosine_rising,
                "Your rate rises from eta_min to lr0. It must start at lr0 when t = 0: check "
                "the sign in front of the cosine."),
        Mistake("two pi", _cosine_full_period,
                "Your cosine completes a full period in T_max steps and comes back up. The "
                "schedule is half a period: the angle is pi t / T_max."),
        Mistake("no one half", _cosine_no_half,
                "Your rate starts above lr0: 1 + cos(...) runs from 2 to 0, so it needs a "
                "factor 1/2."),
    ],
))


# ------------------------------------------------------------------------------------ lr_range_test
def _range_cases(rng):
    for n in (2, 3, 5):
        q = Quadratic(spd(rng, n, 0.5, 20.0), b=rng.standard_normal(n))
        yield Case((q, rng.standard_normal(n) * 3, float(rng.uniform(0.5, 2.0)) * 1e-3 / q.L,
                    float(rng.uniform(3.0, 8.0)) / q.L, int(rng.integers(20, 50))),
                   label=f"a random {n}-dimensional quadratic, start and range of rates")
    q = Quadratic(spd(rng, 4, 1.0, 10.0))
    yield Case((q, rng.standard_normal(4), 1e-2 / q.L, 1.5 / q.L, 30),
               label="a range that stays below the stability threshold")


def _range_linspace(objective, w0, lr_min, lr_max, n_steps):
    w, losses = np.array(w0, dtype=float), []
    for lr in np.linspace(lr_min, lr_max, n_steps):
        w = w - lr * objective.grad(w)
        losses.append(objective.loss(w))
    return np.array(losses)


def _range_loss_before_step(objective, w0, lr_min, lr_max, n_steps):
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(n_steps) / (n_steps - 1))
    w, losses = np.array(w0, dtype=float), []
    for lr in lrs:
        losses.append(objective.loss(w))
        w = w - lr * objective.grad(w)
    return np.array(losses)


def _range_restart(objective, w0, lr_min, lr_max, n_steps):
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(n_steps) / (n_steps - 1))
    w0 = np.array(w0, dtype=float)
    return np.array([objective.loss(w0 - lr * objective.grad(w0)) for lr in lrs])


def _range_exponent_off(objective, w0, lr_min, lr_max, n_steps):
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(n_steps) / n_steps)
    w, losses = np.array(w0, dtype=float), []
    for lr in lrs:
        w = w - lr * objective.grad(w)
        losses.append(objective.loss(w))
    return np.array(losses)


register(Exercise(
    id="ch04.lr_range_test",
    title="The learning-rate range test",
    reference=sol.lr_range_test,
    what="the n_steps losses after each step of one run whose rate grows geometrically from "
         "lr_min to lr_max, on random quadratics (some ranges crossing the stability threshold, "
         "so that the loss explodes), a one-dimensional quadratic, two steps only, and a start "
         "at the minimiser.",
    cases=_range_cases,
    edge_cases=[Case((Quadratic(np.array([[2.0]]), np.array([1.0])), np.array([3.0]),
                      0.01, 1.5, 12),
                     label="a one-dimensional quadratic"),
                Case((Quadratic(np.diag([1.0, 4.0])), np.array([1.0, -1.0]), 0.05, 0.4, 2),
                     label="two steps (the rates are exactly lr_min and lr_max)"),
                Case((Quadratic(np.diag([1.0, 4.0]), np.array([2.0, 4.0])), np.array([2.0, 1.0]),
                      0.01, 1.0, 10), label="a start at the minimiser")],
    rtol=1e-7,
    mistakes=[
        Mistake("linear spacing", _range_linspace,
                "Your rates are evenly spaced. The range test spaces them geometrically: each "
                "rate is the previous one times the same factor "
                "(lr_max / lr_min) ** (1 / (n_steps - 1))."),
        Mistake("loss before the step", _range_loss_before_step,
                "Your losses are one step late: losses[k] must be the loss after the step taken "
                "with the k-th rate, so that it measures what that rate did."),
        Mistake("restart at every rate", _range_restart,
                "Every one of your steps starts again from w0. The range test is one single run: "
                "each step continues from where the previous one ended."),
        Mistake("exponent k / n_steps", _range_exponent_off,
                "Your last rate is smaller than lr_max: with the exponent k / n_steps the sequence "
                "stops one factor short. The exponent runs from 0 to 1, so divide k by "
                "n_steps - 1."),
    ],
))


# ------------------------------------------------------------------------------------ slowest_rate
_WORST_FACTOR = ("Compare the worst factor max(|1 - lr|, |1 - 10 lr|) by which each rate "
                 "multiplies the error per step: the largest one leaves the highest loss.")

register(Exercise(
    id="ch04.slowest_rate",
    title="Predict: which rate is slowest?",
    reference=sol.slowest_rate(),
    kind="value",
    output="choice",
    choices=("a", "b", "c", "d"),
    what="your prediction of the rate that leaves the highest loss after 300 steps, compared "
         "with what the four runs do.",
    mistakes=[
        Mistake("the smallest rate", "a",
                "0.02 is slow: it multiplies the error along the flat direction (curvature 1) "
                "by 1 - 0.02 = 0.98 per step. But another rate is slower still, along the "
                "steep direction (curvature 10). " + _WORST_FACTOR),
        Mistake("the middle rate", "b",
                "0.1 is fast here: it removes the steep direction in one step "
                "(1 - 10 * 0.1 = 0) and shrinks the flat one by 0.9 per step. "
                + _WORST_FACTOR),
        Mistake("the best rate", "c",
                "0.18 is close to the best constant step 2/(L + mu) = 2/11: its worst factor, "
                "0.82, is the smallest of the four, so its loss ends lowest, not highest."),
    ],
))


# ------------------------------------------------------------------------------------ sgd_schedule
_SGD_TARGET, _SGD_EPOCHS, _SGD_CHAINS = 5e-4, 5, 16


@functools.lru_cache(maxsize=1)
def _noisy_least_squares():
    """This chapter's noisy least squares (read-only): Z = [1, X], y, theta*, the Hessian
    Z^T Z / m and the trace of the covariance of the example gradients at theta*."""
    rng = np.random.default_rng(4)
    m, n = 500, 5
    X = rng.standard_normal((m, n)) * rng.uniform(0.5, 2.0, n)
    y = X @ rng.standard_normal(n) + 1.0 + rng.normal(0.0, 1.0, m)
    Z = np.column_stack([np.ones(m), X])
    theta_star = np.linalg.lstsq(Z, y, rcond=None)[0]
    residual = Z @ theta_star - y
    trace_sigma = float(np.sum(residual ** 2 * np.sum(Z ** 2, axis=1)) / m)
    return (read_only(Z), read_only(y), read_only(theta_star), read_only(Z.T @ Z / m),
            trace_sigma)


def _sgd_rates(schedule):
    """The learner's rates for the steps t = 0, 1, ..., or an INVALID Verdict."""
    if not callable(schedule):
        return Verdict(INVALID, f"Your settings are invalid: the function must return a "
                                f"schedule, a function of the step t, but it returned "
                                f"{describe_type(schedule)}.")
    steps = _SGD_EPOCHS * len(_noisy_least_squares()[1])
    values = [schedule(t) for t in range(steps)]
    bad = next((t for t, v in enumerate(values) if not is_number(v) or not v >= 0
                or not np.isfinite(v)), None)
    if bad is not None:
        return Verdict(INVALID, f"Your settings are invalid: a learning rate must be a number "
                                f">= 0, but your schedule gave {values[bad]!r} at t = {bad}.")
    return np.array(values, dtype=float)


def _sgd_excess(rates, seed):
    """f - f* after SGD with one example per step and a fresh shuffle every epoch, from 0:
    _SGD_CHAINS runs side by side, with the shuffles drawn from ``seed``."""
    Z, y, theta_star, hessian, _ = _noisy_least_squares()
    m, rng = len(y), np.random.default_rng(seed)
    theta = np.zeros((_SGD_CHAINS, Z.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(_SGD_EPOCHS):
            order = rng.permuted(np.tile(np.arange(m), (_SGD_CHAINS, 1)), axis=1)
            for step, rows in enumerate(order.T):
                z = Z[rows]
                theta = theta - rates[epoch * m + step] * \
                    (np.sum(z * theta, axis=1) - y[rows])[:, None] * z
            if not np.all(np.isfinite(theta)):
                return np.full(_SGD_CHAINS, np.inf)
        error = theta - theta_star
        return 0.5 * np.einsum("ki,ij,kj->k", error, hessian, error)


def _sgd_failure(rates, excess) -> Verdict:
    Z, y, theta_star, hessian, trace_sigma = _noisy_least_squares()
    start = 0.5 * theta_star @ hessian @ theta_star
    mean, m = float(np.mean(excess)), len(y)
    if not np.all(np.isfinite(excess)) or np.any(excess > start):
        runs = int(np.sum(~np.isfinite(excess) | (excess > start)))
        return Verdict("diverged", f"Your run diverged: {runs} of the {_SGD_CHAINS} runs "
                                   f"ended further from the minimum than they started (or "
                                   f"overflowed). Your largest rate is {sci(rates.max())}: "
                                   f"steps with a single example tolerate much less than "
                                   f"the full gradient.")
    left = f"after {_SGD_EPOCHS} epochs f - f* is {missed_by(mean, _SGD_TARGET)}, on " \
           f"average over {_SGD_CHAINS} runs."
    last = float(rates[-m:].mean())
    floor = last * trace_sigma / 4
    if floor > _SGD_TARGET:
        return Verdict("noise floor", f"Your run stalled at a noise floor: {left} In the last "
                                      f"epoch your rate was still about {sci(last)}; at a "
                                      f"constant rate SGD keeps jittering around the minimum, "
                                      f"at a floor of roughly rate * tr(Sigma) / 4 = "
                                      f"{sci(floor)} here. Let the rate decay further.")
    return Verdict("froze", f"Your rates froze the run too early: {left} By the last epoch "
                            f"your rate had fallen to about {sci(last)}, and all your rates "
                            f"add up to {sci(rates.sum())}: the error left when they became "
                            f"small was never removed. Decay more slowly, or start higher.")


def _sgd_verdict(schedule, seed) -> Verdict:
    """Run SGD with the learner's schedule, 16 shuffles at once, and judge the mean f - f*."""
    rates = _sgd_rates(schedule)
    if isinstance(rates, Verdict):
        return rates
    excess = _sgd_excess(rates, seed)
    if np.all(np.isfinite(excess)) and np.mean(excess) <= _SGD_TARGET:
        return Verdict(REACHED)
    return _sgd_failure(rates, excess)


def _sgd_cases(rng):
    for _ in range(3):
        yield Case((int(rng.integers(2 ** 31)),),
                   label=f"a set of {_SGD_CHAINS} runs with random shuffles")


def _schedule_constant():
    return schedules.Constant(0.05)


def _schedule_decaying_too_fast():
    return schedules.InverseTimeDecay(0.05, k=0.3)


def _schedule_too_large():
    return schedules.Constant(0.2)


register(Exercise(
    id="ch04.sgd_schedule",
    title="Experiment: a schedule below the noise floor",
    reference=sol.sgd_schedule,
    what="your schedule, used by SGD with one example per step for 5 epochs from 0 on this "
         "chapter's noisy least squares, 16 runs with random shuffles at a time, for three "
         "such sets of runs: the mean of f - f* over each set must be at most 5e-4.",
    cases=_sgd_cases,
    **experiment_fields(_sgd_verdict, "diverged", "noise floor", "froze"),
    mistakes=[
        Mistake("constant rate", _schedule_constant,
                "A rate that stays high keeps SGD jittering around the minimum at a noise "
                "floor that grows with the rate. Let it decay over the run, so that the last "
                "epoch uses a much smaller rate than the first: step decay, 1/t, exponential "
                "or cosine decay can all do it."),
        Mistake("decaying too fast", _schedule_decaying_too_fast,
                "Your rates shrink so early that the run stops moving before it arrives: they "
                "must add up to enough (the first condition of Robbins and Monro) while "
                "ending small. Decay more slowly, or start higher."),
        Mistake("rate too large", _schedule_too_large,
                "Your rates are too large for steps with a single example: keep them below "
                "about 0.1 (a constant 0.05 converged in this chapter, to a noise floor)."),
    ],
))


# ----------------------------------------------------------------------------------- warmup_cosine
def _warmup_cases(rng):
    for where in ("during the warm-up", "in the cosine phase", "in the cosine phase"):
        warmup = int(rng.integers(5, 40))
        total = warmup + int(rng.integers(20, 200))
        t = int(rng.integers(0, warmup) if where == "during the warm-up" else
                rng.integers(warmup + 1, total))
        yield Case((float(rng.uniform(0.01, 1.0)), warmup, total, t),
                   label=f"a random schedule, at a step {where}")


def _warmup_then(lr0, warmup_steps, t, progress):
    """The schedule with the cosine phase at ``progress`` (a fraction of half a period)."""
    if t < warmup_steps:
        return lr0 * (1 / 3 + (2 / 3) * t / warmup_steps)
    return 0.5 * lr0 * (1 + np.cos(np.pi * progress))


def _warmup_as_given(lr0, warmup_steps, total_steps, t):
    return _warmup_then(lr0, warmup_steps, t, t / total_steps)


def _warmup_numerator_only(lr0, warmup_steps, total_steps, t):
    return _warmup_then(lr0, warmup_steps, t, (t - warmup_steps) / total_steps)


def _warmup_denominator_only(lr0, warmup_steps, total_steps, t):
    return _warmup_then(lr0, warmup_steps, t, t / (total_steps - warmup_steps))


register(Exercise(
    id="ch04.warmup_cosine",
    title="Debug: a warm-up that drops",
    reference=sol.warmup_cosine,
    output="scalar",
    what="the repaired rate at t = 0, at the last step of the warm-up, at t = warmup_steps, "
         "half-way through the cosine, at t = total_steps, and at random steps of random "
         "schedules.",
    cases=_warmup_cases,
    edge_cases=[Case((0.3, 10, 50, 0), label="the first step, t = 0"),
                Case((0.3, 10, 50, 9), label="the last step of the warm-up"),
                Case((0.3, 10, 50, 10), label="the first step after the warm-up"),
                Case((0.2, 20, 60, 40), label="half-way through the cosine"),
                Case((0.2, 20, 60, 60), label="the last step, t = total_steps")],
    mistakes=[
        Mistake("the planted bug", _warmup_as_given,
                "This is still the code as given. Plot it for 100 steps with lr0 = 0.1 and "
                "warmup_steps = 30, next to schedules.values(schedules.WarmupThenDecay(0.1, "
                "30, total_steps=100), 100): where do the two curves part, and by how much?"),
        Mistake("shifted numerator only", _warmup_numerator_only,
                "Your cosine now starts at lr0 when the warm-up ends, but it no longer reaches "
                "0 at total_steps: after the warm-up only total_steps - warmup_steps steps "
                "are left for the half cosine."),
        Mistake("shortened period only", _warmup_denominator_only,
                "Your cosine phase lasts total_steps - warmup_steps steps, but it still starts "
                "part-way down: count its progress from the end of the warm-up, "
                "t - warmup_steps."),
    ],
))
