"""Hidden tests for chapter 9, When the step is not fixed."""

import numpy as np

from ...solutions import ch09 as sol
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import output_problem, values_close
from ..sandbox import describe_type
from ._common import Invalid, rotated


class _QuadraticLoss:
    """The loss w^T A w / 2 - b^T w as a callable, with its gradient ``grad``."""

    def __init__(self, A, b):
        self.A, self.b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)

    def __call__(self, w):
        return float(0.5 * w @ self.A @ w - self.b @ w)

    def grad(self, w):
        return self.A @ w - self.b


class _LogisticLoss:
    """The mean logistic loss of the scores Z w for 0/1 labels y, with its gradient."""

    def __init__(self, Z, y):
        self.Z, self.y = np.asarray(Z, dtype=float), np.asarray(y, dtype=float)

    def __call__(self, w):
        z = self.Z @ w
        return float(np.mean(np.logaddexp(0.0, z) - self.y * z))

    def grad(self, w):
        p = 1 / (1 + np.exp(-(self.Z @ w)))
        return self.Z.T @ (p - self.y) / len(self.y)


# --------------------------------------------------------------------------- soft_threshold
def _threshold_cases(rng):
    for n in (3, 8, 20):
        yield Case((rng.standard_normal(n) * 2, float(rng.uniform(0.1, 1.5))),
                   label=f"a random vector of {n} entries")
    yield Case((rng.standard_normal((3, 4)), 0.4), label="a 3 x 4 matrix")


def _threshold_no_sign(v, tau):
    return np.maximum(v - tau, 0.0)


def _threshold_magnitudes(v, tau):
    return np.maximum(np.abs(v) - tau, 0.0)


def _threshold_crosses_zero(v, tau):
    return v - tau * np.sign(v)


def _threshold_hard(v, tau):
    return np.where(np.abs(v) > tau, v, 0.0)


register(Exercise(
    id="ch09.soft_threshold",
    title="Soft-thresholding",
    reference=sol.soft_threshold,
    what="sign(v) max(|v| - tau, 0) entry by entry for random vectors and a matrix, tau = 0, "
         "entries exactly at +-tau, every entry inside [-tau, tau], and large values.",
    cases=_threshold_cases,
    edge_cases=[
        Case((np.array([1.5, -0.25, 0.0, -3.0]), 0.0), label="tau = 0 (nothing changes)"),
        Case((np.array([0.5, -0.5, 2.0, -2.0]), 0.5), label="entries exactly at +-tau"),
        Case((np.array([0.1, -0.3, 0.2]), 1.0), label="every entry inside [-tau, tau]"),
        Case((np.array([3e8, -1e9, 2e7]), 5e7), label="large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("negative entries lost", _threshold_no_sign,
                "Your negative entries all became 0. Soft-thresholding is symmetric: a "
                "negative entry moves up towards 0 by tau, so work with |v| and put the sign "
                "back."),
        Mistake("sign lost", _threshold_magnitudes,
                "Your result has the right sizes but no signs: multiply max(|v| - tau, 0) by "
                "sign(v)."),
        Mistake("crosses zero", _threshold_crosses_zero,
                "Your small entries jumped across zero (0.3 with tau = 1 became -0.7). The "
                "proximal map stops at zero: every entry with |v| <= tau becomes exactly 0."),
        Mistake("hard thresholding", _threshold_hard,
                "You zeroed the small entries but kept the large ones unchanged (hard "
                "thresholding). Soft-thresholding also moves every large entry towards zero "
                "by tau."),
    ],
))


# --------------------------------------------------------------------------- elastic_net_prox
def _prox_cases(rng):
    for n in (4, 10):
        yield Case((rng.standard_normal(n) * 2, float(rng.uniform(0.05, 1.0)),
                    float(rng.uniform(0.2, 3.0)), float(rng.uniform(0.1, 0.9))),
                   label=f"a random vector of {n} entries, step, strength and ratio")
    yield Case((rng.standard_normal((2, 3)), 0.5, 1.0, 0.5), label="a 2 x 3 matrix")


def _prox(v, lr, alpha, l1_ratio, *, shrink_first=False, gradient_l2=False, l2_weight=1.0):
    """The elastic-net prox with one typical mistake switched on by the keywords: the L2
    shrinkage applied first, as a gradient step, or with the weight ``l2_weight`` on its
    strength."""
    tau, l2 = lr * alpha * l1_ratio, lr * alpha * (1 - l1_ratio) * l2_weight
    if shrink_first:
        return sol.soft_threshold(v / (1 + l2), tau)
    if gradient_l2:
        return sol.soft_threshold(v, tau) * (1 - l2)
    return sol.soft_threshold(v, tau) / (1 + l2)


def _prox_without_lr(v, lr, alpha, l1_ratio):
    return _prox(v, 1.0, alpha, l1_ratio)


def _prox_shrink_first(v, lr, alpha, l1_ratio):
    return _prox(v, lr, alpha, l1_ratio, shrink_first=True)


def _prox_gradient_step(v, lr, alpha, l1_ratio):
    return _prox(v, lr, alpha, l1_ratio, gradient_l2=True)


def _prox_half_l2(v, lr, alpha, l1_ratio):
    return _prox(v, lr, alpha, l1_ratio, l2_weight=0.5)


register(Exercise(
    id="ch09.elastic_net_prox",
    title="The proximal map of the elastic net",
    reference=sol.elastic_net_prox,
    what="soft_threshold(v, lr alpha rho) / (1 + lr alpha (1 - rho)) for random vectors and a "
         "matrix, the lasso (rho = 1), ridge (rho = 0), alpha = 0 and large values.",
    cases=_prox_cases,
    edge_cases=[
        Case((np.array([2.0, -0.3, 0.8, -1.5]), 0.5, 1.0, 1.0), label="the lasso, l1_ratio = 1"),
        Case((np.array([2.0, -0.3, 0.8, -1.5]), 0.5, 1.0, 0.0), label="ridge, l1_ratio = 0"),
        Case((np.array([2.0, -0.3, 0.8]), 0.1, 0.0, 0.5), label="alpha = 0 (nothing changes)"),
        Case((np.array([4e6, -2e6, 5e5]), 0.2, 3e6, 0.6), label="large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("step forgotten", _prox_without_lr,
                "Your map ignores the step: the proximal map of lr * h scales the whole penalty "
                "by lr, so the threshold is lr * alpha * l1_ratio and the divisor "
                "1 + lr * alpha * (1 - l1_ratio)."),
        Mistake("shrunk before thresholding", _prox_shrink_first,
                "You divided by 1 + lr alpha (1 - l1_ratio) first and thresholded the result. "
                "Threshold v itself by lr alpha l1_ratio, then divide."),
        Mistake("gradient step on the L2 part", _prox_gradient_step,
                "You multiplied by 1 - lr alpha (1 - l1_ratio), a gradient step on the L2 part. "
                "The proximal map solves it exactly: divide by 1 + lr alpha (1 - l1_ratio)."),
        Mistake("half the L2 strength", _prox_half_l2,
                "Your L2 shrinkage is too weak. The penalty is alpha (1 - l1_ratio) / 2 |w|^2, "
                "whose gradient is alpha (1 - l1_ratio) w: the divisor is "
                "1 + lr alpha (1 - l1_ratio), without the 1/2."),
    ],
))


# --------------------------------------------------------------------------- armijo_step
def _armijo_case(loss, w, lr0, c, shrink, label):
    return Case((loss, w, loss.grad(w), lr0, c, shrink), label=label)


def _armijo_cases(rng):
    for n in (2, 5):
        eigenvalues = np.exp(rng.uniform(np.log(0.5), np.log(20.0), n))
        loss = _QuadraticLoss(rotated(rng, eigenvalues), rng.standard_normal(n))
        yield _armijo_case(loss, 3 * rng.standard_normal(n), float(rng.uniform(0.5, 2.0)),
                           float(rng.uniform(0.1, 0.5)), float(rng.uniform(0.3, 0.7)),
                           f"a random {n}-dimensional quadratic and a large first trial")
    Z = np.column_stack([np.ones(30), rng.standard_normal((30, 3))])
    loss = _LogisticLoss(Z, (rng.uniform(size=30) < 0.5).astype(float))
    yield _armijo_case(loss, 2 * rng.standard_normal(4), 20.0, 0.3, 0.5,
                       "a logistic loss and a large first trial")
    yield _armijo_case(loss, rng.standard_normal(4), 0.1, 1e-4, 0.5,
                       "a logistic loss and a first trial that is accepted")


_LINE = _QuadraticLoss([[4.0]], [0.0])          # f(w) = 2 w^2: L = 4


def _armijo_with(f, w, g, lr0, c, shrink, slope):
    """Backtracking with the decrease c * lr * slope asked for (the mistakes' slopes)."""
    lr, f_w = lr0, f(w)
    while f(w - lr * g) > f_w - c * lr * slope:
        lr = lr * shrink
    return lr


def _armijo_any_decrease(f, w, g, lr0, c, shrink):
    return _armijo_with(f, w, g, lr0, 0.0, shrink, g @ g)


def _armijo_norm_not_squared(f, w, g, lr0, c, shrink):
    return _armijo_with(f, w, g, lr0, c, shrink, np.sqrt(g @ g))


def _armijo_first_trial_skipped(f, w, g, lr0, c, shrink):
    return _armijo_with(f, w, g, lr0 * shrink, c, shrink, g @ g)


def _armijo_increase_allowed(f, w, g, lr0, c, shrink):
    return _armijo_with(f, w, g, lr0, -c, shrink, g @ g)


register(Exercise(
    id="ch09.armijo_step",
    title="One backtracking line search",
    reference=sol.armijo_step,
    output="scalar",
    what="the first of lr0, lr0 shrink, lr0 shrink^2, ... that satisfies the Armijo condition, "
         "on random quadratics, logistic losses, a first trial that is accepted, a first trial "
         "that raises the loss, one that lowers it but not enough, and a zero gradient.",
    cases=_armijo_cases,
    edge_cases=[
        _armijo_case(_LINE, np.array([1.0]), 0.6, 0.5, 0.5,
                     "a first trial that lowers the loss, but not enough"),
        _armijo_case(_LINE, np.array([1.0]), 0.52, 0.5, 0.5,
                     "a first trial that raises the loss a little"),
        _armijo_case(_QuadraticLoss(np.diag([1.0, 10.0]), [1.0, 0.0]), np.array([2.0, 0.1]),
                     0.05, 0.1, 0.5, "a first trial that is accepted"),
        _armijo_case(_QuadraticLoss(np.diag([1.0, 10.0]), [1.0, 2.0]), np.array([1.0, 0.2]),
                     1.0, 0.1, 0.5, "a start at the minimiser (zero gradient)"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("any decrease accepted", _armijo_any_decrease,
                "You accepted any step that lowers the loss. The Armijo condition asks for "
                "enough decrease: f(w - lr g) <= f(w) - c lr |g|^2."),
        Mistake("norm not squared", _armijo_norm_not_squared,
                "The decrease asked for is c lr |g|^2: along -g the loss falls at the rate "
                "|g|^2 (the gradient times the direction), not |g|."),
        Mistake("first trial skipped", _armijo_first_trial_skipped,
                "Your first trial was lr0 * shrink. The search starts with lr0 itself, which "
                "is returned when it already satisfies the condition."),
        Mistake("increase allowed", _armijo_increase_allowed,
                "Your test allows the loss to go up by c lr |g|^2. The condition subtracts it: "
                "f(w - lr g) <= f(w) - c lr |g|^2."),
    ],
))


# --------------------------------------------------------------------------- barzilai_borwein_step
def _bb_case(loss, w_prev, lr, label):
    g_prev = loss.grad(w_prev)
    w = w_prev - lr * g_prev
    return Case((w_prev, w, g_prev, loss.grad(w)), label=label)


def _bb_cases(rng):
    for n in (2, 6):
        eigenvalues = np.exp(rng.uniform(np.log(0.1), np.log(50.0), n))
        loss = _QuadraticLoss(rotated(rng, eigenvalues), rng.standard_normal(n))
        yield _bb_case(loss, rng.standard_normal(n), float(rng.uniform(0.005, 0.05)),
                       f"a step on a random {n}-dimensional quadratic")
    Z = np.column_stack([np.ones(40), rng.standard_normal((40, 3))])
    loss = _LogisticLoss(Z, (rng.uniform(size=40) < 0.5).astype(float))
    yield _bb_case(loss, rng.standard_normal(4), 0.5, "a step on a logistic loss")


def _bb(w_prev, w, g_prev, g, variant):
    """The mistaken steps: short, inverted, or with s = w_prev - w."""
    s, y = w - w_prev, g - g_prev
    if variant == "short":
        return (s @ y) / (y @ y)
    if variant == "inverted":
        return (s @ y) / (s @ s)
    return (s @ s) / (-s @ y)


def _bb_short(w_prev, w, g_prev, g):
    return _bb(w_prev, w, g_prev, g, "short")


def _bb_inverted(w_prev, w, g_prev, g):
    return _bb(w_prev, w, g_prev, g, "inverted")


def _bb_reversed(w_prev, w, g_prev, g):
    return _bb(w_prev, w, g_prev, g, "reversed")


register(Exercise(
    id="ch09.barzilai_borwein_step",
    title="A Barzilai-Borwein step",
    reference=sol.barzilai_borwein_step,
    output="scalar",
    what="s^T s / s^T y for steps on random quadratics and a logistic loss, one dimension, a "
         "step along an eigenvector (the step is 1 / eigenvalue) and large values.",
    cases=_bb_cases,
    edge_cases=[
        _bb_case(_QuadraticLoss([[5.0]], [1.0]), np.array([2.0]), 0.1, "one dimension"),
        Case((np.array([1.0, 1.0]), np.array([1.0, 0.5]), np.array([2.0, 8.0]),
              np.array([2.0, 4.0])), label="a step along an eigenvector of a quadratic"),
        _bb_case(_QuadraticLoss(np.diag([2e6, 3e6]), [1e6, 0.0]), np.array([4e3, -1e3]), 1e-7,
                 "large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("short step", _bb_short,
                "You computed the short step s^T y / y^T y. This exercise asks for the long "
                "one, s^T s / s^T y."),
        Mistake("curvature, not step", _bb_inverted,
                "You returned s^T y / s^T s, the curvature along s. The step is its inverse, "
                "s^T s / s^T y: large where the function is flat."),
        Mistake("one difference reversed", _bb_reversed,
                "Your step is negative: s and y must both be new minus old, s = w - w_prev and "
                "y = g - g_prev."),
    ],
))



# --------------------------------------------------------------------------- saga_step
def _saga_output_problem(out, w_shape, table_shape) -> Invalid | None:
    """What is wrong with the pair ``(w_new, table_new)`` an answer returned (None if
    nothing)."""
    if out is None:
        return Invalid("Your function returned None. Did you forget the `return` statement?")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return Invalid(f"Your function returned {describe_type(out)}; return the pair "
                       f"`(w_new, table_new)`.")
    for name, item, shape in zip(("w_new", "table_new"), out, (w_shape, table_shape)):
        problem = output_problem("array", item, np.zeros(shape))
        if problem:
            return Invalid(f"In the pair your function returned, {name} "
                           f"{problem.replace('returned', 'is', 1)}")
    return None


def _encode_saga(answer, case):
    """Run the answer and return w_new and table_new as one vector."""
    w, table = case.args[0], case.args[1]
    out = answer(*case.args, **case.kwargs)
    problem = _saga_output_problem(out, w.shape, table.shape)
    return problem or np.concatenate([np.ravel(out[0]), np.ravel(out[1])])


def _compare_saga(got, expected, case):
    if isinstance(got, Invalid):
        return got.message
    n = case.args[0].size
    if not values_close(got[:n], expected[:n], 1e-9, 1e-12):
        return "Your function returned a wrong w_new."
    if not values_close(got[n:], expected[n:], 1e-9, 1e-12):
        return "Your w_new is right, but your table_new is wrong."
    return None


def _saga_cases(rng):
    for m, n in ((4, 2), (10, 3), (25, 5)):
        table = rng.standard_normal((m, n))
        yield Case((rng.standard_normal(n), table, int(rng.integers(m)),
                    rng.standard_normal(n), float(rng.uniform(0.01, 0.5))),
                   label=f"a table of {m} gradients with {n} entries each")


def _saga_average_after(w, table, j, grad_j, lr):
    new_table = table.copy()
    new_table[j] = grad_j
    return w - lr * (grad_j - table[j] + new_table.mean(axis=0)), new_table


def _saga_plain_sgd(w, table, j, grad_j, lr):
    _, new_table = sol.saga_step(w, table, j, grad_j, lr)
    return w - lr * grad_j, new_table


def _saga_plus_stored(w, table, j, grad_j, lr):
    _, new_table = sol.saga_step(w, table, j, grad_j, lr)
    return w - lr * (grad_j + table[j] - table.mean(axis=0)), new_table


def _saga_table_kept(w, table, j, grad_j, lr):
    return sol.saga_step(w, table, j, grad_j, lr)[0], table.copy()


def _saga_sum(w, table, j, grad_j, lr):
    _, new_table = sol.saga_step(w, table, j, grad_j, lr)
    return w - lr * (grad_j - table[j] + table.sum(axis=0)), new_table


register(Exercise(
    id="ch09.saga_step",
    title="One SAGA step",
    reference=sol.saga_step,
    output="any",
    run=_encode_saga,
    compare=_compare_saga,
    what="the pair (w_new, table_new) for random tables of 4 to 25 gradients, a table of one "
         "row, the last row, a new gradient equal to the stored one, and large values; w and "
         "table must not be changed in place.",
    cases=_saga_cases,
    edge_cases=[
        Case((np.array([1.0, -1.0]), np.array([[0.5, 2.0]]), 0, np.array([1.5, -1.0]), 0.1),
             label="a table of one row"),
        Case((np.zeros(2), np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]), 2,
              np.array([-1.0, 3.0]), 0.5), label="the last row"),
        Case((np.array([0.5, 0.5]), np.array([[1.0, 2.0], [3.0, -1.0]]), 1,
              np.array([3.0, -1.0]), 0.2), label="a new gradient equal to the stored one"),
        Case((np.array([1e6, -2e6]), np.array([[3e8, 1e8], [-2e8, 5e8], [1e8, 0.0]]), 0,
              np.array([-4e8, 2e8]), 1e-3), label="large values"),
    ],
    forbid_mutation=True,
    mistakes=[
        Mistake("average of the new table", _saga_average_after,
                "Your step used the average of the table after storing grad_j. The correction "
                "uses the table as it was: grad_j - table[j] + mean of the old table; store "
                "grad_j afterwards."),
        Mistake("plain SGD step", _saga_plain_sgd,
                "You took a plain SGD step along grad_j. SAGA corrects it: subtract the stored "
                "gradient table[j] and add the average of the table."),
        Mistake("stored gradient added", _saga_plus_stored,
                "Your correction has its signs reversed: the direction is "
                "grad_j - table[j] + (the mean of the table)."),
        Mistake("table not updated", _saga_table_kept,
                "Your step is right, but the table must remember grad_j: row j of table_new is "
                "grad_j, the other rows are unchanged."),
        Mistake("sum instead of mean", _saga_sum,
                "You added the sum of the stored gradients. The correction adds their mean "
                "(divide by the number of rows)."),
    ],
))
