"""Hidden tests for chapter 11, Image classification with a neural network."""

import numpy as np

from ...solutions import ch11 as sol
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import output_problem, values_close
from ._common import ArrayTuple, samples_in


def _row_max_exp(Z):
    """exp of the scores, each row shifted by its own maximum."""
    return np.exp(Z - Z.max(axis=1, keepdims=True))


# ------------------------------------------------------------------------------------------ softmax
def _softmax_cases(rng):
    for m, k in ((1, 3), (6, 10), (25, 4)):
        yield Case((rng.normal(0.0, 3.0, (m, k)),), label=f"random scores of {m} rows and {k} "
                                                          f"classes")
    yield Case((rng.normal(0.0, 3.0, (8, 5)) + rng.uniform(-50, 50, (8, 1)),),
               label="rows with different offsets")


def _nan_as_inf(function, case):
    """The answer's output with NaN turned into infinity.  NaN equals nothing, not even the
    NaN of a catalogued mistake; this way an answer that overflows as a mistake does is
    recognised (the compare hook still refuses any NaN or infinity)."""
    out = function(*case.args, **case.kwargs)
    if isinstance(out, np.ndarray) and out.dtype.kind == "f":
        return np.where(np.isnan(out), np.inf, out)
    return out


def _compare_probabilities(got, expected, case):
    problem = output_problem("array", got, expected)
    if problem:
        return f"Your function {problem}"
    return None if values_close(got, expected, 1e-9, 1e-12) else \
        "Your function returned a wrong value."


def _softmax_unshifted(Z):
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)


def _softmax_over_columns(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _softmax_one_sum(Z):
    E = _row_max_exp(Z)
    return E / E.sum()


def _softmax_global_shift(Z):
    E = np.exp(Z - Z.max())
    with np.errstate(invalid="ignore"):
        return E / E.sum(axis=1, keepdims=True)


def _softmax_unnormalised(Z):
    return _row_max_exp(Z)


register(Exercise(
    id="ch11.softmax",
    title="A softmax that never overflows",
    reference=sol.softmax,
    what="the row-wise softmax for random scores, rows with different offsets, scores as large "
         "as 1e4 and as small as -1e3, rows on very different scales, equal scores and a single "
         "class; the input must not be changed.",
    output="any",
    run=_nan_as_inf,
    compare=_compare_probabilities,
    cases=_softmax_cases,
    edge_cases=[Case((np.array([[2.0, 2.0, 2.0, 2.0], [0.5, 0.5, 0.5, 0.5]]),),
                     label="equal scores in each row"),
                Case((np.array([[1.5], [-3.0]]),), label="a single class"),
                Case((np.array([[1e4, 1e4 - 1, 1e4 - 3], [1e4 - 0.5, 1e4, 1e4 - 2]]),),
                     label="scores near 1e4"),
                Case((np.array([[-1e3, -1e3 - 2, -1e3 + 1]]),), label="scores near -1e3"),
                Case((np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.0]]),),
                     label="rows on very different scales (1000 and -1000)")],
    mistakes=[
        Mistake("no shift", _softmax_unshifted,
                "exp overflows (or every term underflows to 0) for large scores: subtract each "
                "row's maximum from the row before taking exp; the softmax does not change."),
        Mistake("over the columns", _softmax_over_columns,
                "You normalised each column. Each row is one sample: its entries must sum to 1, "
                "so take the maximum and the sum along axis=1 (keepdims=True)."),
        Mistake("one sum for the whole array", _softmax_one_sum,
                "You divided by the sum of the whole array, so all entries together sum to 1. "
                "Each row must sum to 1 on its own: sum along axis=1 with keepdims=True."),
        Mistake("one shift for the whole array", _softmax_global_shift,
                "You subtracted the largest score of the whole array. A row whose scores are "
                "far below it underflows to 0 / 0: subtract each row's own maximum."),
        Mistake("not normalised", _softmax_unnormalised,
                "Your rows do not sum to 1: after exp, divide each row by its sum."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------- cross_entropy_grad
def _logits_and_labels(rng, m, k, scale=2.0):
    return rng.normal(0.0, scale, (m, k)), rng.integers(0, k, m)


def _cross_entropy_cases(rng):
    for m, k in ((5, 3), (20, 10), (12, 2)):
        yield Case(_logits_and_labels(rng, m, k), label=f"random logits of {m} samples and "
                                                        f"{k} classes")
    Z, y = _logits_and_labels(rng, 8, 4)
    yield Case((Z * 200.0, y), label="logits of size several hundred")


def _ce_probabilities(Z):
    E = _row_max_exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _one_hot(y, k):
    return np.eye(k)[y]


def _ce_summed(Z, y):
    return _ce_probabilities(Z) - _one_hot(y, Z.shape[1])


def _ce_sign(Z, y):
    return (_one_hot(y, Z.shape[1]) - _ce_probabilities(Z)) / len(y)


def _ce_no_one_hot(Z, y):
    return _ce_probabilities(Z) / len(y)


def _ce_columns_of_every_row(Z, y):
    G = _ce_probabilities(Z)
    G[:, y] -= 1.0
    return G / len(y)


def _ce_sigmoid(Z, y):
    P = 0.5 * (1.0 + np.tanh(Z / 2.0))                  # the sigmoid, without overflow
    return (P - _one_hot(y, Z.shape[1])) / len(y)


register(Exercise(
    id="ch11.cross_entropy_grad",
    title="The gradient of the softmax cross-entropy",
    reference=sol.cross_entropy_grad,
    what="dJ/dZ = (P - Y) / m for random logits with 2 to 10 classes, a single sample, repeated "
         "labels, a confident right and a confident wrong prediction, and logits of size "
         "several hundred; the inputs must not be changed.",
    cases=_cross_entropy_cases,
    edge_cases=[Case((np.array([[0.3, -1.2, 2.0]]), np.array([1])), label="a single sample"),
                Case((np.array([[1.0, 2.0], [0.5, -0.5], [2.0, 1.0], [0.0, 3.0]]),
                      np.array([1, 1, 1, 0])), label="labels that repeat"),
                Case((np.array([[30.0, 0.0, 0.0], [0.0, 0.0, 30.0]]), np.array([0, 0])),
                     label="a confident right and a confident wrong prediction"),
                Case((np.array([[800.0, -400.0, 790.0], [-700.0, -705.0, -690.0]]),
                      np.array([2, 0])), label="logits as large as 800 and as small as -700")],
    mistakes=[
        Mistake("sum instead of mean", _ce_summed,
                "Your gradient is m times too large: J is the mean over the m samples, so "
                "dJ/dZ = (P - Y) / m."),
        Mistake("wrong sign", _ce_sign,
                "Your gradient has the opposite sign: it is (P - Y) / m, probabilities minus "
                "one-hot labels, so that a step against it raises the true class's score."),
        Mistake("one-hot forgotten", _ce_no_one_hot,
                "You returned P / m: subtract 1 at the true class of every row, "
                "(P - Y) / m with Y the one-hot labels."),
        Mistake("columns of every row", _ce_columns_of_every_row,
                "G[:, y] -= 1 subtracts 1 in the columns y of every row. Sample i needs it only "
                "in its own column y[i]: index with G[np.arange(m), y]."),
        Mistake("sigmoid instead of softmax", _ce_sigmoid,
                "You used the sigmoid of each logit. The classes of a row compete: use the "
                "softmax, whose row sums to 1."),
    ],
    samples=samples_in(1),
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------ relu_layer_backward
_LAYER_GRADS = ArrayTuple(
    ("dA_prev", "dW", "db"),
    lambda case: (case.args[0].shape, case.args[1].shape, case.args[1].shape[1:]),
    lambda name: f"that of {name[1:]}. Check the order of the matrix product and the "
                 f"axis you sum over.")


def _relu_layer(rng, m, n_in, n_out, shift=0.0):
    A_prev = np.maximum(rng.standard_normal((m, n_in)), 0.0)
    W = rng.normal(0.0, np.sqrt(2 / n_in), (n_in, n_out))
    Z = A_prev @ W + rng.normal(0.0, 0.3, n_out) + shift
    return A_prev, W, Z, rng.standard_normal((m, n_out)) / m


def _layer_cases(rng):
    for m, n_in, n_out in ((6, 4, 3), (20, 8, 10), (3, 5, 1)):
        yield Case(_relu_layer(rng, m, n_in, n_out),
                   label=f"a random layer of {n_in} inputs and {n_out} units, {m} samples")


def _layer_backward(*, local=lambda Z: (Z > 0).astype(float), db_mean=False, dW_mean=False):
    """A ReLU layer's backward pass with one typical mistake switched on."""
    def backward(A_prev, W, Z, dA):
        dZ = dA * local(Z)
        m = len(dZ)
        dW = A_prev.T @ dZ / (m if dW_mean else 1)
        db = dZ.mean(axis=0) if db_mean else dZ.sum(axis=0)
        return dZ @ W.T, dW, db
    return backward


_INACTIVE = _relu_layer(np.random.default_rng(3), 4, 3, 2, shift=-20.0)

register(Exercise(
    id="ch11.relu_layer_backward",
    title="Backward through one ReLU layer",
    reference=sol.relu_layer_backward,
    what="the tuple (dA_prev, dW, db) of a ReLU layer for random layers, a single sample, a "
         "single unit, units that are all inactive and all active; the inputs must not be "
         "changed.",
    output="any",
    run=_LAYER_GRADS.run,
    compare=_LAYER_GRADS.compare,
    cases=_layer_cases,
    edge_cases=[Case(_relu_layer(np.random.default_rng(1), 1, 3, 2), label="a single sample"),
                Case(_INACTIVE, label="units that are all inactive (Z < 0)"),
                Case(_relu_layer(np.random.default_rng(2), 5, 2, 3, shift=20.0),
                     label="units that are all active (Z > 0)")],
    mistakes=[
        Mistake("ReLU derivative forgotten", _layer_backward(local=lambda Z: 1.0),
                "You passed dA through the ReLU unchanged. Multiply it by the ReLU's "
                "derivative, 1 where Z > 0 and 0 elsewhere: dZ = dA * (Z > 0)."),
        Mistake("multiplied by Z", _layer_backward(local=lambda Z: Z),
                "You multiplied dA by Z itself. The ReLU's derivative is the indicator "
                "(Z > 0): 1 for an active unit, 0 for an inactive one."),
        Mistake("multiplied by the activation", _layer_backward(local=lambda Z: np.maximum(Z, 0)),
                "You multiplied dA by the activation max(Z, 0). The chain rule needs the "
                "derivative of the ReLU, the indicator (Z > 0)."),
        Mistake("db averaged", _layer_backward(db_mean=True),
                "Your db is m times too small: the 1/m of the mean loss is already in dA, so "
                "db is the sum of dZ over the rows, not its mean."),
        Mistake("dW averaged again", _layer_backward(dW_mean=True),
                "Your dW is m times too small: the 1/m of the mean loss is already in dA, so "
                "dW = A_prev.T @ dZ with no further division."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------- weight_scale
def _scale_cases(rng):
    for activation in ("relu", "tanh", "relu", "tanh"):
        n_in, n_out = (int(n) for n in rng.integers(2, 600, 2))
        yield Case((n_in, n_out, activation), label=f"a random {activation} layer")


def _scale_mistake(*, relu, tanh):
    def scale(n_in, n_out, activation):
        return (relu if activation == "relu" else tanh)(n_in, n_out)
    return scale


def _he(n_in, n_out):
    return np.sqrt(2 / n_in)


def _xavier(n_in, n_out):
    return np.sqrt(2 / (n_in + n_out))


register(Exercise(
    id="ch11.weight_scale",
    title="He and Xavier initialisation",
    reference=sol.weight_scale,
    what="the standard deviation for random ReLU and tanh layers, a square layer, a single "
         "input and a wide layer.",
    output="scalar",
    cases=_scale_cases,
    edge_cases=[Case((64, 64, "relu"), label="a square ReLU layer"),
                Case((1, 10, "tanh"), label="a tanh layer with a single input"),
                Case((4096, 100, "relu"), label="a wide ReLU layer")],
    mistakes=[
        Mistake("variance", _scale_mistake(relu=lambda i, o: 2 / i, tanh=lambda i, o: 2 / (i + o)),
                "You returned the variance. The weights are drawn with a standard deviation, "
                "the square root of the variance."),
        Mistake("He with fan-out", _scale_mistake(relu=lambda i, o: np.sqrt(2 / o), tanh=_xavier),
                "He's rule uses the number of inputs of the layer (fan-in), sqrt(2 / n_in): "
                "each unit sums n_in weighted inputs."),
        Mistake("LeCun for tanh", _scale_mistake(relu=_he, tanh=lambda i, o: np.sqrt(1 / i)),
                "For tanh you used sqrt(1 / n_in) (LeCun's rule). Xavier's rule averages fan-in "
                "and fan-out: sqrt(2 / (n_in + n_out))."),
        Mistake("uniform bound", _scale_mistake(relu=_he, tanh=lambda i, o: np.sqrt(6 / (i + o))),
                "sqrt(6 / (n_in + n_out)) is the bound of Xavier's uniform distribution, not a "
                "standard deviation: the normal form uses sqrt(2 / (n_in + n_out))."),
        Mistake("rules swapped", _scale_mistake(relu=_xavier, tanh=_he),
                "The two rules are swapped: He's sqrt(2 / n_in) is for the ReLU, which zeroes "
                "half of its inputs; Xavier's sqrt(2 / (n_in + n_out)) is for tanh."),
    ],
))


# --------------------------------------------------------------------------------- confusion_matrix
def _confusion_cases(rng):
    for m, k in ((10, 3), (60, 10), (25, 4)):
        y_true = rng.integers(0, k, m)
        wrong = rng.random(m) < 0.3
        y_pred = np.where(wrong, rng.integers(0, k, m), y_true)
        yield Case((y_true, y_pred, k), label=f"{m} random predictions of {k} classes")


def _confusion_transposed(y_true, y_pred, n_classes):
    return sol.confusion_matrix(y_pred, y_true, n_classes)


def _confusion_fancy_assignment(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    C[y_true, y_pred] += 1
    return C


def _confusion_row_fractions(y_true, y_pred, n_classes):
    C = sol.confusion_matrix(y_true, y_pred, n_classes).astype(float)
    return C / np.maximum(C.sum(axis=1, keepdims=True), 1.0)


register(Exercise(
    id="ch11.confusion_matrix",
    title="A confusion matrix",
    reference=sol.confusion_matrix,
    what="the counts for random predictions, perfect predictions, a class that never occurs, a "
         "single sample and pairs (true, predicted) that repeat; the inputs must not be changed.",
    cases=_confusion_cases,
    edge_cases=[Case((np.array([0, 2, 1, 2, 0]), np.array([0, 2, 1, 2, 0]), 3),
                     label="perfect predictions"),
                Case((np.array([1, 1, 1, 0, 1]), np.array([0, 1, 0, 0, 0]), 3),
                     label="pairs that repeat, and a class that never occurs"),
                Case((np.array([2]), np.array([1]), 4), label="a single sample")],
    mistakes=[
        Mistake("transposed", _confusion_transposed,
                "Your matrix is transposed: row i counts the samples whose TRUE class is i, "
                "column j those predicted as j, so C[y_true[s], y_pred[s]] += 1."),
        Mistake("fancy-index assignment", _confusion_fancy_assignment,
                "C[y_true, y_pred] += 1 adds 1 only once to an entry that several samples "
                "share. Count every sample: loop over the samples, or use "
                "np.add.at(C, (y_true, y_pred), 1)."),
        Mistake("fractions", _confusion_row_fractions,
                "You returned fractions. The matrix counts samples: entry (i, j) is the number "
                "of samples of class i predicted as j."),
    ],
    forbid_mutation=True,
))
