"""Hidden tests for chapter 6, Advanced optimizers.

The step exercises return a tuple (the new parameters and the new optimizer state), so each
one has a ``compare`` hook that checks the tuple's length, then each item in turn.  Then come
a prediction, an experiment with a goal (see ``_experiments``) and a debugging exercise.
"""

import numpy as np

from ...objectives import Quadratic
from ...optim import SGD
from ...solutions import ch06 as sol
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import output_problem, values_close
from ..sandbox import describe_type
from ._common import LogCoshGradient, QuadraticGradient, spd
from ._experiments import REACHED, goal_compare, goal_run, positive

RTOL, ATOL = 1e-9, 1e-12


def _tuple_compare(names, kinds=None):
    """A ``compare`` hook for answers that return the tuple ``names`` (arrays unless ``kinds``).

    When every item is a number (``kinds`` all "scalar"), a 1-D array of that length is
    accepted as well.
    """
    kinds = kinds or ["array"] * len(names)
    wanted = f"a tuple of {len(names)} items ({', '.join(names)})"
    numbers = all(kind == "scalar" for kind in kinds)

    def compare(got, expected, case):
        if numbers and isinstance(got, np.ndarray) and got.shape == (len(names),):
            got = tuple(got)
        if got is None:
            return f"Your function returned None; it must return {wanted}. Did you forget `return`?"
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"Your function returned {describe_type(got)}; it must return {wanted}."
        for name, kind, item, reference in zip(names, kinds, got, expected):
            invalid = output_problem(kind, item, reference)
            if invalid:
                return (f"In the tuple your function returned, {name} "
                        f"{invalid.replace('returned', 'is', 1)}")
            if not values_close(item, reference, RTOL, ATOL):
                return f"Your function returned a wrong {name}."
        return None

    return compare


def _swapped(step, names):
    """The mistake of returning the two items of ``step``'s pair in the other order."""
    def swapped(*args):
        first, second = step(*args)
        return second, first

    hint = (f"You returned the pair in the other order: return ({names[0]}, {names[1]}), "
            f"{names[0]} first.")
    return Mistake("pair in the other order", swapped, hint)


def _vec(rng, n, scale=1.0):
    return rng.standard_normal(n) * scale


def _matrices(rng, shape, count=3):
    return tuple(rng.standard_normal(shape) for _ in range(count))


# ------------------------------------------------------------------------------------ momentum_step
def _momentum_cases(rng):
    for n in (1, 4, 12):
        yield Case((_vec(rng, n), _vec(rng, n), _vec(rng, n), float(rng.uniform(0.01, 0.5)),
                    float(rng.uniform(0.6, 0.99))), label=f"a random {n}-dimensional step")
    yield Case(_matrices(rng, (3, 2)) + (0.05, 0.9), label="matrix-shaped parameters")


def _momentum(w, v, g, lr, beta, *, keep=None, grad_weight=None, lr_inside=False, sign=1.0,
              old_velocity=False):
    """A momentum step with one typical mistake switched on by the keywords.

    The velocity is keep * v + grad_weight * g (default: beta and 1 - beta); with
    ``lr_inside`` the learning rate multiplies the gradient inside the velocity instead.
    """
    keep = beta if keep is None else keep
    grad_weight = (1 - beta) if grad_weight is None else grad_weight
    v_new = keep * v + (lr if lr_inside else grad_weight) * g
    direction = v if old_velocity else v_new
    return w - sign * (1.0 if lr_inside else lr) * direction, v_new


def _momentum_classic(w, v, g, lr, beta):
    return _momentum(w, v, g, lr, beta, lr_inside=True)


def _momentum_torch(w, v, g, lr, beta):
    return _momentum(w, v, g, lr, beta, grad_weight=1.0)


def _momentum_old_velocity(w, v, g, lr, beta):
    return _momentum(w, v, g, lr, beta, old_velocity=True)


def _momentum_uphill(w, v, g, lr, beta):
    return _momentum(w, v, g, lr, beta, sign=-1.0)


def _momentum_weights_swapped(w, v, g, lr, beta):
    return _momentum(w, v, g, lr, beta, keep=1 - beta, grad_weight=beta)


register(Exercise(
    id="ch06.momentum_step",
    title="One momentum step (EMA form)",
    reference=sol.momentum_step,
    what="the pair (w_new, v_new) of the EMA form v_new = beta v + (1 - beta) grad, "
         "w_new = w - lr v_new for random vectors, matrix-shaped parameters, the first step "
         "(v = 0), a zero gradient (the ball coasts), beta = 0 and large values; w and v must "
         "not be changed in place.",
    cases=_momentum_cases,
    edge_cases=[
        Case((np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 3.0]), 0.1, 0.9),
             label="the first step, from v = 0"),
        Case((np.array([1.0, -2.0]), np.array([0.4, -0.2]), np.zeros(2), 0.1, 0.9),
             label="a zero gradient with a non-zero velocity"),
        Case((np.array([0.5, 1.5]), np.array([1.0, 1.0]), np.array([2.0, -4.0]), 0.2, 0.0),
             label="beta = 0"),
        Case((np.array([1e8, -2e7]), np.array([3e9, 1e9]), np.array([-4e9, 2e8]), 1e-3, 0.95),
             label="large values"),
    ],
    compare=_tuple_compare(["w_new", "v_new"]),
    mistakes=[
        Mistake("classic form", _momentum_classic,
                "You used the classic form, where the velocity includes the learning rate "
                "(v = beta v + lr grad, w = w - v). This exercise asks for the EMA form: the "
                "velocity averages the gradients with weights beta and (1 - beta), and lr "
                "multiplies it in the update of w."),
        Mistake("torch form", _momentum_torch,
                "You used torch's form (v = beta v + grad). The EMA form weights the new "
                "gradient by (1 - beta), so that v stays an average of gradients."),
        Mistake("old velocity", _momentum_old_velocity,
                "Your v_new is right, but w moved along the old velocity. Update v first, then "
                "step w with the new velocity."),
        Mistake("wrong sign", _momentum_uphill,
                "Your w moves uphill: the velocity averages gradients, so the step subtracts "
                "it."),
        Mistake("weights swapped", _momentum_weights_swapped,
                "The weights of the average are swapped: beta belongs to the old velocity "
                "(the memory), (1 - beta) to the new gradient."),
        _swapped(sol.momentum_step, ("w_new", "v_new")),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------ nesterov_step
def _nesterov_cases(rng):
    for n in (1, 5, 10):
        yield Case((_vec(rng, n), _vec(rng, n), _vec(rng, n), float(rng.uniform(0.01, 0.5)),
                    float(rng.uniform(0.5, 0.99))), label=f"a random {n}-dimensional step")
    yield Case(_matrices(rng, (2, 3)) + (0.1, 0.8), label="matrix-shaped parameters")


def _heavy_ball(w, b, g, lr, mu):
    b_new = mu * b + g
    return w - lr * b_new, b_new


def _nesterov_without_gradient(w, b, g, lr, mu):
    b_new = mu * b + g
    return w - lr * mu * b_new, b_new


def _nesterov_uphill(w, b, g, lr, mu):
    b_new = mu * b + g
    return w + lr * (g + mu * b_new), b_new


def _nesterov_dampened(w, b, g, lr, mu):
    b_new = mu * b + (1 - mu) * g
    return w - lr * (g + mu * b_new), b_new


register(Exercise(
    id="ch06.nesterov_step",
    title="One Nesterov step (torch form)",
    reference=sol.nesterov_step,
    what="the pair (w_new, b_new) of b_new = momentum b + grad, "
         "w_new = w - lr (grad + momentum b_new) for random vectors, matrix-shaped parameters, "
         "the first step (b = 0), a zero gradient and large values; w and b must not be "
         "changed in place.",
    cases=_nesterov_cases,
    edge_cases=[
        Case((np.array([2.0, -1.0]), np.zeros(2), np.array([1.0, 0.5]), 0.1, 0.9),
             label="the first step, from b = 0"),
        Case((np.array([2.0, -1.0]), np.array([0.3, -0.6]), np.zeros(2), 0.1, 0.9),
             label="a zero gradient with a non-zero buffer"),
        Case((np.array([5e7, -1e8]), np.array([1e9, 3e9]), np.array([2e9, -5e8]), 1e-4, 0.9),
             label="large values"),
    ],
    compare=_tuple_compare(["w_new", "b_new"]),
    mistakes=[
        Mistake("heavy ball", _heavy_ball,
                "This is the heavy-ball (plain momentum) step: w moves along the buffer alone. "
                "Nesterov's step looks ahead: it moves along grad + momentum * b_new."),
        Mistake("gradient term dropped", _nesterov_without_gradient,
                "Your b_new is right, but the step of w lacks the gradient itself: Nesterov's "
                "direction is the current gradient plus the look-ahead term momentum * b_new."),
        Mistake("wrong sign", _nesterov_uphill,
                "Your w moves uphill: the step subtracts lr * (grad + momentum * b_new)."),
        Mistake("dampened buffer", _nesterov_dampened,
                "You averaged the buffer (b_new = momentum b + (1 - momentum) grad). In "
                "torch's form the new gradient enters the buffer with weight 1."),
        _swapped(sol.nesterov_step, ("w_new", "b_new")),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------- rmsprop_step
def _rmsprop_cases(rng):
    for n, eps in ((3, 1e-8), (6, 1e-3), (10, 0.05)):
        yield Case((_vec(rng, n), np.abs(_vec(rng, n)), _vec(rng, n),
                    float(rng.uniform(0.001, 0.1)), float(rng.uniform(0.8, 0.999)), eps),
                   label=f"a random {n}-dimensional step with eps = {eps:g}")
    yield Case((_vec(rng, 4), np.abs(_vec(rng, 4, 1e-8)), _vec(rng, 4, 1e-4), 0.01, 0.9, 1e-8),
               label="tiny gradients, comparable to eps")


def _rmsprop(w, v, g, lr, beta, eps, *, eps_inside=False, root=True, old_v=False,
             weights_swapped=False):
    """An RMSprop step with one typical mistake switched on by the keywords."""
    keep = 1 - beta if weights_swapped else beta
    v_new = keep * v + (1 - keep) * g ** 2
    scale = v if old_v else v_new
    if eps_inside:
        denominator = np.sqrt(scale + eps)
    else:
        denominator = (np.sqrt(scale) if root else scale) + eps
    return w - lr * g / denominator, v_new


def _rmsprop_eps_inside(w, v, g, lr, beta, eps):
    return _rmsprop(w, v, g, lr, beta, eps, eps_inside=True)


def _rmsprop_no_root(w, v, g, lr, beta, eps):
    return _rmsprop(w, v, g, lr, beta, eps, root=False)


def _rmsprop_old_v(w, v, g, lr, beta, eps):
    return _rmsprop(w, v, g, lr, beta, eps, old_v=True)


def _rmsprop_weights_swapped(w, v, g, lr, beta, eps):
    return _rmsprop(w, v, g, lr, beta, eps, weights_swapped=True)


register(Exercise(
    id="ch06.rmsprop_step",
    title="One RMSprop step (eps outside the root)",
    reference=sol.rmsprop_step,
    what="the pair (w_new, v_new) of v_new = beta v + (1 - beta) grad^2, "
         "w_new = w - lr grad / (sqrt(v_new) + eps) for random vectors, several values of eps, "
         "tiny gradients comparable to eps, the first step (v = 0), a zero gradient and large "
         "values; w and v must not be changed in place.",
    cases=_rmsprop_cases,
    edge_cases=[
        Case((np.array([1.0, -1.0]), np.zeros(2), np.array([0.2, -3.0]), 0.01, 0.9, 1e-8),
             label="the first step, from v = 0"),
        Case((np.array([1.0, -1.0]), np.array([0.5, 2.0]), np.zeros(2), 0.01, 0.9, 1e-8),
             label="a zero gradient"),
        Case((np.array([1e6, -3e6]), np.array([1e16, 4e14]), np.array([2e8, -1e7]), 0.001, 0.99,
              1e-8), label="large values"),
    ],
    compare=_tuple_compare(["w_new", "v_new"]),
    mistakes=[
        Mistake("eps inside", _rmsprop_eps_inside,
                "You put eps inside the square root, sqrt(v_new + eps). This exercise asks for "
                "the form of torch and Adam, with eps added after the root."),
        Mistake("no root", _rmsprop_no_root,
                "You divided by v_new itself. v_new averages squared gradients; divide by its "
                "square root, which has the units of a gradient."),
        Mistake("old v", _rmsprop_old_v,
                "Your v_new is right, but the step of w divided by the root of the old v. "
                "Update v first, then use v_new in the step."),
        Mistake("weights swapped", _rmsprop_weights_swapped,
                "The weights of the average are swapped: beta multiplies the old v, "
                "(1 - beta) the new squared gradient."),
        _swapped(sol.rmsprop_step, ("w_new", "v_new")),
    ],
    forbid_mutation=True,
))


# ---------------------------------------------------------------------------------------- adam_step
def _adam_cases(rng):
    for n, t, eps in ((3, 2, 1e-8), (7, 5, 1e-3), (4, 30, 0.05)):
        yield Case((_vec(rng, n), _vec(rng, n, 0.5), np.abs(_vec(rng, n)), _vec(rng, n), t,
                    float(rng.uniform(0.001, 0.1)), 0.9, 0.999, eps),
                   label=f"a random {n}-dimensional step number {t} with eps = {eps:g}")
    yield Case((_vec(rng, 5), _vec(rng, 5, 0.1), np.abs(_vec(rng, 5, 0.1)), _vec(rng, 5), 3,
                0.01, float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999)), 1e-8),
               label="random betas")


def _adam_wrong(*, bias=True, shift=0, eps_inside=False, root=True, square_after=False,
                corrected_state=False):
    """Adam steps with one typical mistake switched on."""
    def step(w, m, v, g, t, lr, beta1, beta2, eps):
        m_new = beta1 * m + (1 - beta1) * g
        if square_after:
            v_new = beta2 * v + ((1 - beta2) * g) ** 2
        else:
            v_new = beta2 * v + (1 - beta2) * g ** 2
        k = t + shift
        m_hat = m_new / (1 - beta1 ** k) if bias else m_new
        v_hat = v_new / (1 - beta2 ** k) if bias else v_new
        if eps_inside:
            denominator = np.sqrt(v_hat + eps)
        else:
            denominator = (np.sqrt(v_hat) if root else v_hat) + eps
        w_new = w - lr * m_hat / denominator
        return (w_new, m_hat, v_hat) if corrected_state else (w_new, m_new, v_new)
    return step


register(Exercise(
    id="ch06.adam_step",
    title="One Adam step with bias correction",
    reference=sol.adam_step,
    what="the triple (w_new, m_new, v_new) of Adam's step number t (t = 1 for the first step) "
         "with bias correction, for random vectors and step numbers, several values of eps and "
         "of the betas, the first step from m = v = 0, a zero gradient and large values; the "
         "inputs must not be changed in place.",
    cases=_adam_cases,
    edge_cases=[
        Case((np.array([1.0, -2.0, 0.5]), np.zeros(3), np.zeros(3), np.array([0.3, -4.0, 1e-3]),
              1, 0.01, 0.9, 0.999, 1e-8), label="the first step, from m = v = 0"),
        Case((np.array([1.0, -2.0]), np.array([0.2, -0.1]), np.array([0.04, 0.01]), np.zeros(2),
              4, 0.01, 0.9, 0.999, 1e-8), label="a zero gradient"),
        Case((np.array([1e7, -4e7]), np.array([1e8, 2e8]), np.array([1e16, 5e16]),
              np.array([3e8, -1e8]), 10, 0.001, 0.9, 0.999, 1e-8), label="large values"),
    ],
    compare=_tuple_compare(["w_new", "m_new", "v_new"]),
    mistakes=[
        Mistake("no bias correction", _adam_wrong(bias=False),
                "Your step has no bias correction: m and v start at zero, so divide them by "
                "(1 - beta1^t) and (1 - beta2^t) before the update."),
        Mistake("t off by one", _adam_wrong(shift=1),
                "The bias correction uses the wrong power: t is already the number of this "
                "step (1 for the first step), so use beta^t, not beta^(t + 1)."),
        Mistake("eps inside", _adam_wrong(eps_inside=True),
                "You put eps inside the square root. Adam adds eps after the root: "
                "sqrt(v_hat) + eps."),
        Mistake("no root", _adam_wrong(root=False),
                "You divided by v_hat itself: the denominator is the square root of v_hat "
                "(plus eps)."),
        Mistake("squared after weighting", _adam_wrong(square_after=True),
                "Your v_new squares (1 - beta2) together with the gradient. Only the gradient "
                "is squared: v_new = beta2 v + (1 - beta2) grad^2."),
        Mistake("bias-corrected state returned", _adam_wrong(corrected_state=True),
                "Your w_new is right, but you returned the bias-corrected m_hat and v_hat as "
                "the new state. Return the raw averages m_new and v_new: the next step needs "
                "them, and applies its own bias correction."),
    ],
    forbid_mutation=True,
))


# -------------------------------------------------------------------------------- polyak_parameters
def _polyak_cases(rng):
    for _ in range(4):
        mu = float(rng.uniform(0.01, 2.0))
        yield Case((mu * float(10 ** rng.uniform(0.5, 4)), mu), label="random curvatures L > mu")


def _polyak_wrong(*, root_kappa=True, square_momentum=True, lr_kind="polyak"):
    def parameters(L, mu):
        q = np.sqrt(L / mu) if root_kappa else L / mu
        momentum = (q - 1) / (q + 1)
        momentum = momentum ** 2 if square_momentum else momentum
        lr = {"polyak": 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, "gd": 2 / (L + mu),
              "no square": 4 / (np.sqrt(L) + np.sqrt(mu))}[lr_kind]
        return float(lr), float(momentum)
    return parameters


register(Exercise(
    id="ch06.polyak_parameters",
    title="Polyak's optimal heavy-ball parameters",
    reference=sol.polyak_parameters,
    what="the pair (lr, momentum) for random curvatures mu < L with condition numbers from 3 "
         "to 10^4, a perfectly conditioned problem (L = mu, no momentum) and large curvatures.",
    cases=_polyak_cases,
    edge_cases=[Case((3.0, 3.0), label="L = mu (condition number 1)"),
                Case((4e6, 1e4), label="large curvatures")],
    output="any",
    compare=_tuple_compare(["lr", "momentum"], ["scalar", "scalar"]),
    mistakes=[
        Mistake("kappa without root", _polyak_wrong(root_kappa=False),
                "Your momentum uses the condition number kappa itself; Polyak's formula uses "
                "its square root, sqrt(kappa) = sqrt(L / mu)."),
        Mistake("momentum not squared", _polyak_wrong(square_momentum=False),
                "Your momentum is (sqrt(kappa) - 1) / (sqrt(kappa) + 1); Polyak's momentum is "
                "the square of that ratio."),
        Mistake("gradient-descent rate", _polyak_wrong(lr_kind="gd"),
                "Your learning rate is the best one for plain gradient descent, 2 / (L + mu). "
                "With momentum the best rate is 4 / (sqrt(L) + sqrt(mu))^2."),
        Mistake("denominator not squared", _polyak_wrong(lr_kind="no square"),
                "Your learning rate divides by sqrt(L) + sqrt(mu); the denominator is its "
                "square."),
        _swapped(sol.polyak_parameters, ("lr", "momentum")),
    ],
))


# ------------------------------------------------------------------------------------ best_momentum
MOMENTA = ("0", "0.5", "0.8", "0.9", "0.99")

register(Exercise(
    id="ch06.best_momentum",
    title="Predict: the best momentum at lr = 1/L",
    reference="0.8",
    kind="value",
    output="choice",
    choices=MOMENTA,
    what="your prediction, compared with what the experiment gives: the heavy ball with "
         "lr = 1/L on the valley, from the chapter's start, counting the steps to f < 1e-8.",
    mistakes=[
        Mistake("no momentum", "0",
                "Plain gradient descent at lr = 1/L is the slowest of the five: along the "
                "valley floor, where the curvature is mu = 1, it shrinks the error by only "
                "1 - 1/kappa = 0.98 per step. Run the experiment in the solution and see."),
        Mistake("Polyak's momentum", "0.5",
                "Close to Polyak's momentum 0.57, but that one belongs with Polyak's rate "
                "4/(sqrt(L) + sqrt(mu))^2, about 3/L. At lr = 1/L momentum 0.5 is too weak "
                "for the flat direction: its error still shrinks along a real root of "
                "z^2 - (1 + beta - 1/kappa) z + beta = 0, about 0.96 per step."),
        Mistake("the usual default", "0.9",
                "The usual default is too much here. Once beta is above "
                "(1 - 1/sqrt(kappa))^2, about 0.74 at lr = 1/L, every direction spirals in "
                "with modulus sqrt(beta) per step: sqrt(0.9) = 0.95. Just above 0.74 is best."),
        Mistake("heavy momentum", "0.99",
                "The ball keeps circling: with beta = 0.99 every direction spirals with "
                "modulus sqrt(0.99) = 0.995 per step, slower even than plain gradient "
                "descent (0.98)."),
    ],
))


# ---------------------------------------------------------------------------------- valley_settings
VALLEY_TARGET, VALLEY_STEPS, VALLEY_HORIZON = 1e-8, 70, 2000


def _valley_cases(rng):
    valley = Quadratic.from_eigenvalues([1.0, 50.0], seed=4)    # the chapter's valley
    for k, angle in enumerate(rng.uniform(0, 2 * np.pi, 3), start=1):
        start = 5.0 * np.array([np.cos(angle), np.sin(angle)])
        yield Case((valley, start), label=f"hidden start {k} (at distance 5 from the minimum)")


def _valley_experiment(settings, case):
    """[verdict, steps to f < 1e-8 (0: never), f after 70 steps, step of divergence (0)]."""
    lr, momentum = settings
    valley, start = case.args
    optimizer = SGD(lr=lr, momentum=momentum)
    w, f_start = start, valley.loss(start)
    reached, f_budget = 0, np.nan
    for t in range(1, VALLEY_HORIZON + 1):
        w = optimizer.step(w, valley.grad(w))
        f = valley.loss(w)
        if not f <= 1e6 * f_start:                      # also NaN and infinity
            return np.array([1.0, 0, 0, t, lr, momentum])
        if t == VALLEY_STEPS:
            f_budget = f
        if f < VALLEY_TARGET and not reached:
            reached = t
        if reached and t >= VALLEY_STEPS:
            break
    verdict = REACHED if 0 < reached <= VALLEY_STEPS else 2.0
    return np.array([verdict, reached, f_budget, 0, lr, momentum])


def _valley_explain(outcome):
    verdict, reached, f_budget, diverged, lr, momentum = outcome
    settings = f"With lr = {lr:g} and momentum = {momentum:g} the heavy ball"
    if verdict == 1:
        return (f"{settings} diverged: f grew past a million times its starting value by step "
                f"{diverged:.0f}. On a quadratic it is stable only while "
                f"lr * L < 2 (1 + momentum) = {2 * (1 + momentum):.3g}; yours is "
                f"lr * L = {lr * 50:.3g} (L = 50).")
    later = (f"it gets there after {reached:.0f} steps" if reached
             else f"it does not get there within {VALLEY_HORIZON} steps")
    return (f"{settings} is too slow: after {VALLEY_STEPS} steps f = {f_budget:.1e}, "
            f"{f_budget / VALLEY_TARGET:.2g} times the target 1e-8; {later}.")


def _valley_chapter_defaults():
    return 1 / 50, 0.9


def _valley_gradient_descent():
    return 2 / 51, 0.0


def _valley_form_b_rate():
    lr, momentum = sol.valley_settings()
    return lr / (1 - momentum), momentum


def _valley_circling():
    return 1 / 50, 0.99


register(Exercise(
    id="ch06.valley_settings",
    title="Experiment: f below 1e-8 within 70 steps on the valley",
    reference=sol.valley_settings,
    what="your (lr, momentum) in SGD(lr=lr, momentum=momentum) on the chapter's valley, from "
         "three hidden starts at distance 5 from the minimum: f < 1e-8 within 70 steps from "
         "each.",
    output="any",
    cases=_valley_cases,
    run=goal_run(("lr", "momentum"),
                 {"lr": (positive, "a positive number"),
                  "momentum": (lambda beta: 0 <= beta < 1, "a number in [0, 1)")},
                 _valley_experiment),
    compare=goal_compare(_valley_explain),
    mistakes=[
        Mistake("the chapter's momentum run", _valley_chapter_defaults,
                "These are the settings of the chapter's momentum run. At lr = 1/L no momentum "
                "is fast enough: the rate itself has to grow. Polyak's analysis gives the "
                "best pair for a quadratic whose eigenvalues lie in [mu, L]."),
        Mistake("gradient descent at its best step", _valley_gradient_descent,
                "Without momentum even the best constant step 2/(L + mu) shrinks the error "
                "only by (kappa - 1)/(kappa + 1) = 0.96 per step: hundreds of steps."),
        Mistake("the rate of form (b)", _valley_form_b_rate,
                "Your rate is Polyak's divided by 1 - momentum: that is the rate alpha of the "
                "moving-average form (b). SGD(lr, momentum) is PyTorch's form (c), whose rate "
                "is lr = alpha (1 - beta)."),
        Mistake("momentum 0.99", _valley_circling,
                "With momentum 0.99 the ball keeps circling around the minimum: every "
                "direction spirals in with modulus sqrt(0.99) = 0.995 per step."),
    ],
))


# ------------------------------------------------------------------------------------ adam_iterates
class _ConstantGradient:
    """A gradient that is the same vector everywhere (the chapter's test of step lengths)."""

    def __init__(self, g):
        self.g = np.asarray(g, dtype=float)

    def __call__(self, w):
        return self.g.copy()


def _adam_run_cases(rng):
    for n, steps in ((3, 12), (6, 25)):
        yield Case((QuadraticGradient(spd(rng, n, 0.5, 20.0), rng.standard_normal(n)),
                    rng.standard_normal(n) * 2, float(rng.uniform(0.01, 0.2)), steps),
                   label=f"a random {n}-dimensional quadratic, {steps} steps")
    B = rng.standard_normal((8, 4))
    yield Case((LogCoshGradient(B, rng.standard_normal(8)), rng.standard_normal(4), 0.05, 15,
                float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.999))),
               label="a convex function that is not quadratic, random betas")


def _adam_run(*, first_uncorrected=True, power_shift=0, correct=True):
    """Adam loops with the planted bug or a partial fix: the first step uncorrected, the
    powers of the later corrections one step behind (power_shift = 0), no correction."""
    def adam_iterates(grad, w0, lr, n_steps, beta1=0.9, beta2=0.999, eps=1e-8):
        w = np.array(w0, dtype=float)
        m, v = np.zeros_like(w), np.zeros_like(w)
        iterates = [w]
        for t in range(n_steps):
            g = grad(w)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g ** 2
            k = t + power_shift if t > 0 or not first_uncorrected else None
            if correct and k is not None:
                m_hat, v_hat = m / (1 - beta1 ** max(k, 1)), v / (1 - beta2 ** max(k, 1))
            else:
                m_hat, v_hat = m, v
            w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            iterates.append(w)
        return np.array(iterates)
    return adam_iterates


register(Exercise(
    id="ch06.adam_iterates",
    title="Debug: Adam's first step",
    reference=sol.adam_iterates,
    what="the iterates w_0, ..., w_n of Adam with bias correction (steps counted from 1) on "
         "constant gradients (the step lengths of the chapter), random quadratics, a convex "
         "function that is not quadratic, random betas, a single step and no step at all.",
    cases=_adam_run_cases,
    edge_cases=[
        Case((_ConstantGradient([1.0]), np.zeros(1), 0.01, 30),
             label="a constant gradient, 30 steps (the chapter's test)"),
        Case((_ConstantGradient([1e-3, 1.0, 1e3]), np.zeros(3), 0.01, 5),
             label="a constant gradient of very different sizes"),
        Case((QuadraticGradient(np.diag([1.0, 10.0]), [1.0, 1.0]), np.array([3.0, -2.0]), 0.1,
              1), label="a single step"),
        Case((QuadraticGradient(np.diag([1.0, 10.0]), [1.0, 1.0]), np.array([3.0, -2.0]), 0.1,
              0), label="no step at all (n_steps = 0)"),
    ],
    mistakes=[
        Mistake("the code as given", _adam_run(),
                "This still behaves like the code you were given. Measure its step lengths on "
                "a constant gradient, as the chapter did: with bias correction every step is "
                "exactly lr long, the first one included. Which step is not?"),
        Mistake("first step fixed, later powers behind",
                _adam_run(first_uncorrected=False, power_shift=0),
                "Your first step is right now, but the later corrections still use the power "
                "of the step before: at the loop's t, the step number is t + 1."),
        Mistake("no bias correction", _adam_run(correct=False),
                "You removed the bias correction instead of fixing it: without it the early "
                "steps are mis-scaled (about 3.2 lr at the first step on a constant "
                "gradient). Divide m and v by 1 - beta^t with t = 1 for the first step."),
    ],
))
