"""Hidden tests for chapter 10, Schedules and hyperparameters at scale."""

import math

import numpy as np

from ...solutions import ch10 as sol
from ..exercise import Case, Exercise, Mistake, register


# --------------------------------------------------------------------------- warm_restart_lr
def _restart_cases(rng):
    for _ in range(6):
        lr = float(np.exp(rng.uniform(np.log(0.01), 0.0)))
        yield Case((int(rng.integers(0, 500)), lr, int(rng.integers(1, 31)),
                    int(rng.choice([1, 2, 3])), float(rng.uniform(0.0, lr / 2))),
                   label="a random step, period and growth factor")


def _restart_variant(period_growth=True, late_restart=False, with_eta_min=True, half=True):
    """The schedule with one thing changed: the catalogued mistakes."""
    def rate(t, lr, T_0, T_mult, eta_min):
        T_cur, T_i = t, T_0
        while T_cur > T_i if late_restart else T_cur >= T_i:
            T_cur -= T_i
            T_i = T_i * T_mult if period_growth else T_i
        cosine = 1 + math.cos((1 if half else 2) * math.pi * T_cur / T_i)
        low = eta_min if with_eta_min else 0.0
        return low + (lr - low) * cosine / 2
    return rate


register(Exercise(
    id="ch10.warm_restart_lr",
    title="Cosine annealing with warm restarts",
    reference=sol.warm_restart_lr,
    output="scalar",
    what="the rate at the first step, at a restart, at the last step of a period, inside "
         "periods that grow by T_mult = 2 or 3, far into the run, and at random steps.",
    cases=_restart_cases,
    edge_cases=[
        Case((0, 0.1, 10, 1, 0.0), label="the first step"),
        Case((10, 0.1, 10, 1, 0.0), label="the step of the first restart"),
        Case((9, 0.1, 10, 1, 0.01), label="the last step of a period, eta_min > 0"),
        Case((25, 0.1, 10, 2, 0.0), label="inside the second period, T_mult = 2"),
        Case((70, 1.0, 10, 2, 0.1), label="a restart after periods of 10, 20 and 40 steps"),
        Case((1000, 0.5, 7, 3, 0.05), label="far into the run, T_mult = 3"),
    ],
    mistakes=[
        Mistake("periods never grow", _restart_variant(period_growth=False),
                "Every period has the same length in your schedule. After each restart the "
                "period is T_mult times longer: T_0, T_0 T_mult, T_0 T_mult^2, ..."),
        Mistake("restart one step late", _restart_variant(late_restart=True),
                "Your schedule restarts one step late: a period of T_i steps holds T_cur = 0, "
                "..., T_i - 1, and at T_cur = T_i the next period has already begun (the "
                "rate jumps back to lr)."),
        Mistake("no eta_min", _restart_variant(with_eta_min=False),
                "The cosine goes down to eta_min, not to 0: "
                "eta_min + (lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2."),
        Mistake("a full cosine period", _restart_variant(half=False),
                "Within a period the rate follows half a cosine, cos(pi T_cur / T_i), from lr "
                "down towards eta_min; with 2 pi it would climb back up before the restart."),
    ],
))


# --------------------------------------------------------------------------- plateau_rates
def _levelling_off_curve(rng, n):
    """A noisy validation loss that levels off, with a stretch of exactly equal values."""
    t = np.arange(n)
    curve = 1 / (1 + rng.uniform(0.05, 0.3) * t) + rng.uniform(0.002, 0.03) * \
        rng.standard_normal(n)
    flat = int(rng.integers(n // 3, n // 2))
    curve[flat:flat + 5] = curve[flat]
    return curve


def _plateau_cases(rng):
    for n in (20, 40, 60):
        yield Case((_levelling_off_curve(rng, n), float(rng.uniform(0.01, 1.0)),
                    float(rng.uniform(0.1, 0.7)), int(rng.integers(1, 6))),
                   label=f"a noisy validation curve of {n} epochs")


def _plateau_variant(reduce_at_patience=False, reset_after_reduction=True,
                     reset_on_improvement=True, against_previous=False,
                     record_before=False):
    """The scheduler with one thing changed: the catalogued mistakes."""
    def rates(metrics, lr, factor, patience):
        best, bad, out = math.inf, 0, []
        for metric in metrics:
            if metric < best:
                bad = 0 if reset_on_improvement else bad
            else:
                bad += 1
            best = metric if against_previous else min(best, metric)
            if record_before:
                out.append(lr)
            if bad >= patience if reduce_at_patience else bad > patience:
                lr = lr * factor
                bad = 0 if reset_after_reduction else bad
            if not record_before:
                out.append(lr)
        return np.array(out)
    return rates


register(Exercise(
    id="ch10.plateau_rates",
    title="Reduce on plateau",
    reference=sol.plateau_rates,
    what="the rates after every epoch for a falling curve, a flat one, patience 0, "
         "improvements between bad epochs, values that fall without beating the best, and "
         "random noisy validation curves.",
    cases=_plateau_cases,
    edge_cases=[
        Case((np.array([5.0, 4.0, 3.0, 2.0, 1.0]), 0.1, 0.5, 1),
             label="a metric that improves at every epoch"),
        Case((np.ones(8), 1.0, 0.5, 2), label="a metric that never changes"),
        Case((np.array([3.0, 2.0, 2.5, 2.0, 1.0, 1.5, 1.2]), 1.0, 0.1, 0),
             label="patience 0"),
        Case((np.array([1.0, 2.0, 1.5, 1.2, 1.1, 1.05, 1.02, 1.01]), 1.0, 0.5, 2),
             label="values that fall but never beat the first one"),
        Case((np.array([1.0, 1.1, 1.1, 0.9, 1.0, 1.0, 1.0, 1.0, 0.95]), 0.2, 0.1, 2),
             label="an improvement between bad epochs"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("reduces at patience", _plateau_variant(reduce_at_patience=True),
                "You reduce after `patience` bad epochs. The scheduler waits longer: it "
                "reduces when the count exceeds patience (with patience 2, at the third bad "
                "epoch in a row)."),
        Mistake("count kept after a reduction", _plateau_variant(reset_after_reduction=False),
                "After a reduction the count of bad epochs starts again from 0; yours keeps "
                "counting, so the rate drops at every following bad epoch."),
        Mistake("count kept after an improvement", _plateau_variant(reset_on_improvement=False),
                "Only bad epochs *in a row* count: a new best value resets the count to 0."),
        Mistake("compared with the previous epoch", _plateau_variant(against_previous=True),
                "Compare each value with the best so far, not with the previous epoch: a loss "
                "that falls from 2.0 to 1.5 has not improved if the best was 1.0."),
        Mistake("rate recorded before the reduction", _plateau_variant(record_before=True),
                "Record the rate after deciding about the reduction: the rate of an epoch's "
                "entry is the one to use next, already divided if the epoch triggered it."),
    ],
))


# --------------------------------------------------------------------------- trials_needed
def _trial_cases(rng):
    found = 0
    while found < 6:
        q, p = float(rng.uniform(0.001, 0.5)), float(rng.uniform(0.5, 0.999))
        ratio = math.log(1 - p) / math.log(1 - q)
        if abs(ratio - round(ratio)) > 1e-6:          # not on the edge of an integer
            found += 1
            yield Case((q, p), label="a random fraction q and probability p")


register(Exercise(
    id="ch10.trials_needed",
    title="How many random trials?",
    reference=sol.trials_needed,
    output="int",
    what="the fewest trials for good fractions from 0.1 % to 50 % and probabilities from 10 % "
         "to 99.9 %, including the classic 5 % / 95 % and a probability below the fraction.",
    cases=_trial_cases,
    edge_cases=[
        Case((0.45, 0.999), label="q = 0.45, p = 0.999"),
        Case((0.05, 0.95), label="q = 5 %, p = 95 %"),
        Case((0.5, 0.1), label="a probability below the fraction (one trial suffices)"),
        Case((0.01, 0.99), label="q = 1 %, p = 99 %"),
    ],
    mistakes=[
        Mistake("rounded down", lambda q, p: math.floor(math.log(1 - p) / math.log(1 - q)),
                "You rounded down. n must satisfy (1 - q)^n <= 1 - p, i.e. n >= log(1 - p) / "
                "log(1 - q): round up (math.ceil)."),
        Mistake("log q", lambda q, p: math.ceil(math.log(1 - p) / math.log(q)),
                "A trial misses the good region with probability 1 - q, not q: all n trials "
                "miss with probability (1 - q)^n."),
        Mistake("first-order approximation", lambda q, p: math.ceil(-math.log(1 - p) / q),
                "You used log(1 - q) ~ -q, which is only close for tiny q: use log(1 - q) "
                "itself."),
        Mistake("p and q swapped", lambda q, p: math.ceil(math.log(1 - q) / math.log(1 - p)),
                "q (the good fraction) and p (the probability wanted) are swapped: "
                "n >= log(1 - p) / log(1 - q)."),
        Mistake("rounded to nearest", lambda q, p: round(math.log(1 - p) / math.log(1 - q)),
                "You rounded to the nearest integer; with fewer trials than the bound the "
                "probability falls short of p: round up (math.ceil)."),
    ],
))


# --------------------------------------------------------------------------- gd_limit
def _wide_cases(rng):
    for m, n in ((2, 5), (5, 12), (10, 40)):
        X = rng.standard_normal((m, n)) * rng.uniform(0.5, 2.0, n)
        yield Case((X, rng.standard_normal(m), rng.standard_normal(n)),
                   label=f"{m} random examples with {n} features, a random start")


def _row_space_projection(X, w):
    return np.linalg.pinv(X) @ (X @ w)


register(Exercise(
    id="ch10.gd_limit",
    title="Where gradient descent lands",
    reference=sol.gd_limit,
    what="the limit for one example with two features from zero and from another start, a "
         "start that already solves the equations, and random problems with 2 to 10 "
         "examples and 5 to 40 features.",
    cases=_wide_cases,
    edge_cases=[
        Case((np.array([[2.0, 1.0]]), np.array([2.0]), np.zeros(2)),
             label="one example with two features, from zero"),
        Case((np.array([[2.0, 1.0]]), np.array([2.0]), np.array([1.0, 1.0])),
             label="one example with two features, from (1, 1)"),
        Case((np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([2.0, 3.0]),
              np.array([1.0, 2.0, 1.0])), label="a start that already solves the equations"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("one gradient step", lambda X, y, w0: w0 + X.T @ (y - X @ w0),
                "That is a single step of size 1 from w0. The limit solves X w = y exactly: "
                "w0 plus the pseudo-inverse applied to the residual, X^+ (y - X w0)."),
        Mistake("start ignored", lambda X, y, w0: np.linalg.pinv(X) @ y,
                "That is the limit from w0 = 0 only. The component of w0 in the null space of "
                "X never changes: the limit is w0 + X^+ (y - X w0)."),
        Mistake("start added unprojected", lambda X, y, w0: w0 + np.linalg.pinv(X) @ y,
                "w0 + X^+ y does not solve X w = y unless X w0 = 0: correct w0 by the "
                "residual it leaves, w0 + X^+ (y - X w0)."),
        Mistake("row-space part of the start kept",
                lambda X, y, w0: np.linalg.pinv(X) @ y + _row_space_projection(X, w0),
                "Gradient steps change only the row-space part of w; what survives from w0 is "
                "its null-space part, w0 - X^+ X w0."),
    ],
))


# --------------------------------------------------------------------------- hinge_subgradient
def _hinge_cases(rng):
    for m, n in ((10, 2), (50, 5), (200, 8)):
        X = rng.standard_normal((m, n))
        y = np.where(X @ rng.standard_normal(n) + 0.3 * rng.standard_normal(m) > 0, 1.0, -1.0)
        theta = rng.standard_normal(n + 1)
        yield Case((theta, X, y, float(rng.uniform(0.0, 0.5))),
                   label=f"{m} random examples with {n} features")


def _hinge_variant(strict=False, penalise_bias=False, mean=True, with_labels=True,
                   over_active=False):
    """The subgradient with one thing changed: the catalogued mistakes."""
    def subgradient(theta, X, y, alpha):
        Z = np.column_stack([np.ones(len(y)), X])
        margins = y * (Z @ theta)
        active = margins < 1 if strict else margins <= 1
        weights = (y if with_labels else np.ones(len(y))) * active
        total = -(Z.T @ weights)
        g = total / max(active.sum(), 1) if over_active else \
            total / len(y) if mean else total
        penalty = alpha * theta if penalise_bias else alpha * np.r_[0.0, theta[1:]]
        return g + penalty
    return subgradient


register(Exercise(
    id="ch10.hinge_subgradient",
    title="The subgradient of the hinge loss",
    reference=sol.hinge_subgradient,
    what="the subgradient with examples exactly on the margin, all examples beyond it, no "
         "penalty, a non-zero bias, and random data of 10 to 200 examples.",
    cases=_hinge_cases,
    edge_cases=[
        Case((np.array([0.0, 0.5]), np.array([[1.0], [2.0], [-1.0]]),
              np.array([1.0, 1.0, -1.0]), 0.1),
             label="three examples, one exactly on the margin"),
        Case((np.array([0.5, 1.0, -1.0]), np.array([[1.0, 0.0], [0.0, -2.0], [-2.0, 1.0],
                                                    [0.2, 0.1]]),
              np.array([1.0, 1.0, -1.0, -1.0]), 0.2),
             label="a bias, some examples beyond the margin"),
        Case((np.array([0.0, 2.0]), np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]), 0.3),
             label="every example beyond the margin"),
        Case((np.array([0.1, -0.3]), np.array([[1.0], [3.0]]), np.array([1.0, -1.0]), 0.0),
             label="no penalty"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("strict inequality", _hinge_variant(strict=True),
                "An example exactly on the margin (y s = 1) counts as active in scikit-learn's "
                "convention: use <= 1, not < 1."),
        Mistake("sum instead of mean", _hinge_variant(mean=False),
                "The loss is the mean over the m examples: divide the sum of -y_i z_i by m."),
        Mistake("labels left out", _hinge_variant(with_labels=False),
                "An active example contributes -y_i z_i: for a negative example (y = -1) the "
                "sign flips."),
        Mistake("mean over the active examples", _hinge_variant(over_active=True),
                "Divide by the number of all examples m, not by the number of active ones: "
                "the inactive ones are in the mean with a zero subgradient."),
        Mistake("bias penalised", _hinge_variant(penalise_bias=True),
                "The penalty alpha / 2 |w|^2 is on the weights only: the bias entry of the "
                "subgradient gets no alpha * b."),
    ],
))
