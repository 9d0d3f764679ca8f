"""Hidden tests for chapter 12, A recommender by matrix factorization."""

import numpy as np

from ...solutions import ch12 as sol
from ..exercise import Case, Exercise, Mistake, register
from ..outputs import output_problem, values_close
from ..sandbox import describe_type
from ._common import Invalid


def _model(rng, n_users, n_items, k, n_pairs):
    """A random biased model and ``n_pairs`` (user, item) pairs, some repeated."""
    return (float(rng.uniform(2.5, 4.0)), rng.normal(0.0, 0.5, n_users),
            rng.normal(0.0, 0.5, n_items), rng.normal(0.0, 0.7, (n_users, k)),
            rng.normal(0.0, 0.7, (n_items, k)), rng.integers(0, n_users, n_pairs),
            rng.integers(0, n_items, n_pairs))


# ------------------------------------------------------------------------------------------ predict
def _predict_cases(rng):
    for n_users, n_items, k, n_pairs in ((6, 4, 2, 5), (30, 20, 3, 40), (5, 9, 1, 9)):
        yield Case(_model(rng, n_users, n_items, k, n_pairs),
                   label=f"{n_pairs} pairs of {n_users} users and {n_items} items, rank {k}")


def _predict_without_biases(mean, b_user, b_item, P, Q, users, items):
    return mean + np.sum(P[users] * Q[items], axis=1)


def _predict_without_mean(mean, b_user, b_item, P, Q, users, items):
    return b_user[users] + b_item[items] + np.sum(P[users] * Q[items], axis=1)


def _predict_swapped_biases(mean, b_user, b_item, P, Q, users, items):
    return mean + b_user[items % len(b_user)] + b_item[users % len(b_item)] + \
        np.sum(P[users] * Q[items], axis=1)


def _predict_summed_dots(mean, b_user, b_item, P, Q, users, items):
    return mean + b_user[users] + b_item[items] + np.sum(P[users] * Q[items])


register(Exercise(
    id="ch12.predict",
    title="Predicted ratings",
    reference=sol.predict,
    what="the predictions for random models of rank 1 to 3, a single pair, pairs that repeat, "
         "and a model of rank 0 (biases only); the inputs must not be changed.",
    cases=_predict_cases,
    edge_cases=[Case(_model(np.random.default_rng(1), 4, 3, 2, 1), label="a single pair"),
                Case((3.0, np.array([0.5, -0.5]), np.array([0.2, 0.0, -0.1]),
                      np.array([[1.0, 2.0], [0.5, -1.0]]),
                      np.array([[0.0, 1.0], [1.0, 1.0], [-2.0, 0.5]]),
                      np.array([1, 1, 0, 1]), np.array([2, 2, 0, 1])),
                     label="pairs that repeat"),
                Case((3.5, np.array([0.1, 0.3, -0.2]), np.array([0.4, -0.4]),
                      np.zeros((3, 0)), np.zeros((2, 0)), np.array([0, 2, 1]),
                      np.array([1, 1, 0])), label="rank 0: the bias baseline")],
    mistakes=[
        Mistake("no biases", _predict_without_biases,
                "Your predictions leave out the biases: add the user's b_user[users] and the "
                "item's b_item[items] to mean and the dot product."),
        Mistake("no global mean", _predict_without_mean,
                "Your predictions are off by the same amount everywhere: add the global "
                "mean mean."),
        Mistake("biases swapped", _predict_swapped_biases,
                "You indexed the user biases with the items and the item biases with the "
                "users: b_user[users] and b_item[items]."),
        Mistake("one sum over everything", _predict_summed_dots,
                "You summed the products of all pairs into one number. Each pair needs its "
                "own dot product: sum P[users] * Q[items] along axis=1."),
    ],
    forbid_mutation=True,
))


# -------------------------------------------------------------------------------------- factor_step
def _step_cases(rng):
    for k in (1, 3, 6):
        yield Case((rng.normal(0.0, 0.7, k), rng.normal(0.0, 0.7, k),
                    float(rng.normal(0.0, 1.0)), float(rng.uniform(0.005, 0.2)),
                    float(rng.uniform(0.0, 0.3))), label=f"random factors of rank {k}")


def _factor_pair_problem(out, case) -> Invalid | None:
    """Why ``out`` is not the tuple (p_new, q_new) of the shapes of p and q, or None."""
    wanted = "a tuple of two NumPy arrays (p_new, q_new)"
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return Invalid(f"returned {describe_type(out)}; it must return {wanted}.")
    for name, vector in zip(("p_new", "q_new"), out):
        if not isinstance(vector, np.ndarray):
            return Invalid(f"returned {name} as {describe_type(vector)}; it must return "
                           f"{wanted}.")
        if vector.shape != case.args[0].shape:
            return Invalid(f"returned {name} of shape {vector.shape}; it must have the "
                           f"shape {case.args[0].shape} of p and q.")
    return None


def _run_factor_step(function, case):
    """The two new factors as one vector, or an Invalid saying what is wrong with them."""
    out = function(*case.args, **case.kwargs)
    return _factor_pair_problem(out, case) or np.concatenate(out)


def _compare_factor_step(got, expected, case):
    if isinstance(got, Invalid):
        return f"Your function {got.message}"
    problem = output_problem("array", got, expected)
    if problem:
        return f"Your function {problem}"
    k = len(case.args[0])
    wrong = [name for name, part in (("p_new", slice(0, k)), ("q_new", slice(k, None)))
             if not values_close(got[part], expected[part], 1e-9, 1e-12)]
    return f"Your function returned a wrong {' and '.join(wrong)}." if wrong else None


def _step_with_new_p(p, q, e, lr, lam):
    p_new = p + lr * (e * q - lam * p)
    return p_new, q + lr * (e * p_new - lam * q)


def _factor_step_uphill(p, q, e, lr, lam):
    return p - lr * (e * q - lam * p), q - lr * (e * p - lam * q)


def _step_penalty_added(p, q, e, lr, lam):
    return p + lr * (e * q + lam * p), q + lr * (e * p + lam * q)


def _step_own_factor(p, q, e, lr, lam):
    return p + lr * (e * p - lam * p), q + lr * (e * q - lam * q)


def _step_no_penalty(p, q, e, lr, lam):
    return p + lr * e * q, q + lr * e * p


register(Exercise(
    id="ch12.factor_step",
    title="One SGD step on a pair of factors",
    reference=sol.factor_step,
    what="the tuple (p_new, q_new) for random factors of rank 1 to 6, a zero error, no "
         "regularisation, and factors that are zero; the inputs must not be changed.",
    output="any",
    run=_run_factor_step,
    compare=_compare_factor_step,
    cases=_step_cases,
    edge_cases=[Case((np.array([0.5, -1.0]), np.array([2.0, 0.3]), 0.0, 0.1, 0.2),
                     label="a zero error: only the penalty acts"),
                Case((np.array([0.4, 0.1, -0.3]), np.array([-1.0, 0.6, 0.8]), 1.5, 0.05, 0.0),
                     label="no regularisation (lam = 0)"),
                Case((np.zeros(2), np.array([1.0, -2.0]), 0.7, 0.1, 0.1),
                     label="a user factor that is zero")],
    mistakes=[
        Mistake("new p in the step of q", _step_with_new_p,
                "You used the updated p_new in the step of q. Both steps are one gradient "
                "step taken from the same point: compute q_new from the old p."),
        Mistake("uphill", _factor_step_uphill,
                "Your step goes uphill. With e = r - r_hat the gradient of e^2/2 with "
                "respect to p is -e q, so the step adds lr * e * q."),
        Mistake("penalty added", _step_penalty_added,
                "Your penalty pushes the factors away from 0. The gradient of "
                "(lam/2) |p|^2 is lam * p, and a step subtracts it: p + lr (e q - lam p)."),
        Mistake("own factor", _step_own_factor,
                "You moved p along p and q along q. The error of the dot product p . q "
                "moves each factor along the OTHER one: p gets e * q, q gets e * p."),
        Mistake("no penalty", _step_no_penalty,
                "Your step leaves out the regularisation: subtract lr * lam * p from p and "
                "lr * lam * q from q."),
    ],
    forbid_mutation=True,
))


# --------------------------------------------------------------------------------------- ridge_user
def _ridge_case(rng, n, k, lam):
    Z = np.column_stack([np.ones(n), rng.normal(0.0, 0.8, (n, k))])
    return Z, Z @ rng.normal(0.0, 1.0, k + 1) + rng.normal(0.0, 0.5, n), lam


def _ridge_user_cases(rng):
    for n, k in ((12, 2), (40, 3), (6, 4)):
        yield Case(_ridge_case(rng, n, k, float(rng.uniform(0.02, 0.5))),
                   label=f"a user with {n} ratings, rank {k}")


def _ridge_lam_alone(Z, y, lam):
    return np.linalg.solve(Z.T @ Z + lam * np.eye(Z.shape[1]), Z.T @ y)


def _ridge_unregularised(Z, y, lam):
    return np.linalg.lstsq(Z, y, rcond=None)[0]


def _ridge_everywhere(Z, y, lam):
    return np.linalg.solve(Z.T @ Z + lam * len(y), Z.T @ y)


def _ridge_mean_of_targets(Z, y, lam):
    n, d = Z.shape
    return np.linalg.solve(Z.T @ Z + lam * n * np.eye(d), Z.T @ y / n)


register(Exercise(
    id="ch12.ridge_user",
    title="The ALS update of one user",
    reference=sol.ridge_user,
    what="the solution for random users with 6 to 40 ratings, a user with a single rating, "
         "a strong penalty and a weak one; the inputs must not be changed.",
    cases=_ridge_user_cases,
    edge_cases=[Case(_ridge_case(np.random.default_rng(4), 1, 2, 0.1),
                     label="a user with a single rating"),
                Case(_ridge_case(np.random.default_rng(5), 8, 2, 50.0),
                     label="a strong penalty (lam = 50)"),
                Case(_ridge_case(np.random.default_rng(6), 20, 3, 1e-3),
                     label="a weak penalty (lam = 0.001)")],
    mistakes=[
        Mistake("lam not times n", _ridge_lam_alone,
                "Your penalty is lam, not lam * n: in the loss the user's penalty is counted "
                "once per rating, so the matrix is Z^T Z + lam * n * I, n = len(y)."),
        Mistake("no penalty", _ridge_unregularised,
                "You solved the least-squares problem without the penalty: add lam * n * I "
                "to Z^T Z before solving."),
        Mistake("penalty on every entry", _ridge_everywhere,
                "You added lam * n to every entry of Z^T Z. The penalty adds it to the "
                "diagonal only: Z^T Z + lam * n * np.eye(d)."),
        Mistake("right-hand side divided by n", _ridge_mean_of_targets,
                "You divided only the right-hand side by n. Either divide both sides or "
                "neither: x = (Z^T Z + lam n I)^{-1} Z^T y."),
    ],
    forbid_mutation=True,
))


# ------------------------------------------------------------------------------------ align_factors
def _rotation(rng, k):
    R, _ = np.linalg.qr(rng.standard_normal((k, k)))
    return R


def _align_case(rng, n, k, noise):
    P1 = rng.normal(0.0, 1.0, (n, k))
    return P1, P1 @ _rotation(rng, k) + rng.normal(0.0, noise, (n, k))


def _align_cases(rng):
    for n, k, noise in ((20, 2, 0.05), (50, 3, 0.1), (8, 4, 0.2)):
        yield Case(_align_case(rng, n, k, noise),
                   label=f"{n} users, rank {k}, factors that differ by a rotation and noise")


def _align_transposed(P1, P2):
    return sol.align_factors(P1, P2).T


def _align_least_squares(P1, P2):
    return np.linalg.lstsq(P1, P2, rcond=None)[0]


def _align_with_singular_values(P1, P2):
    U, s, Vt = np.linalg.svd(P1.T @ P2)
    return U @ np.diag(s) @ Vt


register(Exercise(
    id="ch12.align_factors",
    title="Aligning two factorizations",
    reference=sol.align_factors,
    what="the orthogonal R for random factor matrices of rank 1 to 4 that differ by a "
         "rotation and noise, exactly by a reflection, and by nothing; the inputs must not "
         "be changed.",
    cases=_align_cases,
    edge_cases=[Case((np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]),
                      np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])),
                     label="factors that differ exactly by a reflection"),
                Case(_align_case(np.random.default_rng(7), 10, 3, 0.0)[:1] * 2,
                     label="two equal factor matrices"),
                Case(_align_case(np.random.default_rng(8), 15, 1, 0.1),
                     label="rank 1")],
    mistakes=[
        Mistake("transposed", _align_transposed,
                "Your R is transposed: with P1^T P2 = U S V^T the best R is U V^T (U on the "
                "left, as P1 is on the left of the product)."),
        Mistake("least squares", _align_least_squares,
                "You solved the least-squares problem over all matrices R. The factors "
                "differ by a rotation or reflection: R must be orthogonal, R = U V^T from "
                "the SVD of P1^T P2."),
        Mistake("singular values kept", _align_with_singular_values,
                "Your R is U S V^T, which is P1^T P2 itself and not orthogonal: drop the "
                "singular values, R = U V^T."),
    ],
    forbid_mutation=True,
))
