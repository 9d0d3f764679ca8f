"""One learning-rate check for the whole package, one constraint table per class, one error
class that is both a ValueError and a TypeError (gdcourse._validation)."""

import math

import numpy as np
import pytest

from gdcourse import optim, schedules
from gdcourse._validation import (InvalidParameterError, LearningRate, Pair, Real, check_lr,
                                  lr_at, validate)
from gdcourse.convergence import early_stopping_descent
from gdcourse.descent import gradient_descent
from gdcourse.estimators import GDClassifier, GDRegressor
from gdcourse.objectives import LinearRegression, Quadratic
from gdcourse.variants import minibatch_descent

BOWL = Quadratic(np.diag([1.0, 4.0]))
DATA = LinearRegression(np.arange(12.0).reshape(6, 2), np.arange(6.0))
X, Y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1])

# Every place that takes a learning rate, as a function of that rate.
TAKES_LR = {
    "SGD": lambda lr: optim.SGD(lr=lr),
    "Adam": lambda lr: optim.Adam(lr=lr),
    "MomentumEMA": lambda lr: optim.MomentumEMA(lr),
    "gradient_descent": lambda lr: gradient_descent(BOWL, np.ones(2), lr=lr, max_iter=1),
    "minibatch_descent": lambda lr: minibatch_descent(DATA, np.zeros(3), lr=lr, epochs=1),
    "GDRegressor": lambda lr: GDRegressor(lr=lr, max_iter=1).fit(X, Y),
    "GDClassifier": lambda lr: GDClassifier(lr=lr, max_iter=1).fit(X, Y),
}
# The places where lr is the number a schedule starts from (a schedule is no valid value).
TAKES_NUMBER = {
    "Constant": lambda lr: schedules.Constant(lr),
    "CosineAnnealing": lambda lr: schedules.CosineAnnealing(lr, T_max=10),
    "early_stopping_descent": lambda lr: early_stopping_descent(BOWL, BOWL, np.ones(2), lr,
                                                                max_epochs=1),
}
BAD_VALUES = [0, 0.0, -0.1, float("nan"), float("inf")]
BAD_TYPES = ["fast", None, True, [0.1], 1 + 0j]


# (lr=None is minibatch_descent's default, SGD(lr=0.01), so it is no bad value there)
BAD_LRS = [pytest.param(where, bad, id=f"{where}-{bad!r}") for where in [*TAKES_LR, *TAKES_NUMBER]
           for bad in BAD_VALUES + BAD_TYPES if not (where == "minibatch_descent" and bad is None)]


@pytest.mark.parametrize("where, bad", BAD_LRS)
def test_every_learning_rate_is_checked_the_same_way(where, bad):
    """``SGD(lr=0)`` raises as ``gradient_descent(lr=0)`` does: the same error, naming lr,
    which ``except ValueError`` and ``except TypeError`` both catch."""
    build = {**TAKES_LR, **TAKES_NUMBER}[where]
    with pytest.raises(InvalidParameterError, match=r"^lr must be a (finite )?number > 0") as info:
        build(bad)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert info.value.args[0].endswith(f"got {bad!r}")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("where", TAKES_LR)
def test_every_learning_rate_may_be_a_positive_number_or_a_schedule(where):
    for good in (1e-3, 1, np.float32(0.01), lambda t: 0.01 / (1 + t)):
        TAKES_LR[where](good)


@pytest.mark.parametrize("where", TAKES_NUMBER)
def test_a_schedule_starts_from_a_number(where):
    TAKES_NUMBER[where](0.05)
    with pytest.raises(InvalidParameterError, match="^lr must be a finite number > 0"):
        TAKES_NUMBER[where](lambda t: 0.1)


def test_sgd_with_lr_zero_raises_exactly_like_gradient_descent():
    errors = []
    for build in (lambda: optim.SGD(lr=0), lambda: gradient_descent(BOWL, np.ones(2), lr=0)):
        with pytest.raises(InvalidParameterError) as info:
            build()
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1] == (InvalidParameterError,
                                      "lr must be a number > 0 or a schedule t -> lr, got 0")


@pytest.mark.parametrize("returned", [-0.1, float("inf"), float("nan"), "0.1", True])
def test_a_schedule_may_reach_zero_but_no_invalid_rate(returned):
    assert lr_at(lambda t: 0.0, 7) == 0.0                # the end of a cosine
    with pytest.raises(InvalidParameterError, match=r"^lr schedule returned .* at t=7"):
        lr_at(lambda t: returned, 7)
    for run in (lambda lr: gradient_descent(BOWL, np.ones(2), lr=lr, max_iter=3),
                lambda lr: optim.SGD(lr=lr).step(np.ones(2), np.ones(2))):
        with pytest.raises(InvalidParameterError, match=r"^lr schedule returned .* at t=0"):
            run(lambda t: returned)


@pytest.mark.parametrize("name, kwargs, parameter", [
    ("SGD", dict(momentum="0.9"), "momentum"),
    ("SGD", dict(nesterov=1), "nesterov"),
    ("Adam", dict(betas=[0.9]), "betas"),
    ("Adam", dict(betas=(0.9, None)), "betas[1]"),
    ("RMSprop", dict(centered="no"), "centered"),
    ("Adagrad", dict(eps=[1e-10]), "eps"),
])
def test_a_wrong_type_names_the_parameter_and_is_a_type_error(name, kwargs, parameter):
    with pytest.raises(TypeError, match="^" + parameter.replace("[", r"\[").replace("]", r"\]")):
        getattr(optim, name)(**kwargs)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam,
                                 optim.AdamW, optim.NAdam, optim.Adadelta,
                                 optim.MomentumEMA, optim.MomentumClassic,
                                 optim.RMSpropTextbook, GDRegressor, GDClassifier])
def test_each_class_has_one_table_of_its_parameters(cls):
    """The table names exactly the arguments of ``__init__``, so none goes unchecked."""
    import inspect
    arguments = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert list(cls._parameter_constraints) == arguments


def test_the_optimizers_repr_lists_their_parameters_in_order():
    assert repr(optim.SGD(lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False)")


def test_validate_checks_every_name_of_the_table():
    table = {"lr": LearningRate(), "betas": Pair(Real(low=0.0, high=1.0, high_open=True))}
    assert validate(table, {"lr": 2, "betas": [0.5, 0]}) == {"lr": 2.0, "betas": (0.5, 0.0)}
    with pytest.raises(TypeError, match="expected the parameters"):
        validate(table, {"lr": 2})
    with pytest.raises(InvalidParameterError, match=r"^betas\[0\] must be < 1"):
        validate(table, {"lr": 2, "betas": (1.0, 0.5)})


def test_check_lr_returns_a_float_or_the_schedule():
    schedule = schedules.Constant(0.1)
    assert check_lr(schedule) is schedule
    assert check_lr(np.float32(0.5)) == 0.5 and type(check_lr(np.float32(0.5))) is float
    assert check_lr(3) == 3.0 and math.isfinite(check_lr(1e300))
