"""Hidden tests for chapter 7, Pitfalls and how to diagnose them."""

import numpy as np

from ...objectives import LinearRegression
from ...solutions import ch07 as sol
from ...stability import clip_by_norm
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import output_problem, values_close
from ..sandbox import describe_type
from ._common import Invalid, QuadraticGradient
from ._experiments import REACHED, goal_compare, goal_run, positive


# ------------------------------------------------------------------------------------- clip_by_norm
def _clip_cases(rng):
    for n in (2, 5, 20):
        g = rng.standard_normal(n) * 10
        yield Case((g, float(rng.uniform(0.5, 3.0))),
                   label=f"a random {n}-dimensional gradient longer than max_norm")
    g = rng.standard_normal(4)
    yield Case((g, float(np.linalg.norm(g) * rng.uniform(1.5, 3.0))),
               label="a random gradient already shorter than max_norm")
    yield Case((rng.standard_normal((3, 2)) * 5, 1.5), label="a matrix-shaped gradient")


def _norm(g):
    return float(np.sqrt(np.sum(g ** 2)))


def _clip_mistake_componentwise(grad, max_norm):
    return np.clip(grad, -max_norm, max_norm)


def _clip_mistake_always(grad, max_norm):
    norm = _norm(grad)
    return grad * (max_norm / norm) if norm > 0 else grad.copy()


def _clip_mistake_reversed(grad, max_norm):
    norm = _norm(grad)
    return grad * (max_norm / norm) if 0 < norm < max_norm else grad.copy()


def _clip_mistake_squared(grad, max_norm):
    squared = float(np.sum(grad ** 2))
    return grad * (max_norm / squared) if squared > max_norm else grad.copy()


def _clip_mistake_unit(grad, max_norm):
    norm = _norm(grad)
    return grad / norm if norm > max_norm else grad.copy()


register(Exercise(
    id="ch07.clip_by_norm",
    title="Gradient clipping by norm",
    reference=sol.clip_by_norm,
    what="the clipped gradient for gradients longer and shorter than max_norm, exactly as long "
         "as max_norm, a zero gradient, a single entry, a matrix-shaped gradient and huge "
         "values; the input must not be changed.",
    cases=_clip_cases,
    edge_cases=[Case((np.zeros(3), 1.0), label="a zero gradient"),
                Case((np.array([0.3, -0.4]), 1.0), label="a gradient shorter than max_norm"),
                Case((np.array([3.0, 4.0]), 5.0), label="a gradient exactly as long as max_norm"),
                Case((np.array([-7.5]), 2.0), label="a single entry"),
                Case((np.array([3e8, -4e8, 1.2e9]), 1.0),
                     label="huge values (an exploding gradient)")],
    mistakes=[
        Mistake("np.clip per component", _clip_mistake_componentwise,
                "You clipped each component separately (as np.clip does). That changes the "
                "direction of the gradient; clipping by norm shrinks the whole vector by one "
                "factor."),
        Mistake("always rescaled", _clip_mistake_always,
                "Your function also lengthens short gradients. A gradient whose norm is already "
                "at most max_norm must come back unchanged."),
        Mistake("condition reversed", _clip_mistake_reversed,
                "Your condition is the wrong way round: you rescale the short gradients and "
                "leave the long ones alone."),
        Mistake("squared norm", _clip_mistake_squared,
                "You used the sum of squares where the norm belongs: the Euclidean norm is the "
                "square root of the sum of squares."),
        Mistake("unit vector", _clip_mistake_unit,
                "Your clipped gradients have length 1 instead of max_norm: after dividing by "
                "the norm, multiply by max_norm."),
    ],
    forbid_mutation=True,
))


# --------------------------------------------------------------------------- standardize_train_test
def _splits_problem(out, case) -> Invalid | None:
    wanted = ("return a tuple (X_train_std, X_test_std) of two NumPy arrays with the shapes of "
              "X_train and X_test.")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return Invalid(f"Your function returned {describe_type(out)}; {wanted}")
    for part, given in zip(out, case.args):
        if not isinstance(part, np.ndarray) or part.dtype.kind not in "iuf":
            return Invalid(f"Your function returned {describe_type(part)} in the tuple; "
                           f"{wanted}")
        if part.shape != given.shape:
            return Invalid(f"Your function returned an array of shape {part.shape} where "
                           f"{given.shape} was expected; {wanted}")
    return None


def _encode_splits(answer, case):
    """Stack the two returned splits into one array, so that answers can be compared."""
    out = answer(*case.args, **case.kwargs)
    return _splits_problem(out, case) or np.vstack([part.astype(float) for part in out])


def _compare_splits(got, expected, case):
    if isinstance(got, Invalid):
        return got.message
    if not np.all(np.isfinite(got)):
        return ("Your function returned NaN or infinity. Is there a column whose values in the "
                "training split are all equal? Divide such a column by 1 instead.")
    if not values_close(got, expected, 1e-9, 1e-12):
        return "Your function returned wrong values."
    return None


def _scaled_data(rng, m, n):
    centres = rng.uniform(-50, 50, n)
    scales = 10.0 ** rng.uniform(-2, 3, n)
    return centres + scales * rng.standard_normal((m, n))


def _standardize_cases(rng):
    for m_train, m_test, n in ((20, 8, 3), (50, 20, 6), (7, 3, 2)):
        X = _scaled_data(rng, m_train + m_test, n)
        yield Case((X[:m_train], X[m_train:]),
                   label=f"{m_train} training and {m_test} test rows with {n} features of very "
                         f"different scales")
    X = _scaled_data(rng, 6 + 2, 2)
    X[:, 0] = 0.1
    yield Case((X[:6], X[6:]), label="a training column whose values all equal 0.1 (np.std "
                                     "gives about 1e-17 for it, not 0)")


def _split_stats(X, ddof=0, constant_if=None):
    """Mean and standard deviation of every column (1 for a constant column)."""
    std = X.std(axis=0, ddof=ddof)
    constant = np.ptp(X, axis=0) == 0 if constant_if is None else constant_if(std)
    return X.mean(axis=0), np.where(constant, 1.0, std)


def _std_mistake_own_stats(X_train, X_test):
    (m1, s1), (m2, s2) = _split_stats(X_train), _split_stats(X_test)
    return (X_train - m1) / s1, (X_test - m2) / s2


def _std_mistake_all_data(X_train, X_test):
    mean, std = _split_stats(np.vstack([X_train, X_test]))
    return (X_train - mean) / std, (X_test - mean) / std


def _std_mistake_variance(X_train, X_test):
    mean, std = _split_stats(X_train)
    return (X_train - mean) / std ** 2, (X_test - mean) / std ** 2


def _std_mistake_ddof(X_train, X_test):
    mean, std = _split_stats(X_train, ddof=1)
    return (X_train - mean) / std, (X_test - mean) / std


def _std_mistake_one_pass(X_train, X_test):
    mean = X_train.mean(axis=0)
    var = np.maximum((X_train ** 2).mean(axis=0) - mean ** 2, 0.0)
    std = np.where(var > 0, np.sqrt(var), 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


def _std_mistake_positive_std(X_train, X_test):
    mean, std = _split_stats(X_train, constant_if=lambda std: std == 0)
    return (X_train - mean) / std, (X_test - mean) / std


_OFFSET = np.random.default_rng(7).standard_normal((12, 2)) * 3.0 + 1e5

register(Exercise(
    id="ch07.standardize_train_test",
    title="Standardising without leaking the test set",
    reference=sol.standardize_train_test,
    what="both standardised splits for random data with features of very different scales, one "
         "feature, a single test row, columns that are constant in the training split (one of "
         "them 0.1, whose computed standard deviation is not exactly 0), and features with a "
         "large offset (mean 1e5); statistics from the training split only.",
    output="any",
    run=_encode_splits,
    compare=_compare_splits,
    cases=_standardize_cases,
    edge_cases=[Case((np.array([[1.0], [2.0], [4.0], [9.0]]), np.array([[3.0], [-1.0]])),
                     label="one feature"),
                Case((np.array([[1.0, 10.0], [3.0, 20.0], [8.0, 60.0]]), np.array([[2.0, 15.0]])),
                     label="a single test row"),
                Case((np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 6.0]]),
                      np.array([[5.0, 0.0], [7.0, 3.0]])),
                     label="a column that is constant in the training split"),
                Case((_OFFSET[:9], _OFFSET[9:]),
                     label="features with a large offset (mean 1e5, spread 3)")],
    mistakes=[
        Mistake("test statistics for the test split", _std_mistake_own_stats,
                "You standardised the test split with its own mean and standard deviation. The "
                "test split must be transformed with the statistics of the training split, "
                "exactly like new data arriving after training."),
        Mistake("statistics of all the data", _std_mistake_all_data,
                "Your statistics include the test rows (this leaks the test set into "
                "training). Compute the mean and standard deviation from X_train alone."),
        Mistake("divided by the variance", _std_mistake_variance,
                "You divided by the variance. Standardising divides by the standard deviation, "
                "the square root of the variance."),
        Mistake("sample standard deviation", _std_mistake_ddof,
                "You used the sample standard deviation (ddof=1). Use np.std's default, "
                "ddof=0, as scikit-learn's StandardScaler does."),
        Mistake("one-pass variance", _std_mistake_one_pass,
                "Your results lose digits when a feature has a large mean: mean(x**2) - "
                "mean(x)**2 subtracts two huge, almost equal numbers. Subtract the mean first "
                "(as np.std does)."),
        Mistake("constant column found by std > 0", _std_mistake_positive_std,
                "A column whose training values are all equal can get a standard deviation of "
                "about 1e-17 instead of 0 (the mean is rounded), and dividing by it blows the "
                "column up. Recognise a constant column by its values (np.ptp(X_train, "
                "axis=0) == 0), not by std > 0."),
    ],
    forbid_mutation=True,
))


def _compare_loss(got, expected, case):
    problem = output_problem("scalar", got, expected)
    if problem == "returned NaN or infinity.":
        return ("Your function returned NaN or infinity: exp overflows for arguments above about "
                "709, and the log of a number that rounded to 0 is -inf.")
    if problem:
        return f"Your function {problem}"
    if not values_close(got, expected, 1e-9, 1e-12):
        return "Your function returned a wrong value."
    return None


# -------------------------------------------------------------------------------------- log_sum_exp
def _lse_cases(rng):
    yield Case((rng.standard_normal(5),), label="5 random numbers of order one")
    for n in (10, 30):
        yield Case((rng.standard_normal(n) * 1000.0,), label=f"{n} random numbers in the thousands")
    yield Case((rng.uniform(700.0, 720.0, 6),),
               label="6 numbers just around the overflow limit of exp")


def _lse_mistake_naive(z):
    with np.errstate(over="ignore", divide="ignore"):
        return float(np.log(np.sum(np.exp(z))))


def _lse_mistake_no_max_back(z):
    return float(np.log(np.sum(np.exp(z - np.max(z)))))


def _lse_mistake_max_only(z):
    return float(np.max(z))


def _lse_mistake_mean_shift(z):
    c = np.mean(z)
    with np.errstate(over="ignore", divide="ignore"):
        return float(c + np.log(np.sum(np.exp(z - c))))


register(Exercise(
    id="ch07.log_sum_exp",
    title="The log-sum-exp trick",
    reference=sol.log_sum_exp,
    what="log(sum(exp(z))) as one finite number for random vectors of order one and in the "
         "thousands, numbers around the overflow limit of exp, a single entry, equal entries, "
         "very negative entries and entries of both signs far apart.",
    output="scalar",
    compare=_compare_loss,
    cases=_lse_cases,
    edge_cases=[Case((np.array([1e4]),), label="a single entry of 10000"),
                Case((np.full(4, -1000.0),), label="four entries equal to -1000"),
                Case((np.array([1000.0, 1000.0, 999.0]),),
                     label="three large, nearly equal entries"),
                Case((np.array([800.0, -800.0]),), label="two entries of opposite sign, far apart"),
                Case((np.zeros(2),), label="two zeros")],
    mistakes=[
        Mistake("naive formula", _lse_mistake_naive,
                "np.exp overflows above about 709 (and underflows to 0 below about -745). "
                "Subtract the largest entry before exponentiating, and add it back afterwards."),
        Mistake("forgot to add the maximum back", _lse_mistake_no_max_back,
                "You subtracted the maximum m inside the exponential but did not add it back: "
                "log(sum(exp(z))) = m + log(sum(exp(z - m)))."),
        Mistake("shifted by the mean", _lse_mistake_mean_shift,
                "Shifting by the mean does not protect against overflow when the entries are far "
                "apart: shift by the largest entry, so that every exponent is at most 0."),
        Mistake("maximum only", _lse_mistake_max_only,
                "The maximum alone is only an approximation: add log(sum(exp(z - m))), which lies "
                "between 0 and log(n)."),
    ],
    forbid_mutation=True,
))


# ----------------------------------------------------------------------------- stable_logistic_loss
def _labels(rng, m):
    return rng.integers(0, 2, m).astype(float)


def _loss_cases(rng):
    for m, scale in ((10, 3.0), (50, 1.0), (30, 20.0)):
        yield Case((rng.standard_normal(m) * scale, _labels(rng, m)),
                   label=f"{m} random scores of moderate size")
    for m in (8, 25):
        yield Case((rng.standard_normal(m) * 2000.0, _labels(rng, m)),
                   label=f"{m} random scores in the thousands (far beyond where exp overflows)")


def _softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _loss_mistake_sum(z, y):
    return float(np.sum(_softplus(z) - y * z))


def _loss_mistake_sign(z, y):
    return float(np.mean(_softplus(z) + y * z))


def _loss_mistake_no_log1p(z, y):
    return float(np.mean(np.maximum(z, 0) - y * z))


def _loss_mistake_labels_swapped(z, y):
    return float(np.mean(_softplus(z) - (1 - y) * z))


def _loss_mistake_naive(z, y):
    with np.errstate(over="ignore"):
        return float(np.mean(np.log(1 + np.exp(z)) - y * z))


register(Exercise(
    id="ch07.stable_logistic_loss",
    title="A logistic loss that never overflows",
    reference=sol.stable_logistic_loss,
    what="the mean cross-entropy as one finite number for random scores of moderate size and in "
         "the thousands, a single sample, all scores zero, and scores of +-10000 with both labels.",
    output="scalar",
    compare=_compare_loss,
    cases=_loss_cases,
    edge_cases=[Case((np.array([0.0]), np.array([1.0])), label="a single sample with score 0"),
                Case((np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])), label="all scores zero"),
                Case((np.array([1e4, -1e4, 1e4, -1e4]), np.array([1.0, 0.0, 0.0, 1.0])),
                     label="scores of +-10000, right and wrong"),
                Case((np.array([800.0, 3.0, -2.0]), np.array([1.0, 1.0, 0.0])),
                     label="a score of 800, correctly classified")],
    mistakes=[
        Mistake("naive formula", _loss_mistake_naive,
                "np.log(1 + np.exp(z)) overflows for scores above about 709. Rewrite "
                "log(1 + e^z) as max(z, 0) + log1p(exp(-|z|)), whose exponent is never positive."),
        Mistake("sum instead of mean", _loss_mistake_sum,
                "You summed over the samples; the loss is the mean, so divide by the number of "
                "samples."),
        Mistake("wrong sign", _loss_mistake_sign,
                "Check the sign of the y * z term: the loss of a sample is log(1 + e^z) - y z."),
        Mistake("dropped the log1p term", _loss_mistake_no_log1p,
                "You kept only max(z, 0): the stable softplus also needs the term "
                "log1p(exp(-|z|)), which matters most near z = 0."),
        Mistake("labels swapped", _loss_mistake_labels_swapped,
                "Your loss rewards the wrong class: the term -y z belongs to label 1, so that a "
                "large positive score costs little when y = 1."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------- diagnose_run
LABELS = ("nan", "diverging", "oscillating", "too slow", "converging")


def _quadratic_run(rng, lr_factor, steps, momentum=0.0):
    """Losses of gradient descent (heavy ball when momentum > 0) on a random 3-D quadratic."""
    curvatures = rng.uniform(0.5, 10.0, 3)
    curvatures[0] = 10.0
    w, v, losses = rng.standard_normal(3) * 3, np.zeros(3), []
    for _ in range(steps + 1):
        losses.append(0.5 * float(curvatures @ w ** 2) + 1.0)
        v = momentum * v + curvatures * w
        w = w - lr_factor / 10.0 * v
    return np.array(losses)


def _label_cases(rng):
    yield Case((_quadratic_run(rng, float(rng.uniform(2.1, 2.5)), 40),),
               label="a run with a learning rate above 2/L")
    yield Case((_quadratic_run(rng, 1.0, 60),), label="a run with the learning rate 1/L")
    yield Case((_quadratic_run(rng, 0.95, 80, momentum=0.9),), label="a run with heavy momentum")
    yield Case((_quadratic_run(rng, 0.002, 100),), label="a run with a tiny learning rate")
    blown = _quadratic_run(rng, float(rng.uniform(2.5, 3.0)), 30)
    blown[-3:] = [np.inf, np.nan, np.nan]
    yield Case((blown,), label="a run that blew up into infinity and NaN")


def _label_mistake_no_nan(losses):
    with np.errstate(invalid="ignore"):
        if losses[-1] > losses[0]:
            return "diverging"
        if np.count_nonzero(np.diff(losses) > 0) >= 0.25 * (len(losses) - 1):
            return "oscillating"
        if losses[len(losses) // 2] - losses[-1] >= 0.25 * (losses[0] - losses[-1]):
            return "too slow"
    return "converging"


def _label_mistake_oscillation_first(losses):
    if not np.all(np.isfinite(losses)):
        return "nan"
    if np.count_nonzero(np.diff(losses) > 0) >= 0.25 * (len(losses) - 1):
        return "oscillating"
    return sol.diagnose_run(losses)


def _label_mistake_peak(losses):
    if np.all(np.isfinite(losses)) and np.max(losses) > losses[0]:
        return "diverging"
    return sol.diagnose_run(losses)


def _label_mistake_strict(losses):
    if not np.all(np.isfinite(losses)):
        return "nan"
    if losses[-1] > losses[0]:
        return "diverging"
    if np.count_nonzero(np.diff(losses) > 0) > 0.25 * (len(losses) - 1):
        return "oscillating"
    if losses[len(losses) // 2] - losses[-1] > 0.25 * (losses[0] - losses[-1]):
        return "too slow"
    return "converging"


register(Exercise(
    id="ch07.diagnose_run",
    title="Diagnose a run from its loss curve",
    reference=sol.diagnose_run,
    what="the label of loss curves from real runs (too large, good, tiny learning rates, heavy "
         "momentum, a run that blew up) and of hand-made curves: a NaN or an infinity, a peak "
         "above the start that comes back down, a flat curve, a straight-line decrease, curves "
         "exactly at the 25 % thresholds, and a run of a single step.",
    output="choice",
    choices=LABELS,
    cases=_label_cases,
    edge_cases=[Case((np.array([1.0, 2.0, 4.0, np.nan]),), label="a curve ending in NaN"),
                Case((np.array([3.0, 2.0, np.inf, 1.0]),),
                     label="a curve with an infinity in the middle"),
                Case((np.array([1.0, 1.5, 0.8, 1.2, 0.6, 0.9, 0.4]),),
                     label="a curve that peaks above its start and ends below it"),
                Case((1.1 ** np.arange(30.0),), label="a curve that grows at every step"),
                Case((np.array([5.0, 5.0, 5.0, 5.0]),), label="a flat curve"),
                Case((10.0 - 0.01 * np.arange(101.0),), label="a straight-line decrease"),
                Case((np.array([8.0, 5.0, 6.0, 3.0, 4.0, 2.0, 1.5, 1.2, 1.0]),),
                     label="a curve that rises in exactly 25 % of its steps"),
                Case((np.array([9.0, 7.0, 5.0, 3.0, 2.0, 1.5, 1.0]),),
                     label="a curve whose second half makes exactly 25 % of the decrease"),
                Case((np.array([2.0, 1.0]),), label="a run of a single step")],
    mistakes=[
        Mistake("no NaN check", _label_mistake_no_nan,
                "Curves containing NaN or infinity get the wrong label: comparisons with NaN are "
                "always False, so test np.isfinite first."),
        Mistake("oscillation before divergence", _label_mistake_oscillation_first,
                "A run whose loss grows at every step is labelled wrongly: check the rules in the "
                "order given, divergence before oscillation."),
        Mistake("divergence judged by the peak", _label_mistake_peak,
                "You call a run diverging when its loss ever rises above the start. The rule "
                "compares the last loss with the first."),
        Mistake("strict thresholds", _label_mistake_strict,
                "Curves exactly at a threshold get the wrong label: the rules say 'at least', so "
                "use >= rather than >."),
    ],
))


# -------------------------------------------------------------------------------------- chain_fate
FATES = ("overflow", "still above 50", "close to 2", "close to 0")

register(Exercise(
    id="ch07.chain_fate",
    title="Predict: the chain at a hundred times smaller rate",
    reference="close to 0",
    kind="value",
    output="choice",
    choices=FATES,
    what="your prediction, compared with what the experiment gives: the product of the 20 "
         "weights after 500 steps of plain gradient descent at lr = 1e-4 from w_k = 1.25.",
    mistakes=[
        Mistake("overflow again", "overflow",
                "A hundred times smaller rate gives a hundred times shorter first step: each "
                "weight moves by about 1e-4 * 5880 = 0.59 instead of 59. The weights land near "
                "0.66, nowhere near an overflow."),
        Mistake("hardly moves", "still above 50",
                "The first step is not small: the first gradient has entries of about 5880, "
                "so even at lr = 1e-4 every weight moves by about 0.59, from 1.25 down to "
                "0.66, and the product drops at once."),
        Mistake("converges", "close to 2",
                "The first step overshoots: it moves every weight from 1.25 to about 0.66, and "
                "0.66^20 is about 3e-4. There the gradient entries (p - 2) p / w_k are about "
                "1e-3, so the gradients have vanished: 500 steps of lr = 1e-4 barely move."),
    ],
))


# ------------------------------------------------------------------------------------ chain_rescue
RESCUE_TARGET, RESCUE_STEPS, RESCUE_HORIZON = 1e-12, 25, 400
SOLUTION_CURVATURE = 75.0     # |grad p|^2 = 4 sum 1/w_k^2 at w_k = 2^(1/20), about 74.6


def _chain_loss(w):
    return 0.5 * (np.prod(w) - 2.0) ** 2


def _chain_grad(w):
    p = np.prod(w)
    return (p - 2.0) * p / w


def _rescue_cases(rng):
    yield Case((np.full(20, 1.25),), label="the chapter's start, w_k = 1.25")
    for k in (1, 2):
        yield Case((rng.uniform(1.15, 1.35, 20),),
                   label=f"hidden start {k} (20 weights between 1.15 and 1.35)")


def _rescue_experiment(settings, case):
    """[verdict, step reaching J < 1e-12 (0: not within 400), J after 25 steps, clipped
    steps among the first 25, product of the weights after 25 steps, step of divergence (0),
    lr, max_norm] with the verdicts 1 diverged, 2 too slow."""
    lr, max_norm = settings
    w = case.args[0]
    start_loss, reached, clipped, budget_loss, product = _chain_loss(w), 0, 0, np.nan, np.nan
    with np.errstate(all="ignore"):
        for t in range(1, RESCUE_HORIZON + 1):
            g = _chain_grad(w)
            clipped += t <= RESCUE_STEPS and np.linalg.norm(g) > max_norm
            w = w - lr * clip_by_norm(g, max_norm)
            loss = _chain_loss(w)
            if not loss <= 1e6 * start_loss:
                return np.array([1.0, 0, 0, clipped, 0, t, lr, max_norm])
            if t == RESCUE_STEPS:
                budget_loss, product = loss, np.prod(w)
            reached = reached or (t if loss < RESCUE_TARGET else 0)
            if reached and t >= RESCUE_STEPS:
                break
    verdict = REACHED if 0 < reached <= RESCUE_STEPS else 2.0
    return np.array([verdict, reached, budget_loss, clipped, product, 0, lr, max_norm])


def _rescue_explain(outcome):
    verdict, reached, loss, clipped, p, diverged, lr, max_norm = outcome
    settings = f"With lr = {lr:g} and max_norm = {max_norm:g}"
    if verdict == 1 and clipped == 0:
        return (f"{settings} the run blew up at step {diverged:.0f}, and nothing was clipped: "
                f"your max_norm is above the gradient norms (about 26 000 at the chapter's "
                f"start), so this is the exploding run of the chapter.")
    if verdict == 1:
        return (f"{settings} the run blew up at step {diverged:.0f}: a clipped step is "
                f"lr * max_norm = {lr * max_norm:.3g} long, enough to throw the weights where "
                f"their product explodes. Clip harder (a smaller max_norm) or lower lr.")
    later = (f"it gets there after {reached:.0f} steps" if reached
             else f"it does not get there within {RESCUE_HORIZON} steps")
    summary = (f"{settings} J = {loss:.2g} after {RESCUE_STEPS} steps, above the target "
               f"1e-12; {later}.")
    if clipped == RESCUE_STEPS:
        return (f"{summary} Every one of those {RESCUE_STEPS} steps was clipped, so each was "
                f"exactly lr * max_norm = {lr * max_norm:.3g} long: too short to get there "
                f"in time. Make the clipped steps longer.")
    if abs(p) < 0.1:
        return (f"{summary} A clipped step of length {lr * max_norm:.3g} overshot: it threw "
                f"the weights far past the solutions, to where their product is tiny "
                f"({p:.2g} after {RESCUE_STEPS} steps) and the gradients vanish. Take "
                f"shorter clipped steps.")
    if lr * SOLUTION_CURVATURE >= 1.8:
        return (f"{summary} Once clipping switches off, the steps overshoot: near the "
                f"solutions the curvature along the gradient is |grad p|^2, about 75, and "
                f"plain steps settle quickly only for lr * 75 well below 2. Yours is "
                f"{lr * SOLUTION_CURVATURE:.2g}.")
    return summary


def _rescue_chapter():
    return 0.01, 1.0


def _rescue_no_clipping():
    return 0.01, 1e30


def _rescue_large_rate():
    return 0.03, 10.0


def _rescue_long_steps():
    return 0.01, 300.0


register(Exercise(
    id="ch07.chain_rescue",
    title="Experiment: rescue the exploding chain in 25 steps",
    reference=sol.chain_rescue,
    what="your (lr, max_norm) for gradient descent with the gradient clipped to max_norm on "
         "the chain of 20 weights, from the chapter's start and two hidden starts with weights "
         "between 1.15 and 1.35: J < 1e-12 within 25 steps from each.",
    output="any",
    cases=_rescue_cases,
    run=goal_run(("lr", "max_norm"),
                 {"lr": (positive, "a positive number"),
                  "max_norm": (positive, "a positive number")},
                 _rescue_experiment),
    compare=goal_compare(_rescue_explain),
    mistakes=[
        Mistake("the chapter's rescue", _rescue_chapter,
                "These are the chapter's settings: they rescue the run, but a clipped step of "
                "length 0.01 needs about a hundred steps to cover the distance. The rate can "
                "stay, but the clipped steps can be far longer."),
        Mistake("no clipping", _rescue_no_clipping,
                "A max_norm this large never clips: this is the exploding run of the chapter. "
                "The first gradient has norm about 26 000."),
        Mistake("a rate too large near the solutions", _rescue_large_rate,
                "Clipping tames the first steps, but near the solutions the curvature along "
                "the gradient is about 75, so lr = 0.03 overshoots there (lr * 75 > 2) and "
                "never settles."),
        Mistake("clipped steps too long", _rescue_long_steps,
                "Steps of length lr * max_norm = 3 are longer than the whole way to the "
                "solutions (about 1): the first one throws the weights far past them."),
    ],
))


# ------------------------------------------------------------------------------- early_stopping_gd
class _HalfSquaredDistance:
    """The validation loss |w - v|^2 / 2, as a callable."""

    def __init__(self, v):
        self.v = np.asarray(v, dtype=float)

    def __call__(self, w):
        return 0.5 * float(np.sum((w - self.v) ** 2))


def _stopping_cases(rng):
    for k, (rows, patience) in enumerate(((12, 20), (15, 5)), start=1):
        X = rng.standard_normal((rows + 100, 20))
        y = X @ np.r_[rng.standard_normal(4) * 2, np.zeros(16)] + rng.standard_normal(rows + 100)
        train = LinearRegression(X[:rows], y[:rows])
        val = LinearRegression(X[rows:], y[rows:])
        yield Case((train.grad, val.loss, np.zeros(21), 0.5 / train.L, 400, patience),
                   label=f"an over-fitting regression, patience {patience}")
    A = np.diag([1.0, 0.3])
    yield Case((QuadraticGradient(A, A @ np.array([1.0, 1.0])), _HalfSquaredDistance([1.0, 1.0]),
                rng.standard_normal(2), 0.5, int(rng.integers(20, 40)), 10),
               label="a validation loss that improves until the last epoch")


def _early_stopping(*, alias_start=True, alias_best=True, patience_used=True):
    """Early stopping with the planted bug (best_w shares w's memory while w is updated in
    place) or a wrong fix: only the first alias kept, patience ignored."""
    def early_stopping_gd(grad, val_loss, w0, lr, max_epochs, patience):
        w = np.array(w0, dtype=float)
        best_w, best_epoch, best_loss = (w if alias_start else w.copy()), 0, val_loss(w)
        for epoch in range(1, max_epochs + 1):
            w -= lr * grad(w)
            loss = val_loss(w)
            if loss < best_loss:
                best_w, best_epoch, best_loss = (w if alias_best else w.copy()), epoch, loss
            elif epoch - best_epoch >= (patience if patience_used else 1):
                break
        return best_w
    return early_stopping_gd


register(Exercise(
    id="ch07.early_stopping_gd",
    title="Debug: early stopping that returns the wrong parameters",
    reference=sol.early_stopping_gd,
    what="the parameters with the lowest validation loss for over-fitting regressions, a "
         "validation loss that rises from the first epoch, one that first rises and then "
         "falls lower (patience decides), and one that improves until the budget ends.",
    cases=_stopping_cases,
    edge_cases=[
        Case((QuadraticGradient(np.diag([1.0, 4.0]), [2.0, 4.0]),
              _HalfSquaredDistance([0.0, 0.0]), np.zeros(2), 0.1, 50, 5),
             label="a validation loss that rises from the first epoch"),
        Case((QuadraticGradient(np.diag([1.0, 0.001]), [2.0, 0.01]),
              _HalfSquaredDistance([0.0, 10.0]), np.zeros(2), 0.5, 400, 60),
             label="a validation loss that first rises, then falls below its start"),
    ],
    mistakes=[
        Mistake("the code as given", _early_stopping(),
                "This still behaves like the code you were given. Compare val_loss of the "
                "parameters it returns with the smallest validation loss of the run: are "
                "they the parameters of the best epoch? Remember that `b = a` does not copy "
                "an array, and that `a -= ...` changes it in place."),
        Mistake("the first alias kept", _early_stopping(alias_best=False),
                "When the validation loss never improves on its start, you return the last "
                "parameters instead of w0: the first `best_w = w` still shares w's memory."),
        Mistake("patience ignored", _early_stopping(alias_start=False, alias_best=False,
                                                    patience_used=False),
                "You stop at the first epoch without improvement: wait `patience` epochs, "
                "since the validation loss can rise for a while and then fall lower."),
    ],
))
