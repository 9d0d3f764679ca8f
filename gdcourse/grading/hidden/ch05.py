"""Hidden tests for chapter 5, Batch, stochastic and mini-batch gradient descent."""

import numpy as np

from ...objectives import LinearRegression
from ...solutions import ch05 as sol
from ...variants import minibatch_descent
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import is_number, values_close
from ..sandbox import describe_type
from ._common import Invalid, regression, samples_in
from ._experiments import REACHED, goal_compare, goal_run, positive


def _generator(rng):
    """A fresh seeded Generator for one case (the grader hands each run a private copy)."""
    return np.random.default_rng(int(rng.integers(2**31)))


# -------------------------------------------------------------------------------- minibatch_indices
_NOT_A_LIST = "; return a list of index arrays, one per mini-batch."


def _encode_batches(answer, case):
    """Run the answer and encode its batches as [n_batches, sizes..., indices...]."""
    out = answer(*case.args, **case.kwargs)
    if out is None:
        return Invalid("Your function returned None. Did you forget the `return` statement?")
    is_iterable = isinstance(out, (list, tuple)) or hasattr(out, "__next__")
    if not is_iterable or isinstance(out, np.ndarray) and out.dtype != object:
        return Invalid(f"Your function returned {describe_type(out)}{_NOT_A_LIST}")
    batches = [np.asarray(batch) for batch in out]
    for batch in batches:
        if batch.ndim != 1 or (batch.size and batch.dtype.kind not in "iu"):
            return Invalid("Each mini-batch must be a 1-D array of integer row indices "
                           f"(one of yours is {describe_type(batch)}).")
    indices = np.concatenate(batches) if batches else np.empty(0)
    return np.concatenate([[len(batches)], [len(b) for b in batches], indices]).astype(float)


def _decode_batches(code):
    k = int(code[0])
    return code[1:1 + k].astype(int), code[1 + k:].astype(int)


def _compare_batches(got, expected, case):
    if isinstance(got, Invalid):
        return got.message
    if values_close(got, expected, 0, 0):
        return None
    sizes, indices = _decode_batches(got)
    want_sizes, _ = _decode_batches(expected)
    n_samples = case.args[0]
    if not np.array_equal(np.sort(indices), np.arange(n_samples)):
        return ("Your batches do not use every row exactly once: some rows are missing or "
                "repeated within the epoch.")
    if not np.array_equal(sizes, want_sizes):
        return ("Your batches have the wrong sizes: every batch holds batch_size rows, except "
                "the last one, which holds the rows that are left.")
    return ("Your batches hold every row once and have the right sizes, but the rows are not in "
            "the order of `rng.permutation(n_samples)`: use the generator `rng` you were given "
            "(not np.random.shuffle, nor a new generator), once, at the start of the epoch.")


def _indices_cases(rng):
    for n, k in ((10, 3), (50, 8), (103, 10), (37, 5)):
        yield Case((n, k, _generator(rng)), label=f"{n} samples in batches of {k}")


def _mistake_no_shuffle(n_samples, batch_size, rng):
    return [np.arange(start, min(start + batch_size, n_samples))
            for start in range(0, n_samples, batch_size)]


def _mistake_drop_last(n_samples, batch_size, rng):
    order = rng.permutation(n_samples)
    return [order[start:start + batch_size]
            for start in range(0, n_samples - batch_size + 1, batch_size)]


def _mistake_with_replacement(n_samples, batch_size, rng):
    order = rng.integers(0, n_samples, n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


def _mistake_shuffle_per_batch(n_samples, batch_size, rng):
    return [rng.permutation(n_samples)[:min(batch_size, n_samples - start)]
            for start in range(0, n_samples, batch_size)]


register(Exercise(
    id="ch05.minibatch_indices",
    title="The mini-batches of one epoch",
    reference=sol.minibatch_indices,
    what="the list of index arrays of one epoch for several numbers of samples and batch sizes "
         "(batch size 1, a batch size that does not divide the number of samples, one batch "
         "of all rows, a batch size larger than the data set, a single sample), each with a "
         "seeded generator: every row once, the right sizes, the order of rng.permutation.",
    output="any",
    run=_encode_batches,
    compare=_compare_batches,
    cases=_indices_cases,
    edge_cases=[Case((6, 1, np.random.default_rng(11)),
                     label="batch size 1 (stochastic gradient descent)"),
                Case((7, 7, np.random.default_rng(12)), label="one batch holding every row"),
                Case((5, 8, np.random.default_rng(13)),
                     label="a batch size larger than the data set"),
                Case((1, 4, np.random.default_rng(14)), label="a single sample")],
    mistakes=[
        Mistake("no shuffling", _mistake_no_shuffle,
                "Your batches always take the rows in their stored order 0, 1, 2, ...: shuffle "
                "the row indices with rng at the start of the epoch."),
        Mistake("last partial batch dropped", _mistake_drop_last,
                "You dropped the last, smaller batch, so some rows are never used in this "
                "epoch: keep the leftover rows as a final, shorter batch."),
        Mistake("sampling with replacement", _mistake_with_replacement,
                "You drew row numbers with replacement (rng.integers), so some rows appear "
                "twice and others never: an epoch visits a permutation of the rows."),
        Mistake("a new shuffle for every batch", _mistake_shuffle_per_batch,
                "You shuffle again for every batch, so batches overlap: shuffle once per "
                "epoch and cut that one permutation into consecutive chunks."),
    ],
))


# ---------------------------------------------------------------------------------------- sgd_epoch
def _pair_problem(out, n) -> Invalid | None:
    """What is wrong with the pair ``w, b`` an answer returned (None if nothing)."""
    if out is None:
        return Invalid("Your function returned None. Did you forget the `return` statement?")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return Invalid(f"Your function returned {describe_type(out)}; return the pair "
                       f"`w, b` (a tuple of the new weights and the new bias).")
    w, b = out
    if not isinstance(w, np.ndarray) or w.dtype.kind not in "iuf":
        return Invalid(f"Your new `w` is {describe_type(w)}; return it as a NumPy array of "
                       f"numbers.")
    if w.shape != (n,):
        return Invalid(f"Your new `w` has shape {w.shape}, but shape {(n,)} (the shape of the "
                       f"`w` passed in) was expected.")
    if not is_number(b) and not (isinstance(b, np.ndarray) and b.size == 1):
        return Invalid(f"Your new `b` is {describe_type(b)}; the bias must be a single number.")
    return None


def _encode_parameters(answer, case):
    """Run the answer and return (b, w_1, ..., w_n) as one array."""
    out = answer(*case.args, **case.kwargs)
    problem = _pair_problem(out, case.args[2].shape[0])
    if problem:
        return problem
    w, b = out
    return np.concatenate([np.ravel(b).astype(float), w.astype(float)])


def _compare_parameters(got, expected, case):
    if isinstance(got, Invalid):
        return got.message
    if not np.all(np.isfinite(got)):
        return "Your function returned parameters containing NaN or infinity."
    if not values_close(got, expected, 1e-7, 1e-10):
        return "Your function returned wrong parameters after the epoch."
    return None


def _epoch_cases(rng):
    for m, n in ((12, 2), (30, 3), (8, 1), (25, 4)):
        X, y = regression(rng, m, n, bias=0.3)
        yield Case((X, y, rng.standard_normal(n), float(rng.standard_normal()),
                    float(rng.uniform(0.01, 0.1)), rng.permutation(m)),
                   label=f"{m} samples and {n} features visited in a random order")


def _mistake_bias_after_weights(X, y, w, b, lr, order):
    for i in order:
        w = w - lr * (X[i] @ w + b - y[i]) * X[i]
        b = b - lr * (X[i] @ w + b - y[i])          # residual recomputed with the new w
    return w, b


def _mistake_full_gradient(X, y, w, b, lr, order):
    for _ in order:
        r = X @ w + b - y
        w, b = w - lr * X.T @ r / len(y), b - lr * r.mean()
    return w, b


def _mistake_ignores_order(X, y, w, b, lr, order):
    for i in range(len(y)):
        r = X[i] @ w + b - y[i]
        w, b = w - lr * r * X[i], b - lr * r
    return w, b


def _mistake_one_step(X, y, w, b, lr, order):
    r = X[order] @ w + b - y[order]
    return w - lr * X[order].T @ r / len(order), b - lr * r.mean()


register(Exercise(
    id="ch05.sgd_epoch",
    title="One epoch of stochastic gradient descent",
    reference=sol.sgd_epoch,
    what="the weights and bias after one epoch of per-sample updates for random data sets and "
         "random visiting orders, a single sample, one feature, an order that visits a row "
         "twice, a perfect fit (nothing changes) and large targets.",
    output="any",
    run=_encode_parameters,
    compare=_compare_parameters,
    cases=_epoch_cases,
    edge_cases=[Case((np.array([[2.0, -1.0]]), np.array([3.0]), np.array([0.5, 0.25]), 1.0, 0.1,
                      np.array([0])), label="a single sample"),
                Case((np.array([[1.0], [2.0], [3.0]]), np.array([3.0, 5.0, 7.0]),
                      np.array([2.0]), 1.0, 0.05, np.array([2, 0, 1])),
                     label="a perfect fit (every residual is 0)"),
                Case((np.array([[1.0, 0.5], [-0.5, 1.0], [0.2, -1.0]]),
                      np.array([1.0, -2.0, 0.5]), np.zeros(2), 0.0, 0.2, np.array([1, 1, 0, 2])),
                     label="an order that visits a row twice"),
                Case((np.array([[0.5], [-1.0], [1.5], [0.0]]), np.array([4e3, -2e3, 6e3, 1e3]),
                      np.array([0.0]), 0.0, 0.05, np.array([3, 1, 0, 2])),
                     label="large targets")],
    mistakes=[
        Mistake("bias updated with the new weights", _mistake_bias_after_weights,
                "Your bias update uses a residual computed after w was already updated: "
                "compute the residual of row i once, then update w and b from that same "
                "residual."),
        Mistake("full gradient in every step", _mistake_full_gradient,
                "Each of your steps uses the gradient of all the rows: a stochastic step uses "
                "the gradient of the single row i it visits."),
        Mistake("visiting order ignored", _mistake_ignores_order,
                "You visited the rows 0, 1, 2, ... in their stored order: visit them in the "
                "order given by `order`."),
        Mistake("one step for the whole epoch", _mistake_one_step,
                "You took a single step with the averaged gradient: SGD takes one step per "
                "visited row, each with that row's gradient at the current parameters."),
    ],
))


# ------------------------------------------------------------------------------- minibatch_gradient
def _gradient_cases(rng):
    for m, n, k in ((40, 3, 8), (25, 1, 5), (100, 5, 16), (30, 4, 7)):
        X, y = regression(rng, m, n, bias=0.3)
        yield Case((X, y, rng.standard_normal(n), rng.choice(m, size=k, replace=False)),
                   label=f"a batch of {k} of {m} samples with {n} features")


def _batch_gradient(X, y, w, idx, *, count=None, scale=1.0):
    """``scale`` times the batch gradient, divided by ``count`` rows (default: the batch size)."""
    X_B, y_B = X[idx], y[idx]
    return scale * X_B.T @ (X_B @ w - y_B) / (len(idx) if count is None else count)


def _batch_sum(X, y, w, idx):
    return _batch_gradient(X, y, w, idx, count=1)


def _batch_over_m(X, y, w, idx):
    return _batch_gradient(X, y, w, idx, count=len(y))


def _batch_full_data(X, y, w, idx):
    return X.T @ (X @ w - y) / len(y)


def _batch_wrong_sign(X, y, w, idx):
    return _batch_gradient(X, y, w, idx, scale=-1.0)


def _batch_factor_two(X, y, w, idx):
    return _batch_gradient(X, y, w, idx, scale=2.0)


register(Exercise(
    id="ch05.minibatch_gradient",
    title="The gradient of a mini-batch",
    reference=sol.minibatch_gradient,
    what="the mean gradient over the rows idx for random data and random batches, a batch of "
         "one row, a batch of every row, a batch that repeats a row, one feature, and weights "
         "that fit the batch exactly (gradient zero).",
    cases=_gradient_cases,
    edge_cases=[Case((np.array([[2.0, -1.0], [0.5, 1.0]]), np.array([3.0, -1.0]),
                      np.array([0.5, 0.25]), np.array([1])), label="a batch of one row"),
                Case((np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([2.0, 4.0, 7.0, 8.0]),
                      np.array([2.0]), np.array([3, 0, 1])),
                     label="one feature, weights that fit the batch exactly"),
                Case((np.array([[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]]), np.array([1.0, 2.0, 0.0]),
                      np.array([0.3, -0.2]), np.array([2, 2, 0])),
                     label="a batch that repeats a row")],
    samples=samples_in(3),
    mistakes=[
        Mistake("sum instead of mean", _batch_sum,
                "You summed the gradients of the batch: divide by the batch size to get their "
                "mean."),
        Mistake("divided by m", _batch_over_m,
                "You divided by the number of rows of the whole data set: the mean is over the "
                "B rows of the batch, so divide by len(idx)."),
        Mistake("full-data gradient", _batch_full_data,
                "Your gradient uses every row of X: select the rows of the batch, X[idx] and "
                "y[idx], first."),
        Mistake("wrong sign", _batch_wrong_sign,
                "Your gradient has the opposite sign: the residual is prediction minus target, "
                "X_B w - y_B."),
        Mistake("factor two", _batch_factor_two,
                "Your gradient is twice too large: with the half squared error the 2 from the "
                "square cancels."),
    ],
))


# -------------------------------------------------------------------------------- gradient_variance
def _variance_cases(rng):
    for m, p, k in ((20, 3, 4), (50, 2, 10), (12, 5, 3), (100, 4, 32)):
        G = rng.standard_normal((m, p)) * rng.uniform(0.5, 3, p) + rng.standard_normal(p)
        yield Case((G, k), label=f"{m} per-sample gradients of {p} entries, batches of {k}")


def _spread(G, *, ddof=0, centred=True):
    """sigma^2 = (1 / (m - ddof)) sum_i ||g_i - g||^2 (without "- g" when not centred)."""
    deviations = G - G.mean(axis=0) if centred else G
    return np.sum(deviations ** 2) / (G.shape[0] - ddof)


def _noise(sigma2, m, batch_size, *, correction=True, per_batch=True, denominator=None):
    """sigma2 / B * (m - B) / (m - 1), with one factor changed by the keywords."""
    factor = (m - batch_size) / (m - 1 if denominator is None else denominator)
    return float(sigma2 / (batch_size if per_batch else 1) * (factor if correction else 1.0))


def _variance_no_correction(G, batch_size):
    return _noise(_spread(G), len(G), batch_size, correction=False)


def _variance_no_batch(G, batch_size):
    return _noise(_spread(G), len(G), batch_size, per_batch=False)


def _variance_correction_over_m(G, batch_size):
    return _noise(_spread(G), len(G), batch_size, denominator=len(G))


def _variance_sample_no_correction(G, batch_size):
    return _noise(_spread(G, ddof=1), len(G), batch_size, correction=False)


def _variance_mean_over_entries(G, batch_size):
    return _noise(_spread(G) / G.shape[1], len(G), batch_size)


def _variance_sample_spread(G, batch_size):
    return _noise(_spread(G, ddof=1), len(G), batch_size)


def _variance_uncentred(G, batch_size):
    return _noise(_spread(G, centred=False), len(G), batch_size)


register(Exercise(
    id="ch05.gradient_variance",
    title="How noisy is a mini-batch gradient?",
    reference=sol.gradient_variance,
    output="scalar",
    what="the expected squared error of a mini-batch gradient drawn without replacement, for "
         "random per-sample gradients and batch sizes, batch size 1, a batch of every row "
         "(error 0), identical per-sample gradients (error 0) and large values.",
    cases=_variance_cases,
    edge_cases=[Case((np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]]), 1), label="batch size 1"),
                Case((np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5], [2.0, 2.0]]), 4),
                     label="a batch of every row"),
                Case((np.tile([[0.5, -1.5, 2.0]], (6, 1)), 2),
                     label="identical per-sample gradients"),
                Case((np.array([[1e6, -2e6], [3e6, 5e5], [-1e6, 0.0], [2e6, 1e6], [0.0, 4e6]]), 2),
                     label="large values")],
    mistakes=[
        Mistake("no finite-population correction", _variance_no_correction,
                "You used the formula for sampling with replacement: a batch of distinct rows "
                "carries the correction factor (m - B) / (m - 1)."),
        Mistake("forgot 1/B", _variance_no_batch,
                "Your result does not shrink like 1/B: the mean of B gradients divides their "
                "variance by the batch size."),
        Mistake("correction (m - B) / m", _variance_correction_over_m,
                "Check the denominator of the correction factor: it is m - 1, not m."),
        Mistake("sample variance, no correction", _variance_sample_no_correction,
                "You divided the spread by m - 1 (ddof=1) and left out the correction factor: "
                "sigma^2 averages over the m rows, and (m - B) / (m - 1) multiplies "
                "sigma^2 / B."),
        Mistake("mean over the coordinates", _variance_mean_over_entries,
                "You averaged over the entries of the gradient: the squared norm "
                "||g_i - g||^2 sums them."),
        Mistake("sample variance (ddof=1)", _variance_sample_spread,
                "Your sigma^2 divides by m - 1 (ddof=1). Here sigma^2 is the plain mean over "
                "the m rows, (1/m) sum_i ||g_i - g||^2; the m - 1 belongs only to the "
                "correction factor (m - B) / (m - 1)."),
        Mistake("not centred", _variance_uncentred,
                "You squared the gradients themselves: sigma^2 measures their spread around "
                "the full gradient g, so subtract the mean row first, (1/m) sum_i "
                "||g_i - g||^2."),
    ],
))


# ------------------------------------------------------------------------------ interpolation_race
RACE_ANSWERS = ("before epoch 10", "between epochs 10 and 100", "between epochs 100 and 200",
                "never within 200 epochs")

register(Exercise(
    id="ch05.interpolation_race",
    title="Predict: does batch gradient descent catch up without noise?",
    reference="never within 200 epochs",
    kind="value",
    output="choice",
    choices=RACE_ANSWERS,
    what="your prediction, compared with what the experiment gives: on the noiseless targets, "
         "the first epoch at which batch gradient descent (lr = 0.3) has a lower loss than SGD "
         "(B = 1, lr = 0.03).",
    mistakes=[
        Mistake("as on the noisy targets", "before epoch 10",
                "That is what happened on the real, noisy targets, where SGD levels off at its "
                "noise floor while batch gradient descent keeps going down. Without noise "
                "there is no floor: every per-example gradient vanishes at the minimum, and "
                "SGD keeps converging at a constant rate."),
        Mistake("eventually", "between epochs 10 and 100",
                "Batch gradient descent does not catch up: both runs converge geometrically, "
                "at speeds set by the same conditioning, but SGD makes 442 updates per epoch "
                "and batch gradient descent one. The gap between them grows every epoch."),
        Mistake("late", "between epochs 100 and 200",
                "Both runs converge geometrically, and the faster one stays ahead: SGD makes "
                "442 updates per epoch, batch gradient descent one, so the gap between them "
                "widens epoch after epoch instead of closing."),
    ],
))


# ------------------------------------------------------------------------------- one_pass_settings
PASS_ROWS, PASS_TARGET = 2000, 4e-3


def _pass_cases(rng):
    for k in (1, 2, 3):
        X, y = regression(rng, PASS_ROWS, 5, scale=np.array([1.0, 0.9, 0.8, 0.7, 0.6]),
                          bias=1.0)
        problem = LinearRegression(X, y)
        theta_star = problem.solution()
        noiseless = LinearRegression(X, problem.Z @ theta_star)     # the same minimiser
        yield Case((problem, noiseless, int(rng.integers(2**31)), problem.loss(theta_star)),
                   label=f"hidden data set {k} (2000 rows drawn the same way)")


def _pass_experiment(settings, case):
    """[verdict, f - f* after the pass, the same on noiseless targets, updates, B, lr].

    Least-squares SGD is linear in the targets: on the noiseless targets, with the same
    rows in the same order, it makes exactly the part of the error that comes from the
    start (the bias), and the rest comes from the noise.  Verdicts: 1 diverged, 2 the
    noise keeps it above the target, 3 the steps do not get close enough."""
    batch_size, lr = settings
    problem, noiseless, seed, f_star = case.args
    with np.errstate(all="ignore"):
        runs = [minibatch_descent(data, np.zeros(6), lr=lr, batch_size=int(batch_size),
                                  epochs=1, random_state=seed, record="epoch")
                for data in (problem, noiseless)]
        gap, bias = problem.loss(runs[0].w) - f_star, noiseless.loss(runs[1].w)
    updates = -(-PASS_ROWS // int(batch_size))
    if runs[0].diverged or not gap < problem.loss(np.zeros(6)) - f_star:
        return np.array([1.0, min(gap, 1e300), 0.0, updates, batch_size, lr])
    verdict = REACHED if gap < PASS_TARGET else 3.0 if bias > PASS_TARGET / 2 else 2.0
    return np.array([verdict, gap, bias, updates, batch_size, lr])


def _pass_explain(outcome):
    verdict, gap, bias, updates, batch_size, lr = outcome
    rows = "a single row" if batch_size == 1 else f"{batch_size:.0f} rows"
    run = (f"With batches of {rows} and lr = {lr:g} ({updates:.0f} "
           f"update{'s' if updates > 1 else ''} in the pass)")
    bias = f"{bias:.2g}" if bias >= 1e-12 else "below 1e-12"
    if verdict == 1:
        return (f"{run} the loss grew instead of falling: this rate is too large for "
                f"batches of this size.")
    missed = (f"{run} f - f* = {gap:.2g} after the pass, {gap / PASS_TARGET:.2g} times the "
              f"target 4e-3.")
    if verdict == 3:
        return (f"{missed} The steps do not get close enough to the minimum in one pass: "
                f"even on noiseless targets (the same rows in the same order) they would "
                f"stop at f - f* = {bias}. Raise lr, or take more, smaller batches.")
    return (f"{missed} The approach is fine (on noiseless targets the same steps would reach "
            f"{bias}), but the noise of the batch gradients keeps the run hovering "
            f"around the minimum, in a cloud that grows with lr / B (yours is "
            f"{lr / batch_size:.2g}). Lower lr, or take larger batches.")


def _pass_full_batch():
    return PASS_ROWS, 1.0


def _pass_noisy_sgd():
    return 1, 0.1


def _pass_timid_sgd():
    return 1, 0.0005


def _pass_few_large_batches():
    return 64, 0.02


register(Exercise(
    id="ch05.one_pass_settings",
    title="Experiment: f - f* < 4e-3 in one pass over 2000 rows",
    reference=sol.one_pass_settings,
    what="your (batch_size, lr) in minibatch_descent for one epoch from zero on three hidden "
         "data sets of 2000 rows drawn like the notebook's, each with a hidden shuffling "
         "seed: f - f* < 4e-3 after the pass on each.",
    output="any",
    cases=_pass_cases,
    run=goal_run(("batch_size", "lr"),
                 {"batch_size": (lambda b: b.is_integer() and 1 <= b <= PASS_ROWS,
                                 "a whole number from 1 to 2000"),
                  "lr": (positive, "a positive number")},
                 _pass_experiment),
    compare=goal_compare(_pass_explain),
    mistakes=[
        Mistake("the full batch", _pass_full_batch,
                "One pass of batch gradient descent is a single step, and no single step of "
                "gradient descent solves a problem whose curvatures differ (here by a factor "
                "of about 3). With a budget of one pass, many cheap steps beat one exact one."),
        Mistake("per-example steps at a large rate", _pass_noisy_sgd,
                "A per-example step at lr = 0.1 is noisy: the run reaches the minimum early "
                "in the pass and then hovers around it at a distance set by lr / B. Take "
                "smaller steps, or average more rows per step."),
        Mistake("per-example steps at a tiny rate", _pass_timid_sgd,
                "These steps are so small that 2000 of them do not reach the minimum: the "
                "error along the flattest direction shrinks by only about lr * mu per step."),
        Mistake("a few large batches at a small rate", _pass_few_large_batches,
                "Batches of 64 rows make only 32 updates in a pass, and at lr = 0.02 each one "
                "moves very little: larger batches need a proportionally larger rate."),
    ],
))


# -------------------------------------------------------------------------------------- sgd_epochs
def _epochs_cases(rng):
    for m, n, epochs in ((12, 2, 3), (30, 3, 2), (25, 4, 4)):
        X, y = regression(rng, m, n, bias=0.3)
        Z = np.column_stack([np.ones(m), X])
        yield Case((Z, y, rng.standard_normal(n + 1), float(rng.uniform(0.02, 0.08)), epochs,
                    _generator(rng)),
                   label=f"{m} rows, {n} features and a bias, {epochs} epochs")


def _sgd_epochs(*, pairs_kept=True, shuffle="every epoch", targets_follow=True):
    """SGD epochs with the planted bug or a wrong fix: Z and y permuted separately, no
    shuffle, one shuffle before the first epoch, only Z permuted."""
    def sgd_epochs(Z, y, theta0, lr, epochs, rng):
        theta = np.array(theta0, dtype=float)
        order = rng.permutation(len(y)) if shuffle == "once" else np.arange(len(y))
        for _ in range(epochs):
            if shuffle == "every epoch":
                order = rng.permutation(len(y))
            targets = order if pairs_kept else rng.permutation(len(y))
            targets = targets if targets_follow else np.arange(len(y))
            for z_i, y_i in zip(Z[order], y[targets]):
                theta = theta - lr * (z_i @ theta - y_i) * z_i
        return theta
    return sgd_epochs


register(Exercise(
    id="ch05.sgd_epochs",
    title="Debug: SGD that learns nothing",
    reference=sol.sgd_epochs,
    what="the parameters after a few epochs of per-example SGD, each epoch visiting the rows "
         "in the order of one rng.permutation, for random data sets, one epoch, a single row "
         "and a perfect fit.",
    cases=_epochs_cases,
    edge_cases=[
        Case((np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5], [1.0, 3.0]]),
              np.array([3.0, -2.0, 1.0, 4.0]), np.zeros(2), 0.1, 1, np.random.default_rng(21)),
             label="one epoch"),
        Case((np.array([[1.0, 0.5, -1.0]]), np.array([2.0]), np.array([0.2, 0.1, 0.0]), 0.2,
              3, np.random.default_rng(22)), label="a single row"),
        Case((np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]), np.array([3.0, 5.0, 7.0]),
              np.array([1.0, 2.0]), 0.05, 2, np.random.default_rng(23)),
             label="a perfect fit (nothing to learn)"),
    ],
    rtol=1e-7,
    atol=1e-10,
    mistakes=[
        Mistake("the code as given", _sgd_epochs(pairs_kept=False),
                "This still behaves like the code you were given. Compare the loss it reaches "
                "with the least-squares minimum, then ask which target each row is paired "
                "with during an epoch."),
        Mistake("shuffling removed", _sgd_epochs(shuffle="never"),
                "Each row now meets its own target, but you removed the shuffling: every "
                "epoch must visit the rows in a new random order, one rng.permutation per "
                "epoch."),
        Mistake("shuffled once", _sgd_epochs(shuffle="once"),
                "The pairs are right, but you shuffle only once, before the first epoch: "
                "reshuffle at the start of every epoch."),
        Mistake("targets in their stored order", _sgd_epochs(targets_follow=False),
                "You shuffle the rows of Z but take the targets in their stored order, so the "
                "pairs are still broken: index Z and y with the same permutation."),
    ],
))
